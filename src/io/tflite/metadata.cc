// TFLite metadata reader: flatbuffer tables declared by hand (no generated code)
// for just the fields edgerun uses, verified with flatbuffers::Verifier before
// any access; associated files read from the appended ZIP with libzip.
//
// Field ids follow tensorflow_lite_support/metadata/metadata_schema.fbs; field N
// of a table sits at vtable offset 4 + 2*N, and a union field takes two ids (the
// ubyte `_type`, then the value).
#include "io/tflite/metadata.h"

#include <flatbuffers/flatbuffers.h>
#include <zip.h>

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgerun::tflite {
namespace {

namespace fb = flatbuffers;

constexpr fb::voffset_t field_offset(int id) { return static_cast<fb::voffset_t>(4 + 2 * id); }

// AssociatedFileType
constexpr int8_t kTensorAxisLabels = 2;
// ProcessUnitOptions union member index
constexpr uint8_t kNormalizationOptions = 1;

// table AssociatedFile { name:string; description:string; type:AssociatedFileType(byte); locale:string; }
struct MdAssociatedFile : private fb::Table {
  static constexpr fb::voffset_t kName = field_offset(0);
  static constexpr fb::voffset_t kType = field_offset(2);

  const fb::String* name() const { return GetPointer<const fb::String*>(kName); }
  int8_t type() const { return GetField<int8_t>(kType, 0); }

  bool Verify(fb::Verifier& v) const {
    return VerifyTableStart(v) && VerifyOffset(v, kName) && v.VerifyString(name()) &&
           VerifyField<int8_t>(v, kType, 1) && v.EndTable();
  }
};
using AssociatedFiles = fb::Vector<fb::Offset<MdAssociatedFile>>;

// table NormalizationOptions { mean:[float]; std:[float]; }
struct MdNormalizationOptions : private fb::Table {
  static constexpr fb::voffset_t kMean = field_offset(0);
  static constexpr fb::voffset_t kStd = field_offset(1);

  const fb::Vector<float>* mean() const { return GetPointer<const fb::Vector<float>*>(kMean); }
  const fb::Vector<float>* std_() const { return GetPointer<const fb::Vector<float>*>(kStd); }

  bool Verify(fb::Verifier& v) const {
    return VerifyTableStart(v) && VerifyOffset(v, kMean) && v.VerifyVector(mean()) &&
           VerifyOffset(v, kStd) && v.VerifyVector(std_()) && v.EndTable();
  }
};

// table ProcessUnit { options:ProcessUnitOptions; }  (ids 0 = options_type, 1 = options)
struct MdProcessUnit : private fb::Table {
  static constexpr fb::voffset_t kOptionsType = field_offset(0);
  static constexpr fb::voffset_t kOptions = field_offset(1);

  uint8_t options_type() const { return GetField<uint8_t>(kOptionsType, 0); }
  const MdNormalizationOptions* normalization() const {
    return options_type() == kNormalizationOptions ? GetPointer<const MdNormalizationOptions*>(kOptions)
                                                   : nullptr;
  }

  // Only the union member edgerun reads is verified; the others are never touched.
  bool Verify(fb::Verifier& v) const {
    return VerifyTableStart(v) && VerifyField<uint8_t>(v, kOptionsType, 1) && VerifyOffset(v, kOptions) &&
           v.VerifyTable(normalization()) && v.EndTable();
  }
};

// table TensorMetadata { name; description; dimension_names; content; process_units:[ProcessUnit];
//                        stats; associated_files:[AssociatedFile]; }
struct MdTensorMetadata : private fb::Table {
  static constexpr fb::voffset_t kProcessUnits = field_offset(4);
  static constexpr fb::voffset_t kAssociatedFiles = field_offset(6);

  const fb::Vector<fb::Offset<MdProcessUnit>>* process_units() const {
    return GetPointer<const fb::Vector<fb::Offset<MdProcessUnit>>*>(kProcessUnits);
  }
  const AssociatedFiles* associated_files() const { return GetPointer<const AssociatedFiles*>(kAssociatedFiles); }

  bool Verify(fb::Verifier& v) const {
    return VerifyTableStart(v) && VerifyOffset(v, kProcessUnits) && v.VerifyVector(process_units()) &&
           v.VerifyVectorOfTables(process_units()) && VerifyOffset(v, kAssociatedFiles) &&
           v.VerifyVector(associated_files()) && v.VerifyVectorOfTables(associated_files()) && v.EndTable();
  }
};
using TensorMetadatas = fb::Vector<fb::Offset<MdTensorMetadata>>;

// table SubGraphMetadata { name; description; input_tensor_metadata:[TensorMetadata];
//                          output_tensor_metadata:[TensorMetadata]; associated_files:[AssociatedFile]; ... }
struct MdSubGraphMetadata : private fb::Table {
  static constexpr fb::voffset_t kInputs = field_offset(2);
  static constexpr fb::voffset_t kOutputs = field_offset(3);
  static constexpr fb::voffset_t kAssociatedFiles = field_offset(4);

  const TensorMetadatas* inputs() const { return GetPointer<const TensorMetadatas*>(kInputs); }
  const TensorMetadatas* outputs() const { return GetPointer<const TensorMetadatas*>(kOutputs); }
  const AssociatedFiles* associated_files() const { return GetPointer<const AssociatedFiles*>(kAssociatedFiles); }

  bool Verify(fb::Verifier& v) const {
    return VerifyTableStart(v) && VerifyOffset(v, kInputs) && v.VerifyVector(inputs()) &&
           v.VerifyVectorOfTables(inputs()) && VerifyOffset(v, kOutputs) && v.VerifyVector(outputs()) &&
           v.VerifyVectorOfTables(outputs()) && VerifyOffset(v, kAssociatedFiles) &&
           v.VerifyVector(associated_files()) && v.VerifyVectorOfTables(associated_files()) && v.EndTable();
  }
};

// table ModelMetadata { name:string; description; version; subgraph_metadata:[SubGraphMetadata];
//                       author; license; associated_files:[AssociatedFile]; min_parser_version; }
struct MdModelMetadata : private fb::Table {
  static constexpr fb::voffset_t kName = field_offset(0);
  static constexpr fb::voffset_t kSubgraphs = field_offset(3);
  static constexpr fb::voffset_t kAssociatedFiles = field_offset(6);

  const fb::String* name() const { return GetPointer<const fb::String*>(kName); }
  const fb::Vector<fb::Offset<MdSubGraphMetadata>>* subgraphs() const {
    return GetPointer<const fb::Vector<fb::Offset<MdSubGraphMetadata>>*>(kSubgraphs);
  }
  const AssociatedFiles* associated_files() const { return GetPointer<const AssociatedFiles*>(kAssociatedFiles); }

  bool Verify(fb::Verifier& v) const {
    return VerifyTableStart(v) && VerifyOffset(v, kName) && v.VerifyString(name()) &&
           VerifyOffset(v, kSubgraphs) && v.VerifyVector(subgraphs()) && v.VerifyVectorOfTables(subgraphs()) &&
           VerifyOffset(v, kAssociatedFiles) && v.VerifyVector(associated_files()) &&
           v.VerifyVectorOfTables(associated_files()) && v.EndTable();
  }
};

Status meta_error(const std::string& what) { return InvalidModel("TFLite metadata: " + what); }

std::string float_list(const fb::Vector<float>* v) {
  std::string s = "[";
  for (fb::uoffset_t i = 0; v && i < v->size(); ++i) {
    if (i) s += ",";
    s += std::to_string(v->Get(i));
  }
  return s + "]";
}

Status read_normalization(const MdNormalizationOptions& n, const std::string& where, ModelMetadata* out) {
  const fb::Vector<float>* mean = n.mean();
  const fb::Vector<float>* stdv = n.std_();
  const size_t nm = mean ? mean->size() : 0;
  const size_t ns = stdv ? stdv->size() : 0;
  if (nm == 0 && ns == 0) return Status::Ok();
  if (nm == 0 || ns == 0 || (nm != ns && nm != 1 && ns != 1)) {
    return meta_error("NormalizationOptions of " + where + ": mean has " + std::to_string(nm) +
                      " values and std has " + std::to_string(ns) +
                      "; expected both present with equal counts (or one of them a single value)");
  }
  for (size_t i = 0; i < nm; ++i) {
    if (!std::isfinite(mean->Get(static_cast<fb::uoffset_t>(i)))) {
      return meta_error("NormalizationOptions of " + where + ": mean[" + std::to_string(i) +
                        "] is not finite (mean " + float_list(mean) + ")");
    }
  }
  for (size_t i = 0; i < ns; ++i) {
    const float s = stdv->Get(static_cast<fb::uoffset_t>(i));
    if (!std::isfinite(s) || s == 0.0f) {
      return meta_error("NormalizationOptions of " + where + ": std[" + std::to_string(i) +
                        "] must be finite and non-zero, found " + std::to_string(s) + " (std " +
                        float_list(stdv) + ")");
    }
  }
  out->mean.assign(mean->begin(), mean->end());
  out->std.assign(stdv->begin(), stdv->end());
  return Status::Ok();
}

// First TENSOR_AXIS_LABELS file in `files`, or null.
const MdAssociatedFile* find_axis_labels(const AssociatedFiles* files) {
  if (!files) return nullptr;
  for (fb::uoffset_t i = 0; i < files->size(); ++i) {
    const MdAssociatedFile* f = files->Get(i);
    if (f->type() == kTensorAxisLabels) return f;
  }
  return nullptr;
}

// Releases a read-only archive (and the buffer source it owns).
struct ZipArchive {
  zip_t* za = nullptr;
  ~ZipArchive() {
    if (za) zip_discard(za);
  }
};
struct ZipFile {
  zip_file_t* zf = nullptr;
  ~ZipFile() {
    if (zf) zip_fclose(zf);
  }
};

std::string libzip_error(zip_error_t* err) {
  std::string s = zip_error_strerror(err);
  zip_error_fini(err);
  return s;
}

// Bytes of the archive member `name` of the ZIP appended to `file`.
Result<std::string> read_zip_member(const uint8_t* file, size_t file_size, const std::string& name,
                                    const std::string& where) {
  const std::string what = "associated file '" + name + "' (named by " + where + ")";
  if (name.empty() || name.find('\0') != std::string::npos) {
    return meta_error(where + " names an associated file with an empty or NUL-containing name");
  }
  if (file == nullptr || file_size == 0) {
    return meta_error(what + " cannot be read: no model file bytes were given to look for the appended ZIP archive");
  }
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(file, file_size, 0, &err);
  if (src == nullptr) return meta_error(what + ": cannot wrap the model bytes for libzip: " + libzip_error(&err));
  ZipArchive archive;
  archive.za = zip_open_from_source(src, ZIP_RDONLY, &err);
  if (archive.za == nullptr) {
    zip_source_free(src);
    return meta_error(what + " cannot be read: no valid ZIP archive found at the end of the model (" +
                      std::to_string(file_size) + " bytes; libzip: " + libzip_error(&err) + ")");
  }
  zip_error_fini(&err);

  const zip_int64_t index = zip_name_locate(archive.za, name.c_str(), 0);
  if (index < 0) {
    return meta_error("associated file '" + name + "' not found in the model's ZIP archive (named by " + where +
                      "; the archive has " + std::to_string(zip_get_num_entries(archive.za, 0)) + " entries)");
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(archive.za, static_cast<zip_uint64_t>(index), 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE)) {
    return meta_error(what + ": cannot stat the ZIP entry (libzip: " + zip_strerror(archive.za) + ")");
  }
  if (st.size > kMaxLabelFileBytes) {
    return meta_error(what + " is " + std::to_string(st.size) + " bytes uncompressed; expected at most " +
                      std::to_string(kMaxLabelFileBytes) + " bytes");
  }
  std::string data(static_cast<size_t>(st.size), '\0');
  if (data.empty()) return data;
  ZipFile zf;
  zf.zf = zip_fopen_index(archive.za, static_cast<zip_uint64_t>(index), 0);
  if (zf.zf == nullptr) {
    return meta_error(what + ": cannot open the ZIP entry (libzip: " + zip_strerror(archive.za) + ")");
  }
  size_t got = 0;
  while (got < data.size()) {
    const zip_int64_t n = zip_fread(zf.zf, data.data() + got, data.size() - got);
    if (n < 0) {
      return meta_error(what + ": reading the ZIP entry failed after " + std::to_string(got) + " of " +
                        std::to_string(data.size()) + " bytes (libzip: " + zip_file_strerror(zf.zf) + ")");
    }
    if (n == 0) {
      return meta_error(what + ": the ZIP entry ended after " + std::to_string(got) + " bytes; its header says " +
                        std::to_string(data.size()));
    }
    got += static_cast<size_t>(n);
  }
  return data;
}

// One label per line; trailing CR/whitespace trimmed; the empty line after a final newline dropped.
Result<std::vector<std::string>> split_labels(std::string_view text, const std::string& what) {
  if (text.size() >= 3 && std::memcmp(text.data(), "\xEF\xBB\xBF", 3) == 0) text.remove_prefix(3);
  size_t lines = 0;
  for (char c : text) lines += (c == '\n');
  if (!text.empty() && text.back() != '\n') ++lines;
  if (lines > kMaxLabels) {
    return meta_error(what + " has " + std::to_string(lines) + " lines; expected at most " +
                      std::to_string(kMaxLabels) + " labels");
  }
  std::vector<std::string> labels;
  labels.reserve(lines);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    while (!line.empty() && std::strchr(" \t\r\v\f", line.back()) != nullptr) line.remove_suffix(1);
    labels.emplace_back(line);
    pos = nl + 1;
  }
  return labels;
}

}  // namespace

Result<ModelMetadata> parse_metadata(const uint8_t* meta, size_t meta_size, const uint8_t* file,
                                     size_t file_size) {
  if (meta == nullptr || meta_size == 0) {
    return meta_error("flatbuffer verification failed: the TFLITE_METADATA buffer is empty");
  }
  if (meta_size >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    return meta_error("flatbuffer verification failed: the TFLITE_METADATA buffer is " + std::to_string(meta_size) +
                      " bytes; expected less than 2 GiB");
  }
  // Copy so every read is aligned (the buffer inside the model may not be).
  const std::vector<uint8_t> buf(meta, meta + meta_size);
  fb::Verifier verifier(buf.data(), buf.size());
  if (!verifier.VerifyBuffer<MdModelMetadata>("M001")) {
    const bool ident = buf.size() >= 8 && std::memcmp(buf.data() + 4, "M001", 4) == 0;
    return meta_error(std::string("flatbuffer verification failed (") + std::to_string(buf.size()) + " bytes, " +
                      (ident ? "file identifier M001 present" : "expected file identifier M001, not found") +
                      "): an offset, vector or table is out of bounds or misaligned");
  }
  const MdModelMetadata* root = fb::GetRoot<MdModelMetadata>(buf.data());

  ModelMetadata out;
  if (const fb::String* name = root->name()) out.name = name->str();

  const MdSubGraphMetadata* sg = nullptr;
  if (root->subgraphs() && root->subgraphs()->size() > 0) sg = root->subgraphs()->Get(0);

  // Normalization of input tensor 0.
  if (sg && sg->inputs() && sg->inputs()->size() > 0) {
    const MdTensorMetadata* in = sg->inputs()->Get(0);
    if (const auto* units = in->process_units()) {
      for (fb::uoffset_t i = 0; i < units->size(); ++i) {
        if (const MdNormalizationOptions* n = units->Get(i)->normalization()) {
          EDGERUN_RETURN_IF_ERROR(
              read_normalization(*n, "subgraph 0 input tensor 0 (process unit " + std::to_string(i) + ")", &out));
          break;
        }
      }
    }
  }

  // Labels: output tensor 0, then subgraph 0, then the model.
  const MdAssociatedFile* labels = nullptr;
  std::string where;
  if (sg && sg->outputs() && sg->outputs()->size() > 0) {
    labels = find_axis_labels(sg->outputs()->Get(0)->associated_files());
    where = "subgraph 0 output tensor 0";
  }
  if (!labels && sg) {
    labels = find_axis_labels(sg->associated_files());
    where = "subgraph 0";
  }
  if (!labels) {
    labels = find_axis_labels(root->associated_files());
    where = "the model";
  }
  if (labels) {
    if (!labels->name()) return meta_error("the TENSOR_AXIS_LABELS associated file of " + where + " has no name");
    const std::string name = labels->name()->str();
    EDGERUN_ASSIGN_OR_RETURN(std::string text, read_zip_member(file, file_size, name, where));
    EDGERUN_ASSIGN_OR_RETURN(out.labels, split_labels(text, "associated file '" + name + "'"));
  }
  return out;
}

}  // namespace edgerun::tflite
