#include "io/onnx/proto.h"

#include <cstring>
#include <utility>

namespace edgerun::onnx {
namespace {

// Caps on what untrusted bytes may make us allocate or walk.
constexpr size_t kMaxDims = 16;
constexpr size_t kMaxRepeated = size_t{1} << 28;  // elements of one decoded repeated scalar field

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kStartGroup = 3, kEndGroup = 4, kFixed32 = 5 };

struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t varint = 0;  // kVarint, kFixed64, kFixed32 (zero-extended)
  const uint8_t* data = nullptr;  // kLengthDelimited
  size_t size = 0;

  std::string_view view() const { return {reinterpret_cast<const char*>(data), size}; }
};

// Walks the fields of one message. `where` names the message for errors.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size, std::string where) : p_(data), end_(data + size), where_(std::move(where)) {}

  bool done() const { return p_ == end_; }
  const std::string& where() const { return where_; }

  Status next(Field* f) {
    uint64_t key = 0;
    EDGERUN_RETURN_IF_ERROR(varint(&key, "field key"));
    f->number = static_cast<uint32_t>(key >> 3);
    f->wire = static_cast<uint32_t>(key & 7);
    if (key >> 3 == 0 || key >> 32 != 0) return error("invalid field number " + std::to_string(key >> 3));
    switch (f->wire) {
      case kVarint:
        return varint(&f->varint, "varint field " + std::to_string(f->number));
      case kFixed64:
        return fixed(8, f);
      case kFixed32:
        return fixed(4, f);
      case kLengthDelimited: {
        uint64_t n = 0;
        EDGERUN_RETURN_IF_ERROR(varint(&n, "length of field " + std::to_string(f->number)));
        if (n > static_cast<uint64_t>(end_ - p_)) {
          return error("field " + std::to_string(f->number) + " declares " + std::to_string(n) + " bytes, only " +
                       std::to_string(end_ - p_) + " left");
        }
        f->data = p_;
        f->size = static_cast<size_t>(n);
        p_ += n;
        return Status::Ok();
      }
      default:
        return error("field " + std::to_string(f->number) + " has unsupported wire type " + std::to_string(f->wire));
    }
  }

  Status error(const std::string& what) const { return InvalidModel(where_ + ": " + what); }

  // One varint (a key, a length, a value, or an element of a packed run).
  Status varint(uint64_t* out, const std::string& what) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return error(what + ": truncated");
      const uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        *out = v;
        return Status::Ok();
      }
    }
    return error(what + ": varint longer than 10 bytes");
  }

 private:
  Status fixed(size_t n, Field* f) {
    if (static_cast<size_t>(end_ - p_) < n) return error("fixed field " + std::to_string(f->number) + ": truncated");
    uint64_t v = 0;
    std::memcpy(&v, p_, n);  // little-endian wire, little-endian hosts only (x86-64, AArch64)
    p_ += n;
    f->varint = v;
    return Status::Ok();
  }

  const uint8_t* p_;
  const uint8_t* end_;
  std::string where_;
};

Status expect_wire(const Reader& r, const Field& f, uint32_t wire, const char* name) {
  if (f.wire == wire) return Status::Ok();
  return r.error(std::string(name) + " (field " + std::to_string(f.number) + "): wire type " + std::to_string(f.wire) +
                 ", expected " + std::to_string(wire));
}

// A repeated scalar field, one element (unpacked) or a packed run.
template <typename T, typename Decode>
Status repeated_scalar(const Reader& r, const Field& f, const char* name, uint32_t element_wire, Decode decode,
                       std::vector<T>* out) {
  if (f.wire == element_wire) {
    if (out->size() >= kMaxRepeated) return r.error(std::string(name) + ": too many elements");
    out->push_back(decode(f.varint));
    return Status::Ok();
  }
  if (f.wire != kLengthDelimited) return expect_wire(r, f, element_wire, name);
  Reader packed(f.data, f.size, r.where() + "." + name);
  if (element_wire == kFixed32 || element_wire == kFixed64) {
    const size_t width = element_wire == kFixed32 ? 4 : 8;
    if (f.size % width != 0) return packed.error("packed length " + std::to_string(f.size) + " is not a multiple of " +
                                                 std::to_string(width));
    if (out->size() + f.size / width > kMaxRepeated) return packed.error("too many elements");
    out->reserve(out->size() + f.size / width);
    for (size_t off = 0; off < f.size; off += width) {
      uint64_t v = 0;
      std::memcpy(&v, f.data + off, width);
      out->push_back(decode(v));
    }
    return Status::Ok();
  }
  while (!packed.done()) {
    uint64_t v = 0;
    EDGERUN_RETURN_IF_ERROR(packed.varint(&v, "packed element"));
    if (out->size() >= kMaxRepeated) return packed.error("too many elements");
    out->push_back(decode(v));
  }
  return Status::Ok();
}

float as_float(uint64_t bits) {
  const auto b = static_cast<uint32_t>(bits);
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}
double as_double(uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, 8);
  return d;
}

std::string indexed(const std::string& where, const char* field, size_t i) {
  return where + "." + field + "[" + std::to_string(i) + "]";
}

Status parse_string_entry(const Field& f, const std::string& where,
                          std::vector<std::pair<std::string_view, std::string_view>>* out) {
  Reader r(f.data, f.size, where);
  std::pair<std::string_view, std::string_view> kv;
  Field g;
  while (!r.done()) {
    EDGERUN_RETURN_IF_ERROR(r.next(&g));
    if (g.number == 1) {
      EDGERUN_RETURN_IF_ERROR(expect_wire(r, g, kLengthDelimited, "key"));
      kv.first = g.view();
    } else if (g.number == 2) {
      EDGERUN_RETURN_IF_ERROR(expect_wire(r, g, kLengthDelimited, "value"));
      kv.second = g.view();
    }
  }
  out->push_back(kv);
  return Status::Ok();
}

Status parse_tensor(const uint8_t* data, size_t size, const std::string& where, TensorProto* t) {
  Reader r(data, size, where);
  Field f;
  while (!r.done()) {
    EDGERUN_RETURN_IF_ERROR(r.next(&f));
    switch (f.number) {
      case 1:
        EDGERUN_RETURN_IF_ERROR(repeated_scalar(r, f, "dims", kVarint, [](uint64_t v) { return static_cast<int64_t>(v); },
                                                &t->dims));
        if (t->dims.size() > kMaxDims) return r.error("more than " + std::to_string(kMaxDims) + " dims");
        break;
      case 2:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kVarint, "data_type"));
        t->data_type = static_cast<int32_t>(f.varint);
        break;
      case 3:
        return r.error("segmented tensors (TensorProto.segment) are not supported");
      case 4:
        EDGERUN_RETURN_IF_ERROR(repeated_scalar(r, f, "float_data", kFixed32, as_float, &t->float_data));
        break;
      case 5:
        EDGERUN_RETURN_IF_ERROR(repeated_scalar(r, f, "int32_data", kVarint,
                                                [](uint64_t v) { return static_cast<int32_t>(v); }, &t->int32_data));
        break;
      case 7:
        EDGERUN_RETURN_IF_ERROR(repeated_scalar(r, f, "int64_data", kVarint,
                                                [](uint64_t v) { return static_cast<int64_t>(v); }, &t->int64_data));
        break;
      case 8:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "name"));
        t->name = f.view();
        break;
      case 9:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "raw_data"));
        t->raw_data = f.view();
        t->has_raw_data = true;
        break;
      case 10:
        EDGERUN_RETURN_IF_ERROR(repeated_scalar(r, f, "double_data", kFixed64, as_double, &t->double_data));
        break;
      case 11:
        EDGERUN_RETURN_IF_ERROR(
            repeated_scalar(r, f, "uint64_data", kVarint, [](uint64_t v) { return v; }, &t->uint64_data));
        break;
      case 13:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "external_data"));
        EDGERUN_RETURN_IF_ERROR(
            parse_string_entry(f, indexed(where, "external_data", t->external_data.size()), &t->external_data));
        break;
      case 14:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kVarint, "data_location"));
        t->external = f.varint == 1;
        break;
      default:
        break;  // string_data (6), doc_string (12), metadata_props (16): not needed
    }
  }
  return Status::Ok();
}

Status parse_attribute(const Field& field, const std::string& where, Attribute* a) {
  Reader r(field.data, field.size, where);
  Field f;
  while (!r.done()) {
    EDGERUN_RETURN_IF_ERROR(r.next(&f));
    switch (f.number) {
      case 1:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "name"));
        a->name = f.view();
        break;
      case 20:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kVarint, "type"));
        a->type = static_cast<AttrType>(static_cast<int32_t>(f.varint));
        break;
      case 2:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kFixed32, "f"));
        a->f = as_float(f.varint);
        break;
      case 3:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kVarint, "i"));
        a->i = static_cast<int64_t>(f.varint);
        break;
      case 4:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "s"));
        a->s = f.view();
        break;
      case 5: {
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "t"));
        a->t = std::make_shared<TensorProto>();
        EDGERUN_RETURN_IF_ERROR(parse_tensor(f.data, f.size, where + ".t", a->t.get()));
        break;
      }
      case 7:
        EDGERUN_RETURN_IF_ERROR(repeated_scalar(r, f, "floats", kFixed32, as_float, &a->floats));
        break;
      case 8:
        EDGERUN_RETURN_IF_ERROR(
            repeated_scalar(r, f, "ints", kVarint, [](uint64_t v) { return static_cast<int64_t>(v); }, &a->ints));
        break;
      case 9:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "strings"));
        if (a->strings.size() >= kMaxRepeated) return r.error("too many strings");
        a->strings.push_back(f.view());
        break;
      default:
        break;  // graphs, sparse tensors, type protos, doc strings: read by no supported op
    }
  }
  return Status::Ok();
}

Status parse_node(const Field& field, const std::string& where, Node* n) {
  Reader r(field.data, field.size, where);
  Field f;
  while (!r.done()) {
    EDGERUN_RETURN_IF_ERROR(r.next(&f));
    switch (f.number) {
      case 1:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "input"));
        n->inputs.push_back(f.view());
        break;
      case 2:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "output"));
        n->outputs.push_back(f.view());
        break;
      case 3:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "name"));
        n->name = f.view();
        break;
      case 4:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "op_type"));
        n->op_type = f.view();
        break;
      case 7:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "domain"));
        n->domain = f.view();
        break;
      case 5: {
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "attribute"));
        Attribute& a = n->attributes.emplace_back();
        EDGERUN_RETURN_IF_ERROR(parse_attribute(f, indexed(where, "attribute", n->attributes.size() - 1), &a));
        break;
      }
      default:
        break;
    }
  }
  return Status::Ok();
}

Status parse_shape(const Field& field, const std::string& where, ValueInfo* v) {
  Reader r(field.data, field.size, where);
  Field f;
  v->has_shape = true;
  while (!r.done()) {
    EDGERUN_RETURN_IF_ERROR(r.next(&f));
    if (f.number != 1) continue;
    EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "dim"));
    if (v->dims.size() >= kMaxDims) return r.error("more than " + std::to_string(kMaxDims) + " dims");
    Dim& d = v->dims.emplace_back();
    Reader dr(f.data, f.size, indexed(where, "dim", v->dims.size() - 1));
    Field g;
    while (!dr.done()) {
      EDGERUN_RETURN_IF_ERROR(dr.next(&g));
      if (g.number == 1) {
        EDGERUN_RETURN_IF_ERROR(expect_wire(dr, g, kVarint, "dim_value"));
        d.value = static_cast<int64_t>(g.varint);
      } else if (g.number == 2) {
        EDGERUN_RETURN_IF_ERROR(expect_wire(dr, g, kLengthDelimited, "dim_param"));
        d.param = g.view();
        d.value = -1;
      }
    }
  }
  return Status::Ok();
}

Status parse_value_info(const Field& field, const std::string& where, ValueInfo* v) {
  Reader r(field.data, field.size, where);
  Field f;
  while (!r.done()) {
    EDGERUN_RETURN_IF_ERROR(r.next(&f));
    if (f.number == 1) {
      EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "name"));
      v->name = f.view();
    } else if (f.number == 2) {
      EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "type"));
      Reader tr(f.data, f.size, where + ".type");
      Field g;
      while (!tr.done()) {
        EDGERUN_RETURN_IF_ERROR(tr.next(&g));
        if (g.number != 1) continue;  // sequence / map / optional / sparse types: not a tensor
        EDGERUN_RETURN_IF_ERROR(expect_wire(tr, g, kLengthDelimited, "tensor_type"));
        v->is_tensor = true;
        Reader er(g.data, g.size, where + ".type.tensor_type");
        Field h;
        while (!er.done()) {
          EDGERUN_RETURN_IF_ERROR(er.next(&h));
          if (h.number == 1) {
            EDGERUN_RETURN_IF_ERROR(expect_wire(er, h, kVarint, "elem_type"));
            v->elem_type = static_cast<int32_t>(h.varint);
          } else if (h.number == 2) {
            EDGERUN_RETURN_IF_ERROR(expect_wire(er, h, kLengthDelimited, "shape"));
            EDGERUN_RETURN_IF_ERROR(parse_shape(h, where + ".type.tensor_type.shape", v));
          }
        }
      }
    }
  }
  return Status::Ok();
}

Status parse_graph(const Field& field, Graph* g) {
  const std::string where = "ModelProto.graph";
  Reader r(field.data, field.size, where);
  Field f;
  while (!r.done()) {
    EDGERUN_RETURN_IF_ERROR(r.next(&f));
    switch (f.number) {
      case 1: {
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "node"));
        Node& n = g->nodes.emplace_back();
        EDGERUN_RETURN_IF_ERROR(parse_node(f, indexed(where, "node", g->nodes.size() - 1), &n));
        break;
      }
      case 2:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "name"));
        g->name = f.view();
        break;
      case 5: {
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "initializer"));
        TensorProto& t = g->initializers.emplace_back();
        EDGERUN_RETURN_IF_ERROR(
            parse_tensor(f.data, f.size, indexed(where, "initializer", g->initializers.size() - 1), &t));
        break;
      }
      case 11:
      case 12:
      case 13: {
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "value info"));
        auto& list = f.number == 11 ? g->inputs : f.number == 12 ? g->outputs : g->value_info;
        const char* name = f.number == 11 ? "input" : f.number == 12 ? "output" : "value_info";
        ValueInfo& v = list.emplace_back();
        EDGERUN_RETURN_IF_ERROR(parse_value_info(f, indexed(where, name, list.size() - 1), &v));
        break;
      }
      case 15:
        ++g->sparse_initializers;
        break;
      default:
        break;
    }
  }
  return Status::Ok();
}

}  // namespace

const char* data_type_name(int32_t type) {
  static constexpr const char* kNames[] = {"UNDEFINED", "FLOAT",  "UINT8",   "INT8",   "UINT16",
                                           "INT16",     "INT32",  "INT64",   "STRING", "BOOL",
                                           "FLOAT16",   "DOUBLE", "UINT32",  "UINT64", "COMPLEX64",
                                           "COMPLEX128", "BFLOAT16", "FLOAT8E4M3FN", "FLOAT8E4M3FNUZ",
                                           "FLOAT8E5M2", "FLOAT8E5M2FNUZ", "UINT4", "INT4", "FLOAT4E2M1",
                                           "FLOAT8E8M0", "UINT2", "INT2"};
  if (type >= 0 && static_cast<size_t>(type) < std::size(kNames)) return kNames[type];
  return "an unknown data type";
}

const Attribute* Node::attribute(std::string_view attr_name) const {
  for (const Attribute& a : attributes) {
    if (a.name == attr_name) return &a;
  }
  return nullptr;
}

Result<TensorProto> parse_tensor_proto(const uint8_t* data, size_t size) {
  TensorProto t;
  EDGERUN_RETURN_IF_ERROR(parse_tensor(data, size, "TensorProto", &t));
  return t;
}

Result<Model> parse_model(const uint8_t* data, size_t size) {
  Model m;
  Reader r(data, size, "ModelProto");
  Field f;
  while (!r.done()) {
    EDGERUN_RETURN_IF_ERROR(r.next(&f));
    switch (f.number) {
      case 1:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kVarint, "ir_version"));
        m.ir_version = static_cast<int64_t>(f.varint);
        break;
      case 2:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "producer_name"));
        m.producer_name = f.view();
        break;
      case 3:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "producer_version"));
        m.producer_version = f.view();
        break;
      case 6:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "doc_string"));
        m.doc_string = f.view();
        break;
      case 7:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "graph"));
        if (m.has_graph) return r.error("more than one graph");
        m.has_graph = true;
        EDGERUN_RETURN_IF_ERROR(parse_graph(f, &m.graph));
        break;
      case 8: {
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "opset_import"));
        OpsetId& o = m.opsets.emplace_back();
        Reader orr(f.data, f.size, indexed("ModelProto", "opset_import", m.opsets.size() - 1));
        Field g;
        while (!orr.done()) {
          EDGERUN_RETURN_IF_ERROR(orr.next(&g));
          if (g.number == 1) {
            EDGERUN_RETURN_IF_ERROR(expect_wire(orr, g, kLengthDelimited, "domain"));
            o.domain = g.view();
          } else if (g.number == 2) {
            EDGERUN_RETURN_IF_ERROR(expect_wire(orr, g, kVarint, "version"));
            o.version = static_cast<int64_t>(g.varint);
          }
        }
        break;
      }
      case 14:
        EDGERUN_RETURN_IF_ERROR(expect_wire(r, f, kLengthDelimited, "metadata_props"));
        EDGERUN_RETURN_IF_ERROR(parse_string_entry(
            f, indexed("ModelProto", "metadata_props", m.metadata_props.size()), &m.metadata_props));
        break;
      case 25:
        ++m.functions;
        break;
      default:
        break;
    }
  }
  if (!m.has_graph) return InvalidModel("ModelProto: no graph (field 7); is this an ONNX model?");
  return m;
}

bool looks_like_onnx(const uint8_t* data, size_t size) {
  // ModelProto writers emit ir_version (field 1, varint: key 0x08) first.
  return size >= 2 && data[0] == 0x08 && data[1] >= 3 && data[1] <= 0x7f;
}

}  // namespace edgerun::onnx
