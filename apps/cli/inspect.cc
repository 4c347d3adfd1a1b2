#include <cstdio>
#include <iostream>

#include "cli.h"
#include "format.h"

namespace edgerun::cli {

Runner add_inspect(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "Show a model's inputs, outputs, ops, parameters, MACs and arena size");
  auto model_path = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("MODEL", *model_path, "Model file (.tflite or .onnx)")->required();
  cmd->add_flag("--json", *json, "Print JSON instead of text");
  return [=]() -> int {
    auto model = load_model_or_report(*model_path);
    if (!model) return 1;
    const ModelStats& s = model->stats();
    const ModelMetadata& md = model->metadata();
    if (*json) {
      nlohmann::json j;
      j["model"] = *model_path;
      for (size_t i = 0; i < model->input_count(); ++i) j["inputs"].push_back(tensor_json(model->input_info(i)));
      for (size_t i = 0; i < model->output_count(); ++i) j["outputs"].push_back(tensor_json(model->output_info(i)));
      j["ops"] = nlohmann::json::array();
      for (const OpCount& c : s.ops) j["ops"].push_back({{"op", c.op}, {"count", c.count}});
      j["parameters"] = s.parameters;
      j["parameter_bytes"] = s.parameter_bytes;
      j["macs"] = s.macs;
      j["arena_bytes"] = s.arena_bytes;
      j["activation_bytes_unshared"] = s.activation_bytes_unshared;
      j["metadata"] = {{"name", md.name}, {"mean", md.mean}, {"std", md.std}, {"labels", md.labels.size()}};
      std::cout << j.dump(2) << "\n";
      return 0;
    }
    std::cout << "Model: " << *model_path << "\n";
    if (!md.name.empty()) std::cout << "Name: " << md.name << "\n";
    auto print_tensors = [](const char* title, size_t n, auto get) {
      std::cout << title << ":\n";
      for (size_t i = 0; i < n; ++i) {
        const TensorInfo& t = get(i);
        std::cout << "  " << i << ": " << t.name << "  " << dtype_name(t.dtype) << " " << shape_string(t.shape)
                  << "  quantization: " << quant_string(t.quant) << "\n";
      }
    };
    print_tensors("Inputs", model->input_count(), [&](size_t i) -> const TensorInfo& { return model->input_info(i); });
    print_tensors("Outputs", model->output_count(),
                  [&](size_t i) -> const TensorInfo& { return model->output_info(i); });
    int total = 0;
    for (const OpCount& c : s.ops) total += c.count;
    std::cout << "Ops (" << total << "):\n";
    for (const OpCount& c : s.ops) std::printf("  %-20s %d\n", c.op.c_str(), c.count);
    std::cout << std::flush;
    std::printf("Parameters: %lld (%s)\n", static_cast<long long>(s.parameters), bytes_string(s.parameter_bytes).c_str());
    std::printf("MACs: %lld (%.1f M)\n", static_cast<long long>(s.macs), s.macs / 1e6);
    std::printf("Arena: %s (activations unshared: %s)\n", bytes_string(static_cast<int64_t>(s.arena_bytes)).c_str(),
                bytes_string(static_cast<int64_t>(s.activation_bytes_unshared)).c_str());
    if (!md.mean.empty()) {
      std::printf("Normalization: mean %g, std %g (from metadata)\n", md.mean[0], md.std.empty() ? 1.0 : md.std[0]);
    }
    if (!md.labels.empty()) std::printf("Labels: %zu (embedded)\n", md.labels.size());
    return 0;
  };
}

}  // namespace edgerun::cli
