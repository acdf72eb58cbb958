// Input forms and their validation: ragged equals COO for the same content (ids, numbers,
// strings; with and without step_splits), bad splits, COO index validation (order, bounds,
// duplicates for numeric only), missing keys, batch replace/clear, and the layer-level checks
// (unequal sequence lengths, unequal T, unequal batch sizes) naming both columns and the example.
#include "capi_test_util.h"

namespace sftest {
namespace {

void ExpectSamePack(const seqfeat_features* layer, const Batch& a, const Batch& b,
                    const Packed& want) {
  Packed pa, pb;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer, a, &pa));
  ASSERT_NO_FATAL_FAILURE(PackOk(layer, b, &pb));
  EXPECT_EQ(pa.B, want.B);
  EXPECT_EQ(pa.T, want.T);
  EXPECT_EQ(pa.D, want.D);
  EXPECT_TRUE(Near(pa.dense, want.dense)) << "first input form";
  EXPECT_EQ(pa.lengths, want.lengths);
  EXPECT_EQ(pb.B, want.B);
  EXPECT_EQ(pb.T, want.T);
  EXPECT_TRUE(Near(pb.dense, want.dense)) << "second input form";
  EXPECT_EQ(pb.lengths, want.lengths);
  EXPECT_EQ(pa.mask, pb.mask);
}

// ---------------------------------------------------------------------------------------------
// Ragged == COO
// ---------------------------------------------------------------------------------------------
TEST(CapiRaggedInput, IdsOneValuePerStep) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr ind = Indicator(ids.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Batch ragged, coo;
  SF_ASSERT_OK(ragged.Ragged<int64_t>("ids", {0, 2, 2, 5}, {}, {1, 2, 0, 3, 1}));
  SF_ASSERT_OK(coo.Sparse<int64_t>("ids", {{0, 0}, {0, 1}, {2, 0}, {2, 1}, {2, 2}}, {3, 3},
                                   {1, 2, 0, 3, 1}));
  Packed want;
  want.B = 3;
  want.T = 3;  // longest ragged row = dense_shape[1]
  want.D = 4;
  want.dense = {0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0,  //
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0};
  want.lengths = {2, 0, 3};
  ASSERT_NO_FATAL_FAILURE(ExpectSamePack(layer.get(), ragged, coo, want));
}

TEST(CapiRaggedInput, IdsWithStepSplits) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr ind = Indicator(ids.get());
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                                     .table = {1, 2, 3, 4, 5, 6, 7, 8}});
  ASSERT_TRUE(ind && emb);
  FeaturesPtr layer = Layer({ind.get(), emb.get()});
  ASSERT_TRUE(layer);
  // ex0: step0 {1, 1}, step1 {2}; ex1: step0 {}, step1 {0, 3}.
  Batch ragged, coo;
  SF_ASSERT_OK(ragged.Ragged<int64_t>("ids", {0, 2, 4}, {0, 2, 3, 3, 5}, {1, 1, 2, 0, 3}));
  SF_ASSERT_OK(coo.Sparse<int64_t>("ids", {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 1, 0}, {1, 1, 1}},
                                   {2, 2, 2}, {1, 1, 2, 0, 3}));
  Packed want;
  want.B = 2;
  want.T = 2;
  want.D = 6;  // ids_embedding (2) then ids_indicator (4)
  want.dense = {6, 8, 0, 2, 0, 0,  5, 6, 0, 0, 1, 0,  //
                0, 0, 0, 0, 0, 0,  8, 10, 1, 0, 0, 1};
  want.lengths = {2, 2};
  ASSERT_NO_FATAL_FAILURE(ExpectSamePack(layer.get(), ragged, coo, want));
}

TEST(CapiRaggedInput, Numbers) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  ASSERT_TRUE(layer);
  Batch ragged, coo;
  SF_ASSERT_OK(ragged.Ragged<float>("x", {0, 3, 4}, {}, {1, 2, 3, 4}));
  SF_ASSERT_OK(coo.Sparse<float>("x", {{0, 0}, {0, 1}, {0, 2}, {1, 0}}, {2, 3}, {1, 2, 3, 4}));
  Packed want;
  want.B = 2;
  want.T = 3;
  want.D = 1;
  want.dense = {1, 2, 3, 4, 0, 0};
  want.lengths = {3, 1};
  ASSERT_NO_FATAL_FAILURE(ExpectSamePack(layer.get(), ragged, coo, want));
}

TEST(CapiRaggedInput, NumbersWithStepSplits) {
  ColumnPtr x = Numeric("x", {2});
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  ASSERT_TRUE(layer);
  // ex0: [1,2], [3,4]; ex1: [5,6]  ==  3-D COO [2,2,2] with shape (2,).
  Batch ragged, coo;
  SF_ASSERT_OK(ragged.Ragged<double>("x", {0, 2, 3}, {0, 2, 4, 6}, {1, 2, 3, 4, 5, 6}));
  SF_ASSERT_OK(coo.Sparse<double>("x", {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1}, {1, 0, 0}, {1, 0, 1}},
                                  {2, 2, 2}, {1, 2, 3, 4, 5, 6}));
  Packed want;
  want.B = 2;
  want.T = 2;
  want.D = 2;
  want.dense = {1, 2, 3, 4, 5, 6, 0, 0};
  want.lengths = {2, 1};
  ASSERT_NO_FATAL_FAILURE(ExpectSamePack(layer.get(), ragged, coo, want));
}

TEST(CapiRaggedInput, Strings) {
  ColumnPtr v = VocabStrings("words", {"a", "b", "c"});
  ASSERT_TRUE(v);
  ColumnPtr ind = Indicator(v.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Batch ragged, coo;
  SF_ASSERT_OK(ragged.RaggedStrings("words", {0, 2, 3}, {}, {"c", "x", "a"}));
  SF_ASSERT_OK(coo.SparseStrings("words", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {"c", "x", "a"}));
  Packed want;
  want.B = 2;
  want.T = 2;
  want.D = 3;
  want.dense = {0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0};
  want.lengths = {2, 1};
  ASSERT_NO_FATAL_FAILURE(ExpectSamePack(layer.get(), ragged, coo, want));
  SparseOut s;
  ASSERT_TRUE(IsStatus(GetSparse(v.get(), ragged, &s), SEQFEAT_OK));
  EXPECT_EQ(s.indices, (std::vector<int64_t>{0, 0, 0, 0, 1, 0, 1, 0, 0}));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{2, -1, 0}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{2, 2, 1}));
}

TEST(CapiRaggedInput, StringsWithStepSplitsThroughHash) {
  ColumnPtr h = Hash("tokens", 10);
  ASSERT_TRUE(h);
  ColumnPtr ind = Indicator(h.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  // ex0: step0 {a, b}, step1 {c}; ex1: step0 {d}.  Buckets: a 9, b 2, c 2, d 5.
  Batch ragged, coo;
  SF_ASSERT_OK(ragged.RaggedStrings("tokens", {0, 2, 3}, {0, 2, 3, 4}, {"a", "b", "c", "d"}));
  SF_ASSERT_OK(coo.SparseStrings("tokens", {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 0, 0}}, {2, 2, 2},
                                 {"a", "b", "c", "d"}));
  Packed want;
  want.B = 2;
  want.T = 2;
  want.D = 10;
  want.dense.assign(40, 0.0f);
  want.dense[0 * 10 + 9] = 1;  // ex0 step0
  want.dense[0 * 10 + 2] = 1;
  want.dense[1 * 10 + 2] = 1;  // ex0 step1
  want.dense[2 * 10 + 5] = 1;  // ex1 step0
  want.lengths = {2, 1};
  ASSERT_NO_FATAL_FAILURE(ExpectSamePack(layer.get(), ragged, coo, want));
}

// The error may be reported by the add call or when the batch is used; either way it must be
// an error and not undefined behaviour.
::testing::AssertionResult RaggedRejected(const Index& row_splits, const Index& step_splits,
                                          const std::vector<int64_t>& values, int64_t num_values) {
  ColumnPtr ids = Identity("ids", 100);
  ColumnPtr ind = Indicator(ids.get());
  FeaturesPtr layer = Layer({ind.get()});
  Batch b;
  std::vector<int64_t> storage = values;
  storage.resize(std::max<size_t>(values.size(), 16), 0);
  const Outcome add = Capture(seqfeat_batch_add_ragged(
      b.get(), "ids", static_cast<int64_t>(row_splits.size()) - 1, b.Keep(row_splits),
      step_splits.empty() ? 0 : static_cast<int64_t>(step_splits.size()) - 1,
      step_splits.empty() ? nullptr : b.Keep(step_splits), SEQFEAT_DTYPE_INT64, b.Keep(storage),
      num_values));
  if (add.status != SEQFEAT_OK) {
    return IsOneOf(add, {SEQFEAT_ERR_INVALID_ARGUMENT, SEQFEAT_ERR_OUT_OF_RANGE});
  }
  Packed p;
  const Outcome pack = PackInto(layer.get(), b, &p);
  if (pack.status == SEQFEAT_OK) return ::testing::AssertionFailure() << "accepted";
  auto r = IsOneOf(pack, {SEQFEAT_ERR_INVALID_ARGUMENT, SEQFEAT_ERR_OUT_OF_RANGE});
  if (!r) return r;
  return HasAll(pack.message, {"ids"});
}

TEST(CapiRaggedInput, BadSplitsAreRejected) {
  EXPECT_TRUE(RaggedRejected({1, 2, 3}, {}, {1, 2, 3}, 3)) << "row_splits[0] != 0";
  EXPECT_TRUE(RaggedRejected({0, 2, 1, 3}, {}, {1, 2, 3}, 3)) << "decreasing row_splits";
  EXPECT_TRUE(RaggedRejected({0, 1, 4}, {}, {1, 2, 3}, 3)) << "row_splits beyond the values";
  EXPECT_TRUE(RaggedRejected({0, 1, 2}, {}, {1, 2, 3}, 3)) << "values not covered by row_splits";
  EXPECT_TRUE(RaggedRejected({0, 1, 3}, {0, 1, 2}, {1, 2, 3}, 3)) << "row_splits beyond num_steps";
  EXPECT_TRUE(RaggedRejected({0, 1, 2}, {0, 2, 1}, {1, 2, 3}, 3)) << "decreasing step_splits";
  EXPECT_TRUE(RaggedRejected({0, 1, 2}, {0, 1, 5}, {1, 2, 3}, 3)) << "step_splits beyond values";
  EXPECT_TRUE(RaggedRejected({0, 1, 2}, {1, 2, 3}, {1, 2, 3}, 3)) << "step_splits[0] != 0";
}

TEST(CapiRaggedInput, BadStringOffsetsAreRejected) {
  ColumnPtr v = VocabStrings("words", {"a"});
  ColumnPtr ind = Indicator(v.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  for (const Index& offsets : {Index{1, 1, 2}, Index{0, 2, 1}}) {
    Batch b;
    const Outcome add = Capture(seqfeat_batch_add_ragged_strings(
        b.get(), "words", 1, b.Keep(Index{0, 2}), 0, nullptr, b.Keep(offsets), "ab", 2));
    if (add.status != SEQFEAT_OK) {
      EXPECT_TRUE(IsStatus(add, SEQFEAT_ERR_INVALID_ARGUMENT));
      continue;
    }
    Packed p;
    EXPECT_TRUE(IsStatus(PackInto(layer.get(), b, &p), SEQFEAT_ERR_INVALID_ARGUMENT));
  }
}

// ---------------------------------------------------------------------------------------------
// COO index validation (compatibility.md §13.1)
// ---------------------------------------------------------------------------------------------
Outcome PackSparse(const seqfeat_column* c, const char* key, const std::vector<Index>& idx,
                   const Index& dense_shape, const std::vector<int64_t>& values) {
  FeaturesPtr layer = Layer({c});
  Batch b;
  const Outcome add = Capture(b.Sparse<int64_t>(key, idx, dense_shape, values));
  if (add.status != SEQFEAT_OK) return add;
  Packed p;
  return PackInto(layer.get(), b, &p);
}

TEST(CapiSparseValidation, OutOfOrderIndices) {
  ColumnPtr ids = Identity("ids", 5);
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(ids && x);
  ColumnPtr ind = Indicator(ids.get());
  for (const seqfeat_column* c : {ind.get(), x.get()}) {
    const char* key = c == x.get() ? "x" : "ids";
    Outcome o = PackSparse(c, key, {{0, 1}, {0, 0}}, {1, 2}, {1, 2});
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << key;
    EXPECT_TRUE(HasAll(o.message, {key}));
    o = PackSparse(c, key, {{1, 0}, {0, 0}}, {2, 1}, {1, 2});
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << key << " examples out of order";
    o = PackSparse(c, key, {{0, 0, 1}, {0, 0, 0}}, {1, 1, 2}, {1, 2});
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << key << " third axis out of order";
  }
}

TEST(CapiSparseValidation, OutOfBoundsIndices) {
  ColumnPtr ids = Identity("ids", 5);
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(ids && x);
  ColumnPtr ind = Indicator(ids.get());
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2});
  for (const seqfeat_column* c : {ind.get(), emb.get(), x.get()}) {
    const char* key = c == x.get() ? "x" : "ids";
    const std::initializer_list<seqfeat_status> codes = {SEQFEAT_ERR_INVALID_ARGUMENT,
                                                         SEQFEAT_ERR_OUT_OF_RANGE};
    Outcome o = PackSparse(c, key, {{0, 0}, {0, 3}}, {1, 3}, {1, 2});
    EXPECT_TRUE(IsOneOf(o, codes)) << key << " step beyond dense_shape";
    EXPECT_TRUE(HasAll(o.message, {key}));
    o = PackSparse(c, key, {{0, 0}, {2, 0}}, {2, 3}, {1, 2});
    EXPECT_TRUE(IsOneOf(o, codes)) << key << " example beyond dense_shape";
    o = PackSparse(c, key, {{0, -1}, {0, 0}}, {1, 3}, {1, 2});
    EXPECT_TRUE(IsOneOf(o, codes)) << key << " negative index";
    o = PackSparse(c, key, {{0, 0, 0}, {0, 0, 2}}, {1, 1, 2}, {1, 2});
    EXPECT_TRUE(IsOneOf(o, codes)) << key << " third axis beyond dense_shape";
  }
}

TEST(CapiSparseValidation, DuplicatesRejectedForNumericOnly) {
  ColumnPtr x = Numeric("x");
  ColumnPtr ids = Identity("ids", 5);
  ASSERT_TRUE(x && ids);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 1, .combiner = SEQFEAT_COMBINER_SUM,
                                                     .table = {0, 1, 2, 3, 4}});
  ASSERT_TRUE(emb);
  const Outcome o = PackSparse(x.get(), "x", {{0, 0}, {0, 0}}, {1, 1}, {1, 2});
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"x"}));
  FeaturesPtr layer = Layer({emb.get()});
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 0}, {0, 1}}, {1, 2}, {3, 4, 1}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{7, 1}));
}

TEST(CapiSparseValidation, RankZeroAndNegativeShape) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  {
    Batch b;
    const float v = 1;
    const int64_t shape = 1;
    const Outcome add = Capture(seqfeat_batch_add_sparse(b.get(), "x", &shape, 1, 0, &shape,
                                                         SEQFEAT_DTYPE_FLOAT32, &v));
    if (add.status == SEQFEAT_OK) {
      Packed p;
      EXPECT_TRUE(IsStatus(PackInto(layer.get(), b, &p), SEQFEAT_ERR_INVALID_ARGUMENT));
    } else {
      EXPECT_TRUE(IsStatus(add, SEQFEAT_ERR_INVALID_ARGUMENT));
    }
  }
  {
    const Outcome o = [&] {
      Batch b;
      const Outcome add = Capture(b.Sparse<float>("x", {}, {-1, 2}, std::vector<float>{}));
      if (add.status != SEQFEAT_OK) return add;
      Packed p;
      return PackInto(layer.get(), b, &p);
    }();
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  }
}

// ---------------------------------------------------------------------------------------------
// Batches
// ---------------------------------------------------------------------------------------------
TEST(CapiBatchUse, MissingKeyNamesTheFeature) {
  ColumnPtr x = Numeric("rating");
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("ratings", {{0, 0}}, {1, 1}, {1}));
  Packed p;
  const Outcome o = PackInto(layer.get(), b, &p);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_NOT_FOUND));
  EXPECT_TRUE(HasAll(o.message, {"rating"}));
}

TEST(CapiBatchUse, AddingAKeyTwiceReplacesIt) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}}, {1, 1}, {1}));
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}, {0, 1}}, {1, 2}, {5, 6}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{5, 6}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
  seqfeat_batch_clear(b.get());
  EXPECT_TRUE(IsStatus(PackInto(layer.get(), b, &p), SEQFEAT_ERR_NOT_FOUND));
  SF_ASSERT_OK(b.Dense<float>("x", {1, 1}, {8}));
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{8}));
}

TEST(CapiBatchUse, BatchIsAViewOfCallerMemory) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  ASSERT_TRUE(layer);
  seqfeat_batch* raw = nullptr;
  SF_ASSERT_OK(seqfeat_batch_create(&raw));
  std::unique_ptr<seqfeat_batch, void (*)(seqfeat_batch*)> b(raw, seqfeat_batch_free);
  const int64_t indices[] = {0, 0, 0, 1};
  const int64_t shape[] = {1, 2};
  float values[] = {1, 2};
  SF_ASSERT_OK(seqfeat_batch_add_sparse(raw, "x", indices, 2, 2, shape, SEQFEAT_DTYPE_FLOAT32, values));
  std::vector<float> dense(2);
  std::vector<int64_t> lengths(1);
  const seqfeat_pack_options o = PackOptions();
  SF_ASSERT_OK(seqfeat_features_pack_into(layer.get(), raw, &o, dense.data(), 2, lengths.data(), 1,
                                          nullptr, 0, nullptr));
  EXPECT_EQ(dense, (std::vector<float>{1, 2}));
  values[1] = 42;  // zero-copy: the next pack sees the new value
  SF_ASSERT_OK(seqfeat_features_pack_into(layer.get(), raw, &o, dense.data(), 2, lengths.data(), 1,
                                          nullptr, 0, nullptr));
  EXPECT_EQ(dense, (std::vector<float>{1, 42}));
}

// ---------------------------------------------------------------------------------------------
// Layer-level consistency (compatibility.md §9)
// ---------------------------------------------------------------------------------------------
TEST(CapiLayerChecks, UnequalSequenceLengthsNameBothColumnsAndTheExample) {
  ColumnPtr aaa = Numeric("aaa"), bbb = Numeric("bbb");
  ASSERT_TRUE(aaa && bbb);
  FeaturesPtr layer = Layer({bbb.get(), aaa.get()});
  Batch b;
  // lengths aaa [2, 1, 2], bbb [2, 1, 1]: example 2 differs.
  SF_ASSERT_OK(b.Sparse<float>("aaa", {{0, 0}, {0, 1}, {1, 0}, {2, 0}, {2, 1}}, {3, 2}, {1, 2, 3, 4, 5}));
  SF_ASSERT_OK(b.Sparse<float>("bbb", {{0, 0}, {0, 1}, {1, 0}, {2, 0}}, {3, 2}, {1, 2, 3, 4}));
  Packed p;
  const Outcome o = PackInto(layer.get(), b, &p);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"aaa", "bbb", "2"}));
  EXPECT_TRUE(HasAllNoCase(o.message, {"example"}));
}

TEST(CapiLayerChecks, EqualLengthsPackSideBySide) {
  ColumnPtr aaa = Numeric("aaa"), bbb = Identity("bbb", 3);
  ASSERT_TRUE(aaa && bbb);
  ColumnPtr bbb_ind = Indicator(bbb.get());
  FeaturesPtr layer = Layer({bbb_ind.get(), aaa.get()});
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("aaa", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {10, 20, 30}));
  // -1 is an invalid id: it still counts toward the length (compatibility.md §2).
  SF_ASSERT_OK(b.Sparse<int64_t>("bbb", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {2, -1, 0}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.D, 4);
  EXPECT_EQ(p.dense, (std::vector<float>{10, 0, 0, 1, 20, 0, 0, 0,  //
                                         30, 1, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
}

TEST(CapiLayerChecks, UnequalTNamesBothColumns) {
  ColumnPtr aaa = Numeric("aaa"), bbb = Numeric("bbb");
  ASSERT_TRUE(aaa && bbb);
  FeaturesPtr layer = Layer({aaa.get(), bbb.get()});
  Batch b;
  // Same lengths [1, 1] but dense_shape[1] = 3 vs 4.
  SF_ASSERT_OK(b.Sparse<float>("aaa", {{0, 0}, {1, 0}}, {2, 3}, {1, 2}));
  SF_ASSERT_OK(b.Sparse<float>("bbb", {{0, 0}, {1, 0}}, {2, 4}, {1, 2}));
  Packed p;
  const Outcome o = PackInto(layer.get(), b, &p);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"aaa", "bbb"}));
}

TEST(CapiLayerChecks, ThreeDimensionalNumericNextToTwoDimensionalHasDifferentT) {
  // Same lengths, but the 3-D numeric column has T = 2*2 = 4 and the other T = 2.
  ColumnPtr aaa = Numeric("aaa"), bbb = Numeric("bbb");
  ASSERT_TRUE(aaa && bbb);
  FeaturesPtr layer = Layer({aaa.get(), bbb.get()});
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("aaa", {{0, 0, 0}, {0, 1, 0}}, {1, 2, 2}, {1, 2}));
  SF_ASSERT_OK(b.Sparse<float>("bbb", {{0, 0}, {0, 1}}, {1, 2}, {1, 2}));
  Packed p;
  const Outcome o = PackInto(layer.get(), b, &p);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"aaa", "bbb"}));
}

TEST(CapiLayerChecks, UnequalBatchSizes) {
  ColumnPtr aaa = Numeric("aaa"), bbb = Numeric("bbb");
  ASSERT_TRUE(aaa && bbb);
  FeaturesPtr layer = Layer({aaa.get(), bbb.get()});
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("aaa", {{0, 0}}, {2, 1}, {1}));
  SF_ASSERT_OK(b.Sparse<float>("bbb", {{0, 0}}, {3, 1}, {1}));
  Packed p;
  const Outcome o = PackInto(layer.get(), b, &p);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"aaa", "bbb"}));
}

TEST(CapiLayerChecks, WeightedSequenceNeedsBothFeatures) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "click_weight");
  ColumnPtr emb = Embedding(w.get(), EmbeddingSpec{.dimension = 1, .table = {1, 2, 3}});
  ASSERT_TRUE(emb);
  FeaturesPtr layer = Layer({emb.get()});
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}}, {1, 1}, {1}));
  Packed p;
  const Outcome o = PackInto(layer.get(), b, &p);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_NOT_FOUND));
  EXPECT_TRUE(HasAll(o.message, {"click_weight"}));
}

TEST(CapiMixedInputs, RaggedDenseAndCooColumnsInOneLayer) {
  // aaa ragged ids, bbb COO numbers [2, 3], ccc dense strings [2, 3] ("" dropped): all with
  // T = 3 and lengths [3, 1].
  ColumnPtr aaa = Identity("aaa", 4);
  ColumnPtr bbb = Numeric("bbb");
  ColumnPtr ccc = VocabStrings("ccc", {"x", "y"});
  ASSERT_TRUE(aaa && bbb && ccc);
  ColumnPtr aaa_ind = Indicator(aaa.get()), ccc_ind = Indicator(ccc.get());
  FeaturesPtr layer = Layer({ccc_ind.get(), bbb.get(), aaa_ind.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("aaa", {0, 3, 4}, {}, {0, 1, 2, 3}));
  SF_ASSERT_OK(b.Sparse<float>("bbb", {{0, 0}, {0, 1}, {0, 2}, {1, 0}}, {2, 3}, {1, 2, 3, 4}));
  SF_ASSERT_OK(b.DenseStrings("ccc", {2, 3}, {"x", "", "y", "y", "", ""}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.T, 3);
  EXPECT_EQ(p.D, 4 + 1 + 2);  // aaa_indicator | bbb | ccc_indicator
  EXPECT_EQ(p.dense, (std::vector<float>{1, 0, 0, 0, 1, 1, 0,  //
                                         0, 1, 0, 0, 2, 0, 0,  //
                                         0, 0, 1, 0, 3, 0, 1,  //
                                         0, 0, 0, 1, 4, 0, 1,  //
                                         0, 0, 0, 0, 0, 0, 0,  //
                                         0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3, 1}));
}

TEST(CapiMixedInputs, RaggedWithMaxLength) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  ColumnPtr ind = Indicator(ids.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 4, 5}, {}, {0, 1, 2, 0, 2}));
  seqfeat_pack_options o = PackOptions();
  o.max_length = 2;
  o.truncating = SEQFEAT_PAD_PRE;
  o.padding = SEQFEAT_PAD_PRE;
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p, &o));
  // ex0 keeps its last two steps {2}, {0}; ex1 {2} is right-aligned.
  EXPECT_EQ(p.dense, (std::vector<float>{0, 0, 1, 1, 0, 0,  //
                                         0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 0, 1}));
}

}  // namespace
}  // namespace sftest
