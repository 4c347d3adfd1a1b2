// qu8_dwconv3x3__avx2 / qs8_dwconv3x3__avx2: quantized 3x3 depthwise
// convolution (depth_multiplier 1, any stride, dilation and padding) over
// weights packed once by qu8_dwconv3x3_pack__avx2 / qs8_dwconv3x3_pack__avx2,
// bit-exact with qu8_dwconv2d__ref / qs8_dwconv2d__ref (kernels/ref/conv.h).
// Called only through the dispatch table (kernels/dispatch.h) after CPU
// detection found AVX2.
//
// Packed layout: a Header (whether any channel shifts left), one Block per 16
// channels (the last zero-padded), then one zero-point row (the input zero
// point repeated over the padded channels).
// A Block holds the 9 taps' (filter + filter_offset) as int16, paired
// (see kPairTaps) and interleaved per channel so one vpmaddwd gives two taps
// of 8 channels; the 16 channels sit in two vectors, lanes
// {0..3, 8..11} and {4..7, 12..15}, which is what vpunpck{l,h}wd of two
// 16-channel input vectors produce, and what vpackssdw turns back into
// channels 0..15 in order without a lane permute. The bias, multipliers and
// shifts are stored in that lane order too.
//
// The input offset is folded into the bias: bias' = bias + input_offset *
// sum(w'), so the kernel multiplies raw inputs. A tap outside the image then
// must contribute input_offset * w' too, i.e. read the input zero point: such
// taps point at the zero-point row, which keeps the border path exact without
// a branch per tap. (All sums are exact mod 2^32, as TFLite's wrapping int32
// accumulator: each vpmaddwd term is at most 2 * 255 * 255 in magnitude.)
//
// Per output row and block of 16 channels: the interior pixels (every tap in
// the image) with stride 1 and dilation 1 slide along the row, widening each
// input column once for its three pixels; other strides and dilations go 4
// pixels at a time from fixed tap offsets, reusing each weight load for 4
// pixels; border pixels go one at a time through 9 tap pointers. The
// channel tail (< 16) loads and stores through stack copies, so nothing past a
// row end is read or written. The output stage is TFLite's
// MultiplyByQuantizedMultiplier with the shift split and the rounding masks
// precomputed at pack time; the left shift is compiled out when no channel has
// one (multipliers below 1, the usual case: about 8% faster). Pure: no
// allocation.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/dispatch.h"

namespace edgerun::kernels {
namespace {

constexpr int kTaps = 9;
constexpr int kPairs = (kTaps + 1) / 2;
// The taps (row-major, t = 3 * fy + fx) of each vpmaddwd pair: the left two
// columns row by row, then the right column's top two, then its bottom one
// alone (paired with itself, its partner weight zero). With stride 1 the
// left-column pairs of the next pixel are the current one's columns 1 and 2,
// which the sliding interior path keeps widened in registers.
constexpr int kPairTaps[kPairs][2] = {{0, 1}, {3, 4}, {6, 7}, {2, 5}, {8, 8}};

// Leads the packed data: whether any channel shifts left, so the common case
// (every multiplier below 1) skips the left shift.
struct alignas(32) Header {
  int32_t any_left_shift;
};

struct alignas(32) Block {
  // Lane order: [0] holds channels {0..3, 8..11}, [1] channels {4..7, 12..15}.
  int32_t bias[2][8];      // bias + input_offset * sum of the taps' (w + filter_offset)
  int32_t mult[2][8];      // Q31 multiplier
  int32_t mult_odd[2][8];  // multiplier of the odd lane in the even slot, for vpmuldq
  int32_t left[2][8];      // max(shift, 0)
  int32_t right[2][8];     // max(-shift, 0)
  int32_t mask[2][8];      // 2^right - 1
  int32_t half[2][8];      // mask >> 1
  int16_t w[kPairs][2][16];
};

inline size_t blocks_of(int32_t channels) { return (static_cast<size_t>(channels) + 15) / 16; }

// The channel (within its block of 16) in lane `i` of half `h`.
inline int lane_channel(int h, int i) { return (i < 4 ? i : i + 4) + 4 * h; }

template <typename T>
void pack(const ConvParams& p, const T* filter, const int32_t* bias, void* packed) {
  const int32_t C = p.out_c;
  Header* header = static_cast<Header*>(packed);
  Block* blocks = reinterpret_cast<Block*>(header + 1);
  const size_t nb = blocks_of(C);
  header->any_left_shift = 0;
  for (size_t bi = 0; bi < nb; ++bi) {
    Block& b = blocks[bi];
    std::memset(&b, 0, sizeof(Block));
    for (int h = 0; h < 2; ++h) {
      for (int i = 0; i < 8; ++i) {
        const int32_t c = static_cast<int32_t>(bi * 16) + lane_channel(h, i);
        if (c >= C) continue;
        uint32_t acc = bias != nullptr ? static_cast<uint32_t>(bias[c]) : 0u;
        for (int t = 0; t < kTaps; ++t) {
          const int32_t w = static_cast<int32_t>(filter[t * C + c]) + p.filter_offset;
          acc += static_cast<uint32_t>(w) * static_cast<uint32_t>(p.input_offset);
        }
        for (int j = 0; j < kPairs; ++j) {
          for (int e = 0; e < 2; ++e) {
            const int t = kPairTaps[j][e];
            const bool partner_of_self = e == 1 && kPairTaps[j][0] == t;
            b.w[j][h][2 * i + e] =
                partner_of_self ? 0 : static_cast<int16_t>(static_cast<int32_t>(filter[t * C + c]) + p.filter_offset);
          }
        }
        const int32_t shift = p.shift[c];
        const int32_t right = std::max(-shift, 0);
        b.bias[h][i] = static_cast<int32_t>(acc);
        b.mult[h][i] = p.multiplier[c];
        b.left[h][i] = std::max(shift, 0);
        if (shift > 0) header->any_left_shift = 1;
        b.right[h][i] = right;
        b.mask[h][i] = static_cast<int32_t>((int64_t{1} << right) - 1);
        b.half[h][i] = b.mask[h][i] >> 1;
      }
      for (int i = 0; i < 8; i += 2) b.mult_odd[h][i] = b.mult[h][i + 1];
    }
  }
  T* zero_row = reinterpret_cast<T*>(blocks + nb);
  std::fill(zero_row, zero_row + nb * 16, static_cast<T>(-p.input_offset));
}

// 16 elements widened to int16 (0..7 in the low lane, 8..15 high); kPartial
// reads only p[0, n).
template <typename T, bool kPartial>
inline __m256i load16(const T* p, size_t n) {
  __m128i v;
  if constexpr (kPartial) {
    alignas(16) T tmp[16] = {};
    std::memcpy(tmp, p, n * sizeof(T));
    v = _mm_load_si128(reinterpret_cast<const __m128i*>(tmp));
  } else {
    (void)n;
    v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  }
  if constexpr (std::is_same_v<T, uint8_t>) {
    return _mm256_cvtepu8_epi16(v);
  } else {
    return _mm256_cvtepi8_epi16(v);
  }
}

inline __m256i load(const int32_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }
inline __m256i load(const int16_t* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }

// The output stage constants of one block, loaded into locals once per block
// (the byte stores to the output may alias the packed Block, so the compiler
// would otherwise reload them for every pixel).
struct RequantConsts {
  __m256i mult[2], mult_odd[2], left[2], right[2], mask[2], half[2];
  explicit RequantConsts(const Block& b) {
    for (int h = 0; h < 2; ++h) {
      mult[h] = load(b.mult[h]);
      mult_odd[h] = load(b.mult_odd[h]);
      left[h] = load(b.left[h]);
      right[h] = load(b.right[h]);
      mask[h] = load(b.mask[h]);
      half[h] = load(b.half[h]);
    }
  }
};

// MultiplyByQuantizedMultiplier of 8 accumulators in the packed lane order
// (see q8-avx2-common.h requantize() for the derivation), + output offset,
// clamped. The multiplier comes from quantize_multiplier (never INT32_MIN),
// so SaturatingRoundingDoublingHighMul cannot saturate.
template <bool kLeftShift>
inline __m256i requantize(const RequantConsts& rq, int h, __m256i acc, __m256i out_off, __m256i vmin, __m256i vmax) {
  const __m256i x = kLeftShift ? _mm256_sllv_epi32(acc, rq.left[h]) : acc;
  const __m256i rnd = _mm256_set1_epi64x(int64_t{1} << 30);
  const __m256i even = _mm256_srli_epi64(_mm256_add_epi64(_mm256_mul_epi32(x, rq.mult[h]), rnd), 31);
  const __m256i odd =
      _mm256_slli_epi64(_mm256_add_epi64(_mm256_mul_epi32(_mm256_srli_epi64(x, 32), rq.mult_odd[h]), rnd), 1);
  const __m256i hm = _mm256_blend_epi32(even, odd, 0xAA);
  const __m256i remainder = _mm256_and_si256(hm, rq.mask[h]);
  const __m256i threshold = _mm256_sub_epi32(rq.half[h], _mm256_cmpgt_epi32(_mm256_setzero_si256(), hm));
  __m256i r = _mm256_srav_epi32(hm, rq.right[h]);
  r = _mm256_sub_epi32(r, _mm256_cmpgt_epi32(remainder, threshold));
  r = _mm256_add_epi32(r, out_off);
  return _mm256_min_epi32(_mm256_max_epi32(r, vmin), vmax);
}

template <bool kLeftShift>
struct OutStage {
  __m256i out_off, vmin, vmax;
};

// Requantizes and stores the 16 channels of one pixel (n of them valid).
template <typename T, bool kPartial, bool kLeftShift>
inline void store16(const RequantConsts& rq, const OutStage<kLeftShift>& os, __m256i acc0, __m256i acc1, T* out,
                    size_t n) {
  const __m256i lo = requantize<kLeftShift>(rq, 0, acc0, os.out_off, os.vmin, os.vmax);
  const __m256i hi = requantize<kLeftShift>(rq, 1, acc1, os.out_off, os.vmin, os.vmax);
  // Lanes {0..3, 8..11} and {4..7, 12..15} pack to channels 0..7 | 8..15.
  const __m256i w = _mm256_packs_epi32(lo, hi);
  const __m128i w0 = _mm256_castsi256_si128(w);
  const __m128i w1 = _mm256_extracti128_si256(w, 1);
  const __m128i bytes = std::is_same_v<T, uint8_t> ? _mm_packus_epi16(w0, w1) : _mm_packs_epi16(w0, w1);
  if constexpr (kPartial) {
    alignas(16) T tmp[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(tmp), bytes);
    std::memcpy(out, tmp, n * sizeof(T));
  } else {
    (void)n;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), bytes);
  }
}

// N pixels of one block: tap t of pixel k is read at src(k, t) (already
// offset to the block's first channel). Each weight pair is loaded once for
// the N pixels.
template <typename T, int N, bool kPartial, bool kLeftShift, typename Src>
inline void pixels(const Block& b, const OutStage<kLeftShift>& os, Src src, T* out, size_t out_step, size_t n) {
  __m256i acc[N][2];
  for (int k = 0; k < N; ++k) {
    acc[k][0] = load(b.bias[0]);
    acc[k][1] = load(b.bias[1]);
  }
#pragma GCC unroll 5
  for (int t = 0; t < kPairs; ++t) {
    const __m256i w0 = load(b.w[t][0]);
    const __m256i w1 = load(b.w[t][1]);
#pragma GCC unroll 4
    for (int k = 0; k < N; ++k) {
      const __m256i x0 = load16<T, kPartial>(src(k, kPairTaps[t][0]), n);
      const __m256i x1 = kPairTaps[t][1] != kPairTaps[t][0] ? load16<T, kPartial>(src(k, kPairTaps[t][1]), n) : x0;
      acc[k][0] = _mm256_add_epi32(acc[k][0], _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), w0));
      acc[k][1] = _mm256_add_epi32(acc[k][1], _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), w1));
    }
  }
  const RequantConsts rq(b);
  for (int k = 0; k < N; ++k) store16<T, kPartial>(rq, os, acc[k][0], acc[k][1], out + k * out_step, n);
}

// Stride 1, dilation 1, full blocks: pixels [0, count) of one row, pixel k's
// taps at rows[fy] + k * C (rows already at the first pixel's first column and
// the block's channel). The widened columns slide: each input column is
// widened once instead of three times.
template <typename T, bool kLeftShift>
inline void slide_stride1(const Block& b, const OutStage<kLeftShift>& os, const T* const (&rows)[3], size_t C,
                          int64_t count, T* out) {
  __m256i x[3][3];
  for (int r = 0; r < 3; ++r) {
    x[r][0] = load16<T, false>(rows[r], 16);
    x[r][1] = load16<T, false>(rows[r] + C, 16);
  }
  const RequantConsts rq(b);
  size_t off = 2 * C;
  for (int64_t k = 0; k < count; ++k, off += C, out += C) {
    for (int r = 0; r < 3; ++r) x[r][2] = load16<T, false>(rows[r] + off, 16);
    __m256i acc0 = load(b.bias[0]), acc1 = load(b.bias[1]);
    auto pair = [&](int j, __m256i x0, __m256i x1) {
      acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(_mm256_unpacklo_epi16(x0, x1), load(b.w[j][0])));
      acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(_mm256_unpackhi_epi16(x0, x1), load(b.w[j][1])));
    };
    pair(0, x[0][0], x[0][1]);
    pair(1, x[1][0], x[1][1]);
    pair(2, x[2][0], x[2][1]);
    pair(3, x[0][2], x[1][2]);
    pair(4, x[2][2], x[2][2]);
    store16<T, false>(rq, os, acc0, acc1, out, 16);
    for (int r = 0; r < 3; ++r) {
      x[r][0] = x[r][1];
      x[r][1] = x[r][2];
    }
  }
}

template <typename T, bool kLeftShift>
void dwconv3x3_rows(const ConvParams& p, const void* packed, const T* input, T* output, size_t row_begin,
                    size_t row_end) {
  const size_t C = static_cast<size_t>(p.out_c);
  const Block* blocks = reinterpret_cast<const Block*>(static_cast<const Header*>(packed) + 1);
  const size_t nb = blocks_of(p.out_c);
  const T* zero_row = reinterpret_cast<const T*>(blocks + nb);
  OutStage<kLeftShift> os;
  os.out_off = _mm256_set1_epi32(p.output_offset);
  os.vmin = _mm256_set1_epi32(p.act_min);
  os.vmax = _mm256_set1_epi32(p.act_max);

  const int64_t in_w = p.in_w;
  const int64_t sw = p.stride_w, dw = p.dilation_w;
  const ColumnRange interior = conv_interior_columns(p);
  const int64_t ox_lo = interior.begin, ox_hi = interior.end;
  const size_t pixel_step = static_cast<size_t>(sw) * C;
  // Element offsets of the taps from the input pixel (iy0, ix0), row-major.
  int64_t tap_off[kTaps];
  for (int t = 0; t < kTaps; ++t) {
    tap_off[t] = ((t / 3) * p.dilation_h * in_w + (t % 3) * dw) * static_cast<int64_t>(C);
  }

  for (size_t r = row_begin; r < row_end; ++r) {
    const int64_t bi = static_cast<int64_t>(r / static_cast<size_t>(p.out_h));
    const int64_t oy = static_cast<int64_t>(r % static_cast<size_t>(p.out_h));
    const int64_t iy0 = oy * p.stride_h - p.pad_top;
    const T* rows[3];
    bool rows_inside = true;
    for (int fy = 0; fy < 3; ++fy) {
      const int64_t iy = iy0 + fy * p.dilation_h;
      rows[fy] = iy >= 0 && iy < p.in_h ? input + (bi * p.in_h + iy) * in_w * static_cast<int64_t>(C) : nullptr;
      rows_inside = rows_inside && rows[fy] != nullptr;
    }
    T* out_row = output + (bi * p.out_h + oy) * p.out_w * static_cast<int64_t>(C);
    // Interior pixels only where every row is inside too.
    const int64_t in_lo = rows_inside ? ox_lo : p.out_w;
    const int64_t in_hi = rows_inside ? ox_hi : p.out_w;

    for (size_t blk = 0; blk < nb; ++blk) {
      const Block& b = blocks[blk];
      const size_t c0 = blk * 16;
      const size_t n = std::min<size_t>(16, C - c0);
      // One border pixel: taps outside the image read the zero-point row.
      auto border = [&](int64_t ox) {
        const T* tp[kTaps];
        for (int t = 0; t < kTaps; ++t) {
          const int64_t ix = ox * sw - p.pad_left + (t % 3) * dw;
          const T* row = rows[t / 3];
          tp[t] = row != nullptr && ix >= 0 && ix < in_w ? row + ix * static_cast<int64_t>(C) + c0 : zero_row + c0;
        }
        auto src = [&](int, int t) { return tp[t]; };
        T* out = out_row + ox * static_cast<int64_t>(C) + c0;
        if (n == 16) {
          pixels<T, 1, false>(b, os, src, out, C, n);
        } else {
          pixels<T, 1, true>(b, os, src, out, C, n);
        }
      };
      int64_t ox = 0;
      for (; ox < in_lo; ++ox) border(ox);
      if (in_lo < in_hi) {
        const T* base = input + (bi * p.in_h + iy0) * in_w * static_cast<int64_t>(C) +
                        (ox * sw - p.pad_left) * static_cast<int64_t>(C) + c0;
        T* out = out_row + ox * static_cast<int64_t>(C) + c0;
        auto src = [&](int k, int t) { return base + k * pixel_step + tap_off[t]; };
        if (n == 16 && sw == 1 && dw == 1) {
          const int64_t row_step = p.dilation_h * in_w * static_cast<int64_t>(C);
          const T* const slide_rows[3] = {base, base + row_step, base + 2 * row_step};
          slide_stride1(b, os, slide_rows, C, in_hi - ox, out);
          ox = in_hi;
        } else if (n == 16) {
          for (; ox + 4 <= in_hi; ox += 4, base += 4 * pixel_step, out += 4 * C) {
            pixels<T, 4, false>(b, os, src, out, C, n);
          }
          for (; ox < in_hi; ++ox, base += pixel_step, out += C) pixels<T, 1, false>(b, os, src, out, C, n);
        } else {
          for (; ox < in_hi; ++ox, base += pixel_step, out += C) pixels<T, 1, true>(b, os, src, out, C, n);
        }
      }
      for (; ox < p.out_w; ++ox) border(ox);
    }
  }
}

template <typename T>
void dwconv3x3(const ConvParams& p, const void* packed, const T* input, T* output, size_t row_begin, size_t row_end) {
  if (static_cast<const Header*>(packed)->any_left_shift != 0) {
    dwconv3x3_rows<T, true>(p, packed, input, output, row_begin, row_end);
  } else {
    dwconv3x3_rows<T, false>(p, packed, input, output, row_begin, row_end);
  }
}

}  // namespace

size_t q8_dwconv3x3_packed_size__avx2(int32_t channels) {
  return sizeof(Header) + blocks_of(channels) * (sizeof(Block) + 16);
}
void qu8_dwconv3x3_pack__avx2(const ConvParams& p, const uint8_t* filter, const int32_t* bias, void* packed) {
  pack(p, filter, bias, packed);
}
void qs8_dwconv3x3_pack__avx2(const ConvParams& p, const int8_t* filter, const int32_t* bias, void* packed) {
  pack(p, filter, bias, packed);
}
void qu8_dwconv3x3__avx2(const ConvParams& p, const void* packed, const uint8_t* input, uint8_t* output,
                         size_t row_begin, size_t row_end) {
  dwconv3x3(p, packed, input, output, row_begin, row_end);
}
void qs8_dwconv3x3__avx2(const ConvParams& p, const void* packed, const int8_t* input, int8_t* output, size_t row_begin,
                         size_t row_end) {
  dwconv3x3(p, packed, input, output, row_begin, row_end);
}

}  // namespace edgerun::kernels
