// ONNX (.onnx, opsets 7 to 21) → IR.
//
// ONNX graphs are NCHW; the engine runs NHWC. The importer keeps every 4-D
// activation NHWC inside the graph and converts at the edges: a 4-D graph
// input keeps its ONNX (NCHW) shape and is transposed to NHWC by the first
// node, a 4-D graph output is transposed back, and an op that needs NCHW
// element order (Flatten / Reshape of a map larger than 1x1, Transpose) gets
// an explicit TRANSPOSE first. Conv weights are re-laid out once, at import
// ([M, C, kh, kw] → [M, kh, kw, C]; depthwise → [1, kh, kw, M]); 4-D constants
// of broadcasting ops are permuted the same way. Users see the ONNX shapes.
//
// Relu / Clip(0, 6) / Clip(-1, 1) after a Conv, Gemm or Add whose output has
// no other reader become that op's fused activation, and a BatchNormalization
// after such a Conv is folded into its weights, as TFLite's converter does.
//
// Every node is checked before the graph is built: unsupported ops are all
// reported in one error, by op type and node index; attributes outside what
// the engine implements (grouped convs other than depthwise, ceil_mode, ...)
// are named. Initializers stored in external files are not read yet.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edgerun/status.h"
#include "io/imported_model.h"

namespace edgerun::onnx {

Result<io::ImportedModel> import_model(const uint8_t* data, size_t size);

}  // namespace edgerun::onnx
