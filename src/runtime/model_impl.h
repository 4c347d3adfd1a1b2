// Model internals shared by model.cc and session.cc.
#pragma once

#include <memory>
#include <vector>

#include "core/mapped_file.h"
#include "edgerun/edgerun.h"
#include "io/imported_model.h"
#include "ops/op.h"
#include "runtime/fusion.h"
#include "runtime/memory_planner.h"

namespace edgerun {

struct Model::Impl {
  MappedFile file;  // empty when loaded from a caller's buffer
  io::ImportedModel imported;
  std::vector<std::unique_ptr<ops::Kernel>> kernels;  // one per graph node
  std::vector<runtime::KernelBinding> bindings;       // one per graph node: the values its kernel uses
  std::vector<int32_t> request_of_value;              // value id -> plan index, -1 for constants
  runtime::MemoryPlan plan;
  std::vector<TensorInfo> inputs, outputs;
  ModelMetadata metadata;
  ModelStats stats;
  std::vector<NodeInfo> nodes;  // one per graph node

  // A Model of a graph built in memory (host tools: the converter's
  // calibration and accuracy runs), validated and prepared as load() does.
  // Constants the graph does not own (imported.aligned_copies) must outlive
  // the Model.
  static Result<std::shared_ptr<const Model>> from_imported(io::ImportedModel imported,
                                                            const LoadOptions& options = {});
};

}  // namespace edgerun
