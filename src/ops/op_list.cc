#include "ops/op_list.h"

namespace edgerun::ops {
namespace {

using ir::OpType;

// The single list of ops: one line each.
constexpr OpInfo kOps[] = {
    {OpType::kConv2D, "CONV_2D", prepare_conv_2d},
    {OpType::kDepthwiseConv2D, "DEPTHWISE_CONV_2D", prepare_depthwise_conv_2d},
    {OpType::kFullyConnected, "FULLY_CONNECTED", prepare_fully_connected},
    {OpType::kAveragePool2D, "AVERAGE_POOL_2D", prepare_average_pool_2d},
    {OpType::kMaxPool2D, "MAX_POOL_2D", prepare_max_pool_2d},
    {OpType::kAdd, "ADD", prepare_add},
    {OpType::kMul, "MUL", prepare_mul},
    {OpType::kMean, "MEAN", prepare_mean},
    {OpType::kPad, "PAD", prepare_pad},
    {OpType::kReshape, "RESHAPE", prepare_reshape},
    {OpType::kSqueeze, "SQUEEZE", prepare_squeeze},
    {OpType::kConcatenation, "CONCATENATION", prepare_concatenation},
    {OpType::kSoftmax, "SOFTMAX", prepare_softmax},
    {OpType::kLogistic, "LOGISTIC", prepare_logistic},
    {OpType::kQuantize, "QUANTIZE", prepare_quantize},
    {OpType::kDequantize, "DEQUANTIZE", prepare_dequantize},
    {OpType::kL2Normalization, "L2_NORMALIZATION", prepare_l2_normalization},
    {OpType::kTranspose, "TRANSPOSE", prepare_transpose},
    {OpType::kHardSwish, "HARD_SWISH", prepare_hard_swish},
    {OpType::kHardSigmoid, "HARD_SIGMOID", prepare_hard_sigmoid},
    {OpType::kLocalResponseNorm, "LOCAL_RESPONSE_NORMALIZATION", prepare_local_response_norm},
    {OpType::kBatchMatMul, "BATCH_MATMUL", prepare_batch_matmul},
    {OpType::kSub, "SUB", prepare_sub},
    {OpType::kDiv, "DIV", prepare_div},
    {OpType::kTanh, "TANH", prepare_tanh},
    {OpType::kLeakyRelu, "LEAKY_RELU", prepare_leaky_relu},
    {OpType::kClamp, "CLAMP", prepare_clamp},
    {OpType::kStridedSlice, "STRIDED_SLICE", prepare_strided_slice},
    {OpType::kConvTranspose, "CONV_TRANSPOSE", prepare_conv_transpose},
    {OpType::kResize, "RESIZE", prepare_resize},
};

}  // namespace

const OpInfo* find_op(ir::OpType type) {
  for (const OpInfo& op : kOps) {
    if (op.type == type) return &op;
  }
  return nullptr;
}

}  // namespace edgerun::ops

namespace edgerun::ir {
const char* op_name(OpType op) {
  const ops::OpInfo* info = ops::find_op(op);
  return info ? info->name : "UNKNOWN_OP";
}
}  // namespace edgerun::ir
