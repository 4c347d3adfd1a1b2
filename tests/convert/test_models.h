// Float models built in memory for the converter passes' tests: a graph
// builder, a small MobileNet-like CNN with deterministic weights, and helpers
// that write a model as TFLite and run it.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "convert/graph_edit.h"
#include "edgerun/edgerun.h"
#include "io/imported_model.h"
#include "io/tflite/writer.h"

namespace edgerun::testmodels {

// n values uniform in [-scale, scale), the same for the same seed.
inline std::vector<float> pseudo_random(size_t n, uint32_t seed, float scale) {
  std::vector<float> v(n);
  uint32_t x = seed * 2654435761u + 12345u;
  for (float& f : v) {
    x = x * 1664525u + 1013904223u;
    f = (static_cast<float>(x >> 8) / static_cast<float>(1 << 24) * 2.0f - 1.0f) * scale;
  }
  return v;
}

// Appends values and nodes to an ImportedModel (float32 unless said).
struct Builder {
  io::ImportedModel m;

  int32_t input(const std::string& name, Shape shape) {
    const int32_t id = convert::add_activation(m, TensorInfo{name, DType::kFloat32, std::move(shape), {}});
    m.graph.inputs.push_back(id);
    return id;
  }
  int32_t constant(const std::string& name, Shape shape, const std::vector<float>& data) {
    return convert::add_constant(m, name, DType::kFloat32, shape, data.data(), data.size() * sizeof(float));
  }
  int32_t node(ir::OpType op, std::vector<int32_t> inputs, const std::string& name, Shape out, ir::Attrs attrs = {}) {
    const int32_t id = convert::add_activation(m, TensorInfo{name, DType::kFloat32, std::move(out), {}});
    m.graph.nodes.push_back(
        ir::Node{op, std::move(inputs), {id}, std::move(attrs), static_cast<int32_t>(m.graph.nodes.size())});
    return id;
  }
  // CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED with weights and a bias.
  int32_t layer(ir::OpType op, int32_t x, const std::string& name, Shape w_shape, const std::vector<float>& w,
                const std::vector<float>& bias, Shape out, ir::Attrs attrs) {
    const int32_t wid = constant(name + "/weights", std::move(w_shape), w);
    const int32_t bid = constant(name + "/bias", {static_cast<int32_t>(bias.size())}, bias);
    return node(op, {x, wid, bid}, name, std::move(out), std::move(attrs));
  }
  void output(int32_t id) { m.graph.outputs.push_back(id); }
};

// He-like scale for `fan_in` inputs.
inline float init_scale(int fan_in) { return std::sqrt(6.0f / static_cast<float>(fan_in)); }

// input [1, 32, 32, 3] -> CONV_2D 3x3 s2 32 RELU6 -> CONV_2D 1x1 128 RELU6 ->
// DEPTHWISE_CONV_2D 3x3 RELU6 -> CONV_2D 1x1 128 -> AVERAGE_POOL_2D 16x16 ->
// FULLY_CONNECTED 100 -> logits [1, 100]. 35,296 weights: conv1 864 (under
// the dynamic pass's 1024), conv2 4096, depthwise 1152, conv3 16384, fc 12800.
inline io::ImportedModel small_cnn() {
  Builder b;
  const int32_t x = b.input("input", {1, 32, 32, 3});
  ir::Conv2DAttrs c1;
  c1.stride_h = c1.stride_w = 2;
  c1.activation = ir::Activation::kRelu6;
  int32_t h = b.layer(ir::OpType::kConv2D, x, "conv1", {32, 3, 3, 3}, pseudo_random(864, 1, init_scale(27)),
                      pseudo_random(32, 2, 0.1f), {1, 16, 16, 32}, c1);
  ir::Conv2DAttrs relu6;
  relu6.activation = ir::Activation::kRelu6;
  h = b.layer(ir::OpType::kConv2D, h, "conv2", {128, 1, 1, 32}, pseudo_random(4096, 3, init_scale(32)),
              pseudo_random(128, 4, 0.1f), {1, 16, 16, 128}, relu6);
  ir::DepthwiseConv2DAttrs dw;
  dw.activation = ir::Activation::kRelu6;
  h = b.layer(ir::OpType::kDepthwiseConv2D, h, "dw", {1, 3, 3, 128}, pseudo_random(1152, 5, init_scale(9)),
              pseudo_random(128, 6, 0.1f), {1, 16, 16, 128}, dw);
  h = b.layer(ir::OpType::kConv2D, h, "conv3", {128, 1, 1, 128}, pseudo_random(16384, 7, init_scale(128)),
              pseudo_random(128, 8, 0.1f), {1, 16, 16, 128}, ir::Conv2DAttrs{});
  ir::Pool2DAttrs pool;
  pool.padding = ir::Padding::kValid;
  pool.filter_h = pool.filter_w = 16;
  h = b.node(ir::OpType::kAveragePool2D, {h}, "pool", {1, 1, 1, 128}, pool);
  h = b.layer(ir::OpType::kFullyConnected, h, "logits", {100, 128}, pseudo_random(12800, 9, init_scale(128)),
              pseudo_random(100, 10, 0.1f), {1, 100}, ir::FullyConnectedAttrs{});
  b.output(h);
  return std::move(b.m);
}

inline std::vector<uint8_t> write(const io::ImportedModel& m) {
  auto bytes = tflite::write_model(m.graph, m.metadata);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  return bytes.ok() ? std::move(bytes).value() : std::vector<uint8_t>{};
}

// The float32 output 0 of a model file on one float32 input; empty on failure.
inline std::vector<float> run(const std::vector<uint8_t>& file, const std::vector<float>& input,
                              KernelChoice kernels = KernelChoice::kAuto) {
  LoadOptions o;
  o.kernels = kernels;
  auto model = Model::load_from_buffer(file.data(), file.size(), o);
  EXPECT_TRUE(model.ok()) << model.status().message();
  if (!model.ok()) return {};
  auto session = Session::create(*model);
  EXPECT_TRUE(session.ok()) << session.status().message();
  if (!session.ok()) return {};
  EXPECT_EQ(session->input_info(0).bytes(), input.size() * sizeof(float));
  std::memcpy(session->input_data(0), input.data(), input.size() * sizeof(float));
  const Status st = session->invoke();
  EXPECT_TRUE(st.ok()) << st.message();
  std::vector<float> out(session->output_info(0).bytes() / sizeof(float));
  std::memcpy(out.data(), session->output_data(0), out.size() * sizeof(float));
  return out;
}

}  // namespace edgerun::testmodels
