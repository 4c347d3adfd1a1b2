// STRIDED_SLICE: one input of any dtype, rank 1 to 6; StridedSliceAttrs give a
// begin and a non-zero step per input dim, the output Value's shape the extents
// (with a 1 for each dim in shrink_mask, which the output shape leaves out).
// The importers resolve negative indices, clamping and masks, so prepare only
// checks that every element read lies inside the input. Zero-size outputs are
// allowed (nothing is read).
#include <bit>
#include <memory>
#include <string>

#include "kernels/ref/strided_slice.h"
#include "ops/conv_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class StridedSliceKernel final : public Kernel {
 public:
  StridedSliceKernel(const kernels::StridedSliceParams& p, size_t rows, size_t min_rows)
      : p_(p), rows_(rows), min_rows_(min_rows) {}
  void run(const KernelIO& io) const override {
    parallel_rows(io, rows_, min_rows_, [&](size_t begin, size_t end, int) {
      kernels::xx_strided_slice__ref(p_, io.inputs[0], io.outputs[0], begin, end);
    });
  }

 private:
  kernels::StridedSliceParams p_;
  size_t rows_;
  size_t min_rows_;
};

std::string str(int64_t v) { return std::to_string(v); }

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_strided_slice(const ir::Graph& g, const ir::Node& n,
                                                      const PrepareContext&) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, 1));
  const auto* attrs = std::get_if<ir::StridedSliceAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected StridedSliceAttrs");
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  EDGERUN_RETURN_IF_ERROR(expect_same_element_type(n, in, out));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "input", in));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "output", out));
  const Shape& is = in.info.shape;
  const size_t rank = is.size();
  if (rank < 1 || rank > kernels::kMaxStridedSliceRank) {
    return node_error(n, "input rank: expected 1 to " + std::to_string(kernels::kMaxStridedSliceRank) +
                             ", found " + std::to_string(rank));
  }
  if (attrs->begin.size() != rank || attrs->step.size() != rank) {
    return node_error(n, "begin / step lengths: expected " + std::to_string(rank) + " (the input rank), found " +
                             std::to_string(attrs->begin.size()) + " / " + std::to_string(attrs->step.size()));
  }
  if ((attrs->shrink_mask >> rank) != 0) {
    return node_error(n, "shrink_mask " + str(attrs->shrink_mask) + " has bits beyond the input rank " +
                             std::to_string(rank));
  }
  const size_t kept = rank - static_cast<size_t>(std::popcount(attrs->shrink_mask));
  if (out.info.shape.size() != kept) {
    return node_error(n, "output rank: expected " + std::to_string(kept) + " (input rank " + std::to_string(rank) +
                             " less the shrunk dims), found " + std::to_string(out.info.shape.size()) +
                             " (shape " + shape_string(out.info.shape) + ")");
  }

  kernels::StridedSliceParams p;
  p.rank = rank;
  p.element_bytes = dtype_size(in.info.dtype);
  int64_t in_stride = 1;
  bool empty = false;
  for (size_t d = rank, next_out = kept; d-- > 0;) {
    const bool shrunk = (attrs->shrink_mask >> d) & 1u;
    const int64_t extent = shrunk ? 1 : out.info.shape[--next_out];
    const int64_t begin = attrs->begin[d];
    const int64_t step = attrs->step[d];
    const int64_t size = is[d];
    if (step == 0) return node_error(n, "step[" + std::to_string(d) + "]: expected non-zero, found 0");
    if (extent > 0) {
      const int64_t last = begin + (extent - 1) * step;
      if (begin < 0 || begin >= size || last < 0 || last >= size) {
        return node_error(n, "dim " + std::to_string(d) + ": " + str(extent) + " elements from begin " +
                                 str(begin) + " by step " + str(step) + " read indices " + str(begin) + " to " +
                                 str(last) + ", outside the input's [0, " + str(size) + ") (input shape " +
                                 shape_string(is) + ", output shape " + shape_string(out.info.shape) + ")");
      }
      p.base += begin * in_stride;
    }
    empty = empty || extent == 0;
    p.extent[d] = extent;
    p.in_step[d] = step * in_stride;
    in_stride *= size;
  }
  const size_t rows = empty ? 0 : kernels::strided_slice_rows(p);
  // Slices of at least ~32 KiB per thread, so small slices stay on one thread.
  const size_t row_bytes = static_cast<size_t>(p.extent[rank - 1]) * p.element_bytes;
  const size_t min_rows = (size_t{1} << 15) / (row_bytes > 0 ? row_bytes : 1) + 1;
  return std::unique_ptr<Kernel>(new StridedSliceKernel(p, rows, min_rows));
}

}  // namespace edgerun::ops
