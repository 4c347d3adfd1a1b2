#include "kernels/ref/conv.h"

#include <algorithm>

#include "kernels/ref/output_stage.h"

namespace edgerun::kernels {
namespace {

// Row r of the (batch * out_h) row space.
struct Row {
  int64_t b;
  int64_t oy;
};
inline Row split_row(const ConvParams& p, size_t r) {
  return {static_cast<int64_t>(r / static_cast<size_t>(p.out_h)), static_cast<int64_t>(r % static_cast<size_t>(p.out_h))};
}

// Offset of [i0, i1, i2, i3] in a 4-D row-major tensor whose last three dims are d1, d2, d3.
inline size_t offset4(int64_t i0, int64_t i1, int64_t i2, int64_t i3, int64_t d1, int64_t d2, int64_t d3) {
  return static_cast<size_t>(((i0 * d1 + i1) * d2 + i2) * d3 + i3);
}

template <typename T>
void quant_conv2d(const ConvParams& p, const T* input, const T* filter, const int32_t* bias, T* output,
                  size_t row_begin, size_t row_end) {
  const int32_t group_in = p.in_c / p.groups, group_out = p.out_c / p.groups;
  for (size_t r = row_begin; r < row_end; ++r) {
    const Row row = split_row(p, r);
    const int64_t in_y_origin = row.oy * p.stride_h - p.pad_top;
    for (int64_t ox = 0; ox < p.out_w; ++ox) {
      const int64_t in_x_origin = ox * p.stride_w - p.pad_left;
      T* out = output + offset4(row.b, row.oy, ox, 0, p.out_h, p.out_w, p.out_c);
      for (int32_t oc = 0; oc < p.out_c; ++oc) {
        const int64_t first_in = static_cast<int64_t>(oc / group_out) * group_in;  // oc's group
        int64_t acc = 0;
        for (int64_t fy = 0; fy < p.filter_h; ++fy) {
          const int64_t in_y = in_y_origin + p.dilation_h * fy;
          if (in_y < 0 || in_y >= p.in_h) continue;
          for (int64_t fx = 0; fx < p.filter_w; ++fx) {
            const int64_t in_x = in_x_origin + p.dilation_w * fx;
            if (in_x < 0 || in_x >= p.in_w) continue;
            const T* in = input + offset4(row.b, in_y, in_x, first_in, p.in_h, p.in_w, p.in_c);
            const T* f = filter + offset4(oc, fy, fx, 0, p.filter_h, p.filter_w, group_in);
            for (int32_t ic = 0; ic < group_in; ++ic) {
              acc += static_cast<int32_t>(f[ic] + p.filter_offset) * static_cast<int32_t>(in[ic] + p.input_offset);
            }
          }
        }
        out[oc] = static_cast<T>(conv_output_stage(p, acc, bias, oc));
      }
    }
  }
}

template <typename T>
void quant_dwconv2d(const ConvParams& p, const T* input, const T* filter, const int32_t* bias, T* output,
                    size_t row_begin, size_t row_end) {
  for (size_t r = row_begin; r < row_end; ++r) {
    const Row row = split_row(p, r);
    const int64_t in_y_origin = row.oy * p.stride_h - p.pad_top;
    for (int64_t ox = 0; ox < p.out_w; ++ox) {
      const int64_t in_x_origin = ox * p.stride_w - p.pad_left;
      T* out = output + offset4(row.b, row.oy, ox, 0, p.out_h, p.out_w, p.out_c);
      for (int32_t ic = 0; ic < p.in_c; ++ic) {
        for (int32_t m = 0; m < p.depth_multiplier; ++m) {
          const int32_t oc = m + ic * p.depth_multiplier;
          int64_t acc = 0;
          for (int64_t fy = 0; fy < p.filter_h; ++fy) {
            const int64_t in_y = in_y_origin + p.dilation_h * fy;
            if (in_y < 0 || in_y >= p.in_h) continue;
            for (int64_t fx = 0; fx < p.filter_w; ++fx) {
              const int64_t in_x = in_x_origin + p.dilation_w * fx;
              if (in_x < 0 || in_x >= p.in_w) continue;
              const int32_t in_val = input[offset4(row.b, in_y, in_x, ic, p.in_h, p.in_w, p.in_c)];
              const int32_t f_val = filter[offset4(0, fy, fx, oc, p.filter_h, p.filter_w, p.out_c)];
              acc += (f_val + p.filter_offset) * (in_val + p.input_offset);
            }
          }
          out[oc] = static_cast<T>(conv_output_stage(p, acc, bias, oc));
        }
      }
    }
  }
}

}  // namespace

void f32_conv2d_minmax__ref(const ConvParams& p, const float* input, const float* filter, const float* bias,
                            float* output, size_t row_begin, size_t row_end) {
  const int32_t group_in = p.in_c / p.groups, group_out = p.out_c / p.groups;
  for (size_t r = row_begin; r < row_end; ++r) {
    const Row row = split_row(p, r);
    const int64_t in_y_origin = row.oy * p.stride_h - p.pad_top;
    for (int64_t ox = 0; ox < p.out_w; ++ox) {
      const int64_t in_x_origin = ox * p.stride_w - p.pad_left;
      float* out = output + offset4(row.b, row.oy, ox, 0, p.out_h, p.out_w, p.out_c);
      for (int32_t oc = 0; oc < p.out_c; ++oc) {
        const int64_t first_in = static_cast<int64_t>(oc / group_out) * group_in;  // oc's group
        // Same summation order as TFLite's reference_ops::Conv: filter_y, filter_x, in_channel.
        float total = 0.0f;
        for (int64_t fy = 0; fy < p.filter_h; ++fy) {
          const int64_t in_y = in_y_origin + p.dilation_h * fy;
          if (in_y < 0 || in_y >= p.in_h) continue;
          for (int64_t fx = 0; fx < p.filter_w; ++fx) {
            const int64_t in_x = in_x_origin + p.dilation_w * fx;
            if (in_x < 0 || in_x >= p.in_w) continue;
            const float* in = input + offset4(row.b, in_y, in_x, first_in, p.in_h, p.in_w, p.in_c);
            const float* f = filter + offset4(oc, fy, fx, 0, p.filter_h, p.filter_w, group_in);
            for (int32_t ic = 0; ic < group_in; ++ic) total += in[ic] * f[ic];
          }
        }
        const float bias_value = bias != nullptr ? bias[oc] : 0.0f;
        out[oc] = std::min(std::max(total + bias_value, p.f32_min), p.f32_max);
      }
    }
  }
}

void qu8_conv2d__ref(const ConvParams& p, const uint8_t* input, const uint8_t* filter, const int32_t* bias,
                     uint8_t* output, size_t row_begin, size_t row_end) {
  quant_conv2d<uint8_t>(p, input, filter, bias, output, row_begin, row_end);
}

void qs8_conv2d__ref(const ConvParams& p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                     int8_t* output, size_t row_begin, size_t row_end) {
  quant_conv2d<int8_t>(p, input, filter, bias, output, row_begin, row_end);
}

void f32_dwconv2d_minmax__ref(const ConvParams& p, const float* input, const float* filter, const float* bias,
                              float* output, size_t row_begin, size_t row_end) {
  for (size_t r = row_begin; r < row_end; ++r) {
    const Row row = split_row(p, r);
    const int64_t in_y_origin = row.oy * p.stride_h - p.pad_top;
    for (int64_t ox = 0; ox < p.out_w; ++ox) {
      const int64_t in_x_origin = ox * p.stride_w - p.pad_left;
      float* out = output + offset4(row.b, row.oy, ox, 0, p.out_h, p.out_w, p.out_c);
      for (int32_t ic = 0; ic < p.in_c; ++ic) {
        for (int32_t m = 0; m < p.depth_multiplier; ++m) {
          const int32_t oc = m + ic * p.depth_multiplier;
          float total = 0.0f;
          for (int64_t fy = 0; fy < p.filter_h; ++fy) {
            const int64_t in_y = in_y_origin + p.dilation_h * fy;
            if (in_y < 0 || in_y >= p.in_h) continue;
            for (int64_t fx = 0; fx < p.filter_w; ++fx) {
              const int64_t in_x = in_x_origin + p.dilation_w * fx;
              if (in_x < 0 || in_x >= p.in_w) continue;
              total += input[offset4(row.b, in_y, in_x, ic, p.in_h, p.in_w, p.in_c)] *
                       filter[offset4(0, fy, fx, oc, p.filter_h, p.filter_w, p.out_c)];
            }
          }
          const float bias_value = bias != nullptr ? bias[oc] : 0.0f;
          out[oc] = std::min(std::max(total + bias_value, p.f32_min), p.f32_max);
        }
      }
    }
  }
}

void qu8_dwconv2d__ref(const ConvParams& p, const uint8_t* input, const uint8_t* filter, const int32_t* bias,
                       uint8_t* output, size_t row_begin, size_t row_end) {
  quant_dwconv2d<uint8_t>(p, input, filter, bias, output, row_begin, row_end);
}

void qs8_dwconv2d__ref(const ConvParams& p, const int8_t* input, const int8_t* filter, const int32_t* bias,
                       int8_t* output, size_t row_begin, size_t row_end) {
  quant_dwconv2d<int8_t>(p, input, filter, bias, output, row_begin, row_end);
}

ColumnRange conv_interior_columns(const ConvParams& p) {
  const int64_t sw = p.stride_w;
  const int64_t begin = std::min<int64_t>(p.out_w, (p.pad_left + sw - 1) / sw);
  const int64_t last = static_cast<int64_t>(p.in_w) - 1 - static_cast<int64_t>(p.filter_w - 1) * p.dilation_w +
                       p.pad_left;  // ox * sw <= last
  return {begin, std::max(begin, last < 0 ? 0 : std::min<int64_t>(p.out_w, last / sw + 1))};
}

}  // namespace edgerun::kernels
