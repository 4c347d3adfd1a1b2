// Shared pieces of the edgerun command-line tool: one file per subcommand.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgerun/edgerun.h"
#include "vision/preprocess.h"
#include "vision/resize.h"

namespace edgerun::cli {

// Each subcommand registers its flags on `app` and returns the function that
// runs it (exit code: 0 ok, 1 runtime failure, 2 bad usage).
using Runner = std::function<int()>;
Runner add_classify(CLI::App& app);
Runner add_inspect(CLI::App& app);
Runner add_run(CLI::App& app);
Runner add_bench(CLI::App& app);
Runner add_eval(CLI::App& app);
Runner add_convert(CLI::App& app);
Runner add_keygen(CLI::App& app);
Runner add_bundle(CLI::App& app);
Runner add_agent(CLI::App& app);
Runner add_fleet(CLI::App& app);

// Prints "edgerun: <message>" to stderr and returns 1.
int fail(const std::string& message);
int fail(const Status& status);

// The engine flags of every subcommand that runs a model: --threads, --kernels.
struct EngineOptions {
  int threads = 1;
  std::string kernels = "auto";
  bool no_fuse = false;
  LoadOptions load() const;
  SessionOptions session() const;
};
void add_engine_options(CLI::App* cmd, EngineOptions* o);

// The pre-processing flags of the subcommands that feed images: --resize, --mean, --std.
struct PreprocessOptions {
  std::string resize = "bilinear";
  std::vector<float> mean, std;
  vision::ResizeMethod method() const;
  // The normalization the flags ask for (a missing --mean is 0, a missing --std 1);
  // nullopt when neither is given, for vision::metadata_normalization to choose.
  std::optional<vision::Normalization> normalization() const;
  // The flags' normalization, else the model's default for its input 0 (which it must have).
  std::optional<vision::Normalization> normalization_for(const Model& model) const;
};
void add_preprocess_options(CLI::App* cmd, PreprocessOptions* o);

// Loads a model, or prints the error; null on failure.
std::shared_ptr<const Model> load_model_or_report(const std::string& path, const LoadOptions& options = {});

// The model used when --model is not given: $EDGERUN_MODEL, else the one the
// setup script places in the source tree's models/ folder.
std::string default_model_path();

}  // namespace edgerun::cli
