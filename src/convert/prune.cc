#include "convert/prune.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <variant>
#include <vector>

#include "convert/graph_edit.h"
#include "convert/weights.h"

namespace edgerun::convert {
namespace {

using ir::OpType;

class Pruner {
 public:
  Pruner(io::ImportedModel& m, const PruneOptions& o, PruneReport* r)
      : m_(m), g_(m.graph), o_(o), r_(r), readers_(readers_of_values(m.graph)) {}

  void run() {
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      const OpType op = g_.nodes[i].op;
      if (o_.structured ? op == OpType::kConv2D
                        : op == OpType::kConv2D || op == OpType::kDepthwiseConv2D || op == OpType::kFullyConnected) {
        layer(i);
      }
    }
  }

 private:
  const ir::Node& node(size_t i) const { return g_.nodes[i]; }
  const ir::Value& value(int32_t id) const { return g_.values[static_cast<size_t>(id)]; }
  std::string where(size_t i) const {
    const ir::Node& n = node(i);
    const std::string name = n.outputs.empty() ? "" : " '" + value(n.outputs[0]).info.name + "'";
    return "node " + std::to_string(i) + " (" + ir::op_name(n.op) + ")" + name;
  }
  void skip(size_t i, const std::string& why) { r_->skipped.push_back(where(i) + ": " + why); }

  // Why input `slot` of node i is not a float32 constant that node i alone reads, or "".
  std::string private_float_constant(size_t i, size_t slot, const char* what, size_t rank) const {
    const ir::Node& n = node(i);
    if (slot >= n.inputs.size() || n.inputs[slot] == ir::kNoValue) return std::string(what) + " absent";
    const ir::Value& v = value(n.inputs[slot]);
    if (!v.is_constant()) return std::string(what) + " '" + v.info.name + "' computed, not a constant";
    if (v.info.dtype != DType::kFloat32 || !v.info.quant.empty()) {
      return std::string(what) + " '" + v.info.name + "' " + (v.info.quant.empty() ? "" : "quantized ") +
             dtype_name(v.info.dtype) + ", not float32";
    }
    if (v.info.shape.size() != rank || v.data_bytes != v.info.bytes()) {
      return std::string(what) + " '" + v.info.name + "' shape " + shape_string(v.info.shape) + ", expected rank " +
             std::to_string(rank);
    }
    for (int32_t reader : readers_[static_cast<size_t>(n.inputs[slot])]) {
      if (reader != static_cast<int32_t>(i)) {
        return std::string(what) + " '" + v.info.name + "' also read by node " + std::to_string(reader) + " (" +
               ir::op_name(node(static_cast<size_t>(reader)).op) + ")";
      }
    }
    return "";
  }

  // The bias (input 2), if present, must be a private float32 constant of `channels`.
  std::string bias_problem(size_t i, int32_t channels) const {
    const ir::Node& n = node(i);
    if (n.inputs.size() < 3 || n.inputs[2] == ir::kNoValue) return "";
    std::string why = private_float_constant(i, 2, "bias", 1);
    if (why.empty() && value(n.inputs[2]).info.shape[0] != channels) {
      why =
          "bias shape " + shape_string(value(n.inputs[2]).info.shape) + ", expected [" + std::to_string(channels) + "]";
    }
    return why;
  }

  // Input `slot` of node i becomes a new constant of `shape` holding `data`
  // (adding a value: references to values are invalid afterwards).
  void replace(size_t i, size_t slot, const Shape& shape, const std::vector<float>& data) {
    const std::string name = value(node(i).inputs[slot]).info.name;
    const int32_t id = add_constant(m_, name, DType::kFloat32, shape, data.data(), data.size() * sizeof(float));
    g_.nodes[i].inputs[slot] = id;
    readers_.push_back({static_cast<int32_t>(i)});
  }

  // Keeps the indices `keep` (ascending) of `axis` of float32 constant input
  // `slot` of node i.
  void keep_along(size_t i, size_t slot, size_t axis, const std::vector<int32_t>& keep) {
    const ir::Value& v = value(node(i).inputs[slot]);
    const Shape shape = v.info.shape;
    const std::vector<float> w = constant_as_float(v);
    size_t outer = 1, inner = 1;
    for (size_t d = 0; d < axis; ++d) outer *= static_cast<size_t>(shape[d]);
    for (size_t d = axis + 1; d < shape.size(); ++d) inner *= static_cast<size_t>(shape[d]);
    const auto n = static_cast<size_t>(shape[axis]);
    std::vector<float> out;
    out.reserve(outer * keep.size() * inner);
    for (size_t o = 0; o < outer; ++o) {
      for (int32_t k : keep) {
        const float* src = w.data() + (o * n + static_cast<size_t>(k)) * inner;
        out.insert(out.end(), src, src + inner);
      }
    }
    Shape new_shape = shape;
    new_shape[axis] = static_cast<int32_t>(keep.size());
    replace(i, slot, new_shape, out);
  }

  void layer(size_t i) {
    const ir::Node& n = node(i);
    const size_t rank = n.op == OpType::kFullyConnected ? 2 : 4;
    if (const std::string why = private_float_constant(i, 1, "weights", rank); !why.empty()) return skip(i, why);
    const ir::Value& w = value(n.inputs[1]);
    const Shape shape = w.info.shape;
    const int64_t count = w.info.elements();
    if (count < o_.min_weights) {
      return skip(i, std::to_string(count) + " weights, below " + std::to_string(o_.min_weights));
    }
    if (n.op == OpType::kDepthwiseConv2D && !o_.depthwise) return skip(i, "depthwise (not pruned by default)");
    if (o_.structured) return remove_filters(i);
    std::vector<float> f = constant_as_float(w);
    const auto k = static_cast<size_t>(std::llround(o_.sparsity * static_cast<double>(count)));
    std::vector<int32_t> order(f.size());
    std::iota(order.begin(), order.end(), 0);
    std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                     [&](int32_t a, int32_t b) {
                       const float fa = std::fabs(f[static_cast<size_t>(a)]), fb = std::fabs(f[static_cast<size_t>(b)]);
                       return fa < fb || (fa == fb && a < b);
                     });
    for (size_t j = 0; j < k; ++j) f[static_cast<size_t>(order[j])] = 0.0f;
    replace(i, 1, shape, f);
    r_->layers.push_back({static_cast<int32_t>(i), ir::op_name(n.op), value(n.outputs[0]).info.name, count,
                          static_cast<int64_t>(k), 0, 0});
  }

  // A node the removed channels flow into, found by walk().
  struct Reader {
    size_t node;
    enum Kind { kConv, kFullyConnected, kDepthwise, kPassThrough } kind;
  };

  // Why channels cannot be removed from value `id` ([N, H, W, C]), or "";
  // fills `readers` with every node they flow into. `root`: id is the conv's own output.
  std::string walk(int32_t id, int32_t channels, std::vector<Reader>* readers, bool root = false) const {
    const ir::Value& v = value(id);
    const std::string name = root ? "its output" : "'" + v.info.name + "'";
    if (std::find(g_.outputs.begin(), g_.outputs.end(), id) != g_.outputs.end()) return name + " is a graph output";
    if (v.info.dtype != DType::kFloat32 || v.info.shape.size() != 4 || v.info.shape[3] != channels) {
      return name + " is " + dtype_name(v.info.dtype) + " " + shape_string(v.info.shape) +
             ", expected float32 [N, H, W, " + std::to_string(channels) + "]";
    }
    std::vector<int32_t> rs = readers_[static_cast<size_t>(id)];
    rs.erase(std::unique(rs.begin(), rs.end()), rs.end());
    for (int32_t r : rs) {
      const auto ri = static_cast<size_t>(r);
      const ir::Node& n = node(ri);
      const std::string by = name + " is read by node " + std::to_string(r) + " (" + ir::op_name(n.op) + ")";
      for (size_t k = 1; k < n.inputs.size(); ++k) {
        if (n.inputs[k] == id) return by + " as input " + std::to_string(k);
      }
      std::string why;
      switch (n.op) {
        case OpType::kConv2D:
          why = private_float_constant(ri, 1, "filter", 4);
          if (why.empty() && value(n.inputs[1]).info.shape[3] != channels) why = "grouped";
          if (why.empty()) readers->push_back({ri, Reader::kConv});
          break;
        case OpType::kFullyConnected:
          why = private_float_constant(ri, 1, "weights", 2);
          if (why.empty() && value(n.inputs[1]).info.shape[1] % channels != 0) {
            why = "weights depth " + std::to_string(value(n.inputs[1]).info.shape[1]) + " not a multiple of " +
                  std::to_string(channels) + " channels";
          }
          if (why.empty()) readers->push_back({ri, Reader::kFullyConnected});
          break;
        case OpType::kDepthwiseConv2D:
          why = private_float_constant(ri, 1, "filter", 4);
          if (why.empty() && value(n.inputs[1]).info.shape[3] != channels) why = "depth multiplier above 1";
          if (why.empty()) why = bias_problem(ri, channels);
          if (why.empty()) {
            readers->push_back({ri, Reader::kDepthwise});
            why = walk(n.outputs[0], channels, readers);
            if (!why.empty()) return why;
          }
          break;
        case OpType::kClamp: {
          const auto* a = std::get_if<ir::ClampAttrs>(&n.attrs);
          if (a == nullptr || a->min > 0.0f || a->max < 0.0f) {
            why = "a clamp that moves 0";
            break;
          }
          [[fallthrough]];
        }
        case OpType::kAveragePool2D:
        case OpType::kMaxPool2D:
        case OpType::kHardSwish:
        case OpType::kLeakyRelu:
        case OpType::kTanh:
          if (n.outputs.size() != 1) {
            why = std::to_string(n.outputs.size()) + " outputs";
            break;
          }
          readers->push_back({ri, Reader::kPassThrough});
          why = walk(n.outputs[0], channels, readers);
          if (!why.empty()) return why;
          break;
        default:
          return by;
      }
      if (!why.empty()) return by + ": " + why;
    }
    return "";
  }

  void remove_filters(size_t i) {
    const ir::Node& n = node(i);
    const ir::Value& w = value(n.inputs[1]);
    const Shape fs = w.info.shape;  // [Cout, KH, KW, Cin]
    const int64_t weights = w.info.elements();
    const int32_t cout = fs[0];
    if (n.inputs.empty() || n.inputs[0] == ir::kNoValue || value(n.inputs[0]).info.shape.size() != 4 ||
        value(n.inputs[0]).info.shape[3] != fs[3]) {
      return skip(i, "grouped (or its input is not [N, H, W, " + std::to_string(fs[3]) + "])");
    }
    if (n.outputs.size() != 1) return skip(i, std::to_string(n.outputs.size()) + " outputs");
    if (const std::string why = bias_problem(i, cout); !why.empty()) return skip(i, why);
    const int32_t remove =
        std::min<int32_t>(cout - 1, static_cast<int32_t>(std::llround(o_.sparsity * static_cast<double>(cout))));
    if (remove <= 0) return skip(i, "no filter to remove of " + std::to_string(cout));
    std::vector<Reader> readers;
    if (const std::string why = walk(n.outputs[0], cout, &readers, true); !why.empty()) return skip(i, why);

    // The filters with the smallest L1 norms go.
    const std::vector<float> f = constant_as_float(w);
    const size_t per_filter = f.size() / static_cast<size_t>(cout);
    std::vector<double> l1(static_cast<size_t>(cout), 0.0);
    for (size_t j = 0; j < f.size(); ++j) l1[j / per_filter] += std::fabs(f[j]);
    std::vector<int32_t> order(static_cast<size_t>(cout));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int32_t a, int32_t b) { return l1[static_cast<size_t>(a)] < l1[static_cast<size_t>(b)]; });
    std::vector<int32_t> keep(order.begin() + remove, order.end());
    std::sort(keep.begin(), keep.end());
    const auto kept = static_cast<int32_t>(keep.size());

    keep_along(i, 1, 0, keep);
    if (n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue) keep_along(i, 2, 0, keep);
    g_.values[static_cast<size_t>(n.outputs[0])].info.shape[3] = kept;
    for (const Reader& r : readers) {
      const ir::Node& rn = node(r.node);
      switch (r.kind) {
        case Reader::kConv:
          keep_along(r.node, 1, 3, keep);
          break;
        case Reader::kFullyConnected: {
          // Column d of the weights [U, D] multiplies channel d % C of the flattened input.
          const Shape ws = value(rn.inputs[1]).info.shape;
          const int32_t pixels = ws[1] / cout;
          std::vector<int32_t> columns;
          for (int32_t p = 0; p < pixels; ++p) {
            for (int32_t c : keep) columns.push_back(p * cout + c);
          }
          keep_along(r.node, 1, 1, columns);
          break;
        }
        case Reader::kDepthwise:
          keep_along(r.node, 1, 3, keep);
          if (rn.inputs.size() > 2 && rn.inputs[2] != ir::kNoValue) keep_along(r.node, 2, 0, keep);
          g_.values[static_cast<size_t>(rn.outputs[0])].info.shape[3] = kept;
          break;
        case Reader::kPassThrough:
          g_.values[static_cast<size_t>(rn.outputs[0])].info.shape[3] = kept;
          break;
      }
    }
    r_->layers.push_back(
        {static_cast<int32_t>(i), ir::op_name(n.op), value(n.outputs[0]).info.name, weights, 0, cout, remove});
    r_->filters_removed += remove;
  }

  io::ImportedModel& m_;
  ir::Graph& g_;
  const PruneOptions& o_;
  PruneReport* r_;
  std::vector<std::vector<int32_t>> readers_;  // by value; the constants replace() adds included
};

}  // namespace

Status prune(io::ImportedModel& m, const PruneOptions& options, PruneReport* report) {
  if (!(options.sparsity > 0.0 && options.sparsity < 1.0)) {
    return InvalidArgument("prune: sparsity: expected in (0, 1), found " + std::to_string(options.sparsity));
  }
  if (options.min_weights < 0) {
    return InvalidArgument("prune: min_weights: expected >= 0, found " + std::to_string(options.min_weights));
  }
  EDGERUN_RETURN_IF_ERROR(check_indices(m.graph));
  PruneReport local;
  Pruner(m, options, report != nullptr ? report : &local).run();
  return Status::Ok();
}

Result<int32_t> correct_pruned_biases(io::ImportedModel& pruned, const ir::Graph& before,
                                      const std::vector<ValueRange>& ranges) {
  ir::Graph& g = pruned.graph;
  if (g.nodes.size() != before.nodes.size() || ranges.size() != before.values.size()) {
    return InvalidArgument("bias correction: expected the pruned graph's nodes and one range per value of the "
                           "graph before pruning");
  }
  int32_t corrected = 0;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    ir::Node& n = g.nodes[i];
    const ir::Node& b = before.nodes[i];
    const bool weighted = n.op == OpType::kConv2D || n.op == OpType::kDepthwiseConv2D ||
                          n.op == OpType::kFullyConnected;
    if (!weighted || n.op != b.op || n.inputs.size() < 2 || n.inputs[1] == b.inputs[1]) continue;
    const ir::Value& w_old = before.values[static_cast<size_t>(b.inputs[1])];
    const ir::Value& w_new = g.values[static_cast<size_t>(n.inputs[1])];
    if (w_old.info.shape != w_new.info.shape || w_new.info.dtype != DType::kFloat32) continue;
    const std::vector<float> shift =
        mean_shift(n.op, w_new.info.shape, constant_as_float(w_old), constant_as_float(w_new),
                   ranges[static_cast<size_t>(b.inputs[0])].channel_mean);
    if (shift.empty()) continue;
    std::vector<float> bias(shift.size(), 0.0f);
    std::string name = w_new.info.name + "/bias";
    if (n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue) {
      const ir::Value& bv = g.values[static_cast<size_t>(n.inputs[2])];
      if (bv.info.dtype != DType::kFloat32 || bv.info.elements() != static_cast<int64_t>(shift.size())) continue;
      bias = constant_as_float(bv);
      name = bv.info.name;
    }
    for (size_t c = 0; c < bias.size(); ++c) bias[c] -= shift[c];
    const int32_t id = add_constant(pruned, name, DType::kFloat32, {static_cast<int32_t>(bias.size())}, bias.data(),
                                    bias.size() * sizeof(float));
    if (n.inputs.size() < 3) n.inputs.resize(3, ir::kNoValue);
    n.inputs[2] = id;
    ++corrected;
  }
  return corrected;
}

}  // namespace edgerun::convert
