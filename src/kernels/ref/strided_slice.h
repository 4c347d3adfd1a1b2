// Reference STRIDED_SLICE for any element size: output element o reads the
// input element base + sum_d o[d] * in_step[d].
//
// Rows are the output's leading dims flattened (all but the last; 1 row for a
// 1-D slice): a call writes output rows [row_begin, row_end).
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgerun::kernels {

constexpr size_t kMaxStridedSliceRank = 6;

struct StridedSliceParams {
  size_t rank = 0;           // the input's rank (shrunk dims are extent-1 dims here)
  size_t element_bytes = 0;
  int64_t extent[kMaxStridedSliceRank] = {};   // output extent along each input dim
  int64_t in_step[kMaxStridedSliceRank] = {};  // input elements between neighbours along each dim (step * stride)
  int64_t base = 0;                            // input element that output element 0 reads
};

inline size_t strided_slice_rows(const StridedSliceParams& p) {
  size_t rows = 1;
  for (size_t d = 0; d + 1 < p.rank; ++d) rows *= static_cast<size_t>(p.extent[d]);
  return rows;
}

void xx_strided_slice__ref(const StridedSliceParams& p, const void* input, void* output, size_t row_begin,
                           size_t row_end);

}  // namespace edgerun::kernels
