#include "ops/op_list.h"

namespace edgerun::ops {

Result<std::unique_ptr<Kernel>> prepare_max_pool_2d(const ir::Graph& g, const ir::Node& n) {
  return node_error(n, "not implemented yet");
}

}  // namespace edgerun::ops
