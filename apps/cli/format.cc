#include "format.h"

#include <cmath>
#include <cstdio>

namespace edgerun::cli {

nlohmann::json tensor_json(const TensorInfo& t) {
  nlohmann::json j = {{"name", t.name}, {"dtype", dtype_name(t.dtype)}, {"shape", t.shape}};
  if (!t.quant.empty()) {
    j["quantization"] = {{"scale", t.quant.scale}, {"zero_point", t.quant.zero_point}, {"axis", t.quant.axis}};
  }
  return j;
}

std::string quant_string(const QuantParams& q) {
  if (q.empty()) return "none";
  if (q.per_channel()) return "per-channel (" + std::to_string(q.scale.size()) + " scales, axis " +
                              std::to_string(q.axis) + ")";
  char buf[96];
  std::snprintf(buf, sizeof buf, "scale %.9g, zero point %lld", q.scale[0], static_cast<long long>(q.zero_point[0]));
  return buf;
}

std::string bytes_string(int64_t bytes) {
  char buf[64];
  if (bytes >= (1 << 20)) {
    std::snprintf(buf, sizeof buf, "%.2f MiB (%lld bytes)", bytes / 1048576.0, static_cast<long long>(bytes));
  } else if (bytes >= 1024) {
    std::snprintf(buf, sizeof buf, "%.1f KiB (%lld bytes)", bytes / 1024.0, static_cast<long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%lld bytes", static_cast<long long>(bytes));
  }
  return buf;
}

nlohmann::json db_json(double db) {
  if (std::isnan(db)) return "nan";
  if (std::isinf(db)) return db > 0 ? "inf" : "-inf";
  return db;
}

std::string db_text(double db) {
  if (!std::isfinite(db)) return std::isnan(db) ? "nan" : db > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f dB", db);
  return buf;
}

}  // namespace edgerun::cli
