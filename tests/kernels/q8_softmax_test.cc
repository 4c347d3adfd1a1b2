// The table-driven quantized softmax (qu8/qs8_softmax__table) against the
// reference kernels, bit for bit: row lengths around the 256-entry per-row
// table switch, scales from tiny to large (so diff_min cuts in or not), rows
// of equal values, one spike, and the full 8-bit range.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/quant_util.h"
#include "kernels/ref/softmax.h"

namespace edgerun::kernels::ref {
namespace {

template <typename T, typename RefFn, typename TableFn>
void check(RefFn reference, TableFn table_fn, uint32_t seed) {
  std::mt19937 rng(seed);
  const int64_t depths[] = {1, 2, 7, 255, 256, 257, 1001, 3000};
  const double scales[] = {1e-4, 0.01, 0.0625, 0.1, 0.25, 1.0, 8.0};
  int cases = 0;
  for (int64_t depth : depths) {
    for (double scale : scales) {
      for (int pattern = 0; pattern < 4; ++pattern) {
        QuantSoftmaxParams p{};
        int left_shift = 0;
        const double beta = std::uniform_real_distribution<double>(0.5, 2.0)(rng);
        ASSERT_TRUE(preprocess_softmax_scaling(beta, scale, 5, &p.input_multiplier, &left_shift));
        p.input_left_shift = left_shift;
        p.diff_min = static_cast<int32_t>(-1.0 * calculate_input_radius(5, left_shift));
        QuantSoftmaxTable table;
        quant_softmax_table(p, &table);

        const int64_t rows = 3;
        std::vector<T> x(static_cast<size_t>(rows * depth));
        std::uniform_int_distribution<int> any(-128, 127);
        for (size_t i = 0; i < x.size(); ++i) {
          int v = any(rng);
          if (pattern == 1) v = 5;                                                  // all equal
          if (pattern == 2) v = (i % static_cast<size_t>(depth)) == 3 ? 127 : -128;  // one spike
          if (pattern == 3) v = i % 2 == 0 ? 127 : -128;                            // full range
          x[i] = static_cast<T>(std::is_same_v<T, uint8_t> ? v + 128 : v);
        }
        std::vector<T> want(x.size()), got(x.size());
        reference(x.data(), want.data(), depth, p, 0, rows);
        table_fn(x.data(), got.data(), depth, table, 0, rows);
        ASSERT_EQ(got, want) << "depth " << depth << " scale " << scale << " beta " << beta << " pattern " << pattern;
        ++cases;
      }
    }
  }
  EXPECT_EQ(cases, 8 * 7 * 4);
}

TEST(QuantSoftmaxTable, Uint8MatchesReference) { check<uint8_t>(qu8_softmax__ref, qu8_softmax__table, 1); }
TEST(QuantSoftmaxTable, Int8MatchesReference) { check<int8_t>(qs8_softmax__ref, qs8_softmax__table, 2); }

}  // namespace
}  // namespace edgerun::kernels::ref
