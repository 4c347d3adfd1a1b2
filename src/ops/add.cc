// ADD: elementwise sum with NumPy broadcasting and a fused activation.
// float32, uint8, int8; quantized parameters follow TFLite's add.cc Prepare
// (left_shift 20, inputs rescaled to twice the larger input scale).
#include <algorithm>
#include <memory>
#include <string>

#include "kernels/quant_util.h"
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
  // Same-shape fast kernels (null: the reference kernel).
  kernels::Qu8VaddFn qu8 = nullptr;
  kernels::Qs8VaddFn qs8 = nullptr;

  void run(const KernelIO& io) const override {
    switch (dtype) {
      case DType::kFloat32:
        ref::f32_add_minmax__ref(static_cast<const float*>(io.inputs[0]), static_cast<const float*>(io.inputs[1]),
                                 static_cast<float*>(io.outputs[0]), bc, f32, 0, count);
        break;
      case DType::kUInt8:
        if (qu8 != nullptr) {
          run_split(io, qu8, static_cast<const uint8_t*>(io.inputs[0]), static_cast<const uint8_t*>(io.inputs[1]),
                    static_cast<uint8_t*>(io.outputs[0]));
          break;
        }
        ref::qu8_add__ref(static_cast<const uint8_t*>(io.inputs[0]), static_cast<const uint8_t*>(io.inputs[1]),
                          static_cast<uint8_t*>(io.outputs[0]), bc, q, 0, count);
        break;
      case DType::kInt8:
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
  // Below this many elements a slice is not worth a thread hand-off.
  static constexpr size_t kMinElementsPerTask = 4096;

  template <typename T, typename Fn>
  void run_split(const KernelIO& io, Fn fn, const T* a, const T* b, T* y) const {
    parallel_rows(io, static_cast<size_t>(count), kMinElementsPerTask,
                  [&](size_t begin, size_t end, int) { fn(end - begin, a + begin, b + begin, y + begin, q); });
  }
};

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

  const float s1 = a.info.quant.scale[0];
  const float s2 = b.info.quant.scale[0];
  const float so = out.info.quant.scale[0];
  ref::QuantAddParams& q = k->q;
  q.input1_offset = -static_cast<int32_t>(a.info.quant.zero_point[0]);
  q.input2_offset = -static_cast<int32_t>(b.info.quant.zero_point[0]);
  q.output_offset = static_cast<int32_t>(out.info.quant.zero_point[0]);
  q.left_shift = 20;
  // Same float/double mix as TFLite's Prepare.
  const double twice_max_input_scale = static_cast<double>(2 * std::max(s1, s2));
  const double real_input1_multiplier = s1 / twice_max_input_scale;
  const double real_input2_multiplier = s2 / twice_max_input_scale;
  const double real_output_multiplier =
      twice_max_input_scale / static_cast<double>(static_cast<float>(1 << q.left_shift) * so);
  if (!(real_output_multiplier < 1.0)) {
    return node_error(n, "quantization: expected output scale > 2 * max(input scales) / 2^20, found output scale " +
                             std::to_string(so) + " for input scales " + std::to_string(s1) + " and " +
                             std::to_string(s2));
  }
  kernels::quantize_multiplier(real_input1_multiplier, &q.input1_multiplier, &q.input1_shift);
  kernels::quantize_multiplier(real_input2_multiplier, &q.input2_multiplier, &q.input2_shift);
  kernels::quantize_multiplier(real_output_multiplier, &q.output_multiplier, &q.output_shift);
  const QuantRange range = activation_range_quantized(shape.activation, out);
  q.output_min = range.min;
  q.output_max = range.max;
  if (shape.bc.elementwise) {
    k->qu8 = ctx.tables->q8_add.qu8;
    k->qs8 = ctx.tables->q8_add.qs8;
  }
  if (q.output_min > q.output_max) {
    return node_error(n, "fused activation range is empty for the output quantization (min " +
                             std::to_string(range.min) + " > max " + std::to_string(range.max) + ")");
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
