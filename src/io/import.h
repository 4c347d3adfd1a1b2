// Any model file's bytes → IR, with the importer its format needs.
//
//   auto imported = edgerun::io::import_model(data, size, options);
//   if (!imported.ok()) return imported.status();
//
// TFLite when bytes 4..7 are "TFL3", else ONNX when the bytes look like an
// ONNX ModelProto, else TFLite (whose reader then says why they are not a
// model). `options`: LoadOptions::input_values and external_data_dir (ONNX
// only). Constants point into `data`, which must outlive the result.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edgerun/edgerun.h"
#include "edgerun/status.h"
#include "io/imported_model.h"

namespace edgerun::io {

Result<ImportedModel> import_model(const uint8_t* data, size_t size, const LoadOptions& options);

}  // namespace edgerun::io
