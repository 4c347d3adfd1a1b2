#include "vision/image.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "vision/image_codecs.h"

namespace edgerun::vision {

namespace {

std::string hex_prefix(const uint8_t* data, size_t size, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < size && i < n; ++i) {
    if (i) out += ' ';
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 15];
  }
  return out.empty() ? "(no bytes)" : out;
}

// Whole files larger than this are refused before reading (a 64 Mi pixel BMP is 192 MiB).
constexpr int64_t kMaxFileBytes = int64_t{1} << 30;

}  // namespace

const char* image_format_name(ImageFormat f) {
  switch (f) {
    case ImageFormat::kJpeg: return "JPEG";
    case ImageFormat::kPng: return "PNG";
    case ImageFormat::kBmp: return "BMP";
    case ImageFormat::kGif: return "GIF";
    case ImageFormat::kWebp: return "WebP";
    case ImageFormat::kTiff: return "TIFF";
    case ImageFormat::kUnknown: break;
  }
  return "unknown";
}

ImageFormat detect_image_format(const uint8_t* data, size_t size) {
  if (data == nullptr) return ImageFormat::kUnknown;
  auto starts = [&](const char* magic, size_t n, size_t at = 0) {
    return size >= at + n && std::memcmp(data + at, magic, n) == 0;
  };
  if (starts("\xff\xd8\xff", 3)) return ImageFormat::kJpeg;
  if (starts("\x89PNG\r\n\x1a\n", 8)) return ImageFormat::kPng;
  if (starts("BM", 2)) return ImageFormat::kBmp;
  if (starts("GIF87a", 6) || starts("GIF89a", 6)) return ImageFormat::kGif;
  if (starts("RIFF", 4) && starts("WEBP", 4, 8)) return ImageFormat::kWebp;
  if (starts("II*\0", 4) || starts("MM\0*", 4)) return ImageFormat::kTiff;
  return ImageFormat::kUnknown;
}

namespace internal {

Status check_dimensions(int64_t width, int64_t height, const char* format, const std::string& name) {
  if (width <= 0 || height <= 0) {
    return InvalidArgument(name + ": " + format + " header gives image size " + std::to_string(width) + "x" +
                           std::to_string(height) + ": expected positive width and height");
  }
  if (width > kMaxImagePixels || height > kMaxImagePixels || width * height > kMaxImagePixels) {
    return InvalidArgument(name + ": " + format + " image is " + std::to_string(width) + "x" +
                           std::to_string(height) + " = " + std::to_string(width * height) +
                           " pixels: expected at most " + std::to_string(kMaxImagePixels) + " pixels");
  }
  return Status::Ok();
}

}  // namespace internal

Result<Image> decode_image(const uint8_t* data, size_t size, const std::string& name_for_errors) {
  const std::string& name = name_for_errors.empty() ? std::string("<memory>") : name_for_errors;
  if (data == nullptr || size == 0) {
    return InvalidArgument(name + ": image data is empty: expected a JPEG, PNG or BMP file, found 0 bytes");
  }
  ImageFormat format = detect_image_format(data, size);
  try {
    switch (format) {
      case ImageFormat::kJpeg: return internal::decode_jpeg(data, size, name);
      case ImageFormat::kPng: return internal::decode_png(data, size, name);
      case ImageFormat::kBmp: return internal::decode_bmp(data, size, name);
      case ImageFormat::kGif:
      case ImageFormat::kWebp:
      case ImageFormat::kTiff:
        return Unsupported(name + ": " + image_format_name(format) +
                           " images are not supported: expected JPEG, PNG or BMP");
      case ImageFormat::kUnknown: break;
    }
  } catch (const std::bad_alloc&) {
    return Internal(name + ": out of memory while decoding a " + std::string(image_format_name(format)) +
                    " image of " + std::to_string(size) + " bytes");
  }
  return InvalidArgument(name + ": unknown image format: expected JPEG (ff d8 ff), PNG (89 50 4e 47 0d 0a 1a 0a) "
                         "or BMP (42 4d) magic bytes, found " + hex_prefix(data, size, 8));
}

Result<Image> decode_image_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    int e = errno;
    if (e == ENOENT || e == ENOTDIR) return NotFound(path + ": image file not found");
    return IOError(path + ": cannot stat image file: " + std::strerror(e));
  }
  if (S_ISDIR(st.st_mode)) return IOError(path + ": expected an image file, found a directory");
  if (st.st_size > kMaxFileBytes) {
    return InvalidArgument(path + ": image file is " + std::to_string(st.st_size) + " bytes: expected at most " +
                           std::to_string(kMaxFileBytes));
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    int e = errno;
    return IOError(path + ": cannot open image file: " + std::strerror(e));
  }
  std::vector<uint8_t> bytes;
  try {
    bytes.reserve(static_cast<size_t>(st.st_size));
    uint8_t chunk[65536];
    for (;;) {
      size_t n = std::fread(chunk, 1, sizeof(chunk), f);
      if (n > 0) {
        if (bytes.size() + n > static_cast<size_t>(kMaxFileBytes)) {
          std::fclose(f);
          return InvalidArgument(path + ": image file is larger than " + std::to_string(kMaxFileBytes) + " bytes");
        }
        bytes.insert(bytes.end(), chunk, chunk + n);
      }
      if (n < sizeof(chunk)) break;
    }
  } catch (const std::bad_alloc&) {
    std::fclose(f);
    return Internal(path + ": out of memory reading " + std::to_string(st.st_size) + " bytes");
  }
  bool read_error = std::ferror(f) != 0;
  std::fclose(f);
  if (read_error) return IOError(path + ": read error after " + std::to_string(bytes.size()) + " bytes");
  if (bytes.empty()) {
    return InvalidArgument(path + ": image file is empty: expected a JPEG, PNG or BMP file, found 0 bytes");
  }
  return decode_image(bytes.data(), bytes.size(), path);
}

}  // namespace edgerun::vision
