#include "io/npy/npy.h"

#include <bit>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

namespace edgerun::npy {
namespace {

static_assert(std::endian::native == std::endian::little,
              "npy I/O copies element bytes verbatim and assumes a little-endian host");

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
constexpr size_t kAlign = 64;           // numpy's ARRAY_ALIGN
constexpr size_t kGrowthDigits = 21;    // numpy's GROWTH_AXIS_MAX_DIGITS
constexpr const char* kSupported = "|u1 |i1 <u2 <i2 <u4 <i4 <u8 <i8 <f2 <f4 |b1";

const char* descr_of(DType t) {
  switch (t) {
    case DType::kUInt8: return "|u1";
    case DType::kInt8: return "|i1";
    case DType::kInt16: return "<i2";
    case DType::kInt32: return "<i4";
    case DType::kInt64: return "<i8";
    case DType::kFloat32: return "<f4";
    case DType::kBool: return "|b1";
    case DType::kUInt16: return "<u2";
    case DType::kUInt32: return "<u4";
    case DType::kUInt64: return "<u8";
    case DType::kFloat16: return "<f2";
    case DType::kFloat8E4M3FN:
    case DType::kFloat8E5M2:  // numpy has no float8
    case DType::kInt4:
    case DType::kUInt4:
    case DType::kInt2:
    case DType::kUInt2:
    case DType::kFloat4E2M1: break;  // numpy has no such dtype
  }
  return nullptr;
}

// Quotes a piece of header text for an error message, shortened and with
// non-printable bytes escaped.
std::string quote(std::string_view s) {
  constexpr size_t kMax = 40;
  if (s.size() > kMax) s = s.substr(0, kMax + 1);  // one extra byte: enough to know there is more
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n')) s.remove_suffix(1);  // header padding
  std::string out = "'";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  if (s.size() > kMax) out += "...";
  return out + "'";
}

// Maps a descr string to a DType, or explains why it is not supported.
Result<DType> dtype_from_descr(std::string_view d) {
  if (d.size() >= 2) {
    char order = d[0];
    std::string_view code = d.substr(1);
    bool one_byte = code == "u1" || code == "i1" || code == "b1";
    // Byte order is meaningless for one-byte types; numpy writes '|' but accept any.
    if (one_byte && (order == '|' || order == '<' || order == '>' || order == '=')) {
      if (code == "u1") return DType::kUInt8;
      if (code == "i1") return DType::kInt8;
      return DType::kBool;
    }
    if (order == '<') {
      if (code == "i2") return DType::kInt16;
      if (code == "i4") return DType::kInt32;
      if (code == "i8") return DType::kInt64;
      if (code == "u2") return DType::kUInt16;
      if (code == "u4") return DType::kUInt32;
      if (code == "u8") return DType::kUInt64;
      if (code == "f4") return DType::kFloat32;
      if (code == "f2") return DType::kFloat16;
    }
    if (order == '>') {
      return Unsupported("descr " + quote(d) + " is big-endian; expected a little-endian ('<') dtype, one of " +
                         kSupported + " (convert with a.astype(a.dtype.newbyteorder('<')))");
    }
  }
  if (d.find('O') != std::string_view::npos) {
    return Unsupported("descr " + quote(d) + " is an object array; expected one of " + kSupported);
  }
  return Unsupported("descr " + quote(d) + " is not a supported dtype; expected one of " + kSupported);
}

// A strict reader of the header dict numpy writes, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// Grammar: '{' (key ':' value ',')* [key ':' value] '}' with Python string keys,
// followed only by whitespace. Values: a string, True/False, or a tuple of
// non-negative decimal integers.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : s_(text) {}

  Status parse(std::string* descr, bool* fortran_order, Shape* shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    skip_ws();
    if (!eat('{')) return expected("'{' opening the header dict");
    skip_ws();
    while (!eat('}')) {
      std::string key;
      EDGERUN_RETURN_IF_ERROR(parse_string(&key, "a quoted key"));
      skip_ws();
      if (!eat(':')) return expected("':' after key '" + key + "'");
      skip_ws();
      if (key == "descr") {
        if (have_descr) return InvalidArgument("key 'descr' appears twice");
        have_descr = true;
        if (peek() == '[') return Unsupported("key 'descr': structured (record) dtypes are not supported; expected one of " + std::string(kSupported));
        EDGERUN_RETURN_IF_ERROR(parse_string(descr, "a dtype string such as '<f4' for key 'descr'"));
      } else if (key == "fortran_order") {
        if (have_fortran) return InvalidArgument("key 'fortran_order' appears twice");
        have_fortran = true;
        EDGERUN_RETURN_IF_ERROR(parse_bool(fortran_order));
      } else if (key == "shape") {
        if (have_shape) return InvalidArgument("key 'shape' appears twice");
        have_shape = true;
        EDGERUN_RETURN_IF_ERROR(parse_shape(shape));
      } else {
        return InvalidArgument("unexpected key " + quote(key) + "; expected only 'descr', 'fortran_order', 'shape'");
      }
      skip_ws();
      if (eat(',')) {
        skip_ws();
        continue;
      }
      if (peek() != '}') return expected("',' or '}' after the value of '" + key + "'");
    }
    skip_ws();
    if (pos_ != s_.size()) return expected("only whitespace after the closing '}'");
    if (!have_descr) return InvalidArgument("key 'descr' is missing");
    if (!have_fortran) return InvalidArgument("key 'fortran_order' is missing");
    if (!have_shape) return InvalidArgument("key 'shape' is missing");
    return Status::Ok();
  }

 private:
  int peek() const { return pos_ < s_.size() ? static_cast<unsigned char>(s_[pos_]) : -1; }
  bool eat(char c) {
    if (peek() != static_cast<unsigned char>(c)) return false;
    ++pos_;
    return true;
  }
  void skip_ws() {
    while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r') ++pos_;
  }
  Status expected(const std::string& what) const {
    std::string found = pos_ < s_.size() ? quote(s_.substr(pos_)) : std::string("the end of the header");
    return InvalidArgument("at header offset " + std::to_string(pos_) + ": expected " + what + ", found " + found);
  }

  Status parse_string(std::string* out, const std::string& what) {
    int q = peek();
    if (q != '\'' && q != '"') return expected(what);
    size_t start = ++pos_;
    while (pos_ < s_.size() && s_[pos_] != q) {
      if (s_[pos_] == '\\' || s_[pos_] == '\n') {
        return expected("a plain string without escapes or newlines");
      }
      ++pos_;
    }
    if (pos_ >= s_.size()) {
      pos_ = start - 1;
      return expected("a closing quote");
    }
    *out = std::string(s_.substr(start, pos_ - start));
    ++pos_;
    return Status::Ok();
  }

  Status parse_bool(bool* out) {
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      *out = true;
    } else if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      *out = false;
    } else {
      return expected("True or False for key 'fortran_order'");
    }
    return Status::Ok();
  }

  // '(' ')' | '(' int ',' ')' | '(' int (',' int)+ [','] ')'
  Status parse_shape(Shape* shape) {
    static const std::string kWhat = "a tuple of non-negative integers such as (1, 224, 224, 3) for key 'shape'";
    shape->clear();
    if (!eat('(')) return expected(kWhat);
    skip_ws();
    bool trailing_comma = false;
    while (!eat(')')) {
      if (peek() == '-') return InvalidArgument("key 'shape': dim " + std::to_string(shape->size()) +
                                                " is negative; expected a non-negative integer, found " +
                                                quote(s_.substr(pos_)));
      if (peek() < '0' || peek() > '9') return expected(kWhat);
      int64_t v = 0;
      size_t start = pos_;
      while (peek() >= '0' && peek() <= '9') {
        v = v * 10 + (peek() - '0');
        if (v > INT32_MAX) {
          return Unsupported("key 'shape': dim " + std::to_string(shape->size()) + " is " +
                             quote(s_.substr(start)) + "; expected at most " + std::to_string(INT32_MAX));
        }
        ++pos_;
      }
      if (shape->size() >= kMaxRank) {
        return Unsupported("key 'shape': rank is more than " + std::to_string(kMaxRank) + "; expected at most " +
                           std::to_string(kMaxRank) + " dims");
      }
      shape->push_back(static_cast<int32_t>(v));
      skip_ws();
      trailing_comma = eat(',');
      skip_ws();
      if (!trailing_comma && peek() != ')') return expected("',' or ')' in the shape tuple");
    }
    // Python needs "(3,)" for a 1-tuple; "(3)" is just the integer 3.
    if (shape->size() == 1 && !trailing_comma) {
      return InvalidArgument("key 'shape': expected a tuple such as (3,), found the integer " +
                             std::to_string((*shape)[0]) + " in parentheses");
    }
    return Status::Ok();
  }

  std::string_view s_;
  size_t pos_ = 0;
};

// product(shape) * itemsize, or an error if it does not fit in 64 bits.
Result<uint64_t> checked_byte_size(const Shape& shape, DType dtype) {
  uint64_t n = dtype_size(dtype);
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) {
      return InvalidArgument("dim " + std::to_string(i) + " of shape " + shape_string(shape) +
                             " is negative; expected >= 0");
    }
    if (__builtin_mul_overflow(n, static_cast<uint64_t>(shape[i]), &n)) {
      return InvalidArgument("shape " + shape_string(shape) + " of " + dtype_name(dtype) +
                             ": byte size overflows 64 bits");
    }
  }
  return n;
}

Status check_bools(const uint8_t* data, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (data[i] > 1) {
      return InvalidArgument("bool element " + std::to_string(i) + " is " + std::to_string(data[i]) +
                             "; expected 0 or 1");
    }
  }
  return Status::Ok();
}

std::string shape_repr(const Shape& shape) {  // Python's repr of the shape tuple
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + (shape.size() == 1 ? ",)" : ")");
}

Result<Array> parse_impl(const uint8_t* bytes, size_t size) {
  if (bytes == nullptr && size != 0) return InvalidArgument("null buffer of " + std::to_string(size) + " bytes");
  if (size < kMagicLen + 2 || std::memcmp(bytes, kMagic, kMagicLen) != 0) {
    std::string_view head(reinterpret_cast<const char*>(bytes), size < kMagicLen ? size : kMagicLen);
    return InvalidArgument("not an .npy file: expected the magic '\\x93NUMPY' and a version, found " +
                           quote(head) + " (" + std::to_string(size) + " bytes in all)");
  }
  const unsigned major = bytes[6], minor = bytes[7];
  if ((major != 1 && major != 2 && major != 3) || minor != 0) {
    return Unsupported("format version " + std::to_string(major) + "." + std::to_string(minor) +
                       "; expected 1.0, 2.0 or 3.0");
  }
  const size_t len_bytes = major == 1 ? 2 : 4;
  const size_t preamble = kMagicLen + 2 + len_bytes;
  if (size < preamble) {
    return InvalidArgument("file is " + std::to_string(size) + " bytes; expected at least " +
                           std::to_string(preamble) + " for a version " + std::to_string(major) + ".0 preamble");
  }
  uint64_t header_len = 0;
  for (size_t i = 0; i < len_bytes; ++i) header_len |= static_cast<uint64_t>(bytes[8 + i]) << (8 * i);
  if (header_len > kMaxHeaderBytes) {
    return Unsupported("header length is " + std::to_string(header_len) + " bytes; expected at most " +
                       std::to_string(kMaxHeaderBytes));
  }
  if (header_len > size - preamble) {
    return InvalidArgument("header length field says " + std::to_string(header_len) + " bytes, but only " +
                           std::to_string(size - preamble) + " follow the preamble");
  }
  std::string_view header(reinterpret_cast<const char*>(bytes + preamble), header_len);
  for (size_t i = 0; i < header.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(header[i]);
    if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c >= 0x7f) {
      return InvalidArgument("header byte " + std::to_string(i) + " is " + quote(header.substr(i, 1)) +
                             "; expected printable ASCII");
    }
  }

  std::string descr;
  bool fortran_order = false;
  Array out;
  if (Status st = HeaderParser(header).parse(&descr, &fortran_order, &out.shape); !st.ok()) {
    return st.with_context("header");
  }
  EDGERUN_ASSIGN_OR_RETURN(out.dtype, dtype_from_descr(descr));
  if (fortran_order) {
    return Unsupported("fortran_order is True (column-major data); expected False; save a C-ordered array "
                       "(np.ascontiguousarray)");
  }
  EDGERUN_ASSIGN_OR_RETURN(uint64_t want, checked_byte_size(out.shape, out.dtype));
  const uint64_t have = size - preamble - header_len;
  if (have != want) {
    return InvalidArgument("data is " + std::to_string(have) + " bytes; expected " + std::to_string(want) +
                           " for shape " + shape_string(out.shape) + " of " + dtype_name(out.dtype) +
                           (have < want ? " (file truncated?)" : " (trailing bytes)"));
  }
  const uint8_t* data = bytes + preamble + header_len;
  if (out.dtype == DType::kBool) EDGERUN_RETURN_IF_ERROR(check_bools(data, want));
  out.data.assign(data, data + want);
  return out;
}

}  // namespace

Result<Array> parse_npy(const uint8_t* bytes, size_t size, const std::string& name_for_errors) {
  Result<Array> r = parse_impl(bytes, size);
  if (!r.ok()) return r.status().with_context(name_for_errors);
  return r;
}

Result<Array> read_npy(const std::string& path) {
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    int e = errno;
    std::string why = std::strerror(e);
    if (e == ENOENT) return NotFound(path + ": cannot open .npy file: " + why);
    return IOError(path + ": cannot open .npy file: " + why);
  }
  std::vector<uint8_t> bytes;
  uint8_t buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  const bool failed = std::ferror(f) != 0;
  const int e = errno;
  std::fclose(f);
  if (failed) return IOError(path + ": read failed: " + std::strerror(e));
  return parse_npy(bytes.data(), bytes.size(), path);
}

Result<std::vector<uint8_t>> encode_npy(DType dtype, const Shape& shape, const void* data) {
  const char* descr = descr_of(dtype);
  if (descr == nullptr) {
    return InvalidArgument(std::string("write_npy: dtype ") + dtype_name(dtype) + " has no npy descr; expected one of " +
                           kSupported);
  }
  if (shape.size() > kMaxRank) {
    return InvalidArgument("write_npy: shape " + shape_string(shape) + " has rank " + std::to_string(shape.size()) +
                           "; expected at most " + std::to_string(kMaxRank));
  }
  EDGERUN_ASSIGN_OR_RETURN(uint64_t nbytes, checked_byte_size(shape, dtype));
  if (nbytes > SIZE_MAX / 2) return InvalidArgument("write_npy: " + std::to_string(nbytes) + " bytes is too large");
  if (nbytes > 0 && data == nullptr) {
    return InvalidArgument("write_npy: data is null; expected " + std::to_string(nbytes) + " bytes for shape " +
                           shape_string(shape));
  }
  const auto* src = static_cast<const uint8_t*>(data);
  if (dtype == DType::kBool) EDGERUN_RETURN_IF_ERROR(check_bools(src, nbytes).with_context("write_npy"));

  // Exactly numpy.lib.format's layout: sorted keys, room for the first axis to
  // grow to 21 digits, space padding to a multiple of 64, then '\n'.
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " +
                       shape_repr(shape) + ", }";
  if (!shape.empty()) header.append(kGrowthDigits - std::to_string(shape[0]).size(), ' ');
  const size_t preamble = kMagicLen + 2 + 2;
  const size_t pad = kAlign - (preamble + header.size() + 1) % kAlign;
  header.append(pad, ' ');
  header += '\n';

  std::vector<uint8_t> out;
  out.reserve(preamble + header.size() + nbytes);
  out.insert(out.end(), kMagic, kMagic + kMagicLen);
  out.push_back(1);  // version 1.0: a rank <= 8 header always fits the 16-bit length
  out.push_back(0);
  out.push_back(static_cast<uint8_t>(header.size() & 0xff));
  out.push_back(static_cast<uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  if (nbytes > 0) out.insert(out.end(), src, src + nbytes);
  return out;
}

Status write_npy(const std::string& path, DType dtype, const Shape& shape, const void* data) {
  Result<std::vector<uint8_t>> bytes = encode_npy(dtype, shape, data);
  if (!bytes.ok()) return bytes.status().with_context(path);
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return IOError(path + ": cannot create .npy file: " + std::strerror(errno));
  const bool wrote = std::fwrite(bytes->data(), 1, bytes->size(), f) == bytes->size();
  int e = wrote ? 0 : errno;
  const bool closed = std::fclose(f) == 0;
  if (!closed && e == 0) e = errno;
  if (!wrote || !closed) {
    std::remove(path.c_str());
    return IOError(path + ": write failed: " + std::strerror(e));
  }
  return Status::Ok();
}

}  // namespace edgerun::npy
