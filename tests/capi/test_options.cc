// Pack options and extensions (compatibility.md §14): max_length with padding/truncating pre/post,
// mask, strict mode, per-call statistics, numeric normalizers, num_threads and concurrent packing.
#include <mutex>
#include <random>
#include <thread>

#include "capi_test_util.h"

namespace sftest {
namespace {

// ---------------------------------------------------------------------------------------------
// max_length, padding, truncating, mask
// ---------------------------------------------------------------------------------------------
// Layer: ids_indicator (3 buckets) then x (numeric, default -1) -> D = 4, one step = [onehot, x].
//   ex0: ids 0 1 2 0 1, x 1 2 3 4 5   (length 5)
//   ex1: ids 2 2,       x 6 7         (length 2)
class CapiMaxLength : public ::testing::Test {
 protected:
  void SetUp() override {
    ids_ = Identity("ids", 3);
    x_ = Numeric("x", {}, -1.0f);
    ASSERT_TRUE(ids_ && x_);
    ind_ = Indicator(ids_.get());
    layer_ = Layer({x_.get(), ind_.get()});
    ASSERT_TRUE(layer_);
    const std::vector<Index> idx = {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 0}, {1, 1}};
    SF_ASSERT_OK(batch_.Sparse<int64_t>("ids", idx, {2, 5}, {0, 1, 2, 0, 1, 2, 2}));
    SF_ASSERT_OK(batch_.Sparse<float>("x", idx, {2, 5}, {1, 2, 3, 4, 5, 6, 7}));
  }

  static std::vector<float> Steps(std::initializer_list<std::vector<float>> steps) {
    std::vector<float> out;
    for (const auto& s : steps) out.insert(out.end(), s.begin(), s.end());
    return out;
  }

  void Check(int64_t max_length, int32_t padding, int32_t truncating, const std::vector<float>& dense,
             const std::vector<int64_t>& lengths, const std::vector<uint8_t>& mask,
             int64_t truncated) {
    seqfeat_pack_options o = PackOptions();
    o.max_length = max_length;
    o.padding = padding;
    o.truncating = truncating;
    seqfeat_stats* raw = nullptr;
    SF_ASSERT_OK(seqfeat_stats_create(&raw));
    StatsPtr stats(raw);
    Packed p;
    ASSERT_NO_FATAL_FAILURE(PackOk(layer_.get(), batch_, &p, &o, raw));
    EXPECT_EQ(p.B, 2);
    EXPECT_EQ(p.T, max_length);
    EXPECT_EQ(p.D, 4);
    EXPECT_EQ(p.dense, dense);
    EXPECT_EQ(p.lengths, lengths);
    EXPECT_EQ(p.mask, mask);
    ASSERT_EQ(seqfeat_stats_num_columns(raw), 2u);
    for (size_t c = 0; c < 2; ++c) {
      int64_t v = -1;
      SF_ASSERT_OK(seqfeat_stats_get(raw, c, SEQFEAT_STAT_STEPS_TRUNCATED, &v));
      EXPECT_EQ(v, truncated) << "column " << c;
    }
  }

  const std::vector<float> s0{1, 0, 0, 1}, s1{0, 1, 0, 2}, s2{0, 0, 1, 3}, s3{1, 0, 0, 4},
      s4{0, 1, 0, 5};
  const std::vector<float> e0{0, 0, 1, 6}, e1{0, 0, 1, 7};
  const std::vector<float> pad{0, 0, 0, -1};
  ColumnPtr ids_, x_, ind_;
  FeaturesPtr layer_;
  Batch batch_;
};

TEST_F(CapiMaxLength, DefaultFollowsDenseShape) {
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer_.get(), batch_, &p));
  EXPECT_EQ(p.T, 5);
  EXPECT_EQ(p.dense, Steps({s0, s1, s2, s3, s4, e0, e1, pad, pad, pad}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{5, 2}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 1, 1, 1, 1, 1, 0, 0, 0}));
}

TEST_F(CapiMaxLength, PadPostTruncPost) {
  Check(3, SEQFEAT_PAD_POST, SEQFEAT_PAD_POST, Steps({s0, s1, s2, e0, e1, pad}), {3, 2},
        {1, 1, 1, 1, 1, 0}, 2);
}

TEST_F(CapiMaxLength, PadPostTruncPre) {
  Check(3, SEQFEAT_PAD_POST, SEQFEAT_PAD_PRE, Steps({s2, s3, s4, e0, e1, pad}), {3, 2},
        {1, 1, 1, 1, 1, 0}, 2);
}

TEST_F(CapiMaxLength, PadPreTruncPost) {
  Check(3, SEQFEAT_PAD_PRE, SEQFEAT_PAD_POST, Steps({s0, s1, s2, pad, e0, e1}), {3, 2},
        {1, 1, 1, 0, 1, 1}, 2);
}

TEST_F(CapiMaxLength, PadPreTruncPre) {
  Check(3, SEQFEAT_PAD_PRE, SEQFEAT_PAD_PRE, Steps({s2, s3, s4, pad, e0, e1}), {3, 2},
        {1, 1, 1, 0, 1, 1}, 2);
}

TEST_F(CapiMaxLength, LongerThanEverySequencePost) {
  Check(6, SEQFEAT_PAD_POST, SEQFEAT_PAD_POST,
        Steps({s0, s1, s2, s3, s4, pad, e0, e1, pad, pad, pad, pad}), {5, 2},
        {1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0}, 0);
}

TEST_F(CapiMaxLength, LongerThanEverySequencePre) {
  Check(6, SEQFEAT_PAD_PRE, SEQFEAT_PAD_POST,
        Steps({pad, s0, s1, s2, s3, s4, pad, pad, pad, pad, e0, e1}), {5, 2},
        {0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1}, 0);
}

TEST_F(CapiMaxLength, OutputShapeUsesMaxLength) {
  seqfeat_pack_options o = PackOptions();
  o.max_length = 3;
  int64_t b = 0, t = 0, d = 0;
  SF_ASSERT_OK(seqfeat_features_output_shape(layer_.get(), batch_.get(), &o, &b, &t, &d));
  EXPECT_EQ(b, 2);
  EXPECT_EQ(t, 3);
  EXPECT_EQ(d, 4);
}

TEST_F(CapiMaxLength, LibraryOwnedMask) {
  seqfeat_pack_options o = PackOptions();
  o.max_length = 3;
  o.padding = SEQFEAT_PAD_PRE;
  seqfeat_tensor *dense = nullptr, *lengths = nullptr, *mask = nullptr;
  SF_ASSERT_OK(seqfeat_features_pack(layer_.get(), batch_.get(), &o, &dense, &lengths, &mask, nullptr));
  TensorPtr d(dense), l(lengths), m(mask);
  ASSERT_NE(mask, nullptr);
  EXPECT_EQ(seqfeat_tensor_dtype(mask), SEQFEAT_DTYPE_UINT8);
  EXPECT_EQ(Shape(mask), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(Values<uint8_t>(mask), (std::vector<uint8_t>{1, 1, 1, 0, 1, 1}));
  EXPECT_EQ(Values<int64_t>(lengths), (std::vector<int64_t>{3, 2}));
}

TEST_F(CapiMaxLength, InvalidOptions) {
  seqfeat_pack_options o = PackOptions();
  Packed p;
  o.max_length = -1;
  EXPECT_TRUE(IsStatus(PackInto(layer_.get(), batch_, &p, &o), SEQFEAT_ERR_INVALID_ARGUMENT));
  o = PackOptions();
  o.padding = 7;
  EXPECT_TRUE(IsStatus(PackInto(layer_.get(), batch_, &p, &o), SEQFEAT_ERR_INVALID_ARGUMENT));
  o = PackOptions();
  o.truncating = -2;
  EXPECT_TRUE(IsStatus(PackInto(layer_.get(), batch_, &p, &o), SEQFEAT_ERR_INVALID_ARGUMENT));
  o = PackOptions();
  o.num_threads = -1;
  EXPECT_TRUE(IsStatus(PackInto(layer_.get(), batch_, &p, &o), SEQFEAT_ERR_INVALID_ARGUMENT));
}

TEST_F(CapiMaxLength, StrictTruncationIsAnError) {
  seqfeat_pack_options o = PackOptions();
  o.max_length = 3;
  o.strict = 1;
  Packed p;
  const Outcome out = PackInto(layer_.get(), batch_, &p, &o);
  EXPECT_NE(out.status, SEQFEAT_OK);
  EXPECT_FALSE(out.message.empty());
  EXPECT_TRUE(out.message.find("ids_indicator") != std::string::npos ||
              out.message.find("x") != std::string::npos)
      << out.message;
  EXPECT_TRUE(HasAllNoCase(out.message, {"example"}));
  // Nothing is truncated at max_length 5: strict passes.
  o.max_length = 5;
  EXPECT_TRUE(IsStatus(PackInto(layer_.get(), batch_, &p, &o), SEQFEAT_OK));
}

// ---------------------------------------------------------------------------------------------
// Strict mode
// ---------------------------------------------------------------------------------------------
Outcome PackStrict(const seqfeat_column* c, const Batch& b, int32_t strict) {
  FeaturesPtr layer = Layer({c});
  seqfeat_pack_options o = PackOptions();
  o.strict = strict;
  Packed p;
  return PackInto(layer.get(), b, &p, &o);
}

TEST(CapiStrict, OutOfRangeIdNamesColumnExampleStepAndValue) {
  ColumnPtr ids = Identity("item_ids", 5);
  ASSERT_TRUE(ids);
  ColumnPtr ind = Indicator(ids.get());
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("item_ids", {{0, 0}, {1, 0}, {1, 2}}, {2, 3}, {1, 0, 777}));
  EXPECT_TRUE(IsStatus(PackStrict(ind.get(), b, 0), SEQFEAT_OK)) << "TF mode: silently ignored";
  const Outcome o = PackStrict(ind.get(), b, 1);
  EXPECT_TRUE(IsOneOf(o, {SEQFEAT_ERR_OUT_OF_RANGE, SEQFEAT_ERR_INVALID_ARGUMENT}));
  EXPECT_TRUE(HasAll(o.message, {"item_ids", "777"}));
  EXPECT_TRUE(HasAllNoCase(o.message, {"example", "step"}));
}

TEST(CapiStrict, NegativeIdIsAnError) {
  ColumnPtr ids = Identity("item_ids", 5);
  ASSERT_TRUE(ids);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2});
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("item_ids", {{0, 0}, {0, 1}}, {1, 2}, {1, -3}));
  EXPECT_TRUE(IsStatus(PackStrict(emb.get(), b, 0), SEQFEAT_OK));
  const Outcome o = PackStrict(emb.get(), b, 1);
  EXPECT_TRUE(IsOneOf(o, {SEQFEAT_ERR_OUT_OF_RANGE, SEQFEAT_ERR_INVALID_ARGUMENT}));
  EXPECT_TRUE(HasAll(o.message, {"item_ids", "-3"}));
}

TEST(CapiStrict, OovWithoutOovBucketsIsAnError) {
  ColumnPtr v = VocabStrings("words", {"a", "b"});
  ColumnPtr with_oov = VocabStrings("words", {"a", "b"}, -1, 2);
  ASSERT_TRUE(v && with_oov);
  ColumnPtr ind = Indicator(v.get()), ind_oov = Indicator(with_oov.get());
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}}, {1, 2}, {"a", "zebra"}));
  EXPECT_TRUE(IsStatus(PackStrict(ind.get(), b, 0), SEQFEAT_OK));
  const Outcome o = PackStrict(ind.get(), b, 1);
  EXPECT_TRUE(IsOneOf(o, {SEQFEAT_ERR_OUT_OF_RANGE, SEQFEAT_ERR_INVALID_ARGUMENT,
                          SEQFEAT_ERR_NOT_FOUND}));
  EXPECT_TRUE(HasAll(o.message, {"words", "zebra"}));
  EXPECT_TRUE(IsStatus(PackStrict(ind_oov.get(), b, 1), SEQFEAT_OK)) << "OOV buckets are valid ids";
}

TEST(CapiStrict, ValidInputPassesAndGivesTheSameOutput) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  ColumnPtr ind = Indicator(ids.get());
  FeaturesPtr layer = Layer({ind.get()});
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}}, {1, 2}, {2, 0}));
  seqfeat_pack_options o = PackOptions();
  o.strict = 1;
  Packed strict, loose;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &strict, &o));
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &loose));
  EXPECT_EQ(strict.dense, loose.dense);
  EXPECT_EQ(strict.dense, (std::vector<float>{0, 0, 1, 1, 0, 0}));
}

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------
std::vector<int64_t> AllStats(const seqfeat_stats* s, size_t column) {
  std::vector<int64_t> out;
  for (int32_t k = 0; k < SEQFEAT_STAT_COUNT; ++k) {
    int64_t v = -1;
    EXPECT_EQ(seqfeat_stats_get(s, column, k, &v), SEQFEAT_OK) << seqfeat_last_error_message();
    out.push_back(v);
  }
  return out;  // dropped_invalid, oov_hits, steps_truncated, empty_examples
}

TEST(CapiStats, DroppedInvalidAndEmptyExamples) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  ColumnPtr ind = Indicator(ids.get());
  FeaturesPtr layer = Layer({ind.get()});
  Batch b;
  // ex0 {1, 5}: 5 dropped; ex1 {-2, 0}: -2 dropped; ex2 empty.
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, {3, 2}, {1, 5, -2, 0}));
  seqfeat_stats* raw = nullptr;
  SF_ASSERT_OK(seqfeat_stats_create(&raw));
  StatsPtr stats(raw);
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p, nullptr, raw));
  EXPECT_EQ(p.dense, (std::vector<float>{0, 1, 0, 0, 0, 0,  //
                                         0, 0, 0, 1, 0, 0,  //
                                         0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 2, 0}));
  ASSERT_EQ(seqfeat_stats_num_columns(raw), 1u);
  EXPECT_STREQ(seqfeat_stats_column_name(raw, 0), "ids_indicator");
  EXPECT_EQ(AllStats(raw, 0), (std::vector<int64_t>{2, 0, 0, 1}));
  // Per call: a second pack replaces the counters instead of adding to them.
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p, nullptr, raw));
  EXPECT_EQ(AllStats(raw, 0), (std::vector<int64_t>{2, 0, 0, 1}));
}

TEST(CapiStats, OovHits) {
  ColumnPtr ids = Identity("ids", 3, /*default_value=*/0);
  ColumnPtr words = VocabStrings("words", {"a", "b"}, -1, 2);
  ASSERT_TRUE(ids && words);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .table = {1, 0, 0, 1, 1, 1}});
  ColumnPtr ind = Indicator(words.get());
  FeaturesPtr layer = Layer({ind.get(), emb.get()});
  Batch b;
  // ids: ex0 {1, 7 -> 0}, ex1 {-1 -> 0}: two values replaced by the default.
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {1, 7, -1}));
  // words: ex0 {a, zz -> 2 + 0}, ex1 {q -> 2 + 1}: two OOV hits.
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {"a", "zz", "q"}));
  seqfeat_stats* raw = nullptr;
  SF_ASSERT_OK(seqfeat_stats_create(&raw));
  StatsPtr stats(raw);
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p, nullptr, raw));
  // Step = [ids_embedding (2), words_indicator (4)].
  EXPECT_EQ(p.dense, (std::vector<float>{0, 1, 1, 0, 0, 0,  1, 0, 0, 0, 1, 0,  //
                                         1, 0, 0, 0, 0, 1,  0, 0, 0, 0, 0, 0}));
  ASSERT_EQ(seqfeat_stats_num_columns(raw), 2u);
  EXPECT_STREQ(seqfeat_stats_column_name(raw, 0), "ids_embedding");
  EXPECT_STREQ(seqfeat_stats_column_name(raw, 1), "words_indicator");
  EXPECT_EQ(AllStats(raw, 0), (std::vector<int64_t>{0, 2, 0, 0}));
  EXPECT_EQ(AllStats(raw, 1), (std::vector<int64_t>{0, 2, 0, 0}));
}

TEST(CapiStats, VocabularyMissWithoutOovBuckets) {
  ColumnPtr words = VocabStrings("words", {"a", "b"});
  ASSERT_TRUE(words);
  ColumnPtr ind = Indicator(words.get());
  FeaturesPtr layer = Layer({ind.get()});
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}, {0, 2}}, {1, 3}, {"zz", "b", "yy"}));
  seqfeat_stats* raw = nullptr;
  SF_ASSERT_OK(seqfeat_stats_create(&raw));
  StatsPtr stats(raw);
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p, nullptr, raw));
  EXPECT_EQ(p.dense, (std::vector<float>{0, 0, 0, 1, 0, 0}));
  int64_t oov = -1;
  SF_ASSERT_OK(seqfeat_stats_get(raw, 0, SEQFEAT_STAT_OOV_HITS, &oov));
  EXPECT_EQ(oov, 2);
}

TEST(CapiStats, TruncatedAndEmptyForNumeric) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  Batch b;
  // ex0 length 5, ex1 length 2, ex2 empty.
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 0}, {1, 1}}, {3, 5},
                               {1, 2, 3, 4, 5, 6, 7}));
  seqfeat_stats* raw = nullptr;
  SF_ASSERT_OK(seqfeat_stats_create(&raw));
  StatsPtr stats(raw);
  seqfeat_pack_options o = PackOptions();
  o.max_length = 3;
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p, &o, raw));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3, 2, 0}));
  EXPECT_EQ(p.dense, (std::vector<float>{1, 2, 3, 6, 7, 0, 0, 0, 0}));
  EXPECT_EQ(AllStats(raw, 0), (std::vector<int64_t>{0, 0, 2, 1}));
}

// ---------------------------------------------------------------------------------------------
// Normalizers (applied to present values only; padding keeps default_value)
// ---------------------------------------------------------------------------------------------
Packed PackNormalized(int32_t normalizer, float a, float b, float default_value,
                      const std::vector<Index>& idx, const Index& dense_shape,
                      const std::vector<float>& values, seqfeat_normalizer_fn fn = nullptr,
                      void* user_data = nullptr) {
  seqfeat_numeric_options o;
  seqfeat_numeric_options_default(&o);
  o.default_value = default_value;
  o.normalizer = normalizer;
  o.normalizer_a = a;
  o.normalizer_b = b;
  o.normalizer_fn = fn;
  o.normalizer_user_data = user_data;
  ColumnPtr x = NumericWith("x", o);
  Packed p;
  EXPECT_TRUE(x);
  if (!x) return p;
  FeaturesPtr layer = Layer({x.get()});
  Batch batch;
  EXPECT_EQ(batch.Sparse<float>("x", idx, dense_shape, values), SEQFEAT_OK);
  seqfeat_pack_options po = PackOptions();
  po.num_threads = 1;
  const Outcome out = PackInto(layer.get(), batch, &p, &po);
  EXPECT_TRUE(IsStatus(out, SEQFEAT_OK));
  return p;
}

TEST(CapiNormalizer, ScaleShift) {
  const Packed p = PackNormalized(SEQFEAT_NORMALIZER_SCALE_SHIFT, 2.0f, 1.0f, 0.5f,
                                  {{0, 0}, {0, 2}}, {1, 4}, {1, 2});
  // 1*2+1 = 3, gap 0.5 (not 2), 2*2+1 = 5, tail 0.5.
  EXPECT_EQ(p.dense, (std::vector<float>{3, 0.5f, 5, 0.5f}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3}));
}

TEST(CapiNormalizer, ZScore) {
  const Packed p = PackNormalized(SEQFEAT_NORMALIZER_ZSCORE, 1.0f, 2.0f, 0.0f,
                                  {{0, 0}, {0, 1}, {0, 2}}, {1, 4}, {1, 5, -1});
  EXPECT_EQ(p.dense, (std::vector<float>{0, 2, -1, 0}));
}

TEST(CapiNormalizer, Log1p) {
  const float e_minus_1 = static_cast<float>(std::exp(1.0) - 1.0);
  const Packed p = PackNormalized(SEQFEAT_NORMALIZER_LOG1P, 0, 0, 0.0f, {{0, 0}, {0, 1}, {0, 2}},
                                  {1, 4}, {0, e_minus_1, 3});
  EXPECT_TRUE(Near(p.dense, {0.0f, 1.0f, static_cast<float>(std::log(4.0)), 0.0f}, 1e-6, 1e-6));
}

TEST(CapiNormalizer, ClipKeepsPaddingOutsideTheRange) {
  const Packed p = PackNormalized(SEQFEAT_NORMALIZER_CLIP, 0.0f, 1.0f, 9.0f,
                                  {{0, 0}, {0, 1}, {0, 3}}, {1, 5}, {-3, 0.5f, 7});
  // Padding 9 stays 9 although the clip range is [0, 1].
  EXPECT_EQ(p.dense, (std::vector<float>{0, 0.5f, 9, 1, 9}));
}

struct CallbackLog {
  std::mutex mu;
  std::vector<float> seen;
  float offset = 1.0f;
};

float TimesTenPlusOffset(float v, void* user_data) {
  auto* log = static_cast<CallbackLog*>(user_data);
  std::lock_guard<std::mutex> lock(log->mu);
  log->seen.push_back(v);
  return v * 10.0f + log->offset;
}

TEST(CapiNormalizer, CallbackSeesPresentValuesOnly) {
  CallbackLog log;
  const Packed p = PackNormalized(SEQFEAT_NORMALIZER_CALLBACK, 0, 0, -1.0f, {{0, 0}, {0, 2}, {1, 1}},
                                  {2, 3}, {1, 2, 4}, &TimesTenPlusOffset, &log);
  EXPECT_EQ(p.dense, (std::vector<float>{11, -1, 21, -1, 41, -1}));
  ASSERT_FALSE(log.seen.empty());
  for (float v : log.seen) {
    EXPECT_TRUE(v == 1 || v == 2 || v == 4) << "callback saw " << v << " (padding is -1)";
  }
}

TEST(CapiNormalizer, AppliesToIntegerAndDenseInput) {
  seqfeat_numeric_options o;
  seqfeat_numeric_options_default(&o);
  o.normalizer = SEQFEAT_NORMALIZER_SCALE_SHIFT;
  o.normalizer_a = 0.5f;
  o.normalizer_b = 0.0f;
  ColumnPtr x = NumericWith("x", o);
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  Batch ints;
  SF_ASSERT_OK(ints.Sparse<int64_t>("x", {{0, 0}, {0, 1}}, {1, 3}, {4, 6}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), ints, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{2, 3, 0}));
  Batch dense;
  SF_ASSERT_OK(dense.Dense<double>("x", {1, 3}, {4, 0, 8}));
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), dense, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{2, 0, 4}));
}

TEST(CapiNormalizer, PrePaddingKeepsDefault) {
  seqfeat_numeric_options o;
  seqfeat_numeric_options_default(&o);
  o.default_value = 5.0f;
  o.normalizer = SEQFEAT_NORMALIZER_SCALE_SHIFT;
  o.normalizer_a = -1.0f;
  o.normalizer_b = 0.0f;
  ColumnPtr x = NumericWith("x", o);
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}, {0, 1}}, {1, 2}, {1, 2}));
  seqfeat_pack_options po = PackOptions();
  po.max_length = 4;
  po.padding = SEQFEAT_PAD_PRE;
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p, &po));
  EXPECT_EQ(p.dense, (std::vector<float>{5, 5, -1, -2}));
}

// ---------------------------------------------------------------------------------------------
// Threads: results do not depend on num_threads or on concurrent use of one layer
// ---------------------------------------------------------------------------------------------
class CapiRandomBatch : public ::testing::Test {
 protected:
  void SetUp() override {
    std::mt19937_64 rng(12345);
    ids_ = Identity("ids", 50);
    x_ = Numeric("x", {2}, -0.5f);
    ASSERT_TRUE(ids_ && x_);
    std::vector<float> table(50 * 16);
    std::uniform_real_distribution<float> u(-1, 1);
    for (float& v : table) v = u(rng);
    emb_ = Embedding(ids_.get(), EmbeddingSpec{.dimension = 16, .combiner = SEQFEAT_COMBINER_SQRTN,
                                               .max_norm = 1.5f, .table = table});
    ind_ = Indicator(ids_.get());
    ASSERT_TRUE(emb_ && ind_);
    layer_ = Layer({emb_.get(), ind_.get(), x_.get()});
    ASSERT_TRUE(layer_);
    std::uniform_int_distribution<int64_t> len(0, kT), bag(1, kK), id(-2, 49);
    for (int64_t b = 0; b < kB; ++b) {
      const int64_t L = len(rng);
      for (int64_t t = 0; t < L; ++t) {
        // Each step has at least one id and two numbers so that all lengths agree.
        const int64_t n = bag(rng);
        for (int64_t k = 0; k < n; ++k) {
          id_idx_.push_back({b, t, k});
          id_vals_.push_back(id(rng));
        }
        for (int64_t j = 0; j < 2; ++j) {
          x_idx_.push_back({b, 2 * t + j});
          x_vals_.push_back(u(rng));
        }
      }
    }
    ASSERT_NO_FATAL_FAILURE(Fill(batch_));
  }
  // A batch belongs to one thread at a time: every thread fills its own.
  void Fill(Batch& batch) const {
    SF_ASSERT_OK(batch.Sparse<int64_t>("ids", id_idx_, {kB, kT, kK}, id_vals_));
    SF_ASSERT_OK(batch.Sparse<float>("x", x_idx_, {kB, 2 * kT}, x_vals_));
  }
  static constexpr int64_t kB = 97, kT = 13, kK = 4;
  std::vector<Index> id_idx_, x_idx_;
  std::vector<int64_t> id_vals_;
  std::vector<float> x_vals_;
  ColumnPtr ids_, x_, emb_, ind_;
  FeaturesPtr layer_;
  Batch batch_;
};

TEST_F(CapiRandomBatch, NumThreadsDoNotChangeTheResult) {
  Packed one, two, dflt, eight;
  seqfeat_pack_options o = PackOptions();
  o.num_threads = 1;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer_.get(), batch_, &one, &o));
  o.num_threads = 2;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer_.get(), batch_, &two, &o));
  o.num_threads = 8;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer_.get(), batch_, &eight, &o));
  ASSERT_NO_FATAL_FAILURE(PackOk(layer_.get(), batch_, &dflt));
  EXPECT_EQ(one.D, 16 + 50 + 2);
  EXPECT_EQ(one.dense, two.dense);
  EXPECT_EQ(one.dense, eight.dense);
  EXPECT_EQ(one.dense, dflt.dense);
  EXPECT_EQ(one.lengths, two.lengths);
  EXPECT_EQ(one.mask, two.mask);
}

TEST_F(CapiRandomBatch, ConcurrentPacksOfOneLayer) {
  Packed reference;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer_.get(), batch_, &reference));
  constexpr int kThreads = 4;
  std::vector<std::vector<float>> dense(kThreads);
  std::vector<std::vector<int64_t>> lengths(kThreads);
  std::vector<seqfeat_status> status(kThreads, SEQFEAT_ERR_INTERNAL);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      Batch own;
      Fill(own);
      dense[i].assign(reference.dense.size(), 0.0f);
      lengths[i].assign(reference.lengths.size(), 0);
      seqfeat_pack_options o = PackOptions();
      o.num_threads = 1 + i % 2;
      for (int round = 0; round < 3; ++round) {
        status[i] = seqfeat_features_pack_into(layer_.get(), own.get(), &o, dense[i].data(),
                                               dense[i].size(), lengths[i].data(), lengths[i].size(),
                                               nullptr, 0, nullptr);
        if (status[i] != SEQFEAT_OK) break;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kThreads; ++i) {
    EXPECT_EQ(status[i], SEQFEAT_OK) << i;
    EXPECT_EQ(dense[i], reference.dense) << i;
    EXPECT_EQ(lengths[i], reference.lengths) << i;
  }
}

TEST(CapiStats, EmbeddingDropsNegativeIds) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 1, .combiner = SEQFEAT_COMBINER_SUM,
                                                     .table = {1, 10, 100}});
  FeaturesPtr layer = Layer({emb.get()});
  ASSERT_TRUE(layer);
  Batch b;
  // ex0: step0 {-1, 1}, step1 {-5}; ex1: step0 {2}.
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 0, 0}}, {2, 2, 2},
                                 {-1, 1, -5, 2}));
  seqfeat_stats* raw = nullptr;
  SF_ASSERT_OK(seqfeat_stats_create(&raw));
  StatsPtr stats(raw);
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p, nullptr, raw));
  EXPECT_EQ(p.dense, (std::vector<float>{10, 0, 100, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(AllStats(raw, 0), (std::vector<int64_t>{2, 0, 0, 0}));
}

TEST_F(CapiRandomBatch, StatsDoNotDependOnNumThreads) {
  seqfeat_stats *a = nullptr, *b = nullptr;
  SF_ASSERT_OK(seqfeat_stats_create(&a));
  SF_ASSERT_OK(seqfeat_stats_create(&b));
  StatsPtr sa(a), sb(b);
  seqfeat_pack_options o = PackOptions();
  o.max_length = 9;
  Packed p1, p2;
  o.num_threads = 1;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer_.get(), batch_, &p1, &o, a));
  o.num_threads = 3;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer_.get(), batch_, &p2, &o, b));
  EXPECT_EQ(p1.dense, p2.dense);
  ASSERT_EQ(seqfeat_stats_num_columns(a), 3u);
  ASSERT_EQ(seqfeat_stats_num_columns(b), 3u);
  // The batch's dropped ids (-1, -2) and empty examples, counted by hand.
  int64_t negatives = 0, empty = 0, truncated = 0;
  for (int64_t v : id_vals_) negatives += v < 0;
  std::vector<int64_t> len(kB, 0);
  for (const Index& i : id_idx_) len[i[0]] = std::max(len[i[0]], i[1] + 1);
  for (int64_t l : len) {
    empty += l == 0;
    truncated += std::max<int64_t>(0, l - 9);
  }
  for (size_t c = 0; c < 3; ++c) {
    EXPECT_EQ(AllStats(a, c), AllStats(b, c)) << c;
    EXPECT_EQ(AllStats(a, c)[SEQFEAT_STAT_STEPS_TRUNCATED], truncated) << c;
    EXPECT_EQ(AllStats(a, c)[SEQFEAT_STAT_EMPTY_EXAMPLES], empty) << c;
  }
  // Layer order: ids_embedding, ids_indicator, x. Negative ids are dropped by both id columns
  // (truncated steps excluded: only kept steps are looked up, so count them on the kept part).
  int64_t kept_negatives = 0;
  for (size_t i = 0; i < id_idx_.size(); ++i) kept_negatives += id_vals_[i] < 0 && id_idx_[i][1] < 9;
  EXPECT_TRUE(AllStats(a, 0)[SEQFEAT_STAT_DROPPED_INVALID] == kept_negatives ||
              AllStats(a, 0)[SEQFEAT_STAT_DROPPED_INVALID] == negatives)
      << AllStats(a, 0)[SEQFEAT_STAT_DROPPED_INVALID] << " vs " << kept_negatives << "/" << negatives;
  EXPECT_EQ(AllStats(a, 0)[SEQFEAT_STAT_DROPPED_INVALID], AllStats(a, 1)[SEQFEAT_STAT_DROPPED_INVALID]);
  EXPECT_EQ(AllStats(a, 2)[SEQFEAT_STAT_DROPPED_INVALID], 0);
}

}  // namespace
}  // namespace sftest
