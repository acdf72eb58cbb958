#include "numeric_kernel.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace seqfeat {

namespace {

constexpr int64_t kShortRow = 128;

void fill(float* out, int64_t count, float value) {
  if (count <= 0) return;
  if (value == 0.f && !std::signbit(value)) {
    std::memset(out, 0, static_cast<size_t>(count) * sizeof(float));
  } else {
    std::fill_n(out, count, value);
  }
}

}  // namespace

void write_numeric_in_order(const NumericRows& r, int64_t b0, int64_t b1) {
  const int64_t E = r.width, T = r.steps, stride = r.stride;
  for (int64_t b = b0; b < b1; ++b) {
    float* rows = r.out + b * T * stride;
    const int64_t e0 = r.example_entries[b];
    const int64_t length = (r.example_entries[b + 1] - e0) / E;
    // Steps [first, first + count) of the example land at output steps [t0, t0 + count).
    int64_t first = 0, t0 = 0, count = length;
    if (!r.window.identity()) {
      first = r.window.first_step[b];
      t0 = r.window.base[b];
      count = std::clamp<int64_t>(std::min(length - first, r.window.kept[b]), 0, T - t0);
    }
    const float* src = r.values + e0 + first * E;
    if (stride == E && T * E <= kShortRow) {
      // A short example row (N1 with E = 1: 50 floats): inline loops beat two library calls.
      const float def = r.default_value;
      float* dst = rows;
      for (int64_t i = 0; i < t0 * E; ++i) *dst++ = def;
      for (int64_t i = 0; i < count * E; ++i) *dst++ = src[i];
      for (float* end = rows + T * E; dst < end;) *dst++ = def;
    } else if (stride == E) {
      fill(rows, t0 * E, r.default_value);
      if (count > 0) std::memcpy(rows + t0 * E, src, static_cast<size_t>(count * E) * sizeof(float));
      fill(rows + (t0 + count) * E, (T - t0 - count) * E, r.default_value);
    } else {
      // Part of a wider row: E floats per step; plain loops for short steps (a library call
      // per step costs more than copying a few floats), memcpy / fill for long ones.
      const float def = r.default_value;
      const bool short_steps = E < 16;
      for (int64_t t = 0; t < T; ++t) {
        float* dst = rows + t * stride;
        const int64_t s = t - t0;
        if (s >= 0 && s < count) {
          const float* from = src + s * E;
          if (short_steps) {
            for (int64_t j = 0; j < E; ++j) dst[j] = from[j];
          } else {
            std::memcpy(dst, from, static_cast<size_t>(E) * sizeof(float));
          }
        } else if (short_steps) {
          for (int64_t j = 0; j < E; ++j) dst[j] = def;
        } else {
          fill(dst, E, def);
        }
      }
    }
  }
}

}  // namespace seqfeat
