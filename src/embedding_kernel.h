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
// The caller guarantees every id < rows (validated in the plan phase).
#pragma once

#include <cstdint>

#include "column.h"

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
};

using CombineFn = void (*)(const EmbeddingArgs&, int64_t begin, int64_t end, float* out);

// The kernel for this dimension (specialised for 8, 16, 32, 64, 128; generic otherwise).
CombineFn select_combine(int64_t dimension);

// The plain, obviously-correct version (tests and benchmarks compare against it).
void combine_reference(const EmbeddingArgs& args, int64_t begin, int64_t end, float* out);

}  // namespace seqfeat
