// Which natural steps of each example reach the output, and at which output step: the window
// that max_length, padding and truncating put over every column of a pack.
//
//   natural step s of example b -> output step base[b] + (s - first_step[b])
//                                  if 0 <= s - first_step[b] < kept[b], else dropped
//
// Without a window (first_step == nullptr) step s lands at output step s. The arrays have one
// entry per example and are owned by the plan that built them.
#pragma once

#include <cstdint>

namespace seqfeat {

struct StepWindow {
  const int64_t* first_step = nullptr;  // first natural step kept, per example
  const int64_t* kept = nullptr;        // number of steps kept, per example
  const int64_t* base = nullptr;        // output step of first_step, per example

  bool identity() const { return first_step == nullptr; }

  // The output step of natural step `step` of example b, or -1 if the window cuts it.
  int64_t operator()(int64_t b, int64_t step) const {
    if (identity()) return step;
    const int64_t rel = step - first_step[b];
    if (rel < 0 || rel >= kept[b]) return -1;
    return base[b] + rel;
  }

  // Example b as a shift: natural step s lands at s + shift when lo <= s + shift < hi
  // (hi <= steps, the output's T).
  struct Shift {
    int64_t shift, lo, hi;
  };
  Shift shift(int64_t b, int64_t steps) const {
    if (identity()) return {0, 0, steps};
    return {base[b] - first_step[b], base[b], base[b] + kept[b]};
  }
};

}  // namespace seqfeat
