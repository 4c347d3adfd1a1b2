// Reference kernel for the data-movement ops whose output bytes equal their
// input bytes (RESHAPE, SQUEEZE): a plain copy, skipped when the runtime
// aliases input and output.
#pragma once

#include <cstddef>
#include <cstring>

namespace edgerun::kernels {

inline void xx_copy__ref(const void* input, void* output, size_t bytes) {
  if (input != output && bytes > 0) std::memmove(output, input, bytes);
}

}  // namespace edgerun::kernels
