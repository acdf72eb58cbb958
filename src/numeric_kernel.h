// Numeric packing for values that arrive in order (ragged input): example b's values are
// values[example_entries[b] : example_entries[b + 1]], E per step, so natural step s of b is
//
//   out[b, t, 0:E] = values[example_entries[b] + s * E : + E]
//
// at output step t = window(b, s) (step_window.h); every other step of the example is
// default_value.
// Each example is a few block copies and fills instead of a scatter through a position array.
#pragma once

#include <cstdint>

#include "step_window.h"

namespace seqfeat {

struct NumericRows {
  const float* values = nullptr;
  const int64_t* example_entries = nullptr;
  int64_t width = 1;  // E
  float default_value = 0.f;
  StepWindow window;
  float* out = nullptr;  // already advanced to the column's offset
  int64_t steps = 0;
  int64_t stride = 0;
};

// Writes every output step of examples [b0, b1).
void write_numeric_in_order(const NumericRows& rows, int64_t b0, int64_t b1);

}  // namespace seqfeat
