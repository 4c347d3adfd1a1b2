#include "io/onnx/const_tensor.h"

#include <limits>

#include "core/checked.h"
#include "core/float4.h"
#include "core/float_types.h"

namespace edgerun::onnx {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 31;

template <typename T>
void store(ConstTensor* t, int64_t i, T v) {
  std::memcpy(t->bytes.data() + static_cast<size_t>(i) * sizeof(T), &v, sizeof(T));
}

template <typename T>
T load(const ConstTensor& t, int64_t i) {
  T v;
  std::memcpy(&v, t.bytes.data() + static_cast<size_t>(i) * sizeof(T), sizeof(T));
  return v;
}

// Bits per element of the types ONNX packs several to a byte; 0 for the others.
int packed_bits(DType t) {
  switch (t) {
    case DType::kInt4:
    case DType::kUInt4:
    case DType::kFloat4E2M1: return 4;
    case DType::kInt2:
    case DType::kUInt2: return 2;
    default: return 0;
  }
}

// ONNX packs sub-byte elements low bits first, 8 / bits to a byte (the last
// byte part used), in raw_data or one byte per int32_data entry; c holds one
// element per byte (see DType).
Result<ConstTensor> unpack(const TensorProto& t, const std::string& what, int bits, ConstTensor c) {
  const size_t count = c.bytes.size();
  const size_t per_byte = 8 / static_cast<size_t>(bits);
  const size_t packed = (count + per_byte - 1) / per_byte;
  std::vector<uint8_t> from;
  if (t.has_raw_data) {
    from.assign(t.raw_data.begin(), t.raw_data.end());
  } else {
    for (size_t i = 0; i < t.int32_data.size(); ++i) {
      const int32_t v = t.int32_data[i];
      if (v < 0 || v > 255) {
        return InvalidModel(what + ": int32_data[" + std::to_string(i) + "] = " + std::to_string(v) +
                            ": expected a packed byte in [0, 255]");
      }
      from.push_back(static_cast<uint8_t>(v));
    }
  }
  if (from.size() != packed) {
    return InvalidModel(what + ": " + (t.has_raw_data ? "raw_data" : "int32_data") + " holds " +
                        std::to_string(from.size()) + " bytes, expected " + std::to_string(packed) + " for dims " +
                        shape_string(Shape(t.dims.begin(), t.dims.end())) + " of " + data_type_name(t.data_type) +
                        " (" + std::to_string(per_byte) + " per byte)");
  }
  const bool is_signed = c.dtype == DType::kInt4 || c.dtype == DType::kInt2;
  const unsigned mask = (1u << bits) - 1;
  for (size_t i = 0; i < count; ++i) {
    const unsigned v = (from[i / per_byte] >> (i % per_byte * static_cast<size_t>(bits))) & mask;
    const bool negative = is_signed && (v >> (bits - 1)) != 0;
    c.bytes[i] = static_cast<uint8_t>(negative ? v | ~mask : v);  // sign-extended into an int8
  }
  return c;
}

}  // namespace

int64_t ConstTensor::int_at(int64_t i) const {
  switch (dtype) {
    case DType::kFloat32: return static_cast<int64_t>(load<float>(*this, i));
    case DType::kInt8: return load<int8_t>(*this, i);
    case DType::kUInt8: return load<uint8_t>(*this, i);
    case DType::kInt16: return load<int16_t>(*this, i);
    case DType::kInt32: return load<int32_t>(*this, i);
    case DType::kInt64: return load<int64_t>(*this, i);
    case DType::kBool: return load<uint8_t>(*this, i) != 0;
    case DType::kUInt16: return load<uint16_t>(*this, i);
    case DType::kUInt32: return load<uint32_t>(*this, i);
    case DType::kUInt64: return static_cast<int64_t>(load<uint64_t>(*this, i));
    case DType::kInt4:
    case DType::kInt2: return load<int8_t>(*this, i);
    case DType::kUInt4:
    case DType::kUInt2: return load<uint8_t>(*this, i);
    case DType::kFloat4E2M1:
    case DType::kFloat16:
    case DType::kFloat8E4M3FN:
    case DType::kFloat8E5M2: return static_cast<int64_t>(float_at(i));
  }
  return 0;
}

float ConstTensor::float_at(int64_t i) const {
  if (is_float_dtype(dtype)) return load_float(dtype, bytes.data(), i);
  if (dtype == DType::kUInt64) return static_cast<float>(load<uint64_t>(*this, i));  // int_at wraps above 2^63
  if (dtype == DType::kFloat4E2M1) return float4e2m1_to_float(load<uint8_t>(*this, i));
  return static_cast<float>(int_at(i));
}

std::vector<int64_t> ConstTensor::ints() const {
  std::vector<int64_t> v(static_cast<size_t>(elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = int_at(static_cast<int64_t>(i));
  return v;
}

std::vector<float> ConstTensor::floats() const {
  std::vector<float> v(static_cast<size_t>(elements()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = float_at(static_cast<int64_t>(i));
  return v;
}

int32_t onnx_type_of(DType t) {
  switch (t) {
    case DType::kFloat32: return kFloat;
    case DType::kInt8: return kInt8;
    case DType::kUInt8: return kUint8;
    case DType::kInt16: return kInt16;
    case DType::kInt32: return kInt32;
    case DType::kInt64: return kInt64;
    case DType::kBool: return kBool;
    case DType::kUInt16: return kUint16;
    case DType::kUInt32: return kUint32;
    case DType::kUInt64: return kUint64;
    case DType::kInt4: return kInt4;
    case DType::kUInt4: return kUint4;
    case DType::kInt2: return kInt2;
    case DType::kUInt2: return kUint2;
    case DType::kFloat4E2M1: return kFloat4E2M1;
    case DType::kFloat16: return kFloat16;
    case DType::kFloat8E4M3FN: return kFloat8E4M3FN;
    case DType::kFloat8E5M2: return kFloat8E5M2;
  }
  return kUndefined;
}

Result<DType> dtype_of_onnx(int32_t onnx_type, const std::string& where) {
  switch (onnx_type) {
    case kFloat: return DType::kFloat32;
    case kUint8: return DType::kUInt8;
    case kInt8: return DType::kInt8;
    case kInt16: return DType::kInt16;
    case kInt32: return DType::kInt32;
    case kInt64: return DType::kInt64;
    case kBool: return DType::kBool;
    case kUint16: return DType::kUInt16;
    case kUint32: return DType::kUInt32;
    case kUint64: return DType::kUInt64;
    case kInt4: return DType::kInt4;
    case kUint4: return DType::kUInt4;
    case kInt2: return DType::kInt2;
    case kUint2: return DType::kUInt2;
    case kFloat4E2M1: return DType::kFloat4E2M1;
    case kFloat16: return DType::kFloat16;
    case kFloat8E4M3FN: return DType::kFloat8E4M3FN;
    case kFloat8E5M2: return DType::kFloat8E5M2;
    default: break;
  }
  return Unsupported(where + ": data type " + data_type_name(onnx_type) + " is not supported");
}

Result<ConstTensor> decode_tensor(const TensorProto& t, const std::string& what) {
  if (t.external) return Unsupported(what + ": external data is read for initializers only");
  ConstTensor c;
  EDGERUN_ASSIGN_OR_RETURN(c.dtype, dtype_of_onnx(t.data_type, what));
  int64_t n = 1;
  for (int64_t d : t.dims) {
    if (d < 0) return InvalidModel(what + ": negative dim " + std::to_string(d));
    if (!checked_mul(n, d, &n) || n > kMaxElements) return InvalidModel(what + ": too many elements");
  }
  c.dims = t.dims;
  const size_t esize = dtype_size(c.dtype);
  const auto count = static_cast<size_t>(n);
  c.bytes.resize(count * esize);
  if (const int bits = packed_bits(c.dtype); bits != 0) return unpack(t, what, bits, std::move(c));
  if (t.has_raw_data) {
    if (t.raw_data.size() != count * esize) {
      return InvalidModel(what + ": raw_data holds " + std::to_string(t.raw_data.size()) + " bytes, expected " +
                          std::to_string(count * esize) + " for dims " + shape_string(Shape(t.dims.begin(), t.dims.end())) +
                          " of " + data_type_name(t.data_type));
    }
    if (count > 0) std::memcpy(c.bytes.data(), t.raw_data.data(), count * esize);
    return c;
  }
  auto mismatch = [&](const char* field, size_t found) {
    return InvalidModel(what + ": " + field + " holds " + std::to_string(found) + " values, expected " +
                        std::to_string(count) + " for dims " + shape_string(Shape(t.dims.begin(), t.dims.end())));
  };
  switch (c.dtype) {
    case DType::kFloat32:
      if (t.float_data.size() != count) return mismatch("float_data", t.float_data.size());
      for (size_t i = 0; i < count; ++i) store(&c, static_cast<int64_t>(i), t.float_data[i]);
      break;
    case DType::kInt64:
      if (t.int64_data.size() != count) return mismatch("int64_data", t.int64_data.size());
      for (size_t i = 0; i < count; ++i) store(&c, static_cast<int64_t>(i), t.int64_data[i]);
      break;
    case DType::kUInt32:
    case DType::kUInt64:
      if (t.uint64_data.size() != count) return mismatch("uint64_data", t.uint64_data.size());
      for (size_t i = 0; i < count; ++i) {
        const auto k = static_cast<int64_t>(i);
        if (c.dtype == DType::kUInt32) {
          store(&c, k, static_cast<uint32_t>(t.uint64_data[i]));
        } else {
          store(&c, k, t.uint64_data[i]);
        }
      }
      break;
    default:  // int8 / uint8 / int16 / uint16 / int32 / bool, and float16 / float8 bits, travel in int32_data
      if (t.int32_data.size() != count) return mismatch("int32_data", t.int32_data.size());
      for (size_t i = 0; i < count; ++i) {
        const int32_t v = t.int32_data[i];
        const auto k = static_cast<int64_t>(i);
        switch (c.dtype) {
          case DType::kInt8: store(&c, k, static_cast<int8_t>(v)); break;
          case DType::kUInt8: store(&c, k, static_cast<uint8_t>(v)); break;
          case DType::kBool: store(&c, k, static_cast<uint8_t>(v != 0)); break;
          case DType::kInt16: store(&c, k, static_cast<int16_t>(v)); break;
          case DType::kUInt16:
          case DType::kFloat16: store(&c, k, static_cast<uint16_t>(v)); break;
          case DType::kFloat8E4M3FN:
          case DType::kFloat8E5M2: store(&c, k, static_cast<uint8_t>(v)); break;
          default: store(&c, k, v); break;
        }
      }
      break;
  }
  return c;
}

ConstTensor make_ints(DType dtype, std::vector<int64_t> dims, const std::vector<int64_t>& values) {
  ConstTensor c;
  c.dtype = dtype;
  c.dims = std::move(dims);
  c.bytes.resize(values.size() * dtype_size(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    const auto k = static_cast<int64_t>(i);
    const int64_t v = values[i];
    switch (dtype) {
      case DType::kFloat32: store(&c, k, static_cast<float>(v)); break;
      case DType::kInt8: store(&c, k, static_cast<int8_t>(v)); break;
      case DType::kUInt8: store(&c, k, static_cast<uint8_t>(v)); break;
      case DType::kBool: store(&c, k, static_cast<uint8_t>(v != 0)); break;
      case DType::kInt16: store(&c, k, static_cast<int16_t>(v)); break;
      case DType::kInt32: store(&c, k, static_cast<int32_t>(v)); break;
      case DType::kInt64: store(&c, k, v); break;
      case DType::kUInt16: store(&c, k, static_cast<uint16_t>(v)); break;
      case DType::kUInt32: store(&c, k, static_cast<uint32_t>(v)); break;
      case DType::kUInt64: store(&c, k, static_cast<uint64_t>(v)); break;
      case DType::kInt4:
      case DType::kInt2: store(&c, k, static_cast<int8_t>(v)); break;
      case DType::kUInt4:
      case DType::kUInt2: store(&c, k, static_cast<uint8_t>(v)); break;
      case DType::kFloat4E2M1: store(&c, k, float_to_float4e2m1(static_cast<float>(v))); break;
      case DType::kFloat16: store(&c, k, float_to_half(static_cast<float>(v))); break;
      case DType::kFloat8E4M3FN: store(&c, k, float_to_float8e4m3fn(static_cast<float>(v))); break;
      case DType::kFloat8E5M2: store(&c, k, float_to_float8e5m2(static_cast<float>(v))); break;
    }
  }
  return c;
}

ConstTensor make_floats(std::vector<int64_t> dims, const std::vector<float>& values, DType dtype, bool saturate) {
  ConstTensor c;
  c.dtype = dtype;
  c.dims = std::move(dims);
  c.bytes.resize(values.size() * dtype_size(dtype));
  for (size_t i = 0; i < values.size(); ++i) {
    const auto k = static_cast<int64_t>(i);
    switch (dtype) {
      case DType::kFloat16: store(&c, k, float_to_half(values[i])); break;
      case DType::kFloat8E4M3FN: store(&c, k, float_to_float8e4m3fn(values[i], saturate)); break;
      case DType::kFloat8E5M2: store(&c, k, float_to_float8e5m2(values[i], saturate)); break;
      default: store(&c, k, values[i]); break;  // float32
    }
  }
  return c;
}

}  // namespace edgerun::onnx
