#include "embedding_kernel.h"

#include <cblas.h>
#if defined(__SSE__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <vector>

// The 8-float vectors below never cross a call boundary (everything using them is inlined into
// one kernel per ISA), so the ABI note about passing them without AVX does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace seqfeat {

namespace {

#define SEQFEAT_INLINE inline __attribute__((always_inline))

constexpr int64_t kCacheLine = 64;

// Rows are fetched this many entries ahead, into L2 (prefetcht1): measured on W1-W3 (AMD EPYC
// VM), hinting L2 instead of non-temporal cut the gather phase by 25-35 %, and the best distance
// was 32 rows for rows of one or two cache lines and 16 for longer rows (about 32-64 lines in
// flight either way).
constexpr int64_t prefetch_distance(int64_t dim) {
  return dim * static_cast<int64_t>(sizeof(float)) <= 2 * kCacheLine ? 32 : 16;
}
constexpr int kPrefetchLocality = 2;

// Eight floats: one AVX register, or two SSE ones in the baseline build.
constexpr int64_t kLanes = 8;
typedef float Vec __attribute__((vector_size(kLanes * sizeof(float))));

SEQFEAT_INLINE Vec load(const float* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
SEQFEAT_INLINE void store(float* p, Vec v) { std::memcpy(p, &v, sizeof v); }
SEQFEAT_INLINE Vec splat(float x) { return Vec{} + x; }

// An output store; with kStream a non-temporal one where the address allows (16-byte aligned):
// an output far larger than the caches is then written without first reading every line
// (measured on W2, 13 MB of output, two threads: 1.81 -> 1.17 ms; on cache-sized outputs
// plain stores are faster, 66 -> 72 us on W1).
template <bool kStream>
SEQFEAT_INLINE void store_out(float* p, Vec v) {
#if defined(__SSE__)
  if constexpr (kStream) {
    if ((reinterpret_cast<uintptr_t>(p) & 15) == 0) {
      __m128 lo, hi;
      std::memcpy(&lo, &v, sizeof lo);
      std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
      _mm_stream_ps(p, lo);
      _mm_stream_ps(p + 4, hi);
      return;
    }
  }
#endif
  store(p, v);
}

// Zeroes n floats (a multiple of 8) with non-temporal stores when out is 16-byte aligned
// (alignment checked once, not per vector as store_out does: the padding of a W1 batch is
// about half its output), plain stores otherwise.
SEQFEAT_INLINE void stream_zeros(float* out, int64_t n) {
#if defined(__SSE__)
  if ((reinterpret_cast<uintptr_t>(out) & 15) == 0) {
    const __m128 zero = _mm_setzero_ps();
    for (int64_t i = 0; i < n; i += kLanes) {
      _mm_stream_ps(out + i, zero);
      _mm_stream_ps(out + i + 4, zero);
    }
    return;
  }
#endif
  std::memset(out, 0, static_cast<size_t>(n) * sizeof(float));
}

// Orders the non-temporal stores before whatever tells another thread the rows are written.
SEQFEAT_INLINE void stream_fence() {
#if defined(__SSE__)
  _mm_sfence();
#endif
}

// The accumulator of one bag at a compile-time dimension D (a multiple of 8): D / 8 vectors
// that the compiler keeps in registers.
template <int64_t D>
struct FixedRow {
  static_assert(D % kLanes == 0);
  static constexpr int64_t kVecs = D / kLanes;
  Vec v[kVecs];

  SEQFEAT_INLINE static constexpr int64_t dim(int64_t) { return D; }
  SEQFEAT_INLINE void begin(float*, int64_t) {
    for (int64_t k = 0; k < kVecs; ++k) v[k] = Vec{};
  }
  SEQFEAT_INLINE void add(const float* row) {
    for (int64_t k = 0; k < kVecs; ++k) v[k] += load(row + k * kLanes);
  }
  SEQFEAT_INLINE void add_scaled(const float* row, float s) {
    const Vec sv = splat(s);
    for (int64_t k = 0; k < kVecs; ++k) v[k] += load(row + k * kLanes) * sv;
  }
  template <bool kStream>
  SEQFEAT_INLINE void write(float* out) const {
    for (int64_t k = 0; k < kVecs; ++k) store_out<kStream>(out + k * kLanes, v[k]);
  }
  template <bool kStream>
  SEQFEAT_INLINE void write_divided(float* out, float denom) const {
    const Vec d = splat(denom);
    for (int64_t k = 0; k < kVecs; ++k) store_out<kStream>(out + k * kLanes, v[k] / d);
  }
  SEQFEAT_INLINE static float sum_squares(const float* row, int64_t) {
    Vec s{};
    for (int64_t k = 0; k < kVecs; ++k) {
      const Vec x = load(row + k * kLanes);
      s += x * x;
    }
    float total = 0.f;
    for (int64_t l = 0; l < kLanes; ++l) total += s[l];
    return total;
  }
  template <bool kStream>
  SEQFEAT_INLINE static void copy(float* out, const float* row, int64_t) {
    for (int64_t k = 0; k < kVecs; ++k) store_out<kStream>(out + k * kLanes, load(row + k * kLanes));
  }
  template <bool kStream>
  SEQFEAT_INLINE static void zero(float* out, int64_t) {
    for (int64_t k = 0; k < kVecs; ++k) store_out<kStream>(out + k * kLanes, Vec{});
  }
  // Zeroes n floats (a multiple of 8).
  template <bool kStream>
  SEQFEAT_INLINE static void zero_block(float* out, int64_t n) {
    if constexpr (kStream) {
      stream_zeros(out, n);
    } else {
      std::memset(out, 0, static_cast<size_t>(n) * sizeof(float));
    }
  }
};

// The accumulator at a runtime dimension: a stack buffer, or the output row itself when the
// row is too long for the stack.
struct DynamicRow {
  static constexpr int64_t kStack = 256;
  float stack[kStack];
  float* acc = stack;
  int64_t d = 0;

  SEQFEAT_INLINE static int64_t dim(int64_t runtime) { return runtime; }
  SEQFEAT_INLINE void begin(float* out, int64_t dimension) {
    d = dimension;
    acc = d <= kStack ? stack : out;
    for (int64_t i = 0; i < d; ++i) acc[i] = 0.f;
  }
  SEQFEAT_INLINE void add(const float* row) {
    for (int64_t i = 0; i < d; ++i) acc[i] += row[i];
  }
  SEQFEAT_INLINE void add_scaled(const float* row, float s) {
    for (int64_t i = 0; i < d; ++i) acc[i] += row[i] * s;
  }
  template <bool>
  SEQFEAT_INLINE void write(float* out) const {
    if (acc != out) std::memcpy(out, acc, static_cast<size_t>(d) * sizeof(float));
  }
  template <bool>
  SEQFEAT_INLINE void write_divided(float* out, float denom) const {
    for (int64_t i = 0; i < d; ++i) out[i] = acc[i] / denom;
  }
  SEQFEAT_INLINE static float sum_squares(const float* row, int64_t dimension) {
    float s = 0.f;
    for (int64_t i = 0; i < dimension; ++i) s += row[i] * row[i];
    return s;
  }
  template <bool>
  SEQFEAT_INLINE static void copy(float* out, const float* row, int64_t dimension) {
    std::memcpy(out, row, static_cast<size_t>(dimension) * sizeof(float));
  }
  template <bool>
  SEQFEAT_INLINE static void zero(float* out, int64_t dimension) {
    std::memset(out, 0, static_cast<size_t>(dimension) * sizeof(float));
  }
  template <bool>
  SEQFEAT_INLINE static void zero_block(float* out, int64_t n) {
    std::memset(out, 0, static_cast<size_t>(n) * sizeof(float));
  }
};

// The accumulator at a runtime dimension with BLAS level-1 calls (cblas_saxpy per row).
struct BlasRow : DynamicRow {
  SEQFEAT_INLINE void add(const float* row) {
    cblas_saxpy(static_cast<blasint>(d), 1.f, row, 1, acc, 1);
  }
  SEQFEAT_INLINE void add_scaled(const float* row, float s) {
    cblas_saxpy(static_cast<blasint>(d), s, row, 1, acc, 1);
  }
};

// Prefetches the row of entry i. The id may still be one the bag drops (negative, or >= rows
// with a pruned weight): the address is formed as an integer, and a prefetch never faults.
SEQFEAT_INLINE void prefetch_entry(const EmbeddingArgs& a, int64_t i, int64_t dim) {
  if (i < a.num_entries) {
    const int64_t id = a.ids[i];
    if (id >= 0) {
      const uintptr_t row = reinterpret_cast<uintptr_t>(a.table) +
                            static_cast<uintptr_t>(id * dim) * sizeof(float);
      const int64_t bytes = dim * static_cast<int64_t>(sizeof(float));
      for (int64_t off = 0; off < bytes; off += kCacheLine)
        __builtin_prefetch(reinterpret_cast<const char*>(row + static_cast<uintptr_t>(off)), 0,
                           kPrefetchLocality);
    }
  }
}

// Zeroes output steps [t0, t1) of one example.
template <class Row, bool kStream>
SEQFEAT_INLINE void zero_steps(float* rows, int64_t t0, int64_t t1, int64_t dim, int64_t stride) {
  if (t0 >= t1) return;
  if (stride == dim) {
    Row::template zero_block<kStream>(rows + t0 * dim, (t1 - t0) * dim);
  } else {
    for (int64_t t = t0; t < t1; ++t) Row::template zero<kStream>(rows + t * stride, dim);
  }
}

// One bag, entries [begin, end), into out.
template <class Row, bool kWeighted, bool kMaxNorm, bool kStream = false>
SEQFEAT_INLINE void combine_bag(const EmbeddingArgs& a, Row& acc, int64_t begin, int64_t end,
                                float* out) {
  const int64_t dim = Row::dim(a.dimension);
  acc.begin(out, dim);
  const bool prune = kWeighted && a.combiner != Combiner::kSum;
  int64_t n = 0;
  float wsum = 0.f, w2sum = 0.f;
  for (int64_t i = begin; i < end; ++i) {
    prefetch_entry(a, i + prefetch_distance(dim), dim);
    const int64_t id = a.ids[i];
    if (id < 0) continue;
    float w = 1.f;
    if constexpr (kWeighted) {
      w = a.weights[i];
      if (prune && !(w > 0.f)) continue;
    }
    const float* row = a.table + id * dim;
    if constexpr (kMaxNorm) {
      const float norm = std::sqrt(Row::sum_squares(row, dim));
      acc.add_scaled(row, a.max_norm / std::fmax(norm, a.max_norm) * w);
    } else if constexpr (kWeighted) {
      acc.add_scaled(row, w);
    } else {
      acc.add(row);
    }
    ++n;
    if constexpr (kWeighted) {
      wsum += w;
      w2sum += w * w;
    }
  }
  if (n == 0) {
    Row::template zero<kStream>(out, dim);
    return;
  }
  float denom;
  switch (a.combiner) {
    case Combiner::kSum: acc.template write<kStream>(out); return;
    case Combiner::kMean: denom = kWeighted ? wsum : static_cast<float>(n); break;
    default: denom = std::sqrt(kWeighted ? w2sum : static_cast<float>(n)); break;
  }
  if (denom == 0.f) {
    Row::template zero<kStream>(out, dim);
  } else {
    acc.template write_divided<kStream>(out, denom);
  }
}

// True if every bag in [g0, g1) holds exactly the entry g (ragged input, one id per step).
SEQFEAT_INLINE bool one_entry_per_bag(const int64_t* bag_entries, int64_t g0, int64_t g1) {
  bool all = true;
  for (int64_t g = g0; g <= g1; ++g) all &= bag_entries[g] == g;
  return all;
}

template <class Row, bool kWeighted, bool kMaxNorm, bool kStream>
SEQFEAT_INLINE void embed_examples_impl(const EmbeddingArgs& args, const BagOutput& where,
                                        int64_t b0, int64_t b1) {
  // Local copies: the compiler cannot tell that stores into the output do not change the
  // argument structs, and would reload every field after each row otherwise.
  const EmbeddingArgs a = args;
  const BagOutput o = where;
  const int64_t dim = Row::dim(a.dimension);
  const int64_t T = o.steps, stride = o.stride;
  const int64_t* const bag_entries = o.bag_entries;
  const int64_t* const bag_step = o.bag_step;
  const int64_t* const ids = a.ids;
  const float* const table = a.table;
  Row acc;
  const bool single = one_entry_per_bag(bag_entries, o.example_bags[b0], o.example_bags[b1]);
  // A univalent, unweighted, unclipped bag is its row (sum, mean and sqrtn of one row agree).
  const bool copy_rows = single && !kWeighted && !kMaxNorm;
  for (int64_t b = b0; b < b1; ++b) {
    float* const rows = o.out + b * T * stride;
    const int64_t g0 = o.example_bags[b], g1 = o.example_bags[b + 1];
    // Output step = natural step + shift, kept if in [lo, hi).
    const auto [shift, lo, hi] = o.window.shift(b, T);
    int64_t cursor = 0;
    if (copy_rows) {
      for (int64_t g = g0; g < g1; ++g) {
        prefetch_entry(a, g + prefetch_distance(dim), dim);
        const int64_t t = bag_step[g] + shift;
        if (t < lo || t >= hi) continue;
        zero_steps<Row, kStream>(rows, cursor, t, dim, stride);
        const int64_t id = ids[g];
        if (id >= 0) {
          Row::template copy<kStream>(rows + t * stride, table + id * dim, dim);
        } else {
          Row::template zero<kStream>(rows + t * stride, dim);
        }
        cursor = t + 1;
      }
    } else {
      for (int64_t g = g0; g < g1; ++g) {
        const int64_t t = bag_step[g] + shift;
        if (t < lo || t >= hi) continue;
        zero_steps<Row, kStream>(rows, cursor, t, dim, stride);
        const int64_t e0 = single ? g : bag_entries[g];
        const int64_t e1 = single ? g + 1 : bag_entries[g + 1];
        combine_bag<Row, kWeighted, kMaxNorm, kStream>(a, acc, e0, e1, rows + t * stride);
        cursor = t + 1;
      }
    }
    zero_steps<Row, kStream>(rows, cursor, T, dim, stride);
  }
  if constexpr (kStream) stream_fence();
}

template <class Row, bool kWeighted, bool kMaxNorm>
void embed_baseline(const EmbeddingArgs& a, const BagOutput& o, int64_t b0, int64_t b1) {
  if (o.stream) {
    embed_examples_impl<Row, kWeighted, kMaxNorm, true>(a, o, b0, b1);
  } else {
    embed_examples_impl<Row, kWeighted, kMaxNorm, false>(a, o, b0, b1);
  }
}

template <class Row, bool kWeighted, bool kMaxNorm>
__attribute__((target("avx2"))) void embed_avx2(const EmbeddingArgs& a, const BagOutput& o,
                                                 int64_t b0, int64_t b1) {
  if (o.stream) {
    embed_examples_impl<Row, kWeighted, kMaxNorm, true>(a, o, b0, b1);
  } else {
    embed_examples_impl<Row, kWeighted, kMaxNorm, false>(a, o, b0, b1);
  }
}

template <class Row, bool kWeighted, bool kMaxNorm>
EmbedExamplesFn pick_isa(bool avx2) {
  return avx2 ? &embed_avx2<Row, kWeighted, kMaxNorm> : &embed_baseline<Row, kWeighted, kMaxNorm>;
}

template <bool kWeighted, bool kMaxNorm>
EmbedExamplesFn pick_dimension(int64_t dimension, bool avx2) {
  switch (dimension) {
    case 8: return pick_isa<FixedRow<8>, kWeighted, kMaxNorm>(avx2);
    case 16: return pick_isa<FixedRow<16>, kWeighted, kMaxNorm>(avx2);
    case 32: return pick_isa<FixedRow<32>, kWeighted, kMaxNorm>(avx2);
    case 64: return pick_isa<FixedRow<64>, kWeighted, kMaxNorm>(avx2);
    case 128: return pick_isa<FixedRow<128>, kWeighted, kMaxNorm>(avx2);
    default: return pick_isa<DynamicRow, kWeighted, kMaxNorm>(avx2);
  }
}

template <class Row>
void combine_one_bag(const EmbeddingArgs& a, int64_t begin, int64_t end, float* out) {
  Row acc;
  if (a.weights) {
    if (a.has_max_norm) {
      combine_bag<Row, true, true>(a, acc, begin, end, out);
    } else {
      combine_bag<Row, true, false>(a, acc, begin, end, out);
    }
  } else if (a.has_max_norm) {
    combine_bag<Row, false, true>(a, acc, begin, end, out);
  } else {
    combine_bag<Row, false, false>(a, acc, begin, end, out);
  }
}

// OpenBLAS runs a gemm on several threads once m·n·k exceeds 65536 x 4; the calls are kept
// below that so that it never starts its own threads under ours (its global thread setting is
// left alone).
constexpr int64_t kGemmSingleThreadWork = 65536 * 4;

// Multi-hot x table through cblas_sgemm, one example at a time (see EmbedVariant::kBlasGemm).
template <bool kWeighted>
void embed_gemm(const EmbeddingArgs& args, const BagOutput& where, int64_t b0, int64_t b1) {
  const EmbeddingArgs a = args;
  const BagOutput o = where;
  const int64_t D = a.dimension, V = a.rows, T = o.steps, stride = o.stride;
  const bool prune = kWeighted && a.combiner != Combiner::kSum;
  const int64_t chunk = std::max<int64_t>(1, kGemmSingleThreadWork / std::max<int64_t>(1, V * D));
  thread_local std::vector<float> multi_hot;  // [chunk, V]; grows once, then reused
  thread_local std::vector<float> scale;      // [T]
  try {
    if (multi_hot.size() < static_cast<size_t>(chunk * V)) multi_hot.resize(chunk * V);
    if (scale.size() < static_cast<size_t>(T)) scale.resize(T);
  } catch (const std::bad_alloc&) {
    // This may run on a pool worker, which cannot report an error: the gather needs no
    // scratch memory and writes the same values.
    select_embed_examples(args, Isa::kBest, EmbedVariant::kHand)(args, where, b0, b1);
    return;
  }
  for (int64_t b = b0; b < b1; ++b) {
    float* rows = o.out + b * T * stride;
    // Output step = natural step + shift, kept if in [lo, hi).
    const auto [shift, lo, hi] = o.window.shift(b, T);
    const int64_t g0 = o.example_bags[b], g1 = o.example_bags[b + 1];
    int64_t g = g0;
    int64_t written = 0;  // output steps [0, written) are done
    while (written < T) {
      // Rows [written, written + m) of this example as one product.
      const int64_t m = std::min(chunk, T - written);
      std::fill_n(multi_hot.data(), m * V, 0.f);
      std::fill_n(scale.data() + written, m, 0.f);
      int64_t last = -1;  // last row of the chunk holding a bag
      for (; g < g1; ++g) {
        const int64_t t = o.bag_step[g] + shift;
        if (t < lo || t >= hi) continue;
        if (t >= written + m) break;
        float* mh = multi_hot.data() + (t - written) * V;
        int64_t n = 0;
        float wsum = 0.f, w2sum = 0.f;
        for (int64_t i = o.bag_entries[g]; i < o.bag_entries[g + 1]; ++i) {
          const int64_t id = a.ids[i];
          if (id < 0) continue;
          float w = 1.f;
          if constexpr (kWeighted) {
            w = a.weights[i];
            if (prune && !(w > 0.f)) continue;
          }
          mh[id] += w;
          ++n;
          wsum += w;
          w2sum += w * w;
        }
        float s = 0.f;
        if (n > 0) {
          switch (a.combiner) {
            case Combiner::kSum: s = 1.f; break;
            case Combiner::kMean: s = kWeighted ? wsum : static_cast<float>(n); break;
            default: s = std::sqrt(kWeighted ? w2sum : static_cast<float>(n)); break;
          }
          s = a.combiner == Combiner::kSum ? 1.f : (s == 0.f ? 0.f : 1.f / s);
        }
        scale[t] = s;
        last = t - written;
      }
      if (last < 0) {
        for (int64_t t = written; t < written + m; ++t) std::memset(rows + t * stride, 0, D * 4);
      } else {
        const int64_t mm = last + 1;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<blasint>(mm),
                    static_cast<blasint>(D), static_cast<blasint>(V), 1.f, multi_hot.data(),
                    static_cast<blasint>(V), a.table, static_cast<blasint>(D), 0.f,
                    rows + written * stride, static_cast<blasint>(stride));
        if (a.combiner != Combiner::kSum || kWeighted) {
          for (int64_t t = written; t < written + mm; ++t) {
            const float s = scale[t];
            if (s == 1.f) continue;
            float* r = rows + t * stride;
            for (int64_t d = 0; d < D; ++d) r[d] *= s;
          }
        }
        for (int64_t t = written + mm; t < written + m; ++t)
          std::memset(rows + t * stride, 0, D * 4);
      }
      written += m;
    }
  }
}

}  // namespace

bool cpu_has_avx2() {
  static const bool has = [] {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
#else
    return false;
#endif
  }();
  return has;
}

namespace {

template <class Row>
EmbedExamplesFn pick_flags(const EmbeddingArgs& a) {
  if (a.weights) {
    return a.has_max_norm ? &embed_baseline<Row, true, true> : &embed_baseline<Row, true, false>;
  }
  return a.has_max_norm ? &embed_baseline<Row, false, true> : &embed_baseline<Row, false, false>;
}

}  // namespace

// The variant kAuto uses, from bench_embedding BM_Variants (256 examples x 1..50 steps, AMD EPYC
// VM, median us hand / BLAS):
//   multi-hot x table (cblas_sgemm) does steps x rows x D work against ids x D for the gather,
//   so it only wins on tiny vocabularies with big bags: rows 4, D 64, 8..16 ids 254 / 212;
//   rows 8, D 64, 16..32 ids 377 / 286; rows 8, D 128, 8..16 ids 452 / 418; rows 16, D 128,
//   16..32 ids 767 / 613; but rows 8, D 64, 8..16 ids 225 / 241, rows 16, D 64, 16..32 ids
//   374 / 366, any D 16 or 1..5 ids: hand by 1.2-30x, rows 512: hand by 7-30x.
//   cblas_saxpy accumulation: D 64 167 / 360-400, D 256 2078-2317 / 2132-2253 (a tie),
//   D 1024 10626-11365 / 10288-10708 (BLAS 3-6 % faster: its AVX-512 axpy on 4 KB rows).
EmbedVariant choose_embed_variant(const EmbeddingArgs& a) {
  const int64_t D = a.dimension;
  if (!a.has_max_norm && a.rows > 0 && a.num_bags > 0 && D >= 64) {
    const double ids_per_bag = static_cast<double>(a.num_entries) / static_cast<double>(a.num_bags);
    if (ids_per_bag * (D >= 128 ? 1.0 : 0.5) >= static_cast<double>(a.rows))
      return EmbedVariant::kBlasGemm;
  }
  if (D >= 512) return EmbedVariant::kBlasAxpy;
  return EmbedVariant::kHand;
}

EmbedExamplesFn select_embed_examples(const EmbeddingArgs& args, Isa isa, EmbedVariant variant) {
  if (variant == EmbedVariant::kAuto) variant = choose_embed_variant(args);
  switch (variant) {
    case EmbedVariant::kBlasGemm:
      if (args.has_max_norm || args.rows <= 0) return nullptr;
      return args.weights ? &embed_gemm<true> : &embed_gemm<false>;
    case EmbedVariant::kBlasAxpy: return pick_flags<BlasRow>(args);
    default: break;
  }
  const bool avx2 = isa != Isa::kBaseline && cpu_has_avx2();
  if (args.weights) {
    return args.has_max_norm ? pick_dimension<true, true>(args.dimension, avx2)
                             : pick_dimension<true, false>(args.dimension, avx2);
  }
  return args.has_max_norm ? pick_dimension<false, true>(args.dimension, avx2)
                           : pick_dimension<false, false>(args.dimension, avx2);
}

CombineFn select_combine(int64_t dimension) {
  switch (dimension) {
    case 8: return &combine_one_bag<FixedRow<8>>;
    case 16: return &combine_one_bag<FixedRow<16>>;
    case 32: return &combine_one_bag<FixedRow<32>>;
    case 64: return &combine_one_bag<FixedRow<64>>;
    case 128: return &combine_one_bag<FixedRow<128>>;
    default: return &combine_one_bag<DynamicRow>;
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
