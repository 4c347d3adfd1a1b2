// A real MQTT broker for tests: /usr/sbin/mosquitto on a free loopback port, anonymous, no persistence.
//
//   EDGERUN_START_BROKER(broker);  // skips the test when mosquitto is not installed
//   auto client = MqttClient::create({.port = broker.port()}, handler);
//   broker.stop();                 // the broker goes away...
//   ASSERT_TRUE(broker.start().ok());  // ...and comes back on the same port
#pragma once

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

#include "agent/process.h"
#include "edgerun/status.h"

namespace edgerun::agent::testenv {

class TestBroker {
 public:
  static constexpr const char* kPath = "/usr/sbin/mosquitto";
  static bool available() { return access(kPath, X_OK) == 0; }

  // A secured broker: TLS with this certificate and key (PEM), and/or a mosquitto_passwd file (no anonymous
  // clients). Empty: plain, anonymous.
  struct Security {
    std::string cert_file, key_file, password_file;
  };

  explicit TestBroker(Security security = {}) : dir_("edgerun-broker"), security_(std::move(security)) {}

  // Starts the broker and waits until it accepts connections. The first start picks a free port (retrying if
  // another process takes it first); later ones reuse it, so clients can reconnect.
  Status start() {
    if (dir_.path().empty()) return IOError("cannot make a temporary folder for the broker");
    Status st;
    for (int attempt = 0; attempt < 5; ++attempt) {
      if (!port_fixed_) port_ = free_loopback_port();
      st = try_start();
      if (st.ok()) {
        port_fixed_ = true;
        return st;
      }
      std::this_thread::sleep_for(200ms);  // the port may still be held by a broker that was just stopped
    }
    return st;
  }

  void stop() { process_.stop(); }
  int port() const { return port_; }
  std::string log() const { return read_text(log_path()); }

 private:
  std::string log_path() const { return dir_.path() + "/mosquitto.log"; }

  Status try_start() {
    const std::string conf = dir_.path() + "/mosquitto.conf";
    std::ofstream out(conf);
    out << "listener " << port_ << " 127.0.0.1\npersistence false\nlog_dest stderr\n";
    // Started as root, mosquitto switches to the user 'mosquitto', who cannot read the test's private folders.
    if (const passwd* me = getpwuid(geteuid()); me != nullptr) out << "user " << me->pw_name << "\n";
    if (!security_.cert_file.empty())
      out << "certfile " << security_.cert_file << "\nkeyfile " << security_.key_file << "\n";
    if (security_.password_file.empty()) {
      out << "allow_anonymous true\n";
    } else {
      out << "allow_anonymous false\npassword_file " << security_.password_file << "\n";
    }
    out.close();
    EDGERUN_RETURN_IF_ERROR(process_.start({kPath, "-c", conf}, log_path()));
    Status st = wait_for_port(port_, process_, log_path());
    if (!st.ok()) process_.stop();
    return st.with_context("mosquitto on port " + std::to_string(port_));
  }

  TempDir dir_;
  Security security_;
  ChildProcess process_;
  int port_ = 0;
  bool port_fixed_ = false;
};

}  // namespace edgerun::agent::testenv

// Declares `var`, a started TestBroker, or skips the test when mosquitto is not installed.
#define EDGERUN_START_BROKER(var)                                                        \
  if (!::edgerun::agent::testenv::TestBroker::available()) {                             \
    GTEST_SKIP() << "no MQTT broker at " << ::edgerun::agent::testenv::TestBroker::kPath \
                 << " (apt install mosquitto)";                                          \
  }                                                                                      \
  ::edgerun::agent::testenv::TestBroker var;                                             \
  if (::edgerun::Status broker_status_ = var.start(); !broker_status_.ok()) FAIL() << broker_status_.message()
