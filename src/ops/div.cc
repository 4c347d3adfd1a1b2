// DIV: elementwise quotient a / b with NumPy broadcasting and a fused
// activation. float32 (IEEE division, as TFLite's float DIV) and plain
// integers (int8 to int64, uint8 to uint64; truncating toward zero, x / 0 = 0,
// no fused activation: kernels/ref/int_arith.h). Quantized DIV is unsupported.
#include <memory>
#include <string>

#include "kernels/ref/div.h"
#include "ops/binary_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

class DivKernel final : public Kernel {
 public:
  DType dtype = DType::kFloat32;
  int64_t count = 0;
  ref::BroadcastIndex bc;
  ref::F32MinMaxParams f32{};

  void run(const KernelIO& io) const override {
    if (dtype != DType::kFloat32) {
      run_integer_binary(IntegerBinaryOp::kDiv, dtype, io, bc, count);
      return;
    }
    ref::f32_div_minmax__ref(static_cast<const float*>(io.inputs[0]), static_cast<const float*>(io.inputs[1]),
                             static_cast<float*>(io.outputs[0]), bc, f32, 0, count);
  }
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_div(const ir::Graph& g, const ir::Node& n, const PrepareContext&) {
  EDGERUN_ASSIGN_OR_RETURN(BinaryOpShape shape, prepare_binary_elementwise(g, n));
  if (shape.quantized) {
    return node_unsupported(n, std::string("quantized ") + dtype_name(shape.dtype) +
                                   " DIV is not supported (float32 or plain integers only)");
  }
  auto k = std::make_unique<DivKernel>();
  k->dtype = shape.dtype;
  k->bc = shape.bc;
  k->count = shape.count;
  const FloatRange r = elementwise_range_float(shape.activation);
  k->f32 = {r.min, r.max};
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
