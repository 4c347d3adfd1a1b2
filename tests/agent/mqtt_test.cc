#include "agent/mqtt.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "agent/broker.h"
#include "agent/certs.h"

namespace edgerun::agent {
namespace {

using namespace std::chrono_literals;

constexpr auto kPatience = 10s;  // generous: CI machines are small and busy; the normal case takes milliseconds

// What a client's handlers saw, for the test thread to wait on.
class Inbox {
 public:
  MqttClient::MessageHandler message_handler() {
    return [this](const std::string& topic, const std::string& payload) {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.emplace_back(topic, payload);
      cv_.notify_all();
    };
  }
  MqttClient::ConnectionHandler connection_handler() {
    return [this](bool connected) {
      std::lock_guard<std::mutex> lock(mu_);
      events_.push_back(connected);
      cv_.notify_all();
    };
  }

  // Waits until a message `payload` arrived on `topic`.
  bool wait_for(const std::string& topic, const std::string& payload, std::chrono::milliseconds timeout = kPatience) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return has(topic, payload); });
  }

  // Waits until the connection handler's calls are `expected`.
  bool wait_events(const std::vector<bool>& expected) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return events_ == expected; });
  }

  std::vector<bool> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }

 private:
  bool has(const std::string& topic, const std::string& payload) const {
    for (const auto& m : messages_) {
      if (m.first == topic && m.second == payload) return true;
    }
    return false;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::string>> messages_;
  std::vector<bool> events_;
};

MqttOptions options_for(const testenv::TestBroker& broker, const std::string& client_id) {
  MqttOptions o;
  o.port = broker.port();
  o.client_id = client_id;
  o.reconnect_min_ms = 50;  // so that reconnect tests take well under a second
  o.reconnect_max_ms = 400;
  return o;
}

std::unique_ptr<MqttClient> make_client(const MqttOptions& options, Inbox* inbox) {
  auto client = MqttClient::create(options, inbox ? inbox->message_handler() : nullptr,
                                   inbox ? inbox->connection_handler() : nullptr);
  EXPECT_TRUE(client.ok()) << client.status().message();
  return client.ok() ? std::move(*client) : nullptr;
}

// Publishes until `inbox` has the message: a subscription sent on another connection reaches the broker at its
// own pace, and MQTT only orders messages within one connection.
bool deliver(MqttClient& from, Inbox& inbox, const std::string& topic, const std::string& payload) {
  for (auto deadline = std::chrono::steady_clock::now() + kPatience; std::chrono::steady_clock::now() < deadline;) {
    from.publish(topic, payload);
    if (inbox.wait_for(topic, payload, 200ms)) return true;
  }
  return false;
}

bool wait_until(const std::function<bool()>& condition) {
  for (auto deadline = std::chrono::steady_clock::now() + kPatience; std::chrono::steady_clock::now() < deadline;) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

TEST(AgentMqtt, PublishSubscribeRoundTrip) {
  EDGERUN_START_BROKER(broker);
  Inbox inbox;
  auto device = make_client(options_for(broker, "device"), &inbox);
  auto fleet = make_client(options_for(broker, "fleet"), nullptr);
  ASSERT_TRUE(device && fleet);
  ASSERT_TRUE(device->subscribe("edgerun/device/+").ok());
  ASSERT_TRUE(device->wait_connected(10000)) << broker.log();
  ASSERT_TRUE(fleet->wait_connected(10000)) << broker.log();
  EXPECT_TRUE(inbox.wait_events({true}));

  EXPECT_TRUE(deliver(*fleet, inbox, "edgerun/device/update", std::string("bundle\0v2", 9)));
  // Within one connection MQTT keeps order: a message published after a subscription is delivered.
  ASSERT_TRUE(device->subscribe("edgerun/echo").ok());
  ASSERT_TRUE(device->publish("edgerun/echo", "ping").ok());
  EXPECT_TRUE(inbox.wait_for("edgerun/echo", "ping"));
}

TEST(AgentMqtt, RetainedMessageReachesLaterSubscriber) {
  EDGERUN_START_BROKER(broker);
  Inbox fleet_inbox;
  auto fleet = make_client(options_for(broker, "fleet"), &fleet_inbox);
  ASSERT_TRUE(fleet && fleet->wait_connected(10000)) << broker.log();
  ASSERT_TRUE(fleet->subscribe("edgerun/latest").ok());
  ASSERT_TRUE(fleet->publish("edgerun/latest", "v7", 1, /*retain=*/true).ok());
  ASSERT_TRUE(fleet_inbox.wait_for("edgerun/latest", "v7"));  // now the broker holds it

  Inbox inbox;
  auto device = make_client(options_for(broker, "device"), &inbox);
  ASSERT_TRUE(device && device->subscribe("edgerun/latest").ok());
  EXPECT_TRUE(inbox.wait_for("edgerun/latest", "v7"));
}

TEST(AgentMqtt, WillIsPublishedWhenProcessDies) {
  EDGERUN_START_BROKER(broker);
  MqttOptions opts = options_for(broker, "doomed");
  opts.will = MqttOptions::Will{"edgerun/doomed/status", "offline"};  // retained by default
  // The child connects with a will and exits without disconnecting, as a device losing power would. It is forked
  // before this process starts any client thread.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto client = MqttClient::create(opts, nullptr);
    _exit(client.ok() && (*client)->wait_connected(10000) ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the child did not connect; " << broker.log();

  Inbox inbox;
  auto watcher = make_client(options_for(broker, "watcher"), &inbox);
  ASSERT_TRUE(watcher && watcher->subscribe("edgerun/doomed/status").ok());
  EXPECT_TRUE(inbox.wait_for("edgerun/doomed/status", "offline")) << broker.log();
}

TEST(AgentMqtt, DestructorDisconnectsCleanly) {
  EDGERUN_START_BROKER(broker);
  MqttOptions opts = options_for(broker, "tidy");
  opts.will = MqttOptions::Will{"edgerun/tidy/status", "offline"};
  auto client = make_client(opts, nullptr);
  ASSERT_TRUE(client && client->wait_connected(10000)) << broker.log();
  client.reset();
  // mosquitto logs a DISCONNECT packet (after which it drops the will) differently from a connection that just ends.
  EXPECT_TRUE(wait_until([&] { return broker.log().find("Client tidy disconnected.") != std::string::npos; }))
      << broker.log();
}

TEST(AgentMqtt, ConnectsWhenBrokerStartsLater) {
  EDGERUN_START_BROKER(broker);
  broker.stop();
  Inbox inbox;
  auto device = make_client(options_for(broker, "device"), &inbox);
  ASSERT_TRUE(device);
  ASSERT_TRUE(device->subscribe("edgerun/device/update").ok());  // remembered until there is a connection
  EXPECT_FALSE(device->connected());
  const Status offline = device->publish("edgerun/device/status", "hello");
  EXPECT_EQ(offline.code(), StatusCode::kIOError) << offline.message();

  ASSERT_TRUE(broker.start().ok());
  ASSERT_TRUE(device->wait_connected(10000)) << broker.log();
  EXPECT_TRUE(inbox.wait_events({true}));
  auto fleet = make_client(options_for(broker, "fleet"), nullptr);
  ASSERT_TRUE(fleet && fleet->wait_connected(10000));
  EXPECT_TRUE(deliver(*fleet, inbox, "edgerun/device/update", "v2"));
}

TEST(AgentMqtt, ReconnectsAndResubscribesAfterBrokerRestart) {
  EDGERUN_START_BROKER(broker);
  Inbox inbox;
  auto device = make_client(options_for(broker, "device"), &inbox);
  ASSERT_TRUE(device && device->subscribe("edgerun/device/update").ok());
  ASSERT_TRUE(device->wait_connected(10000)) << broker.log();

  broker.stop();
  EXPECT_TRUE(inbox.wait_events({true, false}));
  EXPECT_FALSE(device->connected());
  ASSERT_TRUE(broker.start().ok());
  EXPECT_TRUE(inbox.wait_events({true, false, true})) << broker.log();
  EXPECT_TRUE(device->connected());

  auto fleet = make_client(options_for(broker, "fleet"), nullptr);
  ASSERT_TRUE(fleet && fleet->wait_connected(10000));
  EXPECT_TRUE(deliver(*fleet, inbox, "edgerun/device/update", "after restart"));
}

// A broker that takes only TLS clients with a password: the client connects with the private CA and its
// credentials; without TLS, under another CA, or with a wrong password it stays unconnected and says why.
TEST(AgentMqtt, TlsAndPasswordsAgainstASecuredBroker) {
  if (!testenv::TestBroker::available()) GTEST_SKIP() << "no MQTT broker (apt install mosquitto)";
  testenv::TempDir dir("edgerun-mqtt-tls");
  const std::string d = dir.path();
  const Status certs = testenv::make_test_certs(d);
  ASSERT_TRUE(certs.ok()) << certs.message();
  ASSERT_EQ(std::system(("mosquitto_passwd -b -c '" + d + "/passwd' device1 's3cret pass' > /dev/null 2>&1").c_str()),
            0);
  std::ofstream(d + "/password") << "s3cret pass\n";
  testenv::TestBroker broker({d + "/server.pem", d + "/server.key", d + "/passwd"});
  const Status started = broker.start();
  ASSERT_TRUE(started.ok()) << started.message() << broker.log();

  MqttOptions good = options_for(broker, "tls-device");
  good.ca_file = d + "/ca.pem";
  good.username = "device1";
  good.password = read_password_file(d + "/password").value();
  EXPECT_EQ(good.password, "s3cret pass");
  Inbox inbox;
  auto client = make_client(good, &inbox);
  ASSERT_TRUE(client);
  ASSERT_TRUE(client->wait_connected(10000)) << client->last_error() << "\n" << broker.log();
  ASSERT_TRUE(client->subscribe("edgerun/tls").ok());
  EXPECT_TRUE(deliver(*client, inbox, "edgerun/tls", "over TLS"));

  MqttOptions plain = options_for(broker, "plain"), other_ca = good, wrong_password = good;
  other_ca.client_id = "other-ca";
  other_ca.ca_file = d + "/other-ca.pem";
  wrong_password.client_id = "wrong-password";
  wrong_password.password = "guess";
  const std::pair<MqttOptions, std::string> refused[] = {
      // Plain TCP: the broker hangs up. Another CA: the handshake fails, in the connect call or in the loop after it
      // depending on timing, so only the cause is checked.
      {plain, ""},
      {other_ca, "A TLS error occurred"},
      {wrong_password, "the broker refused the connection: Connection Refused: not authorised"}};
  for (const auto& [options, why] : refused) {
    auto c = make_client(options, nullptr);
    ASSERT_TRUE(c);
    EXPECT_FALSE(c->wait_connected(1500)) << options.client_id;
    EXPECT_FALSE(c->last_error().empty()) << options.client_id;
    EXPECT_NE(c->last_error().find(why), std::string::npos) << options.client_id << ": " << c->last_error();
  }
  EXPECT_TRUE(client->connected());
}

TEST(AgentMqtt, RejectsBadArguments) {
  MqttOptions bad_port;
  bad_port.port = 0;
  auto r = MqttClient::create(bad_port, nullptr);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "MQTT client for 127.0.0.1:0: port 0 (expected 1..65535)");
  MqttOptions bad_keepalive;
  bad_keepalive.keepalive_s = 1;
  EXPECT_EQ(MqttClient::create(bad_keepalive, nullptr).status().code(), StatusCode::kInvalidArgument);
  MqttOptions bad_will;
  bad_will.will = MqttOptions::Will{"edgerun/#", "offline"};
  EXPECT_EQ(MqttClient::create(bad_will, nullptr).status().code(), StatusCode::kInvalidArgument);

  MqttOptions nowhere;  // nothing needs to listen for these checks
  nowhere.port = 1;
  auto client = MqttClient::create(nowhere, nullptr);
  ASSERT_TRUE(client.ok()) << client.status().message();
  EXPECT_EQ((*client)->subscribe("a/#/b").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*client)->subscribe("a/b", 3).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*client)->publish("a/b", "x", -1).code(), StatusCode::kInvalidArgument);

  MqttOptions half_tls;
  half_tls.ca_file = "/etc/hostname";
  half_tls.cert_file = "/etc/hostname";
  EXPECT_EQ(MqttClient::create(half_tls, nullptr).status().message(),
            "MQTT client for 127.0.0.1:1883: cert_file and key_file go together");
  MqttOptions missing_ca;
  missing_ca.ca_file = "/nonexistent/ca.pem";
  EXPECT_EQ(MqttClient::create(missing_ca, nullptr).status().code(), StatusCode::kInvalidArgument);
  MqttOptions cert_without_tls;
  cert_without_tls.cert_file = cert_without_tls.key_file = "/etc/hostname";
  EXPECT_EQ(MqttClient::create(cert_without_tls, nullptr).status().message(),
            "MQTT client for 127.0.0.1:1883: cert_file and key_file need ca_file (TLS)");
}

}  // namespace
}  // namespace edgerun::agent
