// The hash of TF's hashed columns and OOV buckets: FarmHash Fingerprint64, the function behind
// tf.strings.to_hash_bucket_fast. Integers are hashed through their decimal spelling, as TF's
// as_string does before hashing.
//
//   bucket(s) = Fingerprint64(bytes of s) mod num_buckets        (unsigned 64-bit arithmetic)
//   bucket(i) = bucket(decimal string of i, "%lld")
#pragma once

#include <cstdint>
#include <string_view>

namespace seqfeat {

// FarmHash Fingerprint64 of the raw bytes (no terminator); frozen, identical to TF's.
uint64_t fingerprint64(std::string_view bytes) noexcept;

// TF's as_string for integers (%lld): writes the decimal digits into buf, returns a view of
// them. 24 bytes hold the longest value, "-9223372036854775808" (20 characters).
std::string_view int_to_decimal(int64_t value, char (&buf)[24]) noexcept;

// fingerprint64(int_to_decimal(value)).
uint64_t fingerprint64_of_int(int64_t value) noexcept;

// `buckets` must be >= 1.
inline int64_t hash_bucket(uint64_t fp, uint64_t buckets) {
  return static_cast<int64_t>(fp % buckets);
}

// fp % buckets for one fixed divisor without a division instruction (a 64-bit divide costs
// 35-90 cycles, more than hashing a short string): Lemire, Kaser & Kurz, "Faster remainder by
// direct computation" (2019), with M = ceil(2^128 / buckets):
//   fp % d = floor(((M * fp) mod 2^128) * d / 2^128)      exact for every 64-bit fp, d >= 1.
class BucketOf {
  __extension__ typedef unsigned __int128 u128;  // GCC/Clang's 128-bit integer

 public:
  explicit BucketOf(uint64_t buckets) noexcept : m_(~u128{0} / buckets + 1), d_(buckets) {}
  int64_t operator()(uint64_t fp) const noexcept {
    const u128 low = m_ * fp;
    const u128 bottom = (low & ~uint64_t{0}) * d_;
    const u128 top = (low >> 64) * d_;
    return static_cast<int64_t>((top + (bottom >> 64)) >> 64);
  }

 private:
  u128 m_;
  uint64_t d_;
};

// A cheap, well-mixing 64-bit finaliser (MurmurHash3's fmix64) for hash tables keyed by
// integers. Not a TF hash: never use it for bucket ids.
constexpr uint64_t mix64(uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace seqfeat
