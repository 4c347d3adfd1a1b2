// Reference kernels for AVERAGE_POOL_2D and MAX_POOL_2D, NHWC. A call computes
// output rows [row_begin, row_end) of the (batch * out_h) row space.
//
// A window reads filter_h x filter_w taps, dilation apart, of which those
// inside the image count (padding never does), as in TFLite's reference
// pooling. Quantized kernels assume input and output share scale and
// zero point (the op checks it) and match TFLite bit for bit:
//   qu8_avgpool__ref  acc = (sum + count / 2) / count           (reference_ops, uint8)
//   qs8_avgpool__ref  rounds half away from zero: sum > 0 ? (sum + count / 2) / count
//                                                         : (sum - count / 2) / count
//   f32_avgpool_minmax__ref  float sum / float count
// The max pools also write, when `indices` is not null, each maximum's input
// position as ir::Pool2DAttrs describes (ONNX MaxPool's Indices).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace edgerun::kernels {

struct PoolParams {
  int32_t batch = 0, in_h = 0, in_w = 0, channels = 0;
  int32_t out_h = 0, out_w = 0;
  int32_t filter_h = 1, filter_w = 1;
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  int32_t pad_top = 0, pad_left = 0;
  bool indices_column_major = false;

  float f32_min = 0.0f, f32_max = 0.0f;  // float fused activation range
  int32_t act_min = 0, act_max = 0;      // quantized fused activation range
};

inline size_t pool_rows(const PoolParams& p) {
  return static_cast<size_t>(p.batch) * static_cast<size_t>(p.out_h);
}

// Along one axis: the taps [*lo, *hi) of a `filter`-tap window whose tap k
// reads input position origin + k * dilation that fall inside [0, size).
inline void pool_taps(int64_t origin, int64_t dilation, int64_t size, int64_t filter, int64_t* lo, int64_t* hi) {
  *lo = origin >= 0 ? 0 : (-origin + dilation - 1) / dilation;
  *hi = origin >= size ? 0 : std::min<int64_t>(filter, (size - origin + dilation - 1) / dilation);
  if (*hi < *lo) *hi = *lo;
}

void f32_avgpool_minmax__ref(const PoolParams& p, const float* input, float* output, size_t row_begin,
                             size_t row_end);
void qu8_avgpool__ref(const PoolParams& p, const uint8_t* input, uint8_t* output, size_t row_begin, size_t row_end);
void qs8_avgpool__ref(const PoolParams& p, const int8_t* input, int8_t* output, size_t row_begin, size_t row_end);

void f32_maxpool_minmax__ref(const PoolParams& p, const float* input, float* output, int64_t* indices,
                             size_t row_begin, size_t row_end);
void qu8_maxpool__ref(const PoolParams& p, const uint8_t* input, uint8_t* output, int64_t* indices,
                      size_t row_begin, size_t row_end);
void qs8_maxpool__ref(const PoolParams& p, const int8_t* input, int8_t* output, int64_t* indices, size_t row_begin,
                      size_t row_end);

}  // namespace edgerun::kernels
