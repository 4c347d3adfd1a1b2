// CONCATENATION: N >= 1 inputs of equal dtype (float32 / uint8 / int8) and
// rank, equal in every dim but `axis` (negative axes count from the end).
// Quantized inputs whose scale or zero point differ from the output's are
// requantized like TFLite's reference ConcatenationWithScaling (TFLite itself
// only does this for uint8 and rejects such int8 models; edgerun applies the
// same formula, clamped to int8). Fused activations are rejected, as in TFLite.
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "kernels/ref/concat.h"
#include "ops/conv_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class ConcatenationKernel final : public Kernel {
 public:
  ConcatenationKernel(DType dtype, size_t outer, std::vector<size_t> copy_size, std::vector<uint8_t> requantize,
                      std::vector<float> scale, std::vector<float> bias, int32_t output_zero_point)
      : dtype_(dtype),
        copy_size_(std::move(copy_size)),
        requantize_(std::move(requantize)),
        scale_(std::move(scale)),
        bias_(std::move(bias)) {
    params_.inputs = static_cast<int32_t>(copy_size_.size());
    params_.outer = outer;
    params_.copy_size = copy_size_.data();
    params_.requantize = requantize_.empty() ? nullptr : requantize_.data();
    params_.scale = scale_.empty() ? nullptr : scale_.data();
    params_.bias = bias_.empty() ? nullptr : bias_.data();
    params_.output_zero_point = output_zero_point;
  }

  // params_ points into this object's vectors: never copy it.
  ConcatenationKernel(const ConcatenationKernel&) = delete;
  ConcatenationKernel& operator=(const ConcatenationKernel&) = delete;

  void run(const KernelIO& io) const override {
    const void* const* inputs = io.inputs.data();
    switch (dtype_) {
      case DType::kFloat32:
        kernels::f32_concat__ref(params_, inputs, static_cast<float*>(io.outputs[0]), 0, params_.outer);
        break;
      case DType::kUInt8:
        kernels::qu8_concat__ref(params_, inputs, static_cast<uint8_t*>(io.outputs[0]), 0, params_.outer);
        break;
      default:
        kernels::qs8_concat__ref(params_, inputs, static_cast<int8_t*>(io.outputs[0]), 0, params_.outer);
        break;
    }
  }

 private:
  DType dtype_;
  kernels::ConcatParams params_;
  std::vector<size_t> copy_size_;
  std::vector<uint8_t> requantize_;
  std::vector<float> scale_;
  std::vector<float> bias_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_concatenation(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, std::numeric_limits<int32_t>::max(), 1));
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (!has_input(n, i)) return node_error(n, "input " + std::to_string(i) + ": expected a tensor, found none");
  }
  const auto* attrs = std::get_if<ir::ConcatenationAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected ConcatenationAttrs");
  if (attrs->activation != ir::Activation::kNone) {
    return node_error(n, "fused activation: expected NONE (TFLite does not support one on CONCATENATION)");
  }
  const ir::Value& in0 = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  const DType dtype = in0.info.dtype;
  if (dtype != DType::kFloat32 && dtype != DType::kUInt8 && dtype != DType::kInt8) {
    return node_error(n, std::string("input 0 dtype: expected float32, uint8 or int8, found ") + dtype_name(dtype));
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, dtype));
  const auto rank = static_cast<int32_t>(in0.info.shape.size());
  int32_t axis = attrs->axis;
  if (axis < -rank || axis >= rank) {
    return node_error(n, "axis: expected within [" + std::to_string(-rank) + ", " + std::to_string(rank) +
                             ") for rank " + std::to_string(rank) + ", found " + std::to_string(attrs->axis));
  }
  if (axis < 0) axis += rank;
  const bool quantized = dtype != DType::kFloat32;
  if (quantized) EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "output", out));

  Shape expected = in0.info.shape;
  int64_t axis_sum = 0;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    const ir::Value& in = input(g, n, i);
    const std::string which = "input " + std::to_string(i);
    EDGERUN_RETURN_IF_ERROR(expect_dtype(n, which.c_str(), in, dtype));
    EDGERUN_RETURN_IF_ERROR(expect_rank(n, which.c_str(), in, static_cast<size_t>(rank)));
    EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, which.c_str(), in));
    for (int32_t d = 0; d < rank; ++d) {
      if (d != axis && in.info.shape[d] != in0.info.shape[d]) {
        return node_error(n, which + " shape: expected " + shape_string(in0.info.shape) + " except in dim " +
                                 std::to_string(axis) + ", found " + shape_string(in.info.shape));
      }
    }
    axis_sum += in.info.shape[axis];
    if (quantized) EDGERUN_RETURN_IF_ERROR(expect_quant8(n, which, in));
  }
  if (axis_sum > std::numeric_limits<int32_t>::max()) return node_error(n, "concatenated dim is too large");
  expected[axis] = static_cast<int32_t>(axis_sum);
  EDGERUN_RETURN_IF_ERROR(expect_output_shape(n, out, expected, "inputs joined along the axis"));

  size_t outer = 1;
  for (int32_t d = 0; d < axis; ++d) outer *= static_cast<size_t>(expected[d]);
  size_t inner = 1;
  for (int32_t d = axis + 1; d < rank; ++d) inner *= static_cast<size_t>(expected[d]);

  std::vector<size_t> copy_size;
  std::vector<uint8_t> requantize;
  std::vector<float> scale;
  std::vector<float> bias;
  int32_t output_zero_point = 0;
  if (quantized) {
    const float output_scale = out.info.quant.scale[0];
    output_zero_point = static_cast<int32_t>(out.info.quant.zero_point[0]);
    const float inverse_output_scale = 1.0f / output_scale;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const QuantParams& q = input(g, n, i).info.quant;
      const auto zp = static_cast<int32_t>(q.zero_point[0]);
      const bool same = zp == output_zero_point && q.scale[0] == output_scale;
      const float s = q.scale[0] * inverse_output_scale;
      requantize.push_back(same ? 0 : 1);
      scale.push_back(s);
      bias.push_back(static_cast<float>(-zp) * s);
    }
  }
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    copy_size.push_back(static_cast<size_t>(input(g, n, i).info.shape[axis]) * inner);
  }
  return std::unique_ptr<Kernel>(new ConcatenationKernel(dtype, outer, std::move(copy_size), std::move(requantize),
                                                         std::move(scale), std::move(bias), output_zero_point));
}

}  // namespace edgerun::ops
