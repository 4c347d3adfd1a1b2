// ONNX constants (initializers, Constant nodes, values folded at import, and
// input values given at load) decoded from a TensorProto into one of the
// engine's dtypes: little-endian bytes in C order, with the ONNX dims.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "edgerun/status.h"
#include "edgerun/tensor.h"
#include "io/onnx/proto.h"

namespace edgerun::onnx {

struct ConstTensor {
  DType dtype = DType::kFloat32;
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;

  int64_t elements() const { return static_cast<int64_t>(bytes.size() / dtype_size(dtype)); }
  // Element i converted to int64 / float (any dtype; float16 and float8
  // exactly to float, truncated to int64). uint64 values above
  // INT64_MAX wrap to negative int64s (two's complement), so int_at and
  // make_ints round-trip them; float4e2m1 values truncate toward zero in int_at.
  int64_t int_at(int64_t i) const;
  float float_at(int64_t i) const;
  std::vector<int64_t> ints() const;
  std::vector<float> floats() const;
};

// The ONNX data type for an engine dtype, and back (Unsupported for types
// the engine has no dtype for: double, bfloat16, strings, ...).
int32_t onnx_type_of(DType t);
Result<DType> dtype_of_onnx(int32_t onnx_type, const std::string& where);

// Decodes raw_data or the typed field. `what` names the tensor in errors.
// Sub-byte types (int4, uint4, int2, uint2, float4e2m1), packed in the proto,
// come out one element per byte (see DType).
// Tensors marked external are rejected (Unsupported): the importer resolves
// an initializer's external data into raw_data first.
Result<ConstTensor> decode_tensor(const TensorProto& t, const std::string& what);

// A tensor of `dtype` with these dims filled from int64 / float values.
ConstTensor make_ints(DType dtype, std::vector<int64_t> dims, const std::vector<int64_t>& values);
// make_floats: float32, or float16 / float8 rounded to nearest even (float8
// out of range: saturated, or else infinity / NaN, see core/float_types.h).
ConstTensor make_floats(std::vector<int64_t> dims, const std::vector<float>& values, DType dtype = DType::kFloat32,
                        bool saturate = true);

}  // namespace edgerun::onnx
