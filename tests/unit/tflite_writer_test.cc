// The TFLite writer (src/io/tflite/writer): read → write → read gives the same
// graph, constants and metadata, and edgerun's outputs are the same bytes
// from the original and the written file; ONNX fixtures and one-op graphs
// convert and run to the same outputs; every graph TFLite cannot express,
// and every malformed one, gets a clear error. LiteRT's side of the check is
// tools/check_tflite_roundtrip.py (run by hand; see docs/convert.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "edgerun/edgerun.h"
#include "io/onnx/reader.h"
#include "io/tflite/reader.h"
#include "io/tflite/schema.h"
#include "io/tflite/writer.h"
#include "ops/op_tester.h"
#include "shared_data.h"
#include "vision/image.h"
#include "vision/preprocess.h"
#include "vision/resize.h"

namespace edgerun {
namespace {

using testdata::read_file_bytes;
using testing::OpTester;

::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

// ---- Graph comparison ----

std::string activation_text(ir::Activation a) { return std::to_string(static_cast<int>(a)); }
std::string pads_text(ir::Padding p, const ir::ExplicitPads& e) {
  return "padding " + std::to_string(static_cast<int>(p)) + " pads " + std::to_string(e.top) + "," +
         std::to_string(e.left) + "," + std::to_string(e.bottom) + "," + std::to_string(e.right);
}
template <typename T>
std::string list_text(const std::vector<T>& v) {
  std::ostringstream s;
  for (const T& x : v) s << x << ",";
  return s.str();
}

// Every field of a node's attributes, as text, so two nodes compare in one EXPECT_EQ.
std::string attrs_text(const ir::Attrs& attrs) {
  std::ostringstream s;
  s.precision(9);
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, std::monostate>) {
          s << "none";
        } else if constexpr (std::is_same_v<A, ir::Conv2DAttrs>) {
          s << "conv " << pads_text(a.padding, a.pads) << " s " << a.stride_h << "x" << a.stride_w << " d "
            << a.dilation_h << "x" << a.dilation_w << " act " << activation_text(a.activation);
        } else if constexpr (std::is_same_v<A, ir::DepthwiseConv2DAttrs>) {
          s << "dw " << pads_text(a.padding, a.pads) << " s " << a.stride_h << "x" << a.stride_w << " d "
            << a.dilation_h << "x" << a.dilation_w << " m " << a.depth_multiplier << " act "
            << activation_text(a.activation);
        } else if constexpr (std::is_same_v<A, ir::Pool2DAttrs>) {
          s << "pool " << pads_text(a.padding, a.pads) << " s " << a.stride_h << "x" << a.stride_w << " f "
            << a.filter_h << "x" << a.filter_w << " d " << a.dilation_h << "x" << a.dilation_w << " act "
            << activation_text(a.activation);
        } else if constexpr (std::is_same_v<A, ir::FullyConnectedAttrs>) {
          s << "fc act " << activation_text(a.activation) << " keep " << a.keep_num_dims;
        } else if constexpr (std::is_same_v<A, ir::ElementwiseAttrs> || std::is_same_v<A, ir::L2NormAttrs>) {
          s << "act " << activation_text(a.activation);
        } else if constexpr (std::is_same_v<A, ir::ConcatenationAttrs>) {
          s << "concat " << a.axis << " act " << activation_text(a.activation);
        } else if constexpr (std::is_same_v<A, ir::SoftmaxAttrs>) {
          s << "softmax " << a.beta;
        } else if constexpr (std::is_same_v<A, ir::ReduceAttrs>) {
          s << "reduce " << a.keep_dims;
        } else if constexpr (std::is_same_v<A, ir::SqueezeAttrs>) {
          s << "squeeze " << list_text(a.squeeze_dims);
        } else if constexpr (std::is_same_v<A, ir::HardSigmoidAttrs>) {
          s << "hsig " << a.alpha << " " << a.beta;
        } else if constexpr (std::is_same_v<A, ir::LocalResponseNormAttrs>) {
          s << "lrn " << a.radius_before << " " << a.radius_after << " " << a.bias << " " << a.alpha << " " << a.beta;
        } else if constexpr (std::is_same_v<A, ir::BatchMatMulAttrs>) {
          s << "bmm " << a.adj_x << a.adj_y;
        } else if constexpr (std::is_same_v<A, ir::LeakyReluAttrs>) {
          s << "leaky " << a.alpha;
        } else if constexpr (std::is_same_v<A, ir::ClampAttrs>) {
          s << "clamp " << a.min << " " << a.max;
        } else if constexpr (std::is_same_v<A, ir::StridedSliceAttrs>) {
          s << "slice " << list_text(a.begin) << " " << list_text(a.step) << " " << a.shrink_mask;
        } else if constexpr (std::is_same_v<A, ir::PadAttrs>) {
          s << "pad " << static_cast<int>(a.mode) << " " << a.constant_value;
        } else if constexpr (std::is_same_v<A, ir::ConvTransposeAttrs>) {
          s << "convt " << pads_text(a.padding, a.pads) << " s " << a.stride_h << "x" << a.stride_w << " d "
            << a.dilation_h << "x" << a.dilation_w << " g " << a.groups << " act " << activation_text(a.activation);
        } else if constexpr (std::is_same_v<A, ir::ResizeAttrs>) {
          s << "resize " << static_cast<int>(a.mode) << " " << static_cast<int>(a.coord) << " " << a.scale_h << " "
            << a.scale_w;
        } else if constexpr (std::is_same_v<A, ir::QuantizeAttrs>) {
          s << "quantize " << static_cast<int>(a.rounding) << " " << a.saturate;
        }
      },
      attrs);
  return s.str();
}

std::string value_text(const ir::Value& v) {
  const TensorInfo& t = v.info;
  return t.name + " " + dtype_name(t.dtype) + " " + shape_string(t.shape) + " q " + list_text(t.quant.scale) + "/" +
         list_text(t.quant.zero_point) + "/" + std::to_string(t.quant.per_channel() ? t.quant.axis : 0) +
         (v.is_constant() ? " constant" : "");
}

void expect_same_value(const ir::Graph& a, int32_t ia, const ir::Graph& b, int32_t ib, const std::string& where) {
  SCOPED_TRACE(where);
  ASSERT_EQ(ia == ir::kNoValue, ib == ir::kNoValue);
  if (ia == ir::kNoValue) return;
  const ir::Value& va = a.values[static_cast<size_t>(ia)];
  const ir::Value& vb = b.values[static_cast<size_t>(ib)];
  EXPECT_EQ(value_text(va), value_text(vb));
  if (va.is_constant() && vb.is_constant()) {
    ASSERT_EQ(va.data_bytes, vb.data_bytes);
    EXPECT_EQ(std::memcmp(va.data, vb.data, va.data_bytes), 0) << "constant bytes differ";
  }
}

// Same nodes (op, attrs, inputs and outputs value by value), same graph inputs and outputs.
void expect_same_graph(const ir::Graph& a, const ir::Graph& b) {
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const ir::Node& na = a.nodes[i];
    const ir::Node& nb = b.nodes[i];
    const std::string where = "node " + std::to_string(i) + " " + ir::op_name(na.op);
    ASSERT_EQ(na.op, nb.op) << where;
    EXPECT_EQ(attrs_text(na.attrs), attrs_text(nb.attrs)) << where;
    ASSERT_EQ(na.inputs.size(), nb.inputs.size()) << where;
    ASSERT_EQ(na.outputs.size(), nb.outputs.size()) << where;
    for (size_t k = 0; k < na.inputs.size(); ++k) {
      expect_same_value(a, na.inputs[k], b, nb.inputs[k], where + " input " + std::to_string(k));
    }
    for (size_t k = 0; k < na.outputs.size(); ++k) {
      expect_same_value(a, na.outputs[k], b, nb.outputs[k], where + " output " + std::to_string(k));
    }
  }
  ASSERT_EQ(a.inputs.size(), b.inputs.size());
  ASSERT_EQ(a.outputs.size(), b.outputs.size());
  for (size_t i = 0; i < a.inputs.size(); ++i) expect_same_value(a, a.inputs[i], b, b.inputs[i], "graph input");
  for (size_t i = 0; i < a.outputs.size(); ++i) expect_same_value(a, a.outputs[i], b, b.outputs[i], "graph output");
}

std::vector<std::string> op_names(const ir::Graph& g) {
  std::vector<std::string> names;
  for (const ir::Node& n : g.nodes) names.push_back(ir::op_name(n.op));
  return names;
}

// ---- Running ----

// Loads `bytes` in edgerun, fills input i with inputs[i] and returns every output's bytes.
std::vector<std::vector<uint8_t>> run_bytes(const std::vector<uint8_t>& bytes,
                                            const std::vector<std::vector<uint8_t>>& inputs) {
  auto model = Model::load_from_buffer(bytes.data(), bytes.size());
  EXPECT_TRUE(model.ok()) << model.status().message();
  if (!model.ok()) return {};
  auto session = Session::create(*model);
  EXPECT_TRUE(session.ok()) << session.status().message();
  if (!session.ok()) return {};
  EXPECT_EQ(inputs.size(), (*model)->input_count());
  for (size_t i = 0; i < inputs.size() && i < (*model)->input_count(); ++i) {
    EXPECT_EQ(inputs[i].size(), (*model)->input_info(i).bytes());
    std::memcpy(session->input_data(i), inputs[i].data(), std::min(inputs[i].size(), (*model)->input_info(i).bytes()));
  }
  const Status st = session->invoke();
  EXPECT_TRUE(st.ok()) << st.message();
  std::vector<std::vector<uint8_t>> outputs;
  for (size_t i = 0; i < (*model)->output_count(); ++i) {
    const auto* p = static_cast<const uint8_t*>(session->output_data(i));
    outputs.emplace_back(p, p + (*model)->output_info(i).bytes());
  }
  return outputs;
}

// Deterministic input bytes for a tensor: floats in [-2, 2), integers over their range.
std::vector<uint8_t> pattern_input(const TensorInfo& t, uint32_t seed) {
  std::vector<uint8_t> bytes(t.bytes());
  uint32_t x = seed * 2654435761u + 12345u;
  auto next = [&] { return x = x * 1664525u + 1013904223u; };
  if (t.dtype == DType::kFloat32) {
    for (size_t i = 0; i < bytes.size() / 4; ++i) {
      const float f = static_cast<float>(next() >> 8) / static_cast<float>(1 << 24) * 4.0f - 2.0f;
      std::memcpy(bytes.data() + 4 * i, &f, 4);
    }
  } else {
    for (uint8_t& b : bytes) b = static_cast<uint8_t>(next() >> 24);
  }
  return bytes;
}

struct Written {
  std::vector<uint8_t> bytes;
  io::ImportedModel model;  // its constants point into `bytes`
};

Written write_and_read(const ir::Graph& g, const ModelMetadata& md, const tflite::WriteOptions& o = {}) {
  Written w;
  auto bytes = tflite::write_model(g, md, o);
  EXPECT_TRUE(bytes.ok()) << bytes.status().message();
  if (!bytes.ok()) return w;
  w.bytes = std::move(bytes).value();
  auto m = tflite::import_model(w.bytes.data(), w.bytes.size());
  EXPECT_TRUE(m.ok()) << m.status().message();
  if (m.ok()) w.model = std::move(m).value();
  return w;
}

// ---- Every shared TFLite model ----

const char* kSharedModels[] = {
    "mobilenet_v1_0.25_128_quant.tflite",          "mobilenet_v1_0.5_160_quant.tflite",
    "mobilenet_v1_0.75_192_quant.tflite",          "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite",
    "mobilenet_v2_1.0_224_inat_bird_quant.tflite", "mobilenet_v2_1.0_224_quant.tflite",
    "tf2_mobilenet_v2_1.0_224_ptq.tflite",
};

class TfliteWriterRoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(TfliteWriterRoundTrip, SameGraphMetadataAndOutputs) {
  EDGERUN_REQUIRE_SHARED(path, std::string("models/") + GetParam());
  const std::vector<uint8_t> original = read_file_bytes(path);
  auto in = tflite::import_model(original.data(), original.size());
  ASSERT_TRUE(in.ok()) << in.status().message();
  ASSERT_TRUE(in->metadata_error.empty()) << in->metadata_error;
  tflite::WriteOptions o;
  o.description = in->description;
  const Written w = write_and_read(in->graph, in->metadata, o);
  ASSERT_FALSE(w.bytes.empty());

  expect_same_graph(in->graph, w.model.graph);
  EXPECT_EQ(w.model.description, in->description);
  EXPECT_TRUE(w.model.metadata_error.empty()) << w.model.metadata_error;
  EXPECT_EQ(w.model.metadata.name, in->metadata.name);
  EXPECT_EQ(w.model.metadata.mean, in->metadata.mean);
  EXPECT_EQ(w.model.metadata.std, in->metadata.std);
  EXPECT_EQ(w.model.metadata.labels, in->metadata.labels);

  // Every constant is used in place, 16-byte aligned in the file.
  for (const ir::Value& v : w.model.graph.values) {
    if (!v.is_constant()) continue;
    ASSERT_GE(v.data, w.bytes.data()) << v.info.name << " was copied: misaligned in the written file";
    ASSERT_LT(v.data, w.bytes.data() + w.bytes.size()) << v.info.name;
    EXPECT_EQ((v.data - w.bytes.data()) % 16, 0) << v.info.name;
  }
  // Writing is deterministic.
  auto again = tflite::write_model(in->graph, in->metadata, o);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again == w.bytes);

  // The same output bytes on photos, from both files.
  auto model = Model::load_from_buffer(original.data(), original.size());
  ASSERT_TRUE(model.ok()) << model.status().message();
  const TensorInfo& info = (*model)->input_info(0);
  for (const char* image_name : {"grace_hopper.bmp", "cat.bmp"}) {
    SCOPED_TRACE(image_name);
    EDGERUN_REQUIRE_SHARED(image_path, std::string("images/") + image_name);
    auto image = vision::decode_image_file(image_path);
    ASSERT_TRUE(image.ok()) << image.status().message();
    const vision::Image resized = vision::resize(*image, info.shape[2], info.shape[1], vision::ResizeMethod::kNearest);
    std::vector<uint8_t> input(info.bytes());
    ASSERT_TRUE(vision::fill_input(resized, info, std::nullopt, input.data()).ok());
    const auto want = run_bytes(original, {input});
    const auto got = run_bytes(w.bytes, {input});
    ASSERT_EQ(want.size(), 1u);
    EXPECT_TRUE(got == want) << "outputs differ between the original and the written model";
  }
}

// Per-channel models repeat the same all-zero zero points in every layer: the
// writer stores each distinct quantization vector once and the tensors share
// it, which TFLite's flatbuffers allow (the round trip above checks that the
// shared vectors read back per tensor).
TEST(TfliteWriter, EqualQuantizationVectorsAreStoredOnce) {
  EDGERUN_REQUIRE_SHARED(path, "models/tf2_mobilenet_v2_1.0_224_ptq.tflite");
  const std::vector<uint8_t> original = read_file_bytes(path);
  auto in = tflite::import_model(original.data(), original.size());
  ASSERT_TRUE(in.ok()) << in.status().message();
  const Written w = write_and_read(in->graph, in->metadata);
  ASSERT_FALSE(w.bytes.empty());
  const auto* model = flatbuffers::GetRoot<tflite::fb::Model>(w.bytes.data());
  std::set<const void*> zero_points;
  size_t quantized = 0, zero_point_entries = 0;
  for (const tflite::fb::Tensor* t : *model->subgraphs()->Get(0)->tensors()) {
    const tflite::fb::QuantizationParameters* q = t->quantization();
    if (q == nullptr || q->zero_point() == nullptr || q->zero_point()->size() == 0) continue;
    ++quantized;
    zero_point_entries += q->zero_point()->size();
    zero_points.insert(q->zero_point());
  }
  ASSERT_GT(quantized, 100u);
  // Distinct zero-point vectors: one per distinct (length, values), far fewer than tensors.
  std::set<std::vector<int64_t>> distinct;
  for (const ir::Value& v : in->graph.values) {
    if (!v.info.quant.zero_point.empty()) distinct.insert(v.info.quant.zero_point);
  }
  EXPECT_EQ(zero_points.size(), distinct.size());
  EXPECT_LT(zero_points.size() * 4, quantized);
  EXPECT_GT(zero_point_entries, 10000u);  // per-channel: the sharing saves ~8 bytes each
}

INSTANTIATE_TEST_SUITE_P(SharedModels, TfliteWriterRoundTrip, ::testing::ValuesIn(kSharedModels),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           name = name.substr(0, name.find(".tflite"));
                           for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST(TfliteWriter, MetadataReplacedAndAddedSurvives) {
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite");
  const std::vector<uint8_t> original = read_file_bytes(path);
  auto in = tflite::import_model(original.data(), original.size());
  ASSERT_TRUE(in.ok()) << in.status().message();
  ModelMetadata md;  // the extractor has none; give it some, labels with an empty one and spaces inside
  md.name = "extractor";
  md.mean = {123.675f, 116.28f, 103.53f};
  md.std = {58.395f, 57.12f, 57.375f};
  md.labels = {"zero", "", "two words", "ünïcode"};
  tflite::WriteOptions o;
  o.labels_file_name = "classes.txt";
  const Written w = write_and_read(in->graph, md, o);
  ASSERT_TRUE(w.model.metadata_error.empty()) << w.model.metadata_error;
  EXPECT_EQ(w.model.metadata.name, md.name);
  EXPECT_EQ(w.model.metadata.mean, md.mean);
  EXPECT_EQ(w.model.metadata.std, md.std);
  EXPECT_EQ(w.model.metadata.labels, md.labels);
  EXPECT_TRUE(w.model.description.empty());
}

// ---- ONNX ----

const std::string kFixtures = std::string(EDGERUN_SOURCE_DIR) + "/tests/goldens/onnx/fixtures/";
const std::string kExports = std::string(EDGERUN_SOURCE_DIR) + "/models/onnx/";

// The ONNX file and its TFLite conversion give edgerun the same output bytes
// on two deterministic inputs; returns the converted graph's op names.
std::vector<std::string> expect_onnx_converts_exactly(const std::string& path) {
  SCOPED_TRACE(path);
  const std::vector<uint8_t> onnx_bytes = read_file_bytes(path);
  EXPECT_FALSE(onnx_bytes.empty());
  auto in = onnx::import_model(onnx_bytes.data(), onnx_bytes.size());
  EXPECT_TRUE(in.ok()) << in.status().message();
  if (!in.ok()) return {};
  const Written w = write_and_read(in->graph, in->metadata);
  if (w.bytes.empty()) return {};
  for (uint32_t seed : {1u, 2u}) {
    std::vector<std::vector<uint8_t>> inputs;
    for (int32_t id : in->graph.inputs) inputs.push_back(pattern_input(in->graph.values[id].info, seed));
    const auto want = run_bytes(onnx_bytes, inputs);
    const auto got = run_bytes(w.bytes, inputs);
    EXPECT_FALSE(want.empty());
    EXPECT_TRUE(got == want) << "outputs differ between the ONNX model and its conversion (seed " << seed << ")";
  }
  return op_names(w.model.graph);
}

TEST(TfliteWriter, OnnxFixturesConvertExactly) {
  for (const char* name : {"broadcast_and_hard", "conv_paths", "pools_and_flatten", "qdq_float"}) {
    const std::vector<std::string> ops = expect_onnx_converts_exactly(kFixtures + name + ".onnx");
    if (std::string(name) == "broadcast_and_hard") {
      // HARD_SIGMOID became MUL, ADD, RELU_0_TO_1 (read back as CLAMP).
      EXPECT_EQ(std::count(ops.begin(), ops.end(), "HARD_SIGMOID"), 0);
      EXPECT_EQ(std::count(ops.begin(), ops.end(), "CLAMP"), 1);
    }
  }
}

// ONNX's QuantizeLinear rounds half to even; TFLite's QUANTIZE cannot.
TEST(TfliteWriter, OnnxQuantizeLinearIsRefused) {
  for (const char* name : {"qdq_int8", "qlinear_u8u8", "qlinear_s8s8", "qlinear_u8s8", "pools_3d"}) {
    SCOPED_TRACE(name);
    const std::vector<uint8_t> bytes = read_file_bytes(kFixtures + name + ".onnx");
    auto in = onnx::import_model(bytes.data(), bytes.size());
    ASSERT_TRUE(in.ok()) << in.status().message();
    auto w = tflite::write_model(in->graph, in->metadata);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.status().code(), StatusCode::kUnsupported);
    EXPECT_TRUE(Contains(w.status().message(), "(QUANTIZE, source operator "));
    EXPECT_TRUE(Contains(w.status().message(),
                         "rounding half to even (ONNX QuantizeLinear) cannot be written as TFLite (TFLite's QUANTIZE "
                         "rounds half away from zero)"));
  }
}

// The torchvision exports (tools/export_torchvision_onnx.py), when present.
TEST(TfliteWriter, TorchvisionExportsConvertExactly) {
  int found = 0;
  for (const char* name : {"mobilenet_v2", "mobilenet_v3_small", "resnet18", "efficientnet_b0"}) {
    const std::string path = kExports + name + ".onnx";
    if (!std::filesystem::exists(path)) continue;
    ++found;
    expect_onnx_converts_exactly(path);
  }
  if (found == 0) GTEST_SKIP() << "no torchvision exports in " << kExports;
}

// ---- One-op graphs ----

// The one-node graph of `t`: its non-constant inputs are the graph's inputs.
ir::Graph graph_of(OpTester& t) {
  ir::Graph g = t.graph();
  g.nodes.push_back(t.node());
  for (int32_t id : t.node().inputs) {
    if (id != ir::kNoValue && !g.values[static_cast<size_t>(id)].is_constant()) g.inputs.push_back(id);
  }
  g.outputs = t.node().outputs;
  return g;
}

// Runs the op with OpTester and its written file with edgerun on the same
// inputs (`inputs`, one per non-constant input): output 0 must be the same
// bytes. Returns the written graph's op names as read back.
template <typename T>
std::vector<std::string> expect_written_op_matches(OpTester& t, const std::vector<std::vector<T>>& inputs) {
  const Status ran = t.run();
  EXPECT_TRUE(ran.ok()) << ran.message();
  if (!ran.ok()) return {};
  const ir::Graph g = graph_of(t);
  const Written w = write_and_read(g, {});
  if (w.bytes.empty()) return {};
  std::vector<std::vector<uint8_t>> in_bytes;
  for (const auto& v : inputs) {
    in_bytes.emplace_back(v.size() * sizeof(T));
    std::memcpy(in_bytes.back().data(), v.data(), in_bytes.back().size());
  }
  const auto got = run_bytes(w.bytes, in_bytes);
  EXPECT_EQ(got.size(), 1u);
  if (got.size() != 1) return {};
  const std::vector<T> want = t.template result<T>(0);
  std::vector<T> have(want.size());
  EXPECT_EQ(got[0].size(), want.size() * sizeof(T));
  if (got[0].size() == want.size() * sizeof(T)) std::memcpy(have.data(), got[0].data(), got[0].size());
  EXPECT_EQ(std::memcmp(have.data(), want.data(), want.size() * sizeof(T)), 0) << "outputs differ";
  return op_names(w.model.graph);
}

std::vector<float> ramp(size_t n, float start, float step) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + step * static_cast<float>(i);
  return v;
}

Status write_error(OpTester& t) {
  auto w = tflite::write_model(graph_of(t), {});
  return w.ok() ? Status::Ok() : w.status();
}

void expect_unwritable(OpTester& t, const std::string& fragment) {
  const Status st = write_error(t);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kUnsupported) << st.message();
  EXPECT_TRUE(Contains(st.message(), "node 0 (" + std::string(ir::op_name(t.node().op))));
  EXPECT_TRUE(Contains(st.message(), fragment));
}

// ONNX's stride-2 conv with pads 1 all round: not TFLite's SAME (which pads
// only the bottom / right here), so a PAD then a VALID conv.
TEST(TfliteWriter, ConvExplicitPadsBecomePadThenValid) {
  ir::Conv2DAttrs a;
  a.padding = ir::Padding::kExplicit;
  a.pads = {1, 1, 1, 1};
  a.stride_h = a.stride_w = 2;
  OpTester t(ir::OpType::kConv2D, a);
  const auto x = ramp(1 * 6 * 6 * 2, -1.0f, 0.03f);
  t.input<float>({1, 6, 6, 2}, x);
  t.constant<float>({3, 3, 3, 2}, ramp(54, -0.5f, 0.02f));
  t.constant<float>({3}, {0.1f, -0.2f, 0.3f});
  t.output({1, 3, 3, 3}, DType::kFloat32);
  EXPECT_EQ(expect_written_op_matches<float>(t, {x}), (std::vector<std::string>{"PAD", "CONV_2D"}));
}

// Explicit pads that select SAME's windows are written as SAME: no PAD.
TEST(TfliteWriter, ConvExplicitPadsEqualToSameStaySame) {
  ir::DepthwiseConv2DAttrs a;
  a.padding = ir::Padding::kExplicit;
  a.pads = {1, 1, 1, 1};
  OpTester t(ir::OpType::kDepthwiseConv2D, a);
  const auto x = ramp(1 * 5 * 5 * 3, -1.0f, 0.02f);
  t.input<float>({1, 5, 5, 3}, x);
  t.constant<float>({1, 3, 3, 3}, ramp(27, -0.5f, 0.04f));
  t.constant<float>({3}, {0.0f, 0.5f, -0.5f});
  t.output({1, 5, 5, 3}, DType::kFloat32);
  EXPECT_EQ(expect_written_op_matches<float>(t, {x}), (std::vector<std::string>{"DEPTHWISE_CONV_2D"}));
  const Written w = write_and_read(graph_of(t), {});
  EXPECT_EQ(std::get<ir::DepthwiseConv2DAttrs>(w.model.graph.nodes[0].attrs).padding, ir::Padding::kSame);
}

// A quantized conv's PAD pads with the zero point.
TEST(TfliteWriter, QuantizedConvExplicitPads) {
  ir::Conv2DAttrs a;
  a.padding = ir::Padding::kExplicit;
  a.pads = {2, 0, 1, 1};
  OpTester t(ir::OpType::kConv2D, a);
  std::vector<uint8_t> x(1 * 4 * 4 * 2);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<uint8_t>(37 * i + 11);
  t.input<uint8_t>({1, 4, 4, 2}, x, QuantParams{{0.05f}, {128}, 0});
  std::vector<uint8_t> w(2 * 3 * 3 * 2);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<uint8_t>(90 + 7 * i);
  t.constant<uint8_t>({2, 3, 3, 2}, w, QuantParams{{0.02f}, {120}, 0});
  t.constant<int32_t>({2}, {100, -50}, QuantParams{{0.001f}, {0}, 0});
  t.output({1, 5, 3, 2}, DType::kUInt8, QuantParams{{0.1f}, {100}, 0});
  EXPECT_EQ(expect_written_op_matches<uint8_t>(t, {x}), (std::vector<std::string>{"PAD", "CONV_2D"}));
}

// A float max pool's pads that are not SAME: PADV2 with -inf, then VALID.
TEST(TfliteWriter, FloatMaxPoolExplicitPadsBecomePadV2) {
  ir::Pool2DAttrs a;
  a.padding = ir::Padding::kExplicit;
  a.pads = {1, 1, 1, 1};
  a.filter_h = a.filter_w = 3;
  a.stride_h = a.stride_w = 2;
  OpTester t(ir::OpType::kMaxPool2D, a);
  const auto x = ramp(1 * 6 * 6 * 2, -3.0f, -0.01f);  // all negative: a zero pad would win
  t.input<float>({1, 6, 6, 2}, x);
  t.output({1, 3, 3, 2}, DType::kFloat32);
  EXPECT_EQ(expect_written_op_matches<float>(t, {x}), (std::vector<std::string>{"PAD", "MAX_POOL_2D"}));
}

// The same for an int8 / uint8 max pool: PADV2 with the lowest code.
TEST(TfliteWriter, QuantizedMaxPoolExplicitPadsBecomePadV2) {
  ir::Pool2DAttrs a;
  a.padding = ir::Padding::kExplicit;
  a.pads = {1, 1, 1, 1};
  a.filter_h = a.filter_w = 3;
  a.stride_h = a.stride_w = 2;
  std::vector<int8_t> x(1 * 6 * 6 * 2);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<int8_t>(-127 + static_cast<int>(i) % 7);  // below zp
  OpTester t(ir::OpType::kMaxPool2D, a);
  t.input<int8_t>({1, 6, 6, 2}, x, QuantParams{{0.1f}, {5}, 0});
  t.output({1, 3, 3, 2}, DType::kInt8, QuantParams{{0.1f}, {5}, 0});
  EXPECT_EQ(expect_written_op_matches<int8_t>(t, {x}), (std::vector<std::string>{"PAD", "MAX_POOL_2D"}));
  std::vector<uint8_t> u(1 * 6 * 6 * 2);
  for (size_t i = 0; i < u.size(); ++i) u[i] = static_cast<uint8_t>(1 + i % 5);
  OpTester v(ir::OpType::kMaxPool2D, a);
  v.input<uint8_t>({1, 6, 6, 2}, u, QuantParams{{0.1f}, {128}, 0});
  v.output({1, 3, 3, 2}, DType::kUInt8, QuantParams{{0.1f}, {128}, 0});
  EXPECT_EQ(expect_written_op_matches<uint8_t>(v, {u}), (std::vector<std::string>{"PAD", "MAX_POOL_2D"}));
}

TEST(TfliteWriter, HardSigmoidBecomesMulAddRelu0To1) {
  OpTester t(ir::OpType::kHardSigmoid, ir::HardSigmoidAttrs{1.0f / 6.0f, 0.5f});
  auto x = ramp(64, -4.0f, 0.13f);
  x.push_back(3.0f), x.push_back(-3.0f), x.push_back(std::numeric_limits<float>::infinity());
  x.push_back(-0.0f), x.push_back(1e30f);
  t.input<float>({static_cast<int32_t>(x.size())}, x);
  t.output({static_cast<int32_t>(x.size())}, DType::kFloat32);
  EXPECT_EQ(expect_written_op_matches<float>(t, {x}), (std::vector<std::string>{"MUL", "ADD", "CLAMP"}));
}

TEST(TfliteWriter, StridedSliceBackwardsToZeroAndShrink) {
  // x[3::-2, 1, 1:4] of a [4, 3, 5] tensor: dim 0 reads 3, 1 (then would reach -1), dim 1 shrinks.
  ir::StridedSliceAttrs a;
  a.begin = {3, 1, 1};
  a.step = {-2, 1, 1};
  a.shrink_mask = 0b010;
  OpTester t(ir::OpType::kStridedSlice, a);
  const auto x = ramp(60, 0.0f, 1.0f);
  t.input<float>({4, 3, 5}, x);
  t.output({2, 3}, DType::kFloat32);
  EXPECT_EQ(expect_written_op_matches<float>(t, {x}), (std::vector<std::string>{"STRIDED_SLICE"}));
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{51, 52, 53, 21, 22, 23}));
}

TEST(TfliteWriter, PadModes) {
  const auto x = ramp(12, 1.0f, 1.0f);
  for (ir::PadMode mode : {ir::PadMode::kConstant, ir::PadMode::kReflect, ir::PadMode::kSymmetric}) {
    SCOPED_TRACE(static_cast<int>(mode));
    OpTester t(ir::OpType::kPad, ir::PadAttrs{mode, mode == ir::PadMode::kConstant ? -2.5f : 0.0f});
    t.input<float>({3, 4}, x);
    t.constant<int64_t>({2, 2}, {1, 2, 0, 1});  // int64 paddings (ONNX) are written as int32
    t.output({6, 5}, DType::kFloat32);
    EXPECT_EQ(expect_written_op_matches<float>(t, {x}), (std::vector<std::string>{"PAD"}));
  }
  OpTester edge(ir::OpType::kPad, ir::PadAttrs{ir::PadMode::kEdge, 0.0f});
  edge.input<float>({3, 4}, x);
  edge.constant<int32_t>({2, 2}, {1, 1, 1, 1});
  edge.output({5, 6}, DType::kFloat32);
  expect_unwritable(edge, "pad mode edge cannot be written as TFLite");
  OpTester crop(ir::OpType::kPad, ir::PadAttrs{});
  crop.input<float>({3, 4}, x);
  crop.constant<int32_t>({2, 2}, {0, -1, 0, 0});
  crop.output({2, 4}, DType::kFloat32);
  expect_unwritable(crop, "negative pads (cropping) cannot be written as TFLite");
}

TEST(TfliteWriter, ResizeBilinearModes) {
  const auto x = ramp(1 * 3 * 4 * 2, -1.0f, 0.1f);
  for (ir::ResizeCoord coord : {ir::ResizeCoord::kHalfPixel, ir::ResizeCoord::kAlignCorners,
                                ir::ResizeCoord::kAsymmetric, ir::ResizeCoord::kPytorchHalfPixel}) {
    SCOPED_TRACE(static_cast<int>(coord));
    ir::ResizeAttrs a;
    a.mode = ir::ResizeMode::kLinear;
    a.coord = coord;
    OpTester t(ir::OpType::kResize, a);
    t.input<float>({1, 3, 4, 2}, x);
    t.output({1, 5, 7, 2}, DType::kFloat32);
    EXPECT_EQ(expect_written_op_matches<float>(t, {x}), (std::vector<std::string>{"RESIZE"}));
  }
  ir::ResizeAttrs nearest;
  OpTester t(ir::OpType::kResize, nearest);
  t.input<float>({1, 3, 4, 2}, x);
  t.output({1, 6, 8, 2}, DType::kFloat32);
  expect_unwritable(t, "nearest RESIZE cannot be written as TFLite");
  ir::ResizeAttrs scaled;
  scaled.mode = ir::ResizeMode::kLinear;
  scaled.scale_h = scaled.scale_w = 1.5;  // ONNX scales whose floor gave 4 / 6 rows
  OpTester s(ir::OpType::kResize, scaled);
  s.input<float>({1, 3, 4, 2}, x);
  s.output({1, 4, 6, 2}, DType::kFloat32);
  expect_unwritable(s, "that differ from output / input size");
}

TEST(TfliteWriter, ConvTransposeSameAndValidPads) {
  const auto x = ramp(1 * 3 * 3 * 2, -1.0f, 0.1f);
  // Output 6x6 with stride 2, 3x3 filter: TFLite's SAME gives pads top 0, bottom 1; VALID
  // (output 7x7) gives none.
  for (const auto& [out, pads] :
       std::vector<std::pair<int32_t, ir::ExplicitPads>>{{6, {0, 0, 1, 1}}, {7, {0, 0, 0, 0}}}) {
    ir::ConvTransposeAttrs a;
    a.pads = pads;
    a.stride_h = a.stride_w = 2;
    OpTester t(ir::OpType::kConvTranspose, a);
    t.input<float>({1, 3, 3, 2}, x);
    t.constant<float>({4, 3, 3, 2}, ramp(72, -0.3f, 0.01f));
    t.constant<float>({4}, {0.1f, 0.2f, 0.3f, 0.4f});
    t.output({1, out, out, 4}, DType::kFloat32);
    EXPECT_EQ(expect_written_op_matches<float>(t, {x}), (std::vector<std::string>{"CONV_TRANSPOSE"}));
  }
  // Output 5x5 takes pads 2 in all: SAME puts 1 on each side, VALID 2 at the end, nothing 2 at the start.
  ir::ConvTransposeAttrs a;
  a.pads = {2, 2, 0, 0};
  a.stride_h = a.stride_w = 2;
  OpTester t(ir::OpType::kConvTranspose, a);
  t.input<float>({1, 3, 3, 2}, x);
  t.constant<float>({4, 3, 3, 2}, ramp(72, -0.3f, 0.01f));
  t.output({1, 5, 5, 4}, DType::kFloat32);
  expect_unwritable(t, "explicit pads (top 2, left 2, bottom 0, right 0) cannot be written as TFLite");
}

TEST(TfliteWriter, BatchMatMulLeakyReluLrnAndClamps) {
  {
    OpTester t(ir::OpType::kBatchMatMul, ir::BatchMatMulAttrs{false, true});
    const auto a = ramp(2 * 3 * 4, -1.0f, 0.1f), b = ramp(2 * 5 * 4, 1.0f, -0.05f);
    t.input<float>({2, 3, 4}, a);
    t.input<float>({2, 5, 4}, b);
    t.output({2, 3, 5}, DType::kFloat32);
    EXPECT_EQ(expect_written_op_matches<float>(t, {a, b}), (std::vector<std::string>{"BATCH_MATMUL"}));
  }
  const auto x = ramp(40, -2.0f, 0.1f);
  {
    OpTester t(ir::OpType::kLeakyRelu, ir::LeakyReluAttrs{0.2f});
    t.input<float>({40}, x);
    t.output({40}, DType::kFloat32);
    EXPECT_EQ(expect_written_op_matches<float>(t, {x}), (std::vector<std::string>{"LEAKY_RELU"}));
  }
  {
    OpTester t(ir::OpType::kLocalResponseNorm, ir::LocalResponseNormAttrs{2, 2, 1.0f, 0.001f, 0.75f});
    t.input<float>({1, 2, 2, 10}, x);
    t.output({1, 2, 2, 10}, DType::kFloat32);
    EXPECT_EQ(expect_written_op_matches<float>(t, {x}), (std::vector<std::string>{"LOCAL_RESPONSE_NORMALIZATION"}));
  }
  const float inf = std::numeric_limits<float>::infinity();
  for (const auto& [lo, hi] :
       std::vector<std::pair<float, float>>{{0.0f, inf}, {0.0f, 6.0f}, {-1.0f, 1.0f}, {0.0f, 1.0f}}) {
    OpTester t(ir::OpType::kClamp, ir::ClampAttrs{lo, hi});
    t.input<float>({40}, x);
    t.output({40}, DType::kFloat32);
    EXPECT_EQ(expect_written_op_matches<float>(t, {x}), (std::vector<std::string>{"CLAMP"}));
  }
}

// ---- What TFLite cannot express: one error each ----

TEST(TfliteWriter, RefusesPoolsTfliteCannotExpress) {
  {
    ir::Pool2DAttrs a;
    a.padding = ir::Padding::kExplicit;
    a.pads = {1, 1, 1, 1};
    a.filter_h = a.filter_w = 3;
    a.stride_h = a.stride_w = 2;
    OpTester t(ir::OpType::kAveragePool2D, a);
    t.input<float>({1, 6, 6, 1}, ramp(36, 0.0f, 1.0f));
    t.output({1, 3, 3, 1}, DType::kFloat32);
    expect_unwritable(t, "explicit pads (top 1, left 1, bottom 1, right 1) cannot be written as TFLite");
    expect_unwritable(t, "would count the pads in the average");
  }
  {
    ir::Pool2DAttrs a;
    a.filter_h = a.filter_w = 2;
    a.dilation_h = a.dilation_w = 2;
    a.padding = ir::Padding::kValid;
    OpTester t(ir::OpType::kMaxPool2D, a);
    t.input<float>({1, 5, 5, 1}, ramp(25, 0.0f, 1.0f));
    t.output({1, 3, 3, 1}, DType::kFloat32);
    expect_unwritable(t, "dilation 2x2 cannot be written as TFLite (Pool2DOptions has no dilation)");
  }
  {
    ir::Pool2DAttrs a;
    a.filter_h = a.filter_w = 2;
    a.stride_h = a.stride_w = 2;
    a.padding = ir::Padding::kValid;
    OpTester t(ir::OpType::kMaxPool2D, a);
    t.input<float>({1, 4, 4, 1}, ramp(16, 0.0f, 1.0f));
    t.output({1, 2, 2, 1}, DType::kFloat32);
    t.output({1, 2, 2, 1}, DType::kInt64);
    expect_unwritable(t, "the indices output (ONNX MaxPool's Indices) cannot be written as TFLite");
  }
}

TEST(TfliteWriter, RefusesOtherOnnxOnlyFeatures) {
  const auto x = ramp(40, -2.0f, 0.1f);
  {
    OpTester t(ir::OpType::kClamp, ir::ClampAttrs{-0.5f, 2.0f});
    t.input<float>({40}, x);
    t.output({40}, DType::kFloat32);
    expect_unwritable(t, "CLAMP to [-0.500000, 2.000000] cannot be written as TFLite");
  }
  {
    OpTester t(ir::OpType::kLocalResponseNorm, ir::LocalResponseNormAttrs{1, 2, 1.0f, 0.001f, 0.75f});
    t.input<float>({1, 2, 2, 10}, x);
    t.output({1, 2, 2, 10}, DType::kFloat32);
    expect_unwritable(t, "(ONNX LRN with an even size) cannot be written as TFLite");
  }
  {
    OpTester t(ir::OpType::kQuantize, ir::QuantizeAttrs{ir::QuantizeRounding::kHalfToEven, true});
    t.input<float>({40}, x);
    t.output({40}, DType::kInt8, QuantParams{{0.1f}, {0}, 0});
    expect_unwritable(t, "rounding half to even (ONNX QuantizeLinear) cannot be written as TFLite");
  }
  {
    OpTester t(ir::OpType::kHardSigmoid, ir::HardSigmoidAttrs{});
    t.input<int32_t>({4}, {1, 2, 3, 4});
    t.output({4}, DType::kInt32);
    expect_unwritable(t, "HARD_SIGMOID on int32 cannot be written as TFLite");
  }
  {
    OpTester t(ir::OpType::kLogistic);
    t.input_bytes({2}, DType::kFloat16, {0, 0x3C, 0, 0x40});
    t.output({2}, DType::kFloat16);
    expect_unwritable(t, "float16 input 0 cannot be written as TFLite (only DEQUANTIZE reads float16)");
  }
  {
    OpTester t(ir::OpType::kDequantize);
    t.input<int8_t>({2}, {1, 2}, QuantParams{{0.5f}, {0}, 0});
    t.output({2}, DType::kFloat16);
    expect_unwritable(t, "float16 output 0 cannot be written as TFLite (TFLite's ops write no float16)");
  }
  {
    OpTester t(ir::OpType::kLogistic);
    t.input_bytes({2}, DType::kFloat8E4M3FN, {0x38, 0x40});
    t.output({2}, DType::kFloat8E4M3FN);
    const Status st = write_error(t);
    EXPECT_EQ(st.code(), StatusCode::kUnsupported);
    EXPECT_TRUE(Contains(st.message(), "dtype float8e4m3fn cannot be written as TFLite by edgerun"));
  }
}

// ---- Malformed graphs: one error each ----

struct Tiny {  // x [4] -> LOGISTIC -> y [4]
  ir::Graph g;
  Tiny() {
    g.values.resize(2);
    g.values[0].info = TensorInfo{"x", DType::kFloat32, {4}, {}};
    g.values[1].info = TensorInfo{"y", DType::kFloat32, {4}, {}};
    g.nodes.push_back(ir::Node{ir::OpType::kLogistic, {0}, {1}, {}, 0});
    g.inputs = {0};
    g.outputs = {1};
  }
};

Status write_status(const ir::Graph& g, const ModelMetadata& md = {}) {
  auto w = tflite::write_model(g, md);
  return w.ok() ? Status::Ok() : w.status();
}

void expect_invalid(const Status& st, const std::string& fragment) {
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.message();
  EXPECT_TRUE(Contains(st.message(), fragment));
}

TEST(TfliteWriter, MalformedGraphsGetClearErrors) {
  ASSERT_TRUE(write_status(Tiny().g).ok());
  {
    Tiny t;
    t.g.nodes[0].inputs = {7};
    expect_invalid(write_status(t.g),
                   "node 0 (LOGISTIC, source operator 0): input 0: value index 7 out of range [0, 2)");
  }
  {
    Tiny t;
    t.g.outputs.clear();
    expect_invalid(write_status(t.g), "graph has 1 inputs and 0 outputs");
  }
  {
    Tiny t;
    t.g.nodes[0].op = ir::OpType::kSoftmax;  // monostate attrs
    expect_invalid(write_status(t.g), "node 0 (SOFTMAX, source operator 0): attributes are not of this op's kind");
  }
  {
    Tiny t;
    t.g.nodes[0].inputs = {0, 0};
    expect_invalid(write_status(t.g), "expected 1 inputs and 1 outputs, found 2 and 1");
  }
  {
    Tiny t;  // a constant whose bytes do not match its shape
    const float w[3] = {1, 2, 3};
    t.g.values.push_back(
        ir::Value{TensorInfo{"w", DType::kFloat32, {4}, {}}, reinterpret_cast<const uint8_t*>(w), sizeof w});
    t.g.nodes[0].op = ir::OpType::kAdd;
    t.g.nodes[0].attrs = ir::ElementwiseAttrs{};
    t.g.nodes[0].inputs = {0, 2};
    expect_invalid(write_status(t.g), "value 2 'w': constant holds 12 bytes, expected 16");
  }
  {
    Tiny t;
    t.g.values[0].info.quant = QuantParams{{0.1f, 0.2f}, {0}, 0};
    expect_invalid(write_status(t.g), "value 0 'x': quantization has 2 scales but 1 zero points");
  }
  {
    Tiny t;
    t.g.values[0].info.shape = {-1};
    expect_invalid(write_status(t.g), "value 0 'x': negative dimension in shape");
  }
}

TEST(TfliteWriter, InvalidMetadataGetsClearErrors) {
  ModelMetadata md;
  md.mean = {127.5f, 127.5f};
  md.std = {1.0f, 2.0f, 3.0f};
  expect_invalid(write_status(Tiny().g, md), "metadata: mean has 2 values and std 3");
  md.mean = {0.0f};
  md.std = {0.0f};
  expect_invalid(write_status(Tiny().g, md), "metadata: std 0.000000: expected finite and non-zero");
  md = {};
  md.labels = {"cat", "dog\nwolf"};
  expect_invalid(write_status(Tiny().g, md), "metadata: label 1 contains a line break");
}

// The DEQUANTIZE opcode's version in a written file.
int32_t dequantize_version(const std::vector<uint8_t>& file) {
  const auto* model = flatbuffers::GetRoot<tflite::fb::Model>(file.data());
  for (const tflite::fb::OperatorCode* c : *model->operator_codes()) {
    if (c->builtin_code() == tflite::fb::kDequantize) return c->version();
  }
  return -1;
}

// TFLite's fp16 and weight-only int8 layouts: a FLOAT16 constant (or a
// per-channel INT8 one) read by a DEQUANTIZE, at the opcode versions of
// op_version.cc (3 for float16, 5 for per-channel int8).
TEST(TfliteWriter, Float16AndPerChannelInt8DequantizeOfConstants) {
  {
    OpTester t(ir::OpType::kDequantize);
    t.input_bytes({3}, DType::kFloat16, {0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00});  // 1, -2, 2^-24
    t.output({3}, DType::kFloat32);
    const Written w = write_and_read(graph_of(t), {});
    ASSERT_FALSE(w.bytes.empty());
    EXPECT_EQ(w.model.graph.values[0].info.dtype, DType::kFloat16);
    EXPECT_EQ(dequantize_version(w.bytes), 3);
    const auto out = run_bytes(w.bytes, {{0x00, 0x3C, 0x00, 0xC0, 0x01, 0x00}});
    ASSERT_EQ(out.size(), 1u);
    ASSERT_EQ(out[0].size(), 12u);
    std::vector<float> y(3);
    std::memcpy(y.data(), out[0].data(), 12);
    EXPECT_EQ(y, (std::vector<float>{1.0f, -2.0f, std::ldexp(1.0f, -24)}));
  }
  {
    OpTester t(ir::OpType::kDequantize);
    t.constant<int8_t>({2, 2}, {1, -2, 127, -127}, QuantParams{{0.5f, 0.25f}, {0, 0}, 0});
    t.output({2, 2}, DType::kFloat32);
    ir::Graph g = graph_of(t);
    g.inputs.clear();
    const int32_t x = static_cast<int32_t>(g.values.size());
    g.values.push_back(ir::Value{TensorInfo{"x", DType::kFloat32, {2, 2}, {}}, nullptr, 0});
    const int32_t y = x + 1;
    g.values.push_back(ir::Value{TensorInfo{"y", DType::kFloat32, {2, 2}, {}}, nullptr, 0});
    g.nodes.push_back(ir::Node{ir::OpType::kAdd, {x, g.nodes[0].outputs[0]}, {y}, ir::ElementwiseAttrs{}, 1});
    g.inputs = {x};
    g.outputs = {y};
    const Written w = write_and_read(g, {});
    ASSERT_FALSE(w.bytes.empty());
    const ir::Value& q = w.model.graph.values[0];
    EXPECT_EQ(q.info.dtype, DType::kInt8);
    EXPECT_EQ(q.info.quant.scale, (std::vector<float>{0.5f, 0.25f}));
    EXPECT_EQ(dequantize_version(w.bytes), 5);
    // edgerun folds the DEQUANTIZE at load: x + [0.5, -1, 31.75, -31.75].
    const float x_in[4] = {1, 1, 1, 1};
    std::vector<uint8_t> in(sizeof x_in);
    std::memcpy(in.data(), x_in, sizeof x_in);
    const auto out = run_bytes(w.bytes, {in});
    ASSERT_EQ(out.size(), 1u);
    std::vector<float> y_out(4);
    std::memcpy(y_out.data(), out[0].data(), 16);
    EXPECT_EQ(y_out, (std::vector<float>{1.5f, 0.0f, 32.75f, -30.75f}));
  }
  {
    // A float16 constant whose bytes do not match its shape.
    Tiny t;
    const uint16_t h[3] = {0, 0, 0};
    t.g.values.push_back(
        ir::Value{TensorInfo{"h", DType::kFloat16, {4}, {}}, reinterpret_cast<const uint8_t*>(h), sizeof h});
    t.g.values.push_back(ir::Value{TensorInfo{"hf", DType::kFloat32, {4}, {}}, nullptr, 0});
    t.g.nodes.insert(t.g.nodes.begin(), ir::Node{ir::OpType::kDequantize, {2}, {3}, {}, 0});
    const Status st = write_status(t.g);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(st.message(), "value 2 'h': constant holds 6 bytes, expected 8 (shape [4] of float16)"));
  }
}

}  // namespace
}  // namespace edgerun
