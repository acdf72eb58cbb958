// The id stage of categorical columns (get_sparse_tensors): identity, hash (TF's Fingerprint64),
// vocabulary list and file incl. OOV buckets, dense inputs with ignore values, weights, reshape
// to [d0, d1, prod(d2..)], input dtype checks.
//
// Hash constants: Fingerprint64 = farmhash::Fingerprint64 (farmhashna::Hash64). "Hello" and
// "World" are TF's frozen values from core/platform/fingerprint_test.cc; the others were taken
// from the same reference hash (not from libseqfeat):
//   ""          11160318154034397263   mod 10 = 3
//   "a"         12917804110809363939   mod 10 = 9
//   "b"         11795596070477164822   mod 10 = 2
//   "c"         11430444447143000872   mod 10 = 2
//   "d"          4470636696479570465   mod 10 = 5
//   "z"         15605885941449482137   mod 3 = 1
//   "q"         15738879393069947213   mod 5 = 3
//   "zebra"     10208485115171276162   mod 3 = 2
//   "skywalker"  8332060478004835230   mod 3 = 0
//   "marlo"      9189111430546083591   mod 5 = 1
//   "99"         1128186851707534602   mod 5 = 2
//   "-5"        17702585896903905816   mod 5 = 1, mod 10 = 6
//   "101"        7111978204949978653   mod 10 = 3
//   "7"          9813730750082856088   mod 10 = 8
//   "1"          9304157803607034849   mod 10 = 9
//   "Hello"     15404698994557526151   mod (2^63 - 1) = 6181326957702750344
//   "a\0b"       7026922943720236280   mod 10 = 0   (3 bytes, embedded NUL)
//   "caf\xc3\xa9" 11379377682866355587  mod 10 = 7   (UTF-8 bytes of "cafe" with an acute e)
//   "-9223372036854775808"  1493431938208774112  mod 10 = 2
//   "9223372036854775807"  12739833532913062319  mod 10 = 9
#include "capi_test_util.h"

namespace sftest {
namespace {

constexpr uint64_t kFingerprintHello = 15404698994557526151ull;
constexpr uint64_t kFingerprintWorld = 18308117990299812472ull;

std::vector<int64_t> Idx3(std::initializer_list<Index> rows) {
  std::vector<int64_t> flat;
  for (const Index& r : rows) flat.insert(flat.end(), r.begin(), r.end());
  return flat;
}

SparseOut Sparse(const seqfeat_column* c, const Batch& b) {
  SparseOut out;
  const Outcome o = GetSparse(c, b, &out);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_OK));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Identity (§4.1) and the sequence reshape (§4)
// ---------------------------------------------------------------------------------------------
TEST(CapiIdentityIds, DefaultReplacesOutOfRange) {
  ColumnPtr ids = Identity("ids", 4, 3);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {1, -1, 99}));
  const SparseOut s = Sparse(ids.get(), b);
  EXPECT_EQ(s.ids, (std::vector<int64_t>{1, 3, 3}));  // TF: (1, -1, 99) -> (1, 3, 3)
  EXPECT_EQ(s.indices_shape, (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(s.indices, Idx3({{0, 0, 0}, {0, 1, 0}, {1, 0, 0}}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{2, 2, 1}));
  EXPECT_FALSE(s.has_weights);
}

TEST(CapiIdentityIds, NoDefaultPassesValuesThrough) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {1, -1, 99}));
  EXPECT_EQ(Sparse(ids.get(), b).ids, (std::vector<int64_t>{1, -1, 99}));
}

TEST(CapiIdentityIds, Int32InputIsCastToInt64) {
  ColumnPtr ids = Identity("ids", 10);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int32_t>("ids", {{0, 0}, {0, 1}}, {1, 2}, {7, 2}));
  EXPECT_EQ(Sparse(ids.get(), b).ids, (std::vector<int64_t>{7, 2}));
}

TEST(CapiIdentityIds, ThreeDimensionalInputIsUnchanged) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  Batch b;
  // TF's test passes index (1,2,0) with dense_shape (2,2,2) through; libseqfeat checks bounds,
  // so the shape here is (2,3,2).
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0, 0}, {0, 0, 1}, {1, 2, 0}}, {2, 3, 2}, {0, 1, 2}));
  const SparseOut s = Sparse(ids.get(), b);
  EXPECT_EQ(s.indices, Idx3({{0, 0, 0}, {0, 0, 1}, {1, 2, 0}}));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{2, 3, 2}));
}

TEST(CapiIdentityIds, RankFourFlattensTrailingDims) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  Batch b;
  // [d0, d1, 2, 3] -> [d0, d1, 6]; (0,0,0,1) -> (0,0,1); (0,1,1,2) -> (0,1,1*3+2=5).
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0, 0, 1}, {0, 1, 1, 2}}, {1, 2, 2, 3}, {1, 2}));
  const SparseOut s = Sparse(ids.get(), b);
  EXPECT_EQ(s.indices, Idx3({{0, 0, 1}, {0, 1, 5}}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{1, 2, 6}));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{1, 2}));
}

TEST(CapiIdentityIds, ZeroLengthSequences) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {}, {2, 0}, std::vector<int64_t>{}));
  const SparseOut s = Sparse(ids.get(), b);
  EXPECT_TRUE(s.ids.empty());
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{2, 0, 1}));
  ColumnPtr ind = Indicator(ids.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.B, 2);
  EXPECT_EQ(p.T, 0);
  EXPECT_EQ(p.D, 4);
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{0, 0}));
}

TEST(CapiIdentityIds, NonSequenceColumnKeepsInputRank) {
  ColumnPtr ids = Identity("ids", 4, SEQFEAT_NO_DEFAULT, /*sequence=*/0);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {1, 1}}, {2, 2}, {3, 1}));
  const SparseOut s = Sparse(ids.get(), b);
  EXPECT_EQ(s.indices_shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(s.indices, (std::vector<int64_t>{0, 0, 1, 1}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{3, 1}));
}

TEST(CapiIdentityIds, InputMustBeInteger) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Sparse<float>("ids", {{0, 0}}, {1, 1}, {1.0f}));
  SparseOut s;
  Outcome o = GetSparse(ids.get(), b, &s);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_DTYPE_MISMATCH));
  EXPECT_TRUE(HasAll(o.message, {"ids"}));
  Batch strings;
  SF_ASSERT_OK(strings.SparseStrings("ids", {{0, 0}}, {1, 1}, {"1"}));
  o = GetSparse(ids.get(), strings, &s);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_DTYPE_MISMATCH));
  EXPECT_TRUE(HasAll(o.message, {"ids"}));
}

TEST(CapiIdentityIds, MissingFeature) {
  ColumnPtr ids = Identity("watches", 4);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("other", {{0, 0}}, {1, 1}, {1}));
  SparseOut s;
  const Outcome o = GetSparse(ids.get(), b, &s);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_NOT_FOUND));
  EXPECT_TRUE(HasAll(o.message, {"watches"}));
}

// ---------------------------------------------------------------------------------------------
// Hash bucket (§4.2, §5)
// ---------------------------------------------------------------------------------------------
TEST(CapiHashIds, TfStringToHashBucketFastTest) {
  ColumnPtr h = Hash("tokens", 10);
  ASSERT_TRUE(h);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("tokens", {{0, 0}, {0, 1}, {0, 2}, {0, 3}}, {1, 4}, {"a", "b", "c", "d"}));
  // string_to_hash_bucket_op_test: [9, 2, 2, 5] (not the legacy Hash64's [8, 0, 7]).
  EXPECT_EQ(Sparse(h.get(), b).ids, (std::vector<int64_t>{9, 2, 2, 5}));
}

TEST(CapiHashIds, FrozenFingerprintsInTheLargestBucketCount) {
  // With hash_bucket_size = 2^63 - 1 the bucket reveals (almost) the whole fingerprint.
  ColumnPtr h = Hash("tokens", INT64_MAX);
  ASSERT_TRUE(h);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("tokens", {{0, 0}, {0, 1}}, {1, 2}, {"Hello", "World"}));
  const uint64_t m = static_cast<uint64_t>(INT64_MAX);
  EXPECT_EQ(Sparse(h.get(), b).ids,
            (std::vector<int64_t>{static_cast<int64_t>(kFingerprintHello % m),
                                  static_cast<int64_t>(kFingerprintWorld % m)}));
  EXPECT_EQ(static_cast<int64_t>(kFingerprintHello % m), 6181326957702750344);
}

TEST(CapiHashIds, AllLengthPathsOfTheHash) {
  // farmhashna::Hash64 has separate paths for 0-16, 17-32, 33-64 and > 64 bytes.
  struct Case {
    std::string s;
    int64_t bucket;  // Fingerprint64(s) mod 1000
  };
  const std::vector<Case> cases = {
      {std::string(16, 'w'), 376}, {std::string(17, 'w'), 523}, {std::string(20, 'x'), 348},
      {std::string(32, 'v'), 265}, {std::string(33, 'v'), 96},  {std::string(40, 'y'), 6},
      {std::string(64, 'u'), 795}, {std::string(65, 'u'), 983}, {std::string(100, 'z'), 73},
  };
  ColumnPtr h = Hash("tokens", 1000);
  ASSERT_TRUE(h);
  Batch b;
  std::vector<Index> idx;
  std::vector<std::string> values;
  std::vector<int64_t> want;
  for (size_t i = 0; i < cases.size(); ++i) {
    idx.push_back({0, static_cast<int64_t>(i)});
    values.push_back(cases[i].s);
    want.push_back(cases[i].bucket);
  }
  SF_ASSERT_OK(b.SparseStrings("tokens", idx, {1, static_cast<int64_t>(cases.size())}, values));
  EXPECT_EQ(Sparse(h.get(), b).ids, want);
}

TEST(CapiHashIds, EmptyStringInSparseInputIsHashed) {
  ColumnPtr h = Hash("tokens", 10);
  ASSERT_TRUE(h);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("tokens", {{0, 0}, {0, 1}}, {1, 2}, {"", "a"}));
  const SparseOut s = Sparse(h.get(), b);
  EXPECT_EQ(s.ids, (std::vector<int64_t>{3, 9}));
  EXPECT_EQ(s.indices, Idx3({{0, 0, 0}, {0, 1, 0}}));
}

TEST(CapiHashIds, IntegersAreHashedAsDecimalStrings) {
  ColumnPtr h = Hash("codes", 10, SEQFEAT_DTYPE_INT64);
  ASSERT_TRUE(h);
  Batch b64;
  SF_ASSERT_OK(b64.Sparse<int64_t>("codes", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {101, -5, 7}));
  EXPECT_EQ(Sparse(h.get(), b64).ids, (std::vector<int64_t>{3, 6, 8}));
  // int32 input into an int64 column is compatible.
  Batch b32;
  SF_ASSERT_OK(b32.Sparse<int32_t>("codes", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {101, -5, 7}));
  EXPECT_EQ(Sparse(h.get(), b32).ids, (std::vector<int64_t>{3, 6, 8}));
}

TEST(CapiHashIds, DtypeCompatibility) {
  ColumnPtr hs = Hash("k", 10, SEQFEAT_DTYPE_STRING);
  ColumnPtr hi = Hash("k", 10, SEQFEAT_DTYPE_INT32);
  ASSERT_TRUE(hs && hi);
  Batch ints, strings, floats;
  SF_ASSERT_OK(ints.Sparse<int64_t>("k", {{0, 0}}, {1, 1}, {1}));
  SF_ASSERT_OK(strings.SparseStrings("k", {{0, 0}}, {1, 1}, {"1"}));
  SF_ASSERT_OK(floats.Sparse<double>("k", {{0, 0}}, {1, 1}, {1.0}));
  SparseOut s;
  Outcome o = GetSparse(hs.get(), ints, &s);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_DTYPE_MISMATCH));
  EXPECT_TRUE(HasAll(o.message, {"k"}));
  o = GetSparse(hi.get(), strings, &s);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_DTYPE_MISMATCH));
  o = GetSparse(hs.get(), floats, &s);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_DTYPE_MISMATCH));
  o = GetSparse(hi.get(), floats, &s);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_DTYPE_MISMATCH));
  // int64 input into the int32 column: integer-ness agrees.
  EXPECT_TRUE(IsStatus(GetSparse(hi.get(), ints, &s), SEQFEAT_OK));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{9}));  // Fingerprint64("1") % 10
}

// ---------------------------------------------------------------------------------------------
// Vocabulary list (§4.3)
// ---------------------------------------------------------------------------------------------
TEST(CapiVocabularyListIds, StringsWithoutOov) {
  ColumnPtr v = VocabStrings("words", {"omar", "stringer", "marlo"});
  ASSERT_TRUE(v);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, {2, 2},
                               {"marlo", "skywalker", "omar", "stringer"}));
  EXPECT_EQ(Sparse(v.get(), b).ids, (std::vector<int64_t>{2, -1, 0, 1}));
}

TEST(CapiVocabularyListIds, StringsWithDefault) {
  ColumnPtr v = VocabStrings("words", {"omar", "stringer", "marlo"}, /*default_value=*/2);
  ASSERT_TRUE(v);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}}, {1, 2}, {"skywalker", "omar"}));
  EXPECT_EQ(Sparse(v.get(), b).ids, (std::vector<int64_t>{2, 0}));
}

TEST(CapiVocabularyListIds, StringsWithOovBuckets) {
  ColumnPtr v = VocabStrings("words", {"omar", "stringer", "marlo"}, -1, 3);
  ASSERT_TRUE(v);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}}, {1, 5},
                               {"marlo", "skywalker", "z", "zebra", "omar"}));
  // OOV id = 3 + Fingerprint64(value) % 3: skywalker 0, z 1, zebra 2.
  EXPECT_EQ(Sparse(v.get(), b).ids, (std::vector<int64_t>{2, 3, 4, 5, 0}));
}

TEST(CapiVocabularyListIds, EmptyStringInSparseInputIsLookedUp) {
  ColumnPtr v = VocabStrings("words", {"a", "b"}, -1, 10);
  ASSERT_TRUE(v);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}}, {1, 2}, {"", "b"}));
  // Fingerprint64("") % 10 = 3 -> 2 + 3.
  EXPECT_EQ(Sparse(v.get(), b).ids, (std::vector<int64_t>{5, 1}));
}

TEST(CapiVocabularyListIds, Integers) {
  ColumnPtr v = VocabInts("nums", {10, 20, 30});
  ColumnPtr oov = VocabInts("nums", {10, 20, 30}, -1, 5);
  ASSERT_TRUE(v && oov);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("nums", {{0, 0}, {0, 1}, {0, 2}, {0, 3}}, {1, 4}, {30, 99, 10, -5}));
  EXPECT_EQ(Sparse(v.get(), b).ids, (std::vector<int64_t>{2, -1, 0, -1}));
  // OOV: 3 + Fingerprint64("99") % 5 = 3 + 2; 3 + Fingerprint64("-5") % 5 = 3 + 1.
  EXPECT_EQ(Sparse(oov.get(), b).ids, (std::vector<int64_t>{2, 5, 0, 4}));
  Batch b32;
  SF_ASSERT_OK(b32.Sparse<int32_t>("nums", {{0, 0}, {0, 1}}, {1, 2}, {20, 99}));
  EXPECT_EQ(Sparse(oov.get(), b32).ids, (std::vector<int64_t>{1, 5}));
}

TEST(CapiVocabularyListIds, DtypeCompatibility) {
  ColumnPtr s = VocabStrings("k", {"a"});
  ColumnPtr i = VocabInts("k", {1});
  ASSERT_TRUE(s && i);
  Batch ints, strings;
  SF_ASSERT_OK(ints.Sparse<int64_t>("k", {{0, 0}}, {1, 1}, {1}));
  SF_ASSERT_OK(strings.SparseStrings("k", {{0, 0}}, {1, 1}, {"a"}));
  SparseOut out;
  Outcome o = GetSparse(s.get(), ints, &out);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_DTYPE_MISMATCH));
  EXPECT_TRUE(HasAll(o.message, {"k"}));
  o = GetSparse(i.get(), strings, &out);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_DTYPE_MISMATCH));
}

// ---------------------------------------------------------------------------------------------
// Vocabulary file (§4.4)
// ---------------------------------------------------------------------------------------------
TEST(CapiVocabularyFileIds, Strings) {
  TempDir dir;
  ColumnPtr v = VocabFile("words", dir.Write("w.txt", "omar\nstringer\nmarlo\n"));
  ASSERT_TRUE(v);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}, {1, 0}, {1, 1}}, {2, 2},
                               {"marlo", "skywalker", "omar", "stringer"}));
  EXPECT_EQ(Sparse(v.get(), b).ids, (std::vector<int64_t>{2, -1, 0, 1}));
}

TEST(CapiVocabularyFileIds, CarriageReturnStrippedAndWholeLineIsTheKey) {
  TempDir dir;
  // One trailing '\r' is stripped; spaces and tabs are part of the key (no trimming, no split).
  ColumnPtr v = VocabFile("words", dir.Write("w.txt", "omar\r\n stringer\nmar\tlo\n"));
  ASSERT_TRUE(v);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}}, {1, 5},
                               {"omar", "stringer", " stringer", "mar\tlo", "omar\r"}));
  EXPECT_EQ(Sparse(v.get(), b).ids, (std::vector<int64_t>{0, -1, 1, 2, -1}));
}

TEST(CapiVocabularyFileIds, OovBucketsAndOnlyTheFirstLines) {
  TempDir dir;
  const std::string path = dir.Write("w.txt", "omar\nstringer\nmarlo\n");
  ColumnPtr oov = VocabFile("words", path, -1, 3);
  ColumnPtr first_two = VocabFile("words", path, 2, 5);
  ColumnPtr with_default = VocabFile("words", path, 3, 0, 1);
  ASSERT_TRUE(oov && first_two && with_default);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}, {0, 2}, {0, 3}}, {1, 4},
                               {"skywalker", "zebra", "marlo", "omar"}));
  EXPECT_EQ(Sparse(oov.get(), b).ids, (std::vector<int64_t>{3, 5, 2, 0}));
  // Only "omar", "stringer" loaded; OOV offset 2; marlo -> 2 + 1, skywalker -> 2 + 0,
  // zebra -> 2 + (10208485115171276162 % 5 = 2).
  EXPECT_EQ(Sparse(first_two.get(), b).ids, (std::vector<int64_t>{2, 4, 3, 0}));
  EXPECT_EQ(Sparse(with_default.get(), b).ids, (std::vector<int64_t>{1, 1, 2, 0}));
}

TEST(CapiVocabularyFileIds, Integers) {
  TempDir dir;
  const std::string path = dir.Write("n.txt", "10\n20\n30\n");
  ColumnPtr v = VocabFile("nums", path, -1, 0, SEQFEAT_NO_DEFAULT, SEQFEAT_DTYPE_INT64);
  ColumnPtr oov = VocabFile("nums", path, -1, 5, SEQFEAT_NO_DEFAULT, SEQFEAT_DTYPE_INT64);
  ASSERT_TRUE(v && oov);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("nums", {{0, 0}, {0, 1}, {0, 2}}, {1, 3}, {20, 99, -5}));
  EXPECT_EQ(Sparse(v.get(), b).ids, (std::vector<int64_t>{1, -1, -1}));
  EXPECT_EQ(Sparse(oov.get(), b).ids, (std::vector<int64_t>{1, 5, 4}));
}

// ---------------------------------------------------------------------------------------------
// Dense inputs (§1.4): -1 and "" are dropped for categorical columns
// ---------------------------------------------------------------------------------------------
TEST(CapiDenseInput, IntegerIgnoreValue) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Dense<int64_t>("ids", {2, 3}, {1, -1, 2, -1, -1, -1}));
  const SparseOut s = Sparse(ids.get(), b);
  EXPECT_EQ(s.indices, Idx3({{0, 0, 0}, {0, 2, 0}}));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{2, 3, 1}));
  // Through an indicator: the gap is an empty step, the dropped example has length 0.
  ColumnPtr ind = Indicator(ids.get());
  FeaturesPtr layer = Layer({ind.get()});
  ASSERT_TRUE(layer);
  Packed p;
  ASSERT_NO_FATAL_FAILURE(PackOk(layer.get(), b, &p));
  EXPECT_EQ(p.T, 3);
  EXPECT_EQ(p.dense, (std::vector<float>{0, 1, 0, 0, 0, 0, 0, 0, 1,  //
                                         0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(p.lengths, (std::vector<int64_t>{3, 0}));
}

TEST(CapiDenseInput, Int32AndThreeDimensional) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Dense<int32_t>("ids", {1, 2, 2}, {0, -1, -1, 2}));
  const SparseOut s = Sparse(ids.get(), b);
  EXPECT_EQ(s.indices, Idx3({{0, 0, 0}, {0, 1, 1}}));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{1, 2, 2}));
}

TEST(CapiDenseInput, StringIgnoreValue) {
  ColumnPtr v = VocabStrings("words", {"a", "b"});
  ASSERT_TRUE(v);
  Batch b;
  SF_ASSERT_OK(b.DenseStrings("words", {1, 3}, {"a", "", "b"}));
  const SparseOut s = Sparse(v.get(), b);
  EXPECT_EQ(s.indices, Idx3({{0, 0, 0}, {0, 2, 0}}));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{0, 1}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{1, 3, 1}));
  ColumnPtr h = Hash("words", 10);
  ASSERT_TRUE(h);
  EXPECT_EQ(Sparse(h.get(), b).ids, (std::vector<int64_t>{9, 2}));
}

TEST(CapiDenseInput, RankOneIsOneStepPerExample) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Dense<int64_t>("ids", {3}, {2, -1, 0}));
  const SparseOut s = Sparse(ids.get(), b);
  EXPECT_EQ(s.indices, Idx3({{0, 0, 0}, {2, 0, 0}}));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{2, 0}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{3, 1, 1}));
}

TEST(CapiSparseInput, RankOneIsOneStepPerExample) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0}, {2}}, {3}, {1, 2}));
  const SparseOut s = Sparse(ids.get(), b);
  EXPECT_EQ(s.indices, Idx3({{0, 0, 0}, {2, 0, 0}}));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{3, 1, 1}));
}

TEST(CapiSparseInput, NegativeIdsAreNotFilteredInSparseInput) {
  ColumnPtr ids = Identity("ids", 3);
  ASSERT_TRUE(ids);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}}, {1, 2}, {-1, 1}));
  EXPECT_EQ(Sparse(ids.get(), b).ids, (std::vector<int64_t>{-1, 1}));
}

// ---------------------------------------------------------------------------------------------
// Weighted (§4.5)
// ---------------------------------------------------------------------------------------------
TEST(CapiWeightedIds, WeightsFollowIdsByPosition) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "w");
  ASSERT_TRUE(w);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {3, 1, 2}));
  SF_ASSERT_OK(b.Sparse<float>("w", {{0, 0}, {0, 1}, {1, 0}}, {2, 2}, {0.5f, 2.0f, -1.0f}));
  const SparseOut s = Sparse(w.get(), b);
  EXPECT_EQ(s.ids, (std::vector<int64_t>{3, 1, 2}));
  EXPECT_EQ(s.indices, Idx3({{0, 0, 0}, {0, 1, 0}, {1, 0, 0}}));
  ASSERT_TRUE(s.has_weights);
  EXPECT_EQ(s.weights, (std::vector<float>{0.5f, 2.0f, -1.0f}));
}

TEST(CapiWeightedIds, IntegerWeightsAreCastToFloat) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "w", SEQFEAT_DTYPE_INT64);
  ASSERT_TRUE(w);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}}, {1, 2}, {3, 1}));
  SF_ASSERT_OK(b.Sparse<int64_t>("w", {{0, 0}, {0, 1}}, {1, 2}, {2, 5}));
  const SparseOut s = Sparse(w.get(), b);
  ASSERT_TRUE(s.has_weights);
  EXPECT_EQ(s.weights, (std::vector<float>{2.0f, 5.0f}));
}

TEST(CapiWeightedIds, MissingWeightFeature) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "importance");
  ASSERT_TRUE(w);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}}, {1, 1}, {3}));
  SparseOut s;
  const Outcome o = GetSparse(w.get(), b, &s);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_NOT_FOUND));
  EXPECT_TRUE(HasAll(o.message, {"importance"}));
}

TEST(CapiWeightedIds, WeightCountMustMatchIdCount) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "w");
  ASSERT_TRUE(w);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}, {0, 1}, {0, 2}}, {1, 3}, {3, 1, 2}));
  SF_ASSERT_OK(b.Sparse<float>("w", {{0, 0}, {0, 1}}, {1, 3}, {1.0f, 2.0f}));
  SparseOut s;
  const Outcome o = GetSparse(w.get(), b, &s);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT));
  EXPECT_TRUE(HasAll(o.message, {"w"}));
}

// ---------------------------------------------------------------------------------------------
// Bytes are hashed and looked up as given
// ---------------------------------------------------------------------------------------------
TEST(CapiHashIds, EmbeddedNulAndUtf8AreHashedAsBytes) {
  ColumnPtr h = Hash("tokens", 10);
  ASSERT_TRUE(h);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("tokens", {{0, 0}, {0, 1}, {0, 2}}, {1, 3},
                               {std::string("a\0b", 3), "caf\xc3\xa9", "a"}));
  EXPECT_EQ(Sparse(h.get(), b).ids, (std::vector<int64_t>{0, 7, 9}));
}

TEST(CapiHashIds, ExtremeIntegersUseTheirDecimalSpelling) {
  ColumnPtr h = Hash("codes", 10, SEQFEAT_DTYPE_INT64);
  ASSERT_TRUE(h);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("codes", {{0, 0}, {0, 1}}, {1, 2}, {INT64_MIN, INT64_MAX}));
  EXPECT_EQ(Sparse(h.get(), b).ids, (std::vector<int64_t>{2, 9}));
}

TEST(CapiHashIds, SingleBucket) {
  ColumnPtr h = Hash("tokens", 1);
  ASSERT_TRUE(h);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("tokens", {{0, 0}, {0, 1}}, {1, 2}, {"Hello", "World"}));
  EXPECT_EQ(Sparse(h.get(), b).ids, (std::vector<int64_t>{0, 0}));
}

TEST(CapiVocabularyListIds, KeysWithEmbeddedNulAreDistinct) {
  ColumnPtr v = VocabStrings("words", {"a", std::string("a\0b", 3), "ab"});
  ASSERT_TRUE(v);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}, {0, 2}, {0, 3}}, {1, 4},
                               {"ab", std::string("a\0b", 3), "a", std::string("a\0", 2)}));
  EXPECT_EQ(Sparse(v.get(), b).ids, (std::vector<int64_t>{2, 1, 0, -1}));
}

TEST(CapiVocabularyFileIds, OnlyOneTrailingCarriageReturnIsStripped) {
  TempDir dir;
  ColumnPtr v = VocabFile("words", dir.Write("w.txt", "a\r\r\nb\rc\n"));
  ASSERT_TRUE(v);
  Batch b;
  SF_ASSERT_OK(b.SparseStrings("words", {{0, 0}, {0, 1}, {0, 2}, {0, 3}}, {1, 4},
                               {"a\r", "a", "b\rc", "b"}));
  EXPECT_EQ(Sparse(v.get(), b).ids, (std::vector<int64_t>{0, -1, 1, -1}));
}

TEST(CapiWeightedIds, DenseWeightsDropZeros) {
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "w");
  ASSERT_TRUE(w);
  Batch b;
  // ids drop -1, weights drop 0.0: both keep cells 0 and 2.
  SF_ASSERT_OK(b.Dense<int64_t>("ids", {1, 3}, {3, -1, 1}));
  SF_ASSERT_OK(b.Dense<float>("w", {1, 3}, {0.5f, 0.0f, 2.0f}));
  const SparseOut s = Sparse(w.get(), b);
  EXPECT_EQ(s.ids, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(s.indices, Idx3({{0, 0, 0}, {0, 2, 0}}));
  ASSERT_TRUE(s.has_weights);
  EXPECT_EQ(s.weights, (std::vector<float>{0.5f, 2.0f}));
}

TEST(CapiSparseTensorsCall, RejectsDenseColumns) {
  ColumnPtr ids = Identity("ids", 4);
  ColumnPtr x = Numeric("x");
  ASSERT_TRUE(ids && x);
  ColumnPtr emb = Embedding(ids.get(), EmbeddingSpec{.dimension = 2});
  ColumnPtr ind = Indicator(ids.get());
  ASSERT_TRUE(emb && ind);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}}, {1, 1}, {1}));
  SF_ASSERT_OK(b.Sparse<float>("x", {{0, 0}}, {1, 1}, {1}));
  for (const seqfeat_column* c : {emb.get(), ind.get(), x.get()}) {
    seqfeat_tensor* i = Sentinel<seqfeat_tensor>();
    seqfeat_tensor* v = Sentinel<seqfeat_tensor>();
    seqfeat_tensor* s = Sentinel<seqfeat_tensor>();
    seqfeat_tensor* w = Sentinel<seqfeat_tensor>();
    const Outcome o = Capture(seqfeat_column_get_sparse_tensors(c, b.get(), &i, &v, &s, &w));
    EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_INVALID_ARGUMENT)) << Name(c);
    EXPECT_EQ(i, Sentinel<seqfeat_tensor>());
    EXPECT_EQ(v, Sentinel<seqfeat_tensor>());
  }
}

TEST(CapiWeightedIds, WeightDtypeMustEqualTheColumnDtype) {
  // compatibility.md §4.5: ValueError("Bad dtype, expected float32, but got float64.")
  ColumnPtr ids = Identity("ids", 4);
  ASSERT_TRUE(ids);
  ColumnPtr w = Weighted(ids.get(), "weight_feat", SEQFEAT_DTYPE_FLOAT32);
  ASSERT_TRUE(w);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ids", {{0, 0}}, {1, 1}, {3}));
  SF_ASSERT_OK(b.Sparse<double>("weight_feat", {{0, 0}}, {1, 1}, {0.5}));
  SparseOut s;
  const Outcome o = GetSparse(w.get(), b, &s);
  EXPECT_TRUE(IsStatus(o, SEQFEAT_ERR_DTYPE_MISMATCH));
  EXPECT_TRUE(HasAll(o.message, {"weight_feat"}));
}

// A non-sequence column keeps the rank of its input (TF's get_sparse_tensors returns the input's
// SparseTensor with the values looked up); a sequence column's ids are always [B, T, K].
TEST(CapiSparseTensorsCall, NonSequenceColumnKeepsTheInputRank) {
  ColumnPtr ctx = Identity("ctx", 5, SEQFEAT_NO_DEFAULT, 0);
  ColumnPtr seq = Identity("ctx", 5);
  ASSERT_TRUE(ctx && seq);
  Batch b;
  SF_ASSERT_OK(b.Sparse<int64_t>("ctx", {{0, 0, 0}, {0, 1, 0}, {1, 0, 0}}, {2, 2, 1}, {1, 2, 3}));
  SparseOut s;
  ASSERT_TRUE(IsStatus(GetSparse(ctx.get(), b, &s), SEQFEAT_OK));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{2, 2, 1}));
  EXPECT_EQ(s.indices, Idx3({{0, 0, 0}, {0, 1, 0}, {1, 0, 0}}));
  EXPECT_EQ(s.ids, (std::vector<int64_t>{1, 2, 3}));
  // Rank 4 stays rank 4 (the sequence column flattens dims 2.. into K).
  Batch r4;
  SF_ASSERT_OK(r4.Sparse<int64_t>("ctx", {{0, 0, 0, 1}, {0, 0, 1, 0}}, {1, 1, 2, 2}, {4, 0}));
  ASSERT_TRUE(IsStatus(GetSparse(ctx.get(), r4, &s), SEQFEAT_OK));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_EQ(s.indices, (std::vector<int64_t>{0, 0, 0, 1, 0, 0, 1, 0}));
  ASSERT_TRUE(IsStatus(GetSparse(seq.get(), r4, &s), SEQFEAT_OK));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{1, 1, 4}));
  EXPECT_EQ(s.indices, Idx3({{0, 0, 1}, {0, 0, 2}}));
  // A dense [2, 2] input stays [2, 2]; the sequence column adds K = 1.
  Batch d;
  SF_ASSERT_OK(d.Dense<int64_t>("ctx", {2, 2}, {1, -1, 3, 4}));
  ASSERT_TRUE(IsStatus(GetSparse(ctx.get(), d, &s), SEQFEAT_OK));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(s.indices, (std::vector<int64_t>{0, 0, 1, 0, 1, 1}));
  ASSERT_TRUE(IsStatus(GetSparse(seq.get(), d, &s), SEQFEAT_OK));
  EXPECT_EQ(s.dense_shape, (std::vector<int64_t>{2, 2, 1}));
}

}  // namespace
}  // namespace sftest
