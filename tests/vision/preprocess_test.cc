#include <gtest/gtest.h>

#include <cstring>

#include "vision/preprocess.h"

namespace edgerun::vision {
namespace {

// 2x1 image: pixel 0 = (0, 64, 255), pixel 1 = (128, 1, 3).
Image two_pixels() {
  Image img;
  img.width = 2;
  img.height = 1;
  img.rgb = {0, 64, 255, 128, 1, 3};
  return img;
}

TensorInfo nhwc(DType t, int h, int w) {
  TensorInfo info;
  info.name = "input";
  info.dtype = t;
  info.shape = {1, h, w, 3};
  return info;
}

TEST(VisionFillInput, Float32DefaultIsMinusOneToOne) {
  std::vector<float> out(6, -99.f);
  ASSERT_TRUE(fill_input(two_pixels(), nhwc(DType::kFloat32, 1, 2), std::nullopt, out.data()).ok());
  // (p - 127.5) / 127.5
  EXPECT_FLOAT_EQ(out[0], -1.f);
  EXPECT_FLOAT_EQ(out[1], -63.5f / 127.5f);
  EXPECT_FLOAT_EQ(out[2], 1.f);
  EXPECT_FLOAT_EQ(out[3], 0.5f / 127.5f);
  EXPECT_FLOAT_EQ(out[4], -126.5f / 127.5f);
  EXPECT_FLOAT_EQ(out[5], -124.5f / 127.5f);
}

TEST(VisionFillInput, Float32WithScalarAndPerChannelNormalization) {
  std::vector<float> out(6);
  Normalization unit{{0.f}, {255.f}};
  ASSERT_TRUE(fill_input(two_pixels(), nhwc(DType::kFloat32, 1, 2), unit, out.data()).ok());
  EXPECT_FLOAT_EQ(out[0], 0.f);
  EXPECT_FLOAT_EQ(out[1], 64.f / 255.f);
  EXPECT_FLOAT_EQ(out[2], 1.f);
  // Per channel: mean (10, 20, 30), std (2, 4, 5).
  Normalization per{{10.f, 20.f, 30.f}, {2.f, 4.f, 5.f}};
  ASSERT_TRUE(fill_input(two_pixels(), nhwc(DType::kFloat32, 1, 2), per, out.data()).ok());
  EXPECT_FLOAT_EQ(out[0], -5.f);    // (0 - 10) / 2
  EXPECT_FLOAT_EQ(out[1], 11.f);    // (64 - 20) / 4
  EXPECT_FLOAT_EQ(out[2], 45.f);    // (255 - 30) / 5
  EXPECT_FLOAT_EQ(out[3], 59.f);    // (128 - 10) / 2
  EXPECT_FLOAT_EQ(out[4], -4.75f);  // (1 - 20) / 4
  EXPECT_FLOAT_EQ(out[5], -5.4f);   // (3 - 30) / 5
}

TEST(VisionFillInput, Uint8RawAndInt8ShiftedWithoutNormalization) {
  std::vector<uint8_t> u(6, 0xEE);
  TensorInfo uinfo = nhwc(DType::kUInt8, 1, 2);
  uinfo.quant.scale = {0.5f};  // ignored without normalization
  uinfo.quant.zero_point = {7};
  ASSERT_TRUE(fill_input(two_pixels(), uinfo, std::nullopt, u.data()).ok());
  EXPECT_EQ(u, (std::vector<uint8_t>{0, 64, 255, 128, 1, 3}));

  std::vector<int8_t> s(6, 99);
  ASSERT_TRUE(fill_input(two_pixels(), nhwc(DType::kInt8, 1, 2), std::nullopt, s.data()).ok());
  EXPECT_EQ(s, (std::vector<int8_t>{-128, -64, 127, 0, -127, -125}));
}

TEST(VisionFillInput, QuantizedWithNormalization) {
  // mean 127.5, std 127.5, scale 1/128, zero point 128 (uint8):
  //   p=0   -> real -1      -> -128 + 128 = 0
  //   p=64  -> real -0.49804 -> -63.75 -> -64 + 128 = 64
  //   p=255 -> real 1       -> 128 + 128 = 256 -> clamped 255
  //   p=128 -> real 0.003922 -> 0.502 -> 1 + 128 = 129
  //   p=1   -> -0.99216 -> -126.996 -> -127 + 128 = 1
  //   p=3   -> -0.97647 -> -124.988 -> -125 + 128 = 3
  Normalization n{{127.5f}, {127.5f}};
  TensorInfo u = nhwc(DType::kUInt8, 1, 2);
  u.quant.scale = {1.f / 128.f};
  u.quant.zero_point = {128};
  std::vector<uint8_t> uo(6);
  ASSERT_TRUE(fill_input(two_pixels(), u, n, uo.data()).ok());
  EXPECT_EQ(uo, (std::vector<uint8_t>{0, 64, 255, 129, 1, 3}));
  // Same as int8 with zero point 0: each value is the uint8 one minus 128, and 128 clamps to 127.
  TensorInfo s = nhwc(DType::kInt8, 1, 2);
  s.quant.scale = {1.f / 128.f};
  s.quant.zero_point = {0};
  std::vector<int8_t> so(6);
  ASSERT_TRUE(fill_input(two_pixels(), s, n, so.data()).ok());
  EXPECT_EQ(so, (std::vector<int8_t>{-128, -64, 127, 1, -127, -125}));
}

TEST(VisionFillInput, QuantizedRoundsHalfAwayFromZero) {
  // mean 0, std 1, scale 2: p / 2 = 0.5, 1.5, 2.5, ... -> 1, 2, 3 (away from zero).
  Image img;
  img.width = 2;
  img.height = 1;
  img.rgb = {1, 3, 5, 7, 0, 2};
  Normalization n{{0.f}, {1.f}};
  TensorInfo u = nhwc(DType::kUInt8, 1, 2);
  u.quant.scale = {2.f};
  u.quant.zero_point = {10};
  std::vector<uint8_t> uo(6);
  ASSERT_TRUE(fill_input(img, u, n, uo.data()).ok());
  EXPECT_EQ(uo, (std::vector<uint8_t>{11, 12, 13, 14, 10, 11}));
  // Negative side: mean 8: (p - 8) / 2 = -3.5, -2.5, -1.5, -0.5, -4, -3 -> -4, -3, -2, -1, -4, -3
  Normalization m{{8.f}, {1.f}};
  TensorInfo s = nhwc(DType::kInt8, 1, 2);
  s.quant.scale = {2.f};
  s.quant.zero_point = {-1};
  std::vector<int8_t> so(6);
  ASSERT_TRUE(fill_input(img, s, m, so.data()).ok());
  EXPECT_EQ(so, (std::vector<int8_t>{-5, -4, -3, -2, -5, -4}));
}

// NCHW [1, 3, H, W] (PyTorch exports): the same values as NHWC, one channel
// plane after the other; the shape helper tells the layouts apart.
TEST(VisionFillInput, NchwPlanesHoldTheNhwcValues) {
  TensorInfo nchw = nhwc(DType::kFloat32, 1, 2);
  nchw.shape = {1, 3, 1, 2};
  const Normalization per{{10.f, 20.f, 30.f}, {2.f, 4.f, 5.f}};
  std::vector<float> planar(6, -99.f);
  ASSERT_TRUE(fill_input(two_pixels(), nchw, per, planar.data()).ok());
  // R plane (0 - 10) / 2, (128 - 10) / 2; G plane (64 - 20) / 4, (1 - 20) / 4; B plane (255 - 30) / 5, (3 - 30) / 5.
  EXPECT_EQ(planar, (std::vector<float>{-5.f, 59.f, 11.f, -4.75f, 45.f, -5.4f}));
  TensorInfo u = nchw;
  u.dtype = DType::kUInt8;
  std::vector<uint8_t> raw(6, 0xEE);
  ASSERT_TRUE(fill_input(two_pixels(), u, std::nullopt, raw.data()).ok());
  EXPECT_EQ(raw, (std::vector<uint8_t>{0, 128, 64, 1, 255, 3}));

  auto shape = image_input_shape(nchw);
  ASSERT_TRUE(shape.ok());
  EXPECT_EQ(shape->layout, ImageLayout::kNchw);
  EXPECT_EQ(shape->height, 1);
  EXPECT_EQ(shape->width, 2);
  TensorInfo square = nhwc(DType::kFloat32, 3, 3);  // [1,3,3,3]: the last dim decides, NHWC
  EXPECT_EQ(image_input_shape(square)->layout, ImageLayout::kNhwc);
  TensorInfo big = nchw;
  big.shape = {1, 3, 224, 200};
  auto preprocessed = preprocess(two_pixels(), big, std::nullopt, ResizeMethod::kNearest);
  ASSERT_TRUE(preprocessed.ok()) << preprocessed.status().message();
  EXPECT_EQ(preprocessed->size(), size_t{3} * 224 * 200 * sizeof(float));
}

TEST(VisionFillInput, RejectsBadTensorsAndNormalizations) {
  Image img = two_pixels();
  std::vector<float> buf(64);
  auto expect_error = [&](const TensorInfo& info, const std::optional<Normalization>& n, const std::string& needle,
                          void* dst) {
    Status st = fill_input(img, info, n, dst);
    ASSERT_FALSE(st.ok()) << needle;
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("input tensor 'input'"), std::string::npos) << st.message();
  };
  TensorInfo t = nhwc(DType::kFloat32, 1, 2);
  t.shape = {1, 2, 3};
  expect_error(t, std::nullopt, "found rank 3", buf.data());
  t.shape = {2, 1, 2, 3};
  expect_error(t, std::nullopt, "expected batch 1, found 2", buf.data());
  t.shape = {1, 1, 2, 1};
  expect_error(t, std::nullopt, "expected 3 channels", buf.data());
  t.shape = {1, 4, 1, 2};
  expect_error(t, std::nullopt, "or the second (NCHW), found [1,4,1,2]", buf.data());
  t.shape = {1, 2, 2, 3};
  expect_error(t, std::nullopt, "image is 2x1 (WxH): expected 2x2", buf.data());
  t = nhwc(DType::kInt32, 1, 2);
  expect_error(t, std::nullopt, "found int32", buf.data());
  t = nhwc(DType::kFloat32, 1, 2);
  expect_error(t, Normalization{{1.f, 2.f}, {1.f}}, "mean has 2 values", buf.data());
  expect_error(t, Normalization{{1.f}, {0.f}}, "std must be finite and nonzero", buf.data());
  expect_error(t, std::nullopt, "destination buffer is null", nullptr);
  t = nhwc(DType::kUInt8, 1, 2);
  expect_error(t, Normalization{{0.f}, {1.f}}, "no quantization parameters", buf.data());
  t.quant.scale = {0.1f, 0.2f, 0.3f};
  t.quant.zero_point = {0, 0, 0};
  expect_error(t, Normalization{{0.f}, {1.f}}, "per-tensor", buf.data());
  t.quant.scale = {0.1f};
  t.quant.zero_point = {300};
  expect_error(t, Normalization{{0.f}, {1.f}}, "zero point in [0, 255], found 300", buf.data());
  Image broken = img;
  broken.rgb.pop_back();
  Status st = fill_input(broken, nhwc(DType::kUInt8, 1, 2), std::nullopt, buf.data());
  EXPECT_FALSE(st.ok());
}

TEST(VisionPreprocess, MetadataNormalizationOnlyForFloatInputs) {
  const std::vector<float> mean = {127.5f}, stdv = {127.5f};
  auto n = metadata_normalization(nhwc(DType::kFloat32, 2, 2), mean, stdv);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->mean, mean);
  EXPECT_EQ(n->std, stdv);
  // Quantized inputs take raw pixels; a half-given metadata is not used.
  EXPECT_FALSE(metadata_normalization(nhwc(DType::kUInt8, 2, 2), mean, stdv).has_value());
  EXPECT_FALSE(metadata_normalization(nhwc(DType::kInt8, 2, 2), mean, stdv).has_value());
  EXPECT_FALSE(metadata_normalization(nhwc(DType::kFloat32, 2, 2), mean, {}).has_value());
  EXPECT_FALSE(metadata_normalization(nhwc(DType::kFloat32, 2, 2), {}, stdv).has_value());
}

TEST(VisionPreprocess, ResizesThenFills) {
  // 2x2 -> 4x4 nearest: idx [0, 0, 1, 1]; uint8 raw.
  Image img;
  img.width = 2;
  img.height = 2;
  img.rgb = {10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42};
  auto r = preprocess(img, nhwc(DType::kUInt8, 4, 4), std::nullopt, ResizeMethod::kNearest);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 48u);
  const int expect_r[16] = {10, 10, 20, 20, 10, 10, 20, 20, 30, 30, 40, 40, 30, 30, 40, 40};
  for (int i = 0; i < 16; ++i) {
    EXPECT_EQ((*r)[i * 3], expect_r[i]);
    EXPECT_EQ((*r)[i * 3 + 2], expect_r[i] + 2);
  }
  // float32 output: 48 floats, pixel 0 red = (10 - 127.5) / 127.5.
  auto f = preprocess(img, nhwc(DType::kFloat32, 4, 4), std::nullopt, ResizeMethod::kNearest);
  ASSERT_TRUE(f.ok()) << f.status().message();
  ASSERT_EQ(f->size(), 48u * 4);
  float first;
  std::memcpy(&first, f->data(), 4);
  EXPECT_FLOAT_EQ(first, (10.f - 127.5f) / 127.5f);
  EXPECT_FALSE(preprocess(Image{}, nhwc(DType::kUInt8, 4, 4), std::nullopt).ok());
}

}  // namespace
}  // namespace edgerun::vision
