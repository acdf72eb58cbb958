// seqfeat_batch_set (every feature of a batch in one call), the fixed-width and UTF-32 string
// layouts, seqfeat_features_pack_into_shape and seqfeat_stats_values: each checked against the
// same input given through the one-feature seqfeat_batch_add_* calls.
#include <random>

#include "../common/naive_utf8.h"
#include "capi_test_util.h"

namespace sftest {
namespace {

seqfeat_feature Feature(const char* key) {
  seqfeat_feature f;
  seqfeat_feature_default(&f);
  f.key = key;
  return f;
}

// Random strings of 0..6 code points, unless `ascii` half of them outside ASCII (2-, 3- and
// 4-byte UTF-8).
std::vector<std::u32string> RandomText(std::mt19937_64& rng, size_t n, bool ascii = false) {
  const char32_t alphabet[] = {U'a', U'b', U'z', U'0', U' ', U'\u00e9', U'\u03a9', U'\u4e2d',
                               U'\U0001F600', U'\u07ff', U'\u0800', U'\uffff', U'\U0010FFFF'};
  const size_t letters = ascii ? 5 : std::size(alphabet);
  std::vector<std::u32string> out(n);
  for (auto& s : out) {
    const size_t len = rng() % 7;
    for (size_t i = 0; i < len; ++i) s.push_back(alphabet[rng() % letters]);
  }
  return out;
}

std::vector<int64_t> RaggedIds(const seqfeat_column* column, const seqfeat_feature& f) {
  Batch batch;
  EXPECT_EQ(seqfeat_batch_set(batch.get(), &f, 1), SEQFEAT_OK) << seqfeat_last_error_message();
  SparseOut s;
  EXPECT_TRUE(IsStatus(GetSparse(column, batch, &s), SEQFEAT_OK));
  return s.ids;
}

void ExpectLayoutsGiveTheIdsOfOffsets(const std::vector<std::u32string>& text) {
  const size_t n = text.size();
  std::vector<std::string> utf8;
  size_t width = 1;
  for (const auto& s : text) {
    utf8.push_back(seqfeat::test::naive_utf8(s));
    width = std::max({width, s.size(), utf8.back().size()});
  }
  // Reference: Arrow-style offsets + bytes through seqfeat_batch_add_ragged_strings.
  const Strings strings(utf8);
  const std::vector<int64_t> splits = {0, 100, 100, static_cast<int64_t>(n)};
  std::vector<std::string> vocabulary(utf8.begin(), utf8.begin() + 40);
  std::sort(vocabulary.begin(), vocabulary.end());
  vocabulary.erase(std::unique(vocabulary.begin(), vocabulary.end()), vocabulary.end());
  std::vector<ColumnPtr> columns;
  columns.push_back(Hash("t", 1000));
  columns.push_back(VocabStrings("t", vocabulary, -1, 5));
  for (const ColumnPtr& column : columns) {
    ASSERT_TRUE(column);
    Batch reference;
    SF_ASSERT_OK(seqfeat_batch_add_ragged_strings(reference.get(), "t", 3, splits.data(), 0,
                                                  nullptr, strings.offsets.data(),
                                                  strings.bytes.data(), static_cast<int64_t>(n)));
    SparseOut want;
    ASSERT_TRUE(IsStatus(GetSparse(column.get(), reference, &want), SEQFEAT_OK));

    // Fixed-width bytes padded with NULs (numpy 'S').
    std::vector<char> fixed(n * width, '\0');
    for (size_t i = 0; i < n; ++i) std::memcpy(&fixed[i * width], utf8[i].data(), utf8[i].size());
    seqfeat_feature f = Feature("t");
    f.form = SEQFEAT_FORM_RAGGED;
    f.batch_size = 3;
    f.row_splits = splits.data();
    f.num_values = static_cast<int64_t>(n);
    f.dtype = SEQFEAT_DTYPE_STRING;
    f.string_layout = SEQFEAT_STRINGS_FIXED;
    f.values = fixed.data();
    f.string_itemsize = width;
    EXPECT_EQ(RaggedIds(column.get(), f), want.ids);

    // UTF-32 padded with NUL code points (numpy 'U').
    std::vector<char32_t> wide(n * width, U'\0');
    for (size_t i = 0; i < n; ++i) std::copy(text[i].begin(), text[i].end(), &wide[i * width]);
    f.string_layout = SEQFEAT_STRINGS_UTF32;
    f.values = wide.data();
    f.string_itemsize = width * 4;
    EXPECT_EQ(RaggedIds(column.get(), f), want.ids);

    // Offsets and views through the descriptor.
    f.string_layout = SEQFEAT_STRINGS_OFFSETS;
    f.values = strings.bytes.data();
    f.string_offsets = strings.offsets.data();
    EXPECT_EQ(RaggedIds(column.get(), f), want.ids);
    std::vector<seqfeat_string_view> views;
    for (const std::string& s : utf8) views.push_back({s.data(), s.size()});
    f.string_layout = SEQFEAT_STRINGS_VIEWS;
    f.values = views.data();
    EXPECT_EQ(RaggedIds(column.get(), f), want.ids);

    // NUL-separated bytes (one join of the strings).
    std::string separated;
    for (size_t i = 0; i < n; ++i) {
      if (i) separated += '\0';
      separated += utf8[i];
    }
    f.string_layout = SEQFEAT_STRINGS_SEPARATED;
    f.values = separated.data();
    f.string_offsets = nullptr;
    f.string_itemsize = separated.size();
    EXPECT_EQ(RaggedIds(column.get(), f), want.ids);
  }
}

TEST(CapiBatchSet, StringLayoutsGiveTheIdsOfOffsets) {
  std::mt19937_64 rng(11);
  for (bool ascii : {false, true}) {
    SCOPED_TRACE(ascii ? "ASCII text" : "text with multi-byte code points");
    ExpectLayoutsGiveTheIdsOfOffsets(RandomText(rng, 300, ascii));
  }
}

TEST(CapiBatchSet, DenseUtf32DropsEmptyCells) {
  ColumnPtr column = Hash("t", 100);
  ASSERT_TRUE(column);
  const char32_t cells[2][2][3] = {{{U'a', 0, 0}, {0, 0, 0}}, {{U'\u00e9', U'x', 0}, {U'b', 0, 0}}};
  const int64_t shape[] = {2, 2};
  seqfeat_feature f = Feature("t");
  f.form = SEQFEAT_FORM_DENSE;
  f.shape = shape;
  f.rank = 2;
  f.dtype = SEQFEAT_DTYPE_STRING;
  f.string_layout = SEQFEAT_STRINGS_UTF32;
  f.values = cells;
  f.string_itemsize = 12;
  Batch batch;
  SF_ASSERT_OK(seqfeat_batch_set(batch.get(), &f, 1));
  SparseOut got;
  ASSERT_TRUE(IsStatus(GetSparse(column.get(), batch, &got), SEQFEAT_OK));

  const Strings strings({"a", "", "\xc3\xa9x", "b"});
  Batch reference;
  SF_ASSERT_OK(seqfeat_batch_add_dense_strings(reference.get(), "t", shape, 2,
                                               strings.offsets.data(), strings.bytes.data()));
  SparseOut want;
  ASSERT_TRUE(IsStatus(GetSparse(column.get(), reference, &want), SEQFEAT_OK));
  EXPECT_EQ(got.ids, want.ids);
  EXPECT_EQ(got.indices, want.indices);
  EXPECT_EQ(got.ids.size(), 3u);
}

// A ragged string feature of one example holding splits[1] values.
seqfeat_feature OneExample(const char* key, const int64_t* splits, int32_t layout,
                           const void* values, size_t itemsize) {
  seqfeat_feature f = Feature(key);
  f.form = SEQFEAT_FORM_RAGGED;
  f.batch_size = 1;
  f.row_splits = splits;
  f.num_values = splits[1];
  f.dtype = SEQFEAT_DTYPE_STRING;
  f.string_layout = layout;
  f.values = values;
  f.string_itemsize = itemsize;
  return f;
}

TEST(CapiBatchSet, BadInputNamesTheFeatureAndEmptiesTheBatch) {
  const int64_t splits[] = {0, 1};
  const char32_t surrogate[] = {0xD800};
  const char32_t fine[] = {U'q'};
  seqfeat_feature f[2] = {OneExample("good", splits, SEQFEAT_STRINGS_UTF32, fine, 4),
                          OneExample("bad", splits, SEQFEAT_STRINGS_UTF32, surrogate, 4)};
  Batch batch;
  const Outcome o = Capture(seqfeat_batch_set(batch.get(), f, 2));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"bad", "value 0", "D800"}));
  // The batch is empty afterwards: "good" is gone too.
  ColumnPtr column = Hash("good", 10);
  SparseOut s;
  EXPECT_TRUE(IsStatus(GetSparse(column.get(), batch, &s), SEQFEAT_ERR_NOT_FOUND));

  f[1].string_itemsize = 6;
  EXPECT_TRUE(IsStatus(Capture(seqfeat_batch_set(batch.get(), f, 2)), SEQFEAT_ERR_INVALID_ARGUMENT));
  f[1].key = nullptr;
  EXPECT_TRUE(IsStatus(Capture(seqfeat_batch_set(batch.get(), f, 2)), SEQFEAT_ERR_INVALID_ARGUMENT));
  f[1].key = "bad";
  f[1].struct_size = 8;
  EXPECT_TRUE(IsStatus(Capture(seqfeat_batch_set(batch.get(), f, 2)), SEQFEAT_ERR_INVALID_ARGUMENT));
  SF_EXPECT_INVALID(seqfeat_batch_set(nullptr, f, 1));
  SF_EXPECT_INVALID(seqfeat_batch_set(batch.get(), nullptr, 1));
  SF_ASSERT_OK(seqfeat_batch_set(batch.get(), nullptr, 0));
}

TEST(CapiBatchSet, SeparatedStringsNeedOneNulBetweenEachTwo) {
  const int64_t splits[] = {0, 3};
  const char bytes[] = "ab\0c\0\0d";  // 3 NULs in the first 7 bytes: 4 strings
  seqfeat_feature f = OneExample("sep", splits, SEQFEAT_STRINGS_SEPARATED, bytes, 7);
  Batch batch;
  const Outcome o = Capture(seqfeat_batch_set(batch.get(), &f, 1));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"sep", "3 strings", "need 2 NUL bytes", "hold 3"})) << o.message;
  f.string_itemsize = 5;  // "ab", "c", ""
  ColumnPtr column = Hash("sep", 1000);
  const Strings strings({"ab", "c", ""});
  Batch reference;
  SF_ASSERT_OK(seqfeat_batch_add_ragged_strings(reference.get(), "sep", 1, splits, 0, nullptr,
                                                strings.offsets.data(), strings.bytes.data(), 3));
  SparseOut want;
  ASSERT_TRUE(IsStatus(GetSparse(column.get(), reference, &want), SEQFEAT_OK));
  EXPECT_EQ(RaggedIds(column.get(), f), want.ids);
  f.values = nullptr;
  EXPECT_TRUE(
      IsStatus(Capture(seqfeat_batch_set(batch.get(), &f, 1)), SEQFEAT_ERR_INVALID_ARGUMENT));
}

TEST(CapiBatchSet, RefilledBatchPacksLikeFreshOnes) {
  ColumnPtr ids = Identity("ids", 50);
  ASSERT_TRUE(ids);
  ColumnPtr emb = Embedding(ids.get(), {.dimension = 4, .combiner = SEQFEAT_COMBINER_SUM});
  ColumnPtr num = Numeric("x");
  FeaturesPtr layer = Layer({emb.get(), num.get()});
  ASSERT_TRUE(layer);
  std::mt19937_64 rng(5);
  Batch reused;
  for (int round = 0; round < 6; ++round) {
    const int64_t B = 1 + static_cast<int64_t>(rng() % 5);
    std::vector<int64_t> splits{0};
    for (int64_t b = 0; b < B; ++b) splits.push_back(splits.back() + static_cast<int64_t>(rng() % 4));
    const int64_t n = splits.back();
    std::vector<int64_t> values(static_cast<size_t>(n));
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      values[i] = static_cast<int64_t>(rng() % 50);
      x[i] = static_cast<float>(rng() % 1000) / 10.f;
    }
    seqfeat_feature f[2] = {Feature("ids"), Feature("x")};
    for (seqfeat_feature& g : f) {
      g.form = SEQFEAT_FORM_RAGGED;
      g.batch_size = B;
      g.row_splits = splits.data();
      g.num_values = n;
    }
    f[0].dtype = SEQFEAT_DTYPE_INT64;
    f[0].values = values.data();
    f[1].dtype = SEQFEAT_DTYPE_FLOAT32;
    f[1].values = x.data();
    // Every other round, only one feature first: keys are dropped and added back.
    if (round % 2) SF_ASSERT_OK(seqfeat_batch_set(reused.get(), f + 1, 1));
    SF_ASSERT_OK(seqfeat_batch_set(reused.get(), f, 2));

    Batch fresh;
    SF_ASSERT_OK(seqfeat_batch_add_ragged(fresh.get(), "ids", B, splits.data(), 0, nullptr,
                                          SEQFEAT_DTYPE_INT64, values.data(), n));
    SF_ASSERT_OK(seqfeat_batch_add_ragged(fresh.get(), "x", B, splits.data(), 0, nullptr,
                                          SEQFEAT_DTYPE_FLOAT32, x.data(), n));
    Packed want;
    ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), fresh, &want));

    // pack_into_shape into larger buffers: the shape says how much was written.
    std::vector<float> dense(want.dense.size() + 7, -1.f);
    std::vector<int64_t> lengths(want.lengths.size() + 3, -1);
    std::vector<uint8_t> mask(want.mask.size() + 5, 0xAB);
    int64_t shape[3] = {-1, -1, -1};
    StatsPtr stats;
    {
      seqfeat_stats* s = nullptr;
      SF_ASSERT_OK(seqfeat_stats_create(&s));
      stats.reset(s);
    }
    SF_ASSERT_OK(seqfeat_features_pack_into_shape(layer.get(), reused.get(), nullptr, dense.data(),
                                                  dense.size(), lengths.data(), lengths.size(),
                                                  mask.data(), mask.size(), stats.get(), shape));
    EXPECT_EQ(shape[0], want.B);
    EXPECT_EQ(shape[1], want.T);
    EXPECT_EQ(shape[2], want.D);
    EXPECT_EQ(std::vector<float>(dense.begin(), dense.begin() + want.dense.size()), want.dense);
    EXPECT_EQ(std::vector<int64_t>(lengths.begin(), lengths.begin() + B), want.lengths);
    EXPECT_EQ(std::vector<uint8_t>(mask.begin(), mask.begin() + want.mask.size()), want.mask);

    int64_t counters[2 * SEQFEAT_STAT_COUNT];
    SF_ASSERT_OK(seqfeat_stats_values(stats.get(), counters, 2 * SEQFEAT_STAT_COUNT));
    int64_t empty = 0;
    for (int64_t b = 0; b < B; ++b) empty += splits[b + 1] == splits[b];
    for (size_t c = 0; c < 2; ++c) {
      EXPECT_EQ(counters[c * SEQFEAT_STAT_COUNT + SEQFEAT_STAT_EMPTY_EXAMPLES], empty);
      int64_t one = -1;
      SF_ASSERT_OK(seqfeat_stats_get(stats.get(), c, SEQFEAT_STAT_EMPTY_EXAMPLES, &one));
      EXPECT_EQ(one, empty);
    }
    EXPECT_TRUE(IsStatus(Capture(seqfeat_stats_values(stats.get(), counters, 7)),
                         SEQFEAT_ERR_BUFFER_TOO_SMALL));

    // Too small: an error, nothing written, the shape untouched.
    if (want.dense.size() > 0) {
      std::vector<float> small(want.dense.size() - 1, -2.f);
      int64_t untouched[3] = {-9, -9, -9};
      EXPECT_TRUE(IsStatus(Capture(seqfeat_features_pack_into_shape(
                               layer.get(), reused.get(), nullptr, small.data(), small.size(),
                               lengths.data(), lengths.size(), nullptr, 0, nullptr, untouched)),
                           SEQFEAT_ERR_BUFFER_TOO_SMALL));
      EXPECT_EQ(untouched[0], -9);
      EXPECT_TRUE(std::all_of(small.begin(), small.end(), [](float v) { return v == -2.f; }));
    }
  }
}

}  // namespace
}  // namespace sftest
