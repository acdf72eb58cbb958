// The plan phase shared by SequenceFeatures and DenseFeatures: read every input of a batch,
// look the ids up, validate everything, and decide where each value goes — before anything is
// written to the caller's buffers. The layers differ only in how they lay the plan out.
//
// What a plan holds, per layer column c (Planned::columns[c]):
//   numeric column:      NumericPlan — the values (float32, normalized) and their positions
//   embedding/indicator: IdBags (id_bags.h) — ids, weights and the bag structure, already
//                        checked: an embedding column's ids are < num_buckets wherever the
//                        combiner reads them; ids < 0 (and, for indicators, >= num_buckets)
//                        are left in place and skipped by the kernels
// and for the whole batch: B, T, the output sequence lengths and the StepWindow (step_window.h).
// The output slot of bag g of example b in a sequence layer is
//   out[b, window(b, bag_step[g]), offset_c : offset_c + width_c]   (dropped when -1)
// and in DenseFeatures out[b, offset_c : offset_c + width_c], for every bag of the example.
// A backward pass over the same batch reads the same IdBags and slots.
//
// The plan lives in per-thread scratch memory (reused, so a warmed-up pack allocates nothing);
// a Planned stays valid until the next plan on the same thread.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "column.h"
#include "embedding_kernel.h"
#include "id_bags.h"
#include "input.h"
#include "step_window.h"

namespace seqfeat {

enum class Layer { kSequence, kDense };

struct PackOptions {
  int64_t max_length = 0;  // 0: T follows TF
  bool pad_pre = false;
  bool truncate_pre = false;
  bool strict = false;
  int num_threads = 0;  // 0: default
};

struct ColumnStats {
  int64_t dropped_invalid = 0;
  int64_t oov_hits = 0;
  int64_t steps_truncated = 0;
  int64_t empty_examples = 0;
};

// A layer's columns sorted by name, each with its offset in the output's last axis.
struct LayerColumns {
  uint64_t id = 0;  // unique in the process (keys the retained plan)
  std::vector<std::shared_ptr<const DenseColumn>> columns;
  std::vector<int64_t> offsets;
  int64_t depth = 0;  // ΣD
};

// Checks the columns for the layer (TF's messages) and lays them out.
LayerColumns layer_columns(std::vector<std::shared_ptr<const Column>> columns, Layer layer);

// Present values of a numeric column for one batch, in example order.
struct NumericPlan {
  int64_t batch = 0;
  int64_t steps = 0;                    // T_out of the column: prod(dense_shape[1:]) / E
  std::vector<int64_t> example_entries; // [B + 1]
  std::vector<int64_t> position;        // [N] flat position in the example row (step * E + j)
  std::vector<float> values;            // [N] float32, normalized
  const float* direct = nullptr;        // the input itself when it needs no conversion
  bool in_order = false;                // ragged: value i of example b sits at position
                                        // i - example_entries[b] (position is not filled)
  std::vector<int64_t> lengths;         // [B]
  std::vector<int64_t> extent;          // [B] last step holding a value + 1 (>= lengths for
                                        // 3-D input, where TF's length ignores the K axis)

  const float* data() const { return direct ? direct : values.data(); }
};

struct ColumnPlan {
  IdBags bags;          // embedding and indicator columns
  NumericPlan numeric;  // numeric columns
  ColumnStats stats;
  int64_t batch = 0;
  int64_t steps = 0;
  const std::vector<int64_t>* lengths = nullptr;  // TF's sequence lengths of the column
  const std::vector<int64_t>* extent = nullptr;   // numeric columns only
};

struct Planned {
  int64_t batch = 0;
  int64_t steps = 0;                    // T of the output (sequence layer)
  std::span<const ColumnPlan> columns;  // one per layer column, in layer order
  const int64_t* lengths = nullptr;     // [B] sequence_length written out (sequence layer)
  StepWindow window;                    // identity unless max_length or pre-padding
};

// Plans a batch for the layer. DenseFeatures ignores the options (pass the defaults).
Planned plan_batch(const LayerColumns& layer, Layer kind, const Batch& batch,
                   const PackOptions& options);

// A plan kept for the next call on this thread: a shape query (or a pack that finds a buffer
// too small) retains its plan, and the pack that follows for the same layer, batch contents
// (Batch::generation) and options takes it instead of planning again, so a caller that sizes
// its buffers first still plans each batch once. Any other plan on the thread replaces it.
// The memory a batch views must not change between the two calls (the batch's own changes
// are seen through its generation).
void retain_plan(const LayerColumns& layer, Layer kind, const Batch& batch,
                 const PackOptions& options);
// The retained plan if it matches (it is then no longer retained), else plan_batch().
Planned take_plan(const LayerColumns& layer, Layer kind, const Batch& batch,
                  const PackOptions& options);
// Drops the retained plan of this thread.
void forget_plan();

// The embedding kernel's arguments for a column's planned ids.
EmbeddingArgs embedding_args(const EmbeddingColumn& column, const IdBags& bags);

// The dense_shape of a column's ids as the input gave them (rank kept; a rank-1 input is
// [B, 1]).
std::vector<int64_t> input_id_shape(const IdBags& bags);

}  // namespace seqfeat
