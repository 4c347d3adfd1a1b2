// SUB: elementwise difference a - b with NumPy broadcasting and a fused
// activation. float32, quantized uint8 / int8 (LiteRT's sub.cc: ADD's
// parameters, binary_util's quant_add_params, and a difference of the
// rescaled inputs), and plain integers (int8 to int64, uint8 to uint64;
// wrapping, no fused activation).
#include <memory>

#include "kernels/ref/sub.h"
#include "ops/binary_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

class SubKernel final : public Kernel {
 public:
  DType dtype = DType::kFloat32;
  bool quantized = false;
  int64_t count = 0;
  ref::BroadcastIndex bc;
  ref::F32MinMaxParams f32{};
  ref::QuantAddParams q{};

  void run(const KernelIO& io) const override {
    if (dtype != DType::kFloat32 && !quantized) {
      run_integer_binary(IntegerBinaryOp::kSub, dtype, io, bc, count);
      return;
    }
    switch (dtype) {
      case DType::kFloat32:
        ref::f32_sub_minmax__ref(static_cast<const float*>(io.inputs[0]), static_cast<const float*>(io.inputs[1]),
                                 static_cast<float*>(io.outputs[0]), bc, f32, 0, count);
        break;
      case DType::kUInt8:
        ref::qu8_sub__ref(static_cast<const uint8_t*>(io.inputs[0]), static_cast<const uint8_t*>(io.inputs[1]),
                          static_cast<uint8_t*>(io.outputs[0]), bc, q, 0, count);
        break;
      case DType::kInt8:
        ref::qs8_sub__ref(static_cast<const int8_t*>(io.inputs[0]), static_cast<const int8_t*>(io.inputs[1]),
                          static_cast<int8_t*>(io.outputs[0]), bc, q, 0, count);
        break;
      default:
        break;
    }
  }
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_sub(const ir::Graph& g, const ir::Node& n, const PrepareContext&) {
  EDGERUN_ASSIGN_OR_RETURN(BinaryOpShape shape, prepare_binary_elementwise(g, n));
  auto k = std::make_unique<SubKernel>();
  k->dtype = shape.dtype;
  k->quantized = shape.quantized;
  k->bc = shape.bc;
  k->count = shape.count;
  if (shape.dtype == DType::kFloat32) {
    const FloatRange r = elementwise_range_float(shape.activation);
    k->f32 = {r.min, r.max};
    return std::unique_ptr<Kernel>(std::move(k));
  }
  if (!shape.quantized) return std::unique_ptr<Kernel>(std::move(k));

  EDGERUN_ASSIGN_OR_RETURN(k->q,
                           quant_add_params(n, input(g, n, 0), input(g, n, 1), output(g, n, 0), shape.activation));
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
