// Sparse optimizers applied in place to embedding tables, with Keras' defaults and TF's sparse
// semantics: only the rows named by a gradient change, and duplicate ids are summed first
// (Keras deduplicates IndexedSlices before the sparse kernels).
//
//   SGD:      E[id] -= lr * g
//   Adagrad:  A[id] += g * g;  E[id] -= lr * g / (sqrt(A[id]) + epsilon)
//             (A: one accumulator per table element, created at initial_accumulator_value the
//             first time the optimizer updates the table; TF's ResourceSparseApplyAdagradV2)
//
// Element-wise in float32, in this order, as TF's CPU kernels.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "table.h"

namespace seqfeat {

enum class OptimizerKind : int32_t { kSgd = 1, kAdagrad = 2 };

struct OptimizerConfig {
  OptimizerKind kind = OptimizerKind::kSgd;
  float learning_rate = 0.01f;
  float initial_accumulator_value = 0.1f;  // Adagrad
  float epsilon = 1e-7f;                   // Adagrad
};

// Keras' defaults: SGD(learning_rate=0.01), Adagrad(learning_rate=0.001,
// initial_accumulator_value=0.1, epsilon=1e-7).
OptimizerConfig sgd_config(float learning_rate = 0.01f);
OptimizerConfig adagrad_config(float learning_rate = 0.001f,
                               float initial_accumulator_value = 0.1f, float epsilon = 1e-7f);

class Optimizer {
 public:
  // Validates the hyper-parameters (finite, learning_rate >= 0, initial_accumulator_value >= 0,
  // epsilon >= 0 and not both of the last two 0, which would divide 0 by 0).
  explicit Optimizer(const OptimizerConfig& config);
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  const OptimizerConfig& config() const { return config_; }
  void set_learning_rate(float learning_rate);
  bool has_state() const { return config_.kind == OptimizerKind::kAdagrad; }

  // Applies a gradient given as ids[n] + rows[n, dimension] (any order, duplicates allowed and
  // summed first). Everything is validated before the first write: ids in [0, rows), dimension
  // equal to the table's. Scratch memory is per thread and reused.
  void apply(const std::shared_ptr<Table>& table, const int64_t* ids, int64_t n,
             const float* rows, int64_t dimension);

  // Applies a gradient whose ids are sorted, unique and in range (the backward's output).
  void apply_unique(const std::shared_ptr<Table>& table, const int64_t* ids, int64_t n,
                    const float* rows);

  // The per-row update, for callers that produce one row of gradient at a time (the fused
  // backward). `state` is accumulator(table) (nullptr for SGD).
  void update_row(float* row, float* state, const float* grad, int64_t dimension) const;

  // Rows are updated in increasing id order but sparsely over a table usually far larger than
  // the caches, so each update waits for two DRAM rows (table and accumulator) unless they are
  // fetched ahead: callers prefetch the rows of the id this many updates ahead.
  static constexpr int64_t kPrefetchAhead = 8;
  static void prefetch_row(const float* row, const float* state, int64_t dimension) {
    const int64_t bytes = dimension * static_cast<int64_t>(sizeof(float));
    for (int64_t off = 0; off < bytes; off += 64) {
      __builtin_prefetch(reinterpret_cast<const char*>(row) + off, 1, 3);
      if (state) __builtin_prefetch(reinterpret_cast<const char*>(state) + off, 1, 3);
    }
  }

  // The accumulator of a table ([rows, dimension]), created at initial_accumulator_value on
  // first use; nullptr for SGD. The optimizer keeps the table alive while it holds its state.
  float* accumulator(const std::shared_ptr<Table>& table);
  // The accumulator of a table if the optimizer has one yet (nullptr otherwise, and for SGD).
  const float* state(const Table& table) const {
    const Slot* s = find(table);
    return s ? s->values.get() : nullptr;
  }
  // Copies the accumulator out (initial_accumulator_value everywhere if never used).
  void get_state(const Table& table, float* out, size_t count) const;
  void set_state(const std::shared_ptr<Table>& table, const float* values, size_t count);

 private:
  struct Slot {
    std::shared_ptr<Table> table;
    std::unique_ptr<float[]> values;
  };
  const Slot* find(const Table& table) const;
  void check_state_call(const Table& table, size_t count, const char* what) const;

  OptimizerConfig config_;
  std::vector<Slot> slots_;
};

}  // namespace seqfeat
