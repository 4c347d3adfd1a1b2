#include "eval/evaluate.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "vision/image.h"
#include "vision/topk.h"

namespace edgerun::eval {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

bool in_top(const std::vector<int>& top, int expected) {
  return std::find(top.begin(), top.end(), expected) != top.end();
}

// One model's input and output, checked once before the first image.
struct Pipeline {
  Session* session = nullptr;
  std::string name;
  TensorInfo input;
  vision::ImageInputShape shape;
  std::optional<vision::Normalization> norm;
  TensorInfo output;
  int num_classes = 0;
};

Result<Pipeline> make_pipeline(const EvalModel& m, const EvalOptions& options) {
  if (m.session == nullptr) return InvalidArgument(m.name + ": expected a session, found none");
  const Model& model = m.session->model();
  Pipeline p;
  p.session = m.session;
  p.name = m.name;
  if (model.input_count() != 1) {
    return InvalidArgument(m.name + ": expected a model with one image input, found " +
                           std::to_string(model.input_count()) + " inputs");
  }
  if (model.output_count() == 0) return InvalidArgument(m.name + ": expected a score output, found no outputs");
  p.input = model.input_info(0);
  p.norm = options.normalization ? options.normalization
                                 : vision::metadata_normalization(p.input, model.metadata().mean, model.metadata().std);
  EDGERUN_RETURN_IF_ERROR(vision::check_input_info(p.input, p.norm).with_context(m.name));
  p.shape = vision::image_input_shape(p.input).value();
  p.output = model.output_info(0);
  EDGERUN_RETURN_IF_ERROR(vision::check_score_info(p.output).with_context(m.name));
  p.num_classes = p.output.shape.back();
  return p;
}

struct Outcome {
  std::vector<float> scores;
  std::vector<int> top;
  double invoke_ms = 0;
};

Result<Outcome> run_image(Pipeline& p, const vision::Image& image, vision::ResizeMethod method,
                          const std::string& where) {
  const vision::Image resized = vision::resize(image, p.shape.width, p.shape.height, method);
  EDGERUN_RETURN_IF_ERROR(vision::fill_input(resized, p.input, p.norm, p.session->input_data(0)).with_context(where));
  Outcome o;
  const auto t0 = Clock::now();
  EDGERUN_RETURN_IF_ERROR(p.session->invoke().with_context(p.name + ": " + where));
  o.invoke_ms = ms_since(t0);
  EDGERUN_ASSIGN_OR_RETURN(o.scores, vision::dequantize_scores(p.session->output_data(0), p.output));
  for (const vision::Prediction& pred : vision::rank_scores(o.scores, kTopK)) o.top.push_back(pred.index);
  return o;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  if (v.size() % 2 == 1) return v[mid];
  const double upper = v[mid];
  return (*std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid)) + upper) / 2;
}

Accuracy summarize(const std::vector<ImageResult>& results, bool reference) {
  Accuracy a;
  a.images = results.size();
  std::vector<double> ms;
  for (const ImageResult& r : results) {
    a.top1_correct += reference ? r.reference_top1_correct() : r.top1_correct();
    a.top5_correct += reference ? r.reference_top5_correct() : r.top5_correct();
    ms.push_back(reference ? r.reference_invoke_ms : r.invoke_ms);
  }
  double sum = 0;
  for (double x : ms) sum += x;
  a.mean_invoke_ms = ms.empty() ? 0 : sum / static_cast<double>(ms.size());
  a.median_invoke_ms = median(std::move(ms));
  return a;
}

}  // namespace

bool ImageResult::top5_correct() const { return in_top(top, expected); }
bool ImageResult::reference_top5_correct() const { return in_top(reference_top, expected); }

double sqnr_db(double signal_energy, double noise_energy) {
  if (noise_energy == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal_energy / noise_energy);
}

Result<EvalReport> evaluate(const Dataset& dataset, const EvalModel& model, const std::optional<EvalModel>& reference,
                            const EvalOptions& options) {
  EDGERUN_ASSIGN_OR_RETURN(Pipeline m, make_pipeline(model, options));
  std::optional<Pipeline> r;
  if (reference) {
    EDGERUN_ASSIGN_OR_RETURN(r, make_pipeline(*reference, options));
    if (r->num_classes != m.num_classes) {
      return InvalidArgument(r->name + ": the reference model has " + std::to_string(r->num_classes) + " outputs and " +
                             m.name + " has " + std::to_string(m.num_classes) +
                             ": expected the same number to compare them");
    }
  }
  // Checks every line, not only the first `limit`: a bad label is a bad dataset.
  EDGERUN_ASSIGN_OR_RETURN(const std::vector<int> expected, model_class_indices(dataset, m.num_classes));
  const size_t count = options.limit == 0 ? dataset.images.size() : std::min(options.limit, dataset.images.size());

  EvalReport report;
  report.num_classes = m.num_classes;
  double signal = 0, noise = 0, sum_image_sqnr = 0;
  size_t identical = 0;
  const auto t0 = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    const LabelledImage& li = dataset.images[i];
    const auto image = vision::decode_image_file(li.path);
    if (!image.ok()) return image.status().with_context(dataset.labels_path + ":" + std::to_string(li.line));
    ImageResult res;
    res.image = i;
    res.expected = expected[i];
    EDGERUN_ASSIGN_OR_RETURN(Outcome out, run_image(m, *image, options.resize, li.path));
    res.top = std::move(out.top);
    res.invoke_ms = out.invoke_ms;
    if (r) {
      EDGERUN_ASSIGN_OR_RETURN(Outcome ref, run_image(*r, *image, options.resize, li.path));
      res.reference_top = std::move(ref.top);
      res.reference_invoke_ms = ref.invoke_ms;
      double s = 0, n = 0;
      for (size_t k = 0; k < ref.scores.size(); ++k) {
        const double d = static_cast<double>(ref.scores[k]) - out.scores[k];
        s += static_cast<double>(ref.scores[k]) * ref.scores[k];
        n += d * d;
      }
      res.sqnr_db = sqnr_db(s, n);
      signal += s;
      noise += n;
      if (n == 0) {
        ++identical;
      } else {
        sum_image_sqnr += res.sqnr_db;
      }
    }
    report.per_image.push_back(std::move(res));
    if (options.progress) options.progress(i + 1, count);
  }
  report.total_ms = ms_since(t0);

  report.model = summarize(report.per_image, false);
  if (r) {
    report.reference = summarize(report.per_image, true);
    Drift d;
    for (const ImageResult& res : report.per_image) d.top1_agreements += res.top1_agrees();
    d.top1_agreement_percent = count == 0 ? 0 : 100.0 * static_cast<double>(d.top1_agreements) / count;
    d.sqnr_db = sqnr_db(signal, noise);
    d.identical_outputs = identical;
    d.mean_sqnr_db = identical == count ? std::numeric_limits<double>::infinity()
                                        : sum_image_sqnr / static_cast<double>(count - identical);
    report.drift = d;
  }
  return report;
}

}  // namespace edgerun::eval
