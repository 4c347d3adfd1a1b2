// The subset of ONNX's protobuf messages (onnx.proto, IR versions 3 to 10)
// that edgerun reads, parsed from the wire format by a small bounds-checked
// reader instead of libprotobuf, so the on-device runtime gains no dependency.
//
//   auto model = edgerun::onnx::parse_model(bytes, size);
//   if (!model.ok()) puts(model.status().message().c_str());
//   for (const auto& node : model->graph.nodes) puts(std::string(node.op_type).c_str());
//
// Strings and raw tensor bytes are views into the caller's buffer, which must
// outlive the result; small typed tensor fields (float_data, int64_data, ...)
// are decoded into vectors. Every length is checked against the bytes left
// in its enclosing message before it is used; unknown fields are skipped as
// the protobuf spec asks; repeated scalars are accepted packed or unpacked.
// Graph-valued attributes (If / Loop / Scan bodies), sparse tensors, training
// info and functions are not read: a node that needs them is rejected by the
// importer, not here. Malformed bytes give kInvalidModel naming the message
// and field ("GraphProto.node[12] NodeProto.attribute[0]: truncated").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "edgerun/status.h"

namespace edgerun::onnx {

// TensorProto.DataType values edgerun names in messages or reads.
enum DataType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kUint16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kFloat8E4M3FN = 17,
  kFloat8E5M2 = 19,
  kUint4 = 21,
  kInt4 = 22,
  kFloat4E2M1 = 23,
  kUint2 = 25,
  kInt2 = 26,
};
const char* data_type_name(int32_t type);

struct TensorProto {
  std::string_view name;
  int32_t data_type = kUndefined;
  std::vector<int64_t> dims;
  std::string_view raw_data;
  bool has_raw_data = false;
  std::vector<float> float_data;
  std::vector<int32_t> int32_data;  // also int8 / uint8 / int16 / uint16 / bool / float16 / float8 bits
  std::vector<int64_t> int64_data;
  std::vector<double> double_data;
  std::vector<uint64_t> uint64_data;  // also uint32
  bool external = false;              // data_location == EXTERNAL
  std::vector<std::pair<std::string_view, std::string_view>> external_data;  // key, value
};

enum class AttrType : int32_t {
  kUndefined = 0,
  kFloat = 1,
  kInt = 2,
  kString = 3,
  kTensor = 4,
  kGraph = 5,
  kFloats = 6,
  kInts = 7,
  kStrings = 8,
  kTensors = 9,
  kGraphs = 10,
  kSparseTensor = 11,
  kSparseTensors = 12,
  kTypeProto = 13,
  kTypeProtos = 14,
};

struct Attribute {
  std::string_view name;
  AttrType type = AttrType::kUndefined;
  float f = 0.0f;
  int64_t i = 0;
  std::string_view s;
  std::shared_ptr<TensorProto> t;  // set for kTensor
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string_view> strings;
};

struct Node {
  std::vector<std::string_view> inputs;  // "" marks an omitted optional input
  std::vector<std::string_view> outputs;
  std::string_view name, op_type, domain;
  std::vector<Attribute> attributes;

  const Attribute* attribute(std::string_view attr_name) const;
};

struct Dim {
  int64_t value = -1;  // -1: symbolic or unknown
  std::string_view param;
};

struct ValueInfo {
  std::string_view name;
  int32_t elem_type = kUndefined;
  bool has_shape = false;
  std::vector<Dim> dims;
  bool is_tensor = false;  // TypeProto.tensor_type present
};

struct Graph {
  std::string_view name;
  std::vector<Node> nodes;
  std::vector<TensorProto> initializers;
  std::vector<ValueInfo> inputs, outputs, value_info;
  size_t sparse_initializers = 0;  // counted, not read
};

struct OpsetId {
  std::string_view domain;  // "" and "ai.onnx" both mean the default domain
  int64_t version = 0;
};

struct Model {
  int64_t ir_version = 0;
  std::vector<OpsetId> opsets;
  std::string_view producer_name, producer_version, doc_string;
  std::vector<std::pair<std::string_view, std::string_view>> metadata_props;
  Graph graph;
  bool has_graph = false;
  size_t functions = 0;  // model-local functions, counted, not read
};

Result<Model> parse_model(const uint8_t* data, size_t size);
// A serialized TensorProto on its own (the .pb files of ONNX's test data).
Result<TensorProto> parse_tensor_proto(const uint8_t* data, size_t size);

// True when the bytes start like an ONNX ModelProto (a varint ir_version
// field, or another ModelProto field), used to tell .onnx from .tflite files
// whose extension is missing.
bool looks_like_onnx(const uint8_t* data, size_t size);

}  // namespace edgerun::onnx
