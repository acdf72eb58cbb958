// Indicator (multi-hot) rows for a range of examples, in one pass:
//
//   out[b, t, 0:buckets] = Σ_{i in bag(b, t), 0 <= id_i < buckets} w_i · onehot(id_i)
//                          (w_i = 1 unweighted), 0 for steps without a bag
//
// with the same bag layout and step window as the embedding kernel (BagOutput). Each example's
// rows are zeroed in one block when the column is the whole output row, then the ids are
// scattered; ids outside [0, buckets) are dropped (counted by the plan). The caller has checked
// that B · steps · stride fits in int64 (checked.h), so no offset below can wrap.
#pragma once

#include <cstdint>

#include "step_window.h"

namespace seqfeat {

struct IndicatorRows {
  const int64_t* ids = nullptr;
  const float* weights = nullptr;  // nullptr: unweighted
  int64_t buckets = 0;
  const int64_t* example_bags = nullptr;
  const int64_t* bag_step = nullptr;
  const int64_t* bag_entries = nullptr;
  StepWindow window;
  float* out = nullptr;  // already advanced to the column's offset
  int64_t steps = 0;
  int64_t stride = 0;
};

// Writes every output step of examples [b0, b1).
void write_indicator_rows(const IndicatorRows& rows, int64_t b0, int64_t b1);

}  // namespace seqfeat
