#include "convert/weight_quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "convert/graph_edit.h"
#include "convert/weights.h"
#include "core/float_types.h"

namespace edgerun::convert {
namespace {

constexpr float kHalfMax = 65504.0f;  // the largest finite float16

// A float32 constant's new form, read through a DEQUANTIZE.
struct Stored {
  int32_t id;  // the float32 constant it replaces
  DType dtype;
  std::vector<uint8_t> bytes;
  QuantParams quant;
};

// A float32 constant that nodes read (and that is no graph output, whose name
// the DEQUANTIZE's output, taking the constant's, would repeat).
bool is_candidate(const ir::Graph& g, size_t id, const std::vector<std::vector<int32_t>>& readers) {
  const ir::Value& v = g.values[id];
  return !readers[id].empty() && v.is_constant() && v.info.dtype == DType::kFloat32 && v.info.quant.empty() &&
         v.data_bytes == v.info.bytes() &&
         std::find(g.outputs.begin(), g.outputs.end(), static_cast<int32_t>(id)) == g.outputs.end();
}

// Each constant of `stored` becomes a DEQUANTIZE of its new form, placed
// before the first node that reads it; every reader then reads its output.
void insert_dequantize(io::ImportedModel& m, std::vector<Stored> stored, const char* suffix,
                       WeightQuantReport* report) {
  ir::Graph& g = m.graph;
  const std::vector<std::vector<int32_t>> readers = readers_of_values(g);
  std::vector<std::vector<ir::Node>> before(g.nodes.size());
  for (Stored& s : stored) {
    const TensorInfo info = g.values[static_cast<size_t>(s.id)].info;  // a copy: adding values may move it
    const int32_t small =
        add_constant(m, info.name + "/" + suffix, s.dtype, info.shape, s.bytes.data(), s.bytes.size(), s.quant);
    const int32_t value = add_activation(m, TensorInfo{info.name, DType::kFloat32, info.shape, {}});
    const std::vector<int32_t>& r = readers[static_cast<size_t>(s.id)];
    const auto first = static_cast<size_t>(r.front());  // readers come in node order
    before[first].push_back(ir::Node{ir::OpType::kDequantize, {small}, {value}, {}, g.nodes[first].source_index});
    for (int32_t n : r) {
      for (int32_t& in : g.nodes[static_cast<size_t>(n)].inputs) {
        if (in == s.id) in = value;
      }
    }
    report->tensors += 1;
    report->elements += info.elements();
    report->bytes_before += static_cast<int64_t>(info.bytes());
    report->bytes_after += static_cast<int64_t>(s.bytes.size());
  }
  std::vector<ir::Node> nodes;
  nodes.reserve(g.nodes.size() + stored.size());
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (ir::Node& d : before[i]) nodes.push_back(std::move(d));
    nodes.push_back(std::move(g.nodes[i]));
  }
  g.nodes = std::move(nodes);
}

std::string quoted(const ir::Value& v) { return "'" + v.info.name + "'"; }

bool reads_as_layer(ir::OpType op) {
  return op == ir::OpType::kConv2D || op == ir::OpType::kDepthwiseConv2D || op == ir::OpType::kFullyConnected ||
         op == ir::OpType::kConvTranspose || op == ir::OpType::kBatchMatMul;
}

// The per-channel axis of weights that `n` reads as input `slot`, or a reason
// why they cannot be quantized per channel for it.
struct Axis {
  int32_t axis = -1;
  std::string why_not;
};
Axis dynamic_axis(const ir::Node& n, size_t slot, const Shape& shape) {
  const auto rank = static_cast<int32_t>(shape.size());
  const std::string by = std::string("read by ") + ir::op_name(n.op) + " as input " + std::to_string(slot);
  if (!is_weight_input(n, slot) || n.op == ir::OpType::kConvTranspose) return {-1, by};
  switch (n.op) {
    case ir::OpType::kConv2D:
      return rank == 4 ? Axis{0, ""} : Axis{-1, by + " with rank " + std::to_string(rank)};
    case ir::OpType::kDepthwiseConv2D:
      return rank == 4 ? Axis{3, ""} : Axis{-1, by + " with rank " + std::to_string(rank)};
    case ir::OpType::kFullyConnected:
      return rank == 2 ? Axis{0, ""} : Axis{-1, by + " with rank " + std::to_string(rank)};
    default: {  // BATCH_MATMUL: per column of B [..., K, N], or of B [..., N, K] with adj_y
      const auto* a = std::get_if<ir::BatchMatMulAttrs>(&n.attrs);
      if (a == nullptr || rank < 2) return {-1, by + " with rank " + std::to_string(rank)};
      return {a->adj_y ? rank - 2 : rank - 1, ""};
    }
  }
}

}  // namespace

Result<PerChannelInt8> quantize_per_channel_int8(const std::vector<float>& w, const Shape& shape, int32_t axis) {
  if (axis < 0 || static_cast<size_t>(axis) >= shape.size()) {
    return InvalidArgument("axis " + std::to_string(axis) + " out of range for shape " + shape_string(shape));
  }
  if (static_cast<int64_t>(w.size()) != shape_elements(shape)) {
    return InvalidArgument(std::to_string(w.size()) + " weights, expected " + std::to_string(shape_elements(shape)) +
                           " (shape " + shape_string(shape) + ")");
  }
  if (w.empty()) return InvalidArgument("no weights (shape " + shape_string(shape) + ")");
  const auto channels = static_cast<size_t>(shape[static_cast<size_t>(axis)]);
  size_t inner = 1;
  for (size_t d = static_cast<size_t>(axis) + 1; d < shape.size(); ++d) inner *= static_cast<size_t>(shape[d]);
  auto channel = [&](size_t i) { return i / inner % channels; };
  PerChannelInt8 r;
  std::vector<float> max_abs(channels, 0.0f);
  for (size_t i = 0; i < w.size(); ++i) {
    if (!std::isfinite(w[i])) {
      return InvalidArgument("weight " + std::to_string(i) + " is " + std::to_string(w[i]) + "; expected finite");
    }
    max_abs[channel(i)] = std::max(max_abs[channel(i)], std::fabs(w[i]));
  }
  r.scale.resize(channels);
  for (size_t c = 0; c < channels; ++c) r.scale[c] = max_abs[c] > 0.0f ? max_abs[c] / 127.0f : 1.0f;
  r.q.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    const double q = std::round(static_cast<double>(w[i]) / static_cast<double>(r.scale[channel(i)]));
    r.q[i] = static_cast<int8_t>(std::min(127.0, std::max(-127.0, q)));
  }
  return r;
}

Status quantize_fp16(io::ImportedModel& m, const Fp16Options& options, WeightQuantReport* report) {
  EDGERUN_RETURN_IF_ERROR(check_indices(m.graph));
  WeightQuantReport local;
  WeightQuantReport* r = report != nullptr ? report : &local;
  const ir::Graph& g = m.graph;
  const std::vector<std::vector<int32_t>> readers = readers_of_values(g);
  std::vector<Stored> stored;
  for (size_t id = 0; id < g.values.size(); ++id) {
    const ir::Value& v = g.values[id];
    if (!is_candidate(g, id, readers)) continue;
    bool layer = false;
    for (int32_t n : readers[id]) layer |= reads_as_layer(g.nodes[static_cast<size_t>(n)].op);
    if (!layer && v.info.elements() < options.min_other_elements) continue;
    const std::vector<float> f = constant_as_float(v);
    float largest = 0.0f;
    for (float x : f) {
      if (std::isfinite(x)) largest = std::max(largest, std::fabs(x));
    }
    if (largest > kHalfMax) {
      r->kept_float.push_back(quoted(v) + ": |value| " + std::to_string(largest) + " is beyond float16's range (" +
                              std::to_string(kHalfMax) + ")");
      continue;
    }
    Stored s{static_cast<int32_t>(id), DType::kFloat16, std::vector<uint8_t>(f.size() * 2), {}};
    for (size_t i = 0; i < f.size(); ++i) {
      const uint16_t h = float_to_half(f[i]);
      std::memcpy(s.bytes.data() + i * 2, &h, 2);
    }
    stored.push_back(std::move(s));
  }
  insert_dequantize(m, std::move(stored), "fp16", r);
  return Status::Ok();
}

Status quantize_dynamic(io::ImportedModel& m, const DynamicOptions& options, WeightQuantReport* report) {
  EDGERUN_RETURN_IF_ERROR(check_indices(m.graph));
  WeightQuantReport local;
  WeightQuantReport* r = report != nullptr ? report : &local;
  const ir::Graph& g = m.graph;
  const std::vector<std::vector<int32_t>> readers = readers_of_values(g);
  std::vector<Stored> stored;
  for (size_t id = 0; id < g.values.size(); ++id) {
    const ir::Value& v = g.values[id];
    if (!is_candidate(g, id, readers)) continue;
    // Weights only (some reader takes them as its weights); all readers must agree on the axis.
    bool weights = false;
    for (int32_t n : readers[id]) {
      const ir::Node& node = g.nodes[static_cast<size_t>(n)];
      for (size_t k = 0; k < node.inputs.size(); ++k) {
        weights |= node.inputs[k] == static_cast<int32_t>(id) && is_weight_input(node, k);
      }
    }
    if (!weights) continue;
    Axis axis;
    for (int32_t n : readers[id]) {
      const ir::Node& node = g.nodes[static_cast<size_t>(n)];
      for (size_t k = 0; k < node.inputs.size() && axis.why_not.empty(); ++k) {
        if (node.inputs[k] != static_cast<int32_t>(id)) continue;
        const Axis a = dynamic_axis(node, k, v.info.shape);
        if (!a.why_not.empty()) {
          axis = a;
        } else if (axis.axis >= 0 && a.axis != axis.axis) {
          axis.why_not =
              "its readers need per-channel axes " + std::to_string(axis.axis) + " and " + std::to_string(a.axis);
        } else {
          axis.axis = a.axis;
        }
      }
    }
    if (!axis.why_not.empty()) {
      r->kept_float.push_back(quoted(v) + ": " + axis.why_not);
      continue;
    }
    if (v.info.elements() < options.min_elements) {
      r->kept_float.push_back(quoted(v) + ": " + std::to_string(v.info.elements()) + " elements, below " +
                              std::to_string(options.min_elements));
      continue;
    }
    auto q = quantize_per_channel_int8(constant_as_float(v), v.info.shape, axis.axis);
    if (!q.ok()) {
      r->kept_float.push_back(quoted(v) + ": " + q.status().message());
      continue;
    }
    Stored s{static_cast<int32_t>(id), DType::kInt8, std::vector<uint8_t>(q->q.size()), {}};
    if (!q->q.empty()) std::memcpy(s.bytes.data(), q->q.data(), q->q.size());
    s.quant.scale = q->scale;
    s.quant.zero_point.assign(q->scale.size(), 0);
    s.quant.axis = axis.axis;
    stored.push_back(std::move(s));
  }
  insert_dequantize(m, std::move(stored), "int8", r);
  return Status::Ok();
}

}  // namespace edgerun::convert
