// HARD_SWISH: y = x * relu6(x + 3) / 6, float32 (ONNX HardSwish, TFLite
// HARD_SWISH; quantized inputs are not supported yet).
#include <memory>
#include <string>

#include "kernels/ref/hard_activation.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class HardSwishKernel final : public Kernel {
 public:
  explicit HardSwishKernel(int64_t count) : count_(count) {}
  void run(const KernelIO& io) const override {
    parallel_rows(io, static_cast<size_t>(count_), size_t{1} << 14, [&](size_t begin, size_t end, int) {
      kernels::ref::f32_hswish__ref(static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]),
                                    static_cast<int64_t>(begin), static_cast<int64_t>(end));
    });
  }

 private:
  int64_t count_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_hard_swish(const ir::Graph& g, const ir::Node& n, const PrepareContext&) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, 1));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "input 0", in, DType::kFloat32));
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, DType::kFloat32));
  if (in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(in.info.shape) + " (the input's), found " +
                             shape_string(out.info.shape));
  }
  return std::unique_ptr<Kernel>(new HardSwishKernel(in.info.elements()));
}

}  // namespace edgerun::ops
