// edgerun/tensor.h — element types, quantization parameters and tensor descriptions.
//
//   edgerun::TensorInfo t = session.input_info(0);
//   std::cout << t.name << " " << edgerun::dtype_name(t.dtype) << " "
//             << edgerun::shape_string(t.shape) << "\n";   // "input uint8 [1,224,224,3]"
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edgerun {

// New types go at the end, so that existing ones keep their values.
//
// Sub-byte types are stored unpacked, one element per byte (dtype_size 1), so
// kernels index them like 8-bit types; only readers pack / unpack:
//   kInt4  int8 in [-8, 7]     kUInt4  uint8 in [0, 15]
//   kInt2  int8 in [-2, 1]     kUInt2  uint8 in [0, 3]
//   kFloat4E2M1  the 4-bit code (sign, 2 exponent bits, 1 mantissa bit) in the
//                low nibble of a uint8, high nibble zero
// kFloat16: IEEE half bits; kFloat8E4M3FN / kFloat8E5M2: the 8-bit floats
// of ONNX (and OCP), see core/float_types.h.
enum class DType : uint8_t {
  kFloat32,
  kInt8,
  kUInt8,
  kInt16,
  kInt32,
  kInt64,
  kBool,
  kUInt16,
  kUInt32,
  kUInt64,
  kInt4,
  kUInt4,
  kInt2,
  kUInt2,
  kFloat4E2M1,
  kFloat16,
  kFloat8E4M3FN,
  kFloat8E5M2,
};

const char* dtype_name(DType t);
size_t dtype_size(DType t);

// Affine quantization: real = scale * (q - zero_point). One entry per tensor,
// or one per slice along `axis` (per-channel). Empty `scale` means not quantized.
struct QuantParams {
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t axis = 0;

  bool empty() const { return scale.empty(); }
  bool per_channel() const { return scale.size() > 1; }
};

using Shape = std::vector<int32_t>;

// Number of elements; 0 for any zero dim, 1 for a scalar (empty shape).
int64_t shape_elements(const Shape& s);
std::string shape_string(const Shape& s);  // "[1,224,224,3]"

struct TensorInfo {
  std::string name;
  DType dtype = DType::kFloat32;
  Shape shape;
  QuantParams quant;

  int64_t elements() const { return shape_elements(shape); }
  size_t bytes() const { return static_cast<size_t>(elements()) * dtype_size(dtype); }
};

}  // namespace edgerun
