// vision/image.h — decode JPEG / PNG / BMP files into interleaved RGB8.
//
//   auto img = edgerun::vision::decode_image_file("cat.jpg");
//   if (!img.ok()) { std::cerr << img.status().message() << "\n"; return 1; }
//   // img->width, img->height, img->rgb (width * height * 3 bytes, row-major RGBRGB...)
//
// The format is detected from the leading magic bytes, never the file name:
//   JPEG  ff d8 ff                  libjpeg-turbo; grayscale -> RGB, CMYK/YCCK -> RGB
//                                   (Adobe-inverted CMYK, R = C*K/255 like PIL)
//   PNG   89 50 4e 47 0d 0a 1a 0a   libpng; palette, gray, gray+alpha, 16-bit (high
//                                   byte kept, v >> 8) all become RGB8; any alpha channel
//                                   or tRNS transparency is DROPPED (not composited); the
//                                   gAMA chunk is ignored (values are used as stored)
//   BMP   'B' 'M'                   stb_image, 3 channels
// GIF, WebP and TIFF are recognized only to say they are unsupported.
//
// Errors (never aborts, never exits, never throws):
//   kNotFound        the file does not exist
//   kIOError         the file exists but cannot be read
//   kUnsupported     a recognized but unsupported format (GIF, WebP, TIFF)
//   kInvalidArgument empty data, unknown format, corrupt or truncated data, a zero
//                    width/height, or more than kMaxImagePixels pixels (checked from
//                    the header, before the pixel buffer is allocated)
// Messages name the file (or `name_for_errors`) and say expected versus found.
//
// JPEG: libjpeg "corrupt data" warnings (e.g. a bad Huffman code) are tolerated, as
// PIL and TensorFlow do; running out of data before the image is complete is an
// error ("truncated"), including a progressive (multi-scan) file that stops at a
// scan boundary. A single-scan file that lacks only its final EOI marker still
// decodes. Decoding uses libjpeg's defaults (ISLOW IDCT, fancy upsampling), and is
// bit-identical to PIL's Image.open(f).convert("RGB") on the shared JPEGs.
// PNG output equals PIL's convert("RGB") too (16-bit: PIL's "I;16" >> 8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "edgerun/status.h"

namespace edgerun::vision {

// Interleaved RGB8, row-major, no row padding: pixel (x, y) channel c is
// rgb[(y * width + x) * 3 + c].
struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;

  bool empty() const { return width <= 0 || height <= 0; }
  size_t size_bytes() const { return static_cast<size_t>(width) * static_cast<size_t>(height) * 3; }
  // True when width/height are positive and rgb holds exactly width*height*3 bytes.
  bool valid() const { return !empty() && rgb.size() == size_bytes(); }
};

// Largest image decode_image accepts: 64 Mi pixels (8192 x 8192), about 192 MiB of RGB.
inline constexpr int64_t kMaxImagePixels = int64_t{64} * 1024 * 1024;

enum class ImageFormat { kUnknown, kJpeg, kPng, kBmp, kGif, kWebp, kTiff };

const char* image_format_name(ImageFormat f);  // "JPEG", "PNG", ..., "unknown"

// Format from the magic bytes at the start of `data` (kUnknown if none match).
ImageFormat detect_image_format(const uint8_t* data, size_t size);

// Decodes an in-memory JPEG, PNG or BMP. `name_for_errors` (usually the file
// path) is put at the start of every error message.
Result<Image> decode_image(const uint8_t* data, size_t size, const std::string& name_for_errors);

// Reads `path` fully and decodes it; errors name `path`.
Result<Image> decode_image_file(const std::string& path);

}  // namespace edgerun::vision
