// The fast paths that turn caller string layouts into string views: the trailing-NUL trim of
// fixed-width items, the UTF-32 conversion (all-ASCII arrays and the general encoder) and the
// split of NUL-separated strings, each checked against a naive reference on random inputs.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../common/naive_utf8.h"
#include "error.h"
#include "input.h"

namespace seqfeat {
namespace {

std::string NaiveTrim(const char* item, size_t width) {
  size_t n = width;
  while (n > 0 && item[n - 1] == '\0') --n;
  return std::string(item, n);
}

// Every string value of the input, read through at() and through for_each() (which must agree).
std::vector<std::string> Values(const FeatureInput& in) {
  std::vector<std::string> by_index;
  for (int64_t i = 0; i < in.num_values; ++i) by_index.emplace_back(in.strings.at(i));
  std::vector<int64_t> index(static_cast<size_t>(in.num_values));
  for (size_t i = 0; i < index.size(); ++i) index[i] = static_cast<int64_t>(index.size() - 1 - i);
  std::vector<std::string> by_each(index.size());
  in.strings.for_each(index.data(), in.num_values, [&](int64_t j, std::string_view s) {
    by_each[index.size() - 1 - static_cast<size_t>(j)] = std::string(s);
  });
  EXPECT_EQ(by_index, by_each);
  return by_index;
}

TEST(FixedWidthLength, MatchesNaiveTrimOnRandomItems) {
  std::mt19937_64 rng(5);
  for (size_t width = 1; width <= 41; ++width) {
    for (int trial = 0; trial < 200; ++trial) {
      std::string item(width, '\0');
      const size_t len = rng() % (width + 1);
      // Non-NUL bytes of every value (incl. 0x80-0xFF), with embedded NULs kept.
      for (size_t i = 0; i < len; ++i)
        item[i] = rng() % 5 == 0 ? '\0' : static_cast<char>(1 + rng() % 255);
      EXPECT_EQ(std::string(item.data(), fixed_width_length(item.data(), width)),
                NaiveTrim(item.data(), width))
          << "width " << width;
    }
  }
}

TEST(FixedWidthStrings, ViewsTrimTrailingNulsOnly) {
  FeatureInput in;
  const char items[] = "ab\0c\0\0" "\0\0\0\0\0\0" "xyzuvw" "\0\0\0\0\0q";
  in.num_values = 4;
  in.strings.bytes = items;
  in.strings.itemsize = 6;
  EXPECT_EQ(Values(in), (std::vector<std::string>{std::string("ab\0c", 4), "", "xyzuvw",
                                                   std::string("\0\0\0\0\0q", 6)}));
}

// Random UTF-32 items of `width` code points: letters, NUL inside a string, and (unless ascii)
// 2-, 3- and 4-byte code points; padded with NUL code points.
std::vector<char32_t> RandomUtf32(std::mt19937_64& rng, size_t count, size_t width, bool ascii,
                                  std::vector<std::u32string>& values) {
  const char32_t alphabet[] = {U'a', U'Z', U'0', U' ', U'\x7f', U'\0', U'\u00e9', U'\u07ff',
                               U'\u0800', U'\u4e2d', U'\uffff', U'\U0001F600', U'\U0010FFFF'};
  const size_t letters = ascii ? 6 : std::size(alphabet);
  std::vector<char32_t> items(count * width, U'\0');
  values.assign(count, {});
  for (size_t i = 0; i < count; ++i) {
    const size_t len = rng() % (width + 1);
    for (size_t j = 0; j < len; ++j) items[i * width + j] = alphabet[rng() % letters];
    std::u32string s(&items[i * width], len);
    while (!s.empty() && s.back() == U'\0') s.pop_back();
    values[i] = s;
  }
  return items;
}

TEST(Utf32Strings, MatchNaiveEncodingOnRandomArrays) {
  std::mt19937_64 rng(9);
  FeatureInput in;  // reused, as a refilled batch reuses its storage
  in.key = "u";
  for (bool ascii : {true, false}) {
    for (size_t width : {1, 2, 3, 7, 8, 9, 16, 33}) {
      for (size_t count : {0, 1, 5, 64, 301}) {
        std::vector<std::u32string> values;
        const std::vector<char32_t> items = RandomUtf32(rng, count, width, ascii, values);
        set_utf32_strings(in, items.data(), width, static_cast<int64_t>(count));
        ASSERT_EQ(in.num_values, static_cast<int64_t>(count));
        std::vector<std::string> want;
        for (const auto& v : values) want.push_back(seqfeat::test::naive_utf8(v));
        EXPECT_EQ(Values(in), want) << "ascii " << ascii << " width " << width << " count "
                                    << count;
      }
    }
  }
}

TEST(Utf32Strings, OneNonAsciiItemTakesTheGeneralPathForTheArray) {
  FeatureInput in;
  in.key = "u";
  const char32_t items[] = {U'a', U'b', U'\0', U'\u00e9', U'\0', U'\0', U'\0', U'x', U'\0'};
  set_utf32_strings(in, items, 3, 3);
  EXPECT_EQ(Values(in), (std::vector<std::string>{"ab", "\xc3\xa9", std::string("\0x", 2)}));
}

TEST(Utf32Strings, InvalidCodePointsAreErrorsNamingFeatureAndValue) {
  FeatureInput in;
  in.key = "u";
  const char32_t surrogate[] = {U'a', U'\0', 0xDC00, U'b'};
  try {
    set_utf32_strings(in, surrogate, 2, 2);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Code::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("Feature u: string value 1"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("DC00"), std::string::npos) << e.what();
  }
  const char32_t too_large[] = {0x110000};
  EXPECT_THROW(set_utf32_strings(in, too_large, 1, 1), Error);
  const char32_t negative[] = {static_cast<char32_t>(0xFFFFFFFF)};
  EXPECT_THROW(set_utf32_strings(in, negative, 1, 1), Error);
}

std::string Joined(const std::vector<std::string>& values) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += '\0';
    out += values[i];
  }
  return out;
}

TEST(SeparatedStrings, SplitLikeTheNaiveSplitOnRandomInputs) {
  std::mt19937_64 rng(13);
  FeatureInput in;
  in.key = "s";
  for (size_t count : {1, 2, 3, 17, 100, 1000}) {
    for (size_t max_len : {0, 1, 5, 20, 70}) {
      std::vector<std::string> values(count);
      for (auto& v : values) {
        const size_t len = max_len ? rng() % (max_len + 1) : 0;
        for (size_t j = 0; j < len; ++j) v.push_back(static_cast<char>(1 + rng() % 255));
      }
      const std::string bytes = Joined(values);
      set_separated_strings(in, bytes.data(), bytes.size(), static_cast<int64_t>(count));
      EXPECT_EQ(Values(in), values) << "count " << count << " max_len " << max_len;
    }
  }
  set_separated_strings(in, nullptr, 0, 0);
  EXPECT_EQ(in.num_values, 0);
  set_separated_strings(in, nullptr, 0, 1);
  EXPECT_EQ(Values(in), std::vector<std::string>{""});
}

TEST(SeparatedStrings, AWrongNumberOfSeparatorsIsAnErrorNamingTheFeature) {
  FeatureInput in;
  in.key = "s";
  const std::string bytes("ab\0c\0\0d", 7);  // 3 NULs: 4 strings
  for (int64_t count : {1, 2, 3, 5, 40}) {
    try {
      set_separated_strings(in, bytes.data(), bytes.size(), count);
      ADD_FAILURE() << "no error for " << count << " strings";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Code::kInvalidArgument);
      const std::string want = "Feature s: " + std::to_string(count) +
                               " strings separated by NUL bytes need " +
                               std::to_string(count - 1) + " NUL bytes, but the 7 bytes hold 3";
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
  }
  set_separated_strings(in, bytes.data(), bytes.size(), 4);
  EXPECT_EQ(Values(in), (std::vector<std::string>{"ab", "c", "", "d"}));
  // A count the bytes cannot hold is refused before anything is sized by it.
  EXPECT_THROW(set_separated_strings(in, "x", 1, int64_t{1} << 62), Error);
  EXPECT_THROW(set_separated_strings(in, "x", 1, 0), Error);
  EXPECT_THROW(set_separated_strings(in, nullptr, 3, 1), Error);
  EXPECT_THROW(set_separated_strings(in, "x", 1, -1), Error);
}

}  // namespace
}  // namespace seqfeat
