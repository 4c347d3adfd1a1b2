// onnx_conformance: runs ONNX's backend test suite (node/ and light/ tests,
// laid out by tools/onnx_backend_data.py) through edgerun and reports pass /
// fail / unsupported per op and in total.
//
//   tools/onnx_backend_data.py --out build/onnx-backend
//   build/onnx_conformance build/onnx-backend --expect tests/conformance/onnx_expected_pass.txt
//
// A test passes when every output matches the expected one in dtype, shape and
// values (|got - want| <= atol + rtol * |want|, ONNX's own tolerances from the
// test case; NaN matches NaN; other types exactly). "unsupported" means edgerun declined the model
// with an Unsupported error (an op, attribute or data type it does not
// implement); "fail" is anything else: a wrong value, or any other error.
// Inputs that the graph needs as constants (shapes, axes, weights) are given
// to the importer as LoadOptions::input_values; the rest are fed at run time.
// Exit status: 0, or 1 when a test listed in --expect does not pass, or 77
// when DATA holds no test data.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "edgerun/edgerun.h"
#include "core/float_types.h"
#include "io/onnx/const_tensor.h"
#include "io/onnx/proto.h"

namespace fs = std::filesystem;
using namespace edgerun;

namespace {

// ctest's SKIP_RETURN_CODE: the test data has not been generated.
constexpr int kSkipped = 77;

struct Tensor {
  std::string name;
  onnx::ConstTensor value;
};

Result<std::vector<uint8_t>> read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return NotFound("cannot open " + p.string());
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

Result<Tensor> read_tensor(const fs::path& p) {
  EDGERUN_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_file(p));
  EDGERUN_ASSIGN_OR_RETURN(onnx::TensorProto t, onnx::parse_tensor_proto(bytes.data(), bytes.size()));
  Tensor out;
  out.name = std::string(t.name);
  EDGERUN_ASSIGN_OR_RETURN(out.value, onnx::decode_tensor(t, p.filename().string()));
  return out;
}

struct Outcome {
  std::string status;  // pass, fail, unsupported
  std::string detail;
};

std::string first_line(const std::string& s) {
  const size_t n = s.find('\n');
  return n == std::string::npos ? s : s.substr(0, n) + " (...)";
}

// Compares one output; empty string when it matches.
std::string compare(const TensorInfo& info, const void* got, const onnx::ConstTensor& want, double rtol, double atol) {
  if (info.dtype != want.dtype) {
    return std::string("dtype ") + dtype_name(info.dtype) + ", expected " + dtype_name(want.dtype);
  }
  const Shape ws(want.dims.begin(), want.dims.end());
  if (info.shape != ws) return "shape " + shape_string(info.shape) + ", expected " + shape_string(ws);
  onnx::ConstTensor g;
  g.dtype = info.dtype;
  g.dims = want.dims;
  g.bytes.assign(static_cast<const uint8_t*>(got), static_cast<const uint8_t*>(got) + info.bytes());
  const int64_t n = want.elements();
  int64_t bad = 0, first_bad = -1;
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (is_float_dtype(want.dtype)) {
      const double a = g.float_at(i), b = want.float_at(i);
      if (std::isnan(a) && std::isnan(b)) continue;
      if (std::isinf(b) && a == b) continue;
      const double diff = std::fabs(a - b);
      if (!(diff <= atol + rtol * std::fabs(b))) {
        if (first_bad < 0) first_bad = i;
        ++bad;
        worst = std::max(worst, std::isnan(diff) ? INFINITY : diff);
      }
    } else if (want.dtype == DType::kFloat4E2M1 ? g.bytes[static_cast<size_t>(i)] != want.bytes[static_cast<size_t>(i)]
                                                : g.int_at(i) != want.int_at(i)) {  // float4e2m1: the exact code
      if (first_bad < 0) first_bad = i;
      ++bad;
    }
  }
  if (bad == 0) return "";
  std::ostringstream s;
  s << bad << " of " << n << " values differ; first at " << first_bad << ": " << g.float_at(first_bad) << " vs "
    << want.float_at(first_bad);
  if (is_float_dtype(want.dtype)) s << "; max abs diff " << worst;
  return s.str();
}

Outcome run_test(const fs::path& dir, const LoadOptions& base, int threads, std::vector<std::string>* ops) {
  auto bytes = read_file(dir / "model.onnx");
  if (!bytes.ok()) return {"fail", bytes.status().message()};
  auto model_proto = onnx::parse_model(bytes->data(), bytes->size());
  if (!model_proto.ok()) return {"fail", model_proto.status().message()};
  std::set<std::string> initializers;
  for (const auto& t : model_proto->graph.initializers) initializers.insert(std::string(t.name));
  std::vector<std::string> input_names, output_names;
  for (const auto& v : model_proto->graph.inputs) {
    if (!initializers.count(std::string(v.name))) input_names.emplace_back(v.name);
  }
  for (const auto& v : model_proto->graph.outputs) output_names.emplace_back(v.name);
  for (const auto& n : model_proto->graph.nodes) {
    const std::string op(n.op_type);
    if (op != "Constant" && std::find(ops->begin(), ops->end(), op) == ops->end()) ops->push_back(op);
  }
  if (ops->empty()) ops->push_back("Constant");

  double rtol = 1e-3, atol = 1e-7;
  if (auto tol = read_file(dir / "tolerance.json"); tol.ok()) {
    auto j = nlohmann::json::parse(tol->begin(), tol->end(), nullptr, false);
    if (j.is_object()) {
      rtol = j.value("rtol", rtol);
      atol = j.value("atol", atol);
    }
  }

  std::vector<fs::path> sets;
  for (const auto& d : fs::directory_iterator(dir)) {
    if (d.is_directory() && d.path().filename().string().rfind("test_data_set_", 0) == 0) sets.push_back(d.path());
  }
  std::sort(sets.begin(), sets.end());
  if (sets.empty()) return {"fail", "no test_data_set_* folder"};

  for (const fs::path& set : sets) {
    std::vector<Tensor> inputs, outputs;
    for (size_t j = 0; j < input_names.size(); ++j) {
      auto t = read_tensor(set / ("input_" + std::to_string(j) + ".pb"));
      if (!t.ok()) {
        if (t.status().code() == StatusCode::kUnsupported) return {"unsupported", "test input: " + t.status().message()};
        return {"fail", t.status().message()};
      }
      t->name = input_names[j];
      inputs.push_back(std::move(*t));
    }
    for (size_t j = 0; j < output_names.size(); ++j) {
      auto t = read_tensor(set / ("output_" + std::to_string(j) + ".pb"));
      if (!t.ok()) {
        if (t.status().code() == StatusCode::kUnsupported) return {"unsupported", "test output: " + t.status().message()};
        return {"fail", t.status().message()};
      }
      t->name = output_names[j];
      outputs.push_back(std::move(*t));
    }
    LoadOptions opts = base;
    for (const Tensor& t : inputs) {
      InputValue v;
      v.name = t.name;
      v.dtype = t.value.dtype;
      v.shape.assign(t.value.dims.begin(), t.value.dims.end());
      v.data = t.value.bytes;
      opts.input_values.push_back(std::move(v));
    }
    auto model = Model::load_from_buffer(bytes->data(), bytes->size(), opts);
    if (!model.ok()) {
      const bool unsupported = model.status().code() == StatusCode::kUnsupported;
      return {unsupported ? "unsupported" : "fail", first_line(model.status().message())};
    }
    SessionOptions so;
    so.threads = threads;
    auto session = Session::create(*model, so);
    if (!session.ok()) return {"fail", session.status().message()};
    for (size_t i = 0; i < (*model)->input_count(); ++i) {
      const TensorInfo& info = (*model)->input_info(i);
      auto it = std::find_if(inputs.begin(), inputs.end(), [&](const Tensor& t) { return t.name == info.name; });
      if (it == inputs.end()) return {"fail", "no test data for input '" + info.name + "'"};
      if (it->value.bytes.size() != info.bytes() || it->value.dtype != info.dtype) {
        return {"fail", "input '" + info.name + "': the model expects " + shape_string(info.shape) + " " + dtype_name(info.dtype)};
      }
      std::copy(it->value.bytes.begin(), it->value.bytes.end(), static_cast<uint8_t*>(session->input_data(i)));
    }
    if (Status s = session->invoke(); !s.ok()) return {"fail", s.message()};
    if ((*model)->output_count() != outputs.size()) return {"fail", "output count differs"};
    for (size_t i = 0; i < outputs.size(); ++i) {
      const std::string diff = compare((*model)->output_info(i), session->output_data(i), outputs[i].value, rtol, atol);
      if (!diff.empty()) return {"fail", "output " + std::to_string(i) + " (" + output_names[i] + "): " + diff};
    }
  }
  return {"pass", ""};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Runs ONNX's backend conformance tests (node/ and light/ folders written by\n"
      "tools/onnx_backend_data.py) through edgerun; prints pass / fail / unsupported\n"
      "per op and in total."};
  std::string root, filter, json_path, expect_path, markdown_path, kernels = "auto";
  int threads = 1;
  bool verbose = false;
  app.add_option("DATA", root, "folder holding node/ and light/")->required();
  app.add_option("--filter", filter, "run only tests whose name contains this");
  app.add_option("--threads", threads, "threads per inference")->check(CLI::Range(1, 64));
  app.add_option("--kernels", kernels, "auto, avx2 or reference")->check(CLI::IsMember({"auto", "avx2", "reference"}));
  app.add_option("--json", json_path, "write every result to this JSON file");
  app.add_option("--markdown", markdown_path, "write the totals, the per-op table and every test that does not pass as Markdown");
  app.add_option("--expect", expect_path,
                 "file listing the tests that must pass (one name per line, # comments): exit 1 if any does not");
  app.add_flag("-v,--verbose", verbose, "print every test, not only failures");
  CLI11_PARSE(app, argc, argv);

  LoadOptions base;
  base.kernels = kernels == "reference" ? KernelChoice::kReference
                 : kernels == "avx2"    ? KernelChoice::kAvx2
                                        : KernelChoice::kAuto;
  struct Row {
    std::string suite, name, status, detail;
    std::vector<std::string> ops;
  };
  std::vector<Row> rows;
  for (const char* suite : {"node", "light"}) {
    const fs::path dir = fs::path(root) / suite;
    if (!fs::is_directory(dir)) {
      std::fprintf(stderr, "onnx_conformance: %s is not a folder (make it with tools/onnx_backend_data.py --out %s)\n",
                   dir.string().c_str(), root.c_str());
      return kSkipped;
    }
    std::vector<fs::path> tests;
    for (const auto& d : fs::directory_iterator(dir)) {
      if (d.is_directory()) tests.push_back(d.path());
    }
    std::sort(tests.begin(), tests.end());
    for (const fs::path& t : tests) {
      const std::string name = t.filename().string();
      if (!filter.empty() && name.find(filter) == std::string::npos) continue;
      Row r;
      r.suite = suite;
      r.name = std::string(suite) == "light" ? "light_" + name : name;
      Outcome o = run_test(t, base, threads, &r.ops);
      r.status = o.status;
      r.detail = o.detail;
      if (verbose || r.status == "fail") {
        std::printf("%-12s %-60s %s\n", r.status.c_str(), r.name.c_str(), r.detail.c_str());
      }
      rows.push_back(std::move(r));
    }
  }

  // Per op (a node test counts for each op it uses).
  struct Count {
    int pass = 0, fail = 0, unsupported = 0;
  };
  std::map<std::string, Count> per_op;
  Count node_total, light_total;
  for (const Row& r : rows) {
    Count& t = r.suite == "node" ? node_total : light_total;
    (r.status == "pass" ? t.pass : r.status == "fail" ? t.fail : t.unsupported)++;
    if (r.suite != "node") continue;
    for (const std::string& op : r.ops) {
      Count& c = per_op[op];
      (r.status == "pass" ? c.pass : r.status == "fail" ? c.fail : c.unsupported)++;
    }
  }
  std::printf("\n%-22s %6s %6s %12s\n", "op", "pass", "fail", "unsupported");
  for (const auto& [op, c] : per_op) std::printf("%-22s %6d %6d %12d\n", op.c_str(), c.pass, c.fail, c.unsupported);
  auto total_line = [](const char* what, const Count& c) {
    const int n = c.pass + c.fail + c.unsupported;
    std::printf("%-22s %6d %6d %12d   %d of %d pass (%.1f%%)\n", what, c.pass, c.fail, c.unsupported, c.pass, n,
                n ? 100.0 * c.pass / n : 0.0);
  };
  std::printf("\n");
  total_line("node tests", node_total);
  total_line("light models", light_total);
  if (!verbose) {
    std::printf("\nnot passing (status, test, reason):\n");
    for (const Row& r : rows) {
      if (r.status == "unsupported") std::printf("%-12s %-60s %s\n", r.status.c_str(), r.name.c_str(), r.detail.c_str());
    }
  }

  if (!json_path.empty()) {
    nlohmann::json j;
    j["node"] = {{"pass", node_total.pass}, {"fail", node_total.fail}, {"unsupported", node_total.unsupported}};
    j["light"] = {{"pass", light_total.pass}, {"fail", light_total.fail}, {"unsupported", light_total.unsupported}};
    for (const Row& r : rows) {
      j["tests"].push_back({{"suite", r.suite}, {"name", r.name}, {"status", r.status}, {"detail", r.detail}, {"ops", r.ops}});
    }
    std::ofstream(json_path) << j.dump(1) << "\n";
  }

  if (!markdown_path.empty()) {
    std::ofstream md(markdown_path);
    auto pct = [](const Count& c) {
      const int n = c.pass + c.fail + c.unsupported;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%d of %d (%.1f%%)", c.pass, n, n ? 100.0 * c.pass / n : 0.0);
      return std::string(buf);
    };
    md << "| suite | pass | fail | unsupported | passing |\n|---|---:|---:|---:|---|\n";
    md << "| node | " << node_total.pass << " | " << node_total.fail << " | " << node_total.unsupported << " | " << pct(node_total) << " |\n";
    md << "| light | " << light_total.pass << " | " << light_total.fail << " | " << light_total.unsupported << " | " << pct(light_total) << " |\n\n";
    md << "| op | pass | fail | unsupported |\n|---|---:|---:|---:|\n";
    for (const auto& [op, c] : per_op) md << "| " << op << " | " << c.pass << " | " << c.fail << " | " << c.unsupported << " |\n";
    md << "\n| test | status | reason |\n|---|---|---|\n";
    for (const Row& r : rows) {
      if (r.status == "pass") continue;
      std::string reason = r.detail;
      std::replace(reason.begin(), reason.end(), '|', '/');
      md << "| " << r.name << " | " << r.status << " | " << reason << " |\n";
    }
  }

  int rc = 0;
  if (!expect_path.empty()) {
    std::ifstream f(expect_path);
    if (!f) {
      std::fprintf(stderr, "onnx_conformance: cannot open %s\n", expect_path.c_str());
      return 1;
    }
    std::set<std::string> expected;
    for (std::string line; std::getline(f, line);) {
      line.erase(line.find_last_not_of(" \t\r") + 1);
      if (!line.empty() && line[0] != '#') expected.insert(line);
    }
    int regressions = 0, new_passes = 0;
    for (const Row& r : rows) {
      const bool listed = expected.count(r.name) != 0;
      if (listed && r.status != "pass") {
        std::printf("REGRESSION: %s is listed in %s but is %s: %s\n", r.name.c_str(), expect_path.c_str(),
                    r.status.c_str(), r.detail.c_str());
        ++regressions;
      }
      if (!listed && r.status == "pass") ++new_passes;
    }
    if (new_passes > 0) std::printf("%d passing tests are not listed in %s yet\n", new_passes, expect_path.c_str());
    if (regressions > 0) rc = 1;
  }
  return rc;
}
