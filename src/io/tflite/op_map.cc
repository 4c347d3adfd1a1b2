#include "io/tflite/op_map.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/float4.h"

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
  READ_OPTIONS(r, fb::kConv2DOptions, "Conv2DOptions", K::kU8, K::kI32, K::kI32, K::kU8, K::kI32, K::kI32);
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
  READ_OPTIONS(r, fb::kDepthwiseConv2DOptions, "DepthwiseConv2DOptions", K::kU8, K::kI32, K::kI32, K::kI32, K::kU8,
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
  READ_OPTIONS(r, fb::kPool2DOptions, "Pool2DOptions", K::kU8, K::kI32, K::kI32, K::kI32, K::kI32, K::kU8);
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
  READ_OPTIONS(r, fb::kFullyConnectedOptions, "FullyConnectedOptions", K::kU8, K::kU8, K::kU8, K::kU8, K::kU8);
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
  READ_OPTIONS(r, fb::kSoftmaxOptions, "SoftmaxOptions", K::kF32);
  ir::SoftmaxAttrs a;
  a.beta = r.f32(0, 0.0f);
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_concatenation(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kConcatenationOptions, "ConcatenationOptions", K::kI32, K::kU8);
  ir::ConcatenationAttrs a;
  a.axis = r.i32(0, 0);
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(1, 0)));
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_add(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kAddOptions, "AddOptions", K::kU8, K::kU8);
  ir::ElementwiseAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(0, 0)));
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_mul(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kMulOptions, "MulOptions", K::kU8);
  ir::ElementwiseAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(0, 0)));
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_l2_norm(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kL2NormOptions, "L2NormOptions", K::kU8);
  ir::L2NormAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(0, 0)));
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_local_response_norm(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kLocalResponseNormalizationOptions, "LocalResponseNormalizationOptions", K::kI32, K::kF32,
               K::kF32, K::kF32);
  ir::LocalResponseNormAttrs a;
  a.radius_before = a.radius_after = r.i32(0, 0);
  a.bias = r.f32(1, 0.0f);
  a.alpha = r.f32(2, 0.0f);
  a.beta = r.f32(3, 0.0f);
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_reducer(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kReducerOptions, "ReducerOptions", K::kU8);
  ir::ReduceAttrs a;
  a.keep_dims = r.u8(0, 0) != 0;
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_squeeze(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kSqueezeOptions, "SqueezeOptions", K::kVecI32);
  ir::SqueezeAttrs a;
  a.squeeze_dims = r.vec_i32(0);
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_reshape(const OpContext& ctx) {
  // new_shape is informational: the output tensor's static shape is authoritative.
  READ_OPTIONS(r, fb::kReshapeOptions, "ReshapeOptions", K::kVecI32);
  return ir::Attrs{};
}

Result<ir::Attrs> parse_sub(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kSubOptions, "SubOptions", K::kU8, K::kU8);  // pot_scale_int16 only matters for int16
  ir::ElementwiseAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(0, 0)));
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_div(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kDivOptions, "DivOptions", K::kU8);
  ir::ElementwiseAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(0, 0)));
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_leaky_relu(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kLeakyReluOptions, "LeakyReluOptions", K::kF32);
  ir::LeakyReluAttrs a;
  a.alpha = r.f32(0, 0.0f);  // the schema's default, as TFLite reads a missing table
  return ir::Attrs{a};
}

// RELU, RELU6, RELU_N1_TO_1 and RELU_0_TO_1 are CLAMPs (no options table; CLAMP runs float32 only, a quantized
// model's unfused RELU fails to prepare as unsupported).
Result<ir::Attrs> relu_clamp(const OpContext&) {
  return ir::Attrs{ir::ClampAttrs{0.0f, std::numeric_limits<float>::infinity()}};
}
Result<ir::Attrs> relu6_clamp(const OpContext&) { return ir::Attrs{ir::ClampAttrs{0.0f, 6.0f}}; }
Result<ir::Attrs> relu_n1_to_1_clamp(const OpContext&) { return ir::Attrs{ir::ClampAttrs{-1.0f, 1.0f}}; }
Result<ir::Attrs> relu_0_to_1_clamp(const OpContext&) { return ir::Attrs{ir::ClampAttrs{0.0f, 1.0f}}; }

Result<ir::Attrs> parse_batch_matmul(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kBatchMatMulOptions, "BatchMatMulOptions", K::kU8, K::kU8, K::kU8);
  if (r.u8(2, 0) != 0) {
    return Status(StatusCode::kUnsupported,
                  options_error(ctx, "asymmetric_quantize_inputs (hybrid int8 weights) is not supported").message());
  }
  ir::BatchMatMulAttrs a;
  a.adj_x = r.u8(0, 0) != 0;
  a.adj_y = r.u8(1, 0) != 0;
  return ir::Attrs{a};
}

Result<ir::Attrs> no_options(const OpContext&) { return ir::Attrs{}; }

// ---- Ops whose parameters are constant input tensors ----

// An error about the operator's tensors rather than its options table.
Status tensor_error(const OpContext& ctx, const std::string& what) {
  return InvalidModel(std::string(builtin_name(ctx.builtin_code)) + " (operator " +
                      std::to_string(ctx.operator_index) + "): " + what);
}
Status tensor_unsupported(const OpContext& ctx, const std::string& what) {
  return Status(StatusCode::kUnsupported, tensor_error(ctx, what).message());
}

Status expect_io(const OpContext& ctx, size_t min_inputs, size_t max_inputs) {
  const ir::Node& n = *ctx.node;
  if (n.inputs.size() < min_inputs || n.inputs.size() > max_inputs || n.outputs.size() != 1) {
    return tensor_error(ctx, "expected " + std::to_string(min_inputs) +
                                 (max_inputs != min_inputs ? " to " + std::to_string(max_inputs) : "") +
                                 " inputs and 1 output, found " + std::to_string(n.inputs.size()) + " and " +
                                 std::to_string(n.outputs.size()));
  }
  for (size_t i = 0; i < min_inputs; ++i) {
    if (n.inputs[i] == ir::kNoValue) return tensor_error(ctx, "input " + std::to_string(i) + " is missing");
  }
  return Status::Ok();
}

const ir::Value& value_of(const OpContext& ctx, int32_t id) { return ctx.graph->values[static_cast<size_t>(id)]; }

// Input i (present, see expect_io) as a constant 1-D int32 (or, if allowed,
// int64) vector.
Result<std::vector<int64_t>> constant_ints(const OpContext& ctx, size_t i, const char* what, bool allow_int64) {
  const ir::Value& v = value_of(ctx, ctx.node->inputs[i]);
  if (!v.is_constant()) {
    return tensor_unsupported(ctx, std::string(what) + " (input " + std::to_string(i) +
                                       ") must be a constant tensor; computed ones are not supported");
  }
  const DType t = v.info.dtype;
  if (t != DType::kInt32 && !(allow_int64 && t == DType::kInt64)) {
    return tensor_error(ctx, std::string(what) + " dtype: expected int32" + (allow_int64 ? " or int64" : "") +
                                 ", found " + dtype_name(t));
  }
  if (v.info.shape.size() != 1) {
    return tensor_error(ctx, std::string(what) + ": expected a 1-D tensor, found shape " + shape_string(v.info.shape));
  }
  const auto count = static_cast<size_t>(v.info.shape[0]);
  if (v.data_bytes < count * dtype_size(t)) return tensor_error(ctx, std::string(what) + ": data is truncated");
  std::vector<int64_t> out(count);
  for (size_t k = 0; k < count; ++k) {
    if (t == DType::kInt32) {
      int32_t x;
      std::memcpy(&x, v.data + k * sizeof(x), sizeof(x));
      out[k] = x;
    } else {
      std::memcpy(&out[k], v.data + k * sizeof(int64_t), sizeof(int64_t));
    }
  }
  return out;
}

// The slice a parser computed must be the shape the file declares for the output.
Status expect_output_shape(const OpContext& ctx, const Shape& expected, const char* how) {
  const Shape& found = value_of(ctx, ctx.node->outputs[0]).info.shape;
  if (found == expected) return Status::Ok();
  return tensor_error(ctx, "output shape: expected " + shape_string(expected) + " (" + how + "), found " +
                               shape_string(found));
}

Result<ir::Attrs> parse_strided_slice(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kStridedSliceOptions, "StridedSliceOptions", K::kI32, K::kI32, K::kI32, K::kI32, K::kI32, K::kU8);
  const auto begin_mask = static_cast<uint32_t>(r.i32(0, 0));
  const auto end_mask = static_cast<uint32_t>(r.i32(1, 0));
  const auto shrink_mask = static_cast<uint32_t>(r.i32(4, 0));
  const std::pair<const char*, int32_t> unsupported[] = {
      {"ellipsis_mask", r.i32(2, 0)}, {"new_axis_mask", r.i32(3, 0)}, {"offset", r.u8(5, 0)}};
  for (const auto& [name, value] : unsupported) {
    if (value != 0) {
      return Status(StatusCode::kUnsupported,
                    options_error(ctx, std::string(name) + " " + std::to_string(value) +
                                           " is not supported; expected 0")
                        .message());
    }
  }
  EDGERUN_RETURN_IF_ERROR(expect_io(ctx, 4, 4));
  const Shape& shape = value_of(ctx, ctx.node->inputs[0]).info.shape;
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int64_t> begin, constant_ints(ctx, 1, "begin", false));
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int64_t> end, constant_ints(ctx, 2, "end", false));
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int64_t> strides, constant_ints(ctx, 3, "strides", false));
  const size_t count = begin.size();
  if (end.size() != count || strides.size() != count || count > shape.size()) {
    return tensor_error(ctx, "begin / end / strides lengths: expected equal and at most the input rank " +
                                 std::to_string(shape.size()) + ", found " + std::to_string(count) + " / " +
                                 std::to_string(end.size()) + " / " + std::to_string(strides.size()));
  }
  // TFLite's StridedSliceStartForAxis / StridedSliceEndForAxis (strided_slice_logic.h),
  // with the extent in exact integer arithmetic; dims past `count` are taken whole.
  ir::StridedSliceAttrs a;
  Shape expected;
  for (size_t d = 0; d < shape.size(); ++d) {
    const int64_t size = shape[d];
    int64_t start = 0, stop = size, stride = 1;
    const bool shrink = d < count && ((shrink_mask >> d) & 1);
    if (d < count) {
      stride = strides[d];
      if (stride == 0) return tensor_error(ctx, "strides[" + std::to_string(d) + "]: expected non-zero, found 0");
      const bool forward = stride > 0;
      auto resolve = [&](int64_t index, bool masked, int64_t masked_value) {
        if (index < 0) index += size;
        index = forward ? std::clamp<int64_t>(index, 0, size) : std::clamp<int64_t>(index, -1, size - 1);
        return masked ? masked_value : index;
      };
      start = resolve(begin[d], (begin_mask >> d) & 1, forward ? 0 : size - 1);
      stop = resolve(end[d], (end_mask >> d) & 1, forward ? size : -1);
      if (shrink) {
        // TFLite then reads begin alone; out of range or backwards, its kernel writes nothing.
        if (start < 0 || start >= size || !forward) {
          return tensor_error(ctx, "shrink_axis_mask dim " + std::to_string(d) +
                                       ": expected a begin inside the dim's " + std::to_string(size) +
                                       " elements and a positive stride, found begin " + std::to_string(begin[d]) +
                                       ", stride " + std::to_string(stride));
        }
        stop = start + 1;
      }
    }
    const int64_t span = stride > 0 ? stop - start : start - stop;
    const int64_t abs_stride = stride > 0 ? stride : -stride;
    const int64_t extent = span > 0 ? (span + abs_stride - 1) / abs_stride : 0;
    a.begin.push_back(static_cast<int32_t>(start));
    a.step.push_back(static_cast<int32_t>(stride));
    if (shrink) {
      a.shrink_mask |= 1u << d;
    } else {
      expected.push_back(static_cast<int32_t>(extent));
    }
  }
  EDGERUN_RETURN_IF_ERROR(expect_output_shape(ctx, expected, "begin / end / strides and the masks"));
  ctx.node->inputs.resize(1);
  return ir::Attrs{std::move(a)};
}

Result<ir::Attrs> parse_slice(const OpContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_tag(ctx, fb::kSliceOptions, "SliceOptions"));  // no fields
  EDGERUN_RETURN_IF_ERROR(expect_io(ctx, 3, 3));
  const Shape& shape = value_of(ctx, ctx.node->inputs[0]).info.shape;
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int64_t> begin, constant_ints(ctx, 1, "begin", true));
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int64_t> size, constant_ints(ctx, 2, "size", true));
  if (begin.size() != shape.size() || size.size() != shape.size()) {
    return tensor_error(ctx, "begin / size lengths: expected " + std::to_string(shape.size()) +
                                 " (the input rank), found " + std::to_string(begin.size()) + " / " +
                                 std::to_string(size.size()));
  }
  ir::StridedSliceAttrs a;
  Shape expected;
  for (size_t d = 0; d < shape.size(); ++d) {
    const int64_t extent = size[d] == -1 ? shape[d] - begin[d] : size[d];  // -1: to the end
    if (begin[d] < 0 || begin[d] > shape[d] || extent < 0 || begin[d] + extent > shape[d]) {
      return tensor_error(ctx, "dim " + std::to_string(d) + ": begin " + std::to_string(begin[d]) + " size " +
                                   std::to_string(size[d]) + " is outside the input dim's " +
                                   std::to_string(shape[d]) + " elements");
    }
    a.begin.push_back(static_cast<int32_t>(begin[d]));
    a.step.push_back(1);
    expected.push_back(static_cast<int32_t>(extent));
  }
  EDGERUN_RETURN_IF_ERROR(expect_output_shape(ctx, expected, "size, with -1 up to the end of the dim"));
  ctx.node->inputs.resize(1);
  return ir::Attrs{std::move(a)};
}

// TFLite's pads only grow a tensor (negative amounts, which the IR's PAD reads
// as cropping, are invalid in a TFLite file). Non-constant or mistyped paddings
// are left to PAD's own validation.
Status expect_non_negative_paddings(const OpContext& ctx) {
  const ir::Node& n = *ctx.node;
  if (n.inputs.size() < 2 || n.inputs[1] == ir::kNoValue) return Status::Ok();
  const ir::Value& v = value_of(ctx, n.inputs[1]);
  if (!v.is_constant() || (v.info.dtype != DType::kInt32 && v.info.dtype != DType::kInt64)) return Status::Ok();
  const auto count = static_cast<size_t>(v.info.elements());
  const size_t bytes = dtype_size(v.info.dtype);
  if (v.data_bytes < count * bytes) return Status::Ok();
  for (size_t k = 0; k < count; ++k) {
    int64_t x = 0;
    if (bytes == 4) {
      int32_t x32;
      std::memcpy(&x32, v.data + k * 4, 4);
      x = x32;
    } else {
      std::memcpy(&x, v.data + k * 8, 8);
    }
    if (x < 0) {
      return tensor_error(ctx, "paddings element " + std::to_string(k) + ": expected >= 0, found " +
                                   std::to_string(x));
    }
  }
  return Status::Ok();
}

Result<ir::Attrs> parse_pad(const OpContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_non_negative_paddings(ctx));
  return ir::Attrs{};
}

template <typename T>
T load_scalar(const uint8_t* p) {
  T x;
  std::memcpy(&x, p, sizeof(x));
  return x;
}

// PADV2's optional third input, a one-element constant of the input's dtype.
Result<float> padv2_value(const OpContext& ctx) {
  const ir::Value& in = value_of(ctx, ctx.node->inputs[0]);
  const ir::Value& c = value_of(ctx, ctx.node->inputs[2]);
  if (!c.is_constant()) return tensor_unsupported(ctx, "a computed constant value (input 2) is not supported");
  if (c.info.dtype != in.info.dtype) {
    return tensor_error(ctx, std::string("constant value dtype: expected ") + dtype_name(in.info.dtype) +
                                 " (the input's), found " + dtype_name(c.info.dtype));
  }
  if (c.info.elements() != 1 || c.data_bytes < dtype_size(c.info.dtype)) {
    return tensor_error(ctx, "constant value: expected one element, found shape " + shape_string(c.info.shape));
  }
  int64_t raw = 0;
  switch (c.info.dtype) {
    case DType::kFloat32: return load_scalar<float>(c.data);
    case DType::kInt8: raw = static_cast<int8_t>(c.data[0]); break;
    case DType::kUInt8: raw = c.data[0]; break;
    case DType::kBool: raw = c.data[0] != 0; break;
    case DType::kInt16: raw = load_scalar<int16_t>(c.data); break;
    case DType::kUInt16: raw = load_scalar<uint16_t>(c.data); break;
    case DType::kInt32: raw = load_scalar<int32_t>(c.data); break;
    case DType::kUInt32: raw = load_scalar<uint32_t>(c.data); break;
    case DType::kInt64: raw = load_scalar<int64_t>(c.data); break;
    case DType::kInt4:
    case DType::kInt2: raw = static_cast<int8_t>(c.data[0]); break;
    case DType::kUInt4:
    case DType::kUInt2: raw = c.data[0]; break;
    case DType::kFloat4E2M1: return float4e2m1_to_float(c.data[0]);
    case DType::kUInt64: {
      const auto x = load_scalar<uint64_t>(c.data);
      if (x > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return tensor_unsupported(ctx, "constant value " + std::to_string(x) + " is not supported (above 2^63 - 1)");
      }
      raw = static_cast<int64_t>(x);
      break;
    }
    case DType::kFloat16:
    case DType::kFloat8E4M3FN:
    case DType::kFloat8E5M2:
      return tensor_unsupported(ctx, std::string("constant value of ") + dtype_name(c.info.dtype) + " is not supported");
  }
  if (!in.info.quant.empty()) {
    // TFLite pads with the raw value, which must share the input's quantization.
    const QuantParams& q = in.info.quant;
    const QuantParams& cq = c.info.quant;
    if (cq.scale.size() != 1 || cq.scale[0] != q.scale[0] || cq.zero_point[0] != q.zero_point[0]) {
      return tensor_error(ctx, "constant value quantization: expected the input's (scale " +
                                   std::to_string(q.scale[0]) + ", zero point " + std::to_string(q.zero_point[0]) +
                                   ")");
    }
    // The real value it stands for; PAD writes it back as this code.
    return q.scale[0] * static_cast<float>(raw - q.zero_point[0]);
  }
  if (static_cast<int64_t>(static_cast<float>(raw)) != raw) {
    return tensor_unsupported(ctx, "constant value " + std::to_string(raw) +
                                       " is not supported: PadAttrs holds it as a float, which cannot represent it");
  }
  return static_cast<float>(raw);
}

Result<ir::Attrs> parse_padv2(const OpContext& ctx) {
  EDGERUN_RETURN_IF_ERROR(expect_tag(ctx, fb::kPadV2Options, "PadV2Options"));  // no fields
  EDGERUN_RETURN_IF_ERROR(expect_io(ctx, 2, 3));
  EDGERUN_RETURN_IF_ERROR(expect_non_negative_paddings(ctx));
  ir::PadAttrs a;
  if (ctx.node->inputs.size() == 3 && ctx.node->inputs[2] != ir::kNoValue) {
    EDGERUN_ASSIGN_OR_RETURN(a.constant_value, padv2_value(ctx));
  }
  ctx.node->inputs.resize(2);
  return ir::Attrs{a};
}

Result<ir::Attrs> parse_mirror_pad(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kMirrorPadOptions, "MirrorPadOptions", K::kU8);
  EDGERUN_RETURN_IF_ERROR(expect_non_negative_paddings(ctx));
  ir::PadAttrs a;
  switch (r.u8(0, 0)) {
    case 0: a.mode = ir::PadMode::kReflect; break;
    case 1: a.mode = ir::PadMode::kSymmetric; break;
    default:
      return options_error(ctx, "mode: expected REFLECT (0) or SYMMETRIC (1), found " + std::to_string(r.u8(0, 0)));
  }
  return ir::Attrs{a};
}

// SAME / VALID stay in the attrs until finish_transpose_conv, which has the
// shapes to turn them into pads.
Result<ir::Attrs> parse_transpose_conv(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kTransposeConvOptions, "TransposeConvOptions", K::kU8, K::kI32, K::kI32, K::kU8, K::kU8);
  ir::ConvTransposeAttrs a;
  EDGERUN_ASSIGN_OR_RETURN(a.padding, padding(ctx, r.u8(0, 0)));
  a.stride_w = r.i32(1, 0);
  a.stride_h = r.i32(2, 0);
  EDGERUN_ASSIGN_OR_RETURN(a.activation, activation(ctx, r.u8(3, 0)));
  return ir::Attrs{a};
}

// TRANSPOSE_CONV's inputs (output_shape, weights [O, KH, KW, I], input[,
// bias]) become CONV_TRANSPOSE's (input, weights[, bias]), and SAME / VALID
// explicit pads as transpose_conv.cc's Eval computes them: the leading pad is
// ComputePaddingHeightWidth's for a conv from the output size to the input
// (stride, dilation 1, filter, padding); the scatter is then cropped to the
// output size, so the trailing pad is what lies beyond it (none: the rest of
// the output is output padding).
Status finish_transpose_conv(const OpContext& ctx, const ir::Graph& g, ir::Node* node) {
  const std::string where =
      std::string(builtin_name(ctx.builtin_code)) + " (operator " + std::to_string(ctx.operator_index) + "): ";
  if (node->inputs.size() != 3 && node->inputs.size() != 4) {
    return InvalidModel(where + "input count: expected 3 or 4 (output_shape, weights, input[, bias]), found " +
                        std::to_string(node->inputs.size()));
  }
  for (size_t i = 0; i < 3; ++i) {
    if (node->inputs[i] == ir::kNoValue) {
      return InvalidModel(where + "input " + std::to_string(i) + " is absent; only the bias (input 3) may be");
    }
  }
  if (node->outputs.size() != 1) {
    return InvalidModel(where + "output count: expected 1, found " + std::to_string(node->outputs.size()));
  }
  const ir::Value& shape = g.values[node->inputs[0]];
  const ir::Value& weights = g.values[node->inputs[1]];
  const ir::Value& input = g.values[node->inputs[2]];
  const Shape& out = g.values[node->outputs[0]].info.shape;
  if (shape.info.dtype != DType::kInt32 || shape.info.shape != Shape{4}) {
    return InvalidModel(where + "output_shape: expected int32 [4], found " + dtype_name(shape.info.dtype) + " " +
                        shape_string(shape.info.shape));
  }
  if (!shape.is_constant()) {
    return Unsupported(where + "output_shape '" + shape.info.name +
                       "' is computed at run time; only a constant output_shape is supported");
  }
  Shape declared(4);
  std::memcpy(declared.data(), shape.data, 4 * sizeof(int32_t));
  if (declared != out) {
    return InvalidModel(where + "output_shape " + shape_string(declared) + " differs from the output tensor's shape " +
                        shape_string(out));
  }
  if (input.info.shape.size() != 4 || weights.info.shape.size() != 4) {
    return InvalidModel(where + "input and weights: expected rank 4, found " + shape_string(input.info.shape) +
                        " and " + shape_string(weights.info.shape));
  }
  auto& a = std::get<ir::ConvTransposeAttrs>(node->attrs);
  if (a.stride_h < 1 || a.stride_w < 1) {
    return options_error(ctx, "strides: expected >= 1, found " + std::to_string(a.stride_h) + " (height), " +
                                  std::to_string(a.stride_w) + " (width)");
  }
  const bool same = a.padding == ir::Padding::kSame;
  if (!transpose_conv_pads(same, input.info.shape[1], weights.info.shape[1], a.stride_h, out[1], &a.pads.top,
                           &a.pads.bottom) ||
      !transpose_conv_pads(same, input.info.shape[2], weights.info.shape[2], a.stride_w, out[2], &a.pads.left,
                           &a.pads.right)) {
    return InvalidModel(where + "input " + shape_string(input.info.shape) + " with stride " +
                        std::to_string(a.stride_h) + "x" + std::to_string(a.stride_w) +
                        " spreads far beyond the output " + shape_string(out));
  }
  a.padding = ir::Padding::kExplicit;
  std::vector<int32_t> inputs{node->inputs[2], node->inputs[1]};
  if (node->inputs.size() == 4) inputs.push_back(node->inputs[3]);
  node->inputs = std::move(inputs);
  return Status::Ok();
}

// TFLite's bilinear resize is ONNX's linear Resize on H and W: align_corners is
// align_corners, half_pixel_centers is half_pixel (TFLite's output size 1 also
// samples the middle), neither is asymmetric. TFLite computes coordinates in
// float32 and ONNX in float64, so results agree to float32 rounding, not bit for
// bit. The scale (output / input) follows from the shapes (scale_h = scale_w = 0).
// RESIZE_NEAREST_NEIGHBOR is not mapped: its float32 coordinates round ties
// differently from ONNX's float64 ones (e.g. height 2 -> 82, row 41: TFLite
// takes source row 0, ONNX asymmetric floor row 1), so whole pixels differ.
Result<ir::Attrs> parse_resize_bilinear(const OpContext& ctx) {
  READ_OPTIONS(r, fb::kResizeBilinearOptions, "ResizeBilinearOptions", K::kI32, K::kI32, K::kU8, K::kU8);
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
    {fb::kConv2D, OpType::kConv2D, parse_conv_2d},
    {fb::kDepthwiseConv2D, OpType::kDepthwiseConv2D, parse_depthwise_conv_2d},
    {fb::kFullyConnected, OpType::kFullyConnected, parse_fully_connected},
    {fb::kAveragePool2D, OpType::kAveragePool2D, parse_pool_2d},
    {fb::kMaxPool2D, OpType::kMaxPool2D, parse_pool_2d},
    {fb::kAdd, OpType::kAdd, parse_add},
    {fb::kMul, OpType::kMul, parse_mul},
    {fb::kMean, OpType::kMean, parse_reducer},
    {fb::kPad, OpType::kPad, parse_pad},
    {fb::kReshape, OpType::kReshape, parse_reshape},
    {fb::kSqueeze, OpType::kSqueeze, parse_squeeze},
    {fb::kConcatenation, OpType::kConcatenation, parse_concatenation},
    {fb::kSoftmax, OpType::kSoftmax, parse_softmax},
    {fb::kLogistic, OpType::kLogistic, no_options},
    {fb::kQuantize, OpType::kQuantize, no_options},
    {fb::kDequantize, OpType::kDequantize, no_options},
    {fb::kL2Normalization, OpType::kL2Normalization, parse_l2_norm},
    {fb::kTranspose, OpType::kTranspose, no_options},
    {fb::kHardSwish, OpType::kHardSwish, no_options},
    {fb::kLocalResponseNormalization, OpType::kLocalResponseNorm, parse_local_response_norm},
    {fb::kSub, OpType::kSub, parse_sub},
    {fb::kDiv, OpType::kDiv, parse_div},
    {fb::kTanh, OpType::kTanh, no_options},
    {fb::kLeakyRelu, OpType::kLeakyRelu, parse_leaky_relu},
    {fb::kRelu, OpType::kClamp, relu_clamp},
    {fb::kRelu6, OpType::kClamp, relu6_clamp},
    {fb::kReluN1To1, OpType::kClamp, relu_n1_to_1_clamp},
    {fb::kRelu0To1, OpType::kClamp, relu_0_to_1_clamp},
    {fb::kStridedSlice, OpType::kStridedSlice, parse_strided_slice},
    {fb::kSlice, OpType::kStridedSlice, parse_slice},
    {fb::kPadV2, OpType::kPad, parse_padv2},
    {fb::kMirrorPad, OpType::kPad, parse_mirror_pad},
    {fb::kTransposeConv, OpType::kConvTranspose, parse_transpose_conv, finish_transpose_conv},
    {fb::kResizeBilinear, OpType::kResize, parse_resize_bilinear},
    {fb::kBatchMatMul, OpType::kBatchMatMul, parse_batch_matmul},
};

}  // namespace

bool transpose_conv_pads(bool same, int32_t in, int32_t filter, int32_t stride, int32_t out, int32_t* begin,
                         int32_t* end) {
  const int64_t s = stride, k = filter, o = out;
  const int64_t conv_out = same ? (o + s - 1) / s : (o + s - k) / s;  // ComputeOutSize
  const int64_t total = (conv_out - 1) * s + k - o;
  const int64_t b = total > 0 ? total / 2 : 0;
  const int64_t e = std::max<int64_t>(0, s * (int64_t{in} - 1) + k - b - o);
  if (e > std::numeric_limits<int32_t>::max()) return false;
  *begin = static_cast<int32_t>(b);
  *end = static_cast<int32_t>(e);
  return true;
}

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
