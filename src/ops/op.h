// The op layer: for each OpType, a `prepare` that validates a Node against its
// Values (dtypes, shapes, quantization, attributes) once, at load time, and
// returns a Kernel holding every precomputed parameter (multipliers, shifts,
// activation ranges). `Kernel::run` then only moves data: no allocation, no
// validation, no logging.
//
// Adding an op: write src/ops/<op>.cc with `prepare_<op>`, add its line to
// src/ops/op_list.cc, add its reference kernel under src/kernels/ref/, one line
// in each importer's op map, and its test under tests/ops/.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "edgerun/status.h"
#include "ir/graph.h"

namespace edgerun::ops {

// Data pointers for one node, in the order of Node::inputs / Node::outputs.
// An absent optional input (kNoValue) has a null pointer.
struct KernelIO {
  std::span<const void* const> inputs;
  std::span<void* const> outputs;
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void run(const KernelIO& io) const = 0;
};

using PrepareFn = Result<std::unique_ptr<Kernel>> (*)(const ir::Graph& graph, const ir::Node& node);

struct OpInfo {
  ir::OpType type;
  const char* name;  // TFLite-style upper-case name, e.g. "CONV_2D"
  PrepareFn prepare;
};

// The single list of ops (src/ops/op_list.cc).
const OpInfo* find_op(ir::OpType type);

// Builds a Status for a node that fails validation, in the project's one error
// style: "CONV_2D (operator 7): input 0 dtype: expected uint8, found float32".
Status node_error(const ir::Node& node, const std::string& what);

}  // namespace edgerun::ops
