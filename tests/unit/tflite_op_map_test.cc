// The TFLite option parsers that turn constant input tensors into attrs
// (STRIDED_SLICE, SLICE, PADV2) and MIRROR_PAD / PAD, called through
// find_builtin on a hand-built graph and options table. Their numerical
// parity with LiteRT is in tests/goldens/ops/{strided_slice,slice,padv2,mirror_pad}.json.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "io/tflite/op_map.h"

namespace edgerun {
namespace {

namespace fb = tflite::fb;

// One operator under construction: its graph, node and options table.
class ParseFixture {
 public:
  int32_t activation(DType dtype, Shape shape, QuantParams quant = {}) {
    ir::Value v;
    v.info = TensorInfo{std::to_string(graph_.values.size()), dtype, std::move(shape), std::move(quant)};
    graph_.values.push_back(std::move(v));
    return static_cast<int32_t>(graph_.values.size() - 1);
  }
  template <typename T>
  int32_t constant(DType dtype, Shape shape, const std::vector<T>& data, QuantParams quant = {}) {
    const int32_t id = activation(dtype, std::move(shape), std::move(quant));
    buffers_.emplace_back(data.size() * sizeof(T));
    if (!data.empty()) std::memcpy(buffers_.back().data(), data.data(), buffers_.back().size());
    graph_.values[static_cast<size_t>(id)].data = buffers_.back().data();
    graph_.values[static_cast<size_t>(id)].data_bytes = buffers_.back().size();
    return id;
  }
  void io(std::vector<int32_t> inputs, int32_t output) {
    node_.inputs = std::move(inputs);
    node_.outputs = {output};
  }
  // An options table of the given union tag with these int32 / uint8 fields set.
  void options(uint8_t tag, const std::vector<std::pair<int, int32_t>>& i32,
               const std::vector<std::pair<int, uint8_t>>& u8 = {}) {
    flatbuffers::FlatBufferBuilder b;
    const auto start = b.StartTable();
    for (const auto& [id, v] : i32) b.AddElement<int32_t>(fb::field(id), v, 0);
    for (const auto& [id, v] : u8) b.AddElement<uint8_t>(fb::field(id), v, 0);
    b.Finish(flatbuffers::Offset<flatbuffers::Table>(b.EndTable(start)));
    options_.assign(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
    tag_ = tag;
  }

  Result<ir::Attrs> parse(int32_t builtin) {
    const tflite::OpMapEntry* e = tflite::find_builtin(builtin);
    if (e == nullptr) return Internal("builtin not mapped");
    node_.op = e->op;
    const fb::Table* table = options_.empty() ? nullptr : flatbuffers::GetRoot<fb::Table>(options_.data());
    const tflite::OpContext ctx{builtin, 3, tag_, table, options_.data(), options_.size(), &graph_, &node_};
    return e->parse(ctx);
  }

  const ir::Node& node() const { return node_; }

 private:
  ir::Graph graph_;
  ir::Node node_{};
  std::vector<std::vector<uint8_t>> buffers_;
  std::vector<uint8_t> options_;
  uint8_t tag_ = 0;
};

constexpr int32_t kStridedSlice = 45, kSlice = 65, kPad = 34, kPadV2 = 60, kMirrorPad = 100;
constexpr uint8_t kStridedSliceOptions = 32, kPadV2Options = 43, kSliceOptions = 48, kMirrorPadOptions = 77;

void expect_error(const Result<ir::Attrs>& r, StatusCode code, const std::string& fragment) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), code) << r.status().message();
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
}

// A [4,6] input, begin [-1, 3], end [2, 100], strides [-1, 2], begin_mask on
// dim 1, end_mask on dim 0: dim 0 runs 3, 2, 1, 0 (x[3::-1]), dim 1 runs 0, 2, 4 (x[::2]).
struct StridedSliceModel : ParseFixture {
  explicit StridedSliceModel(Shape out_shape = {4, 3}) {
    const int32_t x = activation(DType::kFloat32, {4, 6});
    io({x, constant<int32_t>(DType::kInt32, {2}, {-1, 3}), constant<int32_t>(DType::kInt32, {2}, {2, 100}),
        constant<int32_t>(DType::kInt32, {2}, {-1, 2})},
       activation(DType::kFloat32, std::move(out_shape)));
  }
};

TEST(TfliteOpMap, StridedSliceResolvesMasksAndNegativeIndices) {
  StridedSliceModel m;
  m.options(kStridedSliceOptions, {{0, 0b10}, {1, 0b01}});
  auto r = m.parse(kStridedSlice);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& a = std::get<ir::StridedSliceAttrs>(*r);
  EXPECT_EQ(a.begin, (std::vector<int32_t>{3, 0}));
  EXPECT_EQ(a.step, (std::vector<int32_t>{-1, 2}));
  EXPECT_EQ(a.shrink_mask, 0u);
  EXPECT_EQ(m.node().inputs.size(), 1u);  // begin / end / strides folded into the attrs
  EXPECT_EQ(m.node().op, ir::OpType::kStridedSlice);
}

TEST(TfliteOpMap, StridedSliceOutputShapeMustMatch) {
  StridedSliceModel m({4, 2});
  m.options(kStridedSliceOptions, {{0, 0b10}, {1, 0b01}});
  expect_error(m.parse(kStridedSlice), StatusCode::kInvalidModel,
               "STRIDED_SLICE (operator 3): output shape: expected [4,3] (begin / end / strides and the masks), "
               "found [4,2]");
}

TEST(TfliteOpMap, StridedSliceRejectsEllipsisNewAxisAndOffset) {
  for (int field : {2, 3}) {
    StridedSliceModel m;
    m.options(kStridedSliceOptions, {{field, 1}});
    expect_error(m.parse(kStridedSlice), StatusCode::kUnsupported,
                 field == 2 ? "ellipsis_mask 1 is not supported" : "new_axis_mask 1 is not supported");
  }
  StridedSliceModel m;
  m.options(kStridedSliceOptions, {}, {{5, 1}});
  expect_error(m.parse(kStridedSlice), StatusCode::kUnsupported, "offset 1 is not supported");
}

// begin / end / strides shorter than the rank: the remaining dims are whole.
TEST(TfliteOpMap, StridedSliceShortIndexVectors) {
  ParseFixture m;
  const int32_t x = m.activation(DType::kInt8, {2, 3, 4});
  m.io({x, m.constant<int32_t>(DType::kInt32, {1}, {1}), m.constant<int32_t>(DType::kInt32, {1}, {2}),
        m.constant<int32_t>(DType::kInt32, {1}, {1})},
       m.activation(DType::kInt8, {1, 3, 4}));
  auto r = m.parse(kStridedSlice);  // no options table at all: every mask 0
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& a = std::get<ir::StridedSliceAttrs>(*r);
  EXPECT_EQ(a.begin, (std::vector<int32_t>{1, 0, 0}));
  EXPECT_EQ(a.step, (std::vector<int32_t>{1, 1, 1}));
}

// shrink_axis_mask bit 0 with begin -1: x[-1] of a [3,4] input is row 2.
TEST(TfliteOpMap, StridedSliceShrinkAxis) {
  ParseFixture m;
  const int32_t x = m.activation(DType::kFloat32, {3, 4});
  m.io({x, m.constant<int32_t>(DType::kInt32, {2}, {-1, 0}), m.constant<int32_t>(DType::kInt32, {2}, {0, 4}),
        m.constant<int32_t>(DType::kInt32, {2}, {1, 1})},
       m.activation(DType::kFloat32, {4}));
  m.options(kStridedSliceOptions, {{4, 0b01}});
  auto r = m.parse(kStridedSlice);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& a = std::get<ir::StridedSliceAttrs>(*r);
  EXPECT_EQ(a.begin, (std::vector<int32_t>{2, 0}));
  EXPECT_EQ(a.shrink_mask, 1u);
}

TEST(TfliteOpMap, StridedSliceRejectsBackwardShrinkAndDynamicIndices) {
  ParseFixture m;
  const int32_t x = m.activation(DType::kFloat32, {3, 4});
  m.io({x, m.constant<int32_t>(DType::kInt32, {2}, {1, 0}), m.constant<int32_t>(DType::kInt32, {2}, {0, 4}),
        m.constant<int32_t>(DType::kInt32, {2}, {-1, 1})},
       m.activation(DType::kFloat32, {4}));
  m.options(kStridedSliceOptions, {{4, 0b01}});
  expect_error(m.parse(kStridedSlice), StatusCode::kInvalidModel, "shrink_axis_mask dim 0");

  ParseFixture d;
  const int32_t y = d.activation(DType::kFloat32, {3});
  d.io({y, d.activation(DType::kInt32, {1}), d.constant<int32_t>(DType::kInt32, {1}, {2}),
        d.constant<int32_t>(DType::kInt32, {1}, {1})},
       d.activation(DType::kFloat32, {2}));
  expect_error(d.parse(kStridedSlice), StatusCode::kUnsupported, "begin (input 1) must be a constant tensor");
}

TEST(TfliteOpMap, SliceSizeMinusOneRunsToTheEnd) {
  ParseFixture m;
  const int32_t x = m.activation(DType::kUInt8, {3, 5}, QuantParams{{0.5f}, {3}});
  m.io({x, m.constant<int64_t>(DType::kInt64, {2}, {1, 2}), m.constant<int64_t>(DType::kInt64, {2}, {-1, 2})},
       m.activation(DType::kUInt8, {2, 2}, QuantParams{{0.5f}, {3}}));
  m.options(kSliceOptions, {});
  auto r = m.parse(kSlice);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& a = std::get<ir::StridedSliceAttrs>(*r);
  EXPECT_EQ(a.begin, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(a.step, (std::vector<int32_t>{1, 1}));
  EXPECT_EQ(m.node().inputs.size(), 1u);
}

TEST(TfliteOpMap, SliceRejectsOutOfRange) {
  ParseFixture m;
  const int32_t x = m.activation(DType::kFloat32, {3, 5});
  m.io({x, m.constant<int32_t>(DType::kInt32, {2}, {0, 4}), m.constant<int32_t>(DType::kInt32, {2}, {1, 2})},
       m.activation(DType::kFloat32, {1, 2}));
  expect_error(m.parse(kSlice), StatusCode::kInvalidModel,
               "SLICE (operator 3): dim 1: begin 4 size 2 is outside the input dim's 5 elements");
}

TEST(TfliteOpMap, PadV2FloatValue) {
  ParseFixture m;
  const int32_t x = m.activation(DType::kFloat32, {2});
  m.io({x, m.constant<int32_t>(DType::kInt32, {1, 2}, {1, 1}), m.constant<float>(DType::kFloat32, {}, {2.5f})},
       m.activation(DType::kFloat32, {4}));
  m.options(kPadV2Options, {});
  auto r = m.parse(kPadV2);
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& a = std::get<ir::PadAttrs>(*r);
  EXPECT_EQ(a.mode, ir::PadMode::kConstant);
  EXPECT_EQ(a.constant_value, 2.5f);
  EXPECT_EQ(m.node().inputs.size(), 2u);  // the value folded into the attrs
  EXPECT_EQ(m.node().op, ir::OpType::kPad);
}

TEST(TfliteOpMap, PadV2WithoutValuePadsWithZero) {
  ParseFixture m;
  const int32_t x = m.activation(DType::kFloat32, {2});
  m.io({x, m.constant<int32_t>(DType::kInt32, {1, 2}, {1, 1}), ir::kNoValue}, m.activation(DType::kFloat32, {4}));
  auto r = m.parse(kPadV2);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(std::get<ir::PadAttrs>(*r).constant_value, 0.0f);
  EXPECT_EQ(m.node().inputs.size(), 2u);
}

// A quantized PADV2's value is a code of the input's quantization: the IR
// holds the real value it stands for, scale * (code - zero point).
TEST(TfliteOpMap, PadV2QuantizedValueIsItsRealValue) {
  const QuantParams qp{{0.5f}, {7}};
  for (uint8_t raw : {uint8_t{7}, uint8_t{9}, uint8_t{0}}) {
    ParseFixture m;
    const int32_t x = m.activation(DType::kUInt8, {2}, qp);
    m.io({x, m.constant<int32_t>(DType::kInt32, {1, 2}, {1, 1}),
          m.constant<uint8_t>(DType::kUInt8, {1}, {raw}, qp)},
         m.activation(DType::kUInt8, {4}, qp));
    auto r = m.parse(kPadV2);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(std::get<ir::PadAttrs>(*r).constant_value, 0.5f * (static_cast<float>(raw) - 7.0f));
  }
  ParseFixture m;
  const int32_t x = m.activation(DType::kInt8, {2}, qp);
  m.io({x, m.constant<int32_t>(DType::kInt32, {1, 2}, {1, 1}),
        m.constant<int8_t>(DType::kInt8, {1}, {7}, QuantParams{{0.25f}, {7}})},
       m.activation(DType::kInt8, {4}, qp));
  expect_error(m.parse(kPadV2), StatusCode::kInvalidModel, "constant value quantization: expected the input's");
}

TEST(TfliteOpMap, PadV2IntegerValues) {
  for (int32_t raw : {-7, 16777217}) {
    ParseFixture m;
    const int32_t x = m.activation(DType::kInt32, {2});
    m.io({x, m.constant<int32_t>(DType::kInt32, {1, 2}, {1, 1}), m.constant<int32_t>(DType::kInt32, {}, {raw})},
         m.activation(DType::kInt32, {4}));
    auto r = m.parse(kPadV2);
    if (raw == -7) {
      ASSERT_TRUE(r.ok()) << r.status().message();
      EXPECT_EQ(std::get<ir::PadAttrs>(*r).constant_value, -7.0f);
    } else {
      expect_error(r, StatusCode::kUnsupported, "constant value 16777217 is not supported");
    }
  }
}

// Each unsigned width read as its own type (65535 and 4e9 are negative as int16 / int32);
// uint64 values past INT64_MAX are refused rather than wrapped.
TEST(TfliteOpMap, PadV2UnsignedValues) {
  auto parse = [](DType dtype, auto value) {
    using T = decltype(value);
    ParseFixture m;
    const int32_t x = m.activation(dtype, {2});
    m.io({x, m.constant<int32_t>(DType::kInt32, {1, 2}, {1, 1}), m.constant<T>(dtype, {}, {value})},
         m.activation(dtype, {4}));
    return m.parse(kPadV2);
  };
  auto value_of = [](const Result<ir::Attrs>& r) {
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::get<ir::PadAttrs>(*r).constant_value : -1.0f;
  };
  EXPECT_EQ(value_of(parse(DType::kUInt16, uint16_t{65535})), 65535.0f);
  EXPECT_EQ(value_of(parse(DType::kUInt32, uint32_t{4000000000u})), 4000000000.0f);
  EXPECT_EQ(value_of(parse(DType::kUInt64, uint64_t{1} << 40)), 1099511627776.0f);
  expect_error(parse(DType::kUInt64, std::numeric_limits<uint64_t>::max()), StatusCode::kUnsupported,
               "constant value 18446744073709551615 is not supported (above 2^63 - 1)");
}

TEST(TfliteOpMap, MirrorPadModes) {
  for (uint8_t mode : {0, 1, 2}) {
    ParseFixture m;
    const int32_t x = m.activation(DType::kFloat32, {3});
    m.io({x, m.constant<int32_t>(DType::kInt32, {1, 2}, {1, 1})}, m.activation(DType::kFloat32, {5}));
    m.options(kMirrorPadOptions, {}, {{0, mode}});
    auto r = m.parse(kMirrorPad);
    if (mode == 2) {
      expect_error(r, StatusCode::kInvalidModel, "mode: expected REFLECT (0) or SYMMETRIC (1), found 2");
      continue;
    }
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(std::get<ir::PadAttrs>(*r).mode, mode == 0 ? ir::PadMode::kReflect : ir::PadMode::kSymmetric);
  }
}

// The IR's PAD crops on negative amounts; TFLite's PAD / PADV2 / MIRROR_PAD never do.
TEST(TfliteOpMap, PadsRejectNegativePaddings) {
  for (int32_t builtin : {kPad, kPadV2, kMirrorPad}) {
    ParseFixture m;
    const int32_t x = m.activation(DType::kFloat32, {3});
    m.io({x, m.constant<int32_t>(DType::kInt32, {1, 2}, {1, -1})}, m.activation(DType::kFloat32, {3}));
    expect_error(m.parse(builtin), StatusCode::kInvalidModel, "paddings element 1: expected >= 0, found -1");
  }
  ParseFixture m;
  const int32_t x = m.activation(DType::kFloat32, {3});
  m.io({x, m.constant<int32_t>(DType::kInt32, {1, 2}, {1, 0})}, m.activation(DType::kFloat32, {4}));
  auto r = m.parse(kPad);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(std::holds_alternative<std::monostate>(*r));  // PAD keeps no attrs: constant 0
}

// RELU_0_TO_1 is a CLAMP to [0, 1] (the writer's HARD_SIGMOID ends with it).
TEST(TfliteOpMap, Relu0To1IsAClamp) {
  ParseFixture m;
  m.io({m.activation(DType::kFloat32, {4})}, m.activation(DType::kFloat32, {4}));
  auto r = m.parse(tflite::fb::kRelu0To1);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(m.node().op, ir::OpType::kClamp);
  EXPECT_EQ(std::get<ir::ClampAttrs>(*r).min, 0.0f);
  EXPECT_EQ(std::get<ir::ClampAttrs>(*r).max, 1.0f);
}

TEST(TfliteOpMap, BatchMatMulAdjointsAndHybridRejected) {
  ParseFixture m;
  m.io({m.activation(DType::kFloat32, {2, 3, 4}), m.activation(DType::kFloat32, {2, 5, 4})},
       m.activation(DType::kFloat32, {2, 3, 5}));
  m.options(tflite::fb::kBatchMatMulOptions, {}, {{1, 1}});
  auto r = m.parse(tflite::fb::kBatchMatMul);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(m.node().op, ir::OpType::kBatchMatMul);
  EXPECT_FALSE(std::get<ir::BatchMatMulAttrs>(*r).adj_x);
  EXPECT_TRUE(std::get<ir::BatchMatMulAttrs>(*r).adj_y);
  m.options(tflite::fb::kBatchMatMulOptions, {}, {{2, 1}});
  expect_error(m.parse(tflite::fb::kBatchMatMul), StatusCode::kUnsupported, "asymmetric_quantize_inputs");
}

}  // namespace
}  // namespace edgerun
