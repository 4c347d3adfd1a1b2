// DEQUANTIZE: uint8/int8 (per-tensor affine) -> float32, computed in double as
// TFLite's reference Dequantize does.
#include <memory>
#include <string>

#include "kernels/ref/quantize.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

class DequantizeKernel final : public Kernel {
 public:
  DType in_dtype = DType::kUInt8;
  int64_t count = 0;
  ref::DequantizeParams params{};

  void run(const KernelIO& io) const override {
    if (in_dtype == DType::kUInt8) {
      ref::qu8_f32_dequantize__ref(static_cast<const uint8_t*>(io.inputs[0]), static_cast<float*>(io.outputs[0]),
                                   params, 0, count);
    } else {
      ref::qs8_f32_dequantize__ref(static_cast<const int8_t*>(io.inputs[0]), static_cast<float*>(io.outputs[0]),
                                   params, 0, count);
    }
  }
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_dequantize(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, 1));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  const DType idt = in.info.dtype;
  if (idt != DType::kUInt8 && idt != DType::kInt8) {
    return node_error(n, std::string("input 0 dtype: expected uint8 or int8, found ") + dtype_name(idt));
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, DType::kFloat32));
  if (in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(in.info.shape) + " (the input's), found " +
                             shape_string(out.info.shape));
  }
  if (in.info.quant.per_channel()) {
    return node_error(n, "input 0 quantization: per-channel DEQUANTIZE is not supported, expected one scale, found " +
                             std::to_string(in.info.quant.scale.size()));
  }
  EDGERUN_RETURN_IF_ERROR(expect_per_tensor_quant(n, "input 0", in));
  const int64_t zp = in.info.quant.zero_point[0];
  const int64_t lo = idt == DType::kUInt8 ? 0 : -128;
  if (zp < lo || zp > lo + 255) {
    return node_error(n, "input 0 zero point: expected in [" + std::to_string(lo) + ", " + std::to_string(lo + 255) +
                             "] for " + dtype_name(idt) + ", found " + std::to_string(zp));
  }
  auto k = std::make_unique<DequantizeKernel>();
  k->in_dtype = idt;
  k->count = in.info.elements();
  k->params.scale = static_cast<double>(in.info.quant.scale[0]);
  k->params.zero_point = static_cast<int32_t>(zp);
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
