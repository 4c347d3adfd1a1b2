#include "ops/op_list.h"

namespace edgerun::ops {

Result<std::unique_ptr<Kernel>> prepare_logistic(const ir::Graph& g, const ir::Node& n) {
  return node_error(n, "not implemented yet");
}

}  // namespace edgerun::ops
