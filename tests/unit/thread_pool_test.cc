// The thread pool runs every task exactly once, on valid thread ids, across
// many back-to-back jobs (the pattern of one inference: many short ops), and
// handles 0 and 1 tasks and more threads than tasks.
#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <vector>

namespace edgerun::core {
namespace {

TEST(ThreadPool, EveryTaskRunsOnceOnAValidThread) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    for (size_t tasks : {size_t{0}, size_t{1}, size_t{2}, size_t{7}, size_t{1000}}) {
      std::vector<std::atomic<int>> hits(tasks);
      std::atomic<int> bad_thread{0};
      pool.parallel_for(tasks, [&](size_t task, int thread) {
        hits[task].fetch_add(1);
        if (thread < 0 || thread >= threads) bad_thread.fetch_add(1);
      });
      for (size_t t = 0; t < tasks; ++t) EXPECT_EQ(hits[t].load(), 1) << threads << " threads, task " << t;
      EXPECT_EQ(bad_thread.load(), 0);
    }
  }
}

TEST(ThreadPool, ManyShortJobsInARowAllComplete) {
  ThreadPool pool(3);
  std::atomic<int64_t> sum{0};
  int64_t expected = 0;
  for (int job = 0; job < 2000; ++job) {
    const size_t tasks = 1 + job % 9;
    pool.parallel_for(tasks, [&](size_t task, int) { sum.fetch_add(static_cast<int64_t>(task) + 1); });
    expected += static_cast<int64_t>(tasks * (tasks + 1) / 2);
    ASSERT_EQ(sum.load(), expected) << "job " << job << " returned before all its tasks finished";
  }
}

TEST(ThreadPool, WorkersReallyRunTasks) {
  // With enough blocking tasks, more than one thread id must show up: a task
  // waits until another thread has started one.
  ThreadPool pool(2);
  std::atomic<int> started{0};
  std::set<int> seen;
  std::mutex m;
  pool.parallel_for(2, [&](size_t, int thread) {
    started.fetch_add(1);
    while (started.load() < 2) {
    }
    std::lock_guard<std::mutex> lock(m);
    seen.insert(thread);
  });
  EXPECT_EQ(seen.size(), 2u);
}

TEST(ThreadPool, NonPositiveThreadCountMeansOne) {
  ThreadPool pool(0);
  EXPECT_EQ(pool.threads(), 1);
  int runs = 0;
  pool.parallel_for(5, [&](size_t, int thread) {
    EXPECT_EQ(thread, 0);
    ++runs;
  });
  EXPECT_EQ(runs, 5);
}

}  // namespace
}  // namespace edgerun::core
