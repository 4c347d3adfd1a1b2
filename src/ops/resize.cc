// RESIZE: ONNX Resize (opsets 10-21) on the H and W axes of an NHWC tensor,
// computed as onnx's reference implementation (onnx/reference/ops/op_resize.py)
// does. Per axis, each output index maps to a source coordinate (the
// coordinate transformation mode); the coordinate's fraction picks the filter
// coefficients (nearest / linear / cubic, antialias widening the filter when
// downsampling) over a window of source positions, exclude_outside zeroes and
// renormalises the weights outside the input, the window is clamped to the
// input (edge padding), and tf_crop_and_resize outside the input yields the
// extrapolation value. Height is resized before width, in float64.
//
// prepare does all of this once per output row and column, in onnx's
// evaluation order (float64, and float32 where numpy computes the roi terms in
// float32), so that nearest-neighbour ties round as onnx rounds them; the
// kernels only blend (float32) or copy (nearest, float32 / uint8 / int8).
#include "kernels/ref/resize.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "ops/conv_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

using ir::ResizeAttrs;
using ir::ResizeCoord;
using ir::ResizeMode;
using ir::ResizeNearestMode;

Status unsupported(const ir::Node& n, const std::string& what) { return Unsupported(node_error(n, what).message()); }

// One resized axis.
struct AxisGeometry {
  const char* name;  // "height" / "width", for messages
  int32_t in = 0, out = 0;
  double scale = 0.0;  // ONNX's scale_factor
  float roi_begin = 0.0f, roi_end = 1.0f;
};

// The taps of one axis, owned by the kernel (the kernel params point into them).
struct AxisTaps {
  int32_t taps = 0;
  std::vector<int32_t> index;
  std::vector<double> weight;
  std::vector<uint8_t> extrapolated;
  std::vector<int32_t> nearest;  // kNearest: source position, kResizeFill or kResizeZero
};

// Python's math.isclose(a, b) (rel_tol 1e-9, abs_tol 0).
bool isclose(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)); }

// onnx's _compute_x_ori: the source coordinate of output index y, in the same
// order of operations. numpy evaluates the roi terms on float32 scalars.
double source_coordinate(const ResizeAttrs& a, const AxisGeometry& g, int32_t y, bool* extrapolated) {
  const double in = g.in;
  const double yd = y;
  const double out_width = g.scale * in;  // not the integer size: ONNX keeps the fraction
  *extrapolated = false;
  switch (a.coord) {
    case ResizeCoord::kAlignCorners:
      return out_width == 1.0 ? 0.0 : yd * (in - 1.0) / (out_width - 1.0);
    case ResizeCoord::kAsymmetric:
      return yd / g.scale;
    case ResizeCoord::kTfCropAndResize: {
      const float extent = g.roi_end - g.roi_begin;
      const float in_last = static_cast<float>(g.in - 1);
      double x = out_width == 1.0 ? static_cast<double>(extent * in_last / 2.0f)
                                  : yd * static_cast<double>(extent) * (in - 1.0) / (out_width - 1.0);
      x = x + static_cast<double>(g.roi_begin * in_last);
      *extrapolated = x < 0.0 || x > in - 1.0;
      return x;
    }
    case ResizeCoord::kPytorchHalfPixel:
      return out_width == 1.0 ? -0.5 : (yd + 0.5) / g.scale - 0.5;
    case ResizeCoord::kHalfPixel:
      return (yd + 0.5) / g.scale - 0.5;
    case ResizeCoord::kHalfPixelSymmetric: {
      const double adjustment = static_cast<double>(g.out) / out_width;
      const double offset = in / 2.0 * (1.0 - adjustment);
      return offset + (yd + 0.5) / g.scale - 0.5;
    }
  }
  return 0.0;
}

// The filter of onnx's _cubic_coeffs_antialias at distance x.
double cubic_antialias_coeff(double x, double A) {
  x = std::abs(x);
  const double x2 = x * x;
  const double x3 = x * x2;
  if (x <= 1.0) return (A + 2.0) * x3 - (A + 3.0) * x2 + 1.0;
  if (x < 2.0) return A * x3 - 5.0 * A * x2 + 8.0 * A * x - 4.0 * A;
  return 0.0;
}

// Number of filter taps per output position (onnx's len(get_coeffs(...))), in
// double: a tiny antialias scale gives a count too large for any integer.
double tap_count(const ResizeAttrs& a, double scale) {
  const double s = std::min(scale, 1.0);
  switch (a.mode) {
    case ResizeMode::kNearest:
      return 2.0;
    case ResizeMode::kLinear:
      return a.antialias ? 2.0 - 2.0 * (std::floor(-1.0 / s) + 1.0) : 2.0;
    case ResizeMode::kCubic:
      return a.antialias ? 2.0 - 2.0 * (std::floor(-2.0 / s) + 1.0) : 4.0;
  }
  return 0.0;
}

// onnx's get_coeffs(ratio, scale) for ratio in (0, 1]: coefficient k weighs
// the source position k - taps / 2 + 1 past floor(x) (x - 1 for integer x).
void coefficients(const ResizeAttrs& a, double ratio, double scale, double* c, int64_t taps) {
  const double A = a.cubic_coeff_a;
  switch (a.mode) {
    case ResizeMode::kNearest: {
      bool ceil = true;  // an integer coordinate (ratio 1) takes the position itself
      if (ratio != 1.0) {
        switch (a.nearest) {
          case ResizeNearestMode::kRoundPreferFloor:
            ceil = ratio > 0.5;
            break;
          case ResizeNearestMode::kRoundPreferCeil:
            ceil = ratio >= 0.5;
            break;
          case ResizeNearestMode::kFloor:
            ceil = false;
            break;
          case ResizeNearestMode::kCeil:
            ceil = true;
            break;
        }
      }
      c[0] = ceil ? 0.0 : 1.0;
      c[1] = ceil ? 1.0 : 0.0;
      return;
    }
    case ResizeMode::kLinear: {
      if (!a.antialias) {
        c[0] = 1.0 - ratio;
        c[1] = ratio;
        return;
      }
      const double s = std::min(scale, 1.0);
      const int64_t start = 1 - taps / 2;
      double sum = 0.0;
      for (int64_t k = 0; k < taps; ++k) {
        const double arg = (static_cast<double>(start + k) - ratio) * s;
        c[k] = std::clamp(1.0 - std::abs(arg), 0.0, 1.0);
        sum += c[k];
      }
      for (int64_t k = 0; k < taps; ++k) c[k] /= sum;
      return;
    }
    case ResizeMode::kCubic: {
      if (!a.antialias) {
        const double r1 = ratio + 1.0, q = 1.0 - ratio, q1 = q + 1.0;
        c[0] = ((A * r1 - 5.0 * A) * r1 + 8.0 * A) * r1 - 4.0 * A;
        c[1] = ((A + 2.0) * ratio - (A + 3.0)) * ratio * ratio + 1.0;
        c[2] = ((A + 2.0) * q - (A + 3.0)) * q * q + 1.0;
        c[3] = ((A * q1 - 5.0 * A) * q1 + 8.0 * A) * q1 - 4.0 * A;
        return;
      }
      const double s = std::min(scale, 1.0);
      const int64_t start = 1 - taps / 2;
      double sum = 0.0;
      for (int64_t k = 0; k < taps; ++k) {
        c[k] = cubic_antialias_coeff(s * (static_cast<double>(start + k) - ratio), A);
        sum += c[k];
      }
      for (int64_t k = 0; k < taps; ++k) c[k] /= sum;
      return;
    }
  }
}

Result<AxisTaps> axis_taps(const ir::Node& n, const ResizeAttrs& a, const AxisGeometry& g) {
  AxisTaps t;
  const auto out = static_cast<size_t>(g.out);
  t.extrapolated.assign(out, 0);
  if (a.mode == ResizeMode::kNearest) t.nearest.assign(out, 0);
  // onnx skips an axis whose size and scale are unchanged (and whose roi is the whole axis).
  const bool identity = isclose(g.scale, 1.0) && g.out == g.in &&
                        (a.coord != ResizeCoord::kTfCropAndResize || (g.roi_begin == 0.0f && isclose(g.roi_end, 1.0)));
  if (identity) {
    t.taps = 1;
    t.weight.assign(out, 1.0);
    t.index.resize(out);
    for (int32_t y = 0; y < g.out; ++y) t.index[y] = y;
    if (a.mode == ResizeMode::kNearest) t.nearest = t.index;
    return t;
  }
  // Antialias widens the filter to about 4 / scale taps (cubic); a scale far
  // below output / input would make the table huge.
  const double taps_wanted = tap_count(a, g.scale);
  if (!(taps_wanted <= 4.0 * g.in + 8.0)) {
    return node_error(n, std::string("scale_") + g.name[0] + " = " + std::to_string(g.scale) +
                             " is too small for input " + g.name + " " + std::to_string(g.in) + " (" +
                             std::to_string(taps_wanted) + " antialias filter taps)");
  }
  const auto taps = static_cast<int64_t>(taps_wanted);
  t.taps = static_cast<int32_t>(taps);
  t.index.assign(out * static_cast<size_t>(taps), 0);
  t.weight.assign(out * static_cast<size_t>(taps), 0.0);
  const int64_t half = taps / 2;
  for (int32_t y = 0; y < g.out; ++y) {
    bool extrapolated = false;
    const double x = source_coordinate(a, g, y, &extrapolated);
    if (extrapolated) {  // the kernels write the extrapolation value; no taps are read
      t.extrapolated[y] = 1;
      if (a.mode == ResizeMode::kNearest) t.nearest[y] = kernels::kResizeFill;
      continue;
    }
    if (!(std::abs(x) < 1e9)) {
      return node_error(n, std::string("scale_") + g.name[0] + " = " + std::to_string(g.scale) + " maps output " +
                               g.name + " index " + std::to_string(y) + " to source coordinate " + std::to_string(x) +
                               ", outside the supported range");
    }
    const double floor_x = std::floor(x);
    const double ratio = x == floor_x ? 1.0 : x - floor_x;
    double* c = &t.weight[static_cast<size_t>(y) * static_cast<size_t>(taps)];
    int32_t* idx = &t.index[static_cast<size_t>(y) * static_cast<size_t>(taps)];
    coefficients(a, ratio, g.scale, c, taps);
    // onnx finds the window on the edge-padded axis (x + half), where an
    // integer coordinate's window ends at the position itself.
    const double padded = x + static_cast<double>(half);
    const double p = std::floor(padded);
    const int64_t first = static_cast<int64_t>(p) + (padded == p ? -half : 1 - half) - half;
    double sum = 0.0;
    for (int64_t k = 0; k < taps; ++k) {
      const int64_t pos = first + k;
      if (a.exclude_outside && (pos < 0 || pos >= g.in)) c[k] = 0.0;
      sum += c[k];
      idx[k] = static_cast<int32_t>(std::clamp<int64_t>(pos, 0, g.in - 1));
    }
    if (a.exclude_outside) {
      if (sum == 0.0) sum = 1.0;
      for (int64_t k = 0; k < taps; ++k) c[k] /= sum;
    }
    if (a.mode == ResizeMode::kNearest) {
      int32_t src = kernels::kResizeZero;
      for (int64_t k = 0; k < taps; ++k) {
        if (c[k] != 0.0) src = idx[k];
      }
      t.nearest[y] = src;
    }
  }
  return t;
}

class ResizeKernel final : public Kernel {
 public:
  ResizeKernel(AxisTaps y, AxisTaps x, kernels::ResizeParams p, size_t rows, size_t min_rows)
      : y_(std::move(y)), x_(std::move(x)), p_(p), rows_(rows), min_rows_(min_rows) {
    bind(p_.y, y_);
    bind(p_.x, x_);
  }
  ResizeKernel(const ResizeKernel&) = delete;
  ResizeKernel& operator=(const ResizeKernel&) = delete;

  void run(const KernelIO& io) const override {
    const auto* in = static_cast<const float*>(io.inputs[0]);
    auto* out = static_cast<float*>(io.outputs[0]);
    parallel_rows(io, rows_, min_rows_, [&](size_t begin, size_t end, int thread) {
      kernels::f32_resize__ref(p_, in, out, reinterpret_cast<double*>(io.thread_scratch(thread)), begin, end);
    });
  }
  size_t scratch_bytes() const override { return kernels::resize_scratch_bytes(p_); }

 private:
  static void bind(kernels::ResizeAxisTaps& k, const AxisTaps& t) {
    k.taps = t.taps;
    k.index = t.index.data();
    k.weight = t.weight.data();
    k.extrapolated = t.extrapolated.data();
  }
  AxisTaps y_, x_;
  kernels::ResizeParams p_;
  size_t rows_, min_rows_;
};

class ResizeNearestKernel final : public Kernel {
 public:
  ResizeNearestKernel(std::vector<int32_t> src_y, std::vector<int32_t> src_x, kernels::ResizeNearestParams p,
                      size_t rows, size_t min_rows)
      : src_y_(std::move(src_y)), src_x_(std::move(src_x)), p_(p), rows_(rows), min_rows_(min_rows) {
    p_.src_y = src_y_.data();
    p_.src_x = src_x_.data();
  }
  ResizeNearestKernel(const ResizeNearestKernel&) = delete;
  ResizeNearestKernel& operator=(const ResizeNearestKernel&) = delete;

  void run(const KernelIO& io) const override {
    parallel_rows(io, rows_, min_rows_, [&](size_t begin, size_t end, int) {
      kernels::xx_resize_nearest__ref(p_, io.inputs[0], io.outputs[0], begin, end);
    });
  }

 private:
  std::vector<int32_t> src_y_, src_x_;
  kernels::ResizeNearestParams p_;
  size_t rows_, min_rows_;
};

// Rows per task so that a task blends at least ~16k values.
size_t min_rows_for(size_t work_per_row) {
  return std::max<size_t>(1, (size_t{1} << 14) / std::max<size_t>(1, work_per_row));
}

// The extrapolation value as one element of the output dtype: onnx casts
// with saturate_cast (round half to even, then clamp) for integer dtypes.
template <typename T>
void store_fill(float value, uint8_t* fill) {
  T v;
  if constexpr (std::is_same_v<T, float>) {
    v = value;
  } else {
    const float lo = std::numeric_limits<T>::min(), hi = std::numeric_limits<T>::max();
    v = static_cast<T>(std::clamp(std::nearbyint(value), lo, hi));
  }
  std::memcpy(fill, &v, sizeof(v));
}

Status check_enums(const ir::Node& n, const ResizeAttrs& a) {
  if (a.mode != ResizeMode::kNearest && a.mode != ResizeMode::kLinear && a.mode != ResizeMode::kCubic) {
    return node_error(
        n, "mode: expected nearest, linear or cubic, found enum value " + std::to_string(static_cast<int>(a.mode)));
  }
  if (static_cast<int>(a.coord) > static_cast<int>(ResizeCoord::kTfCropAndResize)) {
    return node_error(
        n, "coordinate transformation mode: unknown enum value " + std::to_string(static_cast<int>(a.coord)));
  }
  if (static_cast<int>(a.nearest) > static_cast<int>(ResizeNearestMode::kCeil)) {
    return node_error(n, "nearest mode: unknown enum value " + std::to_string(static_cast<int>(a.nearest)));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_resize(const ir::Graph& g, const ir::Node& n, const PrepareContext&) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 2, 1));
  const auto* attrs = std::get_if<ResizeAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected ResizeAttrs");
  const ResizeAttrs& a = *attrs;
  EDGERUN_RETURN_IF_ERROR(check_enums(n, a));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);

  const DType dtype = in.info.dtype;
  if (dtype != DType::kFloat32 && dtype != DType::kUInt8 && dtype != DType::kInt8) {
    return unsupported(n, std::string("input dtype: expected float32, uint8 or int8, found ") + dtype_name(dtype));
  }
  if (dtype != DType::kFloat32 && a.mode != ResizeMode::kNearest) {
    return unsupported(n, std::string(a.mode == ResizeMode::kLinear ? "linear" : "cubic") + " mode on " +
                              dtype_name(dtype) +
                              " input is not supported (only float32; uint8 / int8 only with "
                              "nearest)");
  }
  // Plain (unquantized) 8-bit tensors pass through unchanged, quantized ones keep their quantization.
  if (in.info.quant.empty() && out.info.quant.empty()) {
    EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, dtype));
  } else {
    EDGERUN_RETURN_IF_ERROR(expect_same_quantization(n, in, out));
  }
  EDGERUN_RETURN_IF_ERROR(expect_rank(n, "input", in, 4));
  EDGERUN_RETURN_IF_ERROR(expect_rank(n, "output", out, 4));
  const Shape& is = in.info.shape;
  const Shape& os = out.info.shape;
  if (*std::min_element(is.begin(), is.end()) <= 0 || *std::min_element(os.begin(), os.end()) <= 0) {
    return node_error(
        n, "shapes: expected every dim > 0, found input " + shape_string(is) + ", output " + shape_string(os));
  }
  if (os[0] != is[0] || os[3] != is[3]) {
    return unsupported(n, "only height and width are resized: expected output batch " + std::to_string(is[0]) +
                              " and channels " + std::to_string(is[3]) + " (the input's), found output " +
                              shape_string(os));
  }
  if (has_input(n, 1)) {
    const ir::Value& size = input(g, n, 1);
    EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "size", size, DType::kInt32));
    EDGERUN_RETURN_IF_ERROR(expect_rank(n, "size", size, 1));
    if (size.info.shape[0] != 2) {
      return node_error(n, "size shape: expected [2], found " + shape_string(size.info.shape));
    }
    EDGERUN_RETURN_IF_ERROR(expect_constant_data(n, "size", size));
    int32_t hw[2];
    std::memcpy(hw, size.data, sizeof(hw));
    if (hw[0] != os[1] || hw[1] != os[2]) {
      return node_error(n, "size: expected [" + std::to_string(os[1]) + "," + std::to_string(os[2]) +
                               "] (the output's height and width), found [" + std::to_string(hw[0]) + "," +
                               std::to_string(hw[1]) + "]");
    }
  }

  if (a.antialias && a.mode == ResizeMode::kNearest) {
    return node_error(n, "antialias: expected false with nearest mode (ONNX defines it for linear and cubic only)");
  }
  if (!std::isfinite(a.cubic_coeff_a)) {
    return node_error(n, "cubic_coeff_a: expected a finite value, found " + std::to_string(a.cubic_coeff_a));
  }
  const double scales[2] = {a.scale_h, a.scale_w};
  for (int i = 0; i < 2; ++i) {
    if (!(scales[i] >= 0.0) || !std::isfinite(scales[i])) {
      return node_error(n, std::string(i == 0 ? "scale_h" : "scale_w") +
                               ": expected a finite value > 0 (or 0: output / input), found " +
                               std::to_string(scales[i]));
    }
  }
  if (a.coord == ResizeCoord::kTfCropAndResize) {
    for (float r : {a.roi_h_begin, a.roi_h_end, a.roi_w_begin, a.roi_w_end}) {
      if (!std::isfinite(r)) return node_error(n, "roi: expected finite values, found " + std::to_string(r));
    }
    if (dtype != DType::kFloat32 && !std::isfinite(a.extrapolation_value)) {
      return node_error(n, "extrapolation_value: expected a finite value for " + std::string(dtype_name(dtype)) +
                               " data, found " + std::to_string(a.extrapolation_value));
    }
  }

  AxisGeometry gh{"height", is[1], os[1], a.scale_h, a.roi_h_begin, a.roi_h_end};
  AxisGeometry gw{"width", is[2], os[2], a.scale_w, a.roi_w_begin, a.roi_w_end};
  for (AxisGeometry* ax : {&gh, &gw}) {
    if (ax->scale == 0.0) ax->scale = static_cast<double>(ax->out) / static_cast<double>(ax->in);
  }
  EDGERUN_ASSIGN_OR_RETURN(AxisTaps ty, axis_taps(n, a, gh));
  EDGERUN_ASSIGN_OR_RETURN(AxisTaps tx, axis_taps(n, a, gw));

  const auto rows = static_cast<size_t>(is[0]) * static_cast<size_t>(os[1]);
  const auto channels = static_cast<size_t>(is[3]);
  if (a.mode == ResizeMode::kNearest) {
    kernels::ResizeNearestParams p;
    p.in_h = is[1];
    p.in_w = is[2];
    p.out_h = os[1];
    p.out_w = os[2];
    p.channels = is[3];
    p.element_bytes = dtype_size(dtype);
    switch (dtype) {
      case DType::kUInt8:
        store_fill<uint8_t>(a.extrapolation_value, p.fill);
        break;
      case DType::kInt8:
        store_fill<int8_t>(a.extrapolation_value, p.fill);
        break;
      default:
        store_fill<float>(a.extrapolation_value, p.fill);
        break;
    }
    const size_t min_rows = min_rows_for(static_cast<size_t>(os[2]) * channels);
    return std::unique_ptr<Kernel>(
        new ResizeNearestKernel(std::move(ty.nearest), std::move(tx.nearest), p, rows, min_rows));
  }
  kernels::ResizeParams p;
  p.in_h = is[1];
  p.in_w = is[2];
  p.out_h = os[1];
  p.out_w = os[2];
  p.channels = is[3];
  p.extrapolation_value = a.extrapolation_value;
  const size_t work = (static_cast<size_t>(is[2]) * static_cast<size_t>(ty.taps) +
                       static_cast<size_t>(os[2]) * static_cast<size_t>(tx.taps)) *
                      channels;
  return std::unique_ptr<Kernel>(new ResizeKernel(std::move(ty), std::move(tx), p, rows, min_rows_for(work)));
}

}  // namespace edgerun::ops
