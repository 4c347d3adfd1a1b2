// HARD_SWISH: y = x * relu6(x + 3) / 6, float32 (ONNX HardSwish, TFLite
// HARD_SWISH; quantized inputs are not supported yet).
#include <memory>
#include <string>

#include "kernels/dispatch.h"
#include "ops/activation_fusion.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class HardSwishKernel final : public Kernel {
 public:
  HardSwishKernel(int64_t count, kernels::F32VUnaryFn fast) : count_(count), fast_(fast) {}
  void run(const KernelIO& io) const override {
    parallel_f32_vunary(io, fast_ != nullptr ? fast_ : kernels::f32_vhswish__ref, count_);
  }
  kernels::F32VUnaryFn fast() const { return fast_; }

 private:
  int64_t count_;
  kernels::F32VUnaryFn fast_;  // the CPU's vector kernel (the same bits); null: the reference
};

}  // namespace

kernels::F32VUnaryFn f32_hard_swish_fn(const Kernel& hard_swish) {
  const auto* k = dynamic_cast<const HardSwishKernel*>(&hard_swish);
  return k == nullptr ? nullptr : k->fast();
}

Result<std::unique_ptr<Kernel>> prepare_hard_swish(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, 1));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "input 0", in, DType::kFloat32));
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, DType::kFloat32));
  if (in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(in.info.shape) + " (the input's), found " +
                             shape_string(out.info.shape));
  }
  return std::unique_ptr<Kernel>(new HardSwishKernel(in.info.elements(), ctx.tables->f32_vunary.hswish));
}

}  // namespace edgerun::ops
