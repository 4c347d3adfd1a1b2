// agent/messages.h — the MQTT messages of the agent and the publisher.
//
//   auto n = edgerun::agent::parse_notice(payload);   // {"action": "install", "name", "version", "url", ...}
//   std::string s = edgerun::agent::state_json(state);
//
// Topics under a prefix P (docs/deploy.md#messages): P/notice (whole fleet, retained), P/devices/ID/notice (one
// device, retained), P/devices/ID/state (retained, AgentState), P/devices/ID/online ("true"/"false", retained,
// "false" is the will).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/status.h"

namespace edgerun::agent {

// An announcement to install a bundle, or an order to roll one back.
struct Notice {
  std::string action;  // "install" or "rollback"
  std::string name, version, url;
  uint64_t size = 0;   // 0: unknown
  std::string sha256;  // hex of the bundle file; empty: unknown
};
Result<Notice> parse_notice(const std::string& payload);
std::string notice_json(const Notice& n);

// What an agent reports.
struct AgentState {
  std::string device_id;
  std::string name, version, slot;  // the model in use ("" before the first install)
  std::string status = "idle";      // idle, downloading, installing, updated, retrying, failed, rolled_back
  std::string target_version;       // the version the status is about: being fetched, failed or rolled back
  std::string last_error;
  std::string last_error_check;   // download, structure, signature, decryption, contents, version, health, serve
  uint64_t bytes_downloaded = 0;  // by this process, all attempts
  int updates = 0, failures = 0;  // by this process
};
std::string state_json(const AgentState& s);
Result<AgentState> parse_state(const std::string& payload);

}  // namespace edgerun::agent
