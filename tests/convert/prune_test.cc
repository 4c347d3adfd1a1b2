// convert/prune: unstructured magnitude pruning (exact counts per layer, the
// smallest |w| first, small layers untouched) and structured filter removal
// (filters that output zeros removed -> identical outputs; refused graphs
// left as they are).
#include "convert/prune.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "convert/graph_edit.h"
#include "convert/test_models.h"
#include "convert/weight_quant.h"
#include "convert/weights.h"

namespace edgerun {
namespace {

using testmodels::Builder;
using testmodels::pseudo_random;

std::vector<float> weights_of(const io::ImportedModel& m, size_t node, size_t slot = 1) {
  return convert::constant_as_float(m.graph.values[static_cast<size_t>(m.graph.nodes[node].inputs[slot])]);
}
const Shape& shape_of(const io::ImportedModel& m, size_t node, size_t slot = 1) {
  return m.graph.values[static_cast<size_t>(m.graph.nodes[node].inputs[slot])].info.shape;
}

// x [1, 4, 4, 16] -> CONV_2D 3x3 (1152 weights) -> DEPTHWISE_CONV_2D 3x3 (72)
// -> FULLY_CONNECTED 10 (1280) -> y
io::ImportedModel three_layers() {
  Builder b;
  const int32_t x = b.input("x", {1, 4, 4, 16});
  int32_t h = b.layer(ir::OpType::kConv2D, x, "conv", {8, 3, 3, 16}, pseudo_random(1152, 1, 1.0f),
                      pseudo_random(8, 2, 1.0f), {1, 4, 4, 8}, ir::Conv2DAttrs{});
  h = b.layer(ir::OpType::kDepthwiseConv2D, h, "dw", {1, 3, 3, 8}, pseudo_random(72, 3, 1.0f),
              pseudo_random(8, 4, 1.0f), {1, 4, 4, 8}, ir::DepthwiseConv2DAttrs{});
  b.output(b.layer(ir::OpType::kFullyConnected, h, "fc", {10, 128}, pseudo_random(1280, 5, 1.0f),
                   pseudo_random(10, 6, 1.0f), {1, 10}, ir::FullyConnectedAttrs{}));
  return std::move(b.m);
}

int64_t zeros(const std::vector<float>& w) { return std::count(w.begin(), w.end(), 0.0f); }

// The pruned weights are exactly the `count` smallest |w| of `before`.
void expect_smallest_zeroed(const std::vector<float>& before, const std::vector<float>& after, int64_t count) {
  ASSERT_EQ(before.size(), after.size());
  EXPECT_EQ(zeros(after), count);
  float largest_zeroed = 0.0f, smallest_kept = std::numeric_limits<float>::infinity();
  for (size_t i = 0; i < before.size(); ++i) {
    if (after[i] == 0.0f) {
      largest_zeroed = std::max(largest_zeroed, std::fabs(before[i]));
    } else {
      EXPECT_EQ(after[i], before[i]) << i;
      smallest_kept = std::min(smallest_kept, std::fabs(before[i]));
    }
  }
  EXPECT_LE(largest_zeroed, smallest_kept);
}

TEST(ConvertPrune, ExactSparsityPerLayerAndSmallLayersUntouched) {
  const io::ImportedModel original = three_layers();
  io::ImportedModel m = three_layers();
  const int32_t dw_weights = m.graph.nodes[1].inputs[1];
  convert::PruneReport r;
  ASSERT_TRUE(convert::prune(m, {.sparsity = 0.3}, &r).ok());
  // round(0.3 * 1152) = 346 (345.6), round(0.3 * 1280) = 384.
  expect_smallest_zeroed(weights_of(original, 0), weights_of(m, 0), 346);
  expect_smallest_zeroed(weights_of(original, 2), weights_of(m, 2), 384);
  EXPECT_EQ(m.graph.nodes[1].inputs[1], dw_weights);  // 72 weights: under 1000, the same constant
  for (size_t n : {0, 1, 2}) EXPECT_EQ(weights_of(m, n, 2), weights_of(original, n, 2)) << "bias of node " << n;
  ASSERT_EQ(r.layers.size(), 2u);
  EXPECT_EQ(r.layers[0].name, "conv");
  EXPECT_EQ(r.layers[0].weights, 1152);
  EXPECT_EQ(r.layers[0].zeroed, 346);
  EXPECT_EQ(r.layers[1].op, "FULLY_CONNECTED");
  EXPECT_EQ(r.layers[1].zeroed, 384);
  EXPECT_EQ(r.skipped, std::vector<std::string>{"node 1 (DEPTHWISE_CONV_2D) 'dw': 72 weights, below 1000"});
  const convert::WeightStats s = convert::weight_stats(m.graph);
  EXPECT_EQ(s.zero_weights, 346 + 384);
  EXPECT_EQ(s.weights, 1152 + 72 + 1280);

  // A lower threshold and `depthwise` take the depthwise too: round(0.5 * 72) = 36.
  io::ImportedModel all = three_layers();
  ASSERT_TRUE(convert::prune(all, {.sparsity = 0.5, .min_weights = 0, .depthwise = true}).ok());
  expect_smallest_zeroed(weights_of(original, 1), weights_of(all, 1), 36);
  io::ImportedModel no_dw = three_layers();
  convert::PruneReport rd;
  ASSERT_TRUE(convert::prune(no_dw, {.sparsity = 0.5, .min_weights = 0}, &rd).ok());
  EXPECT_EQ(weights_of(no_dw, 1), weights_of(original, 1));
  EXPECT_EQ(rd.skipped, std::vector<std::string>{"node 1 (DEPTHWISE_CONV_2D) 'dw': depthwise (not pruned by default)"});

  // Pruning composes with weight quantization: the zeros stay zeros in float16.
  ASSERT_TRUE(convert::quantize_fp16(m).ok());
  EXPECT_EQ(convert::weight_stats(m.graph).zero_weights, 346 + 384);
}

// Bias correction after pruning: each pruned layer's bias moves by
// -sum (w_pruned - w) * E[x] over its channel's taps, E[x] per input channel.
TEST(ConvertPrune, BiasCorrectionAbsorbsTheMeanShift) {
  const io::ImportedModel original = three_layers();
  io::ImportedModel m = three_layers();
  ASSERT_TRUE(convert::prune(m, {.sparsity = 0.5}).ok());
  std::vector<convert::ValueRange> ranges(original.graph.values.size());
  std::vector<float> mean16(16), mean8(8);
  for (int c = 0; c < 16; ++c) mean16[static_cast<size_t>(c)] = 0.1f * static_cast<float>(c + 1);
  for (int c = 0; c < 8; ++c) mean8[static_cast<size_t>(c)] = -0.2f * static_cast<float>(c);
  ranges[static_cast<size_t>(original.graph.nodes[0].inputs[0])].channel_mean = mean16;
  ranges[static_cast<size_t>(original.graph.nodes[2].inputs[0])].channel_mean = std::vector<float>(128, 0.5f);
  auto n = convert::correct_pruned_biases(m, original.graph, ranges);
  ASSERT_TRUE(n.ok()) << n.status().message();
  EXPECT_EQ(*n, 2);  // the conv and the fully connected layer; the depthwise was not pruned
  // The conv: out channel o reads input channel k % 16 at tap k of its 144.
  const std::vector<float> w0 = weights_of(original, 0), p0 = weights_of(m, 0);
  const std::vector<float> b0 = weights_of(original, 0, 2), c0 = weights_of(m, 0, 2);
  for (size_t o = 0; o < 8; ++o) {
    double shift = 0;
    for (size_t k = 0; k < 144; ++k) shift += (double(p0[o * 144 + k]) - w0[o * 144 + k]) * mean16[k % 16];
    EXPECT_NEAR(c0[o], b0[o] - shift, 1e-5) << o;
  }
  const std::vector<float> w2 = weights_of(original, 2), p2 = weights_of(m, 2);
  const std::vector<float> b2 = weights_of(original, 2, 2), c2 = weights_of(m, 2, 2);
  for (size_t o = 0; o < 10; ++o) {
    double shift = 0;
    for (size_t k = 0; k < 128; ++k) shift += (double(p2[o * 128 + k]) - w2[o * 128 + k]) * 0.5;
    EXPECT_NEAR(c2[o], b2[o] - shift, 1e-5) << o;
  }
  EXPECT_EQ(weights_of(m, 1, 2), weights_of(original, 1, 2));
  EXPECT_FALSE(convert::correct_pruned_biases(m, original.graph, {}).ok());
}

TEST(ConvertPrune, NonFloatWeightsAreSkippedAndBadOptionsRefused) {
  Builder b;
  const int32_t x = b.input("x", {1, 2, 2, 4});
  const std::vector<int8_t> q(4 * 3 * 3 * 4, 1);
  const int32_t w =
      convert::add_constant(b.m, "w8", DType::kInt8, {4, 3, 3, 4}, q.data(), q.size(), QuantParams{{0.1f}, {0}, 0});
  b.output(b.node(ir::OpType::kConv2D, {x, w, ir::kNoValue}, "y", {1, 2, 2, 4}, ir::Conv2DAttrs{}));
  convert::PruneReport r;
  ASSERT_TRUE(convert::prune(b.m, {.sparsity = 0.5, .min_weights = 0}, &r).ok());
  EXPECT_TRUE(r.layers.empty());
  EXPECT_EQ(r.skipped, std::vector<std::string>{"node 0 (CONV_2D) 'y': weights 'w8' quantized int8, not float32"});
  EXPECT_EQ(b.m.graph.nodes[0].inputs[1], w);

  for (double s : {0.0, 1.0, 1.5, -0.25, std::nan("")}) {
    io::ImportedModel m = three_layers();
    const Status st = convert::prune(m, {.sparsity = s});
    ASSERT_FALSE(st.ok()) << s;
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(st.message().rfind("prune: sparsity: expected in (0, 1), found ", 0), 0u) << st.message();
  }
  io::ImportedModel m = three_layers();
  EXPECT_FALSE(convert::prune(m, {.sparsity = 0.5, .min_weights = -1}).ok());
  m.graph.outputs = {12345};
  const Status st = convert::prune(m, {.sparsity = 0.5});
  EXPECT_EQ(st.message(), "graph output 0: value index 12345 out of range [0, 10)");
}

// Filter f of a conv's weights [Cout, KH, KW, Cin] and its bias set to 0.
void zero_filter(std::vector<float>* w, std::vector<float>* bias, int32_t f, int32_t cout) {
  const size_t per = w->size() / static_cast<size_t>(cout);
  std::fill(w->begin() + static_cast<std::ptrdiff_t>(f * per), w->begin() + static_cast<std::ptrdiff_t>((f + 1) * per),
            0.0f);
  (*bias)[static_cast<size_t>(f)] = 0.0f;
}

// x [1, 6, 6, 3] -> CONV_2D 3x3 'a' (8 filters, RELU; filters 1, 4 and 6 all
// zero) -> DEPTHWISE_CONV_2D 3x3 'dw' (RELU6; bias 0 on channels 1, 4, 6) ->
// CONV_2D 1x1 'b' (4 filters) -> graph output
io::ImportedModel conv_dw_conv() {
  Builder b;
  const int32_t x = b.input("x", {1, 6, 6, 3});
  std::vector<float> wa = pseudo_random(8 * 27, 1, 1.0f), ba = pseudo_random(8, 2, 0.5f);
  std::vector<float> wd = pseudo_random(72, 3, 1.0f), bd = pseudo_random(8, 4, 0.5f);
  for (int32_t f : {1, 4, 6}) {
    zero_filter(&wa, &ba, f, 8);
    bd[static_cast<size_t>(f)] = 0.0f;
  }
  ir::Conv2DAttrs relu;
  relu.activation = ir::Activation::kRelu;
  int32_t h = b.layer(ir::OpType::kConv2D, x, "a", {8, 3, 3, 3}, wa, ba, {1, 6, 6, 8}, relu);
  ir::DepthwiseConv2DAttrs relu6;
  relu6.activation = ir::Activation::kRelu6;
  h = b.layer(ir::OpType::kDepthwiseConv2D, h, "dw", {1, 3, 3, 8}, wd, bd, {1, 6, 6, 8}, relu6);
  b.output(b.layer(ir::OpType::kConv2D, h, "b", {4, 1, 1, 8}, pseudo_random(32, 5, 1.0f), pseudo_random(4, 6, 0.5f),
                   {1, 6, 6, 4}, ir::Conv2DAttrs{}));
  return std::move(b.m);
}

std::vector<float> run_reference(const io::ImportedModel& m, const std::vector<float>& x) {
  return testmodels::run(testmodels::write(m), x, KernelChoice::kReference);
}

TEST(ConvertPrune, StructuredRemovesZeroFiltersThroughDepthwiseExactly) {
  const io::ImportedModel original = conv_dw_conv();
  io::ImportedModel m = conv_dw_conv();
  convert::PruneReport r;
  // round(0.375 * 8) = 3 filters of 'a': the three zero ones (L1 norm 0).
  ASSERT_TRUE(convert::prune(m, {.sparsity = 0.375, .structured = true, .min_weights = 0}, &r).ok());
  EXPECT_EQ(r.filters_removed, 3);
  ASSERT_EQ(r.layers.size(), 1u);
  EXPECT_EQ(r.layers[0].name, "a");
  EXPECT_EQ(r.layers[0].filters, 8);
  EXPECT_EQ(r.layers[0].filters_removed, 3);
  EXPECT_EQ(r.skipped, std::vector<std::string>{"node 2 (CONV_2D) 'b': its output is a graph output"});
  EXPECT_EQ(shape_of(m, 0), (Shape{5, 3, 3, 3}));
  EXPECT_EQ(shape_of(m, 0, 2), (Shape{5}));
  EXPECT_EQ(shape_of(m, 1), (Shape{1, 3, 3, 5}));
  EXPECT_EQ(shape_of(m, 1, 2), (Shape{5}));
  EXPECT_EQ(shape_of(m, 2), (Shape{4, 1, 1, 5}));
  EXPECT_EQ(m.graph.values[static_cast<size_t>(m.graph.nodes[1].outputs[0])].info.shape, (Shape{1, 6, 6, 5}));
  // The kept filters are the original ones, in order: 0, 2, 3, 5, 7.
  const std::vector<float> wa = weights_of(original, 0), kept = weights_of(m, 0);
  std::vector<float> want;
  for (int32_t f : {0, 2, 3, 5, 7}) want.insert(want.end(), wa.begin() + f * 27, wa.begin() + (f + 1) * 27);
  EXPECT_EQ(kept, want);

  for (uint32_t seed : {1u, 2u}) {
    const std::vector<float> x = pseudo_random(6 * 6 * 3, seed + 10, 2.0f);
    const std::vector<float> got = run_reference(m, x);
    ASSERT_EQ(got.size(), 6u * 6 * 4);
    EXPECT_EQ(got, run_reference(original, x));
  }
}

TEST(ConvertPrune, StructuredThroughPoolIntoFullyConnected) {
  // x [1, 4, 4, 3] -> CONV_2D 'a' (8 filters, RELU; 2 and 5 zero) -> MAX_POOL_2D 2x2 s2 -> FULLY_CONNECTED [5, 32]
  auto build = [] {
    Builder b;
    const int32_t x = b.input("x", {1, 4, 4, 3});
    std::vector<float> wa = pseudo_random(8 * 27, 7, 1.0f), ba = pseudo_random(8, 8, 0.5f);
    for (int32_t f : {2, 5}) zero_filter(&wa, &ba, f, 8);
    ir::Conv2DAttrs relu;
    relu.activation = ir::Activation::kRelu;
    int32_t h = b.layer(ir::OpType::kConv2D, x, "a", {8, 3, 3, 3}, wa, ba, {1, 4, 4, 8}, relu);
    ir::Pool2DAttrs pool;
    pool.padding = ir::Padding::kValid;
    pool.filter_h = pool.filter_w = pool.stride_h = pool.stride_w = 2;
    h = b.node(ir::OpType::kMaxPool2D, {h}, "pool", {1, 2, 2, 8}, pool);
    b.output(b.layer(ir::OpType::kFullyConnected, h, "fc", {5, 32}, pseudo_random(160, 9, 1.0f),
                     pseudo_random(5, 10, 0.5f), {1, 5}, ir::FullyConnectedAttrs{}));
    return std::move(b.m);
  };
  const io::ImportedModel original = build();
  io::ImportedModel m = build();
  convert::PruneReport r;
  ASSERT_TRUE(convert::prune(m, {.sparsity = 0.25, .structured = true, .min_weights = 0}, &r).ok());
  EXPECT_EQ(r.filters_removed, 2);
  EXPECT_EQ(shape_of(m, 2), (Shape{5, 24}));
  // Column d of the FC held channel d % 8 (of 4 pixels); channels 2 and 5 are gone.
  const std::vector<float> fc = weights_of(original, 2), pruned = weights_of(m, 2);
  std::vector<float> want;
  for (int u = 0; u < 5; ++u) {
    for (int d = 0; d < 32; ++d) {
      if (d % 8 != 2 && d % 8 != 5) want.push_back(fc[static_cast<size_t>(u * 32 + d)]);
    }
  }
  EXPECT_EQ(pruned, want);
  const std::vector<float> x = pseudo_random(48, 11, 2.0f);
  EXPECT_EQ(run_reference(m, x), run_reference(original, x));
}

TEST(ConvertPrune, StructuredRefusesChannelsThatFlowElsewhere) {
  Builder b;
  const int32_t x = b.input("x", {1, 4, 4, 8});
  auto conv = [&](int32_t in, const std::string& name, int32_t cin, uint32_t seed) {
    return b.layer(ir::OpType::kConv2D, in, name, {8, 3, 3, cin},
                   pseudo_random(72 * static_cast<size_t>(cin), seed, 1.0f), pseudo_random(8, seed + 1, 0.5f),
                   {1, 4, 4, 8}, ir::Conv2DAttrs{});
  };
  const int32_t c1 = conv(x, "c1", 8, 1);
  const int32_t a1 = b.node(ir::OpType::kAdd, {c1, x}, "a1", {1, 4, 4, 8}, ir::ElementwiseAttrs{});
  const int32_t c2 = conv(a1, "c2", 8, 3);
  ir::ConcatenationAttrs cat;
  cat.axis = 3;
  const int32_t both = b.node(ir::OpType::kConcatenation, {c2, x}, "cat", {1, 4, 4, 16}, cat);
  const int32_t c3 = conv(both, "c3", 16, 5);
  b.output(c3);
  const int32_t c4 = conv(x, "c4", 8, 7);
  // Grouped (2 groups of 4 channels): reading c4 it cannot lose single channels.
  b.output(b.layer(ir::OpType::kConv2D, c4, "g", {8, 3, 3, 4}, pseudo_random(288, 9, 1.0f), pseudo_random(8, 10, 0.5f),
                   {1, 4, 4, 8}, ir::Conv2DAttrs{}));
  // Through a depthwise conv into an ADD.
  const int32_t d5 =
      b.layer(ir::OpType::kDepthwiseConv2D, conv(x, "c5", 8, 11), "d5", {1, 3, 3, 8}, pseudo_random(72, 13, 1.0f),
              pseudo_random(8, 14, 0.5f), {1, 4, 4, 8}, ir::DepthwiseConv2DAttrs{});
  b.output(b.node(ir::OpType::kAdd, {d5, x}, "a5", {1, 4, 4, 8}, ir::ElementwiseAttrs{}));
  std::vector<std::vector<int32_t>> inputs_before;
  for (const ir::Node& n : b.m.graph.nodes) inputs_before.push_back(n.inputs);

  convert::PruneReport r;
  ASSERT_TRUE(convert::prune(b.m, {.sparsity = 0.5, .structured = true, .min_weights = 0}, &r).ok());
  EXPECT_TRUE(r.layers.empty());
  EXPECT_EQ(r.filters_removed, 0);
  EXPECT_EQ(r.skipped, (std::vector<std::string>{
                           "node 0 (CONV_2D) 'c1': its output is read by node 1 (ADD)",
                           "node 2 (CONV_2D) 'c2': its output is read by node 3 (CONCATENATION)",
                           "node 4 (CONV_2D) 'c3': its output is a graph output",
                           "node 5 (CONV_2D) 'c4': its output is read by node 6 (CONV_2D): grouped",
                           "node 6 (CONV_2D) 'g': grouped (or its input is not [N, H, W, 4])",
                           "node 7 (CONV_2D) 'c5': 'd5' is read by node 9 (ADD)",
                       }));
  for (size_t i = 0; i < b.m.graph.nodes.size(); ++i) EXPECT_EQ(b.m.graph.nodes[i].inputs, inputs_before[i]) << i;
}

}  // namespace
}  // namespace edgerun
