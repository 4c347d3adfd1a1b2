#include "io/onnx/reader.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/checked.h"
#include "core/float_types.h"
#include "core/mapped_file.h"
#include "io/onnx/const_tensor.h"
#include "io/onnx/proto.h"

namespace edgerun::onnx {
namespace {

constexpr int64_t kMinOpset = 7;
// 22-28 add data types (bfloat16, float8, int4, ...) and Q / DQ attributes to the
// ops read here, not new meanings; the importer rejects those types and the
// attribute values it does not implement (a precision or DQ output_dtype other than float32).
constexpr int64_t kMaxOpset = 28;
constexpr int64_t kMaxFoldElements = int64_t{1} << 24;
// ConstantOfShape may make weights (ONNX's light/ test models do): up to 1 GiB of float32.
constexpr int64_t kMaxFillElements = int64_t{1} << 28;
constexpr int32_t kToNhwc[] = {0, 2, 3, 1};
constexpr int32_t kToNchw[] = {0, 3, 1, 2};
// Where ONNX (NCHW) axis a of a 4-D value lives when it is stored NHWC.
constexpr int32_t kNhwcAxis[] = {0, 3, 1, 2};

std::string str(std::string_view s) { return std::string(s); }
std::string dims_string(const std::vector<int64_t>& d) { return shape_string(Shape(d.begin(), d.end())); }

// What an ONNX value name stands for while importing.
struct Entry {
  int32_t value = -1;   // IR value holding it, -1 while it has none
  bool nhwc = false;    // `value` is 4-D, stored NHWC (its ONNX shape is NCHW)
  int32_t other = -1;   // cached copy of `value` in the other layout
  std::shared_ptr<const ConstTensor> constant;  // a known value (constant, folded, or given at load)
  const TensorProto* proto = nullptr;           // an initializer not decoded yet
  // A known value computed on first read (constant_of): a DequantizeLinear of
  // a weight, whose floats only a float op needs (a quantized one reads q_const).
  std::function<Result<ConstTensor>()> make_constant;
  int32_t input_index = -1;  // a graph input with a known value, added as an IR input only if read as data
  bool failed = false;       // output of a node already reported unsupported
  // DequantizeLinear of an activation: the quantized IR value (its params on
  // the value, stored NHWC when `nhwc`); the float `value` is made on demand.
  int32_t dq_value = -1;
  // DequantizeLinear of a constant: the quantized tensor and its parameters
  // (make_constant / `constant`: the dequantized floats).
  std::shared_ptr<const ConstTensor> q_const;
  QuantParams q_params;
};

// Whether the entry has a known value (decoded, still encoded, or computed on first read).
bool known(const Entry& e) { return e.constant != nullptr || e.proto != nullptr || static_cast<bool>(e.make_constant); }

// A float op between DequantizeLinear inputs and one QuantizeLinear reader
// (ONNX's QDQ form), to run quantized: its activation inputs as the quantized
// values, its output with the QuantizeLinear's type and parameters.
struct QdqMatch {
  Entry x[2];                    // quantized activation inputs (value = the quantized IR value)
  DType out_dtype = DType::kInt8;
  QuantParams out_quant;
  std::string_view out_name;     // the QuantizeLinear's output
};

// A QuantizeLinear / DequantizeLinear's scale and zero point.
struct QdqParams {
  DType dtype = DType::kUInt8;  // the zero point's (uint8 when absent)
  DType scale_dtype = DType::kFloat32;  // float32, or float16 (q.scale holds it widened exactly)
  QuantParams q;                // per tensor, or per axis along q.axis (an ONNX axis)
  bool blocked = false;         // q instead holds one pair per element of the input, in ONNX order
};

class Importer {
 public:
  Importer(const Model& m, const std::vector<InputValue>& input_values, const std::string& external_dir)
      : m_(m), input_values_(input_values), external_dir_(external_dir) {}

  Result<io::ImportedModel> run();

 private:
  // --- messages ---
  Status node_error(const std::string& msg) const { return InvalidModel(node_where() + ": " + msg); }
  Status node_unsupported(const std::string& msg) const { return Unsupported(node_where() + ": " + msg); }
  std::string node_where() const {
    std::string s = str(source_->op_type) + " (node " + std::to_string(node_index_);
    if (!source_->name.empty()) s += " '" + str(source_->name) + "'";
    return s + ")";
  }

  // --- the node's inputs ---
  bool has_input(size_t i) const { return i < node_->inputs.size() && !node_->inputs[i].empty(); }
  bool has_output(size_t i) const { return i < node_->outputs.size() && !node_->outputs[i].empty(); }
  Result<Entry*> entry(std::string_view name);
  Result<Entry*> input_entry(size_t i);
  // True when input i has a value known at import (not one fed at run time).
  bool is_constant(size_t i);
  Result<const ConstTensor*> constant_of(Entry* e);
  Result<const ConstTensor*> constant_input(size_t i);
  Result<std::vector<float>> float_input(size_t i, const std::string& what);
  Result<std::vector<int64_t>> int_input(size_t i, const std::string& what);
  // The IR value of an input in its stored layout (constants become IR constants).
  Result<int32_t> data(Entry* e);
  Result<int32_t> plain(Entry* e);  // in ONNX element order
  Result<int32_t> nhwc(Entry* e);   // a 4-D value, stored NHWC
  Result<Shape> onnx_shape(Entry* e);
  Result<DType> dtype_of(Entry* e);

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
  std::string_view attr_string(std::string_view name, std::string_view def) const {
    const Attribute* a = node_->attribute(name);
    return a ? a->s : def;
  }
  // A string attribute's value looked up in `table` (ONNX spelling -> enum).
  template <typename E, size_t N>
  Result<E> attr_enum(std::string_view name, std::string_view value, const std::pair<std::string_view, E> (&table)[N]) const {
    std::string known;
    for (const auto& [spelling, e] : table) {
      if (spelling == value) return e;
      known += (known.empty() ? "" : ", ") + str(spelling);
    }
    return node_error(str(name) + " '" + str(value) + "': expected one of " + known);
  }
  // A 1-D conv / pool input [N, C, L] becomes `lifted`, a 4-D [N, C, 1, L]
  // value (lift_1d_ set); a 4-D input is left as it is; other ranks are unsupported.
  Status lift_1d(Entry** in, const Shape& onnx_in, Entry* lifted);
  // A conv / pool's input: the node's input 0, or the quantized one of a QDQ
  // match, lifted to 4-D when 1-D (`local` holds what it makes).
  Result<Entry*> window_input(const QdqMatch* q, Entry* local, Shape* onnx_in);

  // --- building the IR ---
  int32_t add_value(TensorInfo info, const uint8_t* data = nullptr, size_t bytes = 0);
  template <typename T>
  int32_t add_constant(std::string name, DType dtype, Shape shape, const std::vector<T>& values);
  int32_t add_constant_bytes(std::string name, DType dtype, Shape shape, const std::vector<uint8_t>& bytes);
  int32_t add_int32s(const std::string& name, const std::vector<int32_t>& v) {
    return add_constant<int32_t>(name, DType::kInt32, {static_cast<int32_t>(v.size())}, v);
  }
  ir::Node& add_node(ir::OpType op, std::vector<int32_t> inputs, std::vector<int32_t> outputs, ir::Attrs attrs = {});
  int32_t transpose(int32_t value, const std::vector<int32_t>& perm, const std::string& name);
  int32_t reshape(int32_t value, const Shape& shape, const std::string& name);
  // A quantized value as `dtype` with parameters `q`: itself when it already
  // is, else a QUANTIZE (requantize) of it.
  int32_t requantized(int32_t value, DType dtype, const QuantParams& q);
  // An NHWC [N, 1, L, C] result of a lifted 1-D op as ONNX's [N, C, L].
  int32_t lower_1d(int32_t value, const std::string& name) {
    const Shape s = shape_of(value);
    return reshape(transpose(value, {0, 3, 1, 2}, name + "/nchw"), {s[0], s[3], s[2]}, name);
  }
  const Shape& shape_of(int32_t v) const { return g().values[static_cast<size_t>(v)].info.shape; }
  DType value_dtype(int32_t v) const { return g().values[static_cast<size_t>(v)].info.dtype; }
  ir::Graph& g() { return out_.graph; }
  const ir::Graph& g() const { return out_.graph; }
  bool sole_reader(std::string_view name) const;
  std::string out_name(size_t i, const char* fallback) const {
    return i < node_->outputs.size() && !node_->outputs[i].empty() ? str(node_->outputs[i]) : fallback;
  }

  Status define_output(size_t i, int32_t value, bool nhwc);
  Status define_constant(size_t i, ConstTensor c);
  // The node's output 0 becomes `e` (input 0, whose only reader this node is), renamed.
  Status rename_to_output(Entry e);

  // --- ops ---
  Status import_node();
  Result<bool> fold();  // true when the node was evaluated at import
  Status conv(const QdqMatch* q = nullptr);
  // Runs the node quantized when it is in QDQ form; false when it is not.
  Result<bool> try_qdq();
  Status define_named(std::string_view name, int32_t value, bool nhwc);
  Status batch_norm();
  Status gemm(bool matmul);
  Status batch_matmul();
  Status quantize_linear();
  Status dequantize_linear();
  Result<QdqParams> read_qdq(const std::vector<int64_t>& x);
  // A Q / DQ of an activation: an 8- or 16-bit integer type, positive finite scales.
  Status check_activation_quant(const QdqParams& p);
  // The IR inputs of the QUANTIZE / DEQUANTIZE of `in` with parameters `p`:
  // per tensor / per axis, `in` as stored, `q` its quantization (the axis moved
  // when stored NHWC); blocked, `in` in ONNX order and the constant
  // element-wise scales and zero points, `q` empty.
  Result<std::vector<int32_t>> qdq_inputs(Entry* in, const QdqParams& p, QuantParams* q, bool* out_nhwc);
  Status pool(bool max, const QdqMatch* q = nullptr);
  Status pool_3d(bool max, Entry* in, const Shape& onnx_in);
  // One MAX_POOL_2D / AVERAGE_POOL_2D of NHWC `xv` with the node's ceil_mode,
  // count_include_pad and storage_order; `pads` are ONNX's. Returns the output
  // and, with `indices`, MaxPool's indices.
  Result<std::vector<int32_t>> pool_2d(int32_t xv, bool max, const std::vector<int64_t>& kernel,
                                       const std::vector<int64_t>& strides, const std::vector<int64_t>& dilations,
                                       ir::ExplicitPads pads, bool indices, const std::string& name);
  Status global_average_pool();
  Status activation(ir::Activation act);
  Status clip();
  Status binary(ir::OpType op);
  Status reshape_like();  // Flatten, Reshape, Squeeze, Unsqueeze
  Status transpose_op();
  Status softmax();
  Status concat();
  Status reduce_mean();
  Status pad();
  Status unary(ir::OpType op, ir::Attrs attrs = {});
  Status local_response_norm();
  Status slice();
  Status conv_transpose();
  Status resize();
  Status split();
  // STRIDED_SLICE of `in` (ONNX order) over [begin, begin + count * step) per ONNX axis.
  Result<int32_t> strided_slice(Entry* in, const std::vector<int64_t>& begin, const std::vector<int64_t>& count,
                                const std::vector<int64_t>& step, const std::string& name, bool* out_nhwc);
  Status alias();
  Status constant_node();
  // ONNX's pads of a window over spatial sizes `in` from auto_pad / pads:
  // [begin per axis..., end per axis...], zeros where there are none.
  Result<std::vector<int64_t>> window_pads(const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                                           const std::vector<int64_t>& dilations, const std::vector<int64_t>& in);
  Result<ir::Padding> read_padding(const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                                   const std::vector<int64_t>& dilations, int32_t in_h, int32_t in_w,
                                   ir::ExplicitPads* pads);
  Result<Shape> reshape_target(const Shape& in);

  Result<TensorProto> with_external_data(const TensorProto& t, const std::string& what);

  const Model& m_;
  const std::vector<InputValue>& input_values_;
  const std::string& external_dir_;
  std::map<std::string, MappedFile> external_files_;  // mapped once each, while importing
  int64_t opset_ = 0;
  io::ImportedModel out_;
  std::map<std::string_view, Entry> entries_;
  std::map<std::string_view, int> readers_;  // how many node inputs / graph outputs read each name
  std::map<std::string_view, std::vector<size_t>> consumers_;  // the nodes reading each name
  std::vector<bool> skip_;  // nodes already imported with an earlier one (QDQ)
  std::vector<std::pair<size_t, int32_t>> input_order_;  // (graph input index, IR value)
  // Convs whose weights this importer owns, by output value: for BatchNormalization folding.
  struct OwnedConv {
    float* weights;  // IR layout, output channel of element i: depthwise ? i % m : i / (kh * kw * c)
    float* bias;
    int32_t out_channels;
    bool depthwise;
    size_t weight_count;
  };
  std::map<int32_t, OwnedConv> owned_convs_;
  // The nodes imported, in order: the graph's, with each QLinearConv /
  // QLinearMatMul replaced by the nodes it is defined as (expand_qlinear()).
  struct ImportNode {
    Node node;
    size_t source;              // index of the graph node it comes from
    bool const_input = false;   // a DequantizeLinear of weights: its input must be a constant
  };
  std::vector<ImportNode> nodes_;
  std::deque<std::string> names_;  // value names the expansion made up (string_views point here)
  void expand_qlinear();
  const Node* node_ = nullptr;
  const Node* source_ = nullptr;  // the graph node node_ comes from (for messages)
  size_t node_index_ = 0;         // its index in the graph
  bool const_input_ = false;      // nodes_[...].const_input of the current node
  bool lift_1d_ = false;  // the node is a 1-D conv / pool, run as 2-D with height 1
};

// ---------------------------------------------------------------------------
// Values

int32_t Importer::add_value(TensorInfo info, const uint8_t* data, size_t bytes) {
  ir::Value v;
  v.info = std::move(info);
  v.data = data;
  v.data_bytes = bytes;
  g().values.push_back(std::move(v));
  return static_cast<int32_t>(g().values.size() - 1);
}

int32_t Importer::add_constant_bytes(std::string name, DType dtype, Shape shape, const std::vector<uint8_t>& bytes) {
  std::unique_ptr<uint8_t[]> buf(new uint8_t[std::max<size_t>(bytes.size(), 1)]);
  if (!bytes.empty()) std::memcpy(buf.get(), bytes.data(), bytes.size());
  const uint8_t* p = buf.get();
  out_.aligned_copies.push_back(std::move(buf));
  TensorInfo info;
  info.name = std::move(name);
  info.dtype = dtype;
  info.shape = std::move(shape);
  return add_value(std::move(info), p, bytes.size());
}

template <typename T>
int32_t Importer::add_constant(std::string name, DType dtype, Shape shape, const std::vector<T>& values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return add_constant_bytes(std::move(name), dtype, std::move(shape), bytes);
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

int32_t Importer::transpose(int32_t value, const std::vector<int32_t>& perm, const std::string& name) {
  const Shape s = shape_of(value);
  TensorInfo info = g().values[static_cast<size_t>(value)].info;
  info.name = name;
  info.shape.clear();
  for (int32_t p : perm) info.shape.push_back(s[static_cast<size_t>(p)]);
  if (info.quant.per_channel()) {
    info.quant.axis = static_cast<int32_t>(std::find(perm.begin(), perm.end(), info.quant.axis) - perm.begin());
  }
  const int32_t p = add_int32s(name + "/perm", perm);
  const int32_t out = add_value(std::move(info));
  add_node(ir::OpType::kTranspose, {value, p}, {out});
  return out;
}

int32_t Importer::reshape(int32_t value, const Shape& shape, const std::string& name) {
  TensorInfo info = g().values[static_cast<size_t>(value)].info;
  info.name = name;
  info.shape = shape;
  const int32_t out = add_value(std::move(info));
  add_node(ir::OpType::kReshape, {value}, {out});
  return out;
}

int32_t Importer::requantized(int32_t value, DType dtype, const QuantParams& q) {
  const TensorInfo& have = g().values[static_cast<size_t>(value)].info;
  if (have.dtype == dtype && have.quant.scale == q.scale && have.quant.zero_point == q.zero_point) return value;
  TensorInfo info = have;
  info.dtype = dtype;
  info.quant = q;
  const int32_t out = add_value(std::move(info));
  add_node(ir::OpType::kQuantize, {value}, {out});
  return out;
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

Result<Entry*> Importer::input_entry(size_t i) {
  if (!has_input(i)) return node_error("input " + std::to_string(i) + " is missing");
  return entry(node_->inputs[i]);
}

bool Importer::is_constant(size_t i) {
  if (!has_input(i)) return false;
  auto it = entries_.find(node_->inputs[i]);
  if (it == entries_.end()) return false;
  const Entry& e = it->second;
  return e.input_index < 0 && known(e);
}

Result<const ConstTensor*> Importer::constant_of(Entry* e) {
  if (e->constant == nullptr && e->make_constant) {
    EDGERUN_ASSIGN_OR_RETURN(ConstTensor c, e->make_constant());
    e->constant = std::make_shared<const ConstTensor>(std::move(c));
    e->make_constant = nullptr;
  }
  if (e->constant == nullptr && e->proto != nullptr) {
    const std::string what = "initializer '" + str(e->proto->name) + "'";
    EDGERUN_ASSIGN_OR_RETURN(const TensorProto t, with_external_data(*e->proto, what));
    EDGERUN_ASSIGN_OR_RETURN(ConstTensor c, decode_tensor(t, what));
    e->constant = std::make_shared<const ConstTensor>(std::move(c));
  }
  return e->constant.get();
}

// An initializer stored outside the model file (data_location EXTERNAL):
// the same tensor with raw_data pointing at its bytes in the file named by
// "location" (relative to external_dir_, never leaving it), from "offset"
// (default 0) for "length" bytes (default: to the end of the file).
Result<TensorProto> Importer::with_external_data(const TensorProto& t, const std::string& what) {
  if (!t.external) return t;
  std::string_view location;
  uint64_t offset = 0, length = 0;
  bool has_length = false;
  auto number = [&](std::string_view key, std::string_view v, uint64_t* out) -> Status {
    if (v.empty() || v.size() > 19 || v.find_first_not_of("0123456789") != std::string_view::npos) {
      return InvalidModel(what + ": external_data " + str(key) + " '" + str(v) + "' is not a byte count");
    }
    *out = std::stoull(str(v));
    return Status::Ok();
  };
  for (const auto& [key, value] : t.external_data) {
    if (key == "location") location = value;
    if (key == "offset") EDGERUN_RETURN_IF_ERROR(number(key, value, &offset));
    if (key == "length") {
      EDGERUN_RETURN_IF_ERROR(number(key, value, &length));
      has_length = true;
    }
  }
  if (location.empty()) return InvalidModel(what + ": external data without a location");
  const bool escapes = location.front() == '/' || location.find('\0') != std::string_view::npos ||
                       location == ".." || location.substr(0, 3) == "../" || location.find("/../") != std::string_view::npos ||
                       (location.size() >= 3 && location.substr(location.size() - 3) == "/..");
  if (escapes) {
    return InvalidModel(what + ": external data location '" + str(location) +
                        "' leaves the model's folder (expected a relative path inside it)");
  }
  if (external_dir_.empty()) {
    return InvalidArgument(what + ": stored in external file '" + str(location) +
                           "'; load the model from its file, or set LoadOptions::external_data_dir");
  }
  const std::string path = external_dir_ + "/" + str(location);
  auto it = external_files_.find(path);
  if (it == external_files_.end()) {
    auto file = MappedFile::open(path);
    if (!file.ok()) return InvalidModel(what + ": external data file: " + file.status().message());
    it = external_files_.emplace(path, std::move(file).value()).first;
  }
  const MappedFile& f = it->second;
  if (offset > f.size() || (has_length && length > f.size() - offset)) {
    return InvalidModel(what + ": external data [" + std::to_string(offset) + ", +" + std::to_string(length) +
                        ") lies past the end of '" + str(location) + "' (" + std::to_string(f.size()) + " bytes)");
  }
  TensorProto r = t;
  r.external = false;
  r.has_raw_data = true;
  r.raw_data = std::string_view(reinterpret_cast<const char*>(f.data()) + offset,
                                has_length ? length : f.size() - offset);
  return r;
}

Result<const ConstTensor*> Importer::constant_input(size_t i) {
  EDGERUN_ASSIGN_OR_RETURN(Entry * e, input_entry(i));
  if (!known(*e)) {
    return node_unsupported("input " + std::to_string(i) + " '" + str(node_->inputs[i]) +
                            "' must be a constant (an initializer, a Constant node, or a value given at load)");
  }
  return constant_of(e);
}

Result<std::vector<float>> Importer::float_input(size_t i, const std::string& what) {
  EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* c, constant_input(i));
  if (c->dtype != DType::kFloat32) return node_unsupported(what + ": data type " + dtype_name(c->dtype) + ", expected float32");
  return c->floats();
}

Result<std::vector<int64_t>> Importer::int_input(size_t i, const std::string& what) {
  EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* c, constant_input(i));
  if (c->dtype != DType::kInt64 && c->dtype != DType::kInt32) {
    return node_error(what + ": data type " + dtype_name(c->dtype) + ", expected int64 or int32");
  }
  return c->ints();
}

Result<int32_t> Importer::data(Entry* e) {
  if (e->value >= 0) return e->value;
  if (e->dq_value >= 0) {
    TensorInfo info = g().values[static_cast<size_t>(e->dq_value)].info;
    info.name += "/dequantized";
    info.dtype = DType::kFloat32;
    e->value = add_value(std::move(info));
    add_node(ir::OpType::kDequantize, {e->dq_value}, {e->value});
    return e->value;
  }
  if (e->input_index >= 0) {
    const ValueInfo& v = m_.graph.inputs[static_cast<size_t>(e->input_index)];
    const ConstTensor& c = *e->constant;
    TensorInfo info;
    info.name = str(v.name);
    info.dtype = c.dtype;
    info.shape.assign(c.dims.begin(), c.dims.end());
    e->value = add_value(std::move(info));
    input_order_.emplace_back(static_cast<size_t>(e->input_index), e->value);
    e->input_index = -1;
    return e->value;
  }
  EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* c, constant_of(e));
  if (c == nullptr) return node_error("an input has no value");
  for (int64_t d : c->dims) {
    if (d > std::numeric_limits<int32_t>::max()) return node_error("constant dim too large");
  }
  e->value = add_constant_bytes(node_ != nullptr ? node_where() + "/constant" : "constant", c->dtype, Shape(c->dims.begin(), c->dims.end()), c->bytes);
  return e->value;
}

Result<int32_t> Importer::plain(Entry* e) {
  EDGERUN_ASSIGN_OR_RETURN(const int32_t v, data(e));
  if (!e->nhwc) return v;
  if (e->other < 0) {
    e->other = transpose(v, {kToNchw, kToNchw + 4}, g().values[static_cast<size_t>(v)].info.name + "/nchw");
  }
  return e->other;
}

Result<int32_t> Importer::nhwc(Entry* e) {
  EDGERUN_ASSIGN_OR_RETURN(const int32_t v, data(e));
  if (e->nhwc) return v;
  if (shape_of(v).size() != 4) return node_unsupported("expected a 4-D (NCHW) input, found " + shape_string(shape_of(v)));
  if (e->other < 0) {
    e->other = transpose(v, {kToNhwc, kToNhwc + 4}, g().values[static_cast<size_t>(v)].info.name + "/nhwc");
  }
  return e->other;
}

Result<Shape> Importer::onnx_shape(Entry* e) {
  if (e->value >= 0 || e->dq_value >= 0) {
    const Shape& s = shape_of(e->value >= 0 ? e->value : e->dq_value);
    if (e->nhwc) return Shape{s[0], s[3], s[1], s[2]};
    return s;
  }
  EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* c, constant_of(e));
  return Shape(c->dims.begin(), c->dims.end());
}

Result<DType> Importer::dtype_of(Entry* e) {
  if (e->value >= 0) return value_dtype(e->value);
  if (e->dq_value >= 0) return DType::kFloat32;
  EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* c, constant_of(e));
  return c->dtype;
}

Status Importer::define_output(size_t i, int32_t value, bool is_nhwc) {
  if (i >= node_->outputs.size() || node_->outputs[i].empty()) return Status::Ok();
  const std::string_view name = node_->outputs[i];
  if (entries_.count(name) != 0) return node_error("output '" + str(name) + "' is defined twice");
  g().values[static_cast<size_t>(value)].info.name = str(name);
  Entry e;
  e.value = value;
  e.nhwc = is_nhwc;
  entries_.emplace(name, e);
  return Status::Ok();
}

Status Importer::define_named(std::string_view name, int32_t value, bool is_nhwc) {
  if (entries_.count(name) != 0) return node_error("output '" + str(name) + "' is defined twice");
  g().values[static_cast<size_t>(value)].info.name = str(name);
  Entry e;
  e.value = value;
  e.nhwc = is_nhwc;
  entries_.emplace(name, e);
  return Status::Ok();
}

Status Importer::define_constant(size_t i, ConstTensor c) {
  if (i >= node_->outputs.size() || node_->outputs[i].empty()) return Status::Ok();
  const std::string_view name = node_->outputs[i];
  if (entries_.count(name) != 0) return node_error("output '" + str(name) + "' is defined twice");
  Entry e;
  e.constant = std::make_shared<const ConstTensor>(std::move(c));
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

// Output value of an op: dtype and quantization of `like`, the given shape.
TensorInfo info_like(const ir::Value& like, Shape shape) {
  TensorInfo info;
  info.dtype = like.info.dtype;
  info.quant = like.info.quant;
  info.shape = std::move(shape);
  return info;
}

int64_t normalize_axis(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

// ---------------------------------------------------------------------------
// Constant folding: shape arithmetic on values known at import.

// NumPy broadcasting of two constant tensors' dims.
bool broadcast_dims(const std::vector<int64_t>& a, const std::vector<int64_t>& b, std::vector<int64_t>* out) {
  const size_t rank = std::max(a.size(), b.size());
  out->assign(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t x = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    const int64_t y = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (x != y && x != 1 && y != 1) return false;
    (*out)[i] = x == 1 ? y : x;
  }
  return true;
}

// Flat index into a tensor of dims `d` (right-aligned, broadcast) for output index `o` of dims `od`.
int64_t broadcast_index(const std::vector<int64_t>& d, const std::vector<int64_t>& od, int64_t o) {
  int64_t idx = 0, stride = 1;
  for (size_t k = od.size(); k-- > 0;) {
    const int64_t coord = o % od[k];
    o /= od[k];
    const size_t dk = k + d.size();
    if (dk >= od.size()) {
      const int64_t dim = d[dk - od.size()];
      if (dim != 1) idx += coord * stride;
      stride *= dim;
    }
  }
  return idx;
}

Result<bool> Importer::fold() {
  const std::string_view op = node_->op_type;
  static constexpr std::string_view kFoldable[] = {"Shape", "Size", "Gather", "Unsqueeze", "Squeeze", "Concat",
                                                   "Cast", "Reshape", "Identity", "Slice", "Add", "Sub", "Mul",
                                                   "Div", "ConstantOfShape", "Range", "Flatten"};
  if (std::find(std::begin(kFoldable), std::end(kFoldable), op) == std::end(kFoldable)) return false;
  // Shape and Size need only the input's static shape.
  if (op == "Shape" || op == "Size") {
    EDGERUN_ASSIGN_OR_RETURN(Entry * e, input_entry(0));
    EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(e));
    if (op == "Size") {
      EDGERUN_RETURN_IF_ERROR(define_constant(0, make_ints(DType::kInt64, {}, {shape_elements(s)})));
      return true;
    }
    const auto rank = static_cast<int64_t>(s.size());
    int64_t start = std::clamp<int64_t>(normalize_axis(attr_int("start", 0), rank), 0, rank);
    int64_t end = std::clamp<int64_t>(normalize_axis(attr_int("end", rank), rank), 0, rank);
    std::vector<int64_t> v;
    for (int64_t i = start; i < end; ++i) v.push_back(s[static_cast<size_t>(i)]);
    EDGERUN_RETURN_IF_ERROR(define_constant(0, make_ints(DType::kInt64, {static_cast<int64_t>(v.size())}, v)));
    return true;
  }
  std::vector<const ConstTensor*> in;
  for (size_t i = 0; i < node_->inputs.size(); ++i) {
    if (!has_input(i)) {
      in.push_back(nullptr);
      continue;
    }
    if (!is_constant(i)) return false;
    EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* c, constant_input(i));
    if (c->elements() > kMaxFoldElements) return false;
    in.push_back(c);
  }
  if (in.empty() || in[0] == nullptr) return false;
  const ConstTensor& x = *in[0];
  const auto rank = static_cast<int64_t>(x.dims.size());

  if (op == "Identity") {
    EDGERUN_RETURN_IF_ERROR(define_constant(0, x));
    return true;
  }
  if (op == "ConstantOfShape") {
    std::vector<int64_t> dims = x.ints();
    int64_t n = 1;
    for (int64_t d : dims) {
      if (d < 0 || !checked_mul(n, d, &n) || n > kMaxFillElements) return node_error("shape " + dims_string(dims) + " out of range");
    }
    ConstTensor value = make_floats({}, {0.0f});
    const Attribute* a = node_->attribute("value");
    if (a != nullptr && a->t) {
      EDGERUN_ASSIGN_OR_RETURN(value, decode_tensor(*a->t, node_where() + " value"));
      if (value.elements() != 1) return node_error("value must hold one element");
    }
    ConstTensor c;
    c.dtype = value.dtype;
    c.dims = dims;
    const size_t es = dtype_size(value.dtype);
    c.bytes.resize(static_cast<size_t>(n) * es);
    for (int64_t i = 0; i < n; ++i) std::memcpy(c.bytes.data() + static_cast<size_t>(i) * es, value.bytes.data(), es);
    EDGERUN_RETURN_IF_ERROR(define_constant(0, std::move(c)));
    return true;
  }
  if (op == "Cast") {
    EDGERUN_ASSIGN_OR_RETURN(const DType to, dtype_of_onnx(static_cast<int32_t>(attr_int("to", kFloat)), node_where()));
    if (is_float_dtype(to)) {
      EDGERUN_RETURN_IF_ERROR(define_constant(0, make_floats(x.dims, x.floats(), to, attr_int("saturate", 1) != 0)));
    } else {
      EDGERUN_RETURN_IF_ERROR(define_constant(0, make_ints(to, x.dims, x.ints())));
    }
    return true;
  }
  if (op == "Range") {
    if (in.size() < 3 || in[1] == nullptr || in[2] == nullptr) return node_error("expected start, limit, delta");
    if (x.dtype == DType::kFloat32) return false;
    const int64_t start = x.int_at(0), limit = in[1]->int_at(0), delta = in[2]->int_at(0);
    if (delta == 0) return node_error("delta is 0");
    const int64_t n = std::max<int64_t>(0, (limit - start + delta + (delta > 0 ? -1 : 1)) / delta);
    if (n > kMaxFoldElements) return node_error("range too long");
    std::vector<int64_t> v;
    for (int64_t i = 0; i < n; ++i) v.push_back(start + i * delta);
    EDGERUN_RETURN_IF_ERROR(define_constant(0, make_ints(x.dtype, {n}, v)));
    return true;
  }
  if (op == "Gather") {
    if (in.size() < 2 || in[1] == nullptr) return node_error("indices missing");
    const int64_t axis = normalize_axis(attr_int("axis", 0), rank);
    if (axis < 0 || axis >= rank) return node_error("axis out of range");
    const std::vector<int64_t> idx = in[1]->ints();
    std::vector<int64_t> dims;
    for (int64_t i = 0; i < axis; ++i) dims.push_back(x.dims[static_cast<size_t>(i)]);
    for (int64_t d : in[1]->dims) dims.push_back(d);
    for (int64_t i = axis + 1; i < rank; ++i) dims.push_back(x.dims[static_cast<size_t>(i)]);
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= x.dims[static_cast<size_t>(i)];
    for (int64_t i = axis + 1; i < rank; ++i) inner *= x.dims[static_cast<size_t>(i)];
    const int64_t n = x.dims[static_cast<size_t>(axis)];
    const size_t es = dtype_size(x.dtype);
    ConstTensor c;
    c.dtype = x.dtype;
    c.dims = dims;
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t k : idx) {
        if (k < 0) k += n;
        if (k < 0 || k >= n) return node_error("index " + std::to_string(k) + " out of range [0, " + std::to_string(n) + ")");
        const uint8_t* src = x.bytes.data() + static_cast<size_t>((o * n + k) * inner) * es;
        c.bytes.insert(c.bytes.end(), src, src + static_cast<size_t>(inner) * es);
      }
    }
    EDGERUN_RETURN_IF_ERROR(define_constant(0, std::move(c)));
    return true;
  }
  if (op == "Unsqueeze" || op == "Squeeze" || op == "Reshape" || op == "Flatten") {
    Shape xs(x.dims.begin(), x.dims.end());
    for (int64_t d : x.dims) {
      if (d > std::numeric_limits<int32_t>::max()) return false;
    }
    EDGERUN_ASSIGN_OR_RETURN(const Shape os, reshape_target(xs));
    ConstTensor c = x;
    c.dims.assign(os.begin(), os.end());
    EDGERUN_RETURN_IF_ERROR(define_constant(0, std::move(c)));
    return true;
  }
  if (op == "Concat") {
    const int64_t axis = normalize_axis(attr_int("axis", 0), rank);
    if (axis < 0 || axis >= rank) return node_error("axis out of range");
    std::vector<int64_t> dims = x.dims;
    dims[static_cast<size_t>(axis)] = 0;
    for (const ConstTensor* t : in) {
      if (t == nullptr || t->dims.size() != x.dims.size() || t->dtype != x.dtype) return node_error("inputs differ in rank or type");
      dims[static_cast<size_t>(axis)] += t->dims[static_cast<size_t>(axis)];
    }
    int64_t outer = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= x.dims[static_cast<size_t>(i)];
    ConstTensor c;
    c.dtype = x.dtype;
    c.dims = dims;
    for (int64_t o = 0; o < outer; ++o) {
      for (const ConstTensor* t : in) {
        const size_t chunk = t->bytes.size() / static_cast<size_t>(std::max<int64_t>(outer, 1));
        const uint8_t* src = t->bytes.data() + static_cast<size_t>(o) * chunk;
        c.bytes.insert(c.bytes.end(), src, src + chunk);
      }
    }
    EDGERUN_RETURN_IF_ERROR(define_constant(0, std::move(c)));
    return true;
  }
  if (op == "Slice") {
    if (rank != 1) return false;  // shape vectors; larger slices run as ops
    std::vector<int64_t> starts, ends, axes{0}, steps{1};
    if (opset_ < 10) {
      starts = attr_ints("starts");
      ends = attr_ints("ends");
      if (node_->attribute("axes")) axes = attr_ints("axes");
    } else {
      if (in.size() < 3 || in[1] == nullptr || in[2] == nullptr) return node_error("starts / ends missing");
      starts = in[1]->ints();
      ends = in[2]->ints();
      if (in.size() > 3 && in[3] != nullptr) axes = in[3]->ints();
      if (in.size() > 4 && in[4] != nullptr) steps = in[4]->ints();
    }
    if (starts.size() != 1 || ends.size() != 1 || axes.size() != 1 || steps.size() != 1 || normalize_axis(axes[0], 1) != 0) return false;
    const int64_t n = x.dims[0], step = steps[0];
    if (step == 0) return node_error("step 0");
    int64_t b = starts[0] < 0 ? starts[0] + n : starts[0];
    int64_t e = ends[0] < 0 ? ends[0] + n : ends[0];
    std::vector<int64_t> v;
    const std::vector<int64_t> xv = x.ints();
    if (step > 0) {
      b = std::clamp<int64_t>(b, 0, n);
      e = std::clamp<int64_t>(e, 0, n);
      for (int64_t i = b; i < e; i += step) v.push_back(xv[static_cast<size_t>(i)]);
    } else {
      b = std::clamp<int64_t>(b, -1, n - 1);
      e = std::clamp<int64_t>(e, -1, n - 1);
      for (int64_t i = b; i > e; i += step) v.push_back(xv[static_cast<size_t>(i)]);
    }
    if (x.dtype == DType::kFloat32) return false;
    EDGERUN_RETURN_IF_ERROR(define_constant(0, make_ints(x.dtype, {static_cast<int64_t>(v.size())}, v)));
    return true;
  }
  // Add / Sub / Mul / Div.
  if (in.size() != 2 || in[1] == nullptr || in[1]->dtype != x.dtype) return false;
  const ConstTensor& y = *in[1];
  std::vector<int64_t> od;
  if (!broadcast_dims(x.dims, y.dims, &od)) return node_error("shapes " + dims_string(x.dims) + " and " + dims_string(y.dims) + " do not broadcast");
  int64_t n = 1;
  for (int64_t d : od) n *= d;
  if (x.dtype == DType::kFloat32) {
    std::vector<float> r(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const float a = x.float_at(broadcast_index(x.dims, od, i)), b = y.float_at(broadcast_index(y.dims, od, i));
      r[static_cast<size_t>(i)] = op == "Add" ? a + b : op == "Sub" ? a - b : op == "Mul" ? a * b : a / b;
    }
    EDGERUN_RETURN_IF_ERROR(define_constant(0, make_floats(od, r)));
  } else {
    if (x.dtype != DType::kInt64 && x.dtype != DType::kInt32) return false;
    std::vector<int64_t> r(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      const int64_t a = x.int_at(broadcast_index(x.dims, od, i)), b = y.int_at(broadcast_index(y.dims, od, i));
      if (op == "Div" && b == 0) return node_error("integer division by zero in a constant");
      r[static_cast<size_t>(i)] = op == "Add" ? a + b : op == "Sub" ? a - b : op == "Mul" ? a * b : a / b;
    }
    EDGERUN_RETURN_IF_ERROR(define_constant(0, make_ints(x.dtype, od, r)));
  }
  return true;
}

// ---------------------------------------------------------------------------
// Convolution and pooling

Result<std::vector<int64_t>> Importer::window_pads(const std::vector<int64_t>& kernel,
                                                   const std::vector<int64_t>& strides,
                                                   const std::vector<int64_t>& dilations,
                                                   const std::vector<int64_t>& in) {
  const size_t dims = in.size();
  std::vector<int64_t> p(2 * dims, 0);
  const std::string_view mode = attr_string("auto_pad", "NOTSET");
  if (mode == "VALID") return p;
  if (mode == "SAME_UPPER" || mode == "SAME_LOWER") {
    // TFLite's SAME puts the odd pixel at the end (SAME_UPPER); SAME_LOWER at the start.
    for (size_t d = 0; d < dims; ++d) {
      const int64_t out = (in[d] + strides[d] - 1) / strides[d];
      const int64_t eff = (kernel[d] - 1) * dilations[d] + 1;
      const int64_t total = std::max<int64_t>(0, (out - 1) * strides[d] + eff - in[d]);
      const int64_t small = total / 2, large = total - total / 2;
      p[d] = mode == "SAME_UPPER" ? small : large;
      p[dims + d] = mode == "SAME_UPPER" ? large : small;
    }
    return p;
  }
  if (mode != "NOTSET") return node_error("auto_pad '" + str(mode) + "': expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
  std::vector<int64_t> a = attr_ints("pads");
  if (a.empty()) return p;
  if (lift_1d_ && a.size() == 2) a = {0, a[0], 0, a[1]};
  if (a.size() != p.size()) {
    return node_error("pads: expected " + std::to_string(p.size()) + " values (" + std::to_string(dims) +
                      "-D), found " + std::to_string(a.size()));
  }
  for (int64_t v : a) {
    if (v < 0 || v > std::numeric_limits<int32_t>::max() / 4) return node_error("pads: value " + std::to_string(v) + " out of range");
  }
  return a;
}

Result<ir::Padding> Importer::read_padding(const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                                           const std::vector<int64_t>& dilations, int32_t in_h, int32_t in_w,
                                           ir::ExplicitPads* pads) {
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int64_t> p, window_pads(kernel, strides, dilations, {in_h, in_w}));
  if (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0) return ir::Padding::kValid;
  *pads = {static_cast<int32_t>(p[0]), static_cast<int32_t>(p[1]), static_cast<int32_t>(p[2]),
           static_cast<int32_t>(p[3])};
  return ir::Padding::kExplicit;
}

// Window attributes of a `dims`-D window (1 to 3): kernel_shape (or the
// weights'), strides, dilations. A 1-D window is run as 2-D with height 1.
Status window_attrs(const Node& n, const std::string& where, size_t dims, std::vector<int64_t>* kernel,
                    std::vector<int64_t>* strides, std::vector<int64_t>* dilations) {
  const bool lift = dims == 1;
  const std::vector<int64_t> ones(dims, 1);
  const Attribute* k = n.attribute("kernel_shape");
  if (k != nullptr) *kernel = k->ints;
  const Attribute* s = n.attribute("strides");
  *strides = s ? s->ints : ones;
  const Attribute* d = n.attribute("dilations");
  *dilations = d ? d->ints : ones;
  if (lift) {
    for (auto* v : {strides, dilations}) v->insert(v->begin(), 1);
    if (k != nullptr) kernel->insert(kernel->begin(), 1);
  }
  const size_t want = lift ? 2 : dims;
  if (kernel->size() != want) {
    return InvalidModel(where + ": kernel_shape: expected " + std::to_string(dims) + " values, found " +
                        std::to_string(lift ? kernel->size() - 1 : kernel->size()));
  }
  if (strides->size() != want || dilations->size() != want) {
    return InvalidModel(where + ": strides / dilations: expected " + std::to_string(dims) + " values");
  }
  for (const auto* v : {kernel, strides, dilations}) {
    for (int64_t x : *v) {
      if (x < 1 || x > (1 << 16)) return InvalidModel(where + ": kernel_shape / strides / dilations value " + std::to_string(x) + " out of range");
    }
  }
  return Status::Ok();
}

int64_t window_out(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe, bool ceil_mode) {
  const int64_t eff = (k - 1) * d + 1;
  if (in + pb + pe < eff) return 0;
  const int64_t span = in + pb + pe - eff;
  int64_t out = (ceil_mode ? (span + s - 1) / s : span / s) + 1;
  // ONNX (as PyTorch): with ceil_mode the last window must start inside the input or its begin padding.
  if (ceil_mode && (out - 1) * s >= in + pb) --out;
  return out;
}

// A 1-D conv / pool input [N, C, L] as a 4-D [N, C, 1, L] entry.
Status Importer::lift_1d(Entry** in, const Shape& onnx_in, Entry* lifted) {
  lift_1d_ = onnx_in.size() == 3;
  if (onnx_in.size() == 4) return Status::Ok();
  if (!lift_1d_) return node_unsupported("only 1-D and 2-D windows (3-D / 4-D input) are supported, found input " + shape_string(onnx_in));
  EDGERUN_ASSIGN_OR_RETURN(const int32_t pv, plain(*in));
  lifted->value = reshape(pv, {onnx_in[0], onnx_in[1], 1, onnx_in[2]}, out_name(0, "window") + "/2d");
  *in = lifted;
  return Status::Ok();
}

Result<Entry*> Importer::window_input(const QdqMatch* q, Entry* local, Shape* onnx_in) {
  Entry* in = nullptr;
  if (q != nullptr) {
    *local = q->x[0];
    in = local;
  } else {
    EDGERUN_ASSIGN_OR_RETURN(in, input_entry(0));
  }
  EDGERUN_ASSIGN_OR_RETURN(*onnx_in, onnx_shape(in));
  Entry lifted;
  EDGERUN_RETURN_IF_ERROR(lift_1d(&in, *onnx_in, &lifted));
  if (in == &lifted) {
    *local = lifted;
    in = local;
  }
  return in;
}

Status Importer::conv(const QdqMatch* q) {
  Entry local;  // the quantized input (QDQ) or the lifted 1-D input
  Shape onnx_in;
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, window_input(q, &local, &onnx_in));
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, nhwc(in));
  const ir::Value x = g().values[static_cast<size_t>(xv)];  // a copy: adding values reallocates
  if (q == nullptr && x.info.dtype != DType::kFloat32) return node_unsupported("expected a float32 input");
  const ConstTensor* wt = nullptr;
  QuantParams wq;
  if (q != nullptr) {
    EDGERUN_ASSIGN_OR_RETURN(Entry * we, input_entry(1));
    wt = we->q_const.get();
    wq = we->q_params;
  } else {
    EDGERUN_ASSIGN_OR_RETURN(wt, constant_input(1));
    if (wt->dtype != DType::kFloat32) return node_unsupported("weights: expected float32");
  }
  std::vector<int64_t> wdims = wt->dims;
  if (lift_1d_ && wdims.size() == 3) wdims.insert(wdims.begin() + 2, 1);
  if (wdims.size() != 4) return node_error("weights " + dims_string(wt->dims) + " do not fit a " + std::to_string(onnx_in.size() - 2) + "-D convolution");
  const Shape xs = x.info.shape;  // [N, H, W, C]
  const int64_t m = wdims[0], cg = wdims[1], kh = wdims[2], kw = wdims[3];
  const int64_t c = xs[3];
  const int64_t group = attr_int("group", 1);
  if (group < 1 || c % group != 0 || cg != c / group || m % group != 0) {
    return node_error("weights " + dims_string(wt->dims) + " do not fit input channels " + std::to_string(c) +
                      " and group " + std::to_string(group));
  }
  const bool depthwise = group > 1 && group == c && cg == 1;
  std::vector<int64_t> kernel{kh, kw}, strides, dilations;
  EDGERUN_RETURN_IF_ERROR(window_attrs(*node_, node_where(), lift_1d_ ? 1 : 2, &kernel, &strides, &dilations));
  if (kernel[0] != kh || kernel[1] != kw) return node_error("kernel_shape does not match the weights");
  const std::string base = out_name(0, "conv");
  // Bias: float32, or (quantized) int32 with scale input_scale * weight_scale.
  std::vector<uint8_t> bias_bytes(static_cast<size_t>(m) * 4, 0);
  if (has_input(2)) {
    EDGERUN_ASSIGN_OR_RETURN(Entry * be, input_entry(2));
    const ConstTensor* bt = nullptr;
    if (q != nullptr) {
      bt = be->q_const.get();
      if (bt == nullptr || bt->dtype != DType::kInt32) return node_unsupported("a quantized conv needs an int32 bias (DequantizeLinear of an int32 constant)");
    } else {
      EDGERUN_ASSIGN_OR_RETURN(bt, constant_of(be));
      if (bt == nullptr || bt->dtype != DType::kFloat32) return node_unsupported("bias: expected a float32 constant");
    }
    if (bt->elements() != m) return node_error("bias length " + std::to_string(bt->elements()) + ", expected " + std::to_string(m));
    bias_bytes = bt->bytes;
  }
  // Re-lay out the weights: [M, C/g, kh, kw] -> [M, kh, kw, C/g] or depthwise [1, kh, kw, M].
  const auto M = static_cast<size_t>(m), CG = static_cast<size_t>(cg), KH = static_cast<size_t>(kh),
             KW = static_cast<size_t>(kw);
  const size_t es = dtype_size(wt->dtype);
  std::vector<uint8_t> nw(wt->bytes.size());
  for (size_t o = 0; o < M; ++o) {
    for (size_t ci = 0; ci < CG; ++ci) {
      for (size_t y = 0; y < KH; ++y) {
        for (size_t xx = 0; xx < KW; ++xx) {
          const size_t from = ((o * CG + ci) * KH + y) * KW + xx;
          const size_t to = depthwise ? (y * KW + xx) * M + o : ((o * KH + y) * KW + xx) * CG + ci;
          std::memcpy(&nw[to * es], &wt->bytes[from * es], es);
        }
      }
    }
  }
  const Shape wshape = depthwise ? Shape{1, static_cast<int32_t>(kh), static_cast<int32_t>(kw), static_cast<int32_t>(m)}
                                 : Shape{static_cast<int32_t>(m), static_cast<int32_t>(kh), static_cast<int32_t>(kw),
                                         static_cast<int32_t>(cg)};
  const int32_t wv = add_constant_bytes(base + "/weights", wt->dtype, wshape, nw);
  auto* owned_weights = reinterpret_cast<float*>(out_.aligned_copies.back().get());
  const int32_t bv = add_constant_bytes(base + "/bias", q != nullptr ? DType::kInt32 : DType::kFloat32,
                                        {static_cast<int32_t>(m)}, bias_bytes);
  auto* owned_bias = reinterpret_cast<float*>(out_.aligned_copies.back().get());
  if (q != nullptr) {
    // Per-channel weight scales run along the IR weights' output-channel axis.
    wq.axis = depthwise ? 3 : 0;
    g().values[static_cast<size_t>(wv)].info.quant = wq;
    QuantParams bq;
    const float in_scale = x.info.quant.scale.at(0);
    for (float ws : wq.scale) bq.scale.push_back(in_scale * ws);
    bq.zero_point.assign(bq.scale.size(), 0);
    g().values[static_cast<size_t>(bv)].info.quant = bq;
  }

  ir::ExplicitPads pads;
  EDGERUN_ASSIGN_OR_RETURN(const ir::Padding padding, read_padding(kernel, strides, dilations, xs[1], xs[2], &pads));
  if (padding == ir::Padding::kValid) pads = {};
  const int64_t oh = window_out(xs[1], kh, strides[0], dilations[0], pads.top, pads.bottom, false);
  const int64_t ow = window_out(xs[2], kw, strides[1], dilations[1], pads.left, pads.right, false);
  if (oh < 1 || ow < 1) return node_error("the window leaves no output (input " + shape_string(onnx_in) + ")");
  TensorInfo out_info = info_like(x, {xs[0], static_cast<int32_t>(oh), static_cast<int32_t>(ow), static_cast<int32_t>(m)});
  if (q != nullptr) {
    out_info.dtype = q->out_dtype;
    out_info.quant = q->out_quant;
  }
  const int32_t out = add_value(std::move(out_info));
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
    add_node(ir::OpType::kDepthwiseConv2D, {xv, wv, bv}, {out}, window(ir::DepthwiseConv2DAttrs{}));
  } else {
    add_node(ir::OpType::kConv2D, {xv, wv, bv}, {out}, window(ir::Conv2DAttrs{}));
  }
  if (q != nullptr) {
    if (lift_1d_) return define_named(q->out_name, lower_1d(out, base), false);
    return define_named(q->out_name, out, true);
  }
  if (lift_1d_) return define_output(0, lower_1d(out, base), false);
  owned_convs_[out] = {owned_weights, owned_bias, static_cast<int32_t>(m), depthwise, nw.size() / es};
  return define_output(0, out, true);
}

Status Importer::batch_norm() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  if (node_->outputs.size() > 1 && !node_->outputs[1].empty()) return node_unsupported("training-mode outputs are not supported");
  if (attr_int("training_mode", 0) != 0) return node_unsupported("training_mode = 1 is not supported");
  std::vector<float> p[4];
  for (size_t i = 0; i < 4; ++i) {
    EDGERUN_ASSIGN_OR_RETURN(p[i], float_input(i + 1, "input " + std::to_string(i + 1)));
  }
  const size_t m = p[0].size();
  for (size_t i = 1; i < 4; ++i) {
    if (p[i].size() != m) return node_error("input " + std::to_string(i + 1) + " has " + std::to_string(p[i].size()) + " values, expected " + std::to_string(m));
  }
  const float eps = attr_float("epsilon", 1e-5f);
  std::vector<float> scale(m), shift(m);
  for (size_t o = 0; o < m; ++o) {
    scale[o] = p[0][o] / std::sqrt(p[3][o] + eps);
    shift[o] = p[1][o] - p[2][o] * scale[o];
  }
  auto it = in->value >= 0 ? owned_convs_.find(in->value) : owned_convs_.end();
  if (it != owned_convs_.end() && sole_reader(node_->inputs[0]) && static_cast<size_t>(it->second.out_channels) == m) {
    // Folded into the Conv's weights and bias.
    const OwnedConv& cv = it->second;
    for (size_t o = 0; o < m; ++o) cv.bias[o] = cv.bias[o] * scale[o] + shift[o];
    const size_t per_channel = cv.weight_count / m;
    for (size_t i = 0; i < cv.weight_count; ++i) cv.weights[i] *= scale[cv.depthwise ? i % m : i / per_channel];
    return rename_to_output(*in);
  }
  // Standalone: y = x * scale + shift, per channel (axis 1).
  EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(in));
  if (s.size() < 2 || static_cast<size_t>(s[1]) != m) return node_error("input " + shape_string(s) + " does not have " + std::to_string(m) + " channels");
  int32_t xv;
  Shape cshape;
  bool out_nhwc = false;
  if (s.size() == 4) {
    EDGERUN_ASSIGN_OR_RETURN(xv, nhwc(in));
    cshape = {static_cast<int32_t>(m)};
    out_nhwc = true;
  } else {
    EDGERUN_ASSIGN_OR_RETURN(xv, plain(in));
    cshape.assign(s.size() - 1, 1);
    cshape[0] = static_cast<int32_t>(m);
  }
  if (value_dtype(xv) != DType::kFloat32) return node_unsupported("expected a float32 input");
  const std::string base = out_name(0, "batchnorm");
  const int32_t sv = add_constant(base + "/scale", DType::kFloat32, cshape, scale);
  const int32_t bv = add_constant(base + "/shift", DType::kFloat32, cshape, shift);
  const Shape xs = shape_of(xv);
  const int32_t mul = add_value(info_like(g().values[static_cast<size_t>(xv)], xs));
  add_node(ir::OpType::kMul, {xv, sv}, {mul}, ir::ElementwiseAttrs{});
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(xv)], xs));
  add_node(ir::OpType::kAdd, {mul, bv}, {out}, ir::ElementwiseAttrs{});
  return define_output(0, out, out_nhwc);
}

Result<std::vector<int32_t>> Importer::pool_2d(int32_t xv, bool max, const std::vector<int64_t>& kernel,
                                               const std::vector<int64_t>& strides,
                                               const std::vector<int64_t>& dilations, ir::ExplicitPads pads,
                                               bool indices, const std::string& name) {
  const Shape xs = shape_of(xv);
  const int64_t storage_order = attr_int("storage_order", 0);
  if (storage_order != 0 && storage_order != 1) return node_error("storage_order: expected 0 or 1, found " + std::to_string(storage_order));
  const bool ceil_mode = attr_int("ceil_mode", 0) != 0;
  const int64_t oh = window_out(xs[1], kernel[0], strides[0], dilations[0], pads.top, pads.bottom, ceil_mode);
  const int64_t ow = window_out(xs[2], kernel[1], strides[1], dilations[1], pads.left, pads.right, ceil_mode);
  if (oh < 1 || ow < 1) return node_error("the window leaves no output");
  const bool count_pad = !max && attr_int("count_include_pad", 0) != 0 && (pads.top | pads.left | pads.bottom | pads.right) != 0;
  if (count_pad) {
    // ONNX counts the pads in the average but not a ceil_mode overhang: pad
    // with zeros first, then average the padded map (overhang excluded).
    const Shape ps = {xs[0], xs[1] + pads.top + pads.bottom, xs[2] + pads.left + pads.right, xs[3]};
    const int32_t paddings = add_constant<int32_t>(name + "/pads", DType::kInt32, {4, 2},
                                                   {0, 0, pads.top, pads.bottom, pads.left, pads.right, 0, 0});
    const int32_t padded = add_value(info_like(g().values[static_cast<size_t>(xv)], ps));
    add_node(ir::OpType::kPad, {xv, paddings}, {padded});
    xv = padded;
    pads = {};
  }
  // ceil_mode: extra end padding the window may cover (it never counts: max
  // ignores padding, average excludes it).
  const int64_t in_h = shape_of(xv)[1], in_w = shape_of(xv)[2];
  const int64_t eff_h = (kernel[0] - 1) * dilations[0] + 1, eff_w = (kernel[1] - 1) * dilations[1] + 1;
  pads.bottom = static_cast<int32_t>(std::max<int64_t>(pads.bottom, (oh - 1) * strides[0] + eff_h - in_h - pads.top));
  pads.right = static_cast<int32_t>(std::max<int64_t>(pads.right, (ow - 1) * strides[1] + eff_w - in_w - pads.left));
  ir::Pool2DAttrs a;
  a.padding = (pads.top | pads.left | pads.bottom | pads.right) != 0 ? ir::Padding::kExplicit : ir::Padding::kValid;
  a.pads = pads;
  a.filter_h = static_cast<int32_t>(kernel[0]);
  a.filter_w = static_cast<int32_t>(kernel[1]);
  a.stride_h = static_cast<int32_t>(strides[0]);
  a.stride_w = static_cast<int32_t>(strides[1]);
  a.dilation_h = static_cast<int32_t>(dilations[0]);
  a.dilation_w = static_cast<int32_t>(dilations[1]);
  a.indices_column_major = storage_order == 1;
  const Shape os = {xs[0], static_cast<int32_t>(oh), static_cast<int32_t>(ow), xs[3]};
  std::vector<int32_t> outs = {add_value(info_like(g().values[static_cast<size_t>(xv)], os))};
  if (indices) {
    TensorInfo info;
    info.dtype = DType::kInt64;
    info.shape = os;
    outs.push_back(add_value(std::move(info)));
  }
  add_node(max ? ir::OpType::kMaxPool2D : ir::OpType::kAveragePool2D, {xv}, outs, a);
  return outs;
}

Status Importer::pool(bool max, const QdqMatch* q) {
  if (q == nullptr) {
    EDGERUN_ASSIGN_OR_RETURN(Entry * x, input_entry(0));
    EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(x));
    if (s.size() == 5) return pool_3d(max, x, s);
  }
  Entry local;  // the quantized input (QDQ) or the lifted 1-D input
  Shape onnx_in;
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, window_input(q, &local, &onnx_in));
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, nhwc(in));
  const Shape xs = shape_of(xv);
  std::vector<int64_t> kernel, strides, dilations;
  EDGERUN_RETURN_IF_ERROR(window_attrs(*node_, node_where(), lift_1d_ ? 1 : 2, &kernel, &strides, &dilations));
  const bool indices = max && has_output(1);
  ir::ExplicitPads pads;
  EDGERUN_ASSIGN_OR_RETURN(const ir::Padding padding, read_padding(kernel, strides, dilations, xs[1], xs[2], &pads));
  if (padding == ir::Padding::kValid) pads = {};
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int32_t> outs,
                           pool_2d(xv, max, kernel, strides, dilations, pads, indices, out_name(0, "pool")));
  const int32_t out = outs[0];
  if (indices) {
    // The op numbers the maxima as ONNX does (NCHW) whatever its layout: the
    // indices tensor moves like any NHWC value, its numbers stay.
    const int32_t iv = lift_1d_ ? lower_1d(outs[1], out_name(1, "pool_indices")) : outs[1];
    EDGERUN_RETURN_IF_ERROR(define_output(1, iv, !lift_1d_));
  }
  if (q != nullptr) {
    // A quantized pool keeps its input's parameters; requantize to the QuantizeLinear's.
    const int32_t result = lift_1d_ ? lower_1d(out, out_name(0, "pool")) : out;
    return define_named(q->out_name, requantized(result, q->out_dtype, q->out_quant), !lift_1d_);
  }
  if (lift_1d_) return define_output(0, lower_1d(out, out_name(0, "pool")), false);
  return define_output(0, out, true);
}

// A 3-D pool (NCDHW input) as two 2-D pools, max and average being separable
// over a box: over (H, W) on the input as [N * D, H, W, C], then over D on
// that as [N, D, H' * W', C]. An average divides by the box's tap count, the
// product of its per-axis counts (with or without the pads), so averaging
// per axis is exact up to rounding.
Status Importer::pool_3d(bool max, Entry* in, const Shape& onnx_in) {
  if (max && has_output(1)) return node_unsupported("the Indices output of a 3-D MaxPool is not supported");
  lift_1d_ = false;  // window_pads() reads it
  EDGERUN_ASSIGN_OR_RETURN(const int32_t pv, plain(in));
  std::vector<int64_t> kernel, strides, dilations;
  EDGERUN_RETURN_IF_ERROR(window_attrs(*node_, node_where(), 3, &kernel, &strides, &dilations));
  const int32_t n = onnx_in[0], c = onnx_in[1], depth = onnx_in[2], h = onnx_in[3], w = onnx_in[4];
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int64_t> p, window_pads(kernel, strides, dilations, {depth, h, w}));
  const auto pad = [&](size_t i) { return static_cast<int32_t>(p[i]); };  // [d, h, w begin, d, h, w end]
  const std::string base = out_name(0, "pool");
  const int32_t hw_in = reshape(transpose(pv, {0, 2, 3, 4, 1}, base + "/ndhwc"), {n * depth, h, w, c}, base + "/hw_in");
  EDGERUN_ASSIGN_OR_RETURN(
      const std::vector<int32_t> hw,
      pool_2d(hw_in, max, {kernel[1], kernel[2]}, {strides[1], strides[2]}, {dilations[1], dilations[2]},
              {pad(1), pad(2), pad(4), pad(5)}, false, base + "/hw"));
  const Shape hs = shape_of(hw[0]);
  const int32_t d_in = reshape(hw[0], {n, depth, hs[1] * hs[2], c}, base + "/d_in");
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int32_t> dp,
                           pool_2d(d_in, max, {kernel[0], 1}, {strides[0], 1}, {dilations[0], 1},
                                   {pad(0), 0, pad(3), 0}, false, base + "/d"));
  const int32_t out = reshape(dp[0], {n, shape_of(dp[0])[1], hs[1], hs[2], c}, base + "/ndhwc_out");
  return define_output(0, transpose(out, {0, 4, 1, 2, 3}, base), false);
}

Status Importer::global_average_pool() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(in));
  if (s.size() < 3) return node_error("expected an input of rank >= 3, found " + shape_string(s));
  const std::string base = out_name(0, "gap");
  ir::ReduceAttrs a;
  a.keep_dims = true;
  if (s.size() == 4) {
    EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, nhwc(in));
    const Shape xs = shape_of(xv);
    const int32_t axes = add_int32s(base + "/axes", {1, 2});
    const int32_t out = add_value(info_like(g().values[static_cast<size_t>(xv)], {xs[0], 1, 1, xs[3]}));
    add_node(ir::OpType::kMean, {xv, axes}, {out}, a);
    return define_output(0, out, true);
  }
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, plain(in));
  std::vector<int32_t> ax;
  Shape os = s;
  for (size_t d = 2; d < s.size(); ++d) {
    ax.push_back(static_cast<int32_t>(d));
    os[d] = 1;
  }
  const int32_t axes = add_int32s(base + "/axes", ax);
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(xv)], os));
  add_node(ir::OpType::kMean, {xv, axes}, {out}, a);
  return define_output(0, out, false);
}

// ---------------------------------------------------------------------------
// Activations and elementwise ops

Status Importer::activation(ir::Activation act) {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  // Fuse into the producer when this is its output's only reader and the
  // producer has no activation yet.
  ir::Node* producer = nullptr;
  if (in->value >= 0) {
    for (auto it = g().nodes.rbegin(); it != g().nodes.rend(); ++it) {
      if (!it->outputs.empty() && it->outputs[0] == in->value) {
        producer = &*it;
        break;
      }
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
  if (slot != nullptr && *slot == ir::Activation::kNone && value_dtype(in->value) == DType::kFloat32) {
    *slot = act;
    owned_convs_.erase(in->value);  // a BatchNormalization after the activation cannot be folded
    return rename_to_output(*in);
  }
  // Standalone: a CLAMP.
  const float inf = std::numeric_limits<float>::infinity();
  ir::ClampAttrs c;
  c.min = act == ir::Activation::kReluN1To1 ? -1.0f : 0.0f;
  c.max = act == ir::Activation::kRelu6 ? 6.0f : act == ir::Activation::kReluN1To1 ? 1.0f : inf;
  return unary(ir::OpType::kClamp, c);
}

Status Importer::clip() {
  float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
  if (opset_ < 11) {
    lo = attr_float("min", lo);
    hi = attr_float("max", hi);
  } else {
    for (size_t i = 1; i <= 2; ++i) {
      if (!has_input(i)) continue;
      EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* t, constant_input(i));
      if (t->elements() != 1) return node_error("min / max must be scalars");
      (i == 1 ? lo : hi) = t->float_at(0);
    }
  }
  if (lo == 0.0f && hi == 6.0f) return activation(ir::Activation::kRelu6);
  if (lo == 0.0f && std::isinf(hi) && hi > 0) return activation(ir::Activation::kRelu);
  if (lo == -1.0f && hi == 1.0f) return activation(ir::Activation::kReluN1To1);
  ir::ClampAttrs c;
  c.min = lo;
  c.max = hi;
  return unary(ir::OpType::kClamp, c);
}

Status Importer::binary(ir::OpType op) {
  // Two activations, or an activation and a constant that broadcasts onto it.
  Entry* ins[2] = {nullptr, nullptr};
  for (size_t i = 0; i < 2; ++i) {
    EDGERUN_ASSIGN_OR_RETURN(ins[i], input_entry(i));
  }
  const bool const0 = is_constant(0), const1 = is_constant(1);
  EDGERUN_ASSIGN_OR_RETURN(const Shape s0, onnx_shape(ins[0]));
  EDGERUN_ASSIGN_OR_RETURN(const Shape s1, onnx_shape(ins[1]));
  EDGERUN_ASSIGN_OR_RETURN(const DType t0, dtype_of(ins[0]));
  EDGERUN_ASSIGN_OR_RETURN(const DType t1, dtype_of(ins[1]));
  if (t0 != t1) return node_error(std::string("inputs differ in data type (") + dtype_name(t0) + ", " + dtype_name(t1) + ")");
  // Output shape by NumPy broadcasting (ONNX order).
  const size_t rank = std::max(s0.size(), s1.size());
  Shape os(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int32_t a = i + s0.size() >= rank ? s0[i + s0.size() - rank] : 1;
    const int32_t b = i + s1.size() >= rank ? s1[i + s1.size() - rank] : 1;
    if (a != b && a != 1 && b != 1) return node_error("shapes " + shape_string(s0) + " and " + shape_string(s1) + " do not broadcast");
    os[i] = a == 1 ? b : a;
  }
  // Run NHWC when the output is 4-D and a non-constant input already is NHWC.
  const bool use_nhwc = rank == 4 && ((!const0 && ins[0]->nhwc) || (!const1 && ins[1]->nhwc));
  int32_t vals[2];
  for (size_t i = 0; i < 2; ++i) {
    Entry* e = ins[i];
    const Shape& si = i == 0 ? s0 : s1;
    const bool is_const = i == 0 ? const0 : const1;
    if (!use_nhwc) {
      EDGERUN_ASSIGN_OR_RETURN(vals[i], plain(e));
      continue;
    }
    if (si.size() == 4 && !is_const) {
      EDGERUN_ASSIGN_OR_RETURN(vals[i], nhwc(e));
      continue;
    }
    if (!is_const) {
      // A lower-rank activation against a 4-D NHWC one: both in ONNX order.
      EDGERUN_ASSIGN_OR_RETURN(vals[0], plain(ins[0]));
      EDGERUN_ASSIGN_OR_RETURN(vals[1], plain(ins[1]));
      const int32_t out = add_value(info_like(g().values[static_cast<size_t>(vals[0])], os));
      add_node(op, {vals[0], vals[1]}, {out}, ir::ElementwiseAttrs{});
      return define_output(0, out, false);
    }
    // A constant: right-align to rank 4 (NumPy broadcasting), then NCHW -> NHWC.
    EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* c, constant_of(e));
    std::vector<int64_t> d4(4 - c->dims.size(), 1);
    d4.insert(d4.end(), c->dims.begin(), c->dims.end());
    const size_t es = dtype_size(c->dtype);
    std::vector<uint8_t> t(c->bytes.size());
    const auto D0 = static_cast<size_t>(d4[0]), D1 = static_cast<size_t>(d4[1]), D2 = static_cast<size_t>(d4[2]),
               D3 = static_cast<size_t>(d4[3]);
    for (size_t n0 = 0; n0 < D0; ++n0)
      for (size_t ch = 0; ch < D1; ++ch)
        for (size_t y = 0; y < D2; ++y)
          for (size_t x = 0; x < D3; ++x)
            std::memcpy(&t[(((n0 * D2 + y) * D3 + x) * D1 + ch) * es], &c->bytes[(((n0 * D1 + ch) * D2 + y) * D3 + x) * es], es);
    vals[i] = add_constant_bytes(str(node_->inputs[i]), c->dtype,
                                 {static_cast<int32_t>(d4[0]), static_cast<int32_t>(d4[2]), static_cast<int32_t>(d4[3]),
                                  static_cast<int32_t>(d4[1])},
                                 t);
  }
  Shape stored = os;
  if (use_nhwc) stored = {os[0], os[2], os[3], os[1]};
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(vals[const0 ? 1 : 0])], stored));
  add_node(op, {vals[0], vals[1]}, {out}, ir::ElementwiseAttrs{});
  return define_output(0, out, use_nhwc);
}

// The scale (input 1) and zero point (input 2) of a Q / DQ node whose input 0
// has ONNX dims `x`: one pair, one per index of `axis` (x[axis] values), or
// blocked (`block_size`: the scale has x's rank, ceil(dim / block_size) at
// `axis`), expanded to one pair per element as ONNX's reference replicates them.
Result<QdqParams> Importer::read_qdq(const std::vector<int64_t>& x) {
  EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* sc, constant_input(1));
  if (sc->dtype != DType::kFloat32 && sc->dtype != DType::kFloat16) {
    return node_unsupported("scale: data type " + std::string(dtype_name(sc->dtype)) + ", expected float32 or float16");
  }
  const int64_t ns = sc->elements();
  QdqParams p;
  p.scale_dtype = sc->dtype;
  p.q.scale = sc->floats();
  p.q.zero_point.assign(static_cast<size_t>(ns), 0);
  if (has_input(2)) {
    EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* z, constant_input(2));
    if (z->elements() != ns || (ns != 1 && z->dims != sc->dims)) {
      return node_error("zero point dims " + dims_string(z->dims) + ": expected the scale's, " + dims_string(sc->dims));
    }
    p.dtype = z->dtype;
    p.q.zero_point = z->ints();
    if (z->dtype == DType::kFloat8E4M3FN || z->dtype == DType::kFloat8E5M2) {
      // ints() truncates: a float8 zero point must be exactly 0 (ONNX).
      for (int64_t i = 0; i < ns; ++i) {
        if (z->float_at(i) != 0.0f) return node_error("zero point " + std::to_string(z->float_at(i)) + " at " + std::to_string(i) + ": expected 0 for " + dtype_name(z->dtype));
      }
    }
    if (z->dtype == DType::kFloat4E2M1) {
      // QuantizeLinear adds a float zero point, DequantizeLinear ignores it: only 0 means the same to both.
      for (float v : z->floats()) {
        if (v != 0.0f) return node_unsupported("float4e2m1 zero point " + std::to_string(v) + " is not supported (0 only)");
      }
    }
  }
  if (ns == 1) return p;  // per tensor, whatever axis and block_size say (as ONNX's reference)
  const auto rank = static_cast<int64_t>(x.size());
  const int64_t axis = normalize_axis(attr_int("axis", 1), rank);
  const int64_t block = attr_int("block_size", 0);
  if (axis < 0 || axis >= rank) return node_error("axis " + std::to_string(attr_int("axis", 1)) + ": expected in [-" + std::to_string(rank) + ", " + std::to_string(rank) + ") for input dims " + dims_string(x));
  const auto a = static_cast<size_t>(axis);
  if (block == 0) {
    if (ns != x[a]) {
      return node_error("scale of " + std::to_string(ns) + " values: expected " + std::to_string(x[a]) + " (per axis " + std::to_string(axis) + " of input dims " + dims_string(x) + ")");
    }
    p.q.axis = static_cast<int32_t>(axis);
    return p;
  }
  if (block < 0) return node_error("block_size " + std::to_string(block) + ": expected positive");
  std::vector<int64_t> want = x;
  want[a] = (x[a] + block - 1) / block;
  if (sc->dims != want) {
    return node_error("scale dims " + dims_string(sc->dims) + ": expected " + dims_string(want) + " (blocks of " + std::to_string(block) + " along axis " + std::to_string(axis) + " of input dims " + dims_string(x) + ")");
  }
  int64_t inner = 1, count = 1;
  for (size_t d = 0; d < x.size(); ++d) {
    count *= x[d];
    if (d > a) inner *= x[d];
  }
  QuantParams expanded;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t outer = i / (inner * x[a]), along = i / inner % x[a];
    const auto k = static_cast<size_t>((outer * want[a] + along / block) * inner + i % inner);
    expanded.scale.push_back(p.q.scale[k]);
    expanded.zero_point.push_back(p.q.zero_point[k]);
  }
  p.q = std::move(expanded);
  p.blocked = true;
  return p;
}

Status Importer::check_activation_quant(const QdqParams& p) {
  const DType t = p.dtype;
  if (t != DType::kUInt8 && t != DType::kInt8 && t != DType::kUInt16 && t != DType::kInt16 && t != DType::kUInt4 &&
      t != DType::kInt4 && t != DType::kUInt2 && t != DType::kInt2 && t != DType::kFloat4E2M1 && t != DType::kFloat8E4M3FN &&
      t != DType::kFloat8E5M2) {
    return node_unsupported(std::string("quantized data type ") + dtype_name(t) +
                            " is not supported (uint8, int8, uint16, int16, uint4, int4, uint2, int2, float4e2m1, float8e4m3fn, float8e5m2)");
  }
  for (float s : p.q.scale) {
    if (!(s > 0.0f) || !std::isfinite(s)) return node_error("scale must be positive and finite, found " + std::to_string(s));
  }
  return Status::Ok();
}

Result<std::vector<int32_t>> Importer::qdq_inputs(Entry* in, const QdqParams& p, QuantParams* q, bool* out_nhwc) {
  if (p.blocked) {
    EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, plain(in));
    *q = {};
    *out_nhwc = false;
    const Shape s = shape_of(xv);
    const std::string name = out_name(0, "quantized");
    const std::vector<int32_t> zp(p.q.zero_point.begin(), p.q.zero_point.end());
    return std::vector<int32_t>{xv, add_constant<float>(name + "/scale", DType::kFloat32, s, p.q.scale),
                                add_constant<int32_t>(name + "/zero_point", DType::kInt32, s, zp)};
  }
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, data(in));
  *q = p.q;
  if (q->per_channel() && in->nhwc) q->axis = kNhwcAxis[q->axis];
  *out_nhwc = in->nhwc;
  return std::vector<int32_t>{xv};
}

Status Importer::quantize_linear() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape xs, onnx_shape(in));
  EDGERUN_ASSIGN_OR_RETURN(QdqParams p, read_qdq(std::vector<int64_t>(xs.begin(), xs.end())));
  if (const int64_t to = attr_int("output_dtype", 0); to != 0) {
    EDGERUN_ASSIGN_OR_RETURN(const DType t, dtype_of_onnx(static_cast<int32_t>(to), node_where() + " output_dtype"));
    if (has_input(2) && t != p.dtype) return node_error(std::string("output_dtype ") + dtype_name(t) + " differs from the zero point's " + dtype_name(p.dtype));
    p.dtype = t;
  }
  if (const int64_t precision = attr_int("precision", 0); precision != 0 && precision != onnx_type_of(DType::kFloat32)) {
    return node_unsupported("precision " + std::to_string(precision) + " is not supported (float32 only)");
  }
  EDGERUN_RETURN_IF_ERROR(check_activation_quant(p));
  if (in->value < 0 && in->dq_value >= 0 && !p.blocked) {
    // QuantizeLinear(DequantizeLinear(x)): x itself, or x requantized with
    // TFLite's 8-bit per-tensor arithmetic; otherwise dequantized and quantized below.
    QuantParams q = p.q;
    if (q.per_channel() && in->nhwc) q.axis = kNhwcAxis[q.axis];
    const TensorInfo& have = g().values[static_cast<size_t>(in->dq_value)].info;
    const bool same = have.dtype == p.dtype && have.quant.scale == q.scale && have.quant.zero_point == q.zero_point &&
                      (!q.per_channel() || have.quant.axis == q.axis);
    auto is8 = [](DType t) { return t == DType::kUInt8 || t == DType::kInt8; };
    if (same || (is8(have.dtype) && is8(p.dtype) && !have.quant.per_channel() && !q.per_channel())) {
      return define_output(0, requantized(in->dq_value, p.dtype, q), in->nhwc);
    }
  }
  QuantParams q;
  bool out_nhwc = false;
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int32_t> ins, qdq_inputs(in, p, &q, &out_nhwc));
  if (value_dtype(ins[0]) != DType::kFloat32) return node_unsupported("expected a float32 input");
  TensorInfo info = info_like(g().values[static_cast<size_t>(ins[0])], shape_of(ins[0]));
  info.dtype = p.dtype;
  info.quant = q;
  const int32_t out = add_value(std::move(info));
  add_node(ir::OpType::kQuantize, ins, {out}, ir::QuantizeAttrs{ir::QuantizeRounding::kHalfToEven, attr_int("saturate", 1) != 0});
  return define_output(0, out, out_nhwc);
}

// The output is float32 or float16: output_dtype, else the scale's type (a
// float16 result is the float32 one rounded, as ONNX's reference computes it).
Status Importer::dequantize_linear() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  const int64_t to = attr_int("output_dtype", 0);
  if (to != 0 && to != onnx_type_of(DType::kFloat32) && to != onnx_type_of(DType::kFloat16)) {
    return node_unsupported("output_dtype " + std::to_string(to) + " is not supported (float32 or float16)");
  }
  if (is_constant(0) || const_input_) {
    // Quantized weights / bias: dequantized here (per-tensor, per-axis or
    // blocked), the quantized tensor kept for an op that runs quantized (QDQ
    // form) unless blocked or float16.
    EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* c, constant_input(0));
    EDGERUN_ASSIGN_OR_RETURN(const QdqParams p, read_qdq(c->dims));
    if (has_input(2) && p.dtype != c->dtype) return node_error("zero point does not match the scale / input type");
    const DType out_dtype = to != 0 ? (to == onnx_type_of(DType::kFloat16) ? DType::kFloat16 : DType::kFloat32) : p.scale_dtype;
    const QuantParams& q = p.q;
    const auto ns = static_cast<int64_t>(q.scale.size());
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(q.axis) + 1; d < c->dims.size(); ++d) inner *= c->dims[d];
    // float8 / float4e2m1: the value itself (the zero point is 0).
    const bool float_codes = c->dtype == DType::kFloat8E4M3FN || c->dtype == DType::kFloat8E5M2 || c->dtype == DType::kFloat4E2M1;
    // The floats only when a float op reads them: an op that runs quantized
    // reads the quantized tensor (q_const), and a conv net's weights are most
    // of a model.
    auto dequantized = [src = in->constant, q, ns, inner, float_codes, blocked = p.blocked,
                        out_dtype]() -> Result<ConstTensor> {
      std::vector<float> f(static_cast<size_t>(src->elements()));
      for (int64_t i = 0; i < src->elements(); ++i) {
        const auto k = static_cast<size_t>(blocked ? i : ns == 1 ? 0 : (i / inner) % ns);
        const float x = float_codes ? src->float_at(i) : static_cast<float>(src->int_at(i) - q.zero_point[k]);
        f[static_cast<size_t>(i)] = x * q.scale[k];
      }
      return make_floats(src->dims, f, out_dtype);
    };
    if (in->constant == nullptr) return node_error("input has no value");
    if (node_->outputs.empty() || node_->outputs[0].empty()) return Status::Ok();
    if (entries_.count(node_->outputs[0]) != 0) return node_error("output '" + str(node_->outputs[0]) + "' is defined twice");
    Entry& e = entries_[node_->outputs[0]];
    e.make_constant = std::move(dequantized);
    if (p.blocked || out_dtype == DType::kFloat16) return Status::Ok();
    e.q_const = in->constant;
    e.q_params = q;
    return Status::Ok();
  }
  EDGERUN_ASSIGN_OR_RETURN(const Shape xs, onnx_shape(in));
  EDGERUN_ASSIGN_OR_RETURN(const DType xdt, dtype_of(in));
  EDGERUN_ASSIGN_OR_RETURN(QdqParams p, read_qdq(std::vector<int64_t>(xs.begin(), xs.end())));
  const DType out_dtype = to != 0 ? (to == onnx_type_of(DType::kFloat16) ? DType::kFloat16 : DType::kFloat32) : p.scale_dtype;
  if (!has_input(2)) p.dtype = xdt;  // zero point 0 of the input's type
  if (xdt != p.dtype) return node_error(std::string("input data type ") + dtype_name(xdt) + " differs from the zero point's " + dtype_name(p.dtype));
  EDGERUN_RETURN_IF_ERROR(check_activation_quant(p));
  QuantParams q;
  bool out_nhwc = false;
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int32_t> ins, qdq_inputs(in, p, &q, &out_nhwc));
  if (p.blocked) {
    if (!g().values[static_cast<size_t>(ins[0])].info.quant.empty()) return node_unsupported("the input is already quantized with other parameters");
    TensorInfo info = info_like(g().values[static_cast<size_t>(ins[0])], shape_of(ins[0]));
    info.dtype = out_dtype;
    info.quant = {};
    const int32_t out = add_value(std::move(info));
    add_node(ir::OpType::kDequantize, ins, {out});
    return define_output(0, out, out_nhwc);
  }
  ir::Value& x = g().values[static_cast<size_t>(ins[0])];
  if (x.info.quant.empty()) {
    x.info.quant = q;  // a plain integer tensor: these are its quantization parameters
  } else if (x.info.quant.scale != q.scale || x.info.quant.zero_point != q.zero_point ||
             (q.per_channel() && x.info.quant.axis != q.axis)) {
    return node_unsupported("the input is already quantized with other parameters");
  }
  if (out_dtype == DType::kFloat16) {
    TensorInfo info = info_like(x, x.info.shape);
    info.name += "/dequantized";
    info.dtype = DType::kFloat16;
    info.quant = {};
    const int32_t out = add_value(std::move(info));
    add_node(ir::OpType::kDequantize, {ins[0]}, {out});
    return define_output(0, out, out_nhwc);
  }
  // The float value is made only if an op reads it as float (see data()).
  if (node_->outputs.empty() || entries_.count(node_->outputs[0]) != 0) return node_error("output missing or defined twice");
  Entry e;
  e.dq_value = ins[0];
  e.nhwc = out_nhwc;
  entries_.emplace(node_->outputs[0], e);
  return Status::Ok();
}

Result<bool> Importer::try_qdq() {
  const std::string_view op = node_->op_type;
  size_t activations = 1;
  if (op == "Add") {
    activations = 2;
  } else if (op != "Conv" && op != "Gemm" && op != "MatMul" && op != "GlobalAveragePool" && op != "Flatten" && op != "Reshape" &&
             op != "MaxPool" && op != "AveragePool") {
    return false;
  }
  if (node_->outputs.empty() || !sole_reader(node_->outputs[0])) return false;
  auto readers = consumers_.find(node_->outputs[0]);
  if (readers == consumers_.end() || readers->second.size() != 1) return false;
  const size_t qi = readers->second[0];
  const Node& qn = nodes_[qi].node;
  if (qn.op_type != "QuantizeLinear" || qn.inputs.empty() || qn.inputs[0] != node_->outputs[0] || qn.outputs.empty()) return false;
  if (qn.inputs.size() < 2 || qn.attribute("output_dtype") != nullptr) return false;
  QdqMatch m;
  m.out_name = qn.outputs[0];
  {
    auto sc = entries_.find(qn.inputs[1]);
    if (sc == entries_.end() || sc->second.input_index >= 0) return false;
    EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* s, constant_of(&sc->second));
    if (s == nullptr || s->dtype != DType::kFloat32 || s->elements() != 1 || !(s->float_at(0) > 0)) return false;
    m.out_quant.scale = {s->float_at(0)};
    m.out_dtype = DType::kUInt8;
    int64_t zp = 0;
    if (qn.inputs.size() > 2 && !qn.inputs[2].empty()) {
      auto z = entries_.find(qn.inputs[2]);
      if (z == entries_.end() || z->second.input_index >= 0) return false;
      EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* zt, constant_of(&z->second));
      if (zt == nullptr || zt->elements() != 1) return false;
      m.out_dtype = zt->dtype;
      zp = zt->int_at(0);
    }
    if (m.out_dtype != DType::kInt8 && m.out_dtype != DType::kUInt8) return false;
    m.out_quant.zero_point = {zp};
  }
  for (size_t i = 0; i < activations; ++i) {
    if (!has_input(i)) return false;
    auto it = entries_.find(node_->inputs[i]);
    if (it == entries_.end() || it->second.dq_value < 0) return false;
    if (value_dtype(it->second.dq_value) != m.out_dtype) return false;
    if (g().values[static_cast<size_t>(it->second.dq_value)].info.quant.per_channel()) return false;  // per-axis: run in float
    m.x[i].value = it->second.dq_value;
    m.x[i].nhwc = it->second.nhwc;
  }
  auto quantized_const = [&](size_t i, DType want) -> const Entry* {
    if (!has_input(i)) return nullptr;
    auto it = entries_.find(node_->inputs[i]);
    if (it == entries_.end() || it->second.q_const == nullptr || it->second.q_const->dtype != want) return nullptr;
    return &it->second;
  };
  const std::string base = str(m.out_name);
  if (op == "MaxPool" || op == "AveragePool") {
    if (shape_of(m.x[0].value).size() == 5) return false;  // a 3-D pool runs in float (pool_3d())
    EDGERUN_RETURN_IF_ERROR(pool(op == "MaxPool", &m));
  } else if (op == "Conv" || op == "Gemm" || op == "MatMul") {
    const Entry* w = quantized_const(1, m.out_dtype);
    if (w == nullptr) return false;
    // TFLite's int8 kernels take symmetric weights.
    if (m.out_dtype == DType::kInt8 && std::any_of(w->q_params.zero_point.begin(), w->q_params.zero_point.end(), [](int64_t z) { return z != 0; })) return false;
    if (m.out_dtype == DType::kUInt8 && w->q_params.scale.size() != 1) return false;
    if (has_input(2) && quantized_const(2, DType::kInt32) == nullptr) return false;
    if (op == "Conv") {
      EDGERUN_RETURN_IF_ERROR(conv(&m));
    } else {
      if (attr_float("alpha", 1.0f) != 1.0f || attr_float("beta", 1.0f) != 1.0f || attr_int("transA", 0) != 0) return false;
      EDGERUN_ASSIGN_OR_RETURN(const int32_t a, plain(&m.x[0]));
      const Shape as = shape_of(a);
      const ConstTensor& b = *w->q_const;
      if (as.size() != 2 || b.dims.size() != 2) return false;
      const bool trans_b = attr_int("transB", 0) != 0;
      const int64_t k = trans_b ? b.dims[1] : b.dims[0], n = trans_b ? b.dims[0] : b.dims[1];
      if (k != as[1]) return node_error("B " + dims_string(b.dims) + " does not fit A " + shape_string(as));
      if (w->q_params.scale.size() != 1 && w->q_params.axis != (trans_b ? 0 : 1)) return false;
      const auto K = static_cast<size_t>(k), N = static_cast<size_t>(n);
      std::vector<uint8_t> wb(K * N);
      for (size_t o = 0; o < N; ++o) {
        for (size_t i = 0; i < K; ++i) wb[o * K + i] = b.bytes[trans_b ? o * K + i : i * N + o];
      }
      const int32_t wv = add_constant_bytes(base + "/weights", b.dtype, {static_cast<int32_t>(n), static_cast<int32_t>(k)}, wb);
      QuantParams wq = w->q_params;
      wq.axis = 0;
      g().values[static_cast<size_t>(wv)].info.quant = wq;
      std::vector<uint8_t> bias(N * 4, 0);
      if (has_input(2)) {
        const ConstTensor& c = *quantized_const(2, DType::kInt32)->q_const;
        if (c.elements() != n) return false;
        bias = c.bytes;
      }
      const int32_t bv = add_constant_bytes(base + "/bias", DType::kInt32, {static_cast<int32_t>(n)}, bias);
      QuantParams bq;
      for (float ws : wq.scale) bq.scale.push_back(g().values[static_cast<size_t>(a)].info.quant.scale.at(0) * ws);
      bq.zero_point.assign(bq.scale.size(), 0);
      g().values[static_cast<size_t>(bv)].info.quant = bq;
      TensorInfo info = info_like(g().values[static_cast<size_t>(a)], {as[0], static_cast<int32_t>(n)});
      info.dtype = m.out_dtype;
      info.quant = m.out_quant;
      const int32_t out = add_value(std::move(info));
      add_node(ir::OpType::kFullyConnected, {a, wv, bv}, {out}, ir::FullyConnectedAttrs{});
      EDGERUN_RETURN_IF_ERROR(define_named(m.out_name, out, false));
    }
  } else if (op == "Add") {
    int32_t v[2];
    const bool both_nhwc = m.x[0].nhwc && m.x[1].nhwc;
    for (size_t i = 0; i < 2; ++i) {
      EDGERUN_ASSIGN_OR_RETURN(v[i], both_nhwc ? data(&m.x[i]) : plain(&m.x[i]));
    }
    if (shape_of(v[0]) != shape_of(v[1])) return false;
    TensorInfo info = g().values[static_cast<size_t>(v[0])].info;
    info.quant = m.out_quant;
    const int32_t out = add_value(std::move(info));
    add_node(ir::OpType::kAdd, {v[0], v[1]}, {out}, ir::ElementwiseAttrs{});
    EDGERUN_RETURN_IF_ERROR(define_named(m.out_name, out, both_nhwc));
  } else if (op == "GlobalAveragePool") {
    if (shape_of(m.x[0].value).size() != 4) return false;
    EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, nhwc(&m.x[0]));
    const Shape xs = shape_of(xv);
    TensorInfo info = g().values[static_cast<size_t>(xv)].info;
    info.shape = {xs[0], 1, 1, xs[3]};
    info.quant = m.out_quant;
    const int32_t out = add_value(std::move(info));
    ir::ReduceAttrs ra;
    ra.keep_dims = true;
    add_node(ir::OpType::kMean, {xv, add_int32s(base + "/axes", {1, 2})}, {out}, ra);
    EDGERUN_RETURN_IF_ERROR(define_named(m.out_name, out, true));
  } else {  // Flatten, Reshape: move the quantized bytes, requantize if Q's parameters differ
    EDGERUN_ASSIGN_OR_RETURN(const Shape xs, onnx_shape(&m.x[0]));
    EDGERUN_ASSIGN_OR_RETURN(const Shape os, reshape_target(xs));
    int32_t src = m.x[0].value;
    if (m.x[0].nhwc && !(xs[2] == 1 && xs[3] == 1)) {
      EDGERUN_ASSIGN_OR_RETURN(src, plain(&m.x[0]));
    }
    const int32_t out = reshape(src, os, base + "/moved");
    EDGERUN_RETURN_IF_ERROR(define_named(m.out_name, requantized(out, m.out_dtype, m.out_quant), false));
  }
  skip_[qi] = true;
  return true;
}

Status Importer::resize() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(in));
  if (s.size() != 4) return node_unsupported("only 4-D (NCHW) inputs are supported, found " + shape_string(s));
  const int64_t r = 4;
  // Inputs: opset 10: X, scales; 11+: X, roi, scales, sizes.
  const size_t roi_i = 1, scales_i = opset_ < 11 ? 1 : 2, sizes_i = 3;
  std::vector<int64_t> axes = attr_ints("axes");
  if (axes.empty()) {
    for (int64_t i = 0; i < r; ++i) axes.push_back(i);
  }
  for (int64_t& a : axes) {
    a = normalize_axis(a, r);
    if (a < 0 || a >= r) return node_error("axes out of range");
  }
  std::vector<double> scale(static_cast<size_t>(r), 1.0);
  std::vector<int64_t> out(s.begin(), s.end());
  ir::ResizeAttrs a;
  bool from_sizes = false;
  const auto n_axes = axes.size();
  if (has_input(sizes_i) && opset_ >= 11) {
    EDGERUN_ASSIGN_OR_RETURN(std::vector<int64_t> sizes, int_input(sizes_i, "sizes"));
    if (sizes.size() != n_axes) return node_error("sizes has " + std::to_string(sizes.size()) + " values, expected " + std::to_string(n_axes));
    from_sizes = true;
    for (size_t i = 0; i < n_axes; ++i) {
      if (sizes[i] < 1 || sizes[i] > (1 << 24)) return node_error("sizes value out of range");
      out[static_cast<size_t>(axes[i])] = sizes[i];
      scale[static_cast<size_t>(axes[i])] = static_cast<double>(sizes[i]) / s[static_cast<size_t>(axes[i])];
    }
    const std::string_view policy = attr_string("keep_aspect_ratio_policy", "stretch");
    if (policy != "stretch") {
      double k = policy == "not_larger" ? 1e300 : 0.0;
      for (int64_t ax : axes) {
        const double v = scale[static_cast<size_t>(ax)];
        k = policy == "not_larger" ? std::min(k, v) : std::max(k, v);
      }
      if (policy != "not_larger" && policy != "not_smaller") return node_error("keep_aspect_ratio_policy '" + str(policy) + "' unknown");
      for (int64_t ax : axes) {
        scale[static_cast<size_t>(ax)] = k;
        out[static_cast<size_t>(ax)] = static_cast<int64_t>(k * s[static_cast<size_t>(ax)] + 0.5);
      }
      from_sizes = false;  // the op uses this scale, not output / input
    }
  } else if (has_input(scales_i)) {
    EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* sc, constant_input(scales_i));
    if (sc->dtype != DType::kFloat32 || static_cast<size_t>(sc->elements()) != n_axes) {
      return node_error("scales: expected " + std::to_string(n_axes) + " float32 values");
    }
    for (size_t i = 0; i < n_axes; ++i) {
      const double v = sc->float_at(static_cast<int64_t>(i));
      if (!(v > 0) || v > (1 << 16)) return node_error("scale " + std::to_string(v) + " out of range");
      const auto ax = static_cast<size_t>(axes[i]);
      scale[ax] = v;
      out[ax] = static_cast<int64_t>(std::floor(v * s[ax]));
      if (out[ax] < 1) return node_error("scale leaves an empty output");
    }
  } else {
    return node_error("neither scales nor sizes is given");
  }
  if (out[0] != s[0] || out[1] != s[1]) return node_unsupported("only H and W may be resized (N and C keep their size)");
  using M = ir::ResizeMode;
  using C = ir::ResizeCoord;
  using R = ir::ResizeNearestMode;
  static constexpr std::pair<std::string_view, M> kModes[] = {
      {"nearest", M::kNearest}, {"linear", M::kLinear}, {"bilinear", M::kLinear}, {"cubic", M::kCubic}, {"bicubic", M::kCubic}};
  static constexpr std::pair<std::string_view, C> kCoords[] = {
      {"half_pixel", C::kHalfPixel}, {"half_pixel_symmetric", C::kHalfPixelSymmetric},
      {"pytorch_half_pixel", C::kPytorchHalfPixel}, {"align_corners", C::kAlignCorners},
      {"asymmetric", C::kAsymmetric}, {"tf_crop_and_resize", C::kTfCropAndResize}};
  static constexpr std::pair<std::string_view, R> kNearest[] = {
      {"round_prefer_floor", R::kRoundPreferFloor}, {"round_prefer_ceil", R::kRoundPreferCeil},
      {"floor", R::kFloor}, {"ceil", R::kCeil}};
  // Resize-10 has only `mode`; its coordinates are asymmetric.
  EDGERUN_ASSIGN_OR_RETURN(a.mode, attr_enum("mode", attr_string("mode", "nearest"), kModes));
  EDGERUN_ASSIGN_OR_RETURN(a.coord, attr_enum("coordinate_transformation_mode",
                                              opset_ < 11 ? "asymmetric" : attr_string("coordinate_transformation_mode", "half_pixel"), kCoords));
  EDGERUN_ASSIGN_OR_RETURN(a.nearest, attr_enum("nearest_mode", attr_string("nearest_mode", "round_prefer_floor"), kNearest));
  a.cubic_coeff_a = attr_float("cubic_coeff_a", -0.75f);
  a.exclude_outside = attr_int("exclude_outside", 0) != 0;
  a.antialias = attr_int("antialias", 0) != 0;
  a.extrapolation_value = attr_float("extrapolation_value", 0.0f);
  a.scale_h = from_sizes ? 0.0 : scale[2];
  a.scale_w = from_sizes ? 0.0 : scale[3];
  if (a.coord == ir::ResizeCoord::kTfCropAndResize) {
    EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* roi, constant_input(roi_i));
    if (static_cast<size_t>(roi->elements()) != 2 * n_axes) return node_error("roi: expected " + std::to_string(2 * n_axes) + " values");
    std::vector<float> begin(4, 0.0f), end(4, 1.0f);
    for (size_t i = 0; i < n_axes; ++i) {
      begin[static_cast<size_t>(axes[i])] = roi->float_at(static_cast<int64_t>(i));
      end[static_cast<size_t>(axes[i])] = roi->float_at(static_cast<int64_t>(i + n_axes));
    }
    a.roi_h_begin = begin[2];
    a.roi_h_end = end[2];
    a.roi_w_begin = begin[3];
    a.roi_w_end = end[3];
  }
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, nhwc(in));
  const Shape xs = shape_of(xv);
  const int32_t o = add_value(info_like(g().values[static_cast<size_t>(xv)], {xs[0], static_cast<int32_t>(out[2]), static_cast<int32_t>(out[3]), xs[3]}));
  add_node(ir::OpType::kResize, {xv}, {o}, a);
  return define_output(0, o, true);
}

Status Importer::conv_transpose() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape onnx_in, onnx_shape(in));
  Entry lifted;
  EDGERUN_RETURN_IF_ERROR(lift_1d(&in, onnx_in, &lifted));
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, nhwc(in));
  if (value_dtype(xv) != DType::kFloat32) return node_unsupported("expected a float32 input");
  const Shape xs = shape_of(xv);
  EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* wt, constant_input(1));
  if (wt->dtype != DType::kFloat32) return node_unsupported("weights: expected float32");
  std::vector<int64_t> wd = wt->dims;
  if (lift_1d_ && wd.size() == 3) wd.insert(wd.begin() + 2, 1);
  if (wd.size() != 4) return node_error("weights " + dims_string(wt->dims) + " do not fit the input");
  const int64_t group = attr_int("group", 1);
  const int64_t cin = wd[0], cog = wd[1], kh = wd[2], kw = wd[3];
  if (group < 1 || cin != xs[3] || cin % group != 0) return node_error("weights " + dims_string(wt->dims) + " do not fit input channels " + std::to_string(xs[3]) + " and group " + std::to_string(group));
  const int64_t cout = cog * group, cig = cin / group;
  std::vector<int64_t> kernel{kh, kw}, strides, dilations;
  EDGERUN_RETURN_IF_ERROR(window_attrs(*node_, node_where(), lift_1d_ ? 1 : 2, &kernel, &strides, &dilations));
  if (kernel[0] != kh || kernel[1] != kw) return node_error("kernel_shape does not match the weights");
  std::vector<int64_t> out_pad = attr_ints("output_padding");
  if (out_pad.empty()) out_pad = {0, 0};
  if (lift_1d_ && out_pad.size() == 1) out_pad.insert(out_pad.begin(), 0);
  std::vector<int64_t> out_shape = attr_ints("output_shape");
  if (lift_1d_ && out_shape.size() == 1) out_shape.insert(out_shape.begin(), 1);
  if (out_shape.size() == 4) out_shape = {out_shape[2], out_shape[3]};
  if (out_pad.size() != 2 || (!out_shape.empty() && out_shape.size() != 2)) return node_error("output_padding / output_shape: expected one value per spatial dim");
  const std::string_view auto_pad = attr_string("auto_pad", "NOTSET");
  int64_t pb[2] = {0, 0}, pe[2] = {0, 0}, o[2];
  std::vector<int64_t> pads = attr_ints("pads");
  if (lift_1d_ && pads.size() == 2) pads = {0, pads[0], 0, pads[1]};
  for (int d = 0; d < 2; ++d) {
    const auto D = static_cast<size_t>(d);
    const int64_t in_d = xs[D + 1];
    const int64_t full = strides[D] * (in_d - 1) + out_pad[D] + (kernel[D] - 1) * dilations[D] + 1;
    if (!out_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t target = !out_shape.empty() ? out_shape[D] : in_d * strides[D];
      // A target beyond the full result is output padding (the op checks its range).
      const int64_t total = std::max<int64_t>(0, full - target);
      const bool upper = auto_pad != "SAME_LOWER";
      pb[d] = upper ? total / 2 : total - total / 2;
      pe[d] = total - pb[d];
      if (full < target) {
        o[d] = target;
        continue;
      }
    } else if (pads.size() == 4) {
      pb[d] = pads[D];
      pe[d] = pads[D + 2];
    } else if (!pads.empty()) {
      return node_error("pads: expected 4 values");
    }
    if (pb[d] < 0 || pe[d] < 0) return node_error("negative pads");
    o[d] = full - pb[d] - pe[d];
    if (o[d] < 1) return node_error("the transposed convolution leaves no output");
  }
  // Weights [Cin, Cout/g, kh, kw] -> [Cout, kh, kw, Cin/g].
  std::vector<float> nw(static_cast<size_t>(cout * kh * kw * cig));
  const std::vector<float> w = wt->floats();
  for (int64_t ci = 0; ci < cin; ++ci) {
    const int64_t gi = ci / cig, i = ci % cig;
    for (int64_t oc = 0; oc < cog; ++oc) {
      for (int64_t y = 0; y < kh; ++y) {
        for (int64_t x = 0; x < kw; ++x) {
          nw[static_cast<size_t>((((gi * cog + oc) * kh + y) * kw + x) * cig + i)] = w[static_cast<size_t>(((ci * cog + oc) * kh + y) * kw + x)];
        }
      }
    }
  }
  const std::string base = out_name(0, "convt");
  const int32_t wv = add_constant(base + "/weights", DType::kFloat32, {static_cast<int32_t>(cout), static_cast<int32_t>(kh), static_cast<int32_t>(kw), static_cast<int32_t>(cig)}, nw);
  int32_t bv = ir::kNoValue;
  if (has_input(2)) {
    EDGERUN_ASSIGN_OR_RETURN(std::vector<float> b, float_input(2, "bias"));
    if (static_cast<int64_t>(b.size()) != cout) return node_error("bias length " + std::to_string(b.size()) + ", expected " + std::to_string(cout));
    bv = add_constant(base + "/bias", DType::kFloat32, {static_cast<int32_t>(cout)}, b);
  }
  ir::ConvTransposeAttrs a;
  a.padding = ir::Padding::kExplicit;
  a.pads = {static_cast<int32_t>(pb[0]), static_cast<int32_t>(pb[1]), static_cast<int32_t>(pe[0]), static_cast<int32_t>(pe[1])};
  a.stride_h = static_cast<int32_t>(strides[0]);
  a.stride_w = static_cast<int32_t>(strides[1]);
  a.dilation_h = static_cast<int32_t>(dilations[0]);
  a.dilation_w = static_cast<int32_t>(dilations[1]);
  a.groups = static_cast<int32_t>(group);
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(xv)], {xs[0], static_cast<int32_t>(o[0]), static_cast<int32_t>(o[1]), static_cast<int32_t>(cout)}));
  add_node(ir::OpType::kConvTranspose, {xv, wv, bv}, {out}, a);
  if (lift_1d_) return define_output(0, lower_1d(out, base), false);
  return define_output(0, out, true);
}

Result<int32_t> Importer::strided_slice(Entry* in, const std::vector<int64_t>& begin, const std::vector<int64_t>& count,
                                        const std::vector<int64_t>& step, const std::string& name, bool* out_nhwc) {
  const bool use_nhwc = in->value >= 0 && in->nhwc;
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, use_nhwc ? data(in) : plain(in));
  const size_t rank = begin.size();
  ir::StridedSliceAttrs a;
  a.begin.assign(rank, 0);
  a.step.assign(rank, 1);
  Shape os(rank);
  for (size_t d = 0; d < rank; ++d) {
    const size_t sd = use_nhwc ? static_cast<size_t>(kNhwcAxis[d]) : d;
    a.begin[sd] = static_cast<int32_t>(begin[d]);
    a.step[sd] = static_cast<int32_t>(step[d]);
    os[sd] = static_cast<int32_t>(count[d]);
  }
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(xv)], os));
  g().values[static_cast<size_t>(out)].info.name = name;
  add_node(ir::OpType::kStridedSlice, {xv}, {out}, a);
  *out_nhwc = use_nhwc;
  return out;
}

Status Importer::slice() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(in));
  const auto rank = static_cast<int64_t>(s.size());
  std::vector<int64_t> starts, ends, axes, steps;
  if (opset_ < 10) {
    starts = attr_ints("starts");
    ends = attr_ints("ends");
    axes = attr_ints("axes");
  } else {
    EDGERUN_ASSIGN_OR_RETURN(starts, int_input(1, "starts"));
    EDGERUN_ASSIGN_OR_RETURN(ends, int_input(2, "ends"));
    if (has_input(3)) {
      EDGERUN_ASSIGN_OR_RETURN(axes, int_input(3, "axes"));
    }
    if (has_input(4)) {
      EDGERUN_ASSIGN_OR_RETURN(steps, int_input(4, "steps"));
    }
  }
  if (axes.empty()) {
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
    return node_error("starts, ends, axes and steps differ in length");
  }
  std::vector<int64_t> begin(static_cast<size_t>(rank), 0), count(s.begin(), s.end()), step(static_cast<size_t>(rank), 1);
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t ax = normalize_axis(axes[i], rank);
    if (ax < 0 || ax >= rank || seen[static_cast<size_t>(ax)]) return node_error("axis " + std::to_string(axes[i]) + " out of range or repeated");
    seen[static_cast<size_t>(ax)] = true;
    const int64_t n = s[static_cast<size_t>(ax)], st = steps[i];
    if (st == 0) return node_error("step 0");
    int64_t b = starts[i], e = ends[i];
    if (b < 0) b += n;
    if (e < 0) e += n;
    if (st > 0) {
      b = std::clamp<int64_t>(b, 0, n);
      e = std::clamp<int64_t>(e, 0, n);
    } else {
      b = std::clamp<int64_t>(b, 0, n - 1);
      e = std::clamp<int64_t>(e, -1, n - 1);
    }
    const int64_t c = st > 0 ? (e > b ? (e - b + st - 1) / st : 0) : (b > e ? (b - e - st - 1) / -st : 0);
    begin[static_cast<size_t>(ax)] = c > 0 ? b : 0;
    count[static_cast<size_t>(ax)] = c;
    step[static_cast<size_t>(ax)] = st;
  }
  bool out_nhwc = false;
  EDGERUN_ASSIGN_OR_RETURN(const int32_t out, strided_slice(in, begin, count, step, out_name(0, "slice"), &out_nhwc));
  return define_output(0, out, out_nhwc);
}

Status Importer::split() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(in));
  const auto rank = static_cast<int64_t>(s.size());
  const int64_t axis = normalize_axis(attr_int("axis", 0), rank);
  if (axis < 0 || axis >= rank) return node_error("axis out of range");
  const int64_t n = s[static_cast<size_t>(axis)];
  const auto outputs = static_cast<int64_t>(node_->outputs.size());
  std::vector<int64_t> parts;
  if (opset_ < 13) {
    parts = attr_ints("split");
  } else if (has_input(1)) {
    EDGERUN_ASSIGN_OR_RETURN(parts, int_input(1, "split"));
  }
  if (parts.empty()) {
    const int64_t k = attr_int("num_outputs", outputs);
    if (k < 1 || k != outputs) return node_error("num_outputs " + std::to_string(k) + " does not match " + std::to_string(outputs) + " outputs");
    const int64_t size = (n + k - 1) / k;  // the last part takes what is left
    for (int64_t i = 0; i < k; ++i) parts.push_back(std::max<int64_t>(0, std::min(size, n - i * size)));
  }
  if (static_cast<int64_t>(parts.size()) != outputs) return node_error("split has " + std::to_string(parts.size()) + " parts for " + std::to_string(outputs) + " outputs");
  int64_t offset = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i] < 0) return node_error("negative split size");
    std::vector<int64_t> begin(static_cast<size_t>(rank), 0), count(s.begin(), s.end()), step(static_cast<size_t>(rank), 1);
    begin[static_cast<size_t>(axis)] = parts[i] > 0 ? offset : 0;
    count[static_cast<size_t>(axis)] = parts[i];
    offset += parts[i];
    if (offset > n) return node_error("split sizes add up to more than " + std::to_string(n));
    if (node_->outputs[i].empty()) continue;
    bool out_nhwc = false;
    EDGERUN_ASSIGN_OR_RETURN(const int32_t out, strided_slice(in, begin, count, step, out_name(i, "split"), &out_nhwc));
    EDGERUN_RETURN_IF_ERROR(define_output(i, out, out_nhwc));
  }
  if (offset != n) return node_error("split sizes add up to " + std::to_string(offset) + ", expected " + std::to_string(n));
  return Status::Ok();
}

Status Importer::local_response_norm() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(in));
  if (s.size() != 4) return node_unsupported("only 4-D (NCHW) inputs are supported, found " + shape_string(s));
  const int64_t size = attr_int("size", 0);
  if (size < 1 || size > 1 << 16) return node_error("size " + std::to_string(size) + " out of range");
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, nhwc(in));
  ir::LocalResponseNormAttrs a;
  a.radius_before = static_cast<int32_t>((size - 1) / 2);
  a.radius_after = static_cast<int32_t>(size - 1 - (size - 1) / 2);
  a.alpha = attr_float("alpha", 1e-4f) / static_cast<float>(size);
  a.beta = attr_float("beta", 0.75f);
  a.bias = attr_float("bias", 1.0f);
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(xv)], shape_of(xv)));
  add_node(ir::OpType::kLocalResponseNorm, {xv}, {out}, a);
  return define_output(0, out, true);
}

Status Importer::unary(ir::OpType op, ir::Attrs attrs) {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, data(in));
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(xv)], shape_of(xv)));
  add_node(op, {xv}, {out}, std::move(attrs));
  return define_output(0, out, in->nhwc);
}

// ---------------------------------------------------------------------------
// Gemm / MatMul

Status Importer::batch_matmul() {
  Entry* e[2];
  Shape s[2];
  int32_t v[2];
  for (size_t i = 0; i < 2; ++i) {
    EDGERUN_ASSIGN_OR_RETURN(e[i], input_entry(i));
    EDGERUN_ASSIGN_OR_RETURN(v[i], plain(e[i]));
    s[i] = shape_of(v[i]);
    if (value_dtype(v[i]) != DType::kFloat32) return node_unsupported("expected float32 inputs");
    if (s[i].empty()) return node_error("scalar operands are not allowed");
  }
  const std::string base = out_name(0, "matmul");
  // NumPy: a 1-D A gains a leading 1, a 1-D B a trailing 1, both dropped after.
  const bool a_1d = s[0].size() == 1, b_1d = s[1].size() == 1;
  if (a_1d) s[0].insert(s[0].begin(), 1);
  if (b_1d) s[1].push_back(1);
  const size_t rank = std::max(s[0].size(), s[1].size());
  for (size_t i = 0; i < 2; ++i) {
    const Shape orig = shape_of(v[i]);
    s[i].insert(s[i].begin(), rank - s[i].size(), 1);
    if (s[i] != orig) v[i] = reshape(v[i], s[i], base + (i == 0 ? "/a" : "/b"));
  }
  Shape os;
  for (size_t d = 0; d + 2 < rank; ++d) {
    const int32_t x = s[0][d], y = s[1][d];
    if (x != y && x != 1 && y != 1) return node_error("batch dims of " + shape_string(s[0]) + " and " + shape_string(s[1]) + " do not broadcast");
    os.push_back(x == 1 ? y : x);
  }
  if (s[0][rank - 1] != s[1][rank - 2]) return node_error("A " + shape_string(s[0]) + " and B " + shape_string(s[1]) + " do not fit");
  os.push_back(s[0][rank - 2]);
  os.push_back(s[1][rank - 1]);
  int32_t out = add_value(info_like(g().values[static_cast<size_t>(v[0])], os));
  add_node(ir::OpType::kBatchMatMul, {v[0], v[1]}, {out}, ir::BatchMatMulAttrs{});
  if (a_1d || b_1d) {
    Shape fs(os.begin(), os.end() - 2);
    if (!a_1d) fs.push_back(os[rank - 2]);
    if (!b_1d) fs.push_back(os[rank - 1]);
    out = reshape(out, fs, base + "/squeezed");
  }
  return define_output(0, out, false);
}

Status Importer::gemm(bool matmul) {
  if (matmul) {
    // A constant 2-D (or 1-D) B runs as FULLY_CONNECTED; anything else as BATCH_MATMUL.
    EDGERUN_ASSIGN_OR_RETURN(Entry * b, input_entry(1));
    if (!known(*b)) return batch_matmul();
    EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* bt, constant_of(b));
    if (bt->dims.size() > 2) return batch_matmul();
  }
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(int32_t a, plain(in));
  Shape as = shape_of(a);
  const bool a_1d = as.size() == 1;
  if (value_dtype(a) != DType::kFloat32) return node_unsupported("expected a float32 input A");
  EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* bt, constant_input(1));
  if (bt->dtype != DType::kFloat32) return node_unsupported("B: expected float32");
  std::vector<int64_t> bd = bt->dims;
  const std::string base = out_name(0, "gemm");
  bool squeeze_last = false;
  if (matmul) {
    if (bd.size() == 1) {
      bd = {bd[0], 1};
      squeeze_last = true;
    }
    if (as.size() == 1) {
      as = {1, as[0]};
      a = reshape(a, as, base + "/a2d");
    }
  } else {
    if (as.size() != 2 || bd.size() != 2) return node_error("A and B must be 2-D, found " + shape_string(as) + " and " + dims_string(bd));
    if (attr_int("transA", 0) != 0) {
      a = transpose(a, {1, 0}, base + "/at");
      as = shape_of(a);
    }
  }
  const bool trans_b = !matmul && attr_int("transB", 0) != 0;
  const int64_t k = trans_b ? bd[1] : bd[0];
  const int64_t n = trans_b ? bd[0] : bd[1];
  if (k != as.back()) return node_error("B " + dims_string(bt->dims) + " does not fit A " + shape_string(as));
  const float alpha = matmul ? 1.0f : attr_float("alpha", 1.0f);
  const float beta = matmul ? 1.0f : attr_float("beta", 1.0f);
  const auto K = static_cast<size_t>(k), N = static_cast<size_t>(n);
  // FULLY_CONNECTED weights [N, K], written in place (B may be hundreds of MB).
  const int32_t wv = add_constant_bytes(base + "/weights", DType::kFloat32, {static_cast<int32_t>(n), static_cast<int32_t>(k)},
                                        std::vector<uint8_t>());
  {
    std::unique_ptr<uint8_t[]> buf(new uint8_t[std::max<size_t>(K * N * sizeof(float), 1)]);
    auto* w = reinterpret_cast<float*>(buf.get());
    const uint8_t* b = bt->bytes.data();
    for (size_t o = 0; o < N; ++o) {
      for (size_t i = 0; i < K; ++i) {
        float v;
        std::memcpy(&v, b + (trans_b ? o * K + i : i * N + o) * sizeof(float), sizeof(float));
        w[o * K + i] = alpha * v;
      }
    }
    ir::Value& wval = g().values[static_cast<size_t>(wv)];
    wval.data = buf.get();
    wval.data_bytes = K * N * sizeof(float);
    out_.aligned_copies.back() = std::move(buf);
  }
  std::vector<float> bias(N, 0.0f);
  std::vector<float> c_matrix;  // a C that is not per output: added after
  Shape c_shape;
  if (!matmul && has_input(2)) {
    EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* ct, constant_input(2));
    if (ct->dtype != DType::kFloat32) return node_unsupported("C: expected float32");
    const std::vector<float> c = ct->floats();
    const bool per_output = c.size() == 1 || (c.size() == N && (ct->dims.size() == 1 || (ct->dims.size() == 2 && ct->dims[0] == 1)));
    if (per_output) {
      for (size_t o = 0; o < N; ++o) bias[o] = beta * c[c.size() == 1 ? 0 : o];
    } else {
      for (int64_t d : ct->dims) c_shape.push_back(static_cast<int32_t>(d));
      for (float v : c) c_matrix.push_back(beta * v);
    }
  }
  const int32_t bv = add_constant(base + "/bias", DType::kFloat32, {static_cast<int32_t>(n)}, bias);
  Shape os = as;
  os.back() = static_cast<int32_t>(n);
  ir::FullyConnectedAttrs fa;
  fa.keep_num_dims = os.size() != 2;
  int32_t out = add_value(info_like(g().values[static_cast<size_t>(a)], os));
  add_node(ir::OpType::kFullyConnected, {a, wv, bv}, {out}, fa);
  if (!c_matrix.empty()) {
    const int32_t cv = add_constant(base + "/c", DType::kFloat32, c_shape, c_matrix);
    const int32_t sum = add_value(info_like(g().values[static_cast<size_t>(out)], os));
    add_node(ir::OpType::kAdd, {out, cv}, {sum}, ir::ElementwiseAttrs{});
    out = sum;
  }
  if (squeeze_last || a_1d) {
    // MatMul of 1-D operands: NumPy drops the dims it added.
    Shape fs;
    const Shape orig = shape_of(out);
    for (size_t d = 0; d < orig.size(); ++d) {
      if (a_1d && d == orig.size() - 2) continue;
      if (squeeze_last && d == orig.size() - 1) continue;
      fs.push_back(orig[d]);
    }
    out = reshape(out, fs, base + "/squeezed");
  }
  return define_output(0, out, false);
}

// ---------------------------------------------------------------------------
// Shape ops

Result<Shape> Importer::reshape_target(const Shape& xs) {
  const std::string_view op = node_->op_type;
  const int64_t elements = shape_elements(xs);
  const auto rank = static_cast<int64_t>(xs.size());
  Shape os;
  if (op == "Flatten") {
    const int64_t axis = normalize_axis(attr_int("axis", 1), rank);
    if (axis < 0 || axis > rank) return node_error("axis " + std::to_string(attr_int("axis", 1)) + " out of range for rank " + std::to_string(rank));
    int64_t outer = 1;
    for (int64_t i = 0; i < axis; ++i) outer *= xs[static_cast<size_t>(i)];
    return Shape{static_cast<int32_t>(outer), static_cast<int32_t>(outer == 0 ? 0 : elements / outer)};
  }
  if (op == "Squeeze" || op == "Unsqueeze") {
    std::vector<int64_t> axes;
    if (opset_ >= 13) {
      if (has_input(1)) {
        EDGERUN_ASSIGN_OR_RETURN(axes, int_input(1, "axes"));
      }
    } else {
      axes = attr_ints("axes");
    }
    if (op == "Squeeze") {
      std::vector<bool> drop(xs.size(), false);
      for (int64_t a : axes) {
        const int64_t n = normalize_axis(a, rank);
        if (n < 0 || n >= rank) return node_error("axis " + std::to_string(a) + " out of range for rank " + std::to_string(rank));
        if (xs[static_cast<size_t>(n)] != 1) return node_error("axis " + std::to_string(a) + " has size " + std::to_string(xs[static_cast<size_t>(n)]) + ", expected 1");
        drop[static_cast<size_t>(n)] = true;
      }
      for (size_t d = 0; d < xs.size(); ++d) {
        if (axes.empty() ? xs[d] != 1 : !drop[d]) os.push_back(xs[d]);
      }
      return os;
    }
    const int64_t out_rank = rank + static_cast<int64_t>(axes.size());
    std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
    for (int64_t a : axes) {
      const int64_t n = normalize_axis(a, out_rank);
      if (n < 0 || n >= out_rank || inserted[static_cast<size_t>(n)]) return node_error("axes: " + std::to_string(a) + " out of range or repeated");
      inserted[static_cast<size_t>(n)] = true;
    }
    size_t next = 0;
    for (int64_t d = 0; d < out_rank; ++d) os.push_back(inserted[static_cast<size_t>(d)] ? 1 : xs[next++]);
    return os;
  }
  // Reshape
  std::vector<int64_t> req;
  if (opset_ < 5) {
    req = attr_ints("shape");
  } else {
    EDGERUN_ASSIGN_OR_RETURN(req, int_input(1, "shape"));
  }
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
  if (shape_elements(os) != elements) return node_error("output " + shape_string(os) + " does not hold the input's " + std::to_string(elements) + " elements");
  return os;
}

Status Importer::reshape_like() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape xs, onnx_shape(in));
  EDGERUN_ASSIGN_OR_RETURN(const Shape os, reshape_target(xs));
  int32_t src;
  EDGERUN_ASSIGN_OR_RETURN(src, data(in));
  // NHWC storage equals NCHW order when H = W = 1.
  if (in->nhwc && !(xs[2] == 1 && xs[3] == 1)) {
    EDGERUN_ASSIGN_OR_RETURN(src, plain(in));
  }
  const int32_t out = reshape(src, os, out_name(0, "reshape"));
  return define_output(0, out, false);
}

Status Importer::transpose_op() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(in));
  const auto rank = static_cast<int64_t>(s.size());
  std::vector<int64_t> perm = attr_ints("perm");
  if (perm.empty()) {
    for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  }
  if (static_cast<int64_t>(perm.size()) != rank) return node_error("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(rank));
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, data(in));
  std::vector<int32_t> p;
  for (int64_t a : perm) {
    if (a < 0 || a >= rank) return node_error("perm entry " + std::to_string(a) + " out of range");
    // An NHWC input: ONNX axis a is stored at kNhwcAxis[a].
    p.push_back(in->nhwc ? kNhwcAxis[a] : static_cast<int32_t>(a));
  }
  const int32_t out = transpose(xv, p, out_name(0, "transpose"));
  return define_output(0, out, false);
}

Status Importer::softmax() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(in));
  const auto rank = static_cast<int64_t>(s.size());
  const int64_t axis = normalize_axis(attr_int("axis", opset_ >= 13 ? -1 : 1), rank);
  if (axis < 0 || axis >= rank) return node_error("axis out of range for rank " + std::to_string(rank));
  const std::string base = out_name(0, "softmax");
  ir::SoftmaxAttrs a;
  a.beta = 1.0f;
  auto run = [&](int32_t v) {
    const int32_t out = add_value(info_like(g().values[static_cast<size_t>(v)], shape_of(v)));
    add_node(ir::OpType::kSoftmax, {v}, {out}, a);
    return out;
  };
  if (opset_ < 13) {
    // Softmax over the flattened dims [axis, rank): a 2-D softmax.
    EDGERUN_ASSIGN_OR_RETURN(int32_t xv, data(in));
    if (!(in->nhwc && axis == 1 && s[2] == 1 && s[3] == 1) && !(!in->nhwc && axis == rank - 1)) {
      EDGERUN_ASSIGN_OR_RETURN(xv, plain(in));
      int64_t outer = 1;
      for (int64_t i = 0; i < axis; ++i) outer *= s[static_cast<size_t>(i)];
      const int32_t flat = reshape(xv, {static_cast<int32_t>(outer), static_cast<int32_t>(shape_elements(s) / std::max<int64_t>(outer, 1))}, base + "/2d");
      const int32_t out = reshape(run(flat), s, base);
      return define_output(0, out, false);
    }
    return define_output(0, run(xv), in->nhwc);
  }
  if (in->nhwc && axis == 1) {
    EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, data(in));
    return define_output(0, run(xv), true);
  }
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, plain(in));
  if (axis == rank - 1) return define_output(0, run(xv), false);
  // Move the axis last, softmax, and move it back.
  std::vector<int32_t> perm, back(static_cast<size_t>(rank));
  for (int64_t i = 0; i < rank; ++i) {
    if (i != axis) perm.push_back(static_cast<int32_t>(i));
  }
  perm.push_back(static_cast<int32_t>(axis));
  for (size_t i = 0; i < perm.size(); ++i) back[static_cast<size_t>(perm[i])] = static_cast<int32_t>(i);
  const int32_t moved = transpose(xv, perm, base + "/moved");
  const int32_t out = transpose(run(moved), back, base);
  return define_output(0, out, false);
}

Status Importer::concat() {
  if (node_->inputs.empty()) return node_error("no inputs");
  std::vector<Entry*> ins;
  bool all_nhwc = true;
  for (size_t i = 0; i < node_->inputs.size(); ++i) {
    EDGERUN_ASSIGN_OR_RETURN(Entry * e, input_entry(i));
    ins.push_back(e);
    all_nhwc = all_nhwc && e->value >= 0 && e->nhwc;
  }
  std::vector<int32_t> vals;
  for (Entry* e : ins) {
    EDGERUN_ASSIGN_OR_RETURN(const int32_t v, all_nhwc ? data(e) : plain(e));
    vals.push_back(v);
  }
  const Shape s0 = shape_of(vals[0]);
  const auto rank = static_cast<int64_t>(s0.size());
  int64_t axis = normalize_axis(attr_int("axis", 1), rank);
  if (axis < 0 || axis >= rank) return node_error("axis out of range");
  if (all_nhwc) axis = kNhwcAxis[axis];
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

Status Importer::reduce_mean() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(in));
  const auto rank = static_cast<int64_t>(s.size());
  std::vector<int64_t> axes;
  if (opset_ >= 18) {
    if (has_input(1)) {
      EDGERUN_ASSIGN_OR_RETURN(axes, int_input(1, "axes"));
    }
  } else {
    axes = attr_ints("axes");
  }
  const bool keep = attr_int("keepdims", 1) != 0;
  if (axes.empty()) {
    if (attr_int("noop_with_empty_axes", 0) != 0) return alias();
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  std::vector<bool> reduced(static_cast<size_t>(rank), false);
  for (int64_t& a : axes) {
    a = normalize_axis(a, rank);
    if (a < 0 || a >= rank) return node_error("axis out of range for rank " + std::to_string(rank));
    reduced[static_cast<size_t>(a)] = true;
  }
  // NHWC runs as is when the kept dims keep their ONNX order (always with keepdims).
  bool use_nhwc = in->value >= 0 && in->nhwc;
  if (use_nhwc && !keep && !reduced[1] && (!reduced[2] || !reduced[3])) use_nhwc = false;
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, use_nhwc ? data(in) : plain(in));
  std::vector<int32_t> ir_axes;
  for (int64_t a : axes) ir_axes.push_back(use_nhwc ? kNhwcAxis[a] : static_cast<int32_t>(a));
  std::sort(ir_axes.begin(), ir_axes.end());
  ir_axes.erase(std::unique(ir_axes.begin(), ir_axes.end()), ir_axes.end());
  Shape stored = shape_of(xv), os;
  for (size_t d = 0; d < stored.size(); ++d) {
    const bool r = std::find(ir_axes.begin(), ir_axes.end(), static_cast<int32_t>(d)) != ir_axes.end();
    if (r && keep) os.push_back(1);
    if (!r) os.push_back(stored[d]);
  }
  const std::string base = out_name(0, "mean");
  const int32_t av = add_int32s(base + "/axes", ir_axes);
  ir::ReduceAttrs ra;
  ra.keep_dims = keep;
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(xv)], os));
  add_node(ir::OpType::kMean, {xv, av}, {out}, ra);
  return define_output(0, out, use_nhwc && keep);
}

Status Importer::pad() {
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(in));
  const auto rank = static_cast<int64_t>(s.size());
  const std::string_view mode = attr_string("mode", "constant");
  std::vector<int64_t> pads;
  float value = 0.0f;
  std::vector<int64_t> axes;
  if (opset_ < 11) {
    pads = attr_ints("pads");
    value = attr_float("value", 0.0f);
  } else {
    EDGERUN_ASSIGN_OR_RETURN(pads, int_input(1, "pads"));
    if (has_input(2)) {
      EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* c, constant_input(2));
      if (c->elements() != 1) return node_error("constant_value must be a scalar");
      value = c->float_at(0);
    }
    if (has_input(3)) {
      EDGERUN_ASSIGN_OR_RETURN(axes, int_input(3, "axes"));
    }
  }
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  if (pads.size() != 2 * axes.size()) return node_error("pads has " + std::to_string(pads.size()) + " values, expected " + std::to_string(2 * axes.size()));
  std::vector<int64_t> begin(static_cast<size_t>(rank), 0), end(static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t a = normalize_axis(axes[i], rank);
    if (a < 0 || a >= rank) return node_error("axis out of range");
    begin[static_cast<size_t>(a)] = pads[i];
    end[static_cast<size_t>(a)] = pads[i + axes.size()];
  }
  ir::PadAttrs pa;
  pa.constant_value = value;
  static constexpr std::pair<std::string_view, ir::PadMode> kModes[] = {
      {"constant", ir::PadMode::kConstant}, {"reflect", ir::PadMode::kReflect},
      {"edge", ir::PadMode::kEdge}, {"wrap", ir::PadMode::kWrap}};
  EDGERUN_ASSIGN_OR_RETURN(pa.mode, attr_enum("mode", mode, kModes));
  const bool use_nhwc = in->value >= 0 && in->nhwc;
  EDGERUN_ASSIGN_OR_RETURN(const int32_t xv, use_nhwc ? data(in) : plain(in));
  std::vector<int32_t> p(static_cast<size_t>(2 * rank));
  Shape os = shape_of(xv);
  for (int64_t a = 0; a < rank; ++a) {
    const auto d = static_cast<size_t>(use_nhwc ? kNhwcAxis[a] : a);
    const int64_t b = begin[static_cast<size_t>(a)], e = end[static_cast<size_t>(a)];
    if (b > (1 << 20) || e > (1 << 20) || b < -(1 << 20) || e < -(1 << 20)) return node_error("pad out of range");
    if (os[d] + b + e < 0) return node_error("pads remove more than the whole dim");
    p[2 * d] = static_cast<int32_t>(b);
    p[2 * d + 1] = static_cast<int32_t>(e);
    os[d] += static_cast<int32_t>(b + e);
  }
  const std::string base = out_name(0, "pad");
  const int32_t pv = add_constant<int32_t>(base + "/paddings", DType::kInt32, {static_cast<int32_t>(rank), 2}, p);
  const int32_t out = add_value(info_like(g().values[static_cast<size_t>(xv)], os));
  add_node(ir::OpType::kPad, {xv, pv}, {out}, pa);
  return define_output(0, out, use_nhwc);
}

Status Importer::alias() {
  if (!has_input(0)) return node_error("input 0 is missing");
  const std::string_view op = node_->op_type;
  if (op == "Dropout" && has_input(2)) {
    // Training mode drops nothing at ratio 0: the same as inference.
    EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* t, constant_input(2));
    const bool training = t->elements() != 1 || t->int_at(0) != 0;
    bool zero_ratio = false;
    if (training && has_input(1)) {
      EDGERUN_ASSIGN_OR_RETURN(const ConstTensor* r, constant_input(1));
      zero_ratio = r->elements() == 1 && r->dtype == DType::kFloat32 && r->float_at(0) == 0.0f;
    }
    if (training && !zero_ratio) {
      return node_unsupported("training_mode = true with a ratio other than 0 is not supported (it drops at random)");
    }
  }
  EDGERUN_ASSIGN_OR_RETURN(Entry * in, input_entry(0));
  // A graph input becomes an IR input once, whichever name reads it.
  if (in->input_index >= 0) {
    EDGERUN_RETURN_IF_ERROR(data(in).status());
  }
  if (node_->outputs.empty() || entries_.count(node_->outputs[0]) != 0) return node_error("output missing or defined twice");
  Entry e = *in;
  entries_.emplace(node_->outputs[0], e);
  if (op == "Dropout" && node_->outputs.size() > 1 && !node_->outputs[1].empty()) {
    // In inference the mask keeps everything.
    EDGERUN_ASSIGN_OR_RETURN(const Shape s, onnx_shape(in));
    std::vector<int64_t> dims(s.begin(), s.end());
    EDGERUN_RETURN_IF_ERROR(define_constant(1, make_ints(DType::kBool, dims, std::vector<int64_t>(static_cast<size_t>(shape_elements(s)), 1))));
  }
  return Status::Ok();
}

Status Importer::constant_node() {
  if (node_->outputs.empty()) return node_error("no output");
  for (const Attribute& a : node_->attributes) {
    if (a.name == "value") {
      if (!a.t) return node_error("value is not a tensor");
      EDGERUN_ASSIGN_OR_RETURN(ConstTensor c, decode_tensor(*a.t, node_where() + " value"));
      return define_constant(0, std::move(c));
    }
    if (a.name == "value_float") return define_constant(0, make_floats({}, {a.f}));
    if (a.name == "value_floats") return define_constant(0, make_floats({static_cast<int64_t>(a.floats.size())}, a.floats));
    if (a.name == "value_int") return define_constant(0, make_ints(DType::kInt64, {}, {a.i}));
    if (a.name == "value_ints") return define_constant(0, make_ints(DType::kInt64, {static_cast<int64_t>(a.ints.size())}, a.ints));
  }
  return node_unsupported("only Constant nodes with a value, value_float(s) or value_int(s) attribute are supported");
}

Status Importer::import_node() {
  const std::string_view op = node_->op_type;
  lift_1d_ = false;
  if (!node_->domain.empty() && node_->domain != "ai.onnx") {
    return node_unsupported("operator domain '" + str(node_->domain) + "' is not supported");
  }
  if (op == "Constant") return constant_node();
  EDGERUN_ASSIGN_OR_RETURN(const bool folded, fold());
  if (folded) return Status::Ok();
  EDGERUN_ASSIGN_OR_RETURN(const bool quantized, try_qdq());
  if (quantized) return Status::Ok();
  if (op == "Conv") return conv();
  if (op == "Relu") return activation(ir::Activation::kRelu);
  if (op == "Clip") return clip();
  if (op == "BatchNormalization") return batch_norm();
  if (op == "Gemm") return gemm(false);
  if (op == "MatMul") return gemm(true);
  if (op == "MaxPool") return pool(true);
  if (op == "AveragePool") return pool(false);
  if (op == "GlobalAveragePool") return global_average_pool();
  if (op == "Add") return binary(ir::OpType::kAdd);
  if (op == "Sum") {
    if (node_->inputs.size() == 1) return alias();
    if (node_->inputs.size() == 2) return binary(ir::OpType::kAdd);
    return node_unsupported("Sum of more than two inputs is not supported yet");
  }
  if (op == "LRN") return local_response_norm();
  if (op == "QLinearConv" || op == "QLinearMatMul") {
    return node_error("expected 8 inputs (x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point" +
                      std::string(op == "QLinearConv" ? ", optional bias" : "") + ") and 1 output, found " +
                      std::to_string(node_->inputs.size()) + " and " + std::to_string(node_->outputs.size()));
  }
  if (op == "QuantizeLinear") return quantize_linear();
  if (op == "DequantizeLinear") return dequantize_linear();
  if (op == "Mul") return binary(ir::OpType::kMul);
  if (op == "Sub") return binary(ir::OpType::kSub);
  if (op == "Div") return binary(ir::OpType::kDiv);
  if (op == "Slice") return slice();
  if (op == "ConvTranspose") return conv_transpose();
  if (op == "Resize") return resize();
  if (op == "Split") return split();
  if (op == "Tanh") return unary(ir::OpType::kTanh);
  if (op == "LeakyRelu") {
    ir::LeakyReluAttrs a;
    a.alpha = attr_float("alpha", 0.01f);
    return unary(ir::OpType::kLeakyRelu, a);
  }
  if (op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze") return reshape_like();
  if (op == "Transpose") return transpose_op();
  if (op == "Softmax") return softmax();
  if (op == "ReduceMean") return reduce_mean();
  if (op == "Pad") return pad();
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

// QLinearConv and QLinearMatMul are defined as QuantizeLinear(op(
// DequantizeLinear(x), DequantizeLinear(w) [, DequantizeLinear(bias)])), the
// bias scale being x_scale * w_scale: they are imported as those nodes, so the
// QDQ fusion (try_qdq) runs them on the quantized kernels where TFLite's
// integer arithmetic applies (activations and weights of one type, int8
// weights symmetric), and the rest runs as dequantize -> float op -> quantize.
void Importer::expand_qlinear() {
  const Graph& graph = m_.graph;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    const bool conv = n.op_type == "QLinearConv";
    const bool in_domain = n.domain.empty() || n.domain == "ai.onnx";
    if (!in_domain || !(conv || n.op_type == "QLinearMatMul") || n.inputs.size() < 8 ||
        n.inputs.size() > (conv ? 9u : 8u) || n.outputs.size() != 1) {
      nodes_.push_back({n, i});
      continue;
    }
    auto name = [&](const char* part) -> std::string_view {
      return names_.emplace_back(str(n.outputs[0]) + "/" + part);
    };
    auto add = [&](std::string_view op, std::vector<std::string_view> in, std::string_view out,
                   std::vector<Attribute> attrs = {}, bool const_input = false) {
      Node part;
      part.op_type = op;
      part.name = n.name;
      part.inputs = std::move(in);
      part.outputs = {out};
      part.attributes = std::move(attrs);
      nodes_.push_back({std::move(part), i, const_input});
    };
    // Per-axis weight scales run along the output channels: Conv weights'
    // axis 0, MatMul B's last axis.
    Attribute axis;
    axis.name = "axis";
    axis.type = AttrType::kInt;
    axis.i = conv ? 0 : -1;
    // The op runs in float32 whatever the scales' type: float16 scales are
    // widened exactly (ONNX's reference multiplies the scales in float16 and
    // the product in float64; the two round differently only near ties).
    Attribute f32;
    f32.name = "output_dtype";
    f32.type = AttrType::kInt;
    f32.i = onnx_type_of(DType::kFloat32);
    const std::string_view x = name("x"), w = name("w"), y = name("y");
    add("DequantizeLinear", {n.inputs[0], n.inputs[1], n.inputs[2]}, x, {f32});
    add("DequantizeLinear", {n.inputs[3], n.inputs[4], n.inputs[5]}, w, {axis, f32}, true);
    std::vector<std::string_view> op_inputs{x, w};
    if (conv && n.inputs.size() == 9 && !n.inputs[8].empty()) {
      const std::string_view scale = name("bias_scale"), bias = name("bias");
      add("Mul", {n.inputs[1], n.inputs[4]}, scale);
      add("DequantizeLinear", {n.inputs[8], scale}, bias, {axis, f32}, true);
      op_inputs.push_back(bias);
    }
    add(conv ? "Conv" : "MatMul", op_inputs, y, conv ? n.attributes : std::vector<Attribute>{});
    add("QuantizeLinear", {y, n.inputs[6], n.inputs[7]}, n.outputs[0]);
  }
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
  out_.graph.quant_arithmetic = ir::QuantArithmetic::kOnnxRuntime;
  const Graph& graph = m_.graph;
  if (graph.sparse_initializers > 0) return Unsupported("GraphProto: sparse initializers are not supported");
  out_.description = str(m_.producer_name);
  if (!m_.producer_version.empty()) out_.description += " " + str(m_.producer_version);
  out_.description += " (ONNX IR " + std::to_string(m_.ir_version) + ", opset " + std::to_string(opset_) + ")";

  expand_qlinear();
  for (size_t i = 0; i < nodes_.size(); ++i) {
    for (std::string_view in : nodes_[i].node.inputs) {
      if (in.empty()) continue;
      ++readers_[in];
      consumers_[in].push_back(i);
    }
  }
  skip_.assign(nodes_.size(), false);
  for (const ValueInfo& v : graph.outputs) ++readers_[v.name];

  for (size_t i = 0; i < graph.initializers.size(); ++i) {
    const TensorProto& t = graph.initializers[i];
    if (t.name.empty()) return InvalidModel("GraphProto.initializer[" + std::to_string(i) + "]: no name");
    Entry e;
    e.proto = &t;
    entries_[t.name] = e;
  }
  // Graph inputs that are not initializers.
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const ValueInfo& v = graph.inputs[i];
    auto it = entries_.find(v.name);
    if (it != entries_.end() && it->second.proto != nullptr) continue;
    const std::string where = "graph input " + std::to_string(i) + " '" + str(v.name) + "'";
    if (!v.is_tensor) return Unsupported(where + ": needs a tensor type");
    const InputValue* given = nullptr;
    for (const InputValue& iv : input_values_) {
      if (iv.name == v.name) given = &iv;
    }
    Entry e;
    if (given != nullptr) {
      ConstTensor c;
      c.dtype = given->dtype;
      c.dims.assign(given->shape.begin(), given->shape.end());
      if (given->data.size() != static_cast<size_t>(shape_elements(given->shape)) * dtype_size(given->dtype)) {
        return InvalidArgument(where + ": the given value holds " + std::to_string(given->data.size()) + " bytes, expected " +
                               std::to_string(shape_elements(given->shape) * static_cast<int64_t>(dtype_size(given->dtype))) +
                               " for " + shape_string(given->shape) + " " + dtype_name(given->dtype));
      }
      c.bytes = given->data;
      e.constant = std::make_shared<const ConstTensor>(std::move(c));
      e.input_index = static_cast<int32_t>(i);
      entries_[v.name] = e;
      continue;
    }
    if (!v.has_shape) return Unsupported(where + ": needs a shape");
    EDGERUN_ASSIGN_OR_RETURN(const DType dt, dtype_of_onnx(v.elem_type, where));
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
    e.value = add_value(info);
    input_order_.emplace_back(i, e.value);
    entries_[v.name] = e;
  }

  std::string unsupported;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (skip_[i]) continue;
    node_ = &nodes_[i].node;
    node_index_ = nodes_[i].source;
    source_ = &graph.nodes[node_index_];
    const_input_ = nodes_[i].const_input;
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

  node_ = nullptr;
  std::vector<int32_t> outputs;
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    const std::string_view name = graph.outputs[i].name;
    auto it = entries_.find(name);
    if (it == entries_.end()) return InvalidModel("graph output '" + str(name) + "' is not computed by any node");
    Entry& e = it->second;
    if (e.value < 0 && e.input_index < 0 && e.dq_value < 0 && !known(e)) {
      return InvalidModel("graph output '" + str(name) + "' has no value");
    }
    if (e.value < 0 && e.input_index < 0 && e.dq_value < 0) {
      // A constant output: an IR constant copied by a node, so the output has a buffer.
      const ConstTensor* c = nullptr;
      EDGERUN_ASSIGN_OR_RETURN(c, constant_of(&e));
      e.value = add_constant_bytes(str(name) + "/value", c->dtype, Shape(c->dims.begin(), c->dims.end()), c->bytes);
    }
    EDGERUN_ASSIGN_OR_RETURN(int32_t v, data(&e));
    if (e.nhwc) {
      if (e.other < 0) {
        e.other = transpose(e.value, {kToNchw, kToNchw + 4}, str(name));
        g().values[static_cast<size_t>(e.value)].info.name = str(name) + "/nhwc";
      }
      v = e.other;
    }
    const bool is_input = std::any_of(input_order_.begin(), input_order_.end(), [&](const auto& p) { return p.second == v; });
    const bool repeated = std::find(outputs.begin(), outputs.end(), v) != outputs.end();
    if (is_input || repeated || g().values[static_cast<size_t>(v)].is_constant()) {
      v = reshape(v, shape_of(v), str(name));  // a copy, so every output has a buffer of its own
    }
    g().values[static_cast<size_t>(v)].info.name = str(name);
    outputs.push_back(v);
  }
  g().outputs = outputs;
  if (g().outputs.empty()) return InvalidModel("the graph has no outputs");
  std::sort(input_order_.begin(), input_order_.end());
  for (const auto& p : input_order_) g().inputs.push_back(p.second);
  return std::move(out_);
}

}  // namespace

Result<io::ImportedModel> import_model(const uint8_t* data, size_t size, const std::vector<InputValue>& input_values,
                                       const std::string& external_dir) {
  EDGERUN_ASSIGN_OR_RETURN(const Model m, parse_model(data, size));
  Importer imp(m, input_values, external_dir);
  return imp.run();
}

}  // namespace edgerun::onnx
