#include <gtest/gtest.h>

#include <cmath>

#include "vision/resize.h"
#include "vision/vision_test_util.h"

namespace edgerun::vision {
namespace {

// An image whose channels are c0, c0 + 1, c0 + 2 offsets of one plane, so the
// three channels are distinct but resize identically (before clamping).
Image from_plane(int w, int h, const std::vector<int>& plane) {
  Image img;
  img.width = w;
  img.height = h;
  for (int v : plane) img.rgb.insert(img.rgb.end(), {uint8_t(v), uint8_t(v + 1), uint8_t(v + 2)});
  return img;
}

std::vector<int> channel(const Image& img, int c) {
  std::vector<int> out;
  for (size_t i = c; i < img.rgb.size(); i += 3) out.push_back(img.rgb[i]);
  return out;
}

TEST(ImageResize, IdentityIsACopyForBothMethods) {
  Image img = from_plane(3, 2, {1, 2, 3, 4, 5, 6});
  for (ResizeMethod m : {ResizeMethod::kBilinear, ResizeMethod::kNearest}) {
    Image out = resize(img, 3, 2, m);
    EXPECT_EQ(out.width, 3);
    EXPECT_EQ(out.height, 2);
    EXPECT_EQ(out.rgb, img.rgb);
  }
}

TEST(ImageResize, Nearest2x2To4x4) {
  // idx = (d * 2) // 4 = [0, 0, 1, 1] on both axes.
  Image img = from_plane(2, 2, {10, 20, 30, 40});
  Image out = resize(img, 4, 4, ResizeMethod::kNearest);
  ASSERT_EQ(out.width, 4);
  ASSERT_EQ(out.height, 4);
  EXPECT_EQ(channel(out, 0), (std::vector<int>{10, 10, 20, 20,  //
                                               10, 10, 20, 20,  //
                                               30, 30, 40, 40,  //
                                               30, 30, 40, 40}));
  EXPECT_EQ(channel(out, 2), (std::vector<int>{12, 12, 22, 22, 12, 12, 22, 22, 32, 32, 42, 42, 32, 32, 42, 42}));
}

TEST(ImageResize, NearestNonIntegerRatiosUseFloorOfDTimesInOverOut) {
  // 5 -> 3: idx = [0*5//3, 1*5//3, 2*5//3] = [0, 1, 3]
  Image row = from_plane(5, 1, {0, 10, 20, 30, 40});
  EXPECT_EQ(channel(resize(row, 3, 1, ResizeMethod::kNearest), 0), (std::vector<int>{0, 10, 30}));
  // 3 -> 7: idx = [0, 0, 0, 1, 1, 2, 2]
  Image small = from_plane(3, 1, {5, 6, 7});
  EXPECT_EQ(channel(resize(small, 7, 1, ResizeMethod::kNearest), 0), (std::vector<int>{5, 5, 5, 6, 6, 7, 7}));
  // Vertical axis too: 1x3 -> 1x7.
  Image col = from_plane(1, 3, {5, 6, 7});
  EXPECT_EQ(channel(resize(col, 1, 7, ResizeMethod::kNearest), 0), (std::vector<int>{5, 5, 5, 6, 6, 7, 7}));
}

TEST(ImageResize, Bilinear2x2To4x4) {
  // scale 0.5: s = (d + 0.5) * 0.5 - 0.5 = -0.25, 0.25, 0.75, 1.25
  //   -> (i0, f) = (0, 0) [clamped], (0, .25), (0, .75), (1, 0) [clamped]
  // p = [[0, 100], [200, 40]]
  // row 0: 0, 25, 75, 100          row 3 (= source row 1): 200, 160, 80, 40
  // row 1 = row0 + .25 (row3 - row0): 50, 58.75 -> 59, 76.25 -> 76, 85
  // row 2 = row0 + .75 (row3 - row0): 150, 126.25 -> 126, 78.75 -> 79, 55
  Image img = from_plane(2, 2, {0, 100, 200, 40});
  Image out = resize(img, 4, 4, ResizeMethod::kBilinear);
  ASSERT_EQ(out.width, 4);
  ASSERT_EQ(out.height, 4);
  EXPECT_EQ(channel(out, 0), (std::vector<int>{0, 25, 75, 100,     //
                                               50, 59, 76, 85,     //
                                               150, 126, 79, 55,   //
                                               200, 160, 80, 40}));
  // Channel 1 is the plane + 1 everywhere (interpolation is affine).
  EXPECT_EQ(channel(out, 1), (std::vector<int>{1, 26, 76, 101, 51, 60, 77, 86, 151, 127, 80, 56, 201, 161, 81, 41}));
}

TEST(ImageResize, BilinearHalvingAveragesBlocksAndRoundsHalfUp) {
  // 4x2 -> 2x1: s = (d + 0.5) * 2 - 0.5 = 0.5, 2.5: the mean of each 2x2 block.
  // Blocks {1, 2, 3, 4} -> 2.5 -> 3 (half up) and {10, 20, 30, 41} -> 25.25 -> 25.
  Image img = from_plane(4, 2, {1, 2, 10, 20,  //
                                3, 4, 30, 41});
  Image out = resize(img, 2, 1, ResizeMethod::kBilinear);
  EXPECT_EQ(channel(out, 0), (std::vector<int>{3, 25}));
}

TEST(ImageResize, BilinearClampsAtEdgesAndStaysInRange) {
  Image img = from_plane(2, 1, {0, 253});  // channel 2 = 255 at the right pixel
  Image out = resize(img, 8, 3, ResizeMethod::kBilinear);
  ASSERT_EQ(out.width, 8);
  // scale 0.25: s = (d + .5)/4 - .5 -> d=0: -.375 -> 0; d=7: 1.375 -> clamp to 1.
  auto c2 = channel(out, 2);
  EXPECT_EQ(c2.front(), 2);
  EXPECT_EQ(c2[7], 255);
  // d=3: s = .375 -> 2 + .375 * 253 = 96.875 -> 97
  EXPECT_EQ(c2[3], 97);
  // Every row is identical (one source row).
  EXPECT_EQ(std::vector<int>(c2.begin(), c2.begin() + 8), std::vector<int>(c2.begin() + 16, c2.end()));
}

TEST(ImageResize, MatchesDoublePrecisionReferenceOnARealImage) {
  EDGERUN_REQUIRE_SHARED(dir, "images");
  auto src = decode_image_file(dir + "/grace_hopper.bmp");
  ASSERT_TRUE(src.ok()) << src.status().message();
  const Image& in = *src;
  const int ow = 224, oh = 224;
  Image out = resize(in, ow, oh, ResizeMethod::kBilinear);
  ASSERT_EQ(out.width, ow);
  // Straightforward OpenCV-style reference in double precision.
  auto axis = [](int d, int in_size, int out_size, int* i0, int* i1, double* f) {
    double s = (d + 0.5) * in_size / out_size - 0.5;
    if (s < 0) s = 0;
    *i0 = static_cast<int>(s);
    *f = s - *i0;
    if (*i0 >= in_size - 1) { *i0 = in_size - 1; *f = 0; }
    *i1 = std::min(*i0 + 1, in_size - 1);
  };
  int max_diff = 0;
  for (int y = 0; y < oh; ++y) {
    int y0, y1;
    double fy;
    axis(y, in.height, oh, &y0, &y1, &fy);
    for (int x = 0; x < ow; ++x) {
      int x0, x1;
      double fx;
      axis(x, in.width, ow, &x0, &x1, &fx);
      for (int c = 0; c < 3; ++c) {
        auto p = [&](int xx, int yy) { return double(in.rgb[(size_t(yy) * in.width + xx) * 3 + c]); };
        double v = (1 - fy) * ((1 - fx) * p(x0, y0) + fx * p(x1, y0)) + fy * ((1 - fx) * p(x0, y1) + fx * p(x1, y1));
        int expect = static_cast<int>(std::floor(v + 0.5));
        max_diff = std::max(max_diff, std::abs(expect - int(out.rgb[(size_t(y) * ow + x) * 3 + c])));
      }
    }
  }
  EXPECT_LE(max_diff, 1);  // float32 vs double can differ by one at a .5 boundary
  // Nearest: exact against the integer formula.
  Image nn = resize(in, ow, oh, ResizeMethod::kNearest);
  for (int y = 0; y < oh; y += 13)
    for (int x = 0; x < ow; x += 7) {
      const int sx = x * in.width / ow, sy = y * in.height / oh;
      for (int c = 0; c < 3; ++c)
        ASSERT_EQ(nn.rgb[(size_t(y) * ow + x) * 3 + c], in.rgb[(size_t(sy) * in.width + sx) * 3 + c]);
    }
}

TEST(ImageResize, InvalidArgumentsGiveAnEmptyImage) {
  Image img = from_plane(2, 2, {1, 2, 3, 4});
  EXPECT_TRUE(resize(img, 0, 4, ResizeMethod::kBilinear).empty());
  EXPECT_TRUE(resize(img, 4, -1, ResizeMethod::kNearest).empty());
  EXPECT_TRUE(resize(img, 1 << 20, 1 << 20, ResizeMethod::kNearest).empty());  // over kMaxImagePixels
  Image broken = img;
  broken.rgb.pop_back();
  EXPECT_TRUE(resize(broken, 4, 4, ResizeMethod::kBilinear).empty());
  EXPECT_TRUE(resize(Image{}, 4, 4, ResizeMethod::kBilinear).rgb.empty());
}

}  // namespace
}  // namespace edgerun::vision
