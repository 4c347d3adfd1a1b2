// `edgerun fleet publish BUNDLE`: upload, announce and roll out a bundle with a canary stage
// (apps/agent/publisher.h, docs/deploy.md#rolling-out-to-a-fleet).
#include <iostream>
#include <nlohmann/json.hpp>

#include "agent/mqtt.h"
#include "agent/publisher.h"
#include "cli.h"

namespace edgerun::cli {
namespace {

struct FleetFlags {
  agent::PublishOptions o;
  std::string broker = "127.0.0.1:1883";
  std::string mqtt_password_file;
  bool json = false;
};

int run_publish(FleetFlags f) {
  const auto colon = f.broker.rfind(':');
  f.o.mqtt.host = colon == std::string::npos ? f.broker : f.broker.substr(0, colon);
  if (colon != std::string::npos) {
    try {
      f.o.mqtt.port = std::stoi(f.broker.substr(colon + 1));
    } catch (...) {
      return fail("--broker " + f.broker + ": expected HOST:PORT");
    }
  }
  f.o.mqtt.client_id = "edgerun-publisher";
  if (!f.mqtt_password_file.empty()) {
    auto pw = agent::read_password_file(f.mqtt_password_file);
    if (!pw.ok()) return fail(pw.status());
    f.o.mqtt.password = *pw;
  }
  auto r = agent::publish(f.o, [&](const std::string& line) {
    if (!f.json) std::cerr << "edgerun fleet: " << line << "\n";
  });
  if (!r.ok()) return fail(r.status());
  if (f.json) {
    nlohmann::json devices = nlohmann::json::array();
    for (const agent::DeviceReport& d : r->device_reports) {
      devices.push_back({{"device", d.device},
                         {"version", d.version},
                         {"status", d.status},
                         {"canary", d.canary},
                         {"notified", d.notified},
                         {"last_error", d.last_error}});
    }
    std::cout << nlohmann::json{{"name", r->name},
                                {"version", r->version},
                                {"url", r->url},
                                {"halted", r->halted},
                                {"halt_reason", r->halt_reason},
                                {"devices", r->devices},
                                {"canaries", r->canaries},
                                {"updated", r->updated},
                                {"failed", r->failed},
                                {"untouched", r->untouched},
                                {"seconds_canary", r->seconds_canary},
                                {"seconds_total", r->seconds_total},
                                {"bytes_downloaded", r->bytes_downloaded},
                                {"device_reports", devices}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << r->name << " " << r->version << ": " << (r->halted ? "HALTED (" + r->halt_reason + ")" : "rolled out")
              << "\n  devices " << r->devices << ", canaries " << r->canaries << ", updated " << r->updated
              << ", failed " << r->failed << ", not notified " << r->untouched << "\n  time " << r->seconds_total
              << " s (canary stage " << r->seconds_canary << " s), devices downloaded " << r->bytes_downloaded
              << " bytes\n";
  }
  return r->halted || r->failed > 0 ? 1 : 0;
}

}  // namespace

Runner add_fleet(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("fleet", "Roll bundles out to devices running 'edgerun agent'");
  cmd->require_subcommand(1);
  auto f = std::make_shared<FleetFlags>();
  CLI::App* pub =
      cmd->add_subcommand("publish",
                          "Upload a bundle, announce it over MQTT and roll it out, canaries first; halt and roll the "
                          "canaries back if one fails");
  pub->add_option("bundle", f->o.bundle, "The bundle (edgerun bundle create)")->required()->check(CLI::ExistingFile);
  pub->add_option("--broker", f->broker, "MQTT broker HOST:PORT")->capture_default_str();
  pub->add_option("--mqtt-ca-file", f->o.mqtt.ca_file, "Connect to the broker with TLS, trusting these CAs (PEM)")
      ->check(CLI::ExistingFile);
  pub->add_option("--mqtt-cert", f->o.mqtt.cert_file, "TLS client certificate (PEM), if the broker asks for one")
      ->check(CLI::ExistingFile);
  pub->add_option("--mqtt-key", f->o.mqtt.key_file, "Private key of --mqtt-cert (PEM)")->check(CLI::ExistingFile);
  pub->add_option("--mqtt-username", f->o.mqtt.username, "Broker user name");
  pub->add_option("--mqtt-password-file", f->mqtt_password_file, "File holding the broker password")
      ->check(CLI::ExistingFile);
  pub->add_option("--prefix", f->o.topic_prefix, "Topic prefix the agents use")->capture_default_str();
  pub->add_option("--artifacts", f->o.artifacts,
                  "Where devices download from: a folder (the bundle is copied into it; give --base-url) or an "
                  "http(s):// URL (HTTP PUT under it)")
      ->required();
  pub->add_option("--base-url", f->o.base_url, "With a folder: the URL that folder is served at");
  pub->add_option("--ca-file", f->o.ca_file, "With an https:// URL: PEM file of the CAs to trust (a private CA)")
      ->check(CLI::ExistingFile);
  pub->add_option("--trust", f->o.trusted, "Verify the bundle's signature against this key first (repeatable)")
      ->check(CLI::ExistingFile);
  pub->add_option("--canary", f->o.canary_percent,
                  "Percent of the devices that get it first; the rest only when all of them report healthy")
      ->capture_default_str();
  pub->add_option("--expect-devices", f->o.expect_devices, "Wait until this many devices have reported");
  pub->add_option("--discover-ms", f->o.discover_ms, "How long to collect device states first")->capture_default_str();
  pub->add_option("--stage-timeout", f->o.stage_timeout_ms, "A stage not done in this many ms halts the rollout")
      ->capture_default_str();
  pub->add_flag("--json", f->json, "Print the report as JSON");
  pub->footer(
      "Exit code 0 when every device runs the new version, 1 when the rollout halted or some devices failed.\n"
      "Example:\n  edgerun fleet publish mbv2-1.1.0.erb --broker 10.0.0.5:1883 --artifacts /srv/www/models \\\n"
      "      --base-url http://10.0.0.5/models --trust release.pub --canary 10");
  return [f] { return run_publish(*f); };
}

}  // namespace edgerun::cli
