// The update agent against a real Mosquitto broker and an HTTP artifact server on loopback: installs, every kind
// of bad input (each rejected with its reason while the old model keeps serving), broker and server outages,
// a full disk, and SIGKILL at random moments of download and install.
#include "agent/agent.h"

#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "agent/artifact_server.h"
#include "agent/broker.h"
#include "agent/certs.h"
#include "agent/process.h"
#include "deploy/bundle.h"
#include "deploy/files.h"
#include "deploy/health.h"
#include "shared_data.h"

namespace edgerun::agent {
namespace {

using namespace std::chrono_literals;
using testenv::TempDir;

bool Contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::vector<uint8_t> tiny_model() {
  return testdata::read_file_bytes(std::string(EDGERUN_SOURCE_DIR) + "/tests/goldens/ops/tiny_float_classifier.tflite");
}

npy::Array zeros_input() {
  npy::Array a;
  a.dtype = DType::kFloat32;
  a.shape = {1, 16, 16, 3};
  a.data.assign(16 * 16 * 3 * 4, 0);
  for (size_t i = 0; i < a.data.size(); i += 4) a.data[i + 3] = static_cast<uint8_t>(0x3c + (i / 4) % 3);
  return a;
}

struct BundleSpec {
  std::string version = "1.0.0";
  std::string name = "tiny";
  std::string arch = "any";
  const deploy::SecretKey* signer = nullptr;  // default: the trusted release key
  bool bad_health = false;                    // the expected output of another input
  size_t padding = 0;                         // incompressible bytes added, for downloads worth interrupting
  std::string labels;                         // a labels file's text, when set
};

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    release_ = deploy::generate_key(deploy::KeyType::kSigning).value();
    rogue_ = deploy::generate_key(deploy::KeyType::kSigning).value();
    group_ = deploy::generate_key(deploy::KeyType::kEncryption).value();
    ASSERT_TRUE(deploy::write_key_files(release_, dir_.path() + "/release").ok());
    ASSERT_TRUE(deploy::write_key_files(group_, dir_.path() + "/group").ok());
  }
  void TearDown() override { stop_agent(); }

  // A signed bundle, encrypted for the group, written into the artifact server's folder; returns its notice.
  Notice put_bundle(testenv::TestArtifactServer& server, const BundleSpec& spec, const std::string& file = "") {
    const std::vector<uint8_t> model = tiny_model();
    deploy::Manifest m;
    m.name = spec.name;
    m.version = spec.version;
    m.created_at = "2026-12-07T12:00:00Z";
    m.arch = spec.arch;
    m.min_edgerun_version = "0.1.0";
    m.model = "model.tflite";
    m.preprocess.mean = {127.5f};
    m.preprocess.std = {127.5f};
    m.top_k = 3;
    std::vector<deploy::NamedFile> files{{"model.tflite", model}};
    auto health = deploy::make_health_check(model, zeros_input(), &m);
    EXPECT_TRUE(health.ok()) << health.status().message();
    files.push_back((*health)[0]);
    if (spec.bad_health) {
      npy::Array other = zeros_input();
      for (size_t i = 0; i < other.data.size(); i += 4) other.data[i + 3] = 0x40;
      deploy::Manifest unused;
      files.push_back(deploy::make_health_check(model, other, &unused).value()[1]);
    } else {
      files.push_back((*health)[1]);
    }
    if (!spec.labels.empty()) {
      m.labels = "labels.txt";
      files.push_back({"labels.txt", std::vector<uint8_t>(spec.labels.begin(), spec.labels.end())});
    }
    if (spec.padding > 0) {
      std::vector<uint8_t> pad(spec.padding);
      std::mt19937 rng(static_cast<uint32_t>(spec.padding));
      for (uint8_t& b : pad) b = static_cast<uint8_t>(rng());
      files.push_back({"padding.bin", pad});
    }
    deploy::CreateOptions o;
    o.signing_key = spec.signer ? spec.signer : &release_;
    o.recipients = {group_.public_key};
    o.zstd_level = 1;
    auto bytes = deploy::create_bundle(m, files, o);
    EXPECT_TRUE(bytes.ok()) << bytes.status().message();
    return put_bytes(server, *bytes, spec, file);
  }

  Notice put_bytes(testenv::TestArtifactServer& server, const std::vector<uint8_t>& bytes, const BundleSpec& spec,
                   std::string file = "") {
    if (file.empty()) file = spec.name + "-" + spec.version + ".erb";
    EXPECT_TRUE(deploy::write_file_atomic(server.path(file), bytes).ok());
    const auto d = deploy::sha256(bytes.data(), bytes.size());
    return Notice{"install", spec.name, spec.version, server.url(file), bytes.size(), deploy::to_hex(d.data(), 32)};
  }

  std::string config_json(int broker_port, const std::string& state_dir, const std::string& id = "dev1") const {
    return "{\"device_id\": \"" + id + "\", \"state_dir\": \"" + state_dir +
           "\", \"trusted_keys\": [\"release.pub\"], \"decryption_keys\": [\"group.key\"],"
           " \"mqtt\": {\"host\": \"127.0.0.1\", \"port\": " +
           std::to_string(broker_port) +
           ", \"keepalive_s\": 5, \"reconnect_min_ms\": 100, \"reconnect_max_ms\": 1000},"
           " \"topic_prefix\": \"test\", \"retry\": {\"min_ms\": 100, \"max_ms\": 1000},"
           " \"download\": {\"stall_timeout_ms\": 2000, \"connect_timeout_ms\": 2000}}";
  }

  std::string write_config(int broker_port, const std::string& state_dir, const std::string& id = "dev1") {
    const std::string path = dir_.path() + "/" + id + ".json";
    nlohmann::json config = nlohmann::json::parse(config_json(broker_port, state_dir, id));
    config.merge_patch(config_patch_);
    std::ofstream(path) << config.dump();
    return path;
  }

  void start_agent(int broker_port, const std::string& state_dir = "") {
    auto config = load_agent_config(write_config(broker_port, state_dir.empty() ? dir_.path() + "/state" : state_dir));
    ASSERT_TRUE(config.ok()) << config.status().message();
    agent_ = std::make_unique<Agent>(*config);
    ASSERT_TRUE(agent_->init().ok());
    stop_ = false;
    runner_ = std::thread([this] { agent_->run(stop_); });
  }
  void stop_agent() {
    stop_ = true;
    if (runner_.joinable()) runner_.join();
    agent_.reset();
  }

  // The test's own MQTT connection, as the publisher would use.
  void connect(int port) {
    MqttOptions o = test_client_options_;
    o.port = port;
    o.client_id = "test-publisher";
    o.reconnect_min_ms = 100;
    o.reconnect_max_ms = 500;
    mqtt_ = MqttClient::create(o, [this](const std::string& topic, const std::string& payload) {
              std::lock_guard<std::mutex> lock(mu_);
              messages_[topic] = payload;
            }).value();
    ASSERT_TRUE(mqtt_->wait_connected(10000));
    ASSERT_TRUE(mqtt_->subscribe("test/devices/+/state").ok());
  }
  void send(const Notice& n, const std::string& topic = "test/notice") {
    ASSERT_TRUE(mqtt_->publish(topic, notice_json(n), 1, true).ok());
  }
  std::string last_message(const std::string& topic) {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_[topic];
  }

  // Connects the test's MQTT client, starts the agent and installs 1.0.0 on it.
  void start_with_first_version(testenv::TestBroker& broker, testenv::TestArtifactServer& server,
                                const std::string& state_dir = "") {
    connect(broker.port());
    start_agent(broker.port(), state_dir);
    send(put_bundle(server, {.version = "1.0.0"}));
    ASSERT_TRUE(wait_version("1.0.0")) << state_json(agent_->state());
  }

  // Asks the agent's local socket to classify a small photo; returns the version that answered.
  std::string served_version() {
    const std::string image = dir_.path() + "/photo.bmp";
    if (!std::filesystem::exists(image)) write_bmp(image);
    auto answer = ask(dir_.path() + "/state/agent.sock", "{\"image\": \"" + image + "\"}");
    if (!answer.ok()) return "error: " + answer.status().message();
    const auto j = nlohmann::json::parse(*answer, nullptr, false);
    if (j.is_discarded() || !j.contains("version") || !j.contains("top_k") || j["top_k"].size() != 3) {
      return "bad answer: " + *answer;
    }
    return j["version"];
  }
  // A 16x16 24-bit BMP with a colour gradient.
  static void write_bmp(const std::string& path) {
    std::vector<uint8_t> b(54 + 16 * 16 * 3);
    auto put = [&](size_t at, uint32_t v, int n) {
      for (int i = 0; i < n; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
    };
    b[0] = 'B', b[1] = 'M';
    put(2, static_cast<uint32_t>(b.size()), 4), put(10, 54, 4), put(14, 40, 4), put(18, 16, 4), put(22, 16, 4);
    put(26, 1, 2), put(28, 24, 2), put(34, 16 * 16 * 3, 4);
    for (size_t i = 0; i < 16 * 16; ++i) {
      b[54 + 3 * i] = static_cast<uint8_t>(i), b[55 + 3 * i] = static_cast<uint8_t>(255 - i), b[56 + 3 * i] = 128;
    }
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  }

  // Polls the agent's state until `pred` holds (up to 30 s, for loaded CI machines).
  bool wait_for(const std::function<bool(const AgentState&)>& pred) {
    for (auto deadline = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < deadline;) {
      if (pred(agent_->state())) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  bool wait_version(const std::string& v) {
    return wait_for([&](const AgentState& s) { return s.version == v && s.status == "updated"; });
  }

  TempDir dir_{"edgerun-agent-test"};
  nlohmann::json config_patch_ = nlohmann::json::object();  // merged into every agent config written
  MqttOptions test_client_options_;                         // the test's own MQTT client (TLS, credentials)
  deploy::SecretKey release_, rogue_, group_;
  std::unique_ptr<Agent> agent_;
  std::atomic<bool> stop_{false};
  std::thread runner_;
  std::unique_ptr<MqttClient> mqtt_;
  std::mutex mu_;
  std::map<std::string, std::string> messages_;
};

TEST_F(AgentTest, InstallsUpdatesAndPublishesItsState) {
  EDGERUN_START_BROKER(broker);
  EDGERUN_START_ARTIFACT_SERVER(server);
  connect(broker.port());
  start_agent(broker.port());
  EXPECT_EQ(agent_->model(), nullptr);
  send(put_bundle(server, {.version = "1.0.0"}));
  ASSERT_TRUE(wait_version("1.0.0")) << state_json(agent_->state());
  ASSERT_NE(agent_->model(), nullptr);
  EXPECT_EQ(agent_->state().slot, "a");
  // A device notice works as the fleet one does.
  send(put_bundle(server, {.version = "1.1.0"}), "test/devices/dev1/notice");
  ASSERT_TRUE(wait_version("1.1.0")) << state_json(agent_->state());
  EXPECT_EQ(agent_->state().slot, "b");
  EXPECT_EQ(served_version(), "1.1.0");
  // The retained state on the broker says so.
  for (int i = 0; i < 500 && !Contains(last_message("test/devices/dev1/state"), "1.1.0"); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  auto s = parse_state(last_message("test/devices/dev1/state"));
  ASSERT_TRUE(s.ok()) << last_message("test/devices/dev1/state");
  EXPECT_EQ(s->version, "1.1.0");
  EXPECT_EQ(s->updates, 2);
  // After a restart it serves the same, verified from disk.
  stop_agent();
  start_agent(broker.port());
  EXPECT_EQ(agent_->state().version, "1.1.0");
  EXPECT_NE(agent_->model(), nullptr);
}

TEST_F(AgentTest, BadBundlesAreRejectedWithTheirReasonAndTheOldModelKeepsServing) {
  EDGERUN_START_BROKER(broker);
  EDGERUN_START_ARTIFACT_SERVER(server);
  ASSERT_NO_FATAL_FAILURE(start_with_first_version(broker, server));
  const auto serving = agent_->model();

  struct Case {
    std::string what;
    Notice notice;
    std::string message, check;
  };
  std::vector<Case> cases;
  {
    // Truncated: the artifact itself is cut short (the notice describes the cut file).
    const Notice good = put_bundle(server, {.version = "2.0.0"}, "full.erb");
    std::vector<uint8_t> bytes = deploy::read_file(server.path("full.erb"), 1 << 26).value();
    bytes.resize(bytes.size() - 1000);
    cases.push_back({"truncated", put_bytes(server, bytes, {.version = "2.0.0"}, "truncated.erb"),
                     "structure check failed: truncated", "structure"});
    // Corrupted after signing.
    bytes = deploy::read_file(server.path("full.erb"), 1 << 26).value();
    bytes[bytes.size() / 2] ^= 0x10;
    cases.push_back({"corrupted", put_bytes(server, bytes, {.version = "2.0.0"}, "corrupt.erb"),
                     "does not match the contents", "signature"});
  }
  cases.push_back({"unknown key", put_bundle(server, {.version = "2.0.1", .signer = &rogue_}), "which is not trusted",
                   "signature"});
  cases.push_back({"wrong architecture", put_bundle(server, {.version = "2.0.2", .arch = "riscv64"}),
                   "targets riscv64, this device is", "version"});
  cases.push_back({"downgrade", put_bundle(server, {.version = "0.9.0"}), "downgrade refused", "version"});
  cases.push_back({"health", put_bundle(server, {.version = "2.0.3", .bad_health = true}),
                   "health check failed: output element", "health"});
  cases.push_back({"labels", put_bundle(server, {.version = "2.0.6", .labels = "\n\n"}),
                   "cannot be served: labels.txt: label file has no labels", "serve"});
  {
    Notice lying = put_bundle(server, {.version = "2.0.4"});
    lying.version = "2.0.5";
    cases.push_back({"notice lies", lying, "the notice announced tiny 2.0.5", "version"});
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const int failures = agent_->state().failures;
    send(c.notice);
    ASSERT_TRUE(wait_for([&](const AgentState& s) { return s.failures > failures; })) << state_json(agent_->state());
    const AgentState s = agent_->state();
    EXPECT_TRUE(Contains(s.last_error, c.message)) << s.last_error;
    EXPECT_EQ(s.last_error_check, c.check) << s.last_error;
    EXPECT_TRUE(Contains(s.last_error, c.message)) << s.last_error;
    EXPECT_EQ(s.status, "failed");
    EXPECT_EQ(s.version, "1.0.0");
    EXPECT_EQ(agent_->model(), serving);  // the same model object kept serving
    EXPECT_EQ(served_version(), "1.0.0");
  }
  // Replay: 1.1.0 is installed, rolled back by the operator, then announced again.
  send(put_bundle(server, {.version = "1.1.0"}));
  ASSERT_TRUE(wait_version("1.1.0"));
  send(Notice{"rollback", "tiny", "1.1.0", "", 0, ""}, "test/devices/dev1/notice");
  ASSERT_TRUE(wait_for([](const AgentState& s) { return s.version == "1.0.0" && s.status == "rolled_back"; }));
  const int failures = agent_->state().failures;
  send(put_bundle(server, {.version = "1.1.0"}, "replayed.erb"));
  ASSERT_TRUE(wait_for([&](const AgentState& s) { return s.failures > failures; }));
  EXPECT_TRUE(Contains(agent_->state().last_error, "replay refused: tiny 1.1.0 was rejected or rolled back"))
      << agent_->state().last_error;
  EXPECT_EQ(agent_->state().version, "1.0.0");
  // The rejections survive a restart.
  stop_agent();
  start_agent(broker.port());
  send(put_bundle(server, {.version = "1.1.0"}, "replayed-again.erb"));
  ASSERT_TRUE(wait_for([&](const AgentState& s) { return s.failures > 0; })) << state_json(agent_->state());
  EXPECT_TRUE(Contains(agent_->state().last_error, "replay refused")) << agent_->state().last_error;
  EXPECT_EQ(agent_->state().version, "1.0.0");
  // And a good, newer bundle still installs.
  send(put_bundle(server, {.version = "3.0.0"}));
  ASSERT_TRUE(wait_version("3.0.0")) << state_json(agent_->state());
  // A rollback order for a version the device never ran is acknowledged and refuses that version later.
  send(Notice{"rollback", "tiny", "3.1.0", "", 0, ""}, "test/devices/dev1/notice");
  ASSERT_TRUE(wait_for([](const AgentState& s) { return s.status == "rolled_back" && s.target_version == "3.1.0"; }))
      << state_json(agent_->state());
  EXPECT_EQ(agent_->state().version, "3.0.0");
  const int before_311 = agent_->state().failures;
  send(put_bundle(server, {.version = "3.1.0"}));
  ASSERT_TRUE(wait_for([&](const AgentState& s) { return s.failures > before_311; }));
  EXPECT_TRUE(Contains(agent_->state().last_error, "replay refused: tiny 3.1.0")) << agent_->state().last_error;
  EXPECT_EQ(agent_->state().target_version, "3.1.0");
  EXPECT_EQ(agent_->state().version, "3.0.0");
}

TEST_F(AgentTest, CorruptionInTransitIsRetriedUntilTheDownloadIsRight) {
  EDGERUN_START_BROKER(broker);
  EDGERUN_START_ARTIFACT_SERVER(server);
  ASSERT_NO_FATAL_FAILURE(start_with_first_version(broker, server));
  ASSERT_TRUE(server.control(R"({"corrupt_byte": 300})").ok());
  send(put_bundle(server, {.version = "1.1.0"}));
  ASSERT_TRUE(wait_for([](const AgentState& s) { return s.status == "retrying"; }));
  EXPECT_TRUE(Contains(agent_->state().last_error, "corrupted in transit")) << agent_->state().last_error;
  EXPECT_EQ(agent_->state().version, "1.0.0");
  ASSERT_TRUE(server.control(R"({"corrupt_byte": null})").ok());
  ASSERT_TRUE(wait_version("1.1.0")) << state_json(agent_->state());
}

// A download cut short by a restart resumes where it stopped (one Range request), not from zero.
TEST_F(AgentTest, ResumesAnInterruptedDownloadAfterARestart) {
  EDGERUN_START_BROKER(broker);
  EDGERUN_START_ARTIFACT_SERVER(server);
  ASSERT_NO_FATAL_FAILURE(start_with_first_version(broker, server));
  ASSERT_TRUE(server.control(R"({"chunk_delay_ms": 20})").ok());  // 2 MB at ~3 MB/s
  const Notice next = put_bundle(server, {.version = "1.1.0", .padding = 2 << 20});
  const auto before = server.stats().value();
  send(next);
  const std::string part = dir_.path() + "/state/download.part";
  for (int i = 0; i < 1500 && (!std::filesystem::exists(part) || std::filesystem::file_size(part) < (512u << 10));
       ++i) {
    std::this_thread::sleep_for(5ms);
  }
  stop_agent();  // aborts the download; the partial file stays
  const uint64_t kept = std::filesystem::exists(part) ? std::filesystem::file_size(part) : 0;
  ASSERT_GE(kept, 512u << 10);
  ASSERT_LT(kept, next.size);
  ASSERT_TRUE(server.control(R"({"chunk_delay_ms": null})").ok());
  start_agent(broker.port());
  ASSERT_TRUE(wait_version("1.1.0")) << state_json(agent_->state());
  const auto after = server.stats().value();
  EXPECT_GE(after.range_requests - before.range_requests, 1u);
  // Sent in all: the first attempt's bytes plus the rest, far less than the bundle twice.
  EXPECT_LT(after.bytes_sent - before.bytes_sent, next.size + next.size / 2);
  EXPECT_FALSE(std::filesystem::exists(part));
}

// A rollback order that arrives while the version is still downloading stops the install before the switch.
TEST_F(AgentTest, ARollbackDuringTheDownloadStopsTheInstallBeforeTheSwitch) {
  EDGERUN_START_BROKER(broker);
  EDGERUN_START_ARTIFACT_SERVER(server);
  ASSERT_NO_FATAL_FAILURE(start_with_first_version(broker, server));
  const auto serving = agent_->model();
  const int updates = agent_->state().updates;
  // 2 MB at ~3 MB/s: the order (one MQTT message) comes long before the download ends.
  ASSERT_TRUE(server.control(R"({"chunk_delay_ms": 20})").ok());
  send(put_bundle(server, {.version = "1.1.0", .padding = 2 << 20}));
  ASSERT_TRUE(wait_for([](const AgentState& s) { return s.status == "downloading"; }));
  send(Notice{"rollback", "tiny", "1.1.0", "", 0, ""}, "test/devices/dev1/notice");
  ASSERT_TRUE(wait_for([](const AgentState& s) { return s.status == "rolled_back" && s.target_version == "1.1.0"; }))
      << state_json(agent_->state());
  EXPECT_EQ(agent_->state().version, "1.0.0");
  EXPECT_EQ(agent_->state().updates, updates);  // it never switched
  EXPECT_EQ(agent_->model(), serving);
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/state/download.part"));
}

// The install marker, as an agent that died installing (killed, or crashed by the bundle's model in its health
// check) leaves it: after three such deaths on the same bundle file, that file is refused instead of retried.
TEST_F(AgentTest, ABundleTheAgentKeepsDyingOnIsRefusedAfterThreeTries) {
  EDGERUN_START_BROKER(broker);
  EDGERUN_START_ARTIFACT_SERVER(server);
  ASSERT_NO_FATAL_FAILURE(start_with_first_version(broker, server));
  const std::string marker = dir_.path() + "/state/install-attempt.json";
  EXPECT_FALSE(std::filesystem::exists(marker));  // a finished install leaves none
  auto died_installing = [&](const Notice& n, int tries) {
    stop_agent();
    std::ofstream(marker)
        << nlohmann::json{{"name", n.name}, {"version", n.version}, {"sha256", n.sha256}, {"tries", tries}}.dump();
    start_agent(broker.port());
  };

  // Died once on 1.1.0: the next attempt goes ahead, and succeeds.
  const Notice once = put_bundle(server, {.version = "1.1.0"});
  died_installing(once, 1);
  EXPECT_NE(agent_->state().status, "failed");
  send(once);
  ASSERT_TRUE(wait_version("1.1.0")) << state_json(agent_->state());
  EXPECT_FALSE(std::filesystem::exists(marker));

  // Died three times on this 1.2.0 file: refused at start, and when announced again.
  const Notice crashing = put_bundle(server, {.version = "1.2.0"});
  died_installing(crashing, 3);
  AgentState s = agent_->state();
  EXPECT_EQ(s.status, "failed");
  EXPECT_EQ(s.last_error_check, "install");
  EXPECT_EQ(s.target_version, "1.2.0");
  EXPECT_TRUE(Contains(s.last_error, "the agent stopped 3 times while installing it")) << s.last_error;
  EXPECT_FALSE(std::filesystem::exists(marker));
  const int failures = s.failures;
  send(crashing);
  ASSERT_TRUE(wait_for([&](const AgentState& st) { return st.failures > failures; })) << state_json(agent_->state());
  EXPECT_TRUE(Contains(agent_->state().last_error, "the agent stopped 3 times")) << agent_->state().last_error;
  EXPECT_EQ(agent_->state().version, "1.1.0");
  EXPECT_EQ(served_version(), "1.1.0");
  // Only that file: a rebuilt 1.2.0 (other bytes) installs.
  send(put_bundle(server, {.version = "1.2.0"}));
  ASSERT_TRUE(wait_version("1.2.0")) << state_json(agent_->state());
}

// The whole path secured: a broker that takes only TLS clients with a password, and an HTTPS artifact server,
// both under a private CA. The agent connects, installs from https and reports its state over TLS.
TEST_F(AgentTest, UpdatesThroughATlsBrokerAndAnHttpsServer) {
  if (!testenv::TestBroker::available()) GTEST_SKIP() << "no MQTT broker (apt install mosquitto)";
  const std::string d = dir_.path();
  const Status certs = testenv::make_test_certs(d);
  ASSERT_TRUE(certs.ok()) << certs.message();
  const std::string passwd = "mosquitto_passwd -b -c '" + d + "/passwd' dev1 device-pw && mosquitto_passwd -b '" + d +
                             "/passwd' publisher publisher-pw";
  ASSERT_EQ(std::system(("(" + passwd + ") > /dev/null 2>&1").c_str()), 0);
  std::ofstream(d + "/dev1.pw") << "device-pw\n";
  testenv::TestBroker broker({d + "/server.pem", d + "/server.key", d + "/passwd"});
  const Status started = broker.start();
  ASSERT_TRUE(started.ok()) << started.message();
  testenv::TestArtifactServer server;
  ASSERT_TRUE(server.start({"--tls-cert", d + "/server.pem", "--tls-key", d + "/server.key"}).ok()) << server.log();

  config_patch_ = {{"mqtt", {{"ca_file", "ca.pem"}, {"username", "dev1"}, {"password_file", "dev1.pw"}}},
                   {"download", {{"ca_file", "ca.pem"}}}};
  test_client_options_.ca_file = d + "/ca.pem";
  test_client_options_.username = "publisher";
  test_client_options_.password = "publisher-pw";
  connect(broker.port());
  start_agent(broker.port());
  Notice n = put_bundle(server, {.version = "1.0.0"});
  ASSERT_EQ(n.url.rfind("http://", 0), 0u);
  n.url.replace(0, 4, "https");
  send(n);
  ASSERT_TRUE(wait_version("1.0.0")) << state_json(agent_->state());
  EXPECT_EQ(served_version(), "1.0.0");
  // The state reached the test's client through the TLS broker.
  for (int i = 0; i < 500 && !Contains(last_message("test/devices/dev1/state"), "\"version\":\"1.0.0\""); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(Contains(last_message("test/devices/dev1/state"), "\"status\":\"updated\""))
      << last_message("test/devices/dev1/state");
}

TEST_F(AgentTest, KeepsServingWhileBrokerAndServerAreDownAndUpdatesWhenTheyReturn) {
  EDGERUN_START_BROKER(broker);
  EDGERUN_START_ARTIFACT_SERVER(server);
  ASSERT_NO_FATAL_FAILURE(start_with_first_version(broker, server));
  const auto serving = agent_->model();

  // The artifact server goes away: the agent retries with backoff and keeps its model.
  const Notice next = put_bundle(server, {.version = "1.1.0"});
  server.stop();
  send(next);
  ASSERT_TRUE(wait_for([](const AgentState& s) { return s.status == "retrying" && s.failures >= 2; }))
      << state_json(agent_->state());
  EXPECT_EQ(agent_->state().last_error_check, "download");
  EXPECT_EQ(agent_->model(), serving);
  // The broker goes away too; then the server comes back first.
  broker.stop();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(agent_->model(), serving);
  EXPECT_EQ(served_version(), "1.0.0");  // offline, still answering
  ASSERT_TRUE(server.start().ok());
  ASSERT_NE(next.url.find(":" + std::to_string(server.port()) + "/"), std::string::npos);  // same URL again
  ASSERT_TRUE(wait_version("1.1.0")) << state_json(agent_->state());
  // The broker returns: the agent reconnects and publishes its new state.
  ASSERT_TRUE(broker.start().ok());
  for (int i = 0; i < 1500 && !Contains(last_message("test/devices/dev1/state"), "\"version\":\"1.1.0\""); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(Contains(last_message("test/devices/dev1/state"), "\"version\":\"1.1.0\""))
      << last_message("test/devices/dev1/state");
}

TEST_F(AgentTest, DiskFullIsReportedAndTheOldModelKeepsServing) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to mount a small tmpfs";
  EDGERUN_START_BROKER(broker);
  EDGERUN_START_ARTIFACT_SERVER(server);
  const std::string small = dir_.path() + "/small";
  std::filesystem::create_directories(small);
  if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs here: " << std::strerror(errno);
  }
  connect(broker.port());
  start_agent(broker.port(), small + "/state");
  send(put_bundle(server, {.version = "1.0.0", .padding = 300 << 10}));
  ASSERT_TRUE(wait_version("1.0.0")) << state_json(agent_->state());
  const auto serving = agent_->model();
  // 1 MiB holds one 300 KiB bundle in a slot, not another 800 KiB one.
  send(put_bundle(server, {.version = "1.1.0", .padding = 800 << 10}));
  ASSERT_TRUE(wait_for([](const AgentState& s) { return s.failures >= 1; })) << state_json(agent_->state());
  const AgentState s = agent_->state();
  EXPECT_TRUE(Contains(s.last_error, "No space left on device")) << s.last_error;
  EXPECT_EQ(s.version, "1.0.0");
  EXPECT_EQ(agent_->model(), serving);
  stop_agent();
  // Still the old, verified model after a restart.
  start_agent(broker.port(), small + "/state");
  EXPECT_EQ(agent_->state().version, "1.0.0");
  stop_agent();
  ::umount(small.c_str());
}

// SIGKILL at random moments of downloads and installs: after each, the device holds a complete, verified model,
// the old one or the new one.
TEST_F(AgentTest, SurvivesSigkillAtRandomMoments) {
  EDGERUN_START_BROKER(broker);
  EDGERUN_START_ARTIFACT_SERVER(server);
  connect(broker.port());
  const std::string state_dir = dir_.path() + "/state";
  const std::string config = write_config(broker.port(), state_dir);
  // A slow link (about 4 MB/s) and 1 MB bundles: each update spends ~250 ms downloading, then installs.
  ASSERT_TRUE(server.control(R"({"chunk_delay_ms": 15})").ok());
  deploy::VerifyOptions verify;
  verify.trusted = {release_.public_key};
  verify.decryption_keys = {group_};
  const deploy::SlotStore slots(state_dir, verify);
  std::mt19937 rng(1234);
  std::map<std::string, int> killed_in;  // the agent's last reported status when killed
  int version = 1, kills = 0, came_back_old = 0, came_back_new = 0, came_back_empty = 0;
  std::string installed, want;
  // A fresh bundle each time (new bytes, so the agent starts its download over rather than resuming it: each run
  // has a whole download to interrupt); a new version once the previous one is in.
  auto announce = [&] {
    want = "1." + std::to_string(version) + ".0";
    send(put_bundle(server, {.version = want, .padding = 1 << 20}));
  };
  testenv::ChildProcess agent;
  const int kKills = 60;
  while (kills < kKills) {
    announce();
    {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.erase("test/devices/dev1/state");
    }
    ASSERT_TRUE(agent.start({EDGERUN_CLI_PATH, "agent", "--config", config}, dir_.path() + "/agent.log").ok());
    // Half the kills at a random moment after the download starts (it takes >= 240 ms on this link), half after
    // the install starts (which is short: writing the slot, loading it back, the health check, the switch).
    const bool in_install = kills % 2 == 1;
    const std::string phase = in_install ? "\"status\":\"installing\"" : "\"status\":\"downloading\"";
    for (int i = 0; i < 2500 && !Contains(last_message("test/devices/dev1/state"), phase); ++i) {
      std::this_thread::sleep_for(2ms);
    }
    const int delay = std::uniform_int_distribution<int>(0, in_install ? 50 : 200)(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    auto s = parse_state(last_message("test/devices/dev1/state"));
    agent.kill_now();
    ++kills;
    killed_in[s.ok() ? s->status : "starting"]++;
    auto active = slots.load_active();
    ASSERT_TRUE(active.ok()) << "after kill " << kills << ": " << active.status().message();
    if (!active->has_value()) {
      EXPECT_TRUE(installed.empty()) << "kill " << kills << ": no model, but " << installed << " was installed";
      ++came_back_empty;
    } else {
      const std::string v = (*active)->bundle.manifest.version;
      EXPECT_TRUE(v == want || v == installed) << "kill " << kills << ": " << v;
      EXPECT_TRUE((*active)->fallback_reason.empty()) << (*active)->fallback_reason;
      if (v == want) {
        installed = want;
        ++version;
        ++came_back_new;
      } else {
        ++came_back_old;
      }
    }
  }
  // Unkilled, it finishes one more update.
  announce();
  ASSERT_TRUE(agent.start({EDGERUN_CLI_PATH, "agent", "--config", config}, dir_.path() + "/agent.log").ok());
  for (int i = 0; i < 1500 && !Contains(last_message("test/devices/dev1/state"), "\"version\":\"" + want + "\""); ++i) {
    std::this_thread::sleep_for(20ms);
  }
  agent.stop();
  auto active = slots.load_active();
  ASSERT_TRUE(active.ok() && active->has_value());
  EXPECT_EQ((*active)->bundle.manifest.version, want);
  std::string summary;
  for (const auto& [status, n] : killed_in) summary += " " + status + "=" + std::to_string(n);
  std::cout << "[ kills    ] " << kills << " SIGKILLs, by the agent's last reported status:" << summary << "; "
            << version - 1 << " updates completed between kills; after the kill the device ran the old version "
            << came_back_old << " times, the new one " << came_back_new << " times, none (before the first install) "
            << came_back_empty << " times\n";
  EXPECT_GE(killed_in["downloading"], 10) << summary;
  EXPECT_GE(killed_in["installing"], 5) << summary;
}

}  // namespace
}  // namespace edgerun::agent
