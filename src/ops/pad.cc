// PAD: input of any dtype, rank 1..6, constant paddings [rank, 2] (int32 or
// int64); PadAttrs choose how the new positions are filled (monostate: with
// 0). Negative paddings crop (ONNX Pad allows them): the mode then pads the
// cropped input. Input and output share dtype and quantization.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/float4.h"
#include "kernels/ref/pad.h"
#include "ops/conv_util.h"
#include "ops/op_list.h"
#include "ops/op_util.h"

namespace edgerun::ops {
namespace {

class PadKernel final : public Kernel {
 public:
  PadKernel(const kernels::PadParams& p, std::vector<std::vector<int32_t>> maps, size_t min_rows)
      : params_(p), maps_(std::move(maps)), min_rows_(min_rows) {
    for (size_t d = 0; d < maps_.size(); ++d) params_.map[d] = maps_[d].data();
  }
  PadKernel(const PadKernel&) = delete;
  PadKernel& operator=(const PadKernel&) = delete;

  void run(const KernelIO& io) const override {
    parallel_rows(io, kernels::pad_rows(params_), min_rows_, [&](size_t begin, size_t end, int) {
      kernels::xx_pad__ref(params_, io.inputs[0], io.outputs[0], begin, end);
    });
  }

 private:
  kernels::PadParams params_;
  std::vector<std::vector<int32_t>> maps_;  // params_.map points into these
  size_t min_rows_;
};

const char* mode_name(ir::PadMode m) {
  switch (m) {
    case ir::PadMode::kConstant: return "constant";
    case ir::PadMode::kReflect: return "reflect";
    case ir::PadMode::kEdge: return "edge";
    case ir::PadMode::kSymmetric: return "symmetric";
    case ir::PadMode::kWrap: return "wrap";
  }
  return "unknown";
}

std::string str(int64_t v) { return std::to_string(v); }

// The input coordinate each output coordinate of one dim reads (-1: the
// constant), for an input dim of `size` padded by `before` / `after` (a
// negative amount crops that end first). Validates the amounts for the mode.
Result<std::vector<int32_t>> dim_map(const ir::Node& n, ir::PadMode mode, int32_t d, int64_t size, int64_t before,
                                     int64_t after) {
  const std::string where = "paddings[" + std::to_string(d) + "] = [" + str(before) + ", " + str(after) + "]";
  const int64_t crop = std::max<int64_t>(0, -before);
  const int64_t kept = size - crop - std::max<int64_t>(0, -after);  // input elements left after cropping
  if (kept < 0) return node_error(n, where + ": crops more than the input dim's " + str(size) + " elements");
  const int64_t lead = std::max<int64_t>(0, before);
  const int64_t trail = std::max<int64_t>(0, after);
  const int64_t most = std::max(lead, trail);
  const std::string found = ", found " + where + " on a dim of " + str(kept) + (kept != size ? " after cropping" : "");
  switch (mode) {
    case ir::PadMode::kConstant: break;
    case ir::PadMode::kReflect:
      if (most > 0 && most >= kept) return node_error(n, "reflect mode: expected each pad below the dim size" + found);
      break;
    case ir::PadMode::kSymmetric:
      if (most > kept) return node_error(n, "symmetric mode: expected each pad at most the dim size" + found);
      break;
    case ir::PadMode::kEdge:
    case ir::PadMode::kWrap:
      if (most > 0 && kept == 0) {
        return node_error(n, std::string(mode_name(mode)) + " mode: expected a non-empty dim to pad" + found);
      }
      break;
  }
  const int64_t out_size = kept + lead + trail;
  if (out_size > std::numeric_limits<int32_t>::max()) {
    return node_error(n, "padded dim " + std::to_string(d) + " is too large: " + str(out_size));
  }
  // Where coordinate i of the cropped input, possibly outside [0, kept), reads from.
  auto source = [&](int64_t i) -> int64_t {
    if (i >= 0 && i < kept) return i;
    switch (mode) {
      case ir::PadMode::kConstant: return -1;
      case ir::PadMode::kReflect: return i < 0 ? -i : 2 * (kept - 1) - i;
      case ir::PadMode::kSymmetric: return i < 0 ? -i - 1 : 2 * kept - 1 - i;
      case ir::PadMode::kEdge: return i < 0 ? 0 : kept - 1;
      case ir::PadMode::kWrap: return (i % kept + kept) % kept;
    }
    return -1;
  };
  std::vector<int32_t> map(static_cast<size_t>(out_size));
  for (int64_t o = 0; o < out_size; ++o) {
    const int64_t i = source(o - lead);
    map[static_cast<size_t>(o)] = static_cast<int32_t>(i < 0 ? -1 : i + crop);
  }
  return map;
}

Status unsupported(const ir::Node& n, const std::string& what) {
  return Status(StatusCode::kUnsupported, node_error(n, what).message());
}

// The element bytes written into constant padding: on quantized tensors the
// code of constant_value (a real value; 0 is the zero point), else
// constant_value in the tensor's dtype (it must convert exactly).
Status constant_bytes(const ir::Node& n, const ir::Value& out, float value, uint8_t* bytes) {
  const DType t = out.info.dtype;
  if (t == DType::kFloat32) {
    std::memcpy(bytes, &value, sizeof(value));
    return Status::Ok();
  }
  if (t == DType::kFloat4E2M1) {
    *bytes = float_to_float4e2m1(value);
    if (float4e2m1_to_float(*bytes) != value) {
      return node_error(n, "constant_value " + std::to_string(value) + " is not a float4e2m1 value");
    }
    return Status::Ok();
  }
  int64_t v = 0;
  if (!out.info.quant.empty()) {
    EDGERUN_RETURN_IF_ERROR(expect_per_tensor_quant(n, "output", out));
    // The code whose real value this is: it must be one exactly (0 is the
    // zero point; TFLite's PADV2 gives a code, read back as scale * (code - zp)).
    const double code = static_cast<double>(value) / out.info.quant.scale[0] +
                        static_cast<double>(out.info.quant.zero_point[0]);
    const double rounded = std::round(code);
    if (!std::isfinite(code) || std::abs(code - rounded) > 1e-3) {
      return unsupported(n, "constant_value " + std::to_string(value) + " on quantized " + dtype_name(t) +
                                " is not a value of its quantization (scale " +
                                std::to_string(out.info.quant.scale[0]) + ", zero point " +
                                std::to_string(out.info.quant.zero_point[0]) + ")");
    }
    v = static_cast<int64_t>(rounded);
  } else {
    if (!std::isfinite(value) || value != std::trunc(value) || std::abs(value) > 9.0e18f) {
      return node_error(n, "constant_value " + std::to_string(value) + " is not an integer, as " + dtype_name(t) +
                               " padding needs");
    }
    v = static_cast<int64_t>(value);
  }
  int64_t lo = 0, hi = 0;
  switch (t) {
    case DType::kInt8: lo = -128, hi = 127; break;
    case DType::kUInt8: lo = 0, hi = 255; break;
    case DType::kInt16: lo = -32768, hi = 32767; break;
    case DType::kInt32: lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max(); break;
    case DType::kInt64: lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max(); break;
    case DType::kBool: lo = 0, hi = 1; break;
    case DType::kUInt16: lo = 0, hi = 65535; break;
    case DType::kUInt32: lo = 0, hi = std::numeric_limits<uint32_t>::max(); break;
    case DType::kUInt64: lo = 0, hi = std::numeric_limits<int64_t>::max(); break;  // all an int64 v reaches
    case DType::kInt4: lo = -8, hi = 7; break;
    case DType::kUInt4: lo = 0, hi = 15; break;
    case DType::kInt2: lo = -2, hi = 1; break;
    case DType::kUInt2: lo = 0, hi = 3; break;
    case DType::kFloat32:
    case DType::kFloat4E2M1: break;  // handled above
    case DType::kFloat16:
    case DType::kFloat8E4M3FN:
    case DType::kFloat8E5M2: return unsupported(n, std::string("constant padding of ") + dtype_name(t) + " is not supported");
  }
  if (v < lo || v > hi) {
    return node_error(n, "pad value " + str(v) + " is out of range for " + dtype_name(t));
  }
  // Little-endian: the low dtype_size(t) bytes of the int64 are the value in dtype t.
  std::memcpy(bytes, &v, dtype_size(t));
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Kernel>> prepare_pad(const ir::Graph& g, const ir::Node& n, const PrepareContext&) {
  EDGERUN_RETURN_IF_ERROR(expect_arity(g, n, 2, 2, 1));
  ir::PadAttrs attrs;
  if (const auto* a = std::get_if<ir::PadAttrs>(&n.attrs)) {
    attrs = *a;
  } else if (!std::holds_alternative<std::monostate>(n.attrs)) {
    return node_error(n, "attributes: expected PadAttrs or none");
  }
  const ir::Value& in = input(g, n, 0);
  const ir::Value& paddings = input(g, n, 1);
  const ir::Value& out = output(g, n, 0);
  EDGERUN_RETURN_IF_ERROR(expect_same_element_type(n, in, out));
  EDGERUN_RETURN_IF_ERROR(expect_valid_shape(n, "input", in));
  const auto rank = static_cast<int32_t>(in.info.shape.size());
  if (rank < 1 || rank > kernels::kMaxPadRank) {
    return node_error(n, "input rank: expected 1.." + std::to_string(kernels::kMaxPadRank) + ", found " +
                             std::to_string(rank));
  }

  // Paddings: a constant [rank, 2] int32 / int64 tensor.
  if (paddings.info.dtype != DType::kInt32 && paddings.info.dtype != DType::kInt64) {
    return node_error(n, std::string("paddings dtype: expected int32 or int64, found ") +
                             dtype_name(paddings.info.dtype));
  }
  EDGERUN_RETURN_IF_ERROR(expect_constant_data(n, "paddings", paddings));
  if (paddings.info.shape != Shape{rank, 2}) {
    return node_error(n, "paddings shape: expected " + shape_string({rank, 2}) + ", found " +
                             shape_string(paddings.info.shape));
  }
  kernels::PadParams p;
  p.rank = rank;
  p.element_bytes = dtype_size(in.info.dtype);
  std::vector<std::vector<int32_t>> maps(static_cast<size_t>(rank));
  Shape expected(static_cast<size_t>(rank));
  for (int32_t d = 0; d < rank; ++d) {
    int64_t amount[2];
    for (int k = 0; k < 2; ++k) {
      const size_t i = static_cast<size_t>(d) * 2 + static_cast<size_t>(k);
      if (paddings.info.dtype == DType::kInt32) {
        int32_t v;
        std::memcpy(&v, paddings.data + i * sizeof(v), sizeof(v));
        amount[k] = v;
      } else {
        int64_t v;
        std::memcpy(&v, paddings.data + i * sizeof(v), sizeof(v));
        amount[k] = v;
      }
      if (amount[k] < std::numeric_limits<int32_t>::min() || amount[k] > std::numeric_limits<int32_t>::max()) {
        return node_error(n, "paddings[" + std::to_string(d) + "][" + std::to_string(k) +
                                 "]: expected an int32, found " + str(amount[k]));
      }
    }
    const int64_t size = in.info.shape[static_cast<size_t>(d)];
    EDGERUN_ASSIGN_OR_RETURN(maps[static_cast<size_t>(d)], dim_map(n, attrs.mode, d, size, amount[0], amount[1]));
    expected[static_cast<size_t>(d)] = static_cast<int32_t>(maps[static_cast<size_t>(d)].size());
    p.in_dims[d] = size;
    p.out_dims[d] = expected[static_cast<size_t>(d)];
    if (d == rank - 1) {  // the interior run of the last dim, copied in one go
      p.run_begin = std::max<int64_t>(0, amount[0]);
      p.run_end = p.run_begin + (size - std::max<int64_t>(0, -amount[0]) - std::max<int64_t>(0, -amount[1]));
    }
  }
  EDGERUN_RETURN_IF_ERROR(expect_output_shape(n, out, expected, "input shape + paddings"));
  if (attrs.mode == ir::PadMode::kConstant) {
    EDGERUN_RETURN_IF_ERROR(constant_bytes(n, out, attrs.constant_value, p.value));
  }
  // Slices of at least ~32 KiB per thread, so small pads stay on one thread.
  const size_t row_bytes = static_cast<size_t>(p.out_dims[rank - 1]) * p.element_bytes;
  const size_t min_rows = (size_t{1} << 15) / (row_bytes > 0 ? row_bytes : 1) + 1;
  return std::unique_ptr<Kernel>(new PadKernel(p, std::move(maps), min_rows));
}

}  // namespace edgerun::ops
