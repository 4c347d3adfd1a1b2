// vision/resize.h — resize an RGB8 image.
//
//   Image small = edgerun::vision::resize(img, 224, 224, ResizeMethod::kBilinear);
//
// Both methods are exact contracts; Python golden tests reproduce them.
//
// kNearest — for each output index d along an axis of input size `in` and output
// size `out`, the source index is
//     s = floor(d * in / out)        computed as (int64_t)d * in / out (integer math)
// i.e. numpy: idx = (np.arange(out) * in_size) // out_size, then img[idx_y][:, idx_x].
// (This is not PIL's NEAREST, which samples pixel centers.)
//
// kBilinear — half-pixel centers, like OpenCV INTER_LINEAR and PIL BILINEAR without
// antialiasing (no low-pass filter when shrinking). Per axis, in float32:
//     scale = (float)in / (float)out
//     s     = ((float)d + 0.5f) * scale - 0.5f
//     s     = max(s, 0)                  (clamped to the first pixel)
//     i0    = (int)floor(s); f = s - i0;
//     if i0 >= in - 1: i0 = in - 1, f = 0 (clamped to the last pixel)
//     i1    = min(i0 + 1, in - 1)
// and per channel, in float32:
//     top = p[y0][x0] + fx * (p[y0][x1] - p[y0][x0])
//     bot = p[y1][x0] + fx * (p[y1][x1] - p[y1][x0])
//     v   = top + fy * (bot - top)
//     out = (uint8)clamp(floor(v + 0.5f), 0, 255)      (round half up)
// OpenCV uses 11-bit fixed-point weights, so it can differ from this by 1.
//
// Resizing to the input size returns an identical copy with either method.
// resize never fails loudly: an invalid input (Image::valid() false), a
// non-positive output size or an output over kMaxImagePixels returns an empty
// Image (width = height = 0, no pixels). Check `empty()` on the result.
#pragma once

#include "vision/image.h"

namespace edgerun::vision {

enum class ResizeMethod { kBilinear, kNearest };

const char* resize_method_name(ResizeMethod m);  // "bilinear" / "nearest"

Image resize(const Image& in, int out_w, int out_h, ResizeMethod method);

}  // namespace edgerun::vision
