// Float32 conv-like Kernels over the packed-weight GEMM and depthwise kernels.
//   * pointwise CONV_2D (1x1, stride 1, no padding) and FULLY_CONNECTED: one
//     GEMM over the input as it lies (NHWC pixels / batches are the rows),
//     split over threads in whole register tiles of rows, and in column
//     blocks too when the rows are few;
//   * any other CONV_2D: per output row, an im2col of its out_w pixels (K =
//     filter_h * filter_w * in_c floats each, zeros for out-of-image taps) into
//     the thread's scratch, then the GEMM into that output row;
//   * grouped CONV_2D: per group, the same two ways over the group's input
//     channels, each GEMM writing the group's columns of the output;
//   * DEPTHWISE_CONV_2D with depth_multiplier 1: the dwconv kernel (its 3x3
//     version for 3x3 filters without dilation) over output rows;
//   * CONV_TRANSPOSE: per output row, for each filter row landing on it, a
//     GEMM of the one input row feeding it (all filter columns at once), then
//     those products added into the output row (col2im).
#include "ops/f32_conv.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

#include "core/uninitialized.h"
#include "kernels/f32_dwconv.h"
#include "kernels/f32_gemm.h"

namespace edgerun::ops {
namespace {

const float* floats(const ir::Value* v) { return v != nullptr ? reinterpret_cast<const float*>(v->data) : nullptr; }

// Packed GEMM weights: every element is written by the packing, so the buffer
// is not zero-filled first.
using PackedFloats = core::UninitializedVector<float>;

PackedFloats pack_gemm(const float* w, const float* bias, size_t n, size_t k) {
  PackedFloats packed(kernels::f32_gemm_packed_size(n, k));
  kernels::f32_gemm_pack_weights(w, bias, n, k, packed.data());
  return packed;
}

// Copies n floats. The im2col of few-channel inputs copies short runs (a 3x3
// RGB filter row is 9 floats, 12544 of them per 112x112 map), where a libc
// memcpy call costs more than the copy: runs of 4 or more go as 16-byte
// chunks of known size (inlined as single moves), the last one overlapping
// the one before it.
inline void copy_floats(float* dst, const float* src, size_t n) {
  constexpr size_t kChunk = 4;
  if (n >= 64) {
    std::memcpy(dst, src, n * sizeof(float));
  } else if (n >= kChunk) {
    for (size_t i = 0; i + kChunk < n; i += kChunk) std::memcpy(dst + i, src + i, kChunk * sizeof(float));
    std::memcpy(dst + n - kChunk, src + n - kChunk, kChunk * sizeof(float));
  } else {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

// Smallest share of a GEMM worth handing to another thread, in multiply-adds.
constexpr size_t kMinTaskMacs = size_t{1} << 17;
// When threads split a GEMM's columns: at most one split per column block of
// two 16-column panels (the widest register tile), cut at panel boundaries so
// the splits are even (7x7x160: 80 + 80 columns, not 64 + 96).
constexpr size_t kColumnBlock = 2 * kernels::kF32GemmNr;
// Tasks per thread parallel_rows aims for.
constexpr size_t kTasksPerThread = 4;

// A pointwise stage: c [m, n] = clamp(a [m, k] * w^T + bias) for any m.
struct F32Pointwise {
  kernels::F32GemmFn gemm;
  size_t mr, n, k;
  float min, max;
  PackedFloats packed;

  void run(size_t m, const float* a, float* c) const { gemm(m, n, k, a, k, packed.data(), c, n, min, max); }
};

// A kernel whose output an elementwise function may follow in place, slice
// by slice as each thread writes it (fuse_f32_post_op): the activation reads
// the output while it is still in the thread's cache instead of in a pass of
// its own over memory.
class F32PostOpKernel : public Kernel {
 public:
  kernels::F32VUnaryFn post_op() const { return post_; }
  void set_post_op(kernels::F32VUnaryFn f) { post_ = f; }

 protected:
  void post(float* y, size_t n) const {
    if (post_ != nullptr) post_(n, y, y);
  }

 private:
  kernels::F32VUnaryFn post_ = nullptr;
};

// c [m, n] = clamp(a [m, k] * w^T + bias): pointwise convs and fully connected layers.
// Threads take whole row tiles (only the last tile has an M tail); when there
// are too few tiles to go round (7x7 maps, batch-1 fully connected) the columns
// are split into blocks as well and a task is a run of (block, tile) pairs.
class F32GemmKernel final : public F32PostOpKernel {
 public:
  F32GemmKernel(size_t m, F32Pointwise pw) : m_(m), pw_(std::move(pw)) {}

  void run(const KernelIO& io) const override {
    const float* a = static_cast<const float*>(io.inputs[0]);
    float* c = static_cast<float*>(io.outputs[0]);
    const size_t mr = pw_.mr, n = pw_.n, k = pw_.k;
    if (m_ == 0 || n == 0) return;
    const size_t threads = io.pool != nullptr ? static_cast<size_t>(io.pool->threads()) : 1;
    const size_t tiles = (m_ + mr - 1) / mr;
    const size_t blocks = (n + kColumnBlock - 1) / kColumnBlock;
    const size_t panels = (n + kernels::kF32GemmNr - 1) / kernels::kF32GemmNr;
    const size_t wanted = kTasksPerThread * threads;
    const size_t splits = threads == 1 || tiles >= wanted ? 1 : std::min(blocks, (wanted + tiles - 1) / tiles);
    const size_t split_macs = mr * std::max<size_t>((blocks + splits - 1) / splits * kColumnBlock * k, 1);
    const size_t min_units = std::max<size_t>(1, kMinTaskMacs / split_macs);
    // Unit u is row tile u % tiles of column split u / tiles.
    parallel_rows(io, splits * tiles, min_units, [&](size_t begin, size_t end, int) {
      for (size_t s = begin / tiles; s * tiles < end; ++s) {
        const size_t t0 = std::max(begin, s * tiles) - s * tiles, t1 = std::min(end, (s + 1) * tiles) - s * tiles;
        const size_t m0 = t0 * mr, m1 = std::min(m_, t1 * mr);
        const size_t n0 = panels * s / splits * kernels::kF32GemmNr,
                     n1 = std::min(n, panels * (s + 1) / splits * kernels::kF32GemmNr);
        const float* w = pw_.packed.data() + n0 / kernels::kF32GemmNr * kernels::kF32GemmNr * (k + 1);
        pw_.gemm(m1 - m0, n1 - n0, k, a + m0 * k, k, w, c + m0 * n + n0, n, pw_.min, pw_.max);
        if (n0 == 0 && n1 == n) {
          post(c + m0 * n, (m1 - m0) * n);
        } else {
          for (size_t r = m0; r < m1; ++r) post(c + r * n + n0, n1 - n0);
        }
      }
    });
  }

  size_t m() const { return m_; }
  const F32Pointwise& stage() const { return pw_; }

 private:
  size_t m_;
  F32Pointwise pw_;
};

// Patches one im2col block may hold: the GEMM streams all its weights once
// per call, so a call covers as many output rows as fit here (ResNet-18's
// 7x7 layers have 9 MB of weights and 7-pixel rows: one row per call streamed
// them 7 times). Within the AVX-512 GEMM's whole-A size, so A stays in L2.
constexpr size_t kIm2colBlockBytes = 512 * 1024;

// Any conv: im2col of a block of output rows into per-thread scratch, then the GEMM.
class F32Im2colConvKernel final : public F32PostOpKernel {
 public:
  F32Im2colConvKernel(kernels::F32GemmFn gemm, const kernels::ConvParams& p, PackedFloats packed)
      : gemm_(gemm), p_(p), k_(static_cast<size_t>(p.filter_h) * p.filter_w * p.in_c), packed_(std::move(packed)) {}

  size_t scratch_bytes() const override { return block_rows() * col_floats() * sizeof(float); }

  void run(const KernelIO& io) const override {
    const float* in = static_cast<const float*>(io.inputs[0]);
    float* out = static_cast<float*>(io.outputs[0]);
    parallel_rows(io, kernels::conv_rows(p_), 1, [&](size_t begin, size_t end, int thread) {
      rows(in, begin, end, out + begin * row_floats(), reinterpret_cast<float*>(io.thread_scratch(thread)),
           block_rows());
    });
  }

  const kernels::ConvParams& params() const { return p_; }
  size_t row_floats() const { return static_cast<size_t>(p_.out_w) * static_cast<size_t>(p_.out_c); }
  size_t col_floats() const { return static_cast<size_t>(p_.out_w) * k_; }
  size_t block_rows() const {
    return std::max<size_t>(1, kIm2colBlockBytes / std::max<size_t>(1, col_floats() * sizeof(float)));
  }
  size_t weight_bytes() const { return packed_.size() * sizeof(float); }

  // Output rows [begin, end) (of batch * out_h) into dst, col_rows rows per
  // GEMM; col: col_rows * col_floats() of scratch.
  void rows(const float* in, size_t begin, size_t end, float* dst, float* col, size_t col_rows) const {
    const size_t out_w = static_cast<size_t>(p_.out_w), out_c = static_cast<size_t>(p_.out_c);
    for (size_t r = begin; r < end;) {
      const size_t n = std::min(col_rows, end - r);
      for (size_t i = 0; i < n; ++i) im2col_row(in, r + i, col + i * col_floats());
      gemm_(n * out_w, out_c, k_, col, k_, packed_.data(), dst, out_c, p_.f32_min, p_.f32_max);
      post(dst, n * out_w * out_c);
      r += n;
      dst += n * out_w * out_c;
    }
  }

 private:
  // col [out_w, k]: the input patch of every pixel of output row r (batch * out_h + oy).
  // Filter row by filter row, so the inner loop over pixels only steps
  // pointers: for the first conv (3x3 RGB, 12544 pixels) the per-pixel index
  // arithmetic cost more than the copies.
  void im2col_row(const float* in, size_t r, float* col) const {
    const size_t in_c = static_cast<size_t>(p_.in_c);
    const size_t filter_row = static_cast<size_t>(p_.filter_w) * in_c;
    const size_t out_w = static_cast<size_t>(p_.out_w);
    const size_t step = static_cast<size_t>(p_.stride_w) * in_c;
    const int64_t b = static_cast<int64_t>(r / static_cast<size_t>(p_.out_h));
    const int64_t iy0 = static_cast<int64_t>(r % static_cast<size_t>(p_.out_h)) * p_.stride_h - p_.pad_top;
    // Pixels [ox_begin, ox_end) have their whole filter row inside the image
    // (dilation 1 across): one contiguous run each.
    const kernels::ColumnRange inside =
        p_.dilation_w == 1 ? kernels::conv_interior_columns(p_) : kernels::ColumnRange{};
    const size_t ox_begin = static_cast<size_t>(inside.begin), ox_end = static_cast<size_t>(inside.end);
    for (int64_t fy = 0; fy < p_.filter_h; ++fy) {
      float* dst0 = col + static_cast<size_t>(fy) * filter_row;
      const int64_t iy = iy0 + fy * p_.dilation_h;
      if (iy < 0 || iy >= p_.in_h) {
        for (size_t ox = 0; ox < out_w; ++ox) std::fill(dst0 + ox * k_, dst0 + ox * k_ + filter_row, 0.0f);
        continue;
      }
      const float* src_row = in + static_cast<size_t>((b * p_.in_h + iy) * p_.in_w) * in_c;
      for (size_t ox = 0; ox < out_w; ++ox) {
        if (ox == ox_begin && ox_begin < ox_end) {
          const float* src = src_row + static_cast<size_t>(static_cast<int64_t>(ox) * p_.stride_w - p_.pad_left) * in_c;
          float* dst = dst0 + ox * k_;
          for (; ox < ox_end; ++ox, src += step, dst += k_) copy_floats(dst, src, filter_row);
          if (ox == out_w) break;
        }
        const int64_t ix0 = static_cast<int64_t>(ox) * p_.stride_w - p_.pad_left;
        for (int64_t fx = 0; fx < p_.filter_w; ++fx) {
          const int64_t ix = ix0 + fx * p_.dilation_w;
          float* tap = dst0 + ox * k_ + static_cast<size_t>(fx) * in_c;
          if (ix < 0 || ix >= p_.in_w) {
            std::fill(tap, tap + in_c, 0.0f);
          } else {
            copy_floats(tap, src_row + static_cast<size_t>(ix) * in_c, in_c);
          }
        }
      }
    }
  }

  kernels::F32GemmFn gemm_;
  kernels::ConvParams p_;
  size_t k_;
  PackedFloats packed_;
};

// Grouped conv (groups > 1): group g's GEMM multiplies its input channels
// [g * group_in, (g + 1) * group_in) by its filter rows (packed one group after
// another) into output channels [g * group_out, (g + 1) * group_out). Pointwise
// convs read those channels in place (a_stride = in_c) for a whole slice of
// pixels; others im2col one output row into the thread's scratch, one block
// of patches per group, reading each input pixel's channels in order. Never
// fused (the chain fuses whole-channel convs).
class F32GroupedConvKernel final : public Kernel {
 public:
  F32GroupedConvKernel(kernels::F32GemmFn gemm, const kernels::ConvParams& p, bool pointwise, PackedFloats packed)
      : gemm_(gemm), p_(p), pointwise_(pointwise), group_in_(static_cast<size_t>(p.in_c / p.groups)),
        group_out_(static_cast<size_t>(p.out_c / p.groups)),
        k_(static_cast<size_t>(p.filter_h) * static_cast<size_t>(p.filter_w) * group_in_),
        group_packed_(kernels::f32_gemm_packed_size(group_out_, k_)), packed_(std::move(packed)) {}

  size_t scratch_bytes() const override { return pointwise_ ? 0 : block_floats() * p_.groups * sizeof(float); }

  void run(const KernelIO& io) const override {
    const float* in = static_cast<const float*>(io.inputs[0]);
    float* out = static_cast<float*>(io.outputs[0]);
    const size_t out_w = static_cast<size_t>(p_.out_w), in_c = static_cast<size_t>(p_.in_c),
                 out_c = static_cast<size_t>(p_.out_c), groups = static_cast<size_t>(p_.groups);
    parallel_rows(io, kernels::conv_rows(p_), 1, [&](size_t begin, size_t end, int thread) {
      if (pointwise_) {
        // Output rows [begin, end) are the same pixels of the input.
        const size_t m = (end - begin) * out_w;
        const float* a = in + begin * out_w * in_c;
        float* c = out + begin * out_w * out_c;
        for (size_t g = 0; g < groups; ++g) {
          gemm_(m, group_out_, k_, a + g * group_in_, in_c, packed_.data() + g * group_packed_, c + g * group_out_,
                out_c, p_.f32_min, p_.f32_max);
        }
        return;
      }
      float* col = reinterpret_cast<float*>(io.thread_scratch(thread));
      for (size_t r = begin; r < end; ++r) {
        im2col_row(in, r, col);
        for (size_t g = 0; g < groups; ++g) {
          gemm_(out_w, group_out_, k_, col + g * block_floats(), k_, packed_.data() + g * group_packed_,
                out + r * out_w * out_c + g * group_out_, out_c, p_.f32_min, p_.f32_max);
        }
      }
    });
  }

 private:
  // Floats of one group's patches of an output row: [out_w, k].
  size_t block_floats() const { return static_cast<size_t>(p_.out_w) * k_; }

  // Block g of col: group g's channels of the input patch of every pixel of
  // output row r (batch * out_h + oy), zeros for out-of-image taps.
  void im2col_row(const float* in, size_t r, float* col) const {
    const size_t groups = static_cast<size_t>(p_.groups), block = block_floats();
    const int64_t b = static_cast<int64_t>(r / static_cast<size_t>(p_.out_h));
    const int64_t iy0 = static_cast<int64_t>(r % static_cast<size_t>(p_.out_h)) * p_.stride_h - p_.pad_top;
    for (int64_t ox = 0; ox < p_.out_w; ++ox) {
      const int64_t ix0 = ox * p_.stride_w - p_.pad_left;
      float* dst = col + static_cast<size_t>(ox) * k_;
      for (int64_t fy = 0; fy < p_.filter_h; ++fy) {
        const int64_t iy = iy0 + fy * p_.dilation_h;
        for (int64_t fx = 0; fx < p_.filter_w; ++fx, dst += group_in_) {
          const int64_t ix = ix0 + fx * p_.dilation_w;
          if (iy < 0 || iy >= p_.in_h || ix < 0 || ix >= p_.in_w) {
            for (size_t g = 0; g < groups; ++g) std::fill(dst + g * block, dst + g * block + group_in_, 0.0f);
            continue;
          }
          const float* src = in + static_cast<size_t>((b * p_.in_h + iy) * p_.in_w + ix) * p_.in_c;
          for (size_t g = 0; g < groups; ++g) copy_floats(dst + g * block, src + g * group_in_, group_in_);
        }
      }
    }
  }

  kernels::F32GemmFn gemm_;
  kernels::ConvParams p_;
  bool pointwise_;
  size_t group_in_, group_out_, k_;
  size_t group_packed_;  // floats of one group's packed weights
  PackedFloats packed_;
};

// CONV_TRANSPOSE by output rows, so threads never write the same pixels:
// output row oy of image b takes, for each filter row ky whose taps land on it
// (iy * stride_h - pad_top + ky * dilation_h == oy), input row iy times
// filter row ky: per group, a GEMM col [in_w, kw * group_out] = that input
// row's group channels [in_w, group_in] times the group's weights of filter
// row ky (column kx * group_out + o = w[g * group_out + o, ky, kx, :]), and
// col[ix, kx * group_out + o] is added to output pixel ix * stride_w -
// pad_left + kx * dilation_w. The row starts as the bias and is clamped last.
class F32ConvTransposeKernel final : public Kernel {
 public:
  F32ConvTransposeKernel(kernels::F32GemmFn gemm, const kernels::ConvTransposeParams& p, PackedFloats packed,
                         std::vector<float> bias)
      : gemm_(gemm), p_(p), group_in_(static_cast<size_t>(p.in_c / p.groups)),
        group_out_(static_cast<size_t>(p.out_c / p.groups)), n_(static_cast<size_t>(p.filter_w) * group_out_),
        block_(kernels::f32_gemm_packed_size(n_, group_in_)), packed_(std::move(packed)), bias_(std::move(bias)) {}

  // Weights of group g, filter row ky: one GEMM's [n, k] = [kw * group_out, group_in].
  static size_t block_floats(const kernels::ConvTransposeParams& p) {
    return kernels::f32_gemm_packed_size(static_cast<size_t>(p.filter_w) * static_cast<size_t>(p.out_c / p.groups),
                                         static_cast<size_t>(p.in_c / p.groups));
  }

  size_t scratch_bytes() const override { return static_cast<size_t>(p_.in_w) * n_ * sizeof(float); }

  void run(const KernelIO& io) const override {
    const float* in = static_cast<const float*>(io.inputs[0]);
    float* out = static_cast<float*>(io.outputs[0]);
    parallel_rows(io, kernels::conv_transpose_rows(p_), 1, [&](size_t begin, size_t end, int thread) {
      float* col = reinterpret_cast<float*>(io.thread_scratch(thread));
      for (size_t r = begin; r < end; ++r) row(in, r, out + r * static_cast<size_t>(p_.out_w) * p_.out_c, col);
    });
  }

 private:
  void row(const float* in, size_t r, float* dst, float* col) const {
    const size_t out_w = static_cast<size_t>(p_.out_w), out_c = static_cast<size_t>(p_.out_c);
    const size_t in_w = static_cast<size_t>(p_.in_w), in_c = static_cast<size_t>(p_.in_c);
    for (size_t ox = 0; ox < out_w; ++ox) std::copy(bias_.begin(), bias_.end(), dst + ox * out_c);
    const int64_t b = static_cast<int64_t>(r / static_cast<size_t>(p_.out_h));
    const int64_t oy = static_cast<int64_t>(r % static_cast<size_t>(p_.out_h));
    constexpr float kInf = std::numeric_limits<float>::infinity();
    for (int64_t ky = 0; ky < p_.filter_h; ++ky) {
      const int64_t t = oy + p_.pad_top - ky * p_.dilation_h;
      if (t < 0 || t % p_.stride_h != 0 || t / p_.stride_h >= p_.in_h) continue;
      const float* src = in + static_cast<size_t>(b * p_.in_h + t / p_.stride_h) * in_w * in_c;
      for (size_t g = 0; g < static_cast<size_t>(p_.groups); ++g) {
        const float* w = packed_.data() + (g * static_cast<size_t>(p_.filter_h) + static_cast<size_t>(ky)) * block_;
        gemm_(in_w, n_, group_in_, src + g * group_in_, in_c, w, col, n_, -kInf, kInf);
        for (size_t ix = 0; ix < in_w; ++ix) {
          for (int64_t kx = 0; kx < p_.filter_w; ++kx) {
            const int64_t ox = static_cast<int64_t>(ix) * p_.stride_w - p_.pad_left + kx * p_.dilation_w;
            if (ox < 0 || ox >= p_.out_w) continue;
            const float* c = col + ix * n_ + static_cast<size_t>(kx) * group_out_;
            float* o = dst + static_cast<size_t>(ox) * out_c + g * group_out_;
            for (size_t j = 0; j < group_out_; ++j) o[j] += c[j];
          }
        }
      }
    }
    for (size_t i = 0; i < out_w * out_c; ++i) dst[i] = std::min(std::max(dst[i], p_.f32_min), p_.f32_max);
  }

  kernels::F32GemmFn gemm_;
  kernels::ConvTransposeParams p_;
  size_t group_in_, group_out_, n_;
  size_t block_;  // floats of one (group, filter row) block of packed_
  PackedFloats packed_;
  std::vector<float> bias_;  // [out_c], zeros when the node has none
};

// A depthwise stage: output rows [begin, end) of p's geometry.
struct F32Depthwise {
  kernels::F32DwConvFn fn;
  kernels::ConvParams p;
  std::vector<float> packed;
};

class F32DwConvKernel final : public F32PostOpKernel {
 public:
  explicit F32DwConvKernel(F32Depthwise dw) : dw_(std::move(dw)) {}

  void run(const KernelIO& io) const override {
    const float* in = static_cast<const float*>(io.inputs[0]);
    float* out = static_cast<float*>(io.outputs[0]);
    const size_t row = static_cast<size_t>(dw_.p.out_w) * static_cast<size_t>(dw_.p.out_c);
    parallel_rows(io, kernels::conv_rows(dw_.p), 1, [&](size_t begin, size_t end, int) {
      dw_.fn(dw_.p, in, dw_.packed.data(), out, begin, end);
      post(out + begin * row, (end - begin) * row);
    });
  }

  const F32Depthwise& stage() const { return dw_; }

 private:
  F32Depthwise dw_;
};

// [expand conv] -> depthwise -> [pointwise project] as one kernel, band by
// band of depthwise output rows, so the wide intermediate maps (MobileNetV2's
// 112x112x96 expansion is 4.8 MB, far past L2) never leave the core's cache:
// per band, the expand conv (a pointwise GEMM, or any conv through its im2col
// rows) writes just the input rows the band's windows need into thread
// scratch (rows the previous band already computed are moved to the front,
// not recomputed), the depthwise kernel reads them as a small image (its own
// bounds checks give the real padding at the map's top and bottom edges,
// pad_top shifted to the band), and the project GEMM reads the band's
// depthwise rows from scratch. Every output element is the same arithmetic,
// in the same order, as the kernels run one after another, so results are
// identical bit for bit. Threads split the output rows; each thread's first
// band recomputes the expand rows its neighbour also needs. The weights of
// the expand and project stages are read once per band (they are small where
// maps are wide; fuse_f32_dw_chain caps them).
class F32DwChainKernel final : public Kernel {
 public:
  F32DwChainKernel(std::unique_ptr<Kernel> expand, std::unique_ptr<Kernel> dw, std::unique_ptr<Kernel> project,
                   size_t band_bytes)
      : expand_(std::move(expand)), dw_(std::move(dw)), project_(std::move(project)) {
    conv_expand_ = dynamic_cast<const F32Im2colConvKernel*>(expand_.get());
    const kernels::ConvParams& p = dw_stage().p;
    in_row_ = static_cast<size_t>(p.in_w) * static_cast<size_t>(p.in_c);
    band_ = band_rows(p, expand_ != nullptr, project_ != nullptr, band_bytes);
    expand_floats_ = expand_ ? round16(band_input_rows(p, band_) * in_row_) : 0;
    dw_floats_ = project_ ? round16(band_ * static_cast<size_t>(p.out_w) * static_cast<size_t>(p.out_c)) : 0;
    col_floats_ = conv_expand_ != nullptr ? conv_expand_->col_floats() : 0;
  }

  size_t scratch_bytes() const override { return (expand_floats_ + dw_floats_ + col_floats_) * sizeof(float); }

  void run(const KernelIO& io) const override {
    const float* in = static_cast<const float*>(io.inputs[0]);
    float* out = static_cast<float*>(io.outputs[0]);
    const kernels::ConvParams& p = dw_stage().p;
    parallel_rows(io, kernels::conv_rows(p), 1, [&](size_t begin, size_t end, int thread) {
      float* xbuf = reinterpret_cast<float*>(io.thread_scratch(thread));
      run_rows(in, out, xbuf, xbuf + expand_floats_, xbuf + expand_floats_ + dw_floats_, begin, end);
    });
  }

 private:
  // Output rows per band: as many as keep the band's scratch within
  // band_bytes (at least one).
  static size_t band_rows(const kernels::ConvParams& p, bool expand, bool project, size_t band_bytes) {
    const size_t in_row = static_cast<size_t>(p.in_w) * static_cast<size_t>(p.in_c) * sizeof(float);
    const size_t out_row = static_cast<size_t>(p.out_w) * static_cast<size_t>(p.out_c) * sizeof(float);
    size_t band = 1;
    while (band < static_cast<size_t>(p.out_h) &&
           (expand ? band_input_rows(p, band + 1) * in_row : 0) + (project ? (band + 1) * out_row : 0) <= band_bytes) {
      ++band;
    }
    return band;
  }

  static size_t round16(size_t n) { return (n + 15) / 16 * 16; }
  static size_t band_input_rows(const kernels::ConvParams& p, size_t band) {
    return std::min(static_cast<size_t>(p.in_h), (band - 1) * static_cast<size_t>(p.stride_h) +
                                                     static_cast<size_t>((p.filter_h - 1) * p.dilation_h + 1));
  }

  const F32Depthwise& dw_stage() const { return static_cast<const F32DwConvKernel&>(*dw_).stage(); }
  const F32Pointwise& pw_stage(const std::unique_ptr<Kernel>& k) const {
    return static_cast<const F32GemmKernel&>(*k).stage();
  }

  // Expand output rows [from, to) of image b (the depthwise input's rows) into dst.
  void expand_rows(const float* in, int64_t b, int64_t from, int64_t to, float* dst, float* col) const {
    const kernels::ConvParams& p = dw_stage().p;
    if (conv_expand_ != nullptr) {
      conv_expand_->rows(in, static_cast<size_t>(b * p.in_h + from), static_cast<size_t>(b * p.in_h + to), dst, col, 1);
      return;
    }
    const F32Pointwise& e = pw_stage(expand_);
    e.run(static_cast<size_t>((to - from) * p.in_w), in + static_cast<size_t>((b * p.in_h + from) * p.in_w) * e.k, dst);
  }

  void run_rows(const float* in, float* out, float* xbuf, float* dbuf, float* col, size_t begin, size_t end) const {
    const F32Depthwise& dw = dw_stage();
    const kernels::ConvParams& p = dw.p;
    const int64_t out_h = p.out_h, in_h = p.in_h;
    const int64_t span = (p.filter_h - 1) * p.dilation_h + 1;
    // Input rows [x_lo, x_hi) of image x_b are in xbuf (expand only).
    int64_t x_b = -1, x_lo = 0, x_hi = 0;
    for (size_t r = begin; r < end;) {
      const int64_t b = static_cast<int64_t>(r) / out_h, oy0 = static_cast<int64_t>(r) % out_h;
      const int64_t oy1 =
          std::min<int64_t>({out_h, oy0 + static_cast<int64_t>(band_), oy0 + static_cast<int64_t>(end - r)});
      const int64_t lo = std::max<int64_t>(0, oy0 * p.stride_h - p.pad_top);
      const int64_t hi = std::min<int64_t>(in_h, (oy1 - 1) * p.stride_h - p.pad_top + span);
      const float* dw_in = in + static_cast<size_t>(b * in_h + lo) * in_row_;
      if (expand_) {
        int64_t from = lo;
        if (x_b == b && x_lo <= lo && lo < x_hi) {
          std::memmove(xbuf, xbuf + static_cast<size_t>(lo - x_lo) * in_row_,
                       static_cast<size_t>(x_hi - lo) * in_row_ * sizeof(float));
          from = x_hi;
        }
        if (hi > from) expand_rows(in, b, from, hi, xbuf + static_cast<size_t>(from - lo) * in_row_, col);
        x_b = b, x_lo = lo, x_hi = hi;
        dw_in = xbuf;
      }
      kernels::ConvParams q = p;
      q.batch = 1;
      q.in_h = static_cast<int32_t>(hi - lo);
      q.out_h = static_cast<int32_t>(oy1 - oy0);
      q.pad_top = static_cast<int32_t>(lo - oy0 * p.stride_h + p.pad_top);
      const size_t out_offset = static_cast<size_t>(b * out_h + oy0) * static_cast<size_t>(p.out_w);
      if (project_) {
        dw.fn(q, dw_in, dw.packed.data(), dbuf, 0, static_cast<size_t>(q.out_h));
        const F32Pointwise& j = pw_stage(project_);
        j.run(static_cast<size_t>(q.out_h * p.out_w), dbuf, out + out_offset * j.n);
      } else {
        dw.fn(q, dw_in, dw.packed.data(), out + out_offset * static_cast<size_t>(p.out_c), 0,
              static_cast<size_t>(q.out_h));
      }
      r += static_cast<size_t>(oy1 - oy0);
    }
  }

  std::unique_ptr<Kernel> expand_, dw_, project_;
  const F32Im2colConvKernel* conv_expand_ = nullptr;  // expand_ when it is not pointwise
  size_t in_row_ = 0;                                 // floats of one depthwise input row
  size_t band_ = 1;
  size_t expand_floats_ = 0, dw_floats_ = 0, col_floats_ = 0;  // scratch parts
};

}  // namespace

std::unique_ptr<Kernel> make_f32_conv2d(const kernels::ConvParams& p, const ir::Value& filter, const ir::Value* bias,
                                        const kernels::KernelTables& tables) {
  const kernels::F32GemmFn gemm = tables.f32_gemm.gemm;
  if (gemm == nullptr) return nullptr;
  const bool pointwise = p.filter_h == 1 && p.filter_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
                         p.pad_left == 0 && p.out_h == p.in_h && p.out_w == p.in_w;
  if (p.groups != 1) {
    // Group g's filter rows [g * n, (g + 1) * n) are its GEMM's [n, k] weights.
    const size_t n = static_cast<size_t>(p.out_c / p.groups);
    const size_t k = static_cast<size_t>(p.filter_h) * p.filter_w * static_cast<size_t>(p.in_c / p.groups);
    const size_t group_packed = kernels::f32_gemm_packed_size(n, k);
    PackedFloats packed(group_packed * static_cast<size_t>(p.groups));
    for (size_t g = 0; g < static_cast<size_t>(p.groups); ++g) {
      kernels::f32_gemm_pack_weights(floats(&filter) + g * n * k, bias != nullptr ? floats(bias) + g * n : nullptr, n,
                                     k, packed.data() + g * group_packed);
    }
    return std::make_unique<F32GroupedConvKernel>(gemm, p, pointwise, std::move(packed));
  }
  const size_t k = static_cast<size_t>(p.filter_h) * p.filter_w * p.in_c;
  // The filter [out_c, kh, kw, in_c] is the GEMM's [n, k] weights, k in im2col order.
  PackedFloats packed = pack_gemm(floats(&filter), floats(bias), static_cast<size_t>(p.out_c), k);
  if (pointwise) {
    const size_t pixels = static_cast<size_t>(p.batch) * p.in_h * p.in_w;
    return std::make_unique<F32GemmKernel>(
        pixels, F32Pointwise{tables.f32_gemm.gemm, tables.f32_gemm.mr, static_cast<size_t>(p.out_c), k, p.f32_min,
                             p.f32_max, std::move(packed)});
  }
  return std::make_unique<F32Im2colConvKernel>(gemm, p, std::move(packed));
}

std::unique_ptr<Kernel> make_f32_dwconv2d(const kernels::ConvParams& p, const ir::Value& filter, const ir::Value* bias,
                                          const kernels::KernelTables& tables) {
  const kernels::F32DwConvTable& t = tables.f32_dwconv;
  if (p.depth_multiplier != 1 || t.dwconv == nullptr) return nullptr;
  const bool k3x3 = p.filter_h == 3 && p.filter_w == 3 && p.dilation_h == 1 && p.dilation_w == 1;
  const kernels::F32DwConvFn fn = k3x3 && t.dwconv3x3 != nullptr ? t.dwconv3x3 : t.dwconv;
  const size_t taps = static_cast<size_t>(p.filter_h) * p.filter_w;
  std::vector<float> packed(kernels::f32_dwconv_packed_size(taps, static_cast<size_t>(p.out_c)));
  kernels::f32_dwconv_pack_weights(floats(&filter), floats(bias), taps, static_cast<size_t>(p.out_c), packed.data());
  return std::make_unique<F32DwConvKernel>(F32Depthwise{fn, p, std::move(packed)});
}

std::unique_ptr<Kernel> make_f32_fully_connected(const kernels::FullyConnectedParams& p, const ir::Value& weights,
                                                 const ir::Value* bias, const kernels::KernelTables& tables) {
  const kernels::F32GemmFn gemm = tables.f32_gemm.gemm;
  if (gemm == nullptr) return nullptr;
  const size_t n = static_cast<size_t>(p.units), k = static_cast<size_t>(p.input_depth);
  return std::make_unique<F32GemmKernel>(
      static_cast<size_t>(p.batch), F32Pointwise{tables.f32_gemm.gemm, tables.f32_gemm.mr, n, k, p.f32_min, p.f32_max,
                                                 pack_gemm(floats(&weights), floats(bias), n, k)});
}

std::unique_ptr<Kernel> make_f32_conv_transpose(const kernels::ConvTransposeParams& p, const ir::Value& filter,
                                                const ir::Value* bias, const kernels::KernelTables& tables) {
  const kernels::F32GemmFn gemm = tables.f32_gemm.gemm;
  if (gemm == nullptr) return nullptr;
  const size_t kh = static_cast<size_t>(p.filter_h), kw = static_cast<size_t>(p.filter_w);
  const size_t group_in = static_cast<size_t>(p.in_c / p.groups), group_out = static_cast<size_t>(p.out_c / p.groups);
  const size_t block = F32ConvTransposeKernel::block_floats(p);
  PackedFloats packed(block * static_cast<size_t>(p.groups) * kh);
  // Block (g, ky) packs rows kx * group_out + o = w[g * group_out + o, ky, kx, :].
  std::vector<float> rows(kw * group_out * group_in);
  const float* w = floats(&filter);
  for (size_t g = 0; g < static_cast<size_t>(p.groups); ++g) {
    for (size_t ky = 0; ky < kh; ++ky) {
      for (size_t kx = 0; kx < kw; ++kx) {
        for (size_t o = 0; o < group_out; ++o) {
          const float* src = w + (((g * group_out + o) * kh + ky) * kw + kx) * group_in;
          std::copy(src, src + group_in, rows.begin() + static_cast<ptrdiff_t>((kx * group_out + o) * group_in));
        }
      }
      kernels::f32_gemm_pack_weights(rows.data(), nullptr, kw * group_out, group_in,
                                     packed.data() + (g * kh + ky) * block);
    }
  }
  std::vector<float> bias_values(static_cast<size_t>(p.out_c), 0.0f);
  if (bias != nullptr) std::copy(floats(bias), floats(bias) + p.out_c, bias_values.begin());
  return std::make_unique<F32ConvTransposeKernel>(gemm, p, std::move(packed), std::move(bias_values));
}

size_t f32_dw_chain_saving(const Kernel* expand, const Kernel* dw, const Kernel* project,
                           const F32FusionOptions& options) {
  const auto* d = dynamic_cast<const F32DwConvKernel*>(dw);
  if (d == nullptr || (expand == nullptr && project == nullptr)) return 0;
  for (const Kernel* k : {expand, dw, project}) {
    const auto* f = dynamic_cast<const F32PostOpKernel*>(k);
    if (f != nullptr && f->post_op() != nullptr) return 0;  // the chain would skip it
  }
  const kernels::ConvParams& p = d->stage().p;
  const size_t batch = static_cast<size_t>(p.batch);
  const size_t in_pixels = batch * static_cast<size_t>(p.in_h) * static_cast<size_t>(p.in_w);
  const size_t out_pixels = batch * static_cast<size_t>(p.out_h) * static_cast<size_t>(p.out_w);
  size_t saved = 0;
  if (expand != nullptr) {
    const auto* pw = dynamic_cast<const F32GemmKernel*>(expand);
    const auto* conv = dynamic_cast<const F32Im2colConvKernel*>(expand);
    size_t weights = 0;
    if (pw != nullptr) {
      const F32Pointwise& e = pw->stage();
      if (e.n != static_cast<size_t>(p.in_c) || pw->m() != in_pixels) return 0;
      weights = e.packed.size() * sizeof(float);
    } else if (conv != nullptr) {
      const kernels::ConvParams& c = conv->params();
      if (c.batch != p.batch || c.out_h != p.in_h || c.out_w != p.in_w || c.out_c != p.in_c) return 0;
      weights = conv->weight_bytes();
    } else {
      return 0;
    }
    const size_t bytes = in_pixels * static_cast<size_t>(p.in_c) * sizeof(float);
    if (weights > options.max_stage_weight_bytes || bytes < options.min_map_bytes) return 0;
    saved += bytes;
  }
  if (project != nullptr) {
    const auto* pw = dynamic_cast<const F32GemmKernel*>(project);
    if (pw == nullptr) return 0;
    const F32Pointwise& j = pw->stage();
    const size_t bytes = out_pixels * static_cast<size_t>(p.out_c) * sizeof(float);
    if (j.k != static_cast<size_t>(p.out_c) || pw->m() != out_pixels ||
        j.packed.size() * sizeof(float) > options.max_stage_weight_bytes || bytes < options.min_map_bytes) {
      return 0;
    }
    saved += bytes;
  }
  return saved;
}

std::unique_ptr<Kernel> fuse_f32_dw_chain(std::unique_ptr<Kernel>* expand, std::unique_ptr<Kernel>* dw,
                                          std::unique_ptr<Kernel>* project, const F32FusionOptions& options) {
  if (dw == nullptr || f32_dw_chain_saving(expand != nullptr ? expand->get() : nullptr, dw->get(),
                                           project != nullptr ? project->get() : nullptr, options) == 0) {
    return nullptr;
  }
  std::unique_ptr<Kernel> none;
  return std::make_unique<F32DwChainKernel>(expand != nullptr ? std::move(*expand) : std::move(none), std::move(*dw),
                                            project != nullptr ? std::move(*project) : std::move(none),
                                            options.band_bytes);
}

bool fuse_f32_post_op(Kernel* kernel, kernels::F32VUnaryFn post) {
  auto* k = dynamic_cast<F32PostOpKernel*>(kernel);
  if (k == nullptr || post == nullptr || k->post_op() != nullptr) return false;
  k->set_post_op(post);
  return true;
}

}  // namespace edgerun::ops
