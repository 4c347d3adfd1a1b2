#include "runtime/fusion.h"

#include <utility>
#include <variant>

#include "ops/activation_fusion.h"

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

// The nodes reading each value (a node once, however many of its inputs it is).
std::vector<std::vector<size_t>> value_readers(const ir::Graph& g) {
  std::vector<std::vector<size_t>> out(g.values.size());
  for (size_t j = 0; j < g.nodes.size(); ++j) {
    for (int32_t id : g.nodes[j].inputs) {
      if (id == ir::kNoValue) continue;
      std::vector<size_t>& r = out[static_cast<size_t>(id)];
      if (r.empty() || r.back() != j) r.push_back(j);
    }
  }
  return out;
}

// The MUL node of a SiLU at LOGISTIC node l: MUL(x, LOGISTIC(x)) in either
// operand order, no fused activation, x's shape and float32, the only reader
// of the sigmoid; -1 if there is none.
int64_t swish_mul(const ir::Graph& g, const std::vector<int>& readers, const std::vector<std::vector<size_t>>& by,
                  size_t l) {
  const ir::Node& n = g.nodes[l];
  if (n.op != ir::OpType::kLogistic || n.inputs.size() != 1 || n.outputs.size() != 1) return -1;
  const int32_t x = n.inputs[0], s = n.outputs[0];
  const std::vector<size_t>& s_readers = by[static_cast<size_t>(s)];
  if (readers[static_cast<size_t>(s)] != 1 || s_readers.size() != 1) return -1;
  const ir::Node& m = g.nodes[s_readers[0]];
  const auto* attrs = std::get_if<ir::ElementwiseAttrs>(&m.attrs);
  if (m.op != ir::OpType::kMul || attrs == nullptr || attrs->activation != ir::Activation::kNone ||
      m.inputs.size() != 2 || m.outputs.size() != 1) {
    return -1;
  }
  const bool pairs = (m.inputs[0] == x && m.inputs[1] == s) || (m.inputs[0] == s && m.inputs[1] == x);
  const ir::Value& out = g.values[static_cast<size_t>(m.outputs[0])];
  if (!pairs || out.info.shape != g.values[static_cast<size_t>(x)].info.shape || out.info.dtype != DType::kFloat32) {
    return -1;
  }
  return static_cast<int64_t>(s_readers[0]);
}

void fuse_away(std::vector<std::unique_ptr<ops::Kernel>>& kernels, std::vector<KernelBinding>& bindings, size_t node,
               size_t into) {
  kernels[node] = std::make_unique<FusedAwayKernel>();
  bindings[node] = {{}, {}, static_cast<int32_t>(into)};
}

// A float CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED followed by its
// activation, which alone reads the conv's output: HARD_SWISH, or a SiLU
// (LOGISTIC and the MUL of its output by the conv's output). The conv applies
// the activation to each output slice as it writes it (ops::fuse_f32_post_op)
// and writes the activation's output; the conv's own map gets no space.
void fuse_conv_activations(const ir::Graph& g, const std::vector<int>& readers,
                           const std::vector<std::vector<size_t>>& by,
                           std::vector<std::unique_ptr<ops::Kernel>>& kernels, std::vector<KernelBinding>& bindings) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const ir::OpType op = g.nodes[i].op;
    const bool conv =
        op == ir::OpType::kConv2D || op == ir::OpType::kDepthwiseConv2D || op == ir::OpType::kFullyConnected;
    if (!conv || bindings[i].fused_into >= 0 || bindings[i].outputs != g.nodes[i].outputs ||
        g.nodes[i].outputs.size() != 1) {
      continue;
    }
    const auto x = static_cast<size_t>(g.nodes[i].outputs[0]);
    const std::vector<size_t>& r = by[x];
    if (readers[x] == 1 && r.size() == 1 && g.nodes[r[0]].op == ir::OpType::kHardSwish &&
        bindings[r[0]].fused_into < 0) {
      const size_t h = r[0];
      if (!ops::fuse_f32_post_op(kernels[i].get(), ops::f32_hard_swish_fn(*kernels[h]))) continue;
      bindings[i].outputs = g.nodes[h].outputs;
      fuse_away(kernels, bindings, h, i);
    } else if (readers[x] == 2 && r.size() == 2) {
      const size_t l = g.nodes[r[0]].op == ir::OpType::kLogistic ? r[0] : r[1];
      const int64_t m = swish_mul(g, readers, by, l);
      if (m < 0 || (r[0] != static_cast<size_t>(m) && r[1] != static_cast<size_t>(m)) || bindings[l].fused_into >= 0) {
        continue;
      }
      if (!ops::fuse_f32_post_op(kernels[i].get(), ops::f32_swish_fn(*kernels[l]))) continue;
      bindings[i].outputs = g.nodes[static_cast<size_t>(m)].outputs;
      fuse_away(kernels, bindings, l, i);
      fuse_away(kernels, bindings, static_cast<size_t>(m), i);
    }
  }
}

// A SiLU no conv took (LOGISTIC(x) read only by MUL(x, LOGISTIC(x))): one
// swish kernel at the LOGISTIC, writing the MUL's output. The MUL runs after
// the LOGISTIC, so its output is written no later than before; the sigmoid
// map gets no reader or writer, so no space.
void fuse_swish(const ir::Graph& g, const std::vector<int>& readers, const std::vector<std::vector<size_t>>& by,
                std::vector<std::unique_ptr<ops::Kernel>>& kernels, std::vector<KernelBinding>& bindings) {
  for (size_t l = 0; l < g.nodes.size(); ++l) {
    if (bindings[l].fused_into >= 0) continue;
    const int64_t m = swish_mul(g, readers, by, l);
    if (m < 0 || bindings[static_cast<size_t>(m)].fused_into >= 0) continue;
    std::unique_ptr<ops::Kernel> fused = ops::fuse_f32_swish(*kernels[l]);
    if (fused == nullptr) continue;
    kernels[l] = std::move(fused);
    bindings[l] = {{g.nodes[l].inputs[0]}, g.nodes[static_cast<size_t>(m)].outputs, -1};
    fuse_away(kernels, bindings, static_cast<size_t>(m), l);
  }
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
  const size_t nodes = g.nodes.size();
  auto is = [&](size_t i, ir::OpType op) { return i < nodes && g.nodes[i].op == op; };
  auto kernel = [&](size_t i) { return kernels[i].get(); };
  // Candidate chains starting at node i: [expand] -> depthwise -> [project].
  struct Chain {
    bool expand = false, project = false;
    size_t saving = 0;  // bytes of maps kept out of memory; 0: no chain
    size_t count() const { return 1 + (expand ? 1 : 0) + (project ? 1 : 0); }
  };
  auto candidates = [&](size_t i) {
    std::vector<Chain> out;
    if (is(i, ir::OpType::kConv2D) && is(i + 1, ir::OpType::kDepthwiseConv2D) && feeds_only(g, readers, i, i + 1)) {
      if (is(i + 2, ir::OpType::kConv2D) && feeds_only(g, readers, i + 1, i + 2)) {
        out.push_back({true, true, ops::f32_dw_chain_saving(kernel(i), kernel(i + 1), kernel(i + 2), options)});
      }
      out.push_back({true, false, ops::f32_dw_chain_saving(kernel(i), kernel(i + 1), nullptr, options)});
    }
    if (is(i, ir::OpType::kDepthwiseConv2D) && is(i + 1, ir::OpType::kConv2D) && feeds_only(g, readers, i, i + 1)) {
      out.push_back({false, true, ops::f32_dw_chain_saving(nullptr, kernel(i), kernel(i + 1), options)});
    }
    return out;
  };
  // Chains may not overlap: choose the set that keeps the most bytes out of
  // memory (best[i]: the most from node i on; pick[i]: the chain at i, if any).
  std::vector<size_t> best(nodes + 1, 0);
  std::vector<Chain> pick(nodes);
  for (size_t i = nodes; i-- > 0;) {
    best[i] = best[i + 1];
    for (const Chain& c : candidates(i)) {
      if (c.saving > 0 && c.saving + best[i + c.count()] > best[i]) {
        best[i] = c.saving + best[i + c.count()];
        pick[i] = c;
      }
    }
  }
  for (size_t i = 0; i < nodes; ++i) {
    const Chain& c = pick[i];
    if (c.saving == 0) continue;
    const size_t dw = c.expand ? i + 1 : i;
    std::unique_ptr<ops::Kernel> fused = ops::fuse_f32_dw_chain(c.expand ? &kernels[i] : nullptr, &kernels[dw],
                                                                c.project ? &kernels[dw + 1] : nullptr, options);
    if (fused == nullptr) continue;
    const size_t last = i + c.count() - 1;
    kernels[i] = std::move(fused);
    bindings[i].inputs = {g.nodes[i].inputs[0]};
    bindings[i].outputs = g.nodes[last].outputs;
    for (size_t k = i + 1; k <= last; ++k) fuse_away(kernels, bindings, k, i);
    i = last;
  }
  const std::vector<std::vector<size_t>> by = value_readers(g);
  fuse_conv_activations(g, readers, by, kernels, bindings);
  fuse_swish(g, readers, by, kernels, bindings);
  return bindings;
}

}  // namespace edgerun::runtime
