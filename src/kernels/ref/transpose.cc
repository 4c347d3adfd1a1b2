#include "kernels/ref/transpose.h"

#include <algorithm>
#include <cstring>

namespace edgerun::kernels {

void xx_transpose__ref(const TransposeParams& p, const void* input, void* output, size_t begin, size_t end) {
  const auto* in = static_cast<const uint8_t*>(input);
  auto* out = static_cast<uint8_t*>(output);
  const size_t eb = p.element_bytes;
  for (size_t o = begin; o < end; ++o) {
    size_t rest = o;
    int64_t src = 0;
    for (size_t d = p.rank; d-- > 0;) {
      const auto extent = static_cast<size_t>(p.out_shape[d]);
      src += static_cast<int64_t>(rest % extent) * p.in_stride[d];
      rest /= extent;
    }
    std::memcpy(out + o * eb, in + static_cast<size_t>(src) * eb, eb);
  }
}

namespace {

template <typename T>
void walk_rows(const TransposeParams& p, const uint8_t* in, uint8_t* out, size_t begin, size_t end) {
  if (begin >= end) return;
  const size_t rank = p.rank;
  int64_t coord[kMaxTransposeRank] = {};
  int64_t src = 0;
  size_t rest = begin;
  for (size_t d = rank; d-- > 0;) {
    coord[d] = static_cast<int64_t>(rest % static_cast<size_t>(p.out_shape[d]));
    rest /= static_cast<size_t>(p.out_shape[d]);
    src += coord[d] * p.in_stride[d];
  }
  const size_t last = rank - 1;
  const int64_t inner = p.out_shape[last], step = p.in_stride[last];
  const auto* x = reinterpret_cast<const T*>(in);
  T* y = reinterpret_cast<T*>(out) + begin;
  size_t o = begin;
  while (o < end) {
    // The rest of this output row: a constant input stride.
    const auto n = static_cast<size_t>(std::min<int64_t>(inner - coord[last], static_cast<int64_t>(end - o)));
    for (size_t i = 0; i < n; ++i) y[i] = x[src + static_cast<int64_t>(i) * step];
    y += n;
    o += n;
    src += static_cast<int64_t>(n) * step;
    coord[last] += static_cast<int64_t>(n);
    // Carry into the outer dims.
    for (size_t d = last; d > 0 && coord[d] == p.out_shape[d]; --d) {
      src -= coord[d] * p.in_stride[d];
      coord[d] = 0;
      ++coord[d - 1];
      src += p.in_stride[d - 1];
    }
  }
}

// Input offset (in elements) of output element o.
int64_t source_of(const TransposeParams& p, size_t o) {
  int64_t src = 0;
  for (size_t d = p.rank; d-- > 0;) {
    const auto extent = static_cast<size_t>(p.out_shape[d]);
    src += static_cast<int64_t>(o % extent) * p.in_stride[d];
    o /= extent;
  }
  return src;
}

// Interleaving a few planes (NCHW -> NHWC of an RGB input): the output's
// innermost dim is short and the dim outside it is contiguous in the input.
// Row by row of the output's last two dims, a tile [a, b] goes plane by plane:
// sequential reads, short-stride writes, instead of a carry every b elements.
// Partial tiles at the ends of [begin, end) take walk_rows.
template <typename T>
void walk(const TransposeParams& p, const uint8_t* in, uint8_t* out, size_t begin, size_t end) {
  const size_t last = p.rank - 1;
  if (p.rank < 2 || p.out_shape[last] > 4 || p.in_stride[last - 1] != 1) {
    walk_rows<T>(p, in, out, begin, end);
    return;
  }
  const auto rows = static_cast<size_t>(p.out_shape[last - 1]), planes = static_cast<size_t>(p.out_shape[last]);
  const size_t tile = rows * planes;
  const size_t t0 = (begin + tile - 1) / tile, t1 = end / tile;
  if (t0 >= t1) {
    walk_rows<T>(p, in, out, begin, end);
    return;
  }
  walk_rows<T>(p, in, out, begin, t0 * tile);
  const auto* x = reinterpret_cast<const T*>(in);
  T* y = reinterpret_cast<T*>(out);
  const int64_t plane_step = p.in_stride[last];
  for (size_t t = t0; t < t1; ++t) {
    const int64_t src = source_of(p, t * tile);
    for (size_t b = 0; b < planes; ++b) {
      const T* xs = x + src + static_cast<int64_t>(b) * plane_step;
      T* yd = y + t * tile + b;
      for (size_t a = 0; a < rows; ++a) yd[a * planes] = xs[a];
    }
  }
  walk_rows<T>(p, in, out, t1 * tile, end);
}

}  // namespace

void xx_transpose__walk(const TransposeParams& p, const void* input, void* output, size_t begin, size_t end) {
  const auto* in = static_cast<const uint8_t*>(input);
  auto* out = static_cast<uint8_t*>(output);
  switch (p.element_bytes) {
    case 1: walk<uint8_t>(p, in, out, begin, end); break;
    case 2: walk<uint16_t>(p, in, out, begin, end); break;
    case 4: walk<uint32_t>(p, in, out, begin, end); break;
    case 8: walk<uint64_t>(p, in, out, begin, end); break;
    default: xx_transpose__ref(p, input, output, begin, end); break;
  }
}

}  // namespace edgerun::kernels
