// The header-only C++ layer (seqfeat.hpp): RAII ownership, move-only handles, exceptions with
// the library's status and message, and the values of the seed example through it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <type_traits>
#include <vector>

#include "seqfeat/seqfeat.hpp"

namespace {

using seqfeat::batch;
using seqfeat::column;
using seqfeat::column_view;
using seqfeat::embedding_options;
using seqfeat::pack_options;
using seqfeat::sequence_features;
using seqfeat::string_array;

static_assert(!std::is_copy_constructible_v<column>);
static_assert(std::is_nothrow_move_constructible_v<column>);
static_assert(!std::is_copy_constructible_v<batch>);
static_assert(std::is_nothrow_move_constructible_v<batch>);
static_assert(!std::is_copy_constructible_v<seqfeat::tensor>);
static_assert(!std::is_copy_constructible_v<seqfeat::stats>);
static_assert(!std::is_copy_constructible_v<sequence_features>);
static_assert(std::is_nothrow_move_constructible_v<sequence_features>);
static_assert(std::is_copy_constructible_v<column_view>);
static_assert(std::is_base_of_v<std::exception, seqfeat::error>);

// The examples' table: table[i][j] = (i % 100) * 0.01 + j * 0.001.
std::vector<float> example_table(int rows, int dimension) {
  std::vector<float> table(static_cast<size_t>(rows * dimension));
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < dimension; ++j)
      table[static_cast<size_t>(i * dimension + j)] =
          static_cast<float>(i % 100) * 0.01f + static_cast<float>(j) * 0.001f;
  return table;
}

const std::vector<int64_t> kIndices = {0, 0, 0, 1, 1, 0, 1, 1, 1, 2};
const std::vector<int64_t> kDenseShape = {2, 5};
const std::vector<float> kRatings = {3.0f, 5.0f, 1.0f, 2.0f, 3.0f};
const std::vector<int64_t> kWatches = {12, 34, 7, 7, 999};

struct Seed {
  std::vector<float> table = example_table(1000, 10);
  column rating = column::numeric("rating");
  column watches = column::identity("watches", 1000);
  column embedding;
  Seed() {
    embedding_options options(10);
    options.initial_table = table;
    embedding = column::embedding(watches, options);
  }
};

std::vector<float> seed_expected(const std::vector<float>& table) {
  std::vector<float> expected(2 * 5 * 11, 0.0f);
  const int steps[5][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}, {1, 2}};
  for (int e = 0; e < 5; ++e) {
    const size_t at = static_cast<size_t>((steps[e][0] * 5 + steps[e][1]) * 11);
    expected[at] = kRatings[static_cast<size_t>(e)];
    for (size_t j = 0; j < 10; ++j)
      expected[at + 1 + j] = table[static_cast<size_t>(kWatches[static_cast<size_t>(e)]) * 10 + j];
  }
  return expected;
}

TEST(CppHeader, SeedExampleThroughOwnedTensors) {
  Seed seed;
  sequence_features layer({seed.embedding, seed.rating});  // sorted by name
  EXPECT_EQ(layer.num_columns(), 2u);
  EXPECT_EQ(layer.column(0).name(), "rating");
  EXPECT_EQ(layer.column(1).name(), "watches_embedding");
  EXPECT_FALSE(layer.column(2));
  EXPECT_EQ(layer.column_slice(1), std::make_pair(int64_t{1}, int64_t{10}));
  EXPECT_EQ(layer.depth(), 11);

  batch features;
  features.add_sparse("rating", kIndices, kDenseShape, kRatings);
  features.add_sparse("watches", kIndices, kDenseShape, kWatches);
  seqfeat::packed out = layer.pack(features);
  EXPECT_EQ(out.dense.shape(), (std::vector<int64_t>{2, 5, 11}));
  EXPECT_EQ(out.dense.dtype(), SEQFEAT_DTYPE_FLOAT32);
  const std::vector<float> dense = out.dense.to_vector<float>();
  const std::vector<float> expected = seed_expected(seed.table);
  ASSERT_EQ(dense.size(), expected.size());
  for (size_t i = 0; i < dense.size(); ++i) EXPECT_FLOAT_EQ(dense[i], expected[i]) << i;
  EXPECT_EQ(out.sequence_length.to_vector<int64_t>(), (std::vector<int64_t>{2, 3}));
  EXPECT_FALSE(out.mask);
  EXPECT_THROW(out.dense.data<int64_t>(), seqfeat::error);
}

TEST(CppHeader, PackIntoCallerBuffersWithMaskAndStats) {
  Seed seed;
  sequence_features layer({seed.rating, seed.embedding});
  batch features;
  features.add_sparse("rating", kIndices, kDenseShape, kRatings);
  features.add_sparse("watches", kIndices, kDenseShape, kWatches);
  const pack_options options;
  const seqfeat::output_shape shape = layer.shape(features, options);
  EXPECT_EQ(shape.batch, 2);
  EXPECT_EQ(shape.steps, 5);
  EXPECT_EQ(shape.depth, 11);
  std::vector<float> dense(shape.dense_size());
  std::vector<int64_t> lengths(shape.lengths_size());
  std::vector<uint8_t> mask(shape.mask_size());
  seqfeat::stats stats;
  layer.pack_into(features, options, dense, lengths, &mask, &stats);
  EXPECT_EQ(lengths, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(mask, (std::vector<uint8_t>{1, 1, 0, 0, 0, 1, 1, 1, 0, 0}));
  const std::vector<float> expected = seed_expected(seed.table);
  for (size_t i = 0; i < dense.size(); ++i) EXPECT_FLOAT_EQ(dense[i], expected[i]) << i;
  EXPECT_EQ(stats.num_columns(), 2u);
  EXPECT_EQ(stats.column_name(0), "rating");
  EXPECT_EQ(stats.get("watches_embedding", SEQFEAT_STAT_DROPPED_INVALID), 0);
  EXPECT_THROW(stats.get("nope", SEQFEAT_STAT_OOV_HITS), seqfeat::error);

  // A too-small buffer throws BUFFER_TOO_SMALL and leaves the buffer as it was.
  std::vector<float> small(10, 7.0f);
  try {
    layer.pack_into(features, options, small.data(), small.size(), lengths.data(),
                    lengths.size());
    FAIL() << "expected seqfeat::error";
  } catch (const seqfeat::error& e) {
    EXPECT_EQ(e.status(), SEQFEAT_ERR_BUFFER_TOO_SMALL);
    EXPECT_STREQ(e.status_string(), "buffer too small");
  }
  for (float v : small) EXPECT_EQ(v, 7.0f);
}

TEST(CppHeader, ErrorsCarryStatusAndMessage) {
  try {
    column::identity("watches", 0);
    FAIL() << "expected seqfeat::error";
  } catch (const seqfeat::error& e) {
    EXPECT_EQ(e.status(), SEQFEAT_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("watches"), std::string::npos) << e.what();
  }
  Seed seed;
  sequence_features layer({seed.rating, seed.embedding});
  batch features;
  features.add_sparse("rating", kIndices, kDenseShape, kRatings);
  try {
    layer.pack(features);
    FAIL() << "expected seqfeat::error";
  } catch (const seqfeat::error& e) {
    EXPECT_EQ(e.status(), SEQFEAT_ERR_NOT_FOUND);
    EXPECT_NE(std::string(e.what()).find("watches"), std::string::npos) << e.what();
  }
  EXPECT_THROW(sequence_features({seed.watches}), seqfeat::error);
  EXPECT_THROW(features.add_sparse("x", std::vector<int64_t>{0, 0, 0}, kDenseShape, kRatings),
               seqfeat::error);
}

TEST(CppHeader, MovesTransferOwnership) {
  column a = column::identity("ids", 5);
  const seqfeat_column* raw = a.get();
  column b = std::move(a);
  EXPECT_EQ(b.get(), raw);
  EXPECT_EQ(a.get(), nullptr);  // NOLINT(bugprone-use-after-move): moved-from is empty
  column c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_EQ(c.num_buckets(), 5);

  // The embedding keeps its categorical column alive after the handle is gone.
  embedding_options options(2);
  options.initial_table = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  column embedding = column::embedding(c, options);
  c.reset();
  EXPECT_EQ(embedding.categorical().name(), "ids");
  EXPECT_EQ(embedding.table_shape(), std::make_pair(int64_t{5}, int64_t{2}));

  sequence_features layer({embedding});
  sequence_features moved = std::move(layer);
  EXPECT_EQ(moved.depth(), 2);

  // Mean of rows 1 and 2 = [3, 4] (compatibility.md §6.3).
  const std::vector<int64_t> indices = {0, 0, 0, 0, 0, 1};
  const std::vector<int64_t> dense_shape = {1, 1, 2};
  const std::vector<int64_t> ids = {1, 2};
  batch features;
  features.add_sparse("ids", indices, dense_shape, ids);
  batch moved_batch = std::move(features);
  auto out = moved.pack(moved_batch);
  EXPECT_EQ(out.dense.to_vector<float>(), (std::vector<float>{3.0f, 4.0f}));
}

TEST(CppHeader, StringsVocabulariesAndHashes) {
  // Vocabulary list: marlo -> 2, skywalker -> -1 (dropped by the indicator), omar -> 0.
  column words = column::vocabulary_list("aaa", string_array{"omar", "stringer", "marlo"});
  EXPECT_EQ(words.kind(), SEQFEAT_COLUMN_VOCABULARY_LIST);
  column indicator = column::indicator(words);
  EXPECT_EQ(indicator.variable_shape(), (std::vector<int64_t>{3}));

  const std::vector<int64_t> indices = {0, 0, 0, 1, 0, 2};
  const std::vector<int64_t> dense_shape = {1, 3};
  batch features;
  features.add_sparse_strings("aaa", indices, dense_shape,
                              std::vector<std::string>{"marlo", "skywalker", "omar"});
  const seqfeat::sparse_tensors sparse = words.get_sparse_tensors(features);
  EXPECT_EQ(sparse.ids.to_vector<int64_t>(), (std::vector<int64_t>{2, -1, 0}));
  EXPECT_EQ(sparse.dense_shape.to_vector<int64_t>(), (std::vector<int64_t>{1, 3, 1}));
  EXPECT_FALSE(sparse.weights);
  auto dense = indicator.get_sequence_dense_tensor(features);
  EXPECT_EQ(dense.first.to_vector<float>(),
            (std::vector<float>{0, 0, 1, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(dense.second.to_vector<int64_t>(), (std::vector<int64_t>{3}));

  // Hash buckets (Fingerprint64 mod 10): a, b, c, d -> 9, 2, 2, 5.
  column tags = column::hash_bucket("tags", 10);
  const std::vector<int64_t> four = {0, 0, 0, 1, 0, 2, 0, 3};
  const std::vector<int64_t> four_shape = {1, 4};
  const string_array abcd{"a", "b", "c", "d"};
  batch tag_batch;
  tag_batch.add_sparse_strings("tags", four, four_shape, abcd);
  EXPECT_EQ(tags.get_sparse_tensors(tag_batch).ids.to_vector<int64_t>(),
            (std::vector<int64_t>{9, 2, 2, 5}));

  // (pointer, length) views of the caller's strings, sparse and dense.
  const std::string a = "a", d = "d";
  const std::vector<std::string_view> views = {a, d, a, d};
  batch view_batch;
  view_batch.add_sparse_string_views("tags", four, four_shape, views);
  EXPECT_EQ(tags.get_sparse_tensors(view_batch).ids.to_vector<int64_t>(),
            (std::vector<int64_t>{9, 5, 9, 5}));
  view_batch.add_dense_string_views("tags", four_shape, views);
  EXPECT_EQ(tags.get_sparse_tensors(view_batch).ids.to_vector<int64_t>(),
            (std::vector<int64_t>{9, 5, 9, 5}));

  // variable_shape of a rank beyond the header layer's first guess of 8 dims.
  seqfeat::numeric_options deep;
  deep.shape = {1, 2, 1, 1, 1, 1, 1, 1, 1, 3};
  EXPECT_EQ(column::numeric("deep", deep).variable_shape(), deep.shape);

  // Integer vocabulary and a missing vocabulary file.
  column ints = column::vocabulary_list("n", std::vector<int64_t>{30, 35, 11});
  EXPECT_EQ(ints.num_buckets(), 3);
  try {
    column::vocabulary_file("v", "/nonexistent-seqfeat-dir/vocab.txt");
    FAIL() << "expected seqfeat::error";
  } catch (const seqfeat::error& e) {
    EXPECT_EQ(e.status(), SEQFEAT_ERR_NOT_FOUND);
  }
}

TEST(CppHeader, SharedEmbeddingsAndTables) {
  column aaa = column::identity("aaa", 3);
  column bbb = column::identity("bbb", 3);
  embedding_options options(2);
  options.initial_table = {0, 1, 2, 3, 4, 5};
  std::vector<column> shared = column::shared_embeddings({bbb, aaa}, options);
  ASSERT_EQ(shared.size(), 2u);
  EXPECT_EQ(shared[0].name(), "bbb_shared_embedding");
  EXPECT_EQ(shared[1].name(), "aaa_shared_embedding");
  EXPECT_EQ(shared[0].table_name(), "aaa_bbb_shared_embedding");
  shared[0].table_set({10, 11, 12, 13, 14, 15});
  EXPECT_EQ(shared[1].table_get(), (std::vector<float>{10, 11, 12, 13, 14, 15}));
  EXPECT_THROW(shared[1].table_set({1, 2, 3}), seqfeat::error);
}

TEST(CppHeader, RaggedAndDenseInputs) {
  Seed seed;
  sequence_features layer({seed.rating, seed.embedding});
  const std::vector<int64_t> row_splits = {0, 2, 5};
  batch features;
  features.add_ragged("rating", row_splits, {}, kRatings);
  features.add_ragged("watches", row_splits, {}, kWatches);
  auto out = layer.pack(features);
  EXPECT_EQ(out.dense.shape(), (std::vector<int64_t>{2, 3, 11}));
  EXPECT_EQ(out.sequence_length.to_vector<int64_t>(), (std::vector<int64_t>{2, 3}));

  // Dense integer ids: -1 cells are dropped.
  column ids = column::identity("ids", 3);
  column indicator = column::indicator(ids);
  sequence_features one({indicator});
  const std::vector<int64_t> shape = {2, 2};
  const std::vector<int64_t> values = {2, -1, 0, 1};
  batch dense;
  dense.add_dense("ids", shape, values);
  auto packed = one.pack(dense);
  EXPECT_EQ(packed.dense.to_vector<float>(),
            (std::vector<float>{0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0}));
  EXPECT_EQ(packed.sequence_length.to_vector<int64_t>(), (std::vector<int64_t>{1, 2}));
}

TEST(CppHeader, ConcatenateContextAndVersion) {
  const auto out = seqfeat::concatenate_context_input({10, 20}, 1, {1, 2, 3, 4}, 2, 2, 1);
  EXPECT_EQ(out, (std::vector<float>{1, 10, 2, 10, 3, 20, 4, 20}));
  EXPECT_THROW(seqfeat::concatenate_context_input({10}, 1, {1, 2, 3, 4}, 2, 2, 1),
               seqfeat::error);
  EXPECT_EQ(seqfeat::version_number(), static_cast<uint32_t>(SEQFEAT_VERSION_NUMBER));
  EXPECT_STREQ(seqfeat::version_string(), SEQFEAT_VERSION_STRING);
}

}  // namespace

namespace {

TEST(CppHeader, PlanPacksFromSuppliedRowsAndReturnsGradientRows) {
  column ids = column::identity("a", 10);
  embedding_options options(2);
  options.combiner = SEQFEAT_COMBINER_SUM;
  options.initial_table.resize(20);
  for (size_t i = 0; i < 20; ++i) options.initial_table[i] = static_cast<float>(i);
  column embedding = column::embedding(ids, options);
  sequence_features layer({embedding});
  // Example 0: steps {3, 5} and {3}; example 1: step {5}.
  const std::vector<int64_t> row_splits = {0, 2, 3}, step_splits = {0, 2, 3, 4};
  const std::vector<int64_t> values = {3, 5, 3, 5};
  batch features;  // views the vectors above
  features.add_ragged("a", row_splits, step_splits, values);
  const seqfeat::packed want = layer.pack(features);
  seqfeat::plan plan = layer.plan(features);
  features = batch();  // the plan no longer needs the inputs
  ASSERT_EQ(plan.num_tables(), 1u);
  const seqfeat::planned_table table = plan.table(0);
  EXPECT_EQ(table.name, "a_embedding/embedding_weights");
  EXPECT_EQ(table.ids, (std::vector<int64_t>{3, 5}));
  EXPECT_EQ(table.dimension, 2);
  const seqfeat::output_shape shape = plan.shape();
  EXPECT_EQ(shape.dense_size(), 8u);

  const std::vector<std::vector<float>> rows = {{6, 7, 10, 11}};  // rows 3 and 5 of the table
  std::vector<float> dense(shape.dense_size(), -1.f);
  std::vector<int64_t> lengths(shape.lengths_size(), -1);
  plan.pack_into(rows, dense, lengths);
  EXPECT_EQ(dense, want.dense.to_vector<float>());
  EXPECT_EQ(dense, (std::vector<float>{16, 18, 6, 7, 10, 11, 0, 0}));
  EXPECT_EQ(lengths, (std::vector<int64_t>{2, 1}));

  // grad[b, t, d] = 1 + 10 b + 100 t + d. id 3: (b 0, t 0) + (b 0, t 1); id 5: (0, 0) + (1, 0).
  const std::vector<float> grad = {1, 2, 101, 102, 11, 12, 111, 112};
  const std::vector<std::vector<float>> gradient = plan.backward(rows, grad, {2, 2, 2});
  EXPECT_EQ(gradient, (std::vector<std::vector<float>>{{102, 104, 12, 14}}));

  const std::vector<std::vector<float>> partial = {{6, 7, 10}};
  try {
    plan.pack_into(partial, dense, lengths);
    ADD_FAILURE() << "a partial row was accepted";
  } catch (const seqfeat::error& e) {
    EXPECT_EQ(e.status(), SEQFEAT_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("a_embedding/embedding_weights"), std::string::npos);
  }
  EXPECT_THROW(plan.backward(rows, grad, {2, 4, 1}), seqfeat::error);
  EXPECT_EQ(dense, (std::vector<float>{16, 18, 6, 7, 10, 11, 0, 0}));  // untouched
}

}  // namespace
