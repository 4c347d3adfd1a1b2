// ONNX (.onnx, opsets 7 to 21) → IR.
//
// ONNX graphs are NCHW; the engine's convolutions and pools run NHWC. The
// importer keeps each value in whichever layout its producer made it and
// converts on demand: a Conv / pool / Resize reads its input NHWC, an op that
// needs ONNX element order (Flatten / Reshape of a map larger than 1x1,
// Transpose, an axis the op cannot remap) reads it NCHW, and each conversion
// is a TRANSPOSE node made once per value. Ops that only need their axes
// renamed (elementwise, Concat, Softmax over channels, ReduceMean, Slice,
// Pad) run in the layout they are given. Conv weights are re-laid out once,
// at import ([M, C/g, kh, kw] → [M, kh, kw, C/g]; depthwise → [1, kh, kw, M]);
// 4-D constants of broadcasting ops are permuted the same way. Users see the
// ONNX shapes at the graph's inputs and outputs.
//
// Relu / Clip after a Conv, Gemm, Add or pool whose output has no other reader
// become that op's fused activation, and a BatchNormalization after such a
// Conv is folded into its weights, as TFLite's converter does. Shape
// arithmetic on constants (Shape / Gather / Unsqueeze / Concat /
// ConstantOfShape / Cast / Slice / Add ... chains that exporters emit) is
// folded at import, since every shape is static.
//
// Every node is checked before the graph is built: unsupported ops are all
// reported in one error, by op type and node index; attributes outside what
// the engine implements are named. Initializers stored in external files
// (data_location EXTERNAL) are read from `external_dir`: the file their
// "location" names, which must lie inside that folder, at "offset" for
// "length" bytes, all checked against the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/edgerun.h"
#include "edgerun/status.h"
#include "io/imported_model.h"

namespace edgerun::onnx {

// `input_values`: LoadOptions::input_values (values for graph inputs the
// graph needs as constants); `external_dir`: LoadOptions::external_data_dir
// (empty: external tensors are an error).
Result<io::ImportedModel> import_model(const uint8_t* data, size_t size,
                                       const std::vector<InputValue>& input_values = {},
                                       const std::string& external_dir = {});

}  // namespace edgerun::onnx
