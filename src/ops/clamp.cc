// CLAMP: y = min(max(x, min), max), any shape (TFLite RELU = [0, +inf],
// RELU6 = [0, 6], RELU_N1_TO_1 = [-1, 1]; ONNX Clip). float32, and plain
// integers (int8, uint8, int16, int32, int64 without quantization); quantized
// CLAMP is unsupported. min > max gives max everywhere (ONNX's
// test_clip_min_greater_than_max).
//
// Integer bounds are the float attributes rounded inward (min up, max down:
// x >= min exactly when x >= ceil(min)) and saturated to the dtype's range;
// +-inf leave that side open. Floats hold every integer up to 2^24 exactly,
// larger int32 / int64 bounds are only as exact as their float.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "kernels/ref/clamp.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

class ClampKernel final : public Kernel {
 public:
  DType dtype = DType::kFloat32;
  int64_t count = 0;
  float f32_lo = 0.0f, f32_hi = 0.0f;
  int64_t int_lo = 0, int_hi = 0;  // within the integer dtype's range

  void run(const KernelIO& io) const override {
    parallel_rows(io, static_cast<size_t>(count), size_t{1} << 14, [&](size_t b, size_t e, int) {
      const auto begin = static_cast<int64_t>(b);
      const auto end = static_cast<int64_t>(e);
      const void* x = io.inputs[0];
      void* y = io.outputs[0];
      switch (dtype) {
        case DType::kFloat32:
          ref::f32_clamp__ref(static_cast<const float*>(x), static_cast<float*>(y), f32_lo, f32_hi, begin, end);
          break;
        case DType::kInt8:
          ref::s8_clamp__ref(static_cast<const int8_t*>(x), static_cast<int8_t*>(y), static_cast<int8_t>(int_lo),
                             static_cast<int8_t>(int_hi), begin, end);
          break;
        case DType::kUInt8:
          ref::u8_clamp__ref(static_cast<const uint8_t*>(x), static_cast<uint8_t*>(y), static_cast<uint8_t>(int_lo),
                             static_cast<uint8_t>(int_hi), begin, end);
          break;
        case DType::kInt16:
          ref::s16_clamp__ref(static_cast<const int16_t*>(x), static_cast<int16_t*>(y), static_cast<int16_t>(int_lo),
                              static_cast<int16_t>(int_hi), begin, end);
          break;
        case DType::kInt32:
          ref::s32_clamp__ref(static_cast<const int32_t*>(x), static_cast<int32_t*>(y), static_cast<int32_t>(int_lo),
                              static_cast<int32_t>(int_hi), begin, end);
          break;
        case DType::kInt64:
          ref::s64_clamp__ref(static_cast<const int64_t*>(x), static_cast<int64_t*>(y), int_lo, int_hi, begin, end);
          break;
        default:
          break;
      }
    });
  }
};

struct IntRange {
  int64_t min, max;
};

IntRange dtype_range(DType t) {
  switch (t) {
    case DType::kInt8:
      return {-128, 127};
    case DType::kUInt8:
      return {0, 255};
    case DType::kInt16:
      return {-32768, 32767};
    case DType::kInt32:
      return {std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
    default:
      return {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()};
  }
}

// `bound` (integral, or +-inf) saturated to [r.min, r.max]. double(INT64_MAX)
// is 2^63, so every bound that gets to the cast converts exactly.
int64_t saturate(double bound, IntRange r) {
  if (bound <= static_cast<double>(r.min)) return r.min;
  if (bound >= static_cast<double>(r.max)) return r.max;
  return static_cast<int64_t>(bound);
}

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_clamp(const ir::Graph& g, const ir::Node& n, const PrepareContext&) {
  const auto* attrs = std::get_if<ir::ClampAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected ClampAttrs");
  if (std::isnan(attrs->min) || std::isnan(attrs->max)) {
    return node_error(n, "min / max: expected numbers or +-inf, found " + std::to_string(attrs->min) + ", " +
                             std::to_string(attrs->max));
  }
  EDGERUN_RETURN_IF_ERROR(expect_unary_elementwise(g, n, /*plain_integers=*/true));
  const ir::Value& in = input(g, n, 0);
  auto k = std::make_unique<ClampKernel>();
  k->dtype = in.info.dtype;
  k->count = in.info.elements();
  k->f32_lo = attrs->min;
  k->f32_hi = attrs->max;
  if (k->dtype != DType::kFloat32) {
    const IntRange r = dtype_range(k->dtype);
    k->int_lo = saturate(std::ceil(static_cast<double>(attrs->min)), r);
    k->int_hi = saturate(std::floor(static_cast<double>(attrs->max)), r);
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
