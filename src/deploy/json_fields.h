// deploy/json_fields.h — typed reads of a JSON object's fields that never throw, for every JSON document the
// deploy layer and the agent take in (bundle manifests, agent configs, MQTT notices and states). Each error says
// where, which field, and what was expected against what was found:
//
//   const edgerun::deploy::JsonFields f(j, "agent.json");
//   EDGERUN_RETURN_IF_ERROR(f.str("device_id", &c.device_id, Need::kRequired));
//   EDGERUN_RETURN_IF_ERROR(f.num("port", 1, 65535, &c.port));  // absent: `c.port` keeps its default
//   // agent.json: "port" is 70000, expected 1..65535
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "edgerun/status.h"

namespace edgerun::deploy {

enum class Need { kOptional, kRequired };

class JsonFields {
 public:
  // `j` must outlive this reader (and the readers object() returns).
  JsonFields(const nlohmann::json& j, std::string where) : j_(j), where_(std::move(where)) {}

  const std::string& where() const { return where_; }
  bool has(const char* key) const { return find(key) != nullptr; }
  const nlohmann::json* find(const char* key) const;

  Status str(const char* key, std::string* out, Need need = Need::kOptional) const;
  // An integer in [lo, hi], checked without overflow whatever T and the JSON value's signedness.
  template <typename T>
  Status num(const char* key, T lo, T hi, T* out, Need need = Need::kOptional) const {
    const nlohmann::json* v = find(key);
    if (v == nullptr) return need == Need::kRequired ? missing(key) : Status::Ok();
    if (!v->is_number_integer()) return wrong(key, "an integer");
    const bool in_range =
        v->is_number_unsigned()
            ? std::cmp_greater_equal(v->get<uint64_t>(), lo) && std::cmp_less_equal(v->get<uint64_t>(), hi)
            : std::cmp_greater_equal(v->get<int64_t>(), lo) && std::cmp_less_equal(v->get<int64_t>(), hi);
    if (!in_range) {
      return InvalidArgument(where_ + ": \"" + key + "\" is " + v->dump() + ", expected " + std::to_string(lo) + ".." +
                             std::to_string(hi));
    }
    *out = v->is_number_unsigned() ? static_cast<T>(v->get<uint64_t>()) : static_cast<T>(v->get<int64_t>());
    return Status::Ok();
  }
  Status real(const char* key, double* out) const;
  Status flag(const char* key, bool* out) const;
  Status strings(const char* key, std::vector<std::string>* out) const;
  Status floats(const char* key, size_t max_count, std::vector<float>* out) const;
  // A base64 string that must decode to exactly `size` bytes (always required).
  Status base64(const char* key, size_t size, std::vector<uint8_t>* out) const;
  // A nested object's reader, named "<where> <key>"; absent and optional: a reader of an empty object.
  Result<JsonFields> object(const char* key, Need need = Need::kOptional) const;

  Status missing(const char* key) const;
  Status wrong(const char* key, const std::string& expected) const;

 private:
  const nlohmann::json& j_;
  std::string where_;
};

}  // namespace edgerun::deploy
