#include "vocabulary.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "error.h"
#include "hash.h"

namespace seqfeat {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Runs `fn`, expects a seqfeat::Error with exactly this code and message.
void expect_error(const std::function<void()>& fn, Code code, const std::string& message) {
  try {
    fn();
    ADD_FAILURE() << "no error thrown; expected: " << message;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_EQ(std::string(e.what()), message);
  }
}

std::string random_string(std::mt19937_64& rng) {
  static const char kAlphabet[] = "abcdefgh\0\r\n \xe2\x82\xac";
  const size_t len = rng() % 40;
  std::string s(len, '\0');
  for (char& c : s) c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
  return s;
}

// ---- StringVocabulary ----

TEST(StringVocabulary, FindsEachKeyAtItsPosition) {
  const StringVocabulary vocab({"omar", "stringer", "marlo"}, "aaa");
  EXPECT_EQ(vocab.size(), 3u);
  EXPECT_EQ(vocab.find("omar"), 0);
  EXPECT_EQ(vocab.find("stringer"), 1);
  EXPECT_EQ(vocab.find("marlo"), 2);
  EXPECT_EQ(vocab.find("skywalker"), -1);
  EXPECT_EQ(vocab.find(""), -1);
  EXPECT_EQ(vocab.find("omar "), -1);
  EXPECT_EQ(vocab.find("oma"), -1);
  EXPECT_EQ(vocab.keys(), (std::vector<std::string>{"omar", "stringer", "marlo"}));
}

TEST(StringVocabulary, EmptyKeyAndEmptyVocabulary) {
  const StringVocabulary with_empty({"", "x"}, "c");
  EXPECT_EQ(with_empty.find(""), 0);
  EXPECT_EQ(with_empty.find("x"), 1);
  const StringVocabulary empty({}, "c");
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.find(""), -1);
  EXPECT_EQ(empty.find("a"), -1);
}

TEST(StringVocabulary, MatchesNaiveMapOnRandomData) {
  std::mt19937_64 rng(42);
  for (size_t n : {size_t{1}, size_t{2}, size_t{3}, size_t{17}, size_t{1000}, size_t{20000}}) {
    std::map<std::string, int64_t> reference;
    std::vector<std::string> keys;
    while (keys.size() < n) {
      std::string s = random_string(rng);
      if (reference.emplace(s, static_cast<int64_t>(keys.size())).second) keys.push_back(s);
    }
    const StringVocabulary vocab(keys, "col");
    ASSERT_EQ(vocab.size(), n);
    EXPECT_EQ(vocab.keys(), keys);
    for (size_t i = 0; i < keys.size(); ++i) {
      ASSERT_EQ(vocab.find(keys[i]), static_cast<int64_t>(i));
      ASSERT_EQ(vocab.find(keys[i], fingerprint64(keys[i])), static_cast<int64_t>(i));
    }
    for (int i = 0; i < 5000; ++i) {
      const std::string probe = random_string(rng);
      const auto it = reference.find(probe);
      const int64_t want = it == reference.end() ? -1 : it->second;
      ASSERT_EQ(vocab.find(probe), want);
      // The batched steps agree with find().
      const uint64_t fp = fingerprint64(probe);
      ASSERT_EQ(vocab.confirm(probe, fp, vocab.candidate(fp)), want);
    }
  }
}

// confirm() given the id of another key (as when two keys share a fingerprint) probes on.
TEST(StringVocabulary, ConfirmOfAWrongCandidateFindsTheKey) {
  const StringVocabulary vocab({"a", "b", "c"}, "col");
  for (const std::string key : {"a", "b", "c", "d"}) {
    const uint64_t fp = fingerprint64(key);
    const int64_t want = key == "d" ? -1 : key[0] - 'a';
    EXPECT_EQ(vocab.candidate(fp), want) << key;
    for (int64_t wrong : {0, 1, 2}) EXPECT_EQ(vocab.confirm(key, fp, wrong), want) << key;
  }
}

TEST(StringVocabulary, RejectsDuplicates) {
  expect_error([] { StringVocabulary({"a", "b", "a"}, "aaa"); }, Code::kInvalidArgument,
               "aaa: Duplicate keys in vocabulary_list: \"a\" at positions 0 and 2");
  expect_error([] { StringVocabulary({"x", "", "y", ""}, "col"); }, Code::kInvalidArgument,
               "col: Duplicate keys in vocabulary_list: \"\" at positions 1 and 3");
}

// ---- IntVocabulary ----

TEST(IntVocabulary, FindsEachKeyAtItsPosition) {
  const IntVocabulary vocab({42, -1, 0, kMin, kMax}, "c");
  EXPECT_EQ(vocab.size(), 5u);
  EXPECT_EQ(vocab.find(42), 0);
  EXPECT_EQ(vocab.find(-1), 1);
  EXPECT_EQ(vocab.find(0), 2);
  EXPECT_EQ(vocab.find(kMin), 3);
  EXPECT_EQ(vocab.find(kMax), 4);
  EXPECT_EQ(vocab.find(1), -1);
  EXPECT_EQ(vocab.find(kMin + 1), -1);
  EXPECT_EQ(vocab.keys(), (std::vector<int64_t>{42, -1, 0, kMin, kMax}));
  const IntVocabulary empty({}, "c");
  EXPECT_EQ(empty.find(0), -1);
  EXPECT_EQ(empty.find(-1), -1);
}

TEST(IntVocabulary, MatchesNaiveMapOnRandomData) {
  std::mt19937_64 rng(99);
  for (size_t n : {size_t{1}, size_t{5}, size_t{64}, size_t{1000}, size_t{50000}}) {
    std::map<int64_t, int64_t> reference;
    std::vector<int64_t> keys;
    while (keys.size() < n) {
      // Small and dense keys (typical ids) mixed with full-range ones.
      const int64_t k = (rng() % 2 == 0) ? static_cast<int64_t>(rng() % (3 * n)) - 10
                                         : static_cast<int64_t>(rng());
      if (reference.emplace(k, static_cast<int64_t>(keys.size())).second) keys.push_back(k);
    }
    const IntVocabulary vocab(keys, "col");
    EXPECT_EQ(vocab.keys(), keys);
    for (size_t i = 0; i < keys.size(); ++i) ASSERT_EQ(vocab.find(keys[i]), static_cast<int64_t>(i));
    for (int i = 0; i < 5000; ++i) {
      const int64_t probe = (i % 2 == 0) ? static_cast<int64_t>(rng() % (4 * n)) - 20
                                         : static_cast<int64_t>(rng());
      const auto it = reference.find(probe);
      ASSERT_EQ(vocab.find(probe), it == reference.end() ? -1 : it->second);
    }
  }
}

TEST(IntVocabulary, RejectsDuplicates) {
  expect_error([] { IntVocabulary({3, 7, 9, 7}, "ids"); }, Code::kInvalidArgument,
               "ids: Duplicate keys in vocabulary_list: 7 at positions 1 and 3");
  expect_error([] { IntVocabulary({kMin, kMin}, "ids"); }, Code::kInvalidArgument,
               "ids: Duplicate keys in vocabulary_list: -9223372036854775808 at positions 0 and 1");
}

// ---- vocabulary files ----

class VocabularyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("seqfeat_vocab_" + std::to_string(::getpid()) + "_" + info->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `content` byte for byte and returns the file's path.
  std::string write(const std::string& name, const std::string& content) {
    const std::string path = (dir_ / name).string();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
    std::fclose(f);
    return path;
  }

  std::filesystem::path dir_;
};

using Lines = std::vector<std::string>;

TEST_F(VocabularyFile, CrLfEndingsAreStripped) {
  const std::string path = write("v.txt", "omar\r\nstringer\r\nmarlo\r\n");
  EXPECT_EQ(read_vocabulary_file(path, -1), (Lines{"omar", "stringer", "marlo"}));
  EXPECT_EQ(read_vocabulary_file(path, 3), (Lines{"omar", "stringer", "marlo"}));
  EXPECT_EQ(count_vocabulary_lines(path), 3);
}

TEST_F(VocabularyFile, OnlyOneCarriageReturnIsStripped) {
  const std::string path = write("v.txt", "a\r\r\nb\rc\n");
  EXPECT_EQ(read_vocabulary_file(path, -1), (Lines{"a\r", "b\rc"}));
  EXPECT_EQ(count_vocabulary_lines(path), 2);
}

TEST_F(VocabularyFile, FinalLineWithoutNewlineCounts) {
  const std::string no_newline = write("a.txt", "omar\nstringer\nmarlo");
  EXPECT_EQ(read_vocabulary_file(no_newline, -1), (Lines{"omar", "stringer", "marlo"}));
  EXPECT_EQ(read_vocabulary_file(no_newline, 3), (Lines{"omar", "stringer", "marlo"}));
  EXPECT_EQ(count_vocabulary_lines(no_newline), 3);
  const std::string crlf_no_newline = write("b.txt", "omar\r\nmarlo\r");
  EXPECT_EQ(read_vocabulary_file(crlf_no_newline, -1), (Lines{"omar", "marlo"}));
  EXPECT_EQ(count_vocabulary_lines(crlf_no_newline), 2);
}

TEST_F(VocabularyFile, TrailingNewlineAddsNothing) {
  const std::string path = write("v.txt", "omar\nstringer\n");
  EXPECT_EQ(read_vocabulary_file(path, -1), (Lines{"omar", "stringer"}));
  EXPECT_EQ(count_vocabulary_lines(path), 2);
  // A lone '\r' after the last newline is not a line either.
  const std::string cr_tail = write("cr.txt", "omar\n\r");
  EXPECT_EQ(read_vocabulary_file(cr_tail, -1), (Lines{"omar"}));
  EXPECT_EQ(count_vocabulary_lines(cr_tail), 1);
}

TEST_F(VocabularyFile, KeyIsTheWholeLine) {
  const std::string path = write("v.txt", std::string(" a b\t\nx,y\nnul\0byte\n", 19));
  EXPECT_EQ(read_vocabulary_file(path, -1), (Lines{" a b\t", "x,y", std::string("nul\0byte", 8)}));
}

TEST_F(VocabularyFile, LongLinesAndLargeFiles) {
  // Lines longer than any small read buffer, and more than 64 KiB of data in total.
  std::string content;
  Lines expected;
  for (int i = 0; i < 5; ++i) {
    expected.push_back(std::string(30000 + static_cast<size_t>(i), static_cast<char>('a' + i)));
    content += expected.back() + (i % 2 == 0 ? "\r\n" : "\n");
  }
  const std::string path = write("v.txt", content);
  EXPECT_EQ(read_vocabulary_file(path, -1), expected);
  EXPECT_EQ(count_vocabulary_lines(path), 5);
}

TEST_F(VocabularyFile, VocabularySizeSmallerThanFileIgnoresLaterLines) {
  // Lines 3.. hold an empty line, a duplicate and a non-number: none of them is looked at.
  const std::string path = write("v.txt", "10\n20\n\n10\nnot a number\n");
  EXPECT_EQ(read_vocabulary_file(path, 2), (Lines{"10", "20"}));
  EXPECT_EQ(read_int_vocabulary_file(path, 2), (std::vector<int64_t>{10, 20}));
  EXPECT_EQ(read_vocabulary_file(path, 0), Lines{});
  EXPECT_EQ(count_vocabulary_lines(path), 5);
  const std::string dup_after = write("d.txt", "a\nb\na\n");
  EXPECT_EQ(read_vocabulary_file(dup_after, 2), (Lines{"a", "b"}));
}

TEST_F(VocabularyFile, TooFewLines) {
  const std::string path = write("v.txt", "omar\nstringer\n");
  expect_error([&] { read_vocabulary_file(path, 3); }, Code::kInvalidArgument,
               "Invalid vocab_size in " + path + ": expected 3 but got 2");
  const std::string ints = write("i.txt", "1\n2");
  expect_error([&] { read_int_vocabulary_file(ints, 4); }, Code::kInvalidArgument,
               "Invalid vocab_size in " + ints + ": expected 4 but got 2");
  const std::string empty = write("e.txt", "");
  expect_error([&] { read_vocabulary_file(empty, 1); }, Code::kInvalidArgument,
               "Invalid vocab_size in " + empty + ": expected 1 but got 0");
  EXPECT_EQ(read_vocabulary_file(empty, -1), Lines{});
  EXPECT_EQ(count_vocabulary_lines(empty), 0);
}

TEST_F(VocabularyFile, EmptyLine) {
  const std::string path = write("v.txt", "omar\n\nmarlo\n");
  expect_error([&] { read_vocabulary_file(path, -1); }, Code::kInvalidArgument,
               "Invalid content in " + path + ": empty line found at line 2");
  expect_error([&] { read_vocabulary_file(path, 3); }, Code::kInvalidArgument,
               "Invalid content in " + path + ": empty line found at line 2");
  // "\r\n" alone is an empty line too; so is a blank line at the end of the file.
  const std::string crlf = write("crlf.txt", "omar\r\n\r\nmarlo\r\n");
  expect_error([&] { read_vocabulary_file(crlf, -1); }, Code::kInvalidArgument,
               "Invalid content in " + crlf + ": empty line found at line 2");
  const std::string blank_end = write("end.txt", "omar\n\n");
  EXPECT_EQ(count_vocabulary_lines(blank_end), 2);
  expect_error([&] { read_vocabulary_file(blank_end, -1); }, Code::kInvalidArgument,
               "Invalid content in " + blank_end + ": empty line found at line 2");
  const std::string int_blank_end = write("int_end.txt", "5\n\n");
  expect_error([&] { read_int_vocabulary_file(int_blank_end, -1); }, Code::kInvalidArgument,
               "Invalid content in " + int_blank_end + ": empty line found at line 2");
}

TEST_F(VocabularyFile, DuplicateLine) {
  const std::string path = write("v.txt", "omar\nstringer\nmarlo\nstringer\n");
  expect_error([&] { read_vocabulary_file(path, -1); }, Code::kInvalidArgument,
               "Duplicate key in " + path + ": line 4 (\"stringer\") repeats line 2");
  // Lines equal after stripping '\r' are the same key.
  const std::string crlf = write("crlf.txt", "a\r\nb\na\n");
  expect_error([&] { read_vocabulary_file(crlf, -1); }, Code::kInvalidArgument,
               "Duplicate key in " + crlf + ": line 3 (\"a\") repeats line 1");
}

TEST_F(VocabularyFile, FirstProblemInFileOrderWins) {
  // Too few lines is only noticed at the end of the file, after the line checks.
  const std::string empty_then_short = write("a.txt", "a\n\n");
  expect_error([&] { read_vocabulary_file(empty_then_short, 5); }, Code::kInvalidArgument,
               "Invalid content in " + empty_then_short + ": empty line found at line 2");
  const std::string dup_then_empty = write("b.txt", "a\na\n\n");
  expect_error([&] { read_vocabulary_file(dup_then_empty, -1); }, Code::kInvalidArgument,
               "Duplicate key in " + dup_then_empty + ": line 2 (\"a\") repeats line 1");
  const std::string bad_then_dup = write("c.txt", "1\nx\n1\n");
  expect_error([&] { read_int_vocabulary_file(bad_then_dup, -1); }, Code::kInvalidArgument,
               "Field x in line 2 of " + bad_then_dup + " is not a valid int64");
  const std::string dup_then_bad = write("d.txt", "1\n01\nx\n");
  expect_error([&] { read_int_vocabulary_file(dup_then_bad, 9); }, Code::kInvalidArgument,
               "Duplicate key in " + dup_then_bad +
                   ": line 2 (01) has the same int64 value 1 as line 1 (1)");
}

TEST_F(VocabularyFile, IntVocabularyParsesLikeSafeStrto64) {
  const std::string path =
      write("v.txt", "42\n-5\n0\n 7 \n\t-8\n9223372036854775807\n-9223372036854775808\r\n");
  EXPECT_EQ(read_int_vocabulary_file(path, -1),
            (std::vector<int64_t>{42, -5, 0, 7, -8, kMax, kMin}));
  // TF hands the line to safe_strto64 as a C string: nothing after a NUL byte is parsed.
  EXPECT_EQ(parse_int_vocabulary({std::string("12\0junk", 7), "\v3\f"}, path),
            (std::vector<int64_t>{12, 3}));
  const Lines lines = read_vocabulary_file(path, -1);
  EXPECT_EQ(parse_int_vocabulary(lines, path),
            (std::vector<int64_t>{42, -5, 0, 7, -8, kMax, kMin}));
}

TEST_F(VocabularyFile, BadInt) {
  const std::string path = write("v.txt", "1\n2x\n3\n");
  expect_error([&] { read_int_vocabulary_file(path, -1); }, Code::kInvalidArgument,
               "Field 2x in line 2 of " + path + " is not a valid int64");
  for (const std::string bad : {"9223372036854775808", "-9223372036854775809",
                                "99999999999999999999", "+5", "-", " ", "", "1 2", "0x10",
                                "1.0", "1e3", "- 1", "--1", "١"}) {
    expect_error([&] { parse_int_vocabulary({"0", "1", bad}, path); }, Code::kInvalidArgument,
                 "Field " + bad + " in line 3 of " + path + " is not a valid int64");
  }
}

TEST_F(VocabularyFile, DuplicateIntValue) {
  expect_error([] { parse_int_vocabulary({"7", "8", "07"}, "ids.txt"); }, Code::kInvalidArgument,
               "Duplicate key in ids.txt: line 3 (07) has the same int64 value 7 as line 1 (7)");
  const std::string path = write("v.txt", "5\n-0\n0\n");
  expect_error([&] { read_int_vocabulary_file(path, -1); }, Code::kInvalidArgument,
               "Duplicate key in " + path + ": line 3 (0) has the same int64 value 0 as line 2 (-0)");
}

TEST_F(VocabularyFile, MissingFile) {
  const std::string path = (dir_ / "absent.txt").string();
  expect_error([&] { read_vocabulary_file(path, -1); }, Code::kNotFound,
               "Vocabulary file " + path + " not found");
  expect_error([&] { read_vocabulary_file(path, 3); }, Code::kNotFound,
               "Vocabulary file " + path + " not found");
  expect_error([&] { read_int_vocabulary_file(path, -1); }, Code::kNotFound,
               "Vocabulary file " + path + " not found");
  expect_error([&] { count_vocabulary_lines(path); }, Code::kNotFound,
               "Vocabulary file " + path + " not found");
  const std::string under_missing_dir = (dir_ / "nodir" / "v.txt").string();
  expect_error([&] { read_vocabulary_file(under_missing_dir, -1); }, Code::kNotFound,
               "Vocabulary file " + under_missing_dir + " not found");
}

TEST_F(VocabularyFile, UnreadableFileIsAnIoError) {
  // A directory opens but cannot be read.
  const std::string path = dir_.string();
  expect_error([&] { read_vocabulary_file(path, -1); }, Code::kIo,
               "Error reading vocabulary file " + path + " at line 1: Is a directory");
  expect_error([&] { count_vocabulary_lines(path); }, Code::kIo,
               "Error reading vocabulary file " + path + " at line 1: Is a directory");
}

TEST_F(VocabularyFile, FileLinesBuildAVocabulary) {
  const std::string path = write("v.txt", "omar\r\nstringer\nmarlo");
  const StringVocabulary vocab(read_vocabulary_file(path, count_vocabulary_lines(path)), "aaa");
  EXPECT_EQ(vocab.find("omar"), 0);
  EXPECT_EQ(vocab.find("stringer"), 1);
  EXPECT_EQ(vocab.find("marlo"), 2);
  EXPECT_EQ(vocab.find("omar\r"), -1);
}

}  // namespace
}  // namespace seqfeat
