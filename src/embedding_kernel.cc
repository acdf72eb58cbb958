#include "embedding_kernel.h"

#include <cmath>
#include <cstring>

namespace seqfeat {

namespace {

constexpr int64_t kPrefetchDistance = 16;

inline void prefetch_row(const EmbeddingArgs& a, int64_t i, int64_t dim) {
  if (i < a.num_entries) {
    const int64_t id = a.ids[i];
    if (id >= 0) {
      const char* p = reinterpret_cast<const char*>(a.table + id * dim);
      const int64_t bytes = dim * static_cast<int64_t>(sizeof(float));
      for (int64_t off = 0; off < bytes; off += 64) __builtin_prefetch(p + off, 0, 0);
    }
  }
}

inline float finish_scale(const EmbeddingArgs& a, int64_t n, float wsum, float w2sum, bool& zero) {
  zero = false;
  switch (a.combiner) {
    case Combiner::kSum: return 0.f;  // unused
    case Combiner::kMean: {
      const float denom = a.weights ? wsum : static_cast<float>(n);
      zero = denom == 0.f;
      return denom;
    }
    case Combiner::kSqrtn: {
      const float denom = a.weights ? std::sqrt(w2sum) : std::sqrt(static_cast<float>(n));
      zero = denom == 0.f;
      return denom;
    }
  }
  return 1.f;
}

// D > 0: compile-time dimension (the accumulator lives in registers); D == 0: runtime.
template <int64_t D>
void combine(const EmbeddingArgs& a, int64_t begin, int64_t end, float* out) {
  const int64_t dim = D > 0 ? D : a.dimension;
  constexpr int64_t kMaxStack = D > 0 ? D : 256;
  float stack[kMaxStack];
  float* acc = (D > 0 || dim <= kMaxStack) ? stack : out;  // long rows accumulate in place
  for (int64_t d = 0; d < dim; ++d) acc[d] = 0.f;
  const bool weighted = a.weights != nullptr;
  const bool prune_weights = weighted && a.combiner != Combiner::kSum;
  int64_t n = 0;
  float wsum = 0.f, w2sum = 0.f;
  for (int64_t i = begin; i < end; ++i) {
    prefetch_row(a, i + kPrefetchDistance, dim);
    const int64_t id = a.ids[i];
    if (id < 0) continue;
    const float w = weighted ? a.weights[i] : 1.f;
    if (prune_weights && !(w > 0.f)) continue;
    const float* row = a.table + id * dim;
    if (a.has_max_norm) {
      float l2 = 0.f;
      for (int64_t d = 0; d < dim; ++d) l2 += row[d] * row[d];
      const float denom = std::fmax(std::sqrt(l2), a.max_norm);
      if (weighted) {
        for (int64_t d = 0; d < dim; ++d) acc[d] += row[d] * a.max_norm / denom * w;
      } else {
        for (int64_t d = 0; d < dim; ++d) acc[d] += row[d] * a.max_norm / denom;
      }
    } else if (weighted) {
      for (int64_t d = 0; d < dim; ++d) acc[d] += row[d] * w;
    } else {
      for (int64_t d = 0; d < dim; ++d) acc[d] += row[d];
    }
    ++n;
    wsum += w;
    w2sum += w * w;
  }
  if (n == 0) {
    for (int64_t d = 0; d < dim; ++d) out[d] = 0.f;
    return;
  }
  if (a.combiner == Combiner::kSum) {
    if (acc != out) std::memcpy(out, acc, static_cast<size_t>(dim) * sizeof(float));
    return;
  }
  bool zero;
  const float denom = finish_scale(a, n, wsum, w2sum, zero);
  if (zero) {
    for (int64_t d = 0; d < dim; ++d) out[d] = 0.f;
  } else {
    for (int64_t d = 0; d < dim; ++d) out[d] = acc[d] / denom;
  }
}

}  // namespace

CombineFn select_combine(int64_t dimension) {
  switch (dimension) {
    case 8: return &combine<8>;
    case 16: return &combine<16>;
    case 32: return &combine<32>;
    case 64: return &combine<64>;
    case 128: return &combine<128>;
    default: return &combine<0>;
  }
}

void combine_reference(const EmbeddingArgs& a, int64_t begin, int64_t end, float* out) {
  const int64_t dim = a.dimension;
  for (int64_t d = 0; d < dim; ++d) out[d] = 0.f;
  int64_t n = 0;
  double wsum = 0, w2sum = 0;
  for (int64_t i = begin; i < end; ++i) {
    const int64_t id = a.ids[i];
    if (id < 0) continue;
    const float w = a.weights ? a.weights[i] : 1.f;
    if (a.weights && a.combiner != Combiner::kSum && !(w > 0.f)) continue;
    const float* row = a.table + id * dim;
    float scale = 1.f;
    if (a.has_max_norm) {
      double l2 = 0;
      for (int64_t d = 0; d < dim; ++d) l2 += static_cast<double>(row[d]) * row[d];
      scale = static_cast<float>(a.max_norm / std::fmax(std::sqrt(l2), a.max_norm));
    }
    for (int64_t d = 0; d < dim; ++d) out[d] += row[d] * scale * w;
    ++n;
    wsum += w;
    w2sum += static_cast<double>(w) * w;
  }
  if (n == 0 || a.combiner == Combiner::kSum) return;
  double denom = a.combiner == Combiner::kMean ? (a.weights ? wsum : static_cast<double>(n))
                                               : std::sqrt(a.weights ? w2sum : static_cast<double>(n));
  for (int64_t d = 0; d < dim; ++d) out[d] = denom == 0 ? 0.f : static_cast<float>(out[d] / denom);
}

}  // namespace seqfeat
