#include "deploy/json_fields.h"

#include "deploy/keys.h"

namespace edgerun::deploy {

using nlohmann::json;

const json* JsonFields::find(const char* key) const {
  if (!j_.is_object()) return nullptr;
  auto it = j_.find(key);
  return it == j_.end() ? nullptr : &*it;
}

Status JsonFields::missing(const char* key) const { return InvalidArgument(where_ + ": missing \"" + key + "\""); }

Status JsonFields::wrong(const char* key, const std::string& expected) const {
  const json* v = find(key);
  return InvalidArgument(where_ + ": \"" + key + "\" is " + (v ? v->type_name() : "missing") + ", expected " +
                         expected);
}

Status JsonFields::str(const char* key, std::string* out, Need need) const {
  const json* v = find(key);
  if (v == nullptr) return need == Need::kRequired ? missing(key) : Status::Ok();
  if (!v->is_string()) return wrong(key, "a string");
  *out = v->get<std::string>();
  return Status::Ok();
}

Status JsonFields::real(const char* key, double* out) const {
  const json* v = find(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_number()) return wrong(key, "a number");
  *out = v->get<double>();
  return Status::Ok();
}

Status JsonFields::flag(const char* key, bool* out) const {
  const json* v = find(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_boolean()) return wrong(key, "true or false");
  *out = v->get<bool>();
  return Status::Ok();
}

Status JsonFields::strings(const char* key, std::vector<std::string>* out) const {
  const json* v = find(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_array()) return wrong(key, "an array of strings");
  for (const json& e : *v) {
    if (!e.is_string())
      return InvalidArgument(where_ + ": \"" + key + "\" holds a " + e.type_name() + ", expected strings");
    out->push_back(e.get<std::string>());
  }
  return Status::Ok();
}

Status JsonFields::floats(const char* key, size_t max_count, std::vector<float>* out) const {
  const json* v = find(key);
  if (v == nullptr) return Status::Ok();
  const std::string expected = "an array of up to " + std::to_string(max_count) + " numbers";
  if (!v->is_array() || v->size() > max_count) return wrong(key, expected);
  for (const json& e : *v) {
    if (!e.is_number())
      return InvalidArgument(where_ + ": \"" + key + "\" holds a " + e.type_name() + ", expected numbers");
    out->push_back(e.get<float>());
  }
  return Status::Ok();
}

Status JsonFields::base64(const char* key, size_t size, std::vector<uint8_t>* out) const {
  std::string text;
  EDGERUN_RETURN_IF_ERROR(str(key, &text, Need::kRequired));
  EDGERUN_ASSIGN_OR_RETURN(*out, from_base64(text, where_ + ": \"" + key + "\""));
  if (out->size() != size) {
    return InvalidArgument(where_ + ": \"" + key + "\" is " + std::to_string(out->size()) + " bytes, expected " +
                           std::to_string(size));
  }
  return Status::Ok();
}

Result<JsonFields> JsonFields::object(const char* key, Need need) const {
  static const json kEmpty = json::object();
  const json* v = find(key);
  const std::string where = where_ + " " + key;
  if (v == nullptr) {
    if (need == Need::kRequired) return missing(key);
    return JsonFields(kEmpty, where);
  }
  if (!v->is_object()) return wrong(key, "an object");
  return JsonFields(*v, where);
}

}  // namespace edgerun::deploy
