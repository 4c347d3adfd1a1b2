// A persistent pool of worker threads for splitting one op's work into tasks.
//
//   edgerun::core::ThreadPool pool(2);           // the caller + 1 worker
//   pool.parallel_for(rows, [&](size_t row, int thread) { compute(row); });
//
// The threads are created once, in the constructor; parallel_for() neither
// allocates nor creates threads. The calling thread takes tasks too, so a pool
// of N threads runs N tasks at once. Tasks are claimed one at a time from an
// atomic counter (dynamic scheduling: a slow core does fewer of them).
//
// Between jobs the workers spin for a short while (so the next op of an
// inference starts without a wake-up) and then sleep on a condition variable
// until the next job, so an idle pool costs no CPU. (Not std::atomic::wait:
// libstdc++ 12's implementation can lose a wake-up, GCC PR 104928.)
//
// parallel_for() must not be called concurrently on one pool, nor from inside
// one of its tasks; one Session owns one pool.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace edgerun::core {

class ThreadPool {
 public:
  // threads >= 1: the calling thread plus threads - 1 workers.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_; }

  // Runs fn(ctx, task, thread) for every task in [0, tasks), thread in
  // [0, threads()) naming the thread that runs it (0: the caller), and returns
  // when all have finished.
  using TaskFn = void (*)(void* ctx, size_t task, int thread);
  void run(size_t tasks, TaskFn fn, void* ctx);

  // run() for a callable f(size_t task, int thread), without type erasure costs.
  template <typename F>
  void parallel_for(size_t tasks, F&& f) {
    using Fn = std::remove_reference_t<F>;
    run(
        tasks, [](void* ctx, size_t task, int thread) { (*static_cast<Fn*>(ctx))(task, thread); },
        const_cast<void*>(static_cast<const void*>(&f)));
  }

 private:
  void worker_loop(int thread);
  void run_tasks(int thread);

  const int threads_;
  std::vector<std::thread> workers_;
  // The current job, written by the caller before it bumps generation_.
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  size_t tasks_ = 0;
  alignas(64) std::atomic<size_t> next_task_{0};
  alignas(64) std::atomic<int> busy_workers_{0};
  alignas(64) std::atomic<uint32_t> generation_{0};
  std::atomic<int> sleeping_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace edgerun::core
