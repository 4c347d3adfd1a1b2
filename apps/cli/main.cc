#include <iostream>

#include "cli.h"

namespace edgerun::cli {

int fail(const std::string& message) {
  std::cerr << "edgerun: " << message << "\n";
  return 1;
}
int fail(const Status& status) { return fail(status.message()); }

LoadOptions EngineOptions::load() const {
  LoadOptions l;
  l.kernels = kernels == "reference" ? KernelChoice::kReference
              : kernels == "avx2"    ? KernelChoice::kAvx2
                                     : KernelChoice::kAuto;
  l.fuse = !no_fuse;
  return l;
}

SessionOptions EngineOptions::session() const {
  SessionOptions s;
  s.threads = threads;
  return s;
}

void add_engine_options(CLI::App* cmd, EngineOptions* o) {
  cmd->add_option("--threads,-t", o->threads, "Threads per inference, the calling thread included")
      ->default_val(1)
      ->check(CLI::Range(1, 256));
  cmd->add_option("--kernels", o->kernels,
                  "auto: the fastest kernels for this CPU (AVX-512 VNNI / AVX-512F, else AVX2+FMA); avx2: "
                  "no AVX-512 kernels; reference: the portable reference kernels only (slow; the correctness "
                  "oracle)")
      ->default_val("auto")
      ->check(CLI::IsMember({"auto", "avx2", "reference"}));
  cmd->add_flag("--no-fuse", o->no_fuse,
                "Run every op as its own kernel (by default chains such as float pointwise -> depthwise -> "
                "pointwise convs run as one, band by band, and a float conv applies its HARD_SWISH or SiLU as "
                "it writes its output; results are identical)");
}

vision::ResizeMethod PreprocessOptions::method() const {
  return resize == "nearest" ? vision::ResizeMethod::kNearest : vision::ResizeMethod::kBilinear;
}

std::optional<vision::Normalization> PreprocessOptions::normalization() const {
  if (mean.empty() && std.empty()) return std::nullopt;
  vision::Normalization n;
  n.mean = mean.empty() ? std::vector<float>{0.0f} : mean;
  n.std = std.empty() ? std::vector<float>{1.0f} : std;
  return n;
}

std::optional<vision::Normalization> PreprocessOptions::normalization_for(const Model& model) const {
  if (auto n = normalization()) return n;
  return vision::metadata_normalization(model.input_info(0), model.metadata().mean, model.metadata().std);
}

void add_preprocess_options(CLI::App* cmd, PreprocessOptions* o) {
  cmd->add_option("--resize", o->resize,
                  "Resize method to the model's input size: bilinear (half-pixel centers) or nearest")
      ->check(CLI::IsMember({"bilinear", "nearest"}))
      ->capture_default_str();
  cmd->add_option("--mean", o->mean,
                  "Input normalization mean, 1 or 3 values: (pixel - mean) / std, pixels 0..255 (PyTorch ImageNet "
                  "models: --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375)")
      ->expected(1, 3)
      ->delimiter(',');
  cmd->add_option("--std", o->std, "Input normalization std, 1 or 3 values")->expected(1, 3)->delimiter(',');
}

std::shared_ptr<const Model> load_model_or_report(const std::string& path, const LoadOptions& options) {
  auto model = Model::load(path, options);
  if (!model.ok()) {
    fail(model.status());
    return nullptr;
  }
  if (!(*model)->metadata().warning.empty()) {
    std::cerr << "edgerun: warning: " << path << ": " << (*model)->metadata().warning << "\n";
  }
  return *model;
}

std::string default_model_path() {
  if (const char* env = std::getenv("EDGERUN_MODEL"); env && *env) return env;
  return EDGERUN_DEFAULT_MODEL;
}

}  // namespace edgerun::cli

int main(int argc, char** argv) {
  using namespace edgerun::cli;
  CLI::App app{"edgerun: run vision models on the CPU, fast, private and offline.", "edgerun"};
  app.set_version_flag("--version", std::string("edgerun ") + edgerun::version());
  app.require_subcommand(1);
  app.footer(
      "Examples:\n"
      "  edgerun classify photo.jpg                      top-5 labels with the default model\n"
      "  edgerun classify --model m.tflite --json a.jpg  JSON for scripts\n"
      "  edgerun inspect m.tflite                        inputs, outputs, ops, MACs, arena size\n"
      "  edgerun run m.tflite --input x.npy --output out/  raw tensors in and out (.npy)\n"
      "  edgerun bench m.tflite --profile                latency, memory, cold start, per-op times\n"
      "  edgerun eval m.tflite --dataset DIR             top-1 / top-5 on labelled images (DIR/labels.tsv)\n"
      "  edgerun convert m.onnx -o m.tflite              write a TFLite model that LiteRT and edgerun run\n"
      "  edgerun bundle create --model m.tflite ...      a signed model bundle for devices (docs/deploy.md)\n"
      "  edgerun agent --config agent.json               the device's update agent (MQTT + HTTP, A/B slots)\n"
      "  edgerun fleet publish b.erb --artifacts ... --canary 10   roll a bundle out to the agents\n"
      "Run 'edgerun SUBCOMMAND --help' for each subcommand's options.");
  Runner classify = add_classify(app);
  Runner inspect = add_inspect(app);
  Runner run = add_run(app);
  Runner bench = add_bench(app);
  Runner eval = add_eval(app);
  Runner convert = add_convert(app);
  Runner keygen = add_keygen(app);
  Runner bundle = add_bundle(app);
  Runner agent = add_agent(app);
  Runner fleet = add_fleet(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Point at the help of the subcommand being parsed, when there is one.
    std::string help = "edgerun --help";
    for (const CLI::App* sub : app.get_subcommands()) help = "edgerun " + sub->get_name() + " --help";
    std::cerr << "edgerun: " << e.what() << " (see '" << help << "')\n";
    return 2;
  }
  for (CLI::App* sub : app.get_subcommands()) {
    if (sub->get_name() == "classify") return classify();
    if (sub->get_name() == "inspect") return inspect();
    if (sub->get_name() == "run") return run();
    if (sub->get_name() == "bench") return bench();
    if (sub->get_name() == "eval") return eval();
    if (sub->get_name() == "convert") return convert();
    if (sub->get_name() == "keygen") return keygen();
    if (sub->get_name() == "bundle") return bundle();
    if (sub->get_name() == "agent") return agent();
    if (sub->get_name() == "fleet") return fleet();
  }
  return 2;
}
