// The TFLite importer's TRANSPOSE_CONV mapping (io/tflite/op_map.cc), on
// hand-built graphs: inputs reordered to CONV_TRANSPOSE's, SAME / VALID turned
// into the explicit pads transpose_conv.cc's Eval computes, and the errors.
// tests/goldens/ops/transpose_conv.json checks whole models against LiteRT.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "io/tflite/op_map.h"
#include "kernels/dispatch.h"
#include "ops/op.h"

namespace edgerun {
namespace {

constexpr int32_t kTransposeConv = 67;

// Values: 0 output_shape (int32 [4]), 1 weights [O, kh, kw, I], 2 input, 3 bias [O], 4 output.
struct Fixture {
  ir::Graph g;
  ir::Node node;
  std::vector<int32_t> shape_data;
  std::vector<float> weights, bias;

  Fixture(Shape in, Shape filter, Shape out, ir::Padding padding, int32_t stride, bool constant_shape = true)
      : shape_data(out.begin(), out.end()),
        weights(static_cast<size_t>(shape_elements(filter)), 1.0f),
        bias(static_cast<size_t>(filter[0]), 0.5f) {
    g.values.resize(5);
    g.values[0].info = TensorInfo{"output_shape", DType::kInt32, {4}, {}};
    if (constant_shape) {
      g.values[0].data = reinterpret_cast<const uint8_t*>(shape_data.data());
      g.values[0].data_bytes = 16;
    }
    g.values[1].info = TensorInfo{"weights", DType::kFloat32, filter, {}};
    g.values[1].data = reinterpret_cast<const uint8_t*>(weights.data());
    g.values[1].data_bytes = weights.size() * sizeof(float);
    g.values[2].info = TensorInfo{"input", DType::kFloat32, in, {}};
    g.values[3].info = TensorInfo{"bias", DType::kFloat32, {filter[0]}, {}};
    g.values[3].data = reinterpret_cast<const uint8_t*>(bias.data());
    g.values[3].data_bytes = bias.size() * sizeof(float);
    g.values[4].info = TensorInfo{"output", DType::kFloat32, out, {}};
    node.op = ir::OpType::kConvTranspose;
    node.inputs = {0, 1, 2, 3};
    node.outputs = {4};
    ir::ConvTransposeAttrs a;
    a.padding = padding;
    a.stride_h = a.stride_w = stride;
    node.attrs = a;
  }

  Status finish() {
    const tflite::OpMapEntry* e = tflite::find_builtin(kTransposeConv);
    if (e == nullptr || e->finish == nullptr) return Internal("TRANSPOSE_CONV has no finish step");
    const tflite::OpContext ctx{kTransposeConv, 7, 0, nullptr, nullptr, 0};
    return e->finish(ctx, g, &node);
  }
  const ir::ConvTransposeAttrs& attrs() const { return std::get<ir::ConvTransposeAttrs>(node.attrs); }
  // The op layer accepts the finished node.
  Status prepare() const {
    ops::PrepareContext ctx;
    ctx.tables = &kernels::reference_kernel_tables();
    auto k = ops::find_op(node.op)->prepare(g, node, ctx);
    return k.ok() ? Status::Ok() : k.status();
  }
};

void expect_pads(const ir::ConvTransposeAttrs& a, ir::ExplicitPads want) {
  EXPECT_EQ(a.padding, ir::Padding::kExplicit);
  EXPECT_EQ(a.pads.top, want.top);
  EXPECT_EQ(a.pads.left, want.left);
  EXPECT_EQ(a.pads.bottom, want.bottom);
  EXPECT_EQ(a.pads.right, want.right);
}

TEST(TfliteTransposeConv, MapsToConvTranspose) {
  const tflite::OpMapEntry* e = tflite::find_builtin(kTransposeConv);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->op, ir::OpType::kConvTranspose);
  EXPECT_NE(e->finish, nullptr);
  EXPECT_STREQ(tflite::builtin_name(kTransposeConv), "TRANSPOSE_CONV");
}

// SAME, stride 2, 3x3, 2x2 -> 4x4: the conv from 4 back to 2 pads (2-1)*2 + 3 - 4 = 1
// in total, 0 in front; the full scatter (2-1)*2 + 3 = 5 loses its last pixel.
TEST(TfliteTransposeConv, SameStride2) {
  Fixture f({1, 2, 2, 1}, {1, 3, 3, 1}, {1, 4, 4, 1}, ir::Padding::kSame, 2);
  ASSERT_TRUE(f.finish().ok());
  EXPECT_EQ(f.node.inputs, (std::vector<int32_t>{2, 1, 3}));
  expect_pads(f.attrs(), {0, 0, 1, 1});
  EXPECT_TRUE(f.prepare().ok()) << f.prepare().message();
}

// SAME, stride 2, 4x4 filter, 3x3 -> 6x6: total (3-1)*2 + 4 - 6 = 2, 1 in front, 1 behind.
TEST(TfliteTransposeConv, SameStride2EvenFilter) {
  Fixture f({1, 3, 3, 2}, {5, 4, 4, 2}, {1, 6, 6, 5}, ir::Padding::kSame, 2);
  ASSERT_TRUE(f.finish().ok());
  expect_pads(f.attrs(), {1, 1, 1, 1});
  EXPECT_TRUE(f.prepare().ok()) << f.prepare().message();
}

// VALID, stride 2, 3x3, 2x2 -> 5x5: no pads at all.
TEST(TfliteTransposeConv, ValidStride2) {
  Fixture f({1, 2, 2, 1}, {1, 3, 3, 1}, {1, 5, 5, 1}, ir::Padding::kValid, 2);
  ASSERT_TRUE(f.finish().ok());
  expect_pads(f.attrs(), {0, 0, 0, 0});
  EXPECT_TRUE(f.prepare().ok()) << f.prepare().message();
}

// A 1x1 filter with stride 3, 2x2 -> 6x6 (SAME): the scatter reaches 4 pixels,
// the other 2 are output padding (below the stride).
TEST(TfliteTransposeConv, FilterSmallerThanStrideLeavesOutputPadding) {
  Fixture f({1, 2, 2, 1}, {1, 1, 1, 1}, {1, 6, 6, 1}, ir::Padding::kSame, 3);
  ASSERT_TRUE(f.finish().ok());
  expect_pads(f.attrs(), {0, 0, 0, 0});
  EXPECT_TRUE(f.prepare().ok()) << f.prepare().message();
}

TEST(TfliteTransposeConv, NoBias) {
  Fixture f({1, 2, 2, 1}, {1, 3, 3, 1}, {1, 4, 4, 1}, ir::Padding::kSame, 2);
  f.node.inputs = {0, 1, 2};
  ASSERT_TRUE(f.finish().ok());
  EXPECT_EQ(f.node.inputs, (std::vector<int32_t>{2, 1}));
  f.node.inputs = {0, 1, 2, ir::kNoValue};
  f.node.attrs = ir::ConvTransposeAttrs{ir::Padding::kSame, {}, 2, 2};
  ASSERT_TRUE(f.finish().ok());
  EXPECT_EQ(f.node.inputs, (std::vector<int32_t>{2, 1, ir::kNoValue}));
  EXPECT_TRUE(f.prepare().ok()) << f.prepare().message();
}

void expect_error(Status st, StatusCode code, const std::string& fragment) {
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), code) << st.message();
  EXPECT_NE(st.message().find("TRANSPOSE_CONV (operator 7)"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(fragment), std::string::npos) << st.message();
}

TEST(TfliteTransposeConv, RejectsComputedOutputShape) {
  Fixture f({1, 2, 2, 1}, {1, 3, 3, 1}, {1, 4, 4, 1}, ir::Padding::kSame, 2, /*constant_shape=*/false);
  expect_error(f.finish(), StatusCode::kUnsupported, "only a constant output_shape is supported");
}

TEST(TfliteTransposeConv, RejectsOutputShapeOtherThanTheOutputTensors) {
  Fixture f({1, 2, 2, 1}, {1, 3, 3, 1}, {1, 4, 4, 1}, ir::Padding::kSame, 2);
  f.shape_data[1] = 5;
  expect_error(f.finish(), StatusCode::kInvalidModel,
               "output_shape [1,5,4,1] differs from the output tensor's shape [1,4,4,1]");
}

TEST(TfliteTransposeConv, RejectsBadInputs) {
  {
    Fixture f({1, 2, 2, 1}, {1, 3, 3, 1}, {1, 4, 4, 1}, ir::Padding::kSame, 2);
    f.node.inputs = {0, 1};
    expect_error(f.finish(), StatusCode::kInvalidModel, "input count: expected 3 or 4");
  }
  {
    Fixture f({1, 2, 2, 1}, {1, 3, 3, 1}, {1, 4, 4, 1}, ir::Padding::kSame, 2);
    f.node.inputs = {0, ir::kNoValue, 2};
    expect_error(f.finish(), StatusCode::kInvalidModel, "input 1 is absent");
  }
  {
    Fixture f({1, 2, 2, 1}, {1, 3, 3, 1}, {1, 4, 4, 1}, ir::Padding::kSame, 2);
    f.g.values[0].info.dtype = DType::kInt64;
    expect_error(f.finish(), StatusCode::kInvalidModel, "output_shape: expected int32 [4], found int64 [4]");
  }
  {
    Fixture f({1, 2, 2}, {1, 3, 3, 1}, {1, 4, 4, 1}, ir::Padding::kSame, 2);
    expect_error(f.finish(), StatusCode::kInvalidModel, "input and weights: expected rank 4");
  }
}

// No options table: strides default to 0, which cannot be resolved.
TEST(TfliteTransposeConv, RejectsMissingStrides) {
  const tflite::OpMapEntry* e = tflite::find_builtin(kTransposeConv);
  ASSERT_NE(e, nullptr);
  const tflite::OpContext ctx{kTransposeConv, 7, 0, nullptr, nullptr, 0};
  auto attrs = e->parse(ctx);
  ASSERT_TRUE(attrs.ok()) << attrs.status().message();
  Fixture f({1, 2, 2, 1}, {1, 3, 3, 1}, {1, 4, 4, 1}, ir::Padding::kSame, 2);
  f.node.attrs = *attrs;
  expect_error(f.finish(), StatusCode::kInvalidModel, "strides: expected >= 1, found 0 (height), 0 (width)");
}

}  // namespace
}  // namespace edgerun
