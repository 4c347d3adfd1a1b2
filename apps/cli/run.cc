#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli.h"
#include "format.h"
#include "io/npy/npy.h"

namespace edgerun::cli {

Runner add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "run", "Feed raw input tensors (.npy) to a model and write every output as .npy (for scripts and parity checks)");
  struct Options {
    std::string model;
    std::vector<std::string> inputs;
    std::string output_dir;
    bool json = false;
    EngineOptions engine;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("MODEL", o->model, "Model file (.tflite or .onnx)")->required();
  cmd->add_option("--input,-i", o->inputs, "One .npy file per model input, in input order (none for a model without inputs)");
  cmd->add_option("--output,-o", o->output_dir, "Folder for output_<i>.npy files (created if missing)")->required();
  cmd->add_flag("--json", o->json, "Print a JSON summary");
  add_engine_options(cmd, &o->engine);
  return [o]() -> int {
    auto model = load_model_or_report(o->model, o->engine.load());
    if (!model) return 1;
    if (o->inputs.size() != model->input_count()) {
      return fail("--input: the model has " + std::to_string(model->input_count()) + " input(s), " +
                  std::to_string(o->inputs.size()) + " file(s) given");
    }
    auto session = Session::create(model, o->engine.session());
    if (!session.ok()) return fail(session.status());
    for (size_t i = 0; i < o->inputs.size(); ++i) {
      auto arr = npy::read_npy(o->inputs[i]);
      if (!arr.ok()) return fail(arr.status());
      const TensorInfo& info = model->input_info(i);
      if (arr->dtype != info.dtype || shape_elements(arr->shape) != info.elements()) {
        return fail(o->inputs[i] + ": input " + std::to_string(i) + " '" + info.name + "' expects " +
                    dtype_name(info.dtype) + " " + shape_string(info.shape) + ", found " + dtype_name(arr->dtype) +
                    " " + shape_string(arr->shape));
      }
      std::memcpy(session->input_data(i), arr->data.data(), info.bytes());
    }
    const auto t0 = std::chrono::steady_clock::now();
    if (Status st = session->invoke(); !st.ok()) return fail(st);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();

    std::error_code ec;
    std::filesystem::create_directories(o->output_dir, ec);
    if (ec) return fail(o->output_dir + ": cannot create folder: " + ec.message());
    nlohmann::json j = {{"model", o->model}, {"invoke_ms", ms}, {"outputs", nlohmann::json::array()}};
    for (size_t i = 0; i < model->output_count(); ++i) {
      const TensorInfo& info = model->output_info(i);
      const std::string path = (std::filesystem::path(o->output_dir) / ("output_" + std::to_string(i) + ".npy")).string();
      if (Status st = npy::write_npy(path, info.dtype, info.shape, session->output_data(i)); !st.ok()) return fail(st);
      auto tj = tensor_json(info);
      tj["file"] = path;
      j["outputs"].push_back(tj);
      if (!o->json) std::cout << path << "  " << info.name << " " << dtype_name(info.dtype) << " " << shape_string(info.shape) << "\n";
    }
    if (o->json) std::cout << j.dump(2) << "\n";
    return 0;
  };
}

}  // namespace edgerun::cli
