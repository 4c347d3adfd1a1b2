// The TFLite reader on the real shared models, and on malformed bytes: every
// truncation and corruption gives a clear error, never a crash (this suite also
// runs under AddressSanitizer in scripts/test.sh).
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <random>
#include <vector>

#include "edgerun/edgerun.h"
#include "io/tflite/reader.h"
#include "shared_data.h"

namespace edgerun {
namespace {

using testdata::read_file_bytes;

const char* kClassifiers[] = {
    "mobilenet_v1_0.25_128_quant.tflite",         "mobilenet_v1_0.5_160_quant.tflite",
    "mobilenet_v1_0.75_192_quant.tflite",         "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite",
    "mobilenet_v2_1.0_224_inat_bird_quant.tflite", "mobilenet_v2_1.0_224_quant.tflite",
    "tf2_mobilenet_v2_1.0_224_ptq.tflite",
};

TEST(TfliteReader, ImportsEverySharedModel) {
  EDGERUN_REQUIRE_SHARED(dir, "models");
  for (const char* name : kClassifiers) {
    SCOPED_TRACE(name);
    auto bytes = read_file_bytes(dir + "/" + name);
    ASSERT_FALSE(bytes.empty());
    auto m = tflite::import_model(bytes.data(), bytes.size());
    ASSERT_TRUE(m.ok()) << m.status().message();
    const ir::Graph& g = m->graph;
    ASSERT_EQ(g.inputs.size(), 1u);
    const TensorInfo& in = g.values[g.inputs[0]].info;
    EXPECT_EQ(in.dtype, DType::kUInt8);
    ASSERT_EQ(in.shape.size(), 4u);
    EXPECT_EQ(in.shape[3], 3);
    EXPECT_GT(g.nodes.size(), 25u);
    // Weights are used in place: constants point into the file bytes (or an aligned copy).
    size_t constants = 0;
    for (const ir::Value& v : g.values) constants += v.is_constant();
    EXPECT_GT(constants, 25u);
  }
}

TEST(TfliteReader, MobilenetV2Structure) {
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v2_1.0_224_quant.tflite");
  auto bytes = read_file_bytes(path);
  auto m = tflite::import_model(bytes.data(), bytes.size());
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Graph& g = m->graph;
  // Facts cross-checked with LiteRT's Interpreter: 36 CONV_2D, 17 DEPTHWISE_CONV_2D, 10 ADD,
  // 1 AVERAGE_POOL_2D, 1 RESHAPE, 1 SOFTMAX; input uint8 [1,224,224,3] scale 1/128 zp 128.
  std::map<ir::OpType, int> counts;
  for (const ir::Node& n : g.nodes) counts[n.op]++;
  EXPECT_EQ(counts[ir::OpType::kConv2D], 36);
  EXPECT_EQ(counts[ir::OpType::kDepthwiseConv2D], 17);
  EXPECT_EQ(counts[ir::OpType::kAdd], 10);
  EXPECT_EQ(counts[ir::OpType::kSoftmax], 1);
  const TensorInfo& in = g.values[g.inputs[0]].info;
  EXPECT_EQ(in.shape, (Shape{1, 224, 224, 3}));
  ASSERT_EQ(in.quant.scale.size(), 1u);
  EXPECT_FLOAT_EQ(in.quant.scale[0], 0.0078125f);
  EXPECT_EQ(in.quant.zero_point[0], 128);
  const TensorInfo& out = g.values[g.outputs[0]].info;
  EXPECT_EQ(out.shape, (Shape{1, 1001}));
  const ir::Node& first = g.nodes[0];
  ASSERT_EQ(first.op, ir::OpType::kConv2D);
  const auto& attrs = std::get<ir::Conv2DAttrs>(first.attrs);
  EXPECT_EQ(attrs.stride_h, 2);
  EXPECT_EQ(attrs.stride_w, 2);
  EXPECT_EQ(attrs.activation, ir::Activation::kRelu6);
  EXPECT_EQ(g.values[first.inputs[1]].info.shape, (Shape{32, 3, 3, 3}));
}

TEST(TfliteReader, Tf2ModelHasPerChannelWeights) {
  EDGERUN_REQUIRE_SHARED(path, "models/tf2_mobilenet_v2_1.0_224_ptq.tflite");
  auto bytes = read_file_bytes(path);
  auto m = tflite::import_model(bytes.data(), bytes.size());
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Graph& g = m->graph;
  bool found = false;
  for (const ir::Node& n : g.nodes) {
    if (n.op != ir::OpType::kConv2D) continue;
    const ir::Value& w = g.values[n.inputs[1]];
    EXPECT_EQ(w.info.dtype, DType::kInt8);
    EXPECT_EQ(w.info.quant.scale.size(), static_cast<size_t>(w.info.shape[0]));
    EXPECT_EQ(w.info.quant.axis, 0);
    found = true;
    break;
  }
  EXPECT_TRUE(found);
}

TEST(TfliteReader, CustomOpIsReportedByNameAndIndex) {
  EDGERUN_REQUIRE_SHARED(path, "models/invalid_model_invoking_error.tflite");
  auto model = Model::load(path);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(model.status().message().find("CUSTOM 'fake-op-double' (operator 0)"), std::string::npos)
      << model.status().message();
}

TEST(TfliteReader, RejectsNonTfliteBytes) {
  const std::string text = "definitely not a flatbuffer, just text";
  auto m = tflite::import_model(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("TFL3"), std::string::npos) << m.status().message();
  auto tiny = tflite::import_model(reinterpret_cast<const uint8_t*>("TFL3"), 4);
  ASSERT_FALSE(tiny.ok());
  auto missing = Model::load("/nonexistent/model.tflite");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// A model with no operators whose subgraph inputs and outputs are tensors of
// the given schema.fbs TensorType codes, all of shape [2], and one more
// tensor of the last type that is a constant (buffer 1, `constant_bytes`).
std::vector<uint8_t> model_with_tensor_types(const std::vector<int8_t>& types, size_t constant_bytes) {
  flatbuffers::FlatBufferBuilder b;
  std::vector<flatbuffers::Offset<flatbuffers::Table>> tensors;
  for (size_t i = 0; i <= types.size(); ++i) {
    auto shape = b.CreateVector(std::vector<int32_t>{2});
    const auto start = b.StartTable();
    b.AddOffset(4, shape);                                             // shape (id 0)
    b.AddElement<int8_t>(6, types[std::min(i, types.size() - 1)], 0);  // type (id 1)
    b.AddElement<uint32_t>(8, i == types.size() ? 1 : 0, 0);           // buffer (id 2)
    tensors.emplace_back(b.EndTable(start));
  }
  auto tensor_vec = b.CreateVector(tensors);
  std::vector<int32_t> ids(types.size());
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>(i);
  auto inputs = b.CreateVector(ids);
  auto outputs = b.CreateVector(ids);
  auto start = b.StartTable();
  b.AddOffset(4, tensor_vec);  // tensors (id 0)
  b.AddOffset(6, inputs);      // inputs (id 1)
  b.AddOffset(8, outputs);     // outputs (id 2)
  const flatbuffers::Offset<flatbuffers::Table> subgraph(b.EndTable(start));
  auto subgraphs = b.CreateVector(std::vector<flatbuffers::Offset<flatbuffers::Table>>{subgraph});

  auto data = b.CreateVector(std::vector<uint8_t>(constant_bytes, 0xab));
  start = b.StartTable();
  const flatbuffers::Offset<flatbuffers::Table> empty(b.EndTable(start));
  start = b.StartTable();
  b.AddOffset(4, data);  // data (id 0)
  const flatbuffers::Offset<flatbuffers::Table> constant(b.EndTable(start));
  auto buffers = b.CreateVector(std::vector<flatbuffers::Offset<flatbuffers::Table>>{empty, constant});

  start = b.StartTable();
  b.AddElement<uint32_t>(4, 3, 0);  // version (id 0)
  b.AddOffset(8, subgraphs);        // subgraphs (id 2)
  b.AddOffset(12, buffers);         // buffers (id 4)
  const flatbuffers::Offset<flatbuffers::Table> root(b.EndTable(start));
  b.Finish(root, "TFL3");
  return std::vector<uint8_t>(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

TEST(TfliteReader, MapsUnsignedTensorTypes) {
  // schema.fbs TensorType: UINT64 = 12, UINT32 = 15, UINT16 = 16.
  const std::vector<uint8_t> bytes = model_with_tensor_types({16, 15, 12}, 16);
  auto m = tflite::import_model(bytes.data(), bytes.size());
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Graph& g = m->graph;
  ASSERT_EQ(g.values.size(), 4u);
  EXPECT_EQ(g.values[0].info.dtype, DType::kUInt16);
  EXPECT_EQ(g.values[1].info.dtype, DType::kUInt32);
  EXPECT_EQ(g.values[2].info.dtype, DType::kUInt64);
  EXPECT_EQ(g.values[3].info.dtype, DType::kUInt64);
  EXPECT_EQ(g.values[3].data_bytes, 16u);  // [2] of 8-byte elements

  // The buffer's size is checked against the element size: [2] of uint16 is 4 bytes.
  const std::vector<uint8_t> short_buffer = model_with_tensor_types({16}, 8);
  auto bad = tflite::import_model(short_buffer.data(), short_buffer.size());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("holds 8 bytes, expected 4 (shape [2] of uint16)"), std::string::npos)
      << bad.status().message();

  // The codes between them are known types the engine does not run.
  const std::vector<uint8_t> resource = model_with_tensor_types({13}, 0);
  auto r = tflite::import_model(resource.data(), resource.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("dtype RESOURCE is not supported"), std::string::npos) << r.status().message();
}

TEST(TfliteReader, ReadsFloat16Constants) {
  // schema.fbs TensorType FLOAT16 = 1: IEEE half bits, 2 bytes an element.
  const std::vector<uint8_t> bytes = model_with_tensor_types({1}, 4);
  auto m = tflite::import_model(bytes.data(), bytes.size());
  ASSERT_TRUE(m.ok()) << m.status().message();
  const ir::Graph& g = m->graph;
  ASSERT_EQ(g.values.size(), 2u);
  EXPECT_EQ(g.values[0].info.dtype, DType::kFloat16);
  EXPECT_EQ(g.values[1].info.dtype, DType::kFloat16);
  ASSERT_TRUE(g.values[1].is_constant());
  EXPECT_EQ(g.values[1].data_bytes, 4u);
  uint16_t h;
  std::memcpy(&h, g.values[1].data + 2, 2);
  EXPECT_EQ(h, 0xabab);

  // A buffer of another size than [2] x 2 bytes is malformed: float32-sized, odd, short.
  for (size_t wrong : {8, 3, 2}) {
    const std::vector<uint8_t> bad = model_with_tensor_types({1}, wrong);
    auto r = tflite::import_model(bad.data(), bad.size());
    ASSERT_FALSE(r.ok()) << wrong;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
    EXPECT_NE(r.status().message().find("holds " + std::to_string(wrong) + " bytes, expected 4 (shape [2] of float16)"),
              std::string::npos)
        << r.status().message();
  }
}

// Truncation at 100 random points: an error or (for a cut inside the label ZIP
// after the flatbuffer) a model that still validates, never a crash.
class TfliteReaderFuzz : public ::testing::TestWithParam<const char*> {};

TEST_P(TfliteReaderFuzz, TruncatedModelsFailCleanly) {
  EDGERUN_REQUIRE_SHARED(path, std::string("models/") + GetParam());
  const auto bytes = read_file_bytes(path);
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> cut(0, bytes.size() - 1);
  int rejected = 0;
  for (int i = 0; i < 100; ++i) {
    const size_t n = cut(rng);
    // A fresh heap copy of exactly n bytes, so ASan sees any read past the end.
    std::unique_ptr<uint8_t[]> copy(new uint8_t[n ? n : 1]);
    std::memcpy(copy.get(), bytes.data(), n);
    auto m = Model::load_from_buffer(copy.get(), n);
    if (!m.ok()) {
      ++rejected;
      EXPECT_FALSE(m.status().message().empty());
    }
  }
  EXPECT_GT(rejected, 80);
}

// Random byte flips: an error or a model that still validates and runs, never a crash.
TEST_P(TfliteReaderFuzz, CorruptedModelsNeverCrash) {
  EDGERUN_REQUIRE_SHARED(path, std::string("models/") + GetParam());
  const auto original = read_file_bytes(path);
  std::mt19937 rng(777);
  std::uniform_int_distribution<size_t> pos(0, original.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  // Most of the file is weights, where flips are harmless; aim half the flips
  // at the first 64 KiB, where the converters put the tables.
  std::uniform_int_distribution<size_t> head(0, std::min<size_t>(65535, original.size() - 1));
  int rejected = 0;
  for (int i = 0; i < 100; ++i) {
    std::vector<uint8_t> bytes = original;
    const int flips = 1 + i % 8;
    for (int f = 0; f < flips; ++f) bytes[(f % 2) ? head(rng) : pos(rng)] = static_cast<uint8_t>(byte(rng));
    auto m = Model::load_from_buffer(bytes.data(), bytes.size());
    if (m.ok()) {
      auto s = Session::create(*m);
      ASSERT_TRUE(s.ok());
      EXPECT_TRUE(s->invoke().ok());
    } else {
      ++rejected;
      EXPECT_FALSE(m.status().message().empty());
    }
  }
  EXPECT_GT(rejected, 0);
}

// A TF1 uint8 model and the TF2 int8 per-channel one.
INSTANTIATE_TEST_SUITE_P(SharedModels, TfliteReaderFuzz,
                         ::testing::Values("mobilenet_v1_0.25_128_quant.tflite", "tf2_mobilenet_v2_1.0_224_ptq.tflite"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return info.index == 0 ? std::string("tf1_uint8") : std::string("tf2_int8");
                         });

}  // namespace
}  // namespace edgerun
