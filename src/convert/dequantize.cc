#include "convert/dequantize.h"

#include <string>
#include <vector>

#include "convert/graph_edit.h"

namespace edgerun::convert {
namespace {

bool is_quantized_integer(const TensorInfo& t) {
  return !t.quant.empty() &&
         (t.dtype == DType::kInt8 || t.dtype == DType::kUInt8 || t.dtype == DType::kInt16 || t.dtype == DType::kInt32);
}

}  // namespace

Status dequantize_model(io::ImportedModel& m, DequantizeReport* report) {
  DequantizeReport r;
  ir::Graph& g = m.graph;

  // The first graph input's quantization, for the metadata's normalization.
  QuantParams input_quant;
  if (!g.inputs.empty()) input_quant = g.values[static_cast<size_t>(g.inputs[0])].info.quant;

  const size_t original_values = g.values.size();
  for (size_t id = 0; id < original_values; ++id) {
    ir::Value& v = g.values[id];
    if (!is_quantized_integer(v.info)) continue;
    if (v.is_constant()) {
      const std::vector<float> real = constant_as_float(v);
      if (real.size() != static_cast<size_t>(v.info.elements())) {
        return InvalidArgument("value " + std::to_string(id) + " ('" + v.info.name +
                               "'): cannot read its quantized data as " + dtype_name(v.info.dtype));
      }
      v.data = own_copy(m, real.data(), real.size() * sizeof(float));
      v.data_bytes = real.size() * sizeof(float);
      v.info.dtype = DType::kFloat32;
      v.info.quant = {};
      ++r.constants;
    } else {
      v.info.dtype = DType::kFloat32;
      v.info.quant = {};
      ++r.activations;
    }
  }

  // QUANTIZE / DEQUANTIZE between what are now two float32 tensors: readers
  // of the output read the input instead.
  std::vector<int32_t> alias(g.values.size());
  for (size_t i = 0; i < alias.size(); ++i) alias[i] = static_cast<int32_t>(i);
  std::vector<ir::Node> kept;
  for (ir::Node& n : g.nodes) {
    const bool conversion = (n.op == ir::OpType::kQuantize || n.op == ir::OpType::kDequantize) &&
                            n.inputs.size() == 1 && n.outputs.size() == 1;
    if (conversion) {
      const ir::Value& in = g.values[static_cast<size_t>(n.inputs[0])];
      const ir::Value& out = g.values[static_cast<size_t>(n.outputs[0])];
      if (in.info.dtype == DType::kFloat32 && out.info.dtype == DType::kFloat32) {
        alias[static_cast<size_t>(n.outputs[0])] = alias[static_cast<size_t>(n.inputs[0])];
        ++r.nodes_removed;
        continue;
      }
    }
    for (int32_t& in : n.inputs) {
      if (in != ir::kNoValue) in = alias[static_cast<size_t>(in)];
    }
    kept.push_back(std::move(n));
  }
  g.nodes = std::move(kept);
  for (int32_t& out : g.outputs) {
    const int32_t a = alias[static_cast<size_t>(out)];
    // A graph input returned as an output would need a copy op; keep the
    // conversion's output then (its producer was removed): refuse instead.
    for (int32_t in : g.inputs) {
      if (a == in && a != out) {
        return Unsupported("graph output '" + g.values[static_cast<size_t>(out)].info.name +
                           "' is only a QUANTIZE / DEQUANTIZE of graph input '" +
                           g.values[static_cast<size_t>(in)].info.name + "': nothing left to compute");
      }
    }
    out = a;
  }

  if (m.metadata.mean.empty() && input_quant.scale.size() == 1 && input_quant.scale[0] > 0.0f) {
    m.metadata.mean = {static_cast<float>(input_quant.zero_point.empty() ? 0 : input_quant.zero_point[0])};
    m.metadata.std = {1.0f / input_quant.scale[0]};
  }
  if (report != nullptr) *report = r;
  return Status::Ok();
}

}  // namespace edgerun::convert
