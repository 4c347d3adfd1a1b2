// convert/quantize.h — full-integer int8 quantization of a float model
// (`edgerun convert --quantize int8`), the scheme TFLite's int8 kernels
// define:
//   weights of CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED: int8, symmetric
//     (zero point 0), one scale per output channel = max |w| / 127;
//   biases: int32, scale input_scale * weight_scale[c], zero point 0;
//   activations: int8, one scale and zero point per tensor, from the
//     calibrated range [min, max] (which includes 0): scale = (max - min) /
//     255, zero point = round(-128 - min / scale);
//   ops that only move or select values (MAX_POOL_2D, AVERAGE_POOL_2D,
//     RESHAPE, SQUEEZE, PAD, TRANSPOSE, STRIDED_SLICE) keep their input's
//     parameters, as TFLite requires; SOFTMAX and LOGISTIC output scale
//     1 / 256, zero point -128; other float constants (an ADD's operand):
//     int8 per tensor over their own range.
// The ops that run in int8: those above plus ADD, MUL, MEAN and
// CONCATENATION (TFLite's int8 kernel needs every input at the output's
// parameters: a QUANTIZE int8 -> int8 requantizes the inputs that are not).
// Any other op stays float32, with DEQUANTIZE before it and QUANTIZE after it where it
// meets int8 tensors. The graph input and output are float32 with a QUANTIZE
// / DEQUANTIZE (io kFloat), int8 themselves (kInt8), or uint8 with a QUANTIZE
// uint8 -> int8 / int8 -> uint8 next to them (kUInt8), as TFLite's converter
// writes them.
//
//   auto ranges = convert::calibrate(m, images, {});
//   convert::QuantizeReport r;
//   EDGERUN_RETURN_IF_ERROR(convert::quantize_int8(m, *ranges, {}, &r));
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "convert/calibrate.h"
#include "edgerun/status.h"
#include "io/imported_model.h"

namespace edgerun::convert {

enum class IoType { kFloat, kInt8, kUInt8 };

struct QuantizeOptions {
  IoType io = IoType::kFloat;
  // Bias correction (Nagel et al., "Data-Free Quantization", 2019): rounding
  // the weights shifts each output channel's mean by sum (w_q - w) * E[x];
  // the bias absorbs it, with E[x] the calibrated mean of each input channel
  // (ValueRange::channel_mean); grouped convs (not depthwise) are left as
  // they are.
  bool bias_correction = true;
};

struct QuantizeReport {
  int32_t quantized_nodes = 0;
  int32_t float_nodes = 0;  // left float32 (no int8 kernel for them)
  std::vector<std::string> float_ops;  // their op names, once each
  // For each int8 activation that replaced a float one: (int8 value, float value).
  std::vector<std::pair<int32_t, int32_t>> quantized_values;
};

// `ranges`: calibrate()'s, one per value of m's graph.
Status quantize_int8(io::ImportedModel& m, const std::vector<ValueRange>& ranges, const QuantizeOptions& options,
                     QuantizeReport* report = nullptr);

}  // namespace edgerun::convert
