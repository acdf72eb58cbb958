// Library-owned output tensors, the DLPack hand-off and concatenate_context_input
// (compatibility.md §10).
#include <dlpack/dlpack.h>

#include "capi_test_util.h"

namespace sftest {
namespace {

class CapiOwnedTensors : public ::testing::Test {
 protected:
  void SetUp() override {
    ids_ = Identity("ids", 3);
    ASSERT_TRUE(ids_);
    emb_ = Embedding(ids_.get(), EmbeddingSpec{.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                               .table = {1, 2, 3, 4, 5, 6}});
    ASSERT_TRUE(emb_);
    layer_ = Layer({emb_.get()});
    ASSERT_TRUE(layer_);
    // ex0: {0}, {1, 2}; ex1: {2}; ex2: nothing.
    SF_ASSERT_OK(batch_.Sparse<int64_t>("ids", {{0, 0, 0}, {0, 1, 0}, {0, 1, 1}, {1, 0, 0}}, {3, 2, 2},
                                        {0, 1, 2, 2}));
  }
  // [3, 2, 2]
  const std::vector<float> want_dense_{1, 2, 8, 10, 5, 6, 0, 0, 0, 0, 0, 0};
  const std::vector<int64_t> want_lengths_{2, 1, 0};
  const std::vector<uint8_t> want_mask_{1, 1, 1, 0, 0, 0};
  ColumnPtr ids_, emb_;
  FeaturesPtr layer_;
  Batch batch_;
};

TEST_F(CapiOwnedTensors, ShapesDtypesAndData) {
  seqfeat_tensor *dense = nullptr, *lengths = nullptr, *mask = nullptr;
  SF_ASSERT_OK(seqfeat_features_pack(layer_.get(), batch_.get(), nullptr, &dense, &lengths, &mask,
                                     nullptr));
  TensorPtr d(dense), l(lengths), m(mask);
  ASSERT_NE(dense, nullptr);
  ASSERT_NE(lengths, nullptr);
  ASSERT_NE(mask, nullptr);
  EXPECT_EQ(seqfeat_tensor_dtype(dense), SEQFEAT_DTYPE_FLOAT32);
  EXPECT_EQ(seqfeat_tensor_ndim(dense), 3);
  EXPECT_EQ(Shape(dense), (std::vector<int64_t>{3, 2, 2}));
  EXPECT_EQ(seqfeat_tensor_size(dense), 12);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(seqfeat_tensor_data(dense)) % 64, 0u) << "64-byte aligned";
  EXPECT_EQ(Values<float>(dense), want_dense_);
  EXPECT_EQ(seqfeat_tensor_dtype(lengths), SEQFEAT_DTYPE_INT64);
  EXPECT_EQ(Shape(lengths), (std::vector<int64_t>{3}));
  EXPECT_EQ(Values<int64_t>(lengths), want_lengths_);
  EXPECT_EQ(seqfeat_tensor_dtype(mask), SEQFEAT_DTYPE_UINT8);
  EXPECT_EQ(Shape(mask), (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(Values<uint8_t>(mask), want_mask_);
}

TEST_F(CapiOwnedTensors, MaskIsOptional) {
  seqfeat_tensor *dense = nullptr, *lengths = nullptr;
  const seqfeat_pack_options o = PackOptions();
  SF_ASSERT_OK(seqfeat_features_pack(layer_.get(), batch_.get(), &o, &dense, &lengths, nullptr, nullptr));
  TensorPtr d(dense), l(lengths);
  EXPECT_EQ(Values<float>(dense), want_dense_);
  EXPECT_EQ(Values<int64_t>(lengths), want_lengths_);
}

TEST_F(CapiOwnedTensors, PackAndPackIntoAgree) {
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer_.get(), batch_, &p));
  EXPECT_EQ(p.dense, want_dense_);
  EXPECT_EQ(p.lengths, want_lengths_);
  EXPECT_EQ(p.mask, want_mask_);
}

int g_deleter_calls = 0;

template <class T>
std::vector<T> DlValues(const DLTensor& t) {
  int64_t n = 1;
  for (int i = 0; i < t.ndim; ++i) n *= t.shape[i];
  const T* p = reinterpret_cast<const T*>(static_cast<const char*>(t.data) + t.byte_offset);
  return std::vector<T>(p, p + n);
}

void ExpectRowMajor(const DLTensor& t) {
  if (t.strides == nullptr) return;  // NULL means compact row-major
  int64_t expected = 1;
  for (int i = t.ndim - 1; i >= 0; --i) {
    EXPECT_EQ(t.strides[i], expected) << "axis " << i;
    expected *= t.shape[i];
  }
}

TEST_F(CapiOwnedTensors, DlpackHandOff) {
  seqfeat_tensor *dense = nullptr, *lengths = nullptr, *mask = nullptr;
  SF_ASSERT_OK(seqfeat_features_pack(layer_.get(), batch_.get(), nullptr, &dense, &lengths, &mask,
                                     nullptr));
  const void* data = seqfeat_tensor_data(dense);

  DLManagedTensor* managed = nullptr;
  SF_ASSERT_OK(seqfeat_tensor_to_dlpack(&dense, &managed));
  EXPECT_EQ(dense, nullptr) << "ownership moves to the DLManagedTensor";
  ASSERT_NE(managed, nullptr);
  const DLTensor& t = managed->dl_tensor;
  EXPECT_EQ(t.device.device_type, kDLCPU);
  EXPECT_EQ(t.device.device_id, 0);
  EXPECT_EQ(t.ndim, 3);
  ASSERT_NE(t.shape, nullptr);
  EXPECT_EQ(std::vector<int64_t>(t.shape, t.shape + 3), (std::vector<int64_t>{3, 2, 2}));
  ExpectRowMajor(t);
  EXPECT_EQ(t.dtype.code, kDLFloat);
  EXPECT_EQ(t.dtype.bits, 32);
  EXPECT_EQ(t.dtype.lanes, 1);
  EXPECT_EQ(t.byte_offset, 0u);
  EXPECT_EQ(t.data, data) << "zero-copy hand-off";
  EXPECT_EQ(DlValues<float>(t), want_dense_);
  ASSERT_NE(managed->deleter, nullptr);
  managed->deleter(managed);  // exactly once

  DLManagedTensor* ml = nullptr;
  SF_ASSERT_OK(seqfeat_tensor_to_dlpack(&lengths, &ml));
  EXPECT_EQ(lengths, nullptr);
  EXPECT_EQ(ml->dl_tensor.ndim, 1);
  EXPECT_EQ(ml->dl_tensor.shape[0], 3);
  ExpectRowMajor(ml->dl_tensor);
  EXPECT_EQ(ml->dl_tensor.dtype.code, kDLInt);
  EXPECT_EQ(ml->dl_tensor.dtype.bits, 64);
  EXPECT_EQ(ml->dl_tensor.dtype.lanes, 1);
  EXPECT_EQ(DlValues<int64_t>(ml->dl_tensor), want_lengths_);
  ml->deleter(ml);

  DLManagedTensor* mm = nullptr;
  SF_ASSERT_OK(seqfeat_tensor_to_dlpack(&mask, &mm));
  EXPECT_EQ(mask, nullptr);
  EXPECT_EQ(mm->dl_tensor.ndim, 2);
  EXPECT_EQ(std::vector<int64_t>(mm->dl_tensor.shape, mm->dl_tensor.shape + 2),
            (std::vector<int64_t>{3, 2}));
  ExpectRowMajor(mm->dl_tensor);
  EXPECT_EQ(mm->dl_tensor.dtype.code, kDLUInt);
  EXPECT_EQ(mm->dl_tensor.dtype.bits, 8);
  EXPECT_EQ(DlValues<uint8_t>(mm->dl_tensor), want_mask_);
  mm->deleter(mm);
}

TEST_F(CapiOwnedTensors, DlpackOfSingleColumnTensorAndEmptyBatch) {
  seqfeat_tensor *dense = nullptr, *lengths = nullptr;
  SF_ASSERT_OK(seqfeat_column_get_sequence_dense_tensor(emb_.get(), batch_.get(), &dense, &lengths));
  TensorPtr l(lengths);
  DLManagedTensor* managed = nullptr;
  SF_ASSERT_OK(seqfeat_tensor_to_dlpack(&dense, &managed));
  EXPECT_EQ(DlValues<float>(managed->dl_tensor), want_dense_);
  managed->deleter(managed);

  // A zero-sized tensor ([2, 0, 2]) is handed off as well.
  Batch empty;
  SF_ASSERT_OK(empty.Sparse<int64_t>("ids", {}, {2, 0}, std::vector<int64_t>{}));
  seqfeat_tensor *d0 = nullptr, *l0 = nullptr;
  SF_ASSERT_OK(seqfeat_features_pack(layer_.get(), empty.get(), nullptr, &d0, &l0, nullptr, nullptr));
  TensorPtr keep_l0(l0);
  EXPECT_EQ(seqfeat_tensor_size(d0), 0);
  EXPECT_EQ(Shape(d0), (std::vector<int64_t>{2, 0, 2}));
  DLManagedTensor* m0 = nullptr;
  SF_ASSERT_OK(seqfeat_tensor_to_dlpack(&d0, &m0));
  EXPECT_EQ(m0->dl_tensor.ndim, 3);
  EXPECT_EQ(m0->dl_tensor.shape[1], 0);
  m0->deleter(m0);
}

// The deleter frees exactly once; a consumer-side wrapper counts the calls.
struct CountingContext {
  DLManagedTensor* inner;
  DLManagedTensor outer;
};

TEST_F(CapiOwnedTensors, DeleterRunsOnceThroughAConsumerWrapper) {
  seqfeat_tensor *dense = nullptr, *lengths = nullptr;
  SF_ASSERT_OK(seqfeat_features_pack(layer_.get(), batch_.get(), nullptr, &dense, &lengths, nullptr,
                                     nullptr));
  TensorPtr l(lengths);
  DLManagedTensor* managed = nullptr;
  SF_ASSERT_OK(seqfeat_tensor_to_dlpack(&dense, &managed));
  g_deleter_calls = 0;
  auto* ctx = new CountingContext{managed, *managed};
  ctx->outer.manager_ctx = ctx;
  ctx->outer.deleter = [](DLManagedTensor* self) {
    auto* c = static_cast<CountingContext*>(self->manager_ctx);
    ++g_deleter_calls;
    c->inner->deleter(c->inner);
    delete c;
  };
  ctx->outer.deleter(&ctx->outer);
  EXPECT_EQ(g_deleter_calls, 1);
}

// ---------------------------------------------------------------------------------------------
// concatenate_context_input
// ---------------------------------------------------------------------------------------------
TEST(CapiConcatenateContextInput, SequenceFirstThenContextPerStep) {
  const float context[] = {10, 20, 30, 40};            // [2, 2]
  const float sequence[] = {1, 2, 3, 4};               // [2, 2, 1]
  std::vector<float> out(12, -1.f);                    // [2, 2, 3]
  SF_ASSERT_OK(seqfeat_concatenate_context_input(context, 2, sequence, 2, 2, 1, out.data(), out.size()));
  EXPECT_EQ(out, (std::vector<float>{1, 10, 20, 2, 10, 20, 3, 30, 40, 4, 30, 40}));
}

TEST(CapiConcatenateContextInput, WiderSequence) {
  const float context[] = {9};                         // [1, 1]
  const float sequence[] = {1, 2, 3, 4, 5, 6};         // [1, 3, 2]
  std::vector<float> out(9, -1.f);                     // [1, 3, 3]
  SF_ASSERT_OK(seqfeat_concatenate_context_input(context, 1, sequence, 1, 3, 2, out.data(), out.size()));
  EXPECT_EQ(out, (std::vector<float>{1, 2, 9, 3, 4, 9, 5, 6, 9}));
}

TEST(CapiConcatenateContextInput, LargerBufferKeepsTail) {
  const float context[] = {7, 8};
  const float sequence[] = {1, 2};  // [2, 1, 1]
  std::vector<float> out(8, -1.f);  // needs 2 * 1 * 2 = 4
  SF_ASSERT_OK(seqfeat_concatenate_context_input(context, 1, sequence, 2, 1, 1, out.data(), out.size()));
  EXPECT_EQ(out, (std::vector<float>{1, 7, 2, 8, -1, -1, -1, -1}));
}

TEST(CapiConcatenateContextInput, ZeroSteps) {
  const float context[] = {7, 8};
  const float sequence[] = {0};
  float out[1] = {-1};
  SF_ASSERT_OK(seqfeat_concatenate_context_input(context, 1, sequence, 2, 0, 1, out, 0));
  EXPECT_EQ(out[0], -1);
}

}  // namespace
}  // namespace sftest
