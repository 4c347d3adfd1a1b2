#include "io/import.h"

#include <cstring>

#include "io/onnx/proto.h"
#include "io/onnx/reader.h"
#include "io/tflite/reader.h"

namespace edgerun::io {

Result<ImportedModel> import_model(const uint8_t* data, size_t size, const LoadOptions& options) {
  const bool tflite_file = size >= 8 && std::memcmp(data + 4, "TFL3", 4) == 0;
  if (!tflite_file && onnx::looks_like_onnx(data, size)) {
    return onnx::import_model(data, size, options.input_values, options.external_data_dir);
  }
  return tflite::import_model(data, size);
}

}  // namespace edgerun::io
