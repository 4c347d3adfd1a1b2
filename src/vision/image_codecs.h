// vision/image_codecs.h — internal: one decoder per format, called by decode_image
// after it has matched the magic bytes. Not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "edgerun/status.h"
#include "vision/image.h"

namespace edgerun::vision::internal {

Result<Image> decode_jpeg(const uint8_t* data, size_t size, const std::string& name);
Result<Image> decode_png(const uint8_t* data, size_t size, const std::string& name);
Result<Image> decode_bmp(const uint8_t* data, size_t size, const std::string& name);

// Shared header check: positive dimensions and at most kMaxImagePixels.
// `format` is "JPEG"/"PNG"/"BMP", used in the message.
Status check_dimensions(int64_t width, int64_t height, const char* format, const std::string& name);

}  // namespace edgerun::vision::internal
