// Tests for src/io/tflite/metadata: the TFLITE_METADATA flatbuffer and the
// label files in the ZIP appended to the model. Real models come from
// EDGERUN_SHARED_DIR (default <source>/../shared); synthetic ones are built
// here with flatbuffers::FlatBufferBuilder and a tiny stored-only ZIP writer.
#include <gtest/gtest.h>

#include <flatbuffers/flatbuffers.h>

#include "shared_data.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "io/tflite/metadata.h"

namespace edgerun::tflite {
namespace {

// EXPECT_TRUE(Contains(message, "part")) prints the whole message on failure.
testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return testing::AssertionSuccess();
  return testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

std::string models_dir() { return testdata::shared_path("models"); }

std::optional<std::vector<uint8_t>> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return std::nullopt;
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Minimal, bounds-checked flatbuffers walk of a .tflite Model, just enough to
// find the bytes of the buffer named by Model.metadata "TFLITE_METADATA".
//   Model:    buffers:[Buffer] is field 4, metadata:[Metadata] is field 6
//   Metadata: name:string (0), buffer:uint (1);  Buffer: data:[ubyte] (0)
class ModelWalk {
 public:
  explicit ModelWalk(const std::vector<uint8_t>& b) : b_(b) {}

  // {offset, size} of the named metadata buffer's bytes inside the file.
  std::optional<std::pair<size_t, size_t>> metadata_buffer(const std::string& wanted) const {
    auto root = deref(0);
    if (!root) return std::nullopt;
    auto metas = vector_of(field(*root, 6));
    auto buffers = vector_of(field(*root, 4));
    if (!metas || !buffers) return std::nullopt;
    for (uint32_t i = 0; i < metas->second; ++i) {
      auto m = deref(metas->first + 4 * size_t{i});
      if (!m) return std::nullopt;
      auto name = vector_of(field(*m, 0));
      auto index_pos = field(*m, 1);
      if (!name || !index_pos) continue;
      if (std::string(b_.begin() + name->first, b_.begin() + name->first + name->second) != wanted) continue;
      auto index = u32(*index_pos);
      if (!index || *index >= buffers->second) return std::nullopt;
      auto buf = deref(buffers->first + 4 * size_t{*index});
      if (!buf) return std::nullopt;
      return vector_of(field(*buf, 0));
    }
    return std::nullopt;
  }

 private:
  bool in(size_t pos, size_t n) const { return pos <= b_.size() && n <= b_.size() - pos; }
  std::optional<uint32_t> u32(size_t p) const {
    if (!in(p, 4)) return std::nullopt;
    uint32_t v;
    std::memcpy(&v, b_.data() + p, 4);
    return v;
  }
  std::optional<uint16_t> u16(size_t p) const {
    if (!in(p, 2)) return std::nullopt;
    uint16_t v;
    std::memcpy(&v, b_.data() + p, 2);
    return v;
  }
  std::optional<size_t> deref(size_t p) const {
    auto o = u32(p);
    if (!o || !in(p + *o, 4)) return std::nullopt;
    return p + *o;
  }
  // Position of field `id` of the table at `t` (the field's own bytes).
  std::optional<size_t> field(size_t t, int id) const {
    auto soff = u32(t);
    if (!soff) return std::nullopt;
    const int64_t vt = static_cast<int64_t>(t) - static_cast<int32_t>(*soff);
    if (vt < 0) return std::nullopt;
    auto vlen = u16(static_cast<size_t>(vt));
    const size_t slot = 4 + 2 * static_cast<size_t>(id);
    if (!vlen || slot + 2 > *vlen) return std::nullopt;
    auto foff = u16(static_cast<size_t>(vt) + slot);
    if (!foff || *foff == 0) return std::nullopt;
    return t + *foff;
  }
  // {first element, count} of the vector (or string) referenced at `p`.
  std::optional<std::pair<size_t, uint32_t>> vector_of(std::optional<size_t> p) const {
    if (!p) return std::nullopt;
    auto v = deref(*p);
    if (!v) return std::nullopt;
    auto n = u32(*v);
    if (!n || !in(*v + 4, *n)) return std::nullopt;
    return std::make_pair(*v + 4, *n);
  }

  const std::vector<uint8_t>& b_;
};

struct LoadedModel {
  std::vector<uint8_t> file;
  size_t meta_offset = 0;
  size_t meta_size = 0;
  const uint8_t* meta() const { return file.data() + meta_offset; }
};

// Loads models_dir()/name and locates its TFLITE_METADATA buffer; the caller
// GTEST_SKIPs when the shared folder is missing.
std::optional<LoadedModel> load_model(const std::string& name, std::string* skip_reason) {
  const std::string path = models_dir() + "/" + name;
  auto bytes = read_bytes(path);
  if (!bytes) {
    *skip_reason = "shared model not found: " + path + " (set EDGERUN_SHARED_DIR)";
    return std::nullopt;
  }
  LoadedModel m;
  m.file = std::move(*bytes);
  auto span = ModelWalk(m.file).metadata_buffer("TFLITE_METADATA");
  if (!span) {
    skip_reason->clear();
    return m;  // meta_size 0: no TFLITE_METADATA
  }
  m.meta_offset = span->first;
  m.meta_size = span->second;
  return m;
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(f, line);) out.push_back(line);
  return out;
}

// ---------------------------------------------------------------- real models

struct RealCase {
  const char* model;
  const char* labels_file;  // the same file is shipped next to the models
  size_t label_count;
  const char* first_label;
};

class RealModelMetadata : public testing::TestWithParam<RealCase> {};

// Values found by a one-off pure-Python flatbuffers walk of each model (and
// Python's zipfile for the appended archive):
//   every model below: ModelMetadata.name "ImageClassifier", input tensor 0
//   NormalizationOptions mean [127.5], std [127.5]; output tensor 0 names one
//   TENSOR_AXIS_LABELS file, stored uncompressed in the appended ZIP.
TEST_P(RealModelMetadata, NameNormalizationAndLabels) {
  const RealCase& c = GetParam();
  std::string skip;
  auto m = load_model(c.model, &skip);
  if (!m) GTEST_SKIP() << skip;
  ASSERT_GT(m->meta_size, 0u) << c.model << " has no TFLITE_METADATA buffer";

  auto md = parse_metadata(m->meta(), m->meta_size, m->file.data(), m->file.size());
  ASSERT_TRUE(md.ok()) << md.status().message();
  std::cout << "  " << c.model << ": name '" << md->name << "', mean " << (md->mean.empty() ? 0.f : md->mean[0])
            << " (" << md->mean.size() << " values), std " << (md->std.empty() ? 0.f : md->std[0]) << " ("
            << md->std.size() << " values), " << md->labels.size() << " labels\n";
  EXPECT_EQ(md->name, "ImageClassifier");
  EXPECT_EQ(md->mean, std::vector<float>{127.5f});
  EXPECT_EQ(md->std, std::vector<float>{127.5f});
  ASSERT_EQ(md->labels.size(), c.label_count);
  EXPECT_EQ(md->labels[0], c.first_label);
  // The labels are exactly the raw lines of the label file shipped alongside.
  auto expected = lines_of(models_dir() + "/" + c.labels_file);
  if (!expected.empty()) {
    EXPECT_EQ(md->labels, expected);
  }
}

INSTANTIATE_TEST_SUITE_P(
    SharedModels, RealModelMetadata,
    testing::Values(RealCase{"mobilenet_v2_1.0_224_quant.tflite", "imagenet_labels.txt", 1001, "background"},
                    RealCase{"mobilenet_v1_0.25_128_quant.tflite", "imagenet_labels.txt", 1001, "background"},
                    RealCase{"mobilenet_v1_0.5_160_quant.tflite", "imagenet_labels.txt", 1001, "background"},
                    RealCase{"mobilenet_v1_0.75_192_quant.tflite", "imagenet_labels.txt", 1001, "background"},
                    RealCase{"tf2_mobilenet_v2_1.0_224_ptq.tflite", "imagenet_labels.txt", 1001, "background"},
                    RealCase{"mobilenet_v2_1.0_224_inat_bird_quant.tflite", "inat_bird_labels.txt", 965,
                             "Haemorhous cassinii (Cassin's Finch)"}),
    [](const testing::TestParamInfo<RealCase>& info) {
      std::string n = info.param.model;
      n = n.substr(0, n.find(".tflite"));
      for (char& ch : n) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return n;
    });

TEST(TfliteMetadata, MobilenetV2QuantLabelsAndNormalizationMatchInputQuantization) {
  std::string skip;
  auto m = load_model("mobilenet_v2_1.0_224_quant.tflite", &skip);
  if (!m) GTEST_SKIP() << skip;
  auto md = parse_metadata(m->meta(), m->meta_size, m->file.data(), m->file.size());
  ASSERT_TRUE(md.ok()) << md.status().message();
  ASSERT_EQ(md->labels.size(), 1001u);
  EXPECT_EQ(md->labels[0], "background");
  EXPECT_EQ(md->labels[1].rfind("tench", 0), 0u) << md->labels[1];
  EXPECT_EQ(md->labels[1000], "toilet tissue, toilet paper, bathroom tissue");

  // The input tensor's quantization (read once by hand with Python): uint8,
  // scale 0.0078125 (1/128), zero_point 128. Normalizing a pixel x with the
  // metadata, (x - 127.5) / 127.5, then quantizing, q = v / scale + zp, must map
  // [0, 255] onto the uint8 range within one step: pixels feed in directly.
  const float scale = 0.0078125f;
  const float zero_point = 128.0f;
  ASSERT_EQ(md->mean.size(), 1u);
  for (float x : {0.0f, 64.0f, 127.5f, 200.0f, 255.0f}) {
    const float q = (x - md->mean[0]) / md->std[0] / scale + zero_point;
    EXPECT_NEAR(q, x, 1.01f) << "pixel " << x;
  }
}

TEST(TfliteMetadata, Tf2PtqNormalizationMatchesInputQuantization) {
  std::string skip;
  auto m = load_model("tf2_mobilenet_v2_1.0_224_ptq.tflite", &skip);
  if (!m) GTEST_SKIP() << skip;
  auto md = parse_metadata(m->meta(), m->meta_size, m->file.data(), m->file.size());
  ASSERT_TRUE(md.ok()) << md.status().message();
  // Input quantization (by hand, Python): scale 0.007843137718737125 (1/127.5), zero_point 127.
  const float scale = 0.007843137718737125f;
  const float zero_point = 127.0f;
  ASSERT_EQ(md->mean.size(), 1u);
  for (float x : {0.0f, 127.5f, 255.0f}) {
    const float q = (x - md->mean[0]) / md->std[0] / scale + zero_point;
    EXPECT_NEAR(q, x, 1.01f) << "pixel " << x;
  }
}

TEST(TfliteMetadata, EmbeddingExtractorCarriesNoMetadata) {
  // The caller never calls parse_metadata for it; this pins the fact.
  std::string skip;
  auto m = load_model("mobilenet_v1_1.0_224_quant_embedding_extractor.tflite", &skip);
  if (!m) GTEST_SKIP() << skip;
  EXPECT_EQ(m->meta_size, 0u);
}

TEST(TfliteMetadata, UnalignedMetadataPointerIsFine) {
  std::string skip;
  auto m = load_model("mobilenet_v2_1.0_224_inat_bird_quant.tflite", &skip);
  if (!m) GTEST_SKIP() << skip;
  std::vector<uint8_t> shifted(m->meta_size + 1);
  std::memcpy(shifted.data() + 1, m->meta(), m->meta_size);
  auto md = parse_metadata(shifted.data() + 1, m->meta_size, m->file.data(), m->file.size());
  ASSERT_TRUE(md.ok()) << md.status().message();
  EXPECT_EQ(md->labels.size(), 965u);
}

// ------------------------------------------------------- malformed real input

TEST(TfliteMetadata, TruncatedMetadataNeverCrashes) {
  std::string skip;
  auto m = load_model("mobilenet_v2_1.0_224_quant.tflite", &skip);
  if (!m) GTEST_SKIP() << skip;
  int errors = 0;
  for (size_t n = 0; n < m->meta_size; ++n) {
    std::vector<uint8_t> cut(m->meta(), m->meta() + n);  // exact size: ASan sees any overread
    auto md = parse_metadata(cut.empty() ? nullptr : cut.data(), n, m->file.data(), m->file.size());
    if (!md.ok()) {
      ++errors;
      EXPECT_TRUE(Contains(md.status().message(), "TFLite metadata: ")) << "at " << n;
      EXPECT_EQ(md.status().code(), StatusCode::kInvalidModel);
    }
  }
  EXPECT_GT(errors, 0);
  auto cut = std::vector<uint8_t>(m->meta(), m->meta() + 8);
  auto md = parse_metadata(cut.data(), cut.size(), m->file.data(), m->file.size());
  ASSERT_FALSE(md.ok());
  EXPECT_TRUE(Contains(md.status().message(), "TFLite metadata: flatbuffer verification failed"));
}

TEST(TfliteMetadata, RandomByteFlipsInMetadataNeverCrash) {
  std::string skip;
  auto m = load_model("mobilenet_v2_1.0_224_quant.tflite", &skip);
  if (!m) GTEST_SKIP() << skip;
  std::mt19937 rng(1234);
  int ok = 0, errors = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    std::vector<uint8_t> meta(m->meta(), m->meta() + m->meta_size);
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) {
      const size_t at = rng() % meta.size();
      meta[at] = iter % 3 == 0 ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(meta[at] ^ (1u << (rng() % 8)));
    }
    auto md = parse_metadata(meta.data(), meta.size(), m->file.data(), m->file.size());
    if (md.ok()) {
      ++ok;
      EXPECT_LE(md->labels.size(), kMaxLabels);
    } else {
      ++errors;
      EXPECT_TRUE(Contains(md.status().message(), "TFLite metadata: "));
    }
  }
  std::cout << "  byte flips: " << ok << " parsed, " << errors << " rejected\n";
  EXPECT_GT(ok, 0);
  EXPECT_GT(errors, 0);
}

TEST(TfliteMetadata, DamagedZipNeverCrashes) {
  std::string skip;
  auto m = load_model("mobilenet_v2_1.0_224_quant.tflite", &skip);
  if (!m) GTEST_SKIP() << skip;
  const std::vector<uint8_t> meta(m->meta(), m->meta() + m->meta_size);
  std::vector<uint8_t>& file = m->file;
  const size_t size = file.size();
  // The appended ZIP: imagenet_labels.txt (21,686 bytes) plus headers, at the end.
  const size_t zip_region = 21686 + 200;
  ASSERT_GT(size, zip_region);

  // Truncations of the model file inside and just before the ZIP.
  std::mt19937 rng(99);
  int errors = 0;
  for (int iter = 0; iter < 300; ++iter) {
    const size_t n = size - 1 - rng() % zip_region;
    std::vector<uint8_t> cut(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(n));
    auto md = parse_metadata(meta.data(), meta.size(), cut.data(), cut.size());
    if (!md.ok()) {
      ++errors;
      EXPECT_TRUE(Contains(md.status().message(), "imagenet_labels.txt"));
    }
  }
  EXPECT_GT(errors, 0);

  // Byte flips in the ZIP headers (local header, central directory, end record)
  // and in the label bytes; restored after each try.
  const uint8_t kLocalSig[] = {'P', 'K', 3, 4};
  const auto zip_start = file.end() - static_cast<std::ptrdiff_t>(zip_region);
  const size_t local_header =
      static_cast<size_t>(std::search(zip_start, file.end(), kLocalSig, kLocalSig + 4) - file.begin());
  ASSERT_LT(local_header, size - 100) << "no ZIP local header near the end of the model";
  for (int iter = 0; iter < 3000; ++iter) {
    size_t at;
    switch (iter % 3) {
      case 0: at = size - 1 - rng() % 100; break;            // central directory + end record
      case 1: at = local_header + rng() % 64; break;         // the local header + name
      default: at = size - 1 - rng() % zip_region; break;    // anywhere in the archive
    }
    const uint8_t saved = file[at];
    file[at] = static_cast<uint8_t>(rng());
    auto md = parse_metadata(meta.data(), meta.size(), file.data(), file.size());
    if (md.ok()) {
      EXPECT_LE(md->labels.size(), kMaxLabels);
    } else {
      EXPECT_TRUE(Contains(md.status().message(), "TFLite metadata: "));
    }
    file[at] = saved;
  }
}

// ---------------------------------------------------- synthetic metadata + ZIP

namespace fb = flatbuffers;

struct FileRef {
  std::string name;
  int8_t type = 2;  // TENSOR_AXIS_LABELS
};

struct Spec {
  std::string name = "Synthetic";
  bool normalization = true;
  std::vector<float> mean{0.5f, 0.25f, 0.125f};
  std::vector<float> std{2.0f, 4.0f, 8.0f};
  std::vector<FileRef> output_files;
  std::vector<FileRef> subgraph_files;
  std::vector<FileRef> model_files;
};

// Builds a metadata_schema.fbs ModelMetadata with one subgraph, one input and
// one output tensor. The input gets a ScoreThresholdingOptions process unit
// first, then the NormalizationOptions one.
std::vector<uint8_t> build_metadata(const Spec& s) {
  fb::FlatBufferBuilder b;
  auto files = [&](const std::vector<FileRef>& refs) {
    std::vector<fb::Offset<fb::Table>> offs;
    for (const FileRef& r : refs) {
      auto name = b.CreateString(r.name);
      const auto start = b.StartTable();
      b.AddOffset(4, name);                  // name (id 0)
      b.AddElement<int8_t>(8, r.type, 0);    // type (id 2)
      offs.emplace_back(b.EndTable(start));
    }
    return b.CreateVector(offs);
  };
  std::vector<fb::Offset<fb::Table>> units;
  {
    auto start = b.StartTable();
    b.AddElement<float>(4, 0.5f, 0.0f);
    const fb::Offset<fb::Table> thresholding(b.EndTable(start));
    start = b.StartTable();
    b.AddElement<uint8_t>(4, 3, 0);  // options_type = ScoreThresholdingOptions
    b.AddOffset(6, thresholding);
    units.emplace_back(b.EndTable(start));
  }
  if (s.normalization) {
    auto mean = b.CreateVector(s.mean);
    auto stdv = b.CreateVector(s.std);
    auto start = b.StartTable();
    b.AddOffset(4, mean);
    b.AddOffset(6, stdv);
    const fb::Offset<fb::Table> norm(b.EndTable(start));
    start = b.StartTable();
    b.AddElement<uint8_t>(4, 1, 0);  // options_type = NormalizationOptions
    b.AddOffset(6, norm);
    units.emplace_back(b.EndTable(start));
  }
  auto unit_vec = b.CreateVector(units);
  auto in_name = b.CreateString("image");
  auto start = b.StartTable();
  b.AddOffset(4, in_name);
  b.AddOffset(12, unit_vec);  // process_units (id 4)
  const fb::Offset<fb::Table> input(b.EndTable(start));

  auto out_files = files(s.output_files);
  start = b.StartTable();
  b.AddOffset(16, out_files);  // associated_files (id 6)
  const fb::Offset<fb::Table> output(b.EndTable(start));

  auto inputs = b.CreateVector(std::vector<fb::Offset<fb::Table>>{input});
  auto outputs = b.CreateVector(std::vector<fb::Offset<fb::Table>>{output});
  auto sg_files = files(s.subgraph_files);
  start = b.StartTable();
  b.AddOffset(8, inputs);     // input_tensor_metadata (id 2)
  b.AddOffset(10, outputs);   // output_tensor_metadata (id 3)
  b.AddOffset(12, sg_files);  // associated_files (id 4)
  const fb::Offset<fb::Table> subgraph(b.EndTable(start));

  auto subgraphs = b.CreateVector(std::vector<fb::Offset<fb::Table>>{subgraph});
  auto model_files = files(s.model_files);
  auto name = b.CreateString(s.name);
  start = b.StartTable();
  b.AddOffset(4, name);          // name (id 0)
  b.AddOffset(10, subgraphs);    // subgraph_metadata (id 3)
  b.AddOffset(16, model_files);  // associated_files (id 6)
  const fb::Offset<fb::Table> root(b.EndTable(start));
  b.Finish(root, "M001");
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

uint32_t crc32(const std::string& s) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char byte : s) {
    c ^= byte;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return ~c;
}

void put16(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(static_cast<uint8_t>(x));
  v.push_back(static_cast<uint8_t>(x >> 8));
}
void put32(std::vector<uint8_t>& v, uint32_t x) {
  put16(v, x & 0xFFFF);
  put16(v, x >> 16);
}

// `prefix` (the pretend model) followed by a stored-only ZIP of `entries`, with
// offsets counted from the start of the whole file, as the TFLite metadata
// populator writes them.
std::vector<uint8_t> with_zip(std::vector<uint8_t> out, const std::vector<std::pair<std::string, std::string>>& entries) {
  std::vector<uint8_t> central;
  for (const auto& [name, data] : entries) {
    const uint32_t offset = static_cast<uint32_t>(out.size());
    const uint32_t crc = crc32(data);
    put32(out, 0x04034b50);
    put16(out, 20);
    put16(out, 0);  // flags
    put16(out, 0);  // stored
    put16(out, 0);  // time
    put16(out, 0x21);  // date 1980-01-01
    put32(out, crc);
    put32(out, static_cast<uint32_t>(data.size()));
    put32(out, static_cast<uint32_t>(data.size()));
    put16(out, static_cast<uint32_t>(name.size()));
    put16(out, 0);
    out.insert(out.end(), name.begin(), name.end());
    out.insert(out.end(), data.begin(), data.end());

    put32(central, 0x02014b50);
    put16(central, 20);
    put16(central, 20);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put16(central, 0x21);
    put32(central, crc);
    put32(central, static_cast<uint32_t>(data.size()));
    put32(central, static_cast<uint32_t>(data.size()));
    put16(central, static_cast<uint32_t>(name.size()));
    put16(central, 0);  // extra
    put16(central, 0);  // comment
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, 0);  // external attributes
    put32(central, offset);
    central.insert(central.end(), name.begin(), name.end());
  }
  const uint32_t cd_offset = static_cast<uint32_t>(out.size());
  out.insert(out.end(), central.begin(), central.end());
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, static_cast<uint32_t>(entries.size()));
  put16(out, static_cast<uint32_t>(entries.size()));
  put32(out, static_cast<uint32_t>(central.size()));
  put32(out, cd_offset);
  put16(out, 0);
  return out;
}

// A pretend model file: the metadata bytes plus some padding, then the ZIP.
std::vector<uint8_t> model_with(const std::vector<uint8_t>& meta,
                                const std::vector<std::pair<std::string, std::string>>& entries) {
  std::vector<uint8_t> prefix(meta);
  prefix.resize(prefix.size() + 37, 0xAB);
  return with_zip(std::move(prefix), entries);
}

Result<ModelMetadata> parse(const std::vector<uint8_t>& meta, const std::vector<uint8_t>& file) {
  return parse_metadata(meta.data(), meta.size(), file.empty() ? nullptr : file.data(), file.size());
}

TEST(TfliteMetadataSynthetic, LinesAreTrimmedAndTheFinalEmptyLineDropped) {
  Spec s;
  s.output_files = {{"labels.txt"}};
  auto meta = build_metadata(s);
  auto file = model_with(meta, {{"readme.txt", "hello"}, {"labels.txt", "\xEF\xBB\xBF" "cat\r\ndog  \r\n\r\nbird\t\n"}});
  auto md = parse(meta, file);
  ASSERT_TRUE(md.ok()) << md.status().message();
  EXPECT_EQ(md->name, "Synthetic");
  EXPECT_EQ(md->mean, (std::vector<float>{0.5f, 0.25f, 0.125f}));
  EXPECT_EQ(md->std, (std::vector<float>{2.0f, 4.0f, 8.0f}));
  EXPECT_EQ(md->labels, (std::vector<std::string>{"cat", "dog", "", "bird"}));

  // Without a final newline the last line is kept.
  file = model_with(meta, {{"labels.txt", "a\nb"}});
  md = parse(meta, file);
  ASSERT_TRUE(md.ok()) << md.status().message();
  EXPECT_EQ(md->labels, (std::vector<std::string>{"a", "b"}));
}

TEST(TfliteMetadataSynthetic, FirstAxisLabelsFileWinsOutputThenSubgraphThenModel) {
  Spec s;
  s.output_files = {{"values.txt", 3}, {"axis.txt", 2}, {"axis2.txt", 2}};
  s.subgraph_files = {{"sg.txt", 2}};
  s.model_files = {{"model.txt", 2}};
  std::vector<std::pair<std::string, std::string>> entries = {
      {"values.txt", "v\n"}, {"axis.txt", "axis\n"}, {"axis2.txt", "x\n"}, {"sg.txt", "sg\n"}, {"model.txt", "m\n"}};
  auto meta = build_metadata(s);
  auto md = parse(meta, model_with(meta, entries));
  ASSERT_TRUE(md.ok()) << md.status().message();
  EXPECT_EQ(md->labels, std::vector<std::string>{"axis"});

  s.output_files = {{"values.txt", 3}};
  meta = build_metadata(s);
  md = parse(meta, model_with(meta, entries));
  ASSERT_TRUE(md.ok()) << md.status().message();
  EXPECT_EQ(md->labels, std::vector<std::string>{"sg"});

  s.subgraph_files.clear();
  meta = build_metadata(s);
  md = parse(meta, model_with(meta, entries));
  ASSERT_TRUE(md.ok()) << md.status().message();
  EXPECT_EQ(md->labels, std::vector<std::string>{"m"});
}

TEST(TfliteMetadataSynthetic, NoLabelFileNoNormalizationIsFine) {
  Spec s;
  s.normalization = false;
  s.name.clear();
  auto meta = build_metadata(s);
  auto md = parse(meta, {});  // no ZIP needed when no label file is named
  ASSERT_TRUE(md.ok()) << md.status().message();
  EXPECT_EQ(md->name, "");
  EXPECT_TRUE(md->mean.empty());
  EXPECT_TRUE(md->std.empty());
  EXPECT_TRUE(md->labels.empty());
}

TEST(TfliteMetadataSynthetic, MissingArchiveMemberIsAnError) {
  Spec s;
  s.output_files = {{"missing.txt"}};
  auto meta = build_metadata(s);
  auto md = parse(meta, model_with(meta, {{"labels.txt", "a\n"}}));
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.status().code(), StatusCode::kInvalidModel);
  EXPECT_TRUE(Contains(md.status().message(), "TFLite metadata: associated file 'missing.txt' not found in the model's ZIP archive"));
  EXPECT_TRUE(Contains(md.status().message(), "subgraph 0 output tensor 0"));
}

TEST(TfliteMetadataSynthetic, NoArchiveIsAnError) {
  Spec s;
  s.output_files = {{"labels.txt"}};
  auto meta = build_metadata(s);
  auto md = parse(meta, meta);  // the "model" is just the metadata: no ZIP at its end
  ASSERT_FALSE(md.ok());
  EXPECT_TRUE(Contains(md.status().message(), "'labels.txt'"));
  EXPECT_TRUE(Contains(md.status().message(), "no valid ZIP archive found at the end of the model"));
  md = parse(meta, {});
  ASSERT_FALSE(md.ok());
  EXPECT_TRUE(Contains(md.status().message(), "'labels.txt'"));
}

TEST(TfliteMetadataSynthetic, BadNormalizationIsAnError) {
  Spec s;
  s.std = {1.0f, 0.0f, 1.0f};
  auto meta = build_metadata(s);
  auto md = parse(meta, {});
  ASSERT_FALSE(md.ok());
  EXPECT_TRUE(Contains(md.status().message(), "std[1] must be finite and non-zero, found 0"));

  s.std = {1.0f, 2.0f};
  meta = build_metadata(s);
  md = parse(meta, {});
  ASSERT_FALSE(md.ok());
  EXPECT_TRUE(Contains(md.status().message(), "mean has 3 values and std has 2"));

  s.mean = {127.5f};
  s.std = {127.5f, 127.5f, 127.5f};  // one value broadcasts: fine
  meta = build_metadata(s);
  md = parse(meta, {});
  ASSERT_TRUE(md.ok()) << md.status().message();
  EXPECT_EQ(md->mean.size(), 1u);
  EXPECT_EQ(md->std.size(), 3u);
}

TEST(TfliteMetadataSynthetic, LabelCountIsCapped) {
  Spec s;
  s.output_files = {{"labels.txt"}};
  auto meta = build_metadata(s);
  std::string many(kMaxLabels, '\n');
  auto md = parse(meta, model_with(meta, {{"labels.txt", many}}));
  ASSERT_TRUE(md.ok()) << md.status().message();
  EXPECT_EQ(md->labels.size(), kMaxLabels);
  many += "x";
  md = parse(meta, model_with(meta, {{"labels.txt", many}}));
  ASSERT_FALSE(md.ok());
  EXPECT_TRUE(Contains(md.status().message(), "has 100001 lines; expected at most 100000 labels"));
}

TEST(TfliteMetadataSynthetic, WrongIdentifierFailsVerification) {
  Spec s;
  auto meta = build_metadata(s);
  std::memcpy(meta.data() + 4, "TFL3", 4);
  auto md = parse(meta, {});
  ASSERT_FALSE(md.ok());
  EXPECT_TRUE(Contains(md.status().message(), "TFLite metadata: flatbuffer verification failed"));
  EXPECT_TRUE(Contains(md.status().message(), "expected file identifier M001"));
  md = parse_metadata(nullptr, 0, nullptr, 0);
  ASSERT_FALSE(md.ok());
  EXPECT_TRUE(Contains(md.status().message(), "TFLite metadata: flatbuffer verification failed"));
}

TEST(TfliteMetadataSynthetic, TruncatedSyntheticMetadataNeverCrashes) {
  Spec s;
  s.output_files = {{"labels.txt"}};
  s.model_files = {{"labels.txt"}};
  const auto full = build_metadata(s);
  const auto file = model_with(full, {{"labels.txt", "a\nb\n"}});
  for (size_t n = 1; n < full.size(); ++n) {
    std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    auto md = parse(cut, file);
    if (md.ok()) {
      EXPECT_LE(md->labels.size(), 2u);
    }
  }
}

}  // namespace
}  // namespace edgerun::tflite
