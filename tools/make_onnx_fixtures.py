#!/usr/bin/env python3
"""Small synthetic ONNX models for the importer's tests, with onnxruntime goldens.

Each fixture exercises one importer path (explicit and asymmetric pads,
depthwise convs, BatchNormalization folding, Relu / Clip fusion, Gemm, 2-D and
3-D pools, Flatten of a map larger than 1x1, Reshape, Concat, broadcasting
Mul / Add with constants, HardSwish / HardSigmoid, Softmax, Identity,
QLinearConv / QLinearMatMul with int8 and uint8 activations and weights).
Seeded random weights; the input is x[i] = ((i * 7919) % 1000) / 500 - 1 (flat
index i, float32), the same formula tests/ops use in C++.

Writes tests/goldens/onnx/fixtures/<name>.onnx (a few KB each) and
<name>.out.npy (onnxruntime CPU, graph optimizations disabled). Committed;
rerun after changing a fixture:
  .venv/bin/python tools/make_onnx_fixtures.py
Needs onnx and onnxruntime (tools/requirements-bench.txt).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

REPO_ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = REPO_ROOT / "tests" / "goldens" / "onnx" / "fixtures"
OPSET = 17


def test_input(shape):
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.int64)
    return (((i * 7919) % 1000) / 500.0 - 1.0).astype(np.float32).reshape(shape)


class Builder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.count = [], [], 0

    def const(self, arr, name=None):
        self.count += 1
        name = name or f"c{self.count}"
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def rand(self, *shape, scale=0.3):
        return self.const(self.rng.normal(0, scale, shape).astype(np.float32))

    def node(self, op, inputs, **attrs):
        self.count += 1
        out = f"t{self.count}"
        self.nodes.append(helper.make_node(op, inputs, [out], name=f"{op}_{self.count}", **attrs))
        return out

    def conv(self, x, cin, cout, k, stride=1, pads=(0, 0, 0, 0), group=1, bias=True):
        ins = [x, self.rand(cout, cin // group, k, k)]
        if bias:
            ins.append(self.rand(cout, scale=0.1))
        return self.node("Conv", ins, kernel_shape=[k, k], strides=[stride, stride], pads=list(pads), group=group)

    def bn(self, x, c):
        r = self.rng
        return self.node("BatchNormalization", [
            x, self.const(r.uniform(0.5, 1.5, c).astype(np.float32)), self.const(r.normal(0, 0.1, c).astype(np.float32)),
            self.const(r.normal(0, 0.1, c).astype(np.float32)), self.const(r.uniform(0.5, 1.5, c).astype(np.float32))],
            epsilon=1e-3)

    def model(self, x_shape, out, out_shape, opset=OPSET):
        graph = helper.make_graph(self.nodes, "fixture",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                                  [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)], self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_onnx_fixtures")
        m.ir_version = 8
        m = onnx.shape_inference.infer_shapes(m, strict_mode=True)  # fills the output's shape
        onnx.checker.check_model(m)
        return m


def conv_paths(b):
    # Asymmetric pads, stride 2 on an odd size, BN folding, Clip(0, 6) fusion,
    # depthwise with pads, Relu fusion, pointwise, Add of two activations.
    x = b.conv("x", 3, 8, 3, stride=2, pads=(1, 0, 2, 1), bias=False)
    x = b.bn(x, 8)
    x = b.node("Clip", [x, b.const(np.float32(0)), b.const(np.float32(6))])
    y = b.conv(x, 8, 8, 3, pads=(1, 1, 1, 1), group=8)
    y = b.node("Relu", [y])
    y = b.conv(y, 8, 8, 1)
    z = b.node("Add", [x, y])
    return b.model([1, 3, 17, 15], z, None)


def pools_and_flatten(b):
    x = b.conv("x", 4, 6, 3, pads=(1, 1, 1, 1))
    x = b.node("Relu", [x])
    m = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    a = b.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2], pads=[0, 0, 1, 1])
    c = b.node("Concat", [m, a], axis=1)  # channels
    f = b.node("Flatten", [c], axis=1)  # 12 x 5 x 5 map: NCHW order matters
    g = b.node("Gemm", [f, b.rand(10, 300, scale=0.05), b.rand(10, scale=0.1)], transB=1, alpha=0.5, beta=2.0)
    s = b.node("Softmax", [g], axis=-1)
    return b.model([1, 4, 9, 10], s, None)


def broadcast_and_hard(b):
    # Squeeze-excite: GlobalAveragePool -> Conv -> Relu -> Conv -> HardSigmoid, Mul broadcast;
    # HardSwish; Mul / Add with [C,1,1] constants; Identity; Reshape to 2-D; MatMul.
    x = b.conv("x", 5, 8, 1)
    x = b.node("HardSwish", [x])
    s = b.node("GlobalAveragePool", [x])
    s = b.conv(s, 8, 4, 1)
    s = b.node("Relu", [s])
    s = b.conv(s, 4, 8, 1)
    s = b.node("HardSigmoid", [s], alpha=1.0 / 6.0)
    y = b.node("Mul", [s, x])
    y = b.node("Mul", [y, b.rand(8, 1, 1)])
    y = b.node("Add", [y, b.rand(8, 1, 1)])
    y = b.node("Identity", [y])
    y = b.node("Sigmoid", [y])
    r = b.node("Reshape", [y, b.const(np.array([1, -1], dtype=np.int64))])
    o = b.node("MatMul", [r, b.rand(8 * 6 * 7, 5, scale=0.05)])
    return b.model([1, 5, 6, 7], o, None)


def qdq_float(b):
    # The float model that qdq_int8 quantizes: conv + relu, depthwise + relu,
    # pointwise, a residual Add, GlobalAveragePool, Flatten, Gemm.
    x = b.node("Relu", [b.conv("x", 3, 8, 3, stride=2, pads=(1, 1, 1, 1))])
    y = b.node("Relu", [b.conv(x, 8, 8, 3, pads=(1, 1, 1, 1), group=8)])
    y = b.conv(y, 8, 8, 1)
    z = b.node("Add", [x, y])
    z = b.node("Flatten", [b.node("GlobalAveragePool", [z])])
    o = b.node("Gemm", [z, b.rand(5, 8), b.rand(5, scale=0.1)], transB=1)
    return b.model([1, 3, 15, 13], o, None)


def quantize_qdq(float_path, out_path, shape, input_name="x", dedicated_pairs=False):
    """ONNX Runtime's static quantizer, QDQ form: int8 activations (asymmetric),
    int8 per-channel symmetric weights, calibrated on the test input and 7
    seeded U(-1, 1) inputs. dedicated_pairs: the quantizer's DedicatedQDQPair
    option (one DequantizeLinear per consumer, so that ONNX Runtime fuses
    every node into its int8 kernels; with shared ones it runs the nodes
    whose input feeds two consumers in float)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            rng = np.random.default_rng(0)
            data = [test_input(shape)] + [rng.uniform(-1, 1, shape).astype(np.float32) for _ in range(7)]
            self.it = iter({input_name: d} for d in data)

        def get_next(self):
            return next(self.it, None)

    quantize_static(str(float_path), str(out_path), Reader(), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8, per_channel=True,
                    extra_options={"DedicatedQDQPair": dedicated_pairs})


def qlinear(b, act, weight):
    """QOperator form, as ONNX Runtime's QuantFormat.QOperator writes a conv
    net: QuantizeLinear, three QLinearConv (3x3 stride 2 with bias, depthwise
    with bias, 1x1 without), DequantizeLinear, GlobalAveragePool, Flatten,
    QuantizeLinear, QLinearMatMul, DequantizeLinear. act / weight: "u8" or
    "s8"; int8 conv weights are symmetric per output channel, uint8 weights
    per tensor with a zero point; the MatMul's B is per tensor."""
    adt = np.uint8 if act == "u8" else np.int8
    shift = 128 if act == "u8" else 0

    def zp(z):
        return b.const(adt(z + shift))

    def qweights(w, per_channel):
        if weight == "s8":
            axes = tuple(range(1, w.ndim)) if per_channel else None
            s = (np.abs(w).max(axis=axes) / 127).astype(np.float32)
            q = np.clip(np.round(w / (s.reshape((-1,) + (1,) * (w.ndim - 1)) if per_channel else s)), -127, 127)
            return b.const(q.astype(np.int8)), b.const(s), b.const(np.zeros(s.shape, np.int8))
        lo, hi = min(w.min(), 0.0), max(w.max(), 0.0)
        s = np.float32((hi - lo) / 255)
        z = np.uint8(np.round(-lo / s))
        return b.const(np.clip(np.round(w / s) + z, 0, 255).astype(np.uint8)), b.const(s), b.const(z)

    def qconv(x, xq, cin, cout, k, stride, pad, group, yq, bias):
        wq, ws, wz = qweights(b.rng.normal(0, 0.3, (cout, cin // group, k, k)).astype(np.float32), True)
        ins = [x, *xq, wq, ws, wz, *yq]
        if bias:
            ins.append(b.const(b.rng.integers(-2000, 2000, cout).astype(np.int32)))
        return b.node("QLinearConv", ins, kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=group)

    q0 = (b.const(np.float32(2 / 255)), zp(0))
    q1 = (b.const(np.float32(0.03)), zp(-10))
    q2 = (b.const(np.float32(0.04)), zp(5))
    q3 = (b.const(np.float32(0.05)), zp(0))
    q4 = (b.const(np.float32(0.02)), zp(3))
    q5 = (b.const(np.float32(0.03)), zp(-2))
    y = qconv(b.node("QuantizeLinear", ["x", *q0]), q0, 3, 8, 3, 2, 1, 1, q1, True)
    y = qconv(y, q1, 8, 8, 3, 1, 1, 8, q2, True)
    y = qconv(y, q2, 8, 6, 1, 1, 0, 1, q3, False)
    f = b.node("Flatten", [b.node("GlobalAveragePool", [b.node("DequantizeLinear", [y, *q3])])])
    bq, bs, bz = qweights(b.rng.normal(0, 0.5, (6, 4)).astype(np.float32), False)
    o = b.node("QLinearMatMul", [b.node("QuantizeLinear", [f, *q4]), *q4, bq, bs, bz, *q5])
    return b.model([1, 3, 15, 13], b.node("DequantizeLinear", [o, *q5]), None)


def pools_3d(b):
    # 3-D MaxPool / AveragePool (NCDHW, batch 2, 3 channels): pads, strides,
    # dilations, ceil_mode, count_include_pad both ways, auto_pad, and a QDQ
    # MaxPool (which runs in float). Opset 19 for AveragePool's dilations.
    q = [b.const(np.float32(0.03)), b.const(np.int8(0))]  # x / 0.03 = k / 15: no rounding ties
    xq = b.node("DequantizeLinear", [b.node("QuantizeLinear", ["x", *q]), *q])
    pools = [
        b.node("MaxPool", ["x"], kernel_shape=[2, 3, 2], strides=[2, 1, 2], pads=[1, 0, 1, 0, 1, 1], dilations=[1, 2, 1]),
        b.node("MaxPool", ["x"], kernel_shape=[3, 3, 3], strides=[2, 2, 2], pads=[1, 0, 0, 0, 1, 0], dilations=[2, 1, 1],
               ceil_mode=1),
        b.node("AveragePool", ["x"], kernel_shape=[3, 3, 3], strides=[2, 2, 2], pads=[1, 1, 1, 1, 1, 1], ceil_mode=1),
        b.node("AveragePool", ["x"], kernel_shape=[3, 2, 3], strides=[2, 2, 1], pads=[1, 0, 2, 0, 0, 1], ceil_mode=1,
               count_include_pad=1),
        b.node("AveragePool", ["x"], kernel_shape=[2, 2, 2], strides=[1, 2, 2], pads=[1, 1, 0, 1, 0, 1],
               dilations=[2, 1, 2], count_include_pad=1),
        b.node("AveragePool", ["x"], kernel_shape=[2, 3, 4], strides=[2, 2, 3], auto_pad="SAME_LOWER"),
        b.node("MaxPool", ["x"], kernel_shape=[3, 2, 2], strides=[1, 2, 2], auto_pad="SAME_UPPER"),
        b.node("QuantizeLinear", [b.node("MaxPool", [xq], kernel_shape=[2, 2, 2], strides=[2, 2, 2]), *q]),
    ]
    pools[-1] = b.node("DequantizeLinear", [pools[-1], *q])
    c = b.node("Concat", [b.node("Flatten", [p], axis=1) for p in pools], axis=1)
    return b.model([2, 3, 5, 6, 7], c, None, opset=19)


def qdq_ties(b):
    """A hand-built QDQ graph whose requantizations hit exact ties, so that
    ONNX Runtime's arithmetic (round half to even) and TFLite's (half away
    from zero) give different int8 results: x (scale 2^-4) -> 3x3 conv with
    small int8 per-channel weights (scales 2^-6; 0.75 * 2^-6 for one
    channel) -> Q (2^-6: x_scale * w_scale / y_scale = 2^-4, so one
    accumulator in 16 is a tie); that plus x again (ratios 0.5 and 2) -> Q;
    the sum's GlobalAveragePool -> Flatten -> Gemm. Powers of two keep ORT's
    float path (DequantizeLinear -> float op -> QuantizeLinear, which is how
    ORT runs some of these nodes) exact, so its output is the exactly rounded
    one. Outputs: the sum (1152 values) and the Gemm's (5)."""
    i8 = np.int8

    def q(x, scale, zp=0):
        return b.node("QuantizeLinear", [x, b.const(np.float32(scale)), b.const(i8(zp))])

    def dq(x, scale, zp=0):
        return b.node("DequantizeLinear", [x, b.const(np.float32(scale)), b.const(i8(zp))])

    xq = q("x", 2.0 ** -4)
    w = b.rng.integers(-8, 9, (8, 8, 3, 3)).astype(i8)
    w_scale = np.full(8, 2.0 ** -6, np.float32)
    w_scale[3] *= 0.75
    wdq = b.node("DequantizeLinear", [b.const(w), b.const(w_scale), b.const(np.zeros(8, i8))], axis=0)
    bias = b.rng.integers(-200, 200, 8).astype(np.int32)
    bdq = b.node("DequantizeLinear", [b.const(bias), b.const((2.0 ** -4 * w_scale).astype(np.float32)),
                                      b.const(np.zeros(8, np.int32))], axis=0)
    conv = b.node("Conv", [dq(xq, 2.0 ** -4), wdq, bdq], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    cq = q(conv, 2.0 ** -6, 3)
    add = b.node("Add", [dq(cq, 2.0 ** -6, 3), dq(xq, 2.0 ** -4)])
    aq = q(add, 2.0 ** -5, -5)
    sum_out = dq(aq, 2.0 ** -5, -5)
    gap = q(b.node("GlobalAveragePool", [dq(aq, 2.0 ** -5, -5)]), 2.0 ** -6, 1)
    flat = q(b.node("Flatten", [dq(gap, 2.0 ** -6, 1)]), 2.0 ** -6, 1)
    gw = b.rng.integers(-127, 128, (5, 8)).astype(i8)
    gemm = b.node("Gemm", [dq(flat, 2.0 ** -6, 1),
                           b.node("DequantizeLinear", [b.const(gw), b.const(np.float32(2.0 ** -5)), b.const(i8(0))]),
                           b.node("DequantizeLinear", [b.const(b.rng.integers(-500, 500, 5).astype(np.int32)),
                                                       b.const(np.float32(2.0 ** -11)), b.const(np.int32(0))])],
                  transB=1)
    gemm_out = dq(q(gemm, 2.0 ** -2, 0), 2.0 ** -2, 0)
    x_info = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 12, 12])
    graph = helper.make_graph(b.nodes, "qdq_ties", [x_info],
                              [helper.make_tensor_value_info(sum_out, TensorProto.FLOAT, [1, 8, 12, 12]),
                               helper.make_tensor_value_info(gemm_out, TensorProto.FLOAT, [1, 5])], b.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="make_onnx_fixtures")
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def make_qdq_ties(out_dir):
    """qdq_ties.onnx and its expected outputs qdq_ties.out0.npy / .out1.npy:
    ORT's own int8 execution (ORT_ENABLE_ALL, the default)."""
    path = out_dir / "qdq_ties.onnx"
    onnx.save(qdq_ties(Builder(200)), path)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    ys = sess.run(None, {"x": test_input([1, 8, 12, 12]) * 4})
    for i, y in enumerate(ys):
        np.save(out_dir / f"qdq_ties.out{i}.npy", y.astype(np.float32))
    print(f"qdq_ties: {path.stat().st_size} bytes, outputs {[list(y.shape) for y in ys]}")


QLINEAR = {f"qlinear_{a}{w}": (a, w) for a, w in (("s8", "s8"), ("u8", "u8"), ("u8", "s8"))}

FIXTURES = {
    "conv_paths": (conv_paths, [1, 3, 17, 15]),
    "pools_and_flatten": (pools_and_flatten, [1, 4, 9, 10]),
    "broadcast_and_hard": (broadcast_and_hard, [1, 5, 6, 7]),
    "qdq_float": (qdq_float, [1, 3, 15, 13]),
    "pools_3d": (pools_3d, [2, 3, 5, 6, 7]),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = ap.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for seed, (name, (make, shape)) in enumerate(FIXTURES.items()):
        m = make(Builder(seed + 1))
        path = args.out_dir / f"{name}.onnx"
        onnx.save(m, path)
        so = ort.SessionOptions()
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        so.intra_op_num_threads = 1
        sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        y = sess.run(None, {"x": test_input(shape)})[0].astype(np.float32)
        np.save(args.out_dir / f"{name}.out.npy", y)
        print(f"{name}: {path.stat().st_size} bytes, output {list(y.shape)}, |y| max {np.abs(y).max():.3f}")
    # external/: conv_paths with every initializer in one external data file
    # (as PyTorch writes large models), and a copy whose locations leave the
    # folder (must be refused).
    from onnx import external_data_helper
    ext_dir = args.out_dir / "external"
    ext_dir.mkdir(exist_ok=True)
    m = onnx.load(args.out_dir / "conv_paths.onnx")
    external_data_helper.convert_model_to_external_data(m, all_tensors_to_one_file=True,
                                                        location="conv_paths.weights", size_threshold=0)
    onnx.save_model(m, ext_dir / "conv_paths.onnx")
    for t in m.graph.initializer:
        for kv in t.external_data:
            if kv.key == "location":
                kv.value = "../conv_paths.weights"
    (ext_dir / "escaping_location.onnx").write_bytes(m.SerializeToString())
    print(f"external/conv_paths.onnx + conv_paths.weights ({(ext_dir / 'conv_paths.weights').stat().st_size} bytes)")
    # qlinear_*: the expected output is ORT's own execution of its QLinear kernels.
    for seed, (name, (act, weight)) in enumerate(QLINEAR.items()):
        path = args.out_dir / f"{name}.onnx"
        onnx.save(qlinear(Builder(100 + seed), act, weight), path)
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
        y = sess.run(None, {"x": test_input([1, 3, 15, 13])})[0].astype(np.float32)
        np.save(args.out_dir / f"{name}.out.npy", y)
        print(f"{name}: {path.stat().st_size} bytes, output {list(y.shape)}, y {y.ravel()}")
    # qdq_int8: qdq_float quantized by ONNX Runtime; the expected output is ORT's
    # own int8 execution (ORT_ENABLE_ALL fuses the QDQ pairs into QLinear ops).
    qpath = args.out_dir / "qdq_int8.onnx"
    quantize_qdq(args.out_dir / "qdq_float.onnx", qpath, FIXTURES["qdq_float"][1])
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(qpath), so, providers=["CPUExecutionProvider"])
    y = sess.run(None, {"x": test_input(FIXTURES["qdq_float"][1])})[0].astype(np.float32)
    np.save(args.out_dir / "qdq_int8.out.npy", y)
    print(f"qdq_int8: {qpath.stat().st_size} bytes, output {list(y.shape)}, |y| max {np.abs(y).max():.3f}")
    make_qdq_ties(args.out_dir)


if __name__ == "__main__":
    main()
