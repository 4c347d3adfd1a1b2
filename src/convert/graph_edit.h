// convert/graph_edit.h — small helpers for the converter's passes, which
// rewrite an imported model's graph in place.
//
//   io::ImportedModel& m = ...;
//   std::vector<float> w = ...;
//   const int32_t id = convert::add_constant(m, "conv1/weights_f32", DType::kFloat32, {8, 3, 3, 3},
//                                            w.data(), w.size() * sizeof(float));
//   m.graph.nodes[i].inputs[1] = id;
//
// New constants are copied into memory the model owns (ImportedModel::
// aligned_copies, 64-byte aligned), so a pass never writes into the model
// file's bytes. Values a pass stops using stay in the graph: the TFLite
// writer and the runtime skip values no node or graph input / output uses.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/tensor.h"
#include "io/imported_model.h"

namespace edgerun::convert {

// A copy of `size` bytes in memory the model owns, 64-byte aligned.
const uint8_t* own_copy(io::ImportedModel& m, const void* bytes, size_t size);

// Appends a constant value holding a copy of `bytes` (which must be
// elements(shape) * dtype_size(dtype) long) and returns its index.
int32_t add_constant(io::ImportedModel& m, const std::string& name, DType dtype, const Shape& shape,
                     const void* bytes, size_t size, const QuantParams& quant = {});

// Appends an activation value (no data) and returns its index.
int32_t add_activation(io::ImportedModel& m, const TensorInfo& info);

// A constant's elements as float32: float32 as stored, quantized integer
// types dequantized with their QuantParams (per tensor or per channel), other
// integers converted. Empty for a value without data.
std::vector<float> constant_as_float(const ir::Value& v);

// How much changing a layer's weights from `before` to `after` (same shape)
// moves each output channel's mean, given the mean of each input channel:
// sum over the channel's taps of (after - before) * mean[input channel]
// (padding ignored). For CONV_2D [O, KH, KW, I], DEPTHWISE_CONV_2D
// [1, KH, KW, O] and FULLY_CONNECTED [O, I]; empty when it cannot tell (no
// means, a grouped conv). Bias correction subtracts it from the bias.
std::vector<float> mean_shift(ir::OpType op, const Shape& weight_shape, const std::vector<float>& before,
                              const std::vector<float>& after, const std::vector<float>& input_channel_mean);

// Dead-node removal: drops every node none of whose outputs is a graph
// output or read by a node that stays (walking back from the outputs), and
// returns how many it dropped. Values are left in place (unused ones are not
// written).
int32_t remove_dead_nodes(ir::Graph& g);

// The nodes that read each value, by value index.
std::vector<std::vector<int32_t>> readers_of_values(const ir::Graph& g);

}  // namespace edgerun::convert
