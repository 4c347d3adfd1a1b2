// Load-time folding of DEQUANTIZE nodes whose input is a constant: the
// weights of fp16 models (float16 constants) and of weight-only int8 models
// (int8 constants, per channel), each read through a DEQUANTIZE to float32.
//
//   EDGERUN_ASSIGN_OR_RETURN(const int folded, runtime::fold_constant_dequantize(&imported));
//
// Each such node is run once, here, with the DEQUANTIZE kernel itself, into a
// float32 constant the model owns (ImportedModel::aligned_copies), and is
// removed from the graph. The convs and fully connected layers that read the
// value then see float weights, as in a float model, and prepare their fast
// float kernels (they take constant weights only); the outputs are those of
// running the DEQUANTIZE at every inference, bit for bit, since the same
// kernel computes the same values.
//
// Not folded: a DEQUANTIZE whose output is a graph output (graph outputs live
// in the arena). Nodes after a folded one move up, so node indices no longer
// count the file's operators (ir::Node::source_index still does). The folded
// input constants stay in the graph, unread.
#pragma once

#include "edgerun/status.h"
#include "io/imported_model.h"

namespace edgerun::runtime {

// Returns how many nodes were folded.
Result<int> fold_constant_dequantize(io::ImportedModel* m);

}  // namespace edgerun::runtime
