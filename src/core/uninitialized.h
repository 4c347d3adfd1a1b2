// A std::vector allocator that default-initializes (leaves trivial types
// uninitialized) instead of value-initializing: for buffers that are written
// in full right after they are sized, such as packed weights. Zero-filling 14
// MiB of float weights first costs a page-faulting memset at every load.
#pragma once

#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace edgerun::core {

template <typename T>
struct DefaultInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = DefaultInitAllocator<U>;
  };
  DefaultInitAllocator() = default;
  template <typename U>
  DefaultInitAllocator(const DefaultInitAllocator<U>&) noexcept {}

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
