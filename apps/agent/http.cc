#include "agent/http.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <system_error>

namespace edgerun::agent {
namespace {

using Clock = std::chrono::steady_clock;

std::string errno_text(int err) { return std::system_category().message(err); }

// curl_global_init is not thread-safe, and the agent may start transfers from several threads.
Status curl_ready() {
  static std::once_flag once;
  static CURLcode rc = CURLE_OK;
  std::call_once(once, [] { rc = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (rc != CURLE_OK) return Internal(std::string("curl_global_init failed: ") + curl_easy_strerror(rc));
  return Status::Ok();
}

struct CurlCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlCleanup>;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

bool is_http_url(const std::string& url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.size() > scheme.size() && strncasecmp(url.c_str(), scheme.data(), scheme.size()) == 0) return true;
  }
  return false;
}

// 5xx, 408 (request timeout) and 429 (too many requests) may well succeed later; other codes will not.
Status http_status_error(const std::string& what, long code, const char* expected) {
  std::string m = what + ": server answered HTTP " + std::to_string(code) + " (expected " + expected + ")";
  if (code >= 500 || code == 408 || code == 429) return IOError(std::move(m));
  return InvalidArgument(std::move(m));
}

Status curl_error(const std::string& what, CURLcode rc, const char* errbuf) {
  std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
  while (!detail.empty() && (detail.back() == '\n' || detail.back() == '\r')) detail.pop_back();
  std::string m = what + ": " + detail + " (curl error " + std::to_string(rc) + ")";
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return InvalidArgument(std::move(m));
    default:  // connection refused or reset, DNS, timeouts, partial transfers: the network may get better
      return IOError(std::move(m));
  }
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// "bytes FIRST-LAST/TOTAL", "bytes FIRST-LAST/*" or (with a 416) "bytes */TOTAL".
struct ContentRange {
  std::optional<uint64_t> first, last, total;
};

std::optional<ContentRange> parse_content_range(std::string_view v) {
  if (v.substr(0, 6) != "bytes ") return std::nullopt;
  v.remove_prefix(6);
  const size_t slash = v.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  ContentRange cr;
  std::string_view range = v.substr(0, slash), total = v.substr(slash + 1);
  if (total != "*" && !(cr.total = parse_u64(total))) return std::nullopt;
  if (range == "*") return cr;
  const size_t dash = range.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  cr.first = parse_u64(range.substr(0, dash));
  cr.last = parse_u64(range.substr(dash + 1));
  if (!cr.first || !cr.last || *cr.last < *cr.first || (cr.total && *cr.last >= *cr.total)) return std::nullopt;
  return cr;
}

std::optional<std::string> response_header(CURL* curl, const char* name) {
  curl_header* h = nullptr;
  if (curl_easy_header(curl, name, 0, CURLH_HEADER, -1, &h) != CURLHE_OK) return std::nullopt;
  return std::string(h->value);
}

// What the curl callbacks of one transfer share.
struct Transfer {
  CURL* curl = nullptr;
  std::string what;  // "download URL", the prefix of every message
  const DownloadOptions* options = nullptr;
  bool sending = false;          // an upload: progress counts bytes sent
  uint64_t done = 0, total = 0;  // what the progress callback is told
  curl_off_t moved = 0;          // bytes up + down at the last check, to notice stalls
  Clock::time_point last_activity = Clock::now();
  bool stalled = false, aborted = false;
  Status error;  // set by a callback that stopped the transfer

  // Why the transfer stopped early, if a callback stopped it.
  Status stop_reason() const {
    if (!error.ok()) return error;
    if (stalled) {
      return IOError(what + ": no data moved for " + std::to_string(options->stall_timeout_ms) +
                     " ms (stall_timeout_ms), gave up");
    }
    if (aborted) return IOError(what + ": aborted by the progress callback");
    return Status::Ok();
  }
};

size_t on_header(char*, size_t size, size_t n, void* p) {
  static_cast<Transfer*>(p)->last_activity = Clock::now();
  return size * n;
}

// Also called about once a second while nothing moves, which is what makes the stall check work.
int on_progress(void* p, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(p);
  const auto now = Clock::now();
  if (dlnow + ulnow != t->moved) {
    t->moved = dlnow + ulnow;
    t->last_activity = now;
  } else if (t->options->stall_timeout_ms > 0 &&
             now - t->last_activity > std::chrono::milliseconds(t->options->stall_timeout_ms)) {
    t->stalled = true;
    return 1;
  }
  if (t->sending) t->done = static_cast<uint64_t>(ulnow);
  if (t->options->progress && !t->options->progress(t->done, t->total)) {
    t->aborted = true;
    return 1;
  }
  return 0;
}

CurlPtr make_curl(const std::string& url, const DownloadOptions& o, Transfer* t, char* errbuf) {
  CurlPtr curl(curl_easy_init());
  if (!curl) return curl;
  CURL* c = curl.get();
  t->curl = c;
  t->options = &o;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM for DNS timeouts: the agent is multi-threaded
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o.connect_timeout_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(o.total_timeout_ms));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "edgerun-agent");
  if (!o.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, o.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, t);
  return curl;
}

struct Download : Transfer {
  int fd = -1;
  uint64_t existing = 0;  // bytes in the part file before this call
  uint64_t offset = 0;    // where the next body byte goes
  uint64_t received = 0;
  std::optional<uint64_t> size;  // the resource's, once a header says
  bool headers_checked = false;
  bool complete = false;  // 416 for a part file that already holds everything
  bool resumed = false;

  // `found`: "is 300 bytes (Content-Length)", "passed 300 bytes".
  Status too_large(const std::string& found) const {
    return InvalidArgument(what + ": resource " + found + ", more than max_bytes " +
                           std::to_string(options->max_bytes));
  }

  Status truncate_part() {
    if (ftruncate(fd, 0) != 0) return IOError(what + ": cannot truncate the part file: " + errno_text(errno));
    offset = 0;
    return Status::Ok();
  }

  // Runs once the final response's headers are in, before any of its body is stored.
  Status check_headers() {
    headers_checked = true;
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    curl_off_t length = -1;
    curl_easy_getinfo(curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    std::optional<std::string> range_text = response_header(curl, "Content-Range");
    std::optional<ContentRange> range = range_text ? parse_content_range(*range_text) : std::nullopt;
    if ((code == 206 || (code == 416 && existing > 0)) && !range) {
      return InvalidArgument(what + ": HTTP " + std::to_string(code) + " with Content-Range '" +
                             range_text.value_or("(none)") + "' (expected 'bytes FIRST-LAST/TOTAL')");
    }
    if (code == 206) {
      if (range->first != existing) {
        return InvalidArgument(what + ": asked for bytes from " + std::to_string(existing) +
                               ", server sent Content-Range '" + *range_text + "'");
      }
      size = range->total;
      if (!size && length >= 0) size = existing + static_cast<uint64_t>(length);
      if (size && *size > options->max_bytes)
        return too_large("is " + std::to_string(*size) + " bytes (Content-Range)");
      resumed = existing > 0;
    } else if (code == 200) {
      if (existing > 0) EDGERUN_RETURN_IF_ERROR(truncate_part());  // the server ignored the range: start over
      if (length >= 0) size = static_cast<uint64_t>(length);
      if (size && *size > options->max_bytes)
        return too_large("is " + std::to_string(*size) + " bytes (Content-Length)");
    } else if (code == 416 && existing > 0) {
      if (range->total == existing) {
        complete = resumed = true;
        return Status::Ok();
      }
      // The resource is not what the part file was a prefix of; a fresh start is the way out.
      EDGERUN_RETURN_IF_ERROR(truncate_part());
      return IOError(what + ": part file had " + std::to_string(existing) + " bytes but the resource has " +
                     (range->total ? std::to_string(*range->total) : std::string("an unknown size")) +
                     " (HTTP 416); truncated it so that the next try starts over");
    } else {
      return http_status_error(what, code, existing > 0 ? "206 or 200" : "200");
    }
    total = size.value_or(0);
    done = offset;
    return Status::Ok();
  }
};

size_t on_body(char* data, size_t size, size_t n, void* p) {
  auto* d = static_cast<Download*>(p);
  const size_t len = size * n;
  if (!d->headers_checked) {
    d->error = d->check_headers();
    if (!d->error.ok() || d->complete) return 0;  // stop here: an error body or a 416's is not for the file
  }
  if (d->offset + len > d->options->max_bytes) {
    d->error = d->too_large("passed " + std::to_string(d->offset + len) + " bytes as they arrived");
    return 0;
  }
  for (size_t written = 0; written < len;) {
    ssize_t w = pwrite(d->fd, data + written, len - written, static_cast<off_t>(d->offset + written));
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      d->error = IOError(d->what + ": cannot write the part file: " + errno_text(errno));
      return 0;
    }
    written += static_cast<size_t>(w);
  }
  d->offset += len;
  d->received += len;
  d->done = d->offset;
  return len;
}

size_t discard_body(char*, size_t size, size_t n, void*) { return size * n; }

struct Upload : Transfer {
  int fd = -1;
};

size_t on_read(char* buf, size_t size, size_t n, void* p) {
  auto* u = static_cast<Upload*>(p);
  for (;;) {
    ssize_t r = read(u->fd, buf, size * n);
    if (r >= 0) return static_cast<size_t>(r);
    if (errno != EINTR) {
      u->error = IOError(u->what + ": cannot read the file: " + errno_text(errno));
      return CURL_READFUNC_ABORT;
    }
  }
}

// curl rewinds the body when a redirect or an authentication round makes it send again.
int on_seek(void* p, curl_off_t offset, int origin) {
  return lseek(static_cast<Upload*>(p)->fd, static_cast<off_t>(offset), origin) < 0 ? CURL_SEEKFUNC_FAIL
                                                                                    : CURL_SEEKFUNC_OK;
}

}  // namespace

Result<DownloadResult> download(const std::string& url, const std::string& part_path, const DownloadOptions& options) {
  Download d;
  d.what = "download " + url;
  if (!is_http_url(url)) return InvalidArgument(d.what + ": not an http:// or https:// URL");
  EDGERUN_RETURN_IF_ERROR(curl_ready());
  Fd fd(open(part_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  if (fd.get() < 0) return IOError(d.what + ": cannot open " + part_path + ": " + errno_text(errno));
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return IOError(d.what + ": cannot stat " + part_path + ": " + errno_text(errno));
  d.fd = fd.get();
  d.existing = d.offset = d.done = static_cast<uint64_t>(st.st_size);
  if (d.existing > options.max_bytes) {
    return InvalidArgument(d.what + ": " + part_path + " already has " + std::to_string(d.existing) +
                           " bytes, more than max_bytes " + std::to_string(options.max_bytes));
  }

  char errbuf[CURL_ERROR_SIZE] = {};
  CurlPtr curl = make_curl(url, options, &d, errbuf);
  if (!curl) return Internal(d.what + ": curl_easy_init failed");
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &d);
  if (d.existing > 0) curl_easy_setopt(curl.get(), CURLOPT_RANGE, (std::to_string(d.existing) + "-").c_str());
  const CURLcode rc = curl_easy_perform(curl.get());

  Status st_result = d.stop_reason();
  if (st_result.ok() && rc != CURLE_OK && !d.complete) st_result = curl_error(d.what, rc, errbuf);
  if (st_result.ok() && !d.headers_checked) st_result = d.check_headers();  // an empty body never reached on_body
  if (st_result.ok() && !d.complete && d.size && d.offset != *d.size) {
    st_result = IOError(d.what + ": transfer ended after " + std::to_string(d.offset) + " of " +
                        std::to_string(*d.size) + " bytes");
  }
  // Synced even on failure: the bytes kept for the next try should survive a power cut too.
  if (fsync(d.fd) != 0 && st_result.ok()) {
    st_result = IOError(d.what + ": cannot fsync " + part_path + ": " + errno_text(errno));
  }
  if (!st_result.ok()) return st_result;
  return DownloadResult{d.offset, d.received, d.resumed};
}

Status upload(const std::string& url, const std::string& path, const DownloadOptions& options) {
  Upload u;
  u.what = "upload " + path + " to " + url;
  if (!is_http_url(url)) return InvalidArgument(u.what + ": not an http:// or https:// URL");
  EDGERUN_RETURN_IF_ERROR(curl_ready());
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    std::string m = u.what + ": cannot open the file: " + errno_text(err);
    return err == ENOENT ? NotFound(std::move(m)) : IOError(std::move(m));
  }
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return IOError(u.what + ": cannot stat the file: " + errno_text(errno));
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > options.max_bytes) {
    return InvalidArgument(u.what + ": file is " + std::to_string(size) + " bytes, more than max_bytes " +
                           std::to_string(options.max_bytes));
  }
  u.fd = fd.get();
  u.sending = true;
  u.total = size;

  char errbuf[CURL_ERROR_SIZE] = {};
  CurlPtr curl = make_curl(url, options, &u, errbuf);
  if (!curl) return Internal(u.what + ": curl_easy_init failed");
  curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
  curl_easy_setopt(curl.get(), CURLOPT_READFUNCTION, on_read);
  curl_easy_setopt(curl.get(), CURLOPT_READDATA, &u);
  curl_easy_setopt(curl.get(), CURLOPT_SEEKFUNCTION, on_seek);
  curl_easy_setopt(curl.get(), CURLOPT_SEEKDATA, &u);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, discard_body);  // else curl prints the answer to stdout
  const CURLcode rc = curl_easy_perform(curl.get());

  EDGERUN_RETURN_IF_ERROR(u.stop_reason());
  if (rc != CURLE_OK) return curl_error(u.what, rc, errbuf);
  long code = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
  if (code < 200 || code > 299) return http_status_error(u.what, code, "2xx");
  return Status::Ok();
}

bool is_transient(const Status& s) { return s.code() == StatusCode::kIOError; }

}  // namespace edgerun::agent
