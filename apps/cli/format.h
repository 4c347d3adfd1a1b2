// Text and JSON renderings of tensors and model facts shared by subcommands.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "edgerun/tensor.h"

namespace edgerun::cli {

nlohmann::json tensor_json(const TensorInfo& t);
std::string quant_string(const QuantParams& q);  // "scale 0.0078125, zero point 128" or "none"
std::string bytes_string(int64_t bytes);         // "3.4 MiB (3,578,880 bytes)"
// A decibel figure (an SQNR) that may be infinite: the number, or "inf" /
// "-inf" / "nan" as a JSON string; as text "26.05 dB" or "inf".
nlohmann::json db_json(double db);
std::string db_text(double db);

}  // namespace edgerun::cli
