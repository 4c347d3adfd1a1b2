// deploy/health.h — the health check a bundle carries, made on the publisher's machine and run on the device.
//
//   // Publisher: run the model on one input, keep input and output as .npy files in the bundle.
//   auto files = edgerun::deploy::make_health_check(model_bytes, input_array, &manifest);
//   // Device, after unpacking and before switching to the new model:
//   EDGERUN_RETURN_IF_ERROR(edgerun::deploy::run_health_check(opened_bundle));
//
// The device runs the real runtime on the bundled input and compares output 0 with the expected one: every
// element within the manifest's max_abs_diff (in the output's own units, so quantization steps for integer
// outputs) and the same top-1 index. Quantized models default to 0 (edgerun's integer kernels are exact on
// every CPU); float ones to 1e-4 (float sums may round differently per instruction set). Without a health check
// in the manifest the model must still load and run once on a zero input.
#pragma once

#include <cstdint>
#include <vector>

#include "deploy/bundle.h"
#include "edgerun/edgerun.h"
#include "io/npy/npy.h"

namespace edgerun::deploy {

inline constexpr char kHealthInputFile[] = "health_input.npy";
inline constexpr char kHealthExpectedFile[] = "health_expected.npy";

// Runs `model` on `input` (dtype and shape of the model's input 0) and returns the two .npy files to add to the
// bundle; sets m->health_check (max_abs_diff: 0 for integer outputs, 1e-4 for float unless tolerance >= 0).
Result<std::vector<NamedFile>> make_health_check(const std::vector<uint8_t>& model, const npy::Array& input,
                                                 Manifest* m, double tolerance = -1.0);

// Loads the bundle's model from memory and runs its health check; the error says what differed.
Status run_health_check(const OpenedBundle& b, const LoadOptions& options = {});

}  // namespace edgerun::deploy
