// BATCH_MATMUL: A [..., M, K] x B [..., K, N] -> [..., M, N], float32, both
// operands of equal rank 2..6 (importers pad the shorter one with leading 1s),
// batch dims broadcast as in NumPy (TFLite BATCH_MATMUL, ONNX MatMul of two
// activations).
#include <memory>
#include <string>
#include <vector>

#include "kernels/ref/batch_matmul.h"
#include "kernels/ref/broadcast.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class BatchMatMulKernel final : public Kernel {
 public:
  int64_t batches = 0;
  std::vector<int64_t> a_offset, b_offset;
  kernels::ref::BatchMatMulParams p{};

  void run(const KernelIO& io) const override {
    parallel_rows(io, static_cast<size_t>(batches), 1, [&](size_t begin, size_t end, int) {
      kernels::ref::f32_batch_matmul__ref(static_cast<const float*>(io.inputs[0]), static_cast<const float*>(io.inputs[1]),
                                          static_cast<float*>(io.outputs[0]), p, static_cast<int64_t>(begin),
                                          static_cast<int64_t>(end));
    });
  }
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_batch_matmul(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 2, 2, 1));
  const auto* attrs = std::get_if<ir::BatchMatMulAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected BatchMatMulAttrs");
  const ir::Value& a = input(g, n, 0);
  const ir::Value& b = input(g, n, 1);
  const ir::Value& out = output(g, n, 0);
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "input 0", a, DType::kFloat32));
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "input 1", b, DType::kFloat32));
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, DType::kFloat32));
  const Shape& as = a.info.shape;
  const Shape& bs = b.info.shape;
  const size_t rank = as.size();
  if (rank < 2 || rank > static_cast<size_t>(kernels::ref::kMaxIndexRank) || bs.size() != rank) {
    return node_error(n, "input shapes: expected two shapes of equal rank 2.." +
                             std::to_string(kernels::ref::kMaxIndexRank) + ", found " + shape_string(as) + " and " +
                             shape_string(bs));
  }
  const int64_t m = attrs->adj_x ? as[rank - 1] : as[rank - 2];
  const int64_t k = attrs->adj_x ? as[rank - 2] : as[rank - 1];
  const int64_t kb = attrs->adj_y ? bs[rank - 1] : bs[rank - 2];
  const int64_t nn = attrs->adj_y ? bs[rank - 2] : bs[rank - 1];
  if (k != kb) return node_error(n, "inner dims: A " + shape_string(as) + " and B " + shape_string(bs) + " do not fit");
  const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  Shape batch;
  kernels::ref::BroadcastIndex bc;
  if (!kernels::ref::make_broadcast_index(a_batch, b_batch, &batch, &bc)) {
    return node_error(n, "batch dims of " + shape_string(as) + " and " + shape_string(bs) + " do not broadcast");
  }
  Shape expected = batch;
  expected.push_back(static_cast<int32_t>(m));
  expected.push_back(static_cast<int32_t>(nn));
  if (out.info.shape != expected) {
    return node_error(n, "output shape: expected " + shape_string(expected) + ", found " + shape_string(out.info.shape));
  }
  auto kernel = std::make_unique<BatchMatMulKernel>();
  kernel->batches = shape_elements(batch);
  kernel->a_offset.resize(static_cast<size_t>(kernel->batches));
  kernel->b_offset.resize(static_cast<size_t>(kernel->batches));
  kernels::ref::for_each_broadcast(bc, 0, kernel->batches, [&](int64_t o, int64_t ia, int64_t ib) {
    kernel->a_offset[static_cast<size_t>(o)] = ia * m * k;
    kernel->b_offset[static_cast<size_t>(o)] = ib * k * nn;
  });
  kernel->p = {m, k, nn, attrs->adj_x, attrs->adj_y, nullptr, nullptr};
  kernel->p.a_offset = kernel->a_offset.data();
  kernel->p.b_offset = kernel->b_offset.data();
  return std::unique_ptr<Kernel>(std::move(kernel));
}

}  // namespace edgerun::ops
