// DEQUANTIZE: int8 / uint8 / int16 / uint16, int4 / uint4 / int2 / uint2 or
// float4e2m1 (per tensor, per channel or element-wise affine, see
// ir::QuantizeAttrs) -> float32, computed in double
// as TFLite's reference Dequantize does (for these types the same float as
// ONNX's float32 (x - zero_point) * scale: both are the exact product rounded once).
#include <memory>
#include <string>
#include <vector>

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
  int64_t count = 0;
  int64_t inner = 1;
  std::vector<ref::DequantizeParams> params;

  void run(const KernelIO& io) const override {
    const void* x = io.inputs[0];
    auto* y = static_cast<float*>(io.outputs[0]);
    for (int64_t begin = 0; begin < count; begin += inner) {
      const ref::DequantizeParams& p = params[static_cast<size_t>((begin / inner) % params.size())];
      const int64_t end = begin + inner;
      switch (in_dtype) {
        case DType::kUInt8:
        case DType::kUInt4:
        case DType::kUInt2: ref::qu8_f32_dequantize__ref(static_cast<const uint8_t*>(x), y, p, begin, end); break;
        case DType::kInt8:
        case DType::kInt4:
        case DType::kInt2: ref::qs8_f32_dequantize__ref(static_cast<const int8_t*>(x), y, p, begin, end); break;
        case DType::kFloat4E2M1: ref::fp4_f32_dequantize__ref(static_cast<const uint8_t*>(x), y, p, begin, end); break;
        case DType::kUInt16: ref::qu16_f32_dequantize__ref(static_cast<const uint16_t*>(x), y, p, begin, end); break;
        default: ref::qs16_f32_dequantize__ref(static_cast<const int16_t*>(x), y, p, begin, end); break;
      }
    }
  }
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_dequantize(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 3, 1));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, DType::kFloat32));
  if (in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(in.info.shape) + " (the input's), found " +
                             shape_string(out.info.shape));
  }
  EDGERUN_ASSIGN_OR_RETURN(const QuantRuns runs, quant_runs(g, n, "input 0", in));
  auto k = std::make_unique<DequantizeKernel>();
  k->in_dtype = in.info.dtype;
  k->count = in.info.elements();
  k->inner = runs.inner;
  for (size_t i = 0; i < runs.scale.size(); ++i) {
    k->params.push_back({static_cast<double>(runs.scale[i]), runs.zero_point[i]});
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
