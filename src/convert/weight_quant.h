// convert/weight_quant.h — weight-only quantization, for `edgerun convert
// --quantize fp16 | dynamic`: float32 weights stored in fewer bits, each read
// through a DEQUANTIZE to float32; activations and the ops stay float.
//
//   io::ImportedModel m = ...;              // a float model
//   convert::WeightQuantReport r;
//   EDGERUN_RETURN_IF_ERROR(convert::quantize_fp16(m, {}, &r));
//   auto bytes = tflite::write_model(m.graph, m.metadata);
//
// The layouts TensorFlow's converter writes:
//   fp16     (TFLiteConverter with target_spec.supported_types = [tf.float16])
//            a FLOAT16 constant -> DEQUANTIZE (version 3) -> float32. Half the
//            size; the float16 rounding is the only change.
//   dynamic  (weight-only int8, as TF's dynamic-range quantization marks its
//            weights: quant.uniform<i8<-127:127>>, per channel) an INT8
//            constant, symmetric per output channel (zero point 0, q in
//            [-127, 127]) -> DEQUANTIZE (version 5 for per channel) ->
//            float32. A quarter of the size. (TF's dynamic-range models
//            instead feed the int8 weights to hybrid kernels, which quantize
//            activations on the fly: not this.)
// LiteRT runs both as written; edgerun folds each DEQUANTIZE of a constant at
// load (runtime/fold_dequantize.h), so its fast float kernels run, with the
// rounded weights, as for a float model.
//
// Which constants:
//   fp16     every float32 constant input of CONV_2D, DEPTHWISE_CONV_2D,
//            FULLY_CONNECTED, CONV_TRANSPOSE and BATCH_MATMUL (filters and
//            biases alike), and float32 constants of at least
//            Fp16Options::min_other_elements read only by other ops. Left
//            float32: constants with finite values beyond float16's range
//            (|x| > 65504, which would become infinity).
//   dynamic  float32 filters of CONV_2D and FULLY_CONNECTED (per output
//            channel, axis 0), DEPTHWISE_CONV_2D (axis 3) and the constant
//            right operand of BATCH_MATMUL (per column: its last axis, or
//            the one before with adj_y), of at least
//            DynamicOptions::min_elements elements (TF's default, 1024:
//            smaller ones save little and lose the most). Biases and other
//            constants stay float32. Left float32: a constant read by another
//            op too, or with non-finite values.
// A constant that several nodes read gets one DEQUANTIZE, which all of them
// read. Each DEQUANTIZE is placed right before the first node that reads it.
//
// Errors: InvalidArgument for a malformed graph (an index out of range).
// Candidates left float32 are not errors; the report says why.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/status.h"
#include "edgerun/tensor.h"
#include "io/imported_model.h"

namespace edgerun::convert {

struct WeightQuantReport {
  int tensors = 0;           // constants now stored in fewer bits
  int64_t elements = 0;      // their elements
  int64_t bytes_before = 0;  // their size as float32
  int64_t bytes_after = 0;   // and now
  // Candidates left float32, each "'<name>': <why>".
  std::vector<std::string> kept_float;
};

struct Fp16Options {
  // Float32 constants that no CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED,
  // CONV_TRANSPOSE or BATCH_MATMUL reads are stored as float16 from this many
  // elements (a MUL's scale vector, a pad value stay float32).
  int64_t min_other_elements = 1024;
};

struct DynamicOptions {
  int64_t min_elements = 1024;  // weights with fewer elements stay float32
};

Status quantize_fp16(io::ImportedModel& m, const Fp16Options& options = {}, WeightQuantReport* report = nullptr);
Status quantize_dynamic(io::ImportedModel& m, const DynamicOptions& options = {}, WeightQuantReport* report = nullptr);

// Symmetric int8 quantization of float32 `w` (of `shape`) per index of
// `axis`: scale[c] = max |w| over slice c / 127 (1 for an all-zero slice, whose
// values are then all 0), q = w / scale rounded half away from zero, in
// [-127, 127], zero point 0. InvalidArgument for a size that does not match
// the shape, an axis out of range or a non-finite weight.
struct PerChannelInt8 {
  std::vector<int8_t> q;
  std::vector<float> scale;  // one per index of the axis
};
Result<PerChannelInt8> quantize_per_channel_int8(const std::vector<float>& w, const Shape& shape, int32_t axis);

}  // namespace edgerun::convert
