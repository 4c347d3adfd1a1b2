#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "cli.h"
#include "format.h"
#include "io/npy/npy.h"
#include "vision/image.h"
#include "vision/labels.h"
#include "vision/preprocess.h"
#include "vision/resize.h"
#include "vision/topk.h"

namespace edgerun::cli {
namespace {

struct ClassifyOptions {
  std::string model;
  std::vector<std::string> images;
  std::string labels;
  int top_k = 5;
  bool json = false;
  std::string dump_inputs;
  EngineOptions engine;
  PreprocessOptions pre;
};

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

int run_classify(const ClassifyOptions& o) {
  const std::string model_path = o.model.empty() ? default_model_path() : o.model;
  if (o.model.empty() && !std::filesystem::exists(model_path)) {
    return fail("no --model given and the default model is missing at " + model_path +
                " (run scripts/setup.sh to fetch it, set EDGERUN_MODEL, or pass --model)");
  }
  auto model = load_model_or_report(model_path, o.engine.load());
  if (!model) return 1;
  if (model->input_count() != 1) {
    return fail(model_path + ": classify needs a model with one image input, found " +
                std::to_string(model->input_count()) + " inputs (use 'edgerun run' for raw tensors)");
  }
  const TensorInfo& in = model->input_info(0);
  // Flags win; otherwise float inputs take the model's metadata (vision::metadata_normalization).
  const auto norm = o.pre.normalization_for(*model);
  if (Status st = vision::check_input_info(in, norm); !st.ok()) return fail(st.with_context(model_path));
  const vision::ImageInputShape image_shape = vision::image_input_shape(in).value();
  const vision::ResizeMethod method = o.pre.method();

  std::vector<std::string> labels = model->metadata().labels;
  if (!o.labels.empty()) {
    auto loaded = vision::load_labels(o.labels);
    if (!loaded.ok()) return fail(loaded.status());
    labels = std::move(loaded).value();
  }
  const TensorInfo& out = model->output_info(0);
  const int num_classes = out.shape.empty() ? 1 : out.shape.back();

  auto session = Session::create(model, o.engine.session());
  if (!session.ok()) return fail(session.status());
  if (!o.dump_inputs.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.dump_inputs, ec);
    if (ec) return fail(o.dump_inputs + ": cannot create folder: " + ec.message());
  }

  nlohmann::json results = nlohmann::json::array();
  int failures = 0;
  for (size_t i = 0; i < o.images.size(); ++i) {
    const std::string& path = o.images[i];
    const auto t0 = Clock::now();
    auto image = vision::decode_image_file(path);
    if (!image.ok()) {
      ++failures;
      fail(image.status());
      continue;
    }
    const vision::Image resized = vision::resize(*image, image_shape.width, image_shape.height, method);
    if (Status st = vision::fill_input(resized, in, norm, session->input_data(0)); !st.ok()) {
      ++failures;
      fail(st.with_context(path));
      continue;
    }
    const auto t1 = Clock::now();
    if (Status st = session->invoke(); !st.ok()) return fail(st);
    const double invoke_ms = ms_since(t1);
    auto top = vision::try_top_k(session->output_data(0), out, o.top_k);
    if (!top.ok()) return fail(top.status().with_context(model_path));
    const double total_ms = ms_since(t0);

    nlohmann::json r = {{"image", path}, {"ms", total_ms}, {"invoke_ms", invoke_ms}, {"top_k", nlohmann::json::array()}};
    if (!o.dump_inputs.empty()) {
      const std::string dump = (std::filesystem::path(o.dump_inputs) / (std::to_string(i) + ".npy")).string();
      if (Status st = npy::write_npy(dump, in.dtype, in.shape, session->input_data(0)); !st.ok()) return fail(st);
      r["input_file"] = dump;
    }
    if (!o.json) std::printf("%s  (%.1f ms, invoke %.1f ms)\n", path.c_str(), total_ms, invoke_ms);
    for (size_t k = 0; k < top->size(); ++k) {
      const vision::Prediction& p = (*top)[k];
      const std::string label = vision::label_for(labels, p.index, num_classes);
      r["top_k"].push_back({{"index", p.index}, {"label", label}, {"score", p.score}});
      if (!o.json) std::printf("  %zu. %.4f  %s  (%d)\n", k + 1, p.score, label.c_str(), p.index);
    }
    results.push_back(std::move(r));
  }
  if (o.json) {
    nlohmann::json j = {{"model", model_path}, {"resize", o.pre.resize}, {"results", results}};
    std::cout << j.dump(2) << "\n";
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace

Runner add_classify(CLI::App& app) {
  auto* cmd = app.add_subcommand("classify", "Classify images: top-k labels, indices and scores per image");
  auto o = std::make_shared<ClassifyOptions>();
  cmd->add_option("IMAGE", o->images, "Images to classify (JPEG, PNG or BMP)")->required();
  cmd->add_option("--model,-m", o->model,
                  "Model file (.tflite, or .onnx with an NHWC or NCHW image input); default: $EDGERUN_MODEL, else "
                  "the model fetched by scripts/setup.sh");
  cmd->add_option("--labels,-l", o->labels,
                  "Label file, one per line (or 'index label' lines); default: labels embedded in the model");
  cmd->add_option("--top-k,-k", o->top_k, "How many classes to print per image")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_flag("--json", o->json, "Print JSON instead of text");
  add_engine_options(cmd, &o->engine);
  add_preprocess_options(cmd, &o->pre);
  cmd->add_option("--dump-inputs", o->dump_inputs,
                  "Write each preprocessed input tensor as DIR/<n>.npy (for parity checks with other runtimes)");
  return [o]() { return run_classify(*o); };
}

}  // namespace edgerun::cli
