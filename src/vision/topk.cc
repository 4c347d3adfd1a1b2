#include "vision/topk.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace edgerun::vision {

namespace {

std::string tensor_label(const TensorInfo& info) {
  std::string s = "score tensor";
  if (!info.name.empty()) s += " '" + info.name + "'";
  return s + " " + dtype_name(info.dtype) + " " + shape_string(info.shape);
}

}  // namespace

Status check_score_info(const TensorInfo& info) {
  const std::string where = tensor_label(info);
  if (info.shape.empty()) return InvalidArgument(where + ": expected a score vector [N] or [1,N], found a scalar");
  for (size_t d = 0; d + 1 < info.shape.size(); ++d) {
    if (info.shape[d] != 1) {
      return Unsupported(where + ": expected every dimension but the last to be 1 (one image), found " +
                         std::to_string(info.shape[d]) + " in dimension " + std::to_string(d));
    }
  }
  const int64_t n = info.shape.back();
  if (n <= 0) return InvalidArgument(where + ": expected at least one class, found " + std::to_string(n));
  if (info.dtype != DType::kFloat32 && info.dtype != DType::kUInt8 && info.dtype != DType::kInt8) {
    return Unsupported(where + ": expected float32, uint8 or int8 scores, found " + dtype_name(info.dtype));
  }
  const QuantParams& q = info.quant;
  if (!q.empty() && q.scale.size() != 1 && static_cast<int64_t>(q.scale.size()) != n) {
    return InvalidArgument(where + ": expected 1 or " + std::to_string(n) + " quantization scales, found " +
                           std::to_string(q.scale.size()));
  }
  if (!q.empty() && q.zero_point.size() > 1 && q.zero_point.size() != q.scale.size()) {
    return InvalidArgument(where + ": expected " + std::to_string(q.scale.size()) + " zero points, found " +
                           std::to_string(q.zero_point.size()));
  }
  return Status::Ok();
}

Result<std::vector<float>> dequantize_scores(const void* scores, const TensorInfo& info) {
  EDGERUN_RETURN_IF_ERROR(check_score_info(info));
  if (scores == nullptr) return InvalidArgument(tensor_label(info) + ": score data pointer is null");
  const int64_t n = info.shape.back();
  const QuantParams& q = info.quant;
  std::vector<float> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    float v;
    int64_t raw = 0;
    switch (info.dtype) {
      case DType::kFloat32: v = static_cast<const float*>(scores)[i]; break;
      case DType::kUInt8: raw = static_cast<const uint8_t*>(scores)[i]; v = static_cast<float>(raw); break;
      default: raw = static_cast<const int8_t*>(scores)[i]; v = static_cast<float>(raw); break;
    }
    if (info.dtype != DType::kFloat32 && !q.empty()) {
      const size_t qi = q.scale.size() == 1 ? 0 : static_cast<size_t>(i);
      const int64_t zp = q.zero_point.empty() ? 0 : q.zero_point[q.zero_point.size() == 1 ? 0 : qi];
      v = q.scale[qi] * static_cast<float>(raw - zp);
    }
    out[static_cast<size_t>(i)] = v;
  }
  return out;
}

std::vector<Prediction> rank_scores(std::span<const float> scores, int k) {
  if (k <= 0) return {};
  std::vector<Prediction> all(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) all[i] = {static_cast<int>(i), scores[i]};
  // A strict total order: score descending, NaN last, then index ascending.
  auto better = [](const Prediction& a, const Prediction& b) {
    const bool an = std::isnan(a.score), bn = std::isnan(b.score);
    if (an != bn) return bn;
    if (!an && a.score != b.score) return a.score > b.score;
    return a.index < b.index;
  };
  const size_t kk = std::min(static_cast<size_t>(k), all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(kk), all.end(), better);
  all.resize(kk);
  return all;
}

Result<std::vector<Prediction>> try_top_k(const void* scores, const TensorInfo& info, int k) {
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<float> all, dequantize_scores(scores, info));
  return rank_scores(all, k);
}

std::vector<Prediction> top_k(const void* scores, const TensorInfo& info, int k) {
  auto r = try_top_k(scores, info, k);
  if (!r.ok()) return {};
  return std::move(r).value();
}

}  // namespace edgerun::vision
