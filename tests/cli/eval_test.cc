// `edgerun eval`, run as a user would run it: small datasets made at test time
// from the shared photos, and the shared imagenet-100 set.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_runner.h"
#include "eval/temp_dataset.h"
#include "shared_data.h"

namespace edgerun {
namespace {

using testcli::quote;
using testcli::run_cli;

const char* const kPhotos[] = {"grace_hopper.bmp", "cat.bmp", "hot_dog.jpg", "parrot.jpg"};

// classify's top-5 class indices for each photo, with the same flags.
std::vector<std::vector<int>> classify_top5(const std::string& model, const std::vector<std::string>& images,
                                            const std::string& flags = "") {
  // Flags first: --mean / --std would take the image paths as more values.
  std::string args = "classify -m " + quote(model);
  args += " " + flags + " -k 5 --json";
  for (const auto& i : images) {
    args += ' ';
    args += quote(i);
  }
  auto r = run_cli(args, false);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::vector<int>> out;
  const auto j = nlohmann::json::parse(r.output);
  for (const auto& res : j["results"]) {
    out.emplace_back();
    for (const auto& p : res["top_k"]) out.back().push_back(p["index"].get<int>());
  }
  return out;
}


// "3 1 4": the --per-image top5 field.
std::string joined(const std::vector<int>& v) {
  std::string s;
  for (int x : v) {
    if (!s.empty()) s += ' ';
    s += std::to_string(x);
  }
  return s;
}

// Copies the photos into `d`; returns their paths there.
std::vector<std::string> copy_photos(const testing::TempDataset& d) {
  std::vector<std::string> paths;
  for (const char* p : kPhotos) {
    d.copy(::edgerun::testdata::shared_path(std::string("images/") + p), p);
    paths.push_back(d.path(p));
  }
  return paths;
}

// Rows of a CSV file without quoted line breaks, split on commas outside quotes.
std::vector<std::vector<std::string>> read_csv(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(f, line);) {
    rows.emplace_back(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') {
        rows.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        rows.back().emplace_back();
      } else {
        rows.back().back() += c;
      }
    }
  }
  return rows;
}

TEST(CliEval, HelpExplainsTheDatasetFormatAndFigures) {
  auto r = run_cli("eval --help");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s :
       {"labels.tsv", "file<TAB>class_index_1001<TAB>class_name", "1000", "class_index_1001 - 1", "--reference",
        "--per-image", "--limit", "--threads", "SQNR", "\"inf\"", "agreement", "median", "stderr"}) {
    EXPECT_NE(r.output.find(s), std::string::npos) << "missing '" << s << "' in:\n" << r.output;
  }
  auto top = run_cli("--help");
  EXPECT_NE(top.output.find("edgerun eval"), std::string::npos) << top.output;
  auto missing = run_cli("eval model.tflite");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.output.find("--dataset"), std::string::npos) << missing.output;
}

// Labels chosen from classify's own ranking: photos 0 and 3 right at top-1, photo 1
// right at top-5 only (classify's 3rd class), photo 2 wrong (a class outside its top 5).
TEST(CliEval, CountsTopOneAndTopFiveOnASmallDataset) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(images, "images");
  testing::TempDataset d;
  const auto photos = copy_photos(d);
  const auto top5 = classify_top5(model, photos);
  ASSERT_EQ(top5.size(), 4u);
  int outside = 0;
  while (std::find(top5[2].begin(), top5[2].end(), outside) != top5[2].end()) ++outside;
  const std::vector<int> labels = {top5[0][0], top5[1][2], outside, top5[3][0]};
  std::ostringstream tsv;
  tsv << "file\tclass_index_1001\tclass_name\n";
  for (size_t i = 0; i < 4; ++i) tsv << kPhotos[i] << "\t" << labels[i] << "\tname, \"" << i << "\"\n";
  d.write("labels.tsv", tsv.str());

  const std::string csv = d.path("per_image.csv");
  auto r =
      run_cli("eval " + quote(model) + " --dataset " + quote(d.dir()) + " --json --per-image " + quote(csv), false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["images"], 4);
  EXPECT_EQ(j["num_classes"], 1001);
  EXPECT_EQ(j["class_index_offset"], 0);
  EXPECT_EQ(j["model"]["top1_correct"], 2);
  EXPECT_EQ(j["model"]["top5_correct"], 3);
  EXPECT_DOUBLE_EQ(j["model"]["top1"].get<double>(), 50.0);
  EXPECT_DOUBLE_EQ(j["model"]["top5"].get<double>(), 75.0);
  EXPECT_GT(j["model"]["invoke_ms"]["mean"].get<double>(), 0);
  EXPECT_GT(j["model"]["invoke_ms"]["median"].get<double>(), 0);
  EXPECT_GE(j["total_ms"].get<double>(), j["model"]["invoke_ms"]["mean"].get<double>() * 4);
  EXPECT_FALSE(j.contains("reference"));
  EXPECT_FALSE(j.contains("comparison"));

  const auto rows = read_csv(csv);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"file", "class_index_1001", "class_name", "expected", "top1", "top5",
                                               "top1_correct", "top5_correct", "invoke_ms"}));
  for (size_t i = 0; i < 4; ++i) {
    const auto& row = rows[i + 1];
    ASSERT_EQ(row.size(), 9u);
    EXPECT_EQ(row[0], kPhotos[i]);
    EXPECT_EQ(row[2], "name, \"" + std::to_string(i) + "\"");  // quoted and unquoted back
    EXPECT_EQ(row[3], std::to_string(labels[i]));
    EXPECT_EQ(row[5], joined(top5[i])) << "eval and classify rank " << kPhotos[i] << " differently";
    EXPECT_EQ(row[6], i == 0 || i == 3 ? "1" : "0");
    EXPECT_EQ(row[7], i == 2 ? "0" : "1");
  }

  // The table, with no progress line when stderr is not a terminal.
  auto text = run_cli("eval " + quote(model) + " --dataset " + quote(d.dir()) + " --limit 2");
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("(2 images; 1001 outputs: class_index_1001 as is)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("top-1                 50.0% (1)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("top-5                100.0% (2)"), std::string::npos) << text.output;
  EXPECT_EQ(text.output.find('\r'), std::string::npos) << "progress written to a pipe";
}

// util-linux `script` gives the command a terminal; stdout goes to /dev/null, so
// what comes back is what eval wrote to stderr.
TEST(CliEval, ProgressOnlyOnATerminalAndNeverWithJson) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(dataset, "eval/imagenet-100");
  if (!std::filesystem::exists("/usr/bin/script")) GTEST_SKIP() << "no /usr/bin/script to run eval on a terminal";
  auto on_terminal = [&](const std::string& flags) {
    const std::string eval = std::string(EDGERUN_CLI_PATH) + " eval " + quote(model) + " -d " + quote(dataset) +
                             " --limit 3 " + flags + " >/dev/null";
    return testcli::run_command("/usr/bin/script -qec \"" + eval + "\" /dev/null");
  };
  auto r = on_terminal("");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\reval: 1 / 3 images\reval: 2 / 3 images\reval: 3 / 3 images\r"), std::string::npos)
      << r.output;
  r = on_terminal("--json");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "");
}

TEST(CliEval, ModelAgainstItselfAgreesFullyWithInfiniteSqnr) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(images, "images");
  testing::TempDataset d;
  copy_photos(d);
  d.write("labels.tsv", "file\tclass_index_1001\ngrace_hopper.bmp\t653\ncat.bmp\t286\nhot_dog.jpg\t935\n");
  auto r =
      run_cli("eval " + quote(model) + " -d " + quote(d.dir()) + " --reference " + quote(model) + " --json", false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["reference"]["path"], model);
  EXPECT_EQ(j["reference"]["top1_correct"], j["model"]["top1_correct"]);
  EXPECT_DOUBLE_EQ(j["comparison"]["top1_agreement"].get<double>(), 100.0);
  EXPECT_EQ(j["comparison"]["top1_agreements"], 3);
  EXPECT_EQ(j["comparison"]["sqnr_db"], "inf");
  EXPECT_EQ(j["comparison"]["mean_sqnr_db"], "inf");
  EXPECT_EQ(j["comparison"]["identical_outputs"], 3);

  auto text = run_cli("eval " + quote(model) + " -d " + quote(d.dir()) + " -r " + quote(model));
  ASSERT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("top-1 agreement  100.0% (3 of 3 images)"), std::string::npos) << text.output;
  EXPECT_NE(text.output.find("SQNR             inf over all outputs; inf mean per image (3 of 3 images identical)"),
            std::string::npos)
      << text.output;
}

// The NCHW ONNX fixture (5 classes, float input [1,3,15,13]) and the tiny float
// TFLite classifier (10 classes, NHWC): eval ranks each photo as classify does with
// the same flags, and a class count other than 1000 / 1001 takes the index as is.
TEST(CliEval, FollowsClassifyOnNchwAndFloatModels) {
  EDGERUN_REQUIRE_SHARED(images, "images");
  const std::string src = EDGERUN_SOURCE_DIR;
  struct Case {
    std::string model, flags;
    int classes;
  };
  for (const Case& c : {Case{src + "/tests/goldens/onnx/fixtures/qdq_float.onnx", "--mean 0 --std 255", 5},
                        Case{src + "/tests/goldens/ops/tiny_float_classifier.tflite", "--resize nearest", 10}}) {
    testing::TempDataset d;
    const auto photos = copy_photos(d);
    const auto top5 = classify_top5(c.model, photos, c.flags);
    ASSERT_EQ(top5.size(), 4u);
    std::string tsv = "file\tclass_index_1001\n";
    for (size_t i = 0; i < 4; ++i) tsv += std::string(kPhotos[i]) + "\t" + std::to_string(top5[i][0]) + "\n";
    d.write("labels.tsv", tsv);
    const std::string csv = d.path("per_image.csv");
    auto r = run_cli(
        "eval " + quote(c.model) + " -d " + quote(d.dir()) + " " + c.flags + " --json --per-image " + quote(csv),
        false);
    ASSERT_EQ(r.exit_code, 0) << c.model << "\n" << r.output;
    auto j = nlohmann::json::parse(r.output);
    EXPECT_EQ(j["num_classes"], c.classes);
    EXPECT_EQ(j["model"]["top1_correct"], 4) << c.model;
    const auto rows = read_csv(csv);
    ASSERT_EQ(rows.size(), 5u);
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(rows[i + 1][5], joined(top5[i])) << c.model << " " << kPhotos[i];
    }
    // An index past the model's classes.
    d.write("labels.tsv", "file\tclass_index_1001\ncat.bmp\t1\nparrot.jpg\t" + std::to_string(c.classes) + "\n");
    auto bad = run_cli("eval " + quote(c.model) + " -d " + quote(d.dir()) + " " + c.flags);
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.output.find("labels.tsv:3: class_index_1001 " + std::to_string(c.classes) +
                              " is out of range for a " + std::to_string(c.classes) + "-class model"),
              std::string::npos)
        << bad.output;
  }
}

TEST(CliEval, BadDatasetsAndModelsGetOneClearLine) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  EDGERUN_REQUIRE_SHARED(bird, "models/mobilenet_v2_1.0_224_inat_bird_quant.tflite");
  EDGERUN_REQUIRE_SHARED(images, "images");
  testing::TempDataset d;
  copy_photos(d);
  auto expect_error = [&](const std::string& args, const std::string& expected) {
    auto r = run_cli("eval " + args);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("edgerun: " + expected), std::string::npos) << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  };
  expect_error(quote(model) + " -d " + quote(d.path("none")), d.path("none") + ": dataset folder not found");
  expect_error(quote(model) + " -d " + quote(d.dir()), d.path("labels.tsv") + ": not found");
  d.write("labels.tsv", "file\tlabel\ncat.bmp\t1\n");
  expect_error(quote(model) + " -d " + quote(d.dir()),
               d.path("labels.tsv") + ":1: expected a header line naming the tab-separated columns");
  d.write("labels.tsv", "file\tclass_index_1001\ncat.bmp\t1\ndog.jpg\t2\n");
  expect_error(quote(model) + " -d " + quote(d.dir()), d.path("labels.tsv") + ":3: image 'dog.jpg' not found");
  d.write("labels.tsv", "file\tclass_index_1001\ncat.bmp\t1\nparrot.jpg\t1001\n");
  expect_error(quote(model) + " -d " + quote(d.dir()),
               d.path("labels.tsv") + ":3: class_index_1001 1001 is out of range for a 1001-class model");
  d.write("labels.tsv", "file\tclass_index_1001\ncat.bmp\t1\n");
  expect_error(quote(model) + " -d " + quote(d.dir()) + " -r " + quote(bird),
               bird + ": the reference model has 965 outputs and " + model + " has 1001");
  expect_error(quote(d.path("missing.tflite")) + " -d " + quote(d.dir()), d.path("missing.tflite"));
  expect_error(quote(model) + " -d " + quote(d.dir()) + " --per-image " + quote(d.path("no/such/dir/x.csv")),
               d.path("no/such/dir/x.csv") + ": cannot open for writing");
}

// The figures committed in docs/accuracy.md (edgerun is bit-exact with LiteRT's
// reference kernels there): mobilenet_v2_1.0_224_quant 85% / 94%,
// tf2_mobilenet_v2_1.0_224_ptq 85% / 98%, mobilenet_v1_0.75_192_quant 73% / 92%.
TEST(CliEval, ImageNet100MatchesTheDocumentedAccuracy) {
  EDGERUN_REQUIRE_SHARED(dataset, "eval/imagenet-100");
  EDGERUN_REQUIRE_SHARED(v2, "models/mobilenet_v2_1.0_224_quant.tflite");
  EDGERUN_REQUIRE_SHARED(tf2, "models/tf2_mobilenet_v2_1.0_224_ptq.tflite");
  auto r = run_cli("eval " + quote(v2) + " --dataset " + quote(dataset) + " --json", false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["images"], 100);
  EXPECT_EQ(j["model"]["top1_correct"], 85);
  EXPECT_EQ(j["model"]["top5_correct"], 94);
  EXPECT_DOUBLE_EQ(j["model"]["top1"].get<double>(), 85.0);

  r = run_cli("eval " + quote(tf2) + " --dataset " + quote(dataset) + " --json --threads 2", false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["threads"], 2);
  EXPECT_EQ(j["model"]["top1_correct"], 85);
  EXPECT_EQ(j["model"]["top5_correct"], 98);
}

TEST(CliEval, DifferentModelsDriftWithFiniteSqnr) {
  EDGERUN_REQUIRE_SHARED(dataset, "eval/imagenet-100");
  EDGERUN_REQUIRE_SHARED(v1, "models/mobilenet_v1_0.75_192_quant.tflite");
  EDGERUN_REQUIRE_SHARED(v2, "models/mobilenet_v2_1.0_224_quant.tflite");
  auto r =
      run_cli("eval " + quote(v1) + " --dataset " + quote(dataset) + " --reference " + quote(v2) + " --json", false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["model"]["top1_correct"], 73);
  EXPECT_EQ(j["model"]["top5_correct"], 92);
  EXPECT_EQ(j["reference"]["top1_correct"], 85);
  EXPECT_EQ(j["reference"]["top5_correct"], 94);
  const auto& c = j["comparison"];
  ASSERT_TRUE(c["sqnr_db"].is_number()) << c;
  ASSERT_TRUE(c["mean_sqnr_db"].is_number()) << c;
  EXPECT_GT(c["sqnr_db"].get<double>(), 0);  // the models agree more than they disagree
  EXPECT_LT(c["sqnr_db"].get<double>(), 40);
  EXPECT_GT(c["top1_agreement"].get<double>(), 50);
  EXPECT_LT(c["top1_agreement"].get<double>(), 100);
  // Both saturated on the same class (uint8 softmax) counts as identical; not every image is.
  EXPECT_LT(c["identical_outputs"].get<int>(), 100);
  // Agreement is bounded by the accuracies: both right on at least 73 + 85 - 100 images.
  EXPECT_GE(c["top1_agreements"].get<int>(), 58);
}

}  // namespace
}  // namespace edgerun
