// Reference kernels for plain (not quantized) integer ADD, SUB, MUL and DIV
// with NumPy broadcasting: output elements [begin, end) of a op b in the
// tensors' own type.
//   ADD, SUB, MUL: wrap around modulo 2^bits, as NumPy (int8 100 + 100 = -56,
//        uint16 0 - 1 = 65535).
//   DIV: truncates toward zero, as C++ and TFLite (-3 / 2 = -1; ONNX's
//        test_div_int32_trunc; NumPy's // floors instead, which is the same
//        for unsigned types); x / 0 = 0 (what NumPy's integer division
//        yields) and min / -1 = min (wraps), so no input can trap.
#pragma once

#include <cstdint>

#include "kernels/ref/broadcast.h"

namespace edgerun::kernels::ref {

void s8_add__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u8_add__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void s16_add__ref(const int16_t* a, const int16_t* b, int16_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u16_add__ref(const uint16_t* a, const uint16_t* b, uint16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);
void s32_add__ref(const int32_t* a, const int32_t* b, int32_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u32_add__ref(const uint32_t* a, const uint32_t* b, uint32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);
void s64_add__ref(const int64_t* a, const int64_t* b, int64_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u64_add__ref(const uint64_t* a, const uint64_t* b, uint64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);
void s8_sub__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u8_sub__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void s16_sub__ref(const int16_t* a, const int16_t* b, int16_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u16_sub__ref(const uint16_t* a, const uint16_t* b, uint16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);
void s32_sub__ref(const int32_t* a, const int32_t* b, int32_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u32_sub__ref(const uint32_t* a, const uint32_t* b, uint32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);
void s64_sub__ref(const int64_t* a, const int64_t* b, int64_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u64_sub__ref(const uint64_t* a, const uint64_t* b, uint64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);
void s8_mul__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u8_mul__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void s16_mul__ref(const int16_t* a, const int16_t* b, int16_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u16_mul__ref(const uint16_t* a, const uint16_t* b, uint16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);
void s32_mul__ref(const int32_t* a, const int32_t* b, int32_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u32_mul__ref(const uint32_t* a, const uint32_t* b, uint32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);
void s64_mul__ref(const int64_t* a, const int64_t* b, int64_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u64_mul__ref(const uint64_t* a, const uint64_t* b, uint64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);
void s8_div__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u8_div__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void s16_div__ref(const int16_t* a, const int16_t* b, int16_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u16_div__ref(const uint16_t* a, const uint16_t* b, uint16_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);
void s32_div__ref(const int32_t* a, const int32_t* b, int32_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u32_div__ref(const uint32_t* a, const uint32_t* b, uint32_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);
void s64_div__ref(const int64_t* a, const int64_t* b, int64_t* y, const BroadcastIndex& bc, int64_t begin, int64_t end);
void u64_div__ref(const uint64_t* a, const uint64_t* b, uint64_t* y, const BroadcastIndex& bc, int64_t begin,
                  int64_t end);

}  // namespace edgerun::kernels::ref
