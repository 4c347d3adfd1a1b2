// qu8_conv_gemm__avx512vnni / qs8_conv_gemm__avx512vnni: the quantized conv
// GEMM of kernels/q8_gemm.h (layout kQuads) with AVX-512 VNNI. Compiled with
// -mavx512f -mavx512bw -mavx512vl -mavx512vnni (cmake/EdgerunKernels.cmake);
// reached only through the dispatch table after CPU detection found them.
//
// Panel: up to q8_gemm_panel_rows() output pixels as uint8 (x for uint8
// models, x + 128 for int8), each row the pixel's K inputs (1x1: its input row;
// otherwise the filter taps in order, the zero point for out-of-image taps),
// zero-padded to a multiple of 4, with the row sum of the raw inputs. Tails
// are masked loads (never touching bytes past the input); a window wholly in
// the image with short filter rows (the first conv's 3x3x3) is one masked
// load and store per filter row.
// Micro-kernel: 8 pixels x 32 channels (two consecutive 16-channel blocks;
// one block for an odd last one), one zmm accumulator per pixel and block,
// started at the block's bias'. Per depth quad, one 64-byte weight load per
// block (16 channels x 4 int8) and per pixel a 4-byte broadcast feeding two
// vpdpbusd (uint8 x int8 products summed exactly into the int32 lanes,
// wrapping, no saturation). Epilogue: + row factor * row sum, then TFLite's
// output stage as one 64-bit add, conditional subtract and shift per lane
// (requantize16_q31, q8-avx512-common.h), exact, with the output offset
// folded into the add where no multiplier shifts left or right by more than
// 22 (else added after), the activation clamp (skipped when the saturating
// conversion to int8 already gives the range), and a masked store of the
// out_c tail. With float scales (ONNX Runtime's output stage) the epilogue
// is instead: to float, times the scale, clamp, round half to even, + offset.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/q8_gemm.h"
#include "kernels/x86/q8-avx512-common.h"

namespace edgerun::kernels {
namespace {

// acc += dot4(x as uint8, w as int8) per int32 lane, in place. Inline asm
// because GCC 12 copies every accumulator through a second register per
// iteration around the intrinsic (its tied-operand allocation), doubling the
// loop's instructions.
inline void dpbusd(__m512i& acc, __m512i x, __m512i w) { asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w)); }

// The byte the panel holds for input value v.
template <typename T>
inline uint8_t stored(int32_t v) {
  return static_cast<uint8_t>(std::is_same_v<T, int8_t> ? v + 128 : v);
}

// The first n bytes of a 64-byte vector, n <= 64.
inline __mmask64 byte_mask(size_t n) { return n >= 64 ? ~__mmask64{0} : (__mmask64{1} << n) - 1; }

// Copies n inputs into the panel (int8: + 128) and, when the row sum is
// needed (a nonzero row factor), adds them to the 64-bit lanes of sum
// (vpsadbw against zero sums the stored bytes). Masked loads and stores: small
// runs (a 1x1 row, a 3-channel filter row) are one load and one store, with no
// library call.
template <typename T>
inline void copy_run(const T* src, size_t n, uint8_t* dst, __m512i& sum, bool with_sum) {
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (size_t i = 0; i < n; i += 64) {
    const __mmask64 m = byte_mask(n - i);
    __m512i v = _mm512_maskz_loadu_epi8(m, src + i);
    if constexpr (std::is_same_v<T, int8_t>) v = _mm512_maskz_mov_epi8(m, _mm512_xor_si512(v, flip));
    _mm512_mask_storeu_epi8(dst + i, m, v);
    if (with_sum) sum = _mm512_add_epi64(sum, _mm512_sad_epu8(v, _mm512_setzero_si512()));
  }
}

// n copies of byte b.
inline void fill_run(uint8_t* dst, size_t n, uint8_t b) {
  const __m512i v = _mm512_set1_epi8(static_cast<char>(b));
  for (size_t i = 0; i < n; i += 64) _mm512_mask_storeu_epi8(dst + i, byte_mask(n - i), v);
}

// The first input of pixel pos's window when the window (dilation 1 across,
// any down) lies entirely inside the image, else null.
template <typename T>
inline const T* window_inside(const ConvParams& c, const T* input, const PixelPos& pos) {
  const int64_t ix0 = static_cast<int64_t>(pos.ox) * c.stride_w - c.pad_left;
  const int64_t iy0 = static_cast<int64_t>(pos.oy) * c.stride_h - c.pad_top;
  if (c.dilation_w != 1 || ix0 < 0 || iy0 < 0 || ix0 + c.filter_w > c.in_w ||
      iy0 + static_cast<int64_t>(c.filter_h - 1) * c.dilation_h >= c.in_h) {
    return nullptr;
  }
  return input + ((pos.b * static_cast<size_t>(c.in_h) + static_cast<size_t>(iy0)) * static_cast<size_t>(c.in_w) +
                  static_cast<size_t>(ix0)) *
                     static_cast<size_t>(c.in_c);
}

// The im2col part of pack_row: out of line, so that the 1x1 path's loop keeps
// its own register allocation (inlined, it made 1x1 convs 5-20% slower).
template <typename T>
__attribute__((noinline)) void pack_window(const ConvParams& c, const T* input, const PixelPos& pos, uint8_t* row,
                                           __m512i& sum, int64_t& fill_sum, bool with_sum) {
  if (const T* src = window_inside(c, input, pos); src != nullptr && c.filter_w * c.in_c <= 64) {
    // The whole window in the image, each filter row one short run (the
    // first conv's 3x3x3): one masked load and store per filter row.
    const size_t run = static_cast<size_t>(c.filter_w) * static_cast<size_t>(c.in_c);
    const size_t line = static_cast<size_t>(c.dilation_h) * static_cast<size_t>(c.in_w) * static_cast<size_t>(c.in_c);
    const __mmask64 m = byte_mask(run);
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    for (int32_t fy = 0; fy < c.filter_h; ++fy, src += line, row += run) {
      __m512i v = _mm512_maskz_loadu_epi8(m, src);
      if constexpr (std::is_same_v<T, int8_t>) v = _mm512_maskz_mov_epi8(m, _mm512_xor_si512(v, flip));
      _mm512_mask_storeu_epi8(row, m, v);
      if (with_sum) sum = _mm512_add_epi64(sum, _mm512_sad_epu8(v, _mm512_setzero_si512()));
    }
    return;
  }
  const size_t in_c = static_cast<size_t>(c.in_c);
  const size_t b = pos.b, oy = pos.oy, ox = pos.ox;
  const uint8_t zero_point = stored<T>(-c.input_offset);
  const int64_t ix0 = static_cast<int64_t>(ox) * c.stride_w - c.pad_left;
  // With dilation 1 and the whole filter row inside the image, a filter row
  // is one contiguous run of filter_w * in_c inputs.
  const bool row_inside = c.dilation_w == 1 && ix0 >= 0 && ix0 + c.filter_w <= static_cast<int64_t>(c.in_w);
  uint8_t* dst = row;
  for (int32_t fy = 0; fy < c.filter_h; ++fy) {
    const int64_t iy = static_cast<int64_t>(oy) * c.stride_h - c.pad_top + static_cast<int64_t>(fy) * c.dilation_h;
    const T* line = input + (b * static_cast<size_t>(c.in_h) + static_cast<size_t>(std::max<int64_t>(iy, 0))) *
                                static_cast<size_t>(c.in_w) * in_c;
    if (row_inside && iy >= 0 && iy < c.in_h) {
      const size_t run = static_cast<size_t>(c.filter_w) * in_c;
      copy_run(line + static_cast<size_t>(ix0) * in_c, run, dst, sum, with_sum);
      dst += run;
      continue;
    }
    for (int32_t fx = 0; fx < c.filter_w; ++fx, dst += in_c) {
      const int64_t ix = ix0 + static_cast<int64_t>(fx) * c.dilation_w;
      if (iy < 0 || iy >= c.in_h || ix < 0 || ix >= c.in_w) {
        fill_run(dst, in_c, zero_point);
        fill_sum += static_cast<int64_t>(zero_point) * static_cast<int64_t>(in_c);
      } else {
        copy_run(line + static_cast<size_t>(ix) * in_c, in_c, dst, sum, with_sum);
      }
    }
  }
}

// Row r of the panel: output pixel px's K inputs as stored bytes, zero-padded
// to the quad; with_sum: *row_sum gets the sum of the raw inputs.
template <typename T>
void pack_row(const Q8GemmParams& p, const T* input, size_t px, const PixelPos& pos, uint8_t* row, int32_t* row_sum,
              bool with_sum) {
  __m512i sum = _mm512_setzero_si512();
  int64_t fill_sum = 0;  // stored bytes of out-of-image taps
  if (p.pointwise) {
    copy_run(input + px * p.depth, p.depth, row, sum, with_sum);
  } else {
    pack_window(p.conv, input, pos, row, sum, fill_sum, with_sum);
  }
  if (p.pairs * 4 > p.depth) fill_run(row + p.depth, p.pairs * 4 - p.depth, 0);
  if (!with_sum) return;
  int64_t total = _mm512_reduce_add_epi64(sum) + fill_sum;
  if constexpr (std::is_same_v<T, int8_t>) total -= 128 * static_cast<int64_t>(p.depth);
  *row_sum = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(total)));
}

// The output stage of a channel block: kFolded / kGeneral are TFLite's (the
// output offset folded into the rounding constant, or added after a left
// shift); kF32 is ONNX Runtime's.
enum class Stage { kFolded, kGeneral, kF32 };
struct alignas(64) Stage16 {
  Q31Requant16 q31;
  float scale[16];
  void set_scales(const float* s, size_t n) {
    std::memset(scale, 0, sizeof(scale));
    std::memcpy(scale, s, n * sizeof(float));
  }
};

// Whether the output stage must clamp to the activation range, or the
// saturating conversion to 8 bits already gives it (int8 outputs of the full
// range: ReLU6 of a TFLite int8 model usually is).
template <typename T>
inline bool needs_clamp(const ConvParams& c) {
  if constexpr (std::is_same_v<T, int8_t>) return c.act_min > -128 || c.act_max < 127;
  return true;
}

// Output stage of one accumulator row: + row factor * row sum (uint8 models),
// requantization, + output offset, clamp, 8-bit store.
template <typename T, Stage kStage, bool kClamp>
inline void store_row(const Q8GemmParams& p, int32_t row_factor, const int32_t* row_sum, __m512i v,
                      const Stage16& st, __mmask16 store_mask, T* out) {
  if (row_factor != 0) {
    v = _mm512_add_epi32(v, _mm512_set1_epi32(static_cast<int32_t>(static_cast<uint32_t>(row_factor) *
                                                                   static_cast<uint32_t>(*row_sum))));
  }
  __m512i q;
  if constexpr (kStage == Stage::kF32) {
    // Clamped in float first (the bounds are integers, so it equals clamping
    // after rounding), which also keeps the conversion in int32 range.
    __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(v), _mm512_load_ps(st.scale));
    f = _mm512_max_ps(f, _mm512_set1_ps(static_cast<float>(p.conv.act_min - p.conv.output_offset)));
    f = _mm512_min_ps(f, _mm512_set1_ps(static_cast<float>(p.conv.act_max - p.conv.output_offset)));
    q = _mm512_add_epi32(_mm512_cvtps_epi32(f), _mm512_set1_epi32(p.conv.output_offset));
  } else {
    q = requantize16_q31<kStage == Stage::kGeneral>(st.q31, v);
    if constexpr (kStage == Stage::kGeneral) q = _mm512_add_epi32(q, _mm512_set1_epi32(p.conv.output_offset));
    if constexpr (kClamp) {
      q = _mm512_min_epi32(_mm512_max_epi32(q, _mm512_set1_epi32(p.conv.act_min)),
                           _mm512_set1_epi32(p.conv.act_max));
    }
  }
  const __m128i bytes = std::is_same_v<T, uint8_t> ? _mm512_cvtusepi32_epi8(q) : _mm512_cvtsepi32_epi8(q);
  _mm_mask_storeu_epi8(out, store_mask, bytes);
}

// MR panel rows x NB blocks of 16 channels (NB = 2: the weight quads of two
// consecutive blocks, so each broadcast input quad feeds two vpdpbusd).
// Accumulators start at the blocks' bias'.
template <typename T, int MR, int NB, Stage kStage, bool kClamp>
inline void tile(const Q8GemmParams& p, int32_t row_factor, const uint8_t* a, const int32_t* row_sums,
                 const uint8_t* block, size_t block_bytes, const Stage16* rq, __mmask16 last_mask, T* out,
                 size_t out_stride) {
  const size_t stride = p.pairs * 4;
  // Named accumulators, not an array: GCC shuffles an indexed array of
  // vpdpbusd accumulators through extra register moves.
  const __m512i bias0 = _mm512_loadu_si512(block);
  const __m512i bias1 = NB > 1 ? _mm512_loadu_si512(block + block_bytes) : bias0;
  __m512i c0 = bias0, c1 = bias0, c2 = bias0, c3 = bias0, c4 = bias0, c5 = bias0, c6 = bias0, c7 = bias0;
  __m512i d0 = bias1, d1 = bias1, d2 = bias1, d3 = bias1, d4 = bias1, d5 = bias1, d6 = bias1, d7 = bias1;
  const uint8_t* a0 = a;
  const uint8_t* a1 = a0 + (MR > 1 ? stride : 0);
  const uint8_t* a2 = a1 + (MR > 2 ? stride : 0);
  const uint8_t* a3 = a2 + (MR > 3 ? stride : 0);
  const uint8_t* a4 = a3 + (MR > 4 ? stride : 0);
  const uint8_t* a5 = a4 + (MR > 5 ? stride : 0);
  const uint8_t* a6 = a5 + (MR > 6 ? stride : 0);
  const uint8_t* a7 = a6 + (MR > 7 ? stride : 0);
  const uint8_t* w = block + kQ8GemmBlock * 4;
  for (size_t q = 0; q < stride; q += 4, w += 64) {
    const __m512i wv = _mm512_loadu_si512(w);
    const __m512i wv1 = NB > 1 ? _mm512_loadu_si512(w + block_bytes) : wv;
#define EDGERUN_ROW(R)                           \
  if constexpr (MR > R) {                        \
    int32_t x;                                   \
    std::memcpy(&x, a##R + q, 4);                \
    const __m512i xv = _mm512_set1_epi32(x);     \
    dpbusd(c##R, xv, wv);                        \
    if constexpr (NB > 1) dpbusd(d##R, xv, wv1); \
  }
    EDGERUN_ROW(0)
    EDGERUN_ROW(1)
    EDGERUN_ROW(2)
    EDGERUN_ROW(3)
    EDGERUN_ROW(4)
    EDGERUN_ROW(5)
    EDGERUN_ROW(6)
    EDGERUN_ROW(7)
#undef EDGERUN_ROW
  }
  const __m512i acc[8] = {c0, c1, c2, c3, c4, c5, c6, c7};
  const __m512i acc1[8] = {d0, d1, d2, d3, d4, d5, d6, d7};
  const __mmask16 mask0 = NB > 1 ? __mmask16{0xFFFF} : last_mask;
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    store_row<T, kStage, kClamp>(p, row_factor, row_sums + r, acc[r], rq[0], mask0, out + r * out_stride);
    if constexpr (NB > 1) {
      store_row<T, kStage, kClamp>(p, row_factor, row_sums + r, acc1[r], rq[1], last_mask,
                                     out + r * out_stride + kQ8GemmBlock);
    }
  }
}

// The m panel rows against NB channel blocks: 8-row tiles, then the tail
// (one block at a time).
template <typename T, int NB, Stage kStage, bool kClamp>
void block_rows(const Q8GemmParams& p, int32_t row_factor, const uint8_t* panel, size_t stride, const int32_t* row_sums,
                size_t m, const uint8_t* block, size_t block_bytes, const Stage16* rq, __mmask16 last_mask, T* out,
                size_t out_c) {
  size_t r = 0;
  for (; r + 8 <= m; r += 8) {
    tile<T, 8, NB, kStage, kClamp>(p, row_factor, panel + r * stride, row_sums + r, block, block_bytes, rq, last_mask,
                                     out + r * out_c, out_c);
  }
  if (r == m) return;
  for (int b = 0; b < NB; ++b) {
    const uint8_t* ar = panel + r * stride;
    const uint8_t* bl = block + static_cast<size_t>(b) * block_bytes;
    const __mmask16 mask = b + 1 < NB ? __mmask16{0xFFFF} : last_mask;
    T* o = out + r * out_c + static_cast<size_t>(b) * kQ8GemmBlock;
    const int32_t* rs = row_sums + r;
    const Stage16* q = rq + b;
    switch (m - r) {
      case 7:
        tile<T, 7, 1, kStage, kClamp>(p, row_factor, ar, rs, bl, block_bytes, q, mask, o, out_c);
        break;
      case 6:
        tile<T, 6, 1, kStage, kClamp>(p, row_factor, ar, rs, bl, block_bytes, q, mask, o, out_c);
        break;
      case 5:
        tile<T, 5, 1, kStage, kClamp>(p, row_factor, ar, rs, bl, block_bytes, q, mask, o, out_c);
        break;
      case 4:
        tile<T, 4, 1, kStage, kClamp>(p, row_factor, ar, rs, bl, block_bytes, q, mask, o, out_c);
        break;
      case 3:
        tile<T, 3, 1, kStage, kClamp>(p, row_factor, ar, rs, bl, block_bytes, q, mask, o, out_c);
        break;
      case 2:
        tile<T, 2, 1, kStage, kClamp>(p, row_factor, ar, rs, bl, block_bytes, q, mask, o, out_c);
        break;
      case 1:
        tile<T, 1, 1, kStage, kClamp>(p, row_factor, ar, rs, bl, block_bytes, q, mask, o, out_c);
        break;
      default:
        break;
    }
  }
}

template <typename T, int NB, Stage kStage>
void block_rows_clamp(bool clamp, const Q8GemmParams& p, int32_t row_factor, const uint8_t* panel, size_t stride,
                      const int32_t* row_sums, size_t m, const uint8_t* block, size_t block_bytes,
                      const Stage16* rq, __mmask16 last_mask, T* out, size_t out_c) {
  if (clamp) {
    block_rows<T, NB, kStage, true>(p, row_factor, panel, stride, row_sums, m, block, block_bytes, rq, last_mask, out,
                                      out_c);
  } else {
    block_rows<T, NB, kStage, false>(p, row_factor, panel, stride, row_sums, m, block, block_bytes, rq, last_mask,
                                       out, out_c);
  }
}

template <typename T>
void conv_gemm(const Q8GemmParams& p, const T* input, T* output, size_t pixel_begin, size_t pixel_end,
               size_t block_begin, size_t block_end, void* scratch) {
  const size_t rows = q8_gemm_panel_rows(p);
  const size_t stride = p.pairs * 4;
  auto* panel = static_cast<uint8_t*>(scratch);
  auto* row_sums = reinterpret_cast<int32_t*>(panel + rows * stride);
  const size_t block_bytes = kQ8GemmBlock * 4 + p.pairs * 64;
  const size_t out_c = static_cast<size_t>(p.conv.out_c);
  const int32_t row_factor = q8_gemm_row_factor(p, std::is_same_v<T, uint8_t>);
  const bool clamp = needs_clamp<T>(p.conv);
  for (size_t m0 = pixel_begin; m0 < pixel_end; m0 += rows) {
    const size_t m = std::min(rows, pixel_end - m0);
    PixelPos pos = pixel_pos(p.conv, m0);
    for (size_t r = 0; r < m; ++r, next_pixel(p.conv, pos)) {
      pack_row(p, input, m0 + r, pos, panel + r * stride, &row_sums[r], row_factor != 0);
    }
    for (size_t b = block_begin; b < block_end;) {
      const size_t nb = b + 1 < block_end ? 2 : 1;
      const uint8_t* block = p.packed + b * block_bytes;
      const size_t oc0 = b * kQ8GemmBlock;
      const size_t nc = std::min(nb * kQ8GemmBlock, out_c - oc0) - (nb - 1) * kQ8GemmBlock;
      const __mmask16 last_mask = static_cast<__mmask16>((1u << nc) - 1);
      // The blocks' output-stage constants, once per panel and block.
      // kGeneral: some channel's multiplier is >= 1 (a left shift first) or
      // its right shift too large to fold the output offset into the
      // rounding constant; otherwise (every MobileNet layer) it is folded.
      Stage stage = p.scale != nullptr ? Stage::kF32 : Stage::kFolded;
      Stage16 rq[2];
      if (stage == Stage::kF32) {
        for (size_t j = 0; j < nb; ++j) rq[j].set_scales(p.scale + oc0 + 16 * j, 16);
      } else {
        for (size_t j = 0; j < nb * kQ8GemmBlock; ++j) {
          if (p.shift[oc0 + j] > 0 || p.shift[oc0 + j] < -kQ31MaxFoldedRightShift) stage = Stage::kGeneral;
        }
        for (size_t j = 0; j < nb * kQ8GemmBlock; ++j) {
          rq[j / 16].q31.set(static_cast<int>(j % 16), p.multiplier[oc0 + j], p.shift[oc0 + j],
                             stage == Stage::kGeneral ? 0 : p.conv.output_offset);
        }
      }
      T* out = output + m0 * out_c + oc0;
      auto run = [&](auto nb_tag, auto stage_tag) {
        block_rows_clamp<T, decltype(nb_tag)::value, decltype(stage_tag)::value>(
            clamp, p, row_factor, panel, stride, row_sums, m, block, block_bytes, rq, last_mask, out, out_c);
      };
      using F32 = std::integral_constant<Stage, Stage::kF32>;
      using General = std::integral_constant<Stage, Stage::kGeneral>;
      using Folded = std::integral_constant<Stage, Stage::kFolded>;
      using Two = std::integral_constant<int, 2>;
      using One = std::integral_constant<int, 1>;
      if (nb == 2) {
        if (stage == Stage::kF32) run(Two{}, F32{});
        else if (stage == Stage::kGeneral) run(Two{}, General{});
        else run(Two{}, Folded{});
      } else {
        if (stage == Stage::kF32) run(One{}, F32{});
        else if (stage == Stage::kGeneral) run(One{}, General{});
        else run(One{}, Folded{});
      }
      b += nb;
    }
  }
}

}  // namespace

void qu8_conv_gemm__avx512vnni(const Q8GemmParams& p, const uint8_t* input, uint8_t* output, size_t pixel_begin,
                               size_t pixel_end, size_t block_begin, size_t block_end, void* scratch) {
  conv_gemm(p, input, output, pixel_begin, pixel_end, block_begin, block_end, scratch);
}
void qs8_conv_gemm__avx512vnni(const Q8GemmParams& p, const int8_t* input, int8_t* output, size_t pixel_begin,
                               size_t pixel_end, size_t block_begin, size_t block_end, void* scratch) {
  conv_gemm(p, input, output, pixel_begin, pixel_end, block_begin, block_end, scratch);
}

}  // namespace edgerun::kernels
