// convert/prune.h — magnitude pruning of a float model's layers, for
// `edgerun convert --prune S [--prune-structured]`. It runs before any
// quantization pass (fp16, dynamic, int8), on float32 weights.
//
//   convert::PruneReport r;
//   EDGERUN_RETURN_IF_ERROR(convert::prune(m, {.sparsity = 0.5}, &r));
//   // then e.g. convert::quantize_fp16(m), and write m.graph
//
// Unstructured (the default): in each CONV_2D, DEPTHWISE_CONV_2D and
// FULLY_CONNECTED whose weights (input 1) are a float32 constant of at least
// `min_weights` elements, the round(S * n) of its n weights with the smallest
// |w| (ties: the first in storage order) are set to 0. Biases are kept. The
// file keeps its size (TFLite stores weights dense); the zeros compress, and
// sparse kernels could skip them.
//
// Structured: in each CONV_2D (not grouped) with at least `min_weights`
// weights, the round(S * Cout) output filters with the smallest L1 norm
// (ties: the lowest index; at least one filter stays) are removed with their
// bias, and the layers that read the output lose the matching input channels,
// so the model is smaller and faster. Only where the channels flow through
// nothing but (the walk from the conv's output):
//   CONV_2D (not grouped) reading it as input 0: loses those input channels;
//   FULLY_CONNECTED reading it as input 0: loses the weight columns of those
//     channels (column d holds channel d % C: NHWC flattening);
//   DEPTHWISE_CONV_2D with depth multiplier 1: loses those channels of its
//     filter and bias, and its output is walked in turn;
//   AVERAGE_POOL_2D, MAX_POOL_2D (one output), HARD_SWISH, LEAKY_RELU, TANH,
//     and CLAMP with 0 in its range (channel-wise ops that keep 0 at 0): their
//     output is walked in turn.
// Each weight constant it rewrites must be read by that layer alone. A conv
// whose output (or a walked value) is a graph output, or is read by any
// other op (ADD, CONCATENATION, MEAN, RESHAPE, MUL, ...) or as another input,
// is left as it is, and the report says why. A removed filter's output was
// act(bias) everywhere, which its readers no longer see: with zero weights
// and a zero bias (and activations keeping 0 at 0) the model's outputs are
// unchanged; otherwise this is the approximation pruning makes.
//
// Errors: InvalidArgument for S outside (0, 1), a negative min_weights or a
// malformed graph (an index out of range). Layers left as they are are not
// errors; the report says why.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/status.h"
#include "convert/calibrate.h"
#include "io/imported_model.h"

namespace edgerun::convert {

struct PruneOptions {
  double sparsity = 0.5;       // S: the fraction of each layer's weights (or filters) pruned, in (0, 1)
  bool structured = false;     // remove whole CONV_2D filters instead of zeroing weights
  int64_t min_weights = 1000;  // layers with fewer weights are left as they are (e.g. a first 3x3x3 conv)
  // Unstructured: also prune DEPTHWISE_CONV_2D. Off by default: a depthwise
  // channel has only its 3x3 taps, and zeroing them is what collapses a
  // MobileNet without fine-tuning (see docs/convert.md).
  bool depthwise = false;
};

struct PruneReport {
  struct Layer {
    int32_t node = 0;     // its index in the graph
    std::string op;       // "CONV_2D"
    std::string name;     // its output value's name
    int64_t weights = 0;  // before pruning
    int64_t zeroed = 0;   // unstructured: weights set to 0 (some may have been 0 already)
    int32_t filters = 0;  // structured: output filters before
    int32_t filters_removed = 0;
  };
  std::vector<Layer> layers;         // the layers pruned, in node order
  std::vector<std::string> skipped;  // each "node i (OP) 'name': why", in node order
  int32_t filters_removed = 0;       // structured: over all layers
};

Status prune(io::ImportedModel& m, const PruneOptions& options, PruneReport* report = nullptr);

// Bias correction after unstructured pruning (`--prune S --calibration DIR`):
// zeroing weights moves each output channel's mean by sum (w_pruned - w) *
// E[x] (graph_edit.h mean_shift); every pruned layer's bias absorbs it, E[x]
// being the calibrated channel means of the graph before pruning (`before`,
// whose node list the pruned graph shares). Returns how many biases changed.
Result<int32_t> correct_pruned_biases(io::ImportedModel& pruned, const ir::Graph& before,
                                      const std::vector<ValueRange>& ranges);

}  // namespace edgerun::convert
