// `edgerun convert`, run as a user would run it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_runner.h"
#include "convert/test_models.h"
#include "shared_data.h"

namespace edgerun {
namespace {

using testcli::quote;
using testcli::run_cli;

std::string temp_path(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / (std::to_string(getpid()) + "_" + name)).string();
}

const std::string kFixtures = std::string(EDGERUN_SOURCE_DIR) + "/tests/goldens/onnx/fixtures/";

TEST(CliConvert, HelpExplainsTheOptions) {
  auto r = run_cli("convert --help");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* part : {"IN", "--output", "--labels", "--mean", "--std", "--json", "docs/convert.md", "--dequantize",
                           "--quantize", "--calibration", "--calib-count", "--range", "--io", "--report"}) {
    EXPECT_NE(r.output.find(part), std::string::npos) << part << " missing from:\n" << r.output;
  }
}

// The converted model classifies exactly as the original (same scores), labels included.
TEST(CliConvert, ConvertedModelClassifiesLikeTheOriginal) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(image, "images/cat.bmp");
  const std::string out = temp_path("mobilenet_v1_0.25.tflite");
  auto r = run_cli("convert " + quote(model) + " -o " + quote(out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(" -> " + out), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("ops:        31 -> 31 (CONV_2D 15, DEPTHWISE_CONV_2D 13"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("metadata:   name 'ImageClassifier', 1001 labels, mean [127.5], std [127.5]"),
            std::string::npos)
      << r.output;
  auto want = run_cli("classify --model " + quote(model) + " --resize nearest --json " + quote(image), false);
  auto got = run_cli("classify --model " + quote(out) + " --resize nearest --json " + quote(image), false);
  ASSERT_EQ(want.exit_code, 0) << want.output;
  ASSERT_EQ(got.exit_code, 0) << got.output;
  EXPECT_EQ(nlohmann::json::parse(got.output)["results"][0]["top_k"],
            nlohmann::json::parse(want.output)["results"][0]["top_k"]);
  std::filesystem::remove(out);
}

TEST(CliConvert, JsonSummaryWithNewLabelsAndNormalization) {
  const std::string labels = temp_path("labels.txt");
  {
    std::ofstream f(labels);
    for (int i = 0; i < 7; ++i) f << "class " << i << "\n";
  }
  const std::string out = temp_path("conv_paths.tflite");
  auto r = run_cli("convert " + quote(kFixtures + "conv_paths.onnx") + " --output " + quote(out) + " --labels " +
                       quote(labels) + " --mean 1,2,3 --std 4,5,6 --json",
                   false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["output"], out);
  EXPECT_EQ(j["metadata"]["labels"], 7);
  EXPECT_EQ(j["metadata"]["mean"], nlohmann::json::parse("[1.0, 2.0, 3.0]"));
  EXPECT_EQ(j["metadata"]["std"], nlohmann::json::parse("[4.0, 5.0, 6.0]"));
  EXPECT_EQ(j["output_bytes"].get<size_t>(), std::filesystem::file_size(out));
  int pads = 0;
  for (const auto& op : j["ops"]) pads += op["op"] == "PAD" ? op["count"].get<int>() : 0;
  EXPECT_EQ(pads, 1) << r.output;  // the stride-2 conv's ONNX pads
  auto inspect = run_cli("inspect --json " + quote(out), false);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_EQ(nlohmann::json::parse(inspect.output)["metadata"]["labels"], 7);
  std::filesystem::remove(out);
  std::filesystem::remove(labels);
}

// A quantized model to float (--dequantize) and back to int8, calibrated on
// four photos: the int8 model classifies the photos as the float one, and
// the JSON names the calibration, the ops left float and the report.
TEST(CliConvert, DequantizeThenQuantizeInt8) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(images, "images");
  const std::string calib = temp_path("calib");
  std::filesystem::create_directories(calib);
  for (const char* photo : {"cat.bmp", "parrot.jpg", "hot_dog.jpg", "grace_hopper.bmp"}) {
    std::filesystem::copy_file(images + "/" + photo, calib + "/" + photo, std::filesystem::copy_options::overwrite_existing);
  }
  const std::string flt = temp_path("v1_float.tflite"), q8 = temp_path("v1_int8.tflite"), u8 = temp_path("v1_uint8.tflite");
  const std::string report = temp_path("report.json");
  auto f = run_cli("convert " + quote(model) + " --dequantize -o " + quote(flt) + " --json", false);
  ASSERT_EQ(f.exit_code, 0) << f.output;
  EXPECT_EQ(nlohmann::json::parse(f.output)["inputs"][0]["dtype"], "float32");
  auto q = run_cli("convert " + quote(flt) + " --quantize int8 --calibration " + quote(calib) +
                       " --calib-count 4 --range percentile --report " + quote(report) + " -o " + quote(q8) + " --json",
                   false);
  ASSERT_EQ(q.exit_code, 0) << q.output;
  const auto j = nlohmann::json::parse(q.output);
  EXPECT_EQ(j["quantization"]["calibration"]["images"], 4);
  EXPECT_EQ(j["quantization"]["calibration"]["range"], "percentile");
  EXPECT_EQ(j["quantization"]["float_nodes"], 0);
  EXPECT_EQ(j["quantization"]["report"]["worst"].size(), 5u);
  EXPECT_LT(j["output_bytes"].get<double>(), 0.35 * std::filesystem::file_size(flt));
  const auto layers = nlohmann::json::parse(std::ifstream(report))["layers"];
  EXPECT_EQ(layers.size(), 32u);  // the input QUANTIZE and 31 ops
  for (const char* photo : {"cat.bmp", "parrot.jpg"}) {
    auto a = run_cli("classify --model " + quote(flt) + " --json " + quote(calib + "/" + photo), false);
    auto b = run_cli("classify --model " + quote(q8) + " --json " + quote(calib + "/" + photo), false);
    ASSERT_EQ(a.exit_code, 0) << a.output;
    ASSERT_EQ(b.exit_code, 0) << b.output;
    EXPECT_EQ(nlohmann::json::parse(a.output)["results"][0]["top_k"][0]["index"],
              nlohmann::json::parse(b.output)["results"][0]["top_k"][0]["index"])
        << photo;
  }
  auto u = run_cli("convert " + quote(flt) + " --quantize int8 --io uint8 --calibration " + quote(calib) +
                       " --calib-count 2 -o " + quote(u8) + " --json",
                   false);
  ASSERT_EQ(u.exit_code, 0) << u.output;
  EXPECT_EQ(nlohmann::json::parse(u.output)["inputs"][0]["dtype"], "uint8");
  EXPECT_EQ(nlohmann::json::parse(u.output)["outputs"][0]["dtype"], "uint8");
  for (const std::string& p : {flt, q8, u8, report}) std::filesystem::remove(p);
  std::filesystem::remove_all(calib);
}

TEST(CliConvert, QuantizeErrors) {
  const std::string out = temp_path("never_int8.tflite");
  auto no_calib = run_cli("convert " + quote(kFixtures + "conv_paths.onnx") + " --quantize int8 -o " + quote(out));
  EXPECT_EQ(no_calib.exit_code, 1) << no_calib.output;
  EXPECT_NE(no_calib.output.find("needs --calibration"), std::string::npos) << no_calib.output;
  auto bad_range = run_cli("convert " + quote(kFixtures + "conv_paths.onnx") + " --quantize int8 --range best -o " +
                           quote(out));
  EXPECT_EQ(bad_range.exit_code, 2) << bad_range.output;
  auto few = run_cli("convert " + quote(kFixtures + "conv_paths.onnx") + " --quantize int8 --calibration " +
                     quote(std::string(EDGERUN_SOURCE_DIR) + "/docs") + " -o " + quote(out));
  EXPECT_EQ(few.exit_code, 1) << few.output;
  EXPECT_NE(few.output.find("calibration needs 100 images, found 0"), std::string::npos) << few.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST(CliConvert, ErrorsAreOneClearLine) {
  const std::string out = temp_path("never.tflite");
  auto missing = run_cli("convert /nonexistent/model.onnx -o " + quote(out));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.output.rfind("edgerun: ", 0), 0u) << missing.output;
  EXPECT_NE(missing.output.find("/nonexistent/model.onnx"), std::string::npos) << missing.output;

  auto unwritable = run_cli("convert " + quote(kFixtures + "qdq_int8.onnx") + " -o " + quote(out));
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_NE(unwritable.output.find("(QUANTIZE, source operator 8): rounding half to even (ONNX QuantizeLinear) "
                                   "cannot be written as TFLite"),
            std::string::npos)
      << unwritable.output;
  EXPECT_FALSE(std::filesystem::exists(out));

  auto no_dir = run_cli("convert " + quote(kFixtures + "conv_paths.onnx") + " -o /nonexistent/dir/m.tflite");
  EXPECT_EQ(no_dir.exit_code, 1);
  EXPECT_NE(no_dir.output.find("/nonexistent/dir/m.tflite: cannot create"), std::string::npos) << no_dir.output;

  auto half = run_cli("convert " + quote(kFixtures + "conv_paths.onnx") + " -o " + quote(out) + " --mean 1");
  EXPECT_EQ(half.exit_code, 2) << half.output;
  EXPECT_NE(half.output.find("--std"), std::string::npos) << half.output;

  auto no_output = run_cli("convert " + quote(kFixtures + "conv_paths.onnx"));
  EXPECT_EQ(no_output.exit_code, 2) << no_output.output;
}

// ---- Weight passes: --quantize fp16 | dynamic, --prune S [--prune-structured] ----

TEST(CliConvert, HelpExplainsTheWeightOptions) {
  auto r = run_cli("convert --help");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* part : {"--quantize", "fp16", "dynamic", "--prune", "(0, 1)", "--prune-structured", "L1 norm"}) {
    EXPECT_NE(r.output.find(part), std::string::npos) << part << " missing from:\n" << r.output;
  }
}

TEST(CliConvert, WeightOptionErrors) {
  const std::string in = kFixtures + "conv_paths.onnx", out = temp_path("never.tflite");
  for (const char* bad : {"1.5", "0", "1", "-0.2", "half"}) {
    auto r = run_cli("convert " + quote(in) + " -o " + quote(out) + " --prune " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.output;
    EXPECT_NE(r.output.find("--prune"), std::string::npos) << r.output;
  }
  auto r = run_cli("convert " + quote(in) + " -o " + quote(out) + " --prune 1.5");
  EXPECT_NE(r.output.find("expected a fraction in (0, 1), found 1.5"), std::string::npos) << r.output;
  auto alone = run_cli("convert " + quote(in) + " -o " + quote(out) + " --prune-structured");
  EXPECT_EQ(alone.exit_code, 2) << alone.output;
  EXPECT_NE(alone.output.find("--prune"), std::string::npos) << alone.output;
  auto kind = run_cli("convert " + quote(in) + " -o " + quote(out) + " --quantize int4");
  EXPECT_EQ(kind.exit_code, 2) << kind.output;
  EXPECT_NE(kind.output.find("int4"), std::string::npos) << kind.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

// The small float CNN of convert/test_models.h as a .tflite file.
std::string small_cnn_file() {
  const std::string path = temp_path("small_cnn.tflite");
  const std::vector<uint8_t> bytes = testmodels::write(testmodels::small_cnn());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  return path;
}

TEST(CliConvert, Fp16JsonReportsTheWrittenFile) {
  const std::string in = small_cnn_file(), out = temp_path("small_fp16.tflite");
  auto r = run_cli("convert " + quote(in) + " -o " + quote(out) + " --quantize fp16 --json", false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["quantize"]["mode"], "fp16");
  EXPECT_EQ(j["quantize"]["tensors"], 10);
  EXPECT_EQ(j["quantize"]["bytes_after"].get<int64_t>() * 2, j["quantize"]["bytes_before"].get<int64_t>());
  int dequantize = 0;
  for (const auto& op : j["ops"]) dequantize += op["op"] == "DEQUANTIZE" ? op["count"].get<int>() : 0;
  EXPECT_EQ(dequantize, 10);
  // The file's parameters: float16 weights and biases, 2 bytes each.
  EXPECT_EQ(j["parameters"], 35296 + 516);
  EXPECT_EQ(j["parameter_bytes"], (35296 + 516) * 2);
  EXPECT_EQ(j["weights"], 35296);
  EXPECT_EQ(j["zero_weights"], 0);
  EXPECT_EQ(j["output_bytes"].get<size_t>(), std::filesystem::file_size(out));
  EXPECT_GT(j["output_zstd_bytes"].get<int64_t>(), 0);
  EXPECT_LT(j["output_bytes"].get<size_t>(), std::filesystem::file_size(in) * 52 / 100);
  auto run = run_cli("inspect " + quote(out));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  std::filesystem::remove(out);
  std::filesystem::remove(in);
}

TEST(CliConvert, PruneThenDynamicReportsSparsityAndCompression) {
  const std::string in = small_cnn_file(), out = temp_path("small_pruned.tflite");
  auto r = run_cli("convert " + quote(in) + " -o " + quote(out) + " --prune 0.5 --prune-depthwise --quantize dynamic --json",
                   false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["prune"]["sparsity"], 0.5);
  EXPECT_EQ(j["prune"]["structured"], false);
  ASSERT_EQ(j["prune"]["layers"].size(), 4u);  // conv2, dw, conv3, logits
  ASSERT_EQ(j["prune"]["skipped"].size(), 1u);
  EXPECT_EQ(j["prune"]["skipped"][0], "node 0 (CONV_2D) 'conv1': 864 weights, below 1000");
  EXPECT_EQ(j["quantize"]["mode"], "dynamic");
  EXPECT_EQ(j["quantize"]["tensors"], 4);
  // Half of the 34,432 weights of those layers, of 35,296 (int8 keeps them 0).
  const double sparsity = j["sparsity"].get<double>();
  EXPECT_GE(sparsity, 17216.0 / 35296);
  EXPECT_LT(sparsity, 0.5);
  EXPECT_LT(j["output_zstd_bytes"].get<int64_t>(), j["output_bytes"].get<int64_t>() * 3 / 4);

  // Without --prune-depthwise the depthwise conv keeps its weights.
  auto no_dw = run_cli("convert " + quote(in) + " -o " + quote(out) + " --prune 0.5 --json", false);
  ASSERT_EQ(no_dw.exit_code, 0) << no_dw.output;
  const auto k = nlohmann::json::parse(no_dw.output);
  EXPECT_EQ(k["prune"]["layers"].size(), 3u);
  ASSERT_EQ(k["prune"]["skipped"].size(), 2u);
  EXPECT_NE(k["prune"]["skipped"][1].get<std::string>().find("depthwise (not pruned by default)"), std::string::npos);

  auto text = run_cli("convert " + quote(in) + " -o " + quote(out) + " --prune 0.5 --prune-structured");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  // conv2 feeds the depthwise and conv3; conv3 feeds the pool and the fully connected layer.
  EXPECT_NE(text.output.find("pruned:     128 filters removed (0.5 of each CONV_2D's) from 2 layers (1 skipped)"),
            std::string::npos)
      << text.output;
  EXPECT_NE(text.output.find("with zstd -19"), std::string::npos) << text.output;
  std::filesystem::remove(out);
  std::filesystem::remove(in);
}

// Pruning runs before int8 quantization: the calibrated int8 model keeps the zeros.
TEST(CliConvert, PruneThenInt8) {
  EDGERUN_REQUIRE_SHARED(calib, "eval/imagenet-100");
  const std::string in = small_cnn_file(), out = temp_path("small_pruned_int8.tflite");
  auto r = run_cli("convert " + quote(in) + " -o " + quote(out) + " --prune 0.5 --prune-depthwise --quantize int8 --calibration " +
                       quote(calib) + " --calib-count 4 --mean 127.5 --std 127.5 --json",
                   false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["prune"]["layers"].size(), 4u);
  EXPECT_EQ(j["prune"]["bias_corrected_layers"], 4);  // --calibration: the pruned layers' biases corrected
  EXPECT_TRUE(j.contains("quantization"));
  EXPECT_GE(j["sparsity"].get<double>(), 17216.0 / 35296);
  EXPECT_LT(j["sparsity"].get<double>(), 0.55);
  std::filesystem::remove(out);
  std::filesystem::remove(in);
}

}  // namespace
}  // namespace edgerun
