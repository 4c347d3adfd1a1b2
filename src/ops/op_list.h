// Prepare functions of every op, one per op file under src/ops/.
#pragma once

#include "ops/op.h"

namespace edgerun::ops {

Result<std::unique_ptr<Kernel>> prepare_conv_2d(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_depthwise_conv_2d(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_fully_connected(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_average_pool_2d(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_max_pool_2d(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_add(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_mul(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_mean(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_pad(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_reshape(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_squeeze(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_concatenation(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_softmax(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_logistic(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_quantize(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_dequantize(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_l2_normalization(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_transpose(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_hard_swish(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_hard_sigmoid(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_local_response_norm(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_batch_matmul(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_sub(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_div(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_tanh(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_leaky_relu(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_clamp(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_strided_slice(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_conv_transpose(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);
Result<std::unique_ptr<Kernel>> prepare_resize(const ir::Graph& g, const ir::Node& n, const PrepareContext& ctx);

}  // namespace edgerun::ops
