// LOGISTIC (sigmoid). float32, uint8, int8; quantized outputs have scale 1/256
// and use a 256-entry table built here, as TFLite's kReference path does.
// Float runs the CPU's vector kernel (kernels/f32_vunary.h) split over the
// threads, or the reference loop.
#include <memory>
#include <string>

#include "kernels/dispatch.h"
#include "kernels/ref/logistic.h"
#include "ops/activation_fusion.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

class LogisticKernel final : public Kernel {
 public:
  DType dtype = DType::kFloat32;
  int64_t count = 0;
  ref::Lut8Params lut{};
  kernels::F32VUnaryFn sigmoid = nullptr;  // the fast float kernel; null: the reference
  kernels::F32VUnaryFn swish = nullptr;    // its x * sigmoid(x), for fuse_f32_swish()

  void run(const KernelIO& io) const override {
    switch (dtype) {
      case DType::kFloat32:
        if (sigmoid != nullptr) {
          parallel_f32_vunary(io, sigmoid, count);
        } else {
          ref::f32_logistic__ref(static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]), 0,
                                 count);
        }
        break;
      case DType::kUInt8:
        ref::qu8_logistic__ref(static_cast<const uint8_t*>(io.inputs[0]), static_cast<uint8_t*>(io.outputs[0]), lut,
                               0, count);
        break;
      case DType::kInt8:
        ref::qs8_logistic__ref(static_cast<const int8_t*>(io.inputs[0]), static_cast<int8_t*>(io.outputs[0]), lut,
                               0, count);
        break;
      default:
        break;
    }
  }
};

// x * sigmoid(x) in one pass: a float LOGISTIC fused with the MUL of its
// output by its input.
class SwishKernel final : public Kernel {
 public:
  SwishKernel(kernels::F32VUnaryFn swish, int64_t count) : swish_(swish), count_(count) {}

  void run(const KernelIO& io) const override { parallel_f32_vunary(io, swish_, count_); }

 private:
  kernels::F32VUnaryFn swish_;
  int64_t count_;
};

}  // namespace

kernels::F32VUnaryFn f32_swish_fn(const Kernel& logistic) {
  const auto* k = dynamic_cast<const LogisticKernel*>(&logistic);
  return k == nullptr || k->dtype != DType::kFloat32 ? nullptr : k->swish;
}

std::unique_ptr<Kernel> fuse_f32_swish(const Kernel& logistic) {
  const kernels::F32VUnaryFn swish = f32_swish_fn(logistic);
  if (swish == nullptr) return nullptr;
  return std::make_unique<SwishKernel>(swish, static_cast<const LogisticKernel&>(logistic).count);
}

Result<std::unique_ptr<Kernel>> prepare_logistic(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, 1));
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  const DType dt = in.info.dtype;
  if (dt != DType::kFloat32 && dt != DType::kUInt8 && dt != DType::kInt8) {
    return node_error(n, std::string("input 0 dtype: expected float32, uint8 or int8, found ") + dtype_name(dt));
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, dt));
  if (in.info.shape != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(in.info.shape) + " (the input's), found " +
                             shape_string(out.info.shape));
  }
  auto k = std::make_unique<LogisticKernel>();
  k->dtype = dt;
  k->count = in.info.elements();
  if (dt == DType::kFloat32) {
    k->sigmoid = ctx.tables->f32_vunary.sigmoid;
    k->swish = ctx.tables->f32_vunary.swish;
    return std::unique_ptr<Kernel>(std::move(k));
  }

  EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "input 0", in));
  EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "output", out));
  // TFLite requires exactly 1/256 (compared as double).
  if (static_cast<double>(out.info.quant.scale[0]) != 1.0 / 256) {
    return node_error(n, "output scale: expected 1/256 (0.00390625), found " +
                             std::to_string(out.info.quant.scale[0]));
  }
  const float in_scale = in.info.quant.scale[0];
  const auto in_zp = static_cast<int32_t>(in.info.quant.zero_point[0]);
  const float out_scale = out.info.quant.scale[0];
  const auto out_zp = static_cast<int32_t>(out.info.quant.zero_point[0]);
  if (dt == DType::kUInt8) {
    ref::populate_logistic_lut_u8(in_scale, in_zp, out_scale, out_zp, &k->lut);
  } else {
    ref::populate_logistic_lut_s8(in_scale, in_zp, out_scale, out_zp, &k->lut);
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
