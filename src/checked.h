// Checked sizes: every product or sum of sizes that came from input goes through these before
// it sizes a buffer or a pointer offset, and every buffer sized from input is checked against
// the allocation limit before it is allocated.
//
//   checked_mul(a, b, "what")      a * b, or Error(kInvalidArgument) "<what>: a x b does not fit
//                                  in a 64-bit size" (also for a negative operand)
//   checked_add(a, b, "what")      a + b, the same way
//   checked_product(dims, "what")  the product of a shape's dimensions
//   checked_bytes(n, size, "what") n * size bytes, or Error(kOutOfMemory) naming the bytes asked
//                                  for when that is above allocation_limit()
//
// `what` is a fmt format string with its arguments; it is formatted only on failure, so a
// check costs a multiply and a branch (no allocation on the success path).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace seqfeat {

// The largest buffer one library call may allocate for data whose size comes from its
// arguments (output tensors, embedding tables, vocabularies, per-call scratch arrays), in
// bytes. Default: the machine's physical memory, so that a size no machine could hold is
// refused up front instead of being overcommitted and killed later. 0 restores the default.
size_t allocation_limit() noexcept;
void set_allocation_limit(size_t bytes) noexcept;
size_t default_allocation_limit() noexcept;

namespace detail {
[[noreturn]] void size_overflow(char op, int64_t a, int64_t b, const std::string& what);
[[noreturn]] void product_overflow(const std::vector<int64_t>& dims, const std::string& what);
[[noreturn]] void bytes_overflow(int64_t count, size_t element_size, const std::string& what);
[[noreturn]] void above_limit(size_t bytes, int64_t count, size_t element_size,
                              const std::string& what);
}  // namespace detail

template <class... Args>
int64_t checked_mul(int64_t a, int64_t b, fmt::format_string<Args...> what, Args&&... args) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &r)) [[unlikely]]
    detail::size_overflow('x', a, b, fmt::format(what, std::forward<Args>(args)...));
  return r;
}

template <class... Args>
int64_t checked_add(int64_t a, int64_t b, fmt::format_string<Args...> what, Args&&... args) {
  int64_t r;
  if (a < 0 || b < 0 || __builtin_add_overflow(a, b, &r)) [[unlikely]]
    detail::size_overflow('+', a, b, fmt::format(what, std::forward<Args>(args)...));
  return r;
}

// Product of dims[first:]; 1 for an empty range.
template <class... Args>
int64_t checked_product(const std::vector<int64_t>& dims, size_t first,
                        fmt::format_string<Args...> what, Args&&... args) {
  int64_t r = 1;
  for (size_t i = first; i < dims.size(); ++i) {
    if (dims[i] < 0 || __builtin_mul_overflow(r, dims[i], &r)) [[unlikely]]
      detail::product_overflow(dims, fmt::format(what, std::forward<Args>(args)...));
  }
  return r;
}

template <class... Args>
size_t checked_bytes(int64_t count, size_t element_size, fmt::format_string<Args...> what,
                     Args&&... args) {
  size_t bytes;
  if (count < 0 || __builtin_mul_overflow(static_cast<size_t>(count), element_size, &bytes))
      [[unlikely]]
    detail::bytes_overflow(count, element_size, fmt::format(what, std::forward<Args>(args)...));
  if (bytes > allocation_limit()) [[unlikely]]
    detail::above_limit(bytes, count, element_size,
                        fmt::format(what, std::forward<Args>(args)...));
  return bytes;
}

// v.resize(count) after checked_bytes (a vector of scratch data sized from input).
template <class V, class... Args>
void checked_resize(V& v, int64_t count, fmt::format_string<Args...> what, Args&&... args) {
  checked_bytes(count, sizeof(typename V::value_type), what, std::forward<Args>(args)...);
  v.resize(static_cast<size_t>(count));
}

// v.assign(count, value) after checked_bytes.
template <class V, class... Args>
void checked_assign(V& v, int64_t count, const typename V::value_type& value,
                    fmt::format_string<Args...> what, Args&&... args) {
  checked_bytes(count, sizeof(typename V::value_type), what, std::forward<Args>(args)...);
  v.assign(static_cast<size_t>(count), value);
}

}  // namespace seqfeat
