#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "vision/topk.h"

namespace edgerun::vision {
namespace {

TensorInfo scores_info(DType t, Shape shape) {
  TensorInfo info;
  info.name = "scores";
  info.dtype = t;
  info.shape = std::move(shape);
  return info;
}

std::vector<int> indices(const std::vector<Prediction>& p) {
  std::vector<int> out;
  for (const auto& x : p) out.push_back(x.index);
  return out;
}

TEST(TopK, Float32OrderTiesAndNaN) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> s = {0.1f, 0.5f, nan, 0.5f, 0.2f, -1.f};
  auto p = top_k(s.data(), scores_info(DType::kFloat32, {1, 6}), 3);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(indices(p), (std::vector<int>{1, 3, 4}));  // tie 0.5: lower index first
  EXPECT_FLOAT_EQ(p[0].score, 0.5f);
  EXPECT_FLOAT_EQ(p[2].score, 0.2f);
  // k larger than N: everything, NaN last.
  p = top_k(s.data(), scores_info(DType::kFloat32, {6}), 100);
  EXPECT_EQ(indices(p), (std::vector<int>{1, 3, 4, 0, 5, 2}));
  EXPECT_TRUE(std::isnan(p.back().score));
}

TEST(TopK, AllEqualScoresKeepIndexOrder) {
  const std::vector<float> s(50, 0.25f);
  auto p = top_k(s.data(), scores_info(DType::kFloat32, {1, 1, 1, 50}), 5);
  EXPECT_EQ(indices(p), (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(TopK, Uint8Dequantized) {
  // scale 0.5, zero point 10: raw 10, 30, 20, 255, 30 -> 0, 10, 5, 122.5, 10
  const std::vector<uint8_t> s = {10, 30, 20, 255, 30};
  TensorInfo info = scores_info(DType::kUInt8, {1, 5});
  info.quant.scale = {0.5f};
  info.quant.zero_point = {10};
  auto p = top_k(s.data(), info, 4);
  EXPECT_EQ(indices(p), (std::vector<int>{3, 1, 4, 2}));
  EXPECT_FLOAT_EQ(p[0].score, 122.5f);
  EXPECT_FLOAT_EQ(p[1].score, 10.f);
  EXPECT_FLOAT_EQ(p[3].score, 5.f);
  // Without quantization parameters: the raw integer.
  p = top_k(s.data(), scores_info(DType::kUInt8, {5}), 1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].index, 3);
  EXPECT_FLOAT_EQ(p[0].score, 255.f);
}

TEST(TopK, Int8Dequantized) {
  // scale 1/256, zero point -128: raw -128, 127, 0, -1 -> 0, 255/256, 128/256, 127/256
  const std::vector<int8_t> s = {-128, 127, 0, -1};
  TensorInfo info = scores_info(DType::kInt8, {1, 4});
  info.quant.scale = {1.f / 256.f};
  info.quant.zero_point = {-128};
  auto p = top_k(s.data(), info, 4);
  EXPECT_EQ(indices(p), (std::vector<int>{1, 2, 3, 0}));
  EXPECT_FLOAT_EQ(p[0].score, 255.f / 256.f);
  EXPECT_FLOAT_EQ(p[1].score, 0.5f);
  EXPECT_FLOAT_EQ(p[3].score, 0.f);
}

TEST(TopK, DequantizeAndRankSeparately) {
  // Per-class scales: raw 4, 4, 6 with scales 1, 2, 0.5 and zero point 2 -> 2, 4, 2.
  const std::vector<uint8_t> raw = {4, 4, 6};
  TensorInfo info = scores_info(DType::kUInt8, {1, 3});
  info.quant.scale = {1.f, 2.f, 0.5f};
  info.quant.zero_point = {2};
  auto scores = dequantize_scores(raw.data(), info);
  ASSERT_TRUE(scores.ok()) << scores.status().message();
  EXPECT_EQ(*scores, (std::vector<float>{2.f, 4.f, 2.f}));
  EXPECT_EQ(indices(rank_scores(*scores, 3)), (std::vector<int>{1, 0, 2}));
  EXPECT_TRUE(rank_scores(*scores, 0).empty());
  EXPECT_EQ(indices(rank_scores(*scores, 10)), (std::vector<int>{1, 0, 2}));
  // check_score_info says why without data; dequantize_scores also needs the pointer.
  EXPECT_TRUE(check_score_info(info).ok());
  EXPECT_FALSE(check_score_info(scores_info(DType::kInt32, {3})).ok());
  EXPECT_FALSE(dequantize_scores(nullptr, info).ok());
}

TEST(TopK, RejectsUnsupportedInput) {
  const std::vector<float> s = {1, 2, 3, 4};
  EXPECT_TRUE(top_k(s.data(), scores_info(DType::kFloat32, {2, 2}), 2).empty());
  auto r = try_top_k(s.data(), scores_info(DType::kFloat32, {2, 2}), 2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("score tensor 'scores' float32 [2,2]"), std::string::npos)
      << r.status().message();
  r = try_top_k(s.data(), scores_info(DType::kInt32, {4}), 2);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("found int32"), std::string::npos) << r.status().message();
  EXPECT_FALSE(try_top_k(nullptr, scores_info(DType::kFloat32, {4}), 2).ok());
  EXPECT_FALSE(try_top_k(s.data(), scores_info(DType::kFloat32, {}), 2).ok());
  EXPECT_TRUE(top_k(s.data(), scores_info(DType::kFloat32, {4}), 0).empty());
  EXPECT_TRUE(top_k(s.data(), scores_info(DType::kFloat32, {4}), -3).empty());
}

}  // namespace
}  // namespace edgerun::vision
