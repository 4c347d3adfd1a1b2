#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <fstream>
#include <iostream>
#include <limits>
#include <unistd.h>

#include "cli.h"
#include "convert/calibrate.h"
#include "convert/dequantize.h"
#include "convert/graph_edit.h"
#include "convert/prune.h"
#include "convert/quantize.h"
#include "convert/report.h"
#include "convert/weight_quant.h"
#include "convert/weights.h"
#include "core/mapped_file.h"
#include "format.h"
#include "io/import.h"
#include "io/tflite/writer.h"
#include "vision/labels.h"

namespace edgerun::cli {
namespace {

// Pruning, which runs before any --quantize.

struct ConvertOptions {
  std::string input;
  std::string output;
  std::string labels;
  std::vector<float> mean, std;
  bool dequantize = false;
  convert::PruneOptions prune{.sparsity = 0.0};  // --prune S; 0: no pruning
  std::string quantize;  // "int8", "fp16", "dynamic" or ""
  // --quantize int8
  std::string calibration;
  int calib_count = 100;
  std::string range = "minmax";
  double percentile = 99.99;
  std::string io = "float";
  bool bias_correction = true;
  std::string report;
  int report_images = 10;
  int threads = 1;
  bool json = false;
};

// Calibrates the float model on the calibration images and quantizes it to
// int8 in place; with --report, writes the per-layer SQNR JSON and fills `summary`.
Status quantize_int8(const ConvertOptions& o, io::ImportedModel& m, nlohmann::json* summary) {
  EDGERUN_ASSIGN_OR_RETURN(auto images, convert::calibration_images(o.calibration, static_cast<size_t>(o.calib_count)));
  convert::CalibrationOptions co;
  co.estimator = o.range == "percentile" ? convert::RangeEstimator::kPercentile
                 : o.range == "mse"      ? convert::RangeEstimator::kMse
                                         : convert::RangeEstimator::kMinMax;
  co.percentile = o.percentile;
  co.threads = o.threads;
  const bool show_progress = !o.json && isatty(STDERR_FILENO);
  if (show_progress) {
    co.progress = [](size_t done, size_t total) {
      std::fprintf(stderr, "\rcalibrating: %zu / %zu images", done, total);
      if (done == total) std::fprintf(stderr, "\r%40s\r", "");
      std::fflush(stderr);
    };
  }
  // The float graph, for the report: its constants stay valid (quantization
  // only adds constants to m).
  io::ImportedModel float_model;
  float_model.graph = m.graph;
  float_model.metadata = m.metadata;
  auto ranges = convert::calibrate(m, images, co);
  if (show_progress && !ranges.ok()) std::fprintf(stderr, "\n");
  if (!ranges.ok()) return ranges.status();
  convert::QuantizeOptions qo;
  qo.io = o.io == "int8" ? convert::IoType::kInt8 : o.io == "uint8" ? convert::IoType::kUInt8 : convert::IoType::kFloat;
  qo.bias_correction = o.bias_correction;
  convert::QuantizeReport qr;
  EDGERUN_RETURN_IF_ERROR(convert::quantize_int8(m, *ranges, qo, &qr));
  nlohmann::json& j = *summary;
  j["calibration"] = {{"dir", o.calibration}, {"images", images.size()}, {"range", o.range}};
  if (o.range == "percentile") j["calibration"]["percentile"] = o.percentile;
  j["bias_correction"] = o.bias_correction;
  j["int8_nodes"] = qr.quantized_nodes;
  j["float_nodes"] = qr.float_nodes;
  j["float_ops"] = qr.float_ops;
  if (o.report.empty()) return Status::Ok();

  images.resize(std::min(images.size(), static_cast<size_t>(o.report_images)));
  EDGERUN_ASSIGN_OR_RETURN(auto layers, convert::layer_sqnr(float_model, m, qr, images, std::nullopt, o.threads));
  nlohmann::json r;
  r["images"] = images.size();
  r["layers"] = nlohmann::json::array();
  for (const convert::LayerSqnr& l : layers) {
    r["layers"].push_back({{"node", l.node}, {"op", l.op}, {"tensor", l.tensor}, {"scale", l.scale},
                           {"zero_point", l.zero_point}, {"sqnr_db", db_json(l.sqnr_db)}});
  }
  std::ofstream f(o.report);
  f << r.dump(2) << "\n";
  if (!f) return IOError(o.report + ": cannot write the report");
  // The five lowest, for the summary.
  std::vector<convert::LayerSqnr> worst = layers;
  std::sort(worst.begin(), worst.end(), [](const auto& a, const auto& b) { return a.sqnr_db < b.sqnr_db; });
  worst.resize(std::min<size_t>(worst.size(), 5));
  j["report"] = {{"file", o.report}, {"layers", layers.size()}, {"worst", nlohmann::json::array()}};
  for (const auto& l : worst) {
    j["report"]["worst"].push_back({{"op", l.op}, {"tensor", l.tensor}, {"sqnr_db", db_json(l.sqnr_db)}});
  }
  if (!layers.empty()) j["report"]["output_sqnr_db"] = db_json(layers.back().sqnr_db);
  return Status::Ok();
}

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

// Pruning, then --quantize fp16 / dynamic (int8 runs after this), as `p`
// and `quantize` ask; their reports go into `json` and, one line each, `text`.
Status run_weight_passes(io::ImportedModel& m, const convert::PruneOptions& p, const std::string& quantize,
                         const std::function<Status(io::ImportedModel&, nlohmann::json*)>& after_prune,
                         nlohmann::json* json, std::string* text) {
  if (p.sparsity > 0.0) {
    convert::PruneReport r;
    EDGERUN_RETURN_IF_ERROR(convert::prune(m, p, &r));
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
    (*json)["prune"] = {{"sparsity", p.sparsity},
                        {"structured", p.structured},
                        {"layers", layers},
                        {"skipped", r.skipped},
                        {"filters_removed", r.filters_removed}};
    char buf[160];
    if (p.structured) {
      std::snprintf(buf, sizeof buf, "%d filters removed (%g of each CONV_2D's) from %zu layers (%zu skipped)",
                    r.filters_removed, p.sparsity, r.layers.size(), r.skipped.size());
    } else {
      std::snprintf(buf, sizeof buf, "%g of the weights zeroed in %zu layers (%zu skipped)", p.sparsity,
                    r.layers.size(), r.skipped.size());
    }
    *text += std::string("  pruned:     ") + buf + "\n";
    if (after_prune) EDGERUN_RETURN_IF_ERROR(after_prune(m, &(*json)["prune"]));
  }
  if (quantize == "fp16" || quantize == "dynamic") {
    convert::WeightQuantReport r;
    if (quantize == "fp16") EDGERUN_RETURN_IF_ERROR(convert::quantize_fp16(m, {}, &r));
    if (quantize == "dynamic") EDGERUN_RETURN_IF_ERROR(convert::quantize_dynamic(m, {}, &r));
    (*json)["quantize"] = {{"mode", quantize},
                           {"tensors", r.tensors},
                           {"bytes_before", r.bytes_before},
                           {"bytes_after", r.bytes_after},
                           {"kept_float", r.kept_float}};
    *text += "  quantized:  " + quantize + ", " + std::to_string(r.tensors) + " weight tensors " +
             bytes_string(r.bytes_before) + " -> " + bytes_string(r.bytes_after) + ", " +
             std::to_string(r.kept_float.size()) + " left float32\n";
    if (r.tensors == 0) std::cerr << "edgerun: warning: --quantize " << quantize << ": no float32 weights found\n";
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

  const std::vector<OpCount> in_ops = count_ops(imported->graph);
  // Nodes no output depends on are not converted (nor calibrated, nor written).
  const int32_t dead_nodes = convert::remove_dead_nodes(imported->graph);
  if (o.dequantize) {
    convert::DequantizeReport r;
    if (Status st = convert::dequantize_model(*imported, &r); !st.ok()) return fail(st.with_context(o.input));
    if (r.constants + r.activations == 0) {
      std::cerr << "edgerun: warning: " << o.input << ": --dequantize: the model has no quantized tensors\n";
    }
  }

  nlohmann::json passes = nlohmann::json::object();
  std::string passes_text;
  // Normalization first: calibration feeds images as classify would.
  if (!o.mean.empty()) imported->metadata.mean = o.mean, imported->metadata.std = o.std;
  // Unstructured pruning with calibration images: bias correction, from the
  // channel means of the model before pruning.
  std::function<Status(io::ImportedModel&, nlohmann::json*)> after_prune;
  ir::Graph unpruned;
  std::vector<convert::ValueRange> unpruned_ranges;
  if (o.prune.sparsity > 0.0 && !o.prune.structured && !o.calibration.empty()) {
    auto images = convert::calibration_images(o.calibration, static_cast<size_t>(o.calib_count));
    if (!images.ok()) return fail(images.status());
    convert::CalibrationOptions co;
    co.threads = o.threads;
    auto ranges = convert::calibrate(*imported, *images, co);
    if (!ranges.ok()) return fail(ranges.status().with_context(o.input));
    unpruned = imported->graph;
    unpruned_ranges = std::move(ranges).value();
    after_prune = [&](io::ImportedModel& m, nlohmann::json* j) -> Status {
      EDGERUN_ASSIGN_OR_RETURN(const int32_t n, convert::correct_pruned_biases(m, unpruned, unpruned_ranges));
      (*j)["bias_corrected_layers"] = n;
      return Status::Ok();
    };
  }
  if (Status st = run_weight_passes(*imported, o.prune, o.quantize, after_prune, &passes, &passes_text); !st.ok()) {
    return fail(st.with_context(o.input));
  }
  nlohmann::json quant_summary = nlohmann::json::object();
  if (o.quantize == "int8") {
    if (o.calibration.empty()) return fail("--quantize int8 needs --calibration DIR (images to measure the ranges on)");
    if (Status st = quantize_int8(o, *imported, &quant_summary); !st.ok()) return fail(st.with_context(o.input));
  }

  ModelMetadata md = imported->metadata;
  if (!o.labels.empty()) {
    auto labels = vision::load_labels(o.labels);
    if (!labels.ok()) return fail(labels.status());
    md.labels = std::move(labels).value();
  }
  if (!o.mean.empty()) md.mean = o.mean, md.std = o.std;

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
    if (!quant_summary.empty()) j["quantization"] = quant_summary;
    j["dead_nodes_removed"] = dead_nodes;
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
  if (dead_nodes > 0) std::cout << "  removed:    " << dead_nodes << " nodes no output depends on\n";
  if (!quant_summary.empty()) {
    std::cout << "  int8:       " << quant_summary["int8_nodes"].get<int>() << " ops in int8, "
              << quant_summary["float_nodes"].get<int>() << " left float"
              << (quant_summary["float_ops"].empty() ? std::string() : " (" + quant_summary["float_ops"].dump() + ")")
              << "; calibrated on " << quant_summary["calibration"]["images"].get<size_t>() << " images ("
              << o.range << ")\n";
    if (quant_summary.contains("report")) {
      // Back from db_json; a TFLite tensor name up to its first ';'.
      auto db = [](const nlohmann::json& x) {
        return db_text(x.is_number() ? x.get<double>() : std::numeric_limits<double>::infinity());
      };
      const auto& r = quant_summary["report"];
      std::cout << "  report:     " << o.report << " (" << r["layers"].get<size_t>() << " layers), output SQNR "
                << db(r["output_sqnr_db"]) << " vs the float model; lowest:\n";
      for (const auto& l : r["worst"]) {
        const std::string name = l["tensor"].get<std::string>();
        std::cout << "              " << db(l["sqnr_db"]) << "  " << l["op"].get<std::string>() << "  "
                  << name.substr(0, name.find(';')) << "\n";
      }
    }
  }
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
  cmd->add_flag("--dequantize", o->dequantize,
                "Write a float32 model: every quantized weight and activation as float32 (scale * (q - zero "
                "point)), QUANTIZE / DEQUANTIZE nodes removed; a quantized input without normalization metadata "
                "gets mean = zero point, std = 1 / scale");
  cmd->add_option("--quantize", o->quantize,
                  "int8: full-integer int8 (per-channel symmetric int8 weights, per-tensor asymmetric int8 "
                  "activations, int32 biases, as TFLite's int8 kernels define), calibrated on --calibration images. "
                  "fp16 / dynamic: float32 weights stored as float16 (half the size) or as int8 per output channel (a "
                  "quarter), each read through a DEQUANTIZE; activations stay float")
      ->check(CLI::IsMember({"int8", "fp16", "dynamic"}));
  cmd->add_option("--calibration", o->calibration,
                  "Folder of calibration images: the first --calib-count in DIR/labels.tsv's order when there is "
                  "one, else the JPEG / PNG / BMP files sorted by name; classify's pre-processing");
  cmd->add_option("--calib-count", o->calib_count, "Calibration images to use")->check(CLI::Range(1, 100000));
  cmd->add_option("--range", o->range,
                  "Activation range estimator: minmax (smallest and largest value seen), percentile (clip the "
                  "tails beyond --percentile), mse (the clipping that minimizes the expected int8 squared error)")
      ->check(CLI::IsMember({"minmax", "percentile", "mse"}));
  cmd->add_option("--percentile", o->percentile, "--range percentile: the percentile kept, in (50, 100]")
      ->check(CLI::Range(50.0, 100.0));
  cmd->add_option("--io", o->io,
                  "With --quantize int8, the model's input and output type: float (QUANTIZE / DEQUANTIZE inside "
                  "the model), int8, or uint8")
      ->check(CLI::IsMember({"float", "int8", "uint8"}));
  cmd->add_flag("--bias-correction,!--no-bias-correction", o->bias_correction,
                "With --quantize int8 (on by default), fold the mean shift that rounding the weights causes (sum "
                "(w_q - w) * the calibrated mean input) into each conv / fully connected bias");
  cmd->add_option("--report", o->report,
                  "With --quantize int8, write per-layer quantization error (SQNR of each int8 tensor against the "
                  "float model's, in dB) as JSON to this file; the summary names the five lowest");
  cmd->add_option("--report-images", o->report_images, "Calibration images the report runs (the first N)")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--threads,-t", o->threads, "Threads for calibration and the report")->check(CLI::Range(1, 256));
  cmd->add_flag("--json", o->json, "Print a JSON summary");

  // Pruning (src/convert/prune.h), before any --quantize.
  auto* prune = cmd->add_option("--prune", o->prune.sparsity,
                                "Magnitude pruning, before quantization: in each float conv / fully connected layer "
                                "of at least 1000 weights (depthwise convs too with --prune-depthwise), this fraction "
                                "(in (0, 1)) of the weights with the smallest |w| set to 0")
                    ->check(CLI::Validator(
                        [](std::string& v) -> std::string {
                          const double s = std::strtod(v.c_str(), nullptr);
                          return s > 0.0 && s < 1.0 ? "" : "expected a fraction in (0, 1), found " + v;
                        },
                        "in (0, 1)"));
  cmd->add_flag("--prune-depthwise", o->prune.depthwise,
                "With --prune S: prune depthwise convs too (off by default: zeroing a channel's few taps collapses "
                "a MobileNet without fine-tuning). With --calibration, unstructured pruning also corrects each "
                "pruned layer's bias for the mean shift the zeroed weights cause")
      ->needs(prune);
  cmd->add_flag("--prune-structured", o->prune.structured,
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
