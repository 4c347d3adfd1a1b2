// Kernel fusion: after every node has its kernel, chains of nodes whose fast
// kernels can run as one (ops::fuse_f32_dw_chain: float pointwise CONV_2D ->
// DEPTHWISE_CONV_2D -> pointwise CONV_2D; ops::fuse_f32_post_op: a float
// conv, depthwise or fully connected layer -> its HARD_SWISH or SiLU
// (LOGISTIC -> MUL by the LOGISTIC's input); ops::fuse_f32_swish: a SiLU on
// its own) are replaced by one kernel at the chain's first node; the other
// nodes of the chain get a kernel that does nothing. The maps between the fused nodes then have no reader or writer,
// so the memory planner gives them no arena space.
//
//   std::vector<std::unique_ptr<ops::Kernel>> kernels = ...;  // one per node
//   std::vector<runtime::KernelBinding> bindings = runtime::fuse_kernels(graph, kernels);
//   // kernels[i] runs with the values bindings[i].inputs / .outputs
//
// A chain is fused only when each intermediate value is read by the chain's
// own nodes alone (not a graph output); conv chains' nodes are consecutive,
// an activation's may come later.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "ir/graph.h"
#include "ops/f32_conv.h"
#include "ops/op.h"

namespace edgerun::runtime {

// The values a kernel reads and writes (value ids, ir::kNoValue for an absent
// optional input). fused_into: the node whose kernel runs this node's work, or
// -1 when the node runs its own.
struct KernelBinding {
  std::vector<int32_t> inputs, outputs;
  int32_t fused_into = -1;
};

// Bindings of the nodes as they are (each kernel reads and writes its own node's values).
std::vector<KernelBinding> node_bindings(const ir::Graph& g);

// Fuses what it can in `kernels` (one per node of g) and returns the bindings.
std::vector<KernelBinding> fuse_kernels(const ir::Graph& g, std::vector<std::unique_ptr<ops::Kernel>>& kernels,
                                        const ops::F32FusionOptions& options = {});

}  // namespace edgerun::runtime
