// Read-only views of the TFLite flatbuffer tables edgerun uses (schema v3).
//
// Written by hand against TFLite's schema.fbs instead of flatc output so the
// reader only depends on the fields it needs. Each table lists its fields'
// vtable offsets (4 + 2 * field id) and a Verify() that the flatbuffers
// Verifier runs before any accessor is used: every offset, vector and string
// is bounds-checked by that pass. Fields the verifier cannot judge (buffer
// offset/size, tensor and opcode indices, shapes) are checked by reader.cc.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>

namespace edgerun::tflite::fb {

using flatbuffers::String;
using flatbuffers::Table;
using flatbuffers::Vector;
using flatbuffers::Verifier;

constexpr flatbuffers::voffset_t field(int id) { return static_cast<flatbuffers::voffset_t>(4 + 2 * id); }

struct QuantizationParameters : Table {
  enum : flatbuffers::voffset_t { kMin = field(0), kMax = field(1), kScale = field(2), kZeroPoint = field(3),
                                  kDetailsType = field(4), kDetails = field(5), kQuantizedDimension = field(6) };
  const Vector<float>* scale() const { return GetPointer<const Vector<float>*>(kScale); }
  const Vector<int64_t>* zero_point() const { return GetPointer<const Vector<int64_t>*>(kZeroPoint); }
  uint8_t details_type() const { return GetField<uint8_t>(kDetailsType, 0); }
  int32_t quantized_dimension() const { return GetField<int32_t>(kQuantizedDimension, 0); }
  bool Verify(Verifier& v) const {
    return VerifyTableStart(v) && VerifyOffset(v, kMin) && v.VerifyVector(GetPointer<const Vector<float>*>(kMin)) &&
           VerifyOffset(v, kMax) && v.VerifyVector(GetPointer<const Vector<float>*>(kMax)) &&
           VerifyOffset(v, kScale) && v.VerifyVector(scale()) && VerifyOffset(v, kZeroPoint) &&
           v.VerifyVector(zero_point()) && VerifyField<uint8_t>(v, kDetailsType, 1) &&
           VerifyField<int32_t>(v, kQuantizedDimension, 4) && v.EndTable();
  }
};

struct Tensor : Table {
  enum : flatbuffers::voffset_t { kShape = field(0), kType = field(1), kBuffer = field(2), kName = field(3),
                                  kQuantization = field(4), kIsVariable = field(5), kSparsity = field(6) };
  const Vector<int32_t>* shape() const { return GetPointer<const Vector<int32_t>*>(kShape); }
  int8_t type() const { return GetField<int8_t>(kType, 0); }
  uint32_t buffer() const { return GetField<uint32_t>(kBuffer, 0); }
  const String* name() const { return GetPointer<const String*>(kName); }
  const QuantizationParameters* quantization() const {
    return GetPointer<const QuantizationParameters*>(kQuantization);
  }
  bool is_variable() const { return GetField<uint8_t>(kIsVariable, 0) != 0; }
  bool has_sparsity() const { return GetPointer<const Table*>(kSparsity) != nullptr; }
  bool Verify(Verifier& v) const {
    return VerifyTableStart(v) && VerifyOffset(v, kShape) && v.VerifyVector(shape()) &&
           VerifyField<int8_t>(v, kType, 1) && VerifyField<uint32_t>(v, kBuffer, 4) && VerifyOffset(v, kName) &&
           v.VerifyString(name()) && VerifyOffset(v, kQuantization) && v.VerifyTable(quantization()) &&
           VerifyField<uint8_t>(v, kIsVariable, 1) && VerifyOffset(v, kSparsity) && v.EndTable();
  }
};

struct Operator : Table {
  enum : flatbuffers::voffset_t { kOpcodeIndex = field(0), kInputs = field(1), kOutputs = field(2),
                                  kBuiltinOptionsType = field(3), kBuiltinOptions = field(4),
                                  kCustomOptions = field(5), kIntermediates = field(8) };
  uint32_t opcode_index() const { return GetField<uint32_t>(kOpcodeIndex, 0); }
  const Vector<int32_t>* inputs() const { return GetPointer<const Vector<int32_t>*>(kInputs); }
  const Vector<int32_t>* outputs() const { return GetPointer<const Vector<int32_t>*>(kOutputs); }
  uint8_t builtin_options_type() const { return GetField<uint8_t>(kBuiltinOptionsType, 0); }
  const Table* builtin_options() const { return GetPointer<const Table*>(kBuiltinOptions); }
  bool Verify(Verifier& v) const {
    // builtin_options is a table of a type known only after reading its union
    // tag; reader.cc verifies it with the options layout of that op.
    return VerifyTableStart(v) && VerifyField<uint32_t>(v, kOpcodeIndex, 4) && VerifyOffset(v, kInputs) &&
           v.VerifyVector(inputs()) && VerifyOffset(v, kOutputs) && v.VerifyVector(outputs()) &&
           VerifyField<uint8_t>(v, kBuiltinOptionsType, 1) && VerifyOffset(v, kBuiltinOptions) &&
           VerifyOffset(v, kCustomOptions) &&
           v.VerifyVector(GetPointer<const Vector<uint8_t>*>(kCustomOptions)) && v.EndTable();
  }
};

struct SubGraph : Table {
  enum : flatbuffers::voffset_t { kTensors = field(0), kInputs = field(1), kOutputs = field(2),
                                  kOperators = field(3), kName = field(4) };
  const Vector<flatbuffers::Offset<Tensor>>* tensors() const {
    return GetPointer<const Vector<flatbuffers::Offset<Tensor>>*>(kTensors);
  }
  const Vector<int32_t>* inputs() const { return GetPointer<const Vector<int32_t>*>(kInputs); }
  const Vector<int32_t>* outputs() const { return GetPointer<const Vector<int32_t>*>(kOutputs); }
  const Vector<flatbuffers::Offset<Operator>>* operators() const {
    return GetPointer<const Vector<flatbuffers::Offset<Operator>>*>(kOperators);
  }
  bool Verify(Verifier& v) const {
    return VerifyTableStart(v) && VerifyOffset(v, kTensors) && v.VerifyVector(tensors()) &&
           v.VerifyVectorOfTables(tensors()) && VerifyOffset(v, kInputs) && v.VerifyVector(inputs()) &&
           VerifyOffset(v, kOutputs) && v.VerifyVector(outputs()) && VerifyOffset(v, kOperators) &&
           v.VerifyVector(operators()) && v.VerifyVectorOfTables(operators()) && VerifyOffset(v, kName) &&
           v.VerifyString(GetPointer<const String*>(kName)) && v.EndTable();
  }
};

struct OperatorCode : Table {
  enum : flatbuffers::voffset_t { kDeprecatedBuiltinCode = field(0), kCustomCode = field(1), kVersion = field(2),
                                  kBuiltinCode = field(3) };
  int8_t deprecated_builtin_code() const { return GetField<int8_t>(kDeprecatedBuiltinCode, 0); }
  const String* custom_code() const { return GetPointer<const String*>(kCustomCode); }
  int32_t version() const { return GetField<int32_t>(kVersion, 1); }
  int32_t builtin_code() const { return GetField<int32_t>(kBuiltinCode, 0); }
  bool Verify(Verifier& v) const {
    return VerifyTableStart(v) && VerifyField<int8_t>(v, kDeprecatedBuiltinCode, 1) && VerifyOffset(v, kCustomCode) &&
           v.VerifyString(custom_code()) && VerifyField<int32_t>(v, kVersion, 4) &&
           VerifyField<int32_t>(v, kBuiltinCode, 4) && v.EndTable();
  }
};

struct Buffer : Table {
  enum : flatbuffers::voffset_t { kData = field(0), kOffset = field(1), kSize = field(2) };
  const Vector<uint8_t>* data() const { return GetPointer<const Vector<uint8_t>*>(kData); }
  uint64_t offset() const { return GetField<uint64_t>(kOffset, 0); }
  uint64_t size() const { return GetField<uint64_t>(kSize, 0); }
  bool Verify(Verifier& v) const {
    return VerifyTableStart(v) && VerifyOffset(v, kData) && v.VerifyVector(data()) &&
           VerifyField<uint64_t>(v, kOffset, 8) && VerifyField<uint64_t>(v, kSize, 8) && v.EndTable();
  }
};

struct Metadata : Table {
  enum : flatbuffers::voffset_t { kName = field(0), kBuffer = field(1) };
  const String* name() const { return GetPointer<const String*>(kName); }
  uint32_t buffer() const { return GetField<uint32_t>(kBuffer, 0); }
  bool Verify(Verifier& v) const {
    return VerifyTableStart(v) && VerifyOffset(v, kName) && v.VerifyString(name()) &&
           VerifyField<uint32_t>(v, kBuffer, 4) && v.EndTable();
  }
};

struct Model : Table {
  enum : flatbuffers::voffset_t { kVersion = field(0), kOperatorCodes = field(1), kSubgraphs = field(2),
                                  kDescription = field(3), kBuffers = field(4), kMetadataBuffer = field(5),
                                  kMetadata = field(6) };
  uint32_t version() const { return GetField<uint32_t>(kVersion, 0); }
  const Vector<flatbuffers::Offset<OperatorCode>>* operator_codes() const {
    return GetPointer<const Vector<flatbuffers::Offset<OperatorCode>>*>(kOperatorCodes);
  }
  const Vector<flatbuffers::Offset<SubGraph>>* subgraphs() const {
    return GetPointer<const Vector<flatbuffers::Offset<SubGraph>>*>(kSubgraphs);
  }
  const String* description() const { return GetPointer<const String*>(kDescription); }
  const Vector<flatbuffers::Offset<Buffer>>* buffers() const {
    return GetPointer<const Vector<flatbuffers::Offset<Buffer>>*>(kBuffers);
  }
  const Vector<flatbuffers::Offset<Metadata>>* metadata() const {
    return GetPointer<const Vector<flatbuffers::Offset<Metadata>>*>(kMetadata);
  }
  bool Verify(Verifier& v) const {
    return VerifyTableStart(v) && VerifyField<uint32_t>(v, kVersion, 4) && VerifyOffset(v, kOperatorCodes) &&
           v.VerifyVector(operator_codes()) && v.VerifyVectorOfTables(operator_codes()) &&
           VerifyOffset(v, kSubgraphs) && v.VerifyVector(subgraphs()) && v.VerifyVectorOfTables(subgraphs()) &&
           VerifyOffset(v, kDescription) && v.VerifyString(description()) && VerifyOffset(v, kBuffers) &&
           v.VerifyVector(buffers()) && v.VerifyVectorOfTables(buffers()) && VerifyOffset(v, kMetadataBuffer) &&
           v.VerifyVector(GetPointer<const Vector<int32_t>*>(kMetadataBuffer)) && VerifyOffset(v, kMetadata) &&
           v.VerifyVector(metadata()) && v.VerifyVectorOfTables(metadata()) && v.EndTable();
  }
};

// schema.fbs BuiltinOperator codes of the ops edgerun reads or writes.
enum BuiltinOperator : int32_t {
  kAdd = 0, kAveragePool2D = 1, kConcatenation = 2, kConv2D = 3, kDepthwiseConv2D = 4, kDequantize = 6,
  kFullyConnected = 9, kL2Normalization = 11, kLocalResponseNormalization = 13, kLogistic = 14, kMaxPool2D = 17,
  kMul = 18, kRelu = 19, kReluN1To1 = 20, kRelu6 = 21, kReshape = 22, kResizeBilinear = 23, kSoftmax = 25,
  kTanh = 28, kCustom = 32, kPad = 34, kTranspose = 39, kMean = 40, kSub = 41, kDiv = 42, kSqueeze = 43,
  kStridedSlice = 45, kPadV2 = 60, kSlice = 65, kTransposeConv = 67, kLeakyRelu = 98, kMirrorPad = 100,
  kQuantize = 114, kHardSwish = 117, kBatchMatMul = 126, kPlaceholderForGreaterOpCodes = 127, kRelu0To1 = 152,
};

// schema.fbs BuiltinOptions union tags of those ops' option tables.
enum OptionsTag : uint8_t {
  kConv2DOptions = 1, kDepthwiseConv2DOptions = 2, kPool2DOptions = 5, kFullyConnectedOptions = 8,
  kSoftmaxOptions = 9, kConcatenationOptions = 10, kAddOptions = 11, kL2NormOptions = 12,
  kLocalResponseNormalizationOptions = 13, kResizeBilinearOptions = 15, kReshapeOptions = 17, kMulOptions = 21,
  kPadOptions = 22, kReducerOptions = 27, kSubOptions = 28, kDivOptions = 29, kSqueezeOptions = 30,
  kStridedSliceOptions = 32, kDequantizeOptions = 38, kPadV2Options = 43, kSliceOptions = 48,
  kTransposeConvOptions = 49, kLeakyReluOptions = 75, kMirrorPadOptions = 77, kQuantizeOptions = 89,
  kBatchMatMulOptions = 101,
};

// Builtin option tables: every field is a scalar or a vector of int32.
// kind of each field, so one generic verifier serves them all.
enum class FieldKind : uint8_t { kU8, kI32, kF32, kVecI32 };

inline bool verify_options(Verifier& v, const Table* t, const FieldKind* kinds, int count) {
  if (!t->VerifyTableStart(v)) return false;
  for (int i = 0; i < count; ++i) {
    const auto off = field(i);
    bool ok = true;
    switch (kinds[i]) {
      case FieldKind::kU8: ok = t->VerifyField<uint8_t>(v, off, 1); break;
      case FieldKind::kI32: ok = t->VerifyField<int32_t>(v, off, 4); break;
      case FieldKind::kF32: ok = t->VerifyField<float>(v, off, 4); break;
      case FieldKind::kVecI32:
        ok = t->VerifyOffset(v, off) && v.VerifyVector(t->GetPointer<const Vector<int32_t>*>(off));
        break;
    }
    if (!ok) return false;
  }
  return v.EndTable();
}

}  // namespace edgerun::tflite::fb
