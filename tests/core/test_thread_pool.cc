// The worker pool (thread_pool.h): every task runs exactly once whatever the thread count, an
// exception in a task reaches the caller, concurrent callers all finish, and a forked child can
// use the pool and exit.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "thread_pool.h"

namespace seqfeat {
namespace {

TEST(ThreadPool, EveryTaskRunsOnce) {
  for (int threads : {1, 2, 4}) {
    std::vector<std::atomic<int>> hits(1000);
    auto fn = [&](int64_t task) { hits[static_cast<size_t>(task)].fetch_add(1); };
    parallel_for(threads, static_cast<int64_t>(hits.size()), fn);
    for (size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << threads << " " << i;
  }
}

TEST(ThreadPool, RegionReportCountsTheCallersTasks) {
  for (int threads : {1, 2}) {
    std::atomic<int64_t> ran{0};
    auto fn = [&](int64_t) { ran.fetch_add(1); };
    RegionReport report;
    parallel_for(threads, 500, fn, report);
    EXPECT_EQ(ran.load(), 500);
    EXPECT_GE(report.caller_tasks, 1);
    EXPECT_LE(report.caller_tasks, 500);
    if (!report.split) EXPECT_EQ(report.caller_tasks, 500);
  }
}

TEST(SplitModel, DecidesFromPolicyWorkAndCost) {
  const SplitModel model;
  for (SplitPolicy p : {SplitPolicy::kMeasured, SplitPolicy::kAlways, SplitPolicy::kNever}) {
    set_split_policy(p);
    EXPECT_EQ(model.threads_for(2, 1000), 1);     // too small to decide on
    EXPECT_EQ(model.threads_for(1, int64_t{1} << 40), 1);  // one thread allowed
  }
  set_split_policy(SplitPolicy::kNever);
  EXPECT_EQ(model.threads_for(4, int64_t{1} << 30), 1);
  set_split_policy(SplitPolicy::kAlways);
  EXPECT_EQ(model.threads_for(2, int64_t{1} << 17), 2);
  EXPECT_EQ(model.threads_for(4, int64_t{1} << 30), 4);
  set_split_policy(SplitPolicy::kMeasured);
  // Seconds of work on one thread: any measured helper cost is far smaller.
  EXPECT_EQ(model.threads_for(2, int64_t{1} << 40), 2);
  // The estimate is learned from the caller's time and stays a positive, finite cost.
  std::vector<float> sink(1 << 16);
  auto fn = [&](int64_t task) {
    for (size_t i = 0; i < sink.size(); ++i) sink[i] += static_cast<float>(task);
  };
  for (int r = 0; r < 3; ++r) model.run(1, 16, int64_t{16} << 16, fn);
  EXPECT_GT(model.ns_per_unit(), 0.0);
  EXPECT_LT(model.ns_per_unit(), 1e3);
  EXPECT_EQ(sink[0], 3.f * 120.f);
}

TEST(ThreadPool, ExceptionInATaskReachesTheCaller) {
  std::atomic<int> ran{0};
  auto fn = [&](int64_t task) {
    ran.fetch_add(1);
    if (task == 37) throw std::runtime_error("task 37 failed");
  };
  try {
    parallel_for(2, 200, fn);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "task 37 failed");
  }
  EXPECT_GE(ran.load(), 38);
  // The pool is usable afterwards.
  std::atomic<int64_t> sum{0};
  auto add = [&](int64_t task) { sum.fetch_add(task); };
  parallel_for(2, 100, add);
  EXPECT_EQ(sum.load(), 4950);
}

TEST(ThreadPool, ConcurrentCallersAllFinish) {
  constexpr int kCallers = 6, kRounds = 50, kTasks = 64;
  std::atomic<int64_t> total{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < kCallers; ++c)
    callers.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        auto fn = [&](int64_t task) { total.fetch_add(task + 1); };
        parallel_for(2, kTasks, fn);
      }
    });
  for (auto& t : callers) t.join();
  EXPECT_EQ(total.load(), int64_t{kCallers} * kRounds * (kTasks * (kTasks + 1) / 2));
}

TEST(ThreadPool, ForkedChildUsesThePoolAndExits) {
  std::atomic<int64_t> sum{0};
  auto add = [&](int64_t task) { sum.fetch_add(task); };
  prepare_workers(2);
  parallel_for(2, 100, add);  // the parent's workers exist now
  ASSERT_EQ(sum.load(), 4950);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(120);  // a hang becomes SIGALRM, which the parent reports
    std::atomic<int64_t> child_sum{0};
    auto child_add = [&](int64_t task) { child_sum.fetch_add(task); };
    prepare_workers(2);
    parallel_for(2, 1000, child_add);
    std::exit(child_sum.load() == 499500 ? 0 : 3);  // runs the pool's destructor
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "child ended by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace seqfeat
