// Reference PAD for any element size and any padding mode, rank up to
// kMaxPadRank. The mode is compiled into one index map per dim (prepare's
// job): output coordinate o along dim d reads input coordinate map[d][o], or
// the constant `value` where the map holds -1.
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
  size_t element_bytes = 0;
  int64_t in_dims[kMaxPadRank] = {};
  int64_t out_dims[kMaxPadRank] = {};
  const int32_t* map[kMaxPadRank] = {};  // out_dims[d] input coordinates (or -1) per dim
  // Output positions [run_begin, run_end) of the last dim read consecutive
  // input elements (map[last][run_begin] onwards): copied in one go.
  int64_t run_begin = 0, run_end = 0;
  uint8_t value[8] = {};  // the constant, as element_bytes bytes
};

inline size_t pad_rows(const PadParams& p) {
  size_t rows = 1;
  for (int32_t d = 0; d + 1 < p.rank; ++d) rows *= static_cast<size_t>(p.out_dims[d]);
  return rows;
}

void xx_pad__ref(const PadParams& p, const void* input, void* output, size_t row_begin, size_t row_end);

}  // namespace edgerun::kernels
