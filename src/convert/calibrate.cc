#include "convert/calibrate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "eval/dataset.h"
#include "runtime/model_impl.h"
#include "vision/image.h"

namespace edgerun::convert {
namespace {

constexpr int kBins = 2048;

bool is_image_file(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

bool kept_activation(const ir::Value& v) {
  if (v.is_constant()) return false;
  if (v.info.dtype == DType::kFloat32) return true;
  return (v.info.dtype == DType::kInt8 || v.info.dtype == DType::kUInt8) && v.info.quant.scale.size() == 1;
}

// Quantization error of one value x under an int8 range [lo, hi] (lo <= 0 <= hi).
double squared_error(double x, double lo, double hi) {
  if (x < lo) return (lo - x) * (lo - x);
  if (x > hi) return (x - hi) * (x - hi);
  const double step = (hi - lo) / 255.0;
  return step * step / 12.0;
}

struct Histogram {
  std::vector<double> counts = std::vector<double>(kBins, 0.0);
  void add(float x, float lo, float hi) {
    const double t = hi > lo ? (static_cast<double>(x) - lo) / (static_cast<double>(hi) - lo) : 0.0;
    const int b = std::clamp(static_cast<int>(t * kBins), 0, kBins - 1);
    counts[static_cast<size_t>(b)] += 1.0;
  }
};

ValueRange percentile_range(const Histogram& h, float lo, float hi, double p) {
  double total = 0;
  for (double c : h.counts) total += c;
  const double tail = total * (100.0 - p) / 100.0;
  const double width = (static_cast<double>(hi) - lo) / kBins;
  double acc = 0;
  int first = 0;
  while (first < kBins - 1 && acc + h.counts[static_cast<size_t>(first)] <= tail)
    acc += h.counts[static_cast<size_t>(first++)];
  acc = 0;
  int last = kBins - 1;
  while (last > first && acc + h.counts[static_cast<size_t>(last)] <= tail)
    acc += h.counts[static_cast<size_t>(last--)];
  return {true, static_cast<float>(lo + first * width), static_cast<float>(lo + (last + 1) * width)};
}

ValueRange mse_range(const Histogram& h, float lo, float hi) {
  const double width = (static_cast<double>(hi) - lo) / kBins;
  double best = std::numeric_limits<double>::infinity();
  ValueRange r{true, lo, hi};
  for (int k = 100; k >= 1; --k) {
    const double s = k / 100.0;
    const double a = lo * s, b = hi * s;
    double err = 0;
    for (int i = 0; i < kBins; ++i) {
      const double c = h.counts[static_cast<size_t>(i)];
      if (c != 0) err += c * squared_error(lo + (i + 0.5) * width, std::min(a, 0.0), std::max(b, 0.0));
    }
    if (err < best) {
      best = err;
      r.min = static_cast<float>(a);
      r.max = static_cast<float>(b);
    }
  }
  return r;
}

}  // namespace

Result<std::vector<std::string>> calibration_images(const std::string& dir, size_t count) {
  if (count == 0) return InvalidArgument("calibration image count: expected at least 1, found 0");
  std::vector<std::string> paths;
  const std::filesystem::path labels = std::filesystem::path(dir) / eval::kLabelsFileName;
  if (std::filesystem::exists(labels)) {
    EDGERUN_ASSIGN_OR_RETURN(eval::Dataset ds, eval::load_dataset(dir));
    for (const auto& img : ds.images) paths.push_back(img.path);
  } else {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return NotFound(dir + ": calibration folder not found");
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      if (e.is_regular_file() && is_image_file(e.path())) paths.push_back(e.path().string());
    }
    if (ec) return IOError(dir + ": cannot list the folder: " + ec.message());
    std::sort(paths.begin(), paths.end());
  }
  if (paths.size() < count) {
    return InvalidArgument(dir + ": calibration needs " + std::to_string(count) + " images, found " +
                           std::to_string(paths.size()) + " (JPEG, PNG or BMP; in labels.tsv when there is one)");
  }
  paths.resize(count);
  return paths;
}

ActivationProbe::ActivationProbe(std::shared_ptr<const Model> model, Session session, std::vector<int32_t> kept,
                                 std::optional<vision::Normalization> norm)
    : model_(std::move(model)), session_(std::move(session)), kept_(std::move(kept)), norm_(std::move(norm)) {}

Result<ActivationProbe> ActivationProbe::create(const io::ImportedModel& model,
                                                const std::optional<vision::Normalization>& normalization,
                                                int threads) {
  // A copy of the graph (constants still pointing at `model`'s) whose outputs
  // are every kept activation.
  io::ImportedModel probe;
  probe.graph = model.graph;
  probe.metadata = model.metadata;
  ir::Graph& g = probe.graph;
  std::vector<bool> produced(g.values.size(), false);
  for (int32_t id : g.inputs) produced[static_cast<size_t>(id)] = true;
  for (const ir::Node& n : g.nodes) {
    for (int32_t id : n.outputs) produced[static_cast<size_t>(id)] = true;
  }
  std::vector<int32_t> kept;
  for (size_t id = 0; id < g.values.size(); ++id) {
    if (produced[id] && kept_activation(g.values[id])) kept.push_back(static_cast<int32_t>(id));
  }
  g.outputs = kept;
  if (g.inputs.empty()) return InvalidArgument("the model has no input to feed images to");
  LoadOptions lo;
  lo.fuse = false;
  EDGERUN_ASSIGN_OR_RETURN(auto runnable, Model::Impl::from_imported(std::move(probe), lo));
  SessionOptions so;
  so.threads = threads;
  EDGERUN_ASSIGN_OR_RETURN(Session session, Session::create(runnable, so));
  std::optional<vision::Normalization> norm =
      normalization ? normalization
                    : vision::metadata_normalization(runnable->input_info(0), model.metadata.mean, model.metadata.std);
  return ActivationProbe(std::move(runnable), std::move(session), std::move(kept), std::move(norm));
}

Status ActivationProbe::run(const std::string& image_path,
                            const std::function<void(int32_t value, const float* data, int64_t n)>& visit) {
  EDGERUN_ASSIGN_OR_RETURN(vision::Image image, vision::decode_image_file(image_path));
  auto input = vision::preprocess(image, model_->input_info(0), norm_);
  if (!input.ok()) return input.status().with_context(image_path);
  std::memcpy(session_.input_data(0), input->data(), input->size());
  EDGERUN_RETURN_IF_ERROR(session_.invoke());
  for (size_t o = 0; o < kept_.size(); ++o) {
    const TensorInfo& t = model_->output_info(o);
    const int64_t n = t.elements();
    const void* data = session_.output_data(o);
    if (t.dtype == DType::kFloat32) {
      visit(kept_[o], static_cast<const float*>(data), n);
      continue;
    }
    buffer_.resize(static_cast<size_t>(n));
    const float scale = t.quant.scale[0];
    const auto zp = static_cast<float>(t.quant.zero_point.empty() ? 0 : t.quant.zero_point[0]);
    for (int64_t k = 0; k < n; ++k) {
      const float q =
          t.dtype == DType::kInt8 ? static_cast<const int8_t*>(data)[k] : static_cast<const uint8_t*>(data)[k];
      buffer_[static_cast<size_t>(k)] = scale * (q - zp);
    }
    visit(kept_[o], buffer_.data(), n);
  }
  return Status::Ok();
}

Result<std::vector<ValueRange>> calibrate(const io::ImportedModel& model, const std::vector<std::string>& images,
                                          const CalibrationOptions& options) {
  if (images.empty()) return InvalidArgument("calibration: no images");
  if (options.estimator == RangeEstimator::kPercentile && !(options.percentile > 50.0 && options.percentile <= 100.0)) {
    return InvalidArgument("calibration percentile: expected in (50, 100], found " +
                           std::to_string(options.percentile));
  }
  const size_t n_values = model.graph.values.size();
  std::vector<ValueRange> ranges(n_values);
  // One probe for both passes (min / max, then the histograms).
  EDGERUN_ASSIGN_OR_RETURN(ActivationProbe probe,
                           ActivationProbe::create(model, options.normalization, options.threads));
  auto pass = [&](const std::function<void(int32_t, const float*, int64_t)>& visit) -> Status {
    for (size_t i = 0; i < images.size(); ++i) {
      if (options.progress) options.progress(i, images.size());
      EDGERUN_RETURN_IF_ERROR(probe.run(images[i], visit));
    }
    if (options.progress) options.progress(images.size(), images.size());
    return Status::Ok();
  };
  auto only_float = [&](int32_t id) {
    return model.graph.values[static_cast<size_t>(id)].info.dtype == DType::kFloat32;
  };
  std::vector<std::vector<double>> sums(n_values);
  std::vector<int64_t> counts(n_values, 0);
  EDGERUN_RETURN_IF_ERROR(pass([&](int32_t id, const float* x, int64_t n) {
    if (!only_float(id)) return;
    const Shape& shape = model.graph.values[static_cast<size_t>(id)].info.shape;
    const int64_t channels = shape.empty() || shape.back() <= 0 ? 1 : shape.back();
    std::vector<double>& sum = sums[static_cast<size_t>(id)];
    sum.resize(static_cast<size_t>(channels), 0.0);
    for (int64_t k = 0; k < n; ++k) {
      if (std::isfinite(x[k])) sum[static_cast<size_t>(k % channels)] += x[k];
    }
    counts[static_cast<size_t>(id)] += n / channels;
    ValueRange& r = ranges[static_cast<size_t>(id)];
    for (int64_t k = 0; k < n; ++k) {
      if (!std::isfinite(x[k])) continue;
      if (!r.seen) {
        r = {true, x[k], x[k]};
        continue;
      }
      r.min = std::min(r.min, x[k]);
      r.max = std::max(r.max, x[k]);
    }
  }));
  for (size_t id = 0; id < n_values; ++id) {
    if (counts[id] == 0) continue;
    for (double s : sums[id])
      ranges[id].channel_mean.push_back(static_cast<float>(s / static_cast<double>(counts[id])));
  }

  if (options.estimator != RangeEstimator::kMinMax) {
    std::vector<Histogram> hist(n_values);
    EDGERUN_RETURN_IF_ERROR(pass([&](int32_t id, const float* x, int64_t n) {
      const ValueRange& r = ranges[static_cast<size_t>(id)];
      if (!only_float(id) || !r.seen) return;
      Histogram& h = hist[static_cast<size_t>(id)];
      for (int64_t k = 0; k < n; ++k) {
        if (std::isfinite(x[k])) h.add(x[k], r.min, r.max);
      }
    }));
    for (size_t id = 0; id < n_values; ++id) {
      ValueRange& r = ranges[id];
      if (!r.seen || r.max <= r.min) continue;
      const ValueRange clipped = options.estimator == RangeEstimator::kPercentile
                                     ? percentile_range(hist[id], r.min, r.max, options.percentile)
                                     : mse_range(hist[id], r.min, r.max);
      r.min = clipped.min;
      r.max = clipped.max;
    }
  }
  for (ValueRange& r : ranges) {
    if (!r.seen) continue;
    r.min = std::min(r.min, 0.0f);
    r.max = std::max(r.max, 0.0f);
  }
  return ranges;
}

}  // namespace edgerun::convert
