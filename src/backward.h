// The backward pass of SequenceFeatures: the gradient of every trainable embedding table given
// d loss / d dense [B, T, ΣD], as TF's autodiff computes it through safe_embedding_lookup_sparse.
//
// For the bag of natural step s of example b (entries i, kept as in the forward: id_i >= 0 and,
// for weighted mean/sqrtn, w_i > 0) that lands at output step t, with g = grad[b, t, off:off+D]:
//
//   d E[id_i] += J_clip(E[id_i])ᵀ · (w_i · scale · g)      scale = 1 (sum), 1 / Σw (mean),
//                                                           1 / sqrt(Σw²) (sqrtn); w = 1 unweighted
//   J_clip(e)ᵀ c = c                                         |e| < max_norm or no max_norm
//                = (m / |e|) (c − e (e·c) / |e|²)            |e| ≥ m (TF's clip_by_norm; at |e| = m
//                                                            the gradient of maximum() goes to |e|)
//
// Steps cut by max_length, padding, empty steps and bags with nothing kept contribute nothing;
// columns sharing a table add into one gradient; trainable=False columns are skipped.
//
// The result per table is sparse: sorted unique ids [U] and rows [U, D], duplicates summed.
// Reduction: the (id, entry) pairs of a table are radix-sorted by id (stable: layer order of
// the columns, then entry order), and every id's row is summed in that order by exactly one
// thread; threads take disjoint ranges of ids. So no locks, no atomics, no per-thread partial
// tables to merge, and the result is bit-identical for any number of threads, run to run.
//
// The fused backward_apply hands each id's row to the optimizer instead of storing it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "input.h"
#include "optimizer.h"
#include "sequence_features.h"
#include "table.h"

namespace seqfeat {

struct TableGradient {
  std::shared_ptr<Table> table;
  int64_t count = 0;          // U
  std::vector<int64_t> ids;   // [U] sorted, unique (capacity kept across calls)
  std::vector<float> rows;    // [U, D]
};

// The gradients of one backward call, reused across calls (a warm object allocates nothing).
struct Gradients {
  std::vector<TableGradient> tables;  // the first num_tables are valid
  size_t num_tables = 0;
};

// The rows a table's planned ids index, when they are not the table's own: the plan/pack split
// (external_plan.h) replaces every gathered id by its position u in the plan's unique ids, and
// the caller supplies rows [U, D] in that order.
struct GatheredRows {
  const float* data = nullptr;
  int64_t rows = 0;
};

// One table of a planned batch for backward_rows: the rows it was packed from and where its
// gradient goes, [gathered.rows, D] in the same order.
struct PlannedRows {
  const Table* table = nullptr;
  GatheredRows gathered;
  float* gradient = nullptr;
};

// grad has shape[rank]; it must be exactly [B, T, ΣD] of this batch under these options.
void backward(const SequenceFeatures& layer, const Batch& batch, const PackOptions& options,
              const float* grad, const int64_t* shape, size_t rank, Gradients& out);

// backward followed by optimizer.apply_unique on every table, without storing the gradient.
void backward_apply(const SequenceFeatures& layer, const Batch& batch,
                    const PackOptions& options, const float* grad, const int64_t* shape,
                    size_t rank, Optimizer& optimizer);

// The backward of a batch planned by the plan/pack split: the same math and reduction order
// as backward, so for every id the table's gradient row is bit-identical to backward's row of
// that id, but the row for position u goes to gradient + u * D of the table's PlannedRows.
// Every listed table is zeroed first (positions no trainable column reads stay zero); a
// trainable table of the layer missing from `tables` is an internal error. Nothing is written
// unless the gradient's shape is right.
void backward_rows(const SequenceFeatures& layer, const Planned& plan, const PackOptions& options,
                   const float* grad, const int64_t* shape, size_t rank,
                   std::span<const PlannedRows> tables);

}  // namespace seqfeat
