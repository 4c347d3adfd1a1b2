#include "io/onnx/reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/checked.h"
#include "io/onnx/proto.h"

namespace edgerun::onnx {
namespace {

constexpr int64_t kMinOpset = 7;
constexpr int64_t kMaxOpset = 21;
constexpr int64_t kMaxTensorBytes = int64_t{1} << 31;
constexpr int32_t kToNhwc[] = {0, 2, 3, 1};
constexpr int32_t kToNchw[] = {0, 3, 1, 2};

std::string str(std::string_view s) { return std::string(s); }

Result<DType> convert_type(int32_t t, const std::string& where) {
  switch (t) {
    case kFloat: return DType::kFloat32;
    case kUint8: return DType::kUInt8;
    case kInt8: return DType::kInt8;
    case kInt16: return DType::kInt16;
    case kInt32: return DType::kInt32;
    case kInt64: return DType::kInt64;
    case kBool: return DType::kBool;
    default: break;
  }
  return Unsupported(where + ": data type " + data_type_name(t) + " is not supported");
}

// What an ONNX value name stands for while importing.
struct Entry {
  int32_t value = -1;  // IR value; -1 for a constant not materialized yet
  bool nhwc = false;   // a 4-D activation stored NHWC (its ONNX shape is NCHW)
  const TensorProto* constant = nullptr;
  int32_t plain = -1;  // cached NCHW copy of an NHWC value (TRANSPOSE output)
  bool failed = false; // output of a node already reported unsupported
};

// A float32 constant decoded from an initializer, in ONNX order.
struct FloatTensor {
  std::vector<int64_t> dims;
  std::vector<float> data;
};

class Importer {
 public:
  explicit Importer(const Model& m) : m_(m) {}

  Result<io::ImportedModel> run();

 private:
  // --- helpers over the ONNX graph ---
  Status node_error(const std::string& msg) const {
    return InvalidModel(node_where() + ": " + msg);
  }
  Status node_unsupported(const std::string& msg) const { return Unsupported(node_where() + ": " + msg); }
  std::string node_where() const {
    std::string s = str(node_->op_type) + " (node " + std::to_string(node_index_);
    if (!node_->name.empty()) s += " '" + str(node_->name) + "'";
    return s + ")";
  }

  Result<Entry*> entry(std::string_view name);
  Result<Entry*> activation_input(size_t i);  // a non-constant input
  Result<const TensorProto*> constant_input(size_t i);
  bool has_input(size_t i) const { return i < node_->inputs.size() && !node_->inputs[i].empty(); }
  Result<FloatTensor> floats(const TensorProto& t, const std::string& what);
  Result<std::vector<int64_t>> ints(const TensorProto& t, const std::string& what);
  int64_t attr_int(std::string_view name, int64_t def) const {
    const Attribute* a = node_->attribute(name);
    return a ? a->i : def;
  }
  float attr_float(std::string_view name, float def) const {
    const Attribute* a = node_->attribute(name);
    return a ? a->f : def;
  }
  std::vector<int64_t> attr_ints(std::string_view name) const {
    const Attribute* a = node_->attribute(name);
    return a ? a->ints : std::vector<int64_t>{};
  }

  // --- building the IR ---
  int32_t add_value(TensorInfo info, const uint8_t* data = nullptr, size_t bytes = 0);
  template <typename T>
  int32_t add_constant(std::string name, DType dtype, Shape shape, const std::vector<T>& values);
  ir::Node& add_node(ir::OpType op, std::vector<int32_t> inputs, std::vector<int32_t> outputs, ir::Attrs attrs = {});
  int32_t transpose(int32_t value, const int32_t* perm, const std::string& name);
  Result<int32_t> plain_value(Entry* e);  // the value in ONNX element order
  Status define_output(size_t i, int32_t value, bool nhwc);
  // The node's output 0 becomes `e` (input 0, whose only reader this node is), renamed.
  Status rename_to_output(Entry e);
  const Shape& shape_of(int32_t v) const { return g().values[static_cast<size_t>(v)].info.shape; }
  ir::Graph& g() { return out_.graph; }
  const ir::Graph& g() const { return out_.graph; }
  bool sole_reader(std::string_view name) const;

  // --- ops ---
  Status import_node();
  Status conv();
  Status gemm(bool matmul);
  Status pool(bool max);
  Status global_average_pool();
  Status activation(ir::Activation act);
  Status batch_norm();
  Status binary(ir::OpType op);
  Status flatten_or_reshape(bool flatten);
  Status softmax();
  Status alias();
  Status concat();
  Status unary(ir::OpType op, ir::Attrs attrs = {});
  Result<ir::Padding> read_padding(const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                                   const std::vector<int64_t>& dilations, int32_t in_h, int32_t in_w,
                                   ir::ExplicitPads* pads);

  const Model& m_;
  int64_t opset_ = 0;
  io::ImportedModel out_;
  std::map<std::string_view, Entry> entries_;
  std::map<std::string_view, int> readers_;  // how many node inputs / graph outputs read each name
  // Convs whose weights this importer owns, by output value: for BatchNormalization folding.
  struct OwnedConv {
    float* weights;  // IR layout, output channel of element i: depthwise ? i % m : i / (kh * kw * c)
    float* bias;
    int32_t out_channels;
    bool depthwise;
    size_t weight_count;
  };
  std::map<int32_t, OwnedConv> owned_convs_;
  const Node* node_ = nullptr;
  size_t node_index_ = 0;
};

int32_t Importer::add_value(TensorInfo info, const uint8_t* data, size_t bytes) {
  ir::Value v;
  v.info = std::move(info);
  v.data = data;
  v.data_bytes = bytes;
  g().values.push_back(std::move(v));
  return static_cast<int32_t>(g().values.size() - 1);
}

template <typename T>
int32_t Importer::add_constant(std::string name, DType dtype, Shape shape, const std::vector<T>& values) {
  const size_t bytes = values.size() * sizeof(T);
  std::unique_ptr<uint8_t[]> buf(new uint8_t[std::max<size_t>(bytes, 1)]);
  if (bytes > 0) std::memcpy(buf.get(), values.data(), bytes);
  const uint8_t* data = buf.get();
  out_.aligned_copies.push_back(std::move(buf));
  TensorInfo info;
  info.name = std::move(name);
  info.dtype = dtype;
  info.shape = std::move(shape);
  return add_value(std::move(info), data, bytes);
}

ir::Node& Importer::add_node(ir::OpType op, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
                             ir::Attrs attrs) {
  ir::Node n;
  n.op = op;
  n.inputs = std::move(inputs);
  n.outputs = std::move(outputs);
  n.attrs = std::move(attrs);
  n.source_index = static_cast<int32_t>(node_index_);
  g().nodes.push_back(std::move(n));
  return g().nodes.back();
}

int32_t Importer::transpose(int32_t value, const int32_t* perm, const std::string& name) {
  const Shape s = shape_of(value);
  TensorInfo info = g().values[static_cast<size_t>(value)].info;
  info.name = name;
  info.shape = {s[static_cast<size_t>(perm[0])], s[static_cast<size_t>(perm[1])], s[static_cast<size_t>(perm[2])],
                s[static_cast<size_t>(perm[3])]};
  const int32_t p = add_constant<int32_t>(name + "/perm", DType::kInt32, {4}, {perm[0], perm[1], perm[2], perm[3]});
  const int32_t out = add_value(std::move(info));
  add_node(ir::OpType::kTranspose, {value, p}, {out});
  return out;
}

Result<int32_t> Importer::plain_value(Entry* e) {
  if (!e->nhwc) return e->value;
  if (e->plain < 0) e->plain = transpose(e->value, kToNchw, g().values[static_cast<size_t>(e->value)].info.name + "/nchw");
  return e->plain;
}

bool Importer::sole_reader(std::string_view name) const {
  auto it = readers_.find(name);
  return it != readers_.end() && it->second == 1;
}

Result<Entry*> Importer::entry(std::string_view name) {
  auto it = entries_.find(name);
  if (it == entries_.end()) return node_error("input '" + str(name) + "' is not produced by any earlier node, graph input or initializer");
  return &it->second;
}

Result<Entry*> Importer::activation_input(size_t i) {
  if (!has_input(i)) return node_error("input " + std::to_string(i) + " is missing");
  EDGERUN_ASSIGN_OR_RETURN(Entry * e, entry(node_->inputs[i]));
  if (e->value < 0) {
    return node_unsupported("input " + std::to_string(i) + " '" + str(node_->inputs[i]) +
                            "' is a constant where edgerun expects an activation");
  }
  return e;
}

Result<const TensorProto*> Importer::constant_input(size_t i) {
  if (!has_input(i)) return node_error("input " + std::to_string(i) + " is missing");
  EDGERUN_ASSIGN_OR_RETURN(Entry * e, entry(node_->inputs[i]));
  if (e->constant == nullptr) {
    return node_unsupported("input " + std::to_string(i) + " '" + str(node_->inputs[i]) +
                            "' must be a constant (an initializer or Constant node)");
  }
  return e->constant;
}

Result<int64_t> element_count(const TensorProto& t, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : t.dims) {
    if (d < 0) return InvalidModel(what + ": negative dim " + std::to_string(d));
    if (!checked_mul(n, d, &n) || n > kMaxTensorBytes) return InvalidModel(what + ": too many elements");
  }
  return n;
}

Result<FloatTensor> Importer::floats(const TensorProto& t, const std::string& what) {
  if (t.external) return Unsupported(what + ": initializers in external data files are not supported yet");
  if (t.data_type != kFloat) {
    return Unsupported(what + ": data type " + std::string(data_type_name(t.data_type)) + ", expected FLOAT");
  }
  EDGERUN_ASSIGN_OR_RETURN(const int64_t n, element_count(t, what));
  FloatTensor f;
  f.dims = t.dims;
  const auto count = static_cast<size_t>(n);
  if (t.has_raw_data) {
    if (t.raw_data.size() != count * sizeof(float)) {
      return InvalidModel(what + ": raw_data holds " + std::to_string(t.raw_data.size()) + " bytes, expected " +
                          std::to_string(count * sizeof(float)) + " for dims " + shape_string(Shape(t.dims.begin(), t.dims.end())));
    }
    f.data.resize(count);
    if (count > 0) std::memcpy(f.data.data(), t.raw_data.data(), count * sizeof(float));
  } else {
    if (t.float_data.size() != count) {
      return InvalidModel(what + ": float_data holds " + std::to_string(t.float_data.size()) + " values, expected " +
                          std::to_string(count));
    }
    f.data = t.float_data;
  }
  return f;
}

Result<std::vector<int64_t>> Importer::ints(const TensorProto& t, const std::string& what) {
  if (t.external) return Unsupported(what + ": initializers in external data files are not supported yet");
  EDGERUN_ASSIGN_OR_RETURN(const int64_t n, element_count(t, what));
  const auto count = static_cast<size_t>(n);
  std::vector<int64_t> v(count);
  if (t.data_type == kInt64) {
    if (t.has_raw_data) {
      if (t.raw_data.size() != count * 8) return InvalidModel(what + ": raw_data size does not match its dims");
      if (count > 0) std::memcpy(v.data(), t.raw_data.data(), count * 8);
    } else {
      if (t.int64_data.size() != count) return InvalidModel(what + ": int64_data size does not match its dims");
      v = t.int64_data;
    }
  } else if (t.data_type == kInt32) {
    if (t.has_raw_data) {
      if (t.raw_data.size() != count * 4) return InvalidModel(what + ": raw_data size does not match its dims");
      for (size_t i = 0; i < count; ++i) {
        int32_t x;
        std::memcpy(&x, t.raw_data.data() + i * 4, 4);
        v[i] = x;
      }
    } else {
      if (t.int32_data.size() != count) return InvalidModel(what + ": int32_data size does not match its dims");
      for (size_t i = 0; i < count; ++i) v[i] = t.int32_data[i];
    }
  } else {
    return Unsupported(what + ": data type " + std::string(data_type_name(t.data_type)) + ", expected INT64 or INT32");
  }
  return v;
}

Status Importer::define_output(size_t i, int32_t value, bool nhwc) {
  if (i >= node_->outputs.size() || node_->outputs[i].empty()) return Status::Ok();
  const std::string_view name = node_->outputs[i];
  if (entries_.count(name) != 0) return node_error("output '" + str(name) + "' is defined twice");
  g().values[static_cast<size_t>(value)].info.name = str(name);
  Entry e;
  e.value = value;
  e.nhwc = nhwc;
  entries_.emplace(name, e);
  return Status::Ok();
}

Status Importer::rename_to_output(Entry e) {
  entries_.erase(node_->inputs[0]);
  if (node_->outputs.empty() || entries_.count(node_->outputs[0]) != 0) return node_error("output missing or defined twice");
  g().values[static_cast<size_t>(e.value)].info.name = str(node_->outputs[0]);
  entries_.emplace(node_->outputs[0], e);
  return Status::Ok();
}

// Output value of an op: dtype of `like`, the given shape.
TensorInfo info_like(const ir::Value& like, Shape shape) {
  TensorInfo info;
  info.dtype = like.info.dtype;
  info.shape = std::move(shape);
  return info;
}

Result<ir::Padding> Importer::read_padding(const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                                           const std::vector<int64_t>& dilations, int32_t in_h, int32_t in_w,
                                           ir::ExplicitPads* pads) {
  const Attribute* auto_pad = node_->attribute("auto_pad");
  const std::string_view mode = auto_pad ? auto_pad->s : std::string_view("NOTSET");
  if (mode == "VALID") return ir::Padding::kValid;
  if (mode == "SAME_UPPER") return ir::Padding::kSame;  // TFLite's SAME: the odd pixel at the end
  if (mode == "SAME_LOWER") {
    // The odd pixel at the start: explicit pads.
    const int32_t in[2] = {in_h, in_w};
    int32_t begin[2], end[2];
    for (int d = 0; d < 2; ++d) {
      const int64_t out = (in[d] + strides[static_cast<size_t>(d)] - 1) / strides[static_cast<size_t>(d)];
      const int64_t eff = (kernel[static_cast<size_t>(d)] - 1) * dilations[static_cast<size_t>(d)] + 1;
      const int64_t total = std::max<int64_t>(0, (out - 1) * strides[static_cast<size_t>(d)] + eff - in[d]);
      end[d] = static_cast<int32_t>(total / 2);
      begin[d] = static_cast<int32_t>(total - total / 2);
    }
    *pads = {begin[0], begin[1], end[0], end[1]};
    return ir::Padding::kExplicit;
  }
  if (mode != "NOTSET") return node_error("auto_pad '" + str(mode) + "': expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
  const std::vector<int64_t> p = attr_ints("pads");
  if (p.empty()) return ir::Padding::kValid;
  if (p.size() != 4) return node_error("pads: expected 4 values (2-D), found " + std::to_string(p.size()));
  for (int64_t v : p) {
    if (v < 0 || v > std::numeric_limits<int32_t>::max() / 4) return node_error("pads: value " + std::to_string(v) + " out of range");
  }
  if (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) return ir::Padding::kValid;
  *pads = {static_cast<int32_t>(p[0]), static_cast<int32_t>(p[1]), static_cast<int32_t>(p[2]),
           static_cast<int32_t>(p[3])};
  return ir::Padding::kExplicit;
}

// 2-D window attributes: kernel_shape (or the weights'), strides, dilations.
Status window_attrs(const Node& n, const std::string& where, std::vector<int64_t>* kernel,
                    std::vector<int64_t>* strides, std::vector<int64_t>* dilations) {
  const Attribute* k = n.attribute("kernel_shape");
  if (k != nullptr) *kernel = k->ints;
  if (kernel->size() != 2) return Unsupported(where + ": only 2-D windows are supported (kernel_shape has " + std::to_string(kernel->size()) + " dims)");
  const Attribute* s = n.attribute("strides");
  *strides = s ? s->ints : std::vector<int64_t>{1, 1};
  const Attribute* d = n.attribute("dilations");
  *dilations = d ? d->ints : std::vector<int64_t>{1, 1};
  if (strides->size() != 2 || dilations->size() != 2) return InvalidModel(where + ": strides / dilations: expected 2 values");
  for (const auto* v : {kernel, strides, dilations}) {
    for (int64_t x : *v) {
      if (x < 1 || x > (1 << 16)) return InvalidModel(where + ": kernel_shape / strides / dilations value " + std::to_string(x) + " out of range");
    }
  }
  return Status::Ok();
}

Status Importer::conv() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, activation_input(0));
  EDGERUN_ASSIGN_OR_RETURN(const TensorProto* wt, constant_input(1));
  const ir::Value x = g().values[static_cast<size_t>(in->value)];  // a copy: adding values reallocates
  if (!in->nhwc || x.info.dtype != DType::kFloat32) return node_unsupported("expected a float32 4-D (NCHW) input");
  EDGERUN_ASSIGN_OR_RETURN(FloatTensor w, floats(*wt, node_where() + " weights"));
  if (w.dims.size() != 4) return node_unsupported("weights rank " + std::to_string(w.dims.size()) + ": only 2-D convs are supported");
  const Shape xs = shape_of(in->value);  // [N, H, W, C]
  const int64_t m = w.dims[0], cg = w.dims[1], kh = w.dims[2], kw = w.dims[3];
  const int64_t c = xs[3];
  const int64_t group = attr_int("group", 1);
  if (group < 1 || c % group != 0 || cg != c / group || m % group != 0) {
    return node_error("weights [" + std::to_string(m) + "," + std::to_string(cg) + "," + std::to_string(kh) + "," +
                      std::to_string(kw) + "] do not fit input channels " + std::to_string(c) + " and group " +
                      std::to_string(group));
  }
  const bool depthwise = group > 1 && group == c && cg == 1;
  if (group > 1 && !depthwise) return node_unsupported("grouped convolution (group " + std::to_string(group) + " of " + std::to_string(c) + " channels) is not supported yet; only group 1 and depthwise");
  std::vector<int64_t> kernel{kh, kw}, strides, dilations;
  EDGERUN_RETURN_IF_ERROR(window_attrs(*node_, node_where(), &kernel, &strides, &dilations));
  if (kernel[0] != kh || kernel[1] != kw) return node_error("kernel_shape does not match the weights");
  std::vector<float> bias(static_cast<size_t>(m), 0.0f);
  if (has_input(2)) {
    EDGERUN_ASSIGN_OR_RETURN(const TensorProto* bt, constant_input(2));
    EDGERUN_ASSIGN_OR_RETURN(FloatTensor b, floats(*bt, node_where() + " bias"));
    if (b.data.size() != static_cast<size_t>(m)) return node_error("bias length " + std::to_string(b.data.size()) + ", expected " + std::to_string(m));
    bias = std::move(b.data);
  }
  // Re-lay out the weights: [M, C/g, kh, kw] -> [M, kh, kw, C] or depthwise [1, kh, kw, M].
  const auto M = static_cast<size_t>(m), CG = static_cast<size_t>(cg), KH = static_cast<size_t>(kh),
             KW = static_cast<size_t>(kw);
  std::vector<float> nw(w.data.size());
  for (size_t o = 0; o < M; ++o) {
    for (size_t ci = 0; ci < CG; ++ci) {
      for (size_t y = 0; y < KH; ++y) {
        for (size_t xx = 0; xx < KW; ++xx) {
          const float v = w.data[((o * CG + ci) * KH + y) * KW + xx];
          if (depthwise) {
            nw[(y * KW + xx) * M + o] = v;
          } else {
            nw[((o * KH + y) * KW + xx) * CG + ci] = v;
          }
        }
      }
    }
  }
  const std::string base = node_->outputs.empty() ? "conv" : str(node_->outputs[0]);
  const Shape wshape = depthwise ? Shape{1, static_cast<int32_t>(kh), static_cast<int32_t>(kw), static_cast<int32_t>(m)}
                                 : Shape{static_cast<int32_t>(m), static_cast<int32_t>(kh), static_cast<int32_t>(kw),
                                         static_cast<int32_t>(cg)};
  const int32_t wv = add_constant(base + "/weights", DType::kFloat32, wshape, nw);
  auto* owned_weights = reinterpret_cast<float*>(out_.aligned_copies.back().get());
  const int32_t bv = add_constant(base + "/bias", DType::kFloat32, {static_cast<int32_t>(m)}, bias);
  auto* owned_bias = reinterpret_cast<float*>(out_.aligned_copies.back().get());

  ir::ExplicitPads pads;
  EDGERUN_ASSIGN_OR_RETURN(const ir::Padding padding, read_padding(kernel, strides, dilations, xs[1], xs[2], &pads));
  // Output size, for the output value's shape (the op re-checks it).
  auto out_dim = [&](int64_t in_size, int d, int32_t pb, int32_t pe) -> int64_t {
    const int64_t eff = (kernel[static_cast<size_t>(d)] - 1) * dilations[static_cast<size_t>(d)] + 1;
    const int64_t s = strides[static_cast<size_t>(d)];
    if (padding == ir::Padding::kSame) return (in_size + s - 1) / s;
    if (padding == ir::Padding::kValid) return in_size >= eff ? (in_size - eff) / s + 1 : 0;
    return in_size + pb + pe >= eff ? (in_size + pb + pe - eff) / s + 1 : 0;
  };
  const int64_t oh = out_dim(xs[1], 0, pads.top, pads.bottom), ow = out_dim(xs[2], 1, pads.left, pads.right);
  if (oh < 1 || ow < 1) return node_error("the window leaves no output (input " + shape_string(xs) + ")");
  const int32_t out = add_value(info_like(x, {xs[0], static_cast<int32_t>(oh), static_cast<int32_t>(ow), static_cast<int32_t>(m)}));
  auto window = [&](auto a) {
    a.padding = padding;
    a.pads = pads;
    a.stride_h = static_cast<int32_t>(strides[0]);
    a.stride_w = static_cast<int32_t>(strides[1]);
    a.dilation_h = static_cast<int32_t>(dilations[0]);
    a.dilation_w = static_cast<int32_t>(dilations[1]);
    return a;
  };
  if (depthwise) {
    add_node(ir::OpType::kDepthwiseConv2D, {in->value, wv, bv}, {out}, window(ir::DepthwiseConv2DAttrs{}));
  } else {
    add_node(ir::OpType::kConv2D, {in->value, wv, bv}, {out}, window(ir::Conv2DAttrs{}));
  }
  owned_convs_[out] = {owned_weights, owned_bias, static_cast<int32_t>(m), depthwise, nw.size()};
  return define_output(0, out, true);
}

Status Importer::batch_norm() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, activation_input(0));
  auto it = owned_convs_.find(in->value);
  if (it == owned_convs_.end() || !sole_reader(node_->inputs[0])) {
    return node_unsupported("BatchNormalization is supported only right after a Conv whose output nothing else reads (it is folded into the Conv)");
  }
  if (node_->outputs.size() > 1 && !node_->outputs[1].empty()) return node_unsupported("training-mode outputs are not supported");
  const OwnedConv& cv = it->second;
  const auto m = static_cast<size_t>(cv.out_channels);
  std::vector<float> p[4];
  for (size_t i = 0; i < 4; ++i) {
    EDGERUN_ASSIGN_OR_RETURN(const TensorProto* t, constant_input(i + 1));
    EDGERUN_ASSIGN_OR_RETURN(FloatTensor f, floats(*t, node_where() + " input " + std::to_string(i + 1)));
    if (f.data.size() != m) return node_error("input " + std::to_string(i + 1) + " has " + std::to_string(f.data.size()) + " values, expected " + std::to_string(m));
    p[i] = std::move(f.data);
  }
  const float eps = attr_float("epsilon", 1e-5f);
  std::vector<float> scale(m);
  for (size_t o = 0; o < m; ++o) {
    scale[o] = p[0][o] / std::sqrt(p[3][o] + eps);
    cv.bias[o] = (cv.bias[o] - p[2][o]) * scale[o] + p[1][o];
  }
  const size_t per_channel = cv.weight_count / m;
  for (size_t i = 0; i < cv.weight_count; ++i) cv.weights[i] *= scale[cv.depthwise ? i % m : i / per_channel];
  return rename_to_output(*in);  // the BN output is the conv output
}

Status Importer::activation(ir::Activation act) {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, activation_input(0));
  // Fuse into the producer when this is its output's only reader and the
  // producer has no activation yet.
  ir::Node* producer = nullptr;
  for (auto it = g().nodes.rbegin(); it != g().nodes.rend(); ++it) {
    if (!it->outputs.empty() && it->outputs[0] == in->value) {
      producer = &*it;
      break;
    }
  }
  ir::Activation* slot = nullptr;
  if (producer != nullptr && sole_reader(node_->inputs[0])) {
    if (auto* a = std::get_if<ir::Conv2DAttrs>(&producer->attrs)) slot = &a->activation;
    if (auto* a = std::get_if<ir::DepthwiseConv2DAttrs>(&producer->attrs)) slot = &a->activation;
    if (auto* a = std::get_if<ir::FullyConnectedAttrs>(&producer->attrs)) slot = &a->activation;
    if (auto* a = std::get_if<ir::ElementwiseAttrs>(&producer->attrs)) slot = &a->activation;
    if (auto* a = std::get_if<ir::Pool2DAttrs>(&producer->attrs)) slot = &a->activation;
  }
  if (slot == nullptr || *slot != ir::Activation::kNone) {
    return node_unsupported("a standalone activation is not supported yet: it must follow a Conv, Gemm, Add, Mul or pool whose output nothing else reads");
  }
  *slot = act;
  owned_convs_.erase(in->value);  // a BatchNormalization after the activation cannot be folded
  return rename_to_output(*in);
}

Status Importer::gemm(bool matmul) {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, activation_input(0));
  EDGERUN_ASSIGN_OR_RETURN(const int32_t a, plain_value(in));
  const Shape as = shape_of(a);
  const ir::Value av = g().values[static_cast<size_t>(a)];  // a copy: adding values reallocates
  if (as.size() != 2 || av.info.dtype != DType::kFloat32) return node_unsupported("expected a float32 2-D input A, found " + shape_string(as));
  if (!matmul && attr_int("transA", 0) != 0) return node_unsupported("transA = 1 is not supported");
  EDGERUN_ASSIGN_OR_RETURN(const TensorProto* bt, constant_input(1));
  EDGERUN_ASSIGN_OR_RETURN(FloatTensor b, floats(*bt, node_where() + " B"));
  if (b.dims.size() != 2) return node_unsupported("B must be 2-D");
  const bool trans_b = !matmul && attr_int("transB", 0) != 0;
  const int64_t k = trans_b ? b.dims[1] : b.dims[0];
  const int64_t n = trans_b ? b.dims[0] : b.dims[1];
  if (k != as[1]) return node_error("B " + shape_string(Shape(b.dims.begin(), b.dims.end())) + " does not fit A " + shape_string(as));
  const float alpha = matmul ? 1.0f : attr_float("alpha", 1.0f);
  const float beta = matmul ? 1.0f : attr_float("beta", 1.0f);
  const auto K = static_cast<size_t>(k), N = static_cast<size_t>(n);
  std::vector<float> w(K * N);  // FULLY_CONNECTED weights [N, K]
  for (size_t o = 0; o < N; ++o) {
    for (size_t i = 0; i < K; ++i) w[o * K + i] = alpha * (trans_b ? b.data[o * K + i] : b.data[i * N + o]);
  }
  std::vector<float> bias(N, 0.0f);
  if (!matmul && has_input(2)) {
    EDGERUN_ASSIGN_OR_RETURN(const TensorProto* ct, constant_input(2));
    EDGERUN_ASSIGN_OR_RETURN(FloatTensor c, floats(*ct, node_where() + " C"));
    if (c.data.size() == N) {
      for (size_t o = 0; o < N; ++o) bias[o] = beta * c.data[o];
    } else if (c.data.size() == 1) {
      for (size_t o = 0; o < N; ++o) bias[o] = beta * c.data[0];
    } else {
      return node_unsupported("C must be a scalar or have N = " + std::to_string(N) + " values (per output), found " + std::to_string(c.data.size()));
    }
  }
  const std::string base = node_->outputs.empty() ? "gemm" : str(node_->outputs[0]);
  const int32_t wv = add_constant(base + "/weights", DType::kFloat32, {static_cast<int32_t>(n), static_cast<int32_t>(k)}, w);
  const int32_t bv = add_constant(base + "/bias", DType::kFloat32, {static_cast<int32_t>(n)}, bias);
  const int32_t out = add_value(info_like(av, {as[0], static_cast<int32_t>(n)}));
  add_node(ir::OpType::kFullyConnected, {a, wv, bv}, {out}, ir::FullyConnectedAttrs{});
  return define_output(0, out, false);
}

Status Importer::pool(bool max) {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, activation_input(0));
  if (!in->nhwc) return node_unsupported("expected a 4-D (NCHW) input");
  const Shape xs = shape_of(in->value);
  std::vector<int64_t> kernel, strides, dilations;
  EDGERUN_RETURN_IF_ERROR(window_attrs(*node_, node_where(), &kernel, &strides, &dilations));
  if (dilations[0] != 1 || dilations[1] != 1) return node_unsupported("dilated pooling is not supported");
  if (attr_int("ceil_mode", 0) != 0) return node_unsupported("ceil_mode = 1 is not supported");
  if (node_->outputs.size() > 1 && !node_->outputs[1].empty()) return node_unsupported("the Indices output is not supported");
  ir::ExplicitPads pads;
  EDGERUN_ASSIGN_OR_RETURN(const ir::Padding padding, read_padding(kernel, strides, dilations, xs[1], xs[2], &pads));
  if (!max && attr_int("count_include_pad", 0) != 0 && padding != ir::Padding::kValid) {
    return node_unsupported("count_include_pad = 1 with padding is not supported");
  }
  ir::Pool2DAttrs a;
  a.padding = padding;
  a.pads = pads;
  a.filter_h = static_cast<int32_t>(kernel[0]);
  a.filter_w = static_cast<int32_t>(kernel[1]);
  a.stride_h = static_cast<int32_t>(strides[0]);
  a.stride_w = static_cast<int32_t>(strides[1]);
  auto out_dim = [&](int64_t in_size, int d, int32_t pb, int32_t pe) -> int64_t {
    const int64_t s = strides[static_cast<size_t>(d)], k = kernel[static_cast<size_t>(d)];
    if (padding == ir::Padding::kSame) return (in_size + s - 1) / s;
    if (padding == ir::Padding::kValid) return in_size >= k ? (in_size - k) / s + 1 : 0;
    return in_size + pb + pe >= k ? (in_size + pb + pe - k) / s + 1 : 0;
  };
  const int64_t oh = out_dim(xs[1], 0, pads.top, pads.bottom), ow = out_dim(xs[2], 1, pads.left, pads.right);
  if (oh < 1 || ow < 1) return node_error("the window leaves no output");
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(in->value)],
                                          {xs[0], static_cast<int32_t>(oh), static_cast<int32_t>(ow), xs[3]}));
  add_node(max ? ir::OpType::kMaxPool2D : ir::OpType::kAveragePool2D, {in->value}, {out}, a);
  return define_output(0, out, true);
}

Status Importer::global_average_pool() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, activation_input(0));
  if (!in->nhwc) return node_unsupported("expected a 4-D (NCHW) input");
  const Shape xs = shape_of(in->value);
  const std::string base = node_->outputs.empty() ? "gap" : str(node_->outputs[0]);
  const int32_t axes = add_constant<int32_t>(base + "/axes", DType::kInt32, {2}, {1, 2});
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(in->value)], {xs[0], 1, 1, xs[3]}));
  ir::ReduceAttrs a;
  a.keep_dims = true;
  add_node(ir::OpType::kMean, {in->value, axes}, {out}, a);
  return define_output(0, out, true);
}

Status Importer::binary(ir::OpType op) {
  // Two activations of one shape and layout, or an activation and a constant
  // that broadcasts onto it.
  Entry* ins[2] = {nullptr, nullptr};
  for (size_t i = 0; i < 2; ++i) {
    if (!has_input(i)) return node_error("input " + std::to_string(i) + " is missing");
    EDGERUN_ASSIGN_OR_RETURN(ins[i], entry(node_->inputs[i]));
  }
  int32_t vals[2];
  bool nhwc = false;
  const bool const0 = ins[0]->value < 0, const1 = ins[1]->value < 0;
  if (const0 && const1) return node_unsupported("both inputs are constants (constant folding is not supported yet)");
  if (!const0 && !const1) {
    if (ins[0]->nhwc != ins[1]->nhwc) {
      EDGERUN_ASSIGN_OR_RETURN(vals[0], plain_value(ins[0]));
      EDGERUN_ASSIGN_OR_RETURN(vals[1], plain_value(ins[1]));
    } else {
      vals[0] = ins[0]->value;
      vals[1] = ins[1]->value;
      nhwc = ins[0]->nhwc;
    }
  } else {
    const size_t ai = const0 ? 1 : 0, ci = 1 - ai;
    Entry* act = ins[ai];
    EDGERUN_ASSIGN_OR_RETURN(FloatTensor c, floats(*ins[ci]->constant, node_where() + " constant input"));
    nhwc = act->nhwc;
    Shape cs(c.dims.begin(), c.dims.end());
    if (nhwc) {
      if (c.dims.size() > 4) return node_error("constant of rank > 4 against a 4-D input");
      // Right-align to rank 4 (NumPy broadcasting), then NCHW -> NHWC.
      std::vector<int64_t> d4(4 - c.dims.size(), 1);
      d4.insert(d4.end(), c.dims.begin(), c.dims.end());
      std::vector<float> t(c.data.size());
      const auto D1 = static_cast<size_t>(d4[1]), D2 = static_cast<size_t>(d4[2]), D3 = static_cast<size_t>(d4[3]);
      for (size_t n0 = 0; n0 < static_cast<size_t>(d4[0]); ++n0)
        for (size_t ch = 0; ch < D1; ++ch)
          for (size_t y = 0; y < D2; ++y)
            for (size_t x = 0; x < D3; ++x)
              t[((n0 * D2 + y) * D3 + x) * D1 + ch] = c.data[((n0 * D1 + ch) * D2 + y) * D3 + x];
      c.data = std::move(t);
      cs = {static_cast<int32_t>(d4[0]), static_cast<int32_t>(d4[2]), static_cast<int32_t>(d4[3]),
            static_cast<int32_t>(d4[1])};
    }
    vals[ai] = act->value;
    vals[ci] = add_constant(str(node_->inputs[ci]), DType::kFloat32, cs, c.data);
  }
  const Shape s0 = shape_of(vals[0]);
  const Shape s1 = shape_of(vals[1]);
  // Output shape by NumPy broadcasting.
  const size_t rank = std::max(s0.size(), s1.size());
  Shape os(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int32_t a = i + s0.size() >= rank ? s0[i + s0.size() - rank] : 1;
    const int32_t b = i + s1.size() >= rank ? s1[i + s1.size() - rank] : 1;
    if (a != b && a != 1 && b != 1) return node_error("shapes " + shape_string(s0) + " and " + shape_string(s1) + " do not broadcast");
    os[i] = a == 1 ? b : a;
  }
  const ir::Value like = g().values[static_cast<size_t>(const0 ? vals[1] : vals[0])];
  if (like.info.dtype != DType::kFloat32) return node_unsupported("only float32 is supported");
  const int32_t out = add_value(info_like(like, os));
  add_node(op, {vals[0], vals[1]}, {out}, ir::ElementwiseAttrs{});
  return define_output(0, out, nhwc && os.size() == 4);
}

Status Importer::flatten_or_reshape(bool flatten) {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, activation_input(0));
  const Shape xs_stored = shape_of(in->value);
  // ONNX shape of the input.
  Shape xs = xs_stored;
  if (in->nhwc) xs = {xs_stored[0], xs_stored[3], xs_stored[1], xs_stored[2]};
  const int64_t elements = shape_elements(xs);
  Shape os;
  if (flatten) {
    int64_t axis = attr_int("axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(xs.size());
    if (axis < 0 || axis > static_cast<int64_t>(xs.size())) return node_error("axis " + std::to_string(axis) + " out of range");
    int64_t outer = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= xs[static_cast<size_t>(i)];
    os = {static_cast<int32_t>(outer), static_cast<int32_t>(outer == 0 ? 0 : elements / outer)};
  } else {
    EDGERUN_ASSIGN_OR_RETURN(const TensorProto* st, constant_input(1));
    EDGERUN_ASSIGN_OR_RETURN(std::vector<int64_t> req, ints(*st, node_where() + " shape"));
    if (req.size() > 8) return node_error("shape has more than 8 dims");
    const bool allowzero = attr_int("allowzero", 0) != 0;
    int stretch = -1;
    int64_t known = 1;
    for (size_t i = 0; i < req.size(); ++i) {
      if (req[i] == 0 && !allowzero) {
        if (i >= xs.size()) return node_error("shape dim " + std::to_string(i) + " copies a missing input dim");
        req[i] = xs[i];
      }
      if (req[i] == -1) {
        if (stretch >= 0) return node_error("shape has more than one -1");
        stretch = static_cast<int>(i);
        continue;
      }
      if (req[i] < 0 || req[i] > std::numeric_limits<int32_t>::max()) return node_error("shape dim " + std::to_string(req[i]) + " out of range");
      if (!checked_mul(known, req[i], &known)) return node_error("shape overflows");
    }
    if (stretch >= 0) {
      if (known == 0 || elements % known != 0) return node_error("shape cannot hold " + std::to_string(elements) + " elements");
      req[static_cast<size_t>(stretch)] = elements / known;
    }
    for (int64_t d : req) os.push_back(static_cast<int32_t>(d));
  }
  if (shape_elements(os) != elements) return node_error("output " + shape_string(os) + " does not hold the input's " + std::to_string(elements) + " elements");
  // NHWC storage equals NCHW order when H = W = 1.
  int32_t src = in->value;
  if (in->nhwc && !(xs_stored[1] == 1 && xs_stored[2] == 1)) {
    EDGERUN_ASSIGN_OR_RETURN(src, plain_value(in));
  }
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(src)], os));
  add_node(ir::OpType::kReshape, {src}, {out});
  // A 4-D result keeps ONNX order: store it NHWC like every 4-D activation.
  if (os.size() == 4) {
    const int32_t t = transpose(out, kToNhwc, "reshape/nhwc");
    return define_output(0, t, true);
  }
  return define_output(0, out, false);
}

Status Importer::softmax() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, activation_input(0));
  const Shape s = shape_of(in->value);
  const auto rank = static_cast<int64_t>(s.size());
  int64_t axis = attr_int("axis", opset_ >= 13 ? -1 : 1);
  if (axis < 0) axis += rank;
  bool last = false;
  if (in->nhwc) {
    last = axis == 1 && opset_ >= 13;  // channels, stored last
  } else {
    last = axis == rank - 1;  // opset < 13 flattens from axis: the same when axis is the last dim
  }
  if (!last) return node_unsupported("softmax over axis " + std::to_string(axis) + " of " + shape_string(s) + " is not supported (only the last / channel axis)");
  ir::SoftmaxAttrs a;
  a.beta = 1.0f;
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(in->value)], s));
  add_node(ir::OpType::kSoftmax, {in->value}, {out}, a);
  return define_output(0, out, in->nhwc);
}

Status Importer::unary(ir::OpType op, ir::Attrs attrs) {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, activation_input(0));
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(in->value)], shape_of(in->value)));
  add_node(op, {in->value}, {out}, std::move(attrs));
  return define_output(0, out, in->nhwc);
}

Status Importer::concat() {
  if (node_->inputs.empty()) return node_error("no inputs");
  std::vector<Entry*> ins;
  bool all_nhwc = true;
  for (size_t i = 0; i < node_->inputs.size(); ++i) {
    EDGERUN_ASSIGN_OR_RETURN(Entry * e, activation_input(i));
    ins.push_back(e);
    all_nhwc = all_nhwc && e->nhwc;
  }
  std::vector<int32_t> vals;
  for (Entry* e : ins) {
    if (all_nhwc) {
      vals.push_back(e->value);
    } else {
      EDGERUN_ASSIGN_OR_RETURN(const int32_t v, plain_value(e));
      vals.push_back(v);
    }
  }
  const Shape s0 = shape_of(vals[0]);
  const auto rank = static_cast<int64_t>(s0.size());
  int64_t axis = attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return node_error("axis out of range");
  if (all_nhwc) axis = std::vector<int64_t>{0, 3, 1, 2}[static_cast<size_t>(axis)];
  Shape os = s0;
  os[static_cast<size_t>(axis)] = 0;
  for (int32_t v : vals) {
    const Shape& s = shape_of(v);
    if (s.size() != s0.size()) return node_error("inputs differ in rank");
    os[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
  }
  ir::ConcatenationAttrs a;
  a.axis = static_cast<int32_t>(axis);
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(vals[0])], os));
  add_node(ir::OpType::kConcatenation, vals, {out}, a);
  return define_output(0, out, all_nhwc);
}

Status Importer::alias() {
  if (!has_input(0)) return node_error("input 0 is missing");
  if (node_->op_type == "Dropout" && node_->outputs.size() > 1 && !node_->outputs[1].empty() &&
      readers_.count(node_->outputs[1]) != 0) {
    return node_unsupported("the mask output is not supported");
  }
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, entry(node_->inputs[0]));
  if (node_->outputs.empty() || entries_.count(node_->outputs[0]) != 0) return node_error("output missing or defined twice");
  Entry e = *in;
  entries_.emplace(node_->outputs[0], e);
  return Status::Ok();
}

Status Importer::import_node() {
  const std::string_view op = node_->op_type;
  if (!node_->domain.empty() && node_->domain != "ai.onnx") {
    return node_unsupported("operator domain '" + str(node_->domain) + "' is not supported");
  }
  if (op == "Conv") return conv();
  if (op == "Relu") return activation(ir::Activation::kRelu);
  if (op == "Clip") {
    float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
    if (opset_ < 11) {
      lo = attr_float("min", lo);
      hi = attr_float("max", hi);
    } else {
      for (size_t i = 1; i <= 2; ++i) {
        if (!has_input(i)) continue;
        EDGERUN_ASSIGN_OR_RETURN(const TensorProto* t, constant_input(i));
        EDGERUN_ASSIGN_OR_RETURN(FloatTensor f, floats(*t, node_where() + (i == 1 ? " min" : " max")));
        if (f.data.size() != 1) return node_error("min / max must be scalars");
        (i == 1 ? lo : hi) = f.data[0];
      }
    }
    if (lo == 0.0f && hi == 6.0f) return activation(ir::Activation::kRelu6);
    if (lo == 0.0f && std::isinf(hi) && hi > 0) return activation(ir::Activation::kRelu);
    if (lo == -1.0f && hi == 1.0f) return activation(ir::Activation::kReluN1To1);
    return node_unsupported("Clip to [" + std::to_string(lo) + ", " + std::to_string(hi) + "] is not supported (only [0, 6], [0, inf), [-1, 1])");
  }
  if (op == "BatchNormalization") return batch_norm();
  if (op == "Gemm") return gemm(false);
  if (op == "MatMul") return gemm(true);
  if (op == "MaxPool") return pool(true);
  if (op == "AveragePool") return pool(false);
  if (op == "GlobalAveragePool") return global_average_pool();
  if (op == "Add") return binary(ir::OpType::kAdd);
  if (op == "Mul") return binary(ir::OpType::kMul);
  if (op == "Flatten") return flatten_or_reshape(true);
  if (op == "Reshape") return flatten_or_reshape(false);
  if (op == "Softmax") return softmax();
  if (op == "Sigmoid") return unary(ir::OpType::kLogistic);
  if (op == "HardSwish") return unary(ir::OpType::kHardSwish);
  if (op == "HardSigmoid") {
    ir::HardSigmoidAttrs a;
    a.alpha = attr_float("alpha", 0.2f);
    a.beta = attr_float("beta", 0.5f);
    return unary(ir::OpType::kHardSigmoid, a);
  }
  if (op == "Concat") return concat();
  if (op == "Identity" || op == "Dropout") return alias();
  return node_unsupported("operator " + str(op) + " is not supported");
}

Result<io::ImportedModel> Importer::run() {
  for (const OpsetId& o : m_.opsets) {
    if (o.domain.empty() || o.domain == "ai.onnx") opset_ = o.version;
  }
  if (opset_ == 0 && m_.opsets.empty()) opset_ = 1;
  if (opset_ < kMinOpset || opset_ > kMaxOpset) {
    return Unsupported("ONNX opset " + std::to_string(opset_) + " is not supported (edgerun reads opsets " +
                       std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) + ")");
  }
  const Graph& graph = m_.graph;
  if (graph.sparse_initializers > 0) return Unsupported("GraphProto: sparse initializers are not supported");
  out_.description = str(m_.producer_name);
  if (!m_.producer_version.empty()) out_.description += " " + str(m_.producer_version);
  out_.description += " (ONNX IR " + std::to_string(m_.ir_version) + ", opset " + std::to_string(opset_) + ")";

  for (const Node& n : graph.nodes) {
    for (std::string_view in : n.inputs) {
      if (!in.empty()) ++readers_[in];
    }
  }
  for (const ValueInfo& v : graph.outputs) ++readers_[v.name];

  // Constants: initializers and Constant nodes.
  for (size_t i = 0; i < graph.initializers.size(); ++i) {
    const TensorProto& t = graph.initializers[i];
    if (t.name.empty()) return InvalidModel("GraphProto.initializer[" + std::to_string(i) + "]: no name");
    Entry e;
    e.constant = &t;
    entries_[t.name] = e;
  }
  // Graph inputs that are not initializers.
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const ValueInfo& v = graph.inputs[i];
    auto it = entries_.find(v.name);
    if (it != entries_.end() && it->second.constant != nullptr) continue;
    const std::string where = "graph input " + std::to_string(i) + " '" + str(v.name) + "'";
    if (!v.is_tensor || !v.has_shape) return Unsupported(where + ": needs a tensor type with a shape");
    EDGERUN_ASSIGN_OR_RETURN(const DType dt, convert_type(v.elem_type, where));
    Shape s;
    for (size_t d = 0; d < v.dims.size(); ++d) {
      int64_t x = v.dims[d].value;
      if (x < 0 && d == 0) x = 1;  // a symbolic batch dim runs as batch 1
      if (x <= 0 || x > std::numeric_limits<int32_t>::max()) {
        return Unsupported(where + ": dim " + std::to_string(d) +
                           (v.dims[d].param.empty() ? "" : " ('" + str(v.dims[d].param) + "')") +
                           " is not a fixed positive size; edgerun needs static shapes (re-export with fixed input sizes)");
      }
      s.push_back(static_cast<int32_t>(x));
    }
    TensorInfo info;
    info.name = str(v.name);
    info.dtype = dt;
    info.shape = s;
    const int32_t id = add_value(info);
    g().inputs.push_back(id);
    Entry e;
    if (s.size() == 4) {
      e.value = transpose(id, kToNhwc, info.name + "/nhwc");
      e.nhwc = true;
      e.plain = id;
    } else {
      e.value = id;
    }
    entries_[v.name] = e;
  }
  if (g().inputs.empty()) return Unsupported("the graph has no non-constant input");

  std::string unsupported;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    node_ = &graph.nodes[i];
    node_index_ = i;
    if (node_->op_type == "Constant") {
      const Attribute* a = node_->attribute("value");
      if (a == nullptr || !a->t || node_->outputs.empty()) return node_unsupported("only Constant nodes with a 'value' tensor are supported");
      Entry e;
      e.constant = a->t.get();
      entries_[node_->outputs[0]] = e;
      continue;
    }
    const bool after_failure = std::any_of(node_->inputs.begin(), node_->inputs.end(), [&](std::string_view in) {
      auto it = entries_.find(in);
      return it != entries_.end() && it->second.failed;
    });
    Status s = after_failure ? Unsupported("") : import_node();
    if (s.code() == StatusCode::kUnsupported) {
      // Keep going, to report every unsupported node at once; the nodes that
      // read an unsupported node's outputs are skipped without a message.
      if (!after_failure) {
        if (!unsupported.empty()) unsupported += "\n";
        unsupported += s.message();
        if (unsupported.size() > 4000) break;
      }
      for (std::string_view o : node_->outputs) {
        if (o.empty()) continue;
        Entry failed;
        failed.failed = true;
        entries_[o] = failed;
      }
      continue;
    }
    EDGERUN_RETURN_IF_ERROR(s);
  }
  if (!unsupported.empty()) return Unsupported(unsupported);

  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    const std::string_view name = graph.outputs[i].name;
    auto it = entries_.find(name);
    if (it == entries_.end() || it->second.value < 0) {
      return Unsupported("graph output '" + str(name) + "' is not computed by any node (constant outputs are not supported)");
    }
    Entry& e = it->second;
    int32_t v = e.value;
    if (e.nhwc) {
      v = transpose(e.value, kToNchw, str(name));
      g().values[static_cast<size_t>(e.value)].info.name = str(name) + "/nhwc";
    }
    if (std::find(g().inputs.begin(), g().inputs.end(), v) != g().inputs.end()) {
      return Unsupported("graph output '" + str(name) + "' is a graph input");
    }
    g().outputs.push_back(v);
  }
  if (g().outputs.empty()) return InvalidModel("the graph has no outputs");
  return std::move(out_);
}

}  // namespace

Result<io::ImportedModel> import_model(const uint8_t* data, size_t size) {
  EDGERUN_ASSIGN_OR_RETURN(const Model m, parse_model(data, size));
  Importer imp(m);
  return imp.run();
}

}  // namespace edgerun::onnx
