// float16 (IEEE half) and ONNX's float8 types (E4M3FN, E5M2) <-> float32.
//
// Decoding is exact. Encoding rounds to nearest, ties to even, directly from
// float32 (as numpy and ml_dtypes, which ONNX's reference uses, do): half and
// E5M2 overflow to infinity, E4M3FN (no infinity) to NaN; with `saturate`,
// anything beyond the largest finite value (infinities too) gives it instead,
// as ONNX's saturate_cast does. NaN keeps its sign: half keeps the top of the
// payload (numpy), float8 gives its quiet NaN (0x7E / 0x7F with the sign bit).
#pragma once

#include <cstdint>

#include "edgerun/tensor.h"

namespace edgerun {

float half_to_float(uint16_t h);
uint16_t float_to_half(float f);

float float8e4m3fn_to_float(uint8_t v);
float float8e5m2_to_float(uint8_t v);
uint8_t float_to_float8e4m3fn(float f, bool saturate = true);
uint8_t float_to_float8e5m2(float f, bool saturate = true);

// float32, float16 or float8 (is_float_dtype): element i of `data` as float.
bool is_float_dtype(DType t);
float load_float(DType t, const void* data, int64_t i);

}  // namespace edgerun
