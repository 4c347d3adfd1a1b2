// edgerun/status.h — the one error style of edgerun: Status and Result<T>.
//
//   edgerun::Result<int> parse(std::string_view s);
//   auto r = parse("42");
//   if (!r.ok()) { std::cerr << r.status().message() << "\n"; return 1; }
//   int v = *r;
//
// Library code never aborts or throws on bad input; it returns a Status whose
// message says what was wrong, where, and what was expected versus found.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace edgerun {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // caller passed something unusable (bad flag, bad shape)
  kInvalidModel,     // model bytes fail validation
  kUnsupported,      // valid input that edgerun does not implement
  kNotFound,         // file or entry missing
  kIOError,          // read/write/mmap failure
  kInternal,         // a bug in edgerun
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes context ("while loading m.tflite: ") to an error; no-op when ok.
  Status with_context(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status InvalidModel(std::string m) { return {StatusCode::kInvalidModel, std::move(m)}; }
inline Status Unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) {
    if (std::get<Status>(v_).ok()) v_ = Status(StatusCode::kInternal, "Result built from an ok Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace edgerun

// Early-return helpers for code that produces Status / Result.
#define EDGERUN_CONCAT_INNER(a, b) a##b
#define EDGERUN_CONCAT(a, b) EDGERUN_CONCAT_INNER(a, b)
#define EDGERUN_RETURN_IF_ERROR(expr)           \
  do {                                          \
    ::edgerun::Status _st = (expr);             \
    if (!_st.ok()) return _st;                  \
  } while (0)
#define EDGERUN_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()
#define EDGERUN_ASSIGN_OR_RETURN(lhs, expr) \
  EDGERUN_ASSIGN_OR_RETURN_IMPL(EDGERUN_CONCAT(_res_, __LINE__), lhs, expr)
