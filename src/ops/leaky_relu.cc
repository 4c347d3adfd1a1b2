// LEAKY_RELU: y = x > 0 ? x : alpha * x, float32, any shape (TFLite
// LEAKY_RELU, ONNX LeakyRelu). Quantized LEAKY_RELU is unsupported.
#include <cmath>
#include <memory>
#include <string>

#include "kernels/ref/leaky_relu.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class LeakyReluKernel final : public Kernel {
 public:
  LeakyReluKernel(int64_t count, float alpha) : count_(count), alpha_(alpha) {}
  void run(const KernelIO& io) const override {
    parallel_rows(io, static_cast<size_t>(count_), size_t{1} << 14, [&](size_t begin, size_t end, int) {
      kernels::ref::f32_leaky_relu__ref(static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]),
                                        alpha_, static_cast<int64_t>(begin), static_cast<int64_t>(end));
    });
  }

 private:
  int64_t count_;
  float alpha_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_leaky_relu(const ir::Graph& g, const ir::Node& n, const PrepareContext&) {
  const auto* attrs = std::get_if<ir::LeakyReluAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected LeakyReluAttrs");
  if (!std::isfinite(attrs->alpha)) {
    return node_error(n, "alpha: expected a finite value, found " + std::to_string(attrs->alpha));
  }
  EDGERUN_RETURN_IF_ERROR(expect_unary_elementwise(g, n, /*plain_integers=*/false));
  return std::unique_ptr<Kernel>(new LeakyReluKernel(input(g, n, 0).info.elements(), attrs->alpha));
}

}  // namespace edgerun::ops
