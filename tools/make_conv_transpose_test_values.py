#!/usr/bin/env python3
"""Prints the expected outputs of tests/ops/conv_transpose_test.cc's ONNX cases.

Each case is one ONNX ConvTranspose node run by onnxruntime on inputs the test
builds with the same formulas:
  X[n, c, y, x] (NCHW, flat index i) = (i * 5 + 3) % 11 - 5
  W[ci, co, ky, kx] (ONNX layout, flat index i) = (i * 3 + 1) % 7 - 3
  B[c] = c % 3 - 0.5
small integers and halves, so every output is exact in float32. The outputs
are printed NHWC (Y.transpose(0, 2, 3, 1).flatten()), with any fused RELU
applied as np.maximum(Y, 0).

Every case is checked against two more oracles before it is printed: onnx's
reference implementation (onnx.reference, op_conv_transpose.py) where it is
right, and a naive scatter loop written from the ONNX spec. onnx 1.23's
reference is wrong for group > 1 (it slices W by output channels, writes each
group's outputs into one channel and adds the first group's biases to every
group) and rejects output_padding when dilation > stride (its col2im shape
check), so it only checks the other cases. onnxruntime wants output_padding <
stride (the spec allows < max(stride, dilation)); for the one case beyond it,
onnxruntime runs without output padding and the padding's pixels (which no
input reaches) are the bias.

Usage (from the repository root): .venv/bin/python tools/make_conv_transpose_test_values.py
"""

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, TensorProto
from onnx.reference import ReferenceEvaluator

# name: (N, Cin, H, W, Cout, (kh, kw), strides, dilations, pads [top, left, bottom, right],
#        output_padding, group, bias, relu)
CASES = {
    "S2PadsBiasBatch2": (2, 3, 3, 4, 2, (3, 3), (2, 2), (1, 1), (1, 1, 1, 1), (0, 0), 1, True, False),
    "S3x2OutputPadding": (1, 2, 2, 3, 3, (2, 3), (3, 2), (1, 1), (0, 1, 0, 0), (2, 1), 1, False, False),
    "Dilation2x3AsymmetricPads": (1, 2, 4, 3, 1, (3, 2), (1, 1), (2, 3), (1, 0, 2, 1), (0, 0), 1, False, False),
    "S2Dilation2OutputPadding": (1, 1, 3, 3, 2, (3, 3), (2, 2), (2, 2), (0, 0, 0, 0), (1, 1), 1, True, False),
    "S1Dilation3OutputPadding": (1, 2, 3, 3, 1, (2, 2), (1, 1), (3, 3), (0, 0, 0, 0), (2, 1), 1, False, False),
    "Groups2Batch2": (2, 4, 3, 3, 6, (3, 3), (2, 2), (1, 1), (1, 0, 0, 1), (1, 0), 2, True, False),
    "Groups3Channels7": (1, 21, 2, 2, 3, (2, 2), (1, 1), (1, 1), (0, 0, 0, 0), (0, 0), 3, True, False),
    "Groups4OneChannelEachRelu": (1, 4, 2, 3, 4, (3, 3), (2, 2), (1, 1), (0, 0, 0, 0), (0, 0), 4, True, True),
    "OnePixelInputC17": (1, 1, 1, 1, 17, (3, 3), (2, 2), (1, 1), (0, 0, 0, 0), (0, 0), 1, False, False),
}


def formula(shape, mul, add, mod, off):
    i = np.arange(int(np.prod(shape)), dtype=np.int64)
    return ((i * mul + add) % mod - off).astype(np.float32).reshape(shape)


def model(c, bias):
    n, cin, h, w, cout, k, strides, dilations, pads, output_padding, group = c
    inputs = ["X", "W"] + (["B"] if bias else [])
    node = helper.make_node("ConvTranspose", inputs, ["Y"], strides=list(strides), dilations=list(dilations),
                            pads=list(pads), output_padding=list(output_padding), group=group, kernel_shape=list(k))
    return node


def naive(x, wt, b, strides, dilations, pads, out_hw, group):
    """y[n, g*Cout_g + o, iy*s - pad + ky*d, ...] += x[n, g*Cin_g + i, iy, ix] * W[g*Cin_g + i, o, ky, kx]."""
    n, cin, h, w = x.shape
    cout_g, kh, kw = wt.shape[1:]
    cin_g = cin // group
    y = np.zeros((n, cout_g * group, *out_hw), np.float64)
    for g in range(group):
        for i in range(cin_g):
            for o in range(cout_g):
                for iy in range(h):
                    for ix in range(w):
                        for ky in range(kh):
                            for kx in range(kw):
                                oy = iy * strides[0] - pads[0] + ky * dilations[0]
                                ox = ix * strides[1] - pads[1] + kx * dilations[1]
                                if 0 <= oy < out_hw[0] and 0 <= ox < out_hw[1]:
                                    y[:, g * cout_g + o, oy, ox] += (x[:, g * cin_g + i, iy, ix] *
                                                                     wt[g * cin_g + i, o, ky, kx])
    if b is not None:
        y += b.reshape(1, -1, 1, 1)
    return y.astype(np.float32)


def run_ort(node, feeds):
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(name, TensorProto.FLOAT, v.shape)
                                            for name, v in feeds.items()],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, None)])
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    return ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, feeds)[0]


def run(n, cin, h, w, cout, k, strides, dilations, pads, output_padding, group, bias, relu):
    x = formula((n, cin, h, w), 5, 3, 11, 5)
    wt = formula((cin, cout // group, k[0], k[1]), 3, 1, 7, 3)
    b = (np.arange(cout) % 3 - 0.5).astype(np.float32)
    geometry = (n, cin, h, w, cout, k, strides, dilations, pads)
    feeds = {"X": x, "W": wt}
    if bias:
        feeds["B"] = b
    if all(op < s for op, s in zip(output_padding, strides)):
        y = run_ort(model((*geometry, output_padding, group), bias), feeds)
    else:
        # onnxruntime wants output_padding < stride (the spec allows < max(stride, dilation)): run it
        # without, and add the output padding's rows / columns, which no input reaches (bias only).
        y0 = run_ort(model((*geometry, (0, 0), group), bias), feeds)
        y = np.zeros((*y0.shape[:2], y0.shape[2] + output_padding[0], y0.shape[3] + output_padding[1]), np.float32)
        y += (b if bias else np.zeros_like(b)).reshape(1, -1, 1, 1)
        y[:, :, :y0.shape[2], :y0.shape[3]] = y0
    assert np.array_equal(y, naive(x, wt, b if bias else None, strides, dilations, pads, y.shape[2:], group))
    node = model((*geometry, output_padding, group), bias)
    if group == 1 and all(op < s for op, s in zip(output_padding, strides)):
        (r,) = ReferenceEvaluator(node).run(None, feeds)
        assert np.array_equal(y, r)
    if relu:
        y = np.maximum(y, 0)
    return y


def main():
    print(f"// onnxruntime {ort.__version__}, onnx {onnx.__version__}")
    for name, c in CASES.items():
        y = run(*c)
        assert np.all(y == np.round(y * 2) / 2), name  # exact halves
        vals = ", ".join(f"{v:g}" for v in y.transpose(0, 2, 3, 1).flatten())
        print(f"// {name}: output NHWC {list(y.transpose(0, 2, 3, 1).shape)}")
        print(f"{{{vals}}}")


if __name__ == "__main__":
    main()
