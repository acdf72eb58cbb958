// The fused embedding-bag kernel. For one bag (the entries of one step):
//
//   keep_i  = id_i >= 0  and  (unweighted or combiner == sum or w_i > 0)
//   clip(e) = e * max_norm / max(|e|_2, max_norm)            (only with max_norm)
//   acc     = Σ_{keep_i} w_i * clip(E[id_i])                  (w_i = 1 when unweighted)
//   out     = acc                                (sum)
//           = acc / Σ w_i     (unweighted: / n)  (mean;  0 if Σ w_i == 0)
//           = acc / sqrt(Σ w_i²) (unweighted: / sqrt(n))      (sqrtn; 0 if Σ w_i² == 0)
//           = 0 when no entry is kept
//
// and for a range of examples, in one pass (embed_examples):
//
//   out[b, t, 0:D] = combine(bag at step t of example b), 0 for steps without a bag
//
// written straight into the output slot (row stride = the layer's ΣD). The accumulator stays in
// registers for D in {8, 16, 32, 64, 128}; rows are prefetched into L2 16-32 entries ahead
// across bag and example boundaries. An AVX2 build of the same code is chosen at run time when
// the CPU has it.
//
// The caller guarantees every id < rows (validated in the plan phase).
#pragma once

#include <cstdint>

#include "column.h"
#include "step_window.h"

namespace seqfeat {

struct EmbeddingArgs {
  const float* table = nullptr;
  int64_t dimension = 0;
  Combiner combiner = Combiner::kMean;
  bool has_max_norm = false;
  float max_norm = 0.f;
  const int64_t* ids = nullptr;
  const float* weights = nullptr;  // nullptr: unweighted
  int64_t num_entries = 0;         // for prefetching ahead across bags
  int64_t rows = 0;                // table rows (the multi-hot product's inner dimension)
  int64_t num_bags = 0;            // bags in the batch (the variant choice uses ids per bag)
};

using CombineFn = void (*)(const EmbeddingArgs&, int64_t begin, int64_t end, float* out);

// The kernel for one bag at this dimension (specialised for 8, 16, 32, 64, 128; generic
// otherwise).
CombineFn select_combine(int64_t dimension);

// The plain, obviously-correct version (tests and benchmarks compare against it).
void combine_reference(const EmbeddingArgs& args, int64_t begin, int64_t end, float* out);

// Where the bags of a batch go. Example b's bags are g in [example_bags[b], example_bags[b+1]),
// bag g holds entries [bag_entries[g], bag_entries[g+1]) and sits at natural step bag_step[g].
// Natural step s of example b lands at output step window(b, s) (step_window.h); output step t
// of example b is out + (b * steps + t) * stride.
struct BagOutput {
  const int64_t* example_bags = nullptr;
  const int64_t* bag_step = nullptr;
  const int64_t* bag_entries = nullptr;
  StepWindow window;
  float* out = nullptr;  // already advanced to the column's offset
  int64_t steps = 0;
  int64_t stride = 0;
  bool stream = false;  // non-temporal stores: for outputs far larger than the caches
};

enum class Isa { kBaseline, kAvx2, kBest };

// True if the CPU runs the AVX2 variants.
bool cpu_has_avx2();

// How the bags are combined. The hand-vectorised gather is the default; the BLAS variants are
// kept so that bench_embedding can put them side by side with it for every shape:
//   kBlasGemm: per example, out[rows of its steps] = M · E with cblas_sgemm, M[t, v] =
//              Σ_{kept i in bag(t), id_i = v} w_i (a multi-hot [steps, rows] matrix), then the
//              mean/sqrtn scale per row. Work ∝ steps x rows x D instead of ids x D, so it can
//              only pay off for small vocabularies and large bags. No max_norm.
//   kBlasAxpy: the gather, each row accumulated with cblas_saxpy (level 1, for long rows).
// kAuto picks by shape from the measurements in choose_variant() (embedding_kernel.cc).
enum class EmbedVariant { kAuto, kHand, kBlasGemm, kBlasAxpy };

// The variant kAuto picks for these arguments.
EmbedVariant choose_embed_variant(const EmbeddingArgs& args);

// Writes examples [b0, b1): every output step of them, bags combined, the rest zero.
using EmbedExamplesFn = void (*)(const EmbeddingArgs&, const BagOutput&, int64_t b0, int64_t b1);

// The kernel for these arguments; nullptr if the requested variant does not apply (kBlasGemm
// with max_norm or with args.rows == 0).
EmbedExamplesFn select_embed_examples(const EmbeddingArgs& args, Isa isa = Isa::kBest,
                                      EmbedVariant variant = EmbedVariant::kAuto);

}  // namespace seqfeat
