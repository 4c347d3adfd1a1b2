// The edgerun command-line tool, run as a user would run it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "edgerun/edgerun.h"
#include "cli/cli_runner.h"
#include "io/npy/npy.h"
#include "vision/image.h"
#include "vision/resize.h"
#include "shared_data.h"

namespace edgerun {
namespace {

using testcli::quote;
using testcli::run_cli;

TEST(Cli, ClassifiesCatWithMobilenetV1) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.5_160_quant.tflite");
  EDGERUN_REQUIRE_SHARED(image, "images/cat.bmp");
  auto r = run_cli("classify --model " + quote(model) + " --resize nearest --json " + quote(image));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  const auto& top = j["results"][0]["top_k"][0];
  EXPECT_EQ(top["label"], "Egyptian cat") << r.output;
  EXPECT_GT(top["score"].get<double>(), 0.6);
  EXPECT_EQ(j["results"][0]["top_k"].size(), 5u);
}

TEST(Cli, ClassifiesGraceHopperWithMobilenetV2) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v2_1.0_224_quant.tflite");
  EDGERUN_REQUIRE_SHARED(image, "images/grace_hopper.bmp");
  auto r = run_cli("classify -m " + quote(model) + " --top-k 3 " + quote(image));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Text output: the first ranked line names the label.
  const auto line = r.output.find("  1. ");
  ASSERT_NE(line, std::string::npos) << r.output;
  EXPECT_NE(r.output.substr(line, r.output.find('\n', line) - line).find("military uniform"), std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("  4. "), std::string::npos) << "--top-k 3 printed a 4th line";
}

TEST(Cli, ExternalLabelFileAndUnlabelledModels) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(extractor, "models/mobilenet_v1_1.0_224_quant_embedding_extractor.tflite");
  EDGERUN_REQUIRE_SHARED(image, "images/grace_hopper.bmp");
  const auto dir = std::filesystem::path(::testing::TempDir());
  // A label file given with --labels replaces the embedded one.
  const std::string labels = (dir / ("labels_" + std::to_string(getpid()) + ".txt")).string();
  {
    std::ofstream f(labels);
    for (int i = 0; i < 1001; ++i) f << "label" << i << "\n";
  }
  auto r = run_cli("classify -m " + quote(model) + " -k 1 --json --labels " + quote(labels) + " " + quote(image));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  const int index = j["results"][0]["top_k"][0]["index"];
  EXPECT_EQ(j["results"][0]["top_k"][0]["label"], "label" + std::to_string(index));
  // No labels anywhere: entries are named by index.
  auto e = run_cli("classify -m " + quote(extractor) + " -k 2 --json " + quote(image));
  ASSERT_EQ(e.exit_code, 0) << e.output;
  auto je = nlohmann::json::parse(e.output);
  ASSERT_EQ(je["results"][0]["top_k"].size(), 2u);
  EXPECT_EQ(je["results"][0]["top_k"][0]["label"],
            "class " + std::to_string(je["results"][0]["top_k"][0]["index"].get<int>()));
}

TEST(Cli, InspectReportsModelFacts) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v2_1.0_224_quant.tflite");
  auto r = run_cli("inspect --json " + quote(model));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["inputs"][0]["shape"], nlohmann::json({1, 224, 224, 3}));
  EXPECT_EQ(j["inputs"][0]["dtype"], "uint8");
  EXPECT_EQ(j["outputs"][0]["shape"], nlohmann::json({1, 1001}));
  // MobileNetV2 1.0/224 has ~300 M multiply-accumulates and ~3.5 M parameters.
  EXPECT_GT(j["macs"].get<int64_t>(), 280'000'000);
  EXPECT_LT(j["macs"].get<int64_t>(), 320'000'000);
  EXPECT_GT(j["parameters"].get<int64_t>(), 3'400'000);
  EXPECT_LT(j["parameters"].get<int64_t>(), 3'600'000);
  // Lifetime sharing must beat one buffer per tensor by a wide margin.
  EXPECT_LT(j["arena_bytes"].get<int64_t>() * 3, j["activation_bytes_unshared"].get<int64_t>());
  EXPECT_EQ(j["metadata"]["labels"], 1001);
  auto text = run_cli("inspect " + quote(model));
  EXPECT_NE(text.output.find("DEPTHWISE_CONV_2D"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("Arena:"), std::string::npos) << text.output;
}

TEST(Cli, RunWritesNpyOutputs) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("edgerun_cli_run_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::vector<uint8_t> pixels(128 * 128 * 3, 128);
  ASSERT_TRUE(npy::write_npy((dir / "in.npy").string(), DType::kUInt8, {1, 128, 128, 3}, pixels.data()).ok());
  auto r = run_cli("run " + quote(model) + " --input " + quote((dir / "in.npy").string()) + " --output " +
                   quote((dir / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto out = npy::read_npy((dir / "out" / "output_0.npy").string());
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->dtype, DType::kUInt8);
  EXPECT_EQ(out->shape, (Shape{1, 1001}));
  // Same bytes as the library gives in-process for the same input.
  auto m = Model::load(model);
  ASSERT_TRUE(m.ok());
  auto s = Session::create(*m);
  ASSERT_TRUE(s.ok());
  std::memcpy(s->input_data(0), pixels.data(), pixels.size());
  ASSERT_TRUE(s->invoke().ok());
  EXPECT_EQ(std::memcmp(out->data.data(), s->output_data(0), out->data.size()), 0);

  std::vector<float> wrong(10, 0.f);
  ASSERT_TRUE(npy::write_npy((dir / "bad.npy").string(), DType::kFloat32, {10}, wrong.data()).ok());
  auto bad = run_cli("run " + quote(model) + " -i " + quote((dir / "bad.npy").string()) + " -o " +
                     quote((dir / "out").string()));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("expects uint8 [1,128,128,3], found float32 [10]"), std::string::npos) << bad.output;
}

TEST(Cli, BadArgumentsGetOneClearLine) {
  auto none = run_cli("");
  EXPECT_NE(none.exit_code, 0);
  auto unknown = run_cli("frobnicate");
  EXPECT_NE(unknown.exit_code, 0);
  auto missing_model = run_cli("inspect /nonexistent/model.tflite");
  EXPECT_EQ(missing_model.exit_code, 1);
  EXPECT_EQ(missing_model.output, "edgerun: /nonexistent/model.tflite: no such file\n");
  auto bad_k = run_cli("classify --top-k 0 x.jpg");
  EXPECT_EQ(bad_k.exit_code, 2) << bad_k.output;
  auto help = run_cli("classify --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--resize"), std::string::npos);
}

TEST(Cli, MissingImageFailsButOthersStillClassify) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(image, "images/cat.bmp");
  auto r = run_cli("classify -m " + quote(model) + " /nonexistent.jpg " + quote(image));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("/nonexistent.jpg"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cat.bmp"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace edgerun

namespace edgerun {
namespace {

// The float path of classify: a float32 model without metadata takes
// (p - 127.5) / 127.5 by default, and --mean/--std override it.
TEST(Cli, ClassifiesWithAFloatModel) {
  EDGERUN_REQUIRE_SHARED(image, "images/cat.bmp");
  const std::string goldens = std::string(EDGERUN_SOURCE_DIR) + "/tests/goldens/ops/";
  const std::string model = goldens + "tiny_float_classifier.tflite";
  std::ifstream f(goldens + "tiny_float_classifier.json");
  const auto golden = nlohmann::json::parse(f);
  const auto& cat = golden["cases"][0];
  ASSERT_EQ(cat["params"]["image"], "cat.bmp");
  const std::vector<float> expected_input = cat["inputs"][0]["values"];
  const std::vector<float> expected_probs = cat["outputs"][0]["reference"];

  const auto dir = std::filesystem::path(::testing::TempDir()) / ("edgerun_cli_float_" + std::to_string(getpid()));
  auto r = run_cli("classify -m " + quote(model) + " --resize nearest -k 10 --json --dump-inputs " +
                   quote(dir.string()) + " " + quote(image));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto dumped = npy::read_npy((dir / "0.npy").string());
  ASSERT_TRUE(dumped.ok()) << dumped.status().message();
  ASSERT_EQ(dumped->dtype, DType::kFloat32);
  ASSERT_EQ(dumped->data.size(), expected_input.size() * sizeof(float));
  EXPECT_EQ(std::memcmp(dumped->data.data(), expected_input.data(), dumped->data.size()), 0)
      << "classify's float input differs from (p - 127.5) / 127.5 of the nearest-resized photo";
  auto j = nlohmann::json::parse(r.output);
  for (const auto& p : j["results"][0]["top_k"]) {
    const int index = p["index"];
    EXPECT_NEAR(p["score"].get<double>(), expected_probs[index], 1e-6) << "class " << index;
  }

  auto scaled = run_cli("classify -m " + quote(model) + " --resize nearest -k 1 --json --mean 0 --std 255 " +
                        "--dump-inputs " + quote(dir.string()) + " " + quote(image));
  ASSERT_EQ(scaled.exit_code, 0) << scaled.output;
  auto in01 = npy::read_npy((dir / "0.npy").string());
  ASSERT_TRUE(in01.ok());
  const float* v = reinterpret_cast<const float*>(in01->data.data());
  // (p - 0) / 255 maps back to the golden's (p - 127.5) / 127.5 by x01 = (x + 1) / 2.
  EXPECT_NEAR(v[0], (expected_input[0] + 1.0f) / 2.0f, 1e-6);
  EXPECT_NEAR(v[5], (expected_input[5] + 1.0f) / 2.0f, 1e-6);
}

// An ONNX model with an NCHW input ([1,3,15,13], tests/goldens/onnx/fixtures):
// classify fills it plane by plane, the same values the NHWC path writes.
TEST(Cli, ClassifiesWithAnNchwOnnxModel) {
  EDGERUN_REQUIRE_SHARED(image, "images/cat.bmp");
  const std::string model = std::string(EDGERUN_SOURCE_DIR) + "/tests/goldens/onnx/fixtures/qdq_float.onnx";
  const auto dir = std::filesystem::path(::testing::TempDir()) / ("edgerun_cli_nchw_" + std::to_string(getpid()));
  auto r = run_cli("classify -m " + quote(model) + " --resize nearest -k 3 --json --mean 0 --std 255 --dump-inputs " +
                   quote(dir.string()) + " " + quote(image));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["results"][0]["top_k"].size(), 3u);
  auto in = npy::read_npy((dir / "0.npy").string());
  ASSERT_TRUE(in.ok()) << in.status().message();
  ASSERT_EQ(in->shape, (Shape{1, 3, 15, 13}));
  auto decoded = vision::decode_image_file(image);
  ASSERT_TRUE(decoded.ok());
  const vision::Image small = vision::resize(*decoded, 13, 15, vision::ResizeMethod::kNearest);
  const auto* v = reinterpret_cast<const float*>(in->data.data());
  const size_t plane = 15 * 13;
  for (size_t i : {size_t{0}, size_t{7}, size_t{100}, plane - 1}) {
    for (size_t c = 0; c < 3; ++c) {
      EXPECT_FLOAT_EQ(v[c * plane + i], static_cast<float>(small.rgb[i * 3 + c]) / 255.0f) << "pixel " << i << " channel " << c;
    }
  }
}

}  // namespace
}  // namespace edgerun
