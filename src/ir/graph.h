// The one graph IR every importer produces and the runtime consumes.
//
// A Graph is a list of Values (tensors) and Nodes (ops) in execution order.
// Constant values point at bytes owned by someone else (the model's mmap);
// the Graph never copies weights. All shapes are static and already validated
// against dtype x element count by the importer.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <variant>
#include <vector>

#include "edgerun/tensor.h"

namespace edgerun::ir {

struct Value {
  TensorInfo info;                     // name, dtype, shape, quantization
  const uint8_t* data = nullptr;       // constant bytes (not owned), or null for activations
  size_t data_bytes = 0;

  bool is_constant() const { return data != nullptr; }
};

enum class OpType : uint8_t {
  kConv2D,
  kDepthwiseConv2D,
  kFullyConnected,
  kAveragePool2D,
  kMaxPool2D,
  kAdd,
  kMul,
  kMean,
  kPad,
  kReshape,
  kSqueeze,
  kConcatenation,
  kSoftmax,
  kLogistic,
  kQuantize,
  kDequantize,
  kL2Normalization,
  kTranspose,
  kHardSwish,
  kHardSigmoid,
  kLocalResponseNorm,
  kBatchMatMul,
  kSub,
  kDiv,
  kTanh,
  kLeakyRelu,
  kClamp,
  kStridedSlice,
  kConvTranspose,
  kResize,
};
const char* op_name(OpType op);

enum class Activation : uint8_t { kNone, kRelu, kReluN1To1, kRelu6 };
// kSame / kValid: TFLite's rules (SAME puts the odd pixel of padding at the
// bottom / right). kExplicit: the attrs' `pads` (ONNX's pads attribute).
enum class Padding : uint8_t { kSame, kValid, kExplicit };
struct ExplicitPads {
  int32_t top = 0, left = 0, bottom = 0, right = 0;
};

// CONV_2D's filter is [Cout, KH, KW, Cin / groups]: groups = Cin / filter
// channels (grouped conv, as TFLite infers it). Importers emit depthwise convs
// (filter channels 1) as DEPTHWISE_CONV_2D, whose kernels are the fast ones.
struct Conv2DAttrs {
  Padding padding = Padding::kSame;
  ExplicitPads pads;  // kExplicit only
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  Activation activation = Activation::kNone;
};
struct DepthwiseConv2DAttrs {
  Padding padding = Padding::kSame;
  ExplicitPads pads;  // kExplicit only
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  int32_t depth_multiplier = 1;
  Activation activation = Activation::kNone;
};
// Pools read filter_h x filter_w taps, dilation apart; taps outside the
// image (in the padding) are skipped: they never win a max and an average
// divides by the taps it summed.
// MAX_POOL_2D may have a second output (ONNX MaxPool's Indices): int64, the
// first output's shape, each the input position of its maximum (the first in
// row-major tap order on ties) numbered as ONNX numbers an NCHW tensor,
// whatever the IR layout: ((n * C + c) * H + y) * W + x, or with
// indices_column_major (ONNX storage_order 1) (n * C + c) * H * W + x * H + y.
struct Pool2DAttrs {
  Padding padding = Padding::kSame;
  ExplicitPads pads;  // kExplicit only
  int32_t stride_h = 1, stride_w = 1;
  int32_t filter_h = 1, filter_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  bool indices_column_major = false;
  Activation activation = Activation::kNone;
};
struct FullyConnectedAttrs {
  Activation activation = Activation::kNone;
  bool keep_num_dims = false;
};
struct ElementwiseAttrs {  // ADD, SUB, MUL, DIV
  Activation activation = Activation::kNone;
};
struct ConcatenationAttrs {
  int32_t axis = 0;  // may be negative in the file; importers keep it as read
  Activation activation = Activation::kNone;
};
struct SoftmaxAttrs {
  float beta = 1.0f;
};
struct ReduceAttrs {  // MEAN; the axes are the node's second (constant) input
  bool keep_dims = false;
};
struct SqueezeAttrs {
  std::vector<int32_t> squeeze_dims;  // empty: squeeze every dim of size 1
};
struct L2NormAttrs {
  Activation activation = Activation::kNone;
};

struct HardSigmoidAttrs {  // y = max(0, min(1, alpha * x + beta))
  float alpha = 0.2f;
  float beta = 0.5f;
};

// y = x / (bias + alpha * sum of x^2 over channels [c - radius_before, c + radius_after]) ^ beta,
// over the last axis (TFLite LOCAL_RESPONSE_NORMALIZATION: radius both ways;
// ONNX LRN: size - 1 split floor / ceil, alpha / size).
struct LocalResponseNormAttrs {
  int32_t radius_before = 2, radius_after = 2;
  float bias = 1.0f, alpha = 1.0f, beta = 0.5f;
};

// A [..., M, K] x B [..., K, N] -> [..., M, N], batch dims broadcast (NumPy
// matmul); adj_x / adj_y: the operand's last two dims are swapped first.
struct BatchMatMulAttrs {
  bool adj_x = false, adj_y = false;
};

struct LeakyReluAttrs {  // y = x > 0 ? x : alpha * x
  float alpha = 0.01f;  // ONNX's default; the TFLite reader uses the schema's 0 when a file omits it
};
struct ClampAttrs {  // y = min(max(x, min), max); min > max gives max everywhere, as ONNX Clip
  float min = -std::numeric_limits<float>::infinity();  // -inf: no lower bound
  float max = std::numeric_limits<float>::infinity();   // +inf: no upper bound
};

// STRIDED_SLICE (ONNX Slice / Split, TFLite STRIDED_SLICE / SLICE), one entry
// per input dim, already normalised by the importer (no negative indices, no
// clamping, no masks left): output element o reads input index
// begin[d] + o[d] * step[d] along each dim d. The extents are the output
// Value's shape, with a 1 for each dim in shrink_mask.
struct StridedSliceAttrs {
  std::vector<int32_t> begin;
  std::vector<int32_t> step;  // non-zero; negative walks the dim backwards
  // Bit d set: input dim d is read at begin[d] only and is absent from the
  // output shape (TFLite's shrink_axis_mask); 0 for ONNX.
  uint32_t shrink_mask = 0;
};

// PAD's fill rule for output positions outside the input, along each dim
// (ONNX Pad modes, TFLite PAD / PADV2 / MIRROR_PAD; x = input, n = its size):
//   kConstant  constant_value (the zero point on quantized tensors)
//   kReflect   mirrors without repeating the edge: x[2] x[1] | x[0] x[1] x[2] ... (each pad < n)
//   kSymmetric mirrors repeating the edge:             x[1] x[0] | x[0] x[1] ... (each pad <= n)
//   kEdge      repeats the edge element
//   kWrap      continues from the opposite end (any pad size)
enum class PadMode : uint8_t { kConstant, kReflect, kEdge, kSymmetric, kWrap };
// PAD's paddings stay its second input ([rank, 2] constant int32 / int64, as
// TFLite gives them; negative amounts crop, as ONNX allows). PAD with
// monostate attrs (TFLite PAD) is kConstant with 0.
struct PadAttrs {
  PadMode mode = PadMode::kConstant;
  // kConstant only: float32 pads with it, unquantized integer / bool tensors
  // with it converted (it must be exact); quantized tensors pad with the code
  // whose real value it is (0: the zero point), which must exist exactly.
  float constant_value = 0.0f;
};

// CONV_TRANSPOSE (ONNX ConvTranspose, TFLite TRANSPOSE_CONV): every input
// pixel (b, iy, ix) adds x[b, iy, ix, :] times the filter taps to output
// pixel (iy * stride - pads.top + ky * dilation, ix * stride - pads.left +
// kx * dilation), within groups of channels; taps falling outside the output
// are dropped. Inputs: x float32 [N, H, W, Cin]; filter float32 constant
// [Cout, KH, KW, Cin / groups] (TFLite's OHWI; ONNX's [Cin, Cout / groups, KH,
// KW] with w[g * Cout/groups + o, ky, kx, i] = W_onnx[g * Cin/groups + i, o,
// ky, kx]); optional bias float32 [Cout]. Output [N, OH, OW, Cout] with
// OH = stride_h * (H - 1) + (KH - 1) * dilation_h + 1 - top - bottom +
// output_padding_h, output_padding_h (in [0, max(stride_h, dilation_h))) being
// implied by the output Value's static shape; the same across.
struct ConvTransposeAttrs {
  Padding padding = Padding::kExplicit;  // only kExplicit: importers resolve SAME / VALID / auto_pad
  ExplicitPads pads;                     // each >= 0: output pixels cropped at each edge
  int32_t stride_h = 1, stride_w = 1;
  int32_t dilation_h = 1, dilation_w = 1;
  int32_t groups = 1;  // Cin and Cout both divisible by it
  Activation activation = Activation::kNone;
};

// RESIZE: ONNX Resize on the H and W axes of an NHWC tensor (onnx's reference
// implementation is the specification; N and C keep their size). The output
// size is the output Value's static shape. Input 0: the tensor (float32 for
// every mode; uint8 / int8 too for kNearest); TFLite adds an optional input 1,
// the constant int32 [2] output size (must equal the output's H and W).
enum class ResizeMode : uint8_t { kNearest, kLinear, kCubic };
// ONNX coordinate_transformation_mode: how an output index maps to a source coordinate.
enum class ResizeCoord : uint8_t {
  kHalfPixel,
  kHalfPixelSymmetric,
  kPytorchHalfPixel,
  kAlignCorners,
  kAsymmetric,
  kTfCropAndResize,
};
// ONNX nearest_mode: how kNearest rounds a fractional source coordinate.
enum class ResizeNearestMode : uint8_t { kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };
struct ResizeAttrs {
  ResizeMode mode = ResizeMode::kNearest;
  ResizeCoord coord = ResizeCoord::kHalfPixel;
  ResizeNearestMode nearest = ResizeNearestMode::kRoundPreferFloor;
  float cubic_coeff_a = -0.75f;
  bool exclude_outside = false;      // weights of taps outside the input set to 0, the rest renormalised
  bool antialias = false;            // kLinear / kCubic downsampling: the filter widened by 1 / scale
  float extrapolation_value = 0.0f;  // kTfCropAndResize: value of outputs whose source lies outside
  // The scale in ONNX's coordinate transform (output / input size): the float
  // `scales` input's value; with `sizes`, 0 (output / input of the shapes, in
  // double as ONNX computes it) or, under keep_aspect_ratio_policy, ONNX's
  // double min / max ratio (double so that it is not rounded).
  double scale_h = 0.0, scale_w = 0.0;
  // kTfCropAndResize only: ONNX's normalised roi (start, end) of the H and W axes.
  float roi_h_begin = 0.0f, roi_h_end = 1.0f, roi_w_begin = 0.0f, roi_w_end = 1.0f;
};

// QUANTIZE (float32 -> int8 / uint8 / int16 / uint16) and DEQUANTIZE (back):
// real = scale * (q - zero_point), with the quantized tensor's QuantParams,
// per tensor or per channel along its `axis` (an IR axis: NHWC-stored ONNX
// values have theirs moved). Or, for ONNX's blocked quantization, inputs 1
// and 2: constant float32 scales and int32 zero points of the quantized
// tensor's shape, one per element (the importer expands the blocks), the
// quantized tensor then having no QuantParams. QUANTIZE also requantizes
// int8 / uint8 to int8 / uint8 (per tensor, TFLite's fixed-point Requantize).
// How QUANTIZE rounds x / scale from float: TFLite's AffineQuantize rounds half
// away from zero and converts to int32 as x86 does (out of range or NaN:
// INT32_MIN, then the zero point is added wrapping, then clamped); ONNX's
// QuantizeLinear rounds half to even and saturates (NaN: the type's minimum,
// as ONNX's reference gives on x86). To float8 (ONNX only), x / scale rounds
// to nearest even; `saturate` clamps out-of-range values (infinities
// included) to the largest finite value, else they become infinity (E5M2)
// or NaN (E4M3FN, which has no infinity).
enum class QuantizeRounding : uint8_t { kHalfAwayFromZero, kHalfToEven };
struct QuantizeAttrs {  // QUANTIZE; monostate (TFLite) is kHalfAwayFromZero
  QuantizeRounding rounding = QuantizeRounding::kHalfAwayFromZero;
  bool saturate = true;
};

// Ops without attributes (RESHAPE, PAD, LOGISTIC, DEQUANTIZE) carry monostate:
// their output shape is the output Value's static shape.




using Attrs = std::variant<std::monostate, Conv2DAttrs, DepthwiseConv2DAttrs, Pool2DAttrs, FullyConnectedAttrs,
                           ElementwiseAttrs, ConcatenationAttrs, SoftmaxAttrs, ReduceAttrs, SqueezeAttrs, L2NormAttrs,
                           HardSigmoidAttrs, LocalResponseNormAttrs, BatchMatMulAttrs, LeakyReluAttrs, ClampAttrs,
                           StridedSliceAttrs, PadAttrs, ConvTransposeAttrs, ResizeAttrs, QuantizeAttrs>;

constexpr int32_t kNoValue = -1;  // an optional input that is absent (e.g. no bias)

struct Node {
  OpType op;
  std::vector<int32_t> inputs;   // indices into Graph::values, or kNoValue
  std::vector<int32_t> outputs;  // indices into Graph::values
  Attrs attrs;
  int32_t source_index = 0;      // operator index in the source file, for error messages
};

// How the quantized conv, depthwise conv, fully connected, add and mean
// rescale their int32 results to the output's quantization: the arithmetic
// of the runtime the model was made for, so that results match it exactly.
//   kTfLite       TFLite's: Q31 fixed-point multipliers and shifts, rounding
//                 half away from zero (the TFLite reader's).
//   kOnnxRuntime  ONNX Runtime's CPU kernels (the ONNX reader's): the int32
//                 accumulator converted to float, times the float scale
//                 input_scale * filter_scale / output_scale, rounded half to
//                 even; MEAN as its QLinearGlobalAveragePool; ADD as
//                 ONNX defines it (dequantize, add, quantize) in float.
enum class QuantArithmetic : uint8_t { kTfLite, kOnnxRuntime };

struct Graph {
  std::vector<Value> values;
  std::vector<Node> nodes;  // in execution order
  std::vector<int32_t> inputs;
  std::vector<int32_t> outputs;
  QuantArithmetic quant_arithmetic = QuantArithmetic::kTfLite;
};

}  // namespace edgerun::ir
