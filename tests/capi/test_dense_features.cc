// The DenseFeatures layer for context (non-sequence) columns (compatibility.md §12): NULL arguments,
// construction errors, values of numeric / embedding / indicator columns, sequence columns
// rejected with TF's message, caller buffer untouched on failure.
#include "capi_test_util.h"

namespace sftest {
namespace {

struct DenseFeaturesDeleter {
  void operator()(seqfeat_dense_features* f) const { seqfeat_dense_features_free(f); }
};
using DenseFeaturesPtr = std::unique_ptr<seqfeat_dense_features, DenseFeaturesDeleter>;

Outcome CreateDense(std::initializer_list<const seqfeat_column*> columns, DenseFeaturesPtr* out) {
  std::vector<const seqfeat_column*> v(columns);
  seqfeat_dense_features* raw = Sentinel<seqfeat_dense_features>();
  Outcome o = Capture(seqfeat_dense_features_create(v.data(), v.size(), &raw));
  if (o.status == SEQFEAT_OK) {
    out->reset(raw);
  } else {
    EXPECT_EQ(raw, Sentinel<seqfeat_dense_features>()) << "out written on failure";
  }
  return o;
}

Outcome PackDense(const seqfeat_dense_features* f, const Batch& b, int64_t* batch_size,
                  std::vector<float>* out) {
  int64_t depth = -1;
  Outcome o = Capture(seqfeat_dense_features_output_shape(f, b.get(), batch_size, &depth));
  if (o.status != SEQFEAT_OK) return o;
  out->assign(static_cast<size_t>(*batch_size * depth), -99.0f);
  return Capture(seqfeat_dense_features_pack_into(f, b.get(), out->data(), out->size()));
}

class CapiContextColumns : public ::testing::Test {
 protected:
  void SetUp() override {
    age_ = Numeric("age", {2}, 0.0f, /*sequence=*/0);
    ctx_ = Identity("ctx", 3, SEQFEAT_NO_DEFAULT, /*sequence=*/0);
    ASSERT_TRUE(age_ && ctx_);
    emb_ = Embedding(ctx_.get(), EmbeddingSpec{.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                               .table = {1, 2, 3, 4, 5, 6}});
    ind_ = Indicator(ctx_.get());
    ASSERT_TRUE(emb_ && ind_);
    ASSERT_TRUE(IsStatus(CreateDense({ind_.get(), emb_.get(), age_.get()}, &layer_), SEQFEAT_OK));
    SF_ASSERT_OK(batch_.Dense<float>("age", {2, 2}, {1, 2, 3, 4}));
    // ex0 ids {0, 2}; ex1 {-1}: pruned -> zero embedding, no count.
    SF_ASSERT_OK(batch_.Sparse<int64_t>("ctx", {{0, 0}, {0, 1}, {1, 2}}, {2, 3}, {0, 2, -1}));
  }
  ColumnPtr age_, ctx_, emb_, ind_;
  DenseFeaturesPtr layer_;
  Batch batch_;
};

TEST_F(CapiContextColumns, SortedColumnsAndValues) {
  // age (2) | ctx_embedding (2) | ctx_indicator (3)
  EXPECT_EQ(seqfeat_dense_features_depth(layer_.get()), 7);
  int64_t b = -1;
  std::vector<float> out;
  ASSERT_TRUE(IsStatus(PackDense(layer_.get(), batch_, &b, &out), SEQFEAT_OK));
  EXPECT_EQ(b, 2);
  // ex0: E0 + E2 = (6, 8); ex1: (0, 0).
  EXPECT_EQ(out, (std::vector<float>{1, 2, 6, 8, 1, 0, 1,  //
                                     3, 4, 0, 0, 0, 0, 0}));
}

TEST_F(CapiContextColumns, NullArguments) {
  const seqfeat_column* cols[] = {age_.get()};
  const seqfeat_column* with_null[] = {age_.get(), nullptr};
  seqfeat_dense_features* out = Sentinel<seqfeat_dense_features>();
  SF_EXPECT_INVALID(seqfeat_dense_features_create(nullptr, 1, &out));
  SF_EXPECT_INVALID(seqfeat_dense_features_create(with_null, 2, &out));
  SF_EXPECT_INVALID(seqfeat_dense_features_create(cols, 0, &out));
  EXPECT_EQ(out, Sentinel<seqfeat_dense_features>());
  SF_EXPECT_INVALID(seqfeat_dense_features_create(cols, 1, nullptr));
  seqfeat_dense_features_free(nullptr);
  EXPECT_EQ(seqfeat_dense_features_depth(nullptr), 0);
  int64_t b = -1, d = -1;
  SF_EXPECT_INVALID(seqfeat_dense_features_output_shape(nullptr, batch_.get(), &b, &d));
  SF_EXPECT_INVALID(seqfeat_dense_features_output_shape(layer_.get(), nullptr, &b, &d));
  SF_EXPECT_INVALID(seqfeat_dense_features_output_shape(layer_.get(), batch_.get(), nullptr, &d));
  SF_EXPECT_INVALID(seqfeat_dense_features_output_shape(layer_.get(), batch_.get(), &b, nullptr));
  EXPECT_EQ(b, -1);
  EXPECT_EQ(d, -1);
  std::vector<float> buf(14, 5.0f);
  SF_EXPECT_INVALID(seqfeat_dense_features_pack_into(nullptr, batch_.get(), buf.data(), buf.size()));
  SF_EXPECT_INVALID(seqfeat_dense_features_pack_into(layer_.get(), nullptr, buf.data(), buf.size()));
  SF_EXPECT_INVALID(seqfeat_dense_features_pack_into(layer_.get(), batch_.get(), nullptr, buf.size()));
  EXPECT_EQ(buf, std::vector<float>(14, 5.0f));
}

TEST_F(CapiContextColumns, BufferTooSmallLeavesBufferUnchanged) {
  std::vector<float> buf(13, 5.0f);
  EXPECT_TRUE(IsStatus(Capture(seqfeat_dense_features_pack_into(layer_.get(), batch_.get(),
                                                                buf.data(), buf.size())),
                       SEQFEAT_ERR_BUFFER_TOO_SMALL));
  EXPECT_EQ(buf, std::vector<float>(13, 5.0f));
}

TEST_F(CapiContextColumns, OutOfRangeIdLeavesBufferUnchanged) {
  Batch bad;
  SF_ASSERT_OK(bad.Dense<float>("age", {2, 2}, {1, 2, 3, 4}));
  SF_ASSERT_OK(bad.Sparse<int64_t>("ctx", {{0, 0}, {1, 0}}, {2, 1}, {1, 3}));
  std::vector<float> buf(14, 5.0f);
  const Outcome o = Capture(seqfeat_dense_features_pack_into(layer_.get(), bad.get(), buf.data(), buf.size()));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_OUT_OF_RANGE));
  EXPECT_EQ(buf, std::vector<float>(14, 5.0f));
}

TEST(CapiDenseFeaturesCreate, ErrorsAndSequenceColumns) {
  ColumnPtr seq_num = Numeric("seq_num");
  ColumnPtr seq_ids = Identity("seq_ids", 3);
  ColumnPtr ctx = Identity("ctx", 3, SEQFEAT_NO_DEFAULT, 0);
  ColumnPtr a = Numeric("a", {}, 0.0f, 0), a2 = Numeric("a", {2}, 0.0f, 0);
  ASSERT_TRUE(seq_num && seq_ids && ctx && a && a2);
  DenseFeaturesPtr f;
  // A sequence numeric column is rejected at creation.
  Outcome o = CreateDense({seq_num.get()}, &f);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"seq_num"}));
  // Duplicate names and non-dense columns.
  o = CreateDense({a.get(), a2.get()}, &f);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"a"}));
  o = CreateDense({ctx.get()}, &f);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"ctx"}));
  // An embedding over a sequence categorical column is accepted and rejected when packing:
  // TF: "categorical_column must not be of type SequenceCategoricalColumn".
  ColumnPtr emb = Embedding(seq_ids.get(), EmbeddingSpec{.dimension = 2});
  ASSERT_TRUE(emb);
  ASSERT_TRUE(IsStatus(CreateDense({emb.get()}, &f), SEQFEAT_OK));
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("seq_ids", {{0, 0}}, {1, 1}, {1}));
  int64_t bs = 0;
  std::vector<float> out;
  o = PackDense(f.get(), b, &bs, &out);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"seq_ids_embedding", "SequenceCategoricalColumn"}));
}

TEST(CapiDenseFeaturesPack, NumericNeedsDenseInput) {
  ColumnPtr age = Numeric("age", {}, 0.0f, /*sequence=*/0);
  ASSERT_TRUE(age);
  DenseFeaturesPtr f;
  ASSERT_TRUE(IsStatus(CreateDense({age.get()}, &f), SEQFEAT_OK));
  Batch sparse;
  SF_ASSERT_OK(sparse.Sparse<float>("age", {{0, 0}}, {1, 1}, {1}));
  int64_t bs = 0;
  std::vector<float> out;
  const Outcome o = PackDense(f.get(), sparse, &bs, &out);
  EXPECT_TRUE(IsOneOf(o, {SEQFEAT_ERR_INVALID_ARGUMENT, SEQFEAT_ERR_DTYPE_MISMATCH}));
  EXPECT_TRUE(HasAll(o.message, {"age"}));
  Batch dense;
  SF_ASSERT_OK(dense.Dense<int64_t>("age", {3, 1}, {30, 41, 52}));
  ASSERT_TRUE(IsStatus(PackDense(f.get(), dense, &bs, &out), SEQFEAT_OK));
  EXPECT_EQ(out, (std::vector<float>{30, 41, 52}));
}

TEST(CapiDenseFeaturesPack, MeanOverAllIdsOfTheExampleAndSharedTable) {
  ColumnPtr aaa = Identity("aaa", 2, SEQFEAT_NO_DEFAULT, 0);
  ColumnPtr bbb = Identity("bbb", 2);  // a sequence column shares the table but is not used here
  ASSERT_TRUE(aaa && bbb);
  const seqfeat_column* cats[] = {aaa.get(), bbb.get()};
  const EmbeddingSpec spec{.dimension = 2, .table = {2, 0, 0, 4}};
  const seqfeat_embedding_options o = EmbeddingOptions(spec);
  seqfeat_column* out[2] = {nullptr, nullptr};
  SF_ASSERT_OK(seqfeat_shared_embeddings_create(cats, 2, &o, nullptr, out));
  ColumnPtr aaa_shared(out[0]), bbb_shared(out[1]);
  DenseFeaturesPtr f;
  ASSERT_TRUE(IsStatus(CreateDense({aaa_shared.get()}, &f), SEQFEAT_OK));
  Batch b;
  // ex0 {0, 1, 1} -> (2 + 0 + 0, 0 + 4 + 4) / 3; ex1 {} -> 0; ex2 {1} -> (0, 4).
  SF_ASSERT_OK(b.Sparse<int64_t>("aaa", {{0, 0}, {0, 1}, {0, 2}, {2, 0}}, {3, 3}, {0, 1, 1, 1}));
  int64_t bs = 0;
  std::vector<float> dense;
  ASSERT_TRUE(IsStatus(PackDense(f.get(), b, &bs, &dense), SEQFEAT_OK));
  EXPECT_EQ(bs, 3);
  EXPECT_TRUE(Near(dense, {2.0f / 3, 8.0f / 3, 0, 0, 0, 4}));
}

// TF prunes entries with weight <= 0 before the gather under mean and sqrtn, so an id past the
// table there is dropped, as in SequenceFeatures; under sum, or with a positive weight, the
// gather fails.
TEST(CapiDenseFeaturesPack, OutOfRangeIdWithPrunedWeightIsDropped) {
  ColumnPtr ctx = Identity("ctx", 3, SEQFEAT_NO_DEFAULT, 0);
  ASSERT_TRUE(ctx);
  ColumnPtr w = Weighted(ctx.get(), "w");
  ASSERT_TRUE(w);
  const std::vector<float> table{1, 2, 3, 4, 5, 6};
  ColumnPtr mean = Embedding(w.get(), EmbeddingSpec{.dimension = 2, .table = table});
  ColumnPtr sum = Embedding(w.get(), EmbeddingSpec{.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                                   .table = table});
  ASSERT_TRUE(mean && sum);
  DenseFeaturesPtr f_mean, f_sum;
  ASSERT_TRUE(IsStatus(CreateDense({mean.get()}, &f_mean), SEQFEAT_OK));
  ASSERT_TRUE(IsStatus(CreateDense({sum.get()}, &f_sum), SEQFEAT_OK));
  Batch b;
  // ex0: id 1 (w 2), id 7 (w 0); ex1: id 2 (w 1).
  SF_ASSERT_OK(b.Sparse<int64_t>("ctx", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {1, 7, 2}));
  SF_ASSERT_OK(b.Sparse<float>("w", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {2, 0, 1}));
  int64_t bs = 0;
  std::vector<float> out;
  // mean: ex0 = 2 * E[1] / 2 = (3, 4); ex1 = E[2] = (5, 6).
  ASSERT_TRUE(IsStatus(PackDense(f_mean.get(), b, &bs, &out), SEQFEAT_OK));
  EXPECT_EQ(out, (std::vector<float>{3, 4, 5, 6}));
  Outcome o = PackDense(f_sum.get(), b, &bs, &out);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_OUT_OF_RANGE));
  EXPECT_TRUE(HasAll(o.message, {"ctx_weighted_by_w_embedding", "7", "[0, 3)", "example 0"}));
  Batch positive;
  SF_ASSERT_OK(positive.Sparse<int64_t>("ctx", {{0, 0}, {1, 0}}, {2, 1}, {7, 2}));
  SF_ASSERT_OK(positive.Sparse<float>("w", {{0, 0}, {1, 0}}, {2, 1}, {0.5f, 1}));
  o = PackDense(f_mean.get(), positive, &bs, &out);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_OUT_OF_RANGE));
  EXPECT_TRUE(HasAll(o.message, {"7", "[0, 3)"}));
}

// TF looks [B, d1, ..., K] ids up to [B, d1, ..., D] and reshapes that to [B, D]: fine when
// d1 = ... = 1, an InvalidArgument reshape error otherwise (for embeddings and indicators).
TEST(CapiDenseFeaturesPack, IdsNeedOneValueInEveryMiddleDimension) {
  ColumnPtr ctx = Identity("ctx", 3, SEQFEAT_NO_DEFAULT, 0);
  ASSERT_TRUE(ctx);
  ColumnPtr emb = Embedding(ctx.get(), EmbeddingSpec{.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                                     .table = {1, 2, 3, 4, 5, 6}});
  ColumnPtr ind = Indicator(ctx.get());
  ASSERT_TRUE(emb && ind);
  DenseFeaturesPtr f;
  ASSERT_TRUE(IsStatus(CreateDense({emb.get(), ind.get()}, &f), SEQFEAT_OK));
  int64_t bs = 0;
  std::vector<float> out;
  // [2, 1, 2]: ex0 ids {0, 2}, ex1 {1} -> pooled per example.
  Batch one_step;
  SF_ASSERT_OK(one_step.Sparse<int64_t>("ctx", {{0, 0, 0}, {0, 0, 1}, {1, 0, 0}}, {2, 1, 2},
                                        {0, 2, 1}));
  ASSERT_TRUE(IsStatus(PackDense(f.get(), one_step, &bs, &out), SEQFEAT_OK));
  EXPECT_EQ(out, (std::vector<float>{6, 8, 1, 0, 1,  //
                                     3, 4, 0, 1, 0}));
  // [2, 2, 1] (also as a dense [2, 2, 1] input) and [1, 1, 2, 1]: rejected, buffer untouched.
  Batch two_steps, dense_two_steps, rank4;
  SF_ASSERT_OK(two_steps.Sparse<int64_t>("ctx", {{0, 0, 0}, {0, 1, 0}}, {2, 2, 1}, {0, 2}));
  SF_ASSERT_OK(dense_two_steps.Dense<int64_t>("ctx", {2, 2, 1}, {0, 2, 1, -1}));
  SF_ASSERT_OK(rank4.Sparse<int64_t>("ctx", {{0, 0, 0, 0}}, {1, 1, 2, 1}, {1}));
  for (const Batch* b : {&two_steps, &dense_two_steps, &rank4}) {
    std::vector<float> buf(10, 5.0f);
    const Outcome o =
        Capture(seqfeat_dense_features_pack_into(f.get(), b->get(), buf.data(), buf.size()));
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
    EXPECT_TRUE(HasAll(o.message, {"ctx_embedding", "ctx", "dense_shape"}));
    EXPECT_EQ(buf, std::vector<float>(10, 5.0f));
  }
}

}  // namespace
}  // namespace sftest
