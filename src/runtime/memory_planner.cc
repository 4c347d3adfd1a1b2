#include "runtime/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace edgerun::runtime {
namespace {

bool lifetimes_overlap(const BufferRequest& a, const BufferRequest& b) {
  return a.first_use <= b.last_use && b.first_use <= a.last_use;
}

size_t align_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

}  // namespace

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests, size_t alignment) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (requests[a].size != requests[b].size) return requests[a].size > requests[b].size;
    if (requests[a].first_use != requests[b].first_use) return requests[a].first_use < requests[b].first_use;
    return a < b;
  });

  std::vector<size_t> placed;  // indices already placed, kept sorted by offset
  for (size_t idx : order) {
    const BufferRequest& r = requests[idx];
    if (r.size == 0) continue;
    size_t candidate = 0;
    for (size_t p : placed) {  // walk in offset order, skipping past conflicts
      if (!lifetimes_overlap(r, requests[p])) continue;
      const size_t p_begin = plan.offsets[p];
      const size_t p_end = p_begin + requests[p].size;
      if (candidate + r.size <= p_begin) break;  // fits in the gap before p
      candidate = std::max(candidate, align_up(p_end, alignment));
    }
    plan.offsets[idx] = candidate;
    plan.arena_bytes = std::max(plan.arena_bytes, align_up(candidate + r.size, alignment));
    const auto pos = std::lower_bound(placed.begin(), placed.end(), idx,
                                      [&](size_t a, size_t b) { return plan.offsets[a] < plan.offsets[b]; });
    placed.insert(pos, idx);
  }
  return plan;
}

std::string check_plan(const std::vector<BufferRequest>& requests, const MemoryPlan& plan) {
  for (size_t a = 0; a < requests.size(); ++a) {
    if (requests[a].size == 0) continue;
    if (plan.offsets[a] + requests[a].size > plan.arena_bytes) {
      return "buffer " + std::to_string(a) + " ends past the arena";
    }
    for (size_t b = a + 1; b < requests.size(); ++b) {
      if (requests[b].size == 0 || !lifetimes_overlap(requests[a], requests[b])) continue;
      const bool disjoint = plan.offsets[a] + requests[a].size <= plan.offsets[b] ||
                            plan.offsets[b] + requests[b].size <= plan.offsets[a];
      if (!disjoint) return "buffers " + std::to_string(a) + " and " + std::to_string(b) + " overlap while both live";
    }
  }
  return "";
}

std::string dump_plan(const std::vector<BufferRequest>& requests, const MemoryPlan& plan) {
  std::string out;
  for (size_t i = 0; i < requests.size(); ++i) {
    out += "buffer " + std::to_string(i) + ": offset " + std::to_string(plan.offsets[i]) + " size " +
           std::to_string(requests[i].size) + " live [" + std::to_string(requests[i].first_use) + ", " +
           std::to_string(requests[i].last_use) + "]\n";
  }
  return out + "arena " + std::to_string(plan.arena_bytes) + " bytes\n";
}

}  // namespace edgerun::runtime
