// QUANTIZE: float32 -> int8 / uint8 / int16 / uint16, int4 / uint4 / int2 /
// uint2, float4e2m1 or float8 (per tensor, per channel or element-wise affine;
// TFLite's or ONNX's rounding, see
// ir::QuantizeAttrs), or requantize between uint8/int8 with a new scale and
// zero point (TFLite's reference Requantize).
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "kernels/quant_util.h"
#include "kernels/ref/quantize.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

// float32 -> quantized, one parameter set per run of `inner` elements.
class QuantizeKernel final : public Kernel {
 public:
  DType out_dtype = DType::kUInt8;
  int64_t count = 0;
  int64_t inner = 1;
  bool saturate = true;  // float8 only
  std::vector<ref::AffineQuantizeParams> params;
  // One parameter set, rounding half to even: the table's fast kernels (null: none).
  kernels::F32Qs8QuantizeFn qs8 = nullptr;
  kernels::F32Qu8QuantizeFn qu8 = nullptr;

  void run(const KernelIO& io) const override {
    const auto* x = static_cast<const float*>(io.inputs[0]);
    void* y = io.outputs[0];
    if (qs8 != nullptr || qu8 != nullptr) {
      parallel_elements(io, count, [&](int64_t begin, int64_t end) {
        const auto n = static_cast<size_t>(end - begin);
        if (qs8 != nullptr) qs8(n, x + begin, static_cast<int8_t*>(y) + begin, params[0]);
        if (qu8 != nullptr) qu8(n, x + begin, static_cast<uint8_t*>(y) + begin, params[0]);
      });
      return;
    }
    for (int64_t begin = 0; begin < count; begin += inner) {
      const ref::AffineQuantizeParams& p = params[static_cast<size_t>((begin / inner) % params.size())];
      const int64_t end = begin + inner;
      const ref::Float8QuantizeParams f8{p.scale, saturate};
      switch (out_dtype) {
        case DType::kFloat8E4M3FN: ref::f32_f8e4m3fn_quantize__ref(x, static_cast<uint8_t*>(y), f8, begin, end); break;
        case DType::kFloat8E5M2: ref::f32_f8e5m2_quantize__ref(x, static_cast<uint8_t*>(y), f8, begin, end); break;
        case DType::kUInt8: ref::f32_qu8_quantize__ref(x, static_cast<uint8_t*>(y), p, begin, end); break;
        case DType::kInt8: ref::f32_qs8_quantize__ref(x, static_cast<int8_t*>(y), p, begin, end); break;
        case DType::kUInt16: ref::f32_qu16_quantize__ref(x, static_cast<uint16_t*>(y), p, begin, end); break;
        case DType::kInt4: ref::f32_qs4_quantize__ref(x, static_cast<int8_t*>(y), p, begin, end); break;
        case DType::kUInt4: ref::f32_qu4_quantize__ref(x, static_cast<uint8_t*>(y), p, begin, end); break;
        case DType::kInt2: ref::f32_qs2_quantize__ref(x, static_cast<int8_t*>(y), p, begin, end); break;
        case DType::kUInt2: ref::f32_qu2_quantize__ref(x, static_cast<uint8_t*>(y), p, begin, end); break;
        case DType::kFloat4E2M1: ref::f32_fp4_quantize__ref(x, static_cast<uint8_t*>(y), p, begin, end); break;
        default: ref::f32_qs16_quantize__ref(x, static_cast<int16_t*>(y), p, begin, end); break;
      }
    }
  }
};

// y = x + delta, bytes wrapping; restrict and locals so it vectorizes.
void add_bytes(const uint8_t* __restrict x, uint8_t* __restrict y, size_t n, uint8_t delta) {
  for (size_t i = 0; i < n; ++i) y[i] = static_cast<uint8_t>(x[i] + delta);
}

// 8-bit -> 8-bit requantize through a 256-entry table filled by the reference
// kernel itself at prepare time: exact by construction, one load per element.
class RequantizeTableKernel final : public Kernel {
 public:
  RequantizeTableKernel(DType in_dtype, DType out_dtype, const ref::RequantizeParams& params, int64_t count)
      : count_(static_cast<size_t>(count)) {
    uint8_t in_bytes[256];
    for (int v = 0; v < 256; ++v) in_bytes[v] = static_cast<uint8_t>(v);  // index = the input's bit pattern
    const bool in_u8 = in_dtype == DType::kUInt8, out_u8 = out_dtype == DType::kUInt8;
    const auto* in_s8 = reinterpret_cast<const int8_t*>(in_bytes);
    auto* out_s8 = reinterpret_cast<int8_t*>(table_);
    if (in_u8 && out_u8) ref::qu8_qu8_requantize__ref(in_bytes, table_, params, 0, 256);
    if (in_u8 && !out_u8) ref::qu8_qs8_requantize__ref(in_bytes, out_s8, params, 0, 256);
    if (!in_u8 && out_u8) ref::qs8_qu8_requantize__ref(in_s8, table_, params, 0, 256);
    if (!in_u8 && !out_u8) ref::qs8_qs8_requantize__ref(in_s8, out_s8, params, 0, 256);
    // The common uint8 -> int8 input conversion (same scale, zero points 128
    // apart) is a constant byte offset with no clamping: a vectorizable add.
    offset_ = true;
    for (int v = 0; v < 256; ++v) offset_ &= table_[v] == static_cast<uint8_t>(v + table_[0]);
  }

  void run(const KernelIO& io) const override {
    const auto* x = static_cast<const uint8_t*>(io.inputs[0]);
    auto* y = static_cast<uint8_t*>(io.outputs[0]);
    const uint8_t delta = table_[0];
    parallel_rows(io, count_, 1 << 16, [&](size_t begin, size_t end, int) {
      if (offset_) {
        add_bytes(x + begin, y + begin, end - begin, delta);
      } else {
        for (size_t i = begin; i < end; ++i) y[i] = table_[x[i]];
      }
    });
  }

 private:
  size_t count_;
  uint8_t table_[256];
  bool offset_ = false;
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_quantize(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 3, 1));
  ir::QuantizeAttrs attrs;
  if (const auto* a = std::get_if<ir::QuantizeAttrs>(&n.attrs)) {
    attrs = *a;
  } else if (!std::holds_alternative<std::monostate>(n.attrs)) {
    return node_error(n, "attributes: expected QuantizeAttrs or none");
  }
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  const DType idt = in.info.dtype;
  const DType odt = out.info.dtype;
  if (idt != DType::kFloat32 && idt != DType::kUInt8 && idt != DType::kInt8) {
    return node_error(n, std::string("input 0 dtype: expected float32, uint8 or int8, found ") + dtype_name(idt));
  }
  if (in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(in.info.shape) + " (the input's), found " +
                             shape_string(out.info.shape));
  }
  if (idt == DType::kFloat32) {
    EDGERUN_ASSIGN_OR_RETURN(const QuantRuns runs, quant_runs(g, n, "output", out));
    auto k = std::make_unique<QuantizeKernel>();
    k->out_dtype = odt;
    k->count = in.info.elements();
    k->inner = runs.inner;
    k->saturate = attrs.saturate;
    const bool half_to_even = attrs.rounding == ir::QuantizeRounding::kHalfToEven;
    for (size_t i = 0; i < runs.scale.size(); ++i) {
      k->params.push_back({runs.scale[i], runs.zero_point[i], half_to_even});
    }
    if (half_to_even && k->params.size() == 1) {
      if (odt == DType::kInt8) k->qs8 = ctx.tables->f32_quantize.qs8_half_even;
      if (odt == DType::kUInt8) k->qu8 = ctx.tables->f32_quantize.qu8_half_even;
    }
    return std::unique_ptr<Kernel>(std::move(k));
  }

  // Requantize: TFLite's fixed-point arithmetic, per tensor and 8-bit only, with its own rounding.
  if (odt != DType::kUInt8 && odt != DType::kInt8) {
    return node_error(n, std::string("output dtype: expected uint8 or int8 for a ") + dtype_name(idt) +
                             " input, found " + dtype_name(odt));
  }
  if (n.inputs.size() > 1) {
    return node_error(n, "input count: expected 1 for a " + std::string(dtype_name(idt)) +
                             " input (requantize), found " + std::to_string(n.inputs.size()));
  }
  if (attrs.rounding != ir::QuantizeRounding::kHalfAwayFromZero) {
    return node_error(n, "rounding: expected half away from zero for a " + std::string(dtype_name(idt)) +
                             " input (requantize), found half to even");
  }
  EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "output", out));
  const float out_scale = out.info.quant.scale[0];
  const auto out_zp = static_cast<int32_t>(out.info.quant.zero_point[0]);
  EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "input 0", in));
  const double real_multiplier =
      static_cast<double>(in.info.quant.scale[0]) / static_cast<double>(out_scale);
  // (x - zp) is at most 255 in magnitude; it is shifted left by the multiplier's exponent.
  if (!(real_multiplier < static_cast<double>(1 << 22))) {
    return node_error(n, "quantization: expected input_scale / output_scale < 2^22, found " +
                             std::to_string(real_multiplier));
  }
  ref::RequantizeParams requant{};
  requant.input_zero_point = static_cast<int32_t>(in.info.quant.zero_point[0]);
  requant.output_zero_point = out_zp;
  kernels::quantize_multiplier(real_multiplier, &requant.multiplier, &requant.shift);
  return std::unique_ptr<Kernel>(new RequantizeTableKernel(idt, odt, requant, in.info.elements()));
}

}  // namespace edgerun::ops
