// The SequenceFeatures layer: sorts its dense sequence columns by name and packs them into
// one [B, T, ΣD] float32 output plus sequence_length [B].
//
//   out[b, t, off_c : off_c + D_c] = column c's step value (embedding: combine_{i in bag(b,t)}
//   w_i * clip(E[id_i]); indicator: Σ_{i in bag(b,t)} w_i * onehot(id_i); numeric: the step's
//   values, default_value where absent), zero (numeric: default_value) in padding.
//
// A pack runs in two phases: plan (plan.h: read every input, look ids up, validate everything,
// compute lengths and statistics) and execute (write the output). Nothing is written before the
// plan has succeeded.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "column.h"
#include "embedding_kernel.h"
#include "input.h"
#include "plan.h"
#include "thread_pool.h"

namespace seqfeat {

struct PackStats {
  std::vector<std::string> names;
  std::vector<ColumnStats> columns;
};

struct OutputShape {
  int64_t batch = 0;
  int64_t steps = 0;
  int64_t depth = 0;
};

// Rows an embedding column gathers from in place of its own table (the plan/pack split): the
// ids of its bags (or `ids`, one per entry) index `table` [rows, D]; `variant` is the kernel its
// own table gets (choose_embed_variant), so that both give the same bits.
struct RowSource {
  const float* table = nullptr;
  int64_t rows = 0;
  const int64_t* ids = nullptr;
  EmbedVariant variant = EmbedVariant::kHand;
};

class SequenceFeatures {
 public:
  explicit SequenceFeatures(std::vector<std::shared_ptr<const Column>> columns);

  size_t num_columns() const { return layer_.columns.size(); }
  const std::shared_ptr<const DenseColumn>& column(size_t i) const { return layer_.columns[i]; }
  int64_t offset(size_t i) const { return layer_.offsets[i]; }
  int64_t depth() const { return layer_.depth; }

  OutputShape output_shape(const Batch& batch, const PackOptions& options) const;
  // The plan phase alone, with the options checked as a pack checks them (the backward pass
  // reads its IdBags and window). Valid until the next plan or pack on this thread.
  Planned plan(const Batch& batch, const PackOptions& options) const;
  // plan followed by execute (a warm pack allocates nothing). Returns the shape written
  // (buffers may be larger: counts are capacities).
  OutputShape pack_into(const Batch& batch, const PackOptions& options, float* dense,
                        size_t dense_count, int64_t* lengths, size_t lengths_count, uint8_t* mask,
                        size_t mask_count, PackStats* stats) const;
  // The execute phase of a planned batch. With sources (one per column), every embedding
  // column reads its source instead of its table. Buffers are checked before the first write.
  OutputShape execute(const Planned& plan, const PackOptions& options, const RowSource* sources,
                      float* dense, size_t dense_count, int64_t* lengths, size_t lengths_count,
                      uint8_t* mask, size_t mask_count, PackStats* stats) const;

 private:
  LayerColumns layer_;
  SplitModel split_;  // this layer's measured cost per unit of work
};

// get_sparse_tensors of one categorical column: the id stage.
struct SparseIds {
  std::vector<int64_t> indices;  // [N, rank]
  int64_t rank = 3;
  std::vector<int64_t> ids;
  std::vector<int64_t> dense_shape;
  std::vector<float> weights;  // empty when unweighted
  bool weighted = false;
};
SparseIds get_sparse_tensors(const CategoricalColumn& column, const Batch& batch);

// concatenate_context_input: out[b, t] = concat(sequence[b, t, :], context[b, :]).
void concatenate_context_input(const float* context, int64_t context_depth, const float* sequence,
                               int64_t batch, int64_t steps, int64_t sequence_depth, float* out);

}  // namespace seqfeat
