#include "convert/quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "convert/graph_edit.h"
#include "convert/weight_quant.h"

namespace edgerun::convert {
namespace {

// How an op's int8 form takes its parameters.
enum class Kind {
  kWeighted,    // CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED: per-channel weights, int32 bias
  kSameParams,  // output = input's parameters
  kFixed,       // output 1/256, -128
  kFree,        // output from its own range
  kShared,      // CONCATENATION: inputs requantized to the output's parameters
};

std::optional<Kind> int8_kind(ir::OpType op) {
  switch (op) {
    case ir::OpType::kConv2D:
    case ir::OpType::kDepthwiseConv2D:
    case ir::OpType::kFullyConnected:
      return Kind::kWeighted;
    case ir::OpType::kMaxPool2D:
    case ir::OpType::kAveragePool2D:
    case ir::OpType::kReshape:
    case ir::OpType::kSqueeze:
    case ir::OpType::kPad:
    case ir::OpType::kTranspose:
    case ir::OpType::kStridedSlice:
      return Kind::kSameParams;
    case ir::OpType::kSoftmax:
    case ir::OpType::kLogistic:
      return Kind::kFixed;
    case ir::OpType::kAdd:
    case ir::OpType::kMul:
    case ir::OpType::kMean:
      return Kind::kFree;
    case ir::OpType::kConcatenation:
      return Kind::kShared;
    default:
      return std::nullopt;
  }
}

// int8 parameters of the range [min, max] (widened to hold 0), as TFLite's
// converter nudges them: the zero point rounded and clamped to the int8 range.
QuantParams activation_params(const ValueRange& r) {
  double lo = std::min(0.0, static_cast<double>(r.min)), hi = std::max(0.0, static_cast<double>(r.max));
  if (!(hi - lo > 1e-12)) hi = lo + 1e-6;  // a constant-zero tensor: any positive scale
  const double scale = (hi - lo) / 255.0;
  const double zp = std::clamp(std::round(-128.0 - lo / scale), -128.0, 127.0);
  QuantParams q;
  q.scale = {static_cast<float>(scale)};
  q.zero_point = {static_cast<int64_t>(zp)};
  return q;
}

int8_t quantize_value(float x, float scale, int64_t zp) {
  const double q = std::round(static_cast<double>(x) / scale) + static_cast<double>(zp);
  return static_cast<int8_t>(std::clamp(q, -128.0, 127.0));
}

class Quantizer {
 public:
  Quantizer(io::ImportedModel& m, const std::vector<ValueRange>& ranges, const QuantizeOptions& o)
      : m_(m), g_(m.graph), ranges_(ranges), options_(o) {}

  Status run(QuantizeReport* report) {
    const size_t n = g_.values.size();
    if (ranges_.size() != n) {
      return InvalidArgument("quantize: expected " + std::to_string(n) + " value ranges (one per value), found " +
                             std::to_string(ranges_.size()));
    }
    for (int32_t id : g_.inputs) {
      if (g_.values[static_cast<size_t>(id)].info.dtype != DType::kFloat32) {
        return InvalidArgument("quantize: graph input '" + g_.values[static_cast<size_t>(id)].info.name + "' is " +
                               dtype_name(g_.values[static_cast<size_t>(id)].info.dtype) +
                               ", expected a float32 model (a quantized one: convert it with --dequantize first)");
      }
    }
    twin_.assign(n, -1);
    home_int8_.assign(n, false);
    float_ready_.assign(n, true);
    const std::vector<ir::Node> nodes = std::move(g_.nodes);
    g_.nodes.clear();
    for (int32_t& id : g_.inputs) {
      if (options_.io == IoType::kFloat) continue;
      const int32_t twin = twin_of(id, /*emit=*/false);
      home_int8_[static_cast<size_t>(id)] = true;
      float_ready_[static_cast<size_t>(id)] = false;
      if (options_.io == IoType::kInt8) {
        id = twin;
      } else {
        id = uint8_twin(twin, /*input=*/true);
      }
    }
    for (const ir::Node& node : nodes) {
      if (quantizable(node)) {
        EDGERUN_RETURN_IF_ERROR(emit_int8(node));
        ++r_.quantized_nodes;
      } else {
        emit_float(node);
        ++r_.float_nodes;
        const std::string name = ir::op_name(node.op);
        if (std::find(r_.float_ops.begin(), r_.float_ops.end(), name) == r_.float_ops.end())
          r_.float_ops.push_back(name);
      }
    }
    for (int32_t& id : g_.outputs) {
      const auto v = static_cast<size_t>(id);
      if (options_.io == IoType::kFloat) {
        if (home_int8_[v]) need_float(id);
        continue;
      }
      const int32_t twin = twin_of(id, /*emit=*/true);
      id = options_.io == IoType::kInt8 ? twin : uint8_twin(twin, /*input=*/false);
    }
    if (options_.io != IoType::kFloat) name_io_after_originals();
    g_.quant_arithmetic = ir::QuantArithmetic::kTfLite;
    for (size_t v = 0; v < twin_.size(); ++v) {
      if (twin_[v] >= 0) r_.quantized_values.emplace_back(twin_[v], static_cast<int32_t>(v));
    }
    if (report != nullptr) *report = r_;
    return Status::Ok();
  }

 private:
  const ir::Value& value(int32_t id) const { return g_.values[static_cast<size_t>(id)]; }
  bool is_float_activation(int32_t id) const {
    return id != ir::kNoValue && !value(id).is_constant() && value(id).info.dtype == DType::kFloat32;
  }

  bool quantizable(const ir::Node& n) const {
    const std::optional<Kind> kind = int8_kind(n.op);
    if (!kind) return false;
    if (n.outputs.size() != 1 || !is_float_activation(n.outputs[0])) return false;
    if (!ranges_[static_cast<size_t>(n.outputs[0])].seen && *kind != Kind::kSameParams && *kind != Kind::kFixed) {
      return false;
    }
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const int32_t id = n.inputs[i];
      if (id == ir::kNoValue) continue;
      const ir::Value& v = value(id);
      if (v.is_constant()) {
        if (v.info.dtype != DType::kFloat32) continue;  // shapes, axes, paddings
        if (*kind == Kind::kWeighted && i >= 1) continue;
        if (*kind == Kind::kSameParams || *kind == Kind::kShared) return false;  // e.g. PADV2's fill value
        continue;
      }
      if (v.info.dtype != DType::kFloat32) return false;
      if (!ranges_[static_cast<size_t>(id)].seen && twin_[static_cast<size_t>(id)] < 0) return false;
      if (*kind == Kind::kWeighted && i >= 1) return false;  // weights computed at run time
    }
    return true;
  }

  // The int8 twin of float value `id`, created on first use (with a QUANTIZE
  // node when `emit` and the value lives in float).
  int32_t twin_of(int32_t id, bool emit, const QuantParams* params = nullptr) {
    const auto v = static_cast<size_t>(id);
    if (twin_[v] >= 0) return twin_[v];
    TensorInfo t = value(id).info;
    t.dtype = DType::kInt8;
    t.quant = params != nullptr ? *params : activation_params(ranges_[v]);
    t.name += "/int8";
    const int32_t twin = add_activation(m_, t);
    twin_.resize(g_.values.size(), -1);
    home_int8_.resize(g_.values.size(), false);
    float_ready_.resize(g_.values.size(), true);
    twin_[v] = twin;
    if (emit && !home_int8_[v]) {
      g_.nodes.push_back({ir::OpType::kQuantize, {id}, {twin}, ir::QuantizeAttrs{}, source_index_});
    }
    return twin;
  }

  // Makes float value `id` (living in int8) available: DEQUANTIZE its twin.
  void need_float(int32_t id) {
    const auto v = static_cast<size_t>(id);
    if (!home_int8_[v] || float_ready_[v]) return;
    g_.nodes.push_back({ir::OpType::kDequantize, {twin_[v]}, {id}, {}, source_index_});
    float_ready_[v] = true;
  }

  // A uint8 graph input (converted to `twin` by a QUANTIZE) or output
  // (converted from it), with the twin's scale and zero point + 128.
  int32_t uint8_twin(int32_t twin, bool input) {
    TensorInfo t = value(twin).info;
    t.dtype = DType::kUInt8;
    t.quant.zero_point[0] += 128;
    t.name += "/uint8";
    const int32_t u = add_activation(m_, t);
    if (input) {
      g_.nodes.push_back({ir::OpType::kQuantize, {u}, {twin}, ir::QuantizeAttrs{}, source_index_});
    } else {
      g_.nodes.push_back({ir::OpType::kQuantize, {twin}, {u}, ir::QuantizeAttrs{}, source_index_});
    }
    return u;
  }

  // With int8 / uint8 graph inputs and outputs, those carry the original
  // tensors' names; the float tensors they stand for take "/float".
  void name_io_after_originals() {
    std::vector<std::pair<int32_t, std::string>> originals;
    for (size_t v = 0; v < twin_.size(); ++v) {
      if (twin_[v] < 0) continue;
      for (const auto* list : {&g_.inputs, &g_.outputs}) {
        for (int32_t io : *list) {
          const std::string& name = value(io).info.name;
          const std::string& original = g_.values[v].info.name;
          if (name == original + "/int8" || name == original + "/int8/uint8") originals.emplace_back(io, original);
        }
      }
    }
    for (const auto& [io, original] : originals) {
      for (ir::Value& v : g_.values) {
        if (v.info.name == original) v.info.name = original + "/float";
      }
      g_.values[static_cast<size_t>(io)].info.name = original;
    }
  }

  void emit_float(const ir::Node& node) {
    source_index_ = node.source_index;
    for (int32_t id : node.inputs) {
      if (id != ir::kNoValue && static_cast<size_t>(id) < home_int8_.size()) need_float(id);
    }
    g_.nodes.push_back(node);
  }

  Status emit_int8(const ir::Node& node) {
    source_index_ = node.source_index;
    const Kind kind = *int8_kind(node.op);
    ir::Node q = node;
    // Activation inputs first: the bias scale needs the input's.
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int32_t id = node.inputs[i];
      if (id == ir::kNoValue || value(id).is_constant() || value(id).info.dtype != DType::kFloat32) continue;
      q.inputs[i] = twin_of(id, /*emit=*/true);
    }
    std::vector<float> shift;  // bias correction, per output channel
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int32_t id = node.inputs[i];
      if (id == ir::kNoValue || !value(id).is_constant() || value(id).info.dtype != DType::kFloat32) continue;
      if (kind == Kind::kWeighted && i == 1) {
        EDGERUN_ASSIGN_OR_RETURN(q.inputs[i], quantize_weights(node, id));
        if (options_.bias_correction) shift = mean_shift(node, id, q.inputs[i]);
      } else if (kind == Kind::kWeighted && i == 2) {
        const QuantParams& in = value(q.inputs[0]).info.quant;
        const QuantParams& w = value(q.inputs[1]).info.quant;
        q.inputs[i] = quantize_bias(id, in.scale[0], w.scale, shift);
      } else {
        q.inputs[i] = quantize_constant(id);
      }
    }
    const int32_t out = node.outputs[0];
    QuantParams params;
    if (kind == Kind::kShared) {
      // TFLite's int8 CONCATENATION copies bytes: every input must already
      // have the output's scale and zero point; a QUANTIZE (int8 -> int8)
      // requantizes those that do not.
      params = activation_params(ranges_[static_cast<size_t>(out)]);
      for (int32_t& in : q.inputs) {
        const QuantParams& have = value(in).info.quant;
        if (have.scale == params.scale && have.zero_point == params.zero_point) continue;
        TensorInfo t = value(in).info;
        t.quant = params;
        t.name += "/requantized";
        const int32_t r = add_activation(m_, t);
        g_.nodes.push_back({ir::OpType::kQuantize, {in}, {r}, ir::QuantizeAttrs{}, source_index_});
        in = r;
      }
    } else if (kind == Kind::kSameParams) {
      params = value(q.inputs[0]).info.quant;
    } else if (kind == Kind::kFixed) {
      params.scale = {1.0f / 256.0f};
      params.zero_point = {-128};
    } else {
      params = activation_params(ranges_[static_cast<size_t>(out)]);
    }
    const int32_t twin = twin_of(out, /*emit=*/false, &params);
    home_int8_[static_cast<size_t>(out)] = true;
    float_ready_[static_cast<size_t>(out)] = false;
    q.outputs[0] = twin;
    g_.nodes.push_back(std::move(q));
    return Status::Ok();
  }

  Result<int32_t> quantize_weights(const ir::Node& node, int32_t id) {
    const ir::Value& w = value(id);
    const int axis = node.op == ir::OpType::kDepthwiseConv2D ? 3 : 0;
    auto cq = quantize_per_channel_int8(constant_as_float(w), w.info.shape, axis);
    if (!cq.ok()) return cq.status().with_context("weights '" + w.info.name + "'");
    QuantParams p;
    p.scale = cq->scale;
    p.zero_point.assign(cq->scale.size(), 0);
    p.axis = axis;
    return add_constant(m_, w.info.name + "/int8", DType::kInt8, w.info.shape, cq->q.data(), cq->q.size(), p);
  }

  // How much rounding the weights moves each output channel's mean.
  std::vector<float> mean_shift(const ir::Node& node, int32_t float_w, int32_t int8_w) {
    const ir::Value& w = value(float_w);
    return convert::mean_shift(node.op, w.info.shape, constant_as_float(w), constant_as_float(value(int8_w)),
                               ranges_[static_cast<size_t>(node.inputs[0])].channel_mean);
  }

  int32_t quantize_bias(int32_t id, float input_scale, const std::vector<float>& weight_scales,
                        const std::vector<float>& shift) {
    const ir::Value& b = value(id);
    std::vector<float> f = constant_as_float(b);
    if (shift.size() == f.size()) {
      for (size_t c = 0; c < f.size(); ++c) f[c] -= shift[c];
    }
    std::vector<int32_t> q(f.size());
    QuantParams p;
    for (size_t c = 0; c < f.size(); ++c) {
      const double s = static_cast<double>(input_scale) * weight_scales[weight_scales.size() > 1 ? c : 0];
      p.scale.push_back(static_cast<float>(s));
      p.zero_point.push_back(0);
      const double v = std::round(static_cast<double>(f[c]) / s);
      q[c] = static_cast<int32_t>(
          std::clamp(v, double{std::numeric_limits<int32_t>::min()}, double{std::numeric_limits<int32_t>::max()}));
    }
    return add_constant(m_, b.info.name + "/int32", DType::kInt32, b.info.shape, q.data(), q.size() * 4, p);
  }

  int32_t quantize_constant(int32_t id) {
    const ir::Value& c = value(id);
    const std::vector<float> f = constant_as_float(c);
    ValueRange r{true, 0.0f, 0.0f};
    for (float x : f) r.min = std::min(r.min, x), r.max = std::max(r.max, x);
    const QuantParams p = activation_params(r);
    std::vector<int8_t> q(f.size());
    for (size_t i = 0; i < f.size(); ++i) q[i] = quantize_value(f[i], p.scale[0], p.zero_point[0]);
    return add_constant(m_, c.info.name + "/int8", DType::kInt8, c.info.shape, q.data(), q.size(), p);
  }

  io::ImportedModel& m_;
  ir::Graph& g_;
  const std::vector<ValueRange>& ranges_;
  QuantizeOptions options_;
  QuantizeReport r_;
  std::vector<int32_t> twin_;      // per value: its int8 twin, or -1
  std::vector<bool> home_int8_;    // computed in int8 (its float form, if any, by DEQUANTIZE)
  std::vector<bool> float_ready_;  // the float form exists at this point of the node list
  int32_t source_index_ = 0;
};

}  // namespace

Status quantize_int8(io::ImportedModel& m, const std::vector<ValueRange>& ranges, const QuantizeOptions& options,
                     QuantizeReport* report) {
  return Quantizer(m, ranges, options).run(report);
}

}  // namespace edgerun::convert
