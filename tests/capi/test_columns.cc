// Column construction (compatibility.md §3, §4.1-4.5, §6.1, §7, §8, §9, §11): every construction
// error, names, kinds, num_buckets, variable shapes, tables, shared embeddings, layer construction.
#include "capi_test_util.h"

namespace sftest {
namespace {

constexpr std::initializer_list<seqfeat_status> kDtypeErrors = {SEQFEAT_ERR_INVALID_ARGUMENT,
                                                                SEQFEAT_ERR_DTYPE_MISMATCH};

Outcome TryNumeric(const char* key, const Index& shape, int32_t dtype = SEQFEAT_DTYPE_FLOAT32,
                   int32_t sequence = 1) {
  seqfeat_numeric_options o;
  seqfeat_numeric_options_default(&o);
  o.shape = shape.empty() ? nullptr : shape.data();
  o.shape_rank = shape.size();
  o.dtype = dtype;
  seqfeat_column* out = Sentinel<seqfeat_column>();
  Outcome r = Capture(seqfeat_numeric_column_create(key, sequence, &o, &out));
  if (r.status == SEQFEAT_OK) {
    seqfeat_column_free(out);
  } else {
    EXPECT_EQ(out, Sentinel<seqfeat_column>()) << "out written on failure";
  }
  return r;
}

Outcome TryNumericOptions(const seqfeat_numeric_options& o) {
  seqfeat_column* out = Sentinel<seqfeat_column>();
  Outcome r = Capture(seqfeat_numeric_column_create("num", 1, &o, &out));
  if (r.status == SEQFEAT_OK) {
    seqfeat_column_free(out);
  } else {
    EXPECT_EQ(out, Sentinel<seqfeat_column>()) << "out written on failure";
  }
  return r;
}

template <class Fn>
Outcome TryCreate(Fn&& fn) {
  seqfeat_column* out = Sentinel<seqfeat_column>();
  Outcome r = Capture(fn(&out));
  if (r.status == SEQFEAT_OK) {
    seqfeat_column_free(out);
  } else {
    EXPECT_EQ(out, Sentinel<seqfeat_column>()) << "out written on failure";
  }
  return r;
}

Outcome TryIdentity(const char* key, int64_t num_buckets, int64_t default_value) {
  return TryCreate([&](seqfeat_column** out) {
    return seqfeat_identity_column_create(key, 1, num_buckets, default_value, out);
  });
}

Outcome TryHash(const char* key, int64_t size, int32_t dtype) {
  return TryCreate([&](seqfeat_column** out) {
    return seqfeat_hash_bucket_column_create(key, 1, size, dtype, out);
  });
}

Outcome TryVocabStrings(const char* key, const std::vector<std::string>& list, int64_t default_value,
                        int64_t num_oov) {
  Strings s(list);
  return TryCreate([&](seqfeat_column** out) {
    return seqfeat_vocabulary_list_column_create_strings(key, 1, s.offsets.data(), s.bytes.data(),
                                                         s.size(), default_value, num_oov, out);
  });
}

Outcome TryVocabInts(const char* key, const std::vector<int64_t>& list, int32_t dtype,
                     int64_t default_value, int64_t num_oov) {
  std::vector<int64_t> copy = list;
  copy.push_back(0);  // never an empty buffer
  return TryCreate([&](seqfeat_column** out) {
    return seqfeat_vocabulary_list_column_create_ints(key, 1, copy.data(), list.size(), dtype,
                                                      default_value, num_oov, out);
  });
}

Outcome TryVocabFile(const char* key, const std::string& path, int64_t size, int64_t num_oov,
                     int64_t default_value, int32_t dtype = SEQFEAT_DTYPE_STRING) {
  return TryCreate([&](seqfeat_column** out) {
    return seqfeat_vocabulary_file_column_create(key, 1, path.c_str(), size, num_oov, default_value,
                                                 dtype, out);
  });
}

Outcome TryEmbedding(const seqfeat_column* cat, const EmbeddingSpec& spec) {
  const seqfeat_embedding_options o = EmbeddingOptions(spec);
  return TryCreate([&](seqfeat_column** out) { return seqfeat_embedding_column_create(cat, &o, out); });
}

Outcome TryIndicator(const seqfeat_column* cat) {
  return TryCreate([&](seqfeat_column** out) { return seqfeat_indicator_column_create(cat, out); });
}

Outcome TryWeighted(const seqfeat_column* cat, const char* key, int32_t dtype) {
  return TryCreate(
      [&](seqfeat_column** out) { return seqfeat_weighted_column_create(cat, key, dtype, out); });
}

Outcome TryLayer(std::initializer_list<const seqfeat_column*> columns) {
  std::vector<const seqfeat_column*> v(columns);
  seqfeat_features* out = Sentinel<seqfeat_features>();
  Outcome r = Capture(seqfeat_features_create(v.data(), v.size(), &out));
  if (r.status == SEQFEAT_OK) {
    seqfeat_features_free(out);
  } else {
    EXPECT_EQ(out, Sentinel<seqfeat_features>());
  }
  return r;
}

int64_t NumBuckets(const seqfeat_column* c) {
  int64_t n = -1;
  EXPECT_EQ(seqfeat_column_num_buckets(c, &n), SEQFEAT_OK) << seqfeat_last_error_message();
  return n;
}

std::vector<int64_t> VariableShape(const seqfeat_column* c) {
  int64_t shape[8];
  size_t rank = 0;
  EXPECT_EQ(seqfeat_column_variable_shape(c, shape, 8, &rank), SEQFEAT_OK)
      << seqfeat_last_error_message();
  return std::vector<int64_t>(shape, shape + std::min<size_t>(rank, 8));
}

std::string TableName(const seqfeat_column* c) {
  const char* name = nullptr;
  EXPECT_EQ(seqfeat_column_table_name(c, &name), SEQFEAT_OK) << seqfeat_last_error_message();
  return name ? name : "<null>";
}

// ---------------------------------------------------------------------------------------------
// §3 sequence_numeric_column
// ---------------------------------------------------------------------------------------------
TEST(CapiNumericColumn, ShapeDimensionsMustBePositive) {
  for (const Index& shape : {Index{0}, Index{2, 0}, Index{-3}, Index{4, 5, -1}}) {
    const Outcome o = TryNumeric("price", shape);
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << "shape rank " << shape.size();
    EXPECT_TRUE(HasAll(o.message, {"price"}));
  }
}

TEST(CapiNumericColumn, DtypeMustBeNumeric) {
  const Outcome o = TryNumeric("price", {}, SEQFEAT_DTYPE_STRING);
  EXPECT_TRUE(IsOneOf(o, kDtypeErrors));
  EXPECT_TRUE(HasAll(o.message, {"price"}));
  for (int32_t dtype : {0, 99}) {
    EXPECT_TRUE(IsOneOf(TryNumeric("price", {}, dtype), kDtypeErrors)) << "dtype " << dtype;
  }
  for (int32_t dtype : {SEQFEAT_DTYPE_FLOAT32, SEQFEAT_DTYPE_FLOAT64, SEQFEAT_DTYPE_INT32,
                        SEQFEAT_DTYPE_INT64}) {
    EXPECT_TRUE(IsStatus(TryNumeric("price", {}, dtype), SEQFEAT_OK)) << "dtype " << dtype;
  }
}

// The message of an unknown dtype code names the function but not the column key.
TEST(CapiNumericColumn, UnknownDtypeCodeMessageNamesTheKey) {
  for (int32_t dtype : {0, 99}) {
    const Outcome o = TryNumeric("price", {}, dtype);
    EXPECT_TRUE(IsOneOf(o, kDtypeErrors)) << "dtype " << dtype;
    EXPECT_TRUE(HasAll(o.message, {"price"}));
  }
}

TEST(CapiNumericColumn, InvalidNormalizers) {
  seqfeat_numeric_options o;
  seqfeat_numeric_options_default(&o);
  o.normalizer = SEQFEAT_NORMALIZER_ZSCORE;
  o.normalizer_a = 1.0f;
  o.normalizer_b = 0.0f;  // stddev 0
  EXPECT_TRUE(IsStatus(TryNumericOptions(o), SEQFEAT_ERR_INVALID_ARGUMENT));
  o.normalizer_b = -2.0f;
  EXPECT_TRUE(IsStatus(TryNumericOptions(o), SEQFEAT_ERR_INVALID_ARGUMENT));
  o.normalizer = SEQFEAT_NORMALIZER_CLIP;
  o.normalizer_a = 2.0f;
  o.normalizer_b = 1.0f;  // a > b
  EXPECT_TRUE(IsStatus(TryNumericOptions(o), SEQFEAT_ERR_INVALID_ARGUMENT));
  o.normalizer = SEQFEAT_NORMALIZER_CALLBACK;
  o.normalizer_fn = nullptr;
  EXPECT_TRUE(IsStatus(TryNumericOptions(o), SEQFEAT_ERR_INVALID_ARGUMENT));
  o.normalizer = 99;
  EXPECT_TRUE(IsStatus(TryNumericOptions(o), SEQFEAT_ERR_INVALID_ARGUMENT));
  o.normalizer = SEQFEAT_NORMALIZER_CLIP;
  o.normalizer_a = 1.0f;
  o.normalizer_b = 1.0f;  // a == b is a valid (constant) clip
  EXPECT_TRUE(IsStatus(TryNumericOptions(o), SEQFEAT_OK));
}

TEST(CapiNumericColumn, Properties) {
  ColumnPtr x = Numeric("price", {2, 3});
  ColumnPtr scalar = Numeric("rating");
  ColumnPtr ctx = Numeric("age", {}, 0.0f, /*sequence=*/0);
  ASSERT_TRUE(x && scalar && ctx);
  EXPECT_EQ(Name(x.get()), "price");
  EXPECT_EQ(seqfeat_column_kind(x.get()), SEQFEAT_COLUMN_NUMERIC);
  EXPECT_EQ(seqfeat_column_is_sequence(x.get()), 1);
  EXPECT_EQ(seqfeat_column_is_sequence(ctx.get()), 0);
  EXPECT_EQ(VariableShape(x.get()), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(VariableShape(scalar.get()), (std::vector<int64_t>{1})) << "NULL shape means (1,)";
}

// ---------------------------------------------------------------------------------------------
// §4.1 identity
// ---------------------------------------------------------------------------------------------
TEST(CapiIdentityColumn, NumBucketsMustBePositive) {
  for (int64_t n : {int64_t{0}, int64_t{-4}}) {
    const Outcome o = TryIdentity("my_ids", n, SEQFEAT_NO_DEFAULT);
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
    EXPECT_TRUE(HasAll(o.message, {"my_ids", std::to_string(n)}));
  }
}

TEST(CapiIdentityColumn, DefaultValueMustBeInRange) {
  // TF: "default_value {d} not in range [0, {n}), column_name {key}"
  for (int64_t d : {int64_t{5}, int64_t{-1}, int64_t{123}}) {
    const Outcome o = TryIdentity("my_ids", 5, d);
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << d;
    EXPECT_TRUE(HasAll(o.message, {"my_ids", std::to_string(d)}));
  }
  EXPECT_TRUE(IsStatus(TryIdentity("my_ids", 5, 0), SEQFEAT_OK));
  EXPECT_TRUE(IsStatus(TryIdentity("my_ids", 5, 4), SEQFEAT_OK));
  EXPECT_TRUE(IsStatus(TryIdentity("my_ids", 1, SEQFEAT_NO_DEFAULT), SEQFEAT_OK));
}

TEST(CapiIdentityColumn, Properties) {
  ColumnPtr ids = Identity("ids", 7, 3);
  ColumnPtr ctx = Identity("ctx", 2, SEQFEAT_NO_DEFAULT, /*sequence=*/0);
  ASSERT_TRUE(ids && ctx);
  EXPECT_EQ(Name(ids.get()), "ids");
  EXPECT_EQ(seqfeat_column_kind(ids.get()), SEQFEAT_COLUMN_IDENTITY);
  EXPECT_EQ(NumBuckets(ids.get()), 7);
  EXPECT_EQ(seqfeat_column_is_sequence(ids.get()), 1);
  EXPECT_EQ(seqfeat_column_is_sequence(ctx.get()), 0);
}

// ---------------------------------------------------------------------------------------------
// §4.2 hash bucket
// ---------------------------------------------------------------------------------------------
TEST(CapiHashColumn, SizeMustBeAtLeastOne) {
  for (int64_t n : {int64_t{0}, int64_t{-1}, INT64_MIN}) {
    const Outcome o = TryHash("tokens", n, SEQFEAT_DTYPE_STRING);
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << n;
    EXPECT_TRUE(HasAll(o.message, {"tokens"}));
  }
  // TF documents "> 1" but accepts 1; any size up to 2^63 - 1 is allowed.
  EXPECT_TRUE(IsStatus(TryHash("tokens", 1, SEQFEAT_DTYPE_STRING), SEQFEAT_OK));
  EXPECT_TRUE(IsStatus(TryHash("tokens", INT64_MAX, SEQFEAT_DTYPE_STRING), SEQFEAT_OK));
}

TEST(CapiHashColumn, DtypeMustBeStringOrInteger) {
  for (int32_t dtype : {SEQFEAT_DTYPE_FLOAT32, SEQFEAT_DTYPE_FLOAT64}) {
    const Outcome o = TryHash("tokens", 10, dtype);
    EXPECT_TRUE(IsOneOf(o, kDtypeErrors)) << dtype;
    EXPECT_TRUE(HasAll(o.message, {"tokens"}));
  }
  for (int32_t dtype : {0, 42}) {
    EXPECT_TRUE(IsOneOf(TryHash("tokens", 10, dtype), kDtypeErrors)) << dtype;
  }
  for (int32_t dtype : {SEQFEAT_DTYPE_STRING, SEQFEAT_DTYPE_INT32, SEQFEAT_DTYPE_INT64}) {
    EXPECT_TRUE(IsStatus(TryHash("tokens", 10, dtype), SEQFEAT_OK)) << dtype;
  }
}

// The message of an unknown dtype code names the function but not the column key.
TEST(CapiHashColumn, UnknownDtypeCodeMessageNamesTheKey) {
  for (int32_t dtype : {0, 42}) {
    const Outcome o = TryHash("tokens", 10, dtype);
    EXPECT_TRUE(IsOneOf(o, kDtypeErrors)) << dtype;
    EXPECT_TRUE(HasAll(o.message, {"tokens"}));
  }
}

TEST(CapiHashColumn, Properties) {
  ColumnPtr h = Hash("tokens", 1000);
  ASSERT_TRUE(h);
  EXPECT_EQ(Name(h.get()), "tokens");
  EXPECT_EQ(seqfeat_column_kind(h.get()), SEQFEAT_COLUMN_HASH_BUCKET);
  EXPECT_EQ(NumBuckets(h.get()), 1000);
}

// ---------------------------------------------------------------------------------------------
// §4.3 vocabulary list
// ---------------------------------------------------------------------------------------------
TEST(CapiVocabularyListColumn, EmptyList) {
  Outcome o = TryVocabStrings("words", {}, -1, 0);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"words"}));
  o = TryVocabInts("nums", {}, SEQFEAT_DTYPE_INT64, -1, 0);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"nums"}));
}

TEST(CapiVocabularyListColumn, Duplicates) {
  Outcome o = TryVocabStrings("words", {"omar", "stringer", "omar"}, -1, 0);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"words"}));
  EXPECT_TRUE(HasAllNoCase(o.message, {"duplicate"}));
  o = TryVocabInts("nums", {10, 20, 10}, SEQFEAT_DTYPE_INT64, -1, 0);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"nums"}));
  // Duplicates are checked before the OOV arguments (TF's order).
  o = TryVocabStrings("words", {"a", "a"}, -1, -3);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAllNoCase(o.message, {"duplicate"}));
  // "a" and "a\0"-free prefixes are different keys.
  EXPECT_TRUE(IsStatus(TryVocabStrings("words", {"a", "aa", "A"}, -1, 0), SEQFEAT_OK));
}

TEST(CapiVocabularyListColumn, OovArguments) {
  // num_oov_buckets < 0
  Outcome o = TryVocabStrings("words", {"a", "b"}, -1, -1);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"words"}));
  // both num_oov_buckets and default_value: "Can't specify both num_oov_buckets and default_value"
  o = TryVocabStrings("words", {"a", "b"}, 0, 2);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"words"}));
  o = TryVocabInts("nums", {1, 2}, SEQFEAT_DTYPE_INT64, 1, 3);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"nums"}));
  o = TryVocabInts("nums", {1, 2}, SEQFEAT_DTYPE_INT64, -1, -2);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  // Allowed combinations.
  EXPECT_TRUE(IsStatus(TryVocabStrings("words", {"a", "b"}, -1, 2), SEQFEAT_OK));
  EXPECT_TRUE(IsStatus(TryVocabStrings("words", {"a", "b"}, 1, 0), SEQFEAT_OK));
}

TEST(CapiVocabularyListColumn, IntegerDtype) {
  for (int32_t dtype : {SEQFEAT_DTYPE_FLOAT32, SEQFEAT_DTYPE_FLOAT64, SEQFEAT_DTYPE_STRING}) {
    const Outcome o = TryVocabInts("nums", {1, 2}, dtype, -1, 0);
    EXPECT_TRUE(IsOneOf(o, kDtypeErrors)) << dtype;
    EXPECT_TRUE(HasAll(o.message, {"nums"}));
  }
  EXPECT_TRUE(IsStatus(TryVocabInts("nums", {1, 2}, SEQFEAT_DTYPE_INT32, -1, 0), SEQFEAT_OK));
}

TEST(CapiVocabularyListColumn, Properties) {
  ColumnPtr w = VocabStrings("words", {"omar", "stringer", "marlo"}, -1, 2);
  ColumnPtr n = VocabInts("nums", {10, 20, 30, 40});
  ASSERT_TRUE(w && n);
  EXPECT_EQ(Name(w.get()), "words");
  EXPECT_EQ(seqfeat_column_kind(w.get()), SEQFEAT_COLUMN_VOCABULARY_LIST);
  EXPECT_EQ(NumBuckets(w.get()), 5);  // 3 + 2 OOV buckets
  EXPECT_EQ(NumBuckets(n.get()), 4);
  EXPECT_EQ(seqfeat_column_kind(n.get()), SEQFEAT_COLUMN_VOCABULARY_LIST);
}

// ---------------------------------------------------------------------------------------------
// §4.4 vocabulary file
// ---------------------------------------------------------------------------------------------
TEST(CapiVocabularyFileColumn, MissingFile) {
  TempDir dir;
  const std::string path = dir.Path("does_not_exist.txt");
  const Outcome o = TryVocabFile("voc", path, -1, 0, SEQFEAT_NO_DEFAULT);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_NOT_FOUND));
  EXPECT_TRUE(HasAll(o.message, {"does_not_exist.txt"}));
  // With an explicit size the file is still read at construction (compatibility.md §13.2).
  const Outcome sized = TryVocabFile("voc", path, 3, 0, SEQFEAT_NO_DEFAULT);
  EXPECT_TRUE(IsStatus(sized, SEQFEAT_ERR_NOT_FOUND));
  EXPECT_TRUE(HasAll(sized.message, {"does_not_exist.txt"}));
}

TEST(CapiVocabularyFileColumn, EmptyFileName) {
  const Outcome o = TryVocabFile("voc", "", -1, 0, SEQFEAT_NO_DEFAULT);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"voc"}));  // TF: "Missing vocabulary_file in voc."
}

TEST(CapiVocabularyFileColumn, SizeMustBePositive) {
  TempDir dir;
  const std::string path = dir.Write("v.txt", "a\nb\n");
  Outcome o = TryVocabFile("voc", path, 0, 0, SEQFEAT_NO_DEFAULT);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"voc"}));  // TF: "Invalid vocabulary_size in voc."
  // A counted size of 0 (empty file) is invalid too.
  const std::string empty = dir.Write("empty.txt", "");
  o = TryVocabFile("voc", empty, -1, 0, SEQFEAT_NO_DEFAULT);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"voc"}));
}

TEST(CapiVocabularyFileColumn, TooFewLines) {
  TempDir dir;
  const std::string path = dir.Write("short.txt", "a\nb\nc\n");
  const Outcome o = TryVocabFile("voc", path, 5, 0, SEQFEAT_NO_DEFAULT);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"short.txt"}));
}

TEST(CapiVocabularyFileColumn, EmptyLine) {
  TempDir dir;
  const std::string path = dir.Write("holes.txt", "a\n\nb\n");
  const Outcome o = TryVocabFile("voc", path, -1, 0, SEQFEAT_NO_DEFAULT);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"holes.txt"}));
  // A "\r\n" line that is empty after stripping the '\r' is an empty line as well.
  const std::string crlf = dir.Write("crlf_hole.txt", "a\r\n\r\nb\r\n");
  const Outcome o2 = TryVocabFile("voc", crlf, -1, 0, SEQFEAT_NO_DEFAULT);
  EXPECT_TRUE(IsStatus(o2, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o2.message, {"crlf_hole.txt"}));
}

TEST(CapiVocabularyFileColumn, DuplicateLine) {
  TempDir dir;
  const std::string path = dir.Write("dup.txt", "omar\nstringer\nomar\n");
  const Outcome o = TryVocabFile("voc", path, -1, 0, SEQFEAT_NO_DEFAULT);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"dup.txt"}));
  // Lines after vocabulary_size are not read, so their duplicates do not matter.
  ColumnPtr c = VocabFile("voc", path, 2);
  ASSERT_TRUE(c);
  EXPECT_EQ(NumBuckets(c.get()), 2);
}

TEST(CapiVocabularyFileColumn, BadInteger) {
  TempDir dir;
  const std::string path = dir.Write("ints.txt", "10\n20\nx30\n");
  const Outcome o = TryVocabFile("voc", path, -1, 0, SEQFEAT_NO_DEFAULT, SEQFEAT_DTYPE_INT64);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"ints.txt", "x30"}));
  const std::string good = dir.Write("good.txt", "10\n-20\n30\n");
  ColumnPtr c = VocabFile("voc", good, -1, 0, SEQFEAT_NO_DEFAULT, SEQFEAT_DTYPE_INT64);
  ASSERT_TRUE(c);
  EXPECT_EQ(NumBuckets(c.get()), 3);
}

TEST(CapiVocabularyFileColumn, OovArgumentsAndDtype) {
  TempDir dir;
  const std::string path = dir.Write("v.txt", "a\nb\n");
  Outcome o = TryVocabFile("voc", path, -1, -1, SEQFEAT_NO_DEFAULT);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"voc"}));
  o = TryVocabFile("voc", path, -1, 2, 0);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"voc"}));
  o = TryVocabFile("voc", path, -1, 0, SEQFEAT_NO_DEFAULT, SEQFEAT_DTYPE_FLOAT32);
  EXPECT_TRUE(IsOneOf(o, kDtypeErrors));
  EXPECT_TRUE(HasAll(o.message, {"voc"}));
}

TEST(CapiVocabularyFileColumn, LineCounting) {
  TempDir dir;
  // A final line without newline counts; a trailing newline adds nothing.
  ColumnPtr a = VocabFile("voc", dir.Write("a.txt", "a\nb"));
  ColumnPtr b = VocabFile("voc", dir.Write("b.txt", "a\nb\n"));
  ColumnPtr c = VocabFile("voc", dir.Write("c.txt", "a\nb\nc\n"), -1, 3);
  ColumnPtr d = VocabFile("voc", dir.Write("d.txt", "a\r\nb\r\n"));
  ASSERT_TRUE(a && b && c && d);
  EXPECT_EQ(NumBuckets(a.get()), 2);
  EXPECT_EQ(NumBuckets(b.get()), 2);
  EXPECT_EQ(NumBuckets(c.get()), 6);
  EXPECT_EQ(NumBuckets(d.get()), 2);
  EXPECT_EQ(seqfeat_column_kind(a.get()), SEQFEAT_COLUMN_VOCABULARY_FILE);
  EXPECT_EQ(Name(a.get()), "voc");
}

// ---------------------------------------------------------------------------------------------
// §4.5 weighted
// ---------------------------------------------------------------------------------------------
TEST(CapiWeightedColumn, Errors) {
  ColumnPtr ids = Identity("ids", 4);
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(ids && x);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2});
  ASSERT_TRUE(emb);
  for (int32_t dtype : {SEQFEAT_DTYPE_STRING, 0, 77}) {
    const Outcome o = TryWeighted(ids.get(), "w", dtype);
    EXPECT_TRUE(IsOneOf(o, kDtypeErrors)) << dtype;
  }
  EXPECT_TRUE(IsStatus(TryWeighted(x.get(), "w", SEQFEAT_DTYPE_FLOAT32), SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(IsStatus(TryWeighted(emb.get(), "w", SEQFEAT_DTYPE_FLOAT32), SEQFEAT_ERR_INVALID_ARGUMENT));
  // The weight key must differ from the id key (TF: "Parse config ... already exists").
  const Outcome same = TryWeighted(ids.get(), "ids", SEQFEAT_DTYPE_FLOAT32);
  EXPECT_TRUE(IsStatus(same, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(same.message, {"ids"}));
}

TEST(CapiWeightedColumn, Properties) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "w");
  ASSERT_TRUE(w);
  EXPECT_EQ(Name(w.get()), "ids_weighted_by_w");
  EXPECT_EQ(seqfeat_column_kind(w.get()), SEQFEAT_COLUMN_WEIGHTED);
  EXPECT_EQ(NumBuckets(w.get()), 4);
  EXPECT_EQ(seqfeat_column_is_sequence(w.get()), 1);
  const seqfeat_column* cat = nullptr;
  SF_ASSERT_OK(seqfeat_column_categorical(w.get(), &cat));
  EXPECT_EQ(Name(cat), "ids");
  EXPECT_EQ(seqfeat_column_kind(cat), SEQFEAT_COLUMN_IDENTITY);
  ColumnPtr emb = Embedding(w.get(), EmbeddingSpec{.dimension = 2});
  ASSERT_TRUE(emb);
  EXPECT_EQ(Name(emb.get()), "ids_weighted_by_w_embedding");
  for (int32_t dtype : {SEQFEAT_DTYPE_FLOAT64, SEQFEAT_DTYPE_INT32, SEQFEAT_DTYPE_INT64}) {
    EXPECT_TRUE(IsStatus(TryWeighted(ids.get(), "w", dtype), SEQFEAT_OK)) << dtype;
  }
}

// ---------------------------------------------------------------------------------------------
// §6.1 embedding
// ---------------------------------------------------------------------------------------------
TEST(CapiEmbeddingColumn, DimensionMustBePositive) {
  ColumnPtr ids = Identity("movie_ids", 4);
  ASSERT_TRUE(ids);
  for (int64_t d : {int64_t{0}, int64_t{-2}}) {
    const Outcome o = TryEmbedding(ids.get(), EmbeddingSpec{.dimension = d});
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << d;
    EXPECT_TRUE(HasAllNoCase(o.message, {"dimension", std::to_string(d)}));
  }
}

// TF's text is "Invalid dimension 0."; the C ABI's messages name the column (STYLE.md, header).
TEST(CapiEmbeddingColumn, DimensionMessageNamesTheColumn) {
  ColumnPtr ids = Identity("movie_ids", 4);
  ASSERT_TRUE(ids);
  const Outcome o = TryEmbedding(ids.get(), EmbeddingSpec{.dimension = 0});
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"movie_ids"}));
}

TEST(CapiEmbeddingColumn, CategoricalMustBeCategorical) {
  ColumnPtr x = Numeric("x");
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(x && ids);
  ColumnPtr ind = Indicator(ids.get());
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2});
  ASSERT_TRUE(ind && emb);
  for (const seqfeat_column* c : {x.get(), ind.get(), emb.get()}) {
    const Outcome o = TryEmbedding(c, EmbeddingSpec{.dimension = 2});
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << Name(c);
    EXPECT_TRUE(HasAll(o.message, {Name(c)}));
  }
}

TEST(CapiEmbeddingColumn, InitialTableSize) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  EmbeddingSpec spec{.dimension = 2, .table = {1, 2, 3, 4, 5}};  // needs 6
  EXPECT_TRUE(IsStatus(TryEmbedding(ids.get(), spec), SEQFEAT_ERR_INVALID_ARGUMENT));
  spec.table.assign(7, 1.0f);
  EXPECT_TRUE(IsStatus(TryEmbedding(ids.get(), spec), SEQFEAT_ERR_INVALID_ARGUMENT));
}

TEST(CapiEmbeddingColumn, InvalidCombinerFailsAtCreateOrPack) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  const EmbeddingSpec spec{.dimension = 2, .combiner = 7};
  const seqfeat_embedding_options o = EmbeddingOptions(spec);
  seqfeat_column* raw = nullptr;
  const Outcome created = Capture(seqfeat_embedding_column_create(ids.get(), &o, &raw));
  if (created.status != SEQFEAT_OK) {
    EXPECT_TRUE(IsStatus(created, SEQFEAT_ERR_INVALID_ARGUMENT));
    return;
  }
  ColumnPtr emb(raw);
  FeaturesPtr layer = Layer({emb.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}}, {1, 1}, {1}));
  Packed p;
  const Outcome packed = PackInto(layer.get(), b, &p);
  EXPECT_TRUE(IsStatus(packed, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAllNoCase(packed.message, {"combiner"}));
}

TEST(CapiEmbeddingColumn, Properties) {
  ColumnPtr ids = Identity("ids", 5);
  ColumnPtr ctx = Identity("ctx", 5, SEQFEAT_NO_DEFAULT, 0);
  ASSERT_TRUE(ids && ctx);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 3});
  ColumnPtr ctx_emb = Embedding(ctx.get(), EmbeddingSpec{.dimension = 3});
  ASSERT_TRUE(emb && ctx_emb);
  EXPECT_EQ(Name(emb.get()), "ids_embedding");
  EXPECT_EQ(seqfeat_column_kind(emb.get()), SEQFEAT_COLUMN_EMBEDDING);
  EXPECT_EQ(seqfeat_column_is_sequence(emb.get()), 1);
  EXPECT_EQ(seqfeat_column_is_sequence(ctx_emb.get()), 0);
  EXPECT_EQ(VariableShape(emb.get()), (std::vector<int64_t>{3}));
  EXPECT_EQ(NumBuckets(emb.get()), 5);
  int64_t rows = 0, dim = 0;
  SF_ASSERT_OK(seqfeat_column_table_shape(emb.get(), &rows, &dim));
  EXPECT_EQ(rows, 5);
  EXPECT_EQ(dim, 3);
  EXPECT_FALSE(TableName(emb.get()).empty());
  const seqfeat_column* cat = nullptr;
  SF_ASSERT_OK(seqfeat_column_categorical(emb.get(), &cat));
  EXPECT_EQ(Name(cat), "ids");
}

TEST(CapiEmbeddingColumn, TableSetGet) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  const std::vector<float> initial = {1, 2, 3, 4, 5, 6};
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2, .table = initial});
  ASSERT_TRUE(emb);
  EXPECT_EQ(TableOf(emb.get()), initial);
  const std::vector<float> next = {-1, -2, -3, -4, -5, -6};
  SF_ASSERT_OK(seqfeat_column_table_set(emb.get(), next.data(), next.size()));
  EXPECT_EQ(TableOf(emb.get()), next);
}

TEST(CapiEmbeddingColumn, DefaultInitializerIsSeededTruncatedNormal) {
  ColumnPtr ids = Identity("ids", 1000);
  ASSERT_TRUE(ids);
  const int64_t dimension = 4;
  const double stddev = 1.0 / std::sqrt(static_cast<double>(dimension));  // 0.5
  ColumnPtr a = Embedding(ids.get(), EmbeddingSpec{.dimension = dimension, .seed = 7});
  ColumnPtr b = Embedding(ids.get(), EmbeddingSpec{.dimension = dimension, .seed = 7});
  ColumnPtr c = Embedding(ids.get(), EmbeddingSpec{.dimension = dimension, .seed = 8});
  ASSERT_TRUE(a && b && c);
  const std::vector<float> ta = TableOf(a.get()), tb = TableOf(b.get()), tc = TableOf(c.get());
  ASSERT_EQ(ta.size(), 4000u);
  EXPECT_EQ(ta, tb) << "same seed, same table";
  EXPECT_NE(ta, tc) << "different seed, different table";
  double sum = 0, sq = 0;
  for (float v : ta) {
    EXPECT_LE(std::abs(v), 2 * stddev + 1e-6) << "truncated at 2 stddev";
    sum += v;
    sq += static_cast<double>(v) * v;
  }
  const double mean = sum / ta.size();
  const double sd = std::sqrt(sq / ta.size() - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.05);
  // A normal truncated at +-2 sigma has standard deviation 0.8796 sigma.
  EXPECT_NEAR(sd, 0.8796 * stddev, 0.05 * stddev);
}

// ---------------------------------------------------------------------------------------------
// §7 shared embeddings
// ---------------------------------------------------------------------------------------------
struct SharedResult {
  Outcome outcome;
  std::vector<ColumnPtr> columns;
};

SharedResult Shared(std::initializer_list<const seqfeat_column*> cats, const EmbeddingSpec& spec,
                    const char* collection = nullptr) {
  std::vector<const seqfeat_column*> v(cats);
  const seqfeat_embedding_options o = EmbeddingOptions(spec);
  std::vector<seqfeat_column*> out(v.size(), Sentinel<seqfeat_column>());
  SharedResult r;
  r.outcome = Capture(seqfeat_shared_embeddings_create(v.data(), v.size(), &o, collection, out.data()));
  if (r.outcome.status == SEQFEAT_OK) {
    for (seqfeat_column* c : out) r.columns.emplace_back(c);
  } else {
    for (seqfeat_column* c : out) EXPECT_EQ(c, Sentinel<seqfeat_column>()) << "out written on failure";
  }
  return r;
}

TEST(CapiSharedEmbeddings, NamesOrderAndOneTable) {
  ColumnPtr bbb = Identity("bbb", 3), aaa = Identity("aaa", 3);
  ASSERT_TRUE(bbb && aaa);
  SharedResult r = Shared({bbb.get(), aaa.get()}, EmbeddingSpec{.dimension = 2});
  ASSERT_TRUE(IsStatus(r.outcome, SEQFEAT_OK));
  ASSERT_EQ(r.columns.size(), 2u);
  // Input order, each named <categorical name>_shared_embedding.
  EXPECT_EQ(Name(r.columns[0].get()), "bbb_shared_embedding");
  EXPECT_EQ(Name(r.columns[1].get()), "aaa_shared_embedding");
  EXPECT_EQ(seqfeat_column_kind(r.columns[0].get()), SEQFEAT_COLUMN_SHARED_EMBEDDING);
  // One table named '_'.join(sorted names) + '_shared_embedding'.
  EXPECT_EQ(TableName(r.columns[0].get()), "aaa_bbb_shared_embedding");
  EXPECT_EQ(TableName(r.columns[1].get()), "aaa_bbb_shared_embedding");
  EXPECT_EQ(VariableShape(r.columns[0].get()), (std::vector<int64_t>{2}));
  const std::vector<float> values = {1, 2, 3, 4, 5, 6};
  SF_ASSERT_OK(seqfeat_column_table_set(r.columns[0].get(), values.data(), values.size()));
  EXPECT_EQ(TableOf(r.columns[1].get()), values) << "the table is shared";
  const seqfeat_column* cat = nullptr;
  SF_ASSERT_OK(seqfeat_column_categorical(r.columns[1].get(), &cat));
  EXPECT_EQ(Name(cat), "aaa");
}

TEST(CapiSharedEmbeddings, ThreeColumnsAndCollectionName) {
  ColumnPtr c = Identity("c", 4), a = Identity("a", 4), b = Identity("b", 4);
  ASSERT_TRUE(a && b && c);
  SharedResult r = Shared({c.get(), a.get(), b.get()}, EmbeddingSpec{.dimension = 3});
  ASSERT_TRUE(IsStatus(r.outcome, SEQFEAT_OK));
  EXPECT_EQ(TableName(r.columns[2].get()), "a_b_c_shared_embedding");
  EXPECT_EQ(Name(r.columns[0].get()), "c_shared_embedding");
  SharedResult named = Shared({c.get(), a.get()}, EmbeddingSpec{.dimension = 3}, "my_collection");
  ASSERT_TRUE(IsStatus(named.outcome, SEQFEAT_OK));
  EXPECT_EQ(TableName(named.columns[0].get()), "my_collection");
  EXPECT_EQ(TableName(named.columns[1].get()), "my_collection");
  EXPECT_EQ(Name(named.columns[1].get()), "a_shared_embedding");
}

TEST(CapiSharedEmbeddings, TypeMismatch) {
  ColumnPtr aaa = Identity("aaa", 10);
  ColumnPtr bbb = Hash("bbb", 10);
  ColumnPtr ccc = VocabStrings("ccc", {"x", "y"});
  TempDir dir;
  ColumnPtr ddd = VocabFile("ddd", dir.Write("v.txt", "p\nq\n"));
  ASSERT_TRUE(aaa && bbb && ccc && ddd);
  SharedResult r = Shared({aaa.get(), bbb.get()}, EmbeddingSpec{.dimension = 2});
  EXPECT_TRUE(IsStatus(r.outcome, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(r.outcome.message, {"aaa", "bbb"}));
  r = Shared({ccc.get(), ddd.get()}, EmbeddingSpec{.dimension = 2});
  EXPECT_TRUE(IsStatus(r.outcome, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(r.outcome.message, {"ccc", "ddd"}));
}

TEST(CapiSharedEmbeddings, NumBucketsMismatch) {
  ColumnPtr aaa = Identity("aaa", 3), bbb = Identity("bbb", 4);
  ASSERT_TRUE(aaa && bbb);
  SharedResult r = Shared({aaa.get(), bbb.get()}, EmbeddingSpec{.dimension = 2});
  EXPECT_TRUE(IsStatus(r.outcome, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(r.outcome.message, {"aaa", "bbb"}));
}

TEST(CapiSharedEmbeddings, WrappersUnwrapToTheSameBaseType) {
  ColumnPtr aaa = Identity("aaa", 3);
  ColumnPtr bbb_seq = Identity("bbb", 3);
  ColumnPtr ctx = Identity("ctx", 3, SEQFEAT_NO_DEFAULT, /*sequence=*/0);
  ASSERT_TRUE(aaa && bbb_seq && ctx);
  ColumnPtr bbb = Weighted(bbb_seq.get(), "bbb_w");
  ASSERT_TRUE(bbb);
  // Weighted identity + identity share; sequence and non-sequence columns may share a table.
  SharedResult r = Shared({aaa.get(), bbb.get(), ctx.get()}, EmbeddingSpec{.dimension = 2});
  ASSERT_TRUE(IsStatus(r.outcome, SEQFEAT_OK));
  EXPECT_EQ(Name(r.columns[1].get()), "bbb_weighted_by_bbb_w_shared_embedding");
  EXPECT_EQ(seqfeat_column_is_sequence(r.columns[0].get()), 1);
  EXPECT_EQ(seqfeat_column_is_sequence(r.columns[2].get()), 0);
  // A weighted hash column is not of the identity type.
  ColumnPtr hash = Hash("hhh", 3);
  ASSERT_TRUE(hash);
  ColumnPtr whash = Weighted(hash.get(), "hw");
  ASSERT_TRUE(whash);
  SharedResult bad = Shared({aaa.get(), whash.get()}, EmbeddingSpec{.dimension = 2});
  EXPECT_TRUE(IsStatus(bad.outcome, SEQFEAT_ERR_INVALID_ARGUMENT));
}

TEST(CapiSharedEmbeddings, DimensionAndNonCategorical) {
  ColumnPtr aaa = Identity("aaa", 3), bbb = Identity("bbb", 3);
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(aaa && bbb && x);
  SharedResult r = Shared({aaa.get(), bbb.get()}, EmbeddingSpec{.dimension = 0});
  EXPECT_TRUE(IsStatus(r.outcome, SEQFEAT_ERR_INVALID_ARGUMENT));
  r = Shared({aaa.get(), x.get()}, EmbeddingSpec{.dimension = 2});
  EXPECT_TRUE(IsStatus(r.outcome, SEQFEAT_ERR_INVALID_ARGUMENT));
  r = Shared({x.get(), aaa.get()}, EmbeddingSpec{.dimension = 2});
  EXPECT_TRUE(IsStatus(r.outcome, SEQFEAT_ERR_INVALID_ARGUMENT));
}

// ---------------------------------------------------------------------------------------------
// §8 indicator
// ---------------------------------------------------------------------------------------------
TEST(CapiIndicatorColumn, OverNonCategorical) {
  ColumnPtr x = Numeric("price");
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(x && ids);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2});
  ColumnPtr ind = Indicator(ids.get());
  ASSERT_TRUE(emb && ind);
  for (const seqfeat_column* c : {x.get(), emb.get(), ind.get()}) {
    const Outcome o = TryIndicator(c);
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << Name(c);
    EXPECT_TRUE(HasAll(o.message, {Name(c)}));
  }
}

TEST(CapiIndicatorColumn, Properties) {
  ColumnPtr ids = Identity("ids", 6);
  ASSERT_TRUE(ids);
  ColumnPtr ind = Indicator(ids.get());
  ASSERT_TRUE(ind);
  EXPECT_EQ(Name(ind.get()), "ids_indicator");
  EXPECT_EQ(seqfeat_column_kind(ind.get()), SEQFEAT_COLUMN_INDICATOR);
  EXPECT_EQ(VariableShape(ind.get()), (std::vector<int64_t>{6}));
  EXPECT_EQ(NumBuckets(ind.get()), 6);
  EXPECT_EQ(seqfeat_column_is_sequence(ind.get()), 1);
}

TEST(CapiColumns, FreeingTheCategoricalHandleIsSafe) {
  seqfeat_column* raw = nullptr;
  SF_ASSERT_OK(seqfeat_identity_column_create("ids", 1, 3, SEQFEAT_NO_DEFAULT, &raw));
  ColumnPtr ind = Indicator(raw);
  ASSERT_TRUE(ind);
  seqfeat_column_free(raw);  // reference counted: the indicator keeps it alive
  EXPECT_EQ(NumBuckets(ind.get()), 3);
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}}, {1, 1}, {2}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{0, 0, 1}));
}

// ---------------------------------------------------------------------------------------------
// §9 SequenceFeatures construction
// ---------------------------------------------------------------------------------------------
TEST(CapiLayerCreate, EmptyList) {
  seqfeat_features* out = Sentinel<seqfeat_features>();
  const seqfeat_column* none[1] = {nullptr};
  const Outcome o = Capture(seqfeat_features_create(none, 0, &out));
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_EQ(out, Sentinel<seqfeat_features>());
}

TEST(CapiLayerCreate, DuplicateNames) {
  ColumnPtr a = Numeric("rating"), b = Numeric("rating", {2});
  ASSERT_TRUE(a && b);
  const Outcome o = TryLayer({a.get(), b.get()});
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"rating"}));
  // x_embedding and x_indicator are distinct names.
  ColumnPtr x = Identity("x", 3);
  ASSERT_TRUE(x);
  ColumnPtr e = Embedding(x.get(), EmbeddingSpec{.dimension = 2}), i = Indicator(x.get());
  ASSERT_TRUE(e && i);
  EXPECT_TRUE(IsStatus(TryLayer({e.get(), i.get()}), SEQFEAT_OK));
}

TEST(CapiLayerCreate, NonDenseColumns) {
  ColumnPtr ids = Identity("ids", 3);
  ColumnPtr h = Hash("tokens", 10);
  ColumnPtr x = Numeric("x");
  ColumnPtr ctx = Numeric("ctx", {}, 0.0f, /*sequence=*/0);
  ASSERT_TRUE(ids && h && x && ctx);
  ColumnPtr w = Weighted(ids.get(), "w");
  ASSERT_TRUE(w);
  for (const seqfeat_column* c : {ids.get(), h.get(), w.get(), ctx.get()}) {
    const Outcome o = TryLayer({x.get(), c});
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << Name(c);
    EXPECT_TRUE(HasAll(o.message, {Name(c)}));
  }
}

TEST(CapiLayerCreate, NonSequenceCategoricalIsRejectedAtPackTime) {
  ColumnPtr ctx = Identity("ctx", 3, SEQFEAT_NO_DEFAULT, /*sequence=*/0);
  ASSERT_TRUE(ctx);
  ColumnPtr emb = Embedding(ctx.get(), EmbeddingSpec{.dimension = 2});
  ColumnPtr ind = Indicator(ctx.get());
  ASSERT_TRUE(emb && ind);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ctx", {{0, 0}}, {1, 1}, {1}));
  for (const seqfeat_column* c : {emb.get(), ind.get()}) {
    FeaturesPtr layer = Layer({c});  // accepted when built, as TF
    ASSERT_TRUE(layer) << Name(c);
    Packed p;
    const Outcome o = PackInto(layer.get(), b, &p);
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << Name(c);
    // TF: "In embedding_column: ctx_embedding. categorical_column must be of type
    // SequenceCategoricalColumn to use SequenceFeatures."
    EXPECT_TRUE(HasAll(o.message, {Name(c), "SequenceCategoricalColumn"}));
  }
}

TEST(CapiLayerCreate, SortedByNameWithSlices) {
  ColumnPtr zeta = Numeric("zeta", {2});
  ColumnPtr alpha = Identity("alpha", 3);
  ColumnPtr mid = Identity("mid", 4);
  ColumnPtr upper = Numeric("Zed");
  ASSERT_TRUE(zeta && alpha && mid && upper);
  ColumnPtr alpha_ind = Indicator(alpha.get());
  ColumnPtr mid_emb = Embedding(mid.get(), EmbeddingSpec{.dimension = 5});
  ASSERT_TRUE(alpha_ind && mid_emb);
  FeaturesPtr layer = Layer({zeta.get(), mid_emb.get(), upper.get(), alpha_ind.get()});
  ASSERT_TRUE(layer);
  ASSERT_EQ(seqfeat_features_num_columns(layer.get()), 4u);
  // Plain byte order: "Zed" < "alpha_indicator" < "mid_embedding" < "zeta".
  const std::vector<std::string> names = {"Zed", "alpha_indicator", "mid_embedding", "zeta"};
  const std::vector<int64_t> offsets = {0, 1, 4, 9};
  const std::vector<int64_t> widths = {1, 3, 5, 2};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(Name(seqfeat_features_column(layer.get(), i)), names[i]);
    int64_t off = -1, width = -1;
    SF_ASSERT_OK(seqfeat_features_column_slice(layer.get(), i, &off, &width));
    EXPECT_EQ(off, offsets[i]) << names[i];
    EXPECT_EQ(width, widths[i]) << names[i];
  }
  EXPECT_EQ(seqfeat_features_depth(layer.get()), 11);
  EXPECT_EQ(seqfeat_features_column(layer.get(), 4), nullptr);
}

TEST(CapiLayerCreate, RetainsColumns) {
  seqfeat_column* ids = nullptr;
  SF_ASSERT_OK(seqfeat_identity_column_create("ids", 1, 2, SEQFEAT_NO_DEFAULT, &ids));
  seqfeat_column* ind = nullptr;
  SF_ASSERT_OK(seqfeat_indicator_column_create(ids, &ind));
  const seqfeat_column* cols[] = {ind};
  seqfeat_features* raw = nullptr;
  SF_ASSERT_OK(seqfeat_features_create(cols, 1, &raw));
  FeaturesPtr layer(raw);
  seqfeat_column_free(ind);
  seqfeat_column_free(ids);
  EXPECT_EQ(Name(seqfeat_features_column(layer.get(), 0)), "ids_indicator");
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}}, {1, 2}, {1, 0}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{0, 1, 1, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{2}));
}

TEST(CapiVocabularyFileColumn, LinesAfterTheSizeAreNotRead) {
  TempDir dir;
  // An empty line or a bad integer after vocabulary_size is never read.
  const std::string strings = dir.Write("s.txt", "a\nb\n\nb\n");
  const std::string ints = dir.Write("i.txt", "1\n2\nnot_a_number\n");
  ColumnPtr s2 = VocabFile("voc", strings, 2);
  ColumnPtr i2 = VocabFile("voc", ints, 2, 0, SEQFEAT_NO_DEFAULT, SEQFEAT_DTYPE_INT64);
  ASSERT_TRUE(s2 && i2);
  EXPECT_EQ(NumBuckets(s2.get()), 2);
  EXPECT_EQ(NumBuckets(i2.get()), 2);
  // Counted, the trailing empty line of "a\nb\n\n" is a third, empty line.
  const std::string trailing = dir.Write("t.txt", "a\nb\n\n");
  const Outcome o = TryVocabFile("voc", trailing, -1, 0, SEQFEAT_NO_DEFAULT);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"t.txt"}));
}

TEST(CapiVocabularyFileColumn, FileIsReadOnceAtConstruction) {
  TempDir dir;
  const std::string path = dir.Write("v.txt", "omar\nmarlo\n");
  ColumnPtr v = VocabFile("words", path);
  ASSERT_TRUE(v);
  dir.Write("v.txt", "x\ny\nz\n");  // later changes are not seen
  std::remove(path.c_str());
  EXPECT_EQ(NumBuckets(v.get()), 2);
  ColumnPtr ind = Indicator(v.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}}, {1, 2}, {"marlo", "x"}));
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.dense, (std::vector<float>{0, 1, 0, 0}));
}

TEST(CapiVocabularyFileColumn, IntegerOverflowIsABadInteger) {
  TempDir dir;
  const std::string path = dir.Write("big.txt", "1\n99999999999999999999\n");
  const Outcome o = TryVocabFile("voc", path, -1, 0, SEQFEAT_NO_DEFAULT, SEQFEAT_DTYPE_INT64);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"big.txt"}));
}

}  // namespace
}  // namespace sftest
