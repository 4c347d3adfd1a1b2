#include "runtime/fold_dequantize.h"

#include <algorithm>
#include <memory>

#include "ops/op.h"

namespace edgerun::runtime {

Result<int> fold_constant_dequantize(io::ImportedModel* m) {
  ir::Graph& g = m->graph;
  const ops::OpInfo* op = ops::find_op(ir::OpType::kDequantize);
  if (op == nullptr) return Internal("op DEQUANTIZE is missing from the op list");
  ops::PrepareContext ctx;
  ctx.tables = &kernels::reference_kernel_tables();
  int folded = 0;
  std::vector<ir::Node> kept;
  kept.reserve(g.nodes.size());
  for (ir::Node& n : g.nodes) {
    const bool foldable = n.op == ir::OpType::kDequantize && n.inputs.size() == 1 && n.outputs.size() == 1 &&
                          n.inputs[0] >= 0 && static_cast<size_t>(n.inputs[0]) < g.values.size() &&
                          g.values[static_cast<size_t>(n.inputs[0])].is_constant() &&
                          std::find(g.outputs.begin(), g.outputs.end(), n.outputs[0]) == g.outputs.end();
    if (!foldable) {
      kept.push_back(std::move(n));
      continue;
    }
    // prepare validates the node (dtypes, shapes, quantization) as it would for a run.
    EDGERUN_ASSIGN_OR_RETURN(const auto kernel, op->prepare(g, n, ctx));
    ir::Value& out = g.values[static_cast<size_t>(n.outputs[0])];
    const size_t bytes = out.info.bytes();
    // 64-byte aligned, as the reader's and the converter's own constants.
    std::unique_ptr<uint8_t[]> block(new uint8_t[bytes + 64]());
    auto* data = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(block.get()) + 63) / 64 * 64);
    const void* inputs[] = {g.values[static_cast<size_t>(n.inputs[0])].data};
    void* outputs[] = {data};
    kernel->run(ops::KernelIO{inputs, outputs});
    m->aligned_copies.push_back(std::move(block));
    out.data = data;
    out.data_bytes = bytes;
    ++folded;
  }
  g.nodes = std::move(kept);
  return folded;
}

}  // namespace edgerun::runtime
