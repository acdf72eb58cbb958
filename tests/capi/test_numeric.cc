// sequence_numeric_column packing (compatibility.md §2, §3): default_value in gaps and tail, T from
// dense_shape, per-step shapes, num_elements division only for 2-D input, 3-D re-chunking,
// value dtypes, dense and rank-1 input, get_sequence_dense_tensor.
#include "capi_test_util.h"

namespace sftest {
namespace {

struct DenseResult {
  std::vector<int64_t> dense_shape, lengths_shape;
  std::vector<float> dense;
  std::vector<int64_t> lengths;
};

Outcome SequenceDense(const seqfeat_column* c, const Batch& b, DenseResult* out) {
  seqfeat_tensor *d = nullptr, *l = nullptr;
  Outcome o = Capture(seqfeat_column_get_sequence_dense_tensor(c, b.get(), &d, &l));
  if (o.status != SEQFEAT_OK) return o;
  TensorPtr dd(d), ll(l);
  EXPECT_EQ(seqfeat_tensor_dtype(d), SEQFEAT_DTYPE_FLOAT32);
  EXPECT_EQ(seqfeat_tensor_dtype(l), SEQFEAT_DTYPE_INT64);
  out->dense_shape = Shape(d);
  out->lengths_shape = Shape(l);
  out->dense = Values<float>(d);
  out->lengths = Values<int64_t>(l);
  return o;
}

void PackOne(const seqfeat_column* c, const Batch& b, Packed* p) {
  FeaturesPtr layer = Layer({c});
  ASSERT_TRUE(layer);
  PackOk(layer.get(), b, p);
}

TEST(CapiNumericPack, TwoDimensionalScalarSteps) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}, {0, 1}, {1, 0}}, {2, 3}, {1, 2, 3}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.B, 2);
  EXPECT_EQ(p.T, 3);  // from dense_shape, not from the longest sequence (2)
  EXPECT_EQ(p.D, 1);
  EXPECT_EQ(p.dense, (std::vector<float>{1, 2, 0, 3, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 0, 1, 0, 0}));
}

TEST(CapiNumericPack, DefaultValueInGapsAndTail) {
  ColumnPtr x = Numeric("x", {}, -1.0f);
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}, {0, 2}}, {1, 4}, {1, 3}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{1, -1, 3, -1}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3})) << "the gap counts: length = max col + 1";
}

TEST(CapiNumericPack, DefaultValueForEmptyExample) {
  ColumnPtr x = Numeric("x", {}, 5.0f);
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{1, 1}}, {3, 2}, {7}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{5, 5, 5, 7, 5, 5}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{0, 2, 0})) << "B comes from dense_shape[0]";
}

TEST(CapiNumericPack, ShapeTwoDividesLengthsOnTwoDimensionalInput) {
  // TF test: shape (2,), entries {0} and {0,1} -> lengths [1, 1].
  ColumnPtr x = Numeric("x", {2});
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}, {1, 0}, {1, 1}}, {2, 2}, {1, 2, 3}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.T, 1);
  EXPECT_EQ(p.D, 2);
  EXPECT_EQ(p.dense, (std::vector<float>{1, 0, 2, 3}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{1, 1}));
}

TEST(CapiNumericPack, ShapeTwoWithCeil) {
  ColumnPtr x = Numeric("x", {2});
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {1, 2}}, {2, 4}, {1, 2, 3, 4, 5}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.T, 2);
  EXPECT_EQ(p.dense, (std::vector<float>{1, 2, 0, 0, 3, 4, 5, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{1, 2}));  // ceil(2/2), ceil(3/2)
}

TEST(CapiNumericPack, ShapeTwoByTwo) {
  // [B, 8] with shape (2,2) -> [B, 2, 2, 2]; length ceil(max_col / 4).
  ColumnPtr x = Numeric("x", {2, 2});
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>(
      "x", {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}, {0, 6}, {1, 0}}, {2, 8},
      {1, 2, 3, 4, 5, 6, 7, 9}));
  DenseResult r;
  ASSERT_TRUE(IsStatus(SequenceDense(x.get(), b, &r), SEQFEAT_OK));
  EXPECT_EQ(r.dense_shape, (std::vector<int64_t>{2, 2, 4}));
  EXPECT_EQ(r.dense, (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 0,  //
                                         9, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(r.lengths_shape, (std::vector<int64_t>{2}));
  EXPECT_EQ(r.lengths, (std::vector<int64_t>{2, 1}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.D, 4);
  EXPECT_EQ(p.dense, r.dense);
  EXPECT_EQ(p.lengths, r.lengths);
}

TEST(CapiNumericPack, ShapeThreeOnSixColumns) {
  ColumnPtr x = Numeric("x", {3});
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}, {0, 1}, {0, 2}, {0, 3}}, {1, 6}, {1, 2, 3, 4}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.T, 2);
  EXPECT_EQ(p.D, 3);
  EXPECT_EQ(p.dense, (std::vector<float>{1, 2, 3, 4, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));  // ceil(4/3)
}

TEST(CapiNumericPack, ThreeDimensionalScalarShapeReChunksTheRow) {
  // dense_shape (2,2,2), shape (1,) -> 4 steps, but lengths come from dim 1 only: [2, 1].
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0, 0}, {0, 1, 0}, {0, 1, 1}, {1, 0, 0}, {1, 0, 1}}, {2, 2, 2},
                               {1, 2, 3, 4, 5}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.T, 4);
  EXPECT_EQ(p.D, 1);
  EXPECT_EQ(p.dense, (std::vector<float>{1, 0, 2, 3, 4, 5, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 0, 0, 1, 0, 0, 0}));
  DenseResult r;
  ASSERT_TRUE(IsStatus(SequenceDense(x.get(), b, &r), SEQFEAT_OK));
  EXPECT_EQ(r.dense_shape, (std::vector<int64_t>{2, 4, 1}));
  EXPECT_EQ(r.lengths, (std::vector<int64_t>{2, 1}));
}

TEST(CapiNumericPack, ThreeDimensionalShapeTwoIsNotDivided) {
  ColumnPtr x = Numeric("x", {2});
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}}, {1, 2, 2}, {1, 2, 3}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.T, 2);
  EXPECT_EQ(p.dense, (std::vector<float>{1, 2, 3, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2})) << "no division by prod(shape) for 3-D input";
}

TEST(CapiNumericPack, ThreeDimensionalChunksStraddleK) {
  // [1, 2, 8] with shape (2,2) -> 4 steps of 4 values, row-major over (t, k).
  ColumnPtr x = Numeric("x", {2, 2});
  ASSERT_TRUE(x);
  std::vector<Index> idx;
  std::vector<float> values;
  for (int64_t t = 0; t < 2; ++t) {
    for (int64_t k = 0; k < 8; ++k) {
      idx.push_back({0, t, k});
      values.push_back(static_cast<float>(t * 8 + k + 1));
    }
  }
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", idx, {1, 2, 8}, values));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.T, 4);
  EXPECT_EQ(p.D, 4);
  std::vector<float> want(16);
  for (int i = 0; i < 16; ++i) want[i] = static_cast<float>(i + 1);
  EXPECT_EQ(p.dense, want);
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
}

TEST(CapiNumericPack, ThreeDimensionalOneStepPerKBlock) {
  // [1, 2, 4] with shape (2,2): one step per K block.
  ColumnPtr x = Numeric("x", {2, 2});
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0, 0}, {0, 0, 3}, {0, 1, 1}}, {1, 2, 4}, {1, 4, 6}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.T, 2);
  EXPECT_EQ(p.dense, (std::vector<float>{1, 0, 0, 4, 0, 6, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
}

TEST(CapiNumericPack, ReshapeNotDivisibleIsAnError) {
  ColumnPtr x = Numeric("price", {3});
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("price", {{0, 0}}, {1, 4}, {1}));
  Packed p;
  const Outcome o = PackInto(layer.get(), b, &p);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"price"}));
}

TEST(CapiNumericPack, ValueDtypesAreEmittedAsFloat32) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  {
    Batch b;
    SF_ASSERT_OK(b.Sparse<int64_t>("x", {{0, 0}, {0, 1}}, {1, 2}, {1, -2}));
    Packed p;
    ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
    EXPECT_EQ(p.dense, (std::vector<float>{1, -2}));
  }
  {
    Batch b;
    SF_ASSERT_OK(b.Sparse<int32_t>("x", {{0, 0}}, {1, 1}, {7}));
    Packed p;
    ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
    EXPECT_EQ(p.dense, (std::vector<float>{7}));
  }
  {
    Batch b;
    SF_ASSERT_OK(b.Sparse<double>("x", {{0, 0}, {0, 1}}, {1, 2}, {0.5, 0.1}));
    Packed p;
    ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
    EXPECT_EQ(p.dense, (std::vector<float>{0.5f, static_cast<float>(0.1)}));
  }
}

TEST(CapiNumericPack, StringInputIsADtypeMismatch) {
  ColumnPtr x = Numeric("price");
  ASSERT_TRUE(x);
  FeaturesPtr layer = Layer({x.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("price", {{0, 0}}, {1, 1}, {"1.5"}));
  Packed p;
  const Outcome o = PackInto(layer.get(), b, &p);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_DTYPE_MISMATCH));
  EXPECT_TRUE(HasAll(o.message, {"price"}));
}

TEST(CapiNumericPack, DenseInputTakesEveryCell) {
  ColumnPtr x = Numeric("x", {}, 9.0f);
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Dense<float>("x", {2, 3}, {1, -1, 0, 4, 5, 6}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{1, -1, 0, 4, 5, 6})) << "-1 and 0 are values, not gaps";
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3, 3}));
}

TEST(CapiNumericPack, RankOneSparseIsOneStepPerExample) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0}, {2}}, {3}, {1.5f, 2.5f}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.B, 3);
  EXPECT_EQ(p.T, 1);
  EXPECT_EQ(p.dense, (std::vector<float>{1.5f, 0.0f, 2.5f}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{1, 0, 1}));
}

TEST(CapiNumericPack, GetSequenceDenseTensorOnNonDenseColumns) {
  ColumnPtr ids = Identity("ids", 3);
  ColumnPtr ctx = Numeric("ctx", {}, 0.0f, /*sequence=*/0);
  ASSERT_TRUE(ids && ctx);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}}, {1, 1}, {1}));
  SF_ASSERT_OK(b.Sparse<float>("ctx", {{0, 0}}, {1, 1}, {1}));
  DenseResult r;
  EXPECT_TRUE(IsStatus(SequenceDense(ids.get(), b, &r), SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(IsStatus(SequenceDense(ctx.get(), b, &r), SEQFEAT_ERR_INVALID_ARGUMENT));
}

TEST(CapiNumericPack, DenseThreeDimensionalInput) {
  // Dense [1, 2, 2] with shape (2,): every cell present, T = 2*2/2 = 2, length 2.
  ColumnPtr x = Numeric("x", {2});
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Dense<float>("x", {1, 2, 2}, {1, 2, 3, 4}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.T, 2);
  EXPECT_EQ(p.dense, (std::vector<float>{1, 2, 3, 4}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
}

TEST(CapiNumericPack, ZeroLengthTimeAxis) {
  ColumnPtr x = Numeric("x", {}, 3.0f);
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {}, {2, 0}, std::vector<float>{}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.B, 2);
  EXPECT_EQ(p.T, 0);
  EXPECT_TRUE(p.dense.empty());
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{0, 0}));
}

TEST(CapiNumericPack, EmptyBatch) {
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {}, {0, 3}, std::vector<float>{}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.B, 0);
  EXPECT_EQ(p.T, 3);
  EXPECT_TRUE(p.dense.empty());
  EXPECT_TRUE(p.lengths.empty());
}

TEST(CapiNumericPack, LengthIsTheLastPresentStepNotTheCount) {
  // A single entry at column 5 of [1, 8] with shape (2,): length ceil(6 / 2) = 3.
  ColumnPtr x = Numeric("x", {2}, 7.0f);
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 5}}, {1, 8}, {1}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.T, 4);
  EXPECT_EQ(p.dense, (std::vector<float>{7, 7, 7, 7, 7, 1, 7, 7}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 1, 0}));
}

TEST(CapiNumericPack, FourDimensionalInputIsReChunkedWithoutDivision) {
  // dense_shape [1, 2, 2, 2] with shape (4,): T = 8 / 4 = 2, length from dim 1 = 2.
  ColumnPtr x = Numeric("x", {4});
  ASSERT_TRUE(x);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0, 0, 0}, {0, 1, 1, 1}}, {1, 2, 2, 2}, {1, 8}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOne(x.get(), b, &p));
  EXPECT_EQ(p.T, 2);
  EXPECT_EQ(p.D, 4);
  EXPECT_EQ(p.dense, (std::vector<float>{1, 0, 0, 0, 0, 0, 0, 8}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
}

// numeric_column (not the sequence one): a default an integer dtype cannot hold is rejected,
// as TF raises TypeError for a float default with an integer dtype; whole numbers are accepted.
TEST(CapiNumericCreate, ContextDefaultMustFitAnIntegerDtype) {
  seqfeat_numeric_options o;
  seqfeat_numeric_options_default(&o);
  o.dtype = SEQFEAT_DTYPE_INT64;
  o.default_value = 1.5f;
  seqfeat_column* out = Sentinel<seqfeat_column>();
  const Outcome bad = Capture(seqfeat_numeric_column_create("age", 0, &o, &out));
  EXPECT_TRUE(IsStatus(bad, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(bad.message, {"default_value", "1.5", "int64", "age"}));
  EXPECT_EQ(out, Sentinel<seqfeat_column>());
  o.default_value = -3.0f;
  EXPECT_TRUE(NumericWith("age", o, /*sequence=*/0));
  o.default_value = 1.5f;
  EXPECT_TRUE(NumericWith("age", o, /*sequence=*/1));
  o.dtype = SEQFEAT_DTYPE_FLOAT32;
  EXPECT_TRUE(NumericWith("age", o, /*sequence=*/0));
}

}  // namespace
}  // namespace sftest
