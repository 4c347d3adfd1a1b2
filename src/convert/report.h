// convert/report.h — where int8 quantization loses accuracy: per-layer SQNR
// of a quantized model against the float model it came from (`edgerun
// convert --quantize int8 --report FILE`).
//
//   auto layers = convert::layer_sqnr(float_model, quantized_model, quant_report, images, {});
//   for (const auto& l : *layers) printf("%s %.1f dB\n", l.tensor.c_str(), l.sqnr_db);
//
// For every int8 activation that stands for a float one (QuantizeReport::
// quantized_values), both models run on the same images (classify's
// pre-processing) and the int8 tensor, dequantized, is compared with the
// float tensor: SQNR = 10 log10(sum float^2 / sum (float - dequantized)^2)
// over all images, in dB (+infinity when identical). Layers come in the
// quantized graph's execution order; the errors accumulate, so a layer's
// SQNR includes what its inputs brought.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "convert/quantize.h"
#include "edgerun/status.h"
#include "io/imported_model.h"
#include "vision/preprocess.h"

namespace edgerun::convert {

struct LayerSqnr {
  int32_t node = -1;      // index in the quantized graph's node list
  std::string op;         // "CONV_2D"
  std::string tensor;     // the float tensor's name
  float scale = 0.0f;     // the int8 tensor's quantization
  int64_t zero_point = 0;
  double sqnr_db = 0.0;
};

Result<std::vector<LayerSqnr>> layer_sqnr(const io::ImportedModel& float_model, const io::ImportedModel& quantized,
                                          const QuantizeReport& report, const std::vector<std::string>& images,
                                          const std::optional<vision::Normalization>& normalization, int threads = 1);

}  // namespace edgerun::convert
