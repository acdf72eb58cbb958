// Embedding, weighted embedding, shared embedding and indicator values (compatibility.md §6.3,
// §7, §8) with a set table; every expected value is worked out by hand in the comments.
#include "capi_test_util.h"

namespace sftest {
namespace {

// Rows: E0 = (1,2), E1 = (3,4), E2 = (5,6), E3 = (7,8).
const std::vector<float> kTable = {1, 2, 3, 4, 5, 6, 7, 8};

std::vector<float> Row(std::initializer_list<double> v) {
  std::vector<float> r;
  for (double x : v) r.push_back(static_cast<float>(x));
  return r;
}

std::vector<float> Concat(std::initializer_list<std::vector<float>> parts) {
  std::vector<float> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// ids "ids" [2, 3, 3]:
//   ex0 step0 {0, 1, 1}  (repeated id counted twice)
//   ex0 step1 {2}
//   ex0 step2 {-5}       (all pruned -> zero, but counts for the length)
//   ex1 step0 {}         (empty -> zero)
//   ex1 step1 {3, -1}    (negative dropped)
void AddMultivalent(Batch& b) {
  SF_ASSERT_OK(b.Sparse<int64_t>(
      "ids", {{0, 0, 0}, {0, 0, 1}, {0, 0, 2}, {0, 1, 0}, {0, 2, 0}, {1, 1, 0}, {1, 1, 1}}, {2, 3, 3},
      {0, 1, 1, 2, -5, 3, -1}));
}

class CapiCombiners : public ::testing::TestWithParam<int32_t> {};

TEST_P(CapiCombiners, MultivalentSteps) {
  const int32_t combiner = GetParam();
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .combiner = combiner, .table = kTable});
  ASSERT_TRUE(emb);
  FeaturesPtr layer = Layer({emb.get()});
  ASSERT_TRUE(layer);
  Batch b;
  ASSERT_NO_FATAL_FAILURE(AddMultivalent(b));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.B, 2);
  EXPECT_EQ(p.T, 3);
  EXPECT_EQ(p.D, 2);
  // ex0 step0: E0 + E1 + E1 = (7, 10) over n = 3.
  std::vector<float> s0;
  switch (combiner) {
    case SEQFEAT_COMBINER_SUM: s0 = Row({7, 10}); break;
    case SEQFEAT_COMBINER_MEAN: s0 = Row({7.0 / 3, 10.0 / 3}); break;
    default: s0 = Row({7 / std::sqrt(3.0), 10 / std::sqrt(3.0)}); break;
  }
  const std::vector<float> want = Concat({s0, Row({5, 6}), Row({0, 0}),  //
                                          Row({0, 0}), Row({7, 8}), Row({0, 0})});
  EXPECT_TRUE(Near(p.dense, want));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 1, 1, 1, 0}));
  // The single-column call gives the same tensor.
  seqfeat_tensor *d = nullptr, *l = nullptr;
  SF_ASSERT_OK(seqfeat_column_get_sequence_dense_tensor(emb.get(), b.get(), &d, &l));
  TensorPtr dd(d), ll(l);
  EXPECT_EQ(Shape(d), (std::vector<int64_t>{2, 3, 2}));
  EXPECT_TRUE(Near(Values<float>(d), want));
  EXPECT_EQ(Values<int64_t>(l), (std::vector<int64_t>{3, 2}));
}

INSTANTIATE_TEST_SUITE_P(All, CapiCombiners,
                         ::testing::Values(SEQFEAT_COMBINER_SUM, SEQFEAT_COMBINER_MEAN,
                                           SEQFEAT_COMBINER_SQRTN));

TEST(CapiEmbedding, TwoDimensionalInputAndEmptyExample) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .table = kTable});
  ASSERT_TRUE(emb);
  FeaturesPtr layer = Layer({emb.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}, {2, 0}}, {3, 2}, {0, 3, 2}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{1, 2, 7, 8, 0, 0, 0, 0, 5, 6, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 0, 1}));
}

TEST(CapiEmbedding, RepeatedIndexCountsEveryEntry) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr mean = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .table = kTable});
  ColumnPtr sum = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                                     .table = kTable});
  ASSERT_TRUE(mean && sum);
  Batch b;
  // TF's "inputs too small" test has (0,0) twice; the embedding path counts both.
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 0}}, {1, 1}, {1, 2}));
  Packed pm, ps;
  FeaturesPtr lm = Layer({mean.get()}), ls = Layer({sum.get()});
  ASSERT_TRUE(lm && ls);
  ASSERT_NO_FATAL_FAILURE(PackOk(lm.get(), b, &pm));
  ASSERT_NO_FATAL_FAILURE(PackOk(ls.get(), b, &ps));
  EXPECT_TRUE(Near(pm.dense, Row({4, 5})));
  EXPECT_TRUE(Near(ps.dense, Row({8, 10})));
  EXPECT_EQ(pm.lengths, (std::vector<int64_t>{1}));
}

TEST(CapiEmbedding, MaxNormClipsRowsBeforeCombining) {
  // E0 = (1,2) |E0| = 2.236 < 3 unchanged; E1 = (3,4) |E1| = 5 -> (1.8, 2.4);
  // E2 = (5,6) -> 3 (5,6) / sqrt(61); E3 = (0,0) stays 0.
  const std::vector<float> table = {1, 2, 3, 4, 5, 6, 0, 0};
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr mean = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .max_norm = 3.0f, .table = table});
  ColumnPtr sum = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                                     .max_norm = 3.0f, .table = table});
  ASSERT_TRUE(mean && sum);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 2, 0}}, {1, 3, 2},
                                 {0, 1, 2, 3}));
  FeaturesPtr lm = Layer({mean.get()}), ls = Layer({sum.get()});
  ASSERT_TRUE(lm && ls);
  Packed pm, ps;
  ASSERT_NO_FATAL_FAILURE(PackOk(lm.get(), b, &pm));
  ASSERT_NO_FATAL_FAILURE(PackOk(ls.get(), b, &ps));
  const double s61 = std::sqrt(61.0);
  // Clipping after combining would give mean (2,3) |.| = 3.606 -> (1.664, 2.496) instead.
  EXPECT_TRUE(Near(pm.dense, Concat({Row({1.4, 2.2}), Row({15 / s61, 18 / s61}), Row({0, 0})})));
  EXPECT_TRUE(Near(ps.dense, Concat({Row({2.8, 4.4}), Row({15 / s61, 18 / s61}), Row({0, 0})})));
}

TEST(CapiEmbedding, IdAtOrAboveNumBucketsIsOutOfRange) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .table = kTable});
  ASSERT_TRUE(emb);
  FeaturesPtr layer = Layer({emb.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {1, 1}}, {2, 2}, {1, 1234}));
  Packed p;
  const Outcome o = PackInto(layer.get(), b, &p);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_OUT_OF_RANGE));
  EXPECT_TRUE(HasAll(o.message, {"1234"}));
  seqfeat_tensor* d = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* l = Sentinel<seqfeat_tensor>();
  const Outcome single = Capture(seqfeat_column_get_sequence_dense_tensor(emb.get(), b.get(), &d, &l));
  EXPECT_TRUE(IsStatus(single, SEQFEAT_ERR_OUT_OF_RANGE));
  EXPECT_TRUE(HasAll(single.message, {"1234"}));
  EXPECT_EQ(d, Sentinel<seqfeat_tensor>());
  // Exactly num_buckets is out of range as well.
  Batch edge;
  SF_ASSERT_OK(edge.Sparse<int64_t>("ids", {{0, 0}}, {1, 1}, {4}));
  EXPECT_TRUE(IsStatus(PackInto(layer.get(), edge, &p), SEQFEAT_ERR_OUT_OF_RANGE));
}

TEST(CapiEmbedding, TableSetIsVisibleToTheNextPack) {
  ColumnPtr ids = Identity("ids", 2);
  ASSERT_TRUE(ids);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .table = {1, 1, 2, 2}});
  ASSERT_TRUE(emb);
  FeaturesPtr layer = Layer({emb.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}}, {1, 1}, {1}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, Row({2, 2}));
  const float next[] = {0, 0, -3, 4};
  SF_ASSERT_OK(seqfeat_column_table_set(emb.get(), next, 4));
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, Row({-3, 4}));
}

TEST(CapiEmbedding, OverHashAndVocabulary) {
  // hash size 10: a -> 9, b -> 2; table row i = (i, -i).
  std::vector<float> table;
  for (int i = 0; i < 10; ++i) {
    table.push_back(static_cast<float>(i));
    table.push_back(static_cast<float>(-i));
  }
  ColumnPtr h = Hash("tokens", 10);
  ASSERT_TRUE(h);
  ColumnPtr emb = Embedding(h.get(), EmbeddingSpec{.dimension = 2, .table = table});
  ASSERT_TRUE(emb);
  FeaturesPtr layer = Layer({emb.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("tokens", {{0, 0}, {0, 1}}, {1, 2}, {"a", "b"}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, Row({9, -9, 2, -2}));

  // Vocabulary without OOV buckets: a miss (-1) is pruned, the step becomes zero but counts.
  ColumnPtr v = VocabStrings("words", {"x", "y"});
  ASSERT_TRUE(v);
  ColumnPtr vemb = Embedding(v.get(), EmbeddingSpec{.dimension = 2, .table = {1, 2, 3, 4}});
  ASSERT_TRUE(vemb);
  FeaturesPtr vl = Layer({vemb.get()});
  ASSERT_TRUE(vl);
  Batch vb;
  SF_ASSERT_OK(vb.SparseStrings("words", {{0, 0}, {0, 1}}, {1, 3}, {"y", "nope"}));
  ASSERT_NO_FATAL_FAILURE(PackOk(vl.get(), vb, &p));
  EXPECT_EQ(p.dense, Row({3, 4, 0, 0, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
}

// ---------------------------------------------------------------------------------------------
// Weighted embeddings
// ---------------------------------------------------------------------------------------------
// ids / weights [2, 2, 3]:
//   ex0 step0 ids {0, 1}    w {2, 1}
//   ex0 step1 ids {0, 1, 2} w {1, 0, -1}
//   ex1 step0 ids {3}       w {-2}
//   ex1 step1 ids {-1, 2}   w {5, 0.5}
void AddWeighted(Batch& b) {
  const std::vector<Index> idx = {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1}, {0, 1, 2},
                                  {1, 0, 0}, {1, 1, 0}, {1, 1, 1}};
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", idx, {2, 2, 3}, {0, 1, 0, 1, 2, 3, -1, 2}));
  SF_ASSERT_OK(b.Sparse<float>("w", idx, {2, 2, 3}, {2, 1, 1, 0, -1, -2, 5, 0.5f}));
}

class CapiWeightedCombiners : public ::testing::TestWithParam<int32_t> {};

TEST_P(CapiWeightedCombiners, PositionalWeightsAndPruning) {
  const int32_t combiner = GetParam();
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "w");
  ASSERT_TRUE(w);
  ColumnPtr emb = Embedding(w.get(), EmbeddingSpec{.dimension = 2, .combiner = combiner, .table = kTable});
  ASSERT_TRUE(emb);
  FeaturesPtr layer = Layer({emb.get()});
  ASSERT_TRUE(layer);
  Batch b;
  ASSERT_NO_FATAL_FAILURE(AddWeighted(b));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  std::vector<float> want;
  switch (combiner) {
    case SEQFEAT_COMBINER_SUM:
      // Weights <= 0 are kept for sum: 2E0+E1 = (5,8); E0+0E1-E2 = (-4,-4); -2E3 = (-14,-16);
      // 0.5E2 = (2.5, 3).
      want = Concat({Row({5, 8}), Row({-4, -4}), Row({-14, -16}), Row({2.5, 3})});
      break;
    case SEQFEAT_COMBINER_MEAN:
      // (5,8)/3; only (id0, w1) survives -> E0; all pruned -> 0; 0.5E2 / 0.5 = E2.
      want = Concat({Row({5.0 / 3, 8.0 / 3}), Row({1, 2}), Row({0, 0}), Row({5, 6})});
      break;
    default:
      // (5,8)/sqrt(4+1); E0/1; 0; 0.5E2/sqrt(0.25) = E2.
      want = Concat({Row({5 / std::sqrt(5.0), 8 / std::sqrt(5.0)}), Row({1, 2}), Row({0, 0}),
                     Row({5, 6})});
      break;
  }
  EXPECT_TRUE(Near(p.dense, want));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 2}));
}

INSTANTIATE_TEST_SUITE_P(All, CapiWeightedCombiners,
                         ::testing::Values(SEQFEAT_COMBINER_SUM, SEQFEAT_COMBINER_MEAN,
                                           SEQFEAT_COMBINER_SQRTN));

TEST(CapiWeightedEmbedding, WeightsArePairedByPositionNotByIndex) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "w");
  ASSERT_TRUE(w);
  ColumnPtr emb = Embedding(w.get(), EmbeddingSpec{.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                                   .table = kTable});
  ASSERT_TRUE(emb);
  FeaturesPtr layer = Layer({emb.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {0, 1, 2}));
  // Same count, different indices: the k-th weight goes with the k-th id.
  SF_ASSERT_OK(b.Sparse<float>("w", {{0, 0}, {1, 0}, {1, 1}}, {2, 2}, {2, 3, 4}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  // 2E0 = (2,4); 3E1 = (9,12); 4E2 = (20,24); ex1 step1 is padding.
  EXPECT_TRUE(Near(p.dense, Row({2, 4, 9, 12, 20, 24, 0, 0})));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
}

// ---------------------------------------------------------------------------------------------
// Shared embeddings through the layer
// ---------------------------------------------------------------------------------------------
TEST(CapiSharedEmbeddingPack, SortedColumnsReadOneTable) {
  ColumnPtr bbb = Identity("bbb", 3), aaa = Identity("aaa", 3);
  ASSERT_TRUE(aaa && bbb);
  const seqfeat_column* cats[] = {bbb.get(), aaa.get()};
  const EmbeddingSpec spec{.dimension = 2, .table = {1, 0, 0, 1, 1, 1}};
  const seqfeat_embedding_options o = EmbeddingOptions(spec);  // points into spec.table
  seqfeat_column* out[2] = {nullptr, nullptr};
  SF_ASSERT_OK(seqfeat_shared_embeddings_create(cats, 2, &o, nullptr, out));
  ColumnPtr bbb_shared(out[0]), aaa_shared(out[1]);
  FeaturesPtr layer = Layer({bbb_shared.get(), aaa_shared.get()});
  ASSERT_TRUE(layer);
  EXPECT_EQ(Name(seqfeat_features_column(layer.get(), 0)), "aaa_shared_embedding");
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("aaa", {{0, 0}, {0, 1}}, {1, 2}, {0, 2}));
  SF_ASSERT_OK(b.Sparse<int64_t>("bbb", {{0, 0}, {0, 1}}, {1, 2}, {1, 1}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.D, 4);
  // step0: aaa E0 = (1,0) | bbb E1 = (0,1); step1: aaa E2 = (1,1) | bbb E1.
  EXPECT_EQ(p.dense, (std::vector<float>{1, 0, 0, 1, 1, 1, 0, 1}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
  // The single-column call reads the same table.
  seqfeat_tensor *d = nullptr, *l = nullptr;
  SF_ASSERT_OK(seqfeat_column_get_sequence_dense_tensor(bbb_shared.get(), b.get(), &d, &l));
  TensorPtr dd(d), ll(l);
  EXPECT_EQ(Shape(d), (std::vector<int64_t>{1, 2, 2}));
  EXPECT_EQ(Values<float>(d), (std::vector<float>{0, 1, 0, 1}));
  // Setting the table through one column changes both outputs.
  const float next[] = {2, 2, 3, 3, 4, 4};
  SF_ASSERT_OK(seqfeat_column_table_set(aaa_shared.get(), next, 6));
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{2, 2, 3, 3, 4, 4, 3, 3}));
}

// ---------------------------------------------------------------------------------------------
// Indicator
// ---------------------------------------------------------------------------------------------
TEST(CapiIndicatorPack, CountsAndSilentOutOfRange) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  ColumnPtr ind = Indicator(ids.get());
  ASSERT_TRUE(ind);
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Batch b;
  // ex0 step0 {0, 0, 2}; ex0 step1 {5, -1}; ex1 step0 {1}.
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0, 0}, {0, 0, 1}, {0, 0, 2}, {0, 1, 0}, {0, 1, 1}, {1, 0, 0}},
                                 {2, 2, 3}, {0, 0, 2, 5, -1, 1}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.D, 3);
  EXPECT_EQ(p.dense, (std::vector<float>{2, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
  seqfeat_tensor *d = nullptr, *l = nullptr;
  SF_ASSERT_OK(seqfeat_column_get_sequence_dense_tensor(ind.get(), b.get(), &d, &l));
  TensorPtr dd(d), ll(l);
  EXPECT_EQ(Shape(d), (std::vector<int64_t>{2, 2, 3}));
  EXPECT_EQ(Values<float>(d), p.dense);
  EXPECT_EQ(Values<int64_t>(l), p.lengths);
}

TEST(CapiIndicatorPack, RepeatedIndexCountsTwice) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  ColumnPtr ind = Indicator(ids.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 0}}, {1, 1}, {1, 1}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{0, 2, 0}));
}

TEST(CapiIndicatorPack, OverHashWithinOneStep) {
  ColumnPtr h = Hash("tokens", 10);
  ASSERT_TRUE(h);
  ColumnPtr ind = Indicator(h.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("tokens", {{0, 0, 0}, {0, 0, 1}, {0, 0, 2}, {0, 0, 3}}, {1, 1, 4},
                               {"a", "b", "c", "d"}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  // buckets 9, 2, 2, 5
  EXPECT_EQ(p.dense, (std::vector<float>{0, 0, 2, 0, 0, 1, 0, 0, 0, 1}));
}

TEST(CapiIndicatorPack, OverVocabularyWithOov) {
  ColumnPtr v = VocabStrings("words", {"a", "b"}, -1, 1);
  ASSERT_TRUE(v);
  ColumnPtr ind = Indicator(v.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}, {0, 2}}, {1, 3}, {"a", "zz", "b"}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{1, 0, 0, 0, 0, 1, 0, 1, 0}));
}

TEST(CapiIndicatorPack, WeightedSumsWeights) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "w");
  ASSERT_TRUE(w);
  ColumnPtr ind = Indicator(w.get());
  ASSERT_TRUE(ind);
  EXPECT_EQ(Name(ind.get()), "ids_weighted_by_w_indicator");
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Batch b;
  const std::vector<Index> idx = {{0, 0, 0}, {0, 0, 1}, {0, 0, 2}, {0, 1, 0}};
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", idx, {1, 2, 3}, {0, 0, 2, 7}));
  SF_ASSERT_OK(b.Sparse<float>("w", idx, {1, 2, 3}, {0.5f, 1.5f, 2.0f, 9.0f}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  // bucket 0: 0.5 + 1.5; bucket 2: 2; id 7 is out of range and dropped with its weight.
  EXPECT_EQ(p.dense, (std::vector<float>{2, 0, 2, 0, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
}

// compatibility.md §6.3: weights <= 0 are pruned (mean, sqrtn) before the gather, so an id
// >= num_buckets carrying such a weight never reaches it; with 'sum' it is kept and the gather fails.
TEST(CapiWeightedEmbedding, PrunedWeightHidesAnOutOfRangeIdFromTheGather) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "w");
  ASSERT_TRUE(w);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}}, {1, 2}, {1, 7}));
  SF_ASSERT_OK(b.Sparse<float>("w", {{0, 0}, {0, 1}}, {1, 2}, {2.0f, 0.0f}));
  ColumnPtr sum = Embedding(w.get(), EmbeddingSpec{.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                                   .table = kTable});
  ASSERT_TRUE(sum);
  FeaturesPtr ls = Layer({sum.get()});
  Packed p;
  const Outcome o = PackInto(ls.get(), b, &p);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_OUT_OF_RANGE));
  EXPECT_TRUE(HasAll(o.message, {"7"}));
}

TEST(CapiWeightedEmbedding, PrunedWeightHidesAnOutOfRangeIdMeanSqrtn) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "w");
  ASSERT_TRUE(w);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}}, {1, 2}, {1, 7}));
  SF_ASSERT_OK(b.Sparse<float>("w", {{0, 0}, {0, 1}}, {1, 2}, {2.0f, 0.0f}));
  for (int32_t combiner : {SEQFEAT_COMBINER_MEAN, SEQFEAT_COMBINER_SQRTN}) {
    ColumnPtr emb = Embedding(w.get(), EmbeddingSpec{.dimension = 2, .combiner = combiner, .table = kTable});
    ASSERT_TRUE(emb);
    FeaturesPtr layer = Layer({emb.get()});
    Packed p;
    const Outcome o = PackInto(layer.get(), b, &p);
    ASSERT_TRUE(IsStatus(o, SEQFEAT_OK)) << "combiner " << combiner;
    // step0: 2 E1 / 2 (mean) or 2 E1 / sqrt(4) (sqrtn) = E1; step1: all pruned -> 0.
    EXPECT_EQ(p.dense, Row({3, 4, 0, 0})) << "combiner " << combiner;
    EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
  }
}

}  // namespace
}  // namespace sftest
