// agent/agent.h — the device's update agent: MQTT notices in, verified A/B installs, state out.
//
//   auto config = edgerun::agent::load_agent_config("/etc/edgerun/agent.json");
//   if (!config.ok()) { std::cerr << config.status().message() << "\n"; return 1; }
//   edgerun::agent::Agent agent(*config);
//   if (Status st = agent.init(); !st.ok()) { ... }   // keys, state folder, the installed model
//   std::atomic<bool> stop{false};
//   agent.run(stop);                                   // until stop (SIGTERM in `edgerun agent`)
//
// What it does (docs/deploy.md#the-device-agent has the topics and messages):
//   - subscribes to PREFIX/notice (the whole fleet) and PREFIX/devices/ID/notice (this device: canaries,
//     rollback orders), both retained, so a device that was offline finds the latest on reconnecting;
//   - for an install notice newer than what it runs: downloads the bundle over HTTP into STATE/download.part
//     (resuming with Range requests after a cut or a restart; size capped; timeouts), then checks it (the
//     notice's SHA-256 and size, signature by a trusted key, decryption, contents, target architecture and
//     edgerun version, no downgrade, no replay of a version it rolled back or rejected), writes it into the
//     inactive slot, loads it from there, runs its health check with the real runtime, and only then switches
//     the active slot (deploy/slots.h); a failure leaves the current model in place and is reported;
//   - retries what failed for a transient reason (network, server, disk) with exponential backoff, and gives
//     up on what failed for a permanent one (a bad bundle) until a new notice comes;
//   - publishes its state, retained, on PREFIX/devices/ID/state, and "true"/"false" on PREFIX/devices/ID/online
//     (false is also its MQTT will, so a crashed or cut-off device shows as offline);
//   - keeps its model loaded and answering on a local Unix socket (agent/serve.h), whatever the network does.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "agent/http.h"
#include "agent/messages.h"
#include "agent/mqtt.h"
#include "agent/serve.h"
#include "deploy/slots.h"
#include "edgerun/edgerun.h"

namespace edgerun::agent {

struct AgentConfig {
  std::string device_id;                     // [A-Za-z0-9._-]; the MQTT client id and topic segment
  std::string state_dir;                     // slots, the active pointer, downloads, the agent's record
  std::vector<std::string> trusted_keys;     // Ed25519 public key files: bundles must be signed by one of them
  std::vector<std::string> decryption_keys;  // X25519 secret key files of this device (or its group)
  MqttOptions mqtt;
  std::string topic_prefix = "edgerun";
  DownloadOptions download;
  int retry_min_ms = 1000, retry_max_ms = 60000;  // backoff after a transient failure
  bool allow_downgrade = false;  // operator's choice: accept older versions and re-install rejected ones
  std::string arch;              // default: uname -m
  std::string socket;            // the local inference socket (agent/serve.h); relative to state_dir; "" for none
  uint64_t max_unpacked_bytes = 1ull << 30;
};

// Reads the JSON config (docs/deploy.md#agent-configuration); relative paths are relative to the file's folder.
Result<AgentConfig> load_agent_config(const std::string& path);

class Agent {
 public:
  explicit Agent(AgentConfig config);
  ~Agent();

  // Reads the keys, opens the state folder and loads the installed model (falling back to the other slot if the
  // active one no longer verifies). Errors: unreadable keys or config, or no slot verifies.
  Status init();
  // Connects to the broker and works until `stop` is set; returns 0.
  int run(const std::atomic<bool>& stop);

  // One attempt at a notice, as run() makes it; public for tests. A transient failure (kIOError) is retried by
  // run(); any other is final for that notice.
  Status apply(const Notice& n);

  AgentState state() const;
  // The model being served; never null after init() when a bundle is installed.
  std::shared_ptr<const Model> model() const;
  std::shared_ptr<const Serving> serving() const;

 private:
  Status install(const Notice& n);
  Status rollback(const Notice& n);
  Status download(const Notice& n, std::vector<uint8_t>* bytes, std::string* sha256_hex);
  // The in-memory model of a bundle (loaded, labels parsed): all that can fail before a switch.
  Result<std::shared_ptr<const Serving>> prepare(deploy::ActiveBundle b) const;
  void use(std::shared_ptr<const Serving> serving, const std::string& slot);
  Status reject(const Notice& n, const std::string& sha256, const Status& why);
  bool was_rejected(const std::string& name, const std::string& version, const std::string& sha256,
                    std::string* why) const;
  Status save_record() const;
  // The install marker (STATE/install-attempt.json): written before a bundle is staged and checked, removed when
  // install() returns. Found at start, it means the agent died installing that bundle.
  Status begin_attempt(const Notice& n, const std::string& sha256) const;
  void check_attempts();
  void publish_state();
  void on_message(const std::string& topic, const std::string& payload);

  AgentConfig config_;
  const std::atomic<bool>* stop_ = nullptr;  // run()'s stop flag, which also aborts a download in progress
  deploy::VerifyOptions verify_;
  std::unique_ptr<deploy::SlotStore> slots_;
  std::mutex mqtt_mu_;  // guards mqtt_ (publishing happens from the worker and the network thread)
  std::unique_ptr<MqttClient> mqtt_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable wake_;
  AgentState state_;
  std::shared_ptr<const Serving> serving_;
  // What to act on: rollback orders first, in the order they came, then the newest install.
  std::vector<Notice> rollbacks_;
  std::optional<Notice> install_;
  std::chrono::steady_clock::time_point next_try_{};
  int backoff_ms_ = 0;
  struct Rejected {
    std::string name, version, sha256, reason;
  };
  std::vector<Rejected> rejected_;
};

}  // namespace edgerun::agent
