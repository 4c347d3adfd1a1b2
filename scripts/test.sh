#!/usr/bin/env bash
# Runs the whole test suite twice: in the release build, then again under
# AddressSanitizer + UndefinedBehaviorSanitizer (parsers, fuzz and kernels alike).
# Needs scripts/setup.sh to have run once (dependencies, default model).
# Tests read models and photos from $EDGERUN_SHARED_DIR (default ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${EDGERUN_BUILD_DIR:-build}
jobs=$(nproc)

echo "==> release build: all tests"
case $build in /*) onnx_data=$build/onnx-backend ;; *) onnx_data=$PWD/$build/onnx-backend ;; esac  # scripts/setup.sh writes it
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DEDGERUN_ONNX_BACKEND_DATA="$onnx_data" >/dev/null
cmake --build "$build"
ctest --test-dir "$build" --output-on-failure -j "$jobs"

echo "==> sanitizer build (address, undefined): all tests"
cmake -S . -B "$build-asan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEDGERUN_SANITIZE=address,undefined \
  -DEDGERUN_ONNX_BACKEND_DATA="$onnx_data" >/dev/null
cmake --build "$build-asan"
ctest --test-dir "$build-asan" --output-on-failure -j "$jobs"
