// Strings given as (pointer, length) views (compatibility.md §14): NULL arguments, and the same ids as
// the Arrow-style offsets + bytes form for sparse, dense and ragged inputs.
#include "capi_test_util.h"

namespace sftest {
namespace {

std::vector<seqfeat_string_view> Views(const std::vector<std::string>& values) {
  std::vector<seqfeat_string_view> v;
  for (const std::string& s : values) v.push_back({s.data(), s.size()});
  v.push_back({nullptr, 0});  // never an empty array
  return v;
}

TEST(CapiStringViews, NullArguments) {
  Batch batch;
  seqfeat_batch* b = batch.get();
  const std::vector<std::string> strings = {"a", "b"};
  const std::vector<seqfeat_string_view> v = Views(strings);
  const int64_t indices[] = {0, 0, 0, 1};
  const int64_t shape[] = {1, 2};
  const int64_t row_splits[] = {0, 2};
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse_string_views(nullptr, "k", indices, 2, 2, shape, v.data()));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse_string_views(b, nullptr, indices, 2, 2, shape, v.data()));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse_string_views(b, "k", nullptr, 2, 2, shape, v.data()));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse_string_views(b, "k", indices, 2, 2, nullptr, v.data()));
  SF_EXPECT_INVALID(seqfeat_batch_add_sparse_string_views(b, "k", indices, 2, 2, shape, nullptr));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense_string_views(nullptr, "k", shape, 2, v.data()));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense_string_views(b, nullptr, shape, 2, v.data()));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense_string_views(b, "k", nullptr, 2, v.data()));
  SF_EXPECT_INVALID(seqfeat_batch_add_dense_string_views(b, "k", shape, 2, nullptr));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged_string_views(nullptr, "k", 1, row_splits, 0, nullptr,
                                                          v.data(), 2));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged_string_views(b, nullptr, 1, row_splits, 0, nullptr,
                                                          v.data(), 2));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged_string_views(b, "k", 1, nullptr, 0, nullptr, v.data(), 2));
  SF_EXPECT_INVALID(seqfeat_batch_add_ragged_string_views(b, "k", 1, row_splits, 0, nullptr, nullptr, 2));
}

TEST(CapiStringViews, NullDataIsAllowedOnlyForEmptyStrings) {
  ColumnPtr h = Hash("tokens", 10);
  ASSERT_TRUE(h);
  const int64_t indices[] = {0, 0, 0, 1};
  const int64_t shape[] = {1, 2};
  {
    Batch b;
    const seqfeat_string_view v[] = {{nullptr, 0}, {"a", 1}};
    SF_ASSERT_OK(seqfeat_batch_add_sparse_string_views(b.get(), "tokens", indices, 2, 2, shape, v));
    SparseOut s;
    ASSERT_TRUE(IsStatus(GetSparse(h.get(), b, &s), SEQFEAT_OK));
    EXPECT_EQ(s.ids, (std::vector<int64_t>{3, 9}));  // Fingerprint64("") % 10 = 3
  }
  {
    Batch b;
    const seqfeat_string_view v[] = {{nullptr, 3}, {"a", 1}};
    const Outcome add =
        Capture(seqfeat_batch_add_sparse_string_views(b.get(), "tokens", indices, 2, 2, shape, v));
    if (add.status == SEQFEAT_OK) {
      SparseOut s;
      EXPECT_TRUE(IsStatus(GetSparse(h.get(), b, &s), SEQFEAT_ERR_INVALID_ARGUMENT));
    } else {
      EXPECT_TRUE(IsStatus(add, SEQFEAT_ERR_INVALID_ARGUMENT));
    }
  }
}

TEST(CapiStringViews, SparseMatchesOffsets) {
  ColumnPtr h = Hash("tokens", 10);
  ASSERT_TRUE(h);
  const std::vector<std::string> strings = {"a", "b", "c", "d"};
  const std::vector<seqfeat_string_view> v = Views(strings);
  const int64_t indices[] = {0, 0, 0, 1, 1, 0, 1, 1};
  const int64_t shape[] = {2, 2};
  Batch views;
  SF_ASSERT_OK(seqfeat_batch_add_sparse_string_views(views.get(), "tokens", indices, 4, 2, shape, v.data()));
  SparseOut s;
  ASSERT_TRUE(IsStatus(GetSparse(h.get(), views, &s), SEQFEAT_OK));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{9, 2, 2, 5}));
  EXPECT_EQ(s.indices, (std::vector<int64_t>{0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{2, 2, 1}));
}

TEST(CapiStringViews, DenseDropsEmptyStrings) {
  ColumnPtr vocab = VocabStrings("words", {"a", "b"});
  ASSERT_TRUE(vocab);
  const std::vector<std::string> strings = {"b", "", "a", ""};
  const std::vector<seqfeat_string_view> v = Views(strings);
  const int64_t shape[] = {2, 2};
  Batch views;
  SF_ASSERT_OK(seqfeat_batch_add_dense_string_views(views.get(), "words", shape, 2, v.data()));
  SparseOut s;
  ASSERT_TRUE(IsStatus(GetSparse(vocab.get(), views, &s), SEQFEAT_OK));
  EXPECT_EQ(s.indices, (std::vector<int64_t>{0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{2, 2, 1}));
}

TEST(CapiStringViews, RaggedMatchesOffsets) {
  ColumnPtr vocab = VocabStrings("words", {"a", "b", "c"});
  ASSERT_TRUE(vocab);
  ColumnPtr ind = Indicator(vocab.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  const std::vector<std::string> strings = {"c", "x", "a", "b"};
  const std::vector<seqfeat_string_view> v = Views(strings);
  // ex0: step0 {c, x}; ex1: step0 {a}, step1 {b}.
  const int64_t row_splits[] = {0, 1, 3};
  const int64_t step_splits[] = {0, 2, 3, 4};
  Batch views, offsets;
  SF_ASSERT_OK(seqfeat_batch_add_ragged_string_views(views.get(), "words", 2, row_splits, 3,
                                                     step_splits, v.data(), 4));
  SF_ASSERT_OK(offsets.RaggedStrings("words", {0, 1, 3}, {0, 2, 3, 4}, strings));
  Packed pv, po;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), views, &pv));
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), offsets, &po));
  const std::vector<float> want = {0, 0, 1, 0, 0, 0,  //
                                   1, 0, 0, 0, 1, 0};
  EXPECT_EQ(pv.dense, want);
  EXPECT_EQ(po.dense, want);
  EXPECT_EQ(pv.lengths, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(po.lengths, pv.lengths);
}

}  // namespace
}  // namespace sftest
