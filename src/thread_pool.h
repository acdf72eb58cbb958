// A persistent pool of worker threads, created on first use and kept: waking a sleeping
// thread costs ~0.1 ms and creating one several ms, so work is split only above a threshold.
#pragma once

#include <cstdint>
#include <functional>

namespace seqfeat {

// Number of hardware threads (at least 1).
int hardware_threads();

// Runs fn(task) for task in [0, tasks) on up to `threads` threads (the caller is one of them).
// Returns when all tasks are done. fn must not throw.
void parallel_for(int threads, int64_t tasks, const std::function<void(int64_t)>& fn);

}  // namespace seqfeat
