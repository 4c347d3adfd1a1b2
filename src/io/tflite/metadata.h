// TFLite metadata: the "TFLITE_METADATA" flatbuffer (metadata_schema.fbs, file
// identifier "M001") that a model may carry in one of its buffers, plus the
// associated files (label lists) stored in a ZIP archive appended to the model.
//
//   // meta: the bytes of the buffer named by Model.metadata "TFLITE_METADATA";
//   // file: the whole model file (the ZIP, if any, sits at its end).
//   auto md = edgerun::tflite::parse_metadata(meta, meta_size, file, file_size);
//   if (!md.ok()) return md.status().with_context("while loading m.tflite");
//   std::cout << md->name << " " << md->labels.size() << " labels\n";
//
// What is extracted:
//   name    ModelMetadata.name ("" when absent)
//   mean    NormalizationOptions.mean of the first ProcessUnit of that kind on the
//   std     first subgraph's first input tensor (both empty when absent)
//   labels  the lines of the first TENSOR_AXIS_LABELS associated file found on the
//           first subgraph's first output tensor, else on the first subgraph, else
//           on the model; read from the appended ZIP by file name, one label per
//           line (trailing CR/whitespace trimmed, a UTF-8 BOM dropped, the empty
//           line after a final newline dropped). Empty when no such file is named.
//
// Every offset is bounds-checked by flatbuffers::Verifier before use; malformed
// input yields an InvalidModel Status ("TFLite metadata: ..."), never a crash.
// Caps: a label file of at most 16 MiB and at most 100,000 labels.
#pragma once

#include <cstddef>
#include <cstdint>

#include "edgerun/edgerun.h"
#include "edgerun/status.h"

namespace edgerun::tflite {

inline constexpr size_t kMaxLabelFileBytes = size_t{16} << 20;
inline constexpr size_t kMaxLabels = 100000;

// `meta`/`meta_size`: the TFLITE_METADATA buffer (need not be aligned; it is
// copied). `file`/`file_size`: the whole model file, read only when a label
// file is named (may be null/0 otherwise). Neither pointer is kept.
Result<ModelMetadata> parse_metadata(const uint8_t* meta, size_t meta_size, const uint8_t* file,
                                     size_t file_size);

}  // namespace edgerun::tflite
