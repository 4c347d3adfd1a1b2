#include "agent/mqtt.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "agent/broker.h"

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
}

}  // namespace
}  // namespace edgerun::agent
