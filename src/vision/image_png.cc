// PNG decoding with libpng's row API (not png_image): it lets us drop alpha
// instead of compositing it and ignore gAMA, matching PIL's convert("RGB") and
// TensorFlow's decode_png(channels=3). libpng reports fatal errors through our
// error callback, which longjmps back to run_decode; that frame holds only plain
// pointers, so no destructor is skipped.
#include <png.h>

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <vector>

#include "vision/image_codecs.h"

namespace edgerun::vision::internal {

namespace {

struct Reader {
  const uint8_t* data;
  size_t size;
  size_t pos;
  bool truncated;
  size_t wanted;  // size of the read that ran past the end
  std::jmp_buf jump;
  char message[256];
};

void on_error(png_structp png, png_const_charp msg) {
  auto* r = static_cast<Reader*>(png_get_error_ptr(png));
  std::snprintf(r->message, sizeof(r->message), "%s", msg ? msg : "libpng error");
  std::longjmp(r->jump, 1);
}

void on_warning(png_structp, png_const_charp) {}  // never print

void on_read(png_structp png, png_bytep out, size_t n) {
  auto* r = static_cast<Reader*>(png_get_io_ptr(png));
  if (n > r->size - r->pos) {
    r->truncated = true;
    r->wanted = n;
    png_error(png, "unexpected end of data");
  }
  std::memcpy(out, r->data + r->pos, n);
  r->pos += n;
}

enum class Stage { kHeader, kTooLarge, kDecode, kDone };

struct Decode {
  const std::string* name;
  Image* out;
  std::vector<png_bytep>* rows;
  Stage stage;
  Status dims;
  png_uint_32 width, height;
  int bit_depth, color_type, interlace;
};

bool run_decode(png_structp png, png_infop info, Reader* r, Decode* d) {
  if (setjmp(r->jump)) return false;
  png_set_read_fn(png, r, on_read);
  png_read_info(png, info);
  png_get_IHDR(png, info, &d->width, &d->height, &d->bit_depth, &d->color_type, &d->interlace, nullptr, nullptr);
  d->dims = check_dimensions(d->width, d->height, "PNG", *d->name);
  if (!d->dims.ok()) {
    d->stage = Stage::kTooLarge;
    return false;
  }
  d->stage = Stage::kDecode;
  // Everything becomes 8-bit RGB: palette -> RGB, gray < 8 bits -> 8 bits,
  // 16 bits -> high byte, gray -> RGB, alpha (also from tRNS) stripped.
  if (d->color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (d->color_type == PNG_COLOR_TYPE_GRAY && d->bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (d->bit_depth == 16) png_set_strip_16(png);
  if (d->color_type == PNG_COLOR_TYPE_GRAY || d->color_type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  const size_t row_bytes = png_get_rowbytes(png, info);
  const int channels = png_get_channels(png, info);
  if (channels != 3 || png_get_bit_depth(png, info) != 8 || row_bytes != static_cast<size_t>(d->width) * 3) {
    std::snprintf(r->message, sizeof(r->message),
                  "libpng produced %d channels of %d bits (%zu bytes per row), expected 3 channels of 8 bits",
                  channels, png_get_bit_depth(png, info), row_bytes);
    return false;
  }
  d->out->width = static_cast<int>(d->width);
  d->out->height = static_cast<int>(d->height);
  d->out->rgb.resize(d->out->size_bytes());  // bad_alloc propagates to decode_image's catch
  d->rows->resize(d->height);
  for (png_uint_32 y = 0; y < d->height; ++y) (*d->rows)[y] = d->out->rgb.data() + static_cast<size_t>(y) * row_bytes;
  png_read_image(png, d->rows->data());
  // png_read_end is skipped on purpose: the pixels are complete, and a file
  // missing only its trailing chunks (IEND) still decodes.
  d->stage = Stage::kDone;
  return true;
}

const char* color_type_name(int t) {
  switch (t) {
    case PNG_COLOR_TYPE_GRAY: return "gray";
    case PNG_COLOR_TYPE_PALETTE: return "palette";
    case PNG_COLOR_TYPE_RGB: return "RGB";
    case PNG_COLOR_TYPE_RGB_ALPHA: return "RGBA";
    case PNG_COLOR_TYPE_GRAY_ALPHA: return "gray+alpha";
  }
  return "unknown color type";
}

}  // namespace

Result<Image> decode_png(const uint8_t* data, size_t size, const std::string& name) {
  Reader r{};
  r.data = data;
  r.size = size;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, on_error, on_warning);
  if (png == nullptr) return Internal(name + ": libpng could not create a read struct");
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    return Internal(name + ": libpng could not create an info struct");
  }
  Image img;
  std::vector<png_bytep> rows;
  Decode d{&name, &img, &rows, Stage::kHeader, Status::Ok(), 0, 0, 0, 0, 0};
  bool ok = false;
  try {
    ok = run_decode(png, info, &r, &d);
  } catch (...) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw;
  }
  png_destroy_read_struct(&png, &info, nullptr);
  if (ok) return img;
  if (d.stage == Stage::kTooLarge) return d.dims;
  const std::string what = d.stage == Stage::kHeader
                               ? std::string("in the header")
                               : std::to_string(d.width) + "x" + std::to_string(d.height) + " " +
                                     color_type_name(d.color_type) + " " + std::to_string(d.bit_depth) + "-bit";
  if (r.truncated) {
    return InvalidArgument(name + ": truncated PNG (" + std::to_string(size) + " bytes, " + what +
                           "): needed bytes " + std::to_string(r.pos) + ".." + std::to_string(r.pos + r.wanted - 1) +
                           ", but the data ends at byte " + std::to_string(size));
  }
  return InvalidArgument(name + ": corrupt PNG (" + std::to_string(size) + " bytes, " + what + "): " + r.message);
}

}  // namespace edgerun::vision::internal
