// Saving and loading layers (pipeline.json + tables.safetensors): round trips of every column
// kind and option with bit-identical output, memory-mapped read-only tables, and one test per
// kind of malformed artifact.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "core_test_util.h"
#include "dense_features.h"
#include "pipeline_io.h"
#include "safetensors.h"

namespace seqfeat {
namespace {

using namespace test;
using nlohmann::json;
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "seqfeat_io_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// Every column kind and option, as sequence columns.
Columns every_sequence_column(const std::string& vocab_file, const std::string& int_vocab_file) {
  Columns cols;
  cols.push_back(std::make_shared<NumericColumn>(
      "price", true, std::vector<int64_t>{2}, 0.5f, DType::kFloat64,
      Normalizer{NormalizerKind::kZScore, 1.5f, 0.25f}));
  cols.push_back(std::make_shared<NumericColumn>("clicks", true, std::vector<int64_t>{1}, -1.f,
                                                 DType::kInt64,
                                                 Normalizer{NormalizerKind::kLog1p}));
  cols.push_back(std::make_shared<NumericColumn>("ratio", true, std::vector<int64_t>{1}, 0.f,
                                                 DType::kFloat32,
                                                 Normalizer{NormalizerKind::kClip, -0.5f, 0.75f}));
  cols.push_back(std::make_shared<NumericColumn>(
      "scaled", true, std::vector<int64_t>{1}, 0.f, DType::kFloat32,
      Normalizer{NormalizerKind::kScaleShift, 3.f, 0.1f}));

  EmbeddingSpec spec;
  spec.dimension = 3;
  spec.combiner = Combiner::kSum;
  spec.seed = 7;
  cols.push_back(make_embedding_column(make_identity_column("ids", true, 6, 2), spec));
  spec.combiner = Combiner::kSqrtn;
  spec.max_norm = 0.4f;
  cols.push_back(make_embedding_column(
      make_weighted_column(make_identity_column("wids", true, 5, std::nullopt), "wids_w",
                           DType::kFloat32),
      spec));
  spec.combiner = Combiner::kMean;
  spec.max_norm.reset();
  spec.trainable = false;
  cols.push_back(make_embedding_column(
      make_vocabulary_list_column("words", true, std::vector<std::string>{"a", "b", "c"}, -1, 2),
      spec));
  spec.trainable = true;
  for (auto& c : make_shared_embeddings(
           {make_hash_bucket_column("tag_a", true, 10, DType::kString),
            make_hash_bucket_column("tag_b", true, 10, DType::kInt64)},
           spec, ""))
    cols.push_back(c);
  cols.push_back(std::make_shared<IndicatorColumn>(
      make_vocabulary_list_column("codes", true, std::vector<int64_t>{10, 20, 30}, DType::kInt64,
                                  1, 0)));
  cols.push_back(std::make_shared<IndicatorColumn>(make_vocabulary_file_column(
      "fruit", true, vocab_file, -1, 1, std::nullopt, DType::kString)));
  spec.dimension = 2;
  cols.push_back(make_embedding_column(
      make_vocabulary_file_column("years", true, int_vocab_file, 2, 0, 0, DType::kInt64), spec));
  return cols;
}

// A batch reading every key of every_sequence_column, with misses, OOV values and weights.
void feed_all(Feed& f) {
  // Every feature has lengths [2, 1]: sequence lengths must agree between columns.
  f.ragged<double>("price", {0, 2, 3}, {0, 2, 4, 6}, {1.0, 2.0, 3.0, 4.0, 5.0, 6.0});
  f.ragged<int64_t>("clicks", {0, 2, 3}, {}, {4, 0, 9});
  f.ragged<float>("ratio", {0, 2, 3}, {}, {-2.f, 0.5f, 3.f});
  f.ragged<float>("scaled", {0, 2, 3}, {}, {0.25f, -1.f, 2.f});
  f.ragged<int64_t>("ids", {0, 2, 3}, {0, 2, 3, 4}, {0, 5, 3, 9});
  f.ragged<int64_t>("wids", {0, 2, 3}, {0, 2, 3, 4}, {1, 4, 2, 0});
  f.ragged<float>("wids_w", {0, 2, 3}, {0, 2, 3, 4}, {0.5f, 2.f, -1.f, 3.f});
  f.ragged_strings("words", {0, 2, 3}, {}, {"a", "zz", "c"});
  f.ragged_strings("tag_a", {0, 2, 3}, {}, {"x", "y", "z"});
  f.ragged<int64_t>("tag_b", {0, 2, 3}, {}, {17, -4, 5});
  f.ragged<int64_t>("codes", {0, 2, 3}, {0, 2, 3, 4}, {10, 99, 30, 20});
  f.ragged_strings("fruit", {0, 2, 3}, {}, {"apple", "kiwi", "pear"});
  f.ragged<int64_t>("years", {0, 2, 3}, {}, {2020, 1999, 2021});
}

struct Files {
  TempDir dir;
  std::string vocab, int_vocab;
  Files() {
    vocab = dir.file("fruit.txt");
    int_vocab = dir.file("years.txt");
    write_text(vocab, "apple\npear\nplum\n");
    write_text(int_vocab, "2020\n2021\n2022\n");
  }
};

void expect_same_bytes(const Packed& a, const Packed& b) {
  ASSERT_EQ(a.dense.size(), b.dense.size());
  EXPECT_EQ(std::memcmp(a.dense.data(), b.dense.data(), a.dense.size() * sizeof(float)), 0);
  EXPECT_EQ(a.lengths, b.lengths);
  EXPECT_EQ(a.mask, b.mask);
}

TEST(PipelineIo, SequenceFeaturesRoundTripIsBitIdenticalInBothStorages) {
  Files files;
  Pipeline p;
  p.name = "my_layer";
  p.call_defaults.max_length = 4;
  p.call_defaults.pad_pre = true;
  p.columns = sorted_unique_columns(every_sequence_column(files.vocab, files.int_vocab));
  SequenceFeatures layer(p.columns);
  Feed feed;
  feed_all(feed);
  const Packed before = pack(layer, feed.batch(), p.call_defaults);
  ASSERT_EQ(before.shape.steps, 4);

  TempDir out;
  save_pipeline(p, out.path());
  // The vocabulary files are not needed any more: the vocabularies are inline.
  fs::remove(files.vocab);
  fs::remove(files.int_vocab);
  for (TableStorage storage : {TableStorage::kCopy, TableStorage::kMap}) {
    const Pipeline loaded = load_pipeline(out.path(), storage);
    EXPECT_EQ(loaded.name, "my_layer");
    EXPECT_EQ(loaded.call_defaults.max_length, 4);
    EXPECT_TRUE(loaded.call_defaults.pad_pre);
    EXPECT_FALSE(loaded.call_defaults.truncate_pre);
    ASSERT_TRUE(loaded.sequence_features);
    ASSERT_EQ(loaded.columns.size(), p.columns.size());
    for (size_t i = 0; i < p.columns.size(); ++i) {
      EXPECT_EQ(loaded.columns[i]->name(), p.columns[i]->name());
      EXPECT_EQ(loaded.columns[i]->type_name(), p.columns[i]->type_name());
      EXPECT_EQ(column_to_json(*loaded.columns[i]), column_to_json(*p.columns[i]));
    }
    expect_same_bytes(pack(*loaded.sequence_features, feed.batch(), loaded.call_defaults), before);
    // The two shared-embedding columns still share one table.
    const Table* shared = nullptr;
    for (const auto& c : loaded.columns)
      if (auto* e = dynamic_cast<const EmbeddingColumn*>(c.get()); e && e->shared()) {
        if (shared == nullptr) shared = &e->table();
        EXPECT_EQ(&e->table(), shared);
      }
    EXPECT_NE(shared, nullptr);
  }
}

TEST(PipelineIo, MappedTablesAreReadOnlyViewsOfTheFile) {
  Files files;
  Pipeline p;
  p.columns = sorted_unique_columns(every_sequence_column(files.vocab, files.int_vocab));
  TempDir out;
  save_pipeline(p, out.path());
  const Pipeline mapped = load_pipeline(out.path(), TableStorage::kMap);
  const Pipeline copied = load_pipeline(out.path(), TableStorage::kCopy);
  for (size_t i = 0; i < mapped.columns.size(); ++i) {
    auto* e = dynamic_cast<const EmbeddingColumn*>(mapped.columns[i].get());
    if (e == nullptr) continue;
    Table& t = e->table();
    EXPECT_FALSE(t.writable());
    const std::vector<float> zeros(t.size(), 0.f);
    expect_error([&] { t.set(zeros.data(), zeros.size()); }, Code::kInvalidArgument,
                 {t.name(), "read-only"});
    expect_error([&] { t.mutable_data(); }, Code::kInvalidArgument, {t.name(), "read-only"});
    auto& c = dynamic_cast<const EmbeddingColumn&>(*copied.columns[i]).table();
    EXPECT_TRUE(c.writable());
    EXPECT_EQ(std::memcmp(c.data(), t.data(), t.size() * sizeof(float)), 0);
    const std::vector<float> same(c.data(), c.data() + c.size());
    c.set(same.data(), same.size());
  }
}

TEST(PipelineIo, DenseFeaturesRoundTrip) {
  Pipeline p;
  p.layer = LayerKind::kDenseFeatures;
  p.name = "context";
  EmbeddingSpec spec;
  spec.dimension = 4;
  spec.seed = 3;
  auto user = make_identity_column("user", false, 8, std::nullopt);
  p.columns = sorted_unique_columns(
      {std::make_shared<NumericColumn>("age", false, std::vector<int64_t>{1}, 0.f,
                                       DType::kFloat32, Normalizer{NormalizerKind::kScaleShift,
                                                                   0.1f, -2.f}),
       make_embedding_column(user, spec),
       std::make_shared<IndicatorColumn>(make_hash_bucket_column("country", false, 5,
                                                                 DType::kString))});
  DenseFeatures layer(p.columns);
  Feed feed;
  feed.dense<float>("age", {2, 1}, {30.f, 41.f});
  feed.coo<int64_t>("user", {{0, 0}, {1, 0}, {1, 1}}, {3, 7, 1}, {2, 2});
  feed.dense_strings("country", {2, 1}, {"fr", "de"});
  std::vector<float> before(static_cast<size_t>(2 * layer.depth()));
  layer.pack_into(feed.batch(), before.data(), before.size());
  TempDir out;
  save_pipeline(p, out.path());
  for (TableStorage storage : {TableStorage::kCopy, TableStorage::kMap}) {
    const Pipeline loaded = load_pipeline(out.path(), storage);
    ASSERT_TRUE(loaded.dense_features);
    EXPECT_EQ(loaded.name, "context");
    std::vector<float> after(before.size(), -1.f);
    loaded.dense_features->pack_into(feed.batch(), after.data(), after.size());
    EXPECT_EQ(std::memcmp(before.data(), after.data(), before.size() * sizeof(float)), 0);
  }
}

TEST(PipelineIo, ColumnConfigRoundTripRebuildsTheSameTableFromTheSeed) {
  Files files;
  for (const auto& c : every_sequence_column(files.vocab, files.int_vocab)) {
    const std::string text = column_to_json(*c);
    const auto rebuilt = column_from_json(text);
    EXPECT_EQ(rebuilt->name(), c->name());
    EXPECT_EQ(column_to_json(*rebuilt), text);
    if (auto* e = dynamic_cast<const EmbeddingColumn*>(c.get())) {
      const Table& a = e->table();
      const Table& b = dynamic_cast<const EmbeddingColumn&>(*rebuilt).table();
      ASSERT_EQ(a.size(), b.size());
      EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << c->name();
    }
  }
}

TEST(PipelineIo, SharedColumnsShareOneTableWithinAConfigButNotAlone) {
  EmbeddingSpec spec;
  spec.dimension = 2;
  auto shared = make_shared_embeddings({make_identity_column("a", true, 4, std::nullopt),
                                        make_identity_column("b", true, 4, std::nullopt)},
                                       spec, "both");
  Pipeline p;
  p.columns = sorted_unique_columns({shared[0], shared[1]});
  const Pipeline rebuilt = pipeline_from_json(pipeline_to_json(p));
  auto& ta = dynamic_cast<const EmbeddingColumn&>(*rebuilt.columns[0]).table();
  auto& tb = dynamic_cast<const EmbeddingColumn&>(*rebuilt.columns[1]).table();
  EXPECT_EQ(&ta, &tb);
  EXPECT_EQ(ta.name(), "both");
  const auto alone = column_from_json(column_to_json(*shared[0]));
  auto* e = dynamic_cast<const EmbeddingColumn*>(alone.get());
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->shared());
  EXPECT_EQ(e->table().name(), "both");
  EXPECT_NE(&e->table(), &ta);
}

TEST(PipelineIo, FloatsThatJsonCannotSpellRoundTrip) {
  Pipeline p;
  p.columns = {std::make_shared<NumericColumn>(
      "x", true, std::vector<int64_t>{1}, std::numeric_limits<float>::quiet_NaN(),
      DType::kFloat32,
      Normalizer{NormalizerKind::kClip, -std::numeric_limits<float>::infinity(), 0.1f})};
  const auto rebuilt = pipeline_from_json(pipeline_to_json(p));
  auto& n = dynamic_cast<const NumericColumn&>(*rebuilt.columns[0]);
  EXPECT_TRUE(std::isnan(n.default_value()));
  EXPECT_EQ(n.normalizer().a, -std::numeric_limits<float>::infinity());
  EXPECT_EQ(n.normalizer().b, 0.1f);
}

TEST(PipelineIo, CallbackNormalizersCannotBeSaved) {
  Pipeline p;
  Normalizer n{NormalizerKind::kCallback};
  n.fn = [](float x, void*) { return x; };
  p.columns = {std::make_shared<NumericColumn>("x", true, std::vector<int64_t>{1}, 0.f,
                                               DType::kFloat32, n)};
  TempDir out;
  expect_error([&] { save_pipeline(p, out.path()); }, Code::kInvalidArgument,
               {"column x", "callback normalizer"});
  EXPECT_FALSE(fs::exists(out.file(kPipelineFileName)));
}

// ------------------------------------------------------------------------------------------
// Malformed artifacts: one saved pipeline, altered one way per test.

class Malformed : public ::testing::Test {
 protected:
  void SetUp() override {
    EmbeddingSpec spec;
    spec.dimension = 2;
    spec.seed = 1;
    Pipeline p;
    p.columns = sorted_unique_columns(
        {make_embedding_column(make_identity_column("ids", true, 3, std::nullopt), spec),
         std::make_shared<IndicatorColumn>(make_vocabulary_list_column(
             "words", true, std::vector<std::string>{"a", "b"}, -1, 0))});
    save_pipeline(p, dir_.path());
    json_ = json::parse(read_text(dir_.file(kPipelineFileName)));
  }
  std::string pipeline_path() const { return dir_.file(kPipelineFileName); }
  std::string tables_path() const { return dir_.file(kTablesFileName); }
  void write_json() { write_text(pipeline_path(), json_.dump()); }
  // Column 0 is "ids_embedding", column 1 "words_indicator".
  json& column(size_t i) { return json_["columns"][i]; }
  void expect_load_error(Code code, std::initializer_list<std::string_view> parts) {
    for (TableStorage storage : {TableStorage::kCopy, TableStorage::kMap})
      expect_error([&] { load_pipeline(dir_.path(), storage); }, code, parts);
  }
  // Writes tables.safetensors from a header and data bytes as given.
  void write_tables(const std::string& header, const std::string& data,
                    std::optional<uint64_t> length = std::nullopt) {
    const uint64_t n = length.value_or(header.size());
    std::string bytes(reinterpret_cast<const char*>(&n), 8);
    write_text(tables_path(), bytes + header + data);
  }
  static std::string floats(size_t count) {
    std::vector<float> v(count, 0.25f);
    return std::string(reinterpret_cast<const char*>(v.data()), count * sizeof(float));
  }
  TempDir dir_;
  json json_;
};

TEST_F(Malformed, BadJson) {
  write_text(pipeline_path(), "{\"format\": \"seqfeat.pipeline\", ");
  expect_load_error(Code::kInvalidArgument, {"pipeline.json", "not valid JSON"});
}

TEST_F(Malformed, UnknownFormat) {
  json_["format"] = "keras.model";
  write_json();
  expect_load_error(Code::kInvalidArgument, {"pipeline.json", "format", "keras.model"});
}

TEST_F(Malformed, UnknownVersion) {
  json_["version"] = 2;
  write_json();
  expect_load_error(Code::kInvalidArgument, {"pipeline.json", "version 2 is not supported"});
}

TEST_F(Malformed, MissingField) {
  column(0).erase("dimension");
  write_json();
  expect_load_error(Code::kInvalidArgument, {"columns[0]", "missing field \"dimension\""});
}

TEST_F(Malformed, ExtraField) {
  column(1)["categorical"]["colour"] = "blue";
  write_json();
  expect_load_error(Code::kInvalidArgument, {"columns[1].categorical", "unknown field \"colour\""});
}

TEST_F(Malformed, WrongType) {
  column(0)["categorical"]["num_buckets"] = "3";
  write_json();
  expect_load_error(Code::kInvalidArgument,
                    {"columns[0].categorical.num_buckets", "expected an integer, got a string"});
}

TEST_F(Malformed, VocabularyWithDuplicates) {
  column(1)["categorical"]["vocabulary"] = {"a", "b", "a"};
  write_json();
  expect_load_error(Code::kInvalidArgument, {"columns[1]", "Duplicate keys", "a"});
}

TEST_F(Malformed, MissingPipelineFile) {
  fs::remove(pipeline_path());
  expect_load_error(Code::kNotFound, {"pipeline.json", "no such file"});
}

TEST_F(Malformed, MissingTablesFile) {
  fs::remove(tables_path());
  expect_load_error(Code::kNotFound, {"tables.safetensors", "no such file"});
}

TEST_F(Malformed, HeaderLengthPastTheFile) {
  write_tables("{}", "", 1u << 20);
  expect_load_error(Code::kInvalidArgument, {"tables.safetensors", "header length 1048576", "past"});
}

TEST_F(Malformed, OverlappingOffsets) {
  write_tables(R"({"ids_embedding/embedding_weights":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},)"
               R"("other":{"dtype":"F32","shape":[2],"data_offsets":[16,24]}})",
               floats(6));
  expect_load_error(Code::kInvalidArgument, {"tables.safetensors", "overlap"});
}

TEST_F(Malformed, OffsetsOutOfRange) {
  write_tables(R"({"ids_embedding/embedding_weights":{"dtype":"F32","shape":[3,2],"data_offsets":[8,32]}})",
               floats(6));
  expect_load_error(Code::kInvalidArgument,
                    {"tables.safetensors", "ids_embedding/embedding_weights", "[8, 32]", "past the end"});
}

TEST_F(Malformed, WrongDtype) {
  write_tables(R"({"ids_embedding/embedding_weights":{"dtype":"F64","shape":[3,2],"data_offsets":[0,48]}})",
               floats(12));
  expect_load_error(Code::kInvalidArgument,
                    {"tables.safetensors", "ids_embedding/embedding_weights", "dtype F64"});
}

TEST_F(Malformed, ShapeMismatchWithTheColumn) {
  write_tables(R"({"ids_embedding/embedding_weights":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})",
               floats(6));
  expect_load_error(Code::kInvalidArgument,
                    {"ids_embedding/embedding_weights", "shape [2, 3]", "[3, 2]"});
}

TEST_F(Malformed, TruncatedData) {
  const std::string full = read_text(tables_path());
  write_text(tables_path(), full.substr(0, full.size() - 4));
  expect_load_error(Code::kInvalidArgument,
                    {"tables.safetensors", "ids_embedding/embedding_weights", "truncated"});
}

TEST_F(Malformed, TableThatNoColumnUses) {
  write_tables(R"({"ids_embedding/embedding_weights":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]},)"
               R"("stale_table":{"dtype":"F32","shape":[2],"data_offsets":[24,32]}})",
               floats(8));
  expect_load_error(Code::kInvalidArgument, {"tables.safetensors", "stale_table", "not the table of any column"});
}

TEST_F(Malformed, TableMissingFromTheFile) {
  write_tables("{}", "");
  expect_load_error(Code::kInvalidArgument,
                    {"tables.safetensors", "no tensor \"ids_embedding/embedding_weights\""});
}

TEST_F(Malformed, SafetensorsHeaderNotJson) {
  write_tables("{\"a\": ", "");
  expect_load_error(Code::kInvalidArgument, {"tables.safetensors", "not valid JSON"});
}

TEST_F(Malformed, TwoNonSharedColumnsNamingOneTable) {
  json second = column(0);
  second["categorical"]["key"] = "ids2";
  json_["columns"].push_back(second);
  write_json();
  expect_load_error(Code::kInvalidArgument,
                    {"columns[2]", "ids_embedding/embedding_weights", "already used"});
}

// ------------------------------------------------------------------------------------------
// The safetensors reader and writer.

TEST(Safetensors, WriterOutputIsReadBackAlignedAndPadded) {
  TempDir dir;
  const std::vector<float> a = {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, b = {-1.f};
  write_safetensors(dir.file("t.safetensors"), {{"a", {2, 3}, a.data()}, {"b", {1}, b.data()}},
                    {{"k", "v"}});
  const std::string bytes = read_text(dir.file("t.safetensors"));
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ((8 + n) % 64, 0u);
  EXPECT_EQ(bytes.size(), 8 + n + 7 * sizeof(float));
  const auto file = SafetensorsFile::open(dir.file("t.safetensors"), SafetensorsFile::Storage::kRead);
  ASSERT_EQ(file->tensors().size(), 2u);
  EXPECT_EQ(file->tensors()[0].name, "a");
  EXPECT_EQ(file->tensors()[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(file->tensors()[0].data, a.data(), 24), 0);
  EXPECT_EQ(file->tensors()[1].name, "b");
  EXPECT_EQ(std::memcmp(file->tensors()[1].data, b.data(), 4), 0);
  EXPECT_EQ(file->metadata().at("k"), "v");
}

TEST(Safetensors, GapsAndUnknownDtypesAreErrors) {
  TempDir dir;
  const auto write = [&](const std::string& header, size_t data) {
    const uint64_t n = header.size();
    write_text(dir.file("t"), std::string(reinterpret_cast<const char*>(&n), 8) + header +
                                  std::string(data, '\0'));
  };
  write(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  expect_error([&] { SafetensorsFile::open(dir.file("t"), SafetensorsFile::Storage::kRead); },
               Code::kInvalidArgument, {"tensor \"a\"", "gap of 4 bytes"});
  write(R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}})", 4);
  expect_error([&] { SafetensorsFile::open(dir.file("t"), SafetensorsFile::Storage::kMap); },
               Code::kInvalidArgument, {"tensor \"a\"", "unknown dtype \"Q7\""});
  write(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4);
  expect_error([&] { SafetensorsFile::open(dir.file("t"), SafetensorsFile::Storage::kRead); },
               Code::kInvalidArgument, {"tensor \"a\"", "shape"});
  write(R"({"a":{"dtype":"F32","shape":[4611686018427387904, 8],"data_offsets":[0,4]}})", 4);
  expect_error([&] { SafetensorsFile::open(dir.file("t"), SafetensorsFile::Storage::kRead); },
               Code::kInvalidArgument, {"tensor \"a\"", "too large"});
  write_text(dir.file("t"), "abc");
  expect_error([&] { SafetensorsFile::open(dir.file("t"), SafetensorsFile::Storage::kRead); },
               Code::kInvalidArgument, {"truncated"});
}

}  // namespace
}  // namespace seqfeat
