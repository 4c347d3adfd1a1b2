// Float32 conv-like Kernels over the packed-weight GEMM and depthwise kernels.
//   * pointwise CONV_2D (1x1, stride 1, no padding) and FULLY_CONNECTED: one
//     GEMM over the input as it lies (NHWC pixels / batches are the rows),
//     split over threads in whole register tiles of rows, and in column
//     blocks too when the rows are few;
//   * any other CONV_2D: per output row, an im2col of its out_w pixels (K =
//     filter_h * filter_w * in_c floats each, zeros for out-of-image taps) into
//     the thread's scratch, then the GEMM into that output row;
//   * DEPTHWISE_CONV_2D with depth_multiplier 1: the dwconv kernel (its 3x3
//     version for 3x3 filters without dilation) over output rows.
#include "ops/f32_conv.h"

#include "core/uninitialized.h"

#include <algorithm>
#include <cstring>
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
// Columns of a column block when threads split a GEMM's columns: two 16-column
// panels, the widest register tile.
constexpr size_t kColumnBlock = 2 * kernels::kF32GemmNr;
// Tasks per thread parallel_rows aims for.
constexpr size_t kTasksPerThread = 4;

// c [m, n] = clamp(a [m, k] * w^T + bias): pointwise convs and fully connected layers.
// Threads take whole row tiles (only the last tile has an M tail); when there
// are too few tiles to go round (7x7 maps, batch-1 fully connected) the columns
// are split into blocks as well and a task is a run of (block, tile) pairs.
class F32GemmKernel final : public Kernel {
 public:
  F32GemmKernel(const kernels::F32GemmTable& t, size_t m, size_t n, size_t k, float min, float max,
                PackedFloats packed)
      : gemm_(t.gemm), mr_(t.mr), m_(m), n_(n), k_(k), min_(min), max_(max), packed_(std::move(packed)) {}

  void run(const KernelIO& io) const override {
    const float* a = static_cast<const float*>(io.inputs[0]);
    float* c = static_cast<float*>(io.outputs[0]);
    if (m_ == 0 || n_ == 0) return;
    const size_t threads = io.pool != nullptr ? static_cast<size_t>(io.pool->threads()) : 1;
    const size_t tiles = (m_ + mr_ - 1) / mr_;
    const size_t blocks = (n_ + kColumnBlock - 1) / kColumnBlock;
    const size_t wanted = kTasksPerThread * threads;
    const size_t splits = threads == 1 || tiles >= wanted ? 1 : std::min(blocks, (wanted + tiles - 1) / tiles);
    const size_t split_macs = mr_ * std::max<size_t>((blocks + splits - 1) / splits * kColumnBlock * k_, 1);
    const size_t min_units = std::max<size_t>(1, kMinTaskMacs / split_macs);
    // Unit u is row tile u % tiles of column split u / tiles.
    parallel_rows(io, splits * tiles, min_units, [&](size_t begin, size_t end, int) {
      for (size_t s = begin / tiles; s * tiles < end; ++s) {
        const size_t t0 = std::max(begin, s * tiles) - s * tiles, t1 = std::min(end, (s + 1) * tiles) - s * tiles;
        const size_t m0 = t0 * mr_, m1 = std::min(m_, t1 * mr_);
        const size_t n0 = blocks * s / splits * kColumnBlock,
                     n1 = std::min(n_, blocks * (s + 1) / splits * kColumnBlock);
        const float* w = packed_.data() + n0 / kernels::kF32GemmNr * kernels::kF32GemmNr * (k_ + 1);
        gemm_(m1 - m0, n1 - n0, k_, a + m0 * k_, k_, w, c + m0 * n_ + n0, n_, min_, max_);
      }
    });
  }

 private:
  kernels::F32GemmFn gemm_;
  size_t mr_;
  size_t m_, n_, k_;
  float min_, max_;
  PackedFloats packed_;
};

// Any conv: im2col of one output row at a time into per-thread scratch, then the GEMM.
class F32Im2colConvKernel final : public Kernel {
 public:
  F32Im2colConvKernel(kernels::F32GemmFn gemm, const kernels::ConvParams& p, PackedFloats packed)
      : gemm_(gemm), p_(p), k_(static_cast<size_t>(p.filter_h) * p.filter_w * p.in_c), packed_(std::move(packed)) {}

  size_t scratch_bytes() const override { return static_cast<size_t>(p_.out_w) * k_ * sizeof(float); }

  void run(const KernelIO& io) const override {
    const float* in = static_cast<const float*>(io.inputs[0]);
    float* out = static_cast<float*>(io.outputs[0]);
    const size_t out_w = static_cast<size_t>(p_.out_w), out_c = static_cast<size_t>(p_.out_c);
    parallel_rows(io, kernels::conv_rows(p_), 1, [&](size_t begin, size_t end, int thread) {
      float* col = reinterpret_cast<float*>(io.thread_scratch(thread));
      for (size_t r = begin; r < end; ++r) {
        im2col_row(in, r, col);
        gemm_(out_w, out_c, k_, col, k_, packed_.data(), out + r * out_w * out_c, out_c, p_.f32_min, p_.f32_max);
      }
    });
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

class F32DwConvKernel final : public Kernel {
 public:
  F32DwConvKernel(kernels::F32DwConvFn fn, const kernels::ConvParams& p, std::vector<float> packed)
      : fn_(fn), p_(p), packed_(std::move(packed)) {}

  void run(const KernelIO& io) const override {
    const float* in = static_cast<const float*>(io.inputs[0]);
    float* out = static_cast<float*>(io.outputs[0]);
    parallel_rows(io, kernels::conv_rows(p_), 1,
                  [&](size_t begin, size_t end, int) { fn_(p_, in, packed_.data(), out, begin, end); });
  }

 private:
  kernels::F32DwConvFn fn_;
  kernels::ConvParams p_;
  std::vector<float> packed_;
};

}  // namespace

std::unique_ptr<Kernel> make_f32_conv2d(const kernels::ConvParams& p, const ir::Value& filter, const ir::Value* bias,
                                        const kernels::KernelTables& tables) {
  const kernels::F32GemmFn gemm = tables.f32_gemm.gemm;
  if (gemm == nullptr) return nullptr;
  const size_t k = static_cast<size_t>(p.filter_h) * p.filter_w * p.in_c;
  // The filter [out_c, kh, kw, in_c] is the GEMM's [n, k] weights, k in im2col order.
  PackedFloats packed = pack_gemm(floats(&filter), floats(bias), static_cast<size_t>(p.out_c), k);
  const bool pointwise = p.filter_h == 1 && p.filter_w == 1 && p.stride_h == 1 && p.stride_w == 1 && p.pad_top == 0 &&
                         p.pad_left == 0 && p.out_h == p.in_h && p.out_w == p.in_w;
  if (pointwise) {
    const size_t pixels = static_cast<size_t>(p.batch) * p.in_h * p.in_w;
    return std::make_unique<F32GemmKernel>(tables.f32_gemm, pixels, static_cast<size_t>(p.out_c), k, p.f32_min,
                                           p.f32_max, std::move(packed));
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
  return std::make_unique<F32DwConvKernel>(fn, p, std::move(packed));
}

std::unique_ptr<Kernel> make_f32_fully_connected(const kernels::FullyConnectedParams& p, const ir::Value& weights,
                                                 const ir::Value* bias, const kernels::KernelTables& tables) {
  const kernels::F32GemmFn gemm = tables.f32_gemm.gemm;
  if (gemm == nullptr) return nullptr;
  const size_t n = static_cast<size_t>(p.units), k = static_cast<size_t>(p.input_depth);
  return std::make_unique<F32GemmKernel>(tables.f32_gemm, static_cast<size_t>(p.batch), n, k, p.f32_min, p.f32_max,
                                         pack_gemm(floats(&weights), floats(bias), n, k));
}

}  // namespace edgerun::ops
