// The bad-input catalogue of the C ABI: one malformed input per test, each asserting the exact
// status, a message naming what is wrong (function, feature key, column, example, value) and
// that nothing was written: output buffers are filled with canaries and out-params with
// sentinels before the call, and both must survive. Leaks are caught by the sanitizer and
// valgrind runs of this same binary (docs/testing.md).
//
// A few entries are inputs with defined, documented behaviour rather than errors (negative ids,
// NaN and Inf values and weights, a key added twice): those assert the output instead.
#include <cmath>
#include <limits>

#include "capi_test_util.h"

namespace sftest {
namespace {

constexpr int64_t kBig = int64_t{1} << 61;

// ---------------------------------------------------------------------------------------------
// Canary buffers and a pack that must fail
// ---------------------------------------------------------------------------------------------
struct Canaries {
  static float CanaryFloat() {
    const uint32_t bits = 0x7FC0FEED;  // a quiet-NaN payload no kernel writes
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
  static constexpr int64_t kCanaryLength = 0x5EF0A1C0;
  static constexpr uint8_t kCanaryMask = 0xAB;

  explicit Canaries(size_t n = 64) : dense(n, CanaryFloat()), lengths(n, kCanaryLength), mask(n, kCanaryMask) {}

  ::testing::AssertionResult Intact() const {
    const float c = CanaryFloat();
    for (size_t i = 0; i < dense.size(); ++i)
      if (std::memcmp(&dense[i], &c, sizeof c) != 0)
        return ::testing::AssertionFailure() << "dense[" << i << "] was written: " << dense[i];
    for (size_t i = 0; i < lengths.size(); ++i)
      if (lengths[i] != kCanaryLength)
        return ::testing::AssertionFailure() << "lengths[" << i << "] was written: " << lengths[i];
    for (size_t i = 0; i < mask.size(); ++i)
      if (mask[i] != kCanaryMask)
        return ::testing::AssertionFailure() << "mask[" << i << "] was written: " << int(mask[i]);
    return ::testing::AssertionSuccess();
  }

  std::vector<float> dense;
  std::vector<int64_t> lengths;
  std::vector<uint8_t> mask;
};

// pack_into with canary buffers of the given capacities (counts as declared to the library).
Outcome PackIntoCanaries(const seqfeat_features* f, const Batch& batch, Canaries& c,
                         const seqfeat_pack_options* opts = nullptr) {
  return Capture(seqfeat_features_pack_into(f, batch.get(), opts, c.dense.data(), c.dense.size(),
                                            c.lengths.data(), c.lengths.size(), c.mask.data(),
                                            c.mask.size(), nullptr));
}

// seqfeat_features_pack with sentinel out-params, which must survive the failure.
Outcome PackTensorsExpectUntouched(const seqfeat_features* f, const Batch& batch,
                                   const seqfeat_pack_options* opts = nullptr) {
  seqfeat_tensor* d = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* l = Sentinel<seqfeat_tensor>();
  seqfeat_tensor* m = Sentinel<seqfeat_tensor>();
  const Outcome o = Capture(seqfeat_features_pack(f, batch.get(), opts, &d, &l, &m, nullptr));
  EXPECT_EQ(d, Sentinel<seqfeat_tensor>());
  EXPECT_EQ(l, Sentinel<seqfeat_tensor>());
  EXPECT_EQ(m, Sentinel<seqfeat_tensor>());
  return o;
}

// The layer most entries use: identity ids (10 buckets) embedded in D = 4.
struct IdsLayer {
  ColumnPtr ids = Identity("ids", 10);
  ColumnPtr emb = Embedding(ids.get(), {.dimension = 4});
  FeaturesPtr layer = Layer({emb.get()});
};

// A batch add that must fail leaves the batch without the key: packing then reports it missing.
void ExpectKeyAbsent(const Batch& batch, const char* key) {
  ColumnPtr ids = Identity(key, 10);
  ColumnPtr emb = Embedding(ids.get(), {.dimension = 4});
  FeaturesPtr layer = Layer({emb.get()});
  Canaries c;
  const Outcome o = PackIntoCanaries(layer.get(), batch, c);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_NOT_FOUND));
  EXPECT_TRUE(HasAll(o.message, {std::string("Feature ") + key + " is not in features dictionary"}));
}

// The outcome of a call: a status (read with its message at once) or an Outcome already.
Outcome AsOutcome(seqfeat_status s) { return Capture(s); }
Outcome AsOutcome(const Outcome& o) { return o; }

#define EXPECT_REJECTED(outcome, code, ...)              \
  do {                                                   \
    const ::sftest::Outcome sf_o_ = AsOutcome(outcome);  \
    EXPECT_TRUE(::sftest::IsStatus(sf_o_, code));        \
    EXPECT_TRUE(::sftest::HasAll(sf_o_.message, {__VA_ARGS__})); \
  } while (0)

// Restores the allocation limit however a test ends.
struct LimitGuard {
  int64_t saved = 0;
  LimitGuard() { EXPECT_EQ(seqfeat_get_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, &saved), SEQFEAT_OK); }
  ~LimitGuard() { EXPECT_EQ(seqfeat_set_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, 0), SEQFEAT_OK); }
};

// ---------------------------------------------------------------------------------------------
// NULL pointers in batch building: the message names the function, the argument and the key
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, SparseIndicesNull) {
  Batch b;
  const int64_t shape[2] = {2, 3};
  const int64_t values[2] = {1, 2};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_sparse(b.get(), "ids", nullptr, 2, 2, shape,
                                                   SEQFEAT_DTYPE_INT64, values)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "seqfeat_batch_add_sparse", "indices is NULL",
                  "feature key ids");
  ExpectKeyAbsent(b, "ids");
}

TEST(CapiBadInput, SparseValuesNull) {
  Batch b;
  const int64_t shape[2] = {2, 3};
  const int64_t indices[4] = {0, 0, 1, 0};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_sparse(b.get(), "ids", indices, 2, 2, shape,
                                                   SEQFEAT_DTYPE_INT64, nullptr)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "seqfeat_batch_add_sparse", "values is NULL",
                  "feature key ids");
  ExpectKeyAbsent(b, "ids");
}

TEST(CapiBadInput, SparseDenseShapeNull) {
  Batch b;
  const int64_t indices[2] = {0, 0};
  const int64_t values[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_sparse(b.get(), "ids", indices, 1, 2, nullptr,
                                                   SEQFEAT_DTYPE_INT64, values)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "dense_shape is NULL", "feature key ids");
}

TEST(CapiBadInput, DenseShapeNull) {
  Batch b;
  const float values[4] = {1, 2, 3, 4};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense(b.get(), "x", nullptr, 2, SEQFEAT_DTYPE_FLOAT32,
                                                  values)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "seqfeat_batch_add_dense", "shape is NULL",
                  "feature key x");
}

TEST(CapiBadInput, RaggedRowSplitsNull) {
  Batch b;
  const int64_t values[2] = {1, 2};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_ragged(b.get(), "ids", 1, nullptr, 0, nullptr,
                                                   SEQFEAT_DTYPE_INT64, values, 2)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "seqfeat_batch_add_ragged", "row_splits is NULL",
                  "feature key ids");
  ExpectKeyAbsent(b, "ids");
}

TEST(CapiBadInput, StringOffsetsNull) {
  Batch b;
  const int64_t shape[2] = {1, 1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense_strings(b.get(), "words", shape, 2, nullptr, "a")),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "seqfeat_batch_add_dense_strings",
                  "offsets is NULL", "feature key words");
}

TEST(CapiBadInput, StringViewsNull) {
  Batch b;
  const int64_t shape[2] = {1, 2};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense_string_views(b.get(), "words", shape, 2, nullptr)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "seqfeat_batch_add_dense_string_views",
                  "values is NULL", "feature key words");
}

TEST(CapiBadInput, StringViewNullDataWithLength) {
  Batch b;
  const int64_t shape[2] = {1, 2};
  const seqfeat_string_view views[2] = {{"a", 1}, {nullptr, 3}};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense_string_views(b.get(), "words", shape, 2, views)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature words", "string 1 has a NULL pointer",
                  "length 3");
}

TEST(CapiBadInput, StringBytesNull) {
  Batch b;
  const int64_t shape[2] = {1, 1};
  const int64_t offsets[2] = {0, 3};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense_strings(b.get(), "words", shape, 2, offsets, nullptr)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature words", "string bytes are NULL");
}

TEST(CapiBadInput, KeyNull) {
  Batch b;
  const int64_t shape[2] = {1, 1};
  const float v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense(b.get(), nullptr, shape, 2, SEQFEAT_DTYPE_FLOAT32, v)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "seqfeat_batch_add_dense", "key is NULL");
}

TEST(CapiBadInput, KeyEmpty) {
  Batch b;
  const int64_t shape[2] = {1, 1};
  const float v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense(b.get(), "", shape, 2, SEQFEAT_DTYPE_FLOAT32, v)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "key must be a non-empty string");
}

TEST(CapiBadInput, PackOutputBufferNull) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2}, {}, {1, 2}));
  Canaries c;
  EXPECT_REJECTED(Capture(seqfeat_features_pack_into(l.layer.get(), b.get(), nullptr, nullptr, 8,
                                                     c.lengths.data(), c.lengths.size(), nullptr,
                                                     0, nullptr)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "output buffer is NULL");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, PackLengthsBufferNull) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2}, {}, {1, 2}));
  Canaries c;
  EXPECT_REJECTED(Capture(seqfeat_features_pack_into(l.layer.get(), b.get(), nullptr,
                                                     c.dense.data(), c.dense.size(), nullptr, 1,
                                                     nullptr, 0, nullptr)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "sequence_length buffer is NULL");
  EXPECT_TRUE(c.Intact());
}

// ---------------------------------------------------------------------------------------------
// dtype codes
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, DtypeCodeZero) {
  Batch b;
  const int64_t shape[2] = {1, 1};
  const float v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense(b.get(), "x", shape, 2, 0, v)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "unknown dtype code 0", "feature key x");
}

TEST(CapiBadInput, DtypeCodeOutOfRange) {
  Batch b;
  const int64_t indices[2] = {0, 0};
  const int64_t shape[2] = {1, 1};
  const int64_t v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_sparse(b.get(), "ids", indices, 1, 2, shape, 99, v)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "unknown dtype code 99", "feature key ids");
}

TEST(CapiBadInput, DtypeStringThroughNumericEntryPoint) {
  Batch b;
  const int64_t shape[2] = {1, 1};
  const int64_t v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense(b.get(), "x", shape, 2, SEQFEAT_DTYPE_STRING, v)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "dtype string not accepted here", "feature key x");
}

TEST(CapiBadInput, FloatIdsForIdentityColumn) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<float>("ids", {0, 2}, {}, {1.f, 2.f}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_DTYPE_MISMATCH,
                  "not integer", "key: ids", "float32");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, StringsForNumericColumn) {
  ColumnPtr x = Numeric("x");
  FeaturesPtr layer = Layer({x.get()});
  Batch b;
  SF_ASSERT_OK(b.RaggedStrings("x", {0, 2}, {}, {"a", "b"}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(layer.get(), b, c), SEQFEAT_ERR_DTYPE_MISMATCH, "feature x",
                  "dtype string");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, WeightDtypeMismatch) {
  ColumnPtr ids = Identity("ids", 10);
  ColumnPtr w = Weighted(ids.get(), "w", SEQFEAT_DTYPE_FLOAT32);
  ColumnPtr emb = Embedding(w.get(), {.dimension = 2});
  FeaturesPtr layer = Layer({emb.get()});
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2}, {}, {1, 2}));
  SF_ASSERT_OK(b.Ragged<double>("w", {0, 2}, {}, {0.5, 0.5}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(layer.get(), b, c), SEQFEAT_ERR_DTYPE_MISMATCH,
                  "expected float32, but got float64", "weight feature w");
  EXPECT_TRUE(c.Intact());
}

// ---------------------------------------------------------------------------------------------
// Ranks and shapes
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, NegativeRank) {
  Batch b;
  const int64_t shape[2] = {1, 1};
  const float v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense(b.get(), "x", shape, -1, SEQFEAT_DTYPE_FLOAT32, v)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "negative rank -1", "feature key x");
}

TEST(CapiBadInput, RankInt64Max) {
  Batch b;
  const int64_t shape[2] = {1, 1};
  const int64_t indices[2] = {0, 0};
  const int64_t v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_sparse(b.get(), "ids", indices, 1, INT64_MAX, shape,
                                                   SEQFEAT_DTYPE_INT64, v)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "rank 9223372036854775807",
                  "above the maximum rank 254", "feature key ids");
}

TEST(CapiBadInput, SparseRankZero) {
  Batch b;
  const int64_t v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_sparse(b.get(), "ids", nullptr, 0, 0, nullptr,
                                                   SEQFEAT_DTYPE_INT64, v)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature (key: ids) cannot have rank 0");
}

TEST(CapiBadInput, DenseNegativeDimension) {
  Batch b;
  const int64_t shape[2] = {2, -3};
  const float v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense(b.get(), "x", shape, 2, SEQFEAT_DTYPE_FLOAT32, v)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "negative shape dimension -3", "feature key x");
}

TEST(CapiBadInput, DenseCellCountOverflows) {
  Batch b;
  const int64_t shape[3] = {int64_t{1} << 32, int64_t{1} << 32, 2};
  const float v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense(b.get(), "x", shape, 3, SEQFEAT_DTYPE_FLOAT32, v)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "[4294967296, 4294967296, 2]",
                  "does not fit in a 64-bit size", "feature key x");
  ExpectKeyAbsent(b, "x");
}

TEST(CapiBadInput, SparseNegativeDenseShape) {
  Batch b;
  EXPECT_REJECTED(b.Sparse<int64_t>("ids", {{0, 0}}, {2, -1}, {1}), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "Feature ids", "negative dense_shape dimension -1");
}

TEST(CapiBadInput, SparseBatchDimensionAboveAllocationLimit) {
  // No values, but 2^40 examples: the per-example arrays alone would be 8 TiB.
  IdsLayer l;
  LimitGuard limit;
  SF_ASSERT_OK(seqfeat_set_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, int64_t{1} << 30));
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {}, {int64_t{1} << 40, 3}, {}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_OUT_OF_MEMORY, "feature ids",
                  "1099511627776 examples", "bytes asked for", "allocation limit of 1073741824");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, PackIntoOverflowingDenseShape) {
  // dense_shape [2, 2^61], D = 4 and a 16-float buffer: B·T·D wrapped past the size check and
  // the kernels wrote beyond the buffer.
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {1, 0}}, {2, kBig}, {1, 2}));
  Canaries c(16);
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "output [2, 2305843009213693952, 4]", "does not fit in a 64-bit size");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, OutputShapeOfOverflowingMaxLength) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2, 3}, {}, {1, 2, 3}));
  seqfeat_pack_options o = PackOptions();
  o.max_length = kBig;
  int64_t B = -3, T = -3, D = -3;
  EXPECT_REJECTED(seqfeat_features_output_shape(l.layer.get(), b.get(), &o, &B, &T, &D),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "output [2, 2305843009213693952, 4]",
                  "does not fit in a 64-bit size");
  EXPECT_EQ(B, -3);
  EXPECT_EQ(T, -3);
  EXPECT_EQ(D, -3);
}

TEST(CapiBadInput, PackIntoOverflowingMaxLength) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2, 3}, {}, {1, 2, 3}));
  seqfeat_pack_options o = PackOptions();
  o.max_length = int64_t{1} << 62;
  Canaries c(16);
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c, &o), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "does not fit in a 64-bit size");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, IndicatorOverHugeBucketCount) {
  ColumnPtr ids = Identity("ids", int64_t{1} << 62);
  ColumnPtr ind = Indicator(ids.get());
  FeaturesPtr layer = Layer({ind.get()});
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2, 3}, {}, {1, 2, 3}));
  Canaries c(16);
  EXPECT_REJECTED(PackIntoCanaries(layer.get(), b, c), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "output [2, 2, 4611686018427387904]", "does not fit in a 64-bit size");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, TwoWideIndicatorsOverflowTheDepth) {
  ColumnPtr a = Identity("a", int64_t{1} << 62), z = Identity("z", int64_t{1} << 62);
  ColumnPtr ia = Indicator(a.get()), iz = Indicator(z.get());
  const seqfeat_column* cols[2] = {ia.get(), iz.get()};
  seqfeat_features* f = Sentinel<seqfeat_features>();
  EXPECT_REJECTED(Capture(seqfeat_features_create(cols, 2, &f)), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "depth of the layer at column z_indicator",
                  "4611686018427387904 + 4611686018427387904 does not fit");
  EXPECT_EQ(f, Sentinel<seqfeat_features>());
}

TEST(CapiBadInput, DenseFeaturesBatchTimesDepthOverflows) {
  ColumnPtr ids = Identity("ids", int64_t{1} << 62, SEQFEAT_NO_DEFAULT, 0);
  ColumnPtr ind = Indicator(ids.get());
  const seqfeat_column* cols[1] = {ind.get()};
  seqfeat_dense_features* f = nullptr;
  SF_ASSERT_OK(seqfeat_dense_features_create(cols, 1, &f));
  std::unique_ptr<seqfeat_dense_features, void (*)(seqfeat_dense_features*)> owned(
      f, seqfeat_dense_features_free);
  Batch b;
  SF_ASSERT_OK(b.Dense<int64_t>("ids", {4, 1}, {1, 2, 3, 4}));
  Canaries c(16);
  EXPECT_REJECTED(Capture(seqfeat_dense_features_pack_into(f, b.get(), c.dense.data(), c.dense.size())),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "output [4, 1, 4611686018427387904]",
                  "does not fit in a 64-bit size");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, NumericValuesPerExampleOverflow) {
  ColumnPtr x = Numeric("x");
  FeaturesPtr layer = Layer({x.get()});
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {}, {1, int64_t{1} << 32, int64_t{1} << 32}, {}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(layer.get(), b, c), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "Column x, feature x: values per example", "does not fit in a 64-bit size");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, NumericBatchDimensionAboveAllocationLimit) {
  // Found by fuzz_pack: a sparse numeric input with a 2^45-example dense_shape and no values.
  ColumnPtr x = Numeric("x");
  FeaturesPtr layer = Layer({x.get()});
  LimitGuard limit;
  SF_ASSERT_OK(seqfeat_set_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, int64_t{64} << 20));
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {}, {int64_t{1} << 45, 1}, {}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(layer.get(), b, c), SEQFEAT_ERR_OUT_OF_MEMORY,
                  "Column x, feature x: 35184372088832 examples", "bytes asked for");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, PackTensorsOfOverflowingDenseShape) {
  // dense_shape [2, 2^61], D = 4: B·T·D = 2^64 does not fit.
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {1, 0}}, {2, kBig}, {1, 2}));
  EXPECT_REJECTED(PackTensorsExpectUntouched(l.layer.get(), b), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "does not fit in a 64-bit size");
}

TEST(CapiBadInput, PackTensorsOfOverflowingMaxLength) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2, 3}, {}, {1, 2, 3}));
  seqfeat_pack_options o = PackOptions();
  o.max_length = kBig;
  EXPECT_REJECTED(PackTensorsExpectUntouched(l.layer.get(), b, &o), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "does not fit in a 64-bit size");
}

TEST(CapiBadInput, PackTensorsAboveAllocationLimit) {
  // [2, 2^40, 4] floats = 32 TiB fits in 64 bits but not under the limit.
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2, 3}, {}, {1, 2, 3}));
  seqfeat_pack_options o = PackOptions();
  o.max_length = int64_t{1} << 40;
  EXPECT_REJECTED(PackTensorsExpectUntouched(l.layer.get(), b, &o), SEQFEAT_ERR_OUT_OF_MEMORY,
                  "[2, 1099511627776, 4]", "35184372088832 bytes asked for");
}

TEST(CapiBadInput, MaxLengthNegative) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2}, {}, {1, 2}));
  seqfeat_pack_options o = PackOptions();
  o.max_length = -5;
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c, &o), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "max_length must be >= 0, got -5");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, MaxLengthBeyondBufferIsTooSmall) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2}, {}, {1, 2}));
  seqfeat_pack_options o = PackOptions();
  o.max_length = int64_t{1} << 40;
  Canaries c(16);
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c, &o), SEQFEAT_ERR_BUFFER_TOO_SMALL,
                  "output buffer has 16 floats", "[1, 1099511627776, 4]");
  EXPECT_TRUE(c.Intact());
}

// ---------------------------------------------------------------------------------------------
// Sparse indices
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, SparseIndexPastBatch) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {2, 0}}, {2, 3}, {1, 2}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "feature ids", "entry 1", "indices[1, 0] = 2 not in [0, 2)");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, SparseIndexNegative) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, -1}}, {2, 3}, {1}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "feature ids", "indices[0, 1] = -1 not in [0, 3)");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, SparseIndicesUnsorted) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{1, 0}, {0, 0}}, {2, 3}, {1, 2}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "feature ids", "not in canonical row-major order at entry 1");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, SparseNumericIndexRepeated) {
  ColumnPtr x = Numeric("x");
  FeaturesPtr layer = Layer({x.get()});
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 1}, {0, 1}}, {1, 3}, {1.f, 2.f}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(layer.get(), b, c), SEQFEAT_ERR_INVALID_ARGUMENT, "feature x",
                  "repeated at entry 1");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, SparseValuesPerStepOverflow) {
  // dense_shape [1, 1, 2^32, 2^32]: the K axis product does not fit.
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {}, {1, 1, int64_t{1} << 32, int64_t{1} << 32}, {}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "feature ids", "does not fit in a 64-bit size");
  EXPECT_TRUE(c.Intact());
}

// ---------------------------------------------------------------------------------------------
// row_splits and step_splits
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, RowSplitsNotStartingAtZero) {
  Batch b;
  EXPECT_REJECTED(b.Ragged<int64_t>("ids", {1, 2}, {}, {1, 2}), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "Feature ids", "row_splits[0] must be 0, got 1");
}

TEST(CapiBadInput, RowSplitsDecreasing) {
  Batch b;
  EXPECT_REJECTED(b.Ragged<int64_t>("ids", {0, 2, 1, 3}, {}, {1, 2, 3}),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature ids", "row_splits[2] = 1 < row_splits[1] = 2",
                  "example 1");
}

TEST(CapiBadInput, RowSplitsNotEndingAtValueCount) {
  Batch b;
  EXPECT_REJECTED(b.Ragged<int64_t>("ids", {0, 1, 2}, {}, {1, 2, 3}), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "Feature ids", "row_splits[2] = 2 must equal the number of values (3)");
}

TEST(CapiBadInput, RowSplitsNotEndingAtStepCount) {
  Batch b;
  EXPECT_REJECTED(b.Ragged<int64_t>("ids", {0, 1, 3}, {0, 1, 2}, {1, 2}),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature ids",
                  "row_splits[2] = 3 must equal the number of steps (2)");
}

TEST(CapiBadInput, StepSplitsNotStartingAtZero) {
  Batch b;
  EXPECT_REJECTED(b.Ragged<int64_t>("ids", {0, 2}, {1, 1, 2}, {1, 2}), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "Feature ids", "step_splits[0] must be 0, got 1");
}

TEST(CapiBadInput, StepSplitsDecreasing) {
  Batch b;
  EXPECT_REJECTED(b.Ragged<int64_t>("ids", {0, 2}, {0, 2, 1}, {1, 2}),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature ids",
                  "step_splits[2] = 1 < step_splits[1] = 2");
}

TEST(CapiBadInput, StepSplitsNotEndingAtValueCount) {
  Batch b;
  EXPECT_REJECTED(b.Ragged<int64_t>("ids", {0, 2}, {0, 1, 2}, {1, 2, 3}),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature ids",
                  "step_splits[2] = 2 must equal the number of values (3)");
}

TEST(CapiBadInput, RaggedNegativeBatchSize) {
  Batch b;
  const int64_t splits[1] = {0};
  const int64_t v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_ragged(b.get(), "ids", -1, splits, 0, nullptr,
                                                   SEQFEAT_DTYPE_INT64, v, 0)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature ids", "negative batch_size -1");
}

TEST(CapiBadInput, RaggedNegativeValueCount) {
  Batch b;
  const int64_t splits[2] = {0, -2};
  const int64_t v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_ragged(b.get(), "ids", 1, splits, 0, nullptr,
                                                   SEQFEAT_DTYPE_INT64, v, -2)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature ids");
}

TEST(CapiBadInput, RaggedBatchSizeInt64Max) {
  Batch b;
  const int64_t splits[2] = {0, 0};
  const int64_t v[1] = {1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_ragged(b.get(), "ids", INT64_MAX, splits, 0, nullptr,
                                                   SEQFEAT_DTYPE_INT64, v, 0)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature ids: row_splits",
                  "does not fit in a 64-bit size");
}

// ---------------------------------------------------------------------------------------------
// String offsets
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, StringOffsetsDecreasing) {
  Batch b;
  const int64_t shape[2] = {1, 2};
  const int64_t offsets[3] = {0, 3, 1};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense_strings(b.get(), "words", shape, 2, offsets, "abc")),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature words",
                  "string offsets decrease at value 1 (1 < 3)");
}

TEST(CapiBadInput, StringOffsetsNotStartingAtZero) {
  Batch b;
  const int64_t shape[2] = {1, 1};
  const int64_t offsets[2] = {2, 3};
  EXPECT_REJECTED(Capture(seqfeat_batch_add_dense_strings(b.get(), "words", shape, 2, offsets, "abc")),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Feature words", "string offsets[0] must be 0, got 2");
}

// ---------------------------------------------------------------------------------------------
// Ids
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, IdNegativeIsDroppedAndCounted) {
  // Defined behaviour (TF's safe_embedding_lookup_sparse): negative ids are dropped.
  ColumnPtr ids = Identity("ids", 3);
  ColumnPtr emb = Embedding(ids.get(), {.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                        .table = {0, 0, 1, 10, 2, 20}});
  FeaturesPtr layer = Layer({emb.get()});
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 1, 3}, {0, 2, 3, 4}, {-1, 1, INT64_MIN, 2}));
  StatsPtr stats;
  {
    seqfeat_stats* s = nullptr;
    SF_ASSERT_OK(seqfeat_stats_create(&s));
    stats.reset(s);
  }
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p, nullptr, stats.get()));
  EXPECT_TRUE(Near(p.dense, {1, 10, 0, 0, 0, 0, 2, 20}));
  int64_t dropped = -1;
  SF_ASSERT_OK(seqfeat_stats_get(stats.get(), 0, SEQFEAT_STAT_DROPPED_INVALID, &dropped));
  EXPECT_EQ(dropped, 2);
}

TEST(CapiBadInput, IdAtNumBuckets) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 1, 3}, {}, {1, 2, 10}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_OUT_OF_RANGE,
                  "Column ids_embedding", "= 10 is not in [0, 10)", "feature ids", "example 1",
                  "step 1", "value 10");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, IdInt64MinStrict) {
  ColumnPtr ids = Identity("ids", 10);
  ColumnPtr ind = Indicator(ids.get());
  FeaturesPtr layer = Layer({ind.get()});
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2}, {}, {3, INT64_MIN}));
  seqfeat_pack_options o = PackOptions();
  o.strict = 1;
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(layer.get(), b, c, &o), SEQFEAT_ERR_OUT_OF_RANGE,
                  "Column ids_indicator (strict)", "id -9223372036854775808", "feature ids",
                  "example 0, step 1", "not in [0, 10)");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, HashBucketIdsFromInt64Extremes) {
  // Any int64 hashes into [0, n): extremes are ordinary values, not errors.
  ColumnPtr h = Hash("h", 7, SEQFEAT_DTYPE_INT64);
  ColumnPtr ind = Indicator(h.get());
  FeaturesPtr layer = Layer({ind.get()});
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("h", {0, 3}, {}, {INT64_MIN, INT64_MAX, -1}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  ASSERT_EQ(p.T, 3);
  for (int64_t t = 0; t < 3; ++t) {  // -1 marks a missing cell only in dense input
    const std::vector<float> row = p.step(0, t);
    EXPECT_EQ(std::count(row.begin(), row.end(), 1.f), 1) << "step " << t;
    EXPECT_EQ(std::count(row.begin(), row.end(), 0.f), 6) << "step " << t;
  }
}

// ---------------------------------------------------------------------------------------------
// NaN and Inf (defined behaviour: values pass through; NaN weights are pruned like weights <= 0
// by the mean and sqrtn combiners, as TF prunes with `weight > 0`)
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, NumericNaNAndInfPassThrough) {
  ColumnPtr x = Numeric("x");
  FeaturesPtr layer = Layer({x.get()});
  Batch b;
  const float inf = std::numeric_limits<float>::infinity();
  SF_ASSERT_OK(b.Ragged<float>("x", {0, 3}, {}, {std::nanf(""), inf, -inf}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  ASSERT_EQ(p.dense.size(), 3u);
  EXPECT_TRUE(std::isnan(p.dense[0]));
  EXPECT_EQ(p.dense[1], inf);
  EXPECT_EQ(p.dense[2], -inf);
}

TEST(CapiBadInput, NaNWeightIsPrunedByMean) {
  ColumnPtr ids = Identity("ids", 3);
  ColumnPtr w = Weighted(ids.get(), "w");
  ColumnPtr emb = Embedding(w.get(), {.dimension = 2, .combiner = SEQFEAT_COMBINER_MEAN,
                                      .table = {0, 0, 1, 10, 2, 20}});
  FeaturesPtr layer = Layer({emb.get()});
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 1}, {0, 2}, {1, 2}));
  SF_ASSERT_OK(b.Ragged<float>("w", {0, 1}, {0, 2}, {std::nanf(""), 2.f}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_TRUE(Near(p.dense, {2, 20}));  // (2 * row 2) / 2
}

TEST(CapiBadInput, InfWeightWithSumPropagates) {
  ColumnPtr ids = Identity("ids", 3);
  ColumnPtr w = Weighted(ids.get(), "w");
  ColumnPtr emb = Embedding(w.get(), {.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                      .table = {0, 0, 1, 10, 2, 20}});
  FeaturesPtr layer = Layer({emb.get()});
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 1}, {}, {1}));
  SF_ASSERT_OK(b.Ragged<float>("w", {0, 1}, {}, {std::numeric_limits<float>::infinity()}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{std::numeric_limits<float>::infinity(),
                                         std::numeric_limits<float>::infinity()}));
}

// ---------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, MissingKey) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("other", {0, 1}, {}, {1}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_NOT_FOUND,
                  "Feature ids is not in features dictionary.");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, KeyAddedTwiceKeepsTheLater) {
  // Defined behaviour: adding a key again replaces the earlier view (a dict assignment).
  ColumnPtr ids = Identity("ids", 3);
  ColumnPtr emb = Embedding(ids.get(), {.dimension = 2, .combiner = SEQFEAT_COMBINER_SUM,
                                        .table = {0, 0, 1, 10, 2, 20}});
  FeaturesPtr layer = Layer({emb.get()});
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 1}, {}, {1}));
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 1}, {}, {2}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_TRUE(Near(p.dense, {2, 20}));
}

TEST(CapiBadInput, DuplicateColumnsInLayer) {
  ColumnPtr ids = Identity("ids", 3);
  ColumnPtr emb = Embedding(ids.get(), {.dimension = 2});
  const seqfeat_column* cols[2] = {emb.get(), emb.get()};
  seqfeat_features* f = Sentinel<seqfeat_features>();
  EXPECT_REJECTED(Capture(seqfeat_features_create(cols, 2, &f)), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "Duplicate feature column name found for columns: ids_embedding and ids_embedding");
  EXPECT_EQ(f, Sentinel<seqfeat_features>());
}

// ---------------------------------------------------------------------------------------------
// Batch size and length mismatches between features
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, BatchSizeMismatch) {
  ColumnPtr a = Identity("a", 5);
  ColumnPtr ea = Embedding(a.get(), {.dimension = 2});
  ColumnPtr x = Numeric("x");
  FeaturesPtr layer = Layer({ea.get(), x.get()});
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("a", {0, 1, 2}, {}, {1, 2}));
  SF_ASSERT_OK(b.Ragged<float>("x", {0, 2}, {}, {1.f, 2.f}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(layer.get(), b, c), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "Batch size (first dimension) of each feature must be same", "a_embedding", "x",
                  "(2, 1)");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, SequenceLengthMismatch) {
  ColumnPtr a = Identity("a", 5);
  ColumnPtr ea = Embedding(a.get(), {.dimension = 2});
  ColumnPtr x = Numeric("x");
  FeaturesPtr layer = Layer({ea.get(), x.get()});
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("a", {0, 1, 3}, {}, {1, 2, 3}));
  SF_ASSERT_OK(b.Ragged<float>("x", {0, 2, 3}, {}, {1.f, 2.f, 3.f}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(layer.get(), b, c), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "sequence lengths of columns a_embedding and x differ at example 0: 1 vs 2");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, WeightCountMismatch) {
  ColumnPtr ids = Identity("ids", 10);
  ColumnPtr w = Weighted(ids.get(), "w");
  ColumnPtr emb = Embedding(w.get(), {.dimension = 2});
  FeaturesPtr layer = Layer({emb.get()});
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2}, {}, {1, 2}));
  SF_ASSERT_OK(b.Ragged<float>("w", {0, 1}, {}, {0.5f}));
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(layer.get(), b, c), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "the weight feature w has 1 values but the id feature ids has 2");
  EXPECT_TRUE(c.Intact());
}

// ---------------------------------------------------------------------------------------------
// Output buffers too small
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, DenseBufferTooSmall) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2, 3}, {}, {1, 2, 3}));
  Canaries c(15);  // [2, 2, 4] needs 16
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_BUFFER_TOO_SMALL,
                  "output buffer has 15 floats, [2, 2, 4] needs 16");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, LengthsBufferTooSmall) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2, 3}, {}, {1, 2, 3}));
  Canaries c;
  c.lengths.resize(1);
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_BUFFER_TOO_SMALL,
                  "sequence_length buffer has 1 entries, needs 2");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, MaskBufferTooSmall) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 2, 3}, {}, {1, 2, 3}));
  Canaries c;
  c.mask.resize(3);
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c), SEQFEAT_ERR_BUFFER_TOO_SMALL,
                  "mask buffer has 3 entries, [2, 2] needs 4");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, ContextInputOverflows) {
  Canaries c(8);
  const float seq[4] = {1, 2, 3, 4}, ctx[2] = {5, 6};
  EXPECT_REJECTED(Capture(seqfeat_concatenate_context_input(ctx, 2, seq, kBig, 8, 2,
                                                            c.dense.data(), c.dense.size())),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "seqfeat_concatenate_context_input",
                  "2305843009213693952 x 8 does not fit in a 64-bit size");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, ContextInputBufferTooSmall) {
  Canaries c(5);
  const float seq[4] = {1, 2, 3, 4}, ctx[2] = {5, 6};
  EXPECT_REJECTED(Capture(seqfeat_concatenate_context_input(ctx, 1, seq, 2, 1, 2,
                                                            c.dense.data(), c.dense.size())),
                  SEQFEAT_ERR_BUFFER_TOO_SMALL, "out has 5 floats, [2, 1, 3] needs 6");
  EXPECT_TRUE(c.Intact());
}

// ---------------------------------------------------------------------------------------------
// Pack options
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, PackOptionsStructSizeTooSmall) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 1}, {}, {1}));
  seqfeat_pack_options o = PackOptions();
  o.struct_size = 3;
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c, &o), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "struct_size 3 is too small");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, PaddingCodeUnknown) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 1}, {}, {1}));
  seqfeat_pack_options o = PackOptions();
  o.padding = 7;
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c, &o), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "padding and truncating must be", "got 7 and 0");
  EXPECT_TRUE(c.Intact());
}

TEST(CapiBadInput, NumThreadsNegative) {
  IdsLayer l;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 1}, {}, {1}));
  seqfeat_pack_options o = PackOptions();
  o.num_threads = -2;
  Canaries c;
  EXPECT_REJECTED(PackIntoCanaries(l.layer.get(), b, c, &o), SEQFEAT_ERR_INVALID_ARGUMENT,
                  "num_threads must be >= 0, got -2");
  EXPECT_TRUE(c.Intact());
}

// ---------------------------------------------------------------------------------------------
// Allocation limit
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, AllocationLimitRefusesOutputTensor) {
  IdsLayer l;
  LimitGuard limit;
  Batch b;
  SF_ASSERT_OK(b.Ragged<int64_t>("ids", {0, 64}, {}, std::vector<int64_t>(64, 1)));
  SF_ASSERT_OK(seqfeat_set_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, 1000));
  int64_t now = 0;
  SF_ASSERT_OK(seqfeat_get_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, &now));
  EXPECT_EQ(now, 1000);
  EXPECT_REJECTED(PackTensorsExpectUntouched(l.layer.get(), b), SEQFEAT_ERR_OUT_OF_MEMORY,
                  "output tensor of shape [1, 64, 4]", "1024 bytes asked for",
                  "allocation limit of 1000 bytes");
  SF_ASSERT_OK(seqfeat_set_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, 0));
  SF_ASSERT_OK(seqfeat_get_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, &now));
  EXPECT_GT(now, int64_t{1} << 20) << "0 restores the default (physical memory)";
}

TEST(CapiBadInput, AllocationLimitRefusesEmbeddingTable) {
  LimitGuard limit;
  SF_ASSERT_OK(seqfeat_set_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, 4096));
  ColumnPtr ids = Identity("ids", 1000);
  const seqfeat_embedding_options o = EmbeddingOptions({.dimension = 8});
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(seqfeat_embedding_column_create(ids.get(), &o, &out)),
                  SEQFEAT_ERR_OUT_OF_MEMORY, "embedding table ids_embedding/embedding_weights",
                  "[1000, 8]", "32000 bytes asked for");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, SetLimitRejectsUnknownAndNegative) {
  EXPECT_REJECTED(Capture(seqfeat_set_limit(42, 1)), SEQFEAT_ERR_INVALID_ARGUMENT, "unknown limit 42");
  EXPECT_REJECTED(Capture(seqfeat_set_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, -1)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "must be >= 0 bytes, got -1");
  int64_t out = -7;
  EXPECT_REJECTED(Capture(seqfeat_get_limit(42, &out)), SEQFEAT_ERR_INVALID_ARGUMENT, "unknown limit 42");
  EXPECT_EQ(out, -7);
}

// ---------------------------------------------------------------------------------------------
// Tables
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, TableRowsTimesDimensionOverflows) {
  ColumnPtr ids = Identity("ids", int64_t{1} << 40);
  const seqfeat_embedding_options o = EmbeddingOptions({.dimension = int64_t{1} << 24});
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(seqfeat_embedding_column_create(ids.get(), &o, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "embedding table ids_embedding/embedding_weights",
                  "rows x dimension", "1099511627776 x 16777216 does not fit in a 64-bit size");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, TableBytesOverflow) {
  // 2^40 x 2^22 values fit in int64 but not as bytes.
  ColumnPtr ids = Identity("ids", int64_t{1} << 40);
  const seqfeat_embedding_options o = EmbeddingOptions({.dimension = int64_t{1} << 22});
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(seqfeat_embedding_column_create(ids.get(), &o, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "embedding table ids_embedding/embedding_weights",
                  "elements of 4 bytes do not fit");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, InitialTableOfWrongSize) {
  ColumnPtr ids = Identity("ids", 3);
  const std::vector<float> table(5, 1.f);
  const seqfeat_embedding_options o = EmbeddingOptions({.dimension = 2, .table = table});
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(seqfeat_embedding_column_create(ids.get(), &o, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "expected 6 values ([3, 2]), got 5");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, TableSetOfWrongSize) {
  ColumnPtr ids = Identity("ids", 3);
  ColumnPtr emb = Embedding(ids.get(), {.dimension = 2, .table = {1, 2, 3, 4, 5, 6}});
  const std::vector<float> values(7, 9.f);
  EXPECT_REJECTED(Capture(seqfeat_column_table_set(emb.get(), values.data(), values.size())),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "expected 6 values ([3, 2]), got 7");
  std::vector<float> now(6);
  SF_ASSERT_OK(seqfeat_column_table_get(emb.get(), now.data(), now.size()));
  EXPECT_EQ(now, (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(CapiBadInput, EmbeddingDimensionZero) {
  ColumnPtr ids = Identity("ids", 3);
  const seqfeat_embedding_options o = EmbeddingOptions({.dimension = 0});
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(seqfeat_embedding_column_create(ids.get(), &o, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Invalid dimension 0", "categorical column ids");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

// ---------------------------------------------------------------------------------------------
// Vocabulary lists and files
// ---------------------------------------------------------------------------------------------
TEST(CapiBadInput, VocabularyListOffsetsDecreasing) {
  const int64_t offsets[4] = {0, 2, 1, 3};
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(seqfeat_vocabulary_list_column_create_strings("words", 1, offsets, "abc",
                                                                        3, -1, 0, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "offsets decrease at vocabulary entry 1",
                  "offsets[2] = 1 < offsets[1] = 2", "column words");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, VocabularyListOffsetsNotStartingAtZero) {
  const int64_t offsets[2] = {1, 3};
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(seqfeat_vocabulary_list_column_create_strings("words", 1, offsets, "abc",
                                                                        1, -1, 0, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "offsets[0] must be 0, got 1", "column words");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, VocabularyListHugeSize) {
  const int64_t values[2] = {1, 2};
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(seqfeat_vocabulary_list_column_create_ints(
                      "ids", 1, values, SIZE_MAX / 2, SEQFEAT_DTYPE_INT64, -1, 0, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "vocabulary_size 9223372036854775807 is too large",
                  "column ids");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, VocabularyListDuplicates) {
  seqfeat_column* out = Sentinel<seqfeat_column>();
  const int64_t values[3] = {5, 6, 5};
  EXPECT_REJECTED(Capture(seqfeat_vocabulary_list_column_create_ints(
                      "ids", 1, values, 3, SEQFEAT_DTYPE_INT64, -1, 0, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "ids: Duplicate keys in vocabulary_list: 5",
                  "positions 0 and 2");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

seqfeat_status CreateVocabFile(const std::string& path, int32_t dtype, int64_t size,
                               seqfeat_column** out) {
  return seqfeat_vocabulary_file_column_create("words", 1, path.c_str(), size, 0,
                                               SEQFEAT_NO_DEFAULT, dtype, out);
}

TEST(CapiBadInput, VocabularyFileMissing) {
  TempDir dir;
  seqfeat_column* out = Sentinel<seqfeat_column>();
  const std::string path = dir.Path("absent.txt");
  EXPECT_REJECTED(Capture(CreateVocabFile(path, SEQFEAT_DTYPE_STRING, 3, &out)),
                  SEQFEAT_ERR_NOT_FOUND, path, "not found");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, VocabularyFileIsADirectory) {
  TempDir dir;
  dir.Write("x", "");
  seqfeat_column* out = Sentinel<seqfeat_column>();
  const std::string path = dir.Path("");
  EXPECT_REJECTED(Capture(CreateVocabFile(path, SEQFEAT_DTYPE_STRING, 3, &out)), SEQFEAT_ERR_IO,
                  "Error reading vocabulary file", "at line 1");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, VocabularyFileEmptyLine) {
  TempDir dir;
  const std::string path = dir.Write("v.txt", "a\n\nb\n");
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(CreateVocabFile(path, SEQFEAT_DTYPE_STRING, 3, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Invalid content in " + path,
                  "empty line found at line 2");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, VocabularyFileDuplicateLine) {
  TempDir dir;
  const std::string path = dir.Write("v.txt", "a\nb\na\n");
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(CreateVocabFile(path, SEQFEAT_DTYPE_STRING, -1, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Duplicate key in " + path,
                  "line 3 (\"a\") repeats line 1");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, VocabularyFileTooFewLines) {
  TempDir dir;
  const std::string path = dir.Write("v.txt", "a\nb\n");
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(CreateVocabFile(path, SEQFEAT_DTYPE_STRING, 5, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Invalid vocab_size in " + path,
                  "expected 5 but got 2");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, IntVocabularyFileWithBinaryGarbage) {
  TempDir dir;
  const std::string path = dir.Write("v.txt", std::string("1\n\x01\xff\x00" "7\n3\n", 10));
  seqfeat_column* out = Sentinel<seqfeat_column>();
  EXPECT_REJECTED(Capture(CreateVocabFile(path, SEQFEAT_DTYPE_INT64, -1, &out)),
                  SEQFEAT_ERR_INVALID_ARGUMENT, "Field \\x01\xff\\x007 in line 2 of " + path,
                  "is not a valid int64");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, IntVocabularyLineWithNulKeepsFileAndLine) {
  TempDir dir;
  const std::string path = dir.Write("v.txt", std::string("1\nx\0" "2\n", 6));
  seqfeat_column* out = Sentinel<seqfeat_column>();
  const Outcome o = Capture(CreateVocabFile(path, SEQFEAT_DTYPE_INT64, -1, &out));
  EXPECT_REJECTED(o, SEQFEAT_ERR_INVALID_ARGUMENT, "Field x\\x002 in line 2 of " + path,
                  "is not a valid int64");
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

TEST(CapiBadInput, StringVocabularyFileWithBinaryKeysWorks) {
  // Keys are bytes: NUL and non-UTF-8 bytes are ordinary key content.
  TempDir dir;
  const std::string key("\x00\xfe\x01", 3);
  const std::string path = dir.Write("v.txt", "a\n" + key + "\n");
  ColumnPtr words = VocabFile("words", path);
  ASSERT_NE(words, nullptr);
  ColumnPtr ind = Indicator(words.get());
  FeaturesPtr layer = Layer({ind.get()});
  Batch b;
  seqfeat_string_view v[2] = {{key.data(), key.size()}, {"a", 1}};
  const int64_t splits[2] = {0, 2};
  SF_ASSERT_OK(seqfeat_batch_add_ragged_string_views(b.get(), "words", 1, splits, 0, nullptr, v, 2));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{0, 1, 1, 0}));
}

TEST(CapiBadInput, VocabularyFileVeryLongLine) {
  // A 1 MiB line is a valid key; as an int it is rejected with the text cut in the message.
  TempDir dir;
  const std::string longline(1 << 20, '9');
  const std::string path = dir.Write("v.txt", "1\n" + longline + "\n");
  ColumnPtr words = VocabFile("words", path);
  EXPECT_NE(words, nullptr);
  seqfeat_column* out = Sentinel<seqfeat_column>();
  const Outcome o = Capture(CreateVocabFile(path, SEQFEAT_DTYPE_INT64, -1, &out));
  EXPECT_REJECTED(o, SEQFEAT_ERR_INVALID_ARGUMENT, "in line 2 of " + path, "...");
  EXPECT_LT(o.message.size(), 1024u);
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
}

}  // namespace
}  // namespace sftest
