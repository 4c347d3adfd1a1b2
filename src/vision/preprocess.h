// vision/preprocess.h — write an RGB8 image into a model's image input tensor.
//
//   const TensorInfo& in = session.input_info(0);          // uint8 [1,224,224,3]
//   Result<ImageInputShape> s = image_input_shape(in);     // NHWC, 224 x 224
//   Image img = resize(decoded, s->width, s->height, ResizeMethod::kBilinear);
//   Status st = fill_input(img, in, std::nullopt, session.input_data(0));
//
// The tensor must be NHWC [1, H, W, 3] (TFLite models) or NCHW [1, 3, H, W]
// (ONNX exports of PyTorch models; a tensor whose last dim is 3 counts as
// NHWC) with H and W equal to the image height and width, of dtype float32,
// uint8 or int8. Pixel p (0..255) becomes:
//
//   float32, no norm:  (p - 127.5) / 127.5                     range [-1, 1]
//   float32, norm:     (p - mean[c]) / std[c]
//   uint8,   no norm:  p                                       raw pixels
//   int8,    no norm:  p - 128                                 (see below)
//   uint8/int8, norm:  real = (p - mean[c]) / std[c]
//                      q = round(real / scale) + zero_point    clamped to the dtype
//
// int8 without normalization: image models quantized from [0, 255] input
// (uint8 scale 1, zero point 0, re-expressed as int8 with zero point -128) expect
// the pixel shifted by -128; this is that convention, and it ignores the tensor's
// quantization parameters, as uint8 raw-pixel input does.
//
// With a normalization, a quantized input needs exactly one (per-tensor) scale > 0
// and zero point. All arithmetic is float32; round() is half away from zero (like
// TFLite's Quantize). `mean` and `std` hold 1 value (all channels) or 3 (R, G, B);
// every std must be nonzero and finite. (PyTorch's ImageNet models expect
// mean 123.675,116.28,103.53 and std 58.395,57.12,57.375 on this 0..255 scale.)
#pragma once

#include <optional>
#include <vector>

#include "edgerun/status.h"
#include "edgerun/tensor.h"
#include "vision/image.h"
#include "vision/resize.h"

namespace edgerun::vision {

struct Normalization {
  std::vector<float> mean;  // 1 or 3 values
  std::vector<float> std;   // 1 or 3 values
};

enum class ImageLayout { kNhwc, kNchw };
struct ImageInputShape {
  ImageLayout layout = ImageLayout::kNhwc;
  int32_t height = 0, width = 0;
};

// The layout and size of an image input: NHWC [1, H, W, 3], else NCHW
// [1, 3, H, W]; an error naming the tensor for anything else.
Result<ImageInputShape> image_input_shape(const TensorInfo& info);

// The normalization to use when the caller gives none: for a float32 input,
// the model's metadata mean and std when it has both; otherwise nullopt, so a
// float32 input falls back to (127.5, 127.5) and a quantized input takes raw
// pixels (its quantization already maps pixels to the trained range). This is
// the rule of `edgerun classify` and `edgerun eval`.
std::optional<Normalization> metadata_normalization(const TensorInfo& info, const std::vector<float>& metadata_mean,
                                                    const std::vector<float>& metadata_std);

// Checks that `info` is an image input this module can fill: NHWC [1, H, W, 3] or NCHW [1, 3, H, W],
// float32/uint8/int8, and (when `norm` is given) valid normalization and, for a
// quantized dtype, per-tensor quantization with a scale > 0 and a zero point in
// the dtype's range. Messages name the tensor.
Status check_input_info(const TensorInfo& info, const std::optional<Normalization>& norm);

// Writes info.bytes() bytes to `dst`. `resized` must already be H x W.
Status fill_input(const Image& resized, const TensorInfo& info, const std::optional<Normalization>& norm, void* dst);

// Convenience: resizes `img` to the tensor's H x W with `method`, then fills a new
// buffer of info.bytes() bytes.
Result<std::vector<uint8_t>> preprocess(const Image& img, const TensorInfo& info,
                                        const std::optional<Normalization>& norm,
                                        ResizeMethod method = ResizeMethod::kBilinear);

}  // namespace edgerun::vision
