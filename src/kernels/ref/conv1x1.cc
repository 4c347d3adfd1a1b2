#include "kernels/q8_conv1x1.h"
#include "kernels/ref/output_stage.h"

namespace edgerun::kernels {
namespace {

inline size_t pairs_of(int32_t in_c) { return (static_cast<size_t>(in_c) + 1) / 2; }
inline size_t blocks_of(int32_t out_c) {
  return (static_cast<size_t>(out_c) + kConv1x1ChannelBlock - 1) / kConv1x1ChannelBlock;
}

template <typename T>
void pack(const T* filter, int32_t in_c, int32_t out_c, int32_t filter_offset, int16_t* packed) {
  const size_t pairs = pairs_of(in_c);
  const size_t blocks = blocks_of(out_c);
  for (size_t b = 0; b < blocks; ++b) {
    for (size_t k = 0; k < pairs; ++k) {
      for (size_t c16 = 0; c16 < 16; ++c16) {  // c16 = half * 8 + j
        const size_t oc = b * 16 + c16;
        for (size_t t = 0; t < 2; ++t) {
          const size_t ic = 2 * k + t;
          int32_t v = 0;
          if (oc < static_cast<size_t>(out_c) && ic < static_cast<size_t>(in_c)) {
            v = static_cast<int32_t>(filter[oc * static_cast<size_t>(in_c) + ic]) + filter_offset;
          }
          packed[((b * pairs + k) * 16 + c16) * 2 + t] = static_cast<int16_t>(v);
        }
      }
    }
  }
}

template <typename T>
void conv1x1_ref(const Conv1x1Params& p, const T* input, const int32_t* bias, T* output, size_t pixel_begin,
                 size_t pixel_end) {
  const size_t pairs = pairs_of(p.in_c);
  for (size_t px = pixel_begin; px < pixel_end; ++px) {
    const T* in = input + px * static_cast<size_t>(p.in_c);
    T* out = output + px * static_cast<size_t>(p.out_c);
    for (int32_t oc = 0; oc < p.out_c; ++oc) {
      const size_t b = static_cast<size_t>(oc) / 16, c16 = static_cast<size_t>(oc) % 16;
      int64_t acc = 0;
      for (int32_t ic = 0; ic < p.in_c; ++ic) {
        const size_t k = static_cast<size_t>(ic) / 2, t = static_cast<size_t>(ic) % 2;
        const int32_t w = p.packed_weights[((b * pairs + k) * 16 + c16) * 2 + t];
        acc += w * (static_cast<int32_t>(in[ic]) + p.input_offset);
      }
      out[oc] = static_cast<T>(
          output_stage(acc, bias, oc, p.multiplier[oc], p.shift[oc], p.output_offset, p.act_min, p.act_max));
    }
  }
}

}  // namespace

size_t q8_conv1x1_packed_size(int32_t in_c, int32_t out_c) { return blocks_of(out_c) * pairs_of(in_c) * 32; }

void qu8_conv1x1_pack_weights(const uint8_t* filter, int32_t in_c, int32_t out_c, int32_t filter_offset,
                              int16_t* packed) {
  pack(filter, in_c, out_c, filter_offset, packed);
}
void qs8_conv1x1_pack_weights(const int8_t* filter, int32_t in_c, int32_t out_c, int32_t filter_offset,
                              int16_t* packed) {
  pack(filter, in_c, out_c, filter_offset, packed);
}

void qu8_conv1x1__ref(const Conv1x1Params& p, const uint8_t* input, const int32_t* bias, uint8_t* output,
                      size_t pixel_begin, size_t pixel_end) {
  conv1x1_ref(p, input, bias, output, pixel_begin, pixel_end);
}
void qs8_conv1x1__ref(const Conv1x1Params& p, const int8_t* input, const int32_t* bias, int8_t* output,
                      size_t pixel_begin, size_t pixel_end) {
  conv1x1_ref(p, input, bias, output, pixel_begin, pixel_end);
}

}  // namespace edgerun::kernels
