// JPEG decoding with libjpeg-turbo. libjpeg reports fatal errors through
// error_exit, which by default calls exit(); ours longjmps back to run_decode,
// whose frame holds no C++ objects, so no destructor is skipped.
#include <csetjmp>
#include <cstdio>  // jpeglib.h needs FILE and size_t
#include <cstring>

#include <jpeglib.h>
#include <jerror.h>

#include "vision/image_codecs.h"

namespace edgerun::vision::internal {

namespace {

struct ErrorManager {
  jpeg_error_mgr pub;  // must be first: libjpeg sees a jpeg_error_mgr*
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  bool hit_eof;         // the data ran out (JWRN_JPEG_EOF); libjpeg then inserts a fake EOI
  bool missing_bits;    // after that, the entropy decoder needed bits it did not have
  JDIMENSION eof_row;   // output row being decoded when the data ran out
  j_decompress_ptr dinfo;
};

void on_error_exit(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Warnings (msg_level < 0) and trace messages are never printed. Corrupt-data
// warnings are tolerated. Running out of data is only remembered here: the
// Huffman decoder reads ahead, so a file missing nothing but its EOI marker also
// runs out; it is truncation when bits were then actually missing
// (JWRN_HIT_MARKER after the fake EOI), or when the image has several scans.
void on_emit_message(j_common_ptr cinfo, int msg_level) {
  if (msg_level >= 0) return;
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  if (cinfo->err->msg_code == JWRN_JPEG_EOF && !err->hit_eof) {
    err->hit_eof = true;
    err->eof_row = err->dinfo ? err->dinfo->output_scanline : 0;
  } else if (cinfo->err->msg_code == JWRN_HIT_MARKER && err->hit_eof) {
    err->missing_bits = true;
  }
  cinfo->err->num_warnings++;
}

void on_output_message(j_common_ptr) {}

enum class Stage { kHeader, kTooLarge, kDecode, kTruncated, kDone };

struct Decode {
  const uint8_t* data;
  size_t size;
  const std::string* name;
  Image* out;
  Stage stage;
  Status dims;  // set when stage == kTooLarge
};

// Returns true when every row was decoded from complete data. Only plain
// pointers live in this frame, so longjmp into it is well defined.
bool run_decode(jpeg_decompress_struct* cinfo, ErrorManager* err, Decode* d) {
  if (setjmp(err->jump)) return false;
  jpeg_mem_src(cinfo, d->data, static_cast<unsigned long>(d->size));
  jpeg_read_header(cinfo, TRUE);
  d->dims = check_dimensions(cinfo->image_width, cinfo->image_height, "JPEG", *d->name);
  if (!d->dims.ok()) {
    d->stage = Stage::kTooLarge;
    return false;
  }
  const bool cmyk = cinfo->jpeg_color_space == JCS_CMYK || cinfo->jpeg_color_space == JCS_YCCK;
  cinfo->out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  d->stage = Stage::kDecode;
  // Multi-scan (e.g. progressive) images are read whole here; a scan cut off at
  // a scan boundary decodes without missing bits, so any end of data counts.
  const bool multi_scan = jpeg_has_multiple_scans(cinfo);
  jpeg_start_decompress(cinfo);
  if (err->hit_eof) {
    d->stage = Stage::kTruncated;
    return false;
  }
  const JDIMENSION width = cinfo->output_width;
  const int comps = cinfo->output_components;
  if (comps != (cmyk ? 4 : 3)) {
    std::snprintf(err->message, sizeof(err->message), "libjpeg produced %d components, expected %d", comps,
                  cmyk ? 4 : 3);
    return false;
  }
  d->out->width = static_cast<int>(width);
  d->out->height = static_cast<int>(cinfo->output_height);
  d->out->rgb.resize(d->out->size_bytes());  // bad_alloc propagates to decode_image's catch
  JSAMPARRAY cmyk_row = nullptr;
  if (cmyk) cmyk_row = (*cinfo->mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(cinfo), JPOOL_IMAGE, width * 4, 1);
  // Adobe CMYK JPEGs store inverted values; plain CMYK stores them as is.
  const bool inverted = cinfo->saw_Adobe_marker;
  while (cinfo->output_scanline < cinfo->output_height) {
    const JDIMENSION y = cinfo->output_scanline;
    uint8_t* row = d->out->rgb.data() + static_cast<size_t>(y) * width * 3;
    JSAMPROW target = cmyk ? cmyk_row[0] : row;
    if (jpeg_read_scanlines(cinfo, &target, 1) != 1) break;  // cannot happen with a memory source
    if (err->missing_bits) break;  // truncated: the remaining rows would be gray filler
    if (cmyk) {
      const uint8_t* src = cmyk_row[0];
      for (JDIMENSION x = 0; x < width; ++x, src += 4, row += 3) {
        // With inverted (Adobe) storage c = 255 - C, so R = (1 - C)(1 - K) = c * k.
        const unsigned k = inverted ? src[3] : 255u - src[3];
        for (int c = 0; c < 3; ++c) {
          const unsigned v = inverted ? src[c] : 255u - src[c];
          row[c] = static_cast<uint8_t>((v * k + 127) / 255);
        }
      }
    }
  }
  if (cinfo->output_scanline != cinfo->output_height || err->missing_bits || (err->hit_eof && multi_scan)) {
    d->stage = Stage::kTruncated;
    return false;
  }
  // jpeg_finish_decompress is skipped on purpose: it would only read up to the
  // EOI marker, and a file missing just that marker decoded completely.
  d->stage = Stage::kDone;
  return true;
}

bool create(jpeg_decompress_struct* cinfo, ErrorManager* err) {
  if (setjmp(err->jump)) return false;  // jpeg_create_decompress fails only when out of memory
  jpeg_create_decompress(cinfo);
  return true;
}

}  // namespace

Result<Image> decode_jpeg(const uint8_t* data, size_t size, const std::string& name) {
  jpeg_decompress_struct cinfo;
  ErrorManager err;
  std::memset(&cinfo, 0, sizeof(cinfo));
  std::memset(&err, 0, sizeof(err));
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error_exit;
  err.pub.emit_message = on_emit_message;
  err.pub.output_message = on_output_message;
  if (!create(&cinfo, &err)) {
    jpeg_destroy_decompress(&cinfo);  // safe: frees whatever was set up, if anything
    return Internal(name + ": libjpeg could not initialize: " + std::string(err.message));
  }

  Image img;
  err.dinfo = &cinfo;
  Decode d{data, size, &name, &img, Stage::kHeader, Status::Ok()};
  bool ok = false;
  try {
    ok = run_decode(&cinfo, &err, &d);
  } catch (...) {
    jpeg_destroy_decompress(&cinfo);
    throw;
  }
  const JDIMENSION height = cinfo.output_height;
  jpeg_destroy_decompress(&cinfo);
  if (ok) return img;

  const std::string bytes = std::to_string(size) + " bytes";
  if (d.stage == Stage::kTooLarge) return d.dims;
  if (d.stage == Stage::kTruncated || err.hit_eof) {
    std::string where = d.stage == Stage::kHeader
                            ? "data ended inside the header"
                            : "data ended before the image was complete" +
                                  (err.eof_row > 0 ? " (at about row " + std::to_string(err.eof_row) + " of " +
                                                         std::to_string(height) + ")"
                                                   : std::string());
    return InvalidArgument(name + ": truncated JPEG (" + bytes + "): " + where +
                           (err.message[0] ? std::string(" (libjpeg: ") + err.message + ")" : std::string()));
  }
  return InvalidArgument(name + ": corrupt JPEG (" + bytes + ", " +
                         (d.stage == Stage::kHeader ? "in the header" : "while decoding") + "): " + err.message);
}

}  // namespace edgerun::vision::internal
