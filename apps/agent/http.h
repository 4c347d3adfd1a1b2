// agent/http.h — resumable HTTP(S) downloads and uploads for the update agent (libcurl).
//
//   edgerun::agent::DownloadOptions opts;
//   opts.max_bytes = 64 << 20;
//   auto r = edgerun::agent::download("https://updates.example.com/b.erb", "/var/lib/edgerun/b.erb.part", opts);
//   if (!r.ok() && edgerun::agent::is_transient(r.status())) { /* try again later: it resumes */ }
//   else if (!r.ok()) { /* give up; delete the .part file */ }
//
// Errors carry their retry advice in the StatusCode, so the agent needs no string matching:
//   kIOError          transient: connection refused or reset, DNS failure, timeout or stall, HTTP 5xx, 408, 429,
//                     a transfer cut short, a local write failing (disk full), or an abort by the progress callback.
//   kInvalidArgument  permanent: not an http(s) URL, HTTP 4xx, too many redirects, a resource larger than
//                     max_bytes, a malformed or unexpected Content-Range, a TLS certificate rejected.
//   kNotFound         permanent: the file to upload() does not exist.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "edgerun/status.h"

namespace edgerun::agent {

// Limits and hooks of one transfer, for download() and upload() alike.
struct DownloadOptions {
  // Refuse a resource larger than this: as soon as Content-Length or the Content-Range total says so, or once the
  // bytes received exceed it (a server that sends no length); an upload refuses a larger file before sending.
  uint64_t max_bytes = 256ull << 20;
  int connect_timeout_ms = 5000;  // 0: libcurl's default, 300 s
  // Abort when no byte moves for this long (checked about once a second, so it is this plus up to a second).
  // 0: never.
  int stall_timeout_ms = 15000;
  int total_timeout_ms = 0;  // 0: no overall limit
  // https: a PEM file of the certificate authorities to trust instead of the system's (a fleet's private CA).
  // "": the system store. Either way the server's certificate and name are verified; nothing turns that off.
  std::string ca_file;
  // Optional; called about once a second and as data moves, with the resource's bytes so far (those of an earlier,
  // resumed attempt included) and its size, 0 while unknown. Return false to abort (kIOError "aborted").
  std::function<bool(uint64_t done, uint64_t total)> progress;
};

struct DownloadResult {
  uint64_t size = 0;         // bytes in part_path now: the whole resource
  uint64_t transferred = 0;  // body bytes received by this call
  bool resumed = false;      // the bytes already in part_path were kept (206 append, or 416 already complete)
};

// Downloads `url` (http:// or https://, up to 3 redirects) into `part_path`. If part_path exists with N > 0 bytes,
// asks for `Range: bytes=N-`: a 206 whose Content-Range starts at N appends; a 200 (the server ignores ranges)
// truncates and starts over; a 416 whose Content-Range total is N means the file is already complete (a 416 with
// another total truncates part_path and fails as transient, so the next call starts from zero).
// The bytes received stay in part_path on failure, which is what lets the next call resume; the file is fsynced
// before returning. Nothing checks that a resumed file's two halves come from the same version of the resource:
// verify its digest, and delete part_path when it does not match.
Result<DownloadResult> download(const std::string& url, const std::string& part_path, const DownloadOptions& options);

// HTTP PUT of the local file `path` to `url` (the fleet publisher's upload to an artifact server); any 2xx answer
// is success. `progress` sees the bytes sent.
Status upload(const std::string& url, const std::string& path, const DownloadOptions& options);

// Whether a failed download() or upload() is worth retrying later: kIOError (see the codes above).
bool is_transient(const Status& s);

}  // namespace edgerun::agent
