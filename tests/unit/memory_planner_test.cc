#include <gtest/gtest.h>

#include <random>

#include "runtime/memory_planner.h"

namespace edgerun::runtime {
namespace {

TEST(MemoryPlanner, ChainReusesMemory) {
  // a -> b -> c -> d: each buffer only overlaps its neighbours, so two slots suffice.
  std::vector<BufferRequest> r = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  MemoryPlan p = plan_memory(r, 64);
  EXPECT_EQ(check_plan(r, p), "");
  EXPECT_EQ(p.arena_bytes, 2048u);  // two 1000-byte slots, each rounded up to 64
  EXPECT_NE(p.offsets[0], p.offsets[1]);
  EXPECT_EQ(p.offsets[0], p.offsets[2]);
}

TEST(MemoryPlanner, ResidualKeepsSkipTensorAlive) {
  // x is read by node 3 (a residual ADD): it must not share with y or z.
  std::vector<BufferRequest> r = {{512, 0, 3}, {512, 1, 2}, {512, 2, 3}, {512, 3, 4}};
  MemoryPlan p = plan_memory(r, 64);
  EXPECT_EQ(check_plan(r, p), "");
  EXPECT_EQ(p.arena_bytes, 3 * 512u);
}

TEST(MemoryPlanner, GapsAreReused) {
  // A small late buffer fits into the gap left by a dead one.
  std::vector<BufferRequest> r = {{4096, 0, 1}, {4096, 0, 5}, {1024, 2, 5}};
  MemoryPlan p = plan_memory(r, 64);
  EXPECT_EQ(check_plan(r, p), "");
  EXPECT_EQ(p.arena_bytes, 8192u);
}

TEST(MemoryPlanner, CheckerFindsOverlaps) {
  std::vector<BufferRequest> r = {{100, 0, 2}, {100, 1, 3}};
  MemoryPlan bad{{0, 50}, 256};
  EXPECT_NE(check_plan(r, bad), "");
}

TEST(MemoryPlanner, RandomPlansAreSound) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<BufferRequest> r(1 + rng() % 40);
    size_t total = 0;
    for (auto& b : r) {
      b.size = rng() % 5000;
      b.first_use = static_cast<int32_t>(rng() % 30);
      b.last_use = b.first_use + static_cast<int32_t>(rng() % 10);
      total += (b.size + 63) / 64 * 64;
    }
    MemoryPlan p = plan_memory(r, 64);
    ASSERT_EQ(check_plan(r, p), "") << dump_plan(r, p);
    EXPECT_LE(p.arena_bytes, total);
    for (size_t i = 0; i < r.size(); ++i) EXPECT_EQ(p.offsets[i] % 64, 0u);
  }
}

}  // namespace
}  // namespace edgerun::runtime
