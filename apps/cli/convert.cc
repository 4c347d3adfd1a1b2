#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli.h"
#include "convert/dequantize.h"
#include "core/mapped_file.h"
#include "format.h"
#include "io/import.h"
#include "io/tflite/writer.h"
#include "vision/labels.h"

namespace edgerun::cli {
namespace {

struct ConvertOptions {
  std::string input;
  std::string output;
  std::string labels;
  std::vector<float> mean, std;
  bool dequantize = false;
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

  if (o.dequantize) {
    convert::DequantizeReport r;
    if (Status st = convert::dequantize_model(*imported, &r); !st.ok()) return fail(st.with_context(o.input));
    if (r.constants + r.activations == 0) {
      std::cerr << "edgerun: warning: " << o.input << ": --dequantize: the model has no quantized tensors\n";
    }
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

  const std::vector<OpCount> in_ops = count_ops(imported->graph);
  const ModelStats& s = (*written)->stats();
  const ModelMetadata& wmd = (*written)->metadata();
  if (o.json) {
    nlohmann::json j;
    j["input"] = o.input;
    j["output"] = o.output;
    j["input_bytes"] = file->size();
    j["output_bytes"] = bytes->size();
    j["input_ops"] = nlohmann::json::array();
    for (const OpCount& c : in_ops) j["input_ops"].push_back({{"op", c.op}, {"count", c.count}});
    j["ops"] = nlohmann::json::array();
    for (const OpCount& c : s.ops) j["ops"].push_back({{"op", c.op}, {"count", c.count}});
    j["parameters"] = s.parameters;
    j["parameter_bytes"] = s.parameter_bytes;
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
  std::cout << "  ops:        " << total(in_ops) << " -> " << total(s.ops) << " (" << op_list(s.ops) << ")\n";
  std::cout << "  parameters: " << s.parameters << ", " << bytes_string(s.parameter_bytes) << "\n";
  std::cout << "  size:       " << bytes_string(static_cast<int64_t>(file->size())) << " -> "
            << bytes_string(static_cast<int64_t>(bytes->size())) << "\n";
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
      "Write a model (.tflite or .onnx) as a TFLite flatbuffer that LiteRT and edgerun load (no quantization yet)");
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
  cmd->add_flag("--json", o->json, "Print a JSON summary");
  cmd->footer(
      "The graph is written as edgerun imports it (an ONNX model's batch norms folded, activations fused, NCHW "
      "inputs kept with one TRANSPOSE), with no quantization. Ops TFLite has no form for are rewritten exactly "
      "(HARD_SIGMOID, explicit pads) or refused with an error naming the node. See docs/convert.md.");
  return [o]() { return run_convert(*o); };
}

}  // namespace edgerun::cli
