// GuardBuffer<T>: `count` elements of T whose last byte is the last byte before
// a PROT_NONE page, so a kernel reading or writing past the end faults. Shared
// by the kernel tests (q8_gemm_test.cc, q8_dwconv_test.cc, ...).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace edgerun::kernels {

template <typename T>
class GuardBuffer {
 public:
  explicit GuardBuffer(size_t count) : count_(count) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t bytes = count * sizeof(T);
    const size_t data_pages = (bytes + page - 1) / page;
    map_bytes_ = (data_pages + 1) * page;
    void* m = mmap(nullptr, map_bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
      map_ = nullptr;
      return;
    }
    map_ = static_cast<uint8_t*>(m);
    if (mprotect(map_ + data_pages * page, page, PROT_NONE) != 0) {
      munmap(map_, map_bytes_);
      map_ = nullptr;
      return;
    }
    data_ = reinterpret_cast<T*>(map_ + data_pages * page - bytes);
  }
  ~GuardBuffer() {
    if (map_ != nullptr) munmap(map_, map_bytes_);
  }
  GuardBuffer(const GuardBuffer&) = delete;
  GuardBuffer& operator=(const GuardBuffer&) = delete;
  bool ok() const { return map_ != nullptr; }
  T* data() { return data_; }
  size_t size() const { return count_; }
  void assign(const std::vector<T>& v) { std::copy(v.begin(), v.end(), data_); }

 private:
  size_t count_;
  size_t map_bytes_ = 0;
  uint8_t* map_ = nullptr;
  T* data_ = nullptr;
};

}  // namespace edgerun::kernels
