// The DenseFeatures layer for context (non-sequence) features: [B, ΣD] float32.
//
//   out[b, off_c : off_c + D_c] = numeric: the example's prod(shape) values (normalized);
//                                 embedding: combine_{i in ids(b)} w_i * clip(E[id_i]);
//                                 indicator: Σ_{i in ids(b)} w_i * onehot(id_i)
//
// As TF: numeric columns need a dense input; embeddings and indicators need non-sequence
// categorical columns (a sequence one is rejected when the layer is called).
#pragma once

#include <memory>
#include <vector>

#include "column.h"
#include "input.h"

namespace seqfeat {

class DenseFeatures {
 public:
  explicit DenseFeatures(std::vector<std::shared_ptr<const Column>> columns);

  size_t num_columns() const { return columns_.size(); }
  const std::shared_ptr<const DenseColumn>& column(size_t i) const { return columns_[i]; }
  int64_t offset(size_t i) const { return offsets_[i]; }
  int64_t depth() const { return depth_; }

  // Validates the batch and returns B.
  int64_t batch_size(const Batch& batch) const;
  void pack_into(const Batch& batch, float* out, size_t count) const;

 private:
  std::vector<std::shared_ptr<const DenseColumn>> columns_;
  std::vector<int64_t> offsets_;
  int64_t depth_ = 0;
};

}  // namespace seqfeat
