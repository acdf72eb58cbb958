#include "id_sort.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace seqfeat {

void sort_by_id(IdEntry* items, int64_t n, int64_t id_bound, std::vector<IdEntry>& scratch) {
  if (n < 2 || id_bound <= 1) return;
  // Small inputs: insertion sort (stable) beats the histogram passes.
  if (n <= 32) {
    for (int64_t i = 1; i < n; ++i) {
      const IdEntry x = items[i];
      int64_t j = i;
      while (j > 0 && items[j - 1].id > x.id) {
        items[j] = items[j - 1];
        --j;
      }
      items[j] = x;
    }
    return;
  }
  constexpr int kDigitBits = 11;
  constexpr int64_t kBuckets = int64_t{1} << kDigitBits;
  const int bits = 64 - __builtin_clzll(static_cast<unsigned long long>(id_bound - 1));
  const int passes = (bits + kDigitBits - 1) / kDigitBits;
  if (scratch.size() < static_cast<size_t>(n)) scratch.resize(static_cast<size_t>(n));
  IdEntry* src = items;
  IdEntry* dst = scratch.data();
  std::array<int64_t, kBuckets> count;
  for (int pass = 0; pass < passes; ++pass) {
    const int shift = pass * kDigitBits;
    count.fill(0);
    for (int64_t i = 0; i < n; ++i) ++count[(src[i].id >> shift) & (kBuckets - 1)];
    int64_t sum = 0;
    for (int64_t& c : count) {
      const int64_t here = c;
      c = sum;
      sum += here;
    }
    for (int64_t i = 0; i < n; ++i) dst[count[(src[i].id >> shift) & (kBuckets - 1)]++] = src[i];
    std::swap(src, dst);
  }
  if (src != items) std::memcpy(items, src, static_cast<size_t>(n) * sizeof(IdEntry));
}

}  // namespace seqfeat
