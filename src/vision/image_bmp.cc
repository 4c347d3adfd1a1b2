// BMP decoding: our own header check (stb_image reads past the end of a
// truncated file as zeros, so truncation must be caught here), then stb_image.
#include <stb_image.h>

#include <climits>
#include <cstdlib>
#include <cstring>

#include "vision/image_codecs.h"

namespace edgerun::vision::internal {

namespace {

uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

Status check_bmp_header(const uint8_t* data, size_t size, const std::string& name) {
  auto truncated = [&](size_t needed, const std::string& what) {
    return InvalidArgument(name + ": truncated BMP: " + what + " needs " + std::to_string(needed) +
                           " bytes, file has " + std::to_string(size));
  };
  if (size < 18) return truncated(18, "the file header");
  const uint32_t data_offset = le32(data + 10);
  const uint32_t dib_size = le32(data + 14);
  int64_t width = 0, height = 0;
  uint32_t bpp = 0, compression = 0;
  if (dib_size == 12) {
    if (size < 26) return truncated(26, "the 12-byte OS/2 info header");
    width = le16(data + 18);
    height = le16(data + 20);
    bpp = le16(data + 24);
  } else if (dib_size >= 16 && dib_size <= 1024) {
    if (size < 34) return truncated(34, "the info header");
    width = static_cast<int32_t>(le32(data + 18));
    height = static_cast<int32_t>(le32(data + 22));
    bpp = le16(data + 28);
    compression = dib_size >= 20 ? le32(data + 30) : 0;
  } else {
    return InvalidArgument(name + ": corrupt BMP: info header size is " + std::to_string(dib_size) +
                           ": expected 12, 40, 52, 56, 108 or 124");
  }
  if (height < 0) height = -height;  // top-down rows
  EDGERUN_RETURN_IF_ERROR(check_dimensions(width, height, "BMP", name));
  if (bpp != 1 && bpp != 4 && bpp != 8 && bpp != 16 && bpp != 24 && bpp != 32) {
    return InvalidArgument(name + ": corrupt BMP: " + std::to_string(bpp) +
                           " bits per pixel: expected 1, 4, 8, 16, 24 or 32");
  }
  // Uncompressed (BI_RGB) and bit-field layouts have a known pixel-array size.
  if (compression == 0 || compression == 3 || compression == 6) {
    const uint64_t stride = ((static_cast<uint64_t>(width) * bpp + 31) / 32) * 4;
    const uint64_t needed = static_cast<uint64_t>(data_offset) + stride * static_cast<uint64_t>(height);
    if (needed > size) {
      return InvalidArgument(name + ": truncated BMP: " + std::to_string(width) + "x" + std::to_string(height) +
                             " at " + std::to_string(bpp) + " bits per pixel needs " + std::to_string(needed) +
                             " bytes (pixels start at offset " + std::to_string(data_offset) + "), file has " +
                             std::to_string(size));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<Image> decode_bmp(const uint8_t* data, size_t size, const std::string& name) {
  if (size > static_cast<size_t>(INT_MAX)) {
    return InvalidArgument(name + ": BMP data is " + std::to_string(size) + " bytes: expected at most " +
                           std::to_string(INT_MAX));
  }
  EDGERUN_RETURN_IF_ERROR(check_bmp_header(data, size, name));
  const int len = static_cast<int>(size);
  int w = 0, h = 0, comp = 0;
  if (!stbi_info_from_memory(data, len, &w, &h, &comp)) {
    const char* why = stbi_failure_reason();
    return InvalidArgument(name + ": corrupt or unsupported BMP: " + std::string(why ? why : "stb_image refused the header"));
  }
  // stbi_info reports a top-down BMP's height as negative; the load below does not.
  EDGERUN_RETURN_IF_ERROR(check_dimensions(w, h < 0 ? -static_cast<int64_t>(h) : h, "BMP", name));
  unsigned char* pixels = stbi_load_from_memory(data, len, &w, &h, &comp, 3);
  if (pixels == nullptr) {
    const char* why = stbi_failure_reason();
    return InvalidArgument(name + ": corrupt or unsupported BMP: " + std::string(why ? why : "stb_image failed"));
  }
  Status dims = check_dimensions(w, h, "BMP", name);
  if (!dims.ok()) {
    stbi_image_free(pixels);
    return dims;
  }
  Image img;
  img.width = w;
  img.height = h;
  try {
    img.rgb.assign(pixels, pixels + img.size_bytes());
  } catch (...) {
    stbi_image_free(pixels);
    throw;  // bad_alloc: turned into a Status by decode_image
  }
  stbi_image_free(pixels);
  return img;
}

}  // namespace edgerun::vision::internal
