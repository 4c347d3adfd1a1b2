// What every model reader (io/tflite, io/onnx) hands the runtime: the graph
// plus the file's description and metadata.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edgerun/edgerun.h"
#include "ir/graph.h"

namespace edgerun::io {

struct ImportedModel {
  ir::Graph graph;
  std::string description;
  ModelMetadata metadata;
  std::string metadata_error;  // set when the file's metadata exists but cannot be read
  // Constant bytes the reader made or had to copy (misaligned in the file,
  // converted layout, folded batch norm); all other constants point into the file.
  std::vector<std::unique_ptr<uint8_t[]>> aligned_copies;
};

}  // namespace edgerun::io
