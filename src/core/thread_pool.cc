#include "core/thread_pool.h"

#include <algorithm>

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

// state_ = generation (24 bits) | end (20 bits) | front (20 bits): the tasks
// not yet claimed are [front, end). The caller claims from the front, workers
// from the end, so with two threads a job of two tasks (one slice per thread,
// ops/op.h parallel_rows) gives the caller the first slice and the worker the
// second in every op: consecutive ops find the rows they read in their own
// core's cache, not the other core's (measured on Xeon: 3-14% lower best
// 2-thread latency on the MobileNets). A late thread still leaves its slice
// to the other.
constexpr int kTaskBits = 20;
constexpr uint64_t kTaskMask = (uint64_t{1} << kTaskBits) - 1;
constexpr uint64_t kGenMask = (uint64_t{1} << 24) - 1;
constexpr size_t kMaxTasksPerJob = kTaskMask;

uint64_t gen_of(uint64_t s) { return s >> (2 * kTaskBits); }
uint64_t end_of(uint64_t s) { return (s >> kTaskBits) & kTaskMask; }
uint64_t front_of(uint64_t s) { return s & kTaskMask; }

// How long an idle worker spins before sleeping (a few tens of microseconds,
// longer than the gap between two ops of one inference), and how long the
// caller spins on unfinished tasks before yielding its core.
constexpr int kWorkerSpins = 1 << 12;
constexpr int kCallerSpins = 1 << 10;

}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
  workers_.reserve(static_cast<size_t>(threads_ - 1));
  for (int t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { worker_loop(t); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& w : workers_) w.join();
}

void ThreadPool::run_tasks(uint64_t gen, int thread) {
  const bool from_front = thread == 0;
  uint64_t s = state_.load(std::memory_order_acquire);
  while (gen_of(s) == gen && front_of(s) < end_of(s)) {
    const uint64_t claimed = from_front ? s + 1 : s - (uint64_t{1} << kTaskBits);
    if (state_.compare_exchange_weak(s, claimed, std::memory_order_acq_rel, std::memory_order_acquire)) {
      // The claim is of job `gen`, which cannot end before this task does, so
      // fn_ / ctx_ are still that job's.
      const uint64_t task = from_front ? front_of(s) : end_of(s) - 1;
      fn_(ctx_, static_cast<size_t>(task), thread);
      done_.fetch_add(1, std::memory_order_acq_rel);
      s = state_.load(std::memory_order_acquire);
    }
  }
}

void ThreadPool::run(size_t tasks, TaskFn fn, void* ctx) {
  if (tasks == 0) return;
  if (workers_.empty() || tasks == 1) {
    for (size_t t = 0; t < tasks; ++t) fn(ctx, t, 0);
    return;
  }
  // The task count must fit its field; a larger job runs as several.
  for (size_t first = 0; first < tasks; first += kMaxTasksPerJob) {
    const size_t n = std::min(kMaxTasksPerJob, tasks - first);
    if (first == 0) {
      run_job(n, fn, ctx);
    } else {
      struct Offset {
        TaskFn fn;
        void* ctx;
        size_t first;
      } off{fn, ctx, first};
      run_job(
          n,
          [](void* c, size_t task, int thread) {
            const auto* o = static_cast<const Offset*>(c);
            o->fn(o->ctx, o->first + task, thread);
          },
          &off);
    }
  }
}

void ThreadPool::run_job(size_t tasks, TaskFn fn, void* ctx) {
  fn_ = fn;
  ctx_ = ctx;
  done_.store(0, std::memory_order_relaxed);
  generation_ = (generation_ + 1) & kGenMask;
  // Publishes the job (release: fn_ / ctx_ / done_ are visible to a claimer).
  // Both this store and a sleeper's sleeping_ increment are sequentially
  // consistent, so either the caller sees the sleeper or the sleeper sees the
  // new job before it waits.
  state_.store((generation_ << (2 * kTaskBits)) | (static_cast<uint64_t>(tasks) << kTaskBits));
  if (sleeping_.load() > 0) {
    { std::lock_guard<std::mutex> lock(mutex_); }
    wake_.notify_all();
  }
  run_tasks(generation_, 0);
  // Tasks claimed by workers may still be running: wait for them, yielding the
  // core after a short spin in case the worker needs it.
  for (int i = 0; done_.load(std::memory_order_acquire) != tasks; ++i) {
    if (i < kCallerSpins) {
      EDGERUN_CPU_RELAX();
    } else {
      std::this_thread::yield();
    }
  }
}

void ThreadPool::worker_loop(int thread) {
  uint64_t seen = 0;  // generation 0 is the pool before any job
  for (;;) {
    uint64_t gen = gen_of(state_.load(std::memory_order_acquire));
    for (int i = 0; gen == seen && i < kWorkerSpins; ++i) {
      EDGERUN_CPU_RELAX();
      gen = gen_of(state_.load(std::memory_order_acquire));
    }
    if (gen == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_.fetch_add(1);
      wake_.wait(lock, [&] { return stop_.load() || gen_of(state_.load()) != seen; });
      sleeping_.fetch_sub(1);
      gen = gen_of(state_.load(std::memory_order_acquire));
    }
    if (stop_.load(std::memory_order_acquire)) return;
    seen = gen;
    run_tasks(gen, thread);
  }
}

}  // namespace edgerun::core
