// convert/weights.h — what the weight passes (weight_quant, prune) share:
// a graph's index check, where a layer's weights are, and the numbers
// `edgerun convert` reports about them.
//
//   EDGERUN_RETURN_IF_ERROR(convert::check_indices(m.graph));
//   const convert::WeightStats s = convert::weight_stats(m.graph);
//   std::cout << s.parameters << " parameters, " << 100 * s.sparsity() << "% of the weights zero\n";
#pragma once

#include <cstdint>

#include "edgerun/status.h"
#include "ir/graph.h"

namespace edgerun::convert {

// InvalidArgument unless every node input (or kNoValue), node output and
// graph input / output indexes a value of the graph.
Status check_indices(const ir::Graph& g);

// Is input `slot` of `n` the weights of a layer: input 1 of CONV_2D,
// DEPTHWISE_CONV_2D, FULLY_CONNECTED, CONV_TRANSPOSE or BATCH_MATMUL?
bool is_weight_input(const ir::Node& n, size_t slot);

struct WeightStats {
  int64_t parameters = 0;       // elements of the constants the nodes read
  int64_t parameter_bytes = 0;  // their bytes
  // Elements of the layers' weights (is_weight_input; a DEQUANTIZE's constant
  // input where the weights are its output), and how many of them are 0:
  // float 0 or -0, or a quantized value equal to its zero point.
  int64_t weights = 0;
  int64_t zero_weights = 0;
  double sparsity() const {
    return weights > 0 ? static_cast<double>(zero_weights) / static_cast<double>(weights) : 0.0;
  }
};
// Of a graph whose indices are valid (check_indices).
WeightStats weight_stats(const ir::Graph& g);

}  // namespace edgerun::convert
