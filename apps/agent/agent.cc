#include "agent/agent.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "agent/messages.h"
#include "deploy/files.h"
#include "deploy/health.h"
#include "deploy/json_fields.h"
#include "vision/labels.h"

namespace edgerun::agent {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kMaxConfigBytes = 1 << 20;
// Deaths while installing one bundle (SIGKILL, power loss, or the bundle's model crashing the process in its
// health check) after which that bundle is refused: without a limit a crashing model would loop forever.
constexpr int kMaxInstallTries = 3;
constexpr const char* kAttemptFile = "install-attempt.json";

bool safe_id(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

// Which check a failure came from, for the state message (the deploy library names it in its messages).
std::string check_of(const Status& st) {
  const std::string& m = st.message();
  for (const char* c : {"structure", "signature", "contents", "health"}) {
    if (m.find(std::string(c) + " check failed") != std::string::npos) return c;
  }
  if (m.find("decryption failed") != std::string::npos) return "decryption";
  if (m.find("health check failed") != std::string::npos) return "health";
  if (m.find("cannot be served") != std::string::npos) return "serve";
  return "";
}

std::string resolve(const std::string& base, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (std::filesystem::path(base) / p).string();
}

}  // namespace

Result<AgentConfig> load_agent_config(const std::string& path) {
  EDGERUN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, deploy::read_file(path, kMaxConfigBytes));
  const json j = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument(path + ": not a JSON object");
  const deploy::JsonFields r(j, path);
  AgentConfig c;
  EDGERUN_RETURN_IF_ERROR(r.str("device_id", &c.device_id, deploy::Need::kRequired));
  if (!safe_id(c.device_id)) return InvalidArgument(path + ": device_id must be 1-64 of [A-Za-z0-9._-]");
  EDGERUN_RETURN_IF_ERROR(r.str("state_dir", &c.state_dir, deploy::Need::kRequired));
  EDGERUN_RETURN_IF_ERROR(r.strings("trusted_keys", &c.trusted_keys));
  if (c.trusted_keys.empty()) return InvalidArgument(path + ": \"trusted_keys\" must name at least one public key");
  EDGERUN_RETURN_IF_ERROR(r.strings("decryption_keys", &c.decryption_keys));
  EDGERUN_RETURN_IF_ERROR(r.str("topic_prefix", &c.topic_prefix));
  if (c.topic_prefix.empty() || c.topic_prefix.find_first_of("#+") != std::string::npos) {
    return InvalidArgument(path + ": topic_prefix must be a non-empty topic without wildcards");
  }
  EDGERUN_RETURN_IF_ERROR(r.flag("allow_downgrade", &c.allow_downgrade));
  EDGERUN_RETURN_IF_ERROR(r.str("arch", &c.arch));
  c.socket = "agent.sock";
  EDGERUN_RETURN_IF_ERROR(r.str("socket", &c.socket));
  if (c.arch.empty()) c.arch = deploy::host_arch();
  EDGERUN_RETURN_IF_ERROR(r.num<uint64_t>("max_unpacked_bytes", 1, 1ull << 40, &c.max_unpacked_bytes));
  EDGERUN_ASSIGN_OR_RETURN(deploy::JsonFields m, r.object("mqtt"));
  EDGERUN_RETURN_IF_ERROR(m.str("host", &c.mqtt.host));
  EDGERUN_RETURN_IF_ERROR(m.num("port", 1, 65535, &c.mqtt.port));
  EDGERUN_RETURN_IF_ERROR(m.num("keepalive_s", 5, 3600, &c.mqtt.keepalive_s));
  EDGERUN_RETURN_IF_ERROR(m.num("reconnect_min_ms", 10, 3600000, &c.mqtt.reconnect_min_ms));
  EDGERUN_RETURN_IF_ERROR(m.num("reconnect_max_ms", 10, 3600000, &c.mqtt.reconnect_max_ms));
  EDGERUN_RETURN_IF_ERROR(m.str("ca_file", &c.mqtt.ca_file));
  EDGERUN_RETURN_IF_ERROR(m.str("cert_file", &c.mqtt.cert_file));
  EDGERUN_RETURN_IF_ERROR(m.str("key_file", &c.mqtt.key_file));
  EDGERUN_RETURN_IF_ERROR(m.str("username", &c.mqtt.username));
  std::string password_file;
  EDGERUN_RETURN_IF_ERROR(m.str("password_file", &password_file));
  EDGERUN_ASSIGN_OR_RETURN(deploy::JsonFields d, r.object("download"));
  EDGERUN_RETURN_IF_ERROR(d.num<uint64_t>("max_bytes", 1, 1ull << 40, &c.download.max_bytes));
  EDGERUN_RETURN_IF_ERROR(d.num("connect_timeout_ms", 1, 3600000, &c.download.connect_timeout_ms));
  EDGERUN_RETURN_IF_ERROR(d.num("stall_timeout_ms", 1, 3600000, &c.download.stall_timeout_ms));
  EDGERUN_RETURN_IF_ERROR(d.num("total_timeout_ms", 0, 86400000, &c.download.total_timeout_ms));
  EDGERUN_RETURN_IF_ERROR(d.str("ca_file", &c.download.ca_file));
  EDGERUN_ASSIGN_OR_RETURN(deploy::JsonFields rt, r.object("retry"));
  EDGERUN_RETURN_IF_ERROR(rt.num("min_ms", 1, 3600000, &c.retry_min_ms));
  EDGERUN_RETURN_IF_ERROR(rt.num("max_ms", 1, 86400000, &c.retry_max_ms));
  const std::string base = std::filesystem::path(path).parent_path().string();
  c.state_dir = resolve(base, c.state_dir);
  if (!c.socket.empty()) c.socket = resolve(c.state_dir, c.socket);
  c.download.ca_file = resolve(base, c.download.ca_file);
  for (std::string* f : {&c.mqtt.ca_file, &c.mqtt.cert_file, &c.mqtt.key_file}) *f = resolve(base, *f);
  if (!password_file.empty()) {
    // In a file of its own (mode 600), not in the config: the config is often world-readable.
    auto password = read_password_file(resolve(base, password_file));
    if (!password.ok()) return password.status().with_context(path + ": mqtt password_file");
    c.mqtt.password = std::move(password).value();
  }
  for (std::string& k : c.trusted_keys) k = resolve(base, k);
  for (std::string& k : c.decryption_keys) k = resolve(base, k);
  c.mqtt.client_id = "edgerun-" + c.device_id;
  return c;
}

Agent::Agent(AgentConfig config) : config_(std::move(config)) {
  state_.device_id = config_.device_id;
  backoff_ms_ = config_.retry_min_ms;
}

Agent::~Agent() {
  std::lock_guard<std::mutex> lock(mqtt_mu_);
  mqtt_.reset();
}

Status Agent::init() {
  for (const std::string& p : config_.trusted_keys) {
    EDGERUN_ASSIGN_OR_RETURN(deploy::PublicKey k, deploy::read_public_key(p));
    if (k.type != deploy::KeyType::kSigning) return InvalidArgument(p + ": not a signing key");
    verify_.trusted.push_back(std::move(k));
  }
  for (const std::string& p : config_.decryption_keys) {
    EDGERUN_ASSIGN_OR_RETURN(deploy::SecretKey k, deploy::read_secret_key(p));
    if (k.type != deploy::KeyType::kEncryption) return InvalidArgument(p + ": not an encryption key");
    verify_.decryption_keys.push_back(std::move(k));
  }
  verify_.max_unpacked_bytes = config_.max_unpacked_bytes;
  std::error_code ec;
  std::filesystem::create_directories(config_.state_dir, ec);
  if (ec) return IOError(config_.state_dir + ": cannot create: " + ec.message());
  slots_ = std::make_unique<deploy::SlotStore>(config_.state_dir, verify_);

  // The record of rejected versions (replay protection survives restarts).
  if (auto bytes = deploy::read_file(config_.state_dir + "/agent.json", kMaxConfigBytes); bytes.ok()) {
    const json j = json::parse(bytes->begin(), bytes->end(), nullptr, false);
    if (j.is_object() && j.contains("rejected") && j["rejected"].is_array()) {
      for (const json& e : j["rejected"]) {
        if (!e.is_object()) continue;
        Rejected r;
        const deploy::JsonFields rr(e, "agent.json");
        if (rr.str("name", &r.name).ok() && rr.str("version", &r.version).ok() && rr.str("sha256", &r.sha256).ok() &&
            rr.str("reason", &r.reason).ok()) {
          rejected_.push_back(r);
        }
      }
    }
  }

  check_attempts();

  EDGERUN_ASSIGN_OR_RETURN(std::optional<deploy::ActiveBundle> active, slots_->load_active());
  if (active) {
    if (!active->fallback_reason.empty()) {
      std::cerr << "edgerun agent: " << active->fallback_reason << "\n";
      EDGERUN_RETURN_IF_ERROR(slots_->activate(active->slot));
      state_.last_error = active->fallback_reason;
    }
    const std::string slot = active->slot;
    EDGERUN_ASSIGN_OR_RETURN(std::shared_ptr<const Serving> serving, prepare(std::move(*active)));
    use(std::move(serving), slot);
  }
  return Status::Ok();
}

Result<std::shared_ptr<const Serving>> Agent::prepare(deploy::ActiveBundle b) const {
  auto serving = std::make_shared<Serving>();
  serving->bundle = std::move(b.bundle);
  const deploy::Manifest& m = serving->bundle.manifest;
  const std::string what = "bundle " + m.name + " " + m.version + ": cannot be served: ";
  const deploy::NamedFile* f = serving->bundle.file(m.model);
  if (f == nullptr) return InvalidArgument(what + "no model file");
  auto model = Model::load_from_buffer(f->data.data(), f->data.size());
  if (!model.ok()) return InvalidArgument(what + model.status().message());
  serving->model = std::move(model).value();
  serving->labels = serving->model->metadata().labels;
  if (const deploy::NamedFile* l = m.labels.empty() ? nullptr : serving->bundle.file(m.labels); l != nullptr) {
    auto labels = vision::parse_labels(std::string(l->data.begin(), l->data.end()), m.labels);
    if (!labels.ok()) return InvalidArgument(what + labels.status().message());
    serving->labels = std::move(labels).value();
  }
  return std::shared_ptr<const Serving>(std::move(serving));
}

void Agent::use(std::shared_ptr<const Serving> serving, const std::string& slot) {
  std::lock_guard<std::mutex> lock(mu_);
  state_.name = serving->bundle.manifest.name;
  state_.version = serving->bundle.manifest.version;
  state_.slot = slot;
  serving_ = std::move(serving);
}

std::shared_ptr<const Serving> Agent::serving() const {
  std::lock_guard<std::mutex> lock(mu_);
  return serving_;
}

std::shared_ptr<const Model> Agent::model() const {
  std::lock_guard<std::mutex> lock(mu_);
  return serving_ ? std::shared_ptr<const Model>(serving_, serving_->model.get()) : nullptr;
}

AgentState Agent::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

bool Agent::was_rejected(const std::string& name, const std::string& version, const std::string& sha256,
                         std::string* why) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Rejected& r : rejected_) {
    // A rolled-back version is refused whatever its bytes; a bad file only as those same bytes (so garbage
    // published under a version number cannot block the real bundle of that version).
    if (r.name == name && r.version == version && (r.sha256.empty() || r.sha256 == sha256)) {
      *why = r.reason;
      return true;
    }
  }
  return false;
}

Status Agent::save_record() const {
  json rs = json::array();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Rejected& r : rejected_) {
      rs.push_back({{"name", r.name}, {"version", r.version}, {"sha256", r.sha256}, {"reason", r.reason}});
    }
  }
  return deploy::write_file_atomic(config_.state_dir + "/agent.json", json{{"rejected", rs}}.dump(2) + "\n");
}

namespace {

// The install marker's contents; nullopt when there is none, or it does not parse.
struct Attempt {
  std::string name, version, sha256;
  int tries = 0;
};

std::optional<Attempt> read_attempt(const std::string& path) {
  auto bytes = deploy::read_file(path, kMaxConfigBytes);
  if (!bytes.ok()) return std::nullopt;
  const json j = json::parse(bytes->begin(), bytes->end(), nullptr, false);
  const deploy::JsonFields f(j, path);
  Attempt a;
  if (!f.str("name", &a.name).ok() || !f.str("version", &a.version).ok() || !f.str("sha256", &a.sha256).ok() ||
      !f.num("tries", 0, 1 << 20, &a.tries).ok() || a.sha256.empty()) {
    return std::nullopt;
  }
  return a;
}

}  // namespace

Status Agent::begin_attempt(const Notice& n, const std::string& sha256) const {
  const std::string path = config_.state_dir + "/" + kAttemptFile;
  const std::optional<Attempt> last = read_attempt(path);
  const bool same = last && last->name == n.name && last->version == n.version && last->sha256 == sha256;
  const int tries = same ? last->tries + 1 : 1;
  return deploy::write_file_atomic(
      path, json{{"name", n.name}, {"version", n.version}, {"sha256", sha256}, {"tries", tries}}.dump() + "\n");
}

void Agent::check_attempts() {
  const std::string path = config_.state_dir + "/" + kAttemptFile;
  if (!std::filesystem::exists(path)) return;  // the last run did not die installing
  const std::optional<Attempt> a = read_attempt(path);
  if (!a) {
    std::filesystem::remove(path);  // unreadable (it is written atomically, so not by us): start counting anew
    return;
  }
  std::cerr << "edgerun agent: the last run stopped while installing " << a->name << " " << a->version << " ("
            << a->tries << " of " << kMaxInstallTries << " tries)\n";
  if (a->tries < kMaxInstallTries) return;  // the next attempt counts on
  Rejected r{a->name, a->version, a->sha256,
             "the agent stopped " + std::to_string(a->tries) + " times while installing it (killed, or its model " +
                 "crashed the agent in the health check)"};
  {
    std::lock_guard<std::mutex> lock(mu_);
    rejected_.push_back(r);
    state_.status = "failed";
    state_.target_version = r.version;
    state_.last_error = "bundle " + r.name + " " + r.version + " refused: " + r.reason;
    state_.last_error_check = "install";
    ++state_.failures;
  }
  if (save_record().ok()) std::filesystem::remove(path);
}

Status Agent::reject(const Notice& n, const std::string& sha256, const Status& why) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    rejected_.push_back({n.name, n.version, sha256, why.message()});
  }
  return save_record();
}

Status Agent::download(const Notice& n, std::vector<uint8_t>* bytes, std::string* sha256_hex) {
  const std::string part = config_.state_dir + "/download.part", meta = config_.state_dir + "/download.json";
  // A partial download of another artifact is useless: start over.
  const std::string want = json{{"url", n.url}, {"sha256", n.sha256}}.dump();
  auto have = deploy::read_file(meta, 1 << 16);
  if (!have.ok() || std::string(have->begin(), have->end()) != want) {
    std::filesystem::remove(part);
    EDGERUN_RETURN_IF_ERROR(deploy::write_file_atomic(meta, want));
  }
  DownloadOptions o = config_.download;
  if (n.size > 0) o.max_bytes = std::min(o.max_bytes, n.size);
  // A stop request (SIGTERM) ends a long download at once; the partial file resumes next time.
  const std::atomic<bool>* stop = stop_;
  o.progress = [stop](uint64_t, uint64_t) { return stop == nullptr || !*stop; };
  auto r = agent::download(n.url, part, o);
  if (r.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    state_.bytes_downloaded += r->transferred;
  }
  if (!r.ok()) return r.status();
  EDGERUN_ASSIGN_OR_RETURN(*bytes, deploy::read_file(part, o.max_bytes));
  const auto digest = deploy::sha256(bytes->data(), bytes->size());
  *sha256_hex = deploy::to_hex(digest.data(), digest.size());
  if ((n.size > 0 && bytes->size() != n.size) || (!n.sha256.empty() && *sha256_hex != n.sha256)) {
    std::filesystem::remove(part);
    return IOError("download of " + n.url + ": " + std::to_string(bytes->size()) + " bytes with SHA-256 " +
                   *sha256_hex + ", the notice says " + std::to_string(n.size) + " bytes with " + n.sha256 +
                   " (corrupted in transit, or the artifact changed)");
  }
  return Status::Ok();
}

Status Agent::install(const Notice& n) {
  const AgentState now = state();
  auto version_ok = [&](const std::string& name, const std::string& version, const std::string& sha256) -> Status {
    if (!now.name.empty() && name != now.name) {
      return InvalidArgument("bundle is '" + name + "', this device runs '" + now.name + "'");
    }
    if (!now.version.empty() && !config_.allow_downgrade) {
      const int c = deploy::compare_versions(version, now.version);
      if (c < 0)
        return InvalidArgument("downgrade refused: " + version + " is older than the installed " + now.version);
    }
    std::string why;
    if (!config_.allow_downgrade && was_rejected(name, version, sha256, &why)) {
      return InvalidArgument("replay refused: " + name + " " + version + " was rejected or rolled back before (" + why +
                             ")");
    }
    return Status::Ok();
  };
  if (!now.version.empty() && n.name == now.name && deploy::compare_versions(n.version, now.version) == 0) {
    return Status::Ok();  // already running it
  }
  EDGERUN_RETURN_IF_ERROR(version_ok(n.name, n.version, n.sha256));

  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.status = "downloading";
    state_.target_version = n.version;
  }
  publish_state();
  std::vector<uint8_t> bytes;
  std::string hex;
  EDGERUN_RETURN_IF_ERROR(download(n, &bytes, &hex));
  const std::string part = config_.state_dir + "/download.part";

  // The bundle itself is bad: reject it (and the partial file) for good.
  auto bad = [&](const Status& st) {
    std::filesystem::remove(part);
    reject(n, hex, st);
    return st;
  };
  auto opened = deploy::open_bundle(bytes.data(), bytes.size(), verify_, n.url);
  if (!opened.ok()) return bad(opened.status());
  const deploy::Manifest& m = opened->manifest;
  if (m.name != n.name || m.version != n.version) {
    return bad(InvalidArgument("the bundle is " + m.name + " " + m.version + ", the notice announced " + n.name + " " +
                               n.version));
  }
  if (Status st = deploy::check_target(m, config_.arch, edgerun::version()); !st.ok()) return bad(st);
  if (Status st = version_ok(m.name, m.version, hex); !st.ok()) return bad(st);

  {
    std::lock_guard<std::mutex> lock(mu_);
    state_.status = "installing";
  }
  publish_state();
  EDGERUN_RETURN_IF_ERROR(begin_attempt(n, hex));
  // However install() returns, it did not die: the marker goes (only a death leaves it for check_attempts()).
  const struct EndAttempt {
    std::string path;
    ~EndAttempt() {
      std::error_code ec;
      std::filesystem::remove(path, ec);
    }
  } end_attempt{config_.state_dir + "/" + kAttemptFile};
  EDGERUN_ASSIGN_OR_RETURN(const std::string slot, slots_->stage(bytes));
  // From the slot, as it will be loaded after a reboot.
  EDGERUN_ASSIGN_OR_RETURN(deploy::ActiveBundle staged, slots_->load(slot));
  if (Status st = deploy::run_health_check(staged.bundle); !st.ok()) return bad(st);
  // Everything that can fail happens before the switch: after it, the served model is swapped in place.
  auto serving = prepare(std::move(staged));
  if (!serving.ok()) return bad(serving.status());
  {
    // A rollback of this version that arrived meanwhile stops it before the switch (the order is carried out next).
    std::lock_guard<std::mutex> lock(mu_);
    if (std::any_of(rollbacks_.begin(), rollbacks_.end(),
                    [&](const Notice& r) { return r.name == n.name && r.version == n.version; })) {
      std::filesystem::remove(part);
      return Status::Ok();
    }
  }
  EDGERUN_RETURN_IF_ERROR(slots_->activate(slot));
  use(std::move(serving).value(), slot);
  std::filesystem::remove(part);
  std::lock_guard<std::mutex> lock(mu_);
  state_.status = "updated";
  state_.target_version.clear();
  state_.last_error.clear();
  state_.last_error_check.clear();
  ++state_.updates;
  return Status::Ok();
}

Status Agent::rollback(const Notice& n) {
  const AgentState now = state();
  std::string why;
  const bool recorded = was_rejected(n.name, n.version, "", &why);
  if (now.name == n.name && now.version == n.version) {
    const std::string other = slots_->inactive_slot();
    auto previous = slots_->load(other);
    if (!previous.ok()) {
      return InvalidArgument("rollback of " + n.version + " refused: the other slot holds no verified bundle (" +
                             previous.status().message() + ")");
    }
    EDGERUN_ASSIGN_OR_RETURN(std::shared_ptr<const Serving> serving, prepare(std::move(*previous)));
    if (!recorded) EDGERUN_RETURN_IF_ERROR(reject(n, "", InvalidArgument("rolled back by the operator")));
    EDGERUN_RETURN_IF_ERROR(slots_->activate(other));
    use(std::move(serving), other);
  } else if (!recorded) {
    // Not running it (the order came before, or instead of, the install): it must never be installed later.
    EDGERUN_RETURN_IF_ERROR(reject(n, "", InvalidArgument("rolled back by the operator")));
  }
  // The acknowledgement the publisher waits for: this version is rolled back here.
  std::lock_guard<std::mutex> lock(mu_);
  state_.status = "rolled_back";
  state_.target_version = n.version;
  return Status::Ok();
}

Status Agent::apply(const Notice& n) { return n.action == "rollback" ? rollback(n) : install(n); }

void Agent::publish_state() {
  const AgentState s = state();
  std::lock_guard<std::mutex> lock(mqtt_mu_);
  if (mqtt_) mqtt_->publish(config_.topic_prefix + "/devices/" + config_.device_id + "/state", state_json(s), 1, true);
}

void Agent::on_message(const std::string& topic, const std::string& payload) {
  auto n = parse_notice(payload);
  if (!n.ok()) {
    std::cerr << "edgerun agent: ignoring a message on " << topic << ": " << n.status().message() << "\n";
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto changed = [&](const std::optional<Notice>& old) {
    if (!old || notice_json(*old) != notice_json(*n)) {
      next_try_ = Clock::now();  // a new notice is tried at once, not after the old one's backoff
      backoff_ms_ = config_.retry_min_ms;
    }
  };
  if (n->action == "rollback") {
    // Every order is carried out (each version it names is refused from then on); it cancels a pending install
    // of that version.
    std::erase_if(rollbacks_, [&](const Notice& r) { return notice_json(r) == notice_json(*n); });
    if (install_ && install_->name == n->name && install_->version == n->version) install_.reset();
    changed(std::nullopt);
    rollbacks_.push_back(*n);
  } else if (!install_ || deploy::compare_versions(n->version, install_->version) >= 0) {
    // An older install does not displace a newer one (retained fleet and device notices arrive in no particular
    // order after a reconnect).
    changed(install_);
    install_ = *n;
  }
  wake_.notify_all();
}

int Agent::run(const std::atomic<bool>& stop) {
  stop_ = &stop;
  const std::string dev = config_.topic_prefix + "/devices/" + config_.device_id;
  MqttOptions mo = config_.mqtt;
  mo.will = MqttOptions::Will{dev + "/online", "false", 1, true};
  auto client = MqttClient::create(
      mo, [this](const std::string& t, const std::string& p) { on_message(t, p); },
      [this, dev](bool connected) {
        if (!connected) return;
        std::lock_guard<std::mutex> lock(mqtt_mu_);
        if (!mqtt_) return;
        mqtt_->publish(dev + "/online", "true", 1, true);
        mqtt_->publish(dev + "/state", state_json(state()), 1, true);
      });
  if (!client.ok()) {
    std::cerr << "edgerun agent: " << client.status().message() << "\n";
    return 1;
  }
  {
    std::lock_guard<std::mutex> lock(mqtt_mu_);
    mqtt_ = std::move(client).value();
    mqtt_->subscribe(config_.topic_prefix + "/notice");
    mqtt_->subscribe(dev + "/notice");
    // The connection handler may have run before mqtt_ was set; then announce here.
    if (mqtt_->connected()) mqtt_->publish(dev + "/online", "true", 1, true);
  }
  publish_state();

  std::unique_ptr<ModelServer> server;
  if (!config_.socket.empty()) {
    server = std::make_unique<ModelServer>(config_.socket, [this] { return serving(); });
    if (Status st = server->start(); !st.ok()) {
      std::cerr << "edgerun agent: " << st.message() << "\n";
      return 1;
    }
  }

  std::mt19937 rng(std::random_device{}());
  while (!stop) {
    std::optional<Notice> job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, std::chrono::milliseconds(100));
      if (Clock::now() >= next_try_) {
        if (!rollbacks_.empty()) {
          job = rollbacks_.front();
        } else if (install_) {
          job = install_;
        }
      }
    }
    if (!job) continue;
    const Status st = apply(*job);
    {
      std::lock_guard<std::mutex> lock(mu_);
      const std::string done = notice_json(*job);
      const bool rollback = job->action == "rollback";
      const bool same = rollback ? !rollbacks_.empty() && notice_json(rollbacks_.front()) == done
                                 : install_ && notice_json(*install_) == done;
      const bool transient = st.code() == StatusCode::kIOError;
      if (st.ok()) {
        backoff_ms_ = config_.retry_min_ms;
        // Work in progress ended without a switch (a notice for the version it runs, an install stopped by a
        // rollback order); an outcome (updated, failed, rolled_back) stays until the next one.
        if (state_.status == "downloading" || state_.status == "installing" || state_.status == "retrying") {
          state_.status = "idle";
        }
      } else {
        std::cerr << "edgerun agent: " << job->action << " " << job->name << " " << job->version << ": " << st.message()
                  << (transient ? " (will retry)" : "") << "\n";
        state_.last_error = st.message();
        const std::string check = check_of(st);
        state_.last_error_check = !check.empty() ? check : (transient ? "download" : "version");
        ++state_.failures;
        state_.status = transient ? "retrying" : "failed";
        state_.target_version = job->version;
      }
      if (transient && same) {
        const int wait = std::uniform_int_distribution<int>(backoff_ms_ / 2, backoff_ms_)(rng);
        next_try_ = Clock::now() + std::chrono::milliseconds(wait);
        backoff_ms_ = std::min(backoff_ms_ * 2, config_.retry_max_ms);
      } else if (same && rollback) {
        rollbacks_.erase(rollbacks_.begin());
      } else if (same) {
        install_.reset();
      }
    }
    publish_state();
  }
  std::lock_guard<std::mutex> lock(mqtt_mu_);
  if (mqtt_) mqtt_->publish(dev + "/online", "false", 1, true);
  mqtt_.reset();
  stop_ = nullptr;
  return 0;
}

}  // namespace edgerun::agent
