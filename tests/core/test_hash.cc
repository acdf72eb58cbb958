#include "hash.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <farmhash.h>
#include <gtest/gtest.h>

namespace seqfeat {
namespace {

// TF's frozen values (core/platform/fingerprint_test.cc, Fingerprint64.IsForeverFrozen).
TEST(Fingerprint64, MatchesTensorFlowFrozenConstants) {
  EXPECT_EQ(fingerprint64("Hello"), 15404698994557526151ULL);
  EXPECT_EQ(fingerprint64("World"), 18308117990299812472ULL);
}

// string_to_hash_bucket_op_test.py, testStringToHashBucketsFast: the per-letter fingerprints
// given in its comments and the buckets it asserts.
TEST(Fingerprint64, MatchesTensorFlowStringToHashBucketFast) {
  EXPECT_EQ(fingerprint64("a"), 12917804110809363939ULL);
  EXPECT_EQ(fingerprint64("b"), 11795596070477164822ULL);
  EXPECT_EQ(fingerprint64("c"), 11430444447143000872ULL);
  EXPECT_EQ(fingerprint64("d"), 4470636696479570465ULL);
  const std::vector<std::string> input = {"a", "b", "c", "d"};
  std::vector<int64_t> buckets;
  for (const auto& s : input) buckets.push_back(hash_bucket(fingerprint64(s), 10));
  EXPECT_EQ(buckets, (std::vector<int64_t>{9, 2, 2, 5}));
  // testStringToOneHashBucketFast: one bucket puts everything in bucket 0.
  for (const auto& s : input) EXPECT_EQ(hash_bucket(fingerprint64(s), 1), 0);
}

// The division-free remainder against the % operator: small, power-of-two, odd and huge
// divisors, random and extreme dividends.
TEST(BucketOf, EqualsTheRemainderOperator) {
  std::mt19937_64 rng(77);
  std::vector<uint64_t> divisors = {1, 2, 3, 7, 10, 1 << 18, 1000003, 50010,
                                    std::numeric_limits<uint64_t>::max(),
                                    std::numeric_limits<uint64_t>::max() - 1, uint64_t{1} << 63,
                                    (uint64_t{1} << 63) + 1, std::numeric_limits<int64_t>::max()};
  for (int i = 0; i < 200; ++i) divisors.push_back(rng() >> (rng() % 64) | 1);
  for (uint64_t d : divisors) {
    const BucketOf bucket(d);
    std::vector<uint64_t> values = {0, 1, d - 1, d, d + 1, std::numeric_limits<uint64_t>::max(),
                                    std::numeric_limits<uint64_t>::max() - 1};
    for (int i = 0; i < 300; ++i) values.push_back(rng());
    for (uint64_t v : values)
      ASSERT_EQ(bucket(v), hash_bucket(v, d)) << v << " % " << d;
  }
}

TEST(Fingerprint64, EmptyStringAndEmbeddedNul) {
  EXPECT_EQ(fingerprint64(std::string_view()), util::Fingerprint64("", 0));
  const std::string with_nul("a\0b", 3);
  EXPECT_EQ(fingerprint64(with_nul), util::Fingerprint64(with_nul.data(), 3));
  EXPECT_NE(fingerprint64(with_nul), fingerprint64("a"));
}

// Lengths 0..130 cover all of FarmHash's length paths (0-16, 17-32, 33-64, > 64), at aligned
// and unaligned starts, with bytes of every value.
TEST(Fingerprint64, AgreesWithFarmHashForEveryLengthPath) {
  std::mt19937_64 rng(12345);
  std::string pool(200, '\0');
  for (char& c : pool) c = static_cast<char>(rng() & 0xff);
  for (size_t offset : {size_t{0}, size_t{1}, size_t{7}}) {
    for (size_t len = 0; len <= 130; ++len) {
      const std::string_view bytes(pool.data() + offset, len);
      EXPECT_EQ(fingerprint64(bytes), util::Fingerprint64(bytes.data(), bytes.size()))
          << "length " << len << " offset " << offset;
    }
  }
}

TEST(IntToDecimal, MatchesPercentLld) {
  char buf[24];
  EXPECT_EQ(int_to_decimal(0, buf), "0");
  EXPECT_EQ(int_to_decimal(-5, buf), "-5");
  EXPECT_EQ(int_to_decimal(101, buf), "101");
  EXPECT_EQ(int_to_decimal(std::numeric_limits<int64_t>::min(), buf), "-9223372036854775808");
  EXPECT_EQ(int_to_decimal(std::numeric_limits<int64_t>::max(), buf), "9223372036854775807");
  EXPECT_EQ(int_to_decimal(-1, buf), "-1");
  EXPECT_EQ(int_to_decimal(1000000, buf), "1000000");

  std::mt19937_64 rng(7);
  for (int i = 0; i < 2000; ++i) {
    // Mix full-range values with small ones, of both signs.
    auto value = static_cast<int64_t>(rng());
    if (i % 2 == 0) value >>= (rng() % 64);
    char expected[32];
    std::snprintf(expected, sizeof(expected), "%lld", static_cast<long long>(value));
    EXPECT_EQ(int_to_decimal(value, buf), std::string_view(expected)) << value;
  }
}

TEST(FingerprintOfInt, HashesTheDecimalString) {
  EXPECT_EQ(fingerprint64_of_int(101), util::Fingerprint64("101", 3));
  EXPECT_EQ(fingerprint64_of_int(-5), util::Fingerprint64("-5", 2));
  EXPECT_EQ(fingerprint64_of_int(0), util::Fingerprint64("0", 1));
  EXPECT_EQ(fingerprint64_of_int(std::numeric_limits<int64_t>::min()),
            util::Fingerprint64("-9223372036854775808", 20));
  EXPECT_EQ(fingerprint64_of_int(std::numeric_limits<int64_t>::max()),
            util::Fingerprint64("9223372036854775807", 19));
}

TEST(HashBucket, UsesUnsignedModulo) {
  // Fingerprints above INT64_MAX must not be reduced as negative numbers.
  EXPECT_EQ(hash_bucket(std::numeric_limits<uint64_t>::max(), 10), 5);
  EXPECT_EQ(hash_bucket(18308117990299812472ULL, 10), 2);
  EXPECT_EQ(hash_bucket(18308117990299812472ULL, 1), 0);
  EXPECT_EQ(hash_bucket(18308117990299812472ULL, 1000003), 18308117990299812472ULL % 1000003);
  EXPECT_EQ(hash_bucket(12, 5), 2);
}

TEST(Mix64, IsABijectionOnASample) {
  // Distinct inputs give distinct outputs (fmix64 is invertible); spot-check a range.
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < 4096; ++i) out.push_back(mix64(i));
  std::sort(out.begin(), out.end());
  EXPECT_EQ(std::adjacent_find(out.begin(), out.end()), out.end());
  EXPECT_EQ(mix64(0), 0u);
}

}  // namespace
}  // namespace seqfeat
