// io/npy/npy.h — read and write NumPy .npy files (format versions 1.0, 2.0, 3.0).
//
//   auto a = edgerun::npy::read_npy("input.npy");
//   if (!a.ok()) { std::cerr << a.status().message() << "\n"; return 1; }
//   // a->dtype == DType::kUInt8, a->shape == {1, 224, 224, 3}, a->data: raw row-major bytes
//   EDGERUN_RETURN_IF_ERROR(edgerun::npy::write_npy("out.npy", DType::kFloat32, {2, 3}, floats));
//
// Supported element types (descr): |u1 |i1 <u2 <i2 <u4 <i4 <u8 <i8 <f4 |b1 —
// little-endian, C order. Big-endian, fortran_order True, object and structured arrays, and
// any other dtype are rejected with a Status naming the file, the field, and
// what was expected versus found. Parsing never trusts the file: the header
// length, every dim (non-negative, fits int32, rank <= kMaxRank) and the data
// size (== product(shape) * itemsize, checked in 64 bits) are validated before
// anything is allocated or copied. Bool data must be 0 or 1 bytes.
//
// write_npy produces the same bytes as numpy.save for the same array (version
// 1.0 header, padded with spaces to a multiple of 64 bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/status.h"
#include "edgerun/tensor.h"

namespace edgerun::npy {

inline constexpr size_t kMaxRank = 8;
// Upper bound on the header dict's length (numpy itself caps it at 10000 by default).
inline constexpr size_t kMaxHeaderBytes = 65536;

struct Array {
  DType dtype = DType::kUInt8;
  Shape shape;                 // empty: a 0-d array (one element)
  std::vector<uint8_t> data;   // shape_elements(shape) * dtype_size(dtype) bytes, row-major, little-endian
};

// Reads and validates a whole .npy file. NotFound when it does not exist,
// IOError when it cannot be read, InvalidArgument when it is malformed,
// Unsupported for valid files edgerun cannot represent (e.g. '>f4', '<f8').
Result<Array> read_npy(const std::string& path);

// Same from bytes in memory; `name_for_errors` prefixes every error message.
Result<Array> parse_npy(const uint8_t* bytes, size_t size, const std::string& name_for_errors);

// The .npy bytes of an array: `data` holds shape_elements(shape) * dtype_size(dtype)
// bytes (may be null when that is 0).
Result<std::vector<uint8_t>> encode_npy(DType dtype, const Shape& shape, const void* data);

// encode_npy, written to `path` (created or truncated).
Status write_npy(const std::string& path, DType dtype, const Shape& shape, const void* data);

}  // namespace edgerun::npy
