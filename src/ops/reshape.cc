// RESHAPE: the output shape is the output Value's static shape; the bytes are
// copied unchanged. The optional second input (new shape) does not decide the
// shape, but when it is a constant int32 vector (the form TFLite reads) it must
// resolve (one -1 allowed) to the output shape.
#include <cstring>
#include <memory>

#include "kernels/ref/copy.h"
#include "ops/conv_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class CopyKernel final : public Kernel {
 public:
  explicit CopyKernel(size_t bytes) : bytes_(bytes) {}
  void run(const KernelIO& io) const override { kernels::xx_copy__ref(io.inputs[0], io.outputs[0], bytes_); }

 private:
  size_t bytes_;
};

Status check_shape_input(const ir::Node& n, const ir::Value& shape, const ir::Value& in, const ir::Value& out) {
  if (!shape.is_constant() || shape.info.dtype != DType::kInt32 || shape.info.shape.size() != 1) return Status::Ok();
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "shape", shape));
  EDGERUN_RETURN_IF_ERROR(expect_constant_data(n, "shape", shape));
  const auto count = static_cast<size_t>(shape.info.shape[0]);
  Shape requested(count);
  if (count > 0) std::memcpy(requested.data(), shape.data, count * sizeof(int32_t));
  int stretch = -1;
  constexpr int64_t kCap = int64_t{1} << 40;  // products saturate here; only compared below
  int64_t known = 1;
  bool has_zero = false;
  for (size_t i = 0; i < count; ++i) {
    const int32_t d = requested[i];
    if (d == -1) {
      if (stretch >= 0) {
        return node_error(n, "shape input " + shape_string(requested) + ": more than one -1");
      }
      stretch = static_cast<int>(i);
    } else if (d < 0) {
      return node_error(n, "shape input " + shape_string(requested) + ": negative dim " + std::to_string(d));
    } else if (d == 0) {
      has_zero = true;
    } else {
      known = known > kCap / d ? kCap : known * d;
    }
  }
  const int64_t elements = in.info.elements();
  if (has_zero) known = 0;
  if (stretch >= 0) {
    if (known == 0 || elements % known != 0) {
      return node_error(n, "shape input " + shape_string(requested) + " cannot hold the input's " +
                               std::to_string(elements) + " elements");
    }
    requested[static_cast<size_t>(stretch)] = static_cast<int32_t>(elements / known);
  }
  if (requested != out.info.shape) {
    return node_error(n, "shape input: expected " + shape_string(out.info.shape) + " (the output shape), found " +
                             shape_string(requested));
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_reshape(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 2, 1));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  EDGERUN_RETURN_IF_ERROR(expect_same_quantization(n, in, out));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "input", in));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "output", out));
  if (in.info.elements() != out.info.elements()) {
    return node_error(n, "output elements: expected " + std::to_string(in.info.elements()) + " (input shape " +
                             shape_string(in.info.shape) + "), found " + std::to_string(out.info.elements()) +
                             " (output shape " + shape_string(out.info.shape) + ")");
  }
  if (has_input(n, 1)) EDGERUN_RETURN_IF_ERROR(check_shape_input(n, input(g, n, 1), in, out));
  return std::unique_ptr<Kernel>(new CopyKernel(in.info.bytes()));
}

}  // namespace edgerun::ops
