// deploy/files.h — whole-file reads with a size cap, and crash-safe writes.
//
//   auto bytes = edgerun::deploy::read_file("model.erb", 64 << 20);
//   EDGERUN_RETURN_IF_ERROR(edgerun::deploy::write_file_atomic("state.json", text_bytes));
//
// write_file_atomic writes `<path>.tmp`, fsyncs it, renames it over `path` and fsyncs the folder: after a crash
// at any moment `path` holds either its old bytes or the new ones, never a mix (POSIX rename is atomic, and the
// folder's fsync makes the rename itself durable).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/status.h"

namespace edgerun::deploy {

// NotFound when missing; InvalidArgument when larger than max_bytes (checked before reading).
Result<std::vector<uint8_t>> read_file(const std::string& path, uint64_t max_bytes);

Status write_file_atomic(const std::string& path, const uint8_t* data, size_t size, unsigned mode = 0644);
inline Status write_file_atomic(const std::string& path, const std::vector<uint8_t>& bytes, unsigned mode = 0644) {
  return write_file_atomic(path, bytes.data(), bytes.size(), mode);
}
inline Status write_file_atomic(const std::string& path, const std::string& text, unsigned mode = 0644) {
  return write_file_atomic(path, reinterpret_cast<const uint8_t*>(text.data()), text.size(), mode);
}

// fsync of a file or folder by path.
Status fsync_path(const std::string& path);

}  // namespace edgerun::deploy
