#include "deploy/manifest.h"

#include <sys/utsname.h>

#include <cctype>
#include <ctime>
#include <nlohmann/json.hpp>
#include <set>

#include "deploy/json_fields.h"

namespace edgerun::deploy {
namespace {

using nlohmann::json;

bool safe_name(const std::string& s, bool dots_ok) {
  if (s.empty() || s.size() > 128 || s == "." || s == "..") return false;
  for (char c : s) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || (dots_ok && c == '.');
    if (!ok) return false;
  }
  return true;
}

struct SemVer {
  uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> pre;
};

bool parse_number(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 18 || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  *out = std::stoull(s);
  return true;
}

bool parse_semver(std::string v, SemVer* out) {
  if (auto plus = v.find('+'); plus != std::string::npos) v = v.substr(0, plus);
  std::string core = v, pre;
  if (auto dash = v.find('-'); dash != std::string::npos) core = v.substr(0, dash), pre = v.substr(dash + 1);
  const auto d1 = core.find('.'), d2 = core.find('.', d1 == std::string::npos ? d1 : d1 + 1);
  if (d1 == std::string::npos || d2 == std::string::npos) return false;
  if (!parse_number(core.substr(0, d1), &out->major) || !parse_number(core.substr(d1 + 1, d2 - d1 - 1), &out->minor) ||
      !parse_number(core.substr(d2 + 1), &out->patch)) {
    return false;
  }
  if (v.find('-') != std::string::npos) {
    size_t start = 0;
    while (true) {
      const size_t dot = pre.find('.', start);
      const std::string id = pre.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!safe_name(id, false)) return false;
      out->pre.push_back(id);
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
  }
  return true;
}

int compare_pre(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return a.empty() == b.empty() ? 0 : (a.empty() ? 1 : -1);
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    uint64_t x = 0, y = 0;
    const bool nx = parse_number(a[i], &x), ny = parse_number(b[i], &y);
    if (nx && ny && x != y) return x < y ? -1 : 1;
    if (nx != ny) return nx ? -1 : 1;  // numeric identifiers sort first
    if (!nx && a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

}  // namespace

uint64_t Manifest::unpacked_size() const {
  uint64_t total = 0;
  for (const FileEntry& f : files) total += f.size;
  return total;
}

const FileEntry* Manifest::file(const std::string& n) const {
  for (const FileEntry& f : files) {
    if (f.name == n) return &f;
  }
  return nullptr;
}

Status check_version(const std::string& v, const std::string& what) {
  SemVer s;
  if (!parse_semver(v, &s)) {
    return InvalidArgument(what + " '" + v + "' is not a semantic version (expected MAJOR.MINOR.PATCH, e.g. 1.2.0)");
  }
  return Status::Ok();
}

int compare_versions(const std::string& a, const std::string& b) {
  SemVer x, y;
  parse_semver(a, &x);
  parse_semver(b, &y);
  if (x.major != y.major) return x.major < y.major ? -1 : 1;
  if (x.minor != y.minor) return x.minor < y.minor ? -1 : 1;
  if (x.patch != y.patch) return x.patch < y.patch ? -1 : 1;
  return compare_pre(x.pre, y.pre);
}

Result<Manifest> parse_manifest(const std::string& text, const std::string& where) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument(where + ": manifest is not a JSON object");
  const JsonFields f(j, where + ": manifest");
  Manifest m;
  int64_t format = 0;
  EDGERUN_RETURN_IF_ERROR(f.num<int64_t>("format", 1, 1000, &format, Need::kRequired));
  if (format != kManifestFormat) {
    return Unsupported(where + ": manifest format " + std::to_string(format) + ", this edgerun reads format " +
                       std::to_string(kManifestFormat));
  }
  EDGERUN_RETURN_IF_ERROR(f.str("name", &m.name, Need::kRequired));
  if (!safe_name(m.name, true)) {
    return InvalidArgument(where + ": manifest name '" + m.name + "' must be 1-128 of [A-Za-z0-9._-]");
  }
  EDGERUN_RETURN_IF_ERROR(f.str("version", &m.version, Need::kRequired));
  EDGERUN_RETURN_IF_ERROR(check_version(m.version, where + ": manifest version"));
  EDGERUN_RETURN_IF_ERROR(f.str("created_at", &m.created_at, Need::kRequired));
  EDGERUN_RETURN_IF_ERROR(f.str("model", &m.model, Need::kRequired));
  EDGERUN_RETURN_IF_ERROR(f.str("labels", &m.labels));
  int64_t top_k = m.top_k;
  EDGERUN_RETURN_IF_ERROR(f.num<int64_t>("top_k", 1, 1000, &top_k));
  m.top_k = static_cast<int>(top_k);

  EDGERUN_ASSIGN_OR_RETURN(const JsonFields t, f.object("target", Need::kRequired));
  EDGERUN_RETURN_IF_ERROR(t.str("arch", &m.arch, Need::kRequired));
  if (!safe_name(m.arch, true)) return InvalidArgument(where + ": manifest target arch '" + m.arch + "' is not a name");
  EDGERUN_RETURN_IF_ERROR(t.str("min_edgerun_version", &m.min_edgerun_version, Need::kRequired));
  EDGERUN_RETURN_IF_ERROR(check_version(m.min_edgerun_version, where + ": manifest target min_edgerun_version"));

  {
    EDGERUN_ASSIGN_OR_RETURN(const JsonFields pf, f.object("preprocess"));
    EDGERUN_RETURN_IF_ERROR(pf.str("resize", &m.preprocess.resize));
    if (m.preprocess.resize != "bilinear" && m.preprocess.resize != "nearest") {
      return InvalidArgument(where + ": manifest preprocess resize '" + m.preprocess.resize +
                             "', expected bilinear or nearest");
    }
    EDGERUN_RETURN_IF_ERROR(pf.floats("mean", 4, &m.preprocess.mean));
    EDGERUN_RETURN_IF_ERROR(pf.floats("std", 4, &m.preprocess.std));
    for (float s : m.preprocess.std) {
      if (!(s > 0)) return InvalidArgument(where + ": manifest preprocess std must be > 0");
    }
  }

  const json* files = f.find("files");
  if (files == nullptr) return f.missing("files");
  if (!files->is_array() || files->empty() || files->size() > kMaxFiles) {
    return f.wrong("files", "an array of 1 to 256 file entries");
  }
  std::set<std::string> names;
  uint64_t total = 0;
  for (size_t i = 0; i < files->size(); ++i) {
    const json& e = (*files)[i];
    const std::string w = where + ": manifest files[" + std::to_string(i) + "]";
    if (!e.is_object()) return InvalidArgument(w + " is not an object");
    const JsonFields ff(e, w);
    FileEntry fe;
    int64_t size = 0;
    std::string hash;
    EDGERUN_RETURN_IF_ERROR(ff.str("name", &fe.name, Need::kRequired));
    EDGERUN_RETURN_IF_ERROR(ff.num<int64_t>("size", 0, int64_t{1} << 40, &size, Need::kRequired));
    EDGERUN_RETURN_IF_ERROR(ff.str("sha256", &hash, Need::kRequired));
    if (!safe_name(fe.name, true)) {
      return InvalidArgument(w + ": file name '" + fe.name + "' must be 1-128 of [A-Za-z0-9._-]");
    }
    if (!names.insert(fe.name).second) return InvalidArgument(w + ": file '" + fe.name + "' listed twice");
    EDGERUN_ASSIGN_OR_RETURN(std::vector<uint8_t> digest, from_hex(hash, w + ": sha256"));
    if (digest.size() != 32)
      return InvalidArgument(w + ": sha256 is " + std::to_string(digest.size()) + " bytes, expected 32");
    std::copy(digest.begin(), digest.end(), fe.sha256.begin());
    fe.size = static_cast<uint64_t>(size);
    total += fe.size;
    m.files.push_back(std::move(fe));
  }
  if (total > (uint64_t{1} << 40)) return InvalidArgument(where + ": manifest files add up to more than 1 TiB");
  if (m.file(m.model) == nullptr)
    return InvalidArgument(where + ": manifest model '" + m.model + "' is not among its files");
  if (!m.labels.empty() && m.file(m.labels) == nullptr) {
    return InvalidArgument(where + ": manifest labels '" + m.labels + "' is not among its files");
  }

  if (f.has("health_check")) {
    EDGERUN_ASSIGN_OR_RETURN(const JsonFields hf, f.object("health_check"));
    HealthCheck hc;
    EDGERUN_RETURN_IF_ERROR(hf.str("input", &hc.input, Need::kRequired));
    EDGERUN_RETURN_IF_ERROR(hf.str("expected", &hc.expected, Need::kRequired));
    EDGERUN_RETURN_IF_ERROR(hf.real("max_abs_diff", &hc.max_abs_diff));
    if (!(hc.max_abs_diff >= 0)) return InvalidArgument(where + ": manifest health_check max_abs_diff must be >= 0");
    for (const std::string* n : {&hc.input, &hc.expected}) {
      if (m.file(*n) == nullptr) {
        return InvalidArgument(where + ": manifest health_check file '" + *n + "' is not among its files");
      }
    }
    m.health_check = hc;
  }

  if (f.has("encryption")) {
    EDGERUN_ASSIGN_OR_RETURN(const JsonFields ef, f.object("encryption"));
    std::string cipher;
    EDGERUN_RETURN_IF_ERROR(ef.str("cipher", &cipher, Need::kRequired));
    if (cipher != "xchacha20poly1305") {
      return Unsupported(where + ": manifest encryption cipher '" + cipher + "', expected xchacha20poly1305");
    }
    Encryption enc;
    EDGERUN_RETURN_IF_ERROR(ef.base64("nonce", 24, &enc.nonce));
    const json* rs = ef.find("recipients");
    if (rs == nullptr || !rs->is_array() || rs->empty() || rs->size() > 1024) {
      return InvalidArgument(where + ": manifest encryption needs 1 to 1024 \"recipients\"");
    }
    for (size_t i = 0; i < rs->size(); ++i) {
      const std::string w = where + ": manifest encryption recipients[" + std::to_string(i) + "]";
      if (!(*rs)[i].is_object()) return InvalidArgument(w + " is not an object");
      const JsonFields rf((*rs)[i], w);
      Recipient r;
      std::string id;
      EDGERUN_RETURN_IF_ERROR(rf.str("key_id", &id, Need::kRequired));
      EDGERUN_ASSIGN_OR_RETURN(std::vector<uint8_t> idb, from_hex(id, w + ": key_id"));
      if (idb.size() != r.key_id.size()) return InvalidArgument(w + ": key_id must be 16 hex digits");
      std::copy(idb.begin(), idb.end(), r.key_id.begin());
      EDGERUN_RETURN_IF_ERROR(rf.base64("ephemeral_public_key", 32, &r.ephemeral_public_key));
      EDGERUN_RETURN_IF_ERROR(rf.base64("nonce", 24, &r.nonce));
      EDGERUN_RETURN_IF_ERROR(rf.base64("wrapped_key", 48, &r.wrapped_key));
      enc.recipients.push_back(std::move(r));
    }
    m.encryption = std::move(enc);
  }
  return m;
}

std::string manifest_to_json(const Manifest& m) {
  json j;
  j["format"] = m.format;
  j["name"] = m.name;
  j["version"] = m.version;
  j["created_at"] = m.created_at;
  j["target"] = {{"arch", m.arch}, {"min_edgerun_version", m.min_edgerun_version}};
  j["model"] = m.model;
  if (!m.labels.empty()) j["labels"] = m.labels;
  json p = {{"resize", m.preprocess.resize}};
  if (!m.preprocess.mean.empty()) p["mean"] = m.preprocess.mean;
  if (!m.preprocess.std.empty()) p["std"] = m.preprocess.std;
  j["preprocess"] = p;
  j["top_k"] = m.top_k;
  if (m.health_check) {
    j["health_check"] = {{"input", m.health_check->input},
                         {"expected", m.health_check->expected},
                         {"max_abs_diff", m.health_check->max_abs_diff}};
  }
  json files = json::array();
  for (const FileEntry& f : m.files) {
    files.push_back({{"name", f.name}, {"size", f.size}, {"sha256", to_hex(f.sha256.data(), f.sha256.size())}});
  }
  j["files"] = files;
  if (m.encryption) {
    json rs = json::array();
    for (const Recipient& r : m.encryption->recipients) {
      rs.push_back({{"key_id", key_id_hex(r.key_id)},
                    {"ephemeral_public_key", to_base64(r.ephemeral_public_key.data(), r.ephemeral_public_key.size())},
                    {"nonce", to_base64(r.nonce.data(), r.nonce.size())},
                    {"wrapped_key", to_base64(r.wrapped_key.data(), r.wrapped_key.size())}});
    }
    j["encryption"] = {{"cipher", "xchacha20poly1305"},
                       {"nonce", to_base64(m.encryption->nonce.data(), m.encryption->nonce.size())},
                       {"recipients", rs}};
  }
  return j.dump(2);
}

std::string host_arch() {
  struct utsname u {};
  if (::uname(&u) != 0) return "unknown";
  return u.machine;
}

Status check_target(const Manifest& m, const std::string& arch, const std::string& edgerun_version) {
  if (m.arch != "any" && m.arch != arch) {
    return Unsupported("bundle " + m.name + " " + m.version + " targets " + m.arch + ", this device is " + arch);
  }
  if (compare_versions(edgerun_version, m.min_edgerun_version) < 0) {
    return Unsupported("bundle " + m.name + " " + m.version + " needs edgerun >= " + m.min_edgerun_version +
                       ", this is edgerun " + edgerun_version);
  }
  return Status::Ok();
}

std::string utc_now_iso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace edgerun::deploy
