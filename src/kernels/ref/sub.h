// Reference SUB kernels (TFLite reference_ops::SubWithActivation /
// BroadcastSubSlow for float, reference_ops::Sub / BroadcastQuantSubSlow for
// 8-bit, bit exact): output elements [begin, end) of a possibly broadcast
// a - b. The 8-bit kernels take ADD's parameters (QuantAddParams, as TFLite's
// sub.cc Prepare computes them) and subtract the two rescaled inputs.
#pragma once

#include <cstdint>

#include "kernels/ref/add.h"  // F32MinMaxParams, QuantAddParams
#include "kernels/ref/broadcast.h"

namespace edgerun::kernels::ref {

void f32_sub_minmax__ref(const float* a, const float* b, float* y, const BroadcastIndex& bc,
                         const F32MinMaxParams& params, int64_t begin, int64_t end);
void qu8_sub__ref(const uint8_t* a, const uint8_t* b, uint8_t* y, const BroadcastIndex& bc,
                  const QuantAddParams& params, int64_t begin, int64_t end);
void qs8_sub__ref(const int8_t* a, const int8_t* b, int8_t* y, const BroadcastIndex& bc, const QuantAddParams& params,
                  int64_t begin, int64_t end);

}  // namespace edgerun::kernels::ref
