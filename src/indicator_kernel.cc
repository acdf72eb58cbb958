#include "indicator_kernel.h"

#include <cstring>

namespace seqfeat {

namespace {

template <bool kWeighted>
void write_rows(const IndicatorRows& r, int64_t b0, int64_t b1) {
  const int64_t nb = r.buckets, T = r.steps, stride = r.stride;
  const auto buckets = static_cast<uint64_t>(nb);
  const size_t row_bytes = static_cast<size_t>(nb) * sizeof(float);
  if (T == 0) return;  // no output rows (and possibly no output buffer)
  for (int64_t b = b0; b < b1; ++b) {
    float* rows = r.out + b * T * stride;
    if (stride == nb) {
      std::memset(rows, 0, static_cast<size_t>(T) * row_bytes);
    } else {
      for (int64_t t = 0; t < T; ++t) std::memset(rows + t * stride, 0, row_bytes);
    }
    // Output step = natural step + shift, kept if in [lo, hi).
    const auto [shift, lo, hi] = r.window.shift(b, T);
    for (int64_t g = r.example_bags[b]; g < r.example_bags[b + 1]; ++g) {
      const int64_t t = r.bag_step[g] + shift;
      if (t < lo || t >= hi) continue;
      float* row = rows + t * stride;
      for (int64_t i = r.bag_entries[g]; i < r.bag_entries[g + 1]; ++i) {
        const int64_t id = r.ids[i];
        if (static_cast<uint64_t>(id) < buckets) row[id] += kWeighted ? r.weights[i] : 1.f;
      }
    }
  }
}

}  // namespace

void write_indicator_rows(const IndicatorRows& rows, int64_t b0, int64_t b1) {
  if (rows.weights) {
    write_rows<true>(rows, b0, b1);
  } else {
    write_rows<false>(rows, b0, b1);
  }
}

}  // namespace seqfeat
