// An HTTP artifact server for tests: tests/agent/artifact_server.py over a temporary folder, with byte ranges,
// PUT uploads, and faults that a test switches on and off while it runs (see the script for the list).
//
//   EDGERUN_START_ARTIFACT_SERVER(server);
//   std::ofstream(server.path("b.erb"), std::ios::binary) << bytes;
//   ASSERT_TRUE(server.control(R"({"cut_after": 1000})").ok());
//   auto r = edgerun::agent::download(server.url("b.erb"), part, {});
//   auto stats = server.stats();  // requests, bytes_sent, range_requests
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "agent/process.h"
#include "edgerun/status.h"

namespace edgerun::agent::testenv {

class TestArtifactServer {
 public:
  static constexpr const char* kScript = EDGERUN_SOURCE_DIR "/tests/agent/artifact_server.py";

  struct Stats {
    uint64_t requests = 0;        // GET, HEAD and PUT of files
    uint64_t bytes_sent = 0;      // body bytes
    uint64_t range_requests = 0;  // GETs with a Range header
  };

  TestArtifactServer() : root_("edgerun-artifacts") {
    if (!root_.path().empty()) std::filesystem::create_directory(dir());
  }

  // Starts the server over dir() with the script's fault flags (e.g. {"--cut-after", "1000"}), and reads the
  // port it picked from its first line of output. A restart after stop() asks for the same port again (the URLs
  // handed out stay valid), retrying while the old socket lingers.
  Status start(const std::vector<std::string>& flags = {}) {
    Status st = start_once(flags);
    for (int i = 0; i < 25 && !st.ok() && port_ > 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      st = start_once(flags);
    }
    return st;
  }

  void stop() { process_.stop(); }
  int port() const { return port_; }

  std::string dir() const { return root_.path() + "/files"; }  // what the server serves and stores uploads in
  std::string path(const std::string& name) const { return dir() + "/" + name; }
  std::string url(const std::string& name) const { return "http://127.0.0.1:" + std::to_string(port_) + "/" + name; }
  std::string log() const { return read_text(log_path()); }

  // Changes faults at run time: `json` is an object such as {"stall_after": 4096, "cut_after": null}.
  Status control(const std::string& json) {
    EDGERUN_ASSIGN_OR_RETURN(auto answer, request("PUT", "/_control", json));
    if (answer.first != 200) return InvalidArgument("artifact server /_control: " + answer.second);
    return Status::Ok();
  }

  Result<Stats> stats() {
    EDGERUN_ASSIGN_OR_RETURN(auto answer, request("GET", "/_stats", ""));
    nlohmann::json j = nlohmann::json::parse(answer.second, nullptr, /*allow_exceptions=*/false);
    if (answer.first != 200 || !j.is_object()) return IOError("artifact server /_stats: " + answer.second);
    return Stats{j.value("requests", uint64_t{0}), j.value("bytes_sent", uint64_t{0}),
                 j.value("range_requests", uint64_t{0})};
  }

 private:
  Status start_once(const std::vector<std::string>& flags) {
    if (root_.path().empty()) return IOError("cannot make a temporary folder for the artifact server");
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return IOError("artifact server: pipe failed");
    std::vector<std::string> argv = {"python3", kScript, "--dir", dir(), "--port", std::to_string(port_)};
    argv.insert(argv.end(), flags.begin(), flags.end());
    Status st = process_.start(argv, log_path(), out[1]);
    close(out[1]);
    std::string line;
    if (st.ok()) line = read_line(out[0]);
    close(out[0]);
    EDGERUN_RETURN_IF_ERROR(st);
    const int port = std::atoi(line.c_str());
    if (port <= 0) {
      process_.stop();
      return IOError("artifact server printed '" + line + "' instead of its port; its log:\n" + read_text(log_path()));
    }
    port_ = port;
    return Status::Ok();
  }

  std::string log_path() const { return root_.path() + "/server.log"; }

  static std::string read_line(int fd) {
    std::string line;
    char c = 0;
    pollfd p{fd, POLLIN, 0};
    while (poll(&p, 1, 10000) == 1 && read(fd, &c, 1) == 1 && c != '\n') line += c;
    return line;
  }

  // One request on its own connection (a plain socket, so that the fixture never depends on the code under test).
  Result<std::pair<int, std::string>> request(const std::string& method, const std::string& target,
                                              const std::string& body) {
    const std::string what = "artifact server " + method + " " + target;
    int fd = connect_loopback(port_);
    if (fd < 0) return IOError(what + ": cannot connect to port " + std::to_string(port_));
    timeval timeout{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    const std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
                            "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    std::string answer;
    bool sent = send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size());
    char buf[4096];
    for (ssize_t n; sent && (n = recv(fd, buf, sizeof(buf), 0)) > 0;) answer.append(buf, static_cast<size_t>(n));
    close(fd);
    const size_t space = answer.find(' '), body_at = answer.find("\r\n\r\n");
    if (!sent || space == std::string::npos || body_at == std::string::npos) {
      return IOError(what + ": no complete answer, got '" + answer + "'");
    }
    return std::make_pair(std::atoi(answer.c_str() + space + 1), answer.substr(body_at + 4));
  }

  TempDir root_;
  ChildProcess process_;
  int port_ = 0;
};

}  // namespace edgerun::agent::testenv

// Declares `var`, a started TestArtifactServer (fails the test when it cannot start).
#define EDGERUN_START_ARTIFACT_SERVER(var)           \
  ::edgerun::agent::testenv::TestArtifactServer var; \
  if (::edgerun::Status server_status_ = var.start(); !server_status_.ok()) FAIL() << server_status_.message()
