// vision/topk.h — the k best classes of a classifier output.
//
//   auto preds = edgerun::vision::top_k(session.output_data(0), session.output_info(0), 5);
//   for (const auto& p : preds) std::cout << label_for(labels, p.index, n) << " " << p.score << "\n";
//
// Scores may be float32, uint8 or int8, shaped [N], [1, N] or [1, 1, 1, N] (any
// shape whose dimensions other than the last are all 1). Quantized scores are
// dequantized with the tensor's quantization: score = scale * (q - zero_point)
// (per-tensor; a per-channel scale list of length N is applied per class). A
// quantized tensor without quantization parameters reports the raw integer.
// Order: higher score first, ties broken by lower index; NaN scores sort last.
// k is clamped to N.
//
// The two steps are also available on their own, for callers that need every
// score as a float (e.g. to compare two models' outputs):
//
//   auto scores = dequantize_scores(session.output_data(0), session.output_info(0));
//   auto preds = rank_scores(*scores, 5);
#pragma once

#include <span>
#include <vector>

#include "edgerun/status.h"
#include "edgerun/tensor.h"

namespace edgerun::vision {

struct Prediction {
  int index = 0;
  float score = 0.f;
};

// Empty result when k <= 0, scores is null, or the tensor is unsupported (use
// try_top_k to learn why).
std::vector<Prediction> top_k(const void* scores, const TensorInfo& info, int k);

// Same, but an unsupported dtype/shape or a null pointer is an error Status.
Result<std::vector<Prediction>> try_top_k(const void* scores, const TensorInfo& info, int k);

// Checks that `info` describes scores top_k can read (dtype, shape, quantization
// parameters), without data. Messages name the tensor.
Status check_score_info(const TensorInfo& info);

// Every score as a float, dequantized as described above (N values).
Result<std::vector<float>> dequantize_scores(const void* scores, const TensorInfo& info);

// The k best of `scores`, in the order described above; empty when k <= 0.
std::vector<Prediction> rank_scores(std::span<const float> scores, int k);

}  // namespace edgerun::vision
