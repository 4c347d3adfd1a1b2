// MUL: elementwise product with NumPy broadcasting and a fused activation.
// float32, quantized uint8 / int8 (the multiplier is computed as TFLite's
// mul.cc Prepare does: input1_scale * input2_scale / output_scale in float),
// and plain integers (int8 to int64, uint8 to uint64; wrapping, no fused
// activation).
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "kernels/quant_util.h"
#include "kernels/ref/mul.h"
#include "ops/binary_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

class MulKernel final : public Kernel {
 public:
  DType dtype = DType::kFloat32;
  int64_t count = 0;
  ref::BroadcastIndex bc;
  ref::F32MinMaxParams f32{};
  ref::QuantMulParams q{};
  bool quantized = false;

  void run(const KernelIO& io) const override {
    if (dtype != DType::kFloat32 && !quantized) {
      run_integer_binary(IntegerBinaryOp::kMul, dtype, io, bc, count);
      return;
    }
    switch (dtype) {
      case DType::kFloat32: {
        const auto* a = static_cast<const float*>(io.inputs[0]);
        const auto* b = static_cast<const float*>(io.inputs[1]);
        auto* y = static_cast<float*>(io.outputs[0]);
        parallel_elements(io, count, [&](int64_t begin, int64_t end) { ref::f32_mul_minmax__ref(a, b, y, bc, f32, begin, end); });
        break;
      }
      case DType::kUInt8:
        ref::qu8_mul__ref(static_cast<const uint8_t*>(io.inputs[0]), static_cast<const uint8_t*>(io.inputs[1]),
                          static_cast<uint8_t*>(io.outputs[0]), bc, q, 0, count);
        break;
      case DType::kInt8:
        ref::qs8_mul__ref(static_cast<const int8_t*>(io.inputs[0]), static_cast<const int8_t*>(io.inputs[1]),
                          static_cast<int8_t*>(io.outputs[0]), bc, q, 0, count);
        break;
      default:
        break;
    }
  }
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_mul(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_ASSIGN_OR_RETURN(BinaryOpShape shape, prepare_binary_elementwise(g, n));
  const ir::Value& a = input(g, n, 0);
  const ir::Value& b = input(g, n, 1);
  const ir::Value& out = output(g, n, 0);
  auto k = std::make_unique<MulKernel>();
  k->dtype = shape.dtype;
  k->bc = shape.bc;
  k->count = shape.count;
  if (shape.dtype == DType::kFloat32) {
    const FloatRange r = activation_range_float(shape.activation);
    k->f32 = {r.min, r.max};
    return std::unique_ptr<Kernel>(std::move(k));
  }
  k->quantized = shape.quantized;
  if (!shape.quantized) return std::unique_ptr<Kernel>(std::move(k));

  const float s1 = a.info.quant.scale[0];
  const float s2 = b.info.quant.scale[0];
  const float so = out.info.quant.scale[0];
  // TFLite evaluates this expression in float before widening to double.
  const float real_multiplier = s1 * s2 / so;
  if (!(real_multiplier > 0.0f) || !std::isfinite(real_multiplier) || real_multiplier >= static_cast<float>(1 << 30)) {
    return node_error(n, "quantization: expected input1_scale * input2_scale / output_scale in (0, 2^30), found " +
                             std::to_string(real_multiplier));
  }
  ref::QuantMulParams& q = k->q;
  q.input1_offset = -static_cast<int32_t>(a.info.quant.zero_point[0]);
  q.input2_offset = -static_cast<int32_t>(b.info.quant.zero_point[0]);
  q.output_offset = static_cast<int32_t>(out.info.quant.zero_point[0]);
  kernels::quantize_multiplier(static_cast<double>(real_multiplier), &q.output_multiplier, &q.output_shift);
  if (q.output_shift > 0 && (int64_t{255} * 255) << q.output_shift > std::numeric_limits<int32_t>::max()) {
    return node_error(n, "quantization: input1_scale * input2_scale / output_scale = " +
                             std::to_string(real_multiplier) + " is too large (the int32 product would overflow)");
  }
  const QuantRange range = activation_range_quantized(shape.activation, out);
  q.output_min = range.min;
  q.output_max = range.max;
  if (q.output_min > q.output_max) {
    return node_error(n, "fused activation range is empty for the output quantization (min " +
                             std::to_string(range.min) + " > max " + std::to_string(range.max) + ")");
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
