// Weight packing of the float32 depthwise conv kernels (kernels/f32_dwconv.h).
#include "kernels/f32_dwconv.h"

namespace edgerun::kernels {

void f32_dwconv_pack_weights(const float* filter, const float* bias, size_t taps, size_t channels, float* packed) {
  const size_t c_pad = f32_dwconv_padded_channels(channels);
  for (size_t ch = 0; ch < c_pad; ++ch) packed[ch] = ch < channels && bias != nullptr ? bias[ch] : 0.0f;
  for (size_t t = 0; t < taps; ++t) {
    float* row = packed + (1 + t) * c_pad;
    for (size_t ch = 0; ch < c_pad; ++ch) row[ch] = ch < channels ? filter[t * channels + ch] : 0.0f;
  }
}

}  // namespace edgerun::kernels
