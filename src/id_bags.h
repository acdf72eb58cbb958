// The ids of one categorical column for one batch, grouped in bags: the product of the id stage
// that the plan validates and every kernel (forward, and a backward over the same batch) reads.
//
//   example b:  bags g in [example_bags[b], example_bags[b + 1])     (only steps with entries)
//   bag g:      natural step bag_step[g] (increasing within an example),
//               entries i in [bag_entries[g], bag_entries[g + 1])
//   entry i:    ids[i], weights[i] (weighted columns), entry_k[i] (its position in the step),
//               value_index[i] (the raw input value it came from)
//
//   e.g. B = 3: example 0 has steps 0 and 2, example 1 step 1, example 2 steps 0 and 1
//   example_bags = [0, 2, 3, 5]
//   bag_step     = [0, 2, 1, 0, 1]
//   bag_entries  = [0, 2, 3, 4, 5, 7]
//   ids          = [7, 3, 5, 1, 9, 2, 4]     bag 0 = {7, 3}, bag 1 = {5}, ..., bag 4 = {2, 4}
//
// Sequence layers combine each bag into output step window(b, bag_step[g]) (step_window.h);
// DenseFeatures pools all entries of an example, [bag_entries[example_bags[b]],
// bag_entries[example_bags[b + 1]]), into one row. Ids are the looked-up ones and may lie
// outside [0, num_buckets): the plan decides which of them a column drops and rejects.
#pragma once

#include <cstdint>
#include <vector>

#include "input.h"

namespace seqfeat {

struct IdBags {
  int64_t batch = 0;                 // B
  int64_t steps = 0;                 // T (dense_shape[1], or the longest ragged row)
  int64_t width = 1;                 // K = prod(dense_shape[2..]) (max bag size for ragged)
  std::vector<int64_t> example_bags; // [B + 1]: bags of example b are [example_bags[b], [b+1])
  std::vector<int64_t> bag_step;     // [nbags] step t of each bag (increasing within an example)
  std::vector<int64_t> bag_entries;  // [nbags + 1]: entries of bag i
  std::vector<int64_t> entry_k;      // [N] position of each entry inside its step (k index)
  std::vector<int64_t> ids;          // [N] ids after lookup (may be < 0 or >= num_buckets)
  std::vector<int64_t> value_index;  // [N] index of the entry's raw value in the input
  std::vector<float> weights;        // [N] when weighted, else empty
  std::vector<int64_t> lengths;      // [B] TF's sequence length (max step + 1, ids pre-pruning)
  int64_t oov_hits = 0;              // values not found in the vocabulary / replaced by default
  int64_t strict_oov_entry = -1;     // first entry whose miss strict mode reports (no OOV bucket)
  const FeatureInput* input = nullptr;

  int64_t num_bags() const { return static_cast<int64_t>(bag_step.size()); }
  int64_t num_entries() const { return static_cast<int64_t>(ids.size()); }
};

}  // namespace seqfeat
