// Saving and loading through the C ABI: seqfeat_features_save/_load (copied and memory-mapped
// tables), DenseFeatures likewise, JSON configurations, columns by name, and the errors.
#include "capi_test_util.h"

namespace sftest {
namespace {

namespace fs = std::filesystem;

struct DenseDeleter {
  void operator()(seqfeat_dense_features* f) const { seqfeat_dense_features_free(f); }
};
using DensePtr = std::unique_ptr<seqfeat_dense_features, DenseDeleter>;

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "seqfeat_capi_io_XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const char* c_str() const { return path_.c_str(); }
  std::string file(const char* name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string ToJson(const seqfeat_column* c) {
  size_t size = 0;
  EXPECT_EQ(seqfeat_column_to_json(c, nullptr, 0, &size), SEQFEAT_OK);
  std::string text(size + 1, '\0');
  EXPECT_EQ(seqfeat_column_to_json(c, text.data(), text.size(), &size), SEQFEAT_OK)
      << seqfeat_last_error_message();
  text.resize(size);
  return text;
}

struct Fixture {
  ColumnPtr ids = Identity("ids", 5);
  ColumnPtr words = VocabStrings("words", {"a", "b", "c"}, -1, 1);
  ColumnPtr ids_emb;
  ColumnPtr words_ind = Indicator(words.get());
  ColumnPtr rating = Numeric("rating", {2});
  FeaturesPtr layer;
  Batch batch;
  Fixture() {
    EmbeddingSpec spec;
    spec.dimension = 3;
    spec.seed = 11;
    spec.max_norm = 0.5f;
    ids_emb = Embedding(ids.get(), spec);
    layer = Layer({rating.get(), ids_emb.get(), words_ind.get()});
    EXPECT_EQ(batch.Ragged<int64_t>("ids", {0, 2, 3}, {0, 2, 3, 4}, {0, 4, 2, 3}), SEQFEAT_OK);
    EXPECT_EQ(batch.RaggedStrings("words", {0, 2, 3}, {}, {"b", "zz", "a"}), SEQFEAT_OK);
    EXPECT_EQ(batch.Ragged<float>("rating", {0, 2, 3}, {0, 2, 4, 6}, {1.f, 2.f, 3.f, 4.f, 5.f, 6.f}), SEQFEAT_OK);
  }
};

void ExpectSameBytes(const Packed& a, const Packed& b) {
  ASSERT_EQ(a.dense.size(), b.dense.size());
  EXPECT_EQ(std::memcmp(a.dense.data(), b.dense.data(), a.dense.size() * sizeof(float)), 0);
  EXPECT_EQ(a.lengths, b.lengths);
}

TEST(CapiPersistence, SaveLoadPacksTheSameBytesWithCopiedAndMappedTables) {
  Fixture f;
  Packed before;
  ASSERT_NO_FATAL_FAILURE(PackOk(f.layer.get(), f.batch, &before));
  TempDir dir;
  seqfeat_pack_options defaults = PackOptions();
  defaults.max_length = 3;
  seqfeat_save_options so;
  seqfeat_save_options_default(&so);
  so.name = "served";
  so.call_defaults = &defaults;
  ASSERT_EQ(seqfeat_features_save(f.layer.get(), dir.c_str(), &so), SEQFEAT_OK)
      << seqfeat_last_error_message();
  EXPECT_TRUE(fs::exists(dir.file("pipeline.json")));
  EXPECT_TRUE(fs::exists(dir.file("tables.safetensors")));

  for (int32_t tables : {SEQFEAT_TABLES_COPY, SEQFEAT_TABLES_MMAP}) {
    seqfeat_load_options lo;
    seqfeat_load_options_default(&lo);
    lo.tables = tables;
    seqfeat_features* raw = nullptr;
    ASSERT_EQ(seqfeat_features_load(dir.c_str(), &lo, &raw), SEQFEAT_OK)
        << seqfeat_last_error_message();
    FeaturesPtr loaded(raw);
    EXPECT_STREQ(seqfeat_features_name(loaded.get()), "served");
    seqfeat_pack_options got;
    ASSERT_EQ(seqfeat_features_call_defaults(loaded.get(), &got), SEQFEAT_OK);
    EXPECT_EQ(got.max_length, 3);
    EXPECT_EQ(got.padding, SEQFEAT_PAD_POST);

    // Explicit default options: the bytes of the original layer.
    const seqfeat_pack_options tf = PackOptions();
    Packed after;
    ASSERT_NO_FATAL_FAILURE(PackOk(loaded.get(), f.batch, &after, &tf));
    ExpectSameBytes(before, after);

    // NULL options: the saved call defaults (T fixed to 3).
    int64_t B = 0, T = 0, D = 0;
    ASSERT_EQ(seqfeat_features_output_shape(loaded.get(), f.batch.get(), nullptr, &B, &T, &D),
              SEQFEAT_OK);
    EXPECT_EQ(T, 3);

    const seqfeat_column* emb = nullptr;
    ASSERT_EQ(seqfeat_features_find_column(loaded.get(), "ids_embedding", &emb), SEQFEAT_OK);
    EXPECT_EQ(ToJson(emb), ToJson(f.ids_emb.get()));
    int32_t writable = -1;
    ASSERT_EQ(seqfeat_column_table_writable(emb, &writable), SEQFEAT_OK);
    EXPECT_EQ(writable, tables == SEQFEAT_TABLES_COPY ? 1 : 0);
    std::vector<float> zeros(15, 0.f), table(15, -1.f), original(15, -2.f);
    ASSERT_EQ(seqfeat_column_table_get(emb, table.data(), table.size()), SEQFEAT_OK);
    ASSERT_EQ(seqfeat_column_table_get(f.ids_emb.get(), original.data(), original.size()),
              SEQFEAT_OK);
    EXPECT_EQ(table, original);
    // A layer's columns are borrowed (const); a retained handle may change the shared table.
    seqfeat_column* mutable_emb = nullptr;
    ASSERT_EQ(seqfeat_column_retain(emb, &mutable_emb), SEQFEAT_OK);
    const Outcome set =
        Capture(seqfeat_column_table_set(mutable_emb, zeros.data(), zeros.size()));
    seqfeat_column_free(mutable_emb);
    if (tables == SEQFEAT_TABLES_MMAP) {
      EXPECT_TRUE(IsStatus(set, SEQFEAT_ERR_INVALID_ARGUMENT));
      EXPECT_TRUE(HasAll(set.message, {"ids_embedding/embedding_weights", "read-only"}));
    } else {
      EXPECT_EQ(set.status, SEQFEAT_OK) << set.message;
    }

    // A retained column outlives the layer.
    seqfeat_column* kept = nullptr;
    ASSERT_EQ(seqfeat_column_retain(emb, &kept), SEQFEAT_OK);
    loaded.reset();
    EXPECT_EQ(Name(kept), "ids_embedding");
    seqfeat_column_free(kept);
  }
}

TEST(CapiPersistence, FindColumnMissIsNotFound) {
  Fixture f;
  const seqfeat_column* c = Sentinel<const seqfeat_column>();
  const Outcome o = Capture(seqfeat_features_find_column(f.layer.get(), "nope", &c));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_NOT_FOUND));
  EXPECT_TRUE(HasAll(o.message, {"nope"}));
  EXPECT_EQ(c, Sentinel<const seqfeat_column>());
}

TEST(CapiPersistence, DenseFeaturesSaveLoad) {
  ColumnPtr user = Identity("user", 6, SEQFEAT_NO_DEFAULT, /*sequence=*/0);
  ASSERT_TRUE(user);
  EmbeddingSpec spec;
  spec.dimension = 2;
  ColumnPtr user_emb = Embedding(user.get(), spec);
  std::vector<const seqfeat_column*> cols = {user_emb.get()};
  seqfeat_dense_features* raw = nullptr;
  ASSERT_EQ(seqfeat_dense_features_create(cols.data(), cols.size(), &raw), SEQFEAT_OK);
  DensePtr layer(raw);
  Batch batch;
  ASSERT_EQ(batch.Sparse<int64_t>("user", {{0, 0}, {1, 0}}, {2, 1}, {5, 1}), SEQFEAT_OK);
  std::vector<float> before(4), after(4, -1.f);
  ASSERT_EQ(seqfeat_dense_features_pack_into(layer.get(), batch.get(), before.data(), 4),
            SEQFEAT_OK);
  TempDir dir;
  ASSERT_EQ(seqfeat_dense_features_save(layer.get(), dir.c_str(), nullptr), SEQFEAT_OK)
      << seqfeat_last_error_message();
  seqfeat_dense_features* loaded_raw = nullptr;
  ASSERT_EQ(seqfeat_dense_features_load(dir.c_str(), nullptr, &loaded_raw), SEQFEAT_OK)
      << seqfeat_last_error_message();
  DensePtr loaded(loaded_raw);
  EXPECT_STREQ(seqfeat_dense_features_name(loaded.get()), "dense_features");
  ASSERT_EQ(seqfeat_dense_features_num_columns(loaded.get()), 1u);
  EXPECT_EQ(Name(seqfeat_dense_features_column(loaded.get(), 0)), "user_embedding");
  EXPECT_EQ(seqfeat_dense_features_column(loaded.get(), 1), nullptr);
  ASSERT_EQ(seqfeat_dense_features_pack_into(loaded.get(), batch.get(), after.data(), 4),
            SEQFEAT_OK);
  EXPECT_EQ(before, after);

  // The artifact is a DenseFeatures layer: loading it as SequenceFeatures says so.
  seqfeat_features* wrong = Sentinel<seqfeat_features>();
  const Outcome o = Capture(seqfeat_features_load(dir.c_str(), nullptr, &wrong));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"DenseFeatures", "seqfeat_dense_features_load"}));
  EXPECT_EQ(wrong, Sentinel<seqfeat_features>());
}

TEST(CapiPersistence, JsonConfigsRoundTrip) {
  Fixture f;
  for (const seqfeat_column* c : {f.ids_emb.get(), f.words_ind.get(), f.rating.get(),
                                  f.words.get()}) {
    const std::string text = ToJson(c);
    seqfeat_column* rebuilt = nullptr;
    ASSERT_EQ(seqfeat_column_from_json(text.data(), text.size(), &rebuilt), SEQFEAT_OK)
        << seqfeat_last_error_message();
    ColumnPtr owned(rebuilt);
    EXPECT_EQ(Name(rebuilt), Name(c));
    EXPECT_EQ(ToJson(rebuilt), text);
  }
  size_t size = 0;
  ASSERT_EQ(seqfeat_features_to_json(f.layer.get(), nullptr, 0, &size), SEQFEAT_OK);
  std::string text(size + 1, '\0');
  char small[4];
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_to_json(f.layer.get(), small, sizeof small, &size)),
                       SEQFEAT_ERR_BUFFER_TOO_SMALL));
  ASSERT_EQ(seqfeat_features_to_json(f.layer.get(), text.data(), text.size(), &size), SEQFEAT_OK);
  text.resize(size);
  EXPECT_NE(text.find("\"format\": \"seqfeat.pipeline\""), std::string::npos);
  seqfeat_features* raw = nullptr;
  ASSERT_EQ(seqfeat_features_from_json(text.data(), text.size(), &raw), SEQFEAT_OK)
      << seqfeat_last_error_message();
  FeaturesPtr rebuilt(raw);
  // Same seed, same table: the same output without any tables file.
  Packed a, b;
  ASSERT_NO_FATAL_FAILURE(PackOk(f.layer.get(), f.batch, &a));
  ASSERT_NO_FATAL_FAILURE(PackOk(rebuilt.get(), f.batch, &b));
  ExpectSameBytes(a, b);
}

TEST(CapiPersistence, Errors) {
  Fixture f;
  TempDir dir;
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_save(nullptr, dir.c_str(), nullptr)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_save(f.layer.get(), nullptr, nullptr)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  seqfeat_features* out = Sentinel<seqfeat_features>();
  const Outcome missing = Capture(seqfeat_features_load(dir.c_str(), nullptr, &out));
  EXPECT_TRUE(IsStatus(missing, SEQFEAT_ERR_NOT_FOUND));
  EXPECT_TRUE(HasAll(missing.message, {"pipeline.json"}));
  EXPECT_EQ(out, Sentinel<seqfeat_features>());
  seqfeat_load_options lo;
  seqfeat_load_options_default(&lo);
  lo.tables = 7;
  EXPECT_TRUE(IsStatus(Capture(seqfeat_features_load(dir.c_str(), &lo, &out)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  const char bad[] = "{\"format\": 1}";
  const Outcome o = Capture(seqfeat_features_from_json(bad, sizeof bad - 1, &out));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"format"}));
  EXPECT_EQ(out, Sentinel<seqfeat_features>());
  int32_t w = -1;
  EXPECT_TRUE(IsStatus(Capture(seqfeat_column_table_writable(f.rating.get(), &w)),
                       SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_EQ(w, -1);
}

}  // namespace
}  // namespace sftest
