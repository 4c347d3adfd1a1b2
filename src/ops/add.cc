// ADD: elementwise sum with NumPy broadcasting and a fused activation.
// float32, quantized uint8 / int8 (parameters as TFLite's add.cc Prepare
// computes them: binary_util's quant_add_params), and plain integers (int8
// to int64, uint8 to uint64; wrapping, no fused activation).
#include <memory>
#include <optional>

#include "kernels/ref/add.h"
#include "ops/binary_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

class AddKernel final : public Kernel {
 public:
  DType dtype = DType::kFloat32;
  int64_t count = 0;
  ref::BroadcastIndex bc;
  ref::F32MinMaxParams f32{};
  ref::QuantAddParams q{};
  // Set: ONNX's float definition (QuantArithmetic::kOnnxRuntime) instead of q's.
  std::optional<ref::F32QuantAddParams> q_f32;
  // Same-shape fast kernels (null: the reference kernel).
  kernels::Qu8VaddFn qu8 = nullptr;
  kernels::Qs8VaddFn qs8 = nullptr;
  kernels::Qu8VaddF32Fn qu8_f32 = nullptr;
  kernels::Qs8VaddF32Fn qs8_f32 = nullptr;
  bool quantized = false;

  void run(const KernelIO& io) const override {
    if (dtype != DType::kFloat32 && !quantized) {
      run_integer_binary(IntegerBinaryOp::kAdd, dtype, io, bc, count);
      return;
    }
    switch (dtype) {
      case DType::kFloat32: {
        // Split over the threads: each reads the part of its operands that
        // the producer's threads most likely left in their own caches.
        const auto* a = static_cast<const float*>(io.inputs[0]);
        const auto* b = static_cast<const float*>(io.inputs[1]);
        auto* y = static_cast<float*>(io.outputs[0]);
        parallel_elements(io, count, [&](int64_t begin, int64_t end) { ref::f32_add_minmax__ref(a, b, y, bc, f32, begin, end); });
        break;
      }
      case DType::kUInt8:
        if (q_f32) {
          run_f32(io, qu8_f32, ref::qu8_add_f32__ref, static_cast<const uint8_t*>(io.inputs[0]),
                  static_cast<const uint8_t*>(io.inputs[1]), static_cast<uint8_t*>(io.outputs[0]));
          break;
        }
        if (qu8 != nullptr) {
          run_split(io, qu8, static_cast<const uint8_t*>(io.inputs[0]), static_cast<const uint8_t*>(io.inputs[1]),
                    static_cast<uint8_t*>(io.outputs[0]));
          break;
        }
        ref::qu8_add__ref(static_cast<const uint8_t*>(io.inputs[0]), static_cast<const uint8_t*>(io.inputs[1]),
                          static_cast<uint8_t*>(io.outputs[0]), bc, q, 0, count);
        break;
      case DType::kInt8:
        if (q_f32) {
          run_f32(io, qs8_f32, ref::qs8_add_f32__ref, static_cast<const int8_t*>(io.inputs[0]),
                  static_cast<const int8_t*>(io.inputs[1]), static_cast<int8_t*>(io.outputs[0]));
          break;
        }
        if (qs8 != nullptr) {
          run_split(io, qs8, static_cast<const int8_t*>(io.inputs[0]), static_cast<const int8_t*>(io.inputs[1]),
                    static_cast<int8_t*>(io.outputs[0]));
          break;
        }
        ref::qs8_add__ref(static_cast<const int8_t*>(io.inputs[0]), static_cast<const int8_t*>(io.inputs[1]),
                          static_cast<int8_t*>(io.outputs[0]), bc, q, 0, count);
        break;
      default:
        break;
    }
  }

 private:
  template <typename T, typename Fn>
  void run_split(const KernelIO& io, Fn fn, const T* a, const T* b, T* y) const {
    parallel_elements(io, count, [&](int64_t begin, int64_t end) {
      fn(static_cast<size_t>(end - begin), a + begin, b + begin, y + begin, q);
    });
  }
  template <typename T, typename Fn, typename RefFn>
  void run_f32(const KernelIO& io, Fn fast, RefFn reference, const T* a, const T* b, T* y) const {
    parallel_elements(io, count, [&](int64_t begin, int64_t end) {
      if (fast != nullptr) {
        fast(static_cast<size_t>(end - begin), a + begin, b + begin, y + begin, *q_f32);
      } else {
        reference(a, b, y, bc, *q_f32, begin, end);
      }
    });
  }
};

ref::F32QuantAddParams onnx_add_params(const ir::Value& a, const ir::Value& b, const ir::Value& out,
                                       const ref::QuantAddParams& q) {
  return {a.info.quant.scale[0],
          b.info.quant.scale[0],
          out.info.quant.scale[0],
          static_cast<int32_t>(a.info.quant.zero_point[0]),
          static_cast<int32_t>(b.info.quant.zero_point[0]),
          static_cast<int32_t>(out.info.quant.zero_point[0]),
          q.output_min,
          q.output_max};
}

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_add(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_ASSIGN_OR_RETURN(BinaryOpShape shape, prepare_binary_elementwise(g, n));
  const ir::Value& a = input(g, n, 0);
  const ir::Value& b = input(g, n, 1);
  const ir::Value& out = output(g, n, 0);
  auto k = std::make_unique<AddKernel>();
  k->dtype = shape.dtype;
  k->bc = shape.bc;
  k->count = shape.count;
  if (shape.dtype == DType::kFloat32) {
    const FloatRange r = activation_range_float(shape.activation);
    k->f32 = {r.min, r.max};
    return std::unique_ptr<Kernel>(std::move(k));
  }

  k->quantized = shape.quantized;
  if (!shape.quantized) return std::unique_ptr<Kernel>(std::move(k));

  EDGERUN_ASSIGN_OR_RETURN(k->q, quant_add_params(n, a, b, out, shape.activation));
  if (g.quant_arithmetic == ir::QuantArithmetic::kOnnxRuntime) k->q_f32 = onnx_add_params(a, b, out, k->q);
  if (shape.bc.elementwise) {
    k->qu8 = ctx.tables->q8_add.qu8;
    k->qs8 = ctx.tables->q8_add.qs8;
    k->qu8_f32 = ctx.tables->q8_add.qu8_f32;
    k->qs8_f32 = ctx.tables->q8_add.qs8_f32;
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
