// The SequenceFeatures layer of the core against hand-derived values: column order and offsets,
// construction and cross-column errors (compatibility.md §9, §10), PackOptions (max_length, padding,
// truncating, strict mode, mask, statistics; compatibility.md §14), the equivalence of COO, ragged and
// dense inputs, and determinism across thread counts.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "backward.h"
#include "column.h"
#include "error.h"
#include "input.h"
#include "sequence_features.h"
#include "thread_pool.h"
#include "core_test_util.h"

namespace seqfeat {
namespace {

using namespace seqfeat::test;

// ==========================================================================================
// The layer

// Given zeta (numeric (2,)), b_indicator (4), a_embedding (3), c (numeric): sorted by name
// a_embedding [0, 3), b_indicator [3, 7), c [7, 8), zeta [8, 10).
// One example, one step: a id 1 -> E1 = (1, 2, 3); b id 2 -> one-hot [0 0 1 0]; c 5;
// zeta (6, 7) (T = 2 / 2 = 1, length ceil(2 / 2) = 1).
TEST(SequenceFeaturesLayer, SortsColumnsByNameAndPacksAtOffsets) {
  const std::vector<float> table = {0, 0, 0, 1, 2, 3};
  const SequenceFeatures layer({numeric("zeta", {2}), indicator(identity("b", 4)),
                                embedding(identity("a", 2), 3, Combiner::kSum, table),
                                numeric("c")});
  ASSERT_EQ(layer.num_columns(), 4u);
  const std::vector<std::string> names = {"a_embedding", "b_indicator", "c", "zeta"};
  const std::vector<int64_t> offsets = {0, 3, 7, 8};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(layer.column(i)->name(), names[i]);
    EXPECT_EQ(layer.offset(i), offsets[i]);
  }
  EXPECT_EQ(layer.depth(), 10);

  Feed f;
  f.coo<int64_t>("a", {{0, 0}}, {1}, {1, 1});
  f.coo<int64_t>("b", {{0, 0}}, {2}, {1, 1});
  f.coo<float>("c", {{0, 0}}, {5}, {1, 1});
  f.coo<float>("zeta", {{0, 0}, {0, 1}}, {6, 7}, {1, 2});
  const Packed p = pack(layer, f.batch());
  expect_shape(p, 1, 1, 10);
  expect_floats(p.dense, {1, 2, 3, 0, 0, 1, 0, 5, 6, 7});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{1}));
  EXPECT_EQ(p.stats.names, names);
}

TEST(SequenceFeaturesLayer, ConstructionErrors) {
  expect_error([] { SequenceFeatures(Columns{}); }, Code::kInvalidArgument,
               {"feature_columns must not be empty."});
  expect_error([] { SequenceFeatures({numeric("a"), numeric("a")}); }, Code::kInvalidArgument,
               {"Duplicate feature column name found for columns: a and a"});
  const std::vector<float> table(6, 0.f);
  expect_error(
      [&] { SequenceFeatures({embedding(identity("a", 3), 2, Combiner::kSum, table),
                              numeric("a_embedding")}); },
      Code::kInvalidArgument, {"Duplicate feature column name", "a_embedding"});
  expect_error([] { SequenceFeatures({numeric("x"), identity("a", 3)}); },
               Code::kInvalidArgument, {"Items of feature_columns must be a SequenceDenseColumn"});
  const auto context_numeric = std::make_shared<NumericColumn>(
      "a", /*sequence=*/false, std::vector<int64_t>{1}, 0.f, DType::kFloat32, Normalizer{});
  expect_error([&] { SequenceFeatures({context_numeric}); }, Code::kInvalidArgument,
               {"Items of feature_columns must be a SequenceDenseColumn"});
}

// compatibility.md §6.2 / §8: accepted at construction, rejected when called, with TF's message.
TEST(SequenceFeaturesLayer, NonSequenceCategoricalRejectedAtPack) {
  const auto context_ids = make_identity_column("aaa", /*sequence=*/false, 3, std::nullopt);
  Feed f;
  f.coo<int64_t>("aaa", {{0, 0}}, {1}, {1, 1});
  const std::vector<float> table(6, 0.f);
  const SequenceFeatures emb({embedding(context_ids, 2, Combiner::kMean, table)});
  for (int call = 0; call < 2; ++call)
    expect_error(
        [&] { call == 0 ? (void)emb.output_shape(f.batch(), {}) : (void)pack(emb, f.batch()); },
        Code::kInvalidArgument,
        {"In embedding_column: aaa_embedding. categorical_column must be of type "
         "SequenceCategoricalColumn to use SequenceFeatures. Suggested fix: Use one of "
         "sequence_categorical_column_with_*."});
  const SequenceFeatures ind({indicator(context_ids)});
  expect_error([&] { pack(ind, f.batch()); }, Code::kInvalidArgument,
               {"In indicator_column: aaa_indicator. categorical_column must be of type "
                "SequenceCategoricalColumn to use SequenceFeatures."});
}

TEST(SequenceFeaturesLayer, BatchSizeMismatchNamesBothColumns) {
  Feed f;
  f.coo<float>("aaa", {{0, 0}}, {1}, {2, 1});
  f.coo<float>("bbb", {{0, 0}}, {1}, {3, 1});
  expect_error([&] { pack(SequenceFeatures({numeric("bbb"), numeric("aaa")}), f.batch()); },
               Code::kInvalidArgument,
               {"Batch size (first dimension) of each feature must be same", "aaa", "bbb"});
}

// aaa lengths [2, 1], bbb lengths [2, 2]: they differ at example 1.
TEST(SequenceFeaturesLayer, LengthMismatchNamesColumnsAndExample) {
  Feed f;
  f.coo<float>("aaa", {{0, 0}, {0, 1}, {1, 0}}, {1, 2, 3}, {2, 2});
  f.coo<float>("bbb", {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, {1, 2, 3, 4}, {2, 2});
  expect_error([&] { pack(SequenceFeatures({numeric("aaa"), numeric("bbb")}), f.batch()); },
               Code::kInvalidArgument,
               {"Condition x == y did not hold element-wise", "aaa", "bbb", "example 1"});
}

// compatibility.md §2: a pruned id (-1) still counts toward the length: ids length [2], numeric [1].
TEST(SequenceFeaturesLayer, PrunedIdsStillCountTowardTheLength) {
  Feed f;
  f.coo<int64_t>("ids", {{0, 0}, {0, 1}}, {1, -1}, {1, 2});
  f.coo<float>("num", {{0, 0}}, {1}, {1, 2});
  const std::vector<float> table(6, 1.f);
  expect_error(
      [&] { pack(SequenceFeatures({embedding(identity("ids", 3), 2, Combiner::kSum, table),
                                   numeric("num")}), f.batch()); },
      Code::kInvalidArgument, {"ids_embedding", "num", "example 0"});
}

// Equal lengths [1] but T 3 vs 4: TF's concat fails; with max_length both are padded.
TEST(SequenceFeaturesLayer, StepsMismatchNamesBothColumns) {
  Feed f;
  f.coo<float>("aaa", {{0, 0}}, {1}, {1, 3});
  f.coo<float>("bbb", {{0, 0}}, {2}, {1, 4});
  const SequenceFeatures layer({numeric("aaa", {1}, -1.f), numeric("bbb", {1}, -2.f)});
  expect_error([&] { pack(layer, f.batch()); }, Code::kInvalidArgument,
               {"Dimensions of inputs should match", "aaa", "bbb"});
  PackOptions options;
  options.max_length = 5;
  const Packed p = pack(layer, f.batch(), options);
  expect_shape(p, 1, 5, 2);
  expect_floats(p.dense, {1, 2, -1, -2, -1, -2, -1, -2, -1, -2});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{1}));
}

TEST(SequenceFeaturesLayer, MissingFeatureAndRankZero) {
  Feed f;
  f.coo<float>("aaa", {{0, 0}}, {1}, {1, 1});
  expect_error([&] { pack(SequenceFeatures({numeric("bbb")}), f.batch()); }, Code::kNotFound,
               {"Feature bbb is not in features dictionary."});
  Batch batch;
  FeatureInput rank0;
  rank0.key = "aaa";
  rank0.form = InputForm::kSparse;
  rank0.rank = 0;
  expect_error([&] { batch.add(rank0); }, Code::kInvalidArgument, {"cannot have rank 0"});
}

// Output buffers are validated before anything is written, and a failing plan writes nothing.
TEST(SequenceFeaturesLayer, NothingIsWrittenOnFailure) {
  Feed f;
  f.coo<float>("aaa", {{0, 0}, {0, 1}}, {1, 2}, {1, 2});
  const SequenceFeatures layer({numeric("aaa")});
  std::vector<float> dense(2, 42.f);
  std::vector<int64_t> lengths(1, 42);
  expect_error([&] { layer.pack_into(f.batch(), {}, dense.data(), 1, lengths.data(), 1, nullptr,
                                     0, nullptr); },
               Code::kBufferTooSmall, {});
  expect_error([&] { layer.pack_into(f.batch(), {}, dense.data(), 2, lengths.data(), 0, nullptr,
                                     0, nullptr); },
               Code::kBufferTooSmall, {});
  std::vector<uint8_t> mask(1, 42);
  expect_error([&] { layer.pack_into(f.batch(), {}, dense.data(), 2, lengths.data(), 1,
                                     mask.data(), 1, nullptr); },
               Code::kBufferTooSmall, {});
  Feed bad;
  bad.coo<float>("aaa", {{0, 1}, {0, 0}}, {1, 2}, {1, 2});
  expect_error([&] { layer.pack_into(bad.batch(), {}, dense.data(), 2, lengths.data(), 1,
                                     mask.data(), 2, nullptr); },
               Code::kInvalidArgument, {});
  EXPECT_EQ(dense, (std::vector<float>{42.f, 42.f}));
  EXPECT_EQ(lengths, (std::vector<int64_t>{42}));
  EXPECT_EQ(mask, (std::vector<uint8_t>{42}));
  PackOptions negative;
  negative.max_length = -1;
  expect_error([&] { layer.output_shape(f.batch(), negative); }, Code::kInvalidArgument,
               {"max_length"});
}

// compatibility.md §10: out[b, t] = concat(sequence[b, t, :], context[b, :]).
TEST(SequenceFeaturesLayer, ConcatenateContextInput) {
  const std::vector<float> context = {10, 20, 30, 40};      // [2, 2]
  const std::vector<float> sequence = {1, 2, 3, 4};         // [2, 2, 1]
  std::vector<float> out(12, std::numeric_limits<float>::quiet_NaN());
  concatenate_context_input(context.data(), 2, sequence.data(), 2, 2, 1, out.data());
  expect_floats(out, {1, 10, 20, 2, 10, 20, 3, 30, 40, 4, 30, 40});
}

// ==========================================================================================
// PackOptions
//
// numeric "num" (default -1) and "ids_embedding" (dimension 1, E[i] = 100 + i) over the same
// layout, [4, 4]: ex0 steps 1 2 3 (L 3), ex1 4 (L 1), ex2 5 6 7 8 (L 4), ex3 nothing (L 0).
// A step holding v packs as [100 + v, v] (embedding first: "ids_embedding" < "num"); padding
// packs as [0, -1].
class PackOptionsTest : public ::testing::Test {
 protected:
  PackOptionsTest()
      : layer_({numeric("num", {1}, -1.f),
                embedding(identity("ids", 10), 1, Combiner::kSum,
                          {100, 101, 102, 103, 104, 105, 106, 107, 108, 109})}) {
    const std::vector<std::vector<int64_t>> idx = {{0, 0}, {0, 1}, {0, 2}, {1, 0},
                                                   {2, 0}, {2, 1}, {2, 2}, {2, 3}};
    feed_.coo<float>("num", idx, {1, 2, 3, 4, 5, 6, 7, 8}, {4, 4});
    feed_.coo<int64_t>("ids", idx, {1, 2, 3, 4, 5, 6, 7, 8}, {4, 4});
  }
  // Expected dense from per-example step contents (0 = padding).
  static std::vector<float> steps(const std::vector<std::vector<int>>& examples) {
    std::vector<float> out;
    for (const auto& ex : examples)
      for (int v : ex) {
        out.push_back(v == 0 ? 0.f : 100.f + static_cast<float>(v));
        out.push_back(v == 0 ? -1.f : static_cast<float>(v));
      }
    return out;
  }
  Packed run(int64_t max_length, bool pad_pre, bool truncate_pre) {
    PackOptions options;
    options.max_length = max_length;
    options.pad_pre = pad_pre;
    options.truncate_pre = truncate_pre;
    return pack(layer_, feed_.batch(), options);
  }
  SequenceFeatures layer_;
  Feed feed_;
};

TEST_F(PackOptionsTest, DefaultFollowsTensorFlow) {
  const Packed p = run(0, false, false);
  expect_shape(p, 4, 4, 2);
  expect_floats(p.dense, steps({{1, 2, 3, 0}, {4, 0, 0, 0}, {5, 6, 7, 8}, {0, 0, 0, 0}}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3, 1, 4, 0}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0}));
  for (const ColumnStats& s : p.stats.columns) {
    EXPECT_EQ(s.steps_truncated, 0);
    EXPECT_EQ(s.empty_examples, 1);
  }
}

// max_length 2; lengths = min(L, 2) = [2, 1, 2, 0]; truncated steps (3 - 2) + (4 - 2) = 3.
TEST_F(PackOptionsTest, ShorterMaxLengthPadPostTruncatePost) {
  const Packed p = run(2, false, false);
  expect_shape(p, 4, 2, 2);
  expect_floats(p.dense, steps({{1, 2}, {4, 0}, {5, 6}, {0, 0}}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1, 2, 0}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 1, 0, 1, 1, 0, 0}));
  for (const ColumnStats& s : p.stats.columns) {
    EXPECT_EQ(s.steps_truncated, 3);
    EXPECT_EQ(s.empty_examples, 1);
  }
}

TEST_F(PackOptionsTest, ShorterMaxLengthPadPostTruncatePre) {
  const Packed p = run(2, false, true);
  expect_floats(p.dense, steps({{2, 3}, {4, 0}, {7, 8}, {0, 0}}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1, 2, 0}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 1, 0, 1, 1, 0, 0}));
}

TEST_F(PackOptionsTest, ShorterMaxLengthPadPreTruncatePost) {
  const Packed p = run(2, true, false);
  expect_floats(p.dense, steps({{1, 2}, {0, 4}, {5, 6}, {0, 0}}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1, 2, 0}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 0, 1, 1, 1, 0, 0}));
}

TEST_F(PackOptionsTest, ShorterMaxLengthPadPreTruncatePre) {
  const Packed p = run(2, true, true);
  expect_floats(p.dense, steps({{2, 3}, {0, 4}, {7, 8}, {0, 0}}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 0, 1, 1, 1, 0, 0}));
}

// max_length 6 > T = 4: nothing truncated, lengths unchanged.
TEST_F(PackOptionsTest, LongerMaxLengthPadPost) {
  const Packed p = run(6, false, true);
  expect_shape(p, 4, 6, 2);
  expect_floats(p.dense, steps({{1, 2, 3, 0, 0, 0}, {4, 0, 0, 0, 0, 0}, {5, 6, 7, 8, 0, 0},
                                {0, 0, 0, 0, 0, 0}}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3, 1, 4, 0}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0,
                                          1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(p.stats.columns.at(0).steps_truncated, 0);
}

TEST_F(PackOptionsTest, LongerMaxLengthPadPre) {
  const Packed p = run(6, true, false);
  expect_floats(p.dense, steps({{0, 0, 0, 1, 2, 3}, {0, 0, 0, 0, 0, 4}, {0, 0, 5, 6, 7, 8},
                                {0, 0, 0, 0, 0, 0}}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3, 1, 4, 0}));
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1,
                                          0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0}));
}

// Strict mode turns truncation into an error naming the first truncated example (ex0, 3 steps).
TEST_F(PackOptionsTest, StrictTruncationFails) {
  PackOptions options;
  options.max_length = 2;
  options.strict = true;
  expect_error([&] { pack(layer_, feed_.batch(), options); }, Code::kOutOfRange,
               {"example 0", "max_length 2"});
  options.max_length = 4;  // nothing is cut
  expect_floats(pack(layer_, feed_.batch(), options).dense,
                steps({{1, 2, 3, 0}, {4, 0, 0, 0}, {5, 6, 7, 8}, {0, 0, 0, 0}}));
}

// Gaps inside the length are steps: one value at step 2 (L 3). pad pre to 5: two padding
// steps, then the two gap steps and the value; the mask marks the gaps as steps.
// truncate pre to 2: steps 1 (gap) and 2.
TEST(PackOptions, GapsInsideTheLengthAreSteps) {
  Feed f;
  f.coo<float>("num", {{0, 2}}, {9}, {1, 3});
  f.coo<int64_t>("ids", {{0, 2}}, {9}, {1, 3});
  std::vector<float> table(10);
  for (int i = 0; i < 10; ++i) table[i] = 100.f + static_cast<float>(i);
  const SequenceFeatures layer(
      {numeric("num", {1}, -1.f), embedding(identity("ids", 10), 1, Combiner::kSum, table)});
  PackOptions options;
  options.max_length = 5;
  options.pad_pre = true;
  Packed p = pack(layer, f.batch(), options);
  expect_floats(p.dense, {0, -1, 0, -1, 0, -1, 0, -1, 109, 9});
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{0, 0, 1, 1, 1}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3}));
  options.max_length = 2;
  options.pad_pre = false;
  options.truncate_pre = true;
  p = pack(layer, f.batch(), options);
  expect_floats(p.dense, {0, -1, 109, 9});
  EXPECT_EQ(p.mask, (std::vector<uint8_t>{1, 1}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
  EXPECT_EQ(p.stats.columns.at(0).steps_truncated, 1);
}

// Vocabulary ['a', 'b'] without OOV buckets, embedding E = (1), (2). ex1 step 2 is 'zz'.
TEST(PackOptions, StrictOovWithoutOovBucketsNamesColumnExampleStepValue) {
  Feed f;
  f.coo_strings("v", {{0, 0}, {1, 0}, {1, 1}, {1, 2}}, {"a", "b", "b", "zz"}, {2, 3});
  const SequenceFeatures layer({embedding(
      make_vocabulary_list_column("v", true, {"a", "b"}, -1, 0), 1, Combiner::kSum, {1, 2})});
  PackOptions strict;
  strict.strict = true;
  expect_error([&] { pack(layer, f.batch(), strict); }, Code::kOutOfRange,
               {"v_embedding", "\"zz\"", "example 1", "step 2"});
  // Not strict: the miss is id -1, dropped (zero step), counted in the statistics.
  const Packed p = pack(layer, f.batch());
  expect_floats(p.dense, {1, 0, 0, 2, 2, 0});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(p.stats.columns.at(0).oov_hits, 1);
  EXPECT_EQ(p.stats.columns.at(0).dropped_invalid, 1);
  // With one OOV bucket the miss has id 2 + 0 and strict mode has nothing to report.
  const SequenceFeatures with_oov({embedding(
      make_vocabulary_list_column("v", true, {"a", "b"}, -1, 1), 1, Combiner::kSum, {1, 2, 3})});
  const Packed q = pack(with_oov, f.batch(), strict);
  expect_floats(q.dense, {1, 0, 0, 2, 2, 3});
  EXPECT_EQ(q.stats.columns.at(0).oov_hits, 1);
  EXPECT_EQ(q.stats.columns.at(0).dropped_invalid, 0);
}

// Identity 5 buckets without default: 9 reaching an indicator and -3 reaching an embedding
// are silently dropped, or errors in strict mode.
TEST(PackOptions, StrictOutOfRangeIdsNameColumnExampleStepValue) {
  Feed f;
  f.coo<int64_t>("ids", {{0, 0}, {0, 1}, {1, 0}}, {1, 9, -3}, {2, 2});
  PackOptions strict;
  strict.strict = true;
  const SequenceFeatures ind({indicator(identity("ids", 5))});
  expect_error([&] { pack(ind, f.batch(), strict); }, Code::kOutOfRange,
               {"ids_indicator", "9", "example 0", "step 1"});
  const Packed p = pack(ind, f.batch());
  expect_floats(p.dense, {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  EXPECT_EQ(p.stats.columns.at(0).dropped_invalid, 2);

  Feed g;
  g.coo<int64_t>("ids", {{0, 0}, {1, 0}}, {1, -3}, {2, 1});
  const SequenceFeatures emb(
      {embedding(identity("ids", 5), 1, Combiner::kSum, {10, 11, 12, 13, 14})});
  expect_error([&] { pack(emb, g.batch(), strict); }, Code::kOutOfRange,
               {"ids_embedding", "-3", "example 1", "step 0"});
  const Packed q = pack(emb, g.batch());
  expect_floats(q.dense, {11, 0});
  EXPECT_EQ(q.stats.columns.at(0).dropped_invalid, 1);
}

// Statistics on a crafted batch, layout [3, 2]: ex0 steps 0-1, ex1 step 0, ex2 empty.
//   i_embedding  identity 4, no default: -1, 2, -7      -> dropped 2
//   j_indicator  identity 4, default 0:   9, 1, -2      -> 2 values replaced by the default
//   n            numeric                                -> nothing
//   v_embedding  vocabulary a b c + 2 OOV: a, x, y      -> 2 OOV hits, nothing dropped
//   w_indicator  vocabulary a b, no OOV:   q, a, b      -> 1 OOV hit, its -1 dropped
// max_length 1 cuts one step of ex0; ex2 is empty.
TEST(PackOptions, StatisticsOnACraftedBatch) {
  const std::vector<std::vector<int64_t>> idx = {{0, 0}, {0, 1}, {1, 0}};
  Feed f;
  f.coo<int64_t>("i", idx, {-1, 2, -7}, {3, 2});
  f.coo<int64_t>("j", idx, {9, 1, -2}, {3, 2});
  f.coo<float>("n", idx, {1, 2, 3}, {3, 2});
  f.coo_strings("v", idx, {"a", "x", "y"}, {3, 2});
  f.coo_strings("w", idx, {"q", "a", "b"}, {3, 2});
  const SequenceFeatures layer(
      {indicator(make_vocabulary_list_column("w", true, {"a", "b"}, -1, 0)),
       embedding(make_vocabulary_list_column("v", true, {"a", "b", "c"}, -1, 2), 1,
                 Combiner::kSum, {0, 0, 0, 0, 0}),
       numeric("n"), indicator(identity("j", 4, 0)),
       embedding(identity("i", 4), 1, Combiner::kSum, {0, 0, 0, 0})});
  PackOptions options;
  options.max_length = 1;
  const Packed p = pack(layer, f.batch(), options);
  EXPECT_EQ(p.stats.names, (std::vector<std::string>{"i_embedding", "j_indicator", "n",
                                                      "v_embedding", "w_indicator"}));
  ASSERT_EQ(p.stats.columns.size(), 5u);
  const int64_t dropped[] = {2, 0, 0, 0, 1};
  const int64_t oov[] = {0, 2, 0, 2, 1};
  for (size_t c = 0; c < 5; ++c) {
    SCOPED_TRACE(p.stats.names[c]);
    EXPECT_EQ(p.stats.columns[c].dropped_invalid, dropped[c]);
    EXPECT_EQ(p.stats.columns[c].oov_hits, oov[c]);
    EXPECT_EQ(p.stats.columns[c].steps_truncated, 1);
    EXPECT_EQ(p.stats.columns[c].empty_examples, 1);
  }
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{1, 1, 0}));
}

// compatibility.md §3: a 3-D numeric input holds data past its TF length (which ignores K). (2, 2, 2),
// shape (1,), default -1: ex0 [1 2 3 -1] (length 2, data in steps 0-2), ex1 [-1 4 -1 -1]
// (length 1, data in step 1). max_length >= T keeps all of it; a cut is counted.
TEST(PackOptions, ThreeDimensionalNumericKeepsDataPastItsLength) {
  Feed f;
  f.coo<float>("num", {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {1, 0, 1}}, {1, 2, 3, 4}, {2, 2, 2});
  const SequenceFeatures layer({numeric("num", {1}, -1.f)});
  PackOptions options;
  Packed p = pack(layer, f.batch(), options);
  expect_floats(p.dense, {1, 2, 3, -1, -1, 4, -1, -1});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
  options.max_length = 4;
  p = pack(layer, f.batch(), options);
  expect_floats(p.dense, {1, 2, 3, -1, -1, 4, -1, -1});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(p.stats.columns.at(0).steps_truncated, 0);
  options.max_length = 5;
  p = pack(layer, f.batch(), options);
  expect_floats(p.dense, {1, 2, 3, -1, -1, -1, 4, -1, -1, -1});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
  options.max_length = 2;  // ex0 loses step 2 (value 3)
  p = pack(layer, f.batch(), options);
  expect_floats(p.dense, {1, 2, -1, 4});
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(p.stats.columns.at(0).steps_truncated, 1);
}

// Empty batches and zero-length time axes pack without touching NULL buffers.
TEST(PackOptions, ZeroSizedBatches) {
  const SequenceFeatures layer({numeric("num", {1}, -1.f)});
  Feed none;
  none.coo<float>("num", {}, {}, {0, 3});
  const OutputShape shape = layer.output_shape(none.batch(), {});
  EXPECT_EQ(shape.batch, 0);
  EXPECT_EQ(shape.steps, 3);
  EXPECT_EQ(shape.depth, 1);
  layer.pack_into(none.batch(), {}, nullptr, 0, nullptr, 0, nullptr, 0, nullptr);
  Feed empty_steps;
  empty_steps.coo<float>("num", {}, {}, {2, 0});
  const Packed p = pack(layer, empty_steps.batch());
  expect_shape(p, 2, 0, 1);
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{0, 0}));
  EXPECT_EQ(p.stats.columns.at(0).empty_examples, 2);
  PackOptions negative;
  negative.num_threads = -1;
  expect_error([&] { layer.output_shape(none.batch(), negative); }, Code::kInvalidArgument,
               {"num_threads"});
}

// ==========================================================================================
// COO, ragged and dense inputs with the same content give the same output.

Packed pack_all(const SequenceFeatures& layer, const Feed& f) { return pack(layer, f.batch()); }

void expect_same(const Packed& a, const Packed& b) {
  EXPECT_EQ(a.shape.batch, b.shape.batch);
  EXPECT_EQ(a.shape.steps, b.shape.steps);
  EXPECT_EQ(a.shape.depth, b.shape.depth);
  EXPECT_EQ(a.dense, b.dense);
  EXPECT_EQ(a.lengths, b.lengths);
  EXPECT_EQ(a.mask, b.mask);
}

// Identity 6, embedding (mean, E[i] = (i, 10 i)) and indicator over the same ids.
// Content ex0 [1 2 3], ex1 [4], ex2 [], ex3 [5 0] -> lengths [3, 1, 0, 2], T = 3.
TEST(InputForms, IdsTwoDimensional) {
  const std::vector<float> table = {0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50};
  const auto ids = identity("ids", 6);
  const SequenceFeatures layer(
      {embedding(ids, 2, Combiner::kMean, table), indicator(ids)});
  Feed coo, rag, den;
  coo.coo<int64_t>("ids", {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {3, 0}, {3, 1}}, {1, 2, 3, 4, 5, 0},
                   {4, 3});
  rag.ragged<int64_t>("ids", {0, 3, 4, 4, 6}, {}, {1, 2, 3, 4, 5, 0});
  den.dense<int64_t>("ids", {4, 3}, {1, 2, 3, 4, -1, -1, -1, -1, -1, 5, 0, -1});
  const Packed a = pack_all(layer, coo);
  expect_shape(a, 4, 3, 8);
  EXPECT_EQ(a.lengths, (std::vector<int64_t>{3, 1, 0, 2}));
  // Hand expectation: a step with id v is [v, 10 v, onehot(v)]; empty steps are zero.
  const std::vector<std::vector<int>> content = {{1, 2, 3}, {4}, {}, {5, 0}};
  std::vector<float> expected(4 * 3 * 8, 0.f);
  for (size_t b = 0; b < 4; ++b)
    for (size_t t = 0; t < content[b].size(); ++t) {
      float* row = expected.data() + (b * 3 + t) * 8;
      const int v = content[b][t];
      row[0] = static_cast<float>(v);
      row[1] = 10.f * static_cast<float>(v);
      row[2 + v] = 1.f;
    }
  expect_floats(a.dense, expected);
  expect_same(a, pack_all(layer, rag));
  expect_same(a, pack_all(layer, den));
}

// Multivalent steps. ex0: s0 {1, 2}, s1 {} (inside the length), s2 {3}; ex1: s0 {4, 4}.
// Ragged uses step_splits with an empty step; dense uses -1 cells.
// mean: ex0 s0 (1.5, 15), s2 (3, 30); ex1 s0 (4, 40). indicator counts: ex1 s0 bucket 4 = 2.
TEST(InputForms, IdsThreeDimensional) {
  const std::vector<float> table = {0, 0, 1, 10, 2, 20, 3, 30, 4, 40, 5, 50};
  const auto ids = identity("ids", 6);
  const SequenceFeatures layer(
      {embedding(ids, 2, Combiner::kMean, table), indicator(ids)});
  Feed coo, rag, den;
  coo.coo<int64_t>("ids", {{0, 0, 0}, {0, 0, 1}, {0, 2, 0}, {1, 0, 0}, {1, 0, 1}},
                   {1, 2, 3, 4, 4}, {2, 3, 2});
  rag.ragged<int64_t>("ids", {0, 3, 4}, {0, 2, 2, 3, 5}, {1, 2, 3, 4, 4});
  den.dense<int64_t>("ids", {2, 3, 2}, {1, 2, -1, -1, 3, -1, 4, 4, -1, -1, -1, -1});
  const Packed a = pack_all(layer, coo);
  expect_shape(a, 2, 3, 8);
  EXPECT_EQ(a.lengths, (std::vector<int64_t>{3, 1}));
  expect_floats(a.dense, {1.5f, 15, 0, 1, 1, 0, 0, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 0,
                          /**/ 3, 30, 0, 0, 0, 1, 0, 0,
                          /**/ 4, 40, 0, 0, 0, 0, 2, 0, /**/ 0, 0, 0, 0, 0, 0, 0, 0,
                          /**/ 0, 0, 0, 0, 0, 0, 0, 0});
  expect_same(a, pack_all(layer, rag));
  expect_same(a, pack_all(layer, den));
}

// Strings. s_embedding: vocabulary a b c + 1 OOV bucket (E = 10, 20, 30, 40), so the miss 'd'
// is id 3 + 0 -> 40. s_indicator: hash into 10 buckets, a -> 9, b -> 2, c -> 2, d -> 5.
// Content ex0 [b d], ex1 [], ex2 [c a b].
TEST(InputForms, Strings) {
  const SequenceFeatures layer(
      {embedding(make_vocabulary_list_column("s", true, {"a", "b", "c"}, -1, 1), 1,
                 Combiner::kSum, {10, 20, 30, 40}),
       indicator(make_hash_bucket_column("s", true, 10, DType::kString))});
  Feed coo, rag, den;
  coo.coo_strings("s", {{0, 0}, {0, 1}, {2, 0}, {2, 1}, {2, 2}}, {"b", "d", "c", "a", "b"},
                  {3, 3});
  rag.ragged_strings("s", {0, 2, 2, 5}, {}, {"b", "d", "c", "a", "b"});
  den.dense_strings("s", {3, 3}, {"b", "d", "", "", "", "", "c", "a", "b"});
  const Packed a = pack_all(layer, coo);
  expect_shape(a, 3, 3, 11);
  EXPECT_EQ(a.lengths, (std::vector<int64_t>{2, 0, 3}));
  struct Step { float emb; int bucket; };
  const std::vector<std::vector<Step>> content = {
      {{20, 2}, {40, 5}}, {}, {{30, 2}, {10, 9}, {20, 2}}};
  std::vector<float> expected(3 * 3 * 11, 0.f);
  for (size_t b = 0; b < 3; ++b)
    for (size_t t = 0; t < content[b].size(); ++t) {
      float* row = expected.data() + (b * 3 + t) * 11;
      row[0] = content[b][t].emb;
      row[1 + content[b][t].bucket] = 1.f;
    }
  expect_floats(a.dense, expected);
  expect_same(a, pack_all(layer, rag));
  expect_same(a, pack_all(layer, den));
}

// Numbers, shape (2,), default -1. Ragged content ex0 [1 2 3 4], ex1 [5 6], ex2 [] as COO and
// as ragged with and without step_splits; full content as COO, dense and ragged.
TEST(InputForms, Numbers) {
  const SequenceFeatures layer({numeric("num", {2}, -1.f)});
  {
    Feed coo, flat, stepped;
    coo.coo<float>("num", {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {1, 0}, {1, 1}}, {1, 2, 3, 4, 5, 6},
                   {3, 4});
    flat.ragged<float>("num", {0, 4, 6, 6}, {}, {1, 2, 3, 4, 5, 6});
    stepped.ragged<float>("num", {0, 2, 3, 3}, {0, 2, 4, 6}, {1, 2, 3, 4, 5, 6});
    const Packed a = pack_all(layer, coo);
    expect_floats(a.dense, {1, 2, 3, 4, 5, 6, -1, -1, -1, -1, -1, -1});
    EXPECT_EQ(a.lengths, (std::vector<int64_t>{2, 1, 0}));
    expect_same(a, pack_all(layer, flat));
    expect_same(a, pack_all(layer, stepped));
  }
  {
    Feed coo, den, rag;
    coo.coo<int64_t>("num",
                     {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {1, 0}, {1, 1}, {1, 2}, {1, 3}},
                     {1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
    den.dense<double>("num", {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
    rag.ragged<int32_t>("num", {0, 4, 8}, {}, {1, 2, 3, 4, 5, 6, 7, 8});
    const Packed a = pack_all(layer, coo);
    expect_floats(a.dense, {1, 2, 3, 4, 5, 6, 7, 8});
    EXPECT_EQ(a.lengths, (std::vector<int64_t>{2, 2}));
    expect_same(a, pack_all(layer, den));
    expect_same(a, pack_all(layer, rag));
  }
}

// ==========================================================================================
// Embeddings through the packer at every kernel dimension, against compatibility.md §6.3 evaluated
// here in double precision on the raw input (random 3-D ids with negatives and repeats, weights
// with zeros and negatives, max_norm, all combiners, with and without a pre-truncating window).
TEST(EmbeddingThroughThePacker, MatchesTheSpecAtEveryDimension) {
  constexpr int64_t B = 37, T = 9, K = 4, kBuckets = 60;
  std::mt19937_64 rng(5);
  std::vector<std::vector<int64_t>> idx, widx;
  std::vector<int64_t> ids;
  std::vector<float> weights;
  std::vector<int64_t> lengths(B, 0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t) {
      if (rng() % 4 == 0) continue;  // empty step (a gap, or the tail)
      const auto bag = static_cast<int64_t>(1 + rng() % K);
      for (int64_t k = 0; k < bag; ++k) {
        idx.push_back({b, t, k});
        widx.push_back({static_cast<int64_t>(widx.size())});
        ids.push_back(static_cast<int64_t>(rng() % (kBuckets + 2)) - 2);
        const auto pick = rng() % 6;
        weights.push_back(pick == 0 ? 0.f
                          : pick == 1 ? -0.75f
                                      : static_cast<float>(1 + rng() % 40) / 16.f);
      }
      lengths[b] = t + 1;
    }
  Feed f;
  f.coo<int64_t>("ids", idx, ids, {B, T, K});
  f.coo<float>("w", widx, weights, {static_cast<int64_t>(weights.size())});

  for (int64_t dim : {1, 3, 8, 16, 32, 64, 100, 128, 300}) {
    for (Combiner combiner : {Combiner::kSum, Combiner::kMean, Combiner::kSqrtn})
      for (bool weighted : {false, true})
        for (bool clip : {false, true}) {
          SCOPED_TRACE(::testing::Message() << "D " << dim << " combiner "
                                            << static_cast<int>(combiner) << " weighted "
                                            << weighted << " max_norm " << clip);
          EmbeddingSpec spec;
          spec.dimension = dim;
          spec.combiner = combiner;
          spec.seed = static_cast<uint64_t>(dim);
          const float max_norm = 0.9f;  // rows have norm ~ 1 (stddev 1 / sqrt(D))
          if (clip) spec.max_norm = max_norm;
          std::shared_ptr<const CategoricalColumn> cat = identity("ids", kBuckets);
          if (weighted) cat = make_weighted_column(cat, "w", DType::kFloat32);
          const auto col = make_embedding_column(cat, spec);
          const float* table = col->table().data();
          for (int64_t window : {int64_t{0}, int64_t{5}}) {
            SCOPED_TRACE(window);
            PackOptions options;
            options.max_length = window;
            options.truncate_pre = true;
            const Packed p = pack(SequenceFeatures({col}), f.batch(), options);
            const int64_t steps = window ? window : T;
            ASSERT_EQ(p.dense.size(), static_cast<size_t>(B * steps * dim));
            // Oracle: natural step t of example b lands at t - first when window is set.
            std::vector<double> expected(p.dense.size(), 0.0), magnitude(p.dense.size(), 0.0);
            size_t i = 0;
            while (i < idx.size()) {
              const int64_t b = idx[i][0], t = idx[i][1];
              size_t end = i;
              while (end < idx.size() && idx[end][0] == b && idx[end][1] == t) ++end;
              const int64_t first = window && lengths[b] > window ? lengths[b] - window : 0;
              const int64_t out_t = t - first;
              if (out_t >= 0 && out_t < steps) {
                std::vector<double> acc(static_cast<size_t>(dim), 0.0), mag(acc);
                int64_t n = 0;
                double wsum = 0, w2sum = 0;
                for (size_t e = i; e < end; ++e) {
                  if (ids[e] < 0) continue;
                  const double w = weighted ? weights[e] : 1.0;
                  if (weighted && combiner != Combiner::kSum && !(w > 0)) continue;
                  const float* row = table + ids[e] * dim;
                  double scale = 1.0;
                  if (clip) {
                    double l2 = 0;
                    for (int64_t d = 0; d < dim; ++d) l2 += static_cast<double>(row[d]) * row[d];
                    scale = max_norm / std::max(std::sqrt(l2), static_cast<double>(max_norm));
                  }
                  for (int64_t d = 0; d < dim; ++d) {
                    acc[d] += w * scale * row[d];
                    mag[d] += std::fabs(w * scale * row[d]);
                  }
                  ++n;
                  wsum += w;
                  w2sum += w * w;
                }
                double denom = 1;
                if (combiner == Combiner::kMean) denom = weighted ? wsum : static_cast<double>(n);
                if (combiner == Combiner::kSqrtn)
                  denom = std::sqrt(weighted ? w2sum : static_cast<double>(n));
                if (n > 0)
                  for (int64_t d = 0; d < dim; ++d) {
                    expected[(b * steps + out_t) * dim + d] = acc[d] / denom;
                    magnitude[(b * steps + out_t) * dim + d] = mag[d] / std::fabs(denom);
                  }
              }
              i = end;
            }
            for (size_t j = 0; j < expected.size(); ++j)
              ASSERT_LE(std::fabs(p.dense[j] - expected[j]),
                        1e-5 * std::max(std::fabs(expected[j]), magnitude[j]))
                  << "at flat index " << j << ": " << p.dense[j] << " vs " << expected[j];
          }
        }
  }
}

// ==========================================================================================
// Threads: the output does not depend on num_threads. B * T * depth = 512 * 48 * 50 plus the
// gathered rows is several times the 2^18 work units per thread of the packer, so 2 and 4
// threads really split the batch.
TEST(Threads, OneTwoAndFourThreadsGiveIdenticalOutput) {
  constexpr int64_t B = 512, T = 48, K = 3;
  std::mt19937_64 rng(2024);
  std::vector<std::vector<int64_t>> ids_idx, cat_idx, num_idx;
  std::vector<int64_t> ids_val, cat_val;
  std::vector<float> num_val;
  for (int64_t b = 0; b < B; ++b) {
    const auto length = static_cast<int64_t>(rng() % (T + 1));
    for (int64_t t = 0; t < length; ++t) {
      const auto bag = static_cast<int64_t>(1 + rng() % K);
      for (int64_t k = 0; k < bag; ++k) {
        ids_idx.push_back({b, t, k});
        ids_val.push_back(static_cast<int64_t>(rng() % 1002) - 2);  // some negative ids
      }
      cat_idx.push_back({b, t});
      cat_val.push_back(static_cast<int64_t>(rng() % 20));  // 16..19 are out of range
      for (int64_t j = 0; j < 2; ++j) {
        num_idx.push_back({b, 2 * t + j});
        num_val.push_back(static_cast<float>(rng() % 1000) / 7.f);
      }
    }
  }
  Feed f;
  f.coo<int64_t>("ids", ids_idx, ids_val, {B, T, K});
  f.coo<int64_t>("cat", cat_idx, cat_val, {B, T});
  f.coo<float>("num", num_idx, num_val, {B, 2 * T});
  EmbeddingSpec spec;
  spec.dimension = 32;
  spec.combiner = Combiner::kSqrtn;
  spec.max_norm = 0.5f;
  spec.seed = 7;
  const SequenceFeatures layer({make_embedding_column(identity("ids", 1000), spec),
                                indicator(identity("cat", 16)), numeric("num", {2})});
  ASSERT_EQ(layer.depth(), 50);
  // kAlways: the batch really splits whatever the measured costs; kMeasured: as decided per
  // call (one thread or several, the output must not change).
  for (const SplitPolicy policy : {SplitPolicy::kAlways, SplitPolicy::kMeasured})
  for (const auto& [max_length, pre] : {std::pair<int64_t, bool>{0, false}, {40, true}}) {
    SCOPED_TRACE(static_cast<int>(policy));
    SCOPED_TRACE(max_length);
    set_split_policy(policy);
    PackOptions options;
    options.max_length = max_length;
    options.pad_pre = pre;
    options.truncate_pre = pre;
    options.num_threads = 1;
    const Packed one = pack(layer, f.batch(), options);
    bool any_nonzero = false;
    for (float x : one.dense) any_nonzero |= x != 0.f;
    EXPECT_TRUE(any_nonzero);
    for (int threads : {2, 4}) {
      SCOPED_TRACE(threads);
      options.num_threads = threads;
      const Packed many = pack(layer, f.batch(), options);
      ASSERT_EQ(many.dense.size(), one.dense.size());
      EXPECT_EQ(std::memcmp(many.dense.data(), one.dense.data(),
                            one.dense.size() * sizeof(float)), 0);
      EXPECT_EQ(many.lengths, one.lengths);
      EXPECT_EQ(many.mask, one.mask);
    }
    // The backward pass splits its tables' ids by the same kind of model: the gradient must
    // not depend on the thread count either.
    std::vector<float> grad(one.dense.size());
    std::mt19937 grad_rng(3);
    std::uniform_real_distribution<float> uniform(-1.f, 1.f);
    for (float& g : grad) g = uniform(grad_rng);
    const int64_t grad_shape[3] = {one.shape.batch, one.shape.steps, one.shape.depth};
    options.num_threads = 1;
    Gradients single;
    backward(layer, f.batch(), options, grad.data(), grad_shape, 3, single);
    ASSERT_EQ(single.num_tables, 1u);
    const TableGradient& g1 = single.tables[0];
    ASSERT_GT(g1.count, 500);
    for (int threads : {2, 4}) {
      SCOPED_TRACE(threads);
      options.num_threads = threads;
      Gradients split;
      backward(layer, f.batch(), options, grad.data(), grad_shape, 3, split);
      ASSERT_EQ(split.num_tables, 1u);
      const TableGradient& gn = split.tables[0];
      ASSERT_EQ(gn.count, g1.count);
      EXPECT_EQ(gn.ids, g1.ids);
      ASSERT_EQ(gn.rows.size(), g1.rows.size());
      EXPECT_EQ(std::memcmp(gn.rows.data(), g1.rows.data(), g1.rows.size() * sizeof(float)), 0);
    }
  }
  set_split_policy(SplitPolicy::kMeasured);
}

// ==========================================================================================
// Retained plan: a shape query followed by the pack of the same batch and options plans once
// (the callback normalizer counts the values planned), a pack that finds a buffer too small
// keeps its plan for the retry, and anything else plans again -- the output always equals a
// fresh pack's (a naive x * 2 reference here).
float count_and_double(float x, void* calls) {
  ++*static_cast<int*>(calls);
  return 2.f * x;
}

TEST(RetainedPlan, ShapeQueryThenPackPlansOnce) {
  int calls = 0;
  Normalizer norm;
  norm.kind = NormalizerKind::kCallback;
  norm.fn = count_and_double;
  norm.user_data = &calls;
  const SequenceFeatures layer({numeric("x", {1}, -1.f, norm)});
  Feed f;
  f.ragged<float>("x", {0, 2, 5}, {}, {1.f, 2.f, 3.f, 4.f, 5.f});
  const std::vector<float> expected = {2.f, 4.f, -1.f, 6.f, 8.f, 10.f};

  const Packed once = pack(layer, f.batch());  // output_shape, then pack_into
  EXPECT_EQ(calls, 5);
  expect_floats(once.dense, expected);

  // A second pack of the same batch plans again (the retained plan was used up).
  std::vector<float> dense(6);
  std::vector<int64_t> lengths(2);
  layer.pack_into(f.batch(), {}, dense.data(), dense.size(), lengths.data(), 2, nullptr, 0,
                  nullptr);
  EXPECT_EQ(calls, 10);
  expect_floats(dense, expected);

  // Too small, then large enough: one plan for both.
  std::vector<float> small(3);
  expect_error([&] {
    layer.pack_into(f.batch(), {}, small.data(), small.size(), lengths.data(), 2, nullptr, 0,
                    nullptr);
  }, Code::kBufferTooSmall, {"needs 6"});
  EXPECT_EQ(calls, 15);
  std::fill(dense.begin(), dense.end(), 0.f);
  layer.pack_into(f.batch(), {}, dense.data(), dense.size(), lengths.data(), 2, nullptr, 0,
                  nullptr);
  EXPECT_EQ(calls, 15);
  expect_floats(dense, expected);
  EXPECT_EQ(lengths, (std::vector<int64_t>{2, 3}));

  // Other options, another layer's plan in between, or a changed batch: planned again.
  PackOptions cut;
  cut.max_length = 2;
  EXPECT_EQ(layer.output_shape(f.batch(), {}).steps, 3);
  EXPECT_EQ(calls, 20);
  std::vector<float> two(4);
  layer.pack_into(f.batch(), cut, two.data(), two.size(), lengths.data(), 2, nullptr, 0, nullptr);
  EXPECT_EQ(calls, 25);
  expect_floats(two, {2.f, 4.f, 6.f, 8.f});

  const SequenceFeatures other({numeric("x", {1}, -1.f, norm)});
  EXPECT_EQ(layer.output_shape(f.batch(), {}).batch, 2);
  EXPECT_EQ(other.output_shape(f.batch(), {}).batch, 2);
  EXPECT_EQ(calls, 35);
  layer.pack_into(f.batch(), {}, dense.data(), dense.size(), lengths.data(), 2, nullptr, 0,
                  nullptr);
  EXPECT_EQ(calls, 40);
  expect_floats(dense, expected);

  Feed g;
  g.ragged<float>("x", {0, 1, 2}, {}, {7.f, 8.f});
  EXPECT_EQ(layer.output_shape(f.batch(), {}).steps, 3);
  std::vector<float> dense_g(2);
  layer.pack_into(g.batch(), {}, dense_g.data(), dense_g.size(), lengths.data(), 2, nullptr, 0,
                  nullptr);
  EXPECT_EQ(calls, 47);
  expect_floats(dense_g, {14.f, 16.f});
}

}  // namespace
}  // namespace seqfeat
