// IR → TFLite flatbuffer (see writer.h). Field ids follow schema.fbs and
// metadata_schema.fbs: field N of a table sits at vtable offset 4 + 2 * N
// (fb::field), a union takes two ids (its type, then its value).
#include "io/tflite/writer.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/checked.h"
#include "io/tflite/metadata.h"
#include "io/tflite/op_map.h"
#include "io/tflite/schema.h"

namespace edgerun::tflite {
namespace {

using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;
using TableOffset = Offset<flatbuffers::Table>;

constexpr size_t kMaxRank = 8;                         // reader.cc's limit
constexpr int64_t kMaxTensorBytes = int64_t{1} << 31;  // reader.cc's limit
// Constants stay inside the flatbuffer (no Buffer.offset), whose offsets reach 2 GiB; the
// margin is for the tables.
constexpr uint64_t kMaxConstantBytes = (uint64_t{1} << 31) - (uint64_t{64} << 20);
constexpr size_t kBufferAlignment = 16;

// schema.fbs TensorType of each dtype edgerun's reader accepts.
std::optional<int8_t> tensor_type(DType t) {
  switch (t) {
    case DType::kFloat32:
      return 0;
    case DType::kFloat16:
      return 1;
    case DType::kInt32:
      return 2;
    case DType::kUInt8:
      return 3;
    case DType::kInt64:
      return 4;
    case DType::kBool:
      return 6;
    case DType::kInt16:
      return 7;
    case DType::kInt8:
      return 9;
    case DType::kUInt64:
      return 12;
    case DType::kUInt32:
      return 15;
    case DType::kUInt16:
      return 16;
    default:
      return std::nullopt;
  }
}

uint8_t activation_code(ir::Activation a) {
  switch (a) {
    case ir::Activation::kNone:
      return 0;
    case ir::Activation::kRelu:
      return 1;
    case ir::Activation::kReluN1To1:
      return 2;
    case ir::Activation::kRelu6:
      return 3;
  }
  return 0;
}

constexpr uint8_t kSame = 0, kValid = 1;  // schema.fbs Padding

// One spatial axis of a window op (conv or pool).
struct Axis {
  int64_t in, out, filter, stride, dilation;
  int64_t extent() const { return (filter - 1) * dilation + 1; }
  // TFLite's SAME / VALID (ComputePaddingHeightWidth): does `lead` leading
  // pad with this output size select the same windows?
  bool same(int64_t lead) const {
    const int64_t o = (in + stride - 1) / stride;
    return o == out && std::max<int64_t>(0, (o - 1) * stride + extent() - in) / 2 == lead;
  }
  bool valid(int64_t lead) const { return lead == 0 && in >= extent() && (in - extent()) / stride + 1 == out; }
  // The trailing pad that makes VALID windows over the padded axis the
  // node's: what the last window reaches past the input.
  int64_t trailing(int64_t lead) const { return std::max<int64_t>(0, (out - 1) * stride + extent() - in - lead); }
};

// Builds one table field by field (Model's builder forces defaults, so every
// scalar given is written).
class TableWriter {
 public:
  explicit TableWriter(FlatBufferBuilder& b) : b_(b), start_(b.StartTable()) {}
  TableWriter& u8(int id, uint8_t v) {
    b_.AddElement<uint8_t>(fb::field(id), v, 0);
    return *this;
  }
  TableWriter& i32(int id, int32_t v) {
    b_.AddElement<int32_t>(fb::field(id), v, 0);
    return *this;
  }
  TableWriter& f32(int id, float v) {
    b_.AddElement<float>(fb::field(id), v, 0.0f);
    return *this;
  }
  template <typename T>
  TableWriter& offset(int id, Offset<T> v) {
    b_.AddOffset(fb::field(id), v);
    return *this;
  }
  Offset<void> end() { return Offset<void>(b_.EndTable(start_)); }

 private:
  FlatBufferBuilder& b_;
  flatbuffers::uoffset_t start_;
};

uint32_t crc32(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char ch : s) {
    c ^= ch;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void put16(std::vector<uint8_t>* out, uint32_t v) {
  out->push_back(static_cast<uint8_t>(v));
  out->push_back(static_cast<uint8_t>(v >> 8));
}
void put32(std::vector<uint8_t>* out, uint32_t v) {
  put16(out, v & 0xFFFFu);
  put16(out, v >> 16);
}

// A ZIP archive of one stored (uncompressed) file, to be appended at byte
// `base` of the model: its offsets count from the start of the model file,
// as Python's zipfile writes them when it appends to the .tflite
// (MetadataPopulator) and as libzip reads them back. libzip itself cannot
// write an archive behind other data, hence this. Fixed timestamp
// (1980-01-01), so the same model gives the same bytes.
std::vector<uint8_t> stored_zip(const std::string& name, const std::string& data, uint64_t base) {
  const uint32_t crc = crc32(data);
  const auto size = static_cast<uint32_t>(data.size());
  const auto name_len = static_cast<uint32_t>(name.size());
  std::vector<uint8_t> z;
  auto common = [&] {  // version needed 2.0, no flags, stored, time, date, crc, sizes, name length
    put16(&z, 20), put16(&z, 0), put16(&z, 0), put16(&z, 0), put16(&z, 0x21);
    put32(&z, crc), put32(&z, size), put32(&z, size), put16(&z, name_len);
  };
  put32(&z, 0x04034b50);  // local file header
  common();
  put16(&z, 0);  // extra field length
  z.insert(z.end(), name.begin(), name.end());
  z.insert(z.end(), data.begin(), data.end());
  const auto central = static_cast<uint32_t>(base + z.size());
  put32(&z, 0x02014b50);  // central directory header
  put16(&z, 20);          // version made by
  common();
  put16(&z, 0), put16(&z, 0), put16(&z, 0), put16(&z, 0);  // extra, comment, disk, internal attributes
  put32(&z, 0), put32(&z, static_cast<uint32_t>(base));    // external attributes, local header offset
  z.insert(z.end(), name.begin(), name.end());
  const auto central_size = static_cast<uint32_t>(base + z.size() - central);
  put32(&z, 0x06054b50);  // end of central directory
  put16(&z, 0), put16(&z, 0), put16(&z, 1), put16(&z, 1);
  put32(&z, central_size), put32(&z, central), put16(&z, 0);
  return z;
}

class Writer {
 public:
  Writer(const ir::Graph& g, const ModelMetadata& md, const WriteOptions& o) : g_(g), md_(md), o_(o) {
    fbb_.ForceDefaults(true);
  }

  Result<std::vector<uint8_t>> run() {
    EDGERUN_RETURN_IF_ERROR(check_graph());
    EDGERUN_RETURN_IF_ERROR(check_metadata());
    tensor_of_.assign(g_.values.size(), -1);
    for (size_t id = 0; id < g_.values.size(); ++id) {
      if (!used_[id]) continue;
      const ir::Value& v = g_.values[id];
      tensor_of_[id] = static_cast<int32_t>(tensors_.size());
      tensors_.push_back({v.info, v.data, v.data_bytes});
    }
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      index_ = i;
      node_ = &g_.nodes[i];
      EDGERUN_RETURN_IF_ERROR(write_node());
    }
    return finish();
  }

 private:
  struct OutTensor {
    TensorInfo info;
    const uint8_t* data = nullptr;  // constant bytes (the graph's or owned_), or null
    size_t bytes = 0;
  };
  struct OutOp {
    int32_t builtin;
    int32_t version;
    std::vector<int32_t> inputs, outputs;
    uint8_t options_type;
    Offset<void> options;
  };

  // ---- Validation ----

  Status check_graph() {
    const auto n = static_cast<int64_t>(g_.values.size());
    used_.assign(g_.values.size(), 0);
    auto use = [&](int32_t id, const std::string& what) -> Status {
      if (id < 0 || id >= n) {
        return InvalidArgument(what + ": value index " + std::to_string(id) + " out of range [0, " + std::to_string(n) +
                               ")");
      }
      used_[static_cast<size_t>(id)] = 1;
      return Status::Ok();
    };
    if (g_.inputs.empty() || g_.outputs.empty()) {
      return InvalidArgument("graph has " + std::to_string(g_.inputs.size()) + " inputs and " +
                             std::to_string(g_.outputs.size()) +
                             " outputs; a TFLite subgraph needs at least one of each");
    }
    for (size_t i = 0; i < g_.inputs.size(); ++i) {
      EDGERUN_RETURN_IF_ERROR(use(g_.inputs[i], "graph input " + std::to_string(i)));
      if (g_.values[static_cast<size_t>(g_.inputs[i])].is_constant()) {
        return InvalidArgument("graph input " + std::to_string(i) + " '" + g_.values[g_.inputs[i]].info.name +
                               "' is a constant");
      }
    }
    for (size_t i = 0; i < g_.outputs.size(); ++i) {
      EDGERUN_RETURN_IF_ERROR(use(g_.outputs[i], "graph output " + std::to_string(i)));
    }
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      index_ = i;
      node_ = &g_.nodes[i];
      if (node_->outputs.empty()) return InvalidArgument(where() + ": no outputs");
      for (size_t k = 0; k < node_->inputs.size(); ++k) {
        if (node_->inputs[k] != ir::kNoValue) {
          EDGERUN_RETURN_IF_ERROR(use(node_->inputs[k], where() + ": input " + std::to_string(k)));
        }
      }
      for (size_t k = 0; k < node_->outputs.size(); ++k) {
        EDGERUN_RETURN_IF_ERROR(use(node_->outputs[k], where() + ": output " + std::to_string(k)));
      }
    }
    uint64_t constant_bytes = 0;
    for (size_t id = 0; id < g_.values.size(); ++id) {
      if (!used_[id]) continue;
      EDGERUN_RETURN_IF_ERROR(check_value(id));
      constant_bytes += g_.values[id].data_bytes + kBufferAlignment;
    }
    if (constant_bytes > kMaxConstantBytes) {
      return Unsupported("the constants total " + std::to_string(constant_bytes) +
                         " bytes; this writer keeps them inside the flatbuffer, which holds at most " +
                         std::to_string(kMaxConstantBytes) + " bytes of them");
    }
    return Status::Ok();
  }

  Status check_value(size_t id) {
    const ir::Value& v = g_.values[id];
    const TensorInfo& t = v.info;
    const std::string what = "value " + std::to_string(id) + " '" + t.name + "'";
    if (!tensor_type(t.dtype)) {
      return Unsupported(what + ": dtype " + dtype_name(t.dtype) +
                         " cannot be written as TFLite by edgerun (it writes float32, float16, int8 / 16 / 32 / 64, "
                         "uint8 / 16 / 32 / 64 and bool)");
    }
    if (t.shape.size() > kMaxRank) {
      return Unsupported(what + ": rank " + std::to_string(t.shape.size()) + " exceeds " + std::to_string(kMaxRank));
    }
    int64_t bytes = static_cast<int64_t>(dtype_size(t.dtype));
    for (int32_t d : t.shape) {
      if (d < 0) return InvalidArgument(what + ": negative dimension in shape " + shape_string(t.shape));
      if (!checked_mul(bytes, d, &bytes) || bytes > kMaxTensorBytes) {
        return Unsupported(what + ": shape " + shape_string(t.shape) + " of " + dtype_name(t.dtype) + " exceeds " +
                           std::to_string(kMaxTensorBytes) + " bytes");
      }
    }
    if (v.is_constant()) {
      if (static_cast<int64_t>(v.data_bytes) != bytes) {
        return InvalidArgument(what + ": constant holds " + std::to_string(v.data_bytes) + " bytes, expected " +
                               std::to_string(bytes) + " (shape " + shape_string(t.shape) + " of " +
                               dtype_name(t.dtype) + ")");
      }
      if (bytes == 0) {
        return Unsupported(what +
                           ": an empty constant cannot be written as TFLite (an empty buffer reads back as "
                           "no data)");
      }
    }
    const QuantParams& q = t.quant;
    if (q.scale.size() != q.zero_point.size()) {
      return InvalidArgument(what + ": quantization has " + std::to_string(q.scale.size()) + " scales but " +
                             std::to_string(q.zero_point.size()) + " zero points");
    }
    if (q.per_channel()) {
      if (q.axis < 0 || static_cast<size_t>(q.axis) >= t.shape.size() ||
          static_cast<int64_t>(q.scale.size()) != t.shape[static_cast<size_t>(q.axis)]) {
        return InvalidArgument(what + ": per-channel quantization has " + std::to_string(q.scale.size()) +
                               " scales along axis " + std::to_string(q.axis) + " of shape " + shape_string(t.shape) +
                               "; expected one per element of that axis");
      }
    }
    int64_t zmin = std::numeric_limits<int64_t>::min(), zmax = std::numeric_limits<int64_t>::max();
    if (t.dtype == DType::kUInt8) zmin = 0, zmax = 255;
    if (t.dtype == DType::kInt8) zmin = -128, zmax = 127;
    if (t.dtype == DType::kInt16) zmin = -32768, zmax = 32767;
    for (size_t i = 0; i < q.scale.size(); ++i) {
      if (!std::isfinite(q.scale[i]) || q.scale[i] < 0.0f) {
        return InvalidArgument(what + ": quantization scale " + std::to_string(i) +
                               " must be finite and non-negative, found " + std::to_string(q.scale[i]));
      }
      if (q.zero_point[i] < zmin || q.zero_point[i] > zmax) {
        return InvalidArgument(what + ": zero point " + std::to_string(q.zero_point[i]) + " out of range for " +
                               dtype_name(t.dtype));
      }
    }
    return Status::Ok();
  }

  // What metadata.cc reads back, checked as it checks it.
  Status check_metadata() {
    const std::string what = "metadata: ";
    if (md_.mean.empty() != md_.std.empty() ||
        (md_.mean.size() != md_.std.size() && md_.mean.size() != 1 && md_.std.size() != 1)) {
      return InvalidArgument(what + "mean has " + std::to_string(md_.mean.size()) + " values and std " +
                             std::to_string(md_.std.size()) +
                             "; expected both or neither, with equal counts (or one of them a single value)");
    }
    for (float m : md_.mean) {
      if (!std::isfinite(m)) return InvalidArgument(what + "mean " + std::to_string(m) + " is not finite");
    }
    for (float s : md_.std) {
      if (!std::isfinite(s) || s == 0.0f) {
        return InvalidArgument(what + "std " + std::to_string(s) + ": expected finite and non-zero");
      }
    }
    if (md_.labels.size() > kMaxLabels) {
      return InvalidArgument(what + std::to_string(md_.labels.size()) + " labels; expected at most " +
                             std::to_string(kMaxLabels));
    }
    size_t bytes = 0;
    for (size_t i = 0; i < md_.labels.size(); ++i) {
      if (md_.labels[i].find_first_of("\r\n") != std::string::npos) {
        return InvalidArgument(what + "label " + std::to_string(i) +
                               " contains a line break; the label file holds one label per line");
      }
      bytes += md_.labels[i].size() + 1;
    }
    if (bytes > kMaxLabelFileBytes) {
      return InvalidArgument(what + "the label file would be " + std::to_string(bytes) + " bytes; expected at most " +
                             std::to_string(kMaxLabelFileBytes));
    }
    if (!md_.labels.empty() && (o_.labels_file_name.empty() || o_.labels_file_name.size() > 0xFFFF ||
                                o_.labels_file_name.find('\0') != std::string::npos)) {
      return InvalidArgument("labels file name: expected 1 to 65535 characters without NUL");
    }
    return Status::Ok();
  }

  // ---- Node helpers ----

  std::string where() const {
    return "node " + std::to_string(index_) + " (" + ir::op_name(node_->op) + ", source operator " +
           std::to_string(node_->source_index) + ")";
  }
  // "<where>: <what> cannot be written as TFLite (<why>)"
  Status cannot(const std::string& what, const std::string& why) const {
    return Unsupported(where() + ": " + what + " cannot be written as TFLite (" + why + ")");
  }
  Status malformed(const std::string& what) const { return InvalidArgument(where() + ": " + what); }

  Status expect_io(size_t min_inputs, size_t max_inputs, size_t outputs, size_t required_inputs) const {
    const ir::Node& n = *node_;
    if (n.inputs.size() < min_inputs || n.inputs.size() > max_inputs || n.outputs.size() != outputs) {
      return malformed("expected " + std::to_string(min_inputs) +
                       (max_inputs != min_inputs ? " to " + std::to_string(max_inputs) : "") + " inputs and " +
                       std::to_string(outputs) + " outputs, found " + std::to_string(n.inputs.size()) + " and " +
                       std::to_string(n.outputs.size()));
    }
    for (size_t i = 0; i < required_inputs; ++i) {
      if (n.inputs[i] == ir::kNoValue) return malformed("input " + std::to_string(i) + " is absent");
    }
    return Status::Ok();
  }
  Status expect_io(size_t inputs, size_t outputs) const { return expect_io(inputs, inputs, outputs, inputs); }

  template <typename A>
  Result<const A*> attrs() const {
    const A* a = std::get_if<A>(&node_->attrs);
    if (a == nullptr) return malformed("attributes are not of this op's kind");
    return a;
  }

  // Tensor index of input / output k (-1 for an absent optional input).
  int32_t in(size_t k) const {
    const int32_t id = node_->inputs[k];
    return id == ir::kNoValue ? -1 : tensor_of_[static_cast<size_t>(id)];
  }
  int32_t out(size_t k) const { return tensor_of_[static_cast<size_t>(node_->outputs[k])]; }
  const TensorInfo& info(int32_t tensor) const { return tensors_[static_cast<size_t>(tensor)].info; }
  DType type(int32_t tensor) const { return info(tensor).dtype; }
  const ir::Value& in_value(size_t k) const { return g_.values[static_cast<size_t>(node_->inputs[k])]; }
  // Name for the tensors a rewrite adds, after the node's first output.
  std::string added_name(const std::string& suffix) const { return info(out(0)).name + "/" + suffix; }

  int32_t add_tensor(TensorInfo t) {
    tensors_.push_back({std::move(t), nullptr, 0});
    return static_cast<int32_t>(tensors_.size() - 1);
  }
  template <typename T>
  int32_t add_constant(std::string name, DType dtype, Shape shape, const std::vector<T>& values) {
    std::vector<uint8_t>& bytes = owned_.emplace_back(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    tensors_.push_back({TensorInfo{std::move(name), dtype, std::move(shape), {}}, bytes.data(), bytes.size()});
    return static_cast<int32_t>(tensors_.size() - 1);
  }

  void emit(int32_t builtin, int32_t version, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
            uint8_t options_type = 0, Offset<void> options = 0) {
    ops_.push_back({builtin, version, std::move(inputs), std::move(outputs), options_type, options});
  }
  // The node's own inputs and outputs, as tensors.
  std::vector<int32_t> node_inputs() const {
    std::vector<int32_t> v;
    for (size_t k = 0; k < node_->inputs.size(); ++k) v.push_back(in(k));
    return v;
  }
  std::vector<int32_t> node_outputs() const {
    std::vector<int32_t> v;
    for (size_t k = 0; k < node_->outputs.size(); ++k) v.push_back(out(k));
    return v;
  }
  // The common op: its inputs and outputs as they are, options built by `make`.
  template <typename F>
  void emit_node(int32_t builtin, int32_t version, uint8_t options_type, F make) {
    const Offset<void> options = make(fbb_);
    emit(builtin, version, node_inputs(), node_outputs(), options_type, options);
  }
  void emit_node(int32_t builtin, int32_t version) { emit(builtin, version, node_inputs(), node_outputs()); }

  // 8 / 16-bit version steps shared by many ops (op_version.cc).
  static int32_t int8_int16_version(DType t, int32_t v_int8, int32_t v_int16) {
    return t == DType::kInt8 ? v_int8 : t == DType::kInt16 ? v_int16 : 1;
  }
  bool broadcast_over_4d() const {
    const Shape& a = info(in(0)).shape;
    const Shape& b = info(in(1)).shape;
    return a != b && std::max(a.size(), b.size()) > 4;
  }

  // PAD (zeros, the zero point when quantized) or PADV2 with -inf around H
  // and W of NHWC tensor `x`, for a window op that then runs VALID.
  Result<int32_t> pad_input(int32_t x, const Axis& h, int64_t top, const Axis& w, int64_t left, bool minus_inf) {
    const TensorInfo& xi = info(x);
    const int64_t bottom = h.trailing(top), right = w.trailing(left);
    const int64_t ph = h.in + top + bottom, pw = w.in + left + right;
    if (ph > std::numeric_limits<int32_t>::max() || pw > std::numeric_limits<int32_t>::max() ||
        std::max({top, bottom, left, right}) > std::numeric_limits<int32_t>::max()) {
      return malformed("padded input " + std::to_string(ph) + "x" + std::to_string(pw) + " overflows int32");
    }
    const Axis ph_axis{ph, h.out, h.filter, h.stride, h.dilation}, pw_axis{pw, w.out, w.filter, w.stride, w.dilation};
    if (!ph_axis.valid(0) || !pw_axis.valid(0)) {
      return malformed("output " + std::to_string(h.out) + "x" + std::to_string(w.out) +
                       " does not follow from input " + std::to_string(h.in) + "x" + std::to_string(w.in) +
                       " and the window, stride, dilation and pads");
    }
    TensorInfo pi = xi;
    pi.name = added_name("pad");
    pi.shape[1] = static_cast<int32_t>(ph);
    pi.shape[2] = static_cast<int32_t>(pw);
    const auto i32 = [](int64_t v) { return static_cast<int32_t>(v); };
    const int32_t paddings = add_constant<int32_t>(added_name("paddings"), DType::kInt32, {4, 2},
                                                   {0, 0, i32(top), i32(bottom), i32(left), i32(right), 0, 0});
    const int32_t padded = add_tensor(std::move(pi));
    const int32_t version = int8_int16_version(xi.dtype, 2, 3);
    if (minus_inf) {
      // The value no window's maximum can be: -inf, or a quantized tensor's
      // lowest code (with the input's quantization, as PADV2 requires).
      int32_t value = 0;
      if (xi.dtype == DType::kInt8) {
        value = add_constant<int8_t>(added_name("pad_value"), DType::kInt8, {}, {std::numeric_limits<int8_t>::min()});
      } else if (xi.dtype == DType::kUInt8) {
        value = add_constant<uint8_t>(added_name("pad_value"), DType::kUInt8, {}, {0});
      } else {
        value = add_constant<float>(added_name("pad_value"), DType::kFloat32, {},
                                    {-std::numeric_limits<float>::infinity()});
      }
      tensors_[static_cast<size_t>(value)].info.quant = xi.quant;
      emit(fb::kPadV2, version, {x, paddings, value}, {padded});
    } else {
      emit(fb::kPad, version, {x, paddings}, {padded});
    }
    return padded;
  }

  // ---- Ops ----

  Status write_node() {
    using ir::OpType;
    EDGERUN_RETURN_IF_ERROR(check_float16());
    switch (node_->op) {
      case OpType::kConv2D:
        return conv(false);
      case OpType::kDepthwiseConv2D:
        return conv(true);
      case OpType::kAveragePool2D:
        return pool(false);
      case OpType::kMaxPool2D:
        return pool(true);
      case OpType::kFullyConnected:
        return fully_connected();
      case OpType::kAdd:
      case OpType::kSub:
      case OpType::kMul:
      case OpType::kDiv:
        return elementwise();
      case OpType::kMean:
        return mean();
      case OpType::kPad:
        return pad();
      case OpType::kReshape:
        return reshape();
      case OpType::kSqueeze:
        return squeeze();
      case OpType::kConcatenation:
        return concatenation();
      case OpType::kSoftmax:
        return softmax();
      case OpType::kLogistic:
      case OpType::kTanh: {
        EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
        const DType t = type(in(0));
        emit_node(node_->op == OpType::kTanh ? fb::kTanh : fb::kLogistic, int8_int16_version(t, 2, 3));
        return Status::Ok();
      }
      case OpType::kQuantize:
        return quantize();
      case OpType::kDequantize:
        return dequantize();
      case OpType::kL2Normalization:
        return l2_normalization();
      case OpType::kTranspose: {
        EDGERUN_RETURN_IF_ERROR(expect_io(2, 1));
        const TensorInfo& x = info(in(0));
        const size_t rank = x.shape.size();
        const int32_t v = rank > 5                   ? 6
                          : x.dtype == DType::kInt16 ? 5
                          : rank > 4                 ? 4
                          : x.dtype == DType::kBool  ? 3
                          : x.dtype == DType::kInt8  ? 2
                                                     : 1;
        emit_node(fb::kTranspose, v);
        return Status::Ok();
      }
      case OpType::kHardSwish:
        EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
        emit_node(fb::kHardSwish, 1);
        return Status::Ok();
      case OpType::kHardSigmoid:
        return hard_sigmoid();
      case OpType::kLocalResponseNorm:
        return local_response_norm();
      case OpType::kBatchMatMul:
        return batch_matmul();
      case OpType::kLeakyRelu:
        return leaky_relu();
      case OpType::kClamp:
        return clamp();
      case OpType::kStridedSlice:
        return strided_slice();
      case OpType::kConvTranspose:
        return conv_transpose();
      case OpType::kResize:
        return resize();
    }
    return malformed("unknown op type " + std::to_string(static_cast<int>(node_->op)));
  }

  // Strides and filters must be positive before any window arithmetic.
  Status expect_window(int64_t stride_h, int64_t stride_w, int64_t dil_h, int64_t dil_w, int64_t kh, int64_t kw) {
    if (stride_h < 1 || stride_w < 1 || dil_h < 1 || dil_w < 1 || kh < 1 || kw < 1) {
      return malformed("stride " + std::to_string(stride_h) + "x" + std::to_string(stride_w) + ", dilation " +
                       std::to_string(dil_h) + "x" + std::to_string(dil_w) + ", filter " + std::to_string(kh) + "x" +
                       std::to_string(kw) + ": expected all >= 1");
    }
    return Status::Ok();
  }

  Status expect_rank4(std::initializer_list<int32_t> tensors) const {
    for (int32_t t : tensors) {
      if (info(t).shape.size() != 4) {
        return malformed("tensor '" + info(t).name + "': expected rank 4 (NHWC), found shape " +
                         shape_string(info(t).shape));
      }
    }
    return Status::Ok();
  }

  Status conv(bool depthwise) {
    EDGERUN_RETURN_IF_ERROR(expect_io(2, 3, 1, 2));
    int32_t x = in(0);
    const int32_t w = in(1), y = out(0);
    EDGERUN_RETURN_IF_ERROR(expect_rank4({x, w, y}));
    ir::Padding padding;
    ir::ExplicitPads pads;
    int32_t stride_h, stride_w, dil_h, dil_w;
    ir::Activation act;
    int32_t depth_multiplier = 1;
    if (depthwise) {
      EDGERUN_ASSIGN_OR_RETURN(const ir::DepthwiseConv2DAttrs* a, attrs<ir::DepthwiseConv2DAttrs>());
      padding = a->padding, pads = a->pads, stride_h = a->stride_h, stride_w = a->stride_w;
      dil_h = a->dilation_h, dil_w = a->dilation_w, act = a->activation, depth_multiplier = a->depth_multiplier;
    } else {
      EDGERUN_ASSIGN_OR_RETURN(const ir::Conv2DAttrs* a, attrs<ir::Conv2DAttrs>());
      padding = a->padding, pads = a->pads, stride_h = a->stride_h, stride_w = a->stride_w;
      dil_h = a->dilation_h, dil_w = a->dilation_w, act = a->activation;
    }
    const Shape& xs = info(x).shape;
    const Shape& ws = info(w).shape;
    const Shape& ys = info(y).shape;
    EDGERUN_RETURN_IF_ERROR(expect_window(stride_h, stride_w, dil_h, dil_w, ws[1], ws[2]));
    const Axis h{xs[1], ys[1], ws[1], stride_h, dil_h}, wd{xs[2], ys[2], ws[2], stride_w, dil_w};
    uint8_t code = padding == ir::Padding::kValid ? kValid : kSame;
    if (padding == ir::Padding::kExplicit) {
      if (h.same(pads.top) && wd.same(pads.left)) {
        code = kSame;
      } else if (h.valid(pads.top) && wd.valid(pads.left)) {
        code = kValid;
      } else {
        EDGERUN_ASSIGN_OR_RETURN(x, pad_input(x, h, pads.top, wd, pads.left, false));
        code = kValid;
      }
    }
    const DType xt = type(x), wt = type(w), yt = type(y);
    const bool per_channel = info(w).quant.per_channel();
    std::vector<int32_t> inputs = node_inputs();
    inputs[0] = x;
    Offset<void> options;
    int32_t version = 1;
    if (depthwise) {
      options = TableWriter(fbb_)
                    .u8(0, code)
                    .i32(1, stride_w)
                    .i32(2, stride_h)
                    .i32(3, depth_multiplier)
                    .u8(4, activation_code(act))
                    .i32(5, dil_w)
                    .i32(6, dil_h)
                    .end();
      if (xt == DType::kInt16 && wt == DType::kInt16) {
        version = 5;
      } else if (xt == DType::kFloat32 && wt == DType::kInt8 && yt == DType::kFloat32) {
        version = per_channel ? 6 : 4;
      } else if (xt == DType::kInt8 && wt == DType::kInt8 && yt == DType::kInt8) {
        version = 3;
      } else if (dil_h != 1 || dil_w != 1) {
        version = 2;
      }
      emit(fb::kDepthwiseConv2D, version, std::move(inputs), {y}, fb::kDepthwiseConv2DOptions, options);
    } else {
      options = TableWriter(fbb_)
                    .u8(0, code)
                    .i32(1, stride_w)
                    .i32(2, stride_h)
                    .u8(3, activation_code(act))
                    .i32(4, dil_w)
                    .i32(5, dil_h)
                    .end();
      if (ws[3] != xs[3]) {
        version = 6;  // grouped
      } else if (xt == DType::kInt16 && wt == DType::kInt16) {
        version = 4;
      } else if (xt == DType::kInt8 && wt == DType::kInt8 && yt == DType::kInt8) {
        version = 3;
      } else if (xt == DType::kFloat32 && wt == DType::kInt8 && yt == DType::kFloat32) {
        version = per_channel ? 5 : 2;
      }
      emit(fb::kConv2D, version, std::move(inputs), {y}, fb::kConv2DOptions, options);
    }
    return Status::Ok();
  }

  Status pool(bool max) {
    if (max && node_->outputs.size() == 2) {
      return cannot("the indices output (ONNX MaxPool's Indices)", "MAX_POOL_2D has one output");
    }
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::Pool2DAttrs* a, attrs<ir::Pool2DAttrs>());
    int32_t x = in(0);
    const int32_t y = out(0);
    EDGERUN_RETURN_IF_ERROR(expect_rank4({x, y}));
    EDGERUN_RETURN_IF_ERROR(
        expect_window(a->stride_h, a->stride_w, a->dilation_h, a->dilation_w, a->filter_h, a->filter_w));
    if (a->dilation_h != 1 || a->dilation_w != 1) {
      return cannot("dilation " + std::to_string(a->dilation_h) + "x" + std::to_string(a->dilation_w),
                    "Pool2DOptions has no dilation");
    }
    const Shape& xs = info(x).shape;
    const Shape& ys = info(y).shape;
    const Axis h{xs[1], ys[1], a->filter_h, a->stride_h, 1}, w{xs[2], ys[2], a->filter_w, a->stride_w, 1};
    uint8_t code = a->padding == ir::Padding::kValid ? kValid : kSame;
    if (a->padding == ir::Padding::kExplicit) {
      const ir::ExplicitPads& p = a->pads;
      if (h.same(p.top) && w.same(p.left)) {
        code = kSame;
      } else if (h.valid(p.top) && w.valid(p.left)) {
        code = kValid;
      } else {
        const std::string pads = "explicit pads (top " + std::to_string(p.top) + ", left " + std::to_string(p.left) +
                                 ", bottom " + std::to_string(p.bottom) + ", right " + std::to_string(p.right) + ")";
        const DType xt = type(x);
        const bool per_tensor = info(x).quant.scale.size() <= 1;
        if (!max || !(xt == DType::kFloat32 || ((xt == DType::kInt8 || xt == DType::kUInt8) && per_tensor))) {
          return cannot(pads, std::string("they select other windows than TFLite's SAME and VALID, and ") +
                                  (max ? "only a float32 or per-tensor 8-bit max pool can be padded with its lowest "
                                         "value"
                                       : "a PAD before it would count the pads in the average"));
        }
        // Every window must still cover an input pixel, or its maximum would become -inf.
        if (p.top >= h.extent() || p.left >= w.extent() || (h.out - 1) * h.stride - p.top >= h.in ||
            (w.out - 1) * w.stride - p.left >= w.in) {
          return cannot(pads, "some windows lie wholly in the padding");
        }
        EDGERUN_ASSIGN_OR_RETURN(x, pad_input(x, h, p.top, w, p.left, true));
        code = kValid;
      }
    }
    const Offset<void> options = TableWriter(fbb_)
                                     .u8(0, code)
                                     .i32(1, a->stride_w)
                                     .i32(2, a->stride_h)
                                     .i32(3, a->filter_w)
                                     .i32(4, a->filter_h)
                                     .u8(5, activation_code(a->activation))
                                     .end();
    const DType t = type(x);
    const int32_t version = t == DType::kInt16 && type(y) == DType::kInt16 ? 3 : t == DType::kInt8 ? 2 : 1;
    emit(max ? fb::kMaxPool2D : fb::kAveragePool2D, version, {x}, {y}, fb::kPool2DOptions, options);
    return Status::Ok();
  }

  Status fully_connected() {
    EDGERUN_RETURN_IF_ERROR(expect_io(2, 3, 1, 2));
    EDGERUN_ASSIGN_OR_RETURN(const ir::FullyConnectedAttrs* a, attrs<ir::FullyConnectedAttrs>());
    const DType xt = type(in(0)), wt = type(in(1)), yt = type(out(0));
    int32_t version = 1;
    if (xt == DType::kInt16 && wt == DType::kInt16 && yt == DType::kInt16) {
      version = 7;
    } else if (node_->inputs.size() == 2) {
      version = 6;
    } else if (a->keep_num_dims) {
      version = 5;
    } else if (xt == DType::kInt8 && wt == DType::kInt8 && yt == DType::kInt8) {
      version = 4;
    } else if (xt == DType::kFloat32 && wt == DType::kInt8 && yt == DType::kFloat32) {
      version = 3;
    }
    emit_node(fb::kFullyConnected, version, fb::kFullyConnectedOptions, [&](FlatBufferBuilder& b) {
      return TableWriter(b).u8(0, activation_code(a->activation)).u8(1, 0).u8(2, a->keep_num_dims).u8(3, 0).end();
    });
    return Status::Ok();
  }

  Status elementwise() {
    EDGERUN_RETURN_IF_ERROR(expect_io(2, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::ElementwiseAttrs* a, attrs<ir::ElementwiseAttrs>());
    const TensorInfo& x = info(in(0));
    const bool int16_plain = x.dtype == DType::kInt16 && x.quant.empty();
    int32_t builtin = fb::kAdd, version = 1;
    uint8_t tag = fb::kAddOptions;
    switch (node_->op) {
      case ir::OpType::kAdd:
        version = int16_plain ? 5 : x.dtype == DType::kInt64 ? 4 : x.dtype == DType::kInt8 ? 2 : 1;
        break;
      case ir::OpType::kSub:
        builtin = fb::kSub, tag = fb::kSubOptions;
        version = x.dtype == DType::kInt64 ? 4 : broadcast_over_4d() ? 3 : x.dtype == DType::kInt8 ? 2 : 1;
        break;
      case ir::OpType::kMul: {
        builtin = fb::kMul, tag = fb::kMulOptions;
        const QuantParams &q1 = x.quant, &q2 = info(in(1)).quant, &qo = info(out(0)).quant;
        const bool rescale_ge_1 = !q1.empty() && !q2.empty() && !qo.empty() && qo.scale[0] != 0.0f &&
                                  static_cast<double>(q1.scale[0]) * q2.scale[0] / qo.scale[0] >= 1.0;
        version = int16_plain || x.dtype == DType::kUInt32 ? 7
                  : x.dtype == DType::kInt64               ? 5
                  : x.dtype == DType::kInt16               ? 4
                  : rescale_ge_1                           ? 3
                  : x.dtype == DType::kInt8                ? 2
                                                           : 1;
        break;
      }
      default:
        builtin = fb::kDiv, tag = fb::kDivOptions;
        version = broadcast_over_4d() ? 2 : 1;
        break;
    }
    emit_node(builtin, version, tag,
              [&](FlatBufferBuilder& b) { return TableWriter(b).u8(0, activation_code(a->activation)).end(); });
    return Status::Ok();
  }

  Status mean() {
    EDGERUN_RETURN_IF_ERROR(expect_io(2, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::ReduceAttrs* a, attrs<ir::ReduceAttrs>());
    emit_node(fb::kMean, int8_int16_version(type(in(0)), 2, 3), fb::kReducerOptions,
              [&](FlatBufferBuilder& b) { return TableWriter(b).u8(0, a->keep_dims).end(); });
    return Status::Ok();
  }

  // A constant integer input as int64 values.
  Result<std::vector<int64_t>> constant_ints(size_t k, const char* what) const {
    const ir::Value& v = in_value(k);
    if (!v.is_constant()) return cannot(std::string("a computed ") + what, "TFLite's form needs it constant here");
    if (v.info.dtype != DType::kInt32 && v.info.dtype != DType::kInt64) {
      return malformed(std::string(what) + ": expected int32 or int64, found " + dtype_name(v.info.dtype));
    }
    const auto count = static_cast<size_t>(v.info.elements());
    std::vector<int64_t> out(count);
    for (size_t i = 0; i < count; ++i) {
      if (v.info.dtype == DType::kInt32) {
        int32_t x;
        std::memcpy(&x, v.data + 4 * i, 4);
        out[i] = x;
      } else {
        std::memcpy(&out[i], v.data + 8 * i, 8);
      }
    }
    return out;
  }

  // PADV2's constant value as one element of dtype `t`, exactly `value`.
  Result<int32_t> pad_value(DType t, float value) {
    const std::string name = added_name("pad_value");
    if (t == DType::kFloat32) return add_constant<float>(name, t, {}, {value});
    const double v = value;
    auto exact = [&](double lo, double hi) { return v >= lo && v <= hi && std::trunc(v) == v; };
    switch (t) {
      case DType::kInt8:
        if (exact(-128, 127)) return add_constant<int8_t>(name, t, {}, {static_cast<int8_t>(v)});
        break;
      case DType::kUInt8:
        if (exact(0, 255)) return add_constant<uint8_t>(name, t, {}, {static_cast<uint8_t>(v)});
        break;
      case DType::kInt16:
        if (exact(-32768, 32767)) return add_constant<int16_t>(name, t, {}, {static_cast<int16_t>(v)});
        break;
      case DType::kInt32:
        if (exact(-2147483648.0, 2147483647.0)) return add_constant<int32_t>(name, t, {}, {static_cast<int32_t>(v)});
        break;
      case DType::kInt64:
        if (exact(-9.2e18, 9.2e18)) return add_constant<int64_t>(name, t, {}, {static_cast<int64_t>(v)});
        break;
      default:
        return cannot(std::string("a constant pad value on ") + dtype_name(t),
                      "edgerun's TFLite reader takes PADV2 values of float32 and int8 / 16 / 32 / 64 tensors");
    }
    return malformed("pad value " + std::to_string(value) + " is not a " + dtype_name(t) + " value");
  }

  Status pad() {
    EDGERUN_RETURN_IF_ERROR(expect_io(2, 1));
    ir::PadAttrs a;
    if (const auto* p = std::get_if<ir::PadAttrs>(&node_->attrs)) {
      a = *p;
    } else if (!std::holds_alternative<std::monostate>(node_->attrs)) {
      return malformed("attributes are not of this op's kind");
    }
    const TensorInfo& x = info(in(0));
    EDGERUN_ASSIGN_OR_RETURN(const std::vector<int64_t> p, constant_ints(1, "paddings"));
    if (p.size() != 2 * x.shape.size()) {
      return malformed("paddings: expected " + std::to_string(2 * x.shape.size()) + " values ([rank, 2]), found " +
                       std::to_string(p.size()));
    }
    std::vector<int32_t> p32;
    for (int64_t v : p) {
      if (v < 0) return cannot("negative pads (cropping)", "TFLite's PAD ops only grow a tensor");
      if (v > std::numeric_limits<int32_t>::max()) return malformed("pad " + std::to_string(v) + " overflows int32");
      p32.push_back(static_cast<int32_t>(v));
    }
    int32_t paddings = in(1);
    if (type(paddings) != DType::kInt32) {
      paddings =
          add_constant<int32_t>(added_name("paddings"), DType::kInt32, {static_cast<int32_t>(x.shape.size()), 2}, p32);
    }
    const int32_t rank_version = x.shape.size() > 4 ? 4 : int8_int16_version(x.dtype, 2, 3);
    switch (a.mode) {
      case ir::PadMode::kConstant:
        if (a.constant_value == 0.0f && !std::signbit(a.constant_value)) {
          emit(fb::kPad, rank_version, {in(0), paddings}, {out(0)});
        } else {
          if (!x.quant.empty()) return malformed("a quantized PAD pads with the zero point only (value 0)");
          EDGERUN_ASSIGN_OR_RETURN(const int32_t value, pad_value(x.dtype, a.constant_value));
          emit(fb::kPadV2, rank_version, {in(0), paddings, value}, {out(0)});
        }
        return Status::Ok();
      case ir::PadMode::kReflect:
      case ir::PadMode::kSymmetric: {
        const uint8_t mode = a.mode == ir::PadMode::kReflect ? 0 : 1;
        const Offset<void> options = TableWriter(fbb_).u8(0, mode).end();
        emit(fb::kMirrorPad, int8_int16_version(x.dtype, 2, 3), {in(0), paddings}, {out(0)}, fb::kMirrorPadOptions,
             options);
        return Status::Ok();
      }
      case ir::PadMode::kEdge:
        return cannot("pad mode edge", "MIRROR_PAD only reflects, with or without the edge");
      case ir::PadMode::kWrap:
        return cannot("pad mode wrap", "MIRROR_PAD only reflects, with or without the edge");
    }
    return malformed("unknown pad mode");
  }

  Status reshape() {
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 2, 1, 1));
    const Shape& ys = info(out(0)).shape;
    // A given int32 [rank] shape input stays (it may hold a -1); any other
    // becomes the output's static shape.
    int32_t shape = node_->inputs.size() == 2 ? in(1) : -1;
    if (shape < 0 || type(shape) != DType::kInt32 || info(shape).shape.size() != 1) {
      shape = add_constant<int32_t>(added_name("shape"), DType::kInt32, {static_cast<int32_t>(ys.size())}, ys);
    }
    emit(fb::kReshape, 1, {in(0), shape}, {out(0)});
    return Status::Ok();
  }

  Status squeeze() {
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::SqueezeAttrs* a, attrs<ir::SqueezeAttrs>());
    const auto dims = fbb_.CreateVector(a->squeeze_dims);
    const Offset<void> options = TableWriter(fbb_).offset(0, dims).end();
    emit(fb::kSqueeze, 1, node_inputs(), node_outputs(), fb::kSqueezeOptions, options);
    return Status::Ok();
  }

  Status concatenation() {
    if (node_->inputs.empty()) return malformed("no inputs");
    EDGERUN_RETURN_IF_ERROR(expect_io(1, node_->inputs.size(), 1, node_->inputs.size()));
    EDGERUN_ASSIGN_OR_RETURN(const ir::ConcatenationAttrs* a, attrs<ir::ConcatenationAttrs>());
    const DType t = type(in(0));
    const int32_t version = t == DType::kUInt32 ? 4 : int8_int16_version(t, 2, 3);
    emit_node(fb::kConcatenation, version, fb::kConcatenationOptions, [&](FlatBufferBuilder& b) {
      return TableWriter(b).i32(0, a->axis).u8(1, activation_code(a->activation)).end();
    });
    return Status::Ok();
  }

  Status softmax() {
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::SoftmaxAttrs* a, attrs<ir::SoftmaxAttrs>());
    emit_node(fb::kSoftmax, int8_int16_version(type(in(0)), 2, 3), fb::kSoftmaxOptions,
              [&](FlatBufferBuilder& b) { return TableWriter(b).f32(0, a->beta).end(); });
    return Status::Ok();
  }

  Status quantize() {
    if (node_->inputs.size() > 1) {
      return cannot("blocked quantization (scale and zero point tensors)",
                    "QUANTIZE takes per-tensor or per-axis "
                    "parameters only");
    }
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
    const auto* a = std::get_if<ir::QuantizeAttrs>(&node_->attrs);
    if (a == nullptr && !std::holds_alternative<std::monostate>(node_->attrs)) {
      return malformed("attributes are not of this op's kind");
    }
    if (a != nullptr && a->rounding == ir::QuantizeRounding::kHalfToEven && type(in(0)) == DType::kFloat32) {
      return cannot("rounding half to even (ONNX QuantizeLinear)", "TFLite's QUANTIZE rounds half away from zero");
    }
    const TensorInfo& y = info(out(0));
    const int32_t version = y.quant.per_channel() ? 3 : y.dtype == DType::kInt16 ? 2 : 1;
    emit_node(fb::kQuantize, version);
    return Status::Ok();
  }

  // float16 only as TFLite's fp16 models hold it: a DEQUANTIZE's input,
  // dequantized to float32 (its other ops take no float16).
  Status check_float16() const {
    const bool dequantize = node_->op == ir::OpType::kDequantize;
    for (size_t k = 0; k < node_->inputs.size(); ++k) {
      if (node_->inputs[k] != ir::kNoValue && in_value(k).info.dtype == DType::kFloat16 && !(dequantize && k == 0)) {
        return cannot("float16 input " + std::to_string(k), "only DEQUANTIZE reads float16");
      }
    }
    for (size_t k = 0; k < node_->outputs.size(); ++k) {
      if (g_.values[static_cast<size_t>(node_->outputs[k])].info.dtype == DType::kFloat16) {
        return cannot("float16 output " + std::to_string(k), "TFLite's ops write no float16");
      }
    }
    return Status::Ok();
  }

  Status dequantize() {
    if (node_->inputs.size() > 1) {
      return cannot("blocked quantization (scale and zero point tensors)",
                    "DEQUANTIZE takes per-tensor or per-axis "
                    "parameters only");
    }
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
    const TensorInfo& x = info(in(0));
    const int32_t version = x.dtype == DType::kInt16 || x.dtype == DType::kFloat16 ? 3
                            : x.dtype == DType::kInt8                              ? (x.quant.per_channel() ? 5 : 2)
                                                                                   : 1;
    emit_node(fb::kDequantize, version);
    return Status::Ok();
  }

  Status l2_normalization() {
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::L2NormAttrs* a, attrs<ir::L2NormAttrs>());
    emit_node(fb::kL2Normalization, type(out(0)) == DType::kInt8 ? 2 : 1, fb::kL2NormOptions,
              [&](FlatBufferBuilder& b) { return TableWriter(b).u8(0, activation_code(a->activation)).end(); });
    return Status::Ok();
  }

  // alpha * x + beta, then clamped to [0, 1]: MUL and ADD round each step as
  // the HARD_SIGMOID kernel does, and RELU_0_TO_1 clamps.
  Status hard_sigmoid() {
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::HardSigmoidAttrs* a, attrs<ir::HardSigmoidAttrs>());
    const TensorInfo& x = info(in(0));
    if (x.dtype != DType::kFloat32 || type(out(0)) != DType::kFloat32) {
      return cannot(std::string("HARD_SIGMOID on ") + dtype_name(x.dtype),
                    "TFLite has no HARD_SIGMOID; only the float32 one is rewritten as MUL, ADD, RELU_0_TO_1");
    }
    TensorInfo t = info(out(0));
    t.name = added_name("scaled");
    const int32_t scaled = add_tensor(t);
    t.name = added_name("shifted");
    const int32_t shifted = add_tensor(t);
    const int32_t alpha = add_constant<float>(added_name("alpha"), DType::kFloat32, {1}, {a->alpha});
    const int32_t beta = add_constant<float>(added_name("beta"), DType::kFloat32, {1}, {a->beta});
    const Offset<void> mul_options = TableWriter(fbb_).u8(0, 0).end();
    emit(fb::kMul, 1, {in(0), alpha}, {scaled}, fb::kMulOptions, mul_options);
    const Offset<void> add_options = TableWriter(fbb_).u8(0, 0).end();
    emit(fb::kAdd, 1, {scaled, beta}, {shifted}, fb::kAddOptions, add_options);
    emit(fb::kRelu0To1, 1, {shifted}, {out(0)});
    return Status::Ok();
  }

  Status local_response_norm() {
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::LocalResponseNormAttrs* a, attrs<ir::LocalResponseNormAttrs>());
    if (a->radius_before != a->radius_after) {
      return cannot("a window of " + std::to_string(a->radius_before) + " channels before and " +
                        std::to_string(a->radius_after) + " after (ONNX LRN with an even size)",
                    "TFLite's radius is the same both ways");
    }
    emit_node(fb::kLocalResponseNormalization, 1, fb::kLocalResponseNormalizationOptions, [&](FlatBufferBuilder& b) {
      return TableWriter(b).i32(0, a->radius_before).f32(1, a->bias).f32(2, a->alpha).f32(3, a->beta).end();
    });
    return Status::Ok();
  }

  Status batch_matmul() {
    EDGERUN_RETURN_IF_ERROR(expect_io(2, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::BatchMatMulAttrs* a, attrs<ir::BatchMatMulAttrs>());
    emit_node(fb::kBatchMatMul, int8_int16_version(type(in(0)), 2, 3), fb::kBatchMatMulOptions,
              [&](FlatBufferBuilder& b) { return TableWriter(b).u8(0, a->adj_x).u8(1, a->adj_y).u8(2, 0).end(); });
    return Status::Ok();
  }

  Status leaky_relu() {
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::LeakyReluAttrs* a, attrs<ir::LeakyReluAttrs>());
    emit_node(fb::kLeakyRelu, type(in(0)) == DType::kInt16 ? 2 : 1, fb::kLeakyReluOptions,
              [&](FlatBufferBuilder& b) { return TableWriter(b).f32(0, a->alpha).end(); });
    return Status::Ok();
  }

  Status clamp() {
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::ClampAttrs* a, attrs<ir::ClampAttrs>());
    const TensorInfo& x = info(in(0));
    const std::string bounds = "CLAMP to [" + std::to_string(a->min) + ", " + std::to_string(a->max) + "]";
    const bool quantized =
        !x.quant.empty() && (x.dtype == DType::kInt8 || x.dtype == DType::kUInt8 || x.dtype == DType::kInt16);
    if (x.dtype != DType::kFloat32 && !quantized) {
      return cannot(bounds + " on " + dtype_name(x.dtype), "TFLite's RELU ops take float32 and quantized tensors");
    }
    const float inf = std::numeric_limits<float>::infinity();
    int32_t builtin;
    int32_t version = 1;
    if (a->min == 0.0f && a->max == inf) {
      builtin = fb::kRelu;
      version = x.dtype == DType::kInt16 ? 3 : x.dtype == DType::kFloat32 ? 1 : 2;
    } else if (a->min == 0.0f && a->max == 6.0f) {
      builtin = fb::kRelu6;
      version = int8_int16_version(x.dtype, 2, 3);
    } else if (a->min == -1.0f && a->max == 1.0f) {
      builtin = fb::kReluN1To1;
    } else if (a->min == 0.0f && a->max == 1.0f) {
      builtin = fb::kRelu0To1;
    } else {
      return cannot(bounds, "TFLite clamps with RELU [0, inf), RELU6, RELU_N1_TO_1 and RELU_0_TO_1 only");
    }
    emit_node(builtin, version);
    return Status::Ok();
  }

  Status strided_slice() {
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::StridedSliceAttrs* a, attrs<ir::StridedSliceAttrs>());
    const TensorInfo& x = info(in(0));
    const Shape& ys = info(out(0)).shape;
    const size_t rank = x.shape.size();
    if (a->begin.size() != rank || a->step.size() != rank) {
      return malformed("begin / step lengths " + std::to_string(a->begin.size()) + " / " +
                       std::to_string(a->step.size()) + ": expected the input rank " + std::to_string(rank));
    }
    std::vector<int32_t> begin, end, strides;
    uint32_t end_mask = 0;
    size_t o = 0;  // output dim
    for (size_t d = 0; d < rank; ++d) {
      const int64_t b = a->begin[d], s = a->step[d], size = x.shape[d];
      if (s == 0 || b < 0 || b > size) {
        return malformed("dim " + std::to_string(d) + ": begin " + std::to_string(b) + " step " + std::to_string(s) +
                         " for a dim of " + std::to_string(size));
      }
      if ((a->shrink_mask >> d) & 1) {
        begin.push_back(static_cast<int32_t>(b)), end.push_back(static_cast<int32_t>(b + 1)), strides.push_back(1);
        continue;
      }
      if (o >= ys.size()) return malformed("output rank " + std::to_string(ys.size()) + " is too small");
      int64_t e = b + ys[o++] * s;
      if (s > 0) {
        e = std::min(e, size);
      } else if (e < 0) {
        end_mask |= 1u << d;  // runs down to index 0: only the mask says so (-1 is the last index)
        e = 0;
      }
      begin.push_back(static_cast<int32_t>(b)), end.push_back(static_cast<int32_t>(e));
      strides.push_back(static_cast<int32_t>(s));
    }
    if (o != ys.size()) return malformed("output rank " + std::to_string(ys.size()) + " is too large");
    const auto r = static_cast<int32_t>(rank);
    const int32_t tb = add_constant<int32_t>(added_name("begin"), DType::kInt32, {r}, begin);
    const int32_t te = add_constant<int32_t>(added_name("end"), DType::kInt32, {r}, end);
    const int32_t ts = add_constant<int32_t>(added_name("strides"), DType::kInt32, {r}, strides);
    const Offset<void> options = TableWriter(fbb_)
                                     .i32(0, 0)
                                     .i32(1, static_cast<int32_t>(end_mask))
                                     .i32(2, 0)
                                     .i32(3, 0)
                                     .i32(4, static_cast<int32_t>(a->shrink_mask))
                                     .u8(5, 0)
                                     .end();
    const int32_t version = x.dtype == DType::kUInt32 ? 7
                            : rank > 4                ? 4
                            : x.dtype == DType::kBool ? 3
                            : x.dtype == DType::kInt8 ? 2
                                                      : 1;
    emit(fb::kStridedSlice, version, {in(0), tb, te, ts}, {out(0)}, fb::kStridedSliceOptions, options);
    return Status::Ok();
  }

  Status conv_transpose() {
    EDGERUN_RETURN_IF_ERROR(expect_io(2, 3, 1, 2));
    EDGERUN_ASSIGN_OR_RETURN(const ir::ConvTransposeAttrs* a, attrs<ir::ConvTransposeAttrs>());
    const int32_t x = in(0), w = in(1), y = out(0);
    EDGERUN_RETURN_IF_ERROR(expect_rank4({x, w, y}));
    if (a->groups != 1) return cannot("groups " + std::to_string(a->groups), "TRANSPOSE_CONV has no groups");
    if (a->dilation_h != 1 || a->dilation_w != 1) {
      return cannot("dilation " + std::to_string(a->dilation_h) + "x" + std::to_string(a->dilation_w),
                    "TRANSPOSE_CONV has no dilation");
    }
    if (a->stride_h < 1 || a->stride_w < 1) return malformed("strides: expected >= 1");
    const Shape& xs = info(x).shape;
    const Shape& ws = info(w).shape;
    const Shape& ys = info(y).shape;
    ir::ExplicitPads pads = a->pads;
    if (a->padding != ir::Padding::kExplicit) return malformed("padding: expected explicit pads");
    std::optional<uint8_t> code;
    for (const uint8_t c : {kSame, kValid}) {
      ir::ExplicitPads p;
      if (transpose_conv_pads(c == kSame, xs[1], ws[1], a->stride_h, ys[1], &p.top, &p.bottom) &&
          transpose_conv_pads(c == kSame, xs[2], ws[2], a->stride_w, ys[2], &p.left, &p.right) && p.top == pads.top &&
          p.bottom == pads.bottom && p.left == pads.left && p.right == pads.right) {
        code = c;
        break;
      }
    }
    if (!code) {
      return cannot("explicit pads (top " + std::to_string(pads.top) + ", left " + std::to_string(pads.left) +
                        ", bottom " + std::to_string(pads.bottom) + ", right " + std::to_string(pads.right) + ")",
                    "TRANSPOSE_CONV derives its pads from SAME or VALID, which give others here");
    }
    const int32_t shape = add_constant<int32_t>(added_name("output_shape"), DType::kInt32, {4}, ys);
    std::vector<int32_t> inputs{shape, w, x};
    const bool bias = node_->inputs.size() == 3 && in(2) >= 0;
    if (bias) inputs.push_back(in(2));
    const Offset<void> options = TableWriter(fbb_)
                                     .u8(0, *code)
                                     .i32(1, a->stride_w)
                                     .i32(2, a->stride_h)
                                     .u8(3, activation_code(a->activation))
                                     .u8(4, 0)
                                     .end();
    const int32_t version = a->activation != ir::Activation::kNone ? 4 : bias ? 3 : type(w) == DType::kInt8 ? 2 : 1;
    emit(fb::kTransposeConv, version, std::move(inputs), {y}, fb::kTransposeConvOptions, options);
    return Status::Ok();
  }

  Status resize() {
    EDGERUN_RETURN_IF_ERROR(expect_io(1, 2, 1, 1));
    EDGERUN_ASSIGN_OR_RETURN(const ir::ResizeAttrs* a, attrs<ir::ResizeAttrs>());
    const int32_t x = in(0), y = out(0);
    EDGERUN_RETURN_IF_ERROR(expect_rank4({x, y}));
    const Shape& xs = info(x).shape;
    const Shape& ys = info(y).shape;
    if (a->mode != ir::ResizeMode::kLinear) {
      return cannot(a->mode == ir::ResizeMode::kNearest ? "nearest RESIZE" : "cubic RESIZE",
                    a->mode == ir::ResizeMode::kNearest
                        ? "RESIZE_NEAREST_NEIGHBOR rounds ties differently from ONNX, so edgerun does not map it"
                        : "TFLite resizes bilinear or nearest only");
    }
    if (a->antialias || a->exclude_outside) {
      return cannot(a->antialias ? "an antialiased RESIZE" : "RESIZE with exclude_outside",
                    "RESIZE_BILINEAR has no such option");
    }
    // pytorch_half_pixel is half_pixel but for an output size of 1.
    const bool pytorch_as_half_pixel = a->coord == ir::ResizeCoord::kPytorchHalfPixel && ys[1] > 1 && ys[2] > 1;
    bool align_corners = false, half_pixel = false;
    if (a->coord == ir::ResizeCoord::kAlignCorners) {
      align_corners = true;
    } else if (a->coord == ir::ResizeCoord::kHalfPixel || pytorch_as_half_pixel) {
      half_pixel = true;
    } else if (a->coord != ir::ResizeCoord::kAsymmetric) {
      return cannot("this RESIZE coordinate transformation mode",
                    "RESIZE_BILINEAR has align_corners, half_pixel_centers or neither (asymmetric)");
    }
    // TFLite takes the scale from the sizes; an ONNX `scales` input that is
    // not their ratio maps coordinates differently.
    const auto ratio = [](int32_t o, int32_t i) { return static_cast<double>(o) / static_cast<double>(i); };
    if ((a->scale_h != 0.0 && a->scale_h != ratio(ys[1], xs[1])) ||
        (a->scale_w != 0.0 && a->scale_w != ratio(ys[2], xs[2]))) {
      return cannot("RESIZE scales " + std::to_string(a->scale_h) + " x " + std::to_string(a->scale_w) +
                        " that differ from output / input size",
                    "RESIZE_BILINEAR scales by the sizes");
    }
    int32_t size = node_->inputs.size() == 2 ? in(1) : -1;
    if (size < 0) size = add_constant<int32_t>(added_name("size"), DType::kInt32, {2}, {ys[1], ys[2]});
    const Offset<void> options = TableWriter(fbb_).i32(0, 0).i32(1, 0).u8(2, align_corners).u8(3, half_pixel).end();
    const DType t = type(x);
    const int32_t version = t == DType::kInt16 ? 4 : half_pixel ? 3 : t == DType::kInt8 ? 2 : 1;
    emit(fb::kResizeBilinear, version, {x, size}, {y}, fb::kResizeBilinearOptions, options);
    return Status::Ok();
  }

  // ---- Assembly ----

  // The TFLITE_METADATA flatbuffer, or empty when there is nothing to say.
  std::vector<uint8_t> metadata_flatbuffer() const {
    if (md_.name.empty() && md_.mean.empty() && md_.labels.empty()) return {};
    FlatBufferBuilder b;
    std::vector<TableOffset> inputs, outputs;
    for (size_t i = 0; i < g_.inputs.size(); ++i) {
      const auto name = b.CreateString(g_.values[static_cast<size_t>(g_.inputs[i])].info.name);
      Offset<flatbuffers::Vector<TableOffset>> units;
      if (i == 0 && !md_.mean.empty()) {
        const auto mean = b.CreateVector(md_.mean);
        const auto stdv = b.CreateVector(md_.std);
        const auto norm = TableWriter(b).offset(0, mean).offset(1, stdv).end();
        const auto unit = TableWriter(b).u8(0, 1).offset(1, norm).end();  // NormalizationOptions
        units = b.CreateVector(std::vector<TableOffset>{TableOffset(unit.o)});
      }
      inputs.push_back(TableOffset(TableWriter(b).offset(0, name).offset(4, units).end().o));
    }
    for (size_t i = 0; i < g_.outputs.size(); ++i) {
      const auto name = b.CreateString(g_.values[static_cast<size_t>(g_.outputs[i])].info.name);
      Offset<flatbuffers::Vector<TableOffset>> files;
      if (i == 0 && !md_.labels.empty()) {
        const auto file_name = b.CreateString(o_.labels_file_name);
        const auto description = b.CreateString("Labels for the classes of output 0, one per line");
        const auto file =
            TableWriter(b).offset(0, file_name).offset(1, description).u8(2, 2).end();  // TENSOR_AXIS_LABELS
        files = b.CreateVector(std::vector<TableOffset>{TableOffset(file.o)});
      }
      outputs.push_back(TableOffset(TableWriter(b).offset(0, name).offset(6, files).end().o));
    }
    const auto in_vec = b.CreateVector(inputs);
    const auto out_vec = b.CreateVector(outputs);
    const auto subgraph = TableWriter(b).offset(2, in_vec).offset(3, out_vec).end();
    const auto subgraphs = b.CreateVector(std::vector<TableOffset>{TableOffset(subgraph.o)});
    const auto name = md_.name.empty() ? Offset<flatbuffers::String>() : b.CreateString(md_.name);
    const auto parser_version = b.CreateString("1.0.0");
    const auto root = TableWriter(b).offset(0, name).offset(3, subgraphs).offset(7, parser_version).end();
    b.Finish(TableOffset(root.o), "M001");
    return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
  }

  // One SignatureDef "serving_default" over subgraph 0, as TFLite's converter
  // writes, for LiteRT's signature runners: each input and output under its
  // tensor's name, or input_<i> / output_<i> where names are empty or repeat.
  Offset<flatbuffers::Vector<TableOffset>> signature_defs(const std::vector<int32_t>& inputs,
                                                          const std::vector<int32_t>& outputs) {
    auto maps = [&](const std::vector<int32_t>& tensors, const char* prefix) {
      std::vector<std::string> given, names;
      for (int32_t t : tensors) given.push_back(info(t).name);
      for (size_t i = 0; i < given.size(); ++i) {
        const bool unique = !given[i].empty() && std::count(given.begin(), given.end(), given[i]) == 1;
        names.push_back(unique ? given[i] : prefix + std::to_string(i));
      }
      std::vector<TableOffset> entries;
      for (size_t i = 0; i < tensors.size(); ++i) {
        const auto name = fbb_.CreateString(names[i]);
        entries.push_back(TableOffset(TableWriter(fbb_).offset(0, name).i32(1, tensors[i]).end().o));
      }
      return fbb_.CreateVector(entries);
    };
    const auto in_maps = maps(inputs, "input_");
    const auto out_maps = maps(outputs, "output_");
    const auto key = fbb_.CreateString("serving_default");
    const auto def = TableWriter(fbb_).offset(0, in_maps).offset(1, out_maps).offset(2, key).i32(4, 0).end();
    return fbb_.CreateVector(std::vector<TableOffset>{TableOffset(def.o)});
  }

  Result<std::vector<uint8_t>> finish() {
    const std::vector<uint8_t> meta = metadata_flatbuffer();

    // Buffers: 0 empty, one per constant tensor, then the metadata.
    std::vector<TableOffset> buffers{TableOffset(TableWriter(fbb_).end().o)};
    std::vector<uint32_t> buffer_of(tensors_.size(), 0);
    auto add_buffer = [&](const uint8_t* data, size_t size) {
      fbb_.ForceVectorAlignment(size, 1, kBufferAlignment);
      const auto bytes = fbb_.CreateVector(data, size);
      buffers.push_back(TableOffset(TableWriter(fbb_).offset(0, bytes).end().o));
      return static_cast<uint32_t>(buffers.size() - 1);
    };
    for (size_t i = 0; i < tensors_.size(); ++i) {
      if (tensors_[i].data != nullptr) buffer_of[i] = add_buffer(tensors_[i].data, tensors_[i].bytes);
    }
    const uint32_t meta_buffer = meta.empty() ? 0 : add_buffer(meta.data(), meta.size());

    std::vector<TableOffset> tensors;
    for (size_t i = 0; i < tensors_.size(); ++i) {
      const TensorInfo& t = tensors_[i].info;
      const auto shape = fbb_.CreateVector(t.shape);
      const auto name = fbb_.CreateString(t.name);
      Offset<void> quant;
      if (!t.quant.empty()) {
        const auto scale = shared_vector(scales_, t.quant.scale);
        const auto zero_point = shared_vector(zero_points_, t.quant.zero_point);
        quant = TableWriter(fbb_)
                    .offset(2, scale)
                    .offset(3, zero_point)
                    .i32(6, t.quant.per_channel() ? t.quant.axis : 0)
                    .end();
      }
      tensors.push_back(TableOffset(TableWriter(fbb_)
                                        .offset(0, shape)
                                        .u8(1, static_cast<uint8_t>(*tensor_type(t.dtype)))
                                        .i32(2, static_cast<int32_t>(buffer_of[i]))
                                        .offset(3, name)
                                        .offset(4, quant)
                                        .end()
                                        .o));
    }

    // Opcodes in order of first use, each at the highest version its nodes need.
    std::vector<int32_t> codes, versions;
    std::vector<TableOffset> operators;
    for (const OutOp& op : ops_) {
      auto it = std::find(codes.begin(), codes.end(), op.builtin);
      if (it == codes.end()) {
        codes.push_back(op.builtin);
        versions.push_back(op.version);
        it = codes.end() - 1;
      }
      const auto k = static_cast<size_t>(it - codes.begin());
      versions[k] = std::max(versions[k], op.version);
      const auto inputs = fbb_.CreateVector(op.inputs);
      const auto outputs = fbb_.CreateVector(op.outputs);
      TableWriter t(fbb_);
      t.i32(0, static_cast<int32_t>(k)).offset(1, inputs).offset(2, outputs);
      if (!op.options.IsNull()) t.u8(3, op.options_type).offset(4, op.options);
      operators.push_back(TableOffset(t.end().o));
    }
    std::vector<TableOffset> opcodes;
    for (size_t k = 0; k < codes.size(); ++k) {
      const auto deprecated = static_cast<uint8_t>(std::min<int32_t>(codes[k], fb::kPlaceholderForGreaterOpCodes));
      opcodes.push_back(TableOffset(TableWriter(fbb_).u8(0, deprecated).i32(2, versions[k]).i32(3, codes[k]).end().o));
    }

    std::vector<int32_t> inputs, outputs;
    for (int32_t id : g_.inputs) inputs.push_back(tensor_of_[static_cast<size_t>(id)]);
    for (int32_t id : g_.outputs) outputs.push_back(tensor_of_[static_cast<size_t>(id)]);
    const auto tensor_vec = fbb_.CreateVector(tensors);
    const auto input_vec = fbb_.CreateVector(inputs);
    const auto output_vec = fbb_.CreateVector(outputs);
    const auto operator_vec = fbb_.CreateVector(operators);
    const auto subgraph_name = fbb_.CreateString("main");
    const auto subgraph = TableWriter(fbb_)
                              .offset(0, tensor_vec)
                              .offset(1, input_vec)
                              .offset(2, output_vec)
                              .offset(3, operator_vec)
                              .offset(4, subgraph_name)
                              .end();
    const auto subgraphs = fbb_.CreateVector(std::vector<TableOffset>{TableOffset(subgraph.o)});
    const auto opcode_vec = fbb_.CreateVector(opcodes);
    const auto buffer_vec = fbb_.CreateVector(buffers);
    const auto description = o_.description.empty() ? Offset<flatbuffers::String>() : fbb_.CreateString(o_.description);
    Offset<flatbuffers::Vector<TableOffset>> metadata_vec;
    if (meta_buffer != 0) {
      const auto meta_name = fbb_.CreateString("TFLITE_METADATA");
      const auto entry = TableWriter(fbb_).offset(0, meta_name).i32(1, static_cast<int32_t>(meta_buffer)).end();
      metadata_vec = fbb_.CreateVector(std::vector<TableOffset>{TableOffset(entry.o)});
    }
    const auto signature_vec = signature_defs(inputs, outputs);
    const auto model = TableWriter(fbb_)
                           .i32(0, 3)
                           .offset(1, opcode_vec)
                           .offset(2, subgraphs)
                           .offset(3, description)
                           .offset(4, buffer_vec)
                           .offset(6, metadata_vec)
                           .offset(7, signature_vec)
                           .end();
    fbb_.Finish(TableOffset(model.o), "TFL3");

    std::vector<uint8_t> file(fbb_.GetBufferPointer(), fbb_.GetBufferPointer() + fbb_.GetSize());
    if (!md_.labels.empty()) {
      std::string text;
      for (const std::string& l : md_.labels) text += l + "\n";
      const std::vector<uint8_t> zip = stored_zip(o_.labels_file_name, text, file.size());
      file.insert(file.end(), zip.begin(), zip.end());
    }
    return file;
  }

  // One vector per distinct content: flatbuffer tables may share a vector, and a per-channel model repeats the same
  // all-zero zero points (8 bytes a channel, for weights and biases) in every layer; MobileNetV2 int8 saves ~280 KB.
  template <typename T>
  Offset<flatbuffers::Vector<T>> shared_vector(std::map<std::vector<T>, Offset<flatbuffers::Vector<T>>>& cache,
                                               const std::vector<T>& v) {
    auto [it, added] = cache.try_emplace(v);
    if (added) it->second = fbb_.CreateVector(v);
    return it->second;
  }

  const ir::Graph& g_;
  const ModelMetadata& md_;
  const WriteOptions& o_;
  FlatBufferBuilder fbb_;
  std::map<std::vector<float>, Offset<flatbuffers::Vector<float>>> scales_;
  std::map<std::vector<int64_t>, Offset<flatbuffers::Vector<int64_t>>> zero_points_;
  std::vector<uint8_t> used_;               // per IR value: read or written by a node, or a graph input / output
  std::vector<int32_t> tensor_of_;          // IR value -> tensor index, -1 if unused
  std::deque<OutTensor> tensors_;           // a deque: references stay valid as rewrites add tensors
  std::deque<std::vector<uint8_t>> owned_;  // bytes of the constants the writer adds (stable addresses)
  std::vector<OutOp> ops_;
  size_t index_ = 0;  // the node being written, for messages
  const ir::Node* node_ = nullptr;
};

}  // namespace

Result<std::vector<uint8_t>> write_model(const ir::Graph& graph, const ModelMetadata& metadata,
                                         const WriteOptions& options) {
  return Writer(graph, metadata, options).run();
}

}  // namespace edgerun::tflite
