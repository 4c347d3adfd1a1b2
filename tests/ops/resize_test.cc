// RESIZE: ONNX Resize semantics on NHWC tensors. The expected arrays of
// resize_test_cases.h come from onnx's reference implementation (see that
// file's header and tools/make_resize_test_cases.py): onnx's own Resize node
// tests, then every mode x nearest mode x coordinate transformation mode on odd
// sizes (up and down, batch 1 / 2, channels 1 / 3 / 7), antialias,
// exclude_outside, cubic_coeff_a, extrapolation and uint8 / int8 nearest.
// Float outputs must match within 1e-5 relative (plus 1e-5 absolute, for
// outputs near zero); 8-bit nearest outputs exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "ops/op_tester.h"
#include "ops/resize_test_cases.h"

namespace edgerun {
namespace {

using testing::OpTester;

template <typename T>
std::vector<T> pattern(const Shape& shape) {
  std::vector<T> v(static_cast<size_t>(shape_elements(shape)));
  for (size_t i = 0; i < v.size(); ++i) {
    const int64_t k = static_cast<int64_t>(i) * 7919;
    if constexpr (std::is_same_v<T, float>) {
      v[i] = static_cast<float>(k % 211) / 16.0f - 6.5f;
    } else if constexpr (std::is_same_v<T, uint8_t>) {
      v[i] = static_cast<uint8_t>(k % 251);
    } else {
      v[i] = static_cast<int8_t>(k % 251 - 125);
    }
  }
  return v;
}

template <typename T>
Status run_case(const resize_cases::Case<T>& c, int threads, std::vector<T>* out) {
  OpTester t(ir::OpType::kResize, c.attrs);
  t.input<T>(c.input_shape, c.input.empty() ? pattern<T>(c.input_shape) : c.input);
  t.output(c.output_shape, testing::dtype_of<T>());
  t.set_threads(threads);
  EDGERUN_RETURN_IF_ERROR(t.run());
  *out = t.result<T>(0);
  return Status::Ok();
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want) {
  ASSERT_EQ(got.size(), want.size());
  int bad = 0;
  for (size_t i = 0; i < got.size() && bad < 5; ++i) {
    if (!(std::abs(got[i] - want[i]) <= 1e-5 * std::abs(want[i]) + 1e-5)) {
      ADD_FAILURE() << "element " << i << ": got " << got[i] << ", expected " << want[i];
      ++bad;
    }
  }
}

template <typename T>
void run_all(const std::vector<resize_cases::Case<T>>& cases) {
  ASSERT_FALSE(cases.empty());
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<T> got;
    const Status st = run_case(c, 1, &got);
    ASSERT_TRUE(st.ok()) << st.message();
    if constexpr (std::is_same_v<T, float>) {
      expect_close(got, c.expected);
    } else {
      EXPECT_EQ(got, c.expected);
    }
  }
}

TEST(ResizeOp, OnnxNodeTests) { run_all(resize_cases::kOnnxNodeCases); }

TEST(ResizeOp, EveryModeAndCoordinateModeOnOddSizes) { run_all(resize_cases::kFloatCases); }

TEST(ResizeOp, Uint8NearestCopiesElements) { run_all(resize_cases::kUint8Cases); }

TEST(ResizeOp, Int8NearestCopiesElements) { run_all(resize_cases::kInt8Cases); }

TEST(ResizeOp, ThreadsSplitRowsWithoutChangingResults) {
  // Large enough that the kernels split the rows over both threads.
  for (ir::ResizeMode mode : {ir::ResizeMode::kNearest, ir::ResizeMode::kLinear, ir::ResizeMode::kCubic}) {
    resize_cases::Case<float> c{"threads", {.mode = mode}, {2, 40, 50, 3}, {2, 157, 171, 3}, {}, {}};
    std::vector<float> one, two;
    ASSERT_TRUE(run_case(c, 1, &one).ok());
    ASSERT_TRUE(run_case(c, 2, &two).ok());
    EXPECT_EQ(one, two);
  }
}

// Hand-checked: [0, 4] widened to 4 columns.
TEST(ResizeOp, LinearHandChecked) {
  auto run = [](ir::ResizeCoord coord) {
    OpTester t(ir::OpType::kResize, ir::ResizeAttrs{.mode = ir::ResizeMode::kLinear, .coord = coord});
    t.input<float>({1, 1, 2, 1}, {0.f, 4.f});
    t.output({1, 1, 4, 1}, DType::kFloat32);
    EXPECT_TRUE(t.run().ok());
    return t.result<float>(0);
  };
  // half_pixel: source x = (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to the edges.
  EXPECT_EQ(run(ir::ResizeCoord::kHalfPixel), (std::vector<float>{0.f, 1.f, 3.f, 4.f}));
  // align_corners: x * 1 / 3.
  const std::vector<float> ac = run(ir::ResizeCoord::kAlignCorners);
  EXPECT_FLOAT_EQ(ac[1], 4.f / 3.f);
  EXPECT_FLOAT_EQ(ac[2], 8.f / 3.f);
  EXPECT_EQ(ac[0], 0.f);
  EXPECT_EQ(ac[3], 4.f);
  // asymmetric: x / 2 = 0, 0.5, 1, 1.5.
  EXPECT_EQ(run(ir::ResizeCoord::kAsymmetric), (std::vector<float>{0.f, 2.f, 4.f, 4.f}));
}

// Hand-checked: nearest-neighbour rounding of asymmetric source coordinates 0, 0.5, 1, 1.5.
TEST(ResizeOp, NearestModesHandChecked) {
  auto run = [](ir::ResizeNearestMode nearest) {
    OpTester t(ir::OpType::kResize, ir::ResizeAttrs{.coord = ir::ResizeCoord::kAsymmetric, .nearest = nearest});
    t.input<float>({1, 1, 2, 2}, {1.f, 10.f, 2.f, 20.f});
    t.output({1, 1, 4, 2}, DType::kFloat32);
    EXPECT_TRUE(t.run().ok());
    return t.result<float>(0);
  };
  EXPECT_EQ(run(ir::ResizeNearestMode::kRoundPreferFloor), (std::vector<float>{1, 10, 1, 10, 2, 20, 2, 20}));
  EXPECT_EQ(run(ir::ResizeNearestMode::kRoundPreferCeil), (std::vector<float>{1, 10, 2, 20, 2, 20, 2, 20}));
  EXPECT_EQ(run(ir::ResizeNearestMode::kFloor), (std::vector<float>{1, 10, 1, 10, 2, 20, 2, 20}));
  EXPECT_EQ(run(ir::ResizeNearestMode::kCeil), (std::vector<float>{1, 10, 2, 20, 2, 20, 2, 20}));
}

// onnx leaves an axis alone when its size is unchanged and its scale is within
// 1e-9 of 1, even where floor would otherwise step back a row.
TEST(ResizeOp, NearlyUnitScaleOnUnchangedAxisIsIdentity) {
  OpTester t(ir::OpType::kResize, ir::ResizeAttrs{.coord = ir::ResizeCoord::kAsymmetric,
                                                  .nearest = ir::ResizeNearestMode::kFloor,
                                                  .scale_h = 1.0 + 1e-12,
                                                  .scale_w = 1.0 + 1e-12});
  t.input<float>({1, 3, 1, 1}, {1.f, 2.f, 3.f});
  t.output({1, 3, 1, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), (std::vector<float>{1.f, 2.f, 3.f}));
}

// A roi far outside the input: every output takes the extrapolation value
// (onnx checks the source coordinate before anything else).
TEST(ResizeOp, TfCropAndResizeRoiOutsideInputExtrapolatesEverywhere) {
  OpTester t(ir::OpType::kResize, ir::ResizeAttrs{.mode = ir::ResizeMode::kCubic,
                                                  .coord = ir::ResizeCoord::kTfCropAndResize,
                                                  .extrapolation_value = 2.5f,
                                                  .roi_h_begin = 1e20f,
                                                  .roi_h_end = 2e20f});
  t.input<float>({1, 2, 2, 1}, {1.f, 2.f, 3.f, 4.f});
  t.output({1, 3, 2, 1}, DType::kFloat32);
  ASSERT_TRUE(t.run().ok());
  EXPECT_EQ(t.result<float>(0), std::vector<float>(6, 2.5f));
}

// The TFLite form: a constant int32 [2] size input that must equal the output's H and W.
TEST(ResizeOp, SizeInput) {
  const ir::ResizeAttrs linear{.mode = ir::ResizeMode::kLinear, .coord = ir::ResizeCoord::kAlignCorners};
  {
    OpTester t(ir::OpType::kResize, linear);
    t.input<float>({1, 1, 2, 1}, {0.f, 3.f});
    t.constant<int32_t>({2}, {1, 4});
    t.output({1, 1, 4, 1}, DType::kFloat32);
    ASSERT_TRUE(t.run().ok());
    EXPECT_EQ(t.result<float>(0), (std::vector<float>{0.f, 1.f, 2.f, 3.f}));
  }
  struct Bad {
    bool constant;
    DType dtype;
    Shape shape;
    std::vector<int32_t> value;
    const char* needle;
  };
  for (const Bad& b : {Bad{true, DType::kInt32, {2}, {1, 5}, "size: expected [1,4]"},
                       Bad{false, DType::kInt32, {2}, {1, 4}, "size must be a constant"},
                       Bad{true, DType::kInt32, {3}, {1, 4, 1}, "size shape: expected [2]"},
                       Bad{true, DType::kInt64, {2}, {1, 4}, "size dtype: expected int32"}}) {
    OpTester t(ir::OpType::kResize, linear);
    t.input<float>({1, 1, 2, 1}, {0.f, 3.f});
    if (b.dtype == DType::kInt64) {
      t.constant<int64_t>(b.shape, std::vector<int64_t>(b.value.begin(), b.value.end()));
    } else {
      t.input<int32_t>(b.shape, b.value, {}, b.constant);
    }
    t.output({1, 1, 4, 1}, DType::kFloat32);
    const Status st = t.run();
    ASSERT_FALSE(st.ok()) << b.needle;
    EXPECT_NE(st.message().find(b.needle), std::string::npos) << st.message();
  }
}

// Builds one node, prepares it and returns the status (the kernel never runs on bad nodes).
struct Spec {
  ir::Attrs attrs = ir::ResizeAttrs{};
  DType in_dtype = DType::kFloat32, out_dtype = DType::kFloat32;
  Shape in = {1, 2, 3, 2}, out = {1, 4, 5, 2};
  QuantParams in_q = {}, out_q = {};
};
Status prepare(const Spec& s) {
  OpTester t(ir::OpType::kResize, s.attrs);
  ir::Value v;
  v.info = TensorInfo{"in", s.in_dtype, s.in, s.in_q};
  t.graph().values.push_back(v);
  t.node().inputs.push_back(0);
  t.output(s.out, s.out_dtype, s.out_q);
  auto k = t.prepare();
  return k.ok() ? Status::Ok() : k.status();
}

void expect_error(const Spec& s, StatusCode code, const std::string& needle) {
  const Status st = prepare(s);
  ASSERT_FALSE(st.ok()) << needle;
  EXPECT_EQ(st.code(), code) << st.message();
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("RESIZE (operator"), std::string::npos) << st.message();
}

TEST(ResizeOp, RejectsBadShapesAndDtypes) {
  const auto invalid = StatusCode::kInvalidModel;
  const auto unsupported = StatusCode::kUnsupported;
  expect_error({.in = {2, 3, 2}, .out = {2, 5, 2}}, invalid, "input rank: expected 4");
  expect_error({.out = {1, 4, 5}}, invalid, "output rank: expected 4");
  expect_error({.in = {1, 0, 3, 2}}, invalid, "expected every dim > 0");
  expect_error({.out = {1, 0, 5, 2}}, invalid, "expected every dim > 0");
  expect_error({.out = {2, 4, 5, 2}}, unsupported, "only height and width are resized");
  expect_error({.out = {1, 4, 5, 3}}, unsupported, "only height and width are resized");
  expect_error({.out_dtype = DType::kUInt8}, invalid, "output dtype: expected float32");
  expect_error({.in_dtype = DType::kInt32, .out_dtype = DType::kInt32}, unsupported,
               "input dtype: expected float32, uint8 or int8, found int32");
  expect_error({.attrs = ir::ResizeAttrs{.mode = ir::ResizeMode::kLinear},
                .in_dtype = DType::kUInt8,
                .out_dtype = DType::kUInt8},
               unsupported, "linear mode on uint8 input is not supported");
  expect_error(
      {.attrs = ir::ResizeAttrs{.mode = ir::ResizeMode::kCubic}, .in_dtype = DType::kInt8, .out_dtype = DType::kInt8},
      unsupported, "cubic mode on int8 input is not supported");
  // Quantized 8-bit data keeps its quantization.
  const QuantParams q{{0.5f}, {3}, 0}, q2{{0.25f}, {3}, 0};
  EXPECT_TRUE(prepare({.in_dtype = DType::kUInt8, .out_dtype = DType::kUInt8, .in_q = q, .out_q = q}).ok());
  EXPECT_TRUE(prepare({.in_dtype = DType::kInt8, .out_dtype = DType::kInt8}).ok());
  expect_error({.in_dtype = DType::kUInt8, .out_dtype = DType::kUInt8, .in_q = q, .out_q = q2}, invalid,
               "output quantization: expected the input's");
  expect_error({.attrs = ir::SoftmaxAttrs{}}, invalid, "attributes: expected ResizeAttrs");
}

TEST(ResizeOp, RejectsBadAttributes) {
  const auto invalid = StatusCode::kInvalidModel;
  using A = ir::ResizeAttrs;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  expect_error({.attrs = A{.antialias = true}}, invalid, "antialias: expected false with nearest mode");
  expect_error({.attrs = A{.scale_h = -2.0}}, invalid, "scale_h: expected a finite value > 0");
  expect_error({.attrs = A{.scale_w = nan}}, invalid, "scale_w: expected a finite value > 0");
  expect_error({.attrs = A{.scale_w = static_cast<double>(inf)}}, invalid, "scale_w: expected a finite value > 0");
  expect_error({.attrs = A{.mode = ir::ResizeMode::kCubic, .cubic_coeff_a = inf}}, invalid, "cubic_coeff_a");
  expect_error({.attrs = A{.coord = ir::ResizeCoord::kTfCropAndResize, .roi_w_end = inf}}, invalid,
               "roi: expected finite values");
  expect_error({.attrs = A{.coord = ir::ResizeCoord::kTfCropAndResize, .extrapolation_value = inf},
                .in_dtype = DType::kUInt8,
                .out_dtype = DType::kUInt8},
               invalid, "extrapolation_value: expected a finite value for uint8");
  expect_error({.attrs = A{.mode = static_cast<ir::ResizeMode>(7)}}, invalid, "mode: expected nearest");
  expect_error({.attrs = A{.coord = static_cast<ir::ResizeCoord>(9)}}, invalid, "coordinate transformation mode");
  expect_error({.attrs = A{.nearest = static_cast<ir::ResizeNearestMode>(4)}}, invalid, "nearest mode");
  // A scale far below output / input: the antialias filter would need ~1e6 taps.
  expect_error({.attrs = A{.mode = ir::ResizeMode::kLinear, .antialias = true, .scale_w = 1e-6}}, invalid,
               "scale_w = 0.000001 is too small for input width 3");
  // Source coordinates beyond the supported range.
  expect_error({.attrs = A{.coord = ir::ResizeCoord::kAsymmetric, .scale_h = 1e-12}}, invalid, "to source coordinate");
}

}  // namespace
}  // namespace edgerun
