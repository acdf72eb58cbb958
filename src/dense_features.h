// The DenseFeatures layer for context (non-sequence) features: [B, ΣD] float32.
//
//   out[b, off_c : off_c + D_c] = numeric: the example's prod(shape) values (normalized);
//                                 embedding: combine_{i in ids(b)} w_i * clip(E[id_i]);
//                                 indicator: Σ_{i in ids(b)} w_i * onehot(id_i)
//
// As TF: numeric columns need a dense input; embeddings and indicators need non-sequence
// categorical columns (a sequence one is rejected when the layer is called) whose ids have one
// value in every dimension between the first and the last ([B, K] or [B, 1, K]). The plan is
// the one SequenceFeatures uses (plan.h).
#pragma once

#include <memory>
#include <vector>

#include "column.h"
#include "input.h"
#include "plan.h"

namespace seqfeat {

class DenseFeatures {
 public:
  explicit DenseFeatures(std::vector<std::shared_ptr<const Column>> columns);

  size_t num_columns() const { return layer_.columns.size(); }
  const std::shared_ptr<const DenseColumn>& column(size_t i) const { return layer_.columns[i]; }
  int64_t offset(size_t i) const { return layer_.offsets[i]; }
  int64_t depth() const { return layer_.depth; }

  // Validates the batch and returns B.
  int64_t batch_size(const Batch& batch) const;
  void pack_into(const Batch& batch, float* out, size_t count) const;

 private:
  LayerColumns layer_;
};

}  // namespace seqfeat
