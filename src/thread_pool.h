// A persistent pool of worker threads, created on first use and kept: waking a sleeping
// thread costs ~0.1-0.2 ms on a VM and creating one several ms, so work is split only above a
// threshold, and a caller that knows a parallel region is coming can wake the workers early
// (prepare_workers) so that their wake-up overlaps its own serial work.
//
// Nothing here allocates per call. Workers that finish a region spin briefly before sleeping,
// so back-to-back regions do not pay the wake-up again.
#pragma once

#include <cstdint>

namespace seqfeat {

// A non-owning reference to a callable `void(int64_t task)`; valid while the callable lives.
// (std::function would allocate for a lambda capturing more than two pointers.)
class TaskRef {
 public:
  template <class F>
  TaskRef(F& fn)  // NOLINT: implicit, like std::function_ref
      : object_(&fn), call_([](void* o, int64_t task) { (*static_cast<F*>(o))(task); }) {}
  void operator()(int64_t task) const { call_(object_, task); }

 private:
  void* object_;
  void (*call_)(void*, int64_t);
};

// Number of hardware threads (at least 1).
int hardware_threads();

// Runs fn(task) for every task in [0, tasks) on up to `threads` threads, the caller being one
// of them; tasks are handed out in increasing order as threads become free. Returns when all
// tasks are done. If a task throws, the first exception is rethrown here once the region is
// over (never on a worker, where it would end the process); callers should validate
// before the region so that tasks do not fail. If the pool is busy with another caller's
// region, the tasks run on the calling thread.
void parallel_for(int threads, int64_t tasks, TaskRef fn);

// Starts waking up to `threads - 1` workers for a parallel_for that this thread will issue
// soon. Cheap when they are awake already; a no-op for threads <= 1.
void prepare_workers(int threads);

}  // namespace seqfeat
