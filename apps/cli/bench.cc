// `edgerun bench`: latency, throughput, memory and cold start of one model,
// with an optional per-op profile.
//
// Cold start is measured two ways (both printed):
//  - cold_start_ms: from a steady_clock timestamp taken while this file's
//    statics are initialized, before main() runs (so it covers CLI parsing,
//    Model::load, Session::create, input filling and the first invoke, but not
//    exec and dynamic linking);
//  - cold_start_since_exec_ms: from the process start time the kernel records
//    (/proc/self/stat field 22, starttime, in 1/CLK_TCK steps, usually 10 ms)
//    against CLOCK_BOOTTIME: everything, exec and dynamic linking included, at
//    that coarse resolution.
// The model file is read through the page cache, so a second run of the command
// measures a warm cache; drop caches for a truly cold disk.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "cli.h"
#include "format.h"

namespace edgerun::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Initialized before main() (dynamic initialization of this translation unit).
const Clock::time_point kProcessEarly = Clock::now();

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Milliseconds since the kernel started this process, or -1 when unknown.
double ms_since_process_start() {
  std::ifstream f("/proc/self/stat");
  std::string stat((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto paren = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos) return -1;
  std::istringstream rest(stat.substr(paren + 1));
  std::string field;
  unsigned long long start_ticks = 0;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) start_ticks = std::strtoull(field.c_str(), nullptr, 10);
  }
  const long hz = sysconf(_SC_CLK_TCK);
  timespec now{};
  if (start_ticks == 0 || hz <= 0 || clock_gettime(CLOCK_BOOTTIME, &now) != 0) return -1;
  const double now_ms = now.tv_sec * 1e3 + now.tv_nsec / 1e6;
  return now_ms - static_cast<double>(start_ticks) * 1e3 / static_cast<double>(hz);
}

// A "VmRSS:" / "VmHWM:" line of /proc/self/status, in MiB; -1 when missing.
double proc_status_mib(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(key);
  while (std::getline(f, line)) {
    if (line.compare(0, n, key) == 0) return std::strtod(line.c_str() + n, nullptr) / 1024.0;  // kB
  }
  return -1;
}

constexpr uint32_t kInputSeed = 42;

// Deterministic pseudo-random bytes for every input: uint8/int8 take the full
// range, float32 uniform in [-1, 1), other types raw random bytes. std::mt19937's
// output is fixed by the standard, so the same seed gives the same input everywhere.
void fill_inputs(Session& session, const Model& model) {
  std::mt19937 rng(kInputSeed);
  for (size_t i = 0; i < model.input_count(); ++i) {
    const TensorInfo& info = model.input_info(i);
    if (info.dtype == DType::kFloat32) {
      auto* p = static_cast<float*>(session.input_data(i));
      for (int64_t k = 0; k < info.elements(); ++k) p[k] = static_cast<float>(rng() >> 8) * 0x1p-23f - 1.0f;
    } else {
      auto* p = static_cast<uint8_t*>(session.input_data(i));
      for (size_t k = 0; k < info.bytes(); ++k) p[k] = static_cast<uint8_t>(rng() >> 24);
    }
  }
}

// Linear interpolation between closest ranks (NumPy's default), so it is
// monotone in p: min <= median <= p90 <= p99 <= max.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double pos = p / 100.0 * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

struct Options {
  std::string model;
  EngineOptions engine;
  int runs = 20;
  int warmup = 3;
  bool profile = false;
  bool json = false;
};

int bench(const Options& o) {
  const double rss_before_load = proc_status_mib("VmRSS:");
  const auto t_load = Clock::now();
  auto model = load_model_or_report(o.model, o.engine.load());
  if (!model) return 1;
  auto session = Session::create(model, o.engine.session());
  if (!session.ok()) return fail(session.status());
  const double load_ms = ms_since(t_load);  // Model::load + Session::create
  fill_inputs(*session, *model);

  const auto t_first = Clock::now();
  if (Status st = session->invoke(); !st.ok()) return fail(st);
  const double first_ms = ms_since(t_first);
  const double cold_start_ms = ms_since(kProcessEarly);
  const double cold_start_exec_ms = ms_since_process_start();
  const double rss_after_first = proc_status_mib("VmRSS:");

  for (int i = 0; i < o.warmup; ++i) {
    if (Status st = session->invoke(); !st.ok()) return fail(st);
  }
  // With --profile the timed runs are the profiled ones (two clock reads per
  // node on top of invoke()), so the latency and the profile describe the same runs.
  std::vector<double> samples;
  std::vector<OpTiming> timings;
  for (int i = 0; i < o.runs; ++i) {
    const auto t0 = Clock::now();
    Status st = o.profile ? session->invoke_profiled(&timings) : session->invoke();
    samples.push_back(ms_since(t0));
    if (!st.ok()) return fail(st);
  }
  const double peak_rss = proc_status_mib("VmHWM:");

  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  double sum = 0;
  for (double s : samples) sum += s;
  const double median = percentile(sorted, 50);
  const double mean = sum / static_cast<double>(samples.size());
  const double ips = median > 0 ? 1000.0 / median : 0;
  const ModelStats& stats = model->stats();

  // Profile rows: mean ms per run, share of the summed op time, GMAC/s.
  struct Row {
    const OpTiming* t;
    double ms, percent, gmacs;
  };
  std::vector<Row> rows;
  double profile_total = 0;
  // A fused chain is one row at its first node: the ops joined by '+', the
  // chain's MACs and the last node's output shape.
  std::vector<OpTiming> fused = timings;
  for (const OpTiming& t : timings) {
    if (t.fused_into < 0) continue;
    OpTiming& head = fused[static_cast<size_t>(t.fused_into)];
    head.op += "+" + t.op;
    head.macs += t.macs;
    head.output_shape = t.output_shape;
  }
  for (const OpTiming& t : fused) profile_total += t.ms / static_cast<double>(t.runs);
  for (const OpTiming& t : fused) {
    if (t.fused_into >= 0) continue;
    const double ms = t.ms / static_cast<double>(t.runs);
    rows.push_back({&t, ms, profile_total > 0 ? 100.0 * ms / profile_total : 0,
                    ms > 0 ? static_cast<double>(t.macs) / (ms * 1e6) : 0});
  }
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.ms > b.ms; });

  if (o.json) {
    nlohmann::json j;
    j["model"] = o.model;
    j["threads"] = o.engine.threads;
    j["kernels"] = o.engine.kernels;
    j["warmup"] = o.warmup;
    j["runs"] = o.runs;
    j["input_seed"] = kInputSeed;
    for (size_t i = 0; i < model->input_count(); ++i) j["inputs"].push_back(tensor_json(model->input_info(i)));
    j["latency_ms"] = {{"min", sorted.front()},
                       {"median", median},
                       {"p90", percentile(sorted, 90)},
                       {"p99", percentile(sorted, 99)},
                       {"max", sorted.back()},
                       {"mean", mean},
                       {"samples", samples}};
    j["inferences_per_second"] = ips;
    j["macs"] = stats.macs;
    j["gmacs_per_second"] = median > 0 ? static_cast<double>(stats.macs) / (median * 1e6) : 0;
    j["cold_start_ms"] = cold_start_ms;
    j["cold_start_since_exec_ms"] = cold_start_exec_ms;
    j["load_ms"] = load_ms;
    j["first_inference_ms"] = first_ms;
    j["arena_bytes"] = stats.arena_bytes;
    j["peak_rss_mib"] = peak_rss;
    j["rss_before_load_mib"] = rss_before_load;
    j["rss_after_first_inference_mib"] = rss_after_first;
    j["rss_growth_mib"] = rss_after_first - rss_before_load;
    if (o.profile) {
      j["profile_total_ms"] = profile_total;
      j["profile"] = nlohmann::json::array();
      for (const Row& r : rows) {
        j["profile"].push_back({{"node", r.t->node},
                                {"op", r.t->op},
                                {"output_shape", r.t->output_shape},
                                {"macs", r.t->macs},
                                {"ms", r.ms},
                                {"percent", r.percent},
                                {"gmacs_per_second", r.gmacs}});
      }
    }
    std::cout << j.dump(2) << "\n";
    return 0;
  }

  std::cout << "Model: " << o.model << "\n";
  for (size_t i = 0; i < model->input_count(); ++i) {
    const TensorInfo& t = model->input_info(i);
    std::cout << "Input " << i << ": " << dtype_name(t.dtype) << " " << shape_string(t.shape)
              << ", pseudo-random (seed " << kInputSeed << ")\n";
  }
  std::printf("Runs: %d timed after %d warm-up, %d thread%s, %s kernels\n", o.runs, o.warmup, o.engine.threads,
              o.engine.threads == 1 ? "" : "s", o.engine.kernels.c_str());
  std::printf("Latency (ms): min %.2f  median %.2f  p90 %.2f  p99 %.2f  mean %.2f\n", sorted.front(), median,
              percentile(sorted, 90), percentile(sorted, 99), mean);
  std::printf("Throughput: %.2f inferences/s (1000 / median), %.2f GMAC/s\n", ips,
              median > 0 ? static_cast<double>(stats.macs) / (median * 1e6) : 0);
  std::printf("Cold start: %.1f ms to the first result (%.0f ms since exec); load %.1f ms, first inference %.1f ms\n",
              cold_start_ms, cold_start_exec_ms, load_ms, first_ms);
  std::printf("Memory: arena %s, peak RSS %.1f MiB, RSS %.1f -> %.1f MiB (+%.1f) from load to first result\n",
              bytes_string(static_cast<int64_t>(stats.arena_bytes)).c_str(), peak_rss, rss_before_load, rss_after_first,
              rss_after_first - rss_before_load);
  if (o.profile) {
    std::printf("\nProfile (mean per run over %d runs; %.2f ms in ops):\n", o.runs, profile_total);
    int op_width = 20;  // fused chains ("CONV_2D+DEPTHWISE_CONV_2D+CONV_2D") widen the column
    for (const Row& r : rows) op_width = std::max(op_width, static_cast<int>(r.t->op.size()));
    std::printf("  %4s  %-*s %-18s %10s %7s %8s\n", "node", op_width, "op", "output shape", "ms", "%", "GMAC/s");
    for (const Row& r : rows) {
      char gmacs[32] = "-";
      if (r.t->macs > 0) std::snprintf(gmacs, sizeof gmacs, "%.2f", r.gmacs);
      std::printf("  %4d  %-*s %-18s %10.3f %6.1f%% %8s\n", r.t->node, op_width, r.t->op.c_str(),
                  shape_string(r.t->output_shape).c_str(), r.ms, r.percent, gmacs);
    }
  }
  return 0;
}

}  // namespace

Runner add_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "bench", "Measure latency, throughput, memory and cold start of a model on pseudo-random input");
  auto o = std::make_shared<Options>();
  cmd->add_option("MODEL", o->model, "Model file (.tflite or .onnx)")->required();
  add_engine_options(cmd, &o->engine);
  cmd->add_option("--runs", o->runs, "Timed inferences")->default_val(20)->check(CLI::PositiveNumber);
  cmd->add_option("--warmup", o->warmup, "Untimed inferences before the timed ones")
      ->default_val(3)
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--profile", o->profile, "Time every op and print a table sorted by time");
  cmd->add_flag("--json", o->json, "Print one JSON object with every number");
  return [o]() -> int { return bench(*o); };
}

}  // namespace edgerun::cli
