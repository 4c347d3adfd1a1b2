// convert/weight_quant: fp16 and weight-only int8 ("dynamic") weights, each
// read through a DEQUANTIZE. The written files load in edgerun (which folds
// the DEQUANTIZE nodes at load) and compute what the rounded weights give.
#include "convert/weight_quant.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "convert/test_models.h"
#include "convert/weights.h"
#include "core/float_types.h"
#include "io/tflite/reader.h"
#include "shared_data.h"
#include "vision/image.h"
#include "vision/preprocess.h"
#include "vision/resize.h"

namespace edgerun {
namespace {

using testmodels::run;
using testmodels::small_cnn;
using testmodels::write;

// The photo as the small CNN's input: 32x32, pixel / 127.5 - 1; a pattern without the shared data.
std::vector<float> photo_input() {
  const std::string path = testdata::shared_path("images/grace_hopper.bmp");
  std::vector<float> x(32 * 32 * 3);
  auto image = vision::decode_image_file(path);
  if (!image.ok()) return testmodels::pseudo_random(x.size(), 99, 1.0f);
  const vision::Image small = vision::resize(*image, 32, 32, vision::ResizeMethod::kBilinear);
  const TensorInfo info{"input", DType::kFloat32, {1, 32, 32, 3}, {}};
  EXPECT_TRUE(vision::fill_input(small, info, vision::Normalization{{127.5f}, {127.5f}}, x.data()).ok());
  return x;
}

// The graph's float32 constants that `op` reads at input `slot`, in node order.
std::vector<const ir::Value*> inputs_of(const ir::Graph& g, ir::OpType op, size_t slot) {
  std::vector<const ir::Value*> r;
  for (const ir::Node& n : g.nodes) {
    if (n.op == op && slot < n.inputs.size()) r.push_back(&g.values[static_cast<size_t>(n.inputs[slot])]);
  }
  return r;
}

int count(const ir::Graph& g, ir::OpType op) {
  return static_cast<int>(std::count_if(g.nodes.begin(), g.nodes.end(), [&](const ir::Node& n) { return n.op == op; }));
}

// The model with every float32 constant replaced by `round(w)`, as a float model.
io::ImportedModel with_rounded_weights(float (*round)(float)) {
  io::ImportedModel m = small_cnn();
  for (ir::Value& v : m.graph.values) {
    if (!v.is_constant()) continue;
    auto* f = reinterpret_cast<float*>(const_cast<uint8_t*>(v.data));  // the builder's own copy
    for (int64_t i = 0; i < v.info.elements(); ++i) f[i] = round(f[i]);
  }
  return m;
}

TEST(ConvertWeightQuant, PerChannelScalesAndValues) {
  // CONV_2D-like [2, 1, 1, 3], axis 0: channel 0 max |w| 2, channel 1 all zero.
  auto conv = convert::quantize_per_channel_int8({1.0f, -2.0f, 0.5f, 0.0f, 0.0f, 0.0f}, {2, 1, 1, 3}, 0);
  ASSERT_TRUE(conv.ok()) << conv.status().message();
  EXPECT_EQ(conv->scale, (std::vector<float>{2.0f / 127.0f, 1.0f}));
  // 1 / (2 / 127) = 63.5 rounds away from zero; 0.5 / (2 / 127) = 31.75.
  EXPECT_EQ(conv->q, (std::vector<int8_t>{64, -127, 32, 0, 0, 0}));

  // DEPTHWISE_CONV_2D-like [1, 1, 2, 2], axis 3: channels interleave.
  auto dw = convert::quantize_per_channel_int8({1.0f, 4.0f, -0.5f, -2.0f}, {1, 1, 2, 2}, 3);
  ASSERT_TRUE(dw.ok()) << dw.status().message();
  EXPECT_EQ(dw->scale, (std::vector<float>{1.0f / 127.0f, 4.0f / 127.0f}));
  EXPECT_EQ(dw->q, (std::vector<int8_t>{127, 127, -64, -64}));  // -63.5 -> -64

  auto nan = convert::quantize_per_channel_int8({1.0f, std::nanf("")}, {2}, 0);
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.status().message().find("weight 1 is nan; expected finite"), std::string::npos)
      << nan.status().message();
  auto axis = convert::quantize_per_channel_int8({1.0f, 2.0f}, {2}, 1);
  ASSERT_FALSE(axis.ok());
  EXPECT_EQ(axis.status().message(), "axis 1 out of range for shape [2]");
  auto size = convert::quantize_per_channel_int8({1.0f, 2.0f, 3.0f}, {2, 2}, 0);
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.status().message(), "3 weights, expected 4 (shape [2,2])");
}

TEST(ConvertWeightQuant, Fp16IsHalfTheSizeAndComputesWithRoundedWeights) {
  const std::vector<uint8_t> float_file = write(small_cnn());
  io::ImportedModel m = small_cnn();
  convert::WeightQuantReport r;
  ASSERT_TRUE(convert::quantize_fp16(m, {}, &r).ok());
  // Every layer's weights and bias: 5 layers.
  EXPECT_EQ(r.tensors, 10);
  EXPECT_EQ(r.bytes_after * 2, r.bytes_before);
  EXPECT_TRUE(r.kept_float.empty());
  EXPECT_EQ(count(m.graph, ir::OpType::kDequantize), 10);
  const std::vector<uint8_t> fp16_file = write(m);
  ASSERT_FALSE(fp16_file.empty());
  EXPECT_LT(fp16_file.size(), float_file.size() * 52 / 100);
  EXPECT_GT(fp16_file.size(), float_file.size() * 48 / 100);

  // The file holds FLOAT16 constants, each read by a DEQUANTIZE placed before its layer.
  auto back = tflite::import_model(fp16_file.data(), fp16_file.size());
  ASSERT_TRUE(back.ok()) << back.status().message();
  for (const ir::Value* w : inputs_of(back->graph, ir::OpType::kDequantize, 0)) {
    EXPECT_EQ(w->info.dtype, DType::kFloat16) << w->info.name;
    EXPECT_TRUE(w->is_constant()) << w->info.name;
  }
  EXPECT_EQ(back->graph.nodes[0].op, ir::OpType::kDequantize);
  EXPECT_EQ(back->graph.nodes[2].op, ir::OpType::kConv2D);

  // Outputs: exactly those of the float model with its weights rounded to float16.
  const std::vector<float> x = photo_input();
  const std::vector<float> got = run(fp16_file, x);
  const std::vector<float> want =
      run(write(with_rounded_weights([](float w) { return half_to_float(float_to_half(w)); })), x);
  ASSERT_EQ(got.size(), 100u);
  EXPECT_EQ(got, want);
  // And close to the float model's (the rounding is the only change).
  const std::vector<float> exact = run(float_file, x);
  float worst = 0.0f, largest = 0.0f;
  for (size_t i = 0; i < got.size(); ++i) {
    worst = std::max(worst, std::fabs(got[i] - exact[i]));
    largest = std::max(largest, std::fabs(exact[i]));
  }
  EXPECT_LT(worst, 2e-3f * largest) << "largest logit " << largest;
}

TEST(ConvertWeightQuant, Fp16KeepsWhatFloat16CannotHoldAndSmallOtherConstants) {
  testmodels::Builder b;
  const int32_t x = b.input("x", {1, 4});
  std::vector<float> w(8, 1.0f);
  w[3] = 70000.0f;  // beyond float16's 65504
  const int32_t y =
      b.layer(ir::OpType::kFullyConnected, x, "fc", {2, 4}, w, {0.5f, 0.25f}, {1, 2}, ir::FullyConnectedAttrs{});
  const int32_t scale = b.constant("scale", {2}, {2.0f, 3.0f});  // a MUL's: 2 elements, under 1024
  b.output(b.node(ir::OpType::kMul, {y, scale}, "out", {1, 2}, ir::ElementwiseAttrs{}));
  convert::WeightQuantReport r;
  ASSERT_TRUE(convert::quantize_fp16(b.m, {}, &r).ok());
  EXPECT_EQ(r.tensors, 1);  // the bias
  ASSERT_EQ(r.kept_float.size(), 1u);
  EXPECT_NE(r.kept_float[0].find("'fc/weights': |value| 70000"), std::string::npos) << r.kept_float[0];
  EXPECT_NE(r.kept_float[0].find("beyond float16's range"), std::string::npos) << r.kept_float[0];
  const ir::Graph& g = b.m.graph;
  EXPECT_EQ(g.values[static_cast<size_t>(g.nodes.back().inputs[1])].info.name, "scale");
  EXPECT_TRUE(g.values[static_cast<size_t>(g.nodes.back().inputs[1])].is_constant());
}

TEST(ConvertWeightQuant, GraphOutputConstantsStayFloat) {
  testmodels::Builder b;
  const int32_t x = b.input("x", {1, 64});
  const int32_t w = b.constant("w", {32, 64}, testmodels::pseudo_random(2048, 1, 1.0f));
  b.output(b.node(ir::OpType::kFullyConnected, {x, w, ir::kNoValue}, "y", {1, 32}, ir::FullyConnectedAttrs{}));
  b.output(w);  // the DEQUANTIZE's output would take its name
  convert::WeightQuantReport r;
  ASSERT_TRUE(convert::quantize_fp16(b.m, {}, &r).ok());
  ASSERT_TRUE(convert::quantize_dynamic(b.m, {}, &r).ok());
  EXPECT_EQ(r.tensors, 0);
  EXPECT_EQ(b.m.graph.nodes.size(), 1u);
  EXPECT_EQ(b.m.graph.nodes[0].inputs[1], w);
}

TEST(ConvertWeightQuant, DynamicIsAQuarterAndCloseToFloat) {
  const std::vector<uint8_t> float_file = write(small_cnn());
  io::ImportedModel m = small_cnn();
  convert::WeightQuantReport r;
  ASSERT_TRUE(convert::quantize_dynamic(m, {}, &r).ok());
  // conv2, dw, conv3, fc; conv1 (864 weights) and the biases stay float32.
  EXPECT_EQ(r.tensors, 4);
  ASSERT_EQ(r.kept_float.size(), 1u);
  EXPECT_EQ(r.kept_float[0], "'conv1/weights': 864 elements, below 1024");
  const std::vector<uint8_t> file = write(m);
  ASSERT_FALSE(file.empty());
  // A quarter, plus what stays float32 (conv1, biases) and the per-channel
  // scales and zero points (12 bytes a channel): a third for a model this small.
  EXPECT_LT(file.size(), float_file.size() * 35 / 100);
  EXPECT_GT(file.size(), float_file.size() * 25 / 100);

  // Per-channel int8, zero point 0, along the output channels (axis 3 for the depthwise).
  auto back = tflite::import_model(file.data(), file.size());
  ASSERT_TRUE(back.ok()) << back.status().message();
  std::vector<int32_t> axes;
  for (const ir::Value* w : inputs_of(back->graph, ir::OpType::kDequantize, 0)) {
    EXPECT_EQ(w->info.dtype, DType::kInt8) << w->info.name;
    EXPECT_EQ(w->info.quant.scale.size(), static_cast<size_t>(w->info.shape[static_cast<size_t>(w->info.quant.axis)]));
    EXPECT_EQ(w->info.quant.zero_point, std::vector<int64_t>(w->info.quant.scale.size(), 0));
    axes.push_back(w->info.quant.axis);
  }
  EXPECT_EQ(axes, (std::vector<int32_t>{0, 3, 0, 0}));
  // conv3's first channel: scale = max |w| / 127.
  const ir::Value* conv3 = inputs_of(back->graph, ir::OpType::kDequantize, 0)[2];
  const std::vector<float> w3 = testmodels::pseudo_random(16384, 7, testmodels::init_scale(128));
  float max0 = 0.0f;
  for (size_t i = 0; i < 128; ++i) max0 = std::max(max0, std::fabs(w3[i]));
  EXPECT_EQ(conv3->info.quant.scale[0], max0 / 127.0f);

  // On a photo the logits stay within 2% of the largest float logit.
  const std::vector<float> x = photo_input();
  const std::vector<float> got = run(file, x);
  const std::vector<float> want = run(float_file, x);
  ASSERT_EQ(got.size(), want.size());
  float worst = 0.0f, largest = 0.0f;
  for (size_t i = 0; i < got.size(); ++i) {
    worst = std::max(worst, std::fabs(got[i] - want[i]));
    largest = std::max(largest, std::fabs(want[i]));
  }
  EXPECT_LT(worst, 0.02f * largest) << "largest logit " << largest;
  EXPECT_GT(worst, 0.0f);  // the int8 rounding shows
}

TEST(ConvertWeightQuant, DynamicLeavesSharedAndOtherConstants) {
  testmodels::Builder b;
  const int32_t x = b.input("x", {1, 64});
  const int32_t w = b.constant("w", {32, 64}, testmodels::pseudo_random(2048, 1, 1.0f));
  const int32_t y = b.node(ir::OpType::kFullyConnected, {x, w, ir::kNoValue}, "fc", {1, 32}, ir::FullyConnectedAttrs{});
  const int32_t big = b.constant("big", {1, 32}, testmodels::pseudo_random(32, 2, 1.0f));
  const int32_t z = b.node(ir::OpType::kAdd, {y, big}, "add", {1, 32}, ir::ElementwiseAttrs{});
  // The same constant as a FULLY_CONNECTED's weights and an ADD's operand: left float32.
  const int32_t shared = b.constant("shared", {32, 32}, testmodels::pseudo_random(1024, 3, 1.0f));
  const int32_t u =
      b.node(ir::OpType::kFullyConnected, {z, shared, ir::kNoValue}, "fc2", {1, 32}, ir::FullyConnectedAttrs{});
  b.output(b.node(ir::OpType::kAdd, {u, shared}, "out", {32, 32}, ir::ElementwiseAttrs{}));
  convert::WeightQuantReport r;
  ASSERT_TRUE(convert::quantize_dynamic(b.m, {}, &r).ok());
  EXPECT_EQ(r.tensors, 1);
  ASSERT_EQ(r.kept_float.size(), 1u);
  EXPECT_EQ(r.kept_float[0], "'shared': read by ADD as input 1");
}

TEST(ConvertWeightQuant, RejectsIndicesOutOfRange) {
  io::ImportedModel m = small_cnn();
  m.graph.nodes[1].inputs[1] = 999;
  const Status st = convert::quantize_fp16(m);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("node 1 (CONV_2D): input 1: value index 999 out of range"), std::string::npos)
      << st.message();
  EXPECT_FALSE(convert::quantize_dynamic(m).ok());
}

TEST(ConvertWeightStats, CountsZerosThroughDequantize) {
  io::ImportedModel m = small_cnn();
  const convert::WeightStats before = convert::weight_stats(m.graph);
  EXPECT_EQ(before.weights, 864 + 4096 + 1152 + 16384 + 12800);
  EXPECT_EQ(before.parameters, before.weights + 32 + 128 + 128 + 128 + 100);
  EXPECT_EQ(before.zero_weights, 0);
  // Zero the first 100 weights of the FC, then store them as float16 and as int8.
  for (const bool fp16 : {true, false}) {
    io::ImportedModel q = small_cnn();
    for (ir::Value& v : q.graph.values) {
      if (v.info.name == "logits/weights") std::memset(const_cast<uint8_t*>(v.data), 0, 400);
    }
    ASSERT_TRUE((fp16 ? convert::quantize_fp16(q) : convert::quantize_dynamic(q)).ok());
    const convert::WeightStats s = convert::weight_stats(q.graph);
    EXPECT_EQ(s.weights, before.weights);
    if (fp16) {
      EXPECT_EQ(s.zero_weights, 100);
    } else {  // and the int8 weights under half a step
      EXPECT_GT(s.zero_weights, 100);
      EXPECT_LT(s.zero_weights, 100 + before.weights / 100);
    }
  }
}

}  // namespace
}  // namespace edgerun
