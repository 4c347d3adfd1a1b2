#include "convert/graph_edit.h"

#include <cstring>
#include <memory>

namespace edgerun::convert {

const uint8_t* own_copy(io::ImportedModel& m, const void* bytes, size_t size) {
  // 64-byte aligned: kernels may read constants with aligned vector loads.
  const size_t padded = (size + 63) / 64 * 64 + 64;
  std::unique_ptr<uint8_t[]> block(new uint8_t[padded]());
  auto* aligned = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(block.get()) + 63) / 64 * 64);
  if (size > 0) std::memcpy(aligned, bytes, size);
  m.aligned_copies.push_back(std::move(block));
  return aligned;
}

int32_t add_constant(io::ImportedModel& m, const std::string& name, DType dtype, const Shape& shape, const void* bytes,
                     size_t size, const QuantParams& quant) {
  const uint8_t* aligned = own_copy(m, bytes, size);
  ir::Value v;
  v.info.name = name;
  v.info.dtype = dtype;
  v.info.shape = shape;
  v.info.quant = quant;
  v.data = aligned;
  v.data_bytes = size;
  m.graph.values.push_back(std::move(v));
  return static_cast<int32_t>(m.graph.values.size() - 1);
}

int32_t add_activation(io::ImportedModel& m, const TensorInfo& info) {
  ir::Value v;
  v.info = info;
  m.graph.values.push_back(std::move(v));
  return static_cast<int32_t>(m.graph.values.size() - 1);
}

std::vector<float> constant_as_float(const ir::Value& v) {
  if (!v.is_constant()) return {};
  const int64_t n = v.info.elements();
  std::vector<float> out(static_cast<size_t>(n));
  const QuantParams& q = v.info.quant;
  // Elements per slice along the quantized axis, for per-channel parameters.
  int64_t inner = 1, channels = 1;
  if (q.per_channel()) {
    const auto& s = v.info.shape;
    channels = s[static_cast<size_t>(q.axis)];
    for (size_t d = static_cast<size_t>(q.axis) + 1; d < s.size(); ++d) inner *= s[d];
  }
  auto real = [&](int64_t i, double x) -> float {
    if (q.empty()) return static_cast<float>(x);
    const size_t c = q.per_channel() ? static_cast<size_t>(i / inner % channels) : 0;
    const double zp = q.zero_point.empty() ? 0.0 : static_cast<double>(q.zero_point[q.zero_point.size() > 1 ? c : 0]);
    return static_cast<float>(static_cast<double>(q.scale[c]) * (x - zp));
  };
  for (int64_t i = 0; i < n; ++i) {
    double x = 0;
    switch (v.info.dtype) {
      case DType::kFloat32: {
        float f;
        std::memcpy(&f, v.data + i * 4, 4);
        out[static_cast<size_t>(i)] = f;
        continue;
      }
      case DType::kInt8:
        x = static_cast<int8_t>(v.data[i]);
        break;
      case DType::kUInt8:
        x = v.data[i];
        break;
      case DType::kInt16: {
        int16_t t;
        std::memcpy(&t, v.data + i * 2, 2);
        x = t;
        break;
      }
      case DType::kInt32: {
        int32_t t;
        std::memcpy(&t, v.data + i * 4, 4);
        x = t;
        break;
      }
      case DType::kInt64: {
        int64_t t;
        std::memcpy(&t, v.data + i * 8, 8);
        x = static_cast<double>(t);
        break;
      }
      default:
        return {};
    }
    out[static_cast<size_t>(i)] = real(i, x);
  }
  return out;
}

std::vector<float> mean_shift(ir::OpType op, const Shape& s, const std::vector<float>& before,
                              const std::vector<float>& after, const std::vector<float>& mean) {
  if (mean.empty() || s.empty() || before.size() != after.size()) return {};
  const bool depthwise = op == ir::OpType::kDepthwiseConv2D;
  const int64_t out_c = depthwise ? s.back() : s[0];
  const int64_t in_c = s.back();
  // A grouped conv reads input channel g * (I / groups) + c: not handled.
  if (out_c <= 0 || (!depthwise && in_c != static_cast<int64_t>(mean.size()))) return {};
  const auto n = static_cast<int64_t>(before.size());
  std::vector<double> shift(static_cast<size_t>(out_c), 0.0);
  for (int64_t k = 0; k < n; ++k) {
    // The output channel, and the input channel the tap reads (depthwise:
    // o / depth multiplier).
    const int64_t o = depthwise ? k % out_c : k / (n / out_c);
    const int64_t c = depthwise ? o * static_cast<int64_t>(mean.size()) / out_c : k % in_c;
    shift[static_cast<size_t>(o)] +=
        (static_cast<double>(after[static_cast<size_t>(k)]) - before[static_cast<size_t>(k)]) *
        mean[static_cast<size_t>(c)];
  }
  return std::vector<float>(shift.begin(), shift.end());
}

int32_t remove_dead_nodes(ir::Graph& g) {
  std::vector<bool> needed(g.values.size(), false);
  for (int32_t id : g.outputs) {
    if (id >= 0 && static_cast<size_t>(id) < needed.size()) needed[static_cast<size_t>(id)] = true;
  }
  // Nodes are in execution order: walking back, a node is live when it
  // produces a needed value, and then needs its inputs.
  std::vector<bool> live(g.nodes.size(), false);
  for (size_t i = g.nodes.size(); i-- > 0;) {
    for (int32_t out : g.nodes[i].outputs) {
      if (out >= 0 && static_cast<size_t>(out) < needed.size() && needed[static_cast<size_t>(out)]) live[i] = true;
    }
    if (!live[i]) continue;
    for (int32_t in : g.nodes[i].inputs) {
      if (in >= 0 && static_cast<size_t>(in) < needed.size()) needed[static_cast<size_t>(in)] = true;
    }
  }
  std::vector<ir::Node> kept;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    if (live[i]) kept.push_back(std::move(g.nodes[i]));
  }
  const auto removed = static_cast<int32_t>(g.nodes.size() - kept.size());
  g.nodes = std::move(kept);
  return removed;
}

std::vector<std::vector<int32_t>> readers_of_values(const ir::Graph& g) {
  std::vector<std::vector<int32_t>> r(g.values.size());
  for (size_t n = 0; n < g.nodes.size(); ++n) {
    for (int32_t in : g.nodes[n].inputs) {
      if (in != ir::kNoValue) r[static_cast<size_t>(in)].push_back(static_cast<int32_t>(n));
    }
  }
  return r;
}

}  // namespace edgerun::convert
