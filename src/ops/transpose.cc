// TRANSPOSE: output dim i is input dim perm[i]; perm is the second input, a
// constant int32 vector (TFLite's form; the ONNX importer writes its `perm`
// attribute the same way). Any dtype, rank 1 to 6; per-channel quantization
// moves with its axis.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "kernels/ref/transpose.h"
#include "ops/conv_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class TransposeKernel final : public Kernel {
 public:
  TransposeKernel(const kernels::TransposeParams& p, size_t elements) : p_(p), elements_(elements) {}
  void run(const KernelIO& io) const override {
    parallel_rows(io, elements_, size_t{1} << 15, [&](size_t begin, size_t end, int) {
      kernels::xx_transpose__walk(p_, io.inputs[0], io.outputs[0], begin, end);
    });
  }

 private:
  kernels::TransposeParams p_;
  size_t elements_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_transpose(const ir::Graph& g, const ir::Node& n, const PrepareContext&) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 2, 2, 1));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& perm = input(g, n, 1);
  const ir::Value& out = output(g, n, 0);
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "input", in));
  const QuantParams& q = in.info.quant;
  if (!q.per_channel()) EDGERUN_RETURN_IF_ERROR(expect_same_quantization(n, in, out));
  if (out.info.dtype != in.info.dtype) {
    return node_error(n, std::string("output dtype: expected ") + dtype_name(in.info.dtype) + " (the input's), found " +
                             dtype_name(out.info.dtype));
  }
  const size_t rank = in.info.shape.size();
  if (rank < 1 || rank > kernels::kMaxTransposeRank) {
    return node_error(n, "input rank: expected 1 to " + std::to_string(kernels::kMaxTransposeRank) + ", found " +
                             std::to_string(rank));
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "perm", perm, DType::kInt32));
  EDGERUN_RETURN_IF_ERROR(expect_rank(n, "perm", perm, 1));
  EDGERUN_RETURN_IF_ERROR(expect_constant_data(n, "perm", perm));
  if (static_cast<size_t>(perm.info.shape[0]) != rank) {
    return node_error(n, "perm length: expected " + std::to_string(rank) + " (the input rank), found " +
                             std::to_string(perm.info.shape[0]));
  }
  std::vector<int32_t> p(rank);
  std::memcpy(p.data(), perm.data, rank * sizeof(int32_t));
  std::vector<bool> seen(rank, false);
  Shape expected(rank);
  std::vector<int64_t> in_stride(rank, 1);
  for (size_t d = rank - 1; d > 0; --d) in_stride[d - 1] = in_stride[d] * in.info.shape[d];
  kernels::TransposeParams kp;
  kp.rank = rank;
  kp.element_bytes = dtype_size(in.info.dtype);
  for (size_t i = 0; i < rank; ++i) {
    const int32_t a = p[i];
    if (a < 0 || static_cast<size_t>(a) >= rank || seen[static_cast<size_t>(a)]) {
      return node_error(n, "perm " + shape_string(Shape(p.begin(), p.end())) + ": expected a permutation of 0.." +
                               std::to_string(rank - 1));
    }
    seen[static_cast<size_t>(a)] = true;
    expected[i] = in.info.shape[static_cast<size_t>(a)];
    kp.out_shape[i] = expected[i];
    kp.in_stride[i] = in_stride[static_cast<size_t>(a)];
  }
  EDGERUN_RETURN_IF_ERROR(expect_output_shape(n, out, expected, "input shape permuted by perm"));
  if (q.per_channel()) {
    // Per-channel parameters move with their axis: output axis i is input axis perm[i].
    const auto axis = static_cast<int32_t>(std::find(p.begin(), p.end(), q.axis) - p.begin());
    const QuantParams& oq = out.info.quant;
    if (oq.scale != q.scale || oq.zero_point != q.zero_point || oq.axis != axis) {
      return node_error(n, "output quantization: expected the input's " + std::to_string(q.scale.size()) +
                               " scales and zero points along axis " + std::to_string(axis) + ", found " +
                               std::to_string(oq.scale.size()) + " along axis " + std::to_string(oq.axis));
    }
  }
  return std::unique_ptr<Kernel>(new TransposeKernel(kp, static_cast<size_t>(in.info.elements())));
}

}  // namespace edgerun::ops
