#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <new>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif

namespace seqfeat {

int hardware_threads() {
  static const int n = [] {
#if defined(__linux__)
    // The CPUs this process may run on (a container or taskset may allow fewer than exist).
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
    const unsigned c = std::thread::hardware_concurrency();
    return c == 0 ? 1 : static_cast<int>(c);
  }();
  return n;
}

namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

using Clock = std::chrono::steady_clock;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

// A moving average kept in an atomic (updates may race; each is one whole value).
void average_in(std::atomic<double>& avg, double sample) {
  const double a = avg.load(std::memory_order_relaxed);
  avg.store(a + (sample - a) / 8, std::memory_order_relaxed);
}

std::atomic<SplitPolicy> split_policy{SplitPolicy::kMeasured};

// How long an idle worker keeps spinning before it sleeps: after a region about one wake-up's
// cost (so back-to-back regions skip the wake-up), after prepare_workers() long enough for the
// caller's serial phase.
constexpr auto kSpinAfterRegion = std::chrono::microseconds(150);
constexpr auto kSpinAfterPrepare = std::chrono::microseconds(1000);

// Region state in one word, so that joining and closing a region are single atomic steps:
// generation << 32 | closed << 31 | number of workers that joined.
constexpr uint64_t kClosed = uint64_t{1} << 31;
constexpr uint64_t kJoinedMask = kClosed - 1;

class Pool {
 public:
  static Pool& instance() {
    static Pool pool;
    return pool;
  }

#if defined(__linux__)
  Pool() {
    // A child process has only the thread that forked: forget the parent's workers (joining
    // them at exit would wait forever) and any lock one of them held; the child starts new
    // workers when it needs them.
    pthread_atfork(nullptr, nullptr, [] { instance().forget_after_fork(); });
  }
#endif

  // Returns false (and runs nothing) if another caller holds the pool.
  bool run(int threads, int64_t tasks, TaskRef fn, RegionReport& report) {
    std::unique_lock<std::mutex> call(call_mutex_, std::try_to_lock);
    if (!call.owns_lock()) return false;
    const int helpers = std::min(threads - 1, ensure_workers(threads - 1));
    if (helpers <= 0) return false;
    keep_off_caller_cpu();
    fn_ = &fn;
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    first_join_.store(0, std::memory_order_relaxed);
    wanted_.store(static_cast<uint64_t>(helpers), std::memory_order_relaxed);
    generation_ += 1;
    // Where a sleeping worker's join latency counts from: a recent prepare_workers() wake-up,
    // else this region's.
    const int64_t start = now_ns();
    const bool asleep = sleepers_.load(std::memory_order_seq_cst) > 0;
    const int64_t prepared = last_wake_.load(std::memory_order_relaxed);
    const int64_t origin =
        asleep && prepared > 0 &&
                static_cast<double>(start - prepared) < 2 * join_sleep_.load()
            ? prepared
            : start;
    state_.store(generation_ << 32, std::memory_order_seq_cst);
    wake_sleepers();

    report.caller_tasks = work();
    // Close the region: no worker can join after this; wait for those that did.
    const uint64_t s = state_.fetch_or(kClosed, std::memory_order_acq_rel);
    const uint64_t joined = s & kJoinedMask;
    while (done_.load(std::memory_order_acquire) != joined) cpu_relax();
    report.split = joined > 0;
    // Learn the join latency; a region nobody joined shows it is at least this long.
    std::atomic<double>& latency = asleep ? join_sleep_ : join_spin_;
    if (joined > 0) {
      average_in(latency, static_cast<double>(first_join_.load() - origin));
    } else {
      const auto waited = static_cast<double>(now_ns() - origin);
      if (waited > latency.load()) average_in(latency, waited);
    }
    fn_ = nullptr;
    if (failed_.load(std::memory_order_acquire)) {
      std::exception_ptr error = std::move(error_);
      error_ = nullptr;
      failed_.store(false, std::memory_order_relaxed);
      std::rethrow_exception(error);
    }
    return true;
  }

  void prepare(int threads) {
    if (ensure_workers(threads - 1) <= 0) return;
    keep_off_caller_cpu();
    prepare_epoch_.fetch_add(1, std::memory_order_seq_cst);
    wake_sleepers();
  }

  HelperCost cost() const {
    HelperCost c;
    c.wake_ns = static_cast<int64_t>(wake_.load(std::memory_order_relaxed));
    const auto spin = static_cast<int64_t>(join_spin_.load(std::memory_order_relaxed));
    if (worker_count_.load(std::memory_order_relaxed) > 0 &&
        sleepers_.load(std::memory_order_relaxed) == 0) {
      c.join_ns = spin;  // every worker is spinning
      return c;
    }
    // Asleep, or woken recently and on its way.
    const auto sleep = static_cast<int64_t>(join_sleep_.load(std::memory_order_relaxed));
    const int64_t woken = last_wake_.load(std::memory_order_relaxed);
    const int64_t since = woken > 0 ? now_ns() - woken : INT64_MAX;
    c.join_ns = since < sleep ? std::max(spin, sleep - since) : sleep;
    return c;
  }

  // In a forked child only (no other thread exists): the workers' std::thread objects are moved
  // to a vector that is deliberately never destroyed (destroying or joining them is not
  // possible), the synchronisation objects are created anew and the counters reset. The vector
  // stays reachable from abandoned_ so that a leak checker does not report it, and one vector
  // serves every fork of the process's descendants.
  void forget_after_fork() {
    if (abandoned_ == nullptr) abandoned_ = new std::vector<std::thread>();
    for (auto& t : workers_) abandoned_->push_back(std::move(t));
    workers_.clear();
    worker_count_.store(0);
    last_wake_.store(0);
    new (&call_mutex_) std::mutex();
    new (&create_mutex_) std::mutex();
    new (&sleep_mutex_) std::mutex();
    new (&sleep_cv_) std::condition_variable();
    sleepers_.store(0);
    caller_cpu_ = -1;
    fn_ = nullptr;
    failed_.store(false);
    error_ = nullptr;
    state_.store(state_.load() | kClosed);
    done_.store(0);
  }

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(sleep_mutex_);
      stop_.store(true);
    }
    sleep_cv_.notify_all();
    for (auto& t : workers_) t.join();
  }

 private:
  // Starts workers up to n (at most hardware_threads() - 1); returns how many there are.
  int ensure_workers(int n) {
    n = std::min(n, hardware_threads() - 1);
    std::lock_guard<std::mutex> lock(create_mutex_);
    try {
      while (static_cast<int>(workers_.size()) < n) {
      workers_.emplace_back([this] { loop(); });
      worker_count_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
    }
    } catch (...) {
      // No more threads: work with those we have.
    }
    return static_cast<int>(workers_.size());
  }

  // Keeps the workers off the CPU the caller runs on. On a VM the scheduler often wakes a
  // sleeping worker onto the waker's CPU (measured: 15-50 % of wake-ups after 1-10 ms idle),
  // where it cannot run until the caller is preempted, making two threads slower than one.
  // Only our own threads' affinity changes, and only when the caller's CPU changes.
  void keep_off_caller_cpu() {
#if defined(__linux__)
    const int cpu = sched_getcpu();
    std::lock_guard<std::mutex> lock(create_mutex_);
    if (cpu < 0 || cpu == caller_cpu_) return;
    caller_cpu_ = cpu;
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0 || !CPU_ISSET(cpu, &set)) return;
    CPU_CLR(cpu, &set);
    if (CPU_COUNT(&set) == 0) return;
    for (auto& t : workers_) pthread_setaffinity_np(t.native_handle(), sizeof set, &set);
#endif
  }

  void wake_sleepers() {
    if (sleepers_.load(std::memory_order_seq_cst) == 0) return;
    const int64_t t0 = now_ns();
    { std::lock_guard<std::mutex> lock(sleep_mutex_); }
    sleep_cv_.notify_all();
    const int64_t t1 = now_ns();
    last_wake_.store(t0, std::memory_order_relaxed);
    average_in(wake_, static_cast<double>(t1 - t0));
  }

  // Runs tasks until none is left; returns how many this thread ran.
  int64_t work() {
    const TaskRef& fn = *fn_;
    const int64_t tasks = tasks_;
    int64_t ran = 0;
    for (;; ++ran) {
      const int64_t task = next_.fetch_add(1, std::memory_order_relaxed);
      if (task >= tasks) break;
      // An exception must not leave a worker (std::terminate): the first one is kept and
      // rethrown on the caller once the region is closed.
      try {
        fn(task);
      } catch (...) {
        if (!failed_.exchange(true, std::memory_order_acq_rel)) error_ = std::current_exception();
      }
    }
    return ran;
  }

  // Joins the open region of generation `gen` if it still wants workers.
  bool try_join(uint64_t gen) {
    uint64_t s = state_.load(std::memory_order_acquire);
    while ((s >> 32) == gen && !(s & kClosed) &&
           (s & kJoinedMask) < wanted_.load(std::memory_order_relaxed)) {
      if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel)) return true;
    }
    return false;
  }

  void loop() {
    uint64_t seen_gen = state_.load(std::memory_order_acquire) >> 32;
    uint64_t seen_epoch = prepare_epoch_.load(std::memory_order_acquire);
    auto spin_until = Clock::now() + kSpinAfterPrepare;
    for (;;) {
      // Spin for a new region until the deadline, then sleep.
      uint64_t gen = state_.load(std::memory_order_acquire) >> 32;
      for (int i = 0; gen == seen_gen; ++i) {
        if (stop_.load(std::memory_order_relaxed)) return;
        if ((i & 255) == 255) {
          const uint64_t epoch = prepare_epoch_.load(std::memory_order_acquire);
          if (epoch != seen_epoch) {
            seen_epoch = epoch;
            spin_until = Clock::now() + kSpinAfterPrepare;
          }
          if (Clock::now() > spin_until) {
            std::unique_lock<std::mutex> lock(sleep_mutex_);
            sleepers_.fetch_add(1, std::memory_order_seq_cst);
            sleep_cv_.wait(lock, [&] {
              return stop_.load() || (state_.load(std::memory_order_seq_cst) >> 32) != seen_gen ||
                     prepare_epoch_.load(std::memory_order_seq_cst) != seen_epoch;
            });
            sleepers_.fetch_sub(1, std::memory_order_seq_cst);
            if (stop_.load()) return;
            const uint64_t e = prepare_epoch_.load(std::memory_order_acquire);
            if (e != seen_epoch) {
              seen_epoch = e;
              spin_until = Clock::now() + kSpinAfterPrepare;
            } else {
              spin_until = Clock::now() + kSpinAfterRegion;
            }
          }
        }
        cpu_relax();
        gen = state_.load(std::memory_order_acquire) >> 32;
      }
      seen_gen = gen;
      if (try_join(gen)) {
        int64_t none = 0;
        first_join_.compare_exchange_strong(none, now_ns(), std::memory_order_relaxed);
        work();
        done_.fetch_add(1, std::memory_order_acq_rel);
      }
      spin_until = Clock::now() + kSpinAfterRegion;
    }
  }

  std::mutex call_mutex_;    // one region at a time
  std::mutex create_mutex_;  // guards workers_
  std::mutex sleep_mutex_;
  std::condition_variable sleep_cv_;
  std::vector<std::thread> workers_;
  static inline std::vector<std::thread>* abandoned_ = nullptr;  // see forget_after_fork
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> prepare_epoch_{0};
  std::atomic<int> worker_count_{0};
  // Measured costs (ns, moving averages): a worker's join after a wake-up and while spinning,
  // the caller's wake-up call; when the last wake-up happened.
  std::atomic<double> join_sleep_{150e3};
  std::atomic<double> join_spin_{2e3};
  std::atomic<double> wake_{15e3};
  std::atomic<int64_t> last_wake_{0};
  std::atomic<int64_t> first_join_{0};

  // The current region (written by the caller holding call_mutex_ before state_ is published).
  alignas(64) std::atomic<uint64_t> state_{0};
  uint64_t generation_ = 0;
  int caller_cpu_ = -1;  // guarded by create_mutex_
  std::atomic<uint64_t> wanted_{0};
  const TaskRef* fn_ = nullptr;
  std::atomic<bool> failed_{false};  // a task threw; error_ holds the first exception
  std::exception_ptr error_;
  int64_t tasks_ = 0;
  alignas(64) std::atomic<int64_t> next_{0};
  alignas(64) std::atomic<uint64_t> done_{0};
};

}  // namespace

void parallel_for(int threads, int64_t tasks, TaskRef fn, RegionReport& report) {
  threads = static_cast<int>(std::min<int64_t>(threads, tasks));
  report = RegionReport{};
  if (threads > 1 && Pool::instance().run(threads, tasks, fn, report)) return;
  for (int64_t t = 0; t < tasks; ++t) fn(t);
  report.caller_tasks = tasks;
}

void parallel_for(int threads, int64_t tasks, TaskRef fn) {
  RegionReport report;
  parallel_for(threads, tasks, fn, report);
}

HelperCost helper_cost() { return Pool::instance().cost(); }

void set_split_policy(SplitPolicy policy) { split_policy.store(policy); }

int SplitModel::threads_for(int max_threads, int64_t work) const {
  // Below this (a few us) the decision itself is not worth making.
  constexpr int64_t kMinWork = 1 << 16;
  // Beyond the first helper, about one thread per this much work (as before).
  constexpr int64_t kWorkPerThread = 1 << 20;
  if (max_threads <= 1 || work < kMinWork) return 1;
  const int many = static_cast<int>(
      std::min<int64_t>(max_threads, std::max<int64_t>(2, work / kWorkPerThread)));
  switch (split_policy.load(std::memory_order_relaxed)) {
    case SplitPolicy::kNever: return 1;
    case SplitPolicy::kAlways: return many;
    case SplitPolicy::kMeasured: break;
  }
  // One thread: e1. With a helper joining after `join`: join + (e1 - join) / 2, plus the
  // caller's wake-up cost; the margin covers the last chunk the caller may wait for.
  constexpr double kMarginNs = 10e3;
  const double e1 = ns_per_unit() * static_cast<double>(work);
  const HelperCost c = helper_cost();
  const double gain = (e1 - static_cast<double>(c.join_ns)) / 2 - static_cast<double>(c.wake_ns);
  return gain > kMarginNs ? many : 1;
}

void SplitModel::run(int threads, int64_t tasks, int64_t work, TaskRef fn) const {
  RegionReport report;
  const int64_t t0 = now_ns();
  parallel_for(threads, tasks, fn, report);
  const int64_t t1 = now_ns();
  if (work <= 0 || report.caller_tasks <= 0 || tasks <= 0) return;
  // The caller's time over the units it ran (tasks are about equal in work).
  const double units = static_cast<double>(work) * static_cast<double>(report.caller_tasks) /
                       static_cast<double>(tasks);
  const double sample = static_cast<double>(t1 - t0) / units;
  if (sample > 0 && sample < 1e3) average_in(ns_per_unit_, sample);
}

void prepare_workers(int threads) {
  if (threads > 1) Pool::instance().prepare(threads);
}

}  // namespace seqfeat
