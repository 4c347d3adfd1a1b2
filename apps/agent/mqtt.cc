#include "agent/mqtt.h"

#include <mosquitto.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "deploy/files.h"

namespace edgerun::agent {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxPayload = 268435455;  // MQTT's variable-length limit on a packet's remaining length

// mosquitto_lib_init is not thread-safe; it is needed once per process.
void mosquitto_ready() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

Status check_qos(const std::string& what, int qos) {
  if (qos < 0 || qos > 2) return InvalidArgument(what + ": QoS " + std::to_string(qos) + " (expected 0, 1 or 2)");
  return Status::Ok();
}

// Errors that say the request itself is wrong, as opposed to the connection being unusable right now.
Status mosquitto_error(const std::string& what, int rc) {
  std::string m = what + ": " + mosquitto_strerror(rc);
  switch (rc) {
    case MOSQ_ERR_INVAL:
    case MOSQ_ERR_PAYLOAD_SIZE:
    case MOSQ_ERR_MALFORMED_UTF8:
    case MOSQ_ERR_QOS_NOT_SUPPORTED:
    case MOSQ_ERR_OVERSIZE_PACKET:
      return InvalidArgument(std::move(m));
    default:
      return IOError(std::move(m));
  }
}

}  // namespace

// libmosquitto's own mosquitto_loop_start() thread does not retry when the first mosquitto_connect_async() failed
// (e.g. connection refused: the broker is not up yet), and counts its reconnect delays in whole seconds. So the
// client runs its own network thread: mosquitto_loop() while a connection lasts, mosquitto_reconnect_async() with
// backoff between connections. Other threads only call mosquitto_publish / mosquitto_subscribe / mosquitto_disconnect,
// which libmosquitto supports next to a running loop (mosquitto_threaded_set).
struct MqttClient::Impl {
  MqttOptions options;
  MessageHandler on_message;
  ConnectionHandler on_connection;
  mosquitto* mosq = nullptr;
  bool socket_open = false;  // the last connect attempt got as far as a socket (network thread only)
  std::minstd_rand rng{std::random_device{}()};
  std::thread thread;

  mutable std::mutex mu;
  mutable std::condition_variable cv;
  bool connected = false;                    // guarded by mu
  std::string last_error;                    // guarded by mu
  std::string refusal;                       // the broker's answer to this attempt, if it refused (network thread)
  std::map<std::string, int> subscriptions;  // guarded by mu
  std::atomic<bool> stopping{false};         // set under mu, so that the backoff wait cannot miss it

  std::string where() const { return "MQTT broker " + options.host + ":" + std::to_string(options.port); }

  static void on_connect_cb(mosquitto*, void* self, int rc) noexcept { static_cast<Impl*>(self)->handle_connect(rc); }

  static void on_message_cb(mosquitto*, void* self, const mosquitto_message* m) noexcept {
    auto* impl = static_cast<Impl*>(self);
    if (!impl->on_message) return;
    impl->on_message(m->topic, std::string(static_cast<const char*>(m->payload), static_cast<size_t>(m->payloadlen)));
  }

  void handle_connect(int rc) {
    if (rc != 0) {  // refused by the broker: the loop sees the connection close and backs off
      refusal = std::string("the broker refused the connection: ") + mosquitto_connack_string(rc);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      last_error.clear();
      for (const auto& [filter, qos] : subscriptions) mosquitto_subscribe(mosq, nullptr, filter.c_str(), qos);
      connected = true;
    }
    cv.notify_all();
    if (on_connection) on_connection(true);
  }

  void mark_disconnected() {
    bool was_connected = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      std::swap(was_connected, connected);
    }
    cv.notify_all();
    if (was_connected && on_connection) on_connection(false);
  }

  void set_error(std::string e) {
    std::lock_guard<std::mutex> lock(mu);
    last_error = std::move(e);
  }

  // Serves one connection until it ends, or until the client is stopping and has said goodbye.
  void pump() {
    bool disconnect_sent = false;
    Clock::time_point give_up;
    refusal.clear();
    int rc = MOSQ_ERR_SUCCESS;
    while ((rc = mosquitto_loop(mosq, 1000, 1)) == MOSQ_ERR_SUCCESS) {
      if (!stopping) continue;
      if (!disconnect_sent) {
        mosquitto_disconnect(mosq);
        disconnect_sent = true;
        give_up = Clock::now() + std::chrono::seconds(2);  // a dead network cannot carry the DISCONNECT
      } else if (Clock::now() > give_up) {
        return;
      }
    }
    if (!stopping) set_error(!refusal.empty() ? refusal : std::string("connection ended: ") + mosquitto_strerror(rc));
  }

  void run() {
    int wait_ms = options.reconnect_min_ms;
    for (;;) {
      if (socket_open) {
        pump();
        if (stopping) return;  // a clean disconnect on the way out is no news for the handler
        if (connected_now()) wait_ms = options.reconnect_min_ms;
        mark_disconnected();
      }
      {
        std::unique_lock<std::mutex> lock(mu);
        const int jittered = std::uniform_int_distribution<int>(wait_ms / 2, wait_ms)(rng);
        if (cv.wait_for(lock, std::chrono::milliseconds(jittered), [&] { return stopping.load(); })) return;
      }
      wait_ms = static_cast<int>(std::min<int64_t>(int64_t{wait_ms} * 2, options.reconnect_max_ms));
      const int rc = mosquitto_reconnect_async(mosq);
      socket_open = rc == MOSQ_ERR_SUCCESS;
      if (!socket_open) set_error(std::string("cannot connect: ") + mosquitto_strerror(rc));
    }
  }

  bool connected_now() const {
    std::lock_guard<std::mutex> lock(mu);
    return connected;
  }
};

Result<std::string> read_password_file(const std::string& path) {
  EDGERUN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, deploy::read_file(path, 4096));
  std::string password(bytes.begin(), bytes.end());
  while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) password.pop_back();
  return password;
}

MqttClient::MqttClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<MqttClient>> MqttClient::create(const MqttOptions& options, MessageHandler on_message,
                                                       ConnectionHandler on_connection) {
  const std::string what = "MQTT client for " + options.host + ":" + std::to_string(options.port);
  if (options.host.empty()) return InvalidArgument(what + ": empty host");
  if (options.port < 1 || options.port > 65535) {
    return InvalidArgument(what + ": port " + std::to_string(options.port) + " (expected 1..65535)");
  }
  if (options.keepalive_s < 5 || options.keepalive_s > 65535) {
    return InvalidArgument(what + ": keepalive_s " + std::to_string(options.keepalive_s) + " (expected 5..65535)");
  }
  if (options.reconnect_min_ms < 1 || options.reconnect_max_ms < options.reconnect_min_ms) {
    return InvalidArgument(what + ": reconnect_min_ms " + std::to_string(options.reconnect_min_ms) +
                           ", reconnect_max_ms " + std::to_string(options.reconnect_max_ms) +
                           " (expected 1 <= min <= max)");
  }
  if (options.will) EDGERUN_RETURN_IF_ERROR(check_qos(what + ": will", options.will->qos));
  mosquitto_ready();

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->on_message = std::move(on_message);
  impl->on_connection = std::move(on_connection);
  impl->mosq = mosquitto_new(options.client_id.empty() ? nullptr : options.client_id.c_str(), true, impl.get());
  if (impl->mosq == nullptr) return Internal(what + ": mosquitto_new failed");
  std::unique_ptr<MqttClient> client(new MqttClient(std::move(impl)));  // from here on, ~MqttClient cleans up
  Impl& c = *client->impl_;
  mosquitto_threaded_set(c.mosq, true);  // publish() from other threads queues and wakes the loop
  mosquitto_connect_callback_set(c.mosq, Impl::on_connect_cb);
  mosquitto_message_callback_set(c.mosq, Impl::on_message_cb);
  if (options.will) {
    const MqttOptions::Will& w = *options.will;
    int rc = mosquitto_will_set(c.mosq, w.topic.c_str(), static_cast<int>(w.payload.size()), w.payload.data(), w.qos,
                                w.retain);
    if (rc != MOSQ_ERR_SUCCESS) return mosquitto_error(what + ": will topic '" + w.topic + "'", rc);
  }
  if (!options.ca_file.empty()) {
    if (options.cert_file.empty() != options.key_file.empty()) {
      return InvalidArgument(what + ": cert_file and key_file go together");
    }
    int rc = mosquitto_tls_set(c.mosq, options.ca_file.c_str(), nullptr,
                               options.cert_file.empty() ? nullptr : options.cert_file.c_str(),
                               options.key_file.empty() ? nullptr : options.key_file.c_str(), nullptr);
    if (rc != MOSQ_ERR_SUCCESS) {
      return InvalidArgument(what + ": TLS files (ca_file '" + options.ca_file + "', cert_file '" + options.cert_file +
                             "', key_file '" + options.key_file + "'): " + mosquitto_strerror(rc));
    }
  } else if (!options.cert_file.empty() || !options.key_file.empty()) {
    return InvalidArgument(what + ": cert_file and key_file need ca_file (TLS)");
  }
  if (!options.username.empty()) {
    int rc = mosquitto_username_pw_set(c.mosq, options.username.c_str(),
                                       options.password.empty() ? nullptr : options.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS) return mosquitto_error(what + ": username", rc);
  }
  // Stores host, port and keepalive for every later mosquitto_reconnect_async, even when this attempt fails.
  int rc = mosquitto_connect_async(c.mosq, options.host.c_str(), options.port, options.keepalive_s);
  if (rc == MOSQ_ERR_INVAL) return InvalidArgument(what + ": libmosquitto rejected the connection options");
  c.socket_open = rc == MOSQ_ERR_SUCCESS;
  if (!c.socket_open) c.set_error(std::string("cannot connect: ") + mosquitto_strerror(rc));
  c.thread = std::thread([&c] { c.run(); });
  return client;
}

MqttClient::~MqttClient() {
  if (impl_->thread.joinable()) {
    {
      std::lock_guard<std::mutex> lock(impl_->mu);
      impl_->stopping = true;
    }
    impl_->cv.notify_all();
    mosquitto_disconnect(impl_->mosq);  // wakes the loop at once; it flushes the DISCONNECT and returns
    impl_->thread.join();
  }
  mosquitto_destroy(impl_->mosq);
}

Status MqttClient::subscribe(const std::string& topic_filter, int qos) {
  const std::string what = "subscribe to '" + topic_filter + "' at " + impl_->where();
  EDGERUN_RETURN_IF_ERROR(check_qos(what, qos));
  if (mosquitto_sub_topic_check(topic_filter.c_str()) != MOSQ_ERR_SUCCESS) {
    return InvalidArgument(what + ": not a valid topic filter");
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->subscriptions[topic_filter] = qos;
  if (!impl_->connected) return Status::Ok();
  int rc = mosquitto_subscribe(impl_->mosq, nullptr, topic_filter.c_str(), qos);
  return rc == MOSQ_ERR_SUCCESS ? Status::Ok() : mosquitto_error(what, rc);
}

Status MqttClient::publish(const std::string& topic, const std::string& payload, int qos, bool retain) {
  const std::string what = "publish to '" + topic + "' at " + impl_->where();
  EDGERUN_RETURN_IF_ERROR(check_qos(what, qos));
  if (payload.size() > kMaxPayload) {
    return InvalidArgument(what + ": payload of " + std::to_string(payload.size()) + " bytes (MQTT allows up to " +
                           std::to_string(kMaxPayload) + ")");
  }
  if (!connected()) return IOError(what + ": not connected");
  int rc = mosquitto_publish(impl_->mosq, nullptr, topic.c_str(), static_cast<int>(payload.size()), payload.data(), qos,
                             retain);
  return rc == MOSQ_ERR_SUCCESS ? Status::Ok() : mosquitto_error(what, rc);
}

bool MqttClient::connected() const { return impl_->connected_now(); }

std::string MqttClient::last_error() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->last_error;
}

bool MqttClient::wait_connected(int timeout_ms) const {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return impl_->connected; });
}

}  // namespace edgerun::agent
