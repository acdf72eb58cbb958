// Errors of the core: exceptions carrying a status code. The C shim turns them into
// seqfeat_status values; nothing else in the core knows about the C ABI.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace seqfeat {

// Values are pinned to the SEQFEAT_ERR_* codes of the C ABI.
enum class Code : int32_t {
  kOk = 0,
  kInvalidArgument = -1,
  kOutOfRange = -2,
  kDtypeMismatch = -3,
  kBufferTooSmall = -4,
  kNotFound = -5,
  kIo = -6,
  kOutOfMemory = -7,
  kInternal = -8,
};

class Error : public std::runtime_error {
 public:
  Error(Code code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}
  Code code() const noexcept { return code_; }

 private:
  Code code_;
};

// Text from input made safe for a message: control bytes (a NUL would end the C string the
// message is read as) become \xNN, and text beyond `max_bytes` is cut with "...".
std::string printable(std::string_view text, size_t max_bytes = 256);

template <class... Args>
[[noreturn]] void fail(Code code, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(code, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace seqfeat
