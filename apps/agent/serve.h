// agent/serve.h — the agent's local inference endpoint: whatever model is installed answers on a Unix socket.
//
//   ModelServer server("/var/lib/edgerun/agent.sock", [&] { return agent.serving(); });
//   EDGERUN_RETURN_IF_ERROR(server.start());
//   // a client writes {"image": "/tmp/frame.jpg"}\n and reads one JSON line back:
//   // {"name": "mbv2", "version": "1.1.0", "ms": 7.2, "top_k": [{"index": 653, "label": "military uniform", ...}]}
//
// Local only (a Unix socket, mode 0660: the device's own processes), one request per line, one connection at a
// time. Each request uses the model installed at that moment, so an update switches models between requests
// and a failed or pending one never interrupts serving. Pre-processing, labels and top-k are the bundle's.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "deploy/bundle.h"
#include "edgerun/edgerun.h"

namespace edgerun::agent {

// An installed bundle, unpacked in memory, with its model loaded.
struct Serving {
  deploy::OpenedBundle bundle;
  std::shared_ptr<const Model> model;  // reads bundle's model bytes in place
  std::vector<std::string> labels;     // the bundle's labels file, else the model's metadata
};

class ModelServer {
 public:
  using Provider = std::function<std::shared_ptr<const Serving>()>;
  ModelServer(std::string socket_path, Provider provider);
  ~ModelServer();  // stops the thread and removes the socket

  Status start();

  // One request, as the socket answers it (JSON text, without the newline); public for tests.
  std::string answer(const std::string& request);

 private:
  void loop();
  std::string path_;
  Provider provider_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// The client side: sends one request to the socket and returns the answer line.
Result<std::string> ask(const std::string& socket_path, const std::string& request, int timeout_ms = 30000);

}  // namespace edgerun::agent
