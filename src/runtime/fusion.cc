#include "runtime/fusion.h"

#include <utility>

namespace edgerun::runtime {
namespace {

// Runs nothing: its node's work is done by the chain's fused kernel.
class FusedAwayKernel final : public ops::Kernel {
 public:
  void run(const ops::KernelIO&) const override {}
};

// The nodes reading each value, plus one for a graph output.
std::vector<int> reader_counts(const ir::Graph& g) {
  std::vector<int> readers(g.values.size(), 0);
  for (const ir::Node& n : g.nodes) {
    for (int32_t id : n.inputs) {
      if (id != ir::kNoValue) ++readers[static_cast<size_t>(id)];
    }
  }
  for (int32_t id : g.outputs) ++readers[static_cast<size_t>(id)];
  return readers;
}

// Node `next` reads node `prev`'s single output as its first input, and nothing else does.
bool feeds_only(const ir::Graph& g, const std::vector<int>& readers, size_t prev, size_t next) {
  if (next >= g.nodes.size()) return false;
  const ir::Node& a = g.nodes[prev];
  const ir::Node& b = g.nodes[next];
  return a.outputs.size() == 1 && !b.inputs.empty() && b.inputs[0] == a.outputs[0] &&
         readers[static_cast<size_t>(a.outputs[0])] == 1;
}

}  // namespace

std::vector<KernelBinding> node_bindings(const ir::Graph& g) {
  std::vector<KernelBinding> bindings;
  bindings.reserve(g.nodes.size());
  for (const ir::Node& n : g.nodes) bindings.push_back({n.inputs, n.outputs, -1});
  return bindings;
}

std::vector<KernelBinding> fuse_kernels(const ir::Graph& g, std::vector<std::unique_ptr<ops::Kernel>>& kernels,
                                        const ops::F32FusionOptions& options) {
  std::vector<KernelBinding> bindings = node_bindings(g);
  const std::vector<int> readers = reader_counts(g);
  auto is = [&](size_t i, ir::OpType op) { return i < g.nodes.size() && g.nodes[i].op == op; };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    // Candidate chains at i, longest first: [expand] -> depthwise -> [project].
    struct Chain {
      size_t first, dw, count;
      bool expand, project;
    };
    Chain candidates[3];
    size_t n = 0;
    if (is(i, ir::OpType::kConv2D) && is(i + 1, ir::OpType::kDepthwiseConv2D) && feeds_only(g, readers, i, i + 1)) {
      if (is(i + 2, ir::OpType::kConv2D) && feeds_only(g, readers, i + 1, i + 2)) {
        candidates[n++] = {i, i + 1, 3, true, true};
      }
      candidates[n++] = {i, i + 1, 2, true, false};
    }
    if (is(i, ir::OpType::kDepthwiseConv2D) && is(i + 1, ir::OpType::kConv2D) && feeds_only(g, readers, i, i + 1)) {
      candidates[n++] = {i, i, 2, false, true};
    }
    for (size_t c = 0; c < n; ++c) {
      const Chain& ch = candidates[c];
      std::unique_ptr<ops::Kernel> fused =
          ops::fuse_f32_dw_chain(ch.expand ? &kernels[ch.first] : nullptr, &kernels[ch.dw],
                                 ch.project ? &kernels[ch.dw + 1] : nullptr, options);
      if (fused == nullptr) continue;
      const size_t last = ch.first + ch.count - 1;
      kernels[ch.first] = std::move(fused);
      bindings[ch.first].inputs = {g.nodes[ch.first].inputs[0]};
      bindings[ch.first].outputs = g.nodes[last].outputs;
      for (size_t k = ch.first + 1; k <= last; ++k) {
        kernels[k] = std::make_unique<FusedAwayKernel>();
        bindings[k] = {{}, {}, static_cast<int32_t>(ch.first)};
      }
      i = last;
      break;
    }
  }
  return bindings;
}

}  // namespace edgerun::runtime
