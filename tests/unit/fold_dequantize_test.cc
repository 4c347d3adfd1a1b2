// runtime/fold_dequantize: a DEQUANTIZE of a constant (fp16 and weight-only
// int8 weights) is run once at load into a float32 constant, so the conv
// reading it prepares its float kernels; the outputs are those the same
// DEQUANTIZE kernel's values give, bit for bit.
#include "runtime/fold_dequantize.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "convert/graph_edit.h"
#include "convert/test_models.h"
#include "core/float_types.h"
#include "ops/op_tester.h"
#include "runtime/model_impl.h"

namespace edgerun {
namespace {

using testmodels::pseudo_random;

// x [1, 8, 8, 4] -> CONV_2D 3x3, 6 filters, RELU -> y, its filter `filter_id`
// (a float32 value of shape [6, 3, 3, 4]) and a bias.
int32_t add_conv(testmodels::Builder& b, int32_t filter_id) {
  const int32_t x = b.input("x", {1, 8, 8, 4});
  const int32_t bias = b.constant("bias", {6}, pseudo_random(6, 2, 0.5f));
  ir::Conv2DAttrs a;
  a.activation = ir::Activation::kRelu;
  const int32_t y = b.node(ir::OpType::kConv2D, {x, filter_id, bias}, "y", {1, 8, 8, 6}, a);
  b.output(y);
  return y;
}

std::vector<float> run_model(io::ImportedModel m, const std::vector<float>& x, int* nodes = nullptr,
                             ModelStats* stats = nullptr) {
  auto model = Model::Impl::from_imported(std::move(m));
  EXPECT_TRUE(model.ok()) << model.status().message();
  if (!model.ok()) return {};
  if (nodes != nullptr) *nodes = static_cast<int>((*model)->nodes().size());
  if (stats != nullptr) *stats = (*model)->stats();
  auto s = Session::create(*model);
  EXPECT_TRUE(s.ok());
  std::memcpy(s->input_data(0), x.data(), x.size() * sizeof(float));
  EXPECT_TRUE(s->invoke().ok());
  std::vector<float> y(s->output_info(0).bytes() / sizeof(float));
  std::memcpy(y.data(), s->output_data(0), y.size() * sizeof(float));
  return y;
}

TEST(FoldDequantize, Float16WeightsGiveTheRoundedFloatModelsOutputs) {
  const std::vector<float> w = pseudo_random(6 * 3 * 3 * 4, 1, 1.0f);
  std::vector<uint16_t> h(w.size());
  std::vector<float> rounded(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    h[i] = float_to_half(w[i]);
    rounded[i] = half_to_float(h[i]);
  }
  testmodels::Builder q;
  const int32_t stored = convert::add_constant(q.m, "w16", DType::kFloat16, {6, 3, 3, 4}, h.data(), h.size() * 2);
  const int32_t wf = convert::add_activation(q.m, TensorInfo{"w", DType::kFloat32, {6, 3, 3, 4}, {}});
  q.m.graph.nodes.push_back(ir::Node{ir::OpType::kDequantize, {stored}, {wf}, {}, 0});
  add_conv(q, wf);

  testmodels::Builder f;
  add_conv(f, f.constant("w", {6, 3, 3, 4}, rounded));

  const std::vector<float> x = pseudo_random(8 * 8 * 4, 3, 2.0f);
  int nodes = 0;
  ModelStats stats;
  const std::vector<float> got = run_model(std::move(q.m), x, &nodes, &stats);
  EXPECT_EQ(nodes, 1);  // the DEQUANTIZE is folded
  ASSERT_EQ(stats.ops.size(), 1u);
  EXPECT_EQ(stats.ops[0].op, "CONV_2D");
  EXPECT_EQ(stats.parameters, 6 * 3 * 3 * 4 + 6);  // the folded float16 constant is not counted
  EXPECT_EQ(stats.parameter_bytes, (6 * 3 * 3 * 4 + 6) * 4);
  ASSERT_EQ(got.size(), 8u * 8 * 6);
  EXPECT_EQ(got, run_model(std::move(f.m), x));
}

TEST(FoldDequantize, PerChannelInt8WeightsGiveTheDequantizeKernelsValues) {
  std::vector<int8_t> q(6 * 3 * 3 * 4);
  for (size_t i = 0; i < q.size(); ++i) q[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 255) - 127);
  const QuantParams qp{{0.01f, 0.02f, 0.003f, 0.5f, 0.07f, 0.1f}, {0, 0, 0, 0, 0, 0}, 0};
  // The DEQUANTIZE kernel's own values, run as an op.
  testing::OpTester t(ir::OpType::kDequantize);
  t.input<int8_t>({6, 3, 3, 4}, q, qp);
  t.output({6, 3, 3, 4}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  const std::vector<float> dequantized = t.result<float>(0);

  testmodels::Builder b;
  const int32_t stored = convert::add_constant(b.m, "w8", DType::kInt8, {6, 3, 3, 4}, q.data(), q.size(), qp);
  const int32_t wf = convert::add_activation(b.m, TensorInfo{"w", DType::kFloat32, {6, 3, 3, 4}, {}});
  b.m.graph.nodes.push_back(ir::Node{ir::OpType::kDequantize, {stored}, {wf}, {}, 0});
  add_conv(b, wf);
  testmodels::Builder f;
  add_conv(f, f.constant("w", {6, 3, 3, 4}, dequantized));
  const std::vector<float> x = pseudo_random(8 * 8 * 4, 4, 2.0f);
  EXPECT_EQ(run_model(std::move(b.m), x), run_model(std::move(f.m), x));
}

TEST(FoldDequantize, GraphOutputsAndActivationsStayNodes) {
  // A DEQUANTIZE of an input runs at every inference; one whose output is a graph output is not folded.
  testmodels::Builder b;
  const int32_t x = convert::add_activation(b.m, TensorInfo{"x", DType::kFloat16, {3}, {}});
  b.m.graph.inputs.push_back(x);
  const uint16_t c[3] = {0x3C00, 0xC000, 0x3800};  // 1, -2, 0.5
  const int32_t k = convert::add_constant(b.m, "k", DType::kFloat16, {3}, c, sizeof c);
  const int32_t y = convert::add_activation(b.m, TensorInfo{"y", DType::kFloat32, {3}, {}});
  const int32_t z = convert::add_activation(b.m, TensorInfo{"z", DType::kFloat32, {3}, {}});
  b.m.graph.nodes.push_back(ir::Node{ir::OpType::kDequantize, {x}, {y}, {}, 0});
  b.m.graph.nodes.push_back(ir::Node{ir::OpType::kDequantize, {k}, {z}, {}, 1});
  b.m.graph.outputs = {y, z};
  auto folded = runtime::fold_constant_dequantize(&b.m);
  ASSERT_TRUE(folded.ok());
  EXPECT_EQ(*folded, 0);
  auto model = Model::Impl::from_imported(std::move(b.m));
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto s = Session::create(*model);
  ASSERT_TRUE(s.ok());
  const uint16_t in[3] = {0x4200, 0x0001, 0xFC00};  // 3, the smallest subnormal, -inf
  std::memcpy(s->input_data(0), in, sizeof in);
  ASSERT_TRUE(s->invoke().ok());
  const auto* y_out = static_cast<const float*>(s->output_data(0));
  const auto* z_out = static_cast<const float*>(s->output_data(1));
  EXPECT_EQ(std::vector<float>(y_out, y_out + 3), (std::vector<float>{3.0f, std::ldexp(1.0f, -24), -INFINITY}));
  EXPECT_EQ(std::vector<float>(z_out, z_out + 3), (std::vector<float>{1.0f, -2.0f, 0.5f}));
}

TEST(FoldDequantize, InvalidConstantsAreReportedAsByTheOp) {
  // A float16 constant with quantization parameters: the DEQUANTIZE's own error, at load.
  testmodels::Builder b;
  const uint16_t c[4] = {0, 0, 0, 0};
  const int32_t k = convert::add_constant(b.m, "k", DType::kFloat16, {4}, c, sizeof c, QuantParams{{0.5f}, {0}, 0});
  const int32_t wf = convert::add_activation(b.m, TensorInfo{"w", DType::kFloat32, {4}, {}});
  b.m.graph.nodes.push_back(ir::Node{ir::OpType::kDequantize, {k}, {wf}, {}, 7});
  const int32_t x = b.input("x", {4});
  b.output(b.node(ir::OpType::kAdd, {x, wf}, "y", {4}, ir::ElementwiseAttrs{}));
  auto model = Model::Impl::from_imported(std::move(b.m));
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("DEQUANTIZE (operator 7): input 0 float16: expected no quantization"),
            std::string::npos)
      << model.status().message();
}

}  // namespace
}  // namespace edgerun
