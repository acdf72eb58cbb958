// Grouping entries by id: a stable LSD radix sort of (id, entry) pairs on the id, for ids in
// [0, id_bound). The backward and the sparse optimizers use it to visit every id once with its
// entries in their original order, so that sums are formed in one fixed order (results are the
// same run to run and for any thread count).
#pragma once

#include <cstdint>
#include <vector>

namespace seqfeat {

struct IdEntry {
  int64_t id;
  int64_t entry;
};

// Sorts items[0, n) by id, stably; `scratch` is resized to n (reused across calls, so a warm
// caller allocates nothing). Ids must be in [0, id_bound).
void sort_by_id(IdEntry* items, int64_t n, int64_t id_bound, std::vector<IdEntry>& scratch);

}  // namespace seqfeat
