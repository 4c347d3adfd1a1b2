// Kernel fusion (runtime::fuse_kernels). Float pointwise CONV_2D ->
// DEPTHWISE_CONV_2D -> pointwise CONV_2D chains (ops::fuse_f32_dw_chain): the fused kernel
// must give exactly the bytes the separate kernels give, for every band size
// (one row per band up to the whole map), stride, padding, odd sizes and
// channel counts, batches (bands never cross images) and thread counts (each
// thread's first band recomputes rows). Float LOGISTIC -> MUL by its input
// (ops::fuse_f32_swish): the same bytes as the two kernels, on 1-3 threads,
// and no fusion where a value is read elsewhere, the MUL has an activation or
// multiplies something else, or the kernels are the reference ones. Graphs are
// built here with random weights and run value by value through the kernels'
// bindings.
#include "runtime/fusion.h"

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <vector>

#include "core/thread_pool.h"
#include "kernels/dispatch.h"
#include "ops/f32_conv.h"
#include "ops/op.h"

namespace edgerun {
namespace {

struct Builder {
  ir::Graph g;
  std::deque<std::vector<float>> constants;  // stable addresses
  std::mt19937 rng{7};

  int32_t value(Shape shape, const float* data = nullptr) {
    ir::Value v;
    std::string name = "v";  // (not "v" + to_string: GCC 12 warns falsely, -Wrestrict)
    name += std::to_string(g.values.size());
    v.info = TensorInfo{std::move(name), DType::kFloat32, std::move(shape), {}};
    if (data != nullptr) {
      v.data = reinterpret_cast<const uint8_t*>(data);
      v.data_bytes = static_cast<size_t>(v.info.elements()) * sizeof(float);
    }
    g.values.push_back(std::move(v));
    return static_cast<int32_t>(g.values.size() - 1);
  }
  int32_t constant(Shape shape) {
    size_t n = 1;
    for (int32_t d : shape) n *= static_cast<size_t>(d);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    std::vector<float>& c = constants.emplace_back(n);
    for (float& x : c) x = dist(rng);
    return value(std::move(shape), c.data());
  }
  const Shape& shape(int32_t id) const { return g.values[static_cast<size_t>(id)].info.shape; }

  int32_t conv(int32_t in, int32_t out_c, int32_t k = 1, int32_t stride = 1, ir::Padding padding = ir::Padding::kSame) {
    const Shape s = shape(in);  // a copy: adding values below moves g.values
    ir::Conv2DAttrs a;
    a.padding = padding;
    a.stride_h = a.stride_w = stride;
    a.activation = ir::Activation::kRelu6;
    auto out_size = [&](int32_t n) {
      return padding == ir::Padding::kSame ? (n + stride - 1) / stride : (n - k) / stride + 1;
    };
    const int32_t w = constant({out_c, k, k, s[3]}), b = constant({out_c});
    const int32_t out = value({s[0], out_size(s[1]), out_size(s[2]), out_c});
    g.nodes.push_back({ir::OpType::kConv2D, {in, w, b}, {out}, a, static_cast<int32_t>(g.nodes.size())});
    return out;
  }
  int32_t pointwise(int32_t in, int32_t out_c) { return conv(in, out_c); }
  int32_t depthwise(int32_t in, int32_t k, int32_t stride, ir::Padding padding, int32_t dilation = 1) {
    const Shape s = shape(in);
    ir::DepthwiseConv2DAttrs a;
    a.padding = padding;
    a.stride_h = a.stride_w = stride;
    a.dilation_h = a.dilation_w = dilation;
    a.activation = ir::Activation::kRelu;
    const int32_t span = (k - 1) * dilation + 1;
    auto out_size = [&](int32_t n) {
      return padding == ir::Padding::kSame ? (n + stride - 1) / stride : (n - span) / stride + 1;
    };
    const int32_t w = constant({1, k, k, s[3]}), b = constant({s[3]});
    const int32_t out = value({s[0], out_size(s[1]), out_size(s[2]), s[3]});
    g.nodes.push_back({ir::OpType::kDepthwiseConv2D, {in, w, b}, {out}, a, static_cast<int32_t>(g.nodes.size())});
    return out;
  }
  int32_t logistic(int32_t in) {
    const int32_t out = value(shape(in));
    g.nodes.push_back({ir::OpType::kLogistic, {in}, {out}, {}, static_cast<int32_t>(g.nodes.size())});
    return out;
  }
  int32_t hard_swish(int32_t in) {
    const int32_t out = value(shape(in));
    g.nodes.push_back({ir::OpType::kHardSwish, {in}, {out}, {}, static_cast<int32_t>(g.nodes.size())});
    return out;
  }
  int32_t mul(int32_t a, int32_t b, ir::Activation act = ir::Activation::kNone) {
    const int32_t out = value(shape(a));
    ir::ElementwiseAttrs attrs;
    attrs.activation = act;
    g.nodes.push_back({ir::OpType::kMul, {a, b}, {out}, attrs, static_cast<int32_t>(g.nodes.size())});
    return out;
  }
};

std::vector<std::unique_ptr<ops::Kernel>> prepare(
    const ir::Graph& g, const kernels::KernelTables& tables = kernels::detected_kernel_tables()) {
  std::vector<std::unique_ptr<ops::Kernel>> kernels;
  ops::PrepareContext ctx;
  ctx.tables = &tables;
  for (const ir::Node& n : g.nodes) {
    auto k = ops::find_op(n.op)->prepare(g, n, ctx);
    EXPECT_TRUE(k.ok()) << k.status().message();
    kernels.push_back(k.ok() ? std::move(*k) : nullptr);
  }
  return kernels;
}

// Runs the kernels through their bindings on `input`; returns the graph output.
std::vector<float> run(const ir::Graph& g, const std::vector<std::unique_ptr<ops::Kernel>>& kernels,
                       const std::vector<runtime::KernelBinding>& bindings, const std::vector<float>& input,
                       int threads) {
  std::vector<std::vector<float>> buffers(g.values.size());
  for (size_t id = 0; id < g.values.size(); ++id) {
    // Poisoned, so a value the fused kernel should have written but did not shows.
    if (!g.values[id].is_constant()) buffers[id].assign(static_cast<size_t>(g.values[id].info.elements()), -77.0f);
  }
  buffers[static_cast<size_t>(g.inputs[0])] = input;
  size_t scratch = 0;
  for (const auto& k : kernels) scratch = std::max(scratch, k->scratch_bytes());
  const size_t stride = (scratch + 63) / 64 * 64;
  std::vector<uint8_t> scratch_mem(stride * static_cast<size_t>(threads) + 64);
  uint8_t* aligned = scratch_mem.data() + (64 - reinterpret_cast<uintptr_t>(scratch_mem.data()) % 64) % 64;
  core::ThreadPool pool(threads);
  auto address = [&](int32_t id) -> void* {
    if (id == ir::kNoValue) return nullptr;
    const ir::Value& v = g.values[static_cast<size_t>(id)];
    return v.is_constant() ? const_cast<uint8_t*>(v.data) : static_cast<void*>(buffers[static_cast<size_t>(id)].data());
  };
  for (size_t i = 0; i < kernels.size(); ++i) {
    std::vector<const void*> ins;
    std::vector<void*> outs;
    for (int32_t id : bindings[i].inputs) ins.push_back(address(id));
    for (int32_t id : bindings[i].outputs) outs.push_back(address(id));
    kernels[i]->run(ops::KernelIO{ins, outs, &pool, aligned, stride});
  }
  return buffers[static_cast<size_t>(g.outputs[0])];
}

// Values in [-range, range] for value `id` of b's graph.
std::vector<float> random_values(const Builder& b, int32_t id, uint32_t seed, float range) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-range, range);
  std::vector<float> v(static_cast<size_t>(b.g.values[static_cast<size_t>(id)].info.elements()));
  for (float& x : v) x = dist(rng);
  return v;
}

bool has_fast_float_kernels() { return kernels::detected_kernel_tables().f32_gemm.gemm != nullptr; }

struct ChainCase {
  Shape input;
  bool expand, project;
  int32_t mid_c, out_c;
  int32_t k, stride;
  ir::Padding padding;
  int32_t dilation = 1;
  int32_t expand_k = 1, expand_stride = 1;  // the expand conv's filter and stride (1, 1: pointwise)
};

Builder build(const ChainCase& c) {
  Builder b;
  const int32_t in = b.value(c.input);
  b.g.inputs = {in};
  int32_t x = c.expand ? b.conv(in, c.mid_c, c.expand_k, c.expand_stride) : in;
  x = b.depthwise(x, c.k, c.stride, c.padding, c.dilation);
  if (c.project) x = b.pointwise(x, c.out_c);
  b.g.outputs = {x};
  return b;
}

void check_chain(const ChainCase& c) {
  Builder b = build(c);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> input(static_cast<size_t>(b.g.values[static_cast<size_t>(b.g.inputs[0])].info.elements()));
  for (float& x : input) x = dist(rng);

  const auto separate = prepare(b.g);
  const std::vector<float> expected = run(b.g, separate, runtime::node_bindings(b.g), input, 1);
  // Band sizes: one output row, a few rows, the default.
  for (size_t band_bytes : {size_t{0}, size_t{3} * 4096, ops::F32FusionOptions{}.band_bytes}) {
    for (int threads : {1, 2, 3}) {
      auto kernels = prepare(b.g);
      ops::F32FusionOptions options;
      options.min_map_bytes = 0;
      options.band_bytes = band_bytes;
      const auto bindings = runtime::fuse_kernels(b.g, kernels, options);
      ASSERT_EQ(bindings[0].fused_into, -1);
      for (size_t i = 1; i < bindings.size(); ++i) ASSERT_EQ(bindings[i].fused_into, 0) << "node " << i << " not fused";
      const std::vector<float> got = run(b.g, kernels, bindings, input, threads);
      ASSERT_EQ(got.size(), expected.size());
      ASSERT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)), 0)
          << "band_bytes " << band_bytes << ", " << threads << " threads";
    }
  }
}

TEST(F32DwChain, ExpandDepthwiseProjectMatchesSeparateKernels) {
  if (!has_fast_float_kernels()) GTEST_SKIP() << "no fast float kernels on this CPU";
  const auto same = ir::Padding::kSame, valid = ir::Padding::kValid;
  const ChainCase cases[] = {
      {{1, 17, 13, 7}, true, true, 33, 5, 3, 1, same},   {{1, 18, 11, 3}, true, true, 17, 8, 3, 2, same},
      {{1, 19, 12, 16}, true, true, 96, 24, 3, 2, same}, {{1, 15, 9, 5}, true, true, 1, 3, 3, 1, valid},
      {{1, 16, 16, 4}, true, true, 12, 7, 3, 2, valid},  {{2, 9, 7, 6}, true, true, 20, 4, 3, 1, same},
      {{2, 10, 5, 6}, true, true, 20, 4, 3, 2, same},    {{1, 1, 9, 4}, true, true, 8, 4, 3, 1, same},
      {{1, 13, 11, 5}, true, true, 9, 6, 5, 2, same},    {{1, 14, 10, 3}, true, true, 7, 2, 3, 1, same, 2},
  };
  for (const ChainCase& c : cases) {
    SCOPED_TRACE(::testing::Message() << "input " << c.input[0] << "x" << c.input[1] << "x" << c.input[2] << "x"
                                      << c.input[3] << " mid " << c.mid_c << " out " << c.out_c << " k " << c.k
                                      << " stride " << c.stride << " dilation " << c.dilation);
    check_chain(c);
  }
}

TEST(F32DwChain, ExpandDepthwiseAndDepthwiseProjectMatchSeparateKernels) {
  if (!has_fast_float_kernels()) GTEST_SKIP() << "no fast float kernels on this CPU";
  const auto same = ir::Padding::kSame;
  const ChainCase cases[] = {
      {{1, 17, 13, 7}, true, false, 33, 0, 3, 1, same},
      {{2, 12, 9, 5}, true, false, 17, 0, 3, 2, same},
      {{1, 17, 13, 33}, false, true, 0, 9, 3, 1, same},
      {{2, 12, 9, 17}, false, true, 0, 40, 3, 2, same},
  };
  for (const ChainCase& c : cases) {
    SCOPED_TRACE(::testing::Message() << "expand " << c.expand << " project " << c.project << " stride " << c.stride);
    check_chain(c);
  }
}

// The first layers of MobileNets: a 3x3 stride-2 conv (im2col rows) as the expand stage.
TEST(F32DwChain, ConvDepthwiseProjectMatchesSeparateKernels) {
  if (!has_fast_float_kernels()) GTEST_SKIP() << "no fast float kernels on this CPU";
  const auto same = ir::Padding::kSame;
  const ChainCase cases[] = {
      {{1, 23, 17, 3}, true, true, 8, 5, 3, 1, same, 1, 3, 2},
      {{2, 16, 14, 3}, true, true, 16, 4, 3, 2, same, 1, 3, 2},
      {{1, 13, 11, 2}, true, false, 9, 0, 3, 1, same, 1, 3, 1},
      {{1, 12, 12, 5}, true, true, 7, 3, 3, 1, same, 1, 2, 1},
  };
  for (const ChainCase& c : cases) {
    SCOPED_TRACE(::testing::Message() << "expand " << c.expand_k << "x" << c.expand_k << " stride " << c.expand_stride
                                      << ", depthwise stride " << c.stride);
    check_chain(c);
  }
}

TEST(F32DwChain, FusesOnlyWhatItMay) {
  if (!has_fast_float_kernels()) GTEST_SKIP() << "no fast float kernels on this CPU";
  ops::F32FusionOptions any;
  any.min_map_bytes = 0;

  // Maps under the size threshold stay separate kernels.
  {
    Builder b = build({{1, 8, 8, 4}, true, true, 8, 4, 3, 1, ir::Padding::kSame});
    auto kernels = prepare(b.g);
    ops::F32FusionOptions large;
    large.min_map_bytes = 1 << 20;
    for (const auto& binding : runtime::fuse_kernels(b.g, kernels, large)) EXPECT_EQ(binding.fused_into, -1);
  }
  // The expanded map is also a graph output: only depthwise -> project fuses,
  // and the expand output is still written.
  {
    Builder b = build({{1, 8, 8, 4}, true, true, 8, 4, 3, 1, ir::Padding::kSame});
    const int32_t expanded = b.g.nodes[0].outputs[0];
    b.g.outputs.push_back(expanded);
    auto kernels = prepare(b.g);
    const auto bindings = runtime::fuse_kernels(b.g, kernels, any);
    EXPECT_EQ(bindings[0].fused_into, -1);
    EXPECT_EQ(bindings[1].fused_into, -1);
    EXPECT_EQ(bindings[2].fused_into, 1);
    EXPECT_EQ(bindings[1].inputs, std::vector<int32_t>{expanded});
    EXPECT_EQ(bindings[1].outputs, b.g.nodes[2].outputs);
  }
  // Reference kernels (no fast float kernels) are never fused.
  {
    Builder b = build({{1, 8, 8, 4}, true, true, 8, 4, 3, 1, ir::Padding::kSame});
    std::vector<std::unique_ptr<ops::Kernel>> kernels;
    ops::PrepareContext ctx;
    ctx.tables = &kernels::reference_kernel_tables();
    for (const ir::Node& n : b.g.nodes) kernels.push_back(ops::find_op(n.op)->prepare(b.g, n, ctx).value());
    for (const auto& binding : runtime::fuse_kernels(b.g, kernels, any)) EXPECT_EQ(binding.fused_into, -1);
  }
  // Chains may not overlap; the choice keeps the most bytes out of memory:
  // depthwise (4 channels) -> pointwise (64) -> depthwise -> pointwise fuses
  // the last three (two 64-channel maps), not the first two (a 4-channel map).
  {
    Builder b;
    const int32_t in = b.value({1, 10, 10, 4});
    b.g.inputs = {in};
    int32_t x = b.depthwise(in, 3, 1, ir::Padding::kSame);
    x = b.pointwise(x, 64);
    x = b.depthwise(x, 3, 1, ir::Padding::kSame);
    x = b.pointwise(x, 8);
    b.g.outputs = {x};
    auto kernels = prepare(b.g);
    const auto bindings = runtime::fuse_kernels(b.g, kernels, any);
    const std::vector<int32_t> fused_into = {-1, -1, 1, 1};
    for (size_t i = 0; i < bindings.size(); ++i) EXPECT_EQ(bindings[i].fused_into, fused_into[i]) << "node " << i;
  }
  // Two chains in a row (MobileNet blocks): both fuse, each at its own head.
  {
    Builder b;
    const int32_t in = b.value({1, 12, 12, 4});
    b.g.inputs = {in};
    int32_t x = b.pointwise(in, 16);
    x = b.depthwise(x, 3, 1, ir::Padding::kSame);
    x = b.pointwise(x, 8);
    x = b.pointwise(x, 24);
    x = b.depthwise(x, 3, 2, ir::Padding::kSame);
    x = b.pointwise(x, 8);
    b.g.outputs = {x};
    auto kernels = prepare(b.g);
    std::mt19937 rng(3);
    std::vector<float> input(12 * 12 * 4);
    for (float& v : input) v = std::uniform_real_distribution<float>(-1, 1)(rng);
    const auto separate = prepare(b.g);
    const std::vector<float> expected = run(b.g, separate, runtime::node_bindings(b.g), input, 2);
    const auto bindings = runtime::fuse_kernels(b.g, kernels, any);
    const std::vector<int32_t> fused_into = {-1, 0, 0, -1, 3, 3};
    for (size_t i = 0; i < bindings.size(); ++i) EXPECT_EQ(bindings[i].fused_into, fused_into[i]) << "node " << i;
    const std::vector<float> got = run(b.g, kernels, bindings, input, 2);
    EXPECT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)), 0);
  }
}

// y = x * LOGISTIC(x) on the graph input (no conv to take it), both operand
// orders, maps small and large enough to split over threads.
TEST(SwishFusion, MatchesSeparateKernels) {
  if (kernels::detected_kernel_tables().f32_vunary.swish == nullptr)
    GTEST_SKIP() << "no fast float kernels on this CPU";
  for (const Shape& shape : {Shape{1, 13, 11, 37}, Shape{2, 28, 28, 24}}) {
    for (bool sigmoid_first : {false, true}) {
      Builder b;
      const int32_t in = b.value(shape);
      b.g.inputs = {in};
      const int32_t x = in;
      const int32_t s = b.logistic(x);
      b.g.outputs = {sigmoid_first ? b.mul(s, x) : b.mul(x, s)};
      const std::vector<float> input = random_values(b, in, 5, 4.0f);
      const std::vector<float> expected = run(b.g, prepare(b.g), runtime::node_bindings(b.g), input, 1);
      for (int threads : {1, 2, 3}) {
        auto kernels = prepare(b.g);
        const auto bindings = runtime::fuse_kernels(b.g, kernels);
        ASSERT_EQ(bindings[0].fused_into, -1);
        ASSERT_EQ(bindings[1].fused_into, 0) << "MUL not fused";
        const std::vector<float> got = run(b.g, kernels, bindings, input, threads);
        ASSERT_EQ(got.size(), expected.size());
        ASSERT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)), 0)
            << shape_string(shape) << ", " << threads << " threads, sigmoid first " << sigmoid_first;
      }
    }
  }
}

// A conv, depthwise or 3x3 conv followed by its HARD_SWISH or SiLU: the conv
// applies the activation to its output slices (one kernel, the activation
// nodes fused into it), giving the separate kernels' bytes on 1-3 threads.
TEST(ConvActivationFusion, MatchesSeparateKernels) {
  if (kernels::detected_kernel_tables().f32_vunary.swish == nullptr)
    GTEST_SKIP() << "no fast float kernels on this CPU";
  enum class Conv { kPointwise, kDepthwise, kThreeByThree };
  // The small map makes the pointwise GEMM split its columns over the threads.
  for (const Shape& shape : {Shape{2, 19, 13, 24}, Shape{1, 3, 5, 24}}) {
    for (Conv conv : {Conv::kPointwise, Conv::kDepthwise, Conv::kThreeByThree}) {
      for (bool silu : {false, true}) {
        Builder b;
        const int32_t in = b.value(shape);
        b.g.inputs = {in};
        const int32_t x = conv == Conv::kPointwise   ? b.conv(in, 40)
                          : conv == Conv::kDepthwise ? b.depthwise(in, 3, 2, ir::Padding::kSame)
                                                     : b.conv(in, 16, 3, 1);
        b.g.outputs = {silu ? b.mul(b.logistic(x), x) : b.hard_swish(x)};
        const std::vector<float> input = random_values(b, in, 9, 3.0f);
        const std::vector<float> expected = run(b.g, prepare(b.g), runtime::node_bindings(b.g), input, 1);
        for (int threads : {1, 2, 3}) {
          auto kernels = prepare(b.g);
          const auto bindings = runtime::fuse_kernels(b.g, kernels);
          ASSERT_EQ(bindings[0].fused_into, -1);
          for (size_t i = 1; i < bindings.size(); ++i) ASSERT_EQ(bindings[i].fused_into, 0) << "node " << i;
          const std::vector<float> got = run(b.g, kernels, bindings, input, threads);
          ASSERT_EQ(got.size(), expected.size());
          ASSERT_EQ(std::memcmp(got.data(), expected.data(), got.size() * sizeof(float)), 0)
              << shape_string(shape) << " conv " << static_cast<int>(conv) << ", silu " << silu << ", " << threads
              << " threads";
        }
      }
    }
  }
}

// The conv's output read by anything besides its activation (here a graph
// output, or a second op) keeps the activation separate; a SiLU then still
// fuses on its own.
TEST(ConvActivationFusion, NotWhenTheConvOutputHasOtherReaders) {
  if (kernels::detected_kernel_tables().f32_vunary.swish == nullptr)
    GTEST_SKIP() << "no fast float kernels on this CPU";
  Builder b;
  const int32_t in = b.value({1, 8, 8, 16});
  b.g.inputs = {in};
  const int32_t x = b.conv(in, 16);
  b.g.outputs = {b.hard_swish(x), x};
  auto kernels = prepare(b.g);
  for (const auto& binding : runtime::fuse_kernels(b.g, kernels)) EXPECT_EQ(binding.fused_into, -1);

  Builder c;
  const int32_t in2 = c.value({1, 8, 8, 16});
  c.g.inputs = {in2};
  const int32_t y = c.conv(in2, 16);
  const int32_t silu = c.mul(y, c.logistic(y));
  c.g.outputs = {c.mul(silu, y)};  // y has a third reader
  auto kernels2 = prepare(c.g);
  const auto bindings = runtime::fuse_kernels(c.g, kernels2);
  EXPECT_EQ(bindings[1].fused_into, -1);  // the LOGISTIC: a swish kernel of its own
  EXPECT_EQ(bindings[2].fused_into, 1);   // its MUL
  EXPECT_EQ(bindings[0].fused_into, -1);
  EXPECT_EQ(bindings[3].fused_into, -1);
}

TEST(SwishFusion, FusesOnlyWhatItMay) {
  if (kernels::detected_kernel_tables().f32_vunary.swish == nullptr)
    GTEST_SKIP() << "no fast float kernels on this CPU";
  auto fused_nodes = [](const Builder& b, const kernels::KernelTables& tables) {
    auto kernels = prepare(b.g, tables);
    int fused = 0;
    for (const auto& binding : runtime::fuse_kernels(b.g, kernels)) fused += binding.fused_into >= 0;
    return fused;
  };
  const Shape shape{1, 8, 8, 16};
  {  // The sigmoid is also a graph output.
    Builder b;
    const int32_t x = b.value(shape);
    b.g.inputs = {x};
    const int32_t s = b.logistic(x);
    b.g.outputs = {b.mul(x, s), s};
    EXPECT_EQ(fused_nodes(b, kernels::detected_kernel_tables()), 0);
  }
  {  // The MUL clamps (a fused activation).
    Builder b;
    const int32_t x = b.value(shape);
    b.g.inputs = {x};
    b.g.outputs = {b.mul(x, b.logistic(x), ir::Activation::kRelu6)};
    EXPECT_EQ(fused_nodes(b, kernels::detected_kernel_tables()), 0);
  }
  {  // The MUL multiplies the sigmoid by another map (a gate, as in SE blocks).
    Builder b;
    const int32_t x = b.value(shape), other = b.value(shape);
    b.g.inputs = {x, other};
    b.g.outputs = {b.mul(other, b.logistic(x))};
    EXPECT_EQ(fused_nodes(b, kernels::detected_kernel_tables()), 0);
  }
  {  // Reference kernels are never fused; the fast ones are.
    Builder b;
    const int32_t x = b.value(shape);
    b.g.inputs = {x};
    b.g.outputs = {b.mul(b.logistic(x), x)};
    EXPECT_EQ(fused_nodes(b, kernels::reference_kernel_tables()), 0);
    EXPECT_EQ(fused_nodes(b, kernels::detected_kernel_tables()), 1);
  }
}

}  // namespace
}  // namespace edgerun
