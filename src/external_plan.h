// The plan/pack split, for embedding tables that live elsewhere (row-sharded over processes, on
// a parameter server, in a cache): plan a batch into the sorted unique ids each table needs,
// let the caller fetch those rows, pack from them.
//
//   plan:  for every table, ids_t = sorted unique { id_i : entry i of a column reading table t
//          is gathered by the pack }  (id_i in [0, rows), not pruned by its combiner, its step
//          inside the output window), U_t = |ids_t|; each gathered entry keeps u_i, the
//          position of id_i in ids_t
//   pack:  the pack of the batch with E[id_i] read as rows_t[u_i] (rows_t: [U_t, D_t] from the
//          caller, rows_t[u] = E[ids_t[u]]) — the same kernel, the same order of operations, so
//          the output is bit-identical to packing from the table itself
//   backward: given d loss / d dense, the gradient rows of every table in the same order,
//          grad_t[u] = d loss / d E[ids_t[u]] — bit-identical to the local backward's row of
//          that id (backward.h: same entries, same reduction order), zero where no trainable
//          column reads the id; the caller routes them back to wherever the rows live
//
// A plan is immutable once built: pack and backward may run on any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "backward.h"
#include "embedding_kernel.h"
#include "plan.h"
#include "sequence_features.h"
#include "table.h"

namespace seqfeat {

// Caller-supplied rows of one table: [count, dimension] row-major float32.
struct SuppliedRows {
  const float* data = nullptr;
  int64_t count = 0;
  int64_t dimension = 0;
};

// Where the gradient rows of one table go: [count, dimension] row-major float32.
struct GradientRows {
  float* data = nullptr;
  int64_t count = 0;
  int64_t dimension = 0;
};

class ExternalPlan {
 public:
  struct TableIds {
    std::shared_ptr<Table> table;  // name and shape; its values are not read by pack
    std::vector<int64_t> ids;      // [U] sorted, unique
    std::vector<size_t> columns;   // the layer's columns reading it, layer order
  };

  // Runs the plan phase (all the validation of a pack) and keeps its result: the batch may be
  // freed afterwards.
  ExternalPlan(std::shared_ptr<const SequenceFeatures> layer, const Batch& batch,
               const PackOptions& options);
  ExternalPlan(ExternalPlan&&) = default;
  ExternalPlan(const ExternalPlan&) = delete;
  ExternalPlan& operator=(const ExternalPlan&) = delete;

  const SequenceFeatures& layer() const { return *layer_; }
  size_t num_tables() const { return tables_.size(); }
  const TableIds& table(size_t t) const { return tables_[t]; }
  OutputShape output_shape() const { return {planned_.batch, planned_.steps, layer_->depth()}; }

  // Packs from rows[t] = the rows of table(t).ids in that order, one per table. Everything
  // (table count, every [U, D], buffers) is checked before the first write.
  void pack_into(const SuppliedRows* rows, size_t num_rows, float* dense, size_t dense_count,
                 int64_t* lengths, size_t lengths_count, uint8_t* mask, size_t mask_count,
                 PackStats* stats) const;

  // The backward of the planned batch: out[t] receives table(t)'s gradient rows [U, D] in the
  // order of table(t).ids. rows are the rows the pack read (max_norm's Jacobian needs them);
  // grad is d loss / d dense with shape[rank] = {B, T, depth}. Everything is checked before
  // the first write.
  void backward(const SuppliedRows* rows, size_t num_rows, const float* grad,
                const int64_t* shape, size_t rank, const GradientRows* out,
                size_t num_out) const;

 private:
  template <class Rows>
  void check_rows(const Rows* rows, size_t num_rows, const char* what, const char* noun) const;

  std::shared_ptr<const SequenceFeatures> layer_;
  PackOptions options_;
  // The plan phase's result, owned: embedding bags' ids replaced by positions u_i (-1: none).
  std::vector<ColumnPlan> columns_;
  std::vector<int64_t> lengths_, first_step_, kept_, base_;
  Planned planned_;  // views the members above
  std::vector<TableIds> tables_;
  std::vector<int> column_table_;            // per column: index in tables_, -1 for none
  std::vector<EmbedVariant> variant_;        // per column: the kernel its own table gets
  std::vector<std::vector<int64_t>> gemm_ids_;  // per column, only for kBlasGemm: original ids
};

}  // namespace seqfeat
