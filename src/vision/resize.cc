#include "vision/resize.h"

#include <cmath>
#include <cstdint>
#include <new>
#include <vector>

namespace edgerun::vision {

namespace {

struct Tap {
  int i0, i1;
  float f;
};

// Source taps for one axis, per the formula in resize.h.
std::vector<Tap> bilinear_taps(int in, int out) {
  std::vector<Tap> taps(static_cast<size_t>(out));
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (int d = 0; d < out; ++d) {
    float s = (static_cast<float>(d) + 0.5f) * scale - 0.5f;
    if (s < 0.f) s = 0.f;
    int i0 = static_cast<int>(std::floor(s));
    float f = s - static_cast<float>(i0);
    if (i0 >= in - 1) {
      i0 = in - 1;
      f = 0.f;
    }
    taps[static_cast<size_t>(d)] = {i0, i0 + 1 < in ? i0 + 1 : in - 1, f};
  }
  return taps;
}

std::vector<int> nearest_index(int in, int out) {
  std::vector<int> idx(static_cast<size_t>(out));
  for (int d = 0; d < out; ++d) idx[static_cast<size_t>(d)] = static_cast<int>(static_cast<int64_t>(d) * in / out);
  return idx;
}

uint8_t round_pixel(float v) {
  v = std::floor(v + 0.5f);
  if (!(v > 0.f)) return 0;  // also NaN, which cannot happen for finite pixels
  if (v >= 255.f) return 255;
  return static_cast<uint8_t>(v);
}

}  // namespace

const char* resize_method_name(ResizeMethod m) {
  return m == ResizeMethod::kNearest ? "nearest" : "bilinear";
}

Image resize(const Image& in, int out_w, int out_h, ResizeMethod method) {
  if (!in.valid() || out_w <= 0 || out_h <= 0) return Image{};
  if (static_cast<int64_t>(out_w) * out_h > kMaxImagePixels) return Image{};
  try {
    Image out;
    out.width = out_w;
    out.height = out_h;
    out.rgb.resize(out.size_bytes());
    if (out_w == in.width && out_h == in.height) {
      out.rgb = in.rgb;
      return out;
    }
    const size_t in_stride = static_cast<size_t>(in.width) * 3;
    uint8_t* dst = out.rgb.data();
    if (method == ResizeMethod::kNearest) {
      const std::vector<int> xs = nearest_index(in.width, out_w);
      const std::vector<int> ys = nearest_index(in.height, out_h);
      for (int y = 0; y < out_h; ++y) {
        const uint8_t* row = in.rgb.data() + static_cast<size_t>(ys[static_cast<size_t>(y)]) * in_stride;
        for (int x = 0; x < out_w; ++x, dst += 3) {
          const uint8_t* p = row + static_cast<size_t>(xs[static_cast<size_t>(x)]) * 3;
          dst[0] = p[0];
          dst[1] = p[1];
          dst[2] = p[2];
        }
      }
      return out;
    }
    const std::vector<Tap> xt = bilinear_taps(in.width, out_w);
    const std::vector<Tap> yt = bilinear_taps(in.height, out_h);
    for (int y = 0; y < out_h; ++y) {
      const Tap& ty = yt[static_cast<size_t>(y)];
      const uint8_t* r0 = in.rgb.data() + static_cast<size_t>(ty.i0) * in_stride;
      const uint8_t* r1 = in.rgb.data() + static_cast<size_t>(ty.i1) * in_stride;
      for (int x = 0; x < out_w; ++x) {
        const Tap& tx = xt[static_cast<size_t>(x)];
        const size_t a = static_cast<size_t>(tx.i0) * 3, b = static_cast<size_t>(tx.i1) * 3;
        for (int c = 0; c < 3; ++c, ++dst) {
          const float p00 = r0[a + c], p01 = r0[b + c], p10 = r1[a + c], p11 = r1[b + c];
          const float top = p00 + tx.f * (p01 - p00);
          const float bot = p10 + tx.f * (p11 - p10);
          *dst = round_pixel(top + ty.f * (bot - top));
        }
      }
    }
    return out;
  } catch (const std::bad_alloc&) {
    return Image{};
  }
}

}  // namespace edgerun::vision
