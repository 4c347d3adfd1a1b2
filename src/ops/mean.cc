// MEAN: average over the axes given by a constant int32 second input, with
// keep_dims. float32, uint8, int8 (input and output scales may differ).
// Quantized math is TFLite's kReference QuantizedMeanOrSum: multiplier =
// input_scale / output_scale with 1/count folded in.
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

// Float mean over one contiguous run of dims of a [outer, reduced, inner]
// view (MEAN over H and W of an NHWC map: outer = batch, inner = channels).
// Each output still sums its inputs from 0.0f in input order and divides by
// the count, so the results are bit-identical to f32_mean__ref; going through
// the inner dim in the innermost loop only makes the loads contiguous and
// lets the compiler vectorize across outputs.
void f32_mean_contiguous(const float* x, float* y, int64_t outer, int64_t reduced, int64_t inner) {
  const float count = static_cast<float>(reduced);
  for (int64_t o = 0; o < outer; ++o, y += inner) {
    std::fill(y, y + inner, 0.0f);
    for (int64_t r = 0; r < reduced; ++r, x += inner) {
      for (int64_t i = 0; i < inner; ++i) y[i] += x[i];
    }
    for (int64_t i = 0; i < inner; ++i) y[i] /= count;
  }
}

// The same for 8-bit inputs: int32 sums (exact in any order) in `sums`
// (inner elements of scratch), then the reference's output stage per output.
template <typename T>
void quant_mean_contiguous(const T* x, T* y, int64_t outer, int64_t reduced, int64_t inner,
                           const ref::QuantMeanParams& q, int32_t* sums) {
  for (int64_t o = 0; o < outer; ++o, y += inner) {
    std::fill(sums, sums + inner, 0);
    for (int64_t r = 0; r < reduced; ++r, x += inner) {
      for (int64_t i = 0; i < inner; ++i) sums[i] += static_cast<int32_t>(x[i]);
    }
    for (int64_t i = 0; i < inner; ++i) {
      y[i] = static_cast<T>(ref::quant_mean_output(sums[i], reduced, q, std::numeric_limits<T>::min(),
                                                   std::numeric_limits<T>::max()));
    }
  }
}

class MeanKernel final : public Kernel {
 public:
  DType dtype = DType::kFloat32;
  int64_t count = 0;  // output elements
  ref::ReduceIndex ri;
  ref::QuantMeanParams q{};
  // When the reduced dims are contiguous and not empty (else 0): the
  // [outer, reduced, inner] view the *_mean_contiguous loops take.
  int64_t outer = 0, inner = 0;

  size_t scratch_bytes() const override {
    return dtype != DType::kFloat32 && outer > 0 ? static_cast<size_t>(inner) * sizeof(int32_t) : 0;
  }

  void run(const KernelIO& io) const override {
    switch (dtype) {
      case DType::kFloat32:
        if (outer > 0) {
          f32_mean_contiguous(static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]), outer,
                              ri.reduced_count, inner);
          break;
        }
        ref::f32_mean__ref(static_cast<const float*>(io.inputs[0]), static_cast<float*>(io.outputs[0]), ri, 0, count);
        break;
      case DType::kUInt8:
        if (outer > 0) {
          quant_mean_contiguous(static_cast<const uint8_t*>(io.inputs[0]), static_cast<uint8_t*>(io.outputs[0]),
                                outer, ri.reduced_count, inner, q, reinterpret_cast<int32_t*>(io.thread_scratch(0)));
          break;
        }
        ref::qu8_mean__ref(static_cast<const uint8_t*>(io.inputs[0]), static_cast<uint8_t*>(io.outputs[0]), ri, q, 0,
                           count);
        break;
      case DType::kInt8:
        if (outer > 0) {
          quant_mean_contiguous(static_cast<const int8_t*>(io.inputs[0]), static_cast<int8_t*>(io.outputs[0]),
                                outer, ri.reduced_count, inner, q, reinterpret_cast<int32_t*>(io.thread_scratch(0)));
          break;
        }
        ref::qs8_mean__ref(static_cast<const int8_t*>(io.inputs[0]), static_cast<int8_t*>(io.outputs[0]), ri, q, 0,
                           count);
        break;
      default:
        break;
    }
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
  return std::unique_ptr<Kernel>(std::move(k));
}

}  // namespace edgerun::ops
