#include "kernels/ref/clamp.h"

#include <algorithm>

namespace edgerun::kernels::ref {
namespace {

// std::max(NaN, lo) and std::min(NaN, hi) both return their first argument, so NaN passes through.
template <typename T>
void clamp(const T* x, T* y, T lo, T hi, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

}  // namespace

void f32_clamp__ref(const float* x, float* y, float lo, float hi, int64_t begin, int64_t end) {
  clamp(x, y, lo, hi, begin, end);
}
void s8_clamp__ref(const int8_t* x, int8_t* y, int8_t lo, int8_t hi, int64_t begin, int64_t end) {
  clamp(x, y, lo, hi, begin, end);
}
void u8_clamp__ref(const uint8_t* x, uint8_t* y, uint8_t lo, uint8_t hi, int64_t begin, int64_t end) {
  clamp(x, y, lo, hi, begin, end);
}
void s16_clamp__ref(const int16_t* x, int16_t* y, int16_t lo, int16_t hi, int64_t begin, int64_t end) {
  clamp(x, y, lo, hi, begin, end);
}
void s32_clamp__ref(const int32_t* x, int32_t* y, int32_t lo, int32_t hi, int64_t begin, int64_t end) {
  clamp(x, y, lo, hi, begin, end);
}
void s64_clamp__ref(const int64_t* x, int64_t* y, int64_t lo, int64_t hi, int64_t begin, int64_t end) {
  clamp(x, y, lo, hi, begin, end);
}

}  // namespace edgerun::kernels::ref
