// Activation memory planner: places every activation tensor at an offset in
// one arena so that tensors whose lifetimes overlap never share bytes.
//
// Algorithm (greedy by size, as in TFLite's ArenaPlanner and tflite-micro's
// GreedyMemoryPlanner): sort the buffers by size, largest first (ties: earlier
// first use, then index, so plans are deterministic); place each at the lowest
// aligned offset that does not overlap any already-placed buffer whose
// lifetime [first_use, last_use] intersects its own. Cost: O(n^2 log n) for n
// buffers, microseconds for MobileNets (~100 tensors).
//
// Weak spots: greedy placement is not optimal (the problem is NP-hard); a
// large tensor that lives long fragments the arena for shorter ones; tensors
// that could alias their input (RESHAPE, SQUEEZE) get their own space; the
// plan is static, so one plan serves every inference of a model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edgerun::runtime {

struct BufferRequest {
  size_t size = 0;
  int32_t first_use = 0;  // index of the node that writes it (0 for graph inputs)
  int32_t last_use = 0;   // index of the last node that reads it (inclusive)
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per request
  size_t arena_bytes = 0;
};

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests, size_t alignment);

// Overlap checker for tests and debugging: "" when the plan is sound, else a
// description of the first pair of live-overlapping buffers that share bytes.
std::string check_plan(const std::vector<BufferRequest>& requests, const MemoryPlan& plan);

// A human-readable dump: one line per buffer with offset, size and lifetime.
std::string dump_plan(const std::vector<BufferRequest>& requests, const MemoryPlan& plan);

}  // namespace edgerun::runtime
