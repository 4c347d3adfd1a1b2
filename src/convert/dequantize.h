// convert/dequantize.h — a float model from a quantized one (`edgerun convert
// --dequantize`), e.g. to re-quantize it another way or to measure what the
// quantization cost.
//
//   auto m = edgerun::io::import_model(bytes, size);
//   edgerun::convert::DequantizeReport r;
//   if (Status st = edgerun::convert::dequantize_model(*m, &r); !st.ok()) return st;
//   // m->graph is float32 from input to output; write it with tflite::write_model.
//
// What changes:
//   * every quantized constant (weights, int32 biases) becomes float32:
//     scale * (q - zero_point), per tensor or per channel;
//   * every quantized activation (graph inputs and outputs included) becomes
//     float32 without quantization; the ops keep their fused activations;
//   * QUANTIZE and DEQUANTIZE nodes become identities and are removed (their
//     readers read the node's input instead);
//   * a quantized graph input without a normalization in the metadata gets
//     mean = zero point, std = 1 / scale, so that a classifier fed raw pixels
//     sees the values the quantized model saw.
// Values that are not quantized (shapes, indices) keep their types. What the
// quantized model did implicitly is lost: its outputs saturated at the ends
// of each tensor's int8 / uint8 range and rounded every value to its scale;
// the float model does neither (the closest float model, not an exact twin).
#pragma once

#include <cstdint>

#include "edgerun/status.h"
#include "io/imported_model.h"

namespace edgerun::convert {

struct DequantizeReport {
  int64_t constants = 0;    // quantized constants turned float32
  int64_t activations = 0;  // quantized activations turned float32
  int32_t nodes_removed = 0;  // QUANTIZE / DEQUANTIZE nodes
};

Status dequantize_model(io::ImportedModel& m, DequantizeReport* report = nullptr);

}  // namespace edgerun::convert
