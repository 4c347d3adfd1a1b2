#include "deploy/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace edgerun::deploy {
namespace {

Status errno_status(const std::string& what, const std::string& path) {
  const int e = errno;
  const std::string m = what + " " + path + ": " + std::strerror(e);
  return e == ENOENT ? NotFound(m) : IOError(m);
}

// Closes on every path out of the function.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::vector<uint8_t>> read_file(const std::string& path, uint64_t max_bytes) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return errno_status("cannot open", path);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return errno_status("cannot stat", path);
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path + ": not a regular file");
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > max_bytes) {
    return InvalidArgument(path + ": file is " + std::to_string(size) + " bytes, more than the limit of " +
                           std::to_string(max_bytes));
  }
  std::vector<uint8_t> bytes(size);
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::read(f.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno_status("cannot read", path);
    if (n == 0) return IOError(path + ": file shrank while being read");
    done += static_cast<size_t>(n);
  }
  return bytes;
}

Status fsync_path(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return errno_status("cannot open", path);
  if (::fsync(f.fd) != 0) return errno_status("cannot fsync", path);
  return Status::Ok();
}

Status write_file_atomic(const std::string& path, const uint8_t* data, size_t size, unsigned mode) {
  const std::string tmp = path + ".tmp";
  {
    Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)};
    if (f.fd < 0) return errno_status("cannot create", tmp);
    size_t done = 0;
    while (done < size) {
      const ssize_t n = ::write(f.fd, data + done, size - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const Status st = errno_status("cannot write", tmp);
        ::unlink(tmp.c_str());
        return st;
      }
      done += static_cast<size_t>(n);
    }
    if (::fchmod(f.fd, mode) != 0 || ::fsync(f.fd) != 0) {
      const Status st = errno_status("cannot fsync", tmp);
      ::unlink(tmp.c_str());
      return st;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const Status st = errno_status("cannot rename " + tmp + " to", path);
    ::unlink(tmp.c_str());
    return st;
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  return fsync_path(dir.empty() ? "." : dir);
}

}  // namespace edgerun::deploy
