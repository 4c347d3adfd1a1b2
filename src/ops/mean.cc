// MEAN: average over the axes given by a constant int32 second input, with
// keep_dims. float32, uint8, int8 (input and output scales may differ).
// Quantized math is TFLite's kReference QuantizedMeanOrSum: multiplier =
// input_scale / output_scale with 1/count folded in; or, for graphs with
// QuantArithmetic::kOnnxRuntime, ONNX Runtime's QLinearGlobalAveragePool
// (kernels/ref/mean.h QuantMeanParams::scale).
#include "kernels/ref/mean.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "kernels/quant_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

namespace ref = kernels::ref;

// Mean over one contiguous run of dims of a [outer, reduced, inner] view
// (MEAN over H and W of an NHWC map: outer = batch, inner = channels), with
// the inner dim innermost so loads are contiguous and the compiler vectorizes
// across outputs. Each output's inputs are summed into `sums` (inner elements
// of scratch) in input order, float from 0.0f like f32_mean__ref (so results
// are bit-identical) or int32 for 8-bit inputs (exact in any order); then
// finish(sum) gives the output, as the reference kernel computes it.
template <typename T, typename Acc, typename Finish>
void mean_contiguous(const T* x, T* y, int64_t outer, int64_t reduced, int64_t inner, Acc* sums, Finish finish) {
  for (int64_t o = 0; o < outer; ++o, y += inner) {
    std::fill(sums, sums + inner, Acc{0});
    for (int64_t r = 0; r < reduced; ++r, x += inner) {
      for (int64_t i = 0; i < inner; ++i) sums[i] += static_cast<Acc>(x[i]);
    }
    for (int64_t i = 0; i < inner; ++i) y[i] = finish(sums[i]);
  }
}

class MeanKernel final : public Kernel {
 public:
  DType dtype = DType::kFloat32;
  int64_t count = 0;  // output elements
  ref::ReduceIndex ri;
  ref::QuantMeanParams q{};
  // When the reduced dims are contiguous and not empty (else 0): the
  // [outer, reduced, inner] view mean_contiguous takes.
  int64_t outer = 0, inner = 0;

  size_t scratch_bytes() const override { return outer > 0 ? static_cast<size_t>(inner) * sizeof(int32_t) : 0; }

  void run(const KernelIO& io) const override {
    switch (dtype) {
      case DType::kFloat32: {
        const auto* x = static_cast<const float*>(io.inputs[0]);
        auto* y = static_cast<float*>(io.outputs[0]);
        if (outer == 0) {
          ref::f32_mean__ref(x, y, ri, 0, count);
          break;
        }
        const auto n = static_cast<float>(ri.reduced_count);
        mean_contiguous(x, y, outer, ri.reduced_count, inner, reinterpret_cast<float*>(io.thread_scratch(0)),
                        [n](float sum) { return sum / n; });
        break;
      }
      case DType::kUInt8:
        run_quant<uint8_t>(io, ref::qu8_mean__ref);
        break;
      case DType::kInt8:
        run_quant<int8_t>(io, ref::qs8_mean__ref);
        break;
      default:
        break;
    }
  }

 private:
  template <typename T, typename RefFn>
  void run_quant(const KernelIO& io, RefFn ref_fn) const {
    const auto* x = static_cast<const T*>(io.inputs[0]);
    auto* y = static_cast<T*>(io.outputs[0]);
    if (outer == 0) {
      ref_fn(x, y, ri, q, 0, count);
      return;
    }
    mean_contiguous(x, y, outer, ri.reduced_count, inner, reinterpret_cast<int32_t*>(io.thread_scratch(0)),
                    [this](int32_t sum) {
                      return static_cast<T>(ref::quant_mean_output(sum, ri.reduced_count, q,
                                                                   std::numeric_limits<T>::min(),
                                                                   std::numeric_limits<T>::max()));
                    });
  }
};

// The int32 sum of `count` 8-bit values must not overflow (TFLite accumulates in int32).
constexpr int64_t kMaxQuantReduceCount = std::numeric_limits<int32_t>::max() / 256;

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_mean(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 2, 2, 1));
  const auto* attrs = std::get_if<ir::ReduceAttrs>(&n.attrs);
  if (!attrs) return node_error(n, "attributes: expected ReduceAttrs");
  const ir::Value& in = input(g, n, 0);
  const ir::Value& axes_v = input(g, n, 1);
  const ir::Value& out = output(g, n, 0);
  const DType dt = in.info.dtype;
  if (dt != DType::kFloat32 && dt != DType::kUInt8 && dt != DType::kInt8) {
    return node_error(n, std::string("input 0 dtype: expected float32, uint8 or int8, found ") + dtype_name(dt));
  }
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "output", out, dt));

  // Axes: a constant int32 scalar or vector, each in [-rank, rank).
  EDGERUN_RETURN_IF_ERROR(expect_dtype(n, "input 1 (axes)", axes_v, DType::kInt32));
  // An empty axes tensor has nothing to read, so it need not be constant.
  if (axes_v.info.elements() != 0) EDGERUN_RETURN_IF_ERROR(expect_constant(n, "input 1 (axes)", axes_v));
  if (axes_v.info.shape.size() > 1) {
    return node_error(n, "input 1 (axes) rank: expected 0 or 1, found " + std::to_string(axes_v.info.shape.size()) +
                             " (shape " + shape_string(axes_v.info.shape) + ")");
  }
  const int64_t num_axes = axes_v.info.elements();
  if (num_axes < 0 || axes_v.data_bytes < static_cast<size_t>(num_axes) * sizeof(int32_t)) {
    return node_error(n, "input 1 (axes) data: expected " + std::to_string(num_axes * 4) + " bytes, found " +
                             std::to_string(axes_v.data_bytes));
  }
  const int rank = static_cast<int>(in.info.shape.size());
  if (rank > ref::kMaxIndexRank) {
    return node_error(
        n, "input 0 rank: expected <= " + std::to_string(ref::kMaxIndexRank) + ", found " + std::to_string(rank));
  }
  std::vector<bool> reduce(rank, false);
  for (int64_t i = 0; i < num_axes; ++i) {
    int32_t axis = 0;
    std::memcpy(&axis, axes_v.data + i * sizeof(int32_t), sizeof(int32_t));
    if (axis < -rank || axis >= rank) {
      return node_error(n, "axis " + std::to_string(i) + ": expected in [" + std::to_string(-rank) + ", " +
                               std::to_string(rank) + ") for input shape " + shape_string(in.info.shape) + ", found " +
                               std::to_string(axis));
    }
    reduce[axis < 0 ? axis + rank : axis] = true;
  }

  Shape expected;
  for (int d = 0; d < rank; ++d) {
    if (!reduce[d]) {
      expected.push_back(in.info.shape[d]);
    } else if (attrs->keep_dims) {
      expected.push_back(1);
    }
  }
  if (expected != out.info.shape) {
    return node_error(n, "output shape: expected " + shape_string(expected) + " (keep_dims " +
                             (attrs->keep_dims ? "true" : "false") + "), found " + shape_string(out.info.shape));
  }

  auto k = std::make_unique<MeanKernel>();
  k->dtype = dt;
  k->count = shape_elements(out.info.shape);
  if (!ref::make_reduce_index(in.info.shape, reduce, &k->ri)) {
    return node_error(n, "input 0 shape " + shape_string(in.info.shape) + " is not supported");
  }
  const auto first = std::find(reduce.begin(), reduce.end(), true);
  const auto last = std::find(first, reduce.end(), false);
  if (first != reduce.end() && std::find(last, reduce.end(), true) == reduce.end() && k->ri.reduced_count > 0 &&
      k->count > 0) {
    const auto dims = [&](auto from, auto to) {
      int64_t n = 1;
      for (auto it = from; it != to; ++it) n *= in.info.shape[static_cast<size_t>(it - reduce.begin())];
      return n;
    };
    k->outer = dims(reduce.begin(), first);
    k->inner = dims(last, reduce.end());
  }
  if (dt == DType::kFloat32) return std::unique_ptr<Kernel>(std::move(k));

  EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "input 0", in));
  EDGERUN_RETURN_IF_ERROR(expect_quant8(n, "output", out));
  if (k->ri.reduced_count > kMaxQuantReduceCount) {
    return node_error(n, "reduced element count: expected <= " + std::to_string(kMaxQuantReduceCount) +
                             " for an int32 sum, found " + std::to_string(k->ri.reduced_count));
  }
  const double real_multiplier =
      static_cast<double>(in.info.quant.scale[0]) / static_cast<double>(out.info.quant.scale[0]);
  if (!(real_multiplier < static_cast<double>(1 << 21))) {
    return node_error(
        n, "quantization: expected input_scale / output_scale < 2^21, found " + std::to_string(real_multiplier));
  }
  ref::QuantMeanParams& q = k->q;
  q.input_zero_point = static_cast<int32_t>(in.info.quant.zero_point[0]);
  q.output_zero_point = static_cast<int32_t>(out.info.quant.zero_point[0]);
  kernels::quantize_multiplier(real_multiplier, &q.multiplier, &q.shift);
  ref::fold_mean_count(k->ri.reduced_count, &q.multiplier, &q.shift);
  if (g.quant_arithmetic == ir::QuantArithmetic::kOnnxRuntime && k->ri.reduced_count > 0) {
    q.scale = in.info.quant.scale[0] / (out.info.quant.scale[0] * static_cast<float>(k->ri.reduced_count));
  }
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
