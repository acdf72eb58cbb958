#include "checked.h"

#include <unistd.h>

#include <fmt/ranges.h>

#include "error.h"

namespace seqfeat {

namespace {

std::atomic<size_t> g_limit{0};  // 0: the default

}  // namespace

size_t default_allocation_limit() noexcept {
  static const size_t bytes = [] {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return size_t{1} << 40;
    size_t total;
    if (__builtin_mul_overflow(static_cast<size_t>(pages), static_cast<size_t>(page), &total))
      return SIZE_MAX;
    return total;
  }();
  return bytes;
}

size_t allocation_limit() noexcept {
  const size_t limit = g_limit.load(std::memory_order_relaxed);
  return limit == 0 ? default_allocation_limit() : limit;
}

void set_allocation_limit(size_t bytes) noexcept { g_limit.store(bytes, std::memory_order_relaxed); }

namespace detail {

void size_overflow(char op, int64_t a, int64_t b, const std::string& what) {
  if (a < 0 || b < 0)
    fail(Code::kInvalidArgument, "{}: negative size in {} {} {}", what, a, op, b);
  fail(Code::kInvalidArgument, "{}: {} {} {} does not fit in a 64-bit size", what, a, op, b);
}

void product_overflow(const std::vector<int64_t>& dims, const std::string& what) {
  for (int64_t d : dims)
    if (d < 0)
      fail(Code::kInvalidArgument, "{}: negative dimension {} in [{}]", what, d,
           fmt::join(dims, ", "));
  fail(Code::kInvalidArgument, "{}: the product of the dimensions [{}] does not fit in a 64-bit size",
       what, fmt::join(dims, ", "));
}

void bytes_overflow(int64_t count, size_t element_size, const std::string& what) {
  if (count < 0) fail(Code::kInvalidArgument, "{}: negative element count {}", what, count);
  fail(Code::kInvalidArgument, "{}: {} elements of {} bytes do not fit in a 64-bit size", what,
       count, element_size);
}

void above_limit(size_t bytes, int64_t count, size_t element_size, const std::string& what) {
  fail(Code::kOutOfMemory,
       "{}: {} bytes asked for ({} x {} bytes), more than the allocation limit of {} bytes "
       "(seqfeat_set_limit(SEQFEAT_LIMIT_ALLOCATION_BYTES, ...))",
       what, bytes, count, element_size, allocation_limit());
}

}  // namespace detail

}  // namespace seqfeat
