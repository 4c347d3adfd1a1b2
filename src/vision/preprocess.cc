#include "vision/preprocess.h"

#include <cmath>
#include <cstring>
#include <new>
#include <string>

namespace edgerun::vision {

namespace {

std::string tensor_label(const TensorInfo& info) {
  std::string s = "input tensor";
  if (!info.name.empty()) s += " '" + info.name + "'";
  return s + " " + dtype_name(info.dtype) + " " + shape_string(info.shape);
}

Status check_norm_values(const std::vector<float>& v, const char* what, const std::string& where) {
  if (v.size() != 1 && v.size() != 3) {
    return InvalidArgument(where + ": normalization " + what + " has " + std::to_string(v.size()) +
                           " values: expected 1 (all channels) or 3 (R, G, B)");
  }
  return Status::Ok();
}

template <typename Q>
void quantize_pixels(const Image& img, const float* mean, const float* stdv, float scale, int64_t zp, int64_t qmin,
                     int64_t qmax, Q* out) {
  const size_t n = img.rgb.size();
  for (size_t i = 0; i < n; ++i) {
    const int c = static_cast<int>(i % 3);
    const float real = (static_cast<float>(img.rgb[i]) - mean[c]) / stdv[c];
    const float q = std::round(real / scale);
    int64_t v;
    if (!(q >= static_cast<float>(qmin - zp))) {  // also catches NaN
      v = qmin;
    } else if (q > static_cast<float>(qmax - zp)) {
      v = qmax;
    } else {
      v = static_cast<int64_t>(q) + zp;
      if (v < qmin) v = qmin;
      if (v > qmax) v = qmax;
    }
    out[i] = static_cast<Q>(v);
  }
}

}  // namespace

Result<ImageInputShape> image_input_shape(const TensorInfo& info) {
  const std::string where = tensor_label(info);
  if (info.shape.size() != 4) {
    return InvalidArgument(where + ": expected an image tensor of rank 4 ([1,H,W,3] or [1,3,H,W]), found rank " +
                           std::to_string(info.shape.size()));
  }
  if (info.shape[0] != 1) {
    return Unsupported(where + ": expected batch 1, found " + std::to_string(info.shape[0]));
  }
  ImageInputShape s;
  if (info.shape[3] == 3) {
    s = {ImageLayout::kNhwc, info.shape[1], info.shape[2]};
  } else if (info.shape[1] == 3) {
    s = {ImageLayout::kNchw, info.shape[2], info.shape[3]};
  } else {
    return Unsupported(where + ": expected 3 channels (RGB) in the last dimension (NHWC) or the second (NCHW), found " +
                       shape_string(info.shape));
  }
  if (s.height <= 0 || s.width <= 0) return InvalidArgument(where + ": expected positive height and width");
  return s;
}

std::optional<Normalization> metadata_normalization(const TensorInfo& info, const std::vector<float>& metadata_mean,
                                                    const std::vector<float>& metadata_std) {
  if (info.dtype != DType::kFloat32 || metadata_mean.empty() || metadata_std.empty()) return std::nullopt;
  return Normalization{metadata_mean, metadata_std};
}

Status check_input_info(const TensorInfo& info, const std::optional<Normalization>& norm) {
  const std::string where = tensor_label(info);
  EDGERUN_RETURN_IF_ERROR(image_input_shape(info).status());
  if (info.dtype != DType::kFloat32 && info.dtype != DType::kUInt8 && info.dtype != DType::kInt8) {
    return Unsupported(where + ": expected an input of dtype float32, uint8 or int8, found " +
                       dtype_name(info.dtype));
  }
  if (!norm) return Status::Ok();
  EDGERUN_RETURN_IF_ERROR(check_norm_values(norm->mean, "mean", where));
  EDGERUN_RETURN_IF_ERROR(check_norm_values(norm->std, "std", where));
  for (float m : norm->mean) {
    if (!std::isfinite(m)) return InvalidArgument(where + ": normalization mean must be finite, found " + std::to_string(m));
  }
  for (float s : norm->std) {
    if (!std::isfinite(s) || s == 0.f) {
      return InvalidArgument(where + ": normalization std must be finite and nonzero, found " + std::to_string(s));
    }
  }
  if (info.dtype == DType::kFloat32) return Status::Ok();
  const QuantParams& q = info.quant;
  if (q.empty()) {
    return InvalidArgument(where + ": normalization given for a " + dtype_name(info.dtype) +
                           " input, but the tensor has no quantization parameters (expected a scale and zero point)");
  }
  if (q.scale.size() != 1 || q.zero_point.size() > 1) {
    return Unsupported(where + ": expected per-tensor quantization (1 scale) for a normalized input, found " +
                       std::to_string(q.scale.size()) + " scales");
  }
  if (!std::isfinite(q.scale[0]) || !(q.scale[0] > 0.f)) {
    return InvalidArgument(where + ": expected a positive quantization scale, found " + std::to_string(q.scale[0]));
  }
  if (!q.zero_point.empty()) {
    const int64_t zp = q.zero_point[0];
    const int64_t lo = info.dtype == DType::kUInt8 ? 0 : -128, hi = info.dtype == DType::kUInt8 ? 255 : 127;
    if (zp < lo || zp > hi) {
      return InvalidArgument(where + ": expected a zero point in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                             "], found " + std::to_string(zp));
    }
  }
  return Status::Ok();
}

namespace {

// The pixels in NHWC order (R, G, B per pixel) into dst, in info's dtype.
Status fill_nhwc(const Image& resized, const TensorInfo& info, const std::optional<Normalization>& norm, void* dst) {
  const std::string where = tensor_label(info);
  const size_t n = resized.rgb.size();
  const uint8_t* px = resized.rgb.data();
  float mean[3], stdv[3];
  if (norm) {
    for (int c = 0; c < 3; ++c) {
      mean[c] = norm->mean.size() == 3 ? norm->mean[c] : norm->mean[0];
      stdv[c] = norm->std.size() == 3 ? norm->std[c] : norm->std[0];
    }
  } else {
    for (int c = 0; c < 3; ++c) mean[c] = stdv[c] = 127.5f;
  }
  switch (info.dtype) {
    case DType::kFloat32: {
      float* out = static_cast<float*>(dst);
      for (size_t i = 0; i < n; ++i) {
        const int c = static_cast<int>(i % 3);
        out[i] = (static_cast<float>(px[i]) - mean[c]) / stdv[c];
      }
      return Status::Ok();
    }
    case DType::kUInt8: {
      if (!norm) {
        std::memcpy(dst, px, n);
        return Status::Ok();
      }
      const int64_t zp = info.quant.zero_point.empty() ? 0 : info.quant.zero_point[0];
      quantize_pixels(resized, mean, stdv, info.quant.scale[0], zp, 0, 255, static_cast<uint8_t*>(dst));
      return Status::Ok();
    }
    case DType::kInt8: {
      int8_t* out = static_cast<int8_t*>(dst);
      if (!norm) {
        for (size_t i = 0; i < n; ++i) out[i] = static_cast<int8_t>(static_cast<int>(px[i]) - 128);
        return Status::Ok();
      }
      const int64_t zp = info.quant.zero_point.empty() ? 0 : info.quant.zero_point[0];
      quantize_pixels(resized, mean, stdv, info.quant.scale[0], zp, -128, 127, out);
      return Status::Ok();
    }
    default: break;
  }
  return Internal(where + ": unhandled dtype after validation");
}

}  // namespace

Status fill_input(const Image& resized, const TensorInfo& info, const std::optional<Normalization>& norm, void* dst) {
  EDGERUN_RETURN_IF_ERROR(check_input_info(info, norm));
  EDGERUN_ASSIGN_OR_RETURN(const ImageInputShape shape, image_input_shape(info));
  const std::string where = tensor_label(info);
  if (dst == nullptr) return InvalidArgument(where + ": destination buffer is null");
  if (!resized.valid()) {
    return InvalidArgument(where + ": image is invalid: " + std::to_string(resized.width) + "x" +
                           std::to_string(resized.height) + " with " + std::to_string(resized.rgb.size()) +
                           " bytes, expected width*height*3 bytes");
  }
  if (resized.height != shape.height || resized.width != shape.width) {
    return InvalidArgument(where + ": image is " + std::to_string(resized.width) + "x" +
                           std::to_string(resized.height) + " (WxH): expected " + std::to_string(shape.width) + "x" +
                           std::to_string(shape.height) + " to match the tensor; resize it first");
  }
  if (shape.layout == ImageLayout::kNhwc) return fill_nhwc(resized, info, norm, dst);
  // NCHW: the same values, each channel's plane after the other.
  std::vector<uint8_t> pixels(info.bytes());
  EDGERUN_RETURN_IF_ERROR(fill_nhwc(resized, info, norm, pixels.data()));
  const size_t es = dtype_size(info.dtype);
  const size_t plane = static_cast<size_t>(shape.height) * static_cast<size_t>(shape.width);
  auto* out = static_cast<uint8_t*>(dst);
  for (size_t i = 0; i < plane; ++i) {
    for (size_t c = 0; c < 3; ++c) std::memcpy(out + (c * plane + i) * es, pixels.data() + (i * 3 + c) * es, es);
  }
  return Status::Ok();
}

Result<std::vector<uint8_t>> preprocess(const Image& img, const TensorInfo& info,
                                        const std::optional<Normalization>& norm, ResizeMethod method) {
  EDGERUN_RETURN_IF_ERROR(check_input_info(info, norm));
  if (!img.valid()) {
    return InvalidArgument(tensor_label(info) + ": source image is invalid: " + std::to_string(img.width) + "x" +
                           std::to_string(img.height) + " with " + std::to_string(img.rgb.size()) + " bytes");
  }
  EDGERUN_ASSIGN_OR_RETURN(const ImageInputShape shape, image_input_shape(info));
  Image resized = resize(img, shape.width, shape.height, method);
  if (resized.empty()) {
    return InvalidArgument(tensor_label(info) + ": cannot resize to " + std::to_string(shape.width) + "x" +
                           std::to_string(shape.height) + ": expected at most " + std::to_string(kMaxImagePixels) +
                           " pixels");
  }
  try {
    std::vector<uint8_t> buf(info.bytes());
    EDGERUN_RETURN_IF_ERROR(fill_input(resized, info, norm, buf.data()));
    return buf;
  } catch (const std::bad_alloc&) {
    return Internal(tensor_label(info) + ": out of memory allocating " + std::to_string(info.bytes()) + " bytes");
  }
}

}  // namespace edgerun::vision
