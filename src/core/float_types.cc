#include "core/float_types.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace edgerun {
namespace {

// A binary format of 1 sign, `ebits` exponent and `mbits` mantissa bits. With
// `ieee`, the top exponent holds infinity and NaNs; otherwise (E4M3FN) only the
// all-ones code is NaN and the rest of the top exponent holds finite values.
// A NaN encoded keeps the top of its payload (numpy's half) or becomes the
// quiet NaN (ml_dtypes' float8).
struct Format {
  int ebits;
  int mbits;
  bool ieee;
  bool nan_payload;

  int bias() const { return (1 << (ebits - 1)) - 1; }
  int emin() const { return 1 - bias(); }
  uint32_t exp_mask() const { return (1u << ebits) - 1; }
  uint32_t sign_bit() const { return 1u << (ebits + mbits); }
  uint32_t inf_code() const { return exp_mask() << mbits; }
  // The largest finite magnitude's code.
  uint32_t max_code() const { return ieee ? inf_code() - 1 : (exp_mask() << mbits) + (1u << mbits) - 2; }
};

constexpr Format kHalf{5, 10, true, true};
constexpr Format kE4M3FN{4, 3, false, false};
constexpr Format kE5M2{5, 2, true, false};

float decode(const Format& fmt, uint32_t v) {
  const bool neg = (v & fmt.sign_bit()) != 0;
  const uint32_t e = (v >> fmt.mbits) & fmt.exp_mask();
  const uint32_t m = v & ((1u << fmt.mbits) - 1);
  float a;
  if (fmt.ieee && e == fmt.exp_mask()) {
    if (m == 0) {
      a = std::numeric_limits<float>::infinity();
    } else {
      // The payload moved to the top of float32's mantissa (quiet or not, as it was).
      uint32_t bits = 0x7F800000u | (m << (23 - fmt.mbits));
      std::memcpy(&a, &bits, sizeof a);
    }
  } else if (!fmt.ieee && (v & ~fmt.sign_bit()) == fmt.max_code() + 1) {
    a = std::numeric_limits<float>::quiet_NaN();
  } else if (e == 0) {
    a = std::ldexp(static_cast<float>(m), fmt.emin() - fmt.mbits);
  } else {
    a = std::ldexp(static_cast<float>(m | (1u << fmt.mbits)), static_cast<int>(e) - fmt.bias() - fmt.mbits);
  }
  return neg ? -a : a;
}

uint32_t encode(const Format& fmt, float f, bool saturate) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  const uint32_t sign = (bits >> 31) != 0 ? fmt.sign_bit() : 0;
  if (std::isnan(f)) {
    if (fmt.nan_payload) {  // kept non-zero, so still a NaN
      const uint32_t m = (bits & 0x7FFFFFu) >> (23 - fmt.mbits);
      return sign | fmt.inf_code() | (m != 0 ? m : 1);
    }
    return sign | (fmt.ieee ? fmt.inf_code() | (1u << (fmt.mbits - 1)) : fmt.max_code() + 1);
  }
  const float max_finite = decode(fmt, fmt.max_code());
  const uint32_t overflow = saturate ? fmt.max_code() : fmt.ieee ? fmt.inf_code() : fmt.max_code() + 1;
  const float a = std::fabs(f);
  if (std::isinf(a)) return sign | overflow;
  if (a == 0.0f) return sign;
  // Round to a multiple of the quantum at a's exponent (at least emin, where
  // subnormals are): a / q < 2^(mbits + 1), so both the division and the
  // product are exact and nearbyint rounds half to even.
  int e;
  std::frexp(a, &e);
  const int exp = e - 1 < fmt.emin() ? fmt.emin() : e - 1;
  const float r = std::ldexp(std::nearbyint(std::ldexp(a, fmt.mbits - exp)), exp - fmt.mbits);
  if (r > max_finite) return sign | overflow;
  if (r < std::ldexp(1.0f, fmt.emin())) {
    return sign | static_cast<uint32_t>(std::ldexp(r, fmt.mbits - fmt.emin()));
  }
  std::frexp(r, &e);
  const int re = e - 1;
  const auto m = static_cast<uint32_t>(std::ldexp(r, fmt.mbits - re)) - (1u << fmt.mbits);
  return sign | (static_cast<uint32_t>(re + fmt.bias()) << fmt.mbits) | m;
}

}  // namespace

float half_to_float(uint16_t h) { return decode(kHalf, h); }
uint16_t float_to_half(float f) { return static_cast<uint16_t>(encode(kHalf, f, false)); }

float float8e4m3fn_to_float(uint8_t v) { return decode(kE4M3FN, v); }
float float8e5m2_to_float(uint8_t v) { return decode(kE5M2, v); }
uint8_t float_to_float8e4m3fn(float f, bool saturate) { return static_cast<uint8_t>(encode(kE4M3FN, f, saturate)); }
uint8_t float_to_float8e5m2(float f, bool saturate) { return static_cast<uint8_t>(encode(kE5M2, f, saturate)); }

bool is_float_dtype(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat16 || t == DType::kFloat8E4M3FN || t == DType::kFloat8E5M2;
}

float load_float(DType t, const void* data, int64_t i) {
  const auto* p = static_cast<const uint8_t*>(data);
  const auto k = static_cast<size_t>(i);
  switch (t) {
    case DType::kFloat16: {
      uint16_t h;
      std::memcpy(&h, p + k * 2, 2);
      return half_to_float(h);
    }
    case DType::kFloat8E4M3FN: return float8e4m3fn_to_float(p[k]);
    case DType::kFloat8E5M2: return float8e5m2_to_float(p[k]);
    default: {
      float f;
      std::memcpy(&f, p + k * 4, 4);
      return f;
    }
  }
}

}  // namespace edgerun
