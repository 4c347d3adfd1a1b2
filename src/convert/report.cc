#include "convert/report.h"

#include <cmath>
#include <limits>
#include <map>

#include "convert/calibrate.h"

namespace edgerun::convert {

Result<std::vector<LayerSqnr>> layer_sqnr(const io::ImportedModel& float_model, const io::ImportedModel& quantized,
                                          const QuantizeReport& report, const std::vector<std::string>& images,
                                          const std::optional<vision::Normalization>& normalization, int threads) {
  std::map<int32_t, int32_t> float_of;  // int8 value -> float value
  for (const auto& [q, f] : report.quantized_values) float_of[q] = f;
  std::map<int32_t, double> signal, noise;
  // Both models built once; per image the float one runs first and its
  // activations wait for the quantized one's.
  EDGERUN_ASSIGN_OR_RETURN(ActivationProbe float_probe, ActivationProbe::create(float_model, normalization, threads));
  EDGERUN_ASSIGN_OR_RETURN(ActivationProbe quant_probe, ActivationProbe::create(quantized, normalization, threads));
  for (const std::string& image : images) {
    std::map<int32_t, std::vector<float>> reference;
    EDGERUN_RETURN_IF_ERROR(
        float_probe.run(image, [&](int32_t id, const float* x, int64_t n) { reference[id].assign(x, x + n); }));
    EDGERUN_RETURN_IF_ERROR(quant_probe.run(image, [&](int32_t id, const float* x, int64_t n) {
      auto f = float_of.find(id);
      if (f == float_of.end()) return;
      auto ref = reference.find(f->second);
      if (ref == reference.end() || ref->second.size() != static_cast<size_t>(n)) return;
      double s = 0, e = 0;
      for (int64_t k = 0; k < n; ++k) {
        const double r = ref->second[static_cast<size_t>(k)];
        s += r * r;
        e += (r - x[k]) * (r - x[k]);
      }
      signal[id] += s;
      noise[id] += e;
    }));
  }
  std::vector<LayerSqnr> layers;
  const ir::Graph& g = quantized.graph;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const ir::Node& n = g.nodes[i];
    if (n.outputs.empty()) continue;
    const int32_t out = n.outputs[0];
    if (!signal.count(out)) continue;
    const ir::Value& v = g.values[static_cast<size_t>(out)];
    LayerSqnr l;
    l.node = static_cast<int32_t>(i);
    l.op = ir::op_name(n.op);
    l.tensor = float_model.graph.values[static_cast<size_t>(float_of[out])].info.name;
    l.scale = v.info.quant.scale.empty() ? 0.0f : v.info.quant.scale[0];
    l.zero_point = v.info.quant.zero_point.empty() ? 0 : v.info.quant.zero_point[0];
    const double e = noise[out];
    l.sqnr_db = e == 0.0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(signal[out] / e);
    layers.push_back(l);
  }
  return layers;
}

}  // namespace edgerun::convert
