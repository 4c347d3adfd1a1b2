#include "io/tflite/reader.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "core/checked.h"
#include "io/tflite/metadata.h"
#include "io/tflite/op_map.h"
#include "io/tflite/schema.h"

namespace edgerun::tflite {
namespace {

constexpr size_t kMaxRank = 8;
constexpr int64_t kMaxTensorBytes = int64_t{1} << 31;

struct TypeEntry {
  int8_t code;
  const char* name;
  bool supported;
  DType dtype;
};
// schema.fbs TensorType.
constexpr TypeEntry kTensorTypes[] = {
    {0, "FLOAT32", true, DType::kFloat32},    {1, "FLOAT16", true, DType::kFloat16},
    {2, "INT32", true, DType::kInt32},        {3, "UINT8", true, DType::kUInt8},
    {4, "INT64", true, DType::kInt64},        {5, "STRING", false, DType::kFloat32},
    {6, "BOOL", true, DType::kBool},          {7, "INT16", true, DType::kInt16},
    {8, "COMPLEX64", false, DType::kFloat32}, {9, "INT8", true, DType::kInt8},
    {10, "FLOAT64", false, DType::kFloat32},  {11, "COMPLEX128", false, DType::kFloat32},
    {12, "UINT64", true, DType::kUInt64},     {13, "RESOURCE", false, DType::kFloat32},
    {14, "VARIANT", false, DType::kFloat32},  {15, "UINT32", true, DType::kUInt32},
    {16, "UINT16", true, DType::kUInt16},
};

std::string tensor_where(size_t index, const fb::Tensor* t) {
  std::string s = "tensor " + std::to_string(index);
  if (t->name()) s += " '" + t->name()->str() + "'";
  return s;
}

Result<DType> convert_type(size_t index, const fb::Tensor* t) {
  for (const TypeEntry& e : kTensorTypes) {
    if (e.code != t->type()) continue;
    if (e.supported) return e.dtype;
    return Unsupported(tensor_where(index, t) + ": dtype " + e.name + " is not supported");
  }
  return InvalidModel(tensor_where(index, t) + ": unknown TensorType code " + std::to_string(t->type()));
}

Status read_quantization(size_t index, const fb::Tensor* t, TensorInfo* info) {
  const fb::QuantizationParameters* q = t->quantization();
  if (q == nullptr) return Status::Ok();
  if (q->details_type() != 0) {
    return Unsupported(tensor_where(index, t) + ": custom quantization details are not supported");
  }
  const auto* scale = q->scale();
  const auto* zp = q->zero_point();
  if (scale == nullptr || scale->size() == 0) return Status::Ok();  // min/max only: not quantized
  if (zp == nullptr || zp->size() != scale->size()) {
    return InvalidModel(tensor_where(index, t) + ": quantization has " + std::to_string(scale->size()) +
                        " scales but " + std::to_string(zp ? zp->size() : 0) + " zero points");
  }
  const int32_t rank = static_cast<int32_t>(info->shape.size());
  const int32_t axis = q->quantized_dimension();
  if (scale->size() > 1) {
    if (axis < 0 || axis >= rank) {
      return InvalidModel(tensor_where(index, t) + ": quantized_dimension " + std::to_string(axis) +
                          " out of range for rank " + std::to_string(rank));
    }
    if (static_cast<int64_t>(scale->size()) != info->shape[axis]) {
      return InvalidModel(tensor_where(index, t) + ": per-channel quantization has " +
                          std::to_string(scale->size()) + " scales, expected " +
                          std::to_string(info->shape[axis]) + " (dim " + std::to_string(axis) + ")");
    }
  }
  int64_t zmin = std::numeric_limits<int64_t>::min(), zmax = std::numeric_limits<int64_t>::max();
  if (info->dtype == DType::kUInt8) zmin = 0, zmax = 255;
  if (info->dtype == DType::kInt8) zmin = -128, zmax = 127;
  if (info->dtype == DType::kInt16) zmin = -32768, zmax = 32767;
  for (uint32_t i = 0; i < scale->size(); ++i) {
    const float s = scale->Get(i);
    if (!std::isfinite(s) || s < 0.0f) {
      return InvalidModel(tensor_where(index, t) + ": quantization scale " + std::to_string(i) +
                          " must be finite and non-negative, found " + std::to_string(s));
    }
    const int64_t z = zp->Get(i);
    if (z < zmin || z > zmax) {
      return InvalidModel(tensor_where(index, t) + ": zero point " + std::to_string(z) + " out of range for " +
                          dtype_name(info->dtype));
    }
    info->quant.scale.push_back(s);
    info->quant.zero_point.push_back(z);
  }
  info->quant.axis = axis;
  return Status::Ok();
}

class Importer {
 public:
  Importer(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  Result<ImportedModel> run() {
    if (size_ < 8) {
      return InvalidModel("file is " + std::to_string(size_) + " bytes; a TFLite model needs at least 8");
    }
    if (!flatbuffers::BufferHasIdentifier(data_, "TFL3")) {
      return InvalidModel("not a TFLite model: file identifier at bytes 4..7 is not \"TFL3\"");
    }
    if (size_ > FLATBUFFERS_MAX_BUFFER_SIZE) {
      return Unsupported("models larger than 2 GiB are not supported (file is " + std::to_string(size_) +
                         " bytes)");
    }
    flatbuffers::Verifier verifier(data_, size_, /*max_depth=*/64, /*max_tables=*/10'000'000);
    if (!verifier.VerifyBuffer<fb::Model>("TFL3")) {
      return InvalidModel(
          "flatbuffer verification failed: an offset, vector or string points outside the file "
          "(truncated or corrupted model)");
    }
    model_ = flatbuffers::GetRoot<fb::Model>(data_);
    if (model_->version() != 3) {
      return Unsupported("TFLite schema version " + std::to_string(model_->version()) + " is not supported; expected 3");
    }
    if (model_->subgraphs() == nullptr || model_->subgraphs()->size() == 0) {
      return InvalidModel("model has no subgraphs");
    }
    const fb::SubGraph* sg = model_->subgraphs()->Get(0);
    if (sg->tensors() == nullptr) return InvalidModel("subgraph 0 has no tensors");

    if (model_->description()) out_.description = model_->description()->str();
    EDGERUN_RETURN_IF_ERROR(read_tensors(sg));
    EDGERUN_RETURN_IF_ERROR(read_io(sg->inputs(), "input", &out_.graph.inputs));
    EDGERUN_RETURN_IF_ERROR(read_io(sg->outputs(), "output", &out_.graph.outputs));
    if (out_.graph.inputs.empty()) return InvalidModel("subgraph 0 declares no inputs");
    if (out_.graph.outputs.empty()) return InvalidModel("subgraph 0 declares no outputs");
    EDGERUN_RETURN_IF_ERROR(read_operators(sg));
    EDGERUN_RETURN_IF_ERROR(check_dataflow());
    read_metadata();
    return std::move(out_);
  }

 private:
  Status read_tensors(const fb::SubGraph* sg) {
    const auto* tensors = sg->tensors();
    const uint32_t buffer_count = model_->buffers() ? model_->buffers()->size() : 0;
    out_.graph.values.resize(tensors->size());
    for (uint32_t i = 0; i < tensors->size(); ++i) {
      const fb::Tensor* t = tensors->Get(i);
      ir::Value& v = out_.graph.values[i];
      TensorInfo& info = v.info;
      info.name = t->name() ? t->name()->str() : "tensor_" + std::to_string(i);
      EDGERUN_ASSIGN_OR_RETURN(info.dtype, convert_type(i, t));
      if (t->is_variable()) return Unsupported(tensor_where(i, t) + ": variable tensors are not supported");
      if (t->has_sparsity()) return Unsupported(tensor_where(i, t) + ": sparse tensors are not supported");
      if (const auto* shape = t->shape()) {
        if (shape->size() > kMaxRank) {
          return Unsupported(tensor_where(i, t) + ": rank " + std::to_string(shape->size()) + " exceeds " +
                             std::to_string(kMaxRank));
        }
        for (int32_t d : *shape) {
          if (d < 0) {
            return InvalidModel(tensor_where(i, t) + ": negative dimension " + std::to_string(d) + " in shape");
          }
          info.shape.push_back(d);
        }
      }
      int64_t bytes = static_cast<int64_t>(dtype_size(info.dtype));
      for (int32_t d : info.shape) {
        if (!checked_mul(bytes, d, &bytes) || bytes > kMaxTensorBytes) {
          return InvalidModel(tensor_where(i, t) + ": shape " + shape_string(info.shape) + " of " +
                              dtype_name(info.dtype) + " exceeds " + std::to_string(kMaxTensorBytes) + " bytes");
        }
      }
      EDGERUN_RETURN_IF_ERROR(read_quantization(i, t, &info));

      const uint32_t b = t->buffer();
      if (b >= buffer_count) {
        if (b == 0) continue;  // no buffers table at all: every tensor is an activation
        return InvalidModel(tensor_where(i, t) + ": buffer index " + std::to_string(b) + " out of range [0, " +
                            std::to_string(buffer_count) + ")");
      }
      EDGERUN_RETURN_IF_ERROR(attach_buffer(i, t, b, static_cast<size_t>(bytes), &v));
    }
    return Status::Ok();
  }

  Status attach_buffer(uint32_t index, const fb::Tensor* t, uint32_t b, size_t expected, ir::Value* v) {
    const fb::Buffer* buf = model_->buffers()->Get(b);
    const uint8_t* data = nullptr;
    uint64_t len = 0;
    if (buf->data() && buf->data()->size() > 0) {
      data = buf->data()->data();
      len = buf->data()->size();
    } else if (buf->offset() > 1) {
      uint64_t end = 0;
      if (!checked_add(buf->offset(), buf->size(), &end) || end > size_) {
        return InvalidModel(tensor_where(index, t) + ": buffer " + std::to_string(b) + " spans bytes [" +
                            std::to_string(buf->offset()) + ", +" + std::to_string(buf->size()) +
                            ") beyond the end of the file (" + std::to_string(size_) + " bytes)");
      }
      data = data_ + buf->offset();
      len = buf->size();
    }
    if (data == nullptr) return Status::Ok();  // an activation
    if (b == 0) {
      return InvalidModel(tensor_where(index, t) + ": buffer 0 must be the empty sentinel buffer");
    }
    if (len != expected) {
      return InvalidModel(tensor_where(index, t) + ": buffer " + std::to_string(b) + " holds " +
                          std::to_string(len) + " bytes, expected " + std::to_string(expected) + " (shape " +
                          shape_string(v->info.shape) + " of " + dtype_name(v->info.dtype) + ")");
    }
    const size_t align = dtype_size(v->info.dtype);
    if (reinterpret_cast<uintptr_t>(data) % align != 0) {
      auto copy = std::make_unique<uint8_t[]>(len + 16);
      uint8_t* aligned = copy.get() + (16 - reinterpret_cast<uintptr_t>(copy.get()) % 16) % 16;
      std::memcpy(aligned, data, len);
      data = aligned;
      out_.aligned_copies.push_back(std::move(copy));
    }
    v->data = data;
    v->data_bytes = len;
    return Status::Ok();
  }

  Status read_io(const fb::Vector<int32_t>* ids, const char* what, std::vector<int32_t>* out) {
    if (ids == nullptr) return Status::Ok();
    const auto n = static_cast<int32_t>(out_.graph.values.size());
    for (uint32_t i = 0; i < ids->size(); ++i) {
      const int32_t id = ids->Get(i);
      if (id < 0 || id >= n) {
        return InvalidModel(std::string("subgraph ") + what + " " + std::to_string(i) + ": tensor index " +
                            std::to_string(id) + " out of range [0, " + std::to_string(n) + ")");
      }
      out->push_back(id);
    }
    return Status::Ok();
  }

  Status read_operators(const fb::SubGraph* sg) {
    const auto* ops = sg->operators();
    if (ops == nullptr) return Status::Ok();
    const uint32_t code_count = model_->operator_codes() ? model_->operator_codes()->size() : 0;
    const auto n = static_cast<int32_t>(out_.graph.values.size());
    std::string unsupported;
    int unsupported_count = 0;
    for (uint32_t i = 0; i < ops->size(); ++i) {
      const fb::Operator* op = ops->Get(i);
      const std::string where = "operator " + std::to_string(i);
      if (op->opcode_index() >= code_count) {
        return InvalidModel(where + ": opcode_index " + std::to_string(op->opcode_index()) + " out of range [0, " +
                            std::to_string(code_count) + ")");
      }
      const fb::OperatorCode* code = model_->operator_codes()->Get(op->opcode_index());
      // Old files only set the byte-sized field; new ones may set both (TFLite takes the max).
      const int32_t builtin = std::max<int32_t>(code->builtin_code(), code->deprecated_builtin_code());
      const OpMapEntry* entry = find_builtin(builtin);
      if (entry == nullptr) {
        std::string name = builtin_name(builtin);
        if (builtin == fb::kCustom) name += " '" + (code->custom_code() ? code->custom_code()->str() : "") + "'";
        unsupported += (unsupported_count++ ? ", " : "") + name + " (" + where + ")";
        continue;
      }
      ir::Node node;
      node.op = entry->op;
      node.source_index = static_cast<int32_t>(i);
      auto read_ids = [&](const fb::Vector<int32_t>* ids, const char* what, bool allow_absent,
                          std::vector<int32_t>* dst) -> Status {
        if (ids == nullptr) return Status::Ok();
        for (uint32_t k = 0; k < ids->size(); ++k) {
          const int32_t id = ids->Get(k);
          if (id == -1 && allow_absent) {
            dst->push_back(ir::kNoValue);
            continue;
          }
          if (id < 0 || id >= n) {
            return InvalidModel(where + " (" + builtin_name(builtin) + "): " + what + " " + std::to_string(k) +
                                " tensor index " + std::to_string(id) + " out of range [0, " + std::to_string(n) +
                                ")");
          }
          dst->push_back(id);
        }
        return Status::Ok();
      };
      EDGERUN_RETURN_IF_ERROR(read_ids(op->inputs(), "input", true, &node.inputs));
      EDGERUN_RETURN_IF_ERROR(read_ids(op->outputs(), "output", false, &node.outputs));
      const OpContext ctx{builtin, static_cast<int32_t>(i), op->builtin_options_type(), op->builtin_options(),
                          data_, size_, &out_.graph, &node};
      EDGERUN_ASSIGN_OR_RETURN(node.attrs, entry->parse(ctx));
      if (entry->finish != nullptr) EDGERUN_RETURN_IF_ERROR(entry->finish(ctx, out_.graph, &node));
      out_.graph.nodes.push_back(std::move(node));
    }
    if (unsupported_count > 0) {
      return Unsupported("model uses " + std::to_string(unsupported_count) + " unsupported operator" +
                         (unsupported_count > 1 ? "s" : "") + ": " + unsupported);
    }
    return Status::Ok();
  }

  // Every activation an operator reads must be a graph input or written by an
  // earlier operator; every tensor is written once; constants are never written.
  Status check_dataflow() {
    const ir::Graph& g = out_.graph;
    std::vector<uint8_t> ready(g.values.size(), 0);
    for (size_t i = 0; i < g.values.size(); ++i) ready[i] = g.values[i].is_constant();
    for (int32_t id : g.inputs) {
      if (g.values[id].is_constant()) {
        return InvalidModel("subgraph input tensor " + std::to_string(id) + " '" + g.values[id].info.name +
                            "' is a constant");
      }
      ready[id] = 1;
    }
    for (const ir::Node& node : g.nodes) {
      const std::string where = "operator " + std::to_string(node.source_index) + " (" + ir::op_name(node.op) + ")";
      for (int32_t id : node.inputs) {
        if (id != ir::kNoValue && !ready[id]) {
          return InvalidModel(where + " reads tensor " + std::to_string(id) + " '" + g.values[id].info.name +
                              "' before any operator produces it");
        }
      }
      for (int32_t id : node.outputs) {
        if (ready[id]) {
          return InvalidModel(where + " writes tensor " + std::to_string(id) + " '" + g.values[id].info.name +
                              "', which is a constant, a graph input or already written");
        }
        ready[id] = 1;
      }
    }
    for (int32_t id : g.outputs) {
      if (!ready[id]) {
        return InvalidModel("subgraph output tensor " + std::to_string(id) + " '" + g.values[id].info.name +
                            "' is never produced");
      }
    }
    return Status::Ok();
  }

  void read_metadata() {
    const auto* entries = model_->metadata();
    if (entries == nullptr) return;
    for (uint32_t i = 0; i < entries->size(); ++i) {
      const fb::Metadata* m = entries->Get(i);
      if (!m->name() || m->name()->str() != "TFLITE_METADATA") continue;
      const uint32_t b = m->buffer();
      const uint32_t count = model_->buffers() ? model_->buffers()->size() : 0;
      if (b >= count || !model_->buffers()->Get(b)->data()) {
        out_.metadata_error = "TFLITE_METADATA refers to buffer " + std::to_string(b) + ", which is missing or empty";
        return;
      }
      const auto* bytes = model_->buffers()->Get(b)->data();
      auto parsed = parse_metadata(bytes->data(), bytes->size(), data_, size_);
      if (parsed.ok()) {
        out_.metadata = std::move(parsed).value();
      } else {
        out_.metadata_error = parsed.status().message();
      }
      return;
    }
  }

  const uint8_t* data_;
  size_t size_;
  const fb::Model* model_ = nullptr;
  ImportedModel out_;
};

}  // namespace

Result<ImportedModel> import_model(const uint8_t* data, size_t size) { return Importer(data, size).run(); }

}  // namespace edgerun::tflite
