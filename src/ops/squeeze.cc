// SQUEEZE: removes the listed size-1 dims (all size-1 dims when the list is
// empty); the bytes are copied unchanged.
#include <memory>
#include <vector>

#include "kernels/ref/copy.h"
#include "ops/conv_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class SqueezeKernel final : public Kernel {
 public:
  explicit SqueezeKernel(size_t bytes) : bytes_(bytes) {}
  void run(const KernelIO& io) const override { kernels::xx_copy__ref(io.inputs[0], io.outputs[0], bytes_); }

 private:
  size_t bytes_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_squeeze(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 1, 1, 1));
  const auto* attrs = std::get_if<ir::SqueezeAttrs>(&n.attrs);
  if (attrs == nullptr) return node_error(n, "attributes: expected SqueezeAttrs");
  const ir::Value& in = input(g, n, 0);
  const ir::Value& out = output(g, n, 0);
  EDGERUN_RETURN_IF_ERROR(expect_same_quantization(n, in, out));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "input", in));
  const Shape& is = in.info.shape;
  const auto rank = static_cast<int32_t>(is.size());

  std::vector<bool> squeeze(is.size(), false);
  if (attrs->squeeze_dims.empty()) {
    for (size_t d = 0; d < is.size(); ++d) squeeze[d] = is[d] == 1;
  } else {
    for (int32_t dim : attrs->squeeze_dims) {
      if (dim < -rank || dim >= rank) {
        return node_error(n, "squeeze dim " + std::to_string(dim) + ": expected within [" + std::to_string(-rank) +
                                 ", " + std::to_string(rank) + ") for input shape " + shape_string(is));
      }
      const auto d = static_cast<size_t>(dim < 0 ? dim + rank : dim);
      if (is[d] != 1) {
        return node_error(n, "squeeze dim " + std::to_string(dim) + ": expected size 1, found " +
                                 std::to_string(is[d]) + " (input shape " + shape_string(is) + ")");
      }
      squeeze[d] = true;
    }
  }
  Shape expected;
  for (size_t d = 0; d < is.size(); ++d) {
    if (!squeeze[d]) expected.push_back(is[d]);
  }
  EDGERUN_RETURN_IF_ERROR(expect_output_shape(n, out, expected, "input shape without the squeezed dims"));
  return std::unique_ptr<Kernel>(new SqueezeKernel(in.info.bytes()));
}

}  // namespace edgerun::ops
