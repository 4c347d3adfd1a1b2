// AVERAGE_POOL_2D: NHWC float32 / uint8 / int8; the window is clipped to the
// image (padding is not counted). Quantized input and output share scale and
// zero point.
#include <memory>

#include "kernels/ref/pool.h"
#include "ops/conv_util.h"
#include "ops/op_list.h"

namespace edgerun::ops {
namespace {

template <typename T>
class AveragePool2DKernel final : public Kernel {
 public:
  using Fn = void (*)(const kernels::PoolParams&, const T*, T*, size_t, size_t);
  AveragePool2DKernel(const kernels::PoolParams& p, Fn fn) : params_(p), fn_(fn) {}
  void run(const KernelIO& io) const override {
    fn_(params_, static_cast<const T*>(io.inputs[0]), static_cast<T*>(io.outputs[0]), 0,
        kernels::pool_rows(params_));
  }

 private:
  kernels::PoolParams params_;
  Fn fn_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_average_pool_2d(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_ASSIGN_OR_RETURN(const kernels::PoolParams p, prepare_pool_2d(g, n, 1));
  switch (input(g, n, 0).info.dtype) {
    case DType::kFloat32:
      return std::unique_ptr<Kernel>(new AveragePool2DKernel<float>(p, kernels::f32_avgpool_minmax__ref));
    case DType::kUInt8:
      return std::unique_ptr<Kernel>(new AveragePool2DKernel<uint8_t>(p, kernels::qu8_avgpool__ref));
    default:
      return std::unique_ptr<Kernel>(new AveragePool2DKernel<int8_t>(p, kernels::qs8_avgpool__ref));
  }
}

}  // namespace edgerun::ops
