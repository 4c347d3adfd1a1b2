// HARD_SIGMOID: y = max(0, min(1, alpha * x + beta)), float32 (ONNX
// HardSigmoid; PyTorch's hardsigmoid exports alpha 1/6, beta 0.5).
#include <cmath>
#include <memory>
#include <string>

#include "kernels/ref/hard_activation.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class HardSigmoidKernel final : public Kernel {
 public:
  HardSigmoidKernel(int64_t count, float alpha, float beta) : count_(count), alpha_(alpha), beta_(beta) {}
  void run(const KernelIO& io) const override {
    parallel_rows(io, static_cast<size_t>(count_), size_t{1} << 14, [&](size_t begin, size_t end, int) {
      kernels::ref::f32_hsigmoid__ref(static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]),
                                      alpha_, beta_, static_cast<int64_t>(begin), static_cast<int64_t>(end));
    });
  }

 private:
  int64_t count_;
  float alpha_, beta_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_hard_sigmoid(const ir::Graph& g, const ir::Node& n, const PrepareContext&) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, 1));
  const auto* attrs = std::get_if<ir::HardSigmoidAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected HardSigmoidAttrs");
  if (!std::isfinite(attrs->alpha) || !std::isfinite(attrs->beta)) {
    return node_error(n, "alpha / beta: expected finite values, found " + std::to_string(attrs->alpha) + ", " +
                             std::to_string(attrs->beta));
  }
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "input 0", in, DType::kFloat32));
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, DType::kFloat32));
  if (in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(in.info.shape) + " (the input's), found " +
                             shape_string(out.info.shape));
  }
  return std::unique_ptr<Kernel>(new HardSigmoidKernel(in.info.elements(), attrs->alpha, attrs->beta));
}

}  // namespace edgerun::ops
