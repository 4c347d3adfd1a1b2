#include "agent/publisher.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "agent/messages.h"
#include "deploy/bundle.h"
#include "deploy/files.h"

namespace edgerun::agent {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The devices' retained state messages, as they arrive.
class Fleet {
 public:
  void update(const std::string& topic, const std::string& payload) {
    auto s = parse_state(payload);
    if (!s.ok()) return;
    std::lock_guard<std::mutex> lock(mu_);
    states_[s->device_id] = *s;
    changed_.notify_all();
  }
  std::map<std::string, AgentState> snapshot() const {
    std::lock_guard<std::mutex> lock(mu_);
    return states_;
  }
  // Waits until `done` holds for the states, or the deadline passes; returns whether it held.
  bool wait(Clock::time_point deadline, const std::function<bool(const std::map<std::string, AgentState>&)>& done) {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done(states_)) {
      if (changed_.wait_until(lock, deadline) == std::cv_status::timeout && !done(states_)) return false;
    }
    return true;
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, AgentState> states_;
};

bool is_http(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

std::string order_key(const std::string& device, const std::string& version) {
  const std::string s = device + "\n" + version;
  const auto d = deploy::sha256(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  return deploy::to_hex(d.data(), d.size());
}

}  // namespace

Result<PublishReport> publish(const PublishOptions& o, const std::function<void(const std::string&)>& progress) {
  const auto t0 = Clock::now();
  if (!(o.canary_percent > 0 && o.canary_percent <= 100)) {
    return InvalidArgument("canary percent " + std::to_string(o.canary_percent) + " must be in (0, 100]");
  }
  EDGERUN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, deploy::read_file(o.bundle, 4ull << 30));
  EDGERUN_ASSIGN_OR_RETURN(deploy::BundleView view, deploy::parse_bundle(bytes.data(), bytes.size(), o.bundle));
  if (!o.trusted.empty()) {
    std::vector<deploy::PublicKey> keys;
    for (const std::string& p : o.trusted) {
      EDGERUN_ASSIGN_OR_RETURN(deploy::PublicKey k, deploy::read_public_key(p));
      keys.push_back(std::move(k));
    }
    EDGERUN_RETURN_IF_ERROR(deploy::verify_signature(view, keys, o.bundle));
  }
  PublishReport report;
  report.name = view.manifest.name;
  report.version = view.manifest.version;
  const std::string file = report.name + "-" + report.version + ".erb";

  // 1. Put the bundle where devices fetch it.
  if (is_http(o.artifacts)) {
    report.url = o.artifacts + (o.artifacts.back() == '/' ? "" : "/") + file;
    DownloadOptions up;
    up.max_bytes = bytes.size();
    up.ca_file = o.ca_file;
    EDGERUN_RETURN_IF_ERROR(upload(report.url, o.bundle, up));
  } else {
    if (o.base_url.empty())
      return InvalidArgument("--artifacts is a folder: give --base-url, the URL devices fetch it at");
    std::error_code ec;
    std::filesystem::create_directories(o.artifacts, ec);
    EDGERUN_RETURN_IF_ERROR(deploy::write_file_atomic(o.artifacts + "/" + file, bytes));
    report.url = o.base_url + (o.base_url.back() == '/' ? "" : "/") + file;
  }
  progress("uploaded " + file + " (" + std::to_string(bytes.size()) + " bytes): " + report.url);
  const auto digest = deploy::sha256(bytes.data(), bytes.size());
  Notice install{"install",  report.name,  report.version,
                 report.url, bytes.size(), deploy::to_hex(digest.data(), digest.size())};

  // 2. The fleet, from the devices' retained states.
  Fleet fleet;
  MqttOptions mo = o.mqtt;
  EDGERUN_ASSIGN_OR_RETURN(
      auto client, MqttClient::create(mo, [&](const std::string& t, const std::string& p) { fleet.update(t, p); }));
  if (!client->wait_connected(10000)) {
    return IOError("MQTT broker " + o.mqtt.host + ":" + std::to_string(o.mqtt.port) + " unreachable");
  }
  EDGERUN_RETURN_IF_ERROR(client->subscribe(o.topic_prefix + "/devices/+/state"));
  std::this_thread::sleep_for(std::chrono::milliseconds(o.discover_ms));
  if (o.expect_devices > 0) {
    const bool all = fleet.wait(Clock::now() + std::chrono::milliseconds(o.stage_timeout_ms),
                                [&](const auto& s) { return static_cast<int>(s.size()) >= o.expect_devices; });
    if (!all) {
      return IOError("only " + std::to_string(fleet.snapshot().size()) + " of " + std::to_string(o.expect_devices) +
                     " devices reported their state");
    }
  }
  const std::map<std::string, AgentState> before = fleet.snapshot();
  std::vector<std::string> devices;
  for (const auto& [id, s] : before) devices.push_back(id);
  std::sort(devices.begin(), devices.end(), [&](const std::string& a, const std::string& b) {
    return order_key(a, report.version) < order_key(b, report.version);
  });
  report.devices = static_cast<int>(devices.size());
  const size_t canaries =
      o.canary_percent >= 100
          ? 0
          : std::max<size_t>(1, static_cast<size_t>(std::ceil(devices.size() * o.canary_percent / 100)));
  report.canaries = static_cast<int>(canaries);
  progress(std::to_string(devices.size()) + " devices; " +
           (canaries ? std::to_string(canaries) + " canaries first" : std::string("no canary stage")));

  auto updated = [&](const AgentState& s) { return s.name == report.name && s.version == report.version; };
  auto failed = [&](const std::string& id, const AgentState& s) {
    auto b = before.find(id);
    const int base = b == before.end() || b->second.failures > s.failures ? 0 : b->second.failures;
    return !updated(s) && s.status == "failed" && s.failures > base;
  };
  std::map<std::string, bool> notified;
  // Waits until every device of `group` runs the new version; halt_on_failure: stop at the first failure,
  // else until each has updated or failed.
  auto stage = [&](const std::vector<std::string>& group, bool halt_on_failure, double* seconds) -> Status {
    const auto start = Clock::now();
    std::string why;
    why.clear();
    const bool done = fleet.wait(start + std::chrono::milliseconds(o.stage_timeout_ms),
                                 [&](const std::map<std::string, AgentState>& s) {
                                   for (const std::string& id : group) {
                                     auto it = s.find(id);
                                     if (it == s.end()) return false;
                                     if (failed(id, it->second)) {
                                       if (why.empty()) why = id + ": " + it->second.last_error;
                                       if (halt_on_failure) return true;
                                       continue;
                                     }
                                     if (!updated(it->second)) return false;
                                   }
                                   return true;
                                 });
    *seconds = seconds_since(start);
    if (!why.empty()) return InvalidArgument(why);
    if (!done) return IOError("the stage did not complete in " + std::to_string(o.stage_timeout_ms / 1000) + " s");
    return Status::Ok();
  };

  // 3. Canaries, on their own topics.
  const std::vector<std::string> canary_set(devices.begin(), devices.begin() + static_cast<ptrdiff_t>(canaries));
  Status halted;
  if (canaries > 0) {
    for (const std::string& id : canary_set) {
      EDGERUN_RETURN_IF_ERROR(
          client->publish(o.topic_prefix + "/devices/" + id + "/notice", notice_json(install), 1, true));
      notified[id] = true;
    }
    halted = stage(canary_set, true, &report.seconds_canary);
    if (halted.ok())
      progress("canaries healthy after " + std::to_string(report.seconds_canary) + " s; widening to all");
  }
  // 4. The whole fleet, or the halt.
  if (halted.ok()) {
    EDGERUN_RETURN_IF_ERROR(client->publish(o.topic_prefix + "/notice", notice_json(install), 1, true));
    for (const std::string& id : devices) notified[id] = true;
    double seconds = 0;
    if (Status st = stage(devices, false, &seconds); !st.ok()) progress("not every device updated: " + st.message());
  } else {
    report.halted = true;
    report.halt_reason = halted.message();
    progress("halted: " + halted.message() + "; rolling the canaries back");
    // Every canary that has not refused the bundle itself is ordered back: it may be running it, or be about to.
    const Notice rollback{"rollback", report.name, report.version, "", 0, ""};
    const std::map<std::string, AgentState> at_halt = fleet.snapshot();
    std::vector<std::string> ordered;
    for (const std::string& id : canary_set) {
      auto it = at_halt.find(id);
      if (it != at_halt.end() && failed(id, it->second)) continue;
      client->publish(o.topic_prefix + "/devices/" + id + "/notice", notice_json(rollback), 1, true);
      ordered.push_back(id);
    }
    // Wait (briefly) for each of them to acknowledge, for the report.
    fleet.wait(Clock::now() + std::chrono::seconds(30), [&](const std::map<std::string, AgentState>& s) {
      for (const std::string& id : ordered) {
        auto it = s.find(id);
        if (it == s.end() || updated(it->second) || it->second.status != "rolled_back" ||
            it->second.target_version != report.version) {
          return false;
        }
      }
      return true;
    });
  }
  report.seconds_total = seconds_since(t0);

  const std::map<std::string, AgentState> after = fleet.snapshot();
  for (const std::string& id : devices) {
    const AgentState& s = after.at(id);
    DeviceReport d{id, s.version, s.status, s.last_error, false, notified.count(id) > 0};
    d.canary = std::find(canary_set.begin(), canary_set.end(), id) != canary_set.end();
    report.updated += updated(s);
    report.failed += failed(id, s);
    report.untouched += !d.notified;
    const uint64_t base = before.at(id).bytes_downloaded;
    report.bytes_downloaded += s.bytes_downloaded >= base ? s.bytes_downloaded - base : s.bytes_downloaded;
    report.device_reports.push_back(d);
  }
  return report;
}

}  // namespace edgerun::agent
