// convert/calibrate.h — the value ranges of a float model's activations over
// real images, for int8 quantization (`edgerun convert --quantize int8
// --calibration DIR`).
//
//   auto images = edgerun::convert::calibration_images("../shared/eval/imagenet-100", 50);
//   edgerun::convert::CalibrationOptions o;
//   o.estimator = edgerun::convert::RangeEstimator::kPercentile;
//   auto ranges = edgerun::convert::calibrate(float_model, *images, o);
//   // (*ranges)[value id]: the range to quantize that activation to
//
// Each image goes through classify's pre-processing (decode, bilinear resize,
// the metadata's normalization, NHWC or NCHW) into input 0; the model runs
// with every float activation kept (no fusion, no shared memory), and:
//   kMinMax      the range is the smallest and largest value seen;
//   kPercentile  the values below the (100 - p)-th and above the p-th
//                percentile of all values seen are clipped (p = 99.99 by
//                default), from a 2048-bin histogram over the min/max range;
//   kMse         the clipping range, among 100 shrunken copies of the min/max
//                range (each end scaled by 1, 0.99, ..., 0.01 of itself), that
//                minimizes the expected squared error of int8 quantization
//                (rounding error inside, clipping error outside) over the
//                histogram.
// Every range is widened to include 0 (so that 0 is exactly representable,
// as padding and ReLU need). Histogram estimators run the images twice
// (min/max first, then the histogram).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgerun/edgerun.h"
#include "edgerun/status.h"
#include "io/imported_model.h"
#include "vision/preprocess.h"

namespace edgerun::convert {

enum class RangeEstimator { kMinMax, kPercentile, kMse };

struct CalibrationOptions {
  RangeEstimator estimator = RangeEstimator::kMinMax;
  double percentile = 99.99;  // kPercentile: in (50, 100]
  // nullopt: the metadata's normalization, as classify does.
  std::optional<vision::Normalization> normalization;
  int threads = 1;
  // Called after each image with (images done, images to do), each pass.
  std::function<void(size_t, size_t)> progress;
};

struct ValueRange {
  bool seen = false;  // a float activation the images reached
  float min = 0.0f, max = 0.0f;
  // The mean of each channel (the last dim) over all images, for the
  // quantizer's bias correction; empty when not measured.
  std::vector<float> channel_mean;
};

// The first `count` images of DIR: in DIR/labels.tsv's order when it exists,
// else the JPEG / PNG / BMP files in DIR sorted by name. An error when DIR has
// fewer, or none.
Result<std::vector<std::string>> calibration_images(const std::string& dir, size_t count);

// One range per graph value (ValueRange::seen false for constants and
// non-float values). `model`'s constants must stay alive during the call.
Result<std::vector<ValueRange>> calibrate(const io::ImportedModel& model, const std::vector<std::string>& images,
                                          const CalibrationOptions& options);

// `model` built once to run images with every float32 and 8-bit quantized
// activation kept (no fusion; outputs live to the end, so none shares
// memory): the building block of calibrate() and of the quantizer's
// per-layer report. run() calls visit(value id, values as float (8-bit ones
// dequantized), elements) for each after the image's inference.
class ActivationProbe {
 public:
  // `model`'s constants must outlive the probe.
  static Result<ActivationProbe> create(const io::ImportedModel& model,
                                        const std::optional<vision::Normalization>& normalization, int threads);
  Status run(const std::string& image, const std::function<void(int32_t value, const float* data, int64_t n)>& visit);

 private:
  ActivationProbe(std::shared_ptr<const Model> model, Session session, std::vector<int32_t> kept,
                  std::optional<vision::Normalization> norm);
  std::shared_ptr<const Model> model_;
  Session session_;
  std::vector<int32_t> kept_;  // output i is value kept_[i]
  std::optional<vision::Normalization> norm_;
  std::vector<float> buffer_;
};

}  // namespace edgerun::convert
