// PAD: input of rank 1..6, constant paddings [rank, 2] (int32 or int64,
// non-negative), output = input grown by the paddings and filled with 0.0 for
// float32 or the output zero point for uint8 / int8 (input and output share
// their quantization).
#include <cstring>
#include <limits>
#include <memory>

#include "kernels/ref/pad.h"
#include "ops/conv_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

template <typename T>
class PadKernel final : public Kernel {
 public:
  using Fn = void (*)(const kernels::PadParams&, const T*, T*, size_t, size_t);
  PadKernel(const kernels::PadParams& p, Fn fn) : params_(p), fn_(fn) {}
  void run(const KernelIO& io) const override {
    fn_(params_, static_cast<const T*>(io.inputs[0]), static_cast<T*>(io.outputs[0]), 0, kernels::pad_rows(params_));
  }

 private:
  kernels::PadParams params_;
  Fn fn_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_pad(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 2, 2, 1));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& paddings = input(g, n, 1);
  const ir::Value& out = output(g, n, 0);
  const DType dtype = in.info.dtype;
  if (dtype != DType::kFloat32 && dtype != DType::kUInt8 && dtype != DType::kInt8) {
    return node_error(n, std::string("input dtype: expected float32, uint8 or int8, found ") + dtype_name(dtype));
  }
  EDGERUN_RETURN_IF_ERROR(expect_same_quantization(n, in, out));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "input", in));
  const auto rank = static_cast<int32_t>(in.info.shape.size());
  if (rank < 1 || rank > kernels::kMaxPadRank) {
    return node_error(n, "input rank: expected 1.." + std::to_string(kernels::kMaxPadRank) + ", found " +
                             std::to_string(rank));
  }

  // Paddings: a constant [rank, 2] int32 / int64 tensor of non-negative values.
  if (paddings.info.dtype != DType::kInt32 && paddings.info.dtype != DType::kInt64) {
    return node_error(n, std::string("paddings dtype: expected int32 or int64, found ") +
                             dtype_name(paddings.info.dtype));
  }
  EDGERUN_RETURN_IF_ERROR(expect_constant_data(n, "paddings", paddings));
  if (paddings.info.shape != Shape{rank, 2}) {
    return node_error(n, "paddings shape: expected " + shape_string({rank, 2}) + ", found " +
                             shape_string(paddings.info.shape));
  }
  kernels::PadParams p;
  p.rank = rank;
  Shape expected(static_cast<size_t>(rank));
  for (int32_t d = 0; d < rank; ++d) {
    int64_t amount[2];
    for (int k = 0; k < 2; ++k) {
      const size_t i = static_cast<size_t>(d) * 2 + static_cast<size_t>(k);
      if (paddings.info.dtype == DType::kInt32) {
        int32_t v;
        std::memcpy(&v, paddings.data + i * sizeof(v), sizeof(v));
        amount[k] = v;
      } else {
        int64_t v;
        std::memcpy(&v, paddings.data + i * sizeof(v), sizeof(v));
        amount[k] = v;
      }
      if (amount[k] < 0 || amount[k] > std::numeric_limits<int32_t>::max()) {
        return node_error(n, "paddings[" + std::to_string(d) + "][" + std::to_string(k) +
                                 "]: expected a non-negative int32, found " + std::to_string(amount[k]));
      }
    }
    const int64_t size = in.info.shape[static_cast<size_t>(d)] + amount[0] + amount[1];
    if (size > std::numeric_limits<int32_t>::max()) {
      return node_error(n, "padded dim " + std::to_string(d) + " is too large: " + std::to_string(size));
    }
    expected[static_cast<size_t>(d)] = static_cast<int32_t>(size);
    p.in_dims[d] = in.info.shape[static_cast<size_t>(d)];
    p.out_dims[d] = size;
    p.before[d] = amount[0];
  }
  EDGERUN_RETURN_IF_ERROR(expect_output_shape(n, out, expected, "input shape + paddings"));

  switch (dtype) {
    case DType::kFloat32:
      p.f32_value = 0.0f;
      return std::unique_ptr<Kernel>(new PadKernel<float>(p, kernels::f32_pad__ref));
    case DType::kUInt8:
      p.quant_value = static_cast<int32_t>(out.info.quant.zero_point[0]);
      return std::unique_ptr<Kernel>(new PadKernel<uint8_t>(p, kernels::qu8_pad__ref));
    default:
      p.quant_value = static_cast<int32_t>(out.info.quant.zero_point[0]);
      return std::unique_ptr<Kernel>(new PadKernel<int8_t>(p, kernels::qs8_pad__ref));
  }
}

}  // namespace edgerun::ops
