#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli.h"
#include "convert/prune.h"
#include "convert/weight_quant.h"
#include "convert/weights.h"
#include "core/mapped_file.h"
#include "format.h"
#include "io/import.h"
#include "io/tflite/writer.h"
#include "vision/labels.h"

namespace edgerun::cli {
namespace {

// The weight passes: pruning, then weight-only quantization.
struct WeightOptions {
  std::string quantize;  // "", "fp16" or "dynamic"
  double prune = 0.0;    // 0: no pruning
  bool prune_structured = false;
};

struct ConvertOptions {
  std::string input;
  std::string output;
  std::string labels;
  std::vector<float> mean, std;
  WeightOptions weights;
  bool json = false;
};

std::vector<OpCount> count_ops(const ir::Graph& g) {
  std::vector<OpCount> ops;
  for (const ir::Node& n : g.nodes) {
    const std::string name = ir::op_name(n.op);
    auto it = std::find_if(ops.begin(), ops.end(), [&](const OpCount& c) { return c.op == name; });
    if (it == ops.end()) {
      ops.push_back({name, 1});
    } else {
      ++it->count;
    }
  }
  return ops;
}

int total(const std::vector<OpCount>& ops) {
  int n = 0;
  for (const OpCount& c : ops) n += c.count;
  return n;
}

std::string op_list(const std::vector<OpCount>& ops) {
  std::string s;
  for (const OpCount& c : ops) s += (s.empty() ? "" : ", ") + c.op + " " + std::to_string(c.count);
  return s;
}

std::string float_list(const std::vector<float>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%g", i ? ", " : "", v[i]);
    s += buf;
  }
  return s + "]";
}

// Writes through a temporary file renamed over `path`, so a failed write
// leaves no half file and converting a model onto itself never truncates
// the mapped input.
Status write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return IOError(path + ": cannot create " + tmp + ": " + std::strerror(errno));
    f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    f.close();
    if (!f) {
      std::filesystem::remove(tmp);
      return IOError(path + ": writing " + std::to_string(bytes.size()) + " bytes failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp);
    return IOError(path + ": cannot rename " + tmp + " to it: " + ec.message());
  }
  return Status::Ok();
}

// Runs the weight passes o asks for on m; their reports go into `json` and,
// one line each, `text`.
Status run_weight_passes(io::ImportedModel& m, const WeightOptions& o, nlohmann::json* json, std::string* text) {
  if (o.prune > 0.0) {
    convert::PruneReport r;
    EDGERUN_RETURN_IF_ERROR(convert::prune(m, {o.prune, o.prune_structured}, &r));
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : r.layers) {
      layers.push_back({{"node", l.node},
                        {"op", l.op},
                        {"name", l.name},
                        {"weights", l.weights},
                        {"zeroed", l.zeroed},
                        {"filters", l.filters},
                        {"filters_removed", l.filters_removed}});
    }
    (*json)["prune"] = {{"sparsity", o.prune},
                        {"structured", o.prune_structured},
                        {"layers", layers},
                        {"skipped", r.skipped},
                        {"filters_removed", r.filters_removed}};
    char buf[160];
    if (o.prune_structured) {
      std::snprintf(buf, sizeof buf, "%d filters removed (%g of each CONV_2D's) from %zu layers (%zu skipped)",
                    r.filters_removed, o.prune, r.layers.size(), r.skipped.size());
    } else {
      std::snprintf(buf, sizeof buf, "%g of the weights zeroed in %zu layers (%zu skipped)", o.prune, r.layers.size(),
                    r.skipped.size());
    }
    *text += std::string("  pruned:     ") + buf + "\n";
  }
  if (!o.quantize.empty()) {
    convert::WeightQuantReport r;
    if (o.quantize == "fp16") EDGERUN_RETURN_IF_ERROR(convert::quantize_fp16(m, {}, &r));
    if (o.quantize == "dynamic") EDGERUN_RETURN_IF_ERROR(convert::quantize_dynamic(m, {}, &r));
    (*json)["quantize"] = {{"mode", o.quantize},
                           {"tensors", r.tensors},
                           {"bytes_before", r.bytes_before},
                           {"bytes_after", r.bytes_after},
                           {"kept_float", r.kept_float}};
    *text += "  quantized:  " + o.quantize + ", " + std::to_string(r.tensors) + " weight tensors " +
             bytes_string(r.bytes_before) + " -> " + bytes_string(r.bytes_after) + ", " +
             std::to_string(r.kept_float.size()) + " left float32\n";
    if (r.tensors == 0) std::cerr << "edgerun: warning: --quantize " << o.quantize << ": no float32 weights found\n";
  }
  return Status::Ok();
}

// The size of `bytes` compressed with zstd at level 19: what a weight update
// sent compressed would take (pruned zeros compress; dense float weights hardly).
Result<int64_t> zstd_size(const std::vector<uint8_t>& bytes) {
  std::vector<uint8_t> out(ZSTD_compressBound(bytes.size()));
  const size_t n = ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), 19);
  if (ZSTD_isError(n)) return Internal(std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
  return static_cast<int64_t>(n);
}

int run_convert(const ConvertOptions& o) {
  auto file = MappedFile::open(o.input);
  if (!file.ok()) return fail(file.status());
  LoadOptions lo;
  lo.external_data_dir = std::filesystem::path(o.input).parent_path().string();
  if (lo.external_data_dir.empty()) lo.external_data_dir = ".";
  auto imported = io::import_model(file->data(), file->size(), lo);
  if (!imported.ok()) return fail(imported.status().with_context(o.input));
  if (!imported->metadata_error.empty()) {
    std::cerr << "edgerun: warning: " << o.input << ": " << imported->metadata_error
              << " (the metadata is not carried over)\n";
  }

  ModelMetadata md = imported->metadata;
  if (!o.labels.empty()) {
    auto labels = vision::load_labels(o.labels);
    if (!labels.ok()) return fail(labels.status());
    md.labels = std::move(labels).value();
  }
  if (!o.mean.empty()) md.mean = o.mean, md.std = o.std;

  const std::vector<OpCount> in_ops = count_ops(imported->graph);
  nlohmann::json passes = nlohmann::json::object();
  std::string passes_text;
  if (Status st = run_weight_passes(*imported, o.weights, &passes, &passes_text); !st.ok()) {
    return fail(st.with_context(o.input));
  }

  tflite::WriteOptions wo;
  wo.description =
      std::string("Converted by edgerun ") + version() + " from " + std::filesystem::path(o.input).filename().string();
  auto bytes = tflite::write_model(imported->graph, md, wo);
  if (!bytes.ok()) return fail(bytes.status().with_context(o.input));

  // The written file must load back in edgerun, every op prepared, before it replaces anything.
  LoadOptions check;
  check.kernels = KernelChoice::kReference;
  check.fuse = false;
  auto written = Model::load_from_buffer(bytes->data(), bytes->size(), check);
  if (!written.ok()) {
    return fail(
        written.status().with_context("the converted model does not load back in edgerun (a bug; please "
                                      "report it with the model)"));
  }
  if (Status st = write_file(o.output, *bytes); !st.ok()) return fail(st);

  // The written file's ops and constants, as stored (the loaded model has
  // folded its DEQUANTIZE nodes of constants into float32 weights).
  auto file_graph = io::import_model(bytes->data(), bytes->size(), {});
  if (!file_graph.ok()) return fail(file_graph.status().with_context(o.output));
  const std::vector<OpCount> out_ops = count_ops(file_graph->graph);
  const convert::WeightStats ws = convert::weight_stats(file_graph->graph);
  auto zstd_bytes = zstd_size(*bytes);
  if (!zstd_bytes.ok()) return fail(zstd_bytes.status());
  const ModelMetadata& wmd = (*written)->metadata();
  if (o.json) {
    nlohmann::json j;
    j["input"] = o.input;
    j["output"] = o.output;
    j["input_bytes"] = file->size();
    j["output_bytes"] = bytes->size();
    j["output_zstd_bytes"] = *zstd_bytes;
    j["input_ops"] = nlohmann::json::array();
    for (const OpCount& c : in_ops) j["input_ops"].push_back({{"op", c.op}, {"count", c.count}});
    j["ops"] = nlohmann::json::array();
    for (const OpCount& c : out_ops) j["ops"].push_back({{"op", c.op}, {"count", c.count}});
    j["parameters"] = ws.parameters;
    j["parameter_bytes"] = ws.parameter_bytes;
    j["weights"] = ws.weights;
    j["zero_weights"] = ws.zero_weights;
    j["sparsity"] = ws.sparsity();
    j.update(passes);
    for (size_t i = 0; i < (*written)->input_count(); ++i)
      j["inputs"].push_back(tensor_json((*written)->input_info(i)));
    for (size_t i = 0; i < (*written)->output_count(); ++i) {
      j["outputs"].push_back(tensor_json((*written)->output_info(i)));
    }
    j["metadata"] = {{"name", wmd.name}, {"mean", wmd.mean}, {"std", wmd.std}, {"labels", wmd.labels.size()}};
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::cout << o.input << " -> " << o.output << "\n";
  std::cout << passes_text;
  std::cout << "  ops:        " << total(in_ops) << " -> " << total(out_ops) << " (" << op_list(out_ops) << ")\n";
  char sparsity[96];
  std::snprintf(sparsity, sizeof sparsity, "%.1f%% of %lld layer weights zero", 100.0 * ws.sparsity(),
                static_cast<long long>(ws.weights));
  std::cout << "  parameters: " << ws.parameters << ", " << bytes_string(ws.parameter_bytes) << "; " << sparsity
            << "\n";
  std::cout << "  size:       " << bytes_string(static_cast<int64_t>(file->size())) << " -> "
            << bytes_string(static_cast<int64_t>(bytes->size())) << ", " << bytes_string(*zstd_bytes)
            << " with zstd -19\n";
  std::cout << "  metadata:   ";
  if (wmd.labels.empty() && wmd.mean.empty() && wmd.name.empty()) {
    std::cout << "none\n";
  } else {
    std::string parts;
    if (!wmd.name.empty()) parts += "name '" + wmd.name + "'";
    if (!wmd.labels.empty()) parts += (parts.empty() ? "" : ", ") + std::to_string(wmd.labels.size()) + " labels";
    if (!wmd.mean.empty()) {
      parts +=
          (parts.empty() ? "" : ", ") + std::string("mean ") + float_list(wmd.mean) + ", std " + float_list(wmd.std);
    }
    std::cout << parts << "\n";
  }
  return 0;
}

}  // namespace

Runner add_convert(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "convert",
      "Write a model (.tflite or .onnx) as a TFLite flatbuffer that LiteRT and edgerun load, optionally pruned and "
      "with fp16 or int8 weights");
  auto o = std::make_shared<ConvertOptions>();
  cmd->add_option("IN", o->input, "Model to convert (.tflite or .onnx)")->required();
  cmd->add_option("--output,-o", o->output, "TFLite file to write (replaced if it exists)")->required();
  cmd->add_option("--labels,-l", o->labels,
                  "Label file to embed, one per line (or 'index label' lines); default: the input's embedded labels");
  auto* mean = cmd->add_option("--mean", o->mean,
                               "Input normalization mean to embed, 1 or 3 values: (pixel - mean) / std, pixels 0..255; "
                               "default: the input's")
                   ->expected(1, 3)
                   ->delimiter(',');
  auto* stdv = cmd->add_option("--std", o->std, "Input normalization std to embed, 1 or 3 values")
                   ->expected(1, 3)
                   ->delimiter(',');
  mean->needs(stdv);
  stdv->needs(mean);
  cmd->add_flag("--json", o->json, "Print a JSON summary");

  // Weight passes (src/convert/prune.h, weight_quant.h): prune first, then quantize.
  cmd->add_option("--quantize", o->weights.quantize,
                  "Store float32 weights in fewer bits, each read through a DEQUANTIZE (activations stay float): "
                  "fp16 (float16, half the size) or dynamic (int8 per output channel, a quarter)")
      ->check(CLI::IsMember({"fp16", "dynamic"}));
  auto* prune = cmd->add_option("--prune", o->weights.prune,
                                "Magnitude pruning, before quantization: in each float conv / depthwise / fully "
                                "connected layer of at least 1000 weights, this fraction (in (0, 1)) of the weights "
                                "with the smallest |w| set to 0")
                    ->check(CLI::Validator(
                        [](std::string& v) -> std::string {
                          const double s = std::strtod(v.c_str(), nullptr);
                          return s > 0.0 && s < 1.0 ? "" : "expected a fraction in (0, 1), found " + v;
                        },
                        "in (0, 1)"));
  cmd->add_flag("--prune-structured", o->weights.prune_structured,
                "With --prune S: remove the fraction S of each CONV_2D's output filters with the smallest L1 norm "
                "instead, and the matching input channels of the layers that read them (where only convs, "
                "depthwise convs, fully connected layers, pools and activations do)")
      ->needs(prune);
  cmd->footer(
      "The graph is written as edgerun imports it (an ONNX model's batch norms folded, activations fused, NCHW "
      "inputs kept with one TRANSPOSE), quantized or pruned only as asked. Ops TFLite has no form for are rewritten "
      "exactly (HARD_SIGMOID, explicit pads) or refused with an error naming the node. See docs/convert.md.");
  return [o]() { return run_convert(*o); };
}

}  // namespace edgerun::cli
