// Reference kernels for PAD with a constant value (0.0 for float, the output
// zero point for quantized tensors), any rank up to kMaxPadRank.
//
// Rows are the output's leading dims flattened (all but the last; 1 row for a
// 1-D tensor): a call writes output rows [row_begin, row_end).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgerun::kernels {

constexpr int kMaxPadRank = 6;

struct PadParams {
  int32_t rank = 0;
  int64_t in_dims[kMaxPadRank] = {};
  int64_t out_dims[kMaxPadRank] = {};
  int64_t before[kMaxPadRank] = {};  // leading padding per dim (trailing follows from the dims)
  float f32_value = 0.0f;            // value written into the padding, float
  int32_t quant_value = 0;           // value written into the padding, uint8 / int8
};

inline size_t pad_rows(const PadParams& p) {
  size_t rows = 1;
  for (int32_t d = 0; d + 1 < p.rank; ++d) rows *= static_cast<size_t>(p.out_dims[d]);
  return rows;
}

void f32_pad__ref(const PadParams& p, const float* input, float* output, size_t row_begin, size_t row_end);
void qu8_pad__ref(const PadParams& p, const uint8_t* input, uint8_t* output, size_t row_begin, size_t row_end);
void qs8_pad__ref(const PadParams& p, const int8_t* input, int8_t* output, size_t row_begin, size_t row_end);

}  // namespace edgerun::kernels
