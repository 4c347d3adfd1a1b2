// agent/messages.h — the MQTT messages of the agent and the publisher, and a typed JSON field reader.
//
//   auto n = edgerun::agent::parse_notice(payload);   // {"action": "install", "name", "version", "url", ...}
//   std::string s = edgerun::agent::state_json(state);
//
// Topics under a prefix P (docs/deploy.md#messages): P/notice (whole fleet, retained), P/devices/ID/notice (one
// device, retained), P/devices/ID/state (retained, AgentState), P/devices/ID/online ("true"/"false", retained,
// "false" is the will).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
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
  std::string target_version;       // the version being worked on, if any
  std::string last_error;
  std::string last_error_check;   // download, structure, signature, decryption, contents, version, health, serve
  uint64_t bytes_downloaded = 0;  // by this process, all attempts
  int updates = 0, failures = 0;  // by this process
};
std::string state_json(const AgentState& s);
Result<AgentState> parse_state(const std::string& payload);

// Reads typed fields of a JSON object; every error names the file and the field.
class JsonReader {
 public:
  JsonReader(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {}
  Status str(const char* k, std::string* out, bool required = false) const {
    auto it = j_.find(k);
    if (it == j_.end()) return required ? InvalidArgument(where_ + ": missing \"" + k + "\"") : Status::Ok();
    if (!it->is_string()) return InvalidArgument(where_ + ": \"" + k + "\" must be a string");
    *out = it->get<std::string>();
    return Status::Ok();
  }
  template <typename T>
  Status num(const char* k, T lo, T hi, T* out) const {
    auto it = j_.find(k);
    if (it == j_.end()) return Status::Ok();
    if (!it->is_number_integer() && !it->is_number_unsigned()) {
      return InvalidArgument(where_ + ": \"" + k + "\" must be an integer");
    }
    const double v = it->get<double>();
    if (v < static_cast<double>(lo) || v > static_cast<double>(hi)) {
      return InvalidArgument(where_ + ": \"" + k + "\" is " + it->dump() + ", expected " + std::to_string(lo) + ".." +
                             std::to_string(hi));
    }
    *out = it->get<T>();
    return Status::Ok();
  }
  Status flag(const char* k, bool* out) const {
    auto it = j_.find(k);
    if (it == j_.end()) return Status::Ok();
    if (!it->is_boolean()) return InvalidArgument(where_ + ": \"" + k + "\" must be true or false");
    *out = it->get<bool>();
    return Status::Ok();
  }
  Status strings(const char* k, std::vector<std::string>* out) const {
    auto it = j_.find(k);
    if (it == j_.end()) return Status::Ok();
    if (!it->is_array()) return InvalidArgument(where_ + ": \"" + k + "\" must be an array of strings");
    for (const nlohmann::json& e : *it) {
      if (!e.is_string()) return InvalidArgument(where_ + ": \"" + k + "\" must be an array of strings");
      out->push_back(e.get<std::string>());
    }
    return Status::Ok();
  }
  Result<JsonReader> object(const char* k) const {
    static const nlohmann::json kEmpty = nlohmann::json::object();
    auto it = j_.find(k);
    if (it == j_.end()) return JsonReader(kEmpty, where_ + " " + k);
    if (!it->is_object()) return InvalidArgument(where_ + ": \"" + k + "\" must be an object");
    return JsonReader(*it, where_ + " " + k);
  }

 private:
  const nlohmann::json& j_;
  std::string where_;
};

}  // namespace edgerun::agent
