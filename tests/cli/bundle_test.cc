// `edgerun keygen` and `edgerun bundle create | sign | verify | inspect`, as a user runs them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "shared_data.h"

namespace edgerun {
namespace {

using testcli::quote;
using testcli::run_cli;

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class CliBundle : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/cli_bundle_" + std::to_string(::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string p(const std::string& name) const { return quote(dir_ + "/" + name); }
  std::string dir_;
};

TEST_F(CliBundle, KeygenCreateVerifyInspect) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(labels, "models/imagenet_labels.txt");
  EDGERUN_REQUIRE_SHARED(photo, "images/grace_hopper.bmp");
  auto r = run_cli("keygen " + p("release"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "signing key ")) << r.output;
  r = run_cli("keygen " + p("release"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.output, "already exists; not overwriting a key")) << r.output;
  ASSERT_EQ(run_cli("keygen --type encryption " + p("device")).exit_code, 0);
  ASSERT_EQ(run_cli("keygen " + p("other")).exit_code, 0);

  r = run_cli("bundle create --model " + quote(model) + " --labels " + quote(labels) +
              " --name mbv1 --version 1.2.0 --arch any --health-image " + quote(photo) + " --sign-key " +
              p("release.key") + " --encrypt-to " + p("device.pub") + " --zstd-level 3 -o " + p("b.erb"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(r.output, "mbv1 1.2.0, 4 files")) << r.output;

  r = run_cli("bundle verify " + p("b.erb") + " --trust " + p("release.pub") + " --decrypt-key " + p("device.key") +
                  " --health --json",
              false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["version"], "1.2.0");
  EXPECT_EQ(j["checks"], nlohmann::json({"structure", "signature", "decryption", "contents", "health"}));

  r = run_cli("bundle inspect --json " + p("b.erb"), false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto i = nlohmann::json::parse(r.output);
  EXPECT_EQ(i["manifest"]["name"], "mbv1");
  EXPECT_EQ(i["manifest"]["labels"], "imagenet_labels.txt");
  EXPECT_EQ(i["manifest"]["encryption"]["recipients"].size(), 1u);

  // Each failure names its check, exit code 1.
  r = run_cli("bundle verify " + p("b.erb") + " --trust " + p("other.pub") + " --decrypt-key " + p("device.key"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.output, "signature check failed: signed by key")) << r.output;
  r = run_cli("bundle verify " + p("b.erb") + " --trust " + p("release.pub"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.output, "decryption failed")) << r.output;
  ASSERT_EQ(std::system(("head -c 5000 " + p("b.erb") + " > " + p("t.erb")).c_str()), 0);
  r = run_cli("bundle verify " + p("t.erb") + " --trust " + p("release.pub"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.output, "structure check failed: truncated")) << r.output;

  // Re-signing with another key makes it verify with that key only.
  r = run_cli("bundle sign " + p("b.erb") + " --key " + p("other.key") + " -o " + p("c.erb"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(run_cli("bundle verify " + p("c.erb") + " --trust " + p("other.pub") + " --decrypt-key " + p("device.key"))
                .exit_code,
            0);
  EXPECT_EQ(
      run_cli("bundle verify " + p("c.erb") + " --trust " + p("release.pub") + " --decrypt-key " + p("device.key"))
          .exit_code,
      1);
}

TEST_F(CliBundle, BadUsageAndHelp) {
  auto r = run_cli("bundle --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(Contains(r.output, "create")) << r.output;
  EXPECT_TRUE(Contains(r.output, "docs/deploy.md")) << r.output;
  r = run_cli("bundle create --name x --version 1.0.0 -o " + p("x.erb"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(Contains(r.output, "--model is required")) << r.output;
  std::ofstream(dir_ + "/m.tflite") << "not a model";
  r = run_cli("bundle create --model " + p("m.tflite") + " --name x --version 1.0 -o " + p("x.erb"));
  EXPECT_EQ(r.exit_code, 1);
  r = run_cli("bundle create --model " + std::string(EDGERUN_SOURCE_DIR) +
              "/tests/goldens/ops/tiny_float_classifier.tflite --name x --version 1.0 -o " + p("x.erb"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.output, "'1.0' is not a semantic version")) << r.output;
  std::ofstream(dir_ + "/empty.txt") << "\n";
  r = run_cli("bundle create --model " + std::string(EDGERUN_SOURCE_DIR) +
              "/tests/goldens/ops/tiny_float_classifier.tflite --labels " + p("empty.txt") +
              " --name x --version 1.0.0 -o " + p("x.erb"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(Contains(r.output, "label file has no labels")) << r.output;
}

}  // namespace
}  // namespace edgerun
