// Columns of the core against hand-derived values from docs/compatibility.md: numeric (§3),
// categorical id stage (§4, §5), embeddings (§6), shared embeddings (§7) and indicators (§8).
// Every expected value below is worked out by hand in the comment next to it.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "column.h"
#include "error.h"
#include "input.h"
#include "sequence_features.h"
#include "core_test_util.h"

namespace seqfeat {
namespace {

using namespace seqfeat::test;

SequenceFeatures layer_of(Columns columns) { return SequenceFeatures(std::move(columns)); }

Packed pack_one(std::shared_ptr<const Column> column, const Batch& batch,
                const PackOptions& options = {}) {
  return pack(layer_of({std::move(column)}), batch, options);
}

void expect_ids(const SparseIds& s, const std::vector<int64_t>& indices,
                const std::vector<int64_t>& ids, const std::vector<int64_t>& dense_shape,
                int64_t rank = 3) {
  EXPECT_EQ(s.rank, rank);
  EXPECT_EQ(s.indices, indices);
  EXPECT_EQ(s.ids, ids);
  EXPECT_EQ(s.dense_shape, dense_shape);
}

// A vocabulary file in the temp directory, removed at scope exit.
class TempFile {
 public:
  explicit TempFile(const std::string& content) {
    static int counter = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("seqfeat_test_columns_" + std::to_string(::getpid()) + "_" +
              std::to_string(counter++) + ".txt"))
                .string();
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// ==========================================================================================
// Numeric (compatibility.md §2, §3)

// dense_shape [2, 4], shape (2,): T = 4 / 2 = 2; each row is cut into chunks of 2.
// ex0 row [1, 2, 0, 0] -> [1, 2], [0, 0]; length ceil(2 / 2) = 1.
// ex1 row [3, 4, 5, 6] -> [3, 4], [5, 6]; length ceil(4 / 2) = 2.
TEST(NumericColumn, TwoDimensionalRowIsCutIntoStepsOfShape) {
  Feed f;
  f.coo<float>("num", {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {1, 2}, {1, 3}}, {1, 2, 3, 4, 5, 6},
               {2, 4});
  const Packed p = pack_one(numeric("num", {2}), f.batch());
  expect_shape(p, 2, 2, 2);
  expect_floats(p.dense, {1, 2, 0, 0, 3, 4, 5, 6});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{1, 2}));
}

// compatibility.md §2: 2-D numeric, shape (2,), columns {0} and {0, 1} -> lengths [1, 1];
// T = 2 / 2 = 1.
TEST(NumericColumn, LengthIsCeilOfLastColumnOverElements) {
  Feed f;
  f.coo<float>("num", {{0, 0}, {1, 0}, {1, 1}}, {1, 2, 3}, {2, 2});
  const Packed p = pack_one(numeric("num", {2}), f.batch());
  expect_shape(p, 2, 1, 2);
  expect_floats(p.dense, {1, 0, 2, 3});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{1, 1}));
}

// dense_shape [2, 8], shape (2, 2): T = 8 / 4 = 2, depth 4.
// ex0 row [1 2 3 4 5 0 0 0] -> [1 2 3 4], [5 0 0 0]; length ceil(5 / 4) = 2.
// ex1 row [0 9 0 0 0 0 0 0] -> [0 9 0 0], [0 0 0 0]; length ceil(2 / 4) = 1.
TEST(NumericColumn, ShapeTwoByTwoOverEightColumns) {
  Feed f;
  f.coo<float>("num", {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 1}}, {1, 2, 3, 4, 5, 9},
               {2, 8});
  const auto col = numeric("num", {2, 2});
  EXPECT_EQ(col->width(), 4);
  EXPECT_EQ(col->variable_shape(), (std::vector<int64_t>{2, 2}));
  const Packed p = pack_one(col, f.batch());
  expect_shape(p, 2, 2, 4);
  expect_floats(p.dense, {1, 2, 3, 4, 5, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
}

// [1, 6] with shape (3,) -> [1, 2, 3]; entries at columns 2 and 3 straddle the two steps;
// length ceil(4 / 3) = 2.
TEST(NumericColumn, ShapeThreeOverSixColumns) {
  Feed f;
  f.coo<float>("num", {{0, 2}, {0, 3}}, {7, 8}, {1, 6});
  const Packed p = pack_one(numeric("num", {3}), f.batch());
  expect_shape(p, 1, 2, 3);
  expect_floats(p.dense, {0, 0, 7, 8, 0, 0});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
}

// default_value -1, dense_shape [2, 6], shape (2,): T = 3.
// ex0 row [1 -1 -1 4 -1 -1]: the interior gap and the tail get -1; length ceil(4 / 2) = 2.
// ex1 row [-1 -1 -1 -1 5 -1]; length ceil(5 / 2) = 3.
TEST(NumericColumn, DefaultValueFillsGapsAndTail) {
  Feed f;
  f.coo<float>("num", {{0, 0}, {0, 3}, {1, 4}}, {1, 4, 5}, {2, 6});
  const Packed p = pack_one(numeric("num", {2}, -1.f), f.batch());
  expect_shape(p, 2, 3, 2);
  expect_floats(p.dense, {1, -1, -1, 4, -1, -1, -1, -1, -1, -1, 5, -1});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 3}));
}

// compatibility.md §3: 3-D dense_shape (2, 2, 2), shape (1,) -> T = 2 * 2 / 1 = 4 while the lengths
// come from dim 1 only. ex0 block [1 2 3 0] (length 2), ex1 block [0 4 0 0] (length 1).
TEST(NumericColumn, ThreeDimensionalInputRechunksTheWholeBlock) {
  Feed f;
  f.coo<float>("num", {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 0, 1}}, {1, 2, 3, 4}, {2, 2, 2});
  const Packed p = pack_one(numeric("num"), f.batch());
  expect_shape(p, 2, 4, 1);
  expect_floats(p.dense, {1, 2, 3, 0, 0, 4, 0, 0});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
}

// num_elements divides the length only for 2-D input. The same values:
//   3-D [1, 2, 4], entry (0, 1, 0): T = 8 / 2 = 4, length = 1 + 1 = 2 (no division);
//   2-D [1, 8],    entry (0, 4):    T = 8 / 2 = 4, length = ceil(5 / 2) = 3.
// Both give the row [0 0 0 0 5 0 0 0] -> [0 0], [0 0], [5 0], [0 0].
TEST(NumericColumn, ThreeDimensionalLengthIsNotDividedByElements) {
  const std::vector<float> dense = {0, 0, 0, 0, 5, 0, 0, 0};
  {
    Feed f;
    f.coo<float>("num", {{0, 1, 0}}, {5}, {1, 2, 4});
    const Packed p = pack_one(numeric("num", {2}), f.batch());
    expect_shape(p, 1, 4, 2);
    expect_floats(p.dense, dense);
    EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
  }
  {
    Feed f;
    f.coo<float>("num", {{0, 4}}, {5}, {1, 8});
    const Packed p = pack_one(numeric("num", {2}), f.batch());
    expect_shape(p, 1, 4, 2);
    expect_floats(p.dense, dense);
    EXPECT_EQ(p.lengths, (std::vector<int64_t>{3}));
  }
}

// [1, 2, 6] with shape (4,): T = 12 / 4 = 3. Flat positions 5 and 6 fall into step 1, which
// straddles the K axis: [0 0 0 0], [0 7 8 0], [0 0 0 0]; length from dim 1 = 2.
TEST(NumericColumn, ThreeDimensionalChunksStraddleK) {
  Feed f;
  f.coo<float>("num", {{0, 0, 5}, {0, 1, 0}}, {7, 8}, {1, 2, 6});
  const Packed p = pack_one(numeric("num", {4}), f.batch());
  expect_shape(p, 1, 3, 4);
  expect_floats(p.dense, {0, 0, 0, 0, 0, 7, 8, 0, 0, 0, 0, 0});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
}

// compatibility.md §3: [B, 2, 4] with shape (2, 2) -> one step per K block.
// row [1 0 0 2 | 0 3 0 0] -> step 0 [1 0 0 2], step 1 [0 3 0 0]; length 2.
TEST(NumericColumn, ThreeDimensionalOneStepPerKBlock) {
  Feed f;
  f.coo<float>("num", {{0, 0, 0}, {0, 0, 3}, {0, 1, 1}}, {1, 2, 3}, {1, 2, 4});
  const Packed p = pack_one(numeric("num", {2, 2}), f.batch());
  expect_shape(p, 1, 2, 4);
  expect_floats(p.dense, {1, 0, 0, 2, 0, 3, 0, 0});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
}

// prod(dense_shape[1:]) must be a multiple of prod(shape): 5 % 2 and 2 * 3 % 4 are not.
TEST(NumericColumn, NonDivisibleReshapeFails) {
  {
    Feed f;
    f.coo<float>("num", {{0, 0}}, {1}, {2, 5});
    const auto layer = layer_of({numeric("num", {2})});
    expect_error([&] { layer.output_shape(f.batch(), {}); }, Code::kInvalidArgument, {"num"});
    expect_error([&] { pack(layer, f.batch()); }, Code::kInvalidArgument, {"num"});
  }
  {
    Feed f;
    f.coo<float>("num", {{0, 0, 0}}, {1}, {1, 2, 3});
    expect_error([&] { pack_one(numeric("num", {4}), f.batch()); }, Code::kInvalidArgument,
                 {"num"});
  }
}

// Numeric columns reject repeated indices (TF's sparse_tensor_to_dense, compatibility.md §13.1).
TEST(NumericColumn, RepeatedIndexFails) {
  Feed f;
  f.coo<float>("num", {{0, 0}, {0, 1}, {0, 1}}, {1, 2, 3}, {1, 3});
  expect_error([&] { pack_one(numeric("num"), f.batch()); }, Code::kInvalidArgument, {"num"});
  Feed g;
  g.coo<float>("num", {{0, 1, 1}, {0, 1, 1}}, {1, 2}, {1, 2, 2});
  expect_error([&] { pack_one(numeric("num"), g.batch()); }, Code::kInvalidArgument, {"num"});
}

TEST(NumericColumn, OutOfOrderIndicesFail) {
  Feed within;  // step 1 before step 0 of the same example
  within.coo<float>("num", {{0, 1}, {0, 0}}, {1, 2}, {1, 3});
  expect_error([&] { pack_one(numeric("num"), within.batch()); }, Code::kInvalidArgument,
               {"num"});
  Feed across;  // example 1 before example 0
  across.coo<float>("num", {{1, 0}, {0, 0}}, {1, 2}, {2, 3});
  expect_error([&] { pack_one(numeric("num"), across.batch()); }, Code::kInvalidArgument,
               {"num"});
  Feed inner;  // k = 1 before k = 0 within one step of a 3-D input
  inner.coo<float>("num", {{0, 0, 1}, {0, 0, 0}}, {1, 2}, {1, 1, 2});
  expect_error([&] { pack_one(numeric("num"), inner.batch()); }, Code::kInvalidArgument,
               {"num"});
}

TEST(NumericColumn, OutOfBoundsIndicesFail) {
  const std::vector<std::vector<std::vector<int64_t>>> bad = {
      {{0, 3}},    // step >= dense_shape[1]
      {{2, 0}},    // example >= dense_shape[0]
      {{0, -1}},   // negative step
      {{-1, 0}}};  // negative example
  for (const auto& indices : bad) {
    Feed f;
    f.coo<float>("num", indices, {1}, {2, 3});
    expect_error([&] { pack_one(numeric("num"), f.batch()); }, Code::kInvalidArgument, {"num"});
  }
  Feed k;  // k >= dense_shape[2]
  k.coo<float>("num", {{0, 0, 2}}, {1}, {1, 1, 2});
  expect_error([&] { pack_one(numeric("num"), k.batch()); }, Code::kInvalidArgument, {"num"});
}

// compatibility.md §13.3, §3: int and float64 values are accepted and emitted as float32.
TEST(NumericColumn, IntegerAndFloat64InputsBecomeFloat32) {
  {
    Feed f;
    f.coo<int64_t>("num", {{0, 0}, {0, 1}}, {3, -2}, {1, 2});
    expect_floats(pack_one(numeric("num"), f.batch()).dense, {3, -2});
  }
  {
    Feed f;
    f.coo<int32_t>("num", {{0, 0}, {0, 1}}, {7, -9}, {1, 2});
    expect_floats(pack_one(numeric("num"), f.batch()).dense, {7, -9});
  }
  {
    Feed f;
    f.coo<double>("num", {{0, 0}, {0, 1}}, {0.1, 2.5}, {1, 2});
    const Packed p = pack_one(numeric("num"), f.batch());
    ASSERT_EQ(p.dense.size(), 2u);
    EXPECT_EQ(p.dense[0], static_cast<float>(0.1));
    EXPECT_EQ(p.dense[1], 2.5f);
  }
  {  // the column's dtype is not checked against the input's (TF)
    Feed f;
    f.coo<float>("num", {{0, 0}}, {1.5f}, {1, 1});
    const auto col = std::make_shared<NumericColumn>("num", true, std::vector<int64_t>{1}, 0.f,
                                                     DType::kInt64, Normalizer{});
    expect_floats(pack_one(col, f.batch()).dense, {1.5f});
  }
}

TEST(NumericColumn, StringInputRejected) {
  Feed f;
  f.coo_strings("num", {{0, 0}}, {"x"}, {1, 1});
  expect_error([&] { pack_one(numeric("num"), f.batch()); }, Code::kDtypeMismatch, {"num"});
}

// Ragged, shape (2,), default -1: ex0 values [1 2 3 4] -> 2 steps, ex1 [5 6] -> 1 step,
// ex2 none -> 0 steps. T = longest = 2.
const std::vector<float> kRaggedNumericDense = {1, 2, 3, 4, 5, 6, -1, -1, -1, -1, -1, -1};

TEST(NumericColumn, RaggedWithoutStepSplits) {
  Feed f;
  f.ragged<float>("num", {0, 4, 6, 6}, {}, {1, 2, 3, 4, 5, 6});
  const Packed p = pack_one(numeric("num", {2}, -1.f), f.batch());
  expect_shape(p, 3, 2, 2);
  expect_floats(p.dense, kRaggedNumericDense);
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1, 0}));
}

TEST(NumericColumn, RaggedWithStepSplits) {
  Feed f;
  f.ragged<float>("num", {0, 2, 3, 3}, {0, 2, 4, 6}, {1, 2, 3, 4, 5, 6});
  const Packed p = pack_one(numeric("num", {2}, -1.f), f.batch());
  expect_shape(p, 3, 2, 2);
  expect_floats(p.dense, kRaggedNumericDense);
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1, 0}));
}

TEST(NumericColumn, RaggedShapeErrorsNameTheExample) {
  Feed odd;  // ex1 has 3 values, not a multiple of 2
  odd.ragged<float>("num", {0, 2, 5}, {}, {1, 2, 3, 4, 5});
  expect_error([&] { pack_one(numeric("num", {2}), odd.batch()); }, Code::kInvalidArgument,
               {"num", "example 1"});
  Feed step;  // ex0, step 1 has 1 value where shape (2,) needs 2
  step.ragged<float>("num", {0, 2}, {0, 2, 3}, {1, 2, 3});
  expect_error([&] { pack_one(numeric("num", {2}), step.batch()); }, Code::kInvalidArgument,
               {"num", "example 0", "step 1"});
}

// Dense numeric input (an extension): every cell is present.
// [2, 4] with shape (2,): T = 2, lengths [2, 2]; same as a COO input with all 8 cells.
// [2, 2, 2] with shape (1,): T = 4, lengths from dim 1 = [2, 2].
TEST(NumericColumn, DenseInputIsFullyPresent) {
  {
    Feed f;
    f.dense<float>("num", {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
    const Packed p = pack_one(numeric("num", {2}, -1.f), f.batch());
    expect_shape(p, 2, 2, 2);
    expect_floats(p.dense, {1, 2, 3, 4, 5, 6, 7, 8});
    EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 2}));
  }
  {
    Feed f;
    f.dense<int32_t>("num", {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
    const Packed p = pack_one(numeric("num"), f.batch());
    expect_shape(p, 2, 4, 1);
    expect_floats(p.dense, {1, 2, 3, 4, 5, 6, 7, 8});
    EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 2}));
  }
}

// compatibility.md §1.2: a rank-1 SparseTensor is [B, 1]: indices [0, 2] of dense_shape [3] are steps
// (0, 0) and (2, 0). default -1 fills example 1.
TEST(NumericColumn, RankOneInputIsOneStepPerExample) {
  Feed f;
  f.coo<float>("num", {{0}, {2}}, {5, 6}, {3});
  const Packed p = pack_one(numeric("num", {1}, -1.f), f.batch());
  expect_shape(p, 3, 1, 1);
  expect_floats(p.dense, {5, -1, 6});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{1, 0, 1}));
}

// Normalizers see present values only: the gap at step 0 and the tail at step 2 keep the
// default value unnormalized. [1, 3] input with one value at step 1.
Packed pack_normalized(float value, float default_value, Normalizer norm) {
  Feed f;
  f.coo<float>("num", {{0, 1}}, {value}, {1, 3});
  return pack_one(numeric("num", {1}, default_value, norm), f.batch());
}

TEST(NumericColumn, ScaleShiftNormalizer) {  // x * 2 + 1: 3 -> 7; default 0.5 stays
  expect_floats(pack_normalized(3.f, 0.5f, {NormalizerKind::kScaleShift, 2.f, 1.f}).dense,
                {0.5f, 7.f, 0.5f});
}

TEST(NumericColumn, ZScoreNormalizer) {  // (x - 1) / 2: 5 -> 2; default 0.5 stays
  expect_floats(pack_normalized(5.f, 0.5f, {NormalizerKind::kZScore, 1.f, 2.f}).dense,
                {0.5f, 2.f, 0.5f});
}

TEST(NumericColumn, Log1pNormalizer) {  // log1p(e - 1) = 1; default -1 stays (log1p(-1) = -inf)
  expect_floats(pack_normalized(1.718281828f, -1.f, {NormalizerKind::kLog1p}).dense,
                {-1.f, 1.f, -1.f});
}

TEST(NumericColumn, ClipNormalizer) {  // clip to [0, 1]: 5 -> 1, -3 -> 0; default 9 stays
  expect_floats(pack_normalized(5.f, 9.f, {NormalizerKind::kClip, 0.f, 1.f}).dense,
                {9.f, 1.f, 9.f});
  expect_floats(pack_normalized(-3.f, 9.f, {NormalizerKind::kClip, 0.f, 1.f}).dense,
                {9.f, 0.f, 9.f});
}

float times_user_data(float x, void* user_data) { return x * *static_cast<float*>(user_data); }

TEST(NumericColumn, CallbackNormalizer) {  // 3 * 10 = 30; default 4 stays
  float factor = 10.f;
  Normalizer norm{NormalizerKind::kCallback, 0.f, 0.f, &times_user_data, &factor};
  expect_floats(pack_normalized(3.f, 4.f, norm).dense, {4.f, 30.f, 4.f});
}

TEST(NumericColumn, ConstructionErrors) {
  auto make = [](std::vector<int64_t> shape, DType dtype, Normalizer norm) {
    return [=] { NumericColumn("num", true, shape, 0.f, dtype, norm); };
  };
  expect_error(make({0}, DType::kFloat32, {}), Code::kInvalidArgument,
               {"shape dimensions must be greater than 0", "num"});
  expect_error(make({2, -1}, DType::kFloat32, {}), Code::kInvalidArgument,
               {"shape dimensions must be greater than 0"});
  expect_error(make({1}, DType::kString, {}), Code::kInvalidArgument,
               {"dtype must be convertible to float", "num"});
  expect_error(make({1}, DType::kFloat32, {NormalizerKind::kZScore, 0.f, 0.f}),
               Code::kInvalidArgument, {"num"});
  expect_error(make({1}, DType::kFloat32, {NormalizerKind::kClip, 2.f, 1.f}),
               Code::kInvalidArgument, {"num"});
  expect_error(make({1}, DType::kFloat32, {NormalizerKind::kCallback}), Code::kInvalidArgument,
               {"normalizer_fn must be a callable"});
}

// ==========================================================================================
// Categorical id stage (compatibility.md §4, §5): get_sparse_tensors

// compatibility.md §4.1: num_buckets 4, default 3: (1, -1, 99) -> (1, 3, 3). A 2-D [2, 2]
// input becomes [2, 2, 1] with index (b, t) -> (b, t, 0).
TEST(CategoricalIds, IdentityDefaultReplacesOutOfRangeValues) {
  Feed f;
  f.coo<int64_t>("aaa", {{0, 0}, {1, 0}, {1, 1}}, {1, -1, 99}, {2, 2});
  const auto col = identity("aaa", 4, 3);
  EXPECT_EQ(col->num_buckets(), 4);
  EXPECT_EQ(col->name(), "aaa");
  const SparseIds s = get_sparse_tensors(*col, f.batch());
  expect_ids(s, {0, 0, 0, 1, 0, 0, 1, 1, 0}, {1, 3, 3}, {2, 2, 1});
  EXPECT_FALSE(s.weighted);
  EXPECT_TRUE(s.weights.empty());
}

TEST(CategoricalIds, IdentityWithoutDefaultPassesValuesThrough) {
  for (bool int32 : {false, true}) {
    Feed f;
    if (int32)
      f.coo<int32_t>("aaa", {{0, 0}, {1, 0}, {1, 1}}, {1, -1, 99}, {2, 2});
    else
      f.coo<int64_t>("aaa", {{0, 0}, {1, 0}, {1, 1}}, {1, -1, 99}, {2, 2});
    expect_ids(get_sparse_tensors(*identity("aaa", 4), f.batch()), {0, 0, 0, 1, 0, 0, 1, 1, 0},
               {1, -1, 99}, {2, 2, 1});
  }
}

TEST(CategoricalIds, IdentityRejectsNonIntegerInput) {
  Feed f;
  f.coo<float>("aaa", {{0, 0}}, {1.f}, {1, 1});
  expect_error([&] { get_sparse_tensors(*identity("aaa", 4), f.batch()); }, Code::kDtypeMismatch,
               {"Invalid input, not integer", "aaa"});
}

TEST(CategoricalIds, IdentityConstructionErrors) {
  expect_error([] { identity("aaa", 0); }, Code::kInvalidArgument,
               {"num_buckets 0 < 1, column_name aaa"});
  expect_error([] { identity("aaa", 4, 4); }, Code::kInvalidArgument,
               {"default_value 4 not in range [0, 4), column_name aaa"});
  expect_error([] { identity("aaa", 4, -1); }, Code::kInvalidArgument,
               {"default_value -1 not in range [0, 4)"});
}

// A 3-D input is unchanged (multivalent steps).
TEST(CategoricalIds, ThreeDimensionalIdsKeepTheirLayout) {
  Feed f;
  f.coo<int64_t>("aaa", {{0, 0, 0}, {0, 0, 1}, {1, 1, 0}}, {1, 2, 3}, {2, 2, 2});
  expect_ids(get_sparse_tensors(*identity("aaa", 4), f.batch()), {0, 0, 0, 0, 0, 1, 1, 1, 0},
             {1, 2, 3}, {2, 2, 2});
}

// compatibility.md §1.3: dims 2.. flatten into one K. dense_shape (1, 2, 2, 3) -> K = 6;
// (0, 0, 1, 0) -> k = 1 * 3 + 0 = 3; (0, 1, 1, 2) -> k = 1 * 3 + 2 = 5.
TEST(CategoricalIds, HigherRankFlattensIntoK) {
  Feed f;
  f.coo<int64_t>("aaa", {{0, 0, 1, 0}, {0, 1, 1, 2}}, {1, 2}, {1, 2, 2, 3});
  expect_ids(get_sparse_tensors(*identity("aaa", 4), f.batch()), {0, 0, 3, 0, 1, 5}, {1, 2},
             {1, 2, 6});
}

// compatibility.md §4: dense_shape (2, 0) -> (2, 0, 1).
TEST(CategoricalIds, ZeroLengthSteps) {
  Feed f;
  f.coo<int64_t>("aaa", {}, {}, {2, 0});
  expect_ids(get_sparse_tensors(*identity("aaa", 4), f.batch()), {}, {}, {2, 0, 1});
}

// compatibility.md §1.2: rank 1 -> [B, 1] -> sequence [B, 1, 1].
TEST(CategoricalIds, RankOneInputIsOneStepPerExample) {
  Feed f;
  f.coo<int64_t>("aaa", {{0}, {1}}, {3, 2}, {2});
  expect_ids(get_sparse_tensors(*identity("aaa", 4), f.batch()), {0, 0, 0, 1, 0, 0}, {3, 2},
             {2, 1, 1});
}

TEST(CategoricalIds, OutOfBoundsAndUnorderedIndicesFail) {
  Feed bounds;  // TF's 3-D identity test index (1, 2, 0) with dense_shape (2, 2, 2)
  bounds.coo<int64_t>("aaa", {{0, 0, 0}, {1, 2, 0}}, {1, 2}, {2, 2, 2});
  expect_error([&] { get_sparse_tensors(*identity("aaa", 4), bounds.batch()); },
               Code::kInvalidArgument, {"aaa"});
  Feed order;
  order.coo<int64_t>("aaa", {{1, 0}, {0, 0}}, {1, 2}, {2, 2});
  expect_error([&] { get_sparse_tensors(*identity("aaa", 4), order.batch()); },
               Code::kInvalidArgument, {"aaa"});
}

// Categorical columns allow repeated indices (each entry counts, compatibility.md §13.1).
TEST(CategoricalIds, RepeatedIndexAllowed) {
  Feed f;
  f.coo<int64_t>("aaa", {{0, 0}, {0, 0}}, {1, 2}, {1, 1});
  expect_ids(get_sparse_tensors(*identity("aaa", 4), f.batch()), {0, 0, 0, 0, 0, 0}, {1, 2},
             {1, 1, 1});
}

// string_to_hash_bucket_op_test (fast): a, b, c, d in 10 buckets -> 9, 2, 2, 5.
TEST(CategoricalIds, HashBucketStrings) {
  Feed f;
  f.coo_strings("aaa", {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, {"a", "b", "c", "d"}, {2, 2});
  const auto col = make_hash_bucket_column("aaa", true, 10, DType::kString);
  EXPECT_EQ(col->num_buckets(), 10);
  expect_ids(get_sparse_tensors(*col, f.batch()), {0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0},
             {9, 2, 2, 5}, {2, 2, 1});
}

// feature_column_test: 'marlo' -> 3, 'skywalker' -> 2, 'omar' -> 2 in 4 buckets.
TEST(CategoricalIds, HashBucketFourBuckets) {
  Feed f;
  f.coo_strings("aaa", {{0, 0}, {1, 0}, {1, 1}}, {"marlo", "skywalker", "omar"}, {2, 2});
  expect_ids(get_sparse_tensors(*make_hash_bucket_column("aaa", true, 4, DType::kString),
                                f.batch()),
             {0, 0, 0, 1, 0, 0, 1, 1, 0}, {3, 2, 2}, {2, 2, 1});
}

// feature_column_test (test_int32_64_is_compatible): 101, 201, 301 hashed as their decimal
// strings into 10 buckets -> 3, 7, 5, for int64 and int32 inputs.
TEST(CategoricalIds, HashBucketIntegersHashTheirDecimalSpelling) {
  const auto col = make_hash_bucket_column("aaa", true, 10, DType::kInt64);
  for (bool int32 : {false, true}) {
    Feed f;
    if (int32)
      f.coo<int32_t>("aaa", {{0, 0}, {1, 0}, {1, 1}}, {101, 201, 301}, {2, 2});
    else
      f.coo<int64_t>("aaa", {{0, 0}, {1, 0}, {1, 1}}, {101, 201, 301}, {2, 2});
    expect_ids(get_sparse_tensors(*col, f.batch()), {0, 0, 0, 1, 0, 0, 1, 1, 0}, {3, 7, 5},
               {2, 2, 1});
  }
}

// compatibility.md §1.4: a dense string input drops '' cells.
// (('marlo', ''), ('skywalker', 'omar')) -> indices (0,0), (1,0), (1,1) with ids 3, 2, 2 (4 buckets).
TEST(CategoricalIds, HashBucketDenseInputDropsEmptyStrings) {
  Feed f;
  f.dense_strings("aaa", {2, 2}, {"marlo", "", "skywalker", "omar"});
  expect_ids(get_sparse_tensors(*make_hash_bucket_column("aaa", true, 4, DType::kString),
                                f.batch()),
             {0, 0, 0, 1, 0, 0, 1, 1, 0}, {3, 2, 2}, {2, 2, 1});
}

TEST(CategoricalIds, HashBucketDtypeChecks) {
  Feed ints;
  ints.coo<int64_t>("aaa", {{0, 0}}, {1}, {1, 1});
  expect_error(
      [&] { get_sparse_tensors(*make_hash_bucket_column("aaa", true, 4, DType::kString),
                               ints.batch()); },
      Code::kDtypeMismatch, {"Column dtype and SparseTensors dtype must be compatible", "aaa"});
  Feed floats;
  floats.coo<float>("aaa", {{0, 0}}, {1.f}, {1, 1});
  expect_error(
      [&] { get_sparse_tensors(*make_hash_bucket_column("aaa", true, 4, DType::kInt64),
                               floats.batch()); },
      Code::kDtypeMismatch, {"dtype must be string or integer"});
  expect_error([] { make_hash_bucket_column("aaa", true, 0, DType::kString); },
               Code::kInvalidArgument, {"hash_bucket_size must be at least 1"});
  expect_error([] { make_hash_bucket_column("aaa", true, 4, DType::kFloat32); },
               Code::kInvalidArgument, {"dtype must be string or integer"});
}

// feature_column_v2_test: vocabulary ('omar', 'stringer', 'marlo'), 100 OOV buckets;
// ('marlo', 'skywalker', 'omar', 'heisenberg') -> (2, 33, 0, 62) = found 2, 3 + 30, found 0,
// 3 + 59. Without OOV buckets misses become default_value.
const std::vector<std::vector<int64_t>> kWireIndices = {{0, 0}, {1, 0}, {1, 1}, {1, 2}};
const std::vector<int64_t> kWireIndices3 = {0, 0, 0, 1, 0, 0, 1, 1, 0, 1, 2, 0};
const std::vector<std::string> kWireValues = {"marlo", "skywalker", "omar", "heisenberg"};
const std::vector<std::string> kWireVocabulary = {"omar", "stringer", "marlo"};

TEST(CategoricalIds, VocabularyListStrings) {
  Feed f;
  f.coo_strings("aaa", kWireIndices, kWireValues, {2, 3});
  const auto oov = make_vocabulary_list_column("aaa", true, kWireVocabulary, -1, 100);
  EXPECT_EQ(oov->num_buckets(), 103);
  expect_ids(get_sparse_tensors(*oov, f.batch()), kWireIndices3, {2, 33, 0, 62}, {2, 3, 1});
  const auto minus_one = make_vocabulary_list_column("aaa", true, kWireVocabulary, -1, 0);
  EXPECT_EQ(minus_one->num_buckets(), 3);
  expect_ids(get_sparse_tensors(*minus_one, f.batch()), kWireIndices3, {2, -1, 0, -1},
             {2, 3, 1});
  const auto seven = make_vocabulary_list_column("aaa", true, kWireVocabulary, 7, 0);
  expect_ids(get_sparse_tensors(*seven, f.batch()), kWireIndices3, {2, 7, 0, 7}, {2, 3, 1});
}

// feature_column_v2_test with the warriors vocabulary (30, 35, 11, 23, 22), 100 OOV buckets:
// (11, 100, 30, 22) -> (2, 5 + 55, 0, 4) = (2, 60, 0, 4).
const std::vector<std::vector<int64_t>> kWarriorIndices = {{0, 0}, {1, 0}, {1, 1}, {2, 2}};
const std::vector<int64_t> kWarriorIndices3 = {0, 0, 0, 1, 0, 0, 1, 1, 0, 2, 2, 0};

TEST(CategoricalIds, VocabularyListIntegers) {
  const auto col =
      make_vocabulary_list_column("aaa", true, std::vector<int64_t>{30, 35, 11, 23, 22},
                                  DType::kInt64, -1, 100);
  EXPECT_EQ(col->num_buckets(), 105);
  for (bool int32 : {false, true}) {
    Feed f;
    if (int32)
      f.coo<int32_t>("aaa", kWarriorIndices, {11, 100, 30, 22}, {3, 3});
    else
      f.coo<int64_t>("aaa", kWarriorIndices, {11, 100, 30, 22}, {3, 3});
    expect_ids(get_sparse_tensors(*col, f.batch()), kWarriorIndices3, {2, 60, 0, 4}, {3, 3, 1});
  }
}

// feature_column_v2_test (int32 dense input, default -100): ((11, -1, -1), (100, 30, -1),
// (-1, -1, 22)) drops the -1 cells -> indices (0,0), (1,0), (1,1), (2,2), ids (2, -100, 0, 4).
TEST(CategoricalIds, VocabularyListIntegersDenseInput) {
  Feed f;
  f.dense<int32_t>("aaa", {3, 3}, {11, -1, -1, 100, 30, -1, -1, -1, 22});
  const auto col =
      make_vocabulary_list_column("aaa", true, std::vector<int64_t>{30, 35, 11, 23, 22},
                                  DType::kInt32, -100, 0);
  expect_ids(get_sparse_tensors(*col, f.batch()), kWarriorIndices3, {2, -100, 0, 4}, {3, 3, 1});
}

TEST(CategoricalIds, VocabularyListDtypeMismatch) {
  Feed ints;
  ints.coo<int64_t>("aaa", {{0, 0}}, {1}, {1, 1});
  expect_error(
      [&] { get_sparse_tensors(*make_vocabulary_list_column("aaa", true, kWireVocabulary, -1, 0),
                               ints.batch()); },
      Code::kDtypeMismatch, {"Column dtype and SparseTensors dtype must be compatible"});
  Feed strings;
  strings.coo_strings("aaa", {{0, 0}}, {"30"}, {1, 1});
  expect_error([&] {
    get_sparse_tensors(*make_vocabulary_list_column("aaa", true, std::vector<int64_t>{30},
                                                    DType::kInt64, -1, 0),
                       strings.batch());
  }, Code::kDtypeMismatch, {"Column dtype and SparseTensors dtype must be compatible"});
}

TEST(CategoricalIds, VocabularyListConstructionErrors) {
  expect_error([] { make_vocabulary_list_column("aaa", true, std::vector<std::string>{}, -1, 0); },
               Code::kInvalidArgument, {"must be non-empty", "aaa"});
  expect_error([] { make_vocabulary_list_column("aaa", true, {"a", "b", "a"}, -1, 0); },
               Code::kInvalidArgument, {"Duplicate keys"});
  expect_error([] { make_vocabulary_list_column("aaa", true, kWireVocabulary, 2, 1); },
               Code::kInvalidArgument, {"Can't specify both num_oov_buckets and default_value"});
  expect_error([] { make_vocabulary_list_column("aaa", true, kWireVocabulary, -1, -1); },
               Code::kInvalidArgument, {"Invalid num_oov_buckets -1 in aaa."});
}

// The same wire vocabulary read from a file; vocabulary_size < 0 means "count the lines".
TEST(CategoricalIds, VocabularyFileStrings) {
  TempFile file("omar\nstringer\nmarlo\n");
  Feed f;
  f.coo_strings("aaa", kWireIndices, kWireValues, {2, 3});
  const auto col = make_vocabulary_file_column("aaa", true, file.path(), -1, 100, std::nullopt,
                                               DType::kString);
  EXPECT_EQ(col->num_buckets(), 103);
  expect_ids(get_sparse_tensors(*col, f.batch()), kWireIndices3, {2, 33, 0, 62}, {2, 3, 1});
  // feature_column_v2_test (small vocabulary size): size 2 takes 'marlo' out; default -1.
  const auto small = make_vocabulary_file_column("aaa", true, file.path(), 2, 0, std::nullopt,
                                                 DType::kString);
  EXPECT_EQ(small->num_buckets(), 2);
  expect_ids(get_sparse_tensors(*small, f.batch()), kWireIndices3, {-1, -1, 0, -1}, {2, 3, 1});
}

TEST(CategoricalIds, VocabularyFileIntegers) {
  TempFile file("30\n35\n11\n23\n22\n");
  Feed f;
  f.coo<int32_t>("aaa", kWarriorIndices, {11, 100, 30, 22}, {3, 3});
  const auto col =
      make_vocabulary_file_column("aaa", true, file.path(), 5, 100, std::nullopt, DType::kInt32);
  EXPECT_EQ(col->num_buckets(), 105);
  expect_ids(get_sparse_tensors(*col, f.batch()), kWarriorIndices3, {2, 60, 0, 4}, {3, 3, 1});
  Feed d;
  d.dense<int32_t>("aaa", {3, 3}, {11, -1, -1, 100, 30, -1, -1, -1, 22});
  const auto with_default =
      make_vocabulary_file_column("aaa", true, file.path(), 5, 0, -100, DType::kInt32);
  expect_ids(get_sparse_tensors(*with_default, d.batch()), kWarriorIndices3, {2, -100, 0, 4},
             {3, 3, 1});
}

TEST(CategoricalIds, VocabularyFileErrors) {
  expect_error([] { make_vocabulary_file_column("aaa", true, "", -1, 0, std::nullopt,
                                                DType::kString); },
               Code::kInvalidArgument, {"Missing vocabulary_file in aaa."});
  TempFile file("omar\nstringer\nmarlo\n");
  expect_error([&] { make_vocabulary_file_column("aaa", true, file.path(), 4, 0, std::nullopt,
                                                 DType::kString); },
               Code::kInvalidArgument, {"expected 4 but got 3"});
  expect_error([&] { make_vocabulary_file_column("aaa", true, file.path(), 0, 0, std::nullopt,
                                                 DType::kString); },
               Code::kInvalidArgument, {"Invalid vocabulary_size in aaa."});
  expect_error([&] { make_vocabulary_file_column("aaa", true, file.path(), -1, 1, 0,
                                                 DType::kString); },
               Code::kInvalidArgument, {"Can't specify both num_oov_buckets and default_value"});
}

// compatibility.md §1.4: only dense inputs drop '' / -1; inside a SparseTensor they are values like
// any other. Vocabulary ('', 'a'): sparse ('', 'a') -> (0, 1); dense [['', 'a']] -> only 'a'.
TEST(CategoricalIds, EmptyStringIsAValueInSparseInputOnly) {
  const auto col = make_vocabulary_list_column("aaa", true, {"", "a"}, -1, 0);
  Feed sparse;
  sparse.coo_strings("aaa", {{0, 0}, {0, 1}}, {"", "a"}, {1, 2});
  expect_ids(get_sparse_tensors(*col, sparse.batch()), {0, 0, 0, 0, 1, 0}, {0, 1}, {1, 2, 1});
  Feed dense;
  dense.dense_strings("aaa", {1, 2}, {"", "a"});
  expect_ids(get_sparse_tensors(*col, dense.batch()), {0, 1, 0}, {1}, {1, 2, 1});
  // A hashed '' is hashed, not dropped: two entries, 'a' -> 9 of 10.
  const SparseIds hashed = get_sparse_tensors(
      *make_hash_bucket_column("aaa", true, 10, DType::kString), sparse.batch());
  ASSERT_EQ(hashed.ids.size(), 2u);
  EXPECT_GE(hashed.ids[0], 0);
  EXPECT_LT(hashed.ids[0], 10);
  EXPECT_EQ(hashed.ids[1], 9);
}

// Vocabulary (-1, 5): sparse -1 is looked up (id 0); a dense -1 cell is dropped.
TEST(CategoricalIds, MinusOneIsAValueInSparseInputOnly) {
  const auto col = make_vocabulary_list_column("aaa", true, std::vector<int64_t>{-1, 5},
                                               DType::kInt64, -1, 0);
  Feed sparse;
  sparse.coo<int64_t>("aaa", {{0, 0}, {0, 1}}, {-1, 5}, {1, 2});
  expect_ids(get_sparse_tensors(*col, sparse.batch()), {0, 0, 0, 0, 1, 0}, {0, 1}, {1, 2, 1});
  Feed dense;
  dense.dense<int64_t>("aaa", {1, 2}, {-1, 5});
  expect_ids(get_sparse_tensors(*col, dense.batch()), {0, 1, 0}, {1}, {1, 2, 1});
}

// A rank-1 dense input is [B, 1]: (1, -1, 2) -> examples 0 and 2 have one step.
TEST(CategoricalIds, RankOneDenseInput) {
  Feed f;
  f.dense<int64_t>("aaa", {3}, {1, -1, 2});
  expect_ids(get_sparse_tensors(*identity("aaa", 4), f.batch()), {0, 0, 0, 2, 0, 0}, {1, 2},
             {3, 1, 1});
}

// Ragged ids: ex0 step 0 {1, 2}, step 1 {} ; ex1 step 0 {3}. T = longest row = 2, K = largest
// step = 2.
TEST(CategoricalIds, RaggedInput) {
  Feed f;
  f.ragged<int64_t>("aaa", {0, 2, 3}, {0, 2, 2, 3}, {1, 2, 3});
  expect_ids(get_sparse_tensors(*identity("aaa", 4), f.batch()), {0, 0, 0, 0, 0, 1, 1, 0, 0},
             {1, 2, 3}, {2, 2, 2});
}

// hash_bucket_size 1 is allowed and puts everything into bucket 0.
TEST(CategoricalIds, HashBucketSizeOne) {
  Feed f;
  f.coo_strings("aaa", {{0, 0}, {0, 1}}, {"a", "b"}, {1, 2});
  expect_ids(get_sparse_tensors(*make_hash_bucket_column("aaa", true, 1, DType::kString),
                                f.batch()),
             {0, 0, 0, 0, 1, 0}, {0, 0}, {1, 2, 1});
}

// compatibility.md §4.5: weights pair with ids by position; the weight feature's own indices (here a
// [1, 3] layout unlike the ids' [2, 2]) are never compared.
TEST(CategoricalIds, WeightedIdsCarryPositionalWeights) {
  Feed f;
  f.coo<int64_t>("aaa", {{0, 0}, {1, 0}, {1, 1}}, {1, 2, 3}, {2, 2});
  f.coo<float>("w", {{0, 0}, {0, 1}, {0, 2}}, {0.5f, -1.f, 2.f}, {1, 3});
  const auto col = make_weighted_column(identity("aaa", 4), "w", DType::kFloat32);
  EXPECT_EQ(col->name(), "aaa_weighted_by_w");
  EXPECT_EQ(col->num_buckets(), 4);
  const SparseIds s = get_sparse_tensors(*col, f.batch());
  expect_ids(s, {0, 0, 0, 1, 0, 0, 1, 1, 0}, {1, 2, 3}, {2, 2, 1});
  EXPECT_TRUE(s.weighted);
  EXPECT_EQ(s.weights, (std::vector<float>{0.5f, -1.f, 2.f}));
}

TEST(CategoricalIds, WeightedErrors) {
  expect_error([] { make_weighted_column(identity("aaa", 4), "w", DType::kString); },
               Code::kInvalidArgument, {"is not convertible to float"});
  expect_error([] { make_weighted_column(identity("aaa", 4), "aaa", DType::kFloat32); },
               Code::kInvalidArgument, {"already exists"});
  Feed f;
  f.coo<int64_t>("aaa", {{0, 0}, {0, 1}}, {1, 2}, {1, 2});
  f.coo<float>("w", {{0, 0}}, {1.f}, {1, 1});
  const auto col = make_weighted_column(identity("aaa", 4), "w", DType::kFloat32);
  expect_error([&] { get_sparse_tensors(*col, f.batch()); }, Code::kInvalidArgument,
               {"aaa_weighted_by_w"});
  Feed missing;
  missing.coo<int64_t>("aaa", {{0, 0}}, {1}, {1, 1});
  expect_error([&] { get_sparse_tensors(*col, missing.batch()); }, Code::kNotFound,
               {"Feature w is not in features dictionary."});
}

// compatibility.md §4.5: the weight dtype must equal the column's ("Bad dtype, expected
// float32, but got float64.").
TEST(CategoricalIds, WeightDtypeMustEqualTheColumns) {
  Feed f;
  f.coo<int64_t>("aaa", {{0, 0}}, {1}, {1, 1});
  f.coo<double>("w", {{0, 0}}, {1.0}, {1, 1});
  const auto col = make_weighted_column(identity("aaa", 4), "w", DType::kFloat32);
  expect_error([&] { get_sparse_tensors(*col, f.batch()); }, Code::kDtypeMismatch,
               {"Bad dtype, expected float32, but got float64."});
}

// compatibility.md §1.4: dense weights drop 0.0 cells; the rest pair with the ids by position.
// [[0.5, 0, 2, -1]] -> (0.5, 2, -1) for ids (1, 2, 3).
TEST(CategoricalIds, DenseWeightsDropZeroCells) {
  Feed f;
  f.coo<int64_t>("aaa", {{0, 0}, {0, 1}, {0, 2}}, {1, 2, 3}, {1, 3});
  f.dense<float>("w", {1, 4}, {0.5f, 0.f, 2.f, -1.f});
  const SparseIds s = get_sparse_tensors(
      *make_weighted_column(identity("aaa", 4), "w", DType::kFloat32), f.batch());
  EXPECT_EQ(s.ids, (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(s.weights, (std::vector<float>{0.5f, 2.f, -1.f}));
}

// ==========================================================================================
// Embeddings (compatibility.md §6.3)
//
// Table rows: E0 = (1, 2), E1 = (3, 4) |5|, E2 = (0, -2) |2|, E3 = (6, 8) |10|, E4 = (-1, 1).
// Ids, dense_shape [3, 3, 2]:
//   ex0: step 0 {1, 3}, step 1 {2}, step 2 -            length 2
//   ex1: step 0 -, step 1 {0, 0} (repeated), step 2 {-5} length 3 (the pruned id still counts)
//   ex2: step 0 {4, -1}, steps 1-2 -                    length 1
const std::vector<float> kTable = {1, 2, 3, 4, 0, -2, 6, 8, -1, 1};

void feed_embedding_ids(Feed& f) {
  f.coo<int64_t>("ids",
                 {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 1, 0}, {1, 1, 1}, {1, 2, 0}, {2, 0, 0},
                  {2, 0, 1}},
                 {1, 3, 2, 0, 0, -5, 4, -1}, {3, 3, 2});
}

Packed pack_embedding(Combiner combiner, std::optional<float> max_norm = std::nullopt) {
  Feed f;
  feed_embedding_ids(f);
  const auto col = embedding(identity("ids", 5), 2, combiner, kTable, max_norm);
  EXPECT_EQ(col->name(), "ids_embedding");
  Packed p = pack_one(col, f.batch());
  expect_shape(p, 3, 3, 2);
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 3, 1}));
  EXPECT_EQ(p.stats.columns.at(0).dropped_invalid, 2);  // -5 and -1
  return p;
}

// sum: ex0 s0 E1 + E3 = (9, 12); s1 E2; ex1 s1 E0 + E0 = (2, 4); s2 all pruned -> 0;
// ex2 s0 E4 (the -1 is dropped). Empty steps -> 0.
TEST(EmbeddingColumn, SumCombiner) {
  expect_floats(pack_embedding(Combiner::kSum).dense,
                {9, 12, 0, -2, 0, 0, /**/ 0, 0, 2, 4, 0, 0, /**/ -1, 1, 0, 0, 0, 0});
}

// mean: (9, 12) / 2 = (4.5, 6); (2, 4) / 2 = (1, 2); ex2 s0 has n = 1.
TEST(EmbeddingColumn, MeanCombiner) {
  expect_floats(pack_embedding(Combiner::kMean).dense,
                {4.5f, 6, 0, -2, 0, 0, /**/ 0, 0, 1, 2, 0, 0, /**/ -1, 1, 0, 0, 0, 0});
}

// sqrtn: (9, 12) / sqrt(2); (2, 4) / sqrt(2).
TEST(EmbeddingColumn, SqrtnCombiner) {
  const float r2 = std::sqrt(2.f);
  expect_floats(pack_embedding(Combiner::kSqrtn).dense,
                {9 / r2, 12 / r2, 0, -2, 0, 0, /**/ 0, 0, 2 / r2, 4 / r2, 0, 0, /**/ -1, 1, 0,
                 0, 0, 0});
}

// max_norm 4 clips each row before combining: E1 -> (3, 4) * 4 / 5 = (2.4, 3.2),
// E3 -> (6, 8) * 4 / 10 = (2.4, 3.2); E0 (|E0| = sqrt 5), E2 (|E2| = 2), E4 are within 4.
// sum ex0 s0 = (4.8, 6.4) (clipping the sum (9, 12) instead would give (2.4, 3.2)).
TEST(EmbeddingColumn, MaxNormClipsRowsBeforeSum) {
  expect_floats(pack_embedding(Combiner::kSum, 4.f).dense,
                {4.8f, 6.4f, 0, -2, 0, 0, /**/ 0, 0, 2, 4, 0, 0, /**/ -1, 1, 0, 0, 0, 0});
  const float r2 = std::sqrt(2.f);
  expect_floats(pack_embedding(Combiner::kSqrtn, 4.f).dense,
                {4.8f / r2, 6.4f / r2, 0, -2, 0, 0, /**/ 0, 0, 2 / r2, 4 / r2, 0, 0, /**/ -1, 1,
                 0, 0, 0, 0});
}

// mean of {1, 2} with max_norm 4: ((2.4, 3.2) + (0, -2)) / 2 = (1.2, 0.6); clipping after the
// mean would leave (1.5, 1) unchanged (norm 1.8 < 4).
TEST(EmbeddingColumn, MaxNormClipsRowsBeforeMean) {
  Feed f;
  f.coo<int64_t>("ids", {{0, 0, 0}, {0, 0, 1}}, {1, 2}, {1, 1, 2});
  const Packed p = pack_one(embedding(identity("ids", 5), 2, Combiner::kMean, kTable, 4.f),
                            f.batch());
  expect_floats(p.dense, {1.2f, 0.6f});
}

// compatibility.md §4.1: an id >= num_buckets reaching an embedding fails ("indices[i] = v is not in
// [0, n)"); the error names the column, the id and the example.
TEST(EmbeddingColumn, IdAtLeastNumBucketsIsOutOfRange) {
  Feed f;
  f.coo<int64_t>("ids", {{0, 0}, {1, 0}}, {1, 7}, {2, 1});
  const auto col = embedding(identity("ids", 5), 2, Combiner::kMean, kTable);
  expect_error([&] { pack_one(col, f.batch()); }, Code::kOutOfRange,
               {"ids_embedding", "7 is not in [0, 5)", "example 1"});
  Feed exact;  // id == num_buckets
  exact.coo<int64_t>("ids", {{0, 0}}, {5}, {1, 1});
  expect_error([&] { pack_one(col, exact.batch()); }, Code::kOutOfRange,
               {"5 is not in [0, 5)"});
}

TEST(EmbeddingColumn, ConstructionErrors) {
  EmbeddingSpec spec;
  spec.dimension = 0;
  expect_error([&] { make_embedding_column(identity("ids", 5), spec); }, Code::kInvalidArgument,
               {"Invalid dimension 0."});
  spec.dimension = 2;
  const std::vector<float> short_table = {1, 2, 3};
  spec.initial_table = short_table.data();
  spec.initial_table_count = short_table.size();
  expect_error([&] { make_embedding_column(identity("ids", 5), spec); }, Code::kInvalidArgument,
               {});
}

// Weighted embedding, ids [1, 3, 2]: step 0 {1, 0}, step 1 {2}, step 2 {3, 4}; weights by
// position (2, -1, 0, 0.5, 0.5) from a [1, 5] feature.
Packed pack_weighted_embedding(Combiner combiner) {
  Feed f;
  f.coo<int64_t>("ids", {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 2, 0}, {0, 2, 1}}, {1, 0, 2, 3, 4},
                 {1, 3, 2});
  f.coo<float>("w", {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}}, {2, -1, 0, 0.5f, 0.5f}, {1, 5});
  const auto col = embedding(make_weighted_column(identity("ids", 5), "w", DType::kFloat32), 2,
                             combiner, kTable);
  EXPECT_EQ(col->name(), "ids_weighted_by_w_embedding");
  Packed p = pack_one(col, f.batch());
  expect_shape(p, 1, 3, 2);
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3}));
  return p;
}

// sum keeps weights <= 0: s0 2 E1 - E0 = (5, 6); s1 0 E2 = (0, 0);
// s2 0.5 E3 + 0.5 E4 = (2.5, 4.5).
TEST(EmbeddingColumn, WeightedSumKeepsNonPositiveWeights) {
  expect_floats(pack_weighted_embedding(Combiner::kSum).dense, {5, 6, 0, 0, 2.5f, 4.5f});
}

// mean prunes weights <= 0: s0 2 E1 / 2 = (3, 4); s1 all pruned -> 0; s2 (2.5, 4.5) / 1.
TEST(EmbeddingColumn, WeightedMeanPrunesNonPositiveWeights) {
  expect_floats(pack_weighted_embedding(Combiner::kMean).dense, {3, 4, 0, 0, 2.5f, 4.5f});
}

// sqrtn: s0 (6, 8) / sqrt(4) = (3, 4); s1 0; s2 (2.5, 4.5) / sqrt(0.25 + 0.25).
TEST(EmbeddingColumn, WeightedSqrtnPrunesNonPositiveWeights) {
  const float r = std::sqrt(0.5f);
  expect_floats(pack_weighted_embedding(Combiner::kSqrtn).dense,
                {3, 4, 0, 0, 2.5f / r, 4.5f / r});
}

// compatibility.md §6.3: weights <= 0 are pruned (step 4, mean and sqrtn) before the lookup (step 6),
// so an id >= num_buckets whose weight is 0 never reaches the gather in TF. Ids (1, 7), weights
// (2, 0), num_buckets 5: mean = 2 E1 / 2 = (3, 4). With sum the weight is kept and the gather
// of 7 fails.
TEST(EmbeddingColumn, OutOfRangeIdWithPrunedWeightNeverReachesTheGather) {
  Feed f;
  f.coo<int64_t>("ids", {{0, 0, 0}, {0, 0, 1}}, {1, 7}, {1, 1, 2});
  f.coo<float>("w", {{0, 0}, {0, 1}}, {2, 0}, {1, 2});
  const auto weighted = make_weighted_column(identity("ids", 5), "w", DType::kFloat32);
  expect_floats(pack_one(embedding(weighted, 2, Combiner::kMean, kTable), f.batch()).dense,
                {3, 4});
  const float r4 = std::sqrt(4.f);
  expect_floats(pack_one(embedding(weighted, 2, Combiner::kSqrtn, kTable), f.batch()).dense,
                {6 / r4, 8 / r4});
}

TEST(EmbeddingColumn, OutOfRangeIdWithZeroWeightFailsForSum) {
  Feed f;
  f.coo<int64_t>("ids", {{0, 0, 0}, {0, 0, 1}}, {1, 7}, {1, 1, 2});
  f.coo<float>("w", {{0, 0}, {0, 1}}, {2, 0}, {1, 2});
  const auto weighted = make_weighted_column(identity("ids", 5), "w", DType::kFloat32);
  expect_error([&] { pack_one(embedding(weighted, 2, Combiner::kSum, kTable), f.batch()); },
               Code::kOutOfRange, {"7 is not in [0, 5)"});
}

// ==========================================================================================
// Shared embeddings (compatibility.md §7). Table rows (1, 0), (0, 1), (2, 2).
const std::vector<float> kSharedTable = {1, 0, 0, 1, 2, 2};

EmbeddingSpec shared_spec() {
  EmbeddingSpec spec;
  spec.dimension = 2;
  spec.combiner = Combiner::kSum;
  spec.initial_table = kSharedTable.data();
  spec.initial_table_count = kSharedTable.size();
  return spec;
}

TEST(SharedEmbeddings, ShareOneTableInInputOrder) {
  const auto shared = make_shared_embeddings({identity("bbb", 3), identity("aaa", 3)},
                                             shared_spec(), "");
  ASSERT_EQ(shared.size(), 2u);
  EXPECT_EQ(shared[0]->name(), "bbb_shared_embedding");
  EXPECT_EQ(shared[1]->name(), "aaa_shared_embedding");
  EXPECT_EQ(&shared[0]->table(), &shared[1]->table());
  EXPECT_EQ(shared[0]->table().name(), "aaa_bbb_shared_embedding");
  EXPECT_EQ(shared[0]->table().rows(), 3);
  EXPECT_EQ(shared[0]->table().dimension(), 2);
  for (const auto& c : shared) {
    EXPECT_EQ(c->kind(), ColumnKind::kSharedEmbedding);
    EXPECT_TRUE(c->shared());
    EXPECT_EQ(c->combiner(), Combiner::kSum);
    EXPECT_EQ(c->type_name(), "SharedEmbeddingColumn");
  }
  const auto named = make_shared_embeddings({identity("aaa", 3), identity("bbb", 3)},
                                            shared_spec(), "my_collection");
  EXPECT_EQ(named[0]->table().name(), "my_collection");
}

// Layer order aaa, bbb (sorted). aaa: ex0 {0}, ex1 {2, 1}; bbb: ex0 {1}, ex1 {1, 1}.
// ex0 s0 [E0 | E1] = [1 0 0 1], s1 zeros; ex1 s0 [E2 | E1] = [2 2 0 1], s1 [E1 | E1].
// Then a write through one column's table is seen by the other.
TEST(SharedEmbeddings, PackUsesTheSharedTable) {
  const auto shared = make_shared_embeddings({identity("bbb", 3), identity("aaa", 3)},
                                             shared_spec(), "");
  const SequenceFeatures layer({shared[0], shared[1]});
  EXPECT_EQ(layer.column(0)->name(), "aaa_shared_embedding");
  Feed f;
  f.coo<int64_t>("aaa", {{0, 0}, {1, 0}, {1, 1}}, {0, 2, 1}, {2, 2});
  f.coo<int64_t>("bbb", {{0, 0}, {1, 0}, {1, 1}}, {1, 1, 1}, {2, 2});
  Packed p = pack(layer, f.batch());
  expect_shape(p, 2, 2, 4);
  expect_floats(p.dense, {1, 0, 0, 1, 0, 0, 0, 0, /**/ 2, 2, 0, 1, 0, 1, 0, 1});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{1, 2}));
  const std::vector<float> updated = {0, 0, 5, 5, 0, 0};  // E1 = (5, 5)
  shared[1]->table().set(updated.data(), updated.size());
  p = pack(layer, f.batch());
  expect_floats(p.dense, {0, 0, 5, 5, 0, 0, 0, 0, /**/ 0, 0, 5, 5, 5, 5, 5, 5});
}

TEST(SharedEmbeddings, TypeAndBucketMismatchesRejected) {
  expect_error(
      [] { make_shared_embeddings({identity("aaa", 3),
                                   make_hash_bucket_column("bbb", true, 3, DType::kString)},
                                  shared_spec(), ""); },
      Code::kInvalidArgument,
      {"all categorical_columns must have the same type", "aaa", "bbb"});
  expect_error(
      [] { make_shared_embeddings({identity("aaa", 3), identity("bbb", 4)}, shared_spec(), ""); },
      Code::kInvalidArgument, {"same number of buckets", "aaa", "bbb"});
}

// Weighted and sequence wrappers are unwrapped; sequence and non-sequence columns may share.
TEST(SharedEmbeddings, WeightedAndNonSequenceColumnsMayShare) {
  const auto shared = make_shared_embeddings(
      {make_weighted_column(identity("aaa", 3), "w", DType::kFloat32), identity("bbb", 3),
       make_identity_column("ccc", /*sequence=*/false, 3, std::nullopt)},
      shared_spec(), "");
  ASSERT_EQ(shared.size(), 3u);
  EXPECT_EQ(shared[0]->name(), "aaa_weighted_by_w_shared_embedding");
  EXPECT_EQ(&shared[0]->table(), &shared[2]->table());
  EXPECT_EQ(shared[0]->table().name(), "aaa_weighted_by_w_bbb_ccc_shared_embedding");
}

// ==========================================================================================
// Indicators (compatibility.md §8)

// num_buckets 5, ids [2, 3, 3]: ex0 s0 {1, 1, 3} -> counts [0 2 0 1 0]; s1 {-1, 5, 2} -> only
// 2 counts [0 0 1 0 0]; ex1 s1 {7} -> nothing. Padding steps are zeros. Dropped: -1, 5, 7.
TEST(IndicatorColumn, CountsIdsAndIgnoresOutOfRange) {
  Feed f;
  f.coo<int64_t>("ids",
                 {{0, 0, 0}, {0, 0, 1}, {0, 0, 2}, {0, 1, 0}, {0, 1, 1}, {0, 1, 2}, {1, 1, 0}},
                 {1, 1, 3, -1, 5, 2, 7}, {2, 3, 3});
  const auto col = indicator(identity("ids", 5));
  EXPECT_EQ(col->name(), "ids_indicator");
  EXPECT_EQ(col->width(), 5);
  const Packed p = pack_one(col, f.batch());
  expect_shape(p, 2, 3, 5);
  expect_floats(p.dense, {0, 2, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0,  //
                          0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(p.stats.columns.at(0).dropped_invalid, 3);
}

// Weighted: s0 ids {1, 1, 3} weights {2, 3, 0.5} -> [0 5 0 0.5 0];
// s1 ids {0, 9} weights {-1, 4} -> [-1 0 0 0 0] (weights are summed, not pruned; 9 is out of
// range and dropped).
TEST(IndicatorColumn, WeightedIndicatorSumsWeights) {
  Feed f;
  f.coo<int64_t>("ids", {{0, 0, 0}, {0, 0, 1}, {0, 0, 2}, {0, 1, 0}, {0, 1, 1}}, {1, 1, 3, 0, 9},
                 {1, 2, 3});
  f.coo<float>("w", {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}}, {2, 3, 0.5f, -1, 4}, {1, 5});
  const Packed p = pack_one(
      indicator(make_weighted_column(identity("ids", 5), "w", DType::kFloat32)), f.batch());
  expect_shape(p, 1, 2, 5);
  expect_floats(p.dense, {0, 5, 0, 0.5f, 0, -1, 0, 0, 0, 0});
}

// Vocabulary ['a', 'b'] without OOV buckets: 'zz' -> -1 contributes nothing.
TEST(IndicatorColumn, VocabularyMissContributesNothing) {
  Feed f;
  f.coo_strings("v", {{0, 0}, {0, 1}, {0, 2}}, {"a", "zz", "b"}, {1, 3});
  const Packed p = pack_one(indicator(make_vocabulary_list_column("v", true, {"a", "b"}, -1, 0)),
                            f.batch());
  expect_shape(p, 1, 3, 2);
  expect_floats(p.dense, {1, 0, 0, 0, 0, 1});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3}));
  EXPECT_EQ(p.stats.columns.at(0).oov_hits, 1);
}

}  // namespace
}  // namespace seqfeat
