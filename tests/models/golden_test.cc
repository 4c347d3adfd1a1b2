// End-to-end parity with LiteRT: every shared model, on the golden photos,
// must reproduce the outputs of TFLite's reference kernels bit for bit
// (tests/goldens/*.json, made by tools/make_goldens.py).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "edgerun/edgerun.h"
#include "shared_data.h"
#include "vision/image.h"
#include "vision/preprocess.h"
#include "vision/resize.h"

namespace edgerun {
namespace {

std::vector<std::string> golden_files() {
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(std::string(EDGERUN_SOURCE_DIR) + "/tests/goldens")) {
    if (e.path().extension() == ".json") files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

// The engine configurations every golden must hold under: the fast kernels on
// one thread and on three (uneven splits of every op), the AVX2 tier on two
// (so an AVX-512 machine checks the kernels an AVX2 one runs), and the
// reference kernels on two.
struct EngineConfig {
  KernelChoice kernels;
  int threads;
  const char* name;
};
constexpr EngineConfig kConfigs[] = {
    {KernelChoice::kAuto, 1, "auto kernels, 1 thread"},
    {KernelChoice::kAuto, 3, "auto kernels, 3 threads"},
    {KernelChoice::kAvx2, 2, "AVX2 kernels, 2 threads"},
    {KernelChoice::kReference, 2, "reference kernels, 2 threads"},
};

void check_golden(const nlohmann::json& golden, const std::string& model_path, const EngineConfig& config) {
  const std::string model_name = golden["model"];
  SCOPED_TRACE(config.name);
  LoadOptions lo;
  lo.kernels = config.kernels;
  auto model = Model::load(model_path, lo);
  ASSERT_TRUE(model.ok()) << model.status().message();
  SessionOptions so;
  so.threads = config.threads;
  auto session = Session::create(*model, so);
  ASSERT_TRUE(session.ok()) << session.status().message();
  const TensorInfo& in = (*model)->input_info(0);

  int exact_cases = 0, default_mismatches = 0;
  for (const auto& c : golden["cases"]) {
    const std::string image_name = c["image"];
    SCOPED_TRACE(model_name + " on " + image_name);
    EDGERUN_REQUIRE_SHARED(image_path, "images/" + image_name);
    auto image = vision::decode_image_file(image_path);
    ASSERT_TRUE(image.ok()) << image.status().message();
    ASSERT_EQ(c["resize"], "nearest");
    const vision::Image resized = vision::resize(*image, in.shape[2], in.shape[1], vision::ResizeMethod::kNearest);
    ASSERT_TRUE(vision::fill_input(resized, in, std::nullopt, session->input_data(0)).ok());
    ASSERT_TRUE(session->invoke().ok());

    for (size_t o = 0; o < c["outputs"].size(); ++o) {
      const auto& go = c["outputs"][o];
      const TensorInfo& out = (*model)->output_info(o);
      ASSERT_EQ(go["dtype"], dtype_name(out.dtype));
      const std::vector<int> ref = go["reference"];
      ASSERT_EQ(static_cast<int64_t>(ref.size()), out.elements());
      std::vector<int> got(ref.size());
      for (size_t i = 0; i < got.size(); ++i) {
        got[i] = out.dtype == DType::kUInt8 ? static_cast<const uint8_t*>(session->output_data(o))[i]
                                            : static_cast<const int8_t*>(session->output_data(o))[i];
      }
      size_t diff = 0, first = got.size();
      for (size_t i = 0; i < got.size(); ++i) {
        if (got[i] != ref[i]) {
          ++diff;
          if (first == got.size()) first = i;
        }
      }
      EXPECT_EQ(diff, 0u) << diff << " of " << got.size() << " outputs differ from LiteRT's reference kernels; first at "
                          << first << ": edgerun " << (first < got.size() ? got[first] : 0) << " vs LiteRT "
                          << (first < got.size() ? ref[first] : 0);
      if (diff == 0) ++exact_cases;
      const std::vector<int> def = go["default"];
      for (size_t i = 0; i < got.size(); ++i) default_mismatches += got[i] != def[i];
    }
  }
  // The optimized LiteRT path rounds differently in places; report, don't assert.
  std::cout << "[ golden ] " << model_name << " (" << config.name << "): " << exact_cases << " outputs bit-exact with the reference kernels; "
            << default_mismatches << " elements differ from LiteRT's default (XNNPACK) path\n";
}

TEST_P(GoldenTest, MatchesLiteRTReferenceKernelsBitForBit) {
  std::ifstream f(GetParam());
  const nlohmann::json golden = nlohmann::json::parse(f);
  EDGERUN_REQUIRE_SHARED(model_path, "models/" + golden["model"].get<std::string>());
  for (const EngineConfig& config : kConfigs) check_golden(golden, model_path, config);
}

INSTANTIATE_TEST_SUITE_P(SharedModels, GoldenTest, ::testing::ValuesIn(golden_files()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = std::filesystem::path(info.param).stem().string();
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace edgerun
