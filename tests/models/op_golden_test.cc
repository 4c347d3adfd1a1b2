// Per-op parity with LiteRT: every case in tests/goldens/ops/*.json (made by
// tools/make_op_goldens.py) is a tiny model that edgerun must run exactly like
// TFLite's reference kernels (OpResolverType.BUILTIN_REF): quantized outputs
// bit for bit, float outputs within 1e-5 relative / 1e-6 absolute. Differences
// from LiteRT's default (optimized / XNNPACK) resolver are reported, not asserted.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "edgerun/edgerun.h"

namespace edgerun {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kFloatRelTol = 1e-5;
constexpr double kFloatAbsTol = 1e-6;

std::string ops_dir() { return std::string(EDGERUN_SOURCE_DIR) + "/tests/goldens/ops"; }

std::vector<std::string> op_golden_files() {
  std::vector<std::string> files;
  if (!fs::is_directory(ops_dir())) return files;
  for (const auto& e : fs::directory_iterator(ops_dir())) {
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

json read_json(const std::string& path) {
  std::ifstream f(path);
  return json::parse(f);
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// RFC 4648 base64 (with '=' padding, no line breaks); returns false on a bad character.
bool base64_decode(const std::string& in, std::vector<uint8_t>* out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<uint8_t>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

// Output element i as a double (exact for every 8-bit / 32-bit integer and float32 value,
// and for int64 values below 2^53).
double element(const void* data, DType t, size_t i) {
  switch (t) {
    case DType::kFloat32: return static_cast<const float*>(data)[i];
    case DType::kUInt8: return static_cast<const uint8_t*>(data)[i];
    case DType::kInt8: return static_cast<const int8_t*>(data)[i];
    case DType::kInt32: return static_cast<const int32_t*>(data)[i];
    case DType::kInt64: return static_cast<double>(static_cast<const int64_t*>(data)[i]);  // goldens stay < 2^53
    default: return std::nan("");
  }
}

// A golden value as the output dtype holds it: JSON floats are the shortest text that
// round-trips through float32, so they must be rounded to float32 before comparing.
double golden_value(DType t, double v) { return t == DType::kFloat32 ? static_cast<double>(static_cast<float>(v)) : v; }

bool matches(DType t, double got, double want) {
  if (t != DType::kFloat32) return got == want;
  return std::abs(got - want) <= kFloatAbsTol + kFloatRelTol * std::abs(want);
}

// Writes the golden values into an input buffer of the given dtype.
testing::AssertionResult fill_input(const json& values, const TensorInfo& info, void* dst) {
  if (static_cast<int64_t>(values.size()) != info.elements()) {
    return testing::AssertionFailure() << "input '" << info.name << "': golden has " << values.size()
                                       << " values, tensor has " << info.elements();
  }
  for (size_t i = 0; i < values.size(); ++i) {
    switch (info.dtype) {
      case DType::kFloat32: static_cast<float*>(dst)[i] = static_cast<float>(values[i].get<double>()); break;
      case DType::kUInt8: static_cast<uint8_t*>(dst)[i] = static_cast<uint8_t>(values[i].get<int>()); break;
      case DType::kInt8: static_cast<int8_t*>(dst)[i] = static_cast<int8_t>(values[i].get<int>()); break;
      case DType::kInt32: static_cast<int32_t*>(dst)[i] = values[i].get<int32_t>(); break;
      case DType::kInt64: static_cast<int64_t*>(dst)[i] = values[i].get<int64_t>(); break;
      default:
        return testing::AssertionFailure() << "input '" << info.name << "': unsupported dtype "
                                           << dtype_name(info.dtype);
    }
  }
  return testing::AssertionSuccess();
}

// Checks the model's declared tensor against the golden's description of it.
void expect_tensor_matches(const json& g, const TensorInfo& info, const std::string& what) {
  EXPECT_EQ(g["dtype"].get<std::string>(), dtype_name(info.dtype)) << what;
  EXPECT_EQ(g["shape"].get<Shape>(), info.shape) << what;
  if (g.contains("scale")) {
    ASSERT_EQ(info.quant.scale.size(), 1u) << what << ": expected per-tensor quantization";
    EXPECT_EQ(static_cast<float>(g["scale"].get<double>()), info.quant.scale[0]) << what;
    EXPECT_EQ(g["zero_point"].get<int64_t>(), info.quant.zero_point[0]) << what;
  } else {
    EXPECT_TRUE(info.quant.empty()) << what << ": expected no quantization";
  }
}

struct Tally {
  int cases = 0, exact = 0;
  int64_t float_not_bitwise = 0, float_values = 0;  // float outputs within tolerance but not identical
  int64_t default_diff = 0, default_values = 0;
  std::map<std::string, int> per_dtype;
};

// Every case runs with the fast kernels on one thread and on three (uneven
// splits), with the AVX2 tier, and with the reference kernels.
struct EngineConfig {
  KernelChoice kernels;
  int threads;
  const char* name;
};
constexpr EngineConfig kConfigs[] = {
    {KernelChoice::kAuto, 1, "auto kernels, 1 thread"},
    {KernelChoice::kAuto, 3, "auto kernels, 3 threads"},
    {KernelChoice::kAvx2, 2, "AVX2 kernels, 2 threads"},
    {KernelChoice::kReference, 1, "reference kernels, 1 thread"},
};

void run_case(const std::string& op, const std::string& json_dir, const json& c, const EngineConfig& config,
              Tally* tally) {
  const std::string name = c["name"];
  SCOPED_TRACE(op + " case " + name + " (" + config.name + ")");

  std::vector<uint8_t> bytes;  // outlives model and session (declared first)
  if (c.contains("model_base64")) {
    ASSERT_TRUE(base64_decode(c["model_base64"].get<std::string>(), &bytes)) << "bad base64 model";
  } else {
    bytes = read_bytes(json_dir + "/" + c["model_file"].get<std::string>());
  }
  ASSERT_FALSE(bytes.empty()) << "empty model";
  LoadOptions lo;
  lo.kernels = config.kernels;
  auto model = Model::load_from_buffer(bytes.data(), bytes.size(), lo);
  ASSERT_TRUE(model.ok()) << op << " / " << name << ": edgerun failed to load a model LiteRT runs: "
                          << model.status().message();
  SessionOptions so;
  so.threads = config.threads;
  auto session = Session::create(*model, so);
  ASSERT_TRUE(session.ok()) << session.status().message();

  const json& inputs = c["inputs"];
  const json& outputs = c["outputs"];
  ASSERT_EQ((*model)->input_count(), inputs.size());
  ASSERT_EQ((*model)->output_count(), outputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorInfo& info = (*model)->input_info(i);
    expect_tensor_matches(inputs[i], info, "input " + std::to_string(i));
    ASSERT_TRUE(fill_input(inputs[i]["values"], info, session->input_data(i)));
  }
  const Status st = session->invoke();
  ASSERT_TRUE(st.ok()) << op << " / " << name << ": invoke failed: " << st.message();

  bool exact = true;
  for (size_t o = 0; o < outputs.size(); ++o) {
    const json& go = outputs[o];
    const TensorInfo& info = (*model)->output_info(o);
    expect_tensor_matches(go, info, "output " + std::to_string(o));
    std::vector<double> ref = go["reference"];
    for (double& v : ref) v = golden_value(info.dtype, v);
    ASSERT_EQ(static_cast<int64_t>(ref.size()), info.elements()) << "output " << o << " element count";
    const void* data = session->output_data(o);

    size_t diff = 0, first = ref.size();
    double max_abs = 0.0;
    for (size_t i = 0; i < ref.size(); ++i) {
      const double got = element(data, info.dtype, i);
      if (!matches(info.dtype, got, ref[i])) {
        if (diff++ == 0) first = i;
        max_abs = std::max(max_abs, std::abs(got - ref[i]));
      }
      if (info.dtype == DType::kFloat32) {
        tally->float_not_bitwise += got != ref[i];
        ++tally->float_values;
      }
    }
    if (diff != 0) {
      exact = false;
      const double got = element(data, info.dtype, first);
      std::ostringstream dflt;
      if (!go["default"].is_null()) {
        dflt << " (LiteRT default resolver: " << std::setprecision(9)
             << golden_value(info.dtype, go["default"][first].get<double>()) << ")";
      }
      ADD_FAILURE() << op << " / " << name << ": output " << o << " ('" << go["name"].get<std::string>() << "', "
                    << dtype_name(info.dtype) << " " << shape_string(info.shape) << "): " << diff << " of "
                    << ref.size() << " values differ from LiteRT's reference kernels; first at index " << first
                    << ": edgerun " << std::setprecision(9) << got << " vs LiteRT reference " << ref[first]
                    << dflt.str() << "; max |diff| " << max_abs << "\n  params: " << c["params"].dump();
    }
    if (!go["default"].is_null()) {
      const std::vector<double> def = go["default"];
      ASSERT_EQ(def.size(), ref.size());
      for (size_t i = 0; i < def.size(); ++i) {
        tally->default_diff += element(data, info.dtype, i) != golden_value(info.dtype, def[i]);
      }
      tally->default_values += static_cast<int64_t>(def.size());
    }
  }
  ++tally->cases;
  tally->exact += exact;
  ++tally->per_dtype[c["dtype"].get<std::string>()];
}

class OpGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(OpGoldenTest, MatchesLiteRTReferenceKernels) {
  const fs::path path(GetParam());
  const json golden = read_json(path.string());
  const std::string op = golden["op"];
  ASSERT_FALSE(golden["cases"].empty()) << path << " holds no cases";
  Tally tally;
  for (const json& c : golden["cases"]) {
    for (const EngineConfig& config : kConfigs) run_case(op, path.parent_path().string(), c, config, &tally);
  }

  std::ostringstream dtypes;
  for (const auto& [dt, n] : tally.per_dtype) dtypes << " " << dt << ":" << n;
  // LiteRT's optimized path rounds differently in places; report, don't assert.
  std::cout << "[ op golden ] " << op << ": " << tally.exact << "/" << tally.cases
            << " cases match the reference kernels (" << dtypes.str() << " ); " << tally.float_not_bitwise << "/"
            << tally.float_values << " float values not bit-identical (within tolerance); " << tally.default_diff << "/"
            << tally.default_values << " values differ from LiteRT's default resolver; "
            << golden["skipped"].size() << " cases skipped by the generator\n";
}

INSTANTIATE_TEST_SUITE_P(Ops, OpGoldenTest, ::testing::ValuesIn(op_golden_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = fs::path(info.param).stem().string();
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

// The goldens must keep covering every op edgerun implements, in each dtype it supports.
TEST(OpGoldenCoverage, EveryOpAndDtypeHasCases) {
  const std::map<std::string, std::set<std::string>> expected = {
      {"CONV_2D", {"float32", "uint8", "int8"}},
      {"DEPTHWISE_CONV_2D", {"float32", "uint8", "int8"}},
      {"FULLY_CONNECTED", {"float32", "uint8", "int8"}},
      {"AVERAGE_POOL_2D", {"float32", "uint8", "int8"}},
      {"MAX_POOL_2D", {"float32", "uint8", "int8"}},
      {"ADD", {"float32", "uint8", "int8"}},
      {"MUL", {"float32", "uint8", "int8"}},
      {"MEAN", {"float32", "uint8", "int8"}},
      {"PAD", {"float32", "uint8", "int8"}},
      {"RESHAPE", {"float32", "uint8", "int8"}},
      {"SQUEEZE", {"float32", "uint8", "int8"}},
      {"CONCATENATION", {"float32", "uint8", "int8"}},
      {"SOFTMAX", {"float32", "uint8", "int8"}},
      {"LOGISTIC", {"float32", "uint8", "int8"}},
      {"QUANTIZE", {"uint8", "int8"}},    // by output dtype
      {"DEQUANTIZE", {"uint8", "int8"}},  // by input dtype
      {"L2_NORMALIZATION", {"float32", "uint8", "int8"}},
      {"SUB", {"float32", "uint8", "int8"}},
      {"DIV", {"float32"}},
      {"INTEGER_ARITHMETIC", {"int32", "int64"}},  // plain ADD, SUB, MUL, DIV (no int64 DIV in TFLite)
      {"TANH", {"float32"}},
      {"LEAKY_RELU", {"float32"}},
      {"RELU", {"float32"}},  // RELU, RELU6, RELU_N1_TO_1: CLAMP in the IR
      {"RELU6", {"float32"}},
      {"RELU_N1_TO_1", {"float32"}},
      {"STRIDED_SLICE", {"float32", "uint8", "int8"}},
      {"SLICE", {"float32", "uint8", "int8"}},
      {"PADV2", {"float32", "uint8", "int8"}},
      {"MIRROR_PAD", {"float32", "uint8", "int8"}},
  };
  std::map<std::string, std::set<std::string>> found;
  for (const std::string& file : op_golden_files()) {
    const json golden = read_json(file);
    for (const json& c : golden["cases"]) found[golden["op"]].insert(c["dtype"].get<std::string>());
  }
  for (const auto& [op, dtypes] : expected) {
    for (const std::string& dt : dtypes) {
      EXPECT_TRUE(found[op].count(dt)) << "no " << dt << " case for " << op << " in " << ops_dir()
                                       << " (regenerate with tools/make_op_goldens.py)";
    }
  }
}

TEST(OpGoldenCoverage, Base64DecoderRoundTrips) {
  std::vector<uint8_t> out;
  ASSERT_TRUE(base64_decode("VEZMMw==", &out));
  EXPECT_EQ(std::string(out.begin(), out.end()), "TFL3");
  ASSERT_TRUE(base64_decode("AAEC/w==", &out));
  EXPECT_EQ(out, (std::vector<uint8_t>{0, 1, 2, 255}));
  EXPECT_FALSE(base64_decode("AA*A", &out));
}

// A TFLite QUANTIZE still rounds ties half away from zero (TFLite's
// AffineQuantize) now that the IR op can also round half to even (ONNX): the
// golden float32 -> int8 model, run on inputs whose x / scale are exact ties.
TEST(OpGoldenCoverage, TfliteQuantizeRoundsTiesAwayFromZero) {
  const json golden = read_json(ops_dir() + "/quantize.json");
  const json* found = nullptr;
  for (const json& c : golden["cases"]) {
    if (c["name"] == "int8/from_float32_to_int8") found = &c;
  }
  ASSERT_NE(found, nullptr);
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(base64_decode((*found)["model_base64"].get<std::string>(), &bytes));
  auto model = Model::load_from_buffer(bytes.data(), bytes.size());
  ASSERT_TRUE(model.ok()) << model.status().message();
  auto session = Session::create(*model, SessionOptions{});
  ASSERT_TRUE(session.ok()) << session.status().message();
  const TensorInfo& out = (*model)->output_info(0);
  ASSERT_EQ(out.quant.scale.size(), 1u);
  const float scale = out.quant.scale[0];
  const int64_t zp = out.quant.zero_point[0];
  const int64_t n = (*model)->input_info(0).elements();
  auto* x = static_cast<float*>(session->input_data(0));
  std::vector<std::pair<int64_t, int64_t>> ties;  // (element, expected value)
  for (int64_t i = 0; i < n; ++i) {
    // (k + 0.5) * scale for k in [-10, 10], checked where x / scale is exactly the tie in float.
    const double tie = static_cast<double>(i % 21 - 10) + 0.5;
    x[i] = static_cast<float>(tie * scale);
    if (x[i] / scale != static_cast<float>(tie)) continue;
    const int64_t away = tie > 0 ? static_cast<int64_t>(tie) + 1 : static_cast<int64_t>(tie) - 1;
    ties.emplace_back(i, std::clamp<int64_t>(away + zp, -128, 127));
  }
  ASSERT_GE(ties.size(), 10u);
  ASSERT_TRUE(session->invoke().ok());
  const auto* y = static_cast<const int8_t*>(session->output_data(0));
  for (const auto& [i, want] : ties) EXPECT_EQ(y[i], want) << "x[" << i << "] = " << x[i];
}

}  // namespace
}  // namespace edgerun
