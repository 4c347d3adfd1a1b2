// qu8_dwconv3x3__avx512vnni / qs8_dwconv3x3__avx512vnni: quantized 3x3
// depthwise convolution (depth_multiplier 1, any stride, dilation and padding)
// over weights packed once by qu8_dwconv3x3_pack__avx512vnni /
// qs8_dwconv3x3_pack__avx512vnni, bit-exact with qu8_dwconv2d__ref /
// qs8_dwconv2d__ref (kernels/ref/conv.h). Compiled with AVX-512 F/BW/VL/VNNI
// (cmake/EdgerunKernels.cmake); reached only through the dispatch table after
// CPU detection found them.
//
// Products: vpdpbusd (uint8 x int8, 4 products summed into each int32 lane,
// wrapping, exact mod 2^32 like TFLite's int32 accumulator). The 4 bytes of a
// lane are one input column's 3 rows of one channel (and a zero), so a column
// is interleaved once and serves the 3 output pixels that read it (stride 1).
// Inputs enter as uint8: x for uint8 models, x + 128 for int8 ones, whose
// -128 * sum(w') joins the bias. The weights w' = filter + filter_offset are
// int8 when every one fits; otherwise (filters with a zero point, in
// [-255, 255]) each is a sum of int8 terms, w' = a + b (+ c only for 255),
// one vpdpbusd per term into the same accumulator.
//
// Packed layout: a Header (left shift? weight terms?), one Block per 64
// channels (the last zero-padded), then one zero-point row (the input zero
// point repeated over the padded channels). In a block, channel
// 16 * L + 4 * v + j sits in lane 4 * L + j of vector v (L the 128-bit lane,
// v = 0..3): the order vpunpck{l,h}bw then vpunpck{l,h}wd of three 64-channel
// rows produce, and that vpackssdw and vpack{us,ss}wb of the four vectors
// turn back into channels 0..63 in order without a lane permute. Bias, weights
// and output stage constants are stored in that order. A tail of <= 32
// channels is stored twice (lanes L = 2, 3 repeat L = 0, 1; see paired_tail())
// and runs two pixels per vector, one per 256-bit half.
//
// The input offset is folded into the bias: bias' = bias + input_offset *
// sum(w'), so the kernel multiplies raw inputs. A tap outside the image then
// must contribute input_offset * w', i.e. read the input zero point: such
// taps point at the zero-point row, which keeps the border path exact without
// a branch per tap.
//
// Per output row and block of 64 channels: with stride 1 or 2 and dilation_w 1
// the whole row slides (slide(), slide_pairs()), borders included: each input
// column (the zero-point row outside the image) is interleaved once for every
// pixel that reads it, and two pixels (two vectors of a paired tail) share
// each load of a weight and of an output stage constant, which the kernel is
// bound by. Other strides and dilations build each pixel's 3 columns from its
// 9 tap pointers. The channel tail (< 64) uses masked loads and stores, so
// nothing past a row end is touched. Output stage: requantize16_q31() /
// requantize16_q31_x2() (q8-avx512-common.h), + output offset, saturating
// packs to 8 bits, then the activation clamp on bytes (the packs only
// saturate to ranges containing it), left out where the range is all of T's.
// The helpers are forced inline: GCC otherwise leaves some out of the row
// loop. Pure: no allocation.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/dispatch.h"
#include "kernels/x86/q8-avx512-common.h"

namespace edgerun::kernels {
namespace {

constexpr int kTaps = 9;
constexpr size_t kBlockChannels = 64;

struct alignas(64) Header {
  int32_t any_left_shift;  // some multiplier is >= 1: the output stage shifts left first
  int32_t terms;           // int8 terms per weight: 1, 2 (w' outside int8) or 3 (w' = 255)
  int32_t paired_tail;     // the last block holds <= 32 channels, twice (see below)
};

struct alignas(64) Block {
  int32_t bias[4][16];
  // [term][column fx][vector v][4 * lane + row fy], terms summing to w'. Row
  // byte 3 stays zero.
  int8_t w[3][3][4][64];
  Q31Requant16 rq[4];
};

inline size_t blocks_of(int32_t channels) {
  return (static_cast<size_t>(channels) + kBlockChannels - 1) / kBlockChannels;
}

// A channel tail of at most 32 (MobileNet's 32, 96 and 144 channels) would
// leave half the lanes or more idle: its block holds those channels twice,
// 128-bit lanes 2 and 3 repeating lanes 0 and 1, and the kernel runs two
// pixels at once, one per 256-bit half.
inline bool paired_tail(int32_t channels) {
  const int32_t tail = channels % static_cast<int32_t>(kBlockChannels);
  return tail != 0 && tail <= 32;
}

// The channel (within its block) in lane `i` of vector `v`.
inline int lane_channel(int v, int i, bool paired) { return 16 * (paired ? i / 4 % 2 : i / 4) + 4 * v + i % 4; }

template <typename T>
void pack(const ConvParams& p, const T* filter, const int32_t* bias, void* packed) {
  const int32_t C = p.out_c;
  Header* header = static_cast<Header*>(packed);
  Block* blocks = reinterpret_cast<Block*>(header + 1);
  const size_t nb = blocks_of(C);
  auto weight = [&](int t, int32_t c) { return static_cast<int32_t>(filter[t * C + c]) + p.filter_offset; };
  std::memset(header, 0, sizeof(Header));
  header->paired_tail = paired_tail(C) ? 1 : 0;
  header->terms = 1;
  for (int32_t c = 0; c < C; ++c) {
    for (int t = 0; t < kTaps; ++t) {
      const int32_t w = weight(t, c);
      header->terms = std::max(header->terms, w == 255 ? 3 : w < -128 || w > 127 ? 2 : 1);
    }
    if (p.shift[c] > 0) header->any_left_shift = 1;
  }
  const uint32_t input_bias = std::is_same_v<T, int8_t> ? 128u : 0u;  // int8 inputs are stored as x + 128
  for (size_t bi = 0; bi < nb; ++bi) {
    Block& b = blocks[bi];
    std::memset(&b, 0, sizeof(Block));
    for (int v = 0; v < 4; ++v) {
      for (int i = 0; i < 16; ++i) {
        const bool paired = header->paired_tail != 0 && bi + 1 == nb;
        const int32_t c = static_cast<int32_t>(bi * kBlockChannels) + lane_channel(v, i, paired);
        if (c >= C) {
          b.rq[v].set(i, 0, 0);
          continue;
        }
        uint32_t acc = bias != nullptr ? static_cast<uint32_t>(bias[c]) : 0u;
        for (int t = 0; t < kTaps; ++t) {
          const int32_t w = weight(t, c);
          acc += static_cast<uint32_t>(w) * (static_cast<uint32_t>(p.input_offset) - input_bias);
          // Greedy int8 terms: -255..254 in two, 255 = 127 + 127 + 1.
          int32_t rest = w;
          for (int k = 0; k < header->terms; ++k) {
            const int32_t term = std::clamp(rest, -128, 127);
            b.w[k][t % 3][v][4 * i + t / 3] = static_cast<int8_t>(term);
            rest -= term;
          }
        }
        b.bias[v][i] = static_cast<int32_t>(acc);
        b.rq[v].set(i, p.multiplier[c], p.shift[c]);
      }
    }
  }
  T* zero_row = reinterpret_cast<T*>(blocks + nb);
  std::fill(zero_row, zero_row + nb * kBlockChannels, static_cast<T>(-p.input_offset));
}

// acc += dot4(x as uint8, w as int8) per int32 lane, in place. Inline asm
// because GCC 12 copies the accumulator through a second register around the
// intrinsic (see q8-gemm-avx512vnni.cc); w may stay a memory operand.
[[gnu::always_inline]] inline void dpbusd(__m512i& acc, __m512i x, __m512i w) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "vm"(w));
}
// The same with w in a register, for a weight that serves two pixels (GCC
// would otherwise reread it from memory for each).
[[gnu::always_inline]] inline void dpbusd_reg(__m512i& acc, __m512i x, __m512i w) {
  asm("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(x), "v"(w));
}

// Three rows a, b, c of one input column as the 4 vectors of uint8 quads
// {a, b, c, 0} in the block's lane order.
template <typename T>
[[gnu::always_inline]] inline void interleave(__m512i a, __m512i b, __m512i c, __m512i (&q)[4]) {
  if constexpr (std::is_same_v<T, int8_t>) {
    const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
    a = _mm512_xor_si512(a, flip);
    b = _mm512_xor_si512(b, flip);
    c = _mm512_xor_si512(c, flip);
  }
  const __m512i zero = _mm512_setzero_si512();
  const __m512i ab_lo = _mm512_unpacklo_epi8(a, b), ab_hi = _mm512_unpackhi_epi8(a, b);
  const __m512i c_lo = _mm512_unpacklo_epi8(c, zero), c_hi = _mm512_unpackhi_epi8(c, zero);
  q[0] = _mm512_unpacklo_epi16(ab_lo, c_lo);
  q[1] = _mm512_unpackhi_epi16(ab_lo, c_lo);
  q[2] = _mm512_unpacklo_epi16(ab_hi, c_hi);
  q[3] = _mm512_unpackhi_epi16(ab_hi, c_hi);
}

// One input column of 64 channels (rows r0, r1, r2; the lanes of mask m).
template <typename T>
[[gnu::always_inline]] inline void column(const T* r0, const T* r1, const T* r2, __mmask64 m, __m512i (&q)[4]) {
  interleave<T>(_mm512_maskz_loadu_epi8(m, r0), _mm512_maskz_loadu_epi8(m, r1), _mm512_maskz_loadu_epi8(m, r2), q);
}

// Two input columns of up to 32 channels, a paired tail block's two pixels:
// column a (rows a0..a2, lanes of ma) in the low half, b in the high half.
template <typename T>
[[gnu::always_inline]] inline __m512i load_halves(const T* a, const T* b, __mmask32 ma, __mmask32 mb) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_maskz_loadu_epi8(ma, a)), _mm256_maskz_loadu_epi8(mb, b), 1);
}
template <typename T>
[[gnu::always_inline]] inline void column_pair(const T* a0, const T* a1, const T* a2, const T* b0, const T* b1,
                                               const T* b2, __mmask32 ma, __mmask32 mb, __m512i (&q)[4]) {
  interleave<T>(load_halves(a0, b0, ma, mb), load_halves(a1, b1, ma, mb), load_halves(a2, b2, ma, mb), q);
}

// The 4 accumulators of one pixel, from the bias; kTerms int8 weight terms.
template <int kTerms>
struct Acc {
  __m512i acc[4];
  [[gnu::always_inline]] explicit Acc(const Block& b) {
    for (int v = 0; v < 4; ++v) acc[v] = load512(b.bias[v]);
  }
  [[gnu::always_inline]] void add(const Block& b, int fx, const __m512i (&q)[4]) {
    for (int k = 0; k < kTerms; ++k) {
      for (int v = 0; v < 4; ++v) dpbusd(acc[v], q[v], load512(b.w[k][fx][v]));
    }
  }
  __m512i sum(int v) const { return acc[v]; }
};

// Filter column fx for two pixels, each weight loaded once: pixel a reads
// input column qa, pixel c column qc.
template <int kTerms>
[[gnu::always_inline]] inline void add2(const Block& b, int fx, Acc<kTerms>& a, const __m512i (&qa)[4], Acc<kTerms>& c,
                                        const __m512i (&qc)[4]) {
  for (int k = 0; k < kTerms; ++k) {
    for (int v = 0; v < 4; ++v) {
      const __m512i w = load512(b.w[k][fx][v]);
      dpbusd_reg(a.acc[v], qa[v], w);
      dpbusd_reg(c.acc[v], qc[v], w);
    }
  }
}

struct OutStage {
  __m512i out_off, vmin, vmax;  // vmin, vmax as bytes
};

// 64 requantized lanes + output offset as bytes, in channel order.
template <typename T, bool kClamp>
[[gnu::always_inline]] inline __m512i pack_bytes(const OutStage& os, const __m512i (&r)[4]) {
  const __m512i w01 = _mm512_packs_epi32(_mm512_add_epi32(r[0], os.out_off), _mm512_add_epi32(r[1], os.out_off));
  const __m512i w23 = _mm512_packs_epi32(_mm512_add_epi32(r[2], os.out_off), _mm512_add_epi32(r[3], os.out_off));
  if constexpr (std::is_same_v<T, uint8_t>) {
    const __m512i bytes = _mm512_packus_epi16(w01, w23);
    return kClamp ? _mm512_min_epu8(_mm512_max_epu8(bytes, os.vmin), os.vmax) : bytes;
  } else {
    const __m512i bytes = _mm512_packs_epi16(w01, w23);
    return kClamp ? _mm512_min_epi8(_mm512_max_epi8(bytes, os.vmin), os.vmax) : bytes;
  }
}

// Requantizes 64 lanes to their output bytes, in channel order.
template <typename T, bool kLeftShift, bool kClamp, int kTerms>
[[gnu::always_inline]] inline __m512i output_bytes(const Block& b, const OutStage& os, const Acc<kTerms>& a) {
  __m512i r[4];
  for (int v = 0; v < 4; ++v) r[v] = requantize16_q31<kLeftShift>(b.rq[v], a.sum(v));
  return pack_bytes<T, kClamp>(os, r);
}

// output_bytes() of two pixels, each constant loaded once.
template <typename T, bool kLeftShift, bool kClamp, int kTerms>
[[gnu::always_inline]] inline void output_bytes2(const Block& b, const OutStage& os, const Acc<kTerms>& a,
                                                 const Acc<kTerms>& c, __m512i& ya, __m512i& yc) {
  __m512i ra[4], rc[4];
  for (int v = 0; v < 4; ++v) {
    ra[v] = a.sum(v);
    rc[v] = c.sum(v);
    requantize16_q31_x2<kLeftShift>(b.rq[v], ra[v], rc[v]);
  }
  ya = pack_bytes<T, kClamp>(os, ra);
  yc = pack_bytes<T, kClamp>(os, rc);
}

// Requantizes one pixel's 64 channels and stores the lanes of m.
template <typename T, bool kLeftShift, bool kClamp, int kTerms>
[[gnu::always_inline]] inline void store(const Block& b, const OutStage& os, const Acc<kTerms>& a, T* out,
                                         __mmask64 m) {
  _mm512_mask_storeu_epi8(out, m, output_bytes<T, kLeftShift, kClamp>(b, os, a));
}

// One pixel from its 9 tap pointers (row-major, already at the block's channel).
template <typename T, bool kLeftShift, bool kClamp, int kTerms>
[[gnu::always_inline]] inline void pixel(const Block& b, const OutStage& os, const T* const (&tp)[kTaps], T* out,
                                         __mmask64 m) {
  Acc<kTerms> a(b);
  for (int fx = 0; fx < 3; ++fx) {
    __m512i q[4];
    column(tp[fx], tp[3 + fx], tp[6 + fx], m, q);
    a.add(b, fx, q);
  }
  store<T, kLeftShift, kClamp>(b, os, a, out, m);
}

// Two pixels of a paired tail block from their tap pointers: pixel a's
// channels (lanes of ma) in the low half, b's (lanes of mb) in the high half.
template <typename T, bool kLeftShift, bool kClamp, int kTerms>
[[gnu::always_inline]] inline void pixel_pair(const Block& b, const OutStage& os, const T* const (&ta)[kTaps],
                                              const T* const (&tb)[kTaps], T* out_a, T* out_b, __mmask32 ma,
                                              __mmask32 mb) {
  Acc<kTerms> a(b);
  for (int fx = 0; fx < 3; ++fx) {
    __m512i q[4];
    column_pair(ta[fx], ta[3 + fx], ta[6 + fx], tb[fx], tb[3 + fx], tb[6 + fx], ma, mb, q);
    a.add(b, fx, q);
  }
  const __m512i bytes = output_bytes<T, kLeftShift, kClamp>(b, os, a);
  _mm256_mask_storeu_epi8(out_a, ma, _mm512_castsi512_si256(bytes));
  _mm256_mask_storeu_epi8(out_b, mb, _mm512_extracti64x4_epi64(bytes, 1));
}

// The input columns of one output row at a block's channel, filter row by
// filter row: column j of the image, or the zero-point row for a tap outside
// it (a row outside the image has step 0).
template <typename T>
struct Columns {
  const T* row[3];  // column 0, or the zero-point row
  size_t step[3];   // C, or 0
  int64_t width;    // in_w
  const T* zero;
  [[gnu::always_inline]] const T* at(int fy, int64_t j) const {
    return j >= 0 && j < width ? row[fy] + static_cast<size_t>(j) * step[fy] : zero;
  }
};

// A paired tail block's pixels [0, count) of one row with stride kStride (1
// or 2) and dilation_w 1, pixel k's filter column fx reading input column
// j0 + k * kStride + fx. Vector A holds pixels k, k + 1 and B pixels k + 2,
// k + 3, sharing each weight and output stage constant load; filter column fx
// of the pixel pair at k reads the column pair (j, j + kStride), j = j0 +
// k * kStride + fx. With stride 1, B's first pair is A's last and B's last the
// next step's A's first. kWhole: the block is all of C = 32 channels, so a
// column pair inside the image is 64 contiguous bytes.
template <int kStride, bool kWhole, typename T, bool kLeftShift, bool kClamp, int kTerms>
inline void slide_pairs(const Block& b, const OutStage& os, const Columns<T>& cols, int64_t j0, size_t C, int64_t count,
                        T* out, __mmask32 m) {
  auto pair_column = [&](int64_t j, __m512i(&q)[4]) __attribute__((always_inline)) {
    if (kWhole && j >= 0 && j + 1 < cols.width) {
      const size_t o = static_cast<size_t>(j);
      interleave<T>(_mm512_loadu_si512(cols.row[0] + o * cols.step[0]),
                    _mm512_loadu_si512(cols.row[1] + o * cols.step[1]),
                    _mm512_loadu_si512(cols.row[2] + o * cols.step[2]), q);
    } else {
      column_pair(cols.at(0, j), cols.at(1, j), cols.at(2, j), cols.at(0, j + kStride), cols.at(1, j + kStride),
                  cols.at(2, j + kStride), m, m, q);
    }
  };
  __m512i qa[3][4], qb[3][4];
  if constexpr (kStride == 1) pair_column(j0, qa[0]);
  int64_t k = 0;
  for (; k + 4 <= count; k += 4, out += 4 * C) {
    const int64_t j = j0 + k * kStride;
    for (int fx = kStride == 1 ? 1 : 0; fx < 3; ++fx) pair_column(j + fx, qa[fx]);
    for (int fx = kStride == 1 ? 1 : 0; fx < 3; ++fx) pair_column(j + 2 * kStride + fx, qb[fx]);
    if constexpr (kStride == 1) {
      for (int v = 0; v < 4; ++v) qb[0][v] = qa[2][v];
    } else {
      pair_column(j + 2 * kStride, qb[0]);
    }
    Acc<kTerms> a(b), a1(b);
    for (int fx = 0; fx < 3; ++fx) add2(b, fx, a, qa[fx], a1, qb[fx]);
    __m512i y, y1;
    output_bytes2<T, kLeftShift, kClamp>(b, os, a, a1, y, y1);
    _mm256_mask_storeu_epi8(out, m, _mm512_castsi512_si256(y));
    _mm256_mask_storeu_epi8(out + C, m, _mm512_extracti64x4_epi64(y, 1));
    _mm256_mask_storeu_epi8(out + 2 * C, m, _mm512_castsi512_si256(y1));
    _mm256_mask_storeu_epi8(out + 3 * C, m, _mm512_extracti64x4_epi64(y1, 1));
    if constexpr (kStride == 1) {
      for (int v = 0; v < 4; ++v) qa[0][v] = qb[2][v];
    }
  }
  // The last 1 to 3 pixels, two at a time from their taps.
  for (; k < count; k += 2, out += 2 * C) {
    const bool two = k + 1 < count;
    const T* ta[kTaps];
    const T* tb[kTaps];
    for (int t = 0; t < kTaps; ++t) {
      const int64_t j = j0 + k * kStride + t % 3;
      ta[t] = cols.at(t / 3, j);
      tb[t] = cols.at(t / 3, two ? j + kStride : j);
    }
    pixel_pair<T, kLeftShift, kClamp, kTerms>(b, os, ta, tb, out, two ? out + C : out, m, two ? m : 0);
  }
}

// Stride kStride (1 or 2), dilation_w 1: pixels [0, count) of one row, pixel
// k's filter column fx reading input column j0 + k * kStride + fx. Two pixels
// a step, sharing each weight and output stage constant load; each input
// column is interleaved once for every pixel that reads it (3 with stride 1,
// the even ones 2 with stride 2).
template <int kStride, typename T, bool kLeftShift, bool kClamp, int kTerms>
inline void slide(const Block& b, const OutStage& os, const Columns<T>& cols, int64_t j0, size_t C, int64_t count,
                  T* out, __mmask64 m) {
  constexpr int kCols = kStride + 3;   // input columns of a step's two pixels
  constexpr int kCarry = 3 - kStride;  // the last ones, the next step's first
  auto col = [&](int64_t j, __m512i(&q)[4]) __attribute__((always_inline)) {
    column(cols.at(0, j), cols.at(1, j), cols.at(2, j), m, q);
  };
  __m512i q[kCols][4];
  for (int j = 0; j < kCarry; ++j) col(j0 + j, q[j]);
  int64_t k = 0;
  for (; k + 2 <= count; k += 2, out += 2 * C) {
    for (int j = kCarry; j < kCols; ++j) col(j0 + k * kStride + j, q[j]);
    Acc<kTerms> a(b), a1(b);
    for (int fx = 0; fx < 3; ++fx) add2(b, fx, a, q[fx], a1, q[kStride + fx]);
    __m512i y, y1;
    output_bytes2<T, kLeftShift, kClamp>(b, os, a, a1, y, y1);
    _mm512_mask_storeu_epi8(out, m, y);
    _mm512_mask_storeu_epi8(out + C, m, y1);
    for (int j = 0; j < kCarry; ++j) {
      for (int v = 0; v < 4; ++v) q[j][v] = q[kCols - kCarry + j][v];
    }
  }
  if (k < count) {
    for (int j = kCarry; j < 3; ++j) col(j0 + k * kStride + j, q[j]);
    Acc<kTerms> a(b);
    for (int fx = 0; fx < 3; ++fx) a.add(b, fx, q[fx]);
    store<T, kLeftShift, kClamp>(b, os, a, out, m);
  }
}

template <typename T, bool kLeftShift, bool kClamp, int kTerms>
void dwconv3x3_rows(const ConvParams& p, const void* packed, const T* input, T* output, size_t row_begin,
                    size_t row_end) {
  const size_t C = static_cast<size_t>(p.out_c);
  const Block* blocks = reinterpret_cast<const Block*>(static_cast<const Header*>(packed) + 1);
  const size_t nb = blocks_of(p.out_c);
  const T* zero_row = reinterpret_cast<const T*>(blocks + nb);
  const bool paired = static_cast<const Header*>(packed)->paired_tail != 0;
  OutStage os;
  os.out_off = _mm512_set1_epi32(p.output_offset);
  os.vmin = _mm512_set1_epi8(static_cast<char>(p.act_min));
  os.vmax = _mm512_set1_epi8(static_cast<char>(p.act_max));

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
      const size_t c0 = blk * kBlockChannels;
      const size_t n = std::min(kBlockChannels, C - c0);
      const __mmask64 m = n == kBlockChannels ? ~__mmask64{0} : (__mmask64{1} << n) - 1;
      if (dw == 1 && (sw == 1 || sw == 2)) {
        // The whole row slides, borders included.
        T* const out = out_row + c0;
        Columns<T> cols;
        for (int fy = 0; fy < 3; ++fy) {
          cols.row[fy] = rows[fy] != nullptr ? rows[fy] + c0 : zero_row + c0;
          cols.step[fy] = rows[fy] != nullptr ? C : 0;
        }
        cols.width = in_w;
        cols.zero = zero_row + c0;
        const int64_t j0 = -p.pad_left, count = p.out_w;
        if (paired && blk + 1 == nb) {
          const __mmask32 m32 = static_cast<__mmask32>(m);
          if (sw == 1 && C == 32) {
            slide_pairs<1, true, T, kLeftShift, kClamp, kTerms>(b, os, cols, j0, C, count, out, m32);
          } else if (sw == 1) {
            slide_pairs<1, false, T, kLeftShift, kClamp, kTerms>(b, os, cols, j0, C, count, out, m32);
          } else {
            slide_pairs<2, false, T, kLeftShift, kClamp, kTerms>(b, os, cols, j0, C, count, out, m32);
          }
        } else if (sw == 1) {
          slide<1, T, kLeftShift, kClamp, kTerms>(b, os, cols, j0, C, count, out, m);
        } else {
          slide<2, T, kLeftShift, kClamp, kTerms>(b, os, cols, j0, C, count, out, m);
        }
        continue;
      }
      // The taps of pixel ox; those outside the image read the zero-point row.
      auto taps = [&](int64_t ox, const T*(&tp)[kTaps]) {
        for (int t = 0; t < kTaps; ++t) {
          const int64_t ix = ox * sw - p.pad_left + (t % 3) * dw;
          const T* row = rows[t / 3];
          tp[t] = row != nullptr && ix >= 0 && ix < in_w ? row + ix * static_cast<int64_t>(C) + c0 : zero_row + c0;
        }
      };
      if (paired && blk + 1 == nb) {
        // Two pixels at a time (an odd last one alone, its partner masked off).
        const __mmask32 m32 = static_cast<__mmask32>(m);
        auto border_pairs = [&](int64_t lo, int64_t hi) {
          for (int64_t ox = lo; ox < hi; ox += 2) {
            const bool two = ox + 1 < hi;
            const T* ta[kTaps];
            const T* tb[kTaps];
            taps(ox, ta);
            taps(two ? ox + 1 : ox, tb);
            T* out = out_row + ox * static_cast<int64_t>(C) + c0;
            pixel_pair<T, kLeftShift, kClamp, kTerms>(b, os, ta, tb, out, two ? out + C : out, m32, two ? m32 : 0);
          }
        };
        border_pairs(0, in_lo);
        if (in_lo < in_hi) {
          const T* base = input + (bi * p.in_h + iy0) * in_w * static_cast<int64_t>(C) +
                          (in_lo * sw - p.pad_left) * static_cast<int64_t>(C) + c0;
          T* out = out_row + in_lo * static_cast<int64_t>(C) + c0;
          for (int64_t ox = in_lo; ox < in_hi; ox += 2, base += 2 * pixel_step, out += 2 * C) {
            const bool two = ox + 1 < in_hi;
            const T* ta[kTaps];
            const T* tb[kTaps];
            for (int t = 0; t < kTaps; ++t) {
              ta[t] = base + tap_off[t];
              tb[t] = two ? ta[t] + pixel_step : ta[t];
            }
            pixel_pair<T, kLeftShift, kClamp, kTerms>(b, os, ta, tb, out, two ? out + C : out, m32, two ? m32 : 0);
          }
        }
        border_pairs(in_hi, p.out_w);
        continue;
      }
      auto border = [&](int64_t ox) {
        const T* tp[kTaps];
        taps(ox, tp);
        pixel<T, kLeftShift, kClamp, kTerms>(b, os, tp, out_row + ox * static_cast<int64_t>(C) + c0, m);
      };
      int64_t ox = 0;
      for (; ox < in_lo; ++ox) border(ox);
      if (in_lo < in_hi) {
        const T* base = input + (bi * p.in_h + iy0) * in_w * static_cast<int64_t>(C) +
                        (ox * sw - p.pad_left) * static_cast<int64_t>(C) + c0;
        T* out = out_row + ox * static_cast<int64_t>(C) + c0;
        for (; ox < in_hi; ++ox, base += pixel_step, out += C) {
          const T* tp[kTaps];
          for (int t = 0; t < kTaps; ++t) tp[t] = base + tap_off[t];
          pixel<T, kLeftShift, kClamp, kTerms>(b, os, tp, out, m);
        }
      }
      for (; ox < p.out_w; ++ox) border(ox);
    }
  }
}

template <typename T, bool kLeftShift, bool kClamp>
void rows_with(int terms, const ConvParams& p, const void* packed, const T* input, T* output, size_t row_begin,
               size_t row_end) {
  switch (terms) {
    case 1:
      return dwconv3x3_rows<T, kLeftShift, kClamp, 1>(p, packed, input, output, row_begin, row_end);
    case 2:
      return dwconv3x3_rows<T, kLeftShift, kClamp, 2>(p, packed, input, output, row_begin, row_end);
    default:
      return dwconv3x3_rows<T, kLeftShift, kClamp, 3>(p, packed, input, output, row_begin, row_end);
  }
}

template <typename T>
void dwconv3x3(const ConvParams& p, const void* packed, const T* input, T* output, size_t row_begin, size_t row_end) {
  const Header& h = *static_cast<const Header*>(packed);
  // The saturating packs already clamp to T's range: a ReLU6 whose range
  // covers it (the usual case) needs no byte clamp.
  constexpr int32_t lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
  const bool clamp = p.act_min > lo || p.act_max < hi;
  if (h.any_left_shift != 0) {
    return clamp ? rows_with<T, true, true>(h.terms, p, packed, input, output, row_begin, row_end)
                 : rows_with<T, true, false>(h.terms, p, packed, input, output, row_begin, row_end);
  }
  return clamp ? rows_with<T, false, true>(h.terms, p, packed, input, output, row_begin, row_end)
               : rows_with<T, false, false>(h.terms, p, packed, input, output, row_begin, row_end);
}

}  // namespace

size_t q8_dwconv3x3_packed_size__avx512vnni(int32_t channels) {
  return sizeof(Header) + blocks_of(channels) * (sizeof(Block) + kBlockChannels);
}
void qu8_dwconv3x3_pack__avx512vnni(const ConvParams& p, const uint8_t* filter, const int32_t* bias, void* packed) {
  pack(p, filter, bias, packed);
}
void qs8_dwconv3x3_pack__avx512vnni(const ConvParams& p, const int8_t* filter, const int32_t* bias, void* packed) {
  pack(p, filter, bias, packed);
}
void qu8_dwconv3x3__avx512vnni(const ConvParams& p, const void* packed, const uint8_t* input, uint8_t* output,
                               size_t row_begin, size_t row_end) {
  dwconv3x3(p, packed, input, output, row_begin, row_end);
}
void qs8_dwconv3x3__avx512vnni(const ConvParams& p, const void* packed, const int8_t* input, int8_t* output,
                               size_t row_begin, size_t row_end) {
  dwconv3x3(p, packed, input, output, row_begin, row_end);
}

}  // namespace edgerun::kernels
