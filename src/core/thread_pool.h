// A persistent pool of worker threads for splitting one op's work into tasks.
//
//   edgerun::core::ThreadPool pool(2);           // the caller + 1 worker
//   pool.parallel_for(rows, [&](size_t row, int thread) { compute(row); });
//
// The threads are created once, in the constructor; parallel_for() neither
// allocates nor creates threads. The calling thread takes tasks too, so a pool
// of N threads runs N tasks at once. Tasks are claimed one at a time (dynamic
// scheduling: a slow or busy core simply does fewer of them), the caller's
// from the front and the workers' from the back, so a job of one task per
// thread maps task 0 to the caller in every job (cache locality across ops).
//
// A job is one atomic word: generation | end | front (the unclaimed tasks are
// [front, end)). A thread claims a task by compare-and-swap on that word, so
// it can only ever claim a task of the job whose fields it reads, and the
// caller waits for the tasks to finish, not for the workers to show up: on a
// busy machine a worker that wakes late finds the job done and the caller has
// lost nothing (it ran the tasks).
//
// Between jobs the workers spin for a short while (so the next op of an
// inference starts without a wake-up) and then sleep on a condition variable,
// so an idle pool costs no CPU. (Not std::atomic::wait: libstdc++ 12's can lose
// a wake-up, GCC PR 104928.)
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
#include <type_traits>
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
  // Claims and runs tasks of the job of generation `gen` until none is left.
  void run_tasks(uint64_t gen, int thread);
  void run_job(size_t tasks, TaskFn fn, void* ctx);

  const int threads_;
  std::vector<std::thread> workers_;
  // The current job's function, written by the caller before it publishes the
  // job in state_ and read by a worker only after it claimed one of its tasks.
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  uint64_t generation_ = 0;                     // the caller's count of jobs (low kGenBits kept in state_)
  alignas(64) std::atomic<uint64_t> state_{0};  // generation | end | front
  alignas(64) std::atomic<size_t> done_{0};     // tasks of the current job finished
  alignas(64) std::atomic<int> sleeping_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
};

}  // namespace edgerun::core
