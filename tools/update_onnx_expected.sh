#!/usr/bin/env bash
# Rewrites tests/conformance/onnx_expected_pass.txt from a conformance run:
# every test that passes now. Usage: tools/update_onnx_expected.sh [DATA] (default build/onnx-backend)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-build/onnx-backend}
out=tests/conformance/onnx_expected_pass.txt
{
  echo "# Tests of ONNX's backend suite (onnx 1.23.2, tools/onnx_backend_data.py) that edgerun"
  echo "# passes: build/onnx_conformance fails when one of them stops passing."
  echo "# Made by tools/update_onnx_expected.sh; docs/onnx.md lists the tests that do not pass, and why."
  build/onnx_conformance "$data" -v | awk '$1 == "pass" {print $2}'
} > "$out"
echo "$(grep -vc '^#' "$out") passing tests listed in $out"
