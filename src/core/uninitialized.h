// A std::vector allocator that default-initializes (leaves trivial types
// uninitialized) instead of value-initializing: for buffers that are written
// in full right after they are sized, such as packed weights. Zero-filling 14
// MiB of float weights first costs a page-faulting memset at every load.
#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace edgerun::core {

// Buffers from this size up are mapped with their pages populated in one
// call: a 17 MiB float model's packed weights otherwise take ~4300 separate
// page faults while packing (about 1 ms of its load in a VM).
constexpr size_t kLargeBufferBytes = size_t{1} << 20;
void* allocate_large(size_t bytes);
void free_large(void* p, size_t bytes) noexcept;

template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    if (n * sizeof(T) < kLargeBufferBytes) return std::allocator<T>::allocate(n);
    return static_cast<T*>(allocate_large(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept {
    if (n * sizeof(T) < kLargeBufferBytes) {
      std::allocator<T>::deallocate(p, n);
    } else {
      free_large(p, n * sizeof(T));
    }
  }

  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// A vector whose resize / sized constructor leaves new elements unwritten.
template <typename T>
using UninitializedVector = std::vector<T, DefaultInitAllocator<T>>;

}  // namespace edgerun::core
