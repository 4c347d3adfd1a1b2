// Fast float32 kernels of CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED and
// CONV_TRANSPOSE, taken
// from the dispatch tables of a PrepareContext: each returned Kernel owns its
// weights (and bias) packed once here and splits its rows over the Session's
// thread pool. Each function returns null when the tables hold no fast kernel
// for the case; the op then keeps its reference kernel.
#pragma once

#include <memory>

#include "ir/graph.h"
#include "kernels/dispatch.h"
#include "kernels/ref/conv.h"
#include "kernels/ref/conv_transpose.h"
#include "kernels/ref/fully_connected.h"
#include "ops/op.h"

namespace edgerun::ops {

// `p` is the validated geometry and activation range; filter and bias
// (optional) are the node's constant float32 tensors.
std::unique_ptr<Kernel> make_f32_conv2d(const kernels::ConvParams& p, const ir::Value& filter, const ir::Value* bias,
                                        const kernels::KernelTables& tables);
std::unique_ptr<Kernel> make_f32_dwconv2d(const kernels::ConvParams& p, const ir::Value& filter, const ir::Value* bias,
                                          const kernels::KernelTables& tables);
std::unique_ptr<Kernel> make_f32_fully_connected(const kernels::FullyConnectedParams& p, const ir::Value& weights,
                                                 const ir::Value* bias, const kernels::KernelTables& tables);
std::unique_ptr<Kernel> make_f32_conv_transpose(const kernels::ConvTransposeParams& p, const ir::Value& filter,
                                                const ir::Value* bias, const kernels::KernelTables& tables);

// Fusing a float conv chain: `expand` (a CONV_2D, any geometry) ->
// DEPTHWISE_CONV_2D -> `project` (a pointwise CONV_2D, 1x1 stride 1) run as one
// kernel, band by band of rows, the wide maps between them kept in per-thread
// scratch instead of memory; bit for bit the same results. expand or project
// may be absent (null), not both. The fused kernel reads the chain's input and
// writes its output.
struct F32FusionOptions {
  // Keep a map out of memory only from this size up: smaller ones stay in L2
  // between two ops anyway, and with several threads each thread's first band
  // recomputes expand rows its neighbour also computes, a cost small maps feel.
  size_t min_map_bytes = 512 * 1024;
  // Scratch one thread's band of rows may use (expand rows + depthwise rows):
  // well inside a 1-2 MiB L2 next to the weights streaming through it. The
  // band is at least one output row, whatever this says.
  size_t band_bytes = 192 * 1024;
  // The expand and project weights are read once per band: stages with more
  // packed weights than this stay separate.
  size_t max_stage_weight_bytes = 512 * 1024;
};

// Bytes of maps the fused chain would keep out of memory; 0 when it cannot or
// should not fuse: a kernel is not one of this file's fast float kernels, the
// shapes do not chain, or a map is too small or a weight set too large for
// `options`. Only looks.
size_t f32_dw_chain_saving(const Kernel* expand, const Kernel* dw, const Kernel* project,
                           const F32FusionOptions& options = {});

// The fused kernel, when f32_dw_chain_saving() says so (the given kernels are
// moved into it); otherwise null, and nothing is moved.
std::unique_ptr<Kernel> fuse_f32_dw_chain(std::unique_ptr<Kernel>* expand, std::unique_ptr<Kernel>* dw,
                                          std::unique_ptr<Kernel>* project, const F32FusionOptions& options = {});

// Makes the fast float CONV_2D (pointwise or im2col), DEPTHWISE_CONV_2D or
// FULLY_CONNECTED kernel apply `post` (kernels/f32_vunary.h, in place) to
// each slice of its output right after computing it: an activation node that
// follows (HARD_SWISH, or LOGISTIC -> MUL for SiLU) then needs no pass of its
// own. False, changing nothing, for any other kernel or one that has a
// post-op already. Results are those of the separate kernels, bit for bit.
bool fuse_f32_post_op(Kernel* kernel, kernels::F32VUnaryFn post);

}  // namespace edgerun::ops
