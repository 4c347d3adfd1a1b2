// IR → TFLite (.tflite, flatbuffer schema v3): the inverse of reader.cc, for
// `edgerun convert`.
//
//   auto bytes = edgerun::tflite::write_model(imported.graph, imported.metadata, {.description = "my model"});
//   if (!bytes.ok()) return bytes.status();  // e.g. "node 12 (MAX_POOL_2D): dilation 2x2 cannot be written as TFLite"
//   // *bytes is a complete model file: edgerun and LiteRT load it as written.
//
// Each IR op becomes the builtin op that op_map.cc reads into it, with its
// options table and the constant input tensors TFLite takes as parameters
// (STRIDED_SLICE's begin / end / strides, RESIZE_BILINEAR's size, RESHAPE's
// shape, TRANSPOSE_CONV's output_shape). IR features TFLite has no field for
// are rewritten where the result is the same, element for element, and
// refused otherwise:
//   CONV_2D / DEPTHWISE_CONV_2D with explicit pads: SAME or VALID when the
//     windows are the same (same leading pads and output size), else a PAD
//     op (zeros, the zero point when quantized) and VALID.
//   MAX_POOL_2D / AVERAGE_POOL_2D with explicit pads: SAME or VALID likewise;
//     else, for a max pool, PADV2 with -inf (float32) or the lowest code
//     (per-tensor int8 / uint8), never a window's maximum, and VALID. Average
//     pools are refused: they would count the pads.
//   HARD_SIGMOID (float32; no TFLite op): MUL by alpha, ADD beta, RELU_0_TO_1,
//     rounding as HARD_SIGMOID's kernel does (alpha * x, then + beta).
//   CLAMP: RELU, RELU6, RELU_N1_TO_1 or RELU_0_TO_1 by its bounds.
//   PAD: PAD (zeros), PADV2 (another constant), MIRROR_PAD (reflect, symmetric).
//   STRIDED_SLICE: begin / end / strides with end_mask where a backward slice
//     runs to index 0; shrink_axis_mask kept.
// Refused, each with an error naming the node and what TFLite lacks: dilated
// pools, MAX_POOL_2D's indices output, CLAMP bounds other than those four,
// PAD edge / wrap modes and negative pads, LOCAL_RESPONSE_NORMALIZATION with
// unequal radii, CONV_TRANSPOSE with groups, dilation or pads TFLite's SAME /
// VALID do not give, RESIZE other than bilinear with align_corners, half_pixel
// or asymmetric coordinates (nearest rounds ties differently in TFLite),
// QUANTIZE rounding half to even (ONNX QuantizeLinear; TFLite rounds half away
// from zero) and blocked QUANTIZE / DEQUANTIZE, and dtypes edgerun's reader
// does not read (float8, 4- and 2-bit types), and float16 anywhere but as a
// DEQUANTIZE's input (to float32): TFLite's fp16 models hold their weights so
// (TensorType FLOAT16), and its other ops take no float16.
//
// The file: version 3, identifier "TFL3", one subgraph "main" and its
// SignatureDef "serving_default" (inputs and outputs by tensor name). Tensors are the
// values a node or the graph's inputs / outputs use, in IR order (so a file
// read and written keeps its tensor indices), then the tensors the rewrites
// add. Buffer 0 is the empty sentinel; each constant has its own buffer,
// 16-byte aligned in the file. Each opcode is listed once, at the version
// TFLite's converter gives it for its types and options
// (tensorflow/lite/tools/versioning/op_version.cc), the highest of its nodes.
//
// Metadata: when `metadata` has a name, mean / std or labels, a
// TFLITE_METADATA buffer (metadata_schema.fbs, identifier "M001") holds
// ModelMetadata { name, subgraph 0 { one TensorMetadata per input and output:
// input 0 with a NormalizationOptions process unit, output 0 with a
// TENSOR_AXIS_LABELS associated file } }, and the labels, one per line, are
// stored in a ZIP archive appended to the flatbuffer: the layout
// tflite_support's MetadataPopulator writes and metadata.cc reads.
//
// Errors: InvalidArgument for a malformed graph (an index out of range, attrs
// of the wrong kind, constant bytes that do not match the shape), Unsupported
// for a valid graph TFLite cannot express. Nothing is kept: the graph's
// constants are copied into the returned bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/edgerun.h"
#include "edgerun/status.h"
#include "ir/graph.h"

namespace edgerun::tflite {

struct WriteOptions {
  // Model.description (TFLite's converter writes "MLIR Converted."); empty: none.
  std::string description;
  // Name of the label file in the appended ZIP, which the metadata's
  // TENSOR_AXIS_LABELS entry names; used only when the metadata has labels.
  std::string labels_file_name = "labels.txt";
};

Result<std::vector<uint8_t>> write_model(const ir::Graph& graph, const ModelMetadata& metadata,
                                         const WriteOptions& options = {});

}  // namespace edgerun::tflite
