// agent/publisher.h — `edgerun fleet publish`: put a bundle where devices fetch it, announce it, and roll it out
// in stages that widen only while the devices already updated report healthy.
//
//   edgerun::agent::PublishOptions o;
//   o.bundle = "mbv2-1.1.0.erb";  o.artifacts = "/srv/artifacts";  o.base_url = "http://10.0.0.5:8000";
//   o.canary_percent = 10;
//   auto report = edgerun::agent::publish(o, [](const std::string& line) { std::cerr << line << "\n"; });
//
// Stages: the devices known from their retained state messages are ordered by a hash of (device id, version),
// so each release picks a different but reproducible canary set; the first ceil(canary_percent% of them) get the
// notice on their own topic. When every canary runs the new version, the notice goes to the whole fleet
// (PREFIX/notice, retained: devices that join later get it too) and the publisher waits for every known device.
// When a canary reports a failure (or the stage times out), the rollout halts: the canaries get a rollback
// order on their topic (one that switched goes back to its other slot; one that did not ignores it), and no
// other device is sent anything.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "agent/http.h"
#include "agent/mqtt.h"
#include "edgerun/status.h"

namespace edgerun::agent {

struct PublishOptions {
  std::string bundle;                // the bundle file
  std::vector<std::string> trusted;  // public keys to verify it against before publishing (recommended)
  std::string artifacts;             // a folder (copied into it) or an http(s):// URL (HTTP PUT under it)
  std::string base_url;              // with a folder: the URL devices fetch the folder's files from
  std::string ca_file;               // https artifacts: the CAs to trust instead of the system's (DownloadOptions)
  MqttOptions mqtt;
  std::string topic_prefix = "edgerun";
  double canary_percent = 100;    // 100: no canary stage
  int expect_devices = 0;         // wait until this many devices are known (0: whoever reports in discover_ms)
  int discover_ms = 2000;         // how long to collect retained device states
  int stage_timeout_ms = 600000;  // a stage that does not complete in this time halts the rollout
};

struct DeviceReport {
  std::string device, version, status, last_error;
  bool canary = false;
  bool notified = false;
};

struct PublishReport {
  std::string name, version, url;
  bool halted = false;
  std::string halt_reason;
  int devices = 0, canaries = 0, updated = 0, failed = 0, untouched = 0;
  double seconds_canary = 0, seconds_total = 0;
  uint64_t bytes_downloaded = 0;  // the devices' own counts, summed over the rollout
  std::vector<DeviceReport> device_reports;
};

Result<PublishReport> publish(const PublishOptions& o, const std::function<void(const std::string&)>& progress);

}  // namespace edgerun::agent
