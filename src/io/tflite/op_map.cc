#include "io/tflite/op_map.h"

#include <string>

namespace edgerun::tflite {
namespace {

using fb::FieldKind;
using K = FieldKind;

// Builtin operator names by code (schema.fbs BuiltinOperator), for messages.
constexpr const char* kBuiltinNames[] = {
    "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D", "DEPTH_TO_SPACE", "DEQUANTIZE",
    "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED", "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D",
    "LOCAL_RESPONSE_NORMALIZATION", "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU",
    "RELU_N1_TO_1", "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF", "TANH",
    "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE", "PAD",
    "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND", "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB",
    "DIV", "SQUEEZE", "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP",
    "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST", "PRELU", "MAXIMUM",
    "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER", "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN",
    "TRANSPOSE_CONV", "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT", "RSQRT",
    "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK", "LOGICAL_OR", "ONE_HOT",
    "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN", "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL",
    "FLOOR_MOD", "RANGE", "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS",
    "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE", "RANK", "ELU",
    "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG", "ROUND", "HARD_SWISH", "IF", "WHILE",
    "NON_MAX_SUPPRESSION_V4", "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM",
    "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE", "BROADCAST_TO", "RFFT2D", "CONV_3D",
    "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE", "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE",
    "REDUCE_ALL", "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE", "BROADCAST_ARGS",
    "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM", "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE",
    "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD", "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2",
    "UNSORTED_SEGMENT_MIN", "SIGN", "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT",
};

// BuiltinOptions union tags (schema.fbs), for the ops edgerun reads options of.
enum OptionsTag : uint8_t {
  kConv2DOptions = 1, kDepthwiseConv2DOptions = 2, kPool2DOptions = 5, kFullyConnectedOptions = 8,
  kSoftmaxOptions = 9, kConcatenationOptions = 10, kAddOptions = 11, kL2NormOptions = 12, kReshapeOptions = 17,
  kMulOptions = 21, kPadOptions = 22, kReducerOptions = 27, kSqueezeOptions = 30, kDequantizeOptions = 38,
  kQuantizeOptions = 89,
  kResizeBilinearOptions = 15,
};

// Reads one options table after verifying it with its field layout.
class OptionsReader {
 public:
  OptionsReader(const OpContext& ctx, const fb::FieldKind* kinds, int count) : ctx_(ctx), t_(ctx.options) {
    if (t_ == nullptr) return;
    fb::Verifier v(ctx.file, ctx.file_size);
    valid_ = fb::verify_options(v, t_, kinds, count);
  }
  bool valid() const { return valid_; }
  int32_t i32(int id, int32_t def) const { return t_ ? t_->GetField<int32_t>(fb::field(id), def) : def; }
  uint8_t u8(int id, uint8_t def) const { return t_ ? t_->GetField<uint8_t>(fb::field(id), def) : def; }
  float f32(int id, float def) const { return t_ ? t_->GetField<float>(fb::field(id), def) : def; }
  std::vector<int32_t> vec_i32(int id) const {
    std::vector<int32_t> out;
    if (!t_) return out;
    const auto* vec = t_->GetPointer<const fb::Vector<int32_t>*>(fb::field(id));
    if (vec) out.assign(vec->begin(), vec->end());
    return out;
  }

 private:
  const OpContext& ctx_;
  const fb::Table* t_;
  bool valid_ = true;
};

Status options_error(const OpContext& ctx, const std::string& what) {
  return InvalidModel(std::string(builtin_name(ctx.builtin_code)) + " (operator " +
                      std::to_string(ctx.operator_index) + ") options: " + what);
}

Status expect_tag(const OpContext& ctx, uint8_t tag, const char* table) {
  if (ctx.options == nullptr || ctx.options_type == tag) return Status::Ok();
  return options_error(ctx, std::string("expected ") + table + " (union tag " + std::to_string(tag) +
                                "), found union tag " + std::to_string(ctx.options_type));
}

Result<ir::Activation> activation(const OpContext& ctx, uint8_t code) {
  switch (code) {
    case 0: return ir::Activation::kNone;
    case 1: return ir::Activation::kRelu;
    case 2: return ir::Activation::kReluN1To1;
    case 3: return ir::Activation::kRelu6;
    default: break;
  }
  return Status(StatusCode::kUnsupported,
                options_error(ctx, "fused activation " + std::to_string(code) +
                                       (code == 4 ? " (TANH)" : code == 5 ? " (SIGN_BIT)" : "") + " is not supported")
                    .message());
}

Result<ir::Padding> padding(const OpContext& ctx, uint8_t code) {
  if (code == 0) return ir::Padding::kSame;
  if (code == 1) return ir::Padding::kValid;
  return options_error(ctx, "padding: expected SAME (0) or VALID (1), found " + std::to_string(code));
}

#define READ_OPTIONS(reader, tag, table, ...)                                  \
  EDGERUN_RETURN_IF_ERROR(expect_tag(ctx, tag, table));                        \
  static constexpr FieldKind kinds_[] = {__VA_ARGS__};                         \
  OptionsReader reader(ctx, kinds_, static_cast<int>(std::size(kinds_)));      \
  if (!reader.valid()) return options_error(ctx, std::string(table) + " failed flatbuffer verification")

Result<ir::Attrs> parse_conv_2d(const OpContext& ctx) {
  READ_OPTIONS(r, kConv2DOptions, "Conv2DOptions", K::kU8, K::kI32, K::kI32, K::kU8, K::kI32, K::kI32);
  ir::Conv2DAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.padding, padding(ctx, r.u8(0, 0)));
  a.stride_w = r.i32(1, 0);
  a.stride_h = r.i32(2, 0);
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(3, 0)));
  a.dilation_w = r.i32(4, 1);
  a.dilation_h = r.i32(5, 1);
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_depthwise_conv_2d(const OpContext& ctx) {
  READ_OPTIONS(r, kDepthwiseConv2DOptions, "DepthwiseConv2DOptions", K::kU8, K::kI32, K::kI32, K::kI32, K::kU8,
               K::kI32, K::kI32);
  ir::DepthwiseConv2DAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.padding, padding(ctx, r.u8(0, 0)));
  a.stride_w = r.i32(1, 0);
  a.stride_h = r.i32(2, 0);
  a.depth_multiplier = r.i32(3, 0);
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(4, 0)));
  a.dilation_w = r.i32(5, 1);
  a.dilation_h = r.i32(6, 1);
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_pool_2d(const OpContext& ctx) {
  READ_OPTIONS(r, kPool2DOptions, "Pool2DOptions", K::kU8, K::kI32, K::kI32, K::kI32, K::kI32, K::kU8);
  ir::Pool2DAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.padding, padding(ctx, r.u8(0, 0)));
  a.stride_w = r.i32(1, 0);
  a.stride_h = r.i32(2, 0);
  a.filter_w = r.i32(3, 0);
  a.filter_h = r.i32(4, 0);
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(5, 0)));
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_fully_connected(const OpContext& ctx) {
  READ_OPTIONS(r, kFullyConnectedOptions, "FullyConnectedOptions", K::kU8, K::kU8, K::kU8, K::kU8, K::kU8);
  ir::FullyConnectedAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(0, 0)));
  if (r.u8(1, 0) != 0) {
    return Status(StatusCode::kUnsupported,
                  options_error(ctx, "weights_format " + std::to_string(r.u8(1, 0)) +
                                         " (shuffled weights) is not supported; expected DEFAULT (0)")
                      .message());
  }
  a.keep_num_dims = r.u8(2, 0) != 0;
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_softmax(const OpContext& ctx) {
  READ_OPTIONS(r, kSoftmaxOptions, "SoftmaxOptions", K::kF32);
  ir::SoftmaxAttrs a;
  a.beta = r.f32(0, 0.0f);
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_concatenation(const OpContext& ctx) {
  READ_OPTIONS(r, kConcatenationOptions, "ConcatenationOptions", K::kI32, K::kU8);
  ir::ConcatenationAttrs a;
  a.axis = r.i32(0, 0);
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(1, 0)));
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_add(const OpContext& ctx) {
  READ_OPTIONS(r, kAddOptions, "AddOptions", K::kU8, K::kU8);
  ir::ElementwiseAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(0, 0)));
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_mul(const OpContext& ctx) {
  READ_OPTIONS(r, kMulOptions, "MulOptions", K::kU8);
  ir::ElementwiseAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(0, 0)));
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_l2_norm(const OpContext& ctx) {
  READ_OPTIONS(r, kL2NormOptions, "L2NormOptions", K::kU8);
  ir::L2NormAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(0, 0)));
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_reducer(const OpContext& ctx) {
  READ_OPTIONS(r, kReducerOptions, "ReducerOptions", K::kU8);
  ir::ReduceAttrs a;
  a.keep_dims = r.u8(0, 0) != 0;
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_squeeze(const OpContext& ctx) {
  READ_OPTIONS(r, kSqueezeOptions, "SqueezeOptions", K::kVecI32);
  ir::SqueezeAttrs a;
  a.squeeze_dims = r.vec_i32(0);
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_reshape(const OpContext& ctx) {
  // new_shape is informational: the output tensor's static shape is authoritative.
  READ_OPTIONS(r, kReshapeOptions, "ReshapeOptions", K::kVecI32);
  return ir::Attrs{};
}

Result<ir::Attrs> no_options(const OpContext&) { return ir::Attrs{}; }

// TFLite's bilinear resize is ONNX's linear Resize on H and W: align_corners is
// align_corners, half_pixel_centers is half_pixel (TFLite's output size 1 also
// samples the middle), neither is asymmetric. TFLite computes coordinates in
// float32 and ONNX in float64, so results agree to float32 rounding, not bit for
// bit. The scale (output / input) follows from the shapes (scale_h = scale_w = 0).
// RESIZE_NEAREST_NEIGHBOR is not mapped: its float32 coordinates round ties
// differently from ONNX's float64 ones (e.g. height 2 -> 82, row 41: TFLite
// takes source row 0, ONNX asymmetric floor row 1), so whole pixels differ.
Result<ir::Attrs> parse_resize_bilinear(const OpContext& ctx) {
  READ_OPTIONS(r, kResizeBilinearOptions, "ResizeBilinearOptions", K::kI32, K::kI32, K::kU8, K::kU8);
  const bool align_corners = r.u8(2, 0) != 0;
  const bool half_pixel_centers = r.u8(3, 0) != 0;
  if (align_corners && half_pixel_centers) {
    return options_error(ctx, "align_corners and half_pixel_centers are both set (TFLite allows one at most)");
  }
  ir::ResizeAttrs a;
  a.mode = ir::ResizeMode::kLinear;
  a.coord = align_corners        ? ir::ResizeCoord::kAlignCorners
            : half_pixel_centers ? ir::ResizeCoord::kHalfPixel
                                 : ir::ResizeCoord::kAsymmetric;
  return ir::Attrs{a};
}

using ir::OpType;

// One line per supported TFLite builtin operator.
constexpr OpMapEntry kOpMap[] = {
    {3, OpType::kConv2D, parse_conv_2d},
    {4, OpType::kDepthwiseConv2D, parse_depthwise_conv_2d},
    {9, OpType::kFullyConnected, parse_fully_connected},
    {1, OpType::kAveragePool2D, parse_pool_2d},
    {17, OpType::kMaxPool2D, parse_pool_2d},
    {0, OpType::kAdd, parse_add},
    {18, OpType::kMul, parse_mul},
    {40, OpType::kMean, parse_reducer},
    {34, OpType::kPad, no_options},
    {22, OpType::kReshape, parse_reshape},
    {43, OpType::kSqueeze, parse_squeeze},
    {2, OpType::kConcatenation, parse_concatenation},
    {25, OpType::kSoftmax, parse_softmax},
    {14, OpType::kLogistic, no_options},
    {114, OpType::kQuantize, no_options},
    {6, OpType::kDequantize, no_options},
    {11, OpType::kL2Normalization, parse_l2_norm},
    {39, OpType::kTranspose, no_options},
    {117, OpType::kHardSwish, no_options},
    {23, OpType::kResize, parse_resize_bilinear},
};

}  // namespace

const char* builtin_name(int32_t code) {
  if (code >= 0 && static_cast<size_t>(code) < std::size(kBuiltinNames)) return kBuiltinNames[code];
  return "UNKNOWN_BUILTIN";
}

const OpMapEntry* find_builtin(int32_t code) {
  for (const OpMapEntry& e : kOpMap) {
    if (e.builtin_code == code) return &e;
  }
  return nullptr;
}

}  // namespace edgerun::tflite
