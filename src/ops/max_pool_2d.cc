// MAX_POOL_2D: NHWC float32 / uint8 / int8; taps in the padding never win.
// Quantized input and output share scale and zero point. An optional second
// output receives the maxima's ONNX (NCHW) indices, int64 (ir::Pool2DAttrs).
#include <memory>
#include <string>

#include "kernels/ref/pool.h"
#include "ops/conv_util.h"
#include "ops/op_list.h"

namespace edgerun::ops {
namespace {

template <typename T>
class MaxPool2DKernel final : public Kernel {
 public:
  using Fn = void (*)(const kernels::PoolParams&, const T*, T*, int64_t*, size_t, size_t);
  MaxPool2DKernel(const kernels::PoolParams& p, Fn fn) : params_(p), fn_(fn) {}
  void run(const KernelIO& io) const override {
    int64_t* indices = io.outputs.size() > 1 ? static_cast<int64_t*>(io.outputs[1]) : nullptr;
    fn_(params_, static_cast<const T*>(io.inputs[0]), static_cast<T*>(io.outputs[0]), indices, 0,
        kernels::pool_rows(params_));
  }

 private:
  kernels::PoolParams params_;
  Fn fn_;
};

Status expect_indices(const ir::Graph& g, const ir::Node& n) {
  if (n.outputs.size() < 2) return Status::Ok();
  const ir::Value& indices = output(g, n, 1);
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "indices output", indices, DType::kInt64));
  const Shape& values = output(g, n, 0).info.shape;
  if (indices.info.shape == values) return Status::Ok();
  return node_error(n, "indices output shape: expected " + shape_string(values) + " (the values output's), found " +
                           shape_string(indices.info.shape));
}

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_max_pool_2d(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  if (n.outputs.size() != 1 && n.outputs.size() != 2) {
    return node_error(n, "output count: expected 1 or 2 (values, indices), found " + std::to_string(n.outputs.size()));
  }
  EDGERUN_ASSIGN_OR_RETURN(const kernels::PoolParams p, prepare_pool_2d(g, n, n.outputs.size()));
  EDGERUN_RETURN_IF_ERROR(expect_indices(g, n));
  switch (input(g, n, 0).info.dtype) {
    case DType::kFloat32:
      return std::unique_ptr<Kernel>(new MaxPool2DKernel<float>(p, kernels::f32_maxpool_minmax__ref));
    case DType::kUInt8:
      return std::unique_ptr<Kernel>(new MaxPool2DKernel<uint8_t>(p, kernels::qu8_maxpool__ref));
    default:
      return std::unique_ptr<Kernel>(new MaxPool2DKernel<int8_t>(p, kernels::qs8_maxpool__ref));
  }
}

}  // namespace edgerun::ops
