// TFLite (.tflite, flatbuffer schema v3) → IR.
//
// The reader never copies weights: constant Values point into the caller's
// bytes, which must outlive the returned graph. Every offset is verified by the
// flatbuffers Verifier first; then every index, shape, buffer size (against
// shape × dtype), quantization parameter and op option is checked before the
// graph is built. Unsupported ops are all reported in one error, by name and
// operator index.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edgerun/edgerun.h"
#include "edgerun/status.h"
#include "io/imported_model.h"
#include "ir/graph.h"

namespace edgerun::tflite {

using ImportedModel = io::ImportedModel;

Result<ImportedModel> import_model(const uint8_t* data, size_t size);

}  // namespace edgerun::tflite
