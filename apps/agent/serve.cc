#include "agent/serve.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "vision/image.h"
#include "vision/labels.h"
#include "vision/preprocess.h"
#include "vision/resize.h"
#include "vision/topk.h"

namespace edgerun::agent {
namespace {

using nlohmann::json;
constexpr size_t kMaxRequestBytes = 64 << 10;

Result<sockaddr_un> address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  if (path.size() >= sizeof a.sun_path) {
    return InvalidArgument("socket path " + path + " is longer than " + std::to_string(sizeof a.sun_path - 1));
  }
  std::memcpy(a.sun_path, path.c_str(), path.size() + 1);
  return a;
}

std::string error_json(const std::string& message) { return json{{"error", message}}.dump(); }

}  // namespace

ModelServer::ModelServer(std::string socket_path, Provider provider)
    : path_(std::move(socket_path)), provider_(std::move(provider)) {}

ModelServer::~ModelServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
}

Status ModelServer::start() {
  EDGERUN_ASSIGN_OR_RETURN(sockaddr_un a, address(path_));
  ::unlink(path_.c_str());  // a stale socket from a crashed run
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return IOError("socket: " + std::string(std::strerror(errno)));
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::chmod(path_.c_str(), 0660) != 0 ||
      ::listen(fd_, 8) != 0) {
    return IOError("cannot listen on " + path_ + ": " + std::strerror(errno));
  }
  thread_ = std::thread([this] { loop(); });
  return Status::Ok();
}

std::string ModelServer::answer(const std::string& request) {
  const json j = json::parse(request, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("image") || !j["image"].is_string()) {
    return error_json("expected a JSON object with an \"image\" path");
  }
  const std::shared_ptr<const Serving> s = provider_();
  if (!s || !s->model) return error_json("no model installed yet");
  const auto t0 = std::chrono::steady_clock::now();
  const deploy::Manifest& m = s->bundle.manifest;
  const TensorInfo& in = s->model->input_info(0);
  std::optional<vision::Normalization> norm;
  if (!m.preprocess.mean.empty() || !m.preprocess.std.empty()) {
    vision::Normalization n;
    n.mean = m.preprocess.mean.empty() ? std::vector<float>{0.0f} : m.preprocess.mean;
    n.std = m.preprocess.std.empty() ? std::vector<float>{1.0f} : m.preprocess.std;
    norm = n;
  } else {
    norm = vision::metadata_normalization(in, s->model->metadata().mean, s->model->metadata().std);
  }
  if (Status st = vision::check_input_info(in, norm); !st.ok()) return error_json(st.message());
  auto shape = vision::image_input_shape(in);
  if (!shape.ok()) return error_json(shape.status().message());
  auto image = vision::decode_image_file(j["image"].get<std::string>());
  if (!image.ok()) return error_json(image.status().message());
  const auto method =
      m.preprocess.resize == "nearest" ? vision::ResizeMethod::kNearest : vision::ResizeMethod::kBilinear;
  const vision::Image resized = vision::resize(*image, shape->width, shape->height, method);
  auto session = Session::create(s->model);
  if (!session.ok()) return error_json(session.status().message());
  if (Status st = vision::fill_input(resized, in, norm, session->input_data(0)); !st.ok())
    return error_json(st.message());
  if (Status st = session->invoke(); !st.ok()) return error_json(st.message());
  const TensorInfo& out = s->model->output_info(0);
  auto top = vision::try_top_k(session->output_data(0), out, m.top_k);
  if (!top.ok()) return error_json(top.status().message());
  const int classes = out.shape.empty() ? 1 : out.shape.back();
  json tops = json::array();
  for (const vision::Prediction& p : *top) {
    tops.push_back({{"index", p.index}, {"score", p.score}, {"label", vision::label_for(s->labels, p.index, classes)}});
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return json{{"name", m.name}, {"version", m.version}, {"ms", ms}, {"top_k", tops}}.dump();
}

void ModelServer::loop() {
  while (!stop_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 100) != 1) continue;
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    timeval timeout{5, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string buffer;
    char chunk[4096];
    while (!stop_) {
      const size_t nl = buffer.find('\n');
      if (nl != std::string::npos) {
        const std::string reply = answer(buffer.substr(0, nl)) + "\n";
        buffer.erase(0, nl + 1);
        if (::send(c, reply.data(), reply.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(reply.size())) break;
        continue;
      }
      if (buffer.size() > kMaxRequestBytes) {
        const std::string reply = error_json("request longer than 64 KiB") + "\n";
        ::send(c, reply.data(), reply.size(), MSG_NOSIGNAL);
        break;
      }
      const ssize_t n = ::recv(c, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
    }
    ::close(c);
  }
}

Result<std::string> ask(const std::string& socket_path, const std::string& request, int timeout_ms) {
  EDGERUN_ASSIGN_OR_RETURN(sockaddr_un a, address(socket_path));
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return IOError("socket: " + std::string(std::strerror(errno)));
  timeval timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string line;
  Status st = Status::Ok();
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    st = IOError("cannot connect to the agent at " + socket_path + ": " + std::strerror(errno));
  } else {
    const std::string req = request + "\n";
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
      st = IOError("cannot send to " + socket_path);
    }
    char c;
    while (st.ok() && ::recv(fd, &c, 1, 0) == 1 && c != '\n') line += c;
    if (st.ok() && line.empty()) st = IOError("no answer from the agent at " + socket_path);
  }
  ::close(fd);
  if (!st.ok()) return st;
  return line;
}

}  // namespace edgerun::agent
