// TANH: y = tanh(x), float32, any shape. Quantized TANH is unsupported.
#include <memory>

#include "kernels/ref/tanh.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class TanhKernel final : public Kernel {
 public:
  explicit TanhKernel(int64_t count) : count_(count) {}
  void run(const KernelIO& io) const override {
    parallel_rows(io, static_cast<size_t>(count_), size_t{1} << 14, [&](size_t begin, size_t end, int) {
      kernels::ref::f32_tanh__ref(static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]),
                                  static_cast<int64_t>(begin), static_cast<int64_t>(end));
    });
  }

 private:
  int64_t count_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_tanh(const ir::Graph& g, const ir::Node& n, const PrepareContext&) {
  EDGERUN_RETURN_IF_ERROR(expect_unary_elementwise(g, n, /*plain_integers=*/false));
  return std::unique_ptr<Kernel>(new TanhKernel(input(g, n, 0).info.elements()));
}

}  // namespace edgerun::ops
