// A fleet on one machine: a Mosquitto broker, an HTTP artifact server and 50 `edgerun agent` processes, driven by
// `edgerun fleet publish`. A canary rollout to 10% then 100% completes; a bundle one canary cannot install halts
// the rollout and rolls the other canaries back; a bundle whose health check fails halts at the canaries with
// no other device touched.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "agent/artifact_server.h"
#include "agent/broker.h"
#include "agent/messages.h"
#include "agent/mqtt.h"
#include "agent/process.h"
#include "cli/cli_runner.h"
#include "deploy/bundle.h"
#include "deploy/files.h"
#include "deploy/health.h"
#include "shared_data.h"

namespace edgerun::agent {
namespace {

using namespace std::chrono_literals;

constexpr int kDevices = 50;

std::string device(int i) { return "dev" + std::to_string(100 + i); }

// The publisher's canary order (apps/agent/publisher.cc): by SHA-256 of "device\nversion".
std::vector<std::string> canary_order(const std::string& version) {
  std::vector<std::pair<std::string, std::string>> keyed;
  for (int i = 0; i < kDevices; ++i) {
    const std::string s = device(i) + "\n" + version;
    const auto d = deploy::sha256(reinterpret_cast<const uint8_t*>(s.data()), s.size());
    keyed.push_back({deploy::to_hex(d.data(), 32), device(i)});
  }
  std::sort(keyed.begin(), keyed.end());
  std::vector<std::string> out;
  for (const auto& [k, id] : keyed) out.push_back(id);
  return out;
}

class FleetTest : public ::testing::Test {
 protected:
  std::vector<uint8_t> bundle(const std::string& version, const std::string& arch, bool bad_health) {
    const std::vector<uint8_t> model =
        testdata::read_file_bytes(std::string(EDGERUN_SOURCE_DIR) + "/tests/goldens/ops/tiny_float_classifier.tflite");
    deploy::Manifest m;
    m.name = "tiny";
    m.version = version;
    m.created_at = "2026-12-07T12:00:00Z";
    m.arch = arch;
    m.min_edgerun_version = "0.1.0";
    m.model = "model.tflite";
    npy::Array in;
    in.dtype = DType::kFloat32;
    in.shape = {1, 16, 16, 3};
    in.data.assign(16 * 16 * 3 * 4, 0);
    for (size_t i = 0; i < in.data.size(); i += 4) in.data[i + 3] = 0x3f;
    auto health = deploy::make_health_check(model, in, &m).value();
    if (bad_health) {
      for (size_t i = 0; i < in.data.size(); i += 4) in.data[i + 3] = static_cast<uint8_t>(0x3e + i % 3);
      deploy::Manifest unused;
      health[1] = deploy::make_health_check(model, in, &unused).value()[1];
    }
    deploy::CreateOptions o;
    o.signing_key = &release_;
    o.zstd_level = 1;
    return deploy::create_bundle(m, {{"model.tflite", model}, health[0], health[1]}, o).value();
  }

  std::string write_bundle(const std::vector<uint8_t>& bytes, const std::string& name) {
    const std::string path = dir_.path() + "/" + name;
    EXPECT_TRUE(deploy::write_file_atomic(path, bytes).ok());
    return path;
  }

  nlohmann::json publish(const std::string& bundle_path, int broker_port, const std::string& artifacts,
                         const std::string& base_url, const std::string& canary) {
    const auto r = testcli::run_cli(
        "fleet publish " + bundle_path + " --broker 127.0.0.1:" + std::to_string(broker_port) +
            " --prefix fleet --artifacts " + artifacts + (base_url.empty() ? "" : " --base-url " + base_url) +
            " --trust " + dir_.path() + "/release.pub --expect-devices " + std::to_string(kDevices) +
            " --discover-ms 1000 --stage-timeout 120000 --canary " + canary + " --json",
        false);
    auto j = nlohmann::json::parse(r.output, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.output;
    j["exit_code"] = r.exit_code;
    return j;
  }

  testenv::TempDir dir_{"edgerun-fleet-test"};
  deploy::SecretKey release_ = deploy::generate_key(deploy::KeyType::kSigning).value();
};

TEST_F(FleetTest, CanaryRolloutCompletesAndBadBundlesHaltAtTheCanaries) {
  EDGERUN_START_BROKER(broker);
  EDGERUN_START_ARTIFACT_SERVER(server);
  ASSERT_TRUE(deploy::write_key_files(release_, dir_.path() + "/release").ok());
  const std::string arch = deploy::host_arch();
  // 3.0.0 targets this machine's architecture, and one of its canaries claims another one: that canary refuses
  // it while the others install it.
  const std::string odd_one = canary_order("3.0.0").front();

  // The test watches the fleet's states too.
  std::mutex mu;
  std::map<std::string, AgentState> states;
  MqttOptions mo;
  mo.port = broker.port();
  auto watcher = MqttClient::create(mo, [&](const std::string&, const std::string& payload) {
    auto s = parse_state(payload);
    if (!s.ok()) return;
    std::lock_guard<std::mutex> lock(mu);
    states[s->device_id] = *s;
  });
  ASSERT_TRUE(watcher.ok());
  ASSERT_TRUE((*watcher)->wait_connected(10000));
  ASSERT_TRUE((*watcher)->subscribe("fleet/devices/+/state").ok());

  std::vector<std::unique_ptr<testenv::ChildProcess>> agents;
  for (int i = 0; i < kDevices; ++i) {
    const std::string id = device(i), config = dir_.path() + "/" + id + ".json";
    std::ofstream(config) << "{\"device_id\": \"" << id << "\", \"state_dir\": \"state-" << id
                          << "\", \"trusted_keys\": [\"release.pub\"], \"mqtt\": {\"port\": " << broker.port()
                          << "}, \"topic_prefix\": \"fleet\", \"retry\": {\"min_ms\": 200, \"max_ms\": 2000}"
                          << (id == odd_one ? ", \"arch\": \"riscv64\"" : "") << "}";
    agents.push_back(std::make_unique<testenv::ChildProcess>());
    ASSERT_TRUE(
        agents.back()->start({EDGERUN_CLI_PATH, "agent", "--config", config}, dir_.path() + "/agents.log").ok());
  }
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  // 1.0.0 to everyone at once.
  auto r = publish(write_bundle(bundle("1.0.0", "any", false), "v1.erb"), broker.port(), server.dir(), base, "100");
  ASSERT_EQ(r["exit_code"], 0) << r.dump(2);
  EXPECT_EQ(r["updated"], kDevices);

  // 2.0.0: 10% canaries, then all; uploaded to the artifact server with HTTP PUT this time.
  r = publish(write_bundle(bundle("2.0.0", "any", false), "v2.erb"), broker.port(), base, "", "10");
  ASSERT_EQ(r["exit_code"], 0) << r.dump(2);
  EXPECT_EQ(r["halted"], false);
  EXPECT_EQ(r["canaries"], 5);
  EXPECT_EQ(r["updated"], kDevices);
  EXPECT_EQ(r["failed"], 0);
  EXPECT_TRUE(std::filesystem::exists(server.path("tiny-2.0.0.erb")));
  std::cout << "[ fleet    ] 2.0.0 to " << kDevices << " devices, 10% canary: " << r["seconds_total"]
            << " s in all (canary stage " << r["seconds_canary"] << " s), devices downloaded " << r["bytes_downloaded"]
            << " bytes\n";

  auto snapshot = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return states;
  };
  // The watcher is a client of its own: before comparing, let it catch up with what the publisher reported.
  auto caught_up = [&](const nlohmann::json& report) {
    for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
      const auto s = snapshot();
      bool same = true;
      for (const auto& d : report["device_reports"]) {
        auto it = s.find(d["device"].get<std::string>());
        same = same && it != s.end() && it->second.version == d["version"] && it->second.status == d["status"];
      }
      if (same) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  };
  ASSERT_TRUE(caught_up(r));
  auto before = snapshot();

  // 3.0.0: one canary refuses it (architecture); the rollout halts and the other canaries go back (or, still
  // installing, stop before the switch).
  r = publish(write_bundle(bundle("3.0.0", arch, false), "v3.erb"), broker.port(), server.dir(), base, "10");
  EXPECT_EQ(r["exit_code"], 1) << r.dump(2);
  EXPECT_EQ(r["halted"], true);
  EXPECT_NE(r["halt_reason"].get<std::string>().find(odd_one), std::string::npos) << r["halt_reason"];
  EXPECT_EQ(r["untouched"], kDevices - 5);
  int rolled_back = 0;
  for (const auto& d : r["device_reports"]) {
    EXPECT_EQ(d["version"], "2.0.0") << d.dump();  // every device runs 2.0.0 again (or still)
    if (!d["canary"].get<bool>()) {
      EXPECT_FALSE(d["notified"].get<bool>()) << d.dump();
      EXPECT_EQ(before[d["device"]].bytes_downloaded, snapshot()[d["device"]].bytes_downloaded) << d.dump();
    }
    if (d["canary"].get<bool>()) {
      // The canary that refused it reports its failure; every other one acknowledged the rollback order.
      EXPECT_EQ(d["status"], d["device"] == odd_one ? "failed" : "rolled_back") << d.dump();
    }
    rolled_back += d["status"] == "rolled_back";
  }
  EXPECT_EQ(rolled_back, 4);

  // 4.0.0: its health check fails on every canary: halted, nothing switched, no other device touched.
  ASSERT_TRUE(caught_up(r));
  before = snapshot();
  r = publish(write_bundle(bundle("4.0.0", "any", true), "v4.erb"), broker.port(), server.dir(), base, "10");
  EXPECT_EQ(r["exit_code"], 1) << r.dump(2);
  EXPECT_EQ(r["halted"], true);
  EXPECT_NE(r["halt_reason"].get<std::string>().find("health check failed"), std::string::npos) << r["halt_reason"];
  EXPECT_EQ(r["untouched"], kDevices - 5);
  ASSERT_TRUE(caught_up(r));
  const auto after = snapshot();
  int non_canary_touched = 0;
  for (const auto& d : r["device_reports"]) {
    EXPECT_EQ(d["version"], "2.0.0") << d.dump();
    if (!d["canary"].get<bool>()) {
      const std::string id = d["device"];
      non_canary_touched += after.at(id).bytes_downloaded != before.at(id).bytes_downloaded ||
                            after.at(id).failures != before.at(id).failures;
    }
  }
  EXPECT_EQ(non_canary_touched, 0);
  for (auto& a : agents) a->stop();
}

}  // namespace
}  // namespace edgerun::agent
