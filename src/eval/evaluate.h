// eval/evaluate.h — a classifier's top-1 / top-5 accuracy on a labelled dataset and,
// optionally, how far its outputs drift from a reference model's (`edgerun eval`).
//
//   auto ds = edgerun::eval::load_dataset("imagenet-100");
//   auto session = edgerun::Session::create(model);
//   auto report = edgerun::eval::evaluate(*ds, {&*session, "model.tflite"}, std::nullopt, {});
//   if (report.ok()) printf("top-1 %.1f%%\n", report->model.top1_percent());
//
// Every image goes through the pre-processing of `edgerun classify`
// (docs/preprocessing.md): decode, resize to the model's input size, fill the input
// (NHWC or NCHW, with the model's quantization; normalization from the options, else
// vision::metadata_normalization). The image is decoded once; each model resizes and
// fills its own input, so two models with different input specs each get theirs.
// The score tensor is output 0. The expected class per image follows
// eval::model_class_index (1001 vs 1000 classes). Errors name the model (its `name`)
// or the labels.tsv line and never abort; the first error ends the evaluation.
//
// With a reference model, both must have the same number of outputs. The drift:
//   top-1 agreement  share of images where both models rank the same class first
//   SQNR (dB)        10 * log10(sum ref^2 / sum (ref - x)^2) over the dequantized
//                    outputs (vision::dequantize_scores): `sqnr_db` sums over every
//                    image; `mean_sqnr_db` averages the per-image values of the images
//                    whose outputs differ (identical outputs, infinite SQNR, are counted
//                    in `identical_outputs` instead); +infinity when no output differs
//
// Latency is the time of Session::invoke() alone; `total_ms` covers the whole loop
// (decoding, resizing, filling and invoking, both models), not loading the models.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "edgerun/edgerun.h"
#include "eval/dataset.h"
#include "vision/preprocess.h"
#include "vision/resize.h"

namespace edgerun::eval {

inline constexpr int kTopK = 5;

struct EvalOptions {
  size_t limit = 0;  // evaluate the first `limit` images; 0: all
  vision::ResizeMethod resize = vision::ResizeMethod::kBilinear;
  // Applies to both models; nullopt: each model's vision::metadata_normalization.
  std::optional<vision::Normalization> normalization;
  // Called after each image with (images done, images to do); may be empty.
  std::function<void(size_t, size_t)> progress;
};

// A model to evaluate: a session of it and the name errors and reports use.
struct EvalModel {
  Session* session = nullptr;
  std::string name;
};

struct ImageResult {
  size_t image = 0;      // index into Dataset::images
  int expected = 0;      // the output index that counts as right
  std::vector<int> top;  // the model's best kTopK classes, best first
  double invoke_ms = 0;
  std::vector<int> reference_top;  // with a reference model only, as `top`
  double reference_invoke_ms = 0;
  double sqnr_db = 0;  // this image's SQNR; +infinity for identical outputs

  bool top1_correct() const { return !top.empty() && top[0] == expected; }
  bool top5_correct() const;
  bool reference_top1_correct() const { return !reference_top.empty() && reference_top[0] == expected; }
  bool reference_top5_correct() const;
  bool top1_agrees() const { return !top.empty() && !reference_top.empty() && top[0] == reference_top[0]; }
};

struct Accuracy {
  size_t images = 0;
  size_t top1_correct = 0, top5_correct = 0;
  double mean_invoke_ms = 0, median_invoke_ms = 0;

  double top1_percent() const { return images == 0 ? 0 : 100.0 * static_cast<double>(top1_correct) / images; }
  double top5_percent() const { return images == 0 ? 0 : 100.0 * static_cast<double>(top5_correct) / images; }
};

struct Drift {
  size_t top1_agreements = 0;
  double top1_agreement_percent = 0;
  double sqnr_db = 0;       // over all images
  double mean_sqnr_db = 0;  // mean over the images whose outputs differ
  size_t identical_outputs = 0;
};

struct EvalReport {
  int num_classes = 0;  // outputs of the model (and of the reference)
  Accuracy model;
  std::optional<Accuracy> reference;
  std::optional<Drift> drift;  // with a reference model
  double total_ms = 0;
  std::vector<ImageResult> per_image;
};

Result<EvalReport> evaluate(const Dataset& dataset, const EvalModel& model, const std::optional<EvalModel>& reference,
                            const EvalOptions& options);

// 10 * log10(signal / noise): +infinity when noise is 0 (identical outputs, even
// when both are all zeros), -infinity when only the signal is 0.
double sqnr_db(double signal_energy, double noise_energy);

}  // namespace edgerun::eval
