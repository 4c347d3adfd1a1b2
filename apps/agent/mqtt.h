// agent/mqtt.h — an MQTT client that stays connected: it connects in the background, reconnects with exponential
// backoff whenever the broker goes away, and re-subscribes after every reconnect (libmosquitto, MQTT 3.1.1).
//
//   edgerun::agent::MqttOptions opts;
//   opts.client_id = "cam-17";
//   opts.will = edgerun::agent::MqttOptions::Will{"edgerun/cam-17/status", "offline"};
//   auto client = edgerun::agent::MqttClient::create(opts, [](const std::string& topic, const std::string& payload) {
//     std::cout << topic << ": " << payload << "\n";  // on the client's network thread
//   });
//   if (!client.ok()) return client.status();
//   (*client)->subscribe("edgerun/cam-17/update");
//   if ((*client)->wait_connected(5000)) (*client)->publish("edgerun/cam-17/status", "online", 1, /*retain=*/true);
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "edgerun/status.h"

namespace edgerun::agent {

struct MqttOptions {
  std::string host = "127.0.0.1";
  int port = 1883;
  std::string client_id;  // empty: a random one (then the broker keeps no session for it across reconnects)
  int keepalive_s = 10;   // at least 5 (libmosquitto's minimum); a silent broker is noticed within ~2x this
  // Waits between connection attempts: the first is reconnect_min_ms, each failed attempt doubles it up to
  // reconnect_max_ms, a successful connection resets it. Each wait is drawn from [wait/2, wait] so that a fleet
  // does not reconnect in lockstep after a broker restart.
  int reconnect_min_ms = 500, reconnect_max_ms = 30000;
  // Published by the broker when the connection ends without a clean disconnect (power cut, crash, network loss).
  struct Will {
    std::string topic, payload;
    int qos = 1;
    bool retain = true;
  };
  std::optional<Will> will;
  // TLS: a PEM file of the CAs the broker's certificate must chain to turns it on; the broker's host name is
  // verified. cert_file and key_file: this client's certificate, for brokers that ask for one.
  std::string ca_file, cert_file, key_file;
  // Credentials, for brokers that require them (send them over TLS only).
  std::string username, password;
};

// Reads a broker password kept in a file of its own (up to 4 KiB; a trailing newline is dropped).
Result<std::string> read_password_file(const std::string& path);

class MqttClient {
 public:
  // Both handlers run on the client's network thread: keep them short, do not throw, and do not destroy the
  // client from them. They may call subscribe() and publish(). They can run before create() has returned, so a
  // handler must not read the variable that create()'s result is being moved into.
  using MessageHandler = std::function<void(const std::string& topic, const std::string& payload)>;
  // Called after each connect (subscriptions already renewed) and each loss of the connection.
  using ConnectionHandler = std::function<void(bool connected)>;

  // Starts connecting in the background and returns at once, whether or not the broker is reachable yet.
  // InvalidArgument for unusable options.
  static Result<std::unique_ptr<MqttClient>> create(const MqttOptions& options, MessageHandler on_message,
                                                    ConnectionHandler on_connection = nullptr);

  // Remembered and (re-)subscribed after every connect; sent at once when connected. InvalidArgument for a bad
  // filter or QoS; IOError if sending it failed now (it is still renewed on the next connect).
  Status subscribe(const std::string& topic_filter, int qos = 1);
  // IOError (transient) when not connected: nothing is queued for later. InvalidArgument for a bad topic or QoS.
  Status publish(const std::string& topic, const std::string& payload, int qos = 1, bool retain = false);
  bool connected() const;
  bool wait_connected(int timeout_ms) const;
  // Why the last connection attempt failed or ended ("" if none has): the broker's refusal (bad credentials, say)
  // or a transport error (TLS, connection refused).
  std::string last_error() const;

  ~MqttClient();  // disconnects cleanly (so the broker does not publish the will), then stops the thread

  MqttClient(const MqttClient&) = delete;
  MqttClient& operator=(const MqttClient&) = delete;

 private:
  struct Impl;
  explicit MqttClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgerun::agent
