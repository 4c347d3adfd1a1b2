#include "agent/messages.h"

#include <nlohmann/json.hpp>

#include "deploy/json_fields.h"
#include "deploy/keys.h"
#include "deploy/manifest.h"

namespace edgerun::agent {

using nlohmann::json;

Result<Notice> parse_notice(const std::string& payload) {
  const json j = json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("notice: not a JSON object");
  const deploy::JsonFields r(j, "notice");
  Notice n;
  EDGERUN_RETURN_IF_ERROR(r.str("action", &n.action, deploy::Need::kRequired));
  if (n.action != "install" && n.action != "rollback") {
    return InvalidArgument("notice: action '" + n.action + "', expected install or rollback");
  }
  EDGERUN_RETURN_IF_ERROR(r.str("name", &n.name, deploy::Need::kRequired));
  EDGERUN_RETURN_IF_ERROR(r.str("version", &n.version, deploy::Need::kRequired));
  EDGERUN_RETURN_IF_ERROR(deploy::check_version(n.version, "notice: version"));
  if (n.action == "install") {
    EDGERUN_RETURN_IF_ERROR(r.str("url", &n.url, deploy::Need::kRequired));
    EDGERUN_RETURN_IF_ERROR(r.num<uint64_t>("size", 0, 1ull << 40, &n.size));
    EDGERUN_RETURN_IF_ERROR(r.str("sha256", &n.sha256));
    if (!n.sha256.empty() && (n.sha256.size() != 64 || !deploy::from_hex(n.sha256, "notice: sha256").ok())) {
      return InvalidArgument("notice: sha256 must be 64 hex digits");
    }
  }
  return n;
}

std::string notice_json(const Notice& n) {
  json j{{"action", n.action}, {"name", n.name}, {"version", n.version}};
  if (n.action == "install") j["url"] = n.url, j["size"] = n.size, j["sha256"] = n.sha256;
  return j.dump();
}

std::string state_json(const AgentState& s) {
  return json{{"device", s.device_id},
              {"name", s.name},
              {"version", s.version},
              {"slot", s.slot},
              {"status", s.status},
              {"target_version", s.target_version},
              {"last_error", s.last_error},
              {"last_error_check", s.last_error_check},
              {"bytes_downloaded", s.bytes_downloaded},
              {"updates", s.updates},
              {"failures", s.failures}}
      .dump();
}

Result<AgentState> parse_state(const std::string& payload) {
  const json j = json::parse(payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("state: not a JSON object");
  const deploy::JsonFields r(j, "state");
  AgentState s;
  EDGERUN_RETURN_IF_ERROR(r.str("device", &s.device_id, deploy::Need::kRequired));
  EDGERUN_RETURN_IF_ERROR(r.str("name", &s.name));
  EDGERUN_RETURN_IF_ERROR(r.str("version", &s.version));
  EDGERUN_RETURN_IF_ERROR(r.str("slot", &s.slot));
  EDGERUN_RETURN_IF_ERROR(r.str("status", &s.status));
  EDGERUN_RETURN_IF_ERROR(r.str("target_version", &s.target_version));
  EDGERUN_RETURN_IF_ERROR(r.str("last_error", &s.last_error));
  EDGERUN_RETURN_IF_ERROR(r.str("last_error_check", &s.last_error_check));
  EDGERUN_RETURN_IF_ERROR(r.num<uint64_t>("bytes_downloaded", 0, ~0ull >> 1, &s.bytes_downloaded));
  EDGERUN_RETURN_IF_ERROR(r.num("updates", 0, 1 << 30, &s.updates));
  EDGERUN_RETURN_IF_ERROR(r.num("failures", 0, 1 << 30, &s.failures));
  return s;
}

}  // namespace edgerun::agent
