#include "core/thread_pool.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define EDGERUN_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define EDGERUN_CPU_RELAX() asm volatile("yield" ::: "memory")
#else
#define EDGERUN_CPU_RELAX() ((void)0)
#endif

namespace edgerun::core {
namespace {
// How long an idle worker spins before sleeping: about 0.1-0.3 ms of pause
// instructions, longer than the gap between two ops of one inference.
constexpr int kSpinIterations = 1 << 14;
}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
  workers_.reserve(static_cast<size_t>(threads_ - 1));
  for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { worker_loop(t); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void ThreadPool::run_tasks(int thread) {
  for (;;) {
    const size_t task = next_task_.fetch_add(1, std::memory_order_relaxed);
    if (task >= tasks_) return;
    fn_(ctx_, task, thread);
  }
}

void ThreadPool::run(size_t tasks, TaskFn fn, void* ctx) {
  if (tasks == 0) return;
  if (workers_.empty() || tasks == 1) {
    for (size_t t = 0; t < tasks; ++t) fn(ctx, t, 0);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  tasks_ = tasks;
  next_task_.store(0, std::memory_order_relaxed);
  busy_workers_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  // The job fields above are visible to a worker that sees the new generation.
  // Both this bump and a worker's sleeping_ increment are sequentially
  // consistent, so either the caller sees the sleeper or the sleeper sees the
  // new generation before it waits.
  generation_.fetch_add(1);
  if (sleeping_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }
  run_tasks(0);
  // Every worker leaves the job before the next one may overwrite its fields.
  // Yield after a while: on an oversubscribed machine the worker we wait for
  // may need this core.
  for (int i = 0; busy_workers_.load(std::memory_order_acquire) != 0; ++i) {
    if (i < kSpinIterations) {
      EDGERUN_CPU_RELAX();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadPool::worker_loop(int thread) {
  // Generation 0 is the pool before any job: a job posted before this thread
  // first runs must still be seen as new.
  uint32_t seen = 0;
  for (;;) {
    uint32_t gen = generation_.load(std::memory_order_acquire);
    for (int i = 0; gen == seen && i < kSpinIterations; ++i) {
      EDGERUN_CPU_RELAX();
      gen = generation_.load(std::memory_order_acquire);
    }
    if (gen == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_.fetch_add(1);
      wake_.wait(lock, [&] { return generation_.load() != seen; });
      sleeping_.fetch_sub(1);
      gen = generation_.load(std::memory_order_acquire);
    }
    seen = gen;
    if (stop_.load(std::memory_order_acquire)) return;
    run_tasks(thread);
    busy_workers_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

}  // namespace edgerun::core
