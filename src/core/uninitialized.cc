#include "core/uninitialized.h"

#include <sys/mman.h>

#include <new>

namespace edgerun::core {

void* allocate_large(size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  return p;
}

void free_large(void* p, size_t bytes) noexcept { ::munmap(p, bytes); }

}  // namespace edgerun::core
