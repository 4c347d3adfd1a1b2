// DEQUANTIZE: int8 / uint8 / int16 / uint16, int4 / uint4 / int2 / uint2,
// float4e2m1 or float8 (per tensor, per channel or element-wise affine, see
// ir::QuantizeAttrs) -> float32 or float16, computed in double as TFLite's
// reference Dequantize does (for these types the same float as ONNX's float32
// (x - zero_point) * scale: both are the exact product rounded once); float16
// is that float rounded again, as ONNX's reference casts it.
// Also float16 -> float32 (TFLite's fp16 models: float16 weights, each read by
// a DEQUANTIZE), exact, with no quantization parameters.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "core/float_types.h"
#include "kernels/ref/quantize.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

// One parameter set per run of `inner` elements.
class DequantizeKernel final : public Kernel {
 public:
  DType in_dtype = DType::kUInt8;
  DType out_dtype = DType::kFloat32;
  int64_t count = 0;
  int64_t inner = 1;
  std::vector<ref::DequantizeParams> params;

  void run(const KernelIO& io) const override {
    if (in_dtype == DType::kFloat16) {
      const auto* x = static_cast<const uint16_t*>(io.inputs[0]);
      auto* y = static_cast<float*>(io.outputs[0]);
      for (int64_t i = 0; i < count; ++i) y[i] = half_to_float(x[i]);
      return;
    }
    if (out_dtype == DType::kFloat32) {
      run_f32(io.inputs[0], static_cast<float*>(io.outputs[0]), 0, count);
      return;
    }
    // float16: through a float buffer, a block at a time.
    constexpr int64_t kBlock = 1024;
    float buf[kBlock];
    auto* y = static_cast<uint16_t*>(io.outputs[0]);
    for (int64_t b = 0; b < count; b += kBlock) {
      const int64_t e = std::min(count, b + kBlock);
      run_f32(io.inputs[0], buf, b, e);
      for (int64_t i = b; i < e; ++i) y[i] = float_to_half(buf[i - b]);
    }
  }

 private:
  // Elements [from, to) of x into y[0, to - from).
  void run_f32(const void* x, float* y, int64_t from, int64_t to) const {
    const size_t es = dtype_size(in_dtype);
    for (int64_t run = from / inner * inner; run < to; run += inner) {
      const ref::DequantizeParams& p = params[static_cast<size_t>((run / inner) % params.size())];
      const int64_t begin = std::max(run, from), n = std::min(run + inner, to) - begin;
      const void* xs = static_cast<const uint8_t*>(x) + static_cast<size_t>(begin) * es;
      float* ys = y + (begin - from);
      switch (in_dtype) {
        case DType::kUInt8:
        case DType::kUInt4:
        case DType::kUInt2: ref::qu8_f32_dequantize__ref(static_cast<const uint8_t*>(xs), ys, p, 0, n); break;
        case DType::kInt8:
        case DType::kInt4:
        case DType::kInt2: ref::qs8_f32_dequantize__ref(static_cast<const int8_t*>(xs), ys, p, 0, n); break;
        case DType::kUInt16: ref::qu16_f32_dequantize__ref(static_cast<const uint16_t*>(xs), ys, p, 0, n); break;
        case DType::kFloat4E2M1: ref::fp4_f32_dequantize__ref(static_cast<const uint8_t*>(xs), ys, p, 0, n); break;
        case DType::kFloat8E4M3FN: ref::f8e4m3fn_f32_dequantize__ref(static_cast<const uint8_t*>(xs), ys, p, 0, n); break;
        case DType::kFloat8E5M2: ref::f8e5m2_f32_dequantize__ref(static_cast<const uint8_t*>(xs), ys, p, 0, n); break;
        default: ref::qs16_f32_dequantize__ref(static_cast<const int16_t*>(xs), ys, p, 0, n); break;
      }
    }
  }
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_dequantize(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 3, 1));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  if (out.info.dtype != DType::kFloat32 && out.info.dtype != DType::kFloat16) {
    return node_error(n, std::string("output dtype: expected float32 or float16, found ") + dtype_name(out.info.dtype));
  }
  if (in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(in.info.shape) + " (the input's), found " +
                             shape_string(out.info.shape));
  }
  if (in.info.dtype == DType::kFloat16) {
    if (n.inputs.size() > 1 || !in.info.quant.empty() || out.info.dtype != DType::kFloat32) {
      return node_error(n, "input 0 float16: expected no quantization, no inputs 1 and 2 and a float32 output, found " +
                               std::to_string(in.info.quant.scale.size()) + " scales, " +
                               std::to_string(n.inputs.size()) + " inputs and a " + dtype_name(out.info.dtype) +
                               " output");
    }
    auto k = std::make_unique<DequantizeKernel>();
    k->in_dtype = DType::kFloat16;
    k->count = in.info.elements();
    return std::unique_ptr<Kernel>(std::move(k));
  }
  EDGERUN_ASSIGN_OR_RETURN(const QuantRuns runs, quant_runs(g, n, "input 0", in));
  auto k = std::make_unique<DequantizeKernel>();
  k->in_dtype = in.info.dtype;
  k->out_dtype = out.info.dtype;
  k->count = in.info.elements();
  k->inner = runs.inner;
  for (size_t i = 0; i < runs.scale.size(); ++i) {
    k->params.push_back({static_cast<double>(runs.scale[i]), runs.zero_point[i]});
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
