// Kernel dispatch tables: one small struct per kernel family, filled once from
// cpu_features() (so EDGERUN_KERNELS=reference empties them). A null entry means
// no fast kernel: the op keeps its reference kernel. Op code uses only these
// tables, never ISA macros.
#pragma once

#include "kernels/q8_conv1x1.h"

namespace edgerun::kernels {

// Quantized pointwise (1x1, stride 1, no padding) convolution.
struct Q8Conv1x1Table {
  const char* name = "ref";  // ISA of the entries, for logs and tests
  Qu8Conv1x1Fn qu8 = nullptr;
  Qs8Conv1x1Fn qs8 = nullptr;
};
const Q8Conv1x1Table& q8_conv1x1_table();

}  // namespace edgerun::kernels
