// Packing, sizes and the portable reference of the quantized conv GEMM
// (kernels/q8_gemm.h).
#include "kernels/q8_gemm.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/ref/output_stage.h"

namespace edgerun::kernels {

void q8_gemm_init(Q8GemmParams* p) {
  const ConvParams& c = p->conv;
  p->depth = static_cast<size_t>(c.filter_h) * static_cast<size_t>(c.filter_w) * static_cast<size_t>(c.in_c);
  p->pairs = p->layout == Q8GemmLayout::kPairs ? (p->depth + 1) / 2 : (p->depth + 3) / 4;
  p->blocks = (static_cast<size_t>(c.out_c) + kQ8GemmBlock - 1) / kQ8GemmBlock;
  p->pointwise = c.filter_h == 1 && c.filter_w == 1 && c.stride_h == 1 && c.stride_w == 1 && c.pad_top == 0 &&
                 c.pad_left == 0 && c.out_h == c.in_h && c.out_w == c.in_w;
}

namespace {
// Bytes of one depth step of a packed block.
size_t step_bytes(const Q8GemmParams& p) { return p.layout == Q8GemmLayout::kPairs ? 32 : 64; }
}  // namespace

size_t q8_gemm_packed_bytes(const Q8GemmParams& p) { return p.blocks * (kQ8GemmBlock * 4 + p.pairs * step_bytes(p)); }

size_t q8_gemm_panel_rows(const Q8GemmParams& p) {
  // About 32 KiB of input per panel (4 bytes per row per depth step in both
  // layouts), so it stays in L1 while every channel block of the weights
  // streams past it; a multiple of the tile height (6 rows kPairs, 8 kQuads).
  const size_t tile = p.layout == Q8GemmLayout::kPairs ? 6 : 8;
  const size_t rows = 32768 / (4 * std::max<size_t>(p.pairs, 1));
  return std::clamp<size_t>(rows / tile * tile, tile, 16 * tile);
}

size_t q8_gemm_scratch_bytes(const Q8GemmParams& p) {
  const size_t rows = q8_gemm_panel_rows(p);
  return rows * p.pairs * 4 + rows * 4 + 64;
}

int32_t q8_gemm_row_factor(const Q8GemmParams& p, bool is_uint8) {
  const bool shifted = p.layout == Q8GemmLayout::kQuads && is_uint8;
  return static_cast<int32_t>(static_cast<uint32_t>(p.conv.filter_offset) + (shifted ? 128u : 0u));
}

namespace {

template <typename T>
void pack_weights(const Q8GemmParams& p, const T* filter, const int32_t* bias, uint8_t* packed) {
  constexpr bool kUint8 = std::is_same_v<T, uint8_t>;
  const bool quads = p.layout == Q8GemmLayout::kQuads;
  const int64_t io = p.conv.input_offset, wo = p.conv.filter_offset;
  const size_t out_c = static_cast<size_t>(p.conv.out_c);
  const size_t block_bytes = kQ8GemmBlock * 4 + p.pairs * step_bytes(p);
  std::memset(packed, 0, q8_gemm_packed_bytes(p));
  for (size_t b = 0; b < p.blocks; ++b) {
    uint8_t* blk = packed + b * block_bytes;
    uint8_t* steps = blk + kQ8GemmBlock * 4;
    for (size_t j = 0; j < kQ8GemmBlock; ++j) {
      const size_t oc = b * kQ8GemmBlock + j;
      if (oc >= out_c) break;
      const T* w = filter + oc * p.depth;
      // All of bias' is modulo 2^32 (as TFLite's int32 accumulator), so 32-bit
      // unsigned sums suffice and vectorize.
      uint32_t sum = 0;
      for (size_t k = 0; k < p.depth; ++k) sum += static_cast<uint32_t>(static_cast<int32_t>(w[k]));
      uint32_t folded32 = static_cast<uint32_t>(bias != nullptr ? bias[oc] : 0) + static_cast<uint32_t>(io) * sum +
                          static_cast<uint32_t>(p.depth) * static_cast<uint32_t>(io * wo);
      if (quads && !kUint8) folded32 -= 128u * sum;  // the panel holds x + 128
      const auto folded = static_cast<int32_t>(folded32);
      std::memcpy(blk + j * 4, &folded, 4);
      // Tight loops without divisions: packing is most of Model::load.
      const auto* wb = reinterpret_cast<const uint8_t*>(w);
      if (quads) {
        // uint8 w - 128 as int8 is w ^ 0x80.
        const uint8_t flip = kUint8 ? 0x80 : 0x00;
        uint8_t* dst = steps + j * 4;
        for (size_t k = 0; k < p.depth; k += 4, dst += 64) {
          const size_t n = std::min<size_t>(4, p.depth - k);
          for (size_t t = 0; t < n; ++t) dst[t] = wb[k + t] ^ flip;
        }
      } else {
        uint8_t* dst = steps + (j / 8) * 16 + (j % 8) * 2;
        for (size_t k = 0; k < p.depth; k += 2, dst += 32) {
          dst[0] = wb[k];
          if (k + 1 < p.depth) dst[1] = wb[k + 1];
        }
      }
    }
  }
}

// The 8-bit input value of depth index k of output pixel `px` (the im2col
// matrix), the zero point for out-of-image taps.
template <typename T>
int32_t im2col(const Q8GemmParams& p, const T* input, size_t px, size_t k) {
  const ConvParams& c = p.conv;
  const size_t ow = static_cast<size_t>(c.out_w), oh = static_cast<size_t>(c.out_h);
  const size_t b = px / (oh * ow), oy = px / ow % oh, ox = px % ow;
  const size_t ic = k % static_cast<size_t>(c.in_c), tap = k / static_cast<size_t>(c.in_c);
  const int64_t fy = static_cast<int64_t>(tap / static_cast<size_t>(c.filter_w));
  const int64_t fx = static_cast<int64_t>(tap % static_cast<size_t>(c.filter_w));
  const int64_t iy = static_cast<int64_t>(oy) * c.stride_h - c.pad_top + fy * c.dilation_h;
  const int64_t ix = static_cast<int64_t>(ox) * c.stride_w - c.pad_left + fx * c.dilation_w;
  if (iy < 0 || iy >= c.in_h || ix < 0 || ix >= c.in_w) return -c.input_offset;
  return input[((b * static_cast<size_t>(c.in_h) + static_cast<size_t>(iy)) * static_cast<size_t>(c.in_w) +
                static_cast<size_t>(ix)) * static_cast<size_t>(c.in_c) + ic];
}

template <typename T>
void conv_gemm_ref(const Q8GemmParams& p, const T* input, T* output, size_t pixel_begin, size_t pixel_end,
                   size_t block_begin, size_t block_end, void* scratch) {
  // The reference widens the same panel the fast kernels do, so it exercises
  // the scratch contract too.
  const size_t rows = q8_gemm_panel_rows(p);
  auto* panel = static_cast<int16_t*>(scratch);
  auto* row_sums = reinterpret_cast<int32_t*>(panel + rows * p.pairs * 2);
  const size_t block_bytes = kQ8GemmBlock * 4 + p.pairs * 32;
  const size_t out_c = static_cast<size_t>(p.conv.out_c);
  for (size_t m0 = pixel_begin; m0 < pixel_end; m0 += rows) {
    const size_t m = std::min(rows, pixel_end - m0);
    for (size_t r = 0; r < m; ++r) {
      int32_t sum = 0;
      for (size_t k = 0; k < p.pairs * 2; ++k) {
        const int32_t x = k < p.depth ? im2col(p, input, m0 + r, k) : 0;
        panel[r * p.pairs * 2 + k] = static_cast<int16_t>(x);
        sum += x;
      }
      row_sums[r] = sum;
    }
    for (size_t b = block_begin; b < block_end; ++b) {
      const uint8_t* blk = p.packed + b * block_bytes;
      for (size_t r = 0; r < m; ++r) {
        for (size_t j = 0; j < kQ8GemmBlock; ++j) {
          const size_t oc = b * kQ8GemmBlock + j;
          if (oc >= out_c) break;
          int32_t acc;
          std::memcpy(&acc, blk + j * 4, 4);
          int64_t dot = static_cast<int64_t>(p.conv.filter_offset) * row_sums[r];
          for (size_t k = 0; k < p.pairs * 2; ++k) {
            T w;
            std::memcpy(&w, blk + kQ8GemmBlock * 4 + (k / 2) * 32 + (j / 8) * 16 + (j % 8) * 2 + k % 2, 1);
            dot += static_cast<int64_t>(panel[r * p.pairs * 2 + k]) * w;
          }
          const int32_t q = p.scale != nullptr
                                ? output_stage_f32(dot, &acc, 0, p.scale[oc], p.conv.output_offset, p.conv.act_min,
                                                   p.conv.act_max)
                                : output_stage(dot, &acc, 0, p.multiplier[oc], p.shift[oc], p.conv.output_offset,
                                               p.conv.act_min, p.conv.act_max);
          output[(m0 + r) * out_c + oc] = static_cast<T>(q);
        }
      }
    }
  }
}

}  // namespace

void qu8_gemm_pack_weights(const Q8GemmParams& p, const uint8_t* filter, const int32_t* bias, uint8_t* packed) {
  pack_weights(p, filter, bias, packed);
}
void qs8_gemm_pack_weights(const Q8GemmParams& p, const int8_t* filter, const int32_t* bias, uint8_t* packed) {
  pack_weights(p, filter, bias, packed);
}

void qu8_conv_gemm__ref(const Q8GemmParams& p, const uint8_t* input, uint8_t* output, size_t pixel_begin,
                        size_t pixel_end, size_t block_begin, size_t block_end, void* scratch) {
  conv_gemm_ref(p, input, output, pixel_begin, pixel_end, block_begin, block_end, scratch);
}
void qs8_conv_gemm__ref(const Q8GemmParams& p, const int8_t* input, int8_t* output, size_t pixel_begin,
                        size_t pixel_end, size_t block_begin, size_t block_end, void* scratch) {
  conv_gemm_ref(p, input, output, pixel_begin, pixel_end, block_begin, block_end, scratch);
}

}  // namespace edgerun::kernels
