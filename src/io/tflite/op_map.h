// TFLite builtin operator → IR op, one line per op (op_map.cc).
#pragma once

#include <cstdint>

#include "edgerun/status.h"
#include "io/tflite/schema.h"
#include "ir/graph.h"

namespace edgerun::tflite {

// What an options parser sees of one operator.
struct OpContext {
  int32_t builtin_code;
  int32_t operator_index;
  uint8_t options_type;      // BuiltinOptions union tag, 0 = none
  const fb::Table* options;  // not yet verified: the parser verifies it with its layout
  const uint8_t* file;       // whole flatbuffer, for the verifier
  size_t file_size;
  // The graph's values (every constant already holds its data) and this
  // operator's node, inputs (kNoValue where absent) and outputs filled in. Ops
  // whose TFLite form passes parameters as constant inputs (STRIDED_SLICE,
  // SLICE, PADV2) fold them into the attrs and remove them from node->inputs.
  const ir::Graph* graph;
  ir::Node* node;
};

using ParseOptionsFn = Result<ir::Attrs> (*)(const OpContext& ctx);

// For ops whose TFLite inputs are not the IR op's (another order, a tensor
// the IR takes as attributes): rewrites the node, whose inputs, outputs and
// parsed attrs are set, against the graph's tensors.
using FinishNodeFn = Status (*)(const OpContext& ctx, const ir::Graph& graph, ir::Node* node);

struct OpMapEntry {
  int32_t builtin_code;
  ir::OpType op;
  ParseOptionsFn parse;
  FinishNodeFn finish = nullptr;  // null: the node is complete as read
};

const OpMapEntry* find_builtin(int32_t code);
const char* builtin_name(int32_t code);

// TRANSPOSE_CONV's pads along one axis (input size `in`, output size `out`) as
// LiteRT's transpose_conv.cc derives them from SAME (`same`) or VALID: the
// leading pad is ComputePaddingHeightWidth's for a conv from the output to the
// input; the trailing pad is what the scatter spreads beyond the output. The
// reader turns SAME / VALID into these, the writer matches explicit pads
// against them. False when the trailing pad overflows int32.
bool transpose_conv_pads(bool same, int32_t in, int32_t filter, int32_t stride, int32_t out, int32_t* begin,
                         int32_t* end);

}  // namespace edgerun::tflite
