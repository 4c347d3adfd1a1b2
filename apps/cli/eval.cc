#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>

#include "cli.h"
#include "format.h"
#include "eval/dataset.h"
#include "eval/evaluate.h"

namespace edgerun::cli {
namespace {

struct EvalCliOptions {
  std::string model;
  std::string dataset;
  std::string reference;
  std::string per_image;
  int limit = 0;
  bool json = false;
  EngineOptions engine;
  PreprocessOptions pre;
};

// JSON has no infinity: infinite and NaN decibels are written as the strings
// "inf", "-inf" and "nan" (what Python's float() reads back).
std::string class_rule(int num_classes) {
  if (num_classes == 1000) return "1000 outputs: class_index_1001 - 1";
  return std::to_string(num_classes) + " outputs: class_index_1001 as is";
}

nlohmann::json accuracy_json(const std::string& path, const eval::Accuracy& a) {
  return {{"path", path},
          {"top1", a.top1_percent()},
          {"top5", a.top5_percent()},
          {"top1_correct", a.top1_correct},
          {"top5_correct", a.top5_correct},
          {"invoke_ms", {{"mean", a.mean_invoke_ms}, {"median", a.median_invoke_ms}}}};
}

// A CSV field, quoted when it holds a comma, quote, line break or outer space (RFC 4180).
std::string csv_field(const std::string& s) {
  const bool quote =
      s.find_first_of(",\"\r\n") != std::string::npos || (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string joined(const std::vector<int>& v) {
  std::string s;
  for (int x : v) {
    if (!s.empty()) s += ' ';
    s += std::to_string(x);
  }
  return s;
}

void write_per_image(std::ostream& f, const eval::Dataset& ds, const eval::EvalReport& report) {
  const bool ref = report.reference.has_value();
  f << "file,class_index_1001,class_name,expected,top1,top5,top1_correct,top5_correct,invoke_ms";
  if (ref) {
    f << ",reference_top1,reference_top5,reference_top1_correct,reference_top5_correct,reference_invoke_ms,"
         "top1_agrees,sqnr_db";
  }
  f << "\n";
  char ms[32];
  for (const eval::ImageResult& r : report.per_image) {
    const eval::LabelledImage& li = ds.images[r.image];
    std::snprintf(ms, sizeof ms, "%.3f", r.invoke_ms);
    f << csv_field(li.file) << "," << li.class_index_1001 << "," << csv_field(li.class_name) << "," << r.expected << ","
      << (r.top.empty() ? -1 : r.top[0]) << "," << joined(r.top) << "," << r.top1_correct() << "," << r.top5_correct()
      << "," << ms;
    if (ref) {
      std::snprintf(ms, sizeof ms, "%.3f", r.reference_invoke_ms);
      const nlohmann::json db = db_json(r.sqnr_db);
      f << "," << (r.reference_top.empty() ? -1 : r.reference_top[0]) << "," << joined(r.reference_top) << ","
        << r.reference_top1_correct() << "," << r.reference_top5_correct() << "," << ms << "," << r.top1_agrees() << ","
        << (db.is_string() ? db.get<std::string>() : db.dump());
    }
    f << "\n";
  }
}

void print_text(const EvalCliOptions& o, const eval::Dataset& ds, const eval::EvalReport& report) {
  const bool ref = report.reference.has_value();
  std::printf("Dataset:   %s (%zu images; %s)\n", ds.dir.c_str(), report.per_image.size(),
              class_rule(report.num_classes).c_str());
  std::printf("Model:     %s\n", o.model.c_str());
  if (ref) std::printf("Reference: %s\n", o.reference.c_str());
  auto pct = [](double p, size_t n) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.1f%% (%zu)", p, n);
    return std::string(buf);
  };
  auto ms = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f ms", v);
    return std::string(buf);
  };
  auto row = [&](const char* name, const std::string& model_value, const std::string& ref_value) {
    if (ref) {
      std::printf("%-16s %14s %14s\n", name, model_value.c_str(), ref_value.c_str());
    } else {
      std::printf("%-16s %14s\n", name, model_value.c_str());
    }
  };
  const eval::Accuracy& a = report.model;
  const eval::Accuracy b = report.reference.value_or(eval::Accuracy{});
  std::printf("\n");
  row("", "model", "reference");
  row("top-1", pct(a.top1_percent(), a.top1_correct), pct(b.top1_percent(), b.top1_correct));
  row("top-5", pct(a.top5_percent(), a.top5_correct), pct(b.top5_percent(), b.top5_correct));
  row("invoke mean", ms(a.mean_invoke_ms), ms(b.mean_invoke_ms));
  row("invoke median", ms(a.median_invoke_ms), ms(b.median_invoke_ms));
  std::printf("\n");
  if (report.drift) {
    const eval::Drift& d = *report.drift;
    std::printf("%-16s %.1f%% (%zu of %zu images)\n", "top-1 agreement", d.top1_agreement_percent, d.top1_agreements,
                report.per_image.size());
    std::printf("%-16s %s over all outputs; %s mean per image (%zu of %zu images identical)\n", "SQNR",
                db_text(d.sqnr_db).c_str(), db_text(d.mean_sqnr_db).c_str(), d.identical_outputs,
                report.per_image.size());
  }
  std::printf("%-16s %.2f s (decode, resize, fill and invoke; %d thread%s)\n", "total", report.total_ms / 1000.0,
              o.engine.threads, o.engine.threads == 1 ? "" : "s");
}

int run_eval(const EvalCliOptions& o) {
  auto dataset = eval::load_dataset(o.dataset);
  if (!dataset.ok()) return fail(dataset.status());
  auto model = load_model_or_report(o.model, o.engine.load());
  if (!model) return 1;
  auto session = Session::create(model, o.engine.session());
  if (!session.ok()) return fail(session.status().with_context(o.model));
  std::shared_ptr<const Model> reference;
  std::optional<Session> reference_session;
  if (!o.reference.empty()) {
    reference = load_model_or_report(o.reference, o.engine.load());
    if (!reference) return 1;
    auto s = Session::create(reference, o.engine.session());
    if (!s.ok()) return fail(s.status().with_context(o.reference));
    reference_session = std::move(s).value();
  }
  // Opened before the run, so a bad path fails in a second, not after the dataset.
  std::ofstream per_image;
  if (!o.per_image.empty()) {
    per_image.open(o.per_image);
    if (!per_image) return fail(o.per_image + ": cannot open for writing");
  }

  eval::EvalOptions options;
  options.limit = static_cast<size_t>(o.limit);
  options.resize = o.pre.method();
  options.normalization = o.pre.normalization();
  const bool show_progress = !o.json && isatty(STDERR_FILENO);
  if (show_progress) {
    options.progress = [](size_t done, size_t total) {
      std::fprintf(stderr, "\reval: %zu / %zu images", done, total);
      if (done == total) std::fprintf(stderr, "\r%40s\r", "");
      std::fflush(stderr);
    };
  }
  std::optional<eval::EvalModel> ref_model;
  if (reference_session) ref_model = eval::EvalModel{&*reference_session, o.reference};
  auto report = eval::evaluate(*dataset, {&*session, o.model}, ref_model, options);
  if (!report.ok()) {
    if (show_progress) std::fprintf(stderr, "\n");
    return fail(report.status());
  }

  if (per_image.is_open()) {
    write_per_image(per_image, *dataset, *report);
    per_image.close();
    if (!per_image) return fail(o.per_image + ": write error");
  }
  if (!o.json) {
    print_text(o, *dataset, *report);
    return 0;
  }
  nlohmann::json j = {{"dataset", dataset->dir},
                      {"images", report->per_image.size()},
                      {"num_classes", report->num_classes},
                      {"class_index_offset", report->num_classes == 1000 ? 1 : 0},
                      {"resize", o.pre.resize},
                      {"threads", o.engine.threads},
                      {"kernels", o.engine.kernels},
                      {"model", accuracy_json(o.model, report->model)},
                      {"total_ms", report->total_ms}};
  if (report->reference) {
    const eval::Drift& d = *report->drift;
    j["reference"] = accuracy_json(o.reference, *report->reference);
    j["comparison"] = {{"top1_agreement", d.top1_agreement_percent},
                       {"top1_agreements", d.top1_agreements},
                       {"sqnr_db", db_json(d.sqnr_db)},
                       {"mean_sqnr_db", db_json(d.mean_sqnr_db)},
                       {"identical_outputs", d.identical_outputs}};
  }
  if (!o.per_image.empty()) j["per_image_file"] = o.per_image;
  std::cout << j.dump(2) << "\n";
  return 0;
}

}  // namespace

Runner add_eval(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "eval",
      "Measure a classifier's top-1 / top-5 accuracy on a labelled image folder, and its drift from a "
      "reference model");
  auto o = std::make_shared<EvalCliOptions>();
  cmd->add_option("MODEL", o->model, "Model file (.tflite, or .onnx with an NHWC or NCHW image input)")->required();
  cmd->add_option("--dataset,-d", o->dataset, "Folder with the images and labels.tsv (format below)")
      ->required()
      ->option_text("DIR REQUIRED");
  cmd->add_option("--limit,-n", o->limit,
                  "Evaluate only the first N images of labels.tsv (all lines are still checked)")
      ->check(CLI::Range(1, std::numeric_limits<int>::max()))
      ->option_text("N");
  cmd->add_option("--reference,-r", o->reference,
                  "A second model to compare with (e.g. the original of a converted model): its accuracy, top-1 "
                  "agreement and output SQNR; it needs the same number of outputs")
      ->option_text("MODEL2");
  cmd->add_option("--per-image", o->per_image, "Write one CSV line per image to FILE (columns below)")
      ->option_text("FILE");
  cmd->add_flag("--json", o->json, "Print one JSON object instead of the table (no progress line)");
  add_engine_options(cmd, &o->engine);
  add_preprocess_options(cmd, &o->pre);
  cmd->footer(
      "Dataset: DIR/labels.tsv, tab-separated, with a header line, then one line per image:\n"
      "  file<TAB>class_index_1001<TAB>class_name\n"
      "  n01440764_tench.JPEG<TAB>1<TAB>tench, Tinca tinca\n"
      "file is relative to DIR (JPEG, PNG or BMP); class_index_1001 numbers ImageNet's classes with 0 =\n"
      "background, as models/imagenet_labels.txt; class_name is optional. Columns may come in any order; others\n"
      "are ignored. Every line is checked (fields, integers, duplicates, missing images, class range) before\n"
      "the first image runs; errors name labels.tsv and the line.\n"
      "\n"
      "Class index: a model with 1001 outputs is right when it ranks class_index_1001 first; one with 1000\n"
      "outputs (no background), class_index_1001 - 1; any other count, class_index_1001 as is. It must lie\n"
      "within the model's outputs.\n"
      "\n"
      "Pre-processing is classify's: decode, resize to the model's input, fill it with the model's quantization\n"
      "and normalization (--mean / --std for both models, else float inputs take the model's metadata). Each\n"
      "model gets its own input size, layout and dtype. The score tensor is output 0.\n"
      "\n"
      "Figures: top-1 / top-5 in % of the images evaluated; latency of the inference alone (invoke; mean and\n"
      "median), and the total time of the loop (decode, resize, fill and invoke; model loading excluded).\n"
      "With --reference: the reference's own top-1 / top-5; top-1 agreement (% of images where both rank the\n"
      "same class first); SQNR = 10 log10(sum ref^2 / sum (ref - model)^2) over the dequantized outputs,\n"
      "summed over all images, and the mean of the per-image SQNR over the images whose outputs differ\n"
      "(identical outputs are counted apart). Identical models give an infinite SQNR: 'inf' in the table,\n"
      "the string \"inf\" in JSON.\n"
      "\n"
      "--per-image columns: file, class_index_1001, class_name, expected (the output index that is right),\n"
      "top1, top5 (5 indices, space-separated), top1_correct, top5_correct (0/1), invoke_ms; with --reference\n"
      "also reference_top1, reference_top5, reference_top1_correct, reference_top5_correct,\n"
      "reference_invoke_ms, top1_agrees, sqnr_db.\n"
      "\n"
      "A progress line (images done / total) goes to stderr when it is a terminal, never with --json.\n"
      "\n"
      "Example:\n"
      "  edgerun eval m_int8.tflite --dataset ../shared/eval/imagenet-100 --reference m_float.tflite");
  return [o]() { return run_eval(*o); };
}

}  // namespace edgerun::cli
