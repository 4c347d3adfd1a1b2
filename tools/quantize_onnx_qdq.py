#!/usr/bin/env python3
"""Quantize a float ONNX model with ONNX Runtime's static quantizer (QDQ form) and compare edgerun with ORT on it.

  .venv/bin/python tools/quantize_onnx_qdq.py models/onnx/mobilenet_v2.onnx models/onnx/mobilenet_v2_qdq.onnx

Quantization: quantize_static, QuantFormat.QDQ, int8 activations (asymmetric),
int8 per-channel symmetric weights, calibrated on the deterministic test input
x[i] = ((i * 7919) % 1000) / 500 - 1 plus 7 seeded U(-1, 1) inputs (the same
recipe as tools/make_onnx_fixtures.py's qdq_int8 fixture). Then it runs the
quantized model on the test input with ORT (ORT_DISABLE_ALL: DequantizeLinear ->
float op -> QuantizeLinear; ORT_ENABLE_ALL: ORT's fused int8 kernels) and with
`build/edgerun run`, and prints the differences in output quantization steps.
Needs onnx, onnxruntime and numpy (tools/requirements-bench.txt).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_onnx_fixtures import quantize_qdq, test_input  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model")
    ap.add_argument("out")
    ap.add_argument("--dedicated-pairs", action="store_true",
                    help="the quantizer's DedicatedQDQPair option: one DequantizeLinear per consumer, so that ORT "
                         "runs every node with its int8 kernels (by default a node whose input also feeds another "
                         "node runs in float)")
    ap.add_argument("--edgerun", default=str(Path(__file__).resolve().parent.parent / "build" / "edgerun"))
    args = ap.parse_args()
    m = onnx.load(args.model)
    inp = m.graph.input[0]
    shape = [d.dim_value or 1 for d in inp.type.tensor_type.shape.dim]
    quantize_qdq(args.model, args.out, shape, inp.name, dedicated_pairs=args.dedicated_pairs)
    q = onnx.load(args.out)
    ops = {}
    for n in q.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print(f"{args.out}: {ops}")
    last = [n for n in q.graph.node if n.output[0] == q.graph.output[0].name][0]
    step = None
    if last.op_type == "DequantizeLinear":
        step = float([onnx.numpy_helper.to_array(t) for t in q.graph.initializer if t.name == last.input[1]][0])
    x = test_input(shape)
    outs = {}
    for name, level in (("ort_disable_all", ort.GraphOptimizationLevel.ORT_DISABLE_ALL),
                        ("ort_enable_all", ort.GraphOptimizationLevel.ORT_ENABLE_ALL)):
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.log_severity_level = 3
        so.graph_optimization_level = level
        outs[name] = ort.InferenceSession(args.out, so, providers=["CPUExecutionProvider"]).run(None, {inp.name: x})[0]
    with tempfile.TemporaryDirectory() as d:
        np.save(f"{d}/x.npy", x)
        subprocess.run([args.edgerun, "run", args.out, "--input", f"{d}/x.npy", "--output", d], check=True,
                       stdout=subprocess.DEVNULL)
        outs["edgerun"] = np.load(f"{d}/output_0.npy")
    unit = step or 1.0
    print(f"output step {step}")
    for a, b in (("edgerun", "ort_enable_all"), ("edgerun", "ort_disable_all"), ("ort_enable_all", "ort_disable_all")):
        d = np.abs(outs[a].astype(np.float64) - outs[b])
        print(f"{a} vs {b}: max {d.max() / unit:.1f} steps, mean {d.mean() / unit:.2f} steps, "
              f"within 1 step {np.mean(d <= unit * 1.001) * 100:.1f}%, same argmax {outs[a].argmax() == outs[b].argmax()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
