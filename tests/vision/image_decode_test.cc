#include <gtest/gtest.h>
#include <stb/stb_image.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>

#include "vision/image.h"
#include "vision/vision_test_util.h"

namespace edgerun::vision {
namespace {

using testing::encode_jpeg;
using testing::parse_bmp24;
using testing::read_bytes;
using testing::temp_path;
using testing::write_bytes;
using testing::write_png;
using testing::PngSpec;

std::array<int, 3> px(const Image& img, int x, int y) {
  const size_t o = (static_cast<size_t>(y) * img.width + x) * 3;
  return {img.rgb[o], img.rgb[o + 1], img.rgb[o + 2]};
}

// Mean and max absolute difference between two RGB8 buffers of equal size.
std::pair<double, int> diff_stats(const std::vector<uint8_t>& a, const uint8_t* b) {
  double sum = 0;
  int mx = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int d = std::abs(int{a[i]} - int{b[i]});
    sum += d;
    mx = std::max(mx, d);
  }
  return {a.empty() ? 0.0 : sum / a.size(), mx};
}

// ---------------------------------------------------------------- BMP

TEST(ImageDecode, SharedBmpsMatchIndependentParse) {
  EDGERUN_REQUIRE_SHARED(dir, "images");
  int checked = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".bmp") continue;
    SCOPED_TRACE(e.path().string());
    const auto bytes = read_bytes(e.path().string());
    testing::RawBmp raw;
    ASSERT_TRUE(parse_bmp24(bytes, &raw)) << "test's BMP parser expects 24-bit uncompressed files";
    auto img = decode_image_file(e.path().string());
    ASSERT_TRUE(img.ok()) << img.status().message();
    EXPECT_EQ(img->width, raw.width);
    EXPECT_EQ(img->height, raw.height);
    ASSERT_EQ(img->rgb.size(), raw.rgb.size());
    EXPECT_TRUE(img->rgb == raw.rgb);
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

TEST(ImageDecode, BmpKnownPixels) {
  EDGERUN_REQUIRE_SHARED(dir, "images");
  // Values read independently with PIL: Image.open(f).convert("RGB").
  auto checker = decode_image_file(dir + "/checker224X224.bmp");
  ASSERT_TRUE(checker.ok()) << checker.status().message();
  ASSERT_EQ(checker->width, 224);
  ASSERT_EQ(checker->height, 224);
  EXPECT_EQ(px(*checker, 0, 0), (std::array<int, 3>{158, 67, 255}));
  EXPECT_EQ(px(*checker, 223, 0), (std::array<int, 3>{0, 210, 171}));
  EXPECT_EQ(px(*checker, 0, 223), (std::array<int, 3>{38, 126, 226}));
  EXPECT_EQ(px(*checker, 223, 223), (std::array<int, 3>{255, 0, 200}));
  EXPECT_EQ(px(*checker, 50, 100), (std::array<int, 3>{5, 175, 254}));

  auto grace = decode_image_file(dir + "/grace_hopper.bmp");
  ASSERT_TRUE(grace.ok()) << grace.status().message();
  EXPECT_EQ(grace->width, 512);
  EXPECT_EQ(grace->height, 600);
  EXPECT_EQ(px(*grace, 0, 0), (std::array<int, 3>{21, 26, 82}));
  EXPECT_EQ(px(*grace, 511, 599), (std::array<int, 3>{13, 12, 18}));

  auto cat = decode_image_file(dir + "/cat.bmp");
  ASSERT_TRUE(cat.ok()) << cat.status().message();
  EXPECT_EQ(cat->width, 512);
  EXPECT_EQ(cat->height, 341);
  EXPECT_EQ(px(*cat, 0, 0), (std::array<int, 3>{223, 124, 82}));
  EXPECT_EQ(px(*cat, 511, 340), (std::array<int, 3>{159, 101, 63}));
}

TEST(ImageDecode, TopDownBmp) {
  EDGERUN_REQUIRE_SHARED(dir, "images");
  // Rewrite checker224X224.bmp (bottom-up, 54-byte header, 672-byte rows) as
  // top-down: reverse the rows and negate the height. The pixels must not change.
  const auto bytes = read_bytes(dir + "/checker224X224.bmp");
  ASSERT_EQ(bytes.size(), 54u + 224 * 672);
  auto flipped = bytes;
  for (int r = 0; r < 224; ++r)
    std::memcpy(&flipped[54 + r * 672], &bytes[54 + (223 - r) * 672], 672);
  const uint32_t neg = static_cast<uint32_t>(-224);
  for (int i = 0; i < 4; ++i) flipped[22 + i] = static_cast<uint8_t>(neg >> (8 * i));
  auto a = decode_image(bytes.data(), bytes.size(), "bottom_up.bmp");
  auto b = decode_image(flipped.data(), flipped.size(), "top_down.bmp");
  ASSERT_TRUE(a.ok()) << a.status().message();
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->height, 224);
  EXPECT_TRUE(a->rgb == b->rgb);
  EXPECT_EQ(px(*b, 0, 0), (std::array<int, 3>{158, 67, 255}));
}

TEST(ImageDecode, BmpTruncatedAndOversized) {
  EDGERUN_REQUIRE_SHARED(dir, "images");
  const auto bytes = read_bytes(dir + "/checker224X224.bmp");
  ASSERT_GT(bytes.size(), 1000u);
  for (size_t cut : {size_t{1}, size_t{2}, size_t{10}, size_t{17}, size_t{30}, size_t{54}, size_t{55}, size_t{1000},
                     bytes.size() / 2, bytes.size() - 1}) {
    auto r = decode_image(bytes.data(), cut, "checker.bmp");
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_NE(r.status().message().find("checker.bmp"), std::string::npos) << r.status().message();
    if (cut >= 54) {
      EXPECT_NE(r.status().message().find("truncated"), std::string::npos) << r.status().message();
    }
  }
  // Header claims 20000 x 20000 (400 M pixels): refused from the header.
  auto big = bytes;
  const uint32_t dim = 20000;
  for (int i = 0; i < 4; ++i) big[18 + i] = big[22 + i] = static_cast<uint8_t>(dim >> (8 * i));
  auto r = decode_image(big.data(), big.size(), "big.bmp");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("20000x20000"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find(std::to_string(kMaxImagePixels)), std::string::npos) << r.status().message();
  // Zero width.
  auto zero = bytes;
  for (int i = 0; i < 4; ++i) zero[18 + i] = 0;
  r = decode_image(zero.data(), zero.size(), "zero.bmp");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("positive"), std::string::npos) << r.status().message();
}

// ---------------------------------------------------------------- JPEG

TEST(ImageDecode, SharedJpegsMatchStbImage) {
  EDGERUN_REQUIRE_SHARED(dir, "images");
  // Sizes from the JPEG SOF headers (`file` reports the same).
  const std::map<std::string, std::pair<int, int>> sizes = {
      {"parrot.jpg", {512, 929}}, {"hot_dog.jpg", {512, 384}},       {"owl.jpg", {512, 384}},
      {"cat_720p.jpg", {1280, 720}}, {"kite_and_cold.jpg", {1352, 900}}};
  for (const auto& [file, wh] : sizes) {
    SCOPED_TRACE(file);
    const std::string path = dir + "/" + file;
    if (!std::filesystem::exists(path)) continue;
    auto img = decode_image_file(path);
    ASSERT_TRUE(img.ok()) << img.status().message();
    EXPECT_EQ(img->width, wh.first);
    EXPECT_EQ(img->height, wh.second);
    // Second, independent decoder: stb_image (different IDCT and upsampling).
    const auto bytes = read_bytes(path);
    int w = 0, h = 0, c = 0;
    unsigned char* ref = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c, 3);
    ASSERT_NE(ref, nullptr);
    ASSERT_EQ(w, img->width);
    ASSERT_EQ(h, img->height);
    auto [mean, mx] = diff_stats(img->rgb, ref);
    stbi_image_free(ref);
    EXPECT_LT(mean, 1.5) << "max diff " << mx;
    EXPECT_LE(mx, 64);
  }
}

TEST(ImageDecode, ImagenetEvalJpegsIncludingGrayscale) {
  EDGERUN_REQUIRE_SHARED(dir, "eval/imagenet-100");
  int decoded = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".JPEG") continue;
    SCOPED_TRACE(e.path().string());
    auto img = decode_image_file(e.path().string());
    ASSERT_TRUE(img.ok()) << img.status().message();
    const auto bytes = read_bytes(e.path().string());
    int w = 0, h = 0, c = 0;
    unsigned char* ref = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c, 3);
    ASSERT_NE(ref, nullptr);
    ASSERT_EQ(w, img->width);
    ASSERT_EQ(h, img->height);
    auto [mean, mx] = diff_stats(img->rgb, ref);
    stbi_image_free(ref);
    EXPECT_LT(mean, 1.5) << "max diff " << mx;
    ++decoded;
  }
  EXPECT_GE(decoded, 90);
  // This one is a grayscale JPEG (PIL mode "L", 333x500): every pixel has R == G == B.
  const std::string gray_path = dir + "/n03908714_pencil_sharpener.JPEG";
  if (std::filesystem::exists(gray_path)) {
    auto gray = decode_image_file(gray_path);
    ASSERT_TRUE(gray.ok()) << gray.status().message();
    EXPECT_EQ(gray->width, 333);
    EXPECT_EQ(gray->height, 500);
    bool all_gray = true;
    for (size_t i = 0; i < gray->rgb.size(); i += 3)
      all_gray &= gray->rgb[i] == gray->rgb[i + 1] && gray->rgb[i] == gray->rgb[i + 2];
    EXPECT_TRUE(all_gray);
  }
}

TEST(ImageDecode, SyntheticJpegColorsGrayCmykProgressive) {
  // Two flat 16x16 halves: a flat 8x8-aligned block survives JPEG almost exactly.
  const int w = 32, h = 16;
  std::vector<uint8_t> rgb(w * h * 3);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &rgb[(y * w + x) * 3];
      if (x < 16) { p[0] = 200; p[1] = 30; p[2] = 90; } else { p[0] = 20; p[1] = 180; p[2] = 240; }
    }
  for (bool progressive : {false, true}) {
    SCOPED_TRACE(progressive ? "progressive" : "baseline");
    auto jpg = encode_jpeg(w, h, 3, JCS_RGB, rgb, 100, progressive);
    auto img = decode_image(jpg.data(), jpg.size(), "synthetic.jpg");
    ASSERT_TRUE(img.ok()) << img.status().message();
    ASSERT_EQ(img->width, w);
    ASSERT_EQ(img->height, h);
    for (int c = 0; c < 3; ++c) {
      EXPECT_NEAR(px(*img, 4, 4)[c], (std::array<int, 3>{200, 30, 90})[c], 3);
      EXPECT_NEAR(px(*img, 27, 11)[c], (std::array<int, 3>{20, 180, 240})[c], 3);
    }
  }
  // Grayscale JPEG -> R = G = B = gray.
  std::vector<uint8_t> g(16 * 8, 77);
  auto gj = encode_jpeg(16, 8, 1, JCS_GRAYSCALE, g);
  auto gi = decode_image(gj.data(), gj.size(), "gray.jpg");
  ASSERT_TRUE(gi.ok()) << gi.status().message();
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(px(*gi, 5, 5)[c], 77, 1);
  // CMYK JPEG: libjpeg writes an Adobe marker, so stored values are the inverted
  // ink amounts; R = C*K/255 on stored values: (255*255/255, 128*255/255, 0) = (255, 128, 0)
  // with K = 255 (no black ink); with K = 128: (128, 64, 0).
  std::vector<uint8_t> cmyk(16 * 16 * 4);
  for (int i = 0; i < 16 * 16; ++i) {
    cmyk[i * 4 + 0] = 255;
    cmyk[i * 4 + 1] = 128;
    cmyk[i * 4 + 2] = 0;
    cmyk[i * 4 + 3] = i < 16 * 8 ? 255 : 128;  // top 8 rows K=255, bottom 8 rows K=128
  }
  auto cj = encode_jpeg(16, 16, 4, JCS_CMYK, cmyk);
  auto ci = decode_image(cj.data(), cj.size(), "cmyk.jpg");
  ASSERT_TRUE(ci.ok()) << ci.status().message();
  for (int c = 0; c < 3; ++c) {
    EXPECT_NEAR(px(*ci, 3, 3)[c], (std::array<int, 3>{255, 128, 0})[c], 3);
    EXPECT_NEAR(px(*ci, 3, 12)[c], (std::array<int, 3>{128, 64, 0})[c], 3);
  }
}

TEST(ImageDecode, JpegTruncatedAtManyPointsIsAnError) {
  EDGERUN_REQUIRE_SHARED(dir, "images");
  const auto bytes = read_bytes(dir + "/hot_dog.jpg");
  ASSERT_GT(bytes.size(), 4000u);
  std::vector<size_t> cuts;
  for (size_t c = 0; c < 800; ++c) cuts.push_back(c);  // every cut through the headers
  for (size_t c = 800; c + 8 < bytes.size(); c += bytes.size() / 300) cuts.push_back(c);
  cuts.push_back(bytes.size() - 8);
  for (size_t cut : cuts) {
    auto r = decode_image(bytes.data(), cut, "hot_dog.jpg");
    ASSERT_FALSE(r.ok()) << "a JPEG cut to " << cut << " of " << bytes.size() << " bytes decoded";
    const std::string& m = r.status().message();
    EXPECT_EQ(m.rfind("hot_dog.jpg: ", 0), 0u) << m;
    if (cut >= 3 && cut > bytes.size() / 2) {
      EXPECT_NE(m.find("truncated JPEG"), std::string::npos) << m;
    }
  }
  // Only the EOI marker missing: every row is present, so it decodes.
  auto r = decode_image(bytes.data(), bytes.size() - 2, "hot_dog.jpg");
  EXPECT_TRUE(r.ok()) << r.status().message();
}

TEST(ImageDecode, JpegCorruptBytesNeverCrash) {
  EDGERUN_REQUIRE_SHARED(dir, "images");
  const auto bytes = read_bytes(dir + "/owl.jpg");
  std::mt19937 rng(1234);
  int errors = 0;
  for (int t = 0; t < 300; ++t) {
    auto b = bytes;
    const int flips = 1 + t % 8;
    for (int f = 0; f < flips; ++f) b[3 + rng() % (b.size() - 3)] = static_cast<uint8_t>(rng());
    auto r = decode_image(b.data(), b.size(), "owl.jpg");
    if (r.ok()) {
      EXPECT_TRUE(r->valid());
    } else {
      ++errors;
      EXPECT_EQ(r.status().message().rfind("owl.jpg: ", 0), 0u) << r.status().message();
    }
  }
  SUCCEED() << errors << " of 300 corrupted files were rejected";
}

TEST(ImageDecode, JpegKnownPixelsFromPil) {
  EDGERUN_REQUIRE_SHARED(dir, "images");
  // Read independently with PIL (Image.open(f).convert("RGB")); PIL also uses
  // libjpeg(-turbo) with the same defaults, so allow only a small tolerance.
  struct Probe { const char* file; int x, y, r, g, b; };
  const Probe probes[] = {{"hot_dog.jpg", 0, 0, 0, 6, 4},       {"hot_dog.jpg", 511, 383, 1, 11, 0},
                          {"hot_dog.jpg", 256, 192, 213, 190, 136}, {"parrot.jpg", 0, 0, 179, 156, 125},
                          {"parrot.jpg", 511, 928, 74, 72, 86},  {"parrot.jpg", 300, 400, 135, 110, 80}};
  for (const Probe& p : probes) {
    SCOPED_TRACE(std::string(p.file) + " @ " + std::to_string(p.x) + "," + std::to_string(p.y));
    auto img = decode_image_file(dir + "/" + p.file);
    ASSERT_TRUE(img.ok()) << img.status().message();
    auto v = px(*img, p.x, p.y);
    EXPECT_NEAR(v[0], p.r, 2);
    EXPECT_NEAR(v[1], p.g, 2);
    EXPECT_NEAR(v[2], p.b, 2);
  }
}

TEST(ImageDecode, ProgressiveJpegTruncatedAtScanBoundariesIsAnError) {
  const int w = 64, h = 48;
  std::vector<uint8_t> rgb(w * h * 3);
  std::mt19937 rng(99);
  for (auto& v : rgb) v = static_cast<uint8_t>(rng());
  auto jpg = encode_jpeg(w, h, 3, JCS_RGB, rgb, 90, /*progressive=*/true);
  ASSERT_TRUE(decode_image(jpg.data(), jpg.size(), "p.jpg").ok());
  std::vector<size_t> cuts;
  for (size_t i = 2; i + 1 < jpg.size(); ++i)
    if (jpg[i] == 0xff && jpg[i + 1] == 0xda) cuts.push_back(i);  // just before each SOS: a scan boundary
  ASSERT_GE(cuts.size(), 3u);
  for (size_t c = 0; c + 2 < jpg.size(); c += 37) cuts.push_back(c);
  for (size_t cut : cuts) {
    auto r = decode_image(jpg.data(), cut, "p.jpg");
    EXPECT_FALSE(r.ok()) << "progressive JPEG cut to " << cut << " of " << jpg.size() << " bytes decoded";
  }
}

// Finds the SOF0/SOF2 segment and rewrites its height and width.
bool patch_jpeg_size(std::vector<uint8_t>& b, uint16_t w, uint16_t h) {
  for (size_t i = 2; i + 9 < b.size();) {
    if (b[i] != 0xff) return false;
    const uint8_t marker = b[i + 1];
    const size_t len = (b[i + 2] << 8) | b[i + 3];
    if (marker == 0xc0 || marker == 0xc2) {
      b[i + 5] = h >> 8; b[i + 6] = h & 0xff; b[i + 7] = w >> 8; b[i + 8] = w & 0xff;
      return true;
    }
    i += 2 + len;
  }
  return false;
}

TEST(ImageDecode, JpegZeroAndOversizedHeaders) {
  std::vector<uint8_t> rgb(16 * 16 * 3, 100);
  auto jpg = encode_jpeg(16, 16, 3, JCS_RGB, rgb);
  auto big = jpg;
  ASSERT_TRUE(patch_jpeg_size(big, 20000, 20000));
  auto r = decode_image(big.data(), big.size(), "big.jpg");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("20000x20000"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("at most"), std::string::npos) << r.status().message();
  auto zero = jpg;
  ASSERT_TRUE(patch_jpeg_size(zero, 0, 16));
  r = decode_image(zero.data(), zero.size(), "zero.jpg");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("zero.jpg: ", 0), 0u) << r.status().message();
}

// ---------------------------------------------------------------- PNG

TEST(ImageDecode, PngRgbAndRgbaDropsAlpha) {
  // 3x2 RGB8, pixel (x, y) = (10x + y, 100 + x, 200 - y).
  PngSpec s;
  s.width = 3; s.height = 2;
  std::vector<std::vector<uint8_t>> rows(2);
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) rows[y].insert(rows[y].end(), {uint8_t(10 * x + y), uint8_t(100 + x), uint8_t(200 - y)});
  const std::string p = temp_path("rgb.png");
  ASSERT_TRUE(write_png(p, s, rows));
  auto img = decode_image_file(p);
  ASSERT_TRUE(img.ok()) << img.status().message();
  ASSERT_EQ(img->width, 3);
  ASSERT_EQ(img->height, 2);
  EXPECT_EQ(px(*img, 2, 1), (std::array<int, 3>{21, 102, 199}));
  EXPECT_EQ(px(*img, 0, 0), (std::array<int, 3>{0, 100, 200}));

  // RGBA: alpha 0 and 128 must not change the color (dropped, not composited); a
  // linear gAMA chunk must not change it either.
  PngSpec a = s;
  a.color_type = PNG_COLOR_TYPE_RGB_ALPHA;
  a.gamma = true;
  std::vector<std::vector<uint8_t>> arows = {{50, 60, 70, 0, 1, 2, 3, 128, 250, 251, 252, 255},
                                             {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 255, 0}};
  const std::string pa = temp_path("rgba.png");
  ASSERT_TRUE(write_png(pa, a, arows));
  img = decode_image_file(pa);
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(px(*img, 0, 0), (std::array<int, 3>{50, 60, 70}));
  EXPECT_EQ(px(*img, 1, 0), (std::array<int, 3>{1, 2, 3}));
  EXPECT_EQ(px(*img, 2, 0), (std::array<int, 3>{250, 251, 252}));
  EXPECT_EQ(px(*img, 0, 1), (std::array<int, 3>{9, 8, 7}));
  EXPECT_EQ(px(*img, 1, 1), (std::array<int, 3>{5, 4, 3}));
  EXPECT_EQ(px(*img, 2, 1), (std::array<int, 3>{1, 0, 255}));
}

TEST(ImageDecode, PngPaletteWithTransparencyAndLowBitDepth) {
  // 8-bit palette with tRNS: indices map to palette colors, transparency dropped.
  PngSpec s;
  s.width = 4; s.height = 1; s.color_type = PNG_COLOR_TYPE_PALETTE;
  s.palette = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {12, 34, 56}};
  s.trns_alpha = {0, 128};
  const std::string p = temp_path("palette.png");
  ASSERT_TRUE(write_png(p, s, {{3, 2, 1, 0}}));
  auto img = decode_image_file(p);
  ASSERT_TRUE(img.ok()) << img.status().message();
  ASSERT_EQ(img->width, 4);
  EXPECT_EQ(px(*img, 0, 0), (std::array<int, 3>{12, 34, 56}));
  EXPECT_EQ(px(*img, 1, 0), (std::array<int, 3>{0, 0, 255}));
  EXPECT_EQ(px(*img, 2, 0), (std::array<int, 3>{0, 255, 0}));
  EXPECT_EQ(px(*img, 3, 0), (std::array<int, 3>{255, 0, 0}));

  // 2-bit palette, packed MSB first: indices 3,2,1,0 in one byte = 0b11100100.
  PngSpec s2 = s;
  s2.bit_depth = 2;
  s2.trns_alpha.clear();
  const std::string p2 = temp_path("palette2.png");
  ASSERT_TRUE(write_png(p2, s2, {{0xE4}}));
  img = decode_image_file(p2);
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(px(*img, 0, 0), (std::array<int, 3>{12, 34, 56}));
  EXPECT_EQ(px(*img, 3, 0), (std::array<int, 3>{255, 0, 0}));

  // 1-bit gray: 0 -> 0, 1 -> 255. Row 0b10100000 for width 3 -> 255, 0, 255.
  PngSpec g;
  g.width = 3; g.height = 1; g.bit_depth = 1; g.color_type = PNG_COLOR_TYPE_GRAY;
  const std::string pg = temp_path("gray1.png");
  ASSERT_TRUE(write_png(pg, g, {{0xA0}}));
  img = decode_image_file(pg);
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(px(*img, 0, 0), (std::array<int, 3>{255, 255, 255}));
  EXPECT_EQ(px(*img, 1, 0), (std::array<int, 3>{0, 0, 0}));
  EXPECT_EQ(px(*img, 2, 0), (std::array<int, 3>{255, 255, 255}));
}

TEST(ImageDecode, Png16BitGrayAlphaAndRgbInterlaced) {
  // 16-bit gray+alpha, big-endian samples: gray 0xABCD -> 0xAB (high byte).
  PngSpec g;
  g.width = 2; g.height = 1; g.bit_depth = 16; g.color_type = PNG_COLOR_TYPE_GRAY_ALPHA;
  const std::string pg = temp_path("gray16a.png");
  ASSERT_TRUE(write_png(pg, g, {{0xAB, 0xCD, 0x00, 0x00, 0x12, 0xFF, 0xFF, 0xFF}}));
  auto img = decode_image_file(pg);
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(px(*img, 0, 0), (std::array<int, 3>{0xAB, 0xAB, 0xAB}));
  EXPECT_EQ(px(*img, 1, 0), (std::array<int, 3>{0x12, 0x12, 0x12}));

  // 16-bit RGB, Adam7 interlaced, 9x9 so every pass has pixels.
  // Pixel (x, y) = (x*0x1000 + 0x0AFF, y*0x1000 + 0x0080, 0xFF00 - x*0x0100) -> high bytes
  // (x*16 + 10, y*16, 0xFF - x). (Rounding v/257 instead would give x*16 + 11 for the first.)
  PngSpec r;
  r.width = 9; r.height = 9; r.bit_depth = 16; r.color_type = PNG_COLOR_TYPE_RGB; r.interlaced = true;
  std::vector<std::vector<uint8_t>> rows(9);
  for (int y = 0; y < 9; ++y)
    for (int x = 0; x < 9; ++x) {
      const int v[3] = {x * 0x1000 + 0x0AFF, y * 0x1000 + 0x0080, 0xFF00 - x * 0x0100};
      for (int c = 0; c < 3; ++c) rows[y].insert(rows[y].end(), {uint8_t(v[c] >> 8), uint8_t(v[c] & 0xff)});
    }
  const std::string pr = temp_path("rgb16i.png");
  ASSERT_TRUE(write_png(pr, r, rows));
  img = decode_image_file(pr);
  ASSERT_TRUE(img.ok()) << img.status().message();
  ASSERT_EQ(img->width, 9);
  ASSERT_EQ(img->height, 9);
  for (int y = 0; y < 9; ++y)
    for (int x = 0; x < 9; ++x) ASSERT_EQ(px(*img, x, y), (std::array<int, 3>{x * 16 + 10, y * 16, 0xFF - x})) << x << "," << y;
}

TEST(ImageDecode, PngTruncatedCorruptAndOversized) {
  PngSpec s;
  s.width = 64; s.height = 64;
  std::vector<std::vector<uint8_t>> rows(64);
  std::mt19937 rng(7);  // noise, so the IDAT data is not tiny
  for (auto& row : rows)
    for (int i = 0; i < 64 * 3; ++i) row.push_back(static_cast<uint8_t>(rng()));
  const std::string p = temp_path("noise.png");
  ASSERT_TRUE(write_png(p, s, rows));
  const auto bytes = read_bytes(p);
  ASSERT_GT(bytes.size(), 64u * 64 * 3);
  // Everything short of the last 12 bytes (the IEND chunk) loses pixel data.
  for (size_t cut = 0; cut + 12 < bytes.size(); cut += (cut < 100 ? 1 : 97)) {
    auto r = decode_image(bytes.data(), cut, "noise.png");
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    if (cut >= 8) {
      EXPECT_NE(r.status().message().find("PNG"), std::string::npos) << r.status().message();
    }
    if (cut > 100) {
      EXPECT_NE(r.status().message().find("truncated PNG"), std::string::npos) << r.status().message();
    }
  }
  // Without IEND the pixels are complete: accepted.
  auto ok = decode_image(bytes.data(), bytes.size() - 12, "noise.png");
  EXPECT_TRUE(ok.ok()) << ok.status().message();

  // A flipped byte inside IDAT breaks its CRC: an error, not a crash.
  auto bad = bytes;
  bad[bytes.size() / 2] ^= 0x55;
  auto r = decode_image(bad.data(), bad.size(), "bad.png");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("corrupt PNG"), std::string::npos) << r.status().message();

  // IHDR (bytes 16..28, CRC at 29..32) claiming 20000 x 20000: refused before allocating.
  auto big = bytes;
  for (int off : {16, 20}) { big[off] = 0; big[off + 1] = 0; big[off + 2] = 20000 >> 8; big[off + 3] = 20000 & 0xff; }
  const uint32_t crc = testing::crc32(&big[12], 17);
  for (int i = 0; i < 4; ++i) big[29 + i] = static_cast<uint8_t>(crc >> (24 - 8 * i));
  r = decode_image(big.data(), big.size(), "big.png");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("20000x20000"), std::string::npos) << r.status().message();
}

// ---------------------------------------------------------------- format detection and files

TEST(ImageDecode, FormatComesFromMagicBytesNotExtension) {
  PngSpec s;
  s.width = 1; s.height = 1;
  const std::string p = temp_path("actually_png.jpg");
  ASSERT_TRUE(write_png(p, s, {{7, 8, 9}}));
  auto img = decode_image_file(p);
  ASSERT_TRUE(img.ok()) << img.status().message();
  EXPECT_EQ(px(*img, 0, 0), (std::array<int, 3>{7, 8, 9}));
  const auto bytes = read_bytes(p);
  EXPECT_EQ(detect_image_format(bytes.data(), bytes.size()), ImageFormat::kPng);
}

TEST(ImageDecode, UnknownUnsupportedEmptyAndMissing) {
  const std::string text = "hello, not an image";
  auto r = decode_image(reinterpret_cast<const uint8_t*>(text.data()), text.size(), "notes.txt");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("notes.txt: unknown image format", 0), 0u) << r.status().message();
  EXPECT_NE(r.status().message().find("68 65 6c 6c"), std::string::npos) << r.status().message();  // "hell"

  const std::string gif = "GIF89a\x01\x00\x01\x00";
  r = decode_image(reinterpret_cast<const uint8_t*>(gif.data()), gif.size(), "a.gif");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("GIF"), std::string::npos);

  r = decode_image(nullptr, 0, "empty.jpg");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("empty.jpg"), std::string::npos);

  const std::string missing = temp_path("does_not_exist.jpg");
  r = decode_image_file(missing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find(missing), std::string::npos);

  const std::string empty_file = temp_path("empty.png");
  write_bytes(empty_file, {});
  r = decode_image_file(empty_file);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("empty"), std::string::npos) << r.status().message();

  r = decode_image_file(std::filesystem::path(empty_file).parent_path().string());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("directory"), std::string::npos) << r.status().message();

  // A lone magic number is truncated data, not a crash.
  for (const std::string& magic : {std::string("\xff\xd8\xff", 3), std::string("\x89PNG\r\n\x1a\n", 8), std::string("BM")}) {
    r = decode_image(reinterpret_cast<const uint8_t*>(magic.data()), magic.size(), "stub");
    EXPECT_FALSE(r.ok());
  }
}

}  // namespace
}  // namespace edgerun::vision
