// The ONNX reader: small synthetic models (tools/make_onnx_fixtures.py) run
// against onnxruntime's outputs; the torchvision exports
// (tools/export_torchvision_onnx.py, models/onnx/, made offline) when present;
// and malformed bytes: every truncation and random corruption gives an error
// or a valid model, never a crash (this suite also runs under ASan/UBSan).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "edgerun/edgerun.h"
#include "io/npy/npy.h"
#include "io/onnx/const_tensor.h"
#include "io/onnx/proto.h"
#include "io/onnx/reader.h"
#include "shared_data.h"

namespace edgerun {
namespace {

using testdata::read_file_bytes;

const std::string kFixtures = std::string(EDGERUN_SOURCE_DIR) + "/tests/goldens/onnx/fixtures/";
const std::string kGoldens = std::string(EDGERUN_SOURCE_DIR) + "/tests/goldens/onnx/";
const std::string kExports = std::string(EDGERUN_SOURCE_DIR) + "/models/onnx/";

// x[i] = ((i * 7919) % 1000) / 500 - 1, the input of every golden here.
void fill_test_input(float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(static_cast<double>((i * 7919) % 1000) / 500.0 - 1.0);
}

// Runs `model_path` on the test input; returns output 0.
// Output `output` of the model on the test input times input_scale.
std::vector<float> run_model(const std::string& model_path, KernelChoice kernels, int threads,
                             float input_scale = 1.0f, int output = 0) {
  LoadOptions lo;
  lo.kernels = kernels;
  auto model = Model::load(model_path, lo);
  EXPECT_TRUE(model.ok()) << model.status().message();
  if (!model.ok()) return {};
  SessionOptions so;
  so.threads = threads;
  auto s = Session::create(*model, so);
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok()) return {};
  EXPECT_EQ(s->input_info(0).dtype, DType::kFloat32);
  auto* x = static_cast<float*>(s->input_data(0));
  fill_test_input(x, s->input_info(0).elements());
  for (int64_t i = 0; i < s->input_info(0).elements(); ++i) x[i] *= input_scale;
  Status st = s->invoke();
  EXPECT_TRUE(st.ok()) << st.message();
  const auto* y = static_cast<const float*>(s->output_data(output));
  return std::vector<float>(y, y + s->output_info(output).elements());
}

std::vector<float> golden(const std::string& path, Shape* shape) {
  auto a = npy::read_npy(path);
  EXPECT_TRUE(a.ok()) << a.status().message();
  if (!a.ok()) return {};
  EXPECT_EQ(a->dtype, DType::kFloat32);
  *shape = a->shape;
  std::vector<float> v(a->data.size() / sizeof(float));
  std::memcpy(v.data(), a->data.data(), v.size() * sizeof(float));
  return v;
}

TEST(OnnxReader, FixturesMatchOnnxRuntime) {
  for (const char* name : {"conv_paths", "pools_and_flatten", "broadcast_and_hard", "qdq_float", "pools_3d"}) {
    Shape shape;
    const std::vector<float> want = golden(kFixtures + name + ".out.npy", &shape);
    ASSERT_FALSE(want.empty()) << name;
    for (KernelChoice k : {KernelChoice::kAuto, KernelChoice::kReference}) {
      for (int threads : {1, 2}) {
        SCOPED_TRACE(std::string(name) + (k == KernelChoice::kAuto ? " auto" : " reference") + " threads " +
                     std::to_string(threads));
        auto model = Model::load(kFixtures + name + ".onnx");
        ASSERT_TRUE(model.ok()) << model.status().message();
        EXPECT_EQ((*model)->output_info(0).shape, shape);  // ONNX's (NCHW) shape, not the internal layout
        const std::vector<float> got = run_model(kFixtures + name + ".onnx", k, threads);
        ASSERT_EQ(got.size(), want.size());
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], 1e-5f + 1e-5f * std::abs(want[i])) << "output " << i;
        }
      }
    }
  }
}

// Initializers in an external data file (tools/make_onnx_fixtures.py: every
// tensor of conv_paths in external/conv_paths.weights): load() reads them from
// the model's folder and gives conv_paths' output. Without the folder
// (load_from_buffer), with the data file missing, or with a location that
// leaves the folder, loading fails and says why.
TEST(OnnxReader, ReadsExternalData) {
  const std::string dir = kFixtures + "external/";
  Shape shape;
  const std::vector<float> want = golden(kFixtures + "conv_paths.out.npy", &shape);
  const std::vector<float> got = run_model(dir + "conv_paths.onnx", KernelChoice::kAuto, 1);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5f + 1e-5f * std::abs(want[i])) << i;

  const std::vector<uint8_t> bytes = read_file_bytes(dir + "conv_paths.onnx");
  auto from_buffer = Model::load_from_buffer(bytes.data(), bytes.size());
  ASSERT_FALSE(from_buffer.ok());
  EXPECT_NE(from_buffer.status().message().find("external_data_dir"), std::string::npos) << from_buffer.status().message();
  LoadOptions with_dir;
  with_dir.external_data_dir = dir;
  EXPECT_TRUE(Model::load_from_buffer(bytes.data(), bytes.size(), with_dir).ok());

  const std::filesystem::path lone =
      std::filesystem::temp_directory_path() / ("edgerun_external_" + std::to_string(::getpid()));
  std::filesystem::create_directories(lone);
  std::filesystem::copy_file(dir + "conv_paths.onnx", lone / "conv_paths.onnx",
                             std::filesystem::copy_options::overwrite_existing);
  auto missing = Model::load((lone / "conv_paths.onnx").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("conv_paths.weights"), std::string::npos) << missing.status().message();
  // A data file cut short: the tensors past its end are refused, not read.
  std::filesystem::copy_file(dir + "conv_paths.weights", lone / "conv_paths.weights");
  std::filesystem::resize_file(lone / "conv_paths.weights", std::filesystem::file_size(lone / "conv_paths.weights") / 2);
  auto truncated = Model::load((lone / "conv_paths.onnx").string());
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.status().message().find("past the end"), std::string::npos) << truncated.status().message();
  std::filesystem::remove_all(lone);

  auto escaping = Model::load(dir + "escaping_location.onnx");
  ASSERT_FALSE(escaping.ok());
  EXPECT_NE(escaping.status().message().find("leaves the model's folder"), std::string::npos)
      << escaping.status().message();
}

// ONNX Runtime's static quantizer output (QDQ form, int8 per-channel weights)
// runs as int8 kernels: no float op is left between the first QuantizeLinear
// and the last DequantizeLinear, and the output equals ORT's own int8
// execution bit for bit (ONNX Runtime's requantization arithmetic: conv,
// depthwise, residual Add, GlobalAveragePool and Gemm).
TEST(OnnxReader, QdqModelRunsAsInt8) {
  const std::string path = kFixtures + "qdq_int8.onnx";
  auto model = Model::load(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  int quantize = 0, dequantize = 0;
  for (const NodeInfo& n : (*model)->nodes()) {
    quantize += n.op == "QUANTIZE";
    dequantize += n.op == "DEQUANTIZE";
  }
  EXPECT_EQ(quantize, 1);
  EXPECT_EQ(dequantize, 1);
  EXPECT_EQ((*model)->nodes().front().op, "QUANTIZE");
  EXPECT_EQ((*model)->nodes().back().op, "DEQUANTIZE");
  Shape shape;
  const std::vector<float> want = golden(kFixtures + "qdq_int8.out.npy", &shape);
  for (KernelChoice k : {KernelChoice::kAuto, KernelChoice::kReference}) {
    for (int threads : {1, 2}) {
      const std::vector<float> got = run_model(path, k, threads);
      ASSERT_EQ(got.size(), want.size());
      ASSERT_EQ(got, want) << "kernels " << static_cast<int>(k) << ", threads " << threads;
    }
  }
}

// Requantizations that land on exact ties (power-of-two scales): ONNX
// Runtime rounds them half to even (TFLite's arithmetic, half away from zero,
// differs in a fifth of these outputs), and adds the Add's zero point after
// rounding, as ONNX defines a quantized Add. The conv, Add,
// GlobalAveragePool and Gemm all run as int8 kernels.
TEST(OnnxReader, QdqTiesRoundAsOnnxRuntime) {
  const std::string path = kFixtures + "qdq_ties.onnx";
  auto model = Model::load(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  // Quantized from the input's QUANTIZE to the two outputs' DEQUANTIZE.
  int quantize = 0, dequantize = 0;
  for (const NodeInfo& n : (*model)->nodes()) {
    quantize += n.op == "QUANTIZE";
    dequantize += n.op == "DEQUANTIZE";
  }
  EXPECT_EQ(quantize, 1);
  EXPECT_EQ(dequantize, 2);
  Shape shape;
  const std::vector<float> sum = golden(kFixtures + "qdq_ties.out0.npy", &shape);
  const std::vector<float> gemm = golden(kFixtures + "qdq_ties.out1.npy", &shape);
  for (KernelChoice k : {KernelChoice::kAuto, KernelChoice::kAvx2, KernelChoice::kReference}) {
    for (int threads : {1, 2}) {
      EXPECT_EQ(run_model(path, k, threads, 4.0f, 0), sum) << "kernels " << static_cast<int>(k) << ", threads "
                                                            << threads;
      EXPECT_EQ(run_model(path, k, threads, 4.0f, 1), gemm) << "kernels " << static_cast<int>(k) << ", threads "
                                                             << threads;
    }
  }
}

// QLinearConv / QLinearMatMul (the QOperator form): with activations and
// weights of one type (int8 with symmetric per-channel weights, or uint8 with
// per-tensor asymmetric weights) every conv and the MatMul run on the
// quantized kernels, only the graph's own QuantizeLinear / DequantizeLinear
// pairs converting; uint8 activations with int8 weights (ORT's default) run
// as dequantize -> float op -> quantize. All equal ORT's QLinear kernels'
// output bit for bit.
TEST(OnnxReader, QLinearOpsMatchOnnxRuntime) {
  struct Case {
    const char* name;
    bool quantized_kernels;
  };
  for (const Case& c : {Case{"qlinear_s8s8", true}, Case{"qlinear_u8u8", true}, Case{"qlinear_u8s8", false}}) {
    SCOPED_TRACE(c.name);
    const std::string path = kFixtures + c.name + ".onnx";
    auto model = Model::load(path);
    ASSERT_TRUE(model.ok()) << model.status().message();
    // With no conversion but the graph's own, the four convs / MatMul run quantized.
    int quantize = 0, dequantize = 0, convs = 0;
    for (const NodeInfo& n : (*model)->nodes()) {
      quantize += n.op == "QUANTIZE";
      dequantize += n.op == "DEQUANTIZE";
      convs += n.op == "CONV_2D" || n.op == "DEPTHWISE_CONV_2D" || n.op == "FULLY_CONNECTED";
    }
    EXPECT_EQ(convs, 4);
    EXPECT_EQ(quantize, c.quantized_kernels ? 2 : 6);
    EXPECT_EQ(dequantize, c.quantized_kernels ? 2 : 6);
    Shape shape;
    const std::vector<float> want = golden(kFixtures + c.name + ".out.npy", &shape);
    for (KernelChoice k : {KernelChoice::kAuto, KernelChoice::kReference}) {
      const std::vector<float> got = run_model(path, k, 2);
      ASSERT_EQ(got.size(), want.size());
      ASSERT_EQ(got, want) << "kernels " << static_cast<int>(k);
    }
  }
}

std::vector<double> softmax(const std::vector<float>& v) {
  const float mx = *std::max_element(v.begin(), v.end());
  std::vector<double> e(v.size());
  double sum = 0;
  for (size_t i = 0; i < v.size(); ++i) sum += e[i] = std::exp(static_cast<double>(v[i] - mx));
  for (double& x : e) x /= sum;
  return e;
}

// The parity bar: within 1e-4 of onnxruntime (max abs, softmax space).
TEST(OnnxReader, TorchvisionExportsMatchOnnxRuntime) {
  int found = 0;
  for (const char* name : {"mobilenet_v2", "mobilenet_v3_small", "resnet18", "efficientnet_b0"}) {
    const std::string path = kExports + name + ".onnx";
    if (!std::filesystem::exists(path)) continue;
    ++found;
    Shape shape;
    const std::vector<double> want = softmax(golden(kGoldens + name + ".logits.npy", &shape));
    for (int threads : {1, 2}) {
      SCOPED_TRACE(std::string(name) + " threads " + std::to_string(threads));
      const std::vector<double> got = softmax(run_model(path, KernelChoice::kAuto, threads));
      ASSERT_EQ(got.size(), want.size());
      double worst = 0;
      for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
      EXPECT_LE(worst, 1e-4);
    }
  }
  if (found == 0) {
    GTEST_SKIP() << "no torchvision exports in " << kExports
                 << " (make them with tools/export_torchvision_onnx.py; see tools/requirements-onnx.txt)";
  }
}

TEST(OnnxReader, NamesUnsupportedOpsAndNodes) {
  std::vector<uint8_t> bytes = read_file_bytes(kFixtures + "broadcast_and_hard.onnx");
  ASSERT_FALSE(bytes.empty());
  const std::string from = "HardSwish", to = "HardSwisx";
  int replaced = 0;  // the node's name and its op_type
  for (auto it = std::search(bytes.begin(), bytes.end(), from.begin(), from.end()); it != bytes.end();
       it = std::search(it, bytes.end(), from.begin(), from.end())) {
    it = std::copy(to.begin(), to.end(), it);
    ++replaced;
  }
  ASSERT_EQ(replaced, 2);
  auto m = onnx::import_model(bytes.data(), bytes.size());
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(m.status().message().find("HardSwisx (node 1"), std::string::npos) << m.status().message();
  EXPECT_NE(m.status().message().find("operator HardSwisx is not supported"), std::string::npos);
  // Nodes downstream of the unsupported one are not reported again.
  EXPECT_EQ(m.status().message().find("GlobalAveragePool"), std::string::npos) << m.status().message();
}

TEST(OnnxReader, RejectsEveryTruncation) {
  const std::vector<uint8_t> bytes = read_file_bytes(kFixtures + "conv_paths.onnx");
  ASSERT_FALSE(bytes.empty());
  ASSERT_TRUE(onnx::import_model(bytes.data(), bytes.size()).ok());
  int ok = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    auto m = onnx::import_model(cut.data(), cut.size());
    if (m.ok()) {
      ++ok;  // a cut on a field boundary can leave a smaller valid model; it must still be consistent
      EXPECT_FALSE(m->graph.outputs.empty());
    } else {
      EXPECT_FALSE(m.status().message().empty());
    }
  }
  EXPECT_LT(ok, static_cast<int>(bytes.size()) / 10);
}

TEST(OnnxReader, SurvivesRandomCorruption) {
  const std::vector<uint8_t> bytes = read_file_bytes(kFixtures + "pools_and_flatten.onnx");
  ASSERT_FALSE(bytes.empty());
  std::mt19937 rng(0x0229c0deu);
  int rejected = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::vector<uint8_t> b = bytes;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    auto m = Model::load_from_buffer(b.data(), b.size());
    if (!m.ok()) {
      ++rejected;
      continue;
    }
    // Whatever loads must also run.
    auto s = Session::create(*m);
    if (s.ok()) {
      EXPECT_TRUE(s->invoke().ok());
    }
  }
  EXPECT_GT(rejected, 0);
}

// Protobuf wire format, enough to write small ONNX models here.
class ProtoWriter {
 public:
  ProtoWriter& integer(int field, int64_t v) {
    key(field, 0);
    varint(static_cast<uint64_t>(v));
    return *this;
  }
  ProtoWriter& bytes(int field, const void* data, size_t size) {
    key(field, 2);
    varint(size);
    const auto* p = static_cast<const uint8_t*>(data);
    out_.insert(out_.end(), p, p + size);
    return *this;
  }
  ProtoWriter& string(int field, const std::string& s) { return bytes(field, s.data(), s.size()); }
  ProtoWriter& message(int field, const ProtoWriter& m) { return bytes(field, m.out_.data(), m.out_.size()); }
  const std::vector<uint8_t>& data() const { return out_; }

 private:
  void key(int field, int wire) { varint(static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire)); }
  void varint(uint64_t v) {
    for (; v >= 0x80; v >>= 7) out_.push_back(static_cast<uint8_t>(v | 0x80));
    out_.push_back(static_cast<uint8_t>(v));
  }
  std::vector<uint8_t> out_;
};

// TensorProto (ONNX elem_type: 1 float, 2 uint8, 3 int8).
template <typename T>
ProtoWriter onnx_tensor(const std::string& name, int elem_type, const std::vector<int64_t>& dims,
                        const std::vector<T>& values) {
  ProtoWriter t;
  for (int64_t d : dims) t.integer(1, d);
  t.integer(2, elem_type).string(8, name).bytes(9, values.data(), values.size() * sizeof(T));
  return t;
}

// NodeProto with int attributes.
ProtoWriter onnx_node(const std::string& op, const std::vector<std::string>& inputs, const std::string& output,
                      const std::vector<std::pair<std::string, int64_t>>& attrs = {}) {
  ProtoWriter n;
  for (const std::string& i : inputs) n.string(1, i);
  n.string(2, output).string(3, op + "_" + output).string(4, op);
  for (const auto& [name, v] : attrs) n.message(5, ProtoWriter().string(1, name).integer(3, v).integer(20, 2));
  return n;
}

// ValueInfoProto of a tensor.
ProtoWriter onnx_value(const std::string& name, int elem_type, const std::vector<int64_t>& dims) {
  ProtoWriter shape;
  for (int64_t d : dims) shape.message(1, ProtoWriter().integer(1, d));
  ProtoWriter tensor;
  tensor.integer(1, elem_type).message(2, shape);
  return ProtoWriter().string(1, name).message(2, ProtoWriter().message(1, tensor));
}

// Per-axis and blocked QuantizeLinear / DequantizeLinear of an activation
// the importer stores NHWC (a 1x1 identity Conv's output, ONNX [1, 3, 2, 2]):
//   q = QuantizeLinear(c, s, zp), per axis 1 (ONNX's default): uint8
//   r = QuantizeLinear(Add(d, d), 1, 128), d = DequantizeLinear(q, s, zp): the
//       QDQ Add must not run as int8 (its inputs are per-axis), so in float
//   b = QuantizeLinear(c, sb, zb, axis 1, block_size 2): int8, channels 0-1
//       share sb[:, 0], channel 2 has sb[:, 1]
// Expected values from an independent loop: x / scale is k / 2 exactly, and
// ONNX rounds the ties to even.
TEST(OnnxReader, PerAxisAndBlockedQdqOfNhwcActivations) {
  const std::vector<float> s = {0.5f, 1.f, 2.f};
  const std::vector<uint8_t> zp = {10, 20, 30};
  const std::vector<float> sb = {0.5f, 0.5f, 0.125f, 0.5f, 2.f, 2.f, 0.5f, 2.f};  // [1, 2, 2, 2]
  const std::vector<int8_t> zb = {-3, 0, 3, 6, -6, 1, 2, -1};                  // [1, 2, 2, 2]
  std::vector<float> w(9, 0.f);
  for (int i = 0; i < 3; ++i) w[static_cast<size_t>(i * 3 + i)] = 1.f;
  ProtoWriter graph;
  graph.message(1, onnx_node("Conv", {"x", "w"}, "c"))
      .message(1, onnx_node("QuantizeLinear", {"c", "s", "zp"}, "q"))
      .message(1, onnx_node("DequantizeLinear", {"q", "s", "zp"}, "d"))
      .message(1, onnx_node("Add", {"d", "d"}, "a"))
      .message(1, onnx_node("QuantizeLinear", {"a", "s1", "zp1"}, "r"))
      .message(1, onnx_node("QuantizeLinear", {"c", "sb", "zb"}, "b", {{"axis", 1}, {"block_size", 2}}))
      .string(2, "qdq")
      .message(5, onnx_tensor<float>("w", 1, {3, 3, 1, 1}, w))
      .message(5, onnx_tensor<float>("s", 1, {3}, s))
      .message(5, onnx_tensor<uint8_t>("zp", 2, {3}, zp))
      .message(5, onnx_tensor<float>("s1", 1, {}, {1.f}))
      .message(5, onnx_tensor<uint8_t>("zp1", 2, {}, {128}))
      .message(5, onnx_tensor<float>("sb", 1, {1, 2, 2, 2}, sb))
      .message(5, onnx_tensor<int8_t>("zb", 3, {1, 2, 2, 2}, zb))
      .message(11, onnx_value("x", 1, {1, 3, 2, 2}))
      .message(12, onnx_value("q", 2, {1, 3, 2, 2}))
      .message(12, onnx_value("r", 2, {1, 3, 2, 2}))
      .message(12, onnx_value("b", 3, {1, 3, 2, 2}));
  ProtoWriter model;
  model.integer(1, 8).message(8, ProtoWriter().string(1, "").integer(2, 21)).message(7, graph);
  const std::vector<uint8_t>& bytes = model.data();

  auto imported = onnx::import_model(bytes.data(), bytes.size());
  ASSERT_TRUE(imported.ok()) << imported.status().message();
  int quantize = 0;
  for (const ir::Node& n : imported->graph.nodes) {
    const ir::Value& out = imported->graph.values[static_cast<size_t>(n.outputs[0])];
    if (n.op == ir::OpType::kAdd) {
      EXPECT_EQ(out.info.dtype, DType::kFloat32);  // not fused as int8
    }
    if (n.op != ir::OpType::kQuantize) continue;
    ++quantize;
    const auto* attrs = std::get_if<ir::QuantizeAttrs>(&n.attrs);
    ASSERT_NE(attrs, nullptr);
    EXPECT_EQ(attrs->rounding, ir::QuantizeRounding::kHalfToEven);
    if (out.info.quant.per_channel()) {
      EXPECT_EQ(out.info.quant.axis, 3);  // ONNX axis 1 of an NHWC value
    }
  }
  EXPECT_EQ(quantize, 3);

  auto m = Model::load_from_buffer(bytes.data(), bytes.size());
  ASSERT_TRUE(m.ok()) << m.status().message();
  const QuantParams& q_out = (*m)->output_info(0).quant;  // back in ONNX's layout, so on ONNX's axis
  EXPECT_EQ(q_out.scale, s);
  EXPECT_EQ(q_out.zero_point, (std::vector<int64_t>{10, 20, 30}));
  EXPECT_EQ(q_out.axis, 1);
  auto session = Session::create(*m);
  ASSERT_TRUE(session.ok()) << session.status().message();
  // x[c, h, w] = k / 2 * s[c] with k = i % 11 - 5 (so x / s[c] covers -2.5 .. 2.5, ties included).
  constexpr int kN = 12;
  auto* x = static_cast<float*>(session->input_data(0));
  std::vector<int> halves(kN);
  for (int i = 0; i < kN; ++i) {
    halves[static_cast<size_t>(i)] = i % 11 - 5;
    x[i] = static_cast<float>(halves[static_cast<size_t>(i)]) * 0.5f * s[static_cast<size_t>(i / 4)];
  }
  ASSERT_TRUE(session->invoke().ok());
  // k / 2 rounded half to even, for an integer k.
  auto round_halves = [](int k) {
    const int t = k / 2;  // toward zero
    return k % 2 != 0 && t % 2 != 0 ? t + (k > 0 ? 1 : -1) : t;
  };
  const auto* q = static_cast<const uint8_t*>(session->output_data(0));
  const auto* r = static_cast<const uint8_t*>(session->output_data(1));
  const auto* b = static_cast<const int8_t*>(session->output_data(2));
  for (int i = 0; i < kN; ++i) {
    const int c = i / 4, hw = i % 4;
    SCOPED_TRACE("element " + std::to_string(i) + ", x " + std::to_string(x[i]));
    const int qi = round_halves(halves[static_cast<size_t>(i)]) + zp[static_cast<size_t>(c)];
    EXPECT_EQ(q[i], qi);
    // a = 2 * (q - zp) * s, a whole number here (s >= 0.5 and q - zp whole).
    const float a = 2.f * static_cast<float>(qi - zp[static_cast<size_t>(c)]) * s[static_cast<size_t>(c)];
    EXPECT_EQ(r[i], static_cast<int>(a) + 128);
    const size_t blk = static_cast<size_t>(c / 2 * 4 + hw);
    const float ratio = x[i] / sb[blk];  // exact: both are powers of two times small integers
    const int k = static_cast<int>(ratio * 2);
    ASSERT_EQ(static_cast<float>(k) / 2, ratio);
    EXPECT_EQ(b[i], std::clamp(round_halves(k) + zb[blk], -128, 127));
  }
}

// QuantizeLinear to int4 with a packed int4 zero point, end to end: the
// output comes out unpacked (one int8 per element). A float4e2m1 zero point
// other than 0 is declined: QuantizeLinear adds it, DequantizeLinear ignores it.
TEST(OnnxReader, QuantizeLinearToSubByteTypes) {
  auto model_with = [](int zp_type, uint8_t zp_packed) {
    ProtoWriter graph;
    graph.message(1, onnx_node("QuantizeLinear", {"x", "s", "zp"}, "y"))
        .string(2, "q")
        .message(5, onnx_tensor<float>("s", 1, {}, {2.f}))
        .message(5, onnx_tensor<uint8_t>("zp", zp_type, {}, {zp_packed}))
        .message(11, onnx_value("x", 1, {5}))
        .message(12, onnx_value("y", zp_type, {5}));
    ProtoWriter model;
    model.integer(1, 8).message(8, ProtoWriter().string(1, "").integer(2, 21)).message(7, graph);
    return model.data();
  };
  const std::vector<uint8_t> int4 = model_with(onnx::kInt4, 0x0e);  // zero point -2 (high nibble unused)
  auto m = Model::load_from_buffer(int4.data(), int4.size());
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ((*m)->output_info(0).dtype, DType::kInt4);
  auto session = Session::create(*m);
  ASSERT_TRUE(session.ok()) << session.status().message();
  auto* x = static_cast<float*>(session->input_data(0));
  // x / 2 - 2: 1 -> 0.5 -> 0 -> -2; 3 -> 1.5 -> 2 -> 0; 40 -> 18 -> 7; -40 -> -22 -> -8; 17 -> 8.5 -> 8 -> 6.
  const float in[5] = {1.f, 3.f, 40.f, -40.f, 17.f};
  std::copy(in, in + 5, x);
  ASSERT_TRUE(session->invoke().ok());
  const auto* y = static_cast<const int8_t*>(session->output_data(0));
  EXPECT_EQ(std::vector<int8_t>(y, y + 5), (std::vector<int8_t>{-2, 0, 7, -8, 6}));

  const std::vector<uint8_t> fp4 = model_with(onnx::kFloat4E2M1, 0x01);  // zero point 0.5
  auto declined = onnx::import_model(fp4.data(), fp4.size());
  ASSERT_FALSE(declined.ok());
  EXPECT_EQ(declined.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(declined.status().message().find("float4e2m1 zero point 0.500000 is not supported (0 only)"),
            std::string::npos)
      << declined.status().message();
}

// ModelProto { ir_version 8, graph { initializer <tensor> } }, encoded by hand
// (tensor under 128 bytes).
std::vector<uint8_t> model_with_initializer(const std::vector<uint8_t>& tensor) {
  std::vector<uint8_t> graph = {0x2a, static_cast<uint8_t>(tensor.size())};
  graph.insert(graph.end(), tensor.begin(), tensor.end());
  std::vector<uint8_t> model = {0x08, 8, 0x3a, static_cast<uint8_t>(graph.size())};
  model.insert(model.end(), graph.begin(), graph.end());
  return model;
}

TEST(OnnxProto, ReadsPackedAndUnpackedRepeatedFields) {
  // ModelProto { ir_version 8, graph { initializer { dims [2, 3] (unpacked),
  // dims packed [4], data_type 7, int64_data packed [1, 300] } } }.
  const std::vector<uint8_t> tensor = {0x08, 2, 0x08, 3, 0x0a, 1, 4, 0x10, 7, 0x3a, 3, 1, 0xac, 0x02, 0x42, 1, 'w'};
  const std::vector<uint8_t> model = model_with_initializer(tensor);
  auto m = onnx::parse_model(model.data(), model.size());
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(m->ir_version, 8);
  ASSERT_EQ(m->graph.initializers.size(), 1u);
  const onnx::TensorProto& t = m->graph.initializers[0];
  EXPECT_EQ(t.name, "w");
  EXPECT_EQ(t.data_type, onnx::kInt64);
  EXPECT_EQ(t.dims, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(t.int64_data, (std::vector<int64_t>{1, 300}));

  // A length that runs past the end of its message is named.
  std::vector<uint8_t> bad = model;
  bad[3] = static_cast<uint8_t>(model[3] + 5);  // the graph's length
  auto e = onnx::parse_model(bad.data(), bad.size());
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("ModelProto: field 7 declares"), std::string::npos) << e.status().message();
}

template <typename T>
std::vector<T> const_values(const onnx::ConstTensor& c) {
  std::vector<T> v(c.bytes.size() / sizeof(T));
  if (!v.empty()) std::memcpy(v.data(), c.bytes.data(), c.bytes.size());
  return v;
}

TEST(OnnxConstTensor, DecodesUnsignedTypesFromEachField) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  // TensorProto { dims [2], data_type UINT64, uint64_data packed [2^64 - 1, 1] }:
  // the 10-byte varint of 2^64 - 1 read from the wire.
  const std::vector<uint8_t> tensor = {0x08, 2,    0x10, 13,   0x5a, 11,   0xff, 0xff, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01, 0x42, 1,    'u'};
  const std::vector<uint8_t> model = model_with_initializer(tensor);
  auto m = onnx::parse_model(model.data(), model.size());
  ASSERT_TRUE(m.ok()) << m.status().message();
  ASSERT_EQ(m->graph.initializers.size(), 1u);
  auto u64 = onnx::decode_tensor(m->graph.initializers[0], "u");
  ASSERT_TRUE(u64.ok()) << u64.status().message();
  EXPECT_EQ(u64->dtype, DType::kUInt64);
  EXPECT_EQ(const_values<uint64_t>(*u64), (std::vector<uint64_t>{kMax, 1}));
  // Above INT64_MAX: int_at wraps (so make_ints round-trips it), float_at does not.
  EXPECT_EQ(u64->int_at(0), -1);
  EXPECT_EQ(u64->float_at(0), 18446744073709551616.0f);
  EXPECT_EQ(onnx::make_ints(DType::kUInt64, {2}, u64->ints()).bytes, u64->bytes);

  onnx::TensorProto t;
  t.dims = {3};
  t.data_type = onnx::kUint16;
  t.int32_data = {0, 65535, 258};
  auto u16 = onnx::decode_tensor(t, "u16");
  ASSERT_TRUE(u16.ok()) << u16.status().message();
  EXPECT_EQ(u16->dtype, DType::kUInt16);
  EXPECT_EQ(const_values<uint16_t>(*u16), (std::vector<uint16_t>{0, 65535, 258}));
  EXPECT_EQ(u16->ints(), (std::vector<int64_t>{0, 65535, 258}));

  t.data_type = onnx::kUint32;
  t.int32_data.clear();
  t.uint64_data = {4000000000u, 0, 7};
  auto u32 = onnx::decode_tensor(t, "u32");
  ASSERT_TRUE(u32.ok()) << u32.status().message();
  EXPECT_EQ(u32->dtype, DType::kUInt32);
  EXPECT_EQ(const_values<uint32_t>(*u32), (std::vector<uint32_t>{4000000000u, 0, 7}));
  EXPECT_EQ(u32->int_at(0), 4000000000);

  // raw_data: little-endian bytes, as for every other type.
  const uint8_t raw[] = {0x01, 0x00, 0x00, 0x80, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00};
  t.uint64_data.clear();
  t.raw_data = std::string_view(reinterpret_cast<const char*>(raw), sizeof(raw));
  t.has_raw_data = true;
  auto u32_raw = onnx::decode_tensor(t, "u32 raw");
  ASSERT_TRUE(u32_raw.ok()) << u32_raw.status().message();
  EXPECT_EQ(const_values<uint32_t>(*u32_raw), (std::vector<uint32_t>{0x80000001u, 0xffffffffu, 0}));

  // uint32 values belong in uint64_data, not int32_data.
  t.has_raw_data = false;
  t.int32_data = {1, 2, 3};
  auto wrong = onnx::decode_tensor(t, "u32 int32_data");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(wrong.status().message().find("uint64_data holds 0 values, expected 3"), std::string::npos)
      << wrong.status().message();

  for (DType d : {DType::kUInt16, DType::kUInt32, DType::kUInt64}) {
    auto back = onnx::dtype_of_onnx(onnx::onnx_type_of(d), "round trip");
    ASSERT_TRUE(back.ok()) << dtype_name(d);
    EXPECT_EQ(*back, d);
  }
  EXPECT_EQ(onnx::onnx_type_of(DType::kUInt16), onnx::kUint16);
  EXPECT_EQ(onnx::onnx_type_of(DType::kUInt32), onnx::kUint32);
  EXPECT_EQ(onnx::onnx_type_of(DType::kUInt64), onnx::kUint64);
}

TEST(OnnxConstTensor, DecodesFloat16AndFloat8) {
  // float16 and float8 travel as bit patterns in int32_data, or as raw bytes.
  onnx::TensorProto t;
  t.dims = {3};
  t.data_type = onnx::kFloat16;
  t.int32_data = {0x3C00, 0xC200, 0x0001};  // 1, -3, 2^-24
  auto h = onnx::decode_tensor(t, "f16");
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->dtype, DType::kFloat16);
  EXPECT_EQ(const_values<uint16_t>(*h), (std::vector<uint16_t>{0x3C00, 0xC200, 0x0001}));
  EXPECT_EQ(h->floats(), (std::vector<float>{1.f, -3.f, 0x1p-24f}));
  EXPECT_EQ(h->int_at(1), -3);

  const uint8_t raw[] = {0x00, 0x7C, 0x00, 0x80, 0xFF, 0x7B};  // inf, -0, 65504
  t.raw_data = std::string_view(reinterpret_cast<const char*>(raw), sizeof(raw));
  t.has_raw_data = true;
  auto h_raw = onnx::decode_tensor(t, "f16 raw");
  ASSERT_TRUE(h_raw.ok()) << h_raw.status().message();
  EXPECT_EQ(h_raw->floats(), (std::vector<float>{INFINITY, -0.f, 65504.f}));
  EXPECT_TRUE(std::signbit(h_raw->float_at(1)));

  onnx::TensorProto f8;
  f8.dims = {2};
  f8.data_type = onnx::kFloat8E4M3FN;
  f8.int32_data = {0x7E, 0xB0};  // 448, -0.5
  auto e4 = onnx::decode_tensor(f8, "e4m3fn");
  ASSERT_TRUE(e4.ok()) << e4.status().message();
  EXPECT_EQ(e4->dtype, DType::kFloat8E4M3FN);
  EXPECT_EQ(e4->floats(), (std::vector<float>{448.f, -0.5f}));
  f8.data_type = onnx::kFloat8E5M2;
  f8.int32_data = {0x3C, 0xB8};  // 1, -0.5
  auto e5 = onnx::decode_tensor(f8, "e5m2");
  ASSERT_TRUE(e5.ok()) << e5.status().message();
  EXPECT_EQ(e5->floats(), (std::vector<float>{1.f, -0.5f}));

  for (DType d : {DType::kFloat16, DType::kFloat8E4M3FN, DType::kFloat8E5M2}) {
    auto back = onnx::dtype_of_onnx(onnx::onnx_type_of(d), "round trip");
    ASSERT_TRUE(back.ok()) << dtype_name(d);
    EXPECT_EQ(*back, d);
  }
  EXPECT_EQ(onnx::make_ints(DType::kFloat16, {2}, {1, -3}).bytes, (std::vector<uint8_t>{0x00, 0x3C, 0x00, 0xC2}));
  EXPECT_EQ(onnx::make_ints(DType::kFloat8E4M3FN, {1}, {1000}).bytes, (std::vector<uint8_t>{0x7E}));
}

// Sub-byte types: ONNX packs 2 (4-bit) or 4 (2-bit) to a byte, low bits first,
// in raw_data or one byte per int32_data entry; odd counts leave the last byte
// part used. They decode to one element per byte, signed ones sign-extended.
TEST(OnnxConstTensor, UnpacksSubByteTypes) {
  std::vector<std::vector<uint8_t>> keep;  // raw_data is a view; moving the vectors keeps their buffers
  auto raw = [&keep](onnx::TensorProto* t, const std::vector<uint8_t>& bytes) {
    keep.push_back(bytes);
    t->raw_data = std::string_view(reinterpret_cast<const char*>(keep.back().data()), keep.back().size());
    t->has_raw_data = true;
  };
  struct Case {
    int32_t onnx_type;
    DType dtype;
    std::vector<uint8_t> packed;
    std::vector<uint8_t> want;  // the unpacked bytes
  };
  // int4 -8, 7, -1, 0, 3: nibbles 8, 7, f, 0, 3. int2 -2, 1, -1, 0, 1: pairs 2, 1, 3, 0, 1.
  // float4e2m1 codes 1, f, 8 (0.5, -6, -0).
  const std::vector<Case> cases = {
      {onnx::kInt4, DType::kInt4, {0x78, 0x0f, 0x03}, {0xf8, 7, 0xff, 0, 3}},
      {onnx::kUint4, DType::kUInt4, {0x78, 0x0f, 0x03}, {8, 7, 15, 0, 3}},
      {onnx::kInt2, DType::kInt2, {0x36, 0x01}, {0xfe, 1, 0xff, 0, 1}},
      {onnx::kUint2, DType::kUInt2, {0x36, 0x01}, {2, 1, 3, 0, 1}},
      {onnx::kFloat4E2M1, DType::kFloat4E2M1, {0xf1, 0x08}, {1, 15, 8}},
  };
  for (const Case& c : cases) {
    for (const bool use_raw : {true, false}) {
      SCOPED_TRACE(std::string(dtype_name(c.dtype)) + (use_raw ? " raw_data" : " int32_data"));
      onnx::TensorProto t;
      t.dims = {static_cast<int64_t>(c.want.size())};
      t.data_type = c.onnx_type;
      if (use_raw) {
        raw(&t, c.packed);
      } else {
        t.int32_data.assign(c.packed.begin(), c.packed.end());
      }
      auto d = onnx::decode_tensor(t, "sub");
      ASSERT_TRUE(d.ok()) << d.status().message();
      EXPECT_EQ(d->dtype, c.dtype);
      EXPECT_EQ(d->bytes, c.want);
      EXPECT_EQ(d->dims, t.dims);
    }
    auto back = onnx::dtype_of_onnx(onnx::onnx_type_of(c.dtype), "round trip");
    ASSERT_TRUE(back.ok()) << dtype_name(c.dtype);
    EXPECT_EQ(*back, c.dtype);
    EXPECT_EQ(onnx::onnx_type_of(c.dtype), c.onnx_type);
  }

  onnx::TensorProto t;
  t.dims = {5};
  t.data_type = onnx::kInt4;
  raw(&t, {0x78, 0x0f, 0x03});
  auto i4 = onnx::decode_tensor(t, "i4");
  ASSERT_TRUE(i4.ok()) << i4.status().message();
  EXPECT_EQ(i4->ints(), (std::vector<int64_t>{-8, 7, -1, 0, 3}));
  EXPECT_EQ(onnx::make_ints(DType::kInt4, {5}, i4->ints()).bytes, i4->bytes);

  t.data_type = onnx::kFloat4E2M1;
  t.dims = {3};
  raw(&t, {0xf1, 0x08});
  auto f4 = onnx::decode_tensor(t, "f4");
  ASSERT_TRUE(f4.ok()) << f4.status().message();
  EXPECT_EQ(f4->floats(), (std::vector<float>{0.5f, -6.f, 0.f}));
  EXPECT_TRUE(std::signbit(f4->float_at(2)));
  EXPECT_EQ(f4->int_at(1), -6);

  // 5 int4 take 3 bytes; 5 int2, 2.
  t.data_type = onnx::kInt4;
  t.dims = {5};
  raw(&t, {0x78, 0x0f});
  auto short_raw = onnx::decode_tensor(t, "i4 raw");
  ASSERT_FALSE(short_raw.ok());
  EXPECT_EQ(short_raw.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(short_raw.status().message().find("i4 raw: raw_data holds 2 bytes, expected 3 for dims [5] of INT4"),
            std::string::npos)
      << short_raw.status().message();
  t.has_raw_data = false;
  t.data_type = onnx::kUint2;
  t.int32_data = {0x36, 0x01, 0x00};
  auto long_i32 = onnx::decode_tensor(t, "u2");
  ASSERT_FALSE(long_i32.ok());
  EXPECT_NE(long_i32.status().message().find("int32_data holds 3 bytes, expected 2"), std::string::npos)
      << long_i32.status().message();
  t.int32_data = {0x36, 256};
  auto wide = onnx::decode_tensor(t, "u2");
  ASSERT_FALSE(wide.ok());
  EXPECT_EQ(wide.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(wide.status().message().find("int32_data[1] = 256: expected a packed byte in [0, 255]"), std::string::npos)
      << wide.status().message();
}

}  // namespace
}  // namespace edgerun
