// The agent's JSON config: every field read, relative paths resolved against the file's folder, and each bad
// value refused with the file and the field named.
#include <gtest/gtest.h>

#include <fstream>

#include "agent/agent.h"
#include "agent/process.h"

namespace edgerun::agent {
namespace {

class AgentConfigTest : public ::testing::Test {
 protected:
  Result<AgentConfig> load(const std::string& text) {
    std::ofstream(path_) << text;
    return load_agent_config(path_);
  }
  testenv::TempDir dir_{"edgerun-config-test"};
  std::string path_ = dir_.path() + "/agent.json";
};

TEST_F(AgentConfigTest, ReadsEveryFieldAndResolvesRelativePaths) {
  std::ofstream(dir_.path() + "/mqtt.pw") << "pa ss\r\n";
  auto c = load(R"({"device_id": "cam-17", "state_dir": "state", "trusted_keys": ["release.pub", "/etc/k.pub"],
    "decryption_keys": ["cam.key"], "topic_prefix": "site/a", "allow_downgrade": true, "arch": "aarch64",
    "socket": "", "max_unpacked_bytes": 1048576,
    "mqtt": {"host": "10.0.0.5", "port": 8883, "keepalive_s": 30, "reconnect_min_ms": 100, "reconnect_max_ms": 9000,
             "ca_file": "ca.pem", "cert_file": "/etc/cam.pem", "key_file": "cam-tls.key", "username": "cam-17",
             "password_file": "mqtt.pw"},
    "download": {"max_bytes": 5000000, "connect_timeout_ms": 1000, "stall_timeout_ms": 2000,
                 "total_timeout_ms": 60000, "ca_file": "fleet-ca.pem"},
    "retry": {"min_ms": 10, "max_ms": 20}})");
  ASSERT_TRUE(c.ok()) << c.status().message();
  const std::string d = dir_.path();
  EXPECT_EQ(c->device_id, "cam-17");
  EXPECT_EQ(c->state_dir, d + "/state");
  EXPECT_EQ(c->trusted_keys, (std::vector<std::string>{d + "/release.pub", "/etc/k.pub"}));
  EXPECT_EQ(c->decryption_keys, (std::vector<std::string>{d + "/cam.key"}));
  EXPECT_EQ(c->topic_prefix, "site/a");
  EXPECT_TRUE(c->allow_downgrade);
  EXPECT_EQ(c->arch, "aarch64");
  EXPECT_EQ(c->socket, "");
  EXPECT_EQ(c->max_unpacked_bytes, 1048576u);
  EXPECT_EQ(c->mqtt.host, "10.0.0.5");
  EXPECT_EQ(c->mqtt.port, 8883);
  EXPECT_EQ(c->mqtt.keepalive_s, 30);
  EXPECT_EQ(c->mqtt.client_id, "edgerun-cam-17");
  EXPECT_EQ(c->mqtt.ca_file, d + "/ca.pem");
  EXPECT_EQ(c->mqtt.cert_file, "/etc/cam.pem");
  EXPECT_EQ(c->mqtt.key_file, d + "/cam-tls.key");
  EXPECT_EQ(c->mqtt.username, "cam-17");
  EXPECT_EQ(c->mqtt.password, "pa ss");  // the file's line ending dropped
  EXPECT_EQ(c->download.max_bytes, 5000000u);
  EXPECT_EQ(c->download.stall_timeout_ms, 2000);
  EXPECT_EQ(c->download.total_timeout_ms, 60000);
  EXPECT_EQ(c->download.ca_file, d + "/fleet-ca.pem");
  EXPECT_EQ(c->retry_min_ms, 10);
  EXPECT_EQ(c->retry_max_ms, 20);

  auto minimal = load(R"({"device_id": "d1", "state_dir": "/var/lib/e", "trusted_keys": ["k.pub"]})");
  ASSERT_TRUE(minimal.ok()) << minimal.status().message();
  EXPECT_EQ(minimal->socket, "/var/lib/e/agent.sock");
  EXPECT_EQ(minimal->download.ca_file, "");  // the system's CA store
  EXPECT_FALSE(minimal->arch.empty());
}

TEST_F(AgentConfigTest, RefusesBadValuesNamingTheField) {
  const std::string ok = R"("device_id": "d1", "state_dir": "s", "trusted_keys": ["k.pub"])";
  const std::pair<std::string, std::string> cases[] = {
      {"[]", "not a JSON object"},
      {R"({"state_dir": "s", "trusted_keys": ["k.pub"]})", "missing \"device_id\""},
      {R"({"device_id": "../x", "state_dir": "s", "trusted_keys": ["k.pub"]})", "device_id must be 1-64"},
      {R"({"device_id": "d1", "state_dir": "s", "trusted_keys": []})", "must name at least one public key"},
      {R"({"device_id": "d1", "state_dir": "s", "trusted_keys": "k.pub"})",
       "\"trusted_keys\" is string, expected an array of strings"},
      {"{" + ok + R"(, "topic_prefix": "a/#"})", "topic_prefix must be a non-empty topic without wildcards"},
      {"{" + ok + R"(, "mqtt": {"port": 70000}})", "mqtt: \"port\" is 70000, expected 1..65535"},
      {"{" + ok + R"(, "mqtt": 5})", "\"mqtt\" is number, expected an object"},
      {"{" + ok + R"(, "download": {"ca_file": 1}})", "download: \"ca_file\" is number, expected a string"},
      {"{" + ok + R"(, "allow_downgrade": "yes"})", "\"allow_downgrade\" is string, expected true or false"},
      {"{" + ok + R"(, "retry": {"min_ms": 0}})", "retry: \"min_ms\" is 0, expected 1..3600000"},
      {"{" + ok + R"(, "mqtt": {"password_file": "no-such.pw"}})", "no-such.pw"},
  };
  for (const auto& [text, message] : cases) {
    auto c = load(text);
    ASSERT_FALSE(c.ok()) << text;
    EXPECT_NE(c.status().message().find(message), std::string::npos) << c.status().message();
    EXPECT_EQ(c.status().message().rfind(path_, 0), 0u) << c.status().message();  // names the file first
  }
}

}  // namespace
}  // namespace edgerun::agent
