// Child processes, loopback ports and temporary folders for the agent's test fixtures (broker.h,
// artifact_server.h).
//
//   edgerun::agent::testenv::ChildProcess p;
//   EDGERUN_RETURN_IF_ERROR(p.start({"/usr/sbin/mosquitto", "-c", conf}, log_path));
//   EDGERUN_RETURN_IF_ERROR(edgerun::agent::testenv::wait_for_port(port, p, log_path));
//   p.stop();  // SIGTERM, then SIGKILL if it lingers
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "edgerun/status.h"

extern char** environ;

namespace edgerun::agent::testenv {

using namespace std::chrono_literals;

// A fresh folder under $TMPDIR, removed with everything in it when this goes away.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }  // empty if it could not be made

 private:
  std::string path_;
};

inline std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// A TCP socket bound to 127.0.0.1:`port` (0: any free port) without listening: connecting to it is refused.
// Returns the fd (or -1) and sets *bound_port.
inline int bind_loopback(int port, int* bound_port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(port);
  socklen_t len = sizeof(a);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *bound_port = ntohs(a.sin_port);
  return fd;
}

// A port that was free a moment ago (another process may still take it first; callers retry).
inline int free_loopback_port() {
  int port = 0;
  int fd = bind_loopback(0, &port);
  if (fd < 0) return 0;
  close(fd);
  return port;
}

inline int connect_loopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a = loopback(port);
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) return fd;
  if (fd >= 0) close(fd);
  return -1;
}

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { stop(); }

  // Runs argv (argv[0] looked up in PATH) with stdin from /dev/null, stderr appended to `log_path`, stdout to
  // `stdout_fd` (-1: the log too).
  Status start(const std::vector<std::string>& argv, const std::string& log_path, int stdout_fd = -1) {
    stop();
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, stdout_fd >= 0 ? stdout_fd : 2, 1);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const int err = posix_spawnp(&pid_, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err != 0) {
      pid_ = -1;
      return IOError("cannot start " + argv[0] + ": " + std::system_category().message(err));
    }
    return Status::Ok();
  }

  // False once the process has exited (and reaps it).
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == 0) return true;
    pid_ = -1;
    return false;
  }

  // SIGKILL: no chance to clean up, as a power cut or the OOM killer.
  void kill_now() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (auto deadline = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < deadline;) {
      if (!running()) return;
      std::this_thread::sleep_for(10ms);
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

// Waits (up to 10 s, as CI machines can be slow) until 127.0.0.1:`port` accepts connections, or `child` exits.
inline Status wait_for_port(int port, ChildProcess& child, const std::string& log_path) {
  for (auto deadline = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < deadline;) {
    int fd = connect_loopback(port);
    if (fd >= 0) {
      close(fd);
      return Status::Ok();
    }
    if (!child.running()) {
      return IOError("process exited before listening on port " + std::to_string(port) + "; its log:\n" +
                     read_text(log_path));
    }
    std::this_thread::sleep_for(20ms);
  }
  return IOError("nothing listening on port " + std::to_string(port) + " after 10 s; log:\n" + read_text(log_path));
}

}  // namespace edgerun::agent::testenv
