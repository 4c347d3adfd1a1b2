// Overflow-checked integer arithmetic for sizes computed from untrusted input.
#pragma once

namespace edgerun {

// Returns false (and leaves *out unspecified) when a * b overflows T.
template <typename T, typename A, typename B>
bool checked_mul(A a, B b, T* out) {
  return !__builtin_mul_overflow(a, b, out);
}

template <typename T, typename A, typename B>
bool checked_add(A a, B b, T* out) {
  return !__builtin_add_overflow(a, b, out);
}

}  // namespace edgerun
