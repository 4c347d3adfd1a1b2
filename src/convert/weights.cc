#include "convert/weights.h"

#include <cstring>
#include <string>
#include <vector>

#include "convert/graph_edit.h"

namespace edgerun::convert {

Status check_indices(const ir::Graph& g) {
  const auto n = static_cast<int64_t>(g.values.size());
  auto check = [&](int32_t id, bool optional, const std::string& what) -> Status {
    if ((optional && id == ir::kNoValue) || (id >= 0 && id < n)) return Status::Ok();
    return InvalidArgument(what + ": value index " + std::to_string(id) + " out of range [0, " + std::to_string(n) +
                           ")");
  };
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const ir::Node& node = g.nodes[i];
    const std::string where = "node " + std::to_string(i) + " (" + ir::op_name(node.op) + ")";
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      EDGERUN_RETURN_IF_ERROR(check(node.inputs[k], true, where + ": input " + std::to_string(k)));
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      EDGERUN_RETURN_IF_ERROR(check(node.outputs[k], false, where + ": output " + std::to_string(k)));
    }
  }
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    EDGERUN_RETURN_IF_ERROR(check(g.inputs[i], false, "graph input " + std::to_string(i)));
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    EDGERUN_RETURN_IF_ERROR(check(g.outputs[i], false, "graph output " + std::to_string(i)));
  }
  return Status::Ok();
}

bool is_weight_input(const ir::Node& n, size_t slot) {
  switch (n.op) {
    case ir::OpType::kConv2D:
    case ir::OpType::kDepthwiseConv2D:
    case ir::OpType::kFullyConnected:
    case ir::OpType::kConvTranspose:
    case ir::OpType::kBatchMatMul:
      return slot == 1;
    default:
      return false;
  }
}

namespace {

int64_t count_zeros(const ir::Value& v) {
  const int64_t n = v.info.elements();
  int64_t zeros = 0;
  if (v.data_bytes < v.info.bytes()) return 0;  // malformed: nothing to count
  if (v.info.dtype == DType::kFloat16) {
    for (int64_t i = 0; i < n; ++i) {
      uint16_t h;
      std::memcpy(&h, v.data + i * 2, 2);
      zeros += (h & 0x7FFF) == 0;
    }
    return zeros;
  }
  // Quantized values equal to their zero point dequantize to exactly 0.
  for (float x : constant_as_float(v)) zeros += x == 0.0f;
  return zeros;
}

}  // namespace

WeightStats weight_stats(const ir::Graph& g) {
  WeightStats s;
  std::vector<uint8_t> read(g.values.size(), 0), weight(g.values.size(), 0);
  std::vector<int32_t> dequantized_from(g.values.size(), -1);
  for (const ir::Node& n : g.nodes) {
    if (n.op == ir::OpType::kDequantize && n.inputs.size() == 1 && n.outputs.size() == 1 && n.inputs[0] >= 0) {
      dequantized_from[static_cast<size_t>(n.outputs[0])] = n.inputs[0];
    }
  }
  for (const ir::Node& n : g.nodes) {
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const int32_t id = n.inputs[k];
      if (id == ir::kNoValue) continue;
      read[static_cast<size_t>(id)] = 1;
      if (!is_weight_input(n, k)) continue;
      const int32_t source =
          g.values[static_cast<size_t>(id)].is_constant() ? id : dequantized_from[static_cast<size_t>(id)];
      if (source >= 0 && g.values[static_cast<size_t>(source)].is_constant()) weight[static_cast<size_t>(source)] = 1;
    }
  }
  for (size_t id = 0; id < g.values.size(); ++id) {
    const ir::Value& v = g.values[id];
    if (!v.is_constant() || !read[id]) continue;
    s.parameters += v.info.elements();
    s.parameter_bytes += static_cast<int64_t>(v.data_bytes);
    if (weight[id]) {
      s.weights += v.info.elements();
      s.zero_weights += count_zeros(v);
    }
  }
  return s;
}

}  // namespace edgerun::convert
