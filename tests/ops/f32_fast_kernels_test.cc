// The fast float32 CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED kernels
// (ops/f32_conv.h) at the op level: on random data, the default (fast) kernels
// match the reference kernels within |fast - ref| <= 1e-4 * (1 + |ref|), and
// give bit-identical results at 1 and 3 threads (threads split rows and, for
// GEMMs with few rows, columns, never a sum).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <vector>

#include "op_tester.h"

namespace edgerun {
namespace {

using testing::OpTester;

std::vector<float> random_floats(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

size_t elements(const Shape& s) {
  size_t n = 1;
  for (int32_t d : s) n *= static_cast<size_t>(d);
  return n;
}

// One op with a random input, random constant weights and bias, run three
// ways: fast at 1 and 3 threads and reference.
struct Case {
  ir::OpType op;
  ir::Attrs attrs;
  Shape input, weights, bias, output;
};

void check(const Case& c, uint32_t seed) {
  std::mt19937 rng(seed);
  const std::vector<float> in = random_floats(elements(c.input), rng);
  const std::vector<float> w = random_floats(elements(c.weights), rng);
  const std::vector<float> b = random_floats(elements(c.bias), rng);
  auto run = [&](bool reference, int threads) {
    OpTester t(c.op, c.attrs);
    t.input<float>(c.input, in);
    t.constant<float>(c.weights, w);
    t.constant<float>(c.bias, b);
    t.output(c.output, DType::kFloat32);
    t.set_reference_kernels(reference);
    t.set_threads(threads);
    const Status st = t.run();
    EXPECT_TRUE(st.ok()) << st.message();
    if (!st.ok()) return std::vector<float>();
    return t.result<float>(0);
  };
  const std::vector<float> ref = run(true, 1);
  const std::vector<float> fast1 = run(false, 1);
  const std::vector<float> fast3 = run(false, 3);
  ASSERT_EQ(ref.size(), elements(c.output));
  EXPECT_EQ(fast1, fast3);
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_LE(std::abs(fast1[i] - ref[i]), 1e-4f * (1.0f + std::abs(ref[i]))) << "output " << i;
  }
}

ir::Conv2DAttrs conv(ir::Padding padding, int stride, int dilation = 1) {
  ir::Conv2DAttrs a;
  a.padding = padding;
  a.stride_h = a.stride_w = stride;
  a.dilation_h = a.dilation_w = dilation;
  a.activation = ir::Activation::kRelu6;
  return a;
}

ir::DepthwiseConv2DAttrs dw(ir::Padding padding, int stride, int dilation = 1) {
  ir::DepthwiseConv2DAttrs a;
  a.padding = padding;
  a.stride_h = a.stride_w = stride;
  a.dilation_h = a.dilation_w = dilation;
  a.depth_multiplier = 0;  // unset: taken from the shapes
  a.activation = ir::Activation::kRelu6;
  return a;
}

TEST(F32FastKernels, Conv2D) {
  const ir::OpType op = ir::OpType::kConv2D;
  check({op, conv(ir::Padding::kValid, 1), {2, 13, 11, 17}, {33, 1, 1, 17}, {33}, {2, 13, 11, 33}}, 1);  // pointwise
  check({op, conv(ir::Padding::kSame, 2), {1, 15, 13, 3}, {32, 3, 3, 3}, {32}, {1, 8, 7, 32}}, 2);       // first layer
  check({op, conv(ir::Padding::kSame, 1), {1, 9, 7, 5}, {7, 3, 3, 5}, {7}, {1, 9, 7, 7}}, 3);            // 3x3 s1
  check({op, conv(ir::Padding::kValid, 1, 2), {1, 9, 10, 4}, {17, 3, 3, 4}, {17}, {1, 5, 6, 17}}, 4);    // dilated
  check({op, conv(ir::Padding::kSame, 2), {1, 9, 9, 16}, {24, 1, 1, 16}, {24}, {1, 5, 5, 24}}, 5);       // 1x1 s2
  // Pointwise on a 7x7 map: too few row tiles for 3 threads, so columns split too.
  check({op, conv(ir::Padding::kValid, 1), {1, 7, 7, 256}, {161, 1, 1, 256}, {161}, {1, 7, 7, 161}}, 6);
}

TEST(F32FastKernels, DepthwiseConv2D) {
  const ir::OpType op = ir::OpType::kDepthwiseConv2D;
  check({op, dw(ir::Padding::kSame, 1), {1, 15, 13, 33}, {1, 3, 3, 33}, {33}, {1, 15, 13, 33}}, 11);
  check({op, dw(ir::Padding::kSame, 2), {2, 14, 15, 17}, {1, 3, 3, 17}, {17}, {2, 7, 8, 17}}, 12);
  check({op, dw(ir::Padding::kValid, 1, 2), {1, 11, 9, 7}, {1, 5, 5, 7}, {7}, {1, 3, 1, 7}}, 13);
  check({op, dw(ir::Padding::kSame, 1), {1, 7, 7, 3}, {1, 3, 3, 6}, {6}, {1, 7, 7, 6}}, 14);  // multiplier 2: reference
}

TEST(F32FastKernels, FullyConnected) {
  ir::FullyConnectedAttrs a;
  a.activation = ir::Activation::kRelu;
  const ir::OpType op = ir::OpType::kFullyConnected;
  check({op, a, {1, 37}, {1001, 37}, {1001}, {1, 1001}}, 21);
  check({op, a, {13, 64}, {17, 64}, {17}, {13, 17}}, 22);
  check({op, a, {1, 300}, {1001, 300}, {1001}, {1, 1001}}, 23);  // one row: threads split the columns
}

}  // namespace
}  // namespace edgerun
