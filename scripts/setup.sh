#!/usr/bin/env bash
# One command from a fresh clone to a classified photo:
#   1. installs the build dependencies (Debian/Ubuntu packages),
#   2. configures and builds edgerun in ./build,
#   3. obtains the default model into ./models, checking its pinned SHA-256:
#      from a local mirror folder when one is configured ($EDGERUN_MODEL_MIRROR,
#      else ../shared/models beside the repo if it exists), otherwise from its
#      public URL,
#   4. writes ONNX's backend conformance test data into $build/onnx-backend
#      (the pinned `onnx` wheel in a venv at $build/onnx-venv; tests/conformance),
#   5. classifies a photo with it.
#
# Options (environment): EDGERUN_SKIP_APT=1 skips step 1; EDGERUN_BUILD_DIR
# (default build); EDGERUN_MODEL_MIRROR (folder holding the model files);
# EDGERUN_SHARED_DIR (default ../shared) for the sample photo.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${EDGERUN_BUILD_DIR:-build}
shared=${EDGERUN_SHARED_DIR:-$root/../shared}

step() { printf '\n==> %s\n' "$*"; }

packages=(build-essential cmake ninja-build pkg-config libflatbuffers-dev libjpeg62-turbo-dev libpng-dev
          libstb-dev libzip-dev libzstd-dev libcli11-dev nlohmann-json3-dev libgtest-dev curl ca-certificates python3 python3-venv
          libsodium-dev libcurl4-openssl-dev libmosquitto-dev mosquitto openssl)
if [ "${EDGERUN_SKIP_APT:-0}" != 1 ]; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "installing packages: ${missing[*]}"
    sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
  fi
fi

step "building edgerun in $build"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build"

step "obtaining the default model"
mirror=${EDGERUN_MODEL_MIRROR:-}
[ -z "$mirror" ] && [ -d "$shared/models" ] && mirror=$shared/models
default_line=$(grep -v '^#' scripts/models.txt | head -n 1)
read -r name sum url <<<"$default_line"
scripts/fetch_model.sh "$name" "$sum" "$url" models "$mirror"

step "writing ONNX's backend conformance test data into $build/onnx-backend"
venv=$build/onnx-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r tools/requirements-conformance.txt
"$venv/bin/python" tools/onnx_backend_data.py --out "$build/onnx-backend"

step "classifying a photo with the default model"
photo=$shared/images/grace_hopper.bmp
if [ ! -f "$photo" ]; then
  echo "sample photo $photo not found (set EDGERUN_SHARED_DIR); skipping the demo"
  exit 0
fi
"$build/edgerun" classify "$photo"
