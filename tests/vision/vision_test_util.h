// Helpers for the vision tests: locating the shared data folder, temp files,
// and independent encoders/decoders used to check edgerun::vision (a raw BMP
// reader, a libpng writer, a libjpeg encoder).
#pragma once

#include <gtest/gtest.h>
#include <png.h>

#include <unistd.h>

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <jpeglib.h>

#include "shared_data.h"

namespace edgerun::vision::testing {

inline std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// A per-process temp folder for files written by tests, removed at exit.
inline std::string temp_path(const std::string& file) {
  struct Dir {
    std::filesystem::path path;
    Dir()
        : path(std::filesystem::path(::testing::TempDir()) /
               ("edgerun_vision_" + std::to_string(static_cast<long>(::getpid())))) {
      std::filesystem::create_directories(path);
    }
    ~Dir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static Dir dir;
  return (dir.path / file).string();
}

inline void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

// Minimal reader for uncompressed 24-bit BMPs, independent of stb_image.
struct RawBmp {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
};
inline bool parse_bmp24(const std::vector<uint8_t>& b, RawBmp* out) {
  auto u32 = [&](size_t o) { return uint32_t{b[o]} | uint32_t{b[o + 1]} << 8 | uint32_t{b[o + 2]} << 16 | uint32_t{b[o + 3]} << 24; };
  auto u16 = [&](size_t o) { return static_cast<uint32_t>(b[o] | b[o + 1] << 8); };
  if (b.size() < 54 || b[0] != 'B' || b[1] != 'M') return false;
  const uint32_t offset = u32(10);
  const int32_t w = static_cast<int32_t>(u32(18)), h = static_cast<int32_t>(u32(22));
  if (u16(28) != 24 || u32(30) != 0 || w <= 0 || h == 0) return false;
  const int ah = h < 0 ? -h : h;
  const size_t stride = (static_cast<size_t>(w) * 3 + 3) / 4 * 4;
  if (offset + stride * ah > b.size()) return false;
  out->width = w;
  out->height = ah;
  out->rgb.resize(static_cast<size_t>(w) * ah * 3);
  for (int y = 0; y < ah; ++y) {
    const int file_row = h > 0 ? ah - 1 - y : y;  // positive height: bottom-up
    const uint8_t* src = b.data() + offset + stride * file_row;
    for (int x = 0; x < w; ++x) {
      uint8_t* d = &out->rgb[(static_cast<size_t>(y) * w + x) * 3];
      d[0] = src[x * 3 + 2];
      d[1] = src[x * 3 + 1];
      d[2] = src[x * 3 + 0];
    }
  }
  return true;
}

// Writes a PNG with libpng. `rows` holds height rows of packed samples exactly as
// PNG stores them (16-bit samples big-endian, sub-byte samples packed MSB first).
struct PngSpec {
  int width = 0, height = 0, bit_depth = 8, color_type = PNG_COLOR_TYPE_RGB;
  bool interlaced = false;
  std::vector<png_color> palette;
  std::vector<png_byte> trns_alpha;  // palette transparency
  bool gamma = false;                // write a gAMA chunk of 1.0 (linear), which must be ignored
};
inline bool write_png(const std::string& path, const PngSpec& spec, const std::vector<std::vector<uint8_t>>& rows) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(f);
    return false;
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, spec.width, spec.height, spec.bit_depth, spec.color_type,
               spec.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (!spec.palette.empty()) png_set_PLTE(png, info, spec.palette.data(), static_cast<int>(spec.palette.size()));
  if (!spec.trns_alpha.empty())
    png_set_tRNS(png, info, spec.trns_alpha.data(), static_cast<int>(spec.trns_alpha.size()), nullptr);
  if (spec.gamma) png_set_gAMA(png, info, 1.0);
  std::vector<png_bytep> ptrs;
  for (const auto& r : rows) ptrs.push_back(const_cast<png_bytep>(r.data()));
  png_set_rows(png, info, ptrs.data());
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  png_destroy_write_struct(&png, &info);
  std::fclose(f);
  return true;
}

// Encodes `pixels` (width*height*components bytes) as a JPEG with libjpeg.
inline std::vector<uint8_t> encode_jpeg(int width, int height, int components, J_COLOR_SPACE space,
                                        const std::vector<uint8_t>& pixels, int quality = 100,
                                        bool progressive = false) {
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &buf, &size);
  c.image_width = static_cast<JDIMENSION>(width);
  c.image_height = static_cast<JDIMENSION>(height);
  c.input_components = components;
  c.in_color_space = space;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  if (progressive) jpeg_simple_progression(&c);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(&pixels[static_cast<size_t>(c.next_scanline) * width * components]);
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  jpeg_destroy_compress(&c);
  std::vector<uint8_t> out(buf, buf + size);
  std::free(buf);
  return out;
}

// Standard CRC-32 (as PNG chunks use), for patching headers in tests.
inline uint32_t crc32(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}

}  // namespace edgerun::vision::testing
