#include "convert/dequantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "convert/graph_edit.h"
#include "convert_test_util.h"

namespace edgerun::convert {
namespace {

using testing_convert::argmax;
using testing_convert::import_file;
using testing_convert::model_of;
using testing_convert::run_on_photo;
using testing_convert::sqnr_db;

// uint8 TF1 MobileNetV2 (no QUANTIZE nodes) and the int8 TF2 PTQ model (a
// float input QUANTIZE'd, a DEQUANTIZE'd float output): the float model
// classifies the photos as the quantized one does, every tensor float32.
TEST(Dequantize, MobileNetsBecomeFloatAndClassifyAlike) {
  struct Case {
    const char* file;
    int32_t nodes_removed;
  };
  for (const Case& c : {Case{"mobilenet_v2_1.0_224_quant.tflite", 0}, Case{"tf2_mobilenet_v2_1.0_224_ptq.tflite", 2}}) {
    SCOPED_TRACE(c.file);
    EDGERUN_REQUIRE_SHARED(path, std::string("models/") + c.file);
    EDGERUN_REQUIRE_SHARED(photo, "images/grace_hopper.bmp");
    auto quantized = import_file(path);
    auto floated = import_file(path);
    const size_t nodes = floated.model.graph.nodes.size();
    DequantizeReport r;
    ASSERT_TRUE(dequantize_model(floated.model, &r).ok());
    EXPECT_EQ(r.nodes_removed, c.nodes_removed);
    EXPECT_EQ(floated.model.graph.nodes.size(), nodes - static_cast<size_t>(c.nodes_removed));
    EXPECT_GT(r.constants, 100);
    for (const ir::Node& n : floated.model.graph.nodes) {
      for (int32_t id : n.inputs) {
        if (id == ir::kNoValue) continue;
        const ir::Value& v = floated.model.graph.values[static_cast<size_t>(id)];
        EXPECT_TRUE(v.info.quant.empty()) << v.info.name;
        EXPECT_TRUE(v.info.dtype == DType::kFloat32 || v.info.dtype == DType::kInt32) << v.info.name;
      }
    }
    const std::vector<float> q = run_on_photo(model_of(std::move(quantized.model)), photo);
    const std::vector<float> f = run_on_photo(model_of(std::move(floated.model)), photo);
    ASSERT_EQ(q.size(), f.size());
    EXPECT_EQ(argmax(q), argmax(f));
    EXPECT_GT(sqnr_db(q, f), 15.0);
  }
}

// A weight is scale * (q - zero_point) with its channel's scale.
TEST(Dequantize, WeightsAreScaleTimesQMinusZeroPoint) {
  EDGERUN_REQUIRE_SHARED(path, "models/tf2_mobilenet_v2_1.0_224_ptq.tflite");
  auto m = import_file(path);
  // The first conv's filter: int8, per channel along axis 0.
  int32_t filter = -1;
  for (const ir::Node& n : m.model.graph.nodes) {
    if (n.op == ir::OpType::kConv2D) {
      filter = n.inputs[1];
      break;
    }
  }
  ASSERT_GE(filter, 0);
  const ir::Value before = m.model.graph.values[static_cast<size_t>(filter)];
  ASSERT_EQ(before.info.dtype, DType::kInt8);
  ASSERT_TRUE(before.info.quant.per_channel());
  ASSERT_TRUE(dequantize_model(m.model).ok());
  const ir::Value& after = m.model.graph.values[static_cast<size_t>(filter)];
  ASSERT_EQ(after.info.dtype, DType::kFloat32);
  const int64_t per_channel = before.info.elements() / before.info.shape[0];
  for (int64_t i : {int64_t{0}, per_channel - 1, per_channel, before.info.elements() - 1}) {
    const auto c = static_cast<size_t>(i / per_channel);
    const float want = before.info.quant.scale[c] * static_cast<float>(static_cast<int8_t>(before.data[i]) -
                                                                       before.info.quant.zero_point[c]);
    float got;
    std::memcpy(&got, after.data + i * 4, 4);
    EXPECT_FLOAT_EQ(got, want) << i;
  }
}

// A graph whose output is only a DEQUANTIZE of its input has nothing left.
TEST(Dequantize, RefusesAnOutputThatIsOnlyAConversionOfTheInput) {
  io::ImportedModel m;
  TensorInfo q{"x", DType::kInt8, {1, 4}, {{0.5f}, {0}, 0}};
  TensorInfo f{"y", DType::kFloat32, {1, 4}, {}};
  const int32_t x = add_activation(m, q), y = add_activation(m, f);
  m.graph.nodes.push_back({ir::OpType::kDequantize, {x}, {y}, {}, 0});
  m.graph.inputs = {x};
  m.graph.outputs = {y};
  const Status st = dequantize_model(m);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("nothing left to compute"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace edgerun::convert

namespace edgerun::convert {
namespace {

// Dead-node removal keeps what the outputs need, in order, and drops the rest,
// a chain of dead nodes included.
TEST(RemoveDeadNodes, KeepsWhatTheOutputsNeed) {
  io::ImportedModel m;
  auto act = [&](const char* name) { return add_activation(m, {name, DType::kFloat32, {1, 4}, {}}); };
  const int32_t x = act("x"), a = act("a"), b = act("b"), c = act("c"), d = act("d");
  m.graph.nodes.push_back({ir::OpType::kAdd, {x, x}, {a}, ir::ElementwiseAttrs{}, 0});  // live
  m.graph.nodes.push_back({ir::OpType::kAdd, {a, x}, {b}, ir::ElementwiseAttrs{}, 1});  // dead
  m.graph.nodes.push_back({ir::OpType::kAdd, {b, b}, {c}, ir::ElementwiseAttrs{}, 2});  // dead (reads b only)
  m.graph.nodes.push_back({ir::OpType::kAdd, {a, a}, {d}, ir::ElementwiseAttrs{}, 3});  // live
  m.graph.inputs = {x};
  m.graph.outputs = {d};
  EXPECT_EQ(remove_dead_nodes(m.graph), 2);
  ASSERT_EQ(m.graph.nodes.size(), 2u);
  EXPECT_EQ(m.graph.nodes[0].source_index, 0);
  EXPECT_EQ(m.graph.nodes[1].source_index, 3);
  EXPECT_EQ(remove_dead_nodes(m.graph), 0);
}

}  // namespace
}  // namespace edgerun::convert
