// A persistent pool of worker threads, created on first use and kept: waking a sleeping
// thread costs ~0.1-0.2 ms on a VM and creating one several ms, so work is split only above a
// threshold, and a caller that knows a parallel region is coming can wake the workers early
// (prepare_workers) so that their wake-up overlaps its own serial work.
//
// Nothing here allocates per call. Workers that finish a region spin briefly before sleeping,
// so back-to-back regions do not pay the wake-up again.
#pragma once

#include <atomic>
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

// What one parallel_for did, for callers that learn from it.
struct RegionReport {
  int64_t caller_tasks = 0;  // tasks the calling thread ran
  bool split = false;        // at least one worker joined
};
void parallel_for(int threads, int64_t tasks, TaskRef fn, RegionReport& report);

// The pool's measured costs of involving workers, in ns: how long until a worker joins a
// region started now (short when the workers are spinning, a wake-up when they sleep; less
// the time already passed since a prepare_workers() woke them), and the caller's cost of
// waking sleeping workers. Measured on every region (moving averages), starting from the
// VM's figures (150 us to join from sleep, 15 us to wake).
struct HelperCost {
  int64_t join_ns = 0;
  int64_t wake_ns = 0;
};
HelperCost helper_cost();

// Starts waking up to `threads - 1` workers for a parallel_for that this thread will issue
// soon. Cheap when they are awake already; a no-op for threads <= 1.
void prepare_workers(int threads);

// How SplitModel decides: from measured costs (the default), or always / never splitting
// work above its minimum (tests use these to cover both paths with the same inputs).
enum class SplitPolicy { kMeasured, kAlways, kNever };
void set_split_policy(SplitPolicy policy);

// Decides per call whether a region of `work` units (a call site's own unit, e.g. floats
// written plus floats gathered) is worth splitting: helpers pay off only when the expected
// time on one thread, ns_per_unit x work, exceeds what they cost -- the time until one
// joins (it then takes half of the rest) plus twice the caller's cost of waking it. The
// model learns ns_per_unit from the caller's own time in every region it runs, so a
// layer whose rows come from DRAM learns a higher cost than one whose rows are cached.
// Safe to use from several threads at once (the estimate is one atomic).
class SplitModel {
 public:
  SplitModel() = default;
  SplitModel(const SplitModel& other) : ns_per_unit_(other.ns_per_unit_.load()) {}
  SplitModel& operator=(const SplitModel& other) {
    ns_per_unit_.store(other.ns_per_unit_.load());
    return *this;
  }

  // Threads for `work` units, at most max_threads (1 when a helper would not pay off).
  int threads_for(int max_threads, int64_t work) const;
  // Runs fn over [0, tasks) on `threads` threads and learns from the caller's time
  // (`work` = the units of all tasks together).
  void run(int threads, int64_t tasks, int64_t work, TaskRef fn) const;
  double ns_per_unit() const { return ns_per_unit_.load(std::memory_order_relaxed); }

 private:
  // About 0.05-0.1 ns per unit for cached gathers on the development VM.
  mutable std::atomic<double> ns_per_unit_{0.08};
};

}  // namespace seqfeat
