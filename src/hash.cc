#include "hash.h"

#include <charconv>

#include <farmhash.h>

namespace seqfeat {

uint64_t fingerprint64(std::string_view bytes) noexcept {
  return util::Fingerprint64(bytes.data(), bytes.size());
}

std::string_view int_to_decimal(int64_t value, char (&buf)[24]) noexcept {
  // std::to_chars writes the shortest decimal form with a leading '-' only, exactly like %lld.
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  return {buf, static_cast<size_t>(result.ptr - buf)};
}

uint64_t fingerprint64_of_int(int64_t value) noexcept {
  char buf[24];
  return fingerprint64(int_to_decimal(value, buf));
}

}  // namespace seqfeat
