// LOCAL_RESPONSE_NORMALIZATION over the last axis (channels, NHWC), float32.
// TFLite's op has one radius; ONNX's LRN window of `size` channels splits
// size - 1 as floor / ceil around the channel, hence two radii.
#include <cmath>
#include <memory>
#include <string>

#include "kernels/ref/local_response_norm.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class LocalResponseNormKernel final : public Kernel {
 public:
  int64_t rows = 0, depth = 0;
  kernels::ref::LocalResponseNormParams p{};

  void run(const KernelIO& io) const override {
    const auto* x = static_cast<const float*>(io.inputs[0]);
    auto* y = static_cast<float*>(io.outputs[0]);
    parallel_rows(io, static_cast<size_t>(rows), 64, [&](size_t begin, size_t end, int) {
      kernels::ref::f32_local_response_norm__ref(x, y, depth, p, static_cast<int64_t>(begin), static_cast<int64_t>(end));
    });
  }
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_local_response_norm(const ir::Graph& g, const ir::Node& n,
                                                            const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, 1));
  const auto* a = std::get_if<ir::LocalResponseNormAttrs>(&n.attrs);
  if (a == nullptr) return node_error(n, "attributes: expected LocalResponseNormAttrs");
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "input 0", in, DType::kFloat32));
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, DType::kFloat32));
  if (in.info.shape.empty() || in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected the input's " + shape_string(in.info.shape) + " (rank >= 1), found " +
                             shape_string(out.info.shape));
  }
  if (a->radius_before < 0 || a->radius_after < 0) {
    return node_error(n, "radius: expected >= 0, found " + std::to_string(a->radius_before) + " / " +
                             std::to_string(a->radius_after));
  }
  if (!std::isfinite(a->bias) || !std::isfinite(a->alpha) || !std::isfinite(a->beta)) {
    return node_error(n, "bias, alpha and beta must be finite");
  }
  auto k = std::make_unique<LocalResponseNormKernel>();
  k->depth = in.info.shape.back();
  k->rows = k->depth == 0 ? 0 : in.info.elements() / k->depth;
  k->p = {a->radius_before, a->radius_after, a->bias, a->alpha, a->beta};
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
