// `edgerun bench`, run as a user would run it. Checks behaviour and the
// consistency of the numbers, never their values (the machine is shared).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "edgerun/edgerun.h"
#include "cli/cli_runner.h"
#include "shared_data.h"

namespace edgerun {
namespace {

using testcli::quote;
using testcli::run_cli;

TEST(CliBench, JsonProfileIsConsistent) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  auto r = run_cli("bench " + quote(model) + " --runs 3 --warmup 1 --json --profile", false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);

  EXPECT_EQ(j["runs"], 3);
  EXPECT_EQ(j["warmup"], 1);
  EXPECT_EQ(j["threads"], 1);
  const auto& lat = j["latency_ms"];
  ASSERT_EQ(lat["samples"].size(), 3u);
  const double mn = lat["min"], med = lat["median"], p90 = lat["p90"], p99 = lat["p99"], mx = lat["max"];
  const double mean = lat["mean"];
  EXPECT_GT(mn, 0.0);
  EXPECT_LE(mn, med);
  EXPECT_LE(med, p90);
  EXPECT_LE(p90, p99);
  EXPECT_LE(p99, mx);
  EXPECT_LE(mn, mean);
  EXPECT_LE(mean, mx);
  EXPECT_NEAR(j["inferences_per_second"].get<double>(), 1000.0 / med, 1e-6 * (1000.0 / med));

  // Cold start covers load and the first inference.
  const double cold = j["cold_start_ms"], load = j["load_ms"], first = j["first_inference_ms"];
  EXPECT_GT(load, 0.0);
  EXPECT_GT(first, 0.0);
  EXPECT_GE(cold, load + first);
  EXPECT_TRUE(j.contains("cold_start_since_exec_ms"));

  // Memory: peak RSS is at least what RSS was after the first inference.
  EXPECT_GT(j["arena_bytes"].get<int64_t>(), 0);
  const double before = j["rss_before_load_mib"], after = j["rss_after_first_inference_mib"];
  EXPECT_GT(before, 0.0);
  EXPECT_GE(j["peak_rss_mib"].get<double>(), after);
  EXPECT_NEAR(j["rss_growth_mib"].get<double>(), after - before, 1e-9);

  // Profile: one row per op node, sorted by time, shares sum to 100 %,
  // MACs sum to what `inspect` reports for the whole model.
  auto inspect = run_cli("inspect --json " + quote(model), false);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  const auto ij = nlohmann::json::parse(inspect.output);
  int op_nodes = 0;
  for (const auto& c : ij["ops"]) op_nodes += c["count"].get<int>();
  EXPECT_EQ(op_nodes, 31);
  const auto& profile = j["profile"];
  ASSERT_EQ(profile.size(), 31u);
  double percent = 0, ms = 0;
  int64_t macs = 0;
  std::vector<bool> seen(31, false);
  double previous_ms = 1e300;
  for (const auto& row : profile) {
    for (const char* key : {"node", "op", "output_shape", "macs", "ms", "percent", "gmacs_per_second"}) {
      EXPECT_TRUE(row.contains(key)) << key << " missing in " << row.dump();
    }
    const int node = row["node"];
    ASSERT_GE(node, 0);
    ASSERT_LT(node, 31);
    EXPECT_FALSE(seen[node]) << "node " << node << " listed twice";
    seen[node] = true;
    EXPECT_LE(row["ms"].get<double>(), previous_ms) << "profile is not sorted by time";
    previous_ms = row["ms"];
    percent += row["percent"].get<double>();
    ms += row["ms"].get<double>();
    macs += row["macs"].get<int64_t>();
  }
  EXPECT_NEAR(percent, 100.0, 0.01);
  EXPECT_NEAR(ms, j["profile_total_ms"].get<double>(), 1e-6 * ms + 1e-9);
  EXPECT_EQ(macs, ij["macs"].get<int64_t>());
  EXPECT_EQ(j["macs"], ij["macs"]);
  EXPECT_EQ(profile[0]["op"].get<std::string>().empty(), false);
}

TEST(CliBench, TextOutputWithProfile) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  auto r = run_cli("bench " + quote(model) + " --runs 2 --warmup 0 --profile");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* s : {"Latency (ms): min ", "median", "p90", "p99", "inferences/s", "Cold start:", "peak RSS",
                        "Profile", "CONV_2D", "DEPTHWISE_CONV_2D", "GMAC/s"}) {
    EXPECT_NE(r.output.find(s), std::string::npos) << s << " missing in:\n" << r.output;
  }
  auto plain = run_cli("bench " + quote(model) + " --runs 1 --warmup 0");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_EQ(plain.output.find("Profile"), std::string::npos) << "profile printed without --profile";
}

TEST(CliBench, ThreadsAndKernelsAreHonouredAndReported) {
  EDGERUN_REQUIRE_SHARED(model, "models/mobilenet_v1_0.25_128_quant.tflite");
  auto two = run_cli("bench " + quote(model) + " --threads 2 --runs 2 --warmup 0 --json", false);
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const auto j2 = nlohmann::json::parse(two.output);
  EXPECT_EQ(j2["threads"], 2);
  EXPECT_EQ(j2["kernels"], "auto");
  auto ref = run_cli("bench " + quote(model) + " --kernels reference --runs 1 --warmup 0 --json", false);
  ASSERT_EQ(ref.exit_code, 0) << ref.output;
  const auto jr = nlohmann::json::parse(ref.output);
  EXPECT_EQ(jr["threads"], 1);
  EXPECT_EQ(jr["kernels"], "reference");
  auto avx2 = run_cli("bench " + quote(model) + " --kernels avx2 --runs 1 --warmup 0 --json", false);
  ASSERT_EQ(avx2.exit_code, 0) << avx2.output;
  EXPECT_EQ(nlohmann::json::parse(avx2.output)["kernels"], "avx2");
  auto text = run_cli("bench " + quote(model) + " --threads 3 --runs 1 --warmup 0");
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("3 threads, auto kernels"), std::string::npos) << text.output;

  auto zero = run_cli("bench " + quote(model) + " --threads 0");
  EXPECT_EQ(zero.exit_code, 2) << zero.output;
  EXPECT_NE(zero.output.find("--threads"), std::string::npos) << zero.output;
  auto bad = run_cli("bench " + quote(model) + " --kernels simd");
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  EXPECT_NE(bad.output.find("--kernels"), std::string::npos) << bad.output;
}

TEST(CliBench, BadArgumentsGetOneLine) {
  auto missing = run_cli("bench /nonexistent/model.tflite --runs 1");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.output, "edgerun: /nonexistent/model.tflite: no such file\n");
  auto zero_runs = run_cli("bench /nonexistent/model.tflite --runs 0");
  EXPECT_EQ(zero_runs.exit_code, 2) << zero_runs.output;
}

// The library hook: invoke_profiled accumulates over calls, one entry per
// node, and computes the same outputs as invoke().
TEST(CliBench, InvokeProfiledMatchesNodesAndInvoke) {
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v1_0.25_128_quant.tflite");
  auto model = Model::load(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  const auto& nodes = (*model)->nodes();
  ASSERT_EQ(nodes.size(), 31u);
  int64_t macs = 0;
  for (const NodeInfo& n : nodes) macs += n.macs;
  EXPECT_EQ(macs, (*model)->stats().macs);

  auto a = Session::create(*model);
  auto b = Session::create(*model);
  ASSERT_TRUE(a.ok() && b.ok());
  const size_t in_bytes = a->input_info(0).bytes();
  for (size_t k = 0; k < in_bytes; ++k) {
    static_cast<uint8_t*>(a->input_data(0))[k] = static_cast<uint8_t>(k * 7);
    static_cast<uint8_t*>(b->input_data(0))[k] = static_cast<uint8_t>(k * 7);
  }
  std::vector<OpTiming> t;
  ASSERT_TRUE(a->invoke_profiled(&t).ok());
  ASSERT_TRUE(a->invoke_profiled(&t).ok());
  ASSERT_TRUE(b->invoke().ok());
  EXPECT_EQ(std::memcmp(a->output_data(0), b->output_data(0), a->output_info(0).bytes()), 0);
  ASSERT_EQ(t.size(), nodes.size());
  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(t[i].node, static_cast<int32_t>(i));
    EXPECT_EQ(t[i].op, nodes[i].op);
    EXPECT_EQ(t[i].output_shape, nodes[i].output_shape);
    EXPECT_EQ(t[i].macs, nodes[i].macs);
    EXPECT_EQ(t[i].runs, 2);
    EXPECT_GE(t[i].ms, 0.0);
  }
  EXPECT_FALSE(a->invoke_profiled(nullptr).ok());
}

}  // namespace
}  // namespace edgerun
