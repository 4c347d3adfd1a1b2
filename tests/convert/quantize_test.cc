#include "convert/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "convert/calibrate.h"
#include "convert/dequantize.h"
#include "convert/graph_edit.h"
#include "convert/report.h"
#include "convert_test_util.h"

namespace edgerun::convert {
namespace {

using testing_convert::argmax;
using testing_convert::import_file;
using testing_convert::model_of;
using testing_convert::run_on_photo;
using testing_convert::sqnr_db;

io::ImportedModel copy_of(const io::ImportedModel& m) {
  io::ImportedModel c;
  c.graph = m.graph;
  c.metadata = m.metadata;
  return c;
}

// The float MobileNetV2 (dequantized from the uint8 one) quantized back to
// int8 on 10 calibration photos: every op runs in int8, the weights and
// biases follow TFLite's int8 scheme, and the photos are classified as the
// float model classifies them.
TEST(QuantizeInt8, MobileNetV2FollowsTfliteSchemeAndClassifiesAlike) {
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v2_1.0_224_quant.tflite");
  EDGERUN_REQUIRE_SHARED(eval_dir, "eval/imagenet-100");
  auto f = import_file(path);
  ASSERT_TRUE(dequantize_model(f.model).ok());
  io::ImportedModel float_model = copy_of(f.model);
  auto images = calibration_images(eval_dir, 10);
  ASSERT_TRUE(images.ok()) << images.status().message();
  auto ranges = calibrate(f.model, *images, {});
  ASSERT_TRUE(ranges.ok()) << ranges.status().message();
  QuantizeReport r;
  ASSERT_TRUE(quantize_int8(f.model, *ranges, {}, &r).ok());
  EXPECT_EQ(r.float_nodes, 0);
  EXPECT_EQ(r.quantized_nodes, 66);
  const ir::Graph& g = f.model.graph;
  EXPECT_EQ(g.nodes.front().op, ir::OpType::kQuantize);
  EXPECT_EQ(g.nodes.back().op, ir::OpType::kDequantize);
  for (const ir::Node& n : g.nodes) {
    if (n.op != ir::OpType::kConv2D && n.op != ir::OpType::kDepthwiseConv2D) continue;
    const ir::Value& in = g.values[static_cast<size_t>(n.inputs[0])];
    const ir::Value& w = g.values[static_cast<size_t>(n.inputs[1])];
    const ir::Value& b = g.values[static_cast<size_t>(n.inputs[2])];
    ASSERT_EQ(in.info.dtype, DType::kInt8);
    ASSERT_EQ(w.info.dtype, DType::kInt8);
    ASSERT_EQ(b.info.dtype, DType::kInt32);
    const int axis = n.op == ir::OpType::kDepthwiseConv2D ? 3 : 0;
    EXPECT_EQ(w.info.quant.axis, axis);
    const int64_t channels = w.info.shape[static_cast<size_t>(axis)];
    ASSERT_EQ(static_cast<int64_t>(w.info.quant.scale.size()), channels);
    // Symmetric: zero point 0, and each channel's largest |q| is 127.
    std::vector<int> largest(static_cast<size_t>(channels), 0);
    int64_t inner = 1;
    for (size_t d = static_cast<size_t>(axis) + 1; d < w.info.shape.size(); ++d) inner *= w.info.shape[d];
    for (int64_t i = 0; i < w.info.elements(); ++i) {
      const auto c = static_cast<size_t>(i / inner % channels);
      largest[c] = std::max(largest[c], std::abs(static_cast<int>(static_cast<int8_t>(w.data[i]))));
    }
    for (int64_t c = 0; c < channels; ++c) {
      EXPECT_EQ(w.info.quant.zero_point[static_cast<size_t>(c)], 0);
      EXPECT_TRUE(largest[static_cast<size_t>(c)] == 127 || largest[static_cast<size_t>(c)] == 0);
      // Bias scale = input scale * weight scale.
      EXPECT_FLOAT_EQ(b.info.quant.scale[static_cast<size_t>(c)],
                      static_cast<float>(static_cast<double>(in.info.quant.scale[0]) *
                                         w.info.quant.scale[static_cast<size_t>(c)]));
    }
  }
  // Activations computed by conv / add: scale = (max - min) / 255 over the
  // calibrated range (0 included); pools and reshapes keep their input's.
  std::map<int32_t, int32_t> float_of(r.quantized_values.begin(), r.quantized_values.end());
  for (const ir::Node& n : g.nodes) {
    const ir::Value& v = g.values[static_cast<size_t>(n.outputs[0])];
    if (n.op == ir::OpType::kConv2D || n.op == ir::OpType::kDepthwiseConv2D || n.op == ir::OpType::kAdd) {
      const ValueRange& range = (*ranges)[static_cast<size_t>(float_of.at(n.outputs[0]))];
      EXPECT_NEAR(v.info.quant.scale[0], (range.max - range.min) / 255.0f, v.info.quant.scale[0] * 1e-5f);
    } else if (n.op == ir::OpType::kAveragePool2D || n.op == ir::OpType::kReshape) {
      EXPECT_EQ(v.info.quant.scale, g.values[static_cast<size_t>(n.inputs[0])].info.quant.scale);
    } else if (n.op == ir::OpType::kSoftmax) {
      EXPECT_EQ(v.info.quant.scale[0], 1.0f / 256.0f);
      EXPECT_EQ(v.info.quant.zero_point[0], -128);
    }
  }

  const auto fm = model_of(copy_of(float_model));
  const auto qm = model_of(copy_of(f.model));
  int agree = 0;
  for (const char* photo : {"grace_hopper.bmp", "cat.bmp", "parrot.jpg", "hot_dog.jpg"}) {
    const std::string p = testdata::shared_path(std::string("images/") + photo);
    const std::vector<float> a = run_on_photo(fm, p), b = run_on_photo(qm, p);
    agree += argmax(a) == argmax(b);
    EXPECT_GT(sqnr_db(a, b), 10.0) << photo;
  }
  EXPECT_GE(agree, 3);

  // The report: one finite SQNR per int8 op, in execution order.
  std::vector<std::string> few(images->begin(), images->begin() + 2);
  auto layers = layer_sqnr(float_model, f.model, r, few, std::nullopt);
  ASSERT_TRUE(layers.ok()) << layers.status().message();
  EXPECT_EQ(layers->size(), 67u);  // the input QUANTIZE and the 66 ops
  for (size_t i = 1; i < layers->size(); ++i) EXPECT_GT((*layers)[i].node, (*layers)[i - 1].node);
  for (const LayerSqnr& l : *layers) {
    EXPECT_TRUE(std::isfinite(l.sqnr_db) && l.sqnr_db > 5.0) << l.tensor << " " << l.sqnr_db;
  }
}

// A one-conv float graph with given ranges: the exact parameters, int8 / uint8 inputs and outputs.
struct TinyConv {
  io::ImportedModel m;
  std::vector<ValueRange> ranges;
};

TinyConv tiny_conv() {
  TinyConv t;
  const int32_t x = add_activation(t.m, {"x", DType::kFloat32, {1, 4, 4, 3}, {}});
  const std::vector<float> w = {0.5f, -1.0f, 0.25f, 2.0f, 0.0f, -0.5f};  // 2 output channels x 1x1x3
  const int32_t wid = add_constant(t.m, "w", DType::kFloat32, {2, 1, 1, 3}, w.data(), w.size() * 4);
  const std::vector<float> b = {0.1f, -0.2f};
  const int32_t bid = add_constant(t.m, "b", DType::kFloat32, {2}, b.data(), b.size() * 4);
  const int32_t y = add_activation(t.m, {"y", DType::kFloat32, {1, 4, 4, 2}, {}});
  t.m.graph.nodes.push_back({ir::OpType::kConv2D, {x, wid, bid}, {y}, ir::Conv2DAttrs{}, 0});
  t.m.graph.inputs = {x};
  t.m.graph.outputs = {y};
  t.ranges.resize(t.m.graph.values.size());
  t.ranges[static_cast<size_t>(x)] = {true, -1.0f, 1.0f};
  t.ranges[static_cast<size_t>(y)] = {true, -2.0f, 3.1f};
  return t;
}

TEST(QuantizeInt8, ParametersOfATinyConv) {
  TinyConv t = tiny_conv();
  QuantizeReport r;
  ASSERT_TRUE(quantize_int8(t.m, t.ranges, {}, &r).ok());
  const ir::Graph& g = t.m.graph;
  ASSERT_EQ(g.nodes.size(), 3u);  // QUANTIZE, CONV_2D, DEQUANTIZE
  const ir::Node& conv = g.nodes[1];
  const ir::Value& in = g.values[static_cast<size_t>(conv.inputs[0])];
  const ir::Value& w = g.values[static_cast<size_t>(conv.inputs[1])];
  const ir::Value& b = g.values[static_cast<size_t>(conv.inputs[2])];
  const ir::Value& out = g.values[static_cast<size_t>(conv.outputs[0])];
  EXPECT_FLOAT_EQ(in.info.quant.scale[0], 2.0f / 255.0f);
  EXPECT_EQ(in.info.quant.zero_point[0], -1);  // round(-128 + 127.5), half away from zero
  EXPECT_FLOAT_EQ(out.info.quant.scale[0], 5.1f / 255.0f);
  EXPECT_EQ(out.info.quant.zero_point[0], std::lround(-128.0 + 2.0 / (5.1 / 255.0)));
  ASSERT_EQ(w.info.quant.scale.size(), 2u);
  EXPECT_FLOAT_EQ(w.info.quant.scale[0], 1.0f / 127.0f);
  EXPECT_FLOAT_EQ(w.info.quant.scale[1], 2.0f / 127.0f);
  const auto* q = reinterpret_cast<const int8_t*>(w.data);
  EXPECT_EQ(std::vector<int>(q, q + 6), (std::vector<int>{64, -127, 32, 127, 0, -32}));  // 63.5 -> 64
  const auto* bq = reinterpret_cast<const int32_t*>(b.data);
  EXPECT_EQ(bq[0], std::lround(0.1 / (2.0 / 255.0 * (1.0 / 127.0))));
  EXPECT_EQ(bq[1], std::lround(-0.2 / (2.0 / 255.0 * (2.0 / 127.0))));
  // It loads and runs.
  EXPECT_NE(model_of(copy_of(t.m)), nullptr);
}

// Bias correction: the bias absorbs sum (w_q - w) * E[x] per output channel.
TEST(QuantizeInt8, BiasCorrectionAbsorbsTheWeightRoundingShift) {
  for (bool correct : {false, true}) {
    TinyConv t = tiny_conv();
    t.ranges[0].channel_mean = {1.0f, 2.0f, 3.0f};
    QuantizeOptions o;
    o.bias_correction = correct;
    ASSERT_TRUE(quantize_int8(t.m, t.ranges, o).ok());
    const ir::Node& conv = t.m.graph.nodes[1];
    const auto* bq = reinterpret_cast<const int32_t*>(t.m.graph.values[static_cast<size_t>(conv.inputs[2])].data);
    // Rounded weights: 64/127 for 0.5, 32/127 for 0.25; -32 * 2/127 for -0.5.
    const double shift0 = correct ? (64.0 / 127 - 0.5) * 1 + (32.0 / 127 - 0.25) * 3 : 0.0;
    const double shift1 = correct ? (-64.0 / 127 + 0.5) * 3 : 0.0;
    EXPECT_EQ(bq[0], std::lround((0.1 - shift0) / (2.0 / 255.0 * (1.0 / 127.0)))) << correct;
    EXPECT_EQ(bq[1], std::lround((-0.2 - shift1) / (2.0 / 255.0 * (2.0 / 127.0)))) << correct;
  }
}

TEST(QuantizeInt8, Int8AndUint8InputsAndOutputs) {
  for (IoType io : {IoType::kInt8, IoType::kUInt8}) {
    TinyConv t = tiny_conv();
    QuantizeOptions o;
    o.io = io;
    ASSERT_TRUE(quantize_int8(t.m, t.ranges, o).ok());
    const ir::Graph& g = t.m.graph;
    const DType want = io == IoType::kInt8 ? DType::kInt8 : DType::kUInt8;
    const ir::Value& in = g.values[static_cast<size_t>(g.inputs[0])];
    const ir::Value& out = g.values[static_cast<size_t>(g.outputs[0])];
    EXPECT_EQ(in.info.dtype, want);
    EXPECT_EQ(out.info.dtype, want);
    EXPECT_EQ(in.info.name, "x");  // the graph's tensors keep their names
    EXPECT_EQ(out.info.name, "y");
    EXPECT_EQ(in.info.quant.zero_point[0], io == IoType::kInt8 ? -1 : 127);
    // uint8: a QUANTIZE next to the input and the output; int8: the conv alone.
    ASSERT_EQ(g.nodes.size(), io == IoType::kInt8 ? 1u : 3u);
    if (io == IoType::kUInt8) {
      EXPECT_EQ(g.nodes.front().op, ir::OpType::kQuantize);
      EXPECT_EQ(g.nodes.front().inputs[0], g.inputs[0]);
      EXPECT_EQ(g.nodes.back().outputs[0], g.outputs[0]);
    }
    EXPECT_NE(model_of(copy_of(t.m)), nullptr);
  }
}

TEST(QuantizeInt8, RefusesAQuantizedModelAndWrongRanges) {
  TinyConv t = tiny_conv();
  t.ranges.pop_back();
  EXPECT_FALSE(quantize_int8(t.m, t.ranges, {}).ok());
  EDGERUN_REQUIRE_SHARED(path, "models/mobilenet_v2_1.0_224_quant.tflite");
  auto q = import_file(path);
  std::vector<ValueRange> ranges(q.model.graph.values.size());
  const Status st = quantize_int8(q.model, ranges, {});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("--dequantize"), std::string::npos) << st.message();
}

// An op without an int8 kernel stays float between a DEQUANTIZE and a QUANTIZE.
TEST(QuantizeInt8, FloatOnlyOpsAreBracketed) {
  io::ImportedModel m;
  const int32_t x = add_activation(m, {"x", DType::kFloat32, {1, 8}, {}});
  const int32_t h = add_activation(m, {"h", DType::kFloat32, {1, 8}, {}});
  const int32_t y = add_activation(m, {"y", DType::kFloat32, {1, 8}, {}});
  const int32_t z = add_activation(m, {"z", DType::kFloat32, {1, 8}, {}});
  m.graph.nodes.push_back({ir::OpType::kAdd, {x, x}, {h}, ir::ElementwiseAttrs{}, 0});
  m.graph.nodes.push_back({ir::OpType::kTanh, {h}, {y}, {}, 1});
  m.graph.nodes.push_back({ir::OpType::kAdd, {y, y}, {z}, ir::ElementwiseAttrs{}, 2});
  m.graph.inputs = {x};
  m.graph.outputs = {z};
  std::vector<ValueRange> ranges(m.graph.values.size(), ValueRange{true, -2.0f, 2.0f});
  QuantizeReport r;
  ASSERT_TRUE(quantize_int8(m, ranges, {}, &r).ok());
  EXPECT_EQ(r.float_ops, std::vector<std::string>{"TANH"});
  std::vector<ir::OpType> ops;
  for (const ir::Node& n : m.graph.nodes) ops.push_back(n.op);
  EXPECT_EQ(ops, (std::vector<ir::OpType>{ir::OpType::kQuantize, ir::OpType::kAdd, ir::OpType::kDequantize,
                                          ir::OpType::kTanh, ir::OpType::kQuantize, ir::OpType::kAdd,
                                          ir::OpType::kDequantize}));
  EXPECT_NE(model_of(copy_of(m)), nullptr);
}

// CONCATENATION: the inputs that do not have the output's parameters are
// requantized to them (TFLite's int8 kernel copies bytes).
TEST(QuantizeInt8, ConcatenationInputsShareTheOutputParameters) {
  io::ImportedModel m;
  const int32_t x = add_activation(m, {"x", DType::kFloat32, {1, 4}, {}});
  const int32_t a = add_activation(m, {"a", DType::kFloat32, {1, 4}, {}});
  const int32_t c = add_activation(m, {"c", DType::kFloat32, {1, 8}, {}});
  m.graph.nodes.push_back({ir::OpType::kAdd, {x, x}, {a}, ir::ElementwiseAttrs{}, 0});
  m.graph.nodes.push_back({ir::OpType::kConcatenation, {x, a}, {c}, ir::ConcatenationAttrs{1}, 1});
  m.graph.inputs = {x};
  m.graph.outputs = {c};
  std::vector<ValueRange> ranges(m.graph.values.size());
  ranges[static_cast<size_t>(x)] = {true, -1.0f, 1.0f};
  ranges[static_cast<size_t>(a)] = {true, -2.0f, 2.0f};
  ranges[static_cast<size_t>(c)] = {true, -2.0f, 2.0f};
  ASSERT_TRUE(quantize_int8(m, ranges, {}).ok());
  const ir::Graph& g = m.graph;
  const ir::Node* concat = nullptr;
  int requantize = 0;
  for (const ir::Node& n : g.nodes) {
    if (n.op == ir::OpType::kConcatenation) concat = &n;
    if (n.op == ir::OpType::kQuantize && g.values[static_cast<size_t>(n.inputs[0])].info.dtype == DType::kInt8) {
      ++requantize;
    }
  }
  ASSERT_NE(concat, nullptr);
  EXPECT_EQ(requantize, 1);  // x's int8 tensor (range [-1, 1]); the ADD's already has [-2, 2]
  const QuantParams& out = g.values[static_cast<size_t>(concat->outputs[0])].info.quant;
  for (int32_t in : concat->inputs) {
    EXPECT_EQ(g.values[static_cast<size_t>(in)].info.quant.scale, out.scale);
    EXPECT_EQ(g.values[static_cast<size_t>(in)].info.quant.zero_point, out.zero_point);
  }
  EXPECT_NE(model_of(copy_of(m)), nullptr);
}

class CalibrationImages : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("edgerun_calib_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(CalibrationImages, LabelsOrderElseSortedNames) {
  EDGERUN_REQUIRE_SHARED(cat, "images/cat.bmp");
  EDGERUN_REQUIRE_SHARED(parrot, "images/parrot.jpg");
  std::filesystem::copy_file(cat, dir_ / "b.bmp");
  std::filesystem::copy_file(parrot, dir_ / "a.jpg");
  std::ofstream(dir_ / "notes.txt") << "not an image\n";
  auto sorted = calibration_images(dir_.string(), 2);
  ASSERT_TRUE(sorted.ok()) << sorted.status().message();
  EXPECT_EQ((*sorted)[0], (dir_ / "a.jpg").string());
  EXPECT_EQ((*sorted)[1], (dir_ / "b.bmp").string());
  EXPECT_FALSE(calibration_images(dir_.string(), 3).ok());
  EXPECT_FALSE(calibration_images((dir_ / "missing").string(), 1).ok());
  std::ofstream(dir_ / "labels.tsv") << "file\tclass_index_1001\nb.bmp\t1\na.jpg\t2\n";
  auto listed = calibration_images(dir_.string(), 1);
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_EQ(std::filesystem::path((*listed)[0]).filename(), "b.bmp");
}

// The estimators on one input tensor: minmax covers every value, percentile
// and MSE clip inside it, all hold 0.
TEST(Calibrate, EstimatorsNestInsideMinMax) {
  EDGERUN_REQUIRE_SHARED(eval_dir, "eval/imagenet-100");
  io::ImportedModel m;
  const int32_t x = add_activation(m, {"x", DType::kFloat32, {1, 32, 32, 3}, {}});
  const int32_t y = add_activation(m, {"y", DType::kFloat32, {1, 32, 32, 3}, {}});
  m.graph.nodes.push_back({ir::OpType::kAdd, {x, x}, {y}, ir::ElementwiseAttrs{}, 0});
  m.graph.inputs = {x};
  m.graph.outputs = {y};
  auto images = calibration_images(eval_dir, 4);
  ASSERT_TRUE(images.ok());
  CalibrationOptions o;
  auto minmax = calibrate(m, *images, o);
  ASSERT_TRUE(minmax.ok()) << minmax.status().message();
  const ValueRange mm = (*minmax)[static_cast<size_t>(y)];
  ASSERT_TRUE(mm.seen);
  EXPECT_NEAR(mm.min, 2 * (*minmax)[static_cast<size_t>(x)].min, 1e-6);  // y = 2x
  EXPECT_GE(mm.max, 1.9f);  // photos reach near-white: (255 - 127.5) / 127.5 * 2
  for (RangeEstimator e : {RangeEstimator::kPercentile, RangeEstimator::kMse}) {
    o.estimator = e;
    o.percentile = 99.0;
    auto r = calibrate(m, *images, o);
    ASSERT_TRUE(r.ok()) << r.status().message();
    const ValueRange v = (*r)[static_cast<size_t>(y)];
    EXPECT_LE(v.min, 0.0f);
    EXPECT_GE(v.max, 0.0f);
    EXPECT_GE(v.min, mm.min);
    EXPECT_LE(v.max, mm.max);
    EXPECT_LT(v.max - v.min, mm.max - mm.min) << static_cast<int>(e);
  }
  o.estimator = RangeEstimator::kPercentile;
  o.percentile = 40.0;
  EXPECT_FALSE(calibrate(m, *images, o).ok());
}

}  // namespace
}  // namespace edgerun::convert
