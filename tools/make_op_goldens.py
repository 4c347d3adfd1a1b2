#!/usr/bin/env python3
"""Make per-op golden outputs with LiteRT's reference kernels (offline).

The shared MobileNets only exercise some ops, dtypes and parameters. This
script proves the rest: it writes tiny one-op (and a few few-op) TFLite models
with the flatbuffers builder, feeds them fixed pseudo-random inputs, runs them
with LiteRT twice (num_threads=1)

  * reference: Interpreter(..., experimental_op_resolver_type=BUILTIN_REF), TFLite's
    reference kernels -- the bit-exact target for edgerun's reference kernels;
  * default:   the default resolver (optimized kernels / XNNPACK), recorded for
    information only,

and writes one JSON per op to tests/goldens/ops/<op>.json (model bytes in
base64, inputs, both outputs), plus chain.json (a few-op quantized network
with float input and output). tests/models/op_golden_test.cc replays them
through edgerun. It also writes a small float32 image classifier,
tests/goldens/ops/tiny_float_classifier.tflite, with its golden outputs in
tiny_float_classifier.json (same case format).

Every case draws its numbers from its own numpy Generator seeded with a hash
of its name, so the output is deterministic and adding or removing a case
does not change the others. Files whose content is unchanged are not
rewritten. A case that LiteRT rejects (or crashes on: each LiteRT run happens
in a forked child process) is skipped, printed and listed under "skipped" in
its JSON.

Quantized output scales and zero points are not guessed: each quantized case
is first run as a float32 twin (same real-valued inputs and weights, no fused
activation) with LiteRT's reference kernels, and the output range it produces
(narrowed to a little beyond a fused RELU6 / RELU_N1_TO_1 clamp) is mapped onto
the output dtype, stretched or shrunk a little so that some values saturate.

Usage:
  python3 tools/make_op_goldens.py [--out tests/goldens/ops] [--shared DIR] [--only OP,...]

--shared (else $EDGERUN_SHARED_DIR, else <repo>/../shared) is only read for
images/cat.bmp, the photo the classifier's first golden input is made from.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import hashlib
import json
import multiprocessing
import os
import re
import sys
import zlib
from pathlib import Path
from typing import Callable

import flatbuffers
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
GENERATED_BY = "tools/make_op_goldens.py"

# ---------------------------------------------------------------------------
# TFLite schema v3 constants (tensorflow/compiler/mlir/lite/schema/schema.fbs).
# ---------------------------------------------------------------------------

TENSOR_TYPE = {"float32": 0, "int32": 2, "uint8": 3, "int64": 4, "int8": 9}
NP_DTYPE = {"float32": np.float32, "int32": np.int32, "uint8": np.uint8, "int64": np.int64, "int8": np.int8}
QRANGE = {"uint8": (0, 255), "int8": (-128, 127)}

BUILTIN_CODE = {
    "ADD": 0, "AVERAGE_POOL_2D": 1, "CONCATENATION": 2, "CONV_2D": 3, "DEPTHWISE_CONV_2D": 4, "DEQUANTIZE": 6,
    "FULLY_CONNECTED": 9, "L2_NORMALIZATION": 11, "LOGISTIC": 14, "MAX_POOL_2D": 17, "MUL": 18, "RESHAPE": 22,
    "SOFTMAX": 25, "PAD": 34, "MEAN": 40, "SQUEEZE": 43, "TRANSPOSE_CONV": 67, "QUANTIZE": 114,
    "RELU": 19, "RELU_N1_TO_1": 20, "RELU6": 21, "TANH": 28, "SUB": 41, "DIV": 42, "LEAKY_RELU": 98,
    "STRIDED_SLICE": 45, "PADV2": 60, "SLICE": 65, "MIRROR_PAD": 100, "RESIZE_BILINEAR": 23,
}
ACTIVATION = {"NONE": 0, "RELU": 1, "RELU_N1_TO_1": 2, "RELU6": 3}
PADDING = {"SAME": 0, "VALID": 1}

# Per op: (BuiltinOptions union tag, [(field name, kind, default)]) in field-id order.
# Kinds: u8 / i32 / f32 scalars, vi32 an int32 vector. Ops with no options table: (0, []).
OPTIONS = {
    "CONV_2D": (1, [("padding", "u8", 0), ("stride_w", "i32", 0), ("stride_h", "i32", 0),
                    ("fused_activation_function", "u8", 0), ("dilation_w_factor", "i32", 1),
                    ("dilation_h_factor", "i32", 1)]),
    "DEPTHWISE_CONV_2D": (2, [("padding", "u8", 0), ("stride_w", "i32", 0), ("stride_h", "i32", 0),
                              ("depth_multiplier", "i32", 0), ("fused_activation_function", "u8", 0),
                              ("dilation_w_factor", "i32", 1), ("dilation_h_factor", "i32", 1)]),
    "AVERAGE_POOL_2D": (5, [("padding", "u8", 0), ("stride_w", "i32", 0), ("stride_h", "i32", 0),
                            ("filter_width", "i32", 0), ("filter_height", "i32", 0),
                            ("fused_activation_function", "u8", 0)]),
    "MAX_POOL_2D": (5, [("padding", "u8", 0), ("stride_w", "i32", 0), ("stride_h", "i32", 0),
                        ("filter_width", "i32", 0), ("filter_height", "i32", 0),
                        ("fused_activation_function", "u8", 0)]),
    "FULLY_CONNECTED": (8, [("fused_activation_function", "u8", 0), ("weights_format", "u8", 0),
                            ("keep_num_dims", "u8", 0)]),
    "SOFTMAX": (9, [("beta", "f32", 0.0)]),
    "CONCATENATION": (10, [("axis", "i32", 0), ("fused_activation_function", "u8", 0)]),
    "ADD": (11, [("fused_activation_function", "u8", 0)]),
    "L2_NORMALIZATION": (12, [("fused_activation_function", "u8", 0)]),
    "RESHAPE": (17, [("new_shape", "vi32", None)]),
    "MUL": (21, [("fused_activation_function", "u8", 0)]),
    "PAD": (22, []),
    "MEAN": (27, [("keep_dims", "u8", 0)]),
    "SQUEEZE": (30, [("squeeze_dims", "vi32", None)]),
    "DEQUANTIZE": (38, []),
    "QUANTIZE": (89, []),
    "LOGISTIC": (0, []),
    "SUB": (28, [("fused_activation_function", "u8", 0), ("pot_scale_int16", "u8", 1)]),
    "DIV": (29, [("fused_activation_function", "u8", 0)]),
    "LEAKY_RELU": (75, [("alpha", "f32", 0.0)]),
    "TANH": (0, []),
    "RELU": (0, []),
    "RELU6": (0, []),
    "RELU_N1_TO_1": (0, []),
    "STRIDED_SLICE": (32, [("begin_mask", "i32", 0), ("end_mask", "i32", 0), ("ellipsis_mask", "i32", 0),
                           ("new_axis_mask", "i32", 0), ("shrink_axis_mask", "i32", 0), ("offset", "u8", 0)]),
    "PADV2": (43, []),
    "SLICE": (48, []),
    "MIRROR_PAD": (77, [("mode", "u8", 0)]),  # REFLECT = 0, SYMMETRIC = 1
    "TRANSPOSE_CONV": (49, [("padding", "u8", 0), ("stride_w", "i32", 0), ("stride_h", "i32", 0),
                            ("fused_activation_function", "u8", 0)]),
    "RESIZE_BILINEAR": (15, [("new_height", "i32", 0), ("new_width", "i32", 0), ("align_corners", "u8", 0),
                             ("half_pixel_centers", "u8", 0)]),
}

# ---------------------------------------------------------------------------
# Graph description and flatbuffer writer.
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Tensor:
    name: str
    dtype: str
    shape: list[int]
    scale: list[float] | None = None      # None: not quantized
    zero_point: list[int] | None = None
    axis: int = 0                         # quantized_dimension (per-channel)
    data: np.ndarray | None = None        # constant data; None for activations

    @property
    def quantized(self) -> bool:
        return self.scale is not None

    def real(self, values: np.ndarray) -> np.ndarray:
        """Dequantized float64 values (per-tensor or per-channel along self.axis)."""
        v = values.astype(np.float64)
        if not self.quantized:
            return v
        scale = np.asarray(self.scale, np.float64)
        zp = np.asarray(self.zero_point, np.float64)
        if len(self.scale) > 1:
            bshape = [1] * len(self.shape)
            bshape[self.axis] = len(self.scale)
            scale, zp = scale.reshape(bshape), zp.reshape(bshape)
        return (v - zp) * scale


@dataclasses.dataclass
class Op:
    name: str              # key of BUILTIN_CODE
    inputs: list[int]      # tensor indices; -1 for an absent optional input
    outputs: list[int]
    options: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Graph:
    tensors: list[Tensor]
    ops: list[Op]
    inputs: list[int]
    outputs: list[int]
    error: str | None = None  # set when the float32 calibration twin could not run

    def add(self, t: Tensor) -> int:
        self.tensors.append(t)
        return len(self.tensors) - 1


def f32(x) -> float:
    """Rounds to the nearest float32 (quantization scales are float32 in the file)."""
    return float(np.float32(x))


def _vector_i32(b: flatbuffers.Builder, values) -> int:
    return b.CreateNumpyVector(np.asarray(values, dtype="<i4").reshape(-1))


def _write_options(b: flatbuffers.Builder, op: Op) -> tuple[int, int | None]:
    tag, fields = OPTIONS[op.name]
    unknown = set(op.options) - {f[0] for f in fields}
    if unknown:
        raise ValueError(f"{op.name}: unknown options {sorted(unknown)}")
    if tag == 0:
        return 0, None
    vectors = {name: _vector_i32(b, op.options[name]) for name, kind, _ in fields
               if kind == "vi32" and op.options.get(name) is not None}
    b.StartObject(len(fields))
    for slot, (name, kind, default) in enumerate(fields):
        if name not in op.options or op.options[name] is None:
            continue
        v = op.options[name]
        if kind == "u8":
            b.PrependUint8Slot(slot, int(v), default)
        elif kind == "i32":
            b.PrependInt32Slot(slot, int(v), default)
        elif kind == "f32":
            b.PrependFloat32Slot(slot, float(v), default)
        elif kind == "vi32":
            b.PrependUOffsetTRelativeSlot(slot, vectors[name], 0)
    return tag, b.EndObject()


def _write_quantization(b: flatbuffers.Builder, t: Tensor) -> int:
    scale = b.CreateNumpyVector(np.asarray(t.scale, dtype="<f4"))
    zp = b.CreateNumpyVector(np.asarray(t.zero_point, dtype="<i8"))
    b.StartObject(7)  # min, max, scale, zero_point, details_type, details, quantized_dimension
    b.PrependUOffsetTRelativeSlot(2, scale, 0)
    b.PrependUOffsetTRelativeSlot(3, zp, 0)
    b.PrependInt32Slot(6, t.axis, 0)
    return b.EndObject()


def build_model(g: Graph, description: str) -> bytes:
    """Serializes `g` as a TFLite schema-v3 flatbuffer (file identifier TFL3)."""
    b = flatbuffers.Builder(4096)
    b.ForceDefaults(True)  # write every field we set, even when it equals the schema default

    # Buffers: 0 is the empty sentinel; one per constant tensor, data 16-byte aligned.
    buffer_of, buffer_data = {}, [b""]
    for i, t in enumerate(g.tensors):
        if t.data is not None:
            arr = np.ascontiguousarray(np.asarray(t.data, dtype=NP_DTYPE[t.dtype]).reshape(t.shape))
            buffer_of[i] = len(buffer_data)
            buffer_data.append(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
    buffers = []
    for data in buffer_data:
        vec = None
        if data:
            b.StartVector(1, len(data), 16)
            b.head = b.head - len(data)
            b.Bytes[b.head:b.head + len(data)] = data
            vec = b.EndVector()
        b.StartObject(3)  # data, offset, size
        if vec is not None:
            b.PrependUOffsetTRelativeSlot(0, vec, 0)
        buffers.append(b.EndObject())

    tensors = []
    for i, t in enumerate(g.tensors):
        name = b.CreateString(t.name)
        shape = _vector_i32(b, t.shape)
        quant = _write_quantization(b, t) if t.quantized else None
        b.StartObject(5)  # shape, type, buffer, name, quantization
        b.PrependUOffsetTRelativeSlot(0, shape, 0)
        b.PrependInt8Slot(1, TENSOR_TYPE[t.dtype], 0)
        b.PrependUint32Slot(2, buffer_of.get(i, 0), 0)
        b.PrependUOffsetTRelativeSlot(3, name, 0)
        if quant is not None:
            b.PrependUOffsetTRelativeSlot(4, quant, 0)
        tensors.append(b.EndObject())

    op_names = sorted({op.name for op in g.ops}, key=lambda n: BUILTIN_CODE[n])
    opcode_index = {n: k for k, n in enumerate(op_names)}
    op_codes = []
    for n in op_names:
        code = BUILTIN_CODE[n]
        b.StartObject(4)  # deprecated_builtin_code, custom_code, version, builtin_code
        b.PrependInt8Slot(0, min(code, 127), 0)  # 127 = PLACEHOLDER_FOR_GREATER_OP_CODES
        b.PrependInt32Slot(2, 1, 0)
        b.PrependInt32Slot(3, code, 0)
        op_codes.append(b.EndObject())

    operators = []
    for op in g.ops:
        ins, outs = _vector_i32(b, op.inputs), _vector_i32(b, op.outputs)
        tag, options = _write_options(b, op)
        b.StartObject(5)  # opcode_index, inputs, outputs, builtin_options_type, builtin_options
        b.PrependUint32Slot(0, opcode_index[op.name], 0)
        b.PrependUOffsetTRelativeSlot(1, ins, 0)
        b.PrependUOffsetTRelativeSlot(2, outs, 0)
        if options is not None:
            b.PrependUint8Slot(3, tag, 0)
            b.PrependUOffsetTRelativeSlot(4, options, 0)
        operators.append(b.EndObject())

    def table_vector(offsets: list[int]) -> int:
        b.StartVector(4, len(offsets), 4)
        for off in reversed(offsets):
            b.PrependUOffsetTRelative(off)
        return b.EndVector()

    sg_tensors, sg_ops = table_vector(tensors), table_vector(operators)
    sg_in, sg_out = _vector_i32(b, g.inputs), _vector_i32(b, g.outputs)
    sg_name = b.CreateString("main")
    b.StartObject(5)  # tensors, inputs, outputs, operators, name
    b.PrependUOffsetTRelativeSlot(0, sg_tensors, 0)
    b.PrependUOffsetTRelativeSlot(1, sg_in, 0)
    b.PrependUOffsetTRelativeSlot(2, sg_out, 0)
    b.PrependUOffsetTRelativeSlot(3, sg_ops, 0)
    b.PrependUOffsetTRelativeSlot(4, sg_name, 0)
    subgraph = b.EndObject()

    codes_vec, subgraphs_vec, buffers_vec = table_vector(op_codes), table_vector([subgraph]), table_vector(buffers)
    desc = b.CreateString(description)
    b.StartObject(5)  # version, operator_codes, subgraphs, description, buffers
    b.PrependUint32Slot(0, 3, 0)
    b.PrependUOffsetTRelativeSlot(1, codes_vec, 0)
    b.PrependUOffsetTRelativeSlot(2, subgraphs_vec, 0)
    b.PrependUOffsetTRelativeSlot(3, desc, 0)
    b.PrependUOffsetTRelativeSlot(4, buffers_vec, 0)
    model = b.EndObject()
    b.Finish(model, file_identifier=b"TFL3")
    return bytes(b.Output())


# ---------------------------------------------------------------------------
# Running LiteRT (in a forked child, so an abort inside LiteRT skips one case).
# ---------------------------------------------------------------------------


def _litert_run(model: bytes, feeds: list[np.ndarray], reference: bool) -> list[np.ndarray]:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    kwargs = {"model_content": model, "num_threads": 1}
    if reference:
        kwargs["experimental_op_resolver_type"] = OpResolverType.BUILTIN_REF
    interp = Interpreter(**kwargs)
    interp.allocate_tensors()
    details = interp.get_input_details()
    if len(details) != len(feeds):
        raise ValueError(f"model has {len(details)} inputs, {len(feeds)} given")
    for d, x in zip(details, feeds):
        interp.set_tensor(d["index"], x)
    interp.invoke()
    return [interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()]


def _child(conn, model, feeds, reference):
    try:
        conn.send(("ok", _litert_run(model, feeds, reference)))
    except Exception as e:  # noqa: BLE001 - reported to the parent as the skip reason
        # LiteRT prints some float parameters with %d: drop those (run-dependent) numbers.
        msg = re.sub(r" \(-?\d+ != -?\d+\)", "", " ".join(str(e).split()))
        msg = re.sub(r"(?<=[^.\s])Node number", ". Node number", msg)
        conn.send(("error", f"{type(e).__name__}: {msg}"))
    finally:
        conn.close()


class LiteRTError(Exception):
    pass


def run_litert(model: bytes, feeds: list[np.ndarray], reference: bool) -> list[np.ndarray]:
    """Runs the model with BUILTIN_REF (reference=True) or the default resolver, in a forked
    child process so that an abort or crash inside LiteRT becomes a LiteRTError."""
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(child, model, feeds, reference))
    p.start()
    child.close()
    result = None
    try:
        result = parent.recv()
    except EOFError:
        pass
    p.join()
    which = "reference (BUILTIN_REF)" if reference else "default"
    if result is None:
        code = p.exitcode
        signal = f", signal {-code}" if code is not None and code < 0 else ""
        raise LiteRTError(f"LiteRT {which} crashed (child exit code {code}{signal})")
    if result[0] == "error":
        raise LiteRTError(f"LiteRT {which} rejected the model: {result[1]}")
    return result[1]


# ---------------------------------------------------------------------------
# Random tensors and quantization.
# ---------------------------------------------------------------------------


def case_rng(key: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(key.encode()))


def rand_scale(rng, lo_exp: float, hi_exp: float) -> float:
    return f32(10.0 ** rng.uniform(lo_exp, hi_exp))


def rand_q(rng, dtype: str, shape, spread: float | None = None, center: int | None = None) -> np.ndarray:
    """Random quantized values: uniform over the dtype, or normal(center, spread) clipped."""
    lo, hi = QRANGE[dtype]
    if spread is None:
        return rng.integers(lo, hi + 1, size=shape).astype(NP_DTYPE[dtype])
    v = np.rint(rng.normal(center, spread, size=shape))
    return np.clip(v, lo, hi).astype(NP_DTYPE[dtype])


def rand_f(rng, shape, mag: float = 1.0) -> np.ndarray:
    return rng.uniform(-mag, mag, size=shape).astype(np.float32)


def activation_input(rng, name: str, dtype: str, shape, scale_exp=(-2.3, -1.0)) -> tuple[Tensor, np.ndarray]:
    """A graph-input tensor with realistic random quantization, and random values for it."""
    if dtype == "float32":
        return Tensor(name, dtype, list(shape)), rand_f(rng, shape, 3.0)
    lo, hi = QRANGE[dtype]
    # Zero points away from the ends, so real values have both signs (cases that want a zero
    # point at the bottom of the range, as after a ReLU, set it explicitly).
    t = Tensor(name, dtype, list(shape), [rand_scale(rng, *scale_exp)], [int(rng.integers(lo + 32, hi - 31))])
    v = rand_q(rng, dtype, shape)
    if v.size >= 2:  # at least one value on each side of zero, even in tiny tensors
        flat = v.reshape(-1)
        zp = t.zero_point[0]
        flat[0] = rng.integers(zp, hi + 1)
        flat[-1] = rng.integers(lo, zp)
    return t, v


def quant_from_range(rng, dtype: str, lo: float, hi: float, stretch=(0.75, 1.15)) -> tuple[list[float], list[int]]:
    """Output scale / zero point covering roughly [lo, hi] (with 0 representable), slightly
    stretched or shrunk so that some values saturate."""
    qlo, qhi = QRANGE[dtype]
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi - lo < 1e-6:
        hi = lo + 1e-3
    k = rng.uniform(*stretch)
    mid = (lo + hi) / 2
    lo, hi = mid + (lo - mid) * k, mid + (hi - mid) * k
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = f32((hi - lo) / (qhi - qlo))
    zp = int(np.clip(np.rint(qlo - lo / scale), qlo, qhi))
    return [scale], [zp]


def float_twin(g: Graph) -> Graph:
    """The same graph in float32: constants dequantized, no quantization, no fused activations,
    QUANTIZE / DEQUANTIZE replaced by identities (RESHAPE to the same shape)."""
    tensors = []
    for t in g.tensors:
        data = None if t.data is None else t.real(np.asarray(t.data)).astype(np.float32)
        if t.dtype in ("int32", "int64") and not t.quantized:  # axes, paddings, shapes: keep as they are
            tensors.append(dataclasses.replace(t))
            continue
        tensors.append(Tensor(t.name, "float32", list(t.shape), data=data))
    ops = []
    for op in g.ops:
        if op.name in ("QUANTIZE", "DEQUANTIZE"):
            ops.append(Op("RESHAPE", list(op.inputs), list(op.outputs),
                          {"new_shape": list(g.tensors[op.outputs[0]].shape)}))
            continue
        opts = dict(op.options)
        if "fused_activation_function" in opts:
            opts["fused_activation_function"] = 0
        ops.append(Op(op.name, list(op.inputs), list(op.outputs), opts))
    return Graph(tensors, ops, list(g.inputs), list(g.outputs))


def calibrate_outputs(rng, g: Graph, feeds: list[np.ndarray], stretch=(0.75, 1.15)) -> None:
    """Sets the quantization of every quantized graph output from a float32 twin run with LiteRT."""
    twin = float_twin(g)
    real_feeds = [g.tensors[i].real(x).astype(np.float32) for i, x in zip(g.inputs, feeds)]
    try:
        outs = run_litert(build_model(twin, "calibration twin"), real_feeds, reference=True)
    except LiteRTError as e:
        g.error = f"float32 calibration twin: {e}"
        return
    # Fused clamps: keep the output range a little wider than the clamp, so that the clamp
    # itself is exercised and the values inside it keep a useful resolution.
    window = {ACTIVATION["RELU6"]: (-3.0, 9.0), ACTIVATION["RELU_N1_TO_1"]: (-2.0, 2.0)}
    for idx, out in zip(g.outputs, outs):
        t = g.tensors[idx]
        if t.dtype in QRANGE:
            lo, hi = float(out.min()), float(out.max())
            act = next((op.options.get("fused_activation_function", 0) for op in g.ops if idx in op.outputs), 0)
            if act in window:
                lo, hi = max(lo, window[act][0]), min(hi, window[act][1])
            t.scale, t.zero_point = quant_from_range(rng, t.dtype, lo, hi, stretch)


# ---------------------------------------------------------------------------
# Cases.
# ---------------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    name: str
    dtype: str
    params: dict
    graph: Graph
    feeds: list[np.ndarray]


DTYPES = ["float32", "uint8", "int8"]


def weights(rng, dtype: str, shape, per_channel_axis: int | None, name: str = "filter",
            spread: float | None = None) -> Tensor:
    """Constant weights: float N(0, 1/sqrt(fan_in)); uint8 asymmetric per-tensor; int8 symmetric,
    per-channel along per_channel_axis (or per-tensor when None). `spread` overrides the standard
    deviation of the quantized values (default 40 for uint8, 45 for int8)."""
    fan_in = int(np.prod(shape)) // shape[0 if per_channel_axis in (None, 0) else per_channel_axis]
    if dtype == "float32":
        return Tensor(name, dtype, list(shape), data=rng.normal(0, 1.5 / np.sqrt(max(fan_in, 1)), shape).astype(np.float32))
    if dtype == "uint8":
        zp = int(rng.integers(90, 170))
        return Tensor(name, dtype, list(shape), [rand_scale(rng, -2.7, -1.7)], [zp],
                      data=rand_q(rng, dtype, shape, spread=spread or 40, center=zp))
    data = np.clip(np.rint(rng.normal(0, spread or 45, shape)), -127, 127).astype(np.int8)
    if per_channel_axis is None:
        return Tensor(name, dtype, list(shape), [rand_scale(rng, -2.7, -1.7)], [0], data=data)
    n = shape[per_channel_axis]
    return Tensor(name, dtype, list(shape), [rand_scale(rng, -3.0, -1.5) for _ in range(n)], [0] * n,
                  axis=per_channel_axis, data=data)


def bias_for(rng, dtype: str, n: int, x: Tensor, w: Tensor, fan_in: int) -> Tensor:
    """int32 bias quantized with scale input_scale * filter_scale (per channel), as TFLite requires."""
    if dtype == "float32":
        return Tensor("bias", dtype, [n], data=rng.normal(0, 0.5, n).astype(np.float32))
    scales = [f32(np.float32(x.scale[0]) * np.float32(s)) for s in w.scale]
    data = np.rint(rng.normal(0, 1500 * np.sqrt(fan_in), n)).astype(np.int32)
    return Tensor("bias", "int32", [n], scales, [0] * len(scales), axis=0, data=data)


def conv_like_case(kind: str, key: str, dtype: str, in_shape, out_ch: int, kh: int, kw: int, padding: str,
                   stride=(1, 1), dilation=(1, 1), act="NONE", bias=True, depth_multiplier=1,
                   per_channel=True, keep_num_dims=False, units=None, filter_zero_point=0,
                   input_zp_min=False, weight_spread=None, groups=1) -> Case:
    """CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED with random weights and calibrated output.
    CONV_2D with groups > 1 is a grouped conv: filter [out_ch, kh, kw, in_ch / groups]."""
    rng = case_rng(key)
    x, xv = activation_input(rng, "input", dtype, in_shape)
    if input_zp_min and x.quantized:  # post-ReLU activations: zero point at the bottom of the range
        x.zero_point = [QRANGE[dtype][0]]
    if kind == "CONV_2D":
        w = weights(rng, dtype, [out_ch, kh, kw, in_shape[3] // groups], 0 if per_channel else None)
        fan_in = kh * kw * (in_shape[3] // groups)
        opts = {"padding": PADDING[padding], "stride_w": stride[1], "stride_h": stride[0],
                "fused_activation_function": ACTIVATION[act], "dilation_w_factor": dilation[1],
                "dilation_h_factor": dilation[0]}
    elif kind == "DEPTHWISE_CONV_2D":
        out_ch = in_shape[3] * depth_multiplier
        w = weights(rng, dtype, [1, kh, kw, out_ch], 3 if per_channel else None)
        fan_in = kh * kw
        opts = {"padding": PADDING[padding], "stride_w": stride[1], "stride_h": stride[0],
                "depth_multiplier": depth_multiplier, "fused_activation_function": ACTIVATION[act],
                "dilation_w_factor": dilation[1], "dilation_h_factor": dilation[0]}
    else:
        depth = in_shape[-1]
        out_ch = units
        w = weights(rng, dtype, [units, depth], 0 if per_channel else None, name="weights", spread=weight_spread)
        if dtype == "int8" and not per_channel:
            w.zero_point = [filter_zero_point]  # TFLite applies it for per-tensor int8 FC
        fan_in = depth
        opts = {"fused_activation_function": ACTIVATION[act], "keep_num_dims": int(keep_num_dims)}
    tensors = [x, w]
    if bias:
        tensors.append(bias_for(rng, dtype, out_ch, x, w, fan_in))
    g = Graph(tensors, [], [0], [])
    out_shape = infer_conv_like_shape(kind, in_shape, out_ch, kh, kw, padding, stride, dilation, keep_num_dims)
    out = g.add(Tensor("output", dtype, out_shape))
    # No bias: FULLY_CONNECTED marks the optional input -1; TFLite's CONV_2D and
    # DEPTHWISE_CONV_2D want it left out (2 inputs), as converters write them.
    inputs = [0, 1, 2] if bias else ([0, 1, -1] if kind == "FULLY_CONNECTED" else [0, 1])
    g.ops.append(Op(kind, inputs, [out], opts))
    g.outputs = [out]
    if dtype != "float32":
        calibrate_outputs(rng, g, [xv])
    params = {"input_shape": list(in_shape), "filter_shape": w.shape, "bias": bias, "activation": act}
    if kind != "FULLY_CONNECTED":
        params.update(padding=padding, stride=list(stride), dilation=list(dilation))
    if kind == "DEPTHWISE_CONV_2D":
        params["depth_multiplier"] = depth_multiplier
    if groups != 1:
        params["groups"] = groups
    if kind == "FULLY_CONNECTED":
        params["keep_num_dims"] = keep_num_dims
    if dtype == "int8":
        params["filter_quantization"] = "per-channel" if per_channel else f"per-tensor zp {w.zero_point[0]}"
    return Case(key.split("/", 1)[1], dtype, params, g, [xv])


def infer_conv_like_shape(kind, in_shape, out_ch, kh, kw, padding, stride, dilation, keep_num_dims):
    if kind == "FULLY_CONNECTED":
        if keep_num_dims:
            return list(in_shape[:-1]) + [out_ch]
        return [int(np.prod(in_shape)) // in_shape[-1], out_ch]
    n, h, w_, _ = in_shape

    def size(i, k, s, d):
        eff = (k - 1) * d + 1
        return (i + s - 1) // s if padding == "SAME" else (i - eff + s) // s

    return [n, size(h, kh, stride[0], dilation[0]), size(w_, kw, stride[1], dilation[1]), out_ch]


def conv_cases() -> list[Case]:
    sets = [
        ("3x3_same_s1", dict(in_shape=[1, 7, 7, 3], out_ch=7, kh=3, kw=3, padding="SAME")),
        ("3x3_valid_s2_relu", dict(in_shape=[1, 9, 9, 3], out_ch=17, kh=3, kw=3, padding="VALID", stride=(2, 2), act="RELU")),
        ("3x3_same_s2_relu6_odd", dict(in_shape=[1, 7, 9, 1], out_ch=3, kh=3, kw=3, padding="SAME", stride=(2, 2), act="RELU6")),
        ("3x3_same_dil2_relun1", dict(in_shape=[1, 9, 9, 4], out_ch=5, kh=3, kw=3, padding="SAME", dilation=(2, 2), act="RELU_N1_TO_1")),
        ("1x1_valid_c33", dict(in_shape=[1, 5, 5, 33], out_ch=7, kh=1, kw=1, padding="VALID")),
        ("2x3_valid_s1x2_batch2_relu6", dict(in_shape=[2, 5, 8, 2], out_ch=4, kh=2, kw=3, padding="VALID", stride=(1, 2), act="RELU6")),
        ("5x5_same_s2_dil2x1", dict(in_shape=[1, 8, 11, 3], out_ch=2, kh=5, kw=3, padding="SAME", stride=(2, 1), dilation=(1, 2), act="RELU")),
        ("3x3_same_s1_relu_input_zp_min", dict(in_shape=[1, 5, 5, 7], out_ch=3, kh=3, kw=3, padding="SAME", act="RELU", input_zp_min=True)),
    ]
    cases = [conv_like_case("CONV_2D", f"CONV_2D:{dt}/{name}", dt, **kw) for dt in DTYPES for name, kw in sets]
    cases.append(conv_like_case("CONV_2D", "CONV_2D:int8/3x3_same_s1_per_tensor", "int8", in_shape=[1, 6, 6, 3],
                                out_ch=5, kh=3, kw=3, padding="SAME", act="RELU", per_channel=False))
    # Grouped conv (groups = input channels / filter channels), 1, 3 and 7 channels per group.
    grouped = [
        ("3x3_same_g2_c3", dict(in_shape=[1, 6, 6, 6], out_ch=4, kh=3, kw=3, padding="SAME", groups=2)),
        ("1x1_valid_g4_c7_relu", dict(in_shape=[1, 5, 5, 28], out_ch=8, kh=1, kw=1, padding="VALID", groups=4, act="RELU")),
        ("3x3_valid_s2_g3_c1_batch2", dict(in_shape=[2, 7, 7, 3], out_ch=6, kh=3, kw=3, padding="VALID", stride=(2, 2), groups=3)),
        ("3x3_same_dil2_g2_c7_relu6", dict(in_shape=[1, 9, 9, 14], out_ch=6, kh=3, kw=3, padding="SAME", dilation=(2, 2), groups=2, act="RELU6")),
    ]
    cases += [conv_like_case("CONV_2D", f"CONV_2D:{dt}/{name}", dt, **kw) for dt in DTYPES for name, kw in grouped]
    return cases


def transpose_conv_cases() -> list[Case]:
    """float32 TRANSPOSE_CONV: inputs (output_shape, weights [O, kh, kw, I], input[, bias])."""
    sets = [
        ("3x3_same_s1", dict(in_shape=[1, 4, 4, 3], out_ch=2, kh=3, kw=3, padding="SAME", stride=(1, 1))),
        ("3x3_same_s2_bias", dict(in_shape=[1, 4, 5, 3], out_ch=5, kh=3, kw=3, padding="SAME", stride=(2, 2), bias=True)),
        ("4x4_same_s2_relu", dict(in_shape=[1, 3, 3, 8], out_ch=4, kh=4, kw=4, padding="SAME", stride=(2, 2), bias=True, act="RELU")),
        ("3x3_valid_s2_batch2", dict(in_shape=[2, 3, 4, 2], out_ch=3, kh=3, kw=3, padding="VALID", stride=(2, 2))),
        ("2x3_valid_s3x2_relu6", dict(in_shape=[1, 3, 3, 7], out_ch=17, kh=2, kw=3, padding="VALID", stride=(3, 2), bias=True, act="RELU6")),
        ("1x1_same_s3_c1", dict(in_shape=[1, 2, 3, 1], out_ch=3, kh=1, kw=1, padding="SAME", stride=(3, 3))),
        ("5x5_same_s2_odd_output", dict(in_shape=[1, 4, 4, 3], out_ch=2, kh=5, kw=5, padding="SAME", stride=(2, 2), out_hw=(7, 8))),
    ]
    cases = []
    for name, kw in sets:
        key = f"TRANSPOSE_CONV:float32/{name}"
        rng = case_rng(key)
        in_shape, out_ch, kh, kw_ = kw["in_shape"], kw["out_ch"], kw["kh"], kw["kw"]
        (sh, sw), padding = kw["stride"], kw["padding"]
        if "out_hw" in kw:
            oh, ow = kw["out_hw"]
        elif padding == "SAME":
            oh, ow = in_shape[1] * sh, in_shape[2] * sw
        else:
            oh, ow = (in_shape[1] - 1) * sh + kh, (in_shape[2] - 1) * sw + kw_
        out_shape = [in_shape[0], oh, ow, out_ch]
        x, xv = activation_input(rng, "input", "float32", in_shape)
        w = weights(rng, "float32", [out_ch, kh, kw_, in_shape[3]], None)
        tensors = [Tensor("output_shape", "int32", [4], data=np.asarray(out_shape, np.int32)), w, x]
        if kw.get("bias"):
            tensors.append(Tensor("bias", "float32", [out_ch], data=rng.normal(0, 0.5, out_ch).astype(np.float32)))
        inputs = list(range(len(tensors)))
        g = Graph(tensors, [], [2], [])
        out = g.add(Tensor("output", "float32", out_shape))
        g.ops.append(Op("TRANSPOSE_CONV", inputs, [out],
                        {"padding": PADDING[padding], "stride_w": sw, "stride_h": sh,
                         "fused_activation_function": ACTIVATION[kw.get("act", "NONE")]}))
        g.outputs = [out]
        params = {"input_shape": in_shape, "filter_shape": w.shape, "output_shape": out_shape,
                  "bias": bool(kw.get("bias")), "activation": kw.get("act", "NONE"), "padding": padding,
                  "stride": [sh, sw]}
        cases.append(Case(name, "float32", params, g, [xv]))
    return cases


def depthwise_cases() -> list[Case]:
    sets = [
        ("3x3_same_s1", dict(in_shape=[1, 7, 7, 3], kh=3, kw=3, padding="SAME")),
        ("3x3_valid_s2_relu6", dict(in_shape=[1, 9, 9, 8], kh=3, kw=3, padding="VALID", stride=(2, 2), act="RELU6")),
        ("3x3_same_dm2_relu", dict(in_shape=[1, 6, 6, 3], kh=3, kw=3, padding="SAME", depth_multiplier=2, act="RELU")),
        ("3x3_same_dil2_relun1", dict(in_shape=[1, 9, 9, 7], kh=3, kw=3, padding="SAME", dilation=(2, 2), act="RELU_N1_TO_1")),
        ("3x3_same_s2_odd_nobias", dict(in_shape=[1, 7, 7, 17], kh=3, kw=3, padding="SAME", stride=(2, 2), bias=False)),
        ("2x2_valid_dm3_c1", dict(in_shape=[1, 5, 5, 1], kh=2, kw=2, padding="VALID", depth_multiplier=3)),
        ("3x5_same_s2x1_batch2_relu", dict(in_shape=[2, 6, 7, 2], kh=3, kw=5, padding="SAME", stride=(2, 1), act="RELU")),
        ("3x3_same_s2_dil2_dm2_input_zp_min", dict(in_shape=[1, 9, 9, 3], kh=3, kw=3, padding="SAME", stride=(2, 2), dilation=(2, 2), depth_multiplier=2, input_zp_min=True)),
    ]
    cases = [conv_like_case("DEPTHWISE_CONV_2D", f"DEPTHWISE_CONV_2D:{dt}/{name}", dt, out_ch=0, **kw)
             for dt in DTYPES for name, kw in sets]
    cases.append(conv_like_case("DEPTHWISE_CONV_2D", "DEPTHWISE_CONV_2D:int8/3x3_same_per_tensor", "int8",
                                in_shape=[1, 5, 5, 4], out_ch=0, kh=3, kw=3, padding="SAME", act="RELU6",
                                per_channel=False))
    return cases


def fully_connected_cases() -> list[Case]:
    sets = [
        ("33_to_10", dict(in_shape=[1, 33], units=10)),
        ("batch2_17_to_7_relu", dict(in_shape=[2, 17], units=7, act="RELU")),
        ("4d_64_to_3_relu6", dict(in_shape=[1, 1, 1, 64], units=3, act="RELU6")),
        ("batch3_5_to_1_relun1_nobias", dict(in_shape=[3, 5], units=1, act="RELU_N1_TO_1", bias=False)),
        ("keep_num_dims", dict(in_shape=[1, 2, 3, 8], units=5, keep_num_dims=True)),
        ("deep_1024_to_3_input_zp_min", dict(in_shape=[1, 1024], units=3, input_zp_min=True)),
        # Many outputs, so that the output rounding is compared on many values.
        ("many_outputs_24x32_to_32", dict(in_shape=[24, 32], units=32)),
        # Weights of a few quantization steps: small accumulators, so the output scale is
        # only ~4-8x input_scale * filter_scale and the output rounding is tested hard.
        ("small_weights_16x4_to_16", dict(in_shape=[16, 4], units=16, weight_spread=1.5)),
    ]
    cases = [conv_like_case("FULLY_CONNECTED", f"FULLY_CONNECTED:{dt}/{name}", dt, out_ch=0, kh=0, kw=0,
                            padding="VALID", **kw) for dt in DTYPES for name, kw in sets]
    for name, kw in [("per_tensor_33_to_10", dict(in_shape=[1, 33], units=10)),
                     ("per_tensor_batch2_17_to_7_relu_filter_zp", dict(in_shape=[2, 17], units=7, act="RELU",
                                                                       filter_zero_point=-9)),
                     ("per_tensor_many_outputs_24x32_to_32_filter_zp",
                      dict(in_shape=[24, 32], units=32, filter_zero_point=5)),
                     ("per_tensor_small_weights_16x4_to_16", dict(in_shape=[16, 4], units=16, weight_spread=1.5))]:
        cases.append(conv_like_case("FULLY_CONNECTED", f"FULLY_CONNECTED:int8/{name}", "int8", out_ch=0, kh=0,
                                    kw=0, padding="VALID", per_channel=False, **kw))
    return cases


def pool_cases(op: str) -> list[Case]:
    sets = [
        ("2x2_valid_s2", dict(shape=[1, 8, 8, 3], k=(2, 2), s=(2, 2), pad="VALID", act="NONE")),
        ("3x3_same_s2_relu_odd", dict(shape=[1, 7, 7, 5], k=(3, 3), s=(2, 2), pad="SAME", act="RELU")),
        ("3x3_same_s1_relu6_c1", dict(shape=[1, 5, 5, 1], k=(3, 3), s=(1, 1), pad="SAME", act="RELU6")),
        ("7x7_valid_global_c17", dict(shape=[1, 7, 7, 17], k=(7, 7), s=(1, 1), pad="VALID", act="NONE")),
        ("2x3_same_s1x2_batch2_relun1", dict(shape=[2, 5, 6, 2], k=(2, 3), s=(1, 2), pad="SAME", act="RELU_N1_TO_1")),
    ]
    cases = []
    for dt in DTYPES:
        for name, p in sets:
            rng = case_rng(f"{op}:{dt}/{name}")
            x, xv = activation_input(rng, "input", dt, p["shape"], scale_exp=(-2.0, -1.0))
            top = {"RELU6": 7.5 if op == "AVERAGE_POOL_2D" else 6.4, "RELU_N1_TO_1": 1.3}.get(p["act"])
            if top and x.quantized:  # the largest input sits a little above the clamp's upper end
                x.scale = [f32(top * rng.uniform(0.9, 1.1) / (QRANGE[dt][1] - x.zero_point[0]))]
            if dt == "float32":
                xv = rand_f(rng, p["shape"], 8.0)
            out_shape = infer_conv_like_shape("POOL", p["shape"], p["shape"][3], p["k"][0], p["k"][1], p["pad"],
                                              p["s"], (1, 1), False)
            out = Tensor("output", dt, out_shape, x.scale, x.zero_point)
            g = Graph([x, out], [Op(op, [0], [1], {
                "padding": PADDING[p["pad"]], "stride_w": p["s"][1], "stride_h": p["s"][0],
                "filter_width": p["k"][1], "filter_height": p["k"][0],
                "fused_activation_function": ACTIVATION[p["act"]]})], [0], [1])
            cases.append(Case(name, dt, {"input_shape": p["shape"], "filter": list(p["k"]), "stride": list(p["s"]),
                                         "padding": p["pad"], "activation": p["act"]}, g, [xv]))
    return cases


def binary_cases(op: str, dtypes: list[str] = DTYPES) -> list[Case]:
    sets = [
        ("same_shape", [1, 4, 4, 3], [1, 4, 4, 3], "NONE"),
        ("bcast_channel_vector_relu", [1, 4, 4, 3], [3], "RELU"),
        ("bcast_both_rank3_relu6", [2, 1, 3], [1, 4, 1], "RELU6"),
        ("bcast_1x1x1xc_relun1", [1, 5, 5, 7], [1, 1, 1, 7], "RELU_N1_TO_1"),
        ("bcast_scalar_first", [1], [3, 17], "NONE"),
        ("bcast_both_rank4_relu", [1, 3, 1, 5], [2, 1, 4, 1], "RELU"),
        ("bcast_rank5", [2, 1, 3, 1, 2], [1, 2, 1, 2, 1], "NONE"),
        ("input_scales_100x_apart_relu", [2, 33], [2, 33], "RELU"),
    ]
    cases = []
    for dt in dtypes:
        for name, sa, sb, act in sets:
            rng = case_rng(f"{op}:{dt}/{name}")
            apart = name.startswith("input_scales_100x_apart")
            a, av = activation_input(rng, "input1", dt, sa, scale_exp=(-0.3, 0.0) if apart else (-2.0, -1.2))
            b, bv = activation_input(rng, "input2", dt, sb, scale_exp=(-2.5, -2.2) if apart else (-2.0, -1.2))
            out_shape = list(np.broadcast_shapes(tuple(sa), tuple(sb)))
            g = Graph([a, b, Tensor("output", dt, out_shape)],
                      [Op(op, [0, 1], [2], {"fused_activation_function": ACTIVATION[act]})], [0, 1], [2])
            if dt != "float32":
                calibrate_outputs(rng, g, [av, bv])
            cases.append(Case(name, dt, {"shapes": [sa, sb], "activation": act}, g, [av, bv]))
    # A constant second operand (how models usually apply a learned scale / offset).
    for dt in dtypes:
        name = "const_second_operand_relu6"
        rng = case_rng(f"{op}:{dt}/{name}")
        a, av = activation_input(rng, "input1", dt, [1, 3, 3, 4], scale_exp=(-2.0, -0.7))
        b, bv = activation_input(rng, "input2", dt, [4], scale_exp=(-2.0, -0.7))
        b.data = bv
        g = Graph([a, b, Tensor("output", dt, [1, 3, 3, 4])],
                  [Op(op, [0, 1], [2], {"fused_activation_function": ACTIVATION["RELU6"]})], [0], [2])
        if dt != "float32":
            calibrate_outputs(rng, g, [av])
        cases.append(Case(name, dt, {"shapes": [[1, 3, 3, 4], [4]], "second_constant": True, "activation": "RELU6"},
                          g, [av]))
    return cases


def integer_arithmetic_cases() -> list[Case]:
    """Plain (not quantized) int32 / int64 ADD, SUB, MUL and DIV with broadcasting. Operands of
    both signs, so DIV shows its rounding (toward zero in TFLite, as in C++); no zero divisors
    (TFLite would trap) and no overflow (undefined in TFLite's C++)."""
    sets = [("same_shape", [2, 3, 5], [2, 3, 5]), ("bcast_both", [2, 1, 3], [4, 1]),
            ("bcast_scalar_second", [3, 7], [1])]
    cases = []
    for op in ["ADD", "SUB", "MUL", "DIV"]:
        for dt in ["int32", "int64"] if op != "DIV" else ["int32"]:  # TFLite's DIV has no int64
            for name, sa, sb in sets:
                rng = case_rng(f"INTEGER_ARITHMETIC:{op}:{dt}/{name}")
                mag = 1000 if op in ("MUL", "DIV") else (1 << 30 if dt == "int32" else 1 << 50)
                av = rng.integers(-mag, mag, size=sa).astype(NP_DTYPE[dt])
                bv = rng.integers(-mag, mag, size=sb).astype(NP_DTYPE[dt])
                if op == "DIV":
                    bv = (rng.integers(1, 40, size=sb) * rng.choice([-1, 1], size=sb)).astype(NP_DTYPE[dt])
                out_shape = list(np.broadcast_shapes(tuple(sa), tuple(sb)))
                g = Graph([Tensor("input1", dt, sa), Tensor("input2", dt, sb), Tensor("output", dt, out_shape)],
                          [Op(op, [0, 1], [2], {"fused_activation_function": 0})], [0, 1], [2])
                cases.append(Case(f"{op.lower()}_{name}", dt, {"op": op, "shapes": [sa, sb]}, g, [av, bv]))
    return cases


def float_unary_cases(op: str, sets: list[tuple[str, list[int], float, dict]]) -> list[Case]:
    """float32 cases of a one-input op: (name, shape, input magnitude, options)."""
    cases = []
    for name, shape, mag, options in sets:
        rng = case_rng(f"{op}:float32/{name}")
        xv = rand_f(rng, shape, mag)
        g = Graph([Tensor("input", "float32", shape), Tensor("output", "float32", shape)],
                  [Op(op, [0], [1], dict(options))], [0], [1])
        cases.append(Case(name, "float32", {"shape": shape, **options}, g, [xv]))
    return cases


RELU_SETS = [("2x17", [2, 17], 8.0, {}), ("1x4x4x3_small", [1, 4, 4, 3], 1.5, {}), ("1_single", [1], 3.0, {})]


def mean_cases() -> list[Case]:
    sets = [  # name, input shape, axes, keep_dims, output quantization: "same" as input or "calibrated"
        ("axes12_keep", [1, 5, 5, 7], [1, 2], True, "calibrated"),
        ("axes12_nokeep", [1, 5, 5, 7], [1, 2], False, "calibrated"),
        ("axes12_keep_same_quant", [1, 4, 6, 3], [1, 2], True, "same"),
        ("axes12_nokeep_same_quant_batch2", [2, 3, 3, 17], [1, 2], False, "same"),
        ("axis2_nokeep", [1, 4, 6, 3], [2], False, "calibrated"),
        ("axis_neg1_keep", [2, 3, 17], [-1], True, "calibrated"),
        ("axis0_nokeep_same_quant", [5, 33], [0], False, "same"),
        ("axes02_keep_odd", [3, 5, 7], [0, 2], True, "calibrated"),
        ("axes12_nokeep_7x7x33", [1, 7, 7, 33], [1, 2], False, "calibrated"),
    ]
    cases = []
    for dt in DTYPES:
        for name, shape, axes, keep, oq in sets:
            rng = case_rng(f"MEAN:{dt}/{name}")
            x, xv = activation_input(rng, "input", dt, shape, scale_exp=(-2.0, -0.7))
            red = {a % len(shape) for a in axes}
            out_shape = [1 if d in red else s for d, s in enumerate(shape) if keep or d not in red]
            out = Tensor("output", dt, out_shape)
            if dt != "float32" and oq == "same":
                out.scale, out.zero_point = list(x.scale), list(x.zero_point)
            g = Graph([x, Tensor("axes", "int32", [len(axes)], data=np.array(axes, np.int32)), out],
                      [Op("MEAN", [0, 1], [2], {"keep_dims": int(keep)})], [0], [2])
            if dt != "float32" and oq == "calibrated":
                calibrate_outputs(rng, g, [xv], stretch=(0.8, 1.05))
            params = {"input_shape": shape, "axes": axes, "keep_dims": keep}
            if dt != "float32":
                params["output_quantization"] = oq
            cases.append(Case(name, dt, params, g, [xv]))
    return cases


def pad_cases() -> list[Case]:
    sets = [
        ("hw_1_1", [1, 5, 5, 3], [[0, 0], [1, 1], [1, 1], [0, 0]]),
        ("hw_asymmetric", [1, 4, 7, 3], [[0, 0], [0, 1], [2, 0], [0, 0]]),
        ("rank2", [2, 3], [[1, 0], [0, 2]]),
        ("channels_c5", [1, 3, 3, 5], [[0, 0], [0, 0], [0, 0], [1, 2]]),
        ("batch_and_all", [1, 2, 3, 1], [[1, 0], [2, 1], [0, 3], [1, 1]]),
        ("rank1", [5], [[2, 3]]),
    ]
    cases = []
    for dt in DTYPES:
        for name, shape, pads in sets:
            rng = case_rng(f"PAD:{dt}/{name}")
            x, xv = activation_input(rng, "input", dt, shape)
            if dt != "float32":  # a nonzero zero point, so that the pad value matters
                lo, hi = QRANGE[dt]
                x.zero_point = [int(rng.integers(lo + 20, hi - 20))]
                if x.zero_point[0] == 0:
                    x.zero_point = [7]
            out_shape = [s + p[0] + p[1] for s, p in zip(shape, pads)]
            g = Graph([x, Tensor("paddings", "int32", [len(shape), 2], data=np.array(pads, np.int32)),
                       Tensor("output", dt, out_shape, x.scale, x.zero_point)],
                      [Op("PAD", [0, 1], [2])], [0], [2])
            cases.append(Case(name, dt, {"input_shape": shape, "paddings": pads}, g, [xv]))
    return cases


def reshape_cases() -> list[Case]:
    sets = [  # name, input, output, how the new shape is given
        ("4d_to_2d_shape_tensor", [1, 4, 4, 3], [1, 48], "tensor"),
        ("3d_to_2d_minus1_tensor", [2, 3, 4], [6, 4], "tensor_minus1"),
        ("2d_to_4d_options_only", [1, 12], [1, 2, 2, 3], "options"),
    ]
    cases = []
    for dt in DTYPES:
        for name, si, so, how in sets:
            rng = case_rng(f"RESHAPE:{dt}/{name}")
            x, xv = activation_input(rng, "input", dt, si)
            g = Graph([x], [], [0], [])
            inputs, opts = [0], {}
            if how.startswith("tensor"):
                shape = list(so)
                if how == "tensor_minus1":
                    shape[0] = -1
                inputs.append(g.add(Tensor("shape", "int32", [len(shape)], data=np.array(shape, np.int32))))
            else:
                opts = {"new_shape": so}
            out = g.add(Tensor("output", dt, so, x.scale, x.zero_point))
            g.ops.append(Op("RESHAPE", inputs, [out], opts))
            g.outputs = [out]
            cases.append(Case(name, dt, {"input_shape": si, "output_shape": so, "new_shape_from": how}, g, [xv]))
    return cases


def squeeze_cases() -> list[Case]:
    sets = [("dims12", [1, 1, 1, 17], [1, 2], [1, 17]), ("all_unit_dims", [1, 3, 1, 5], [], [3, 5]),
            ("negative_dim", [2, 1, 3], [-2], [2, 3])]
    cases = []
    for dt in DTYPES:
        for name, si, dims, so in sets:
            rng = case_rng(f"SQUEEZE:{dt}/{name}")
            x, xv = activation_input(rng, "input", dt, si)
            g = Graph([x, Tensor("output", dt, so, x.scale, x.zero_point)],
                      [Op("SQUEEZE", [0], [1], {"squeeze_dims": dims} if dims else {})], [0], [1])
            cases.append(Case(name, dt, {"input_shape": si, "squeeze_dims": dims}, g, [xv]))
    return cases


def concatenation_cases() -> list[Case]:
    sets = [  # name, input shapes, axis, quantization: "same" for all, or "mixed"
        ("axis3_two_same_quant", [[1, 3, 3, 2], [1, 3, 3, 5]], 3, "same"),
        ("axis3_two_mixed_quant", [[1, 3, 3, 2], [1, 3, 3, 5]], 3, "mixed"),
        ("axis1_three_mixed_quant", [[1, 2, 4, 3], [1, 1, 4, 3], [1, 3, 4, 3]], 1, "mixed"),
        ("axis_neg1_three_same_quant", [[2, 7], [2, 1], [2, 3]], -1, "same"),
        ("axis0_two_mixed_quant", [[1, 17], [2, 17]], 0, "mixed"),
    ]
    cases = []
    for dt in DTYPES:
        for name, shapes, axis, qmode in sets:
            if dt == "float32" and name == "axis3_two_mixed_quant":
                continue  # float has no quantization to mix: same as axis3_two_same_quant
            rng = case_rng(f"CONCATENATION:{dt}/{name}")
            tensors, feeds = [], []
            for k, s in enumerate(shapes):
                t, v = activation_input(rng, f"input{k}", dt, s, scale_exp=(-2.0, -0.7))
                tensors.append(t)
                feeds.append(v)
            ax = axis % len(shapes[0])
            out_shape = list(shapes[0])
            out_shape[ax] = sum(s[ax] for s in shapes)
            out = Tensor("output", dt, out_shape)
            if dt != "float32":
                if qmode == "same":
                    for t in tensors[1:]:
                        t.scale, t.zero_point = list(tensors[0].scale), list(tensors[0].zero_point)
                    out.scale, out.zero_point = list(tensors[0].scale), list(tensors[0].zero_point)
                else:
                    reals = [t.real(v) for t, v in zip(tensors, feeds)]
                    lo = min(float(r.min()) for r in reals)
                    hi = max(float(r.max()) for r in reals)
                    out.scale, out.zero_point = quant_from_range(rng, dt, lo, hi)
            n = len(tensors)
            g = Graph(tensors + [out], [Op("CONCATENATION", list(range(n)), [n], {"axis": axis})],
                      list(range(n)), [n])
            params = {"input_shapes": shapes, "axis": axis}
            if dt != "float32":
                params["quantization"] = qmode
            cases.append(Case(name if dt != "float32" else name.replace("_mixed_quant", "").replace("_same_quant", ""),
                              dt, params, g, feeds))
    return cases


def fixed_output_quant(dt: str, kind: str) -> tuple[list[float], list[int]] | tuple[None, None]:
    """The output quantization TFLite requires for SOFTMAX / LOGISTIC / L2_NORMALIZATION."""
    if dt == "float32":
        return None, None
    if kind == "L2_NORMALIZATION":
        return [1.0 / 128], [128 if dt == "uint8" else 0]
    return [1.0 / 256], [0 if dt == "uint8" else -128]


def softmax_cases() -> list[Case]:
    sets = [  # name, shape, beta, input scale exponent range
        ("1x10_beta1", [1, 10], 1.0, (-1.5, -0.7)),
        ("2x17_beta0.5", [2, 17], 0.5, (-1.5, -0.7)),
        ("4d_1x1x1x33_beta1", [1, 1, 1, 33], 1.0, (-2.0, -1.0)),
        ("3x7_beta1_large_scale", [3, 7], 1.0, (-0.5, 0.0)),
        ("1x1001_beta1_classifier", [1, 1001], 1.0, (-1.2, -0.9)),
        ("2x3x5_beta0.5_small_scale", [2, 3, 5], 0.5, (-3.0, -2.5)),
        ("1x34_beta3_scale0.5_saturating", [1, 34], 3.0, (-0.302, -0.301)),
        ("2x9_beta1_scale1e-4_near_uniform", [2, 9], 1.0, (-4.0, -3.9)),
    ]
    cases = []
    for dt in DTYPES:
        for name, shape, beta, sexp in sets:
            rng = case_rng(f"SOFTMAX:{dt}/{name}")
            x, xv = activation_input(rng, "input", dt, shape, scale_exp=sexp)
            if dt == "float32":
                xv = rand_f(rng, shape, 6.0)
            s, z = fixed_output_quant(dt, "SOFTMAX")
            g = Graph([x, Tensor("output", dt, shape, s, z)], [Op("SOFTMAX", [0], [1], {"beta": beta})], [0], [1])
            cases.append(Case(name, dt, {"shape": shape, "beta": beta}, g, [xv]))
    for dt in ["uint8", "int8"]:  # a row of equal values, and many equal maxima
        for name, n in [("1x8_all_equal", 8), ("1x600_all_equal", 600)]:
            rng = case_rng(f"SOFTMAX:{dt}/{name}")
            x, _ = activation_input(rng, "input", dt, [1, n])
            xv = np.full([1, n], QRANGE[dt][0] + 77, NP_DTYPE[dt])
            s, z = fixed_output_quant(dt, "SOFTMAX")
            g = Graph([x, Tensor("output", dt, [1, n], s, z)], [Op("SOFTMAX", [0], [1], {"beta": 1.0})], [0], [1])
            cases.append(Case(name, dt, {"shape": [1, n], "beta": 1.0, "input": "all equal"}, g, [xv]))
    return cases


def logistic_cases() -> list[Case]:
    cases = []
    for dt in DTYPES:
        for name, shape, sexp in [("all_256_values", [1, 256], (-1.6, -1.2)), ("2x17", [2, 17], (-2.0, -1.3)),
                                  ("4d_1x3x3x7_large_scale", [1, 3, 3, 7], (-0.7, -0.3)),
                                  ("2x16_saturating", [2, 16], (-0.1, 0.0))]:
            rng = case_rng(f"LOGISTIC:{dt}/{name}")
            x, xv = activation_input(rng, "input", dt, shape, scale_exp=sexp)
            if dt == "float32":
                xv = rand_f(rng, shape, 40.0 if name == "2x16_saturating" else 12.0)
            elif name == "all_256_values":
                lo, hi = QRANGE[dt]
                xv = np.arange(lo, hi + 1).astype(NP_DTYPE[dt]).reshape(shape)
            s, z = fixed_output_quant(dt, "LOGISTIC")
            g = Graph([x, Tensor("output", dt, shape, s, z)], [Op("LOGISTIC", [0], [1])], [0], [1])
            cases.append(Case(name, dt, {"shape": shape}, g, [xv]))
    return cases


def l2_norm_cases() -> list[Case]:
    cases = []
    for dt in DTYPES:
        for name, shape in [("1x17", [1, 17]), ("2x3x33", [2, 3, 33]), ("4d_1x1x1x7", [1, 1, 1, 7]),
                            ("3x1_single_element_rows", [3, 1]), ("3x5_one_row_all_zero", [3, 5])]:
            rng = case_rng(f"L2_NORMALIZATION:{dt}/{name}")
            x, xv = activation_input(rng, "input", dt, shape, scale_exp=(-2.0, -0.5))
            if name == "3x5_one_row_all_zero":
                xv[1, :] = x.zero_point[0] if x.quantized else 0.0
            s, z = fixed_output_quant(dt, "L2_NORMALIZATION")
            g = Graph([x, Tensor("output", dt, shape, s, z)],
                      [Op("L2_NORMALIZATION", [0], [1], {"fused_activation_function": 0})], [0], [1])
            cases.append(Case(name, dt, {"shape": shape}, g, [xv]))
    return cases


def quantize_cases() -> list[Case]:
    cases = []
    for odt in ["uint8", "int8"]:  # float32 -> uint8 / int8, with exact ties and saturation
        for name, shape in [("from_float32", [2, 33]), ("from_float32_4d", [1, 3, 3, 5])]:
            rng = case_rng(f"QUANTIZE:{odt}/{name}")
            lo, hi = QRANGE[odt]
            scale = rand_scale(rng, -2.0, -1.0)
            zp = int(rng.integers(lo, hi + 1))
            n = int(np.prod(shape))
            q = rng.uniform(lo - 40, hi + 40, n)
            q[::3] = np.floor(q[::3]) + 0.5  # ties: round half away from zero vs. to even
            xv = ((q - zp) * scale).astype(np.float32).reshape(shape)
            g = Graph([Tensor("input", "float32", shape), Tensor("output", odt, shape, [scale], [zp])],
                      [Op("QUANTIZE", [0], [1])], [0], [1])
            cases.append(Case(f"{name}_to_{odt}", odt, {"input": "float32", "output": odt, "shape": shape}, g, [xv]))
    for idt in ["uint8", "int8"]:  # requantize between 8-bit types
        for odt in ["uint8", "int8"]:
            for variant in ["rescale", "shift_zero_point"]:
                name = f"{idt}_to_{odt}_{variant}"
                rng = case_rng(f"QUANTIZE:{name}")
                x, _ = activation_input(rng, "input", idt, [1, 256], scale_exp=(-2.0, -1.0))
                lo, hi = QRANGE[idt]
                xv = np.arange(lo, hi + 1).astype(NP_DTYPE[idt]).reshape(1, 256)
                olo, ohi = QRANGE[odt]
                if variant == "rescale":
                    oscale, ozp = f32(x.scale[0] * rng.uniform(0.6, 3.0)), int(rng.integers(olo + 32, ohi - 31))
                else:  # the uint8 <-> int8 conversion models use at their boundaries
                    oscale = x.scale[0]
                    ozp = int(np.clip(x.zero_point[0] + (olo - lo), olo, ohi))
                g = Graph([x, Tensor("output", odt, [1, 256], [oscale], [ozp])], [Op("QUANTIZE", [0], [1])], [0], [1])
                cases.append(Case(name, odt, {"input": idt, "output": odt, "variant": variant}, g, [xv]))
    return cases


def dequantize_cases() -> list[Case]:
    cases = []
    for idt in ["uint8", "int8"]:
        for name, shape in [("all_256_values", [1, 256]), ("4d_1x3x3x7", [1, 3, 3, 7])]:
            rng = case_rng(f"DEQUANTIZE:{idt}/{name}")
            x, xv = activation_input(rng, "input", idt, shape, scale_exp=(-3.0, 0.0))
            if name == "all_256_values":
                lo, hi = QRANGE[idt]
                xv = np.arange(lo, hi + 1).astype(NP_DTYPE[idt]).reshape(shape)
            g = Graph([x, Tensor("output", "float32", shape)], [Op("DEQUANTIZE", [0], [1])], [0], [1])
            cases.append(Case(name, idt, {"input": idt, "shape": shape}, g, [xv]))
    return cases


def strided_slice_shape(shape, begin, end, strides, begin_mask=0, end_mask=0, shrink_axis_mask=0) -> list[int]:
    """The output shape by Python's slicing rules, which TFLite's strided_slice_logic.h follows
    (a masked begin / end is an omitted one, a shrunk axis an integer index)."""
    index = []
    for i in range(len(begin)):
        if shrink_axis_mask >> i & 1:
            index.append(begin[i])
        else:
            index.append(slice(None if begin_mask >> i & 1 else begin[i], None if end_mask >> i & 1 else end[i],
                               strides[i]))
    return list(np.empty(shape)[tuple(index)].shape)


def strided_slice_cases() -> list[Case]:
    sets = [  # name, input shape, begin, end, strides, options
        ("hw_crop_stride2", [1, 6, 7, 3], [0, 1, 2, 0], [1, 5, 7, 3], [1, 1, 2, 1], {}),
        ("negative_indices_and_strides", [2, 5, 4], [-1, -1, 0], [-3, 0, 4], [-1, -2, 1], {}),
        ("begin_end_masks", [3, 4, 5], [1, 9, -2], [0, 0, 0], [1, -1, 1], {"begin_mask": 0b010, "end_mask": 0b101}),
        ("out_of_range_indices_clamp", [4, 6], [-9, 2], [99, -99], [2, -1], {}),
        ("shrink_axes_0_2", [2, 3, 4], [1, 0, -1], [2, 3, 0], [1, 1, 1], {"shrink_axis_mask": 0b101}),
        ("fewer_indices_than_dims", [2, 3, 4], [1], [2], [1], {}),
        ("rank5", [2, 2, 3, 2, 3], [0, 1, 2, 0, 2], [2, 2, 0, 2, 0], [1, 1, -1, 2, -2], {}),
    ]
    cases = []
    for dt in DTYPES:
        for name, shape, begin, end, strides, opts in sets:
            rng = case_rng(f"STRIDED_SLICE:{dt}/{name}")
            x, xv = activation_input(rng, "input", dt, shape)
            out_shape = strided_slice_shape(shape, begin, end, strides, **opts)
            n = len(begin)
            g = Graph([x, Tensor("begin", "int32", [n], data=np.array(begin, np.int32)),
                       Tensor("end", "int32", [n], data=np.array(end, np.int32)),
                       Tensor("strides", "int32", [n], data=np.array(strides, np.int32)),
                       Tensor("output", dt, out_shape, x.scale, x.zero_point)],
                      [Op("STRIDED_SLICE", [0, 1, 2, 3], [4], opts)], [0], [4])
            params = {"input_shape": shape, "begin": begin, "end": end, "strides": strides, **opts}
            cases.append(Case(name, dt, params, g, [xv]))
    return cases


def slice_cases() -> list[Case]:
    sets = [  # name, input shape, begin, size (-1: to the end), index dtype
        ("hw_crop", [1, 5, 5, 4], [0, 1, 0, 1], [1, 3, -1, 2], "int32"),
        ("int64_indices", [3, 7], [1, 2], [-1, 4], "int64"),
        ("rank1_tail", [9], [4], [5], "int32"),
    ]
    cases = []
    for dt in DTYPES:
        for name, shape, begin, size, idt in sets:
            rng = case_rng(f"SLICE:{dt}/{name}")
            x, xv = activation_input(rng, "input", dt, shape)
            out_shape = [d - b if n == -1 else n for d, b, n in zip(shape, begin, size)]
            g = Graph([x, Tensor("begin", idt, [len(shape)], data=np.array(begin, NP_DTYPE[idt])),
                       Tensor("size", idt, [len(shape)], data=np.array(size, NP_DTYPE[idt])),
                       Tensor("output", dt, out_shape, x.scale, x.zero_point)],
                      [Op("SLICE", [0, 1, 2], [3])], [0], [3])
            cases.append(Case(name, dt, {"input_shape": shape, "begin": begin, "size": size, "index_dtype": idt},
                              g, [xv]))
    return cases


def padv2_cases() -> list[Case]:
    """A float constant value, or (quantized) the zero point as the constant value input."""
    sets = [
        ("hw_value", [1, 4, 4, 2], [[0, 0], [1, 2], [2, 1], [0, 0]], True),
        ("channels_value", [1, 2, 3, 5], [[0, 0], [0, 0], [0, 0], [2, 1]], True),
        ("rank2_no_value", [2, 3], [[1, 0], [0, 2]], False),
    ]
    cases = []
    for dt in DTYPES:
        for name, shape, pads, with_value in sets:
            rng = case_rng(f"PADV2:{dt}/{name}")
            x, xv = activation_input(rng, "input", dt, shape)
            out_shape = [s + p[0] + p[1] for s, p in zip(shape, pads)]
            tensors = [x, Tensor("paddings", "int32", [len(shape), 2], data=np.array(pads, np.int32)),
                       Tensor("output", dt, out_shape, x.scale, x.zero_point)]
            inputs = [0, 1]
            value = None
            if with_value:
                value = f32(rng.uniform(-2, 2)) if dt == "float32" else x.zero_point[0]
                tensors.append(Tensor("constant_value", dt, [1], x.scale, x.zero_point,
                                      data=np.array([value], NP_DTYPE[dt])))
                inputs.append(3)
            g = Graph(tensors, [Op("PADV2", inputs, [2])], [0], [2])
            cases.append(Case(name, dt, {"input_shape": shape, "paddings": pads, "constant_value": value}, g, [xv]))
    return cases


def mirror_pad_cases() -> list[Case]:
    sets = [  # name, input shape, REFLECT paddings, SYMMETRIC paddings (each at its mode's largest in *_max)
        ("hw_1_1", [1, 5, 5, 3], [[0, 0], [1, 1], [1, 1], [0, 0]], [[0, 0], [1, 1], [1, 1], [0, 0]]),
        ("hw_max", [1, 3, 4, 2], [[0, 0], [2, 2], [3, 1], [0, 0]], [[0, 0], [3, 3], [4, 2], [0, 0]]),
        ("rank2", [3, 4], [[1, 2], [2, 1]], [[3, 2], [0, 4]]),
        ("channels_and_batch", [2, 2, 2, 4], [[1, 0], [0, 1], [0, 0], [3, 2]], [[2, 1], [0, 2], [0, 0], [4, 1]]),
        ("rank1", [5], [[4, 2]], [[5, 3]]),
    ]
    cases = []
    for dt in DTYPES:
        for name, shape, reflect, symmetric in sets:
            for mode, pads in (("REFLECT", reflect), ("SYMMETRIC", symmetric)):
                rng = case_rng(f"MIRROR_PAD:{dt}/{name}/{mode}")
                x, xv = activation_input(rng, "input", dt, shape)
                out_shape = [s + p[0] + p[1] for s, p in zip(shape, pads)]
                g = Graph([x, Tensor("paddings", "int32", [len(shape), 2], data=np.array(pads, np.int32)),
                           Tensor("output", dt, out_shape, x.scale, x.zero_point)],
                          [Op("MIRROR_PAD", [0, 1], [2], {"mode": 0 if mode == "REFLECT" else 1})], [0], [2])
                cases.append(Case(f"{name}_{mode.lower()}", dt, {"input_shape": shape, "paddings": pads,
                                                                 "mode": mode}, g, [xv]))
    return cases


def chain_cases() -> list[Case]:
    """A few-op quantized network with float input and output, per 8-bit dtype:
    QUANTIZE -> CONV_2D 3x3 s2 RELU6 -> DEPTHWISE_CONV_2D 3x3 RELU -> ADD (residual)
    -> MEAN [1,2] -> FULLY_CONNECTED -> SOFTMAX -> DEQUANTIZE; outputs the quantized and
    the dequantized probabilities. Each activation's quantization is calibrated in turn on
    a float32 twin of the graph built so far."""
    cases = []
    for dt in ["uint8", "int8"]:
        rng = case_rng(f"CHAIN:{dt}")
        g = Graph([Tensor("image", "float32", [1, 8, 8, 3])], [], [0], [])
        xv = rand_f(rng, [1, 8, 8, 3], 1.0)

        def step(op: str, inputs: list[int], out: Tensor, options: dict | None = None, calibrate=True) -> int:
            idx = g.add(out)
            g.ops.append(Op(op, inputs, [idx], options or {}))
            if calibrate and out.dtype in QRANGE:
                g.outputs = [idx]
                calibrate_outputs(rng, g, [xv], stretch=(0.9, 1.05))
            return idx

        q = step("QUANTIZE", [0], Tensor("quantized", dt, [1, 8, 8, 3]))
        w = g.add(weights(rng, dt, [8, 3, 3, 3], 0 if dt == "int8" else None, name="conv/filter"))
        b = g.add(bias_for(rng, dt, 8, g.tensors[q], g.tensors[w], 27))
        c = step("CONV_2D", [q, w, b], Tensor("conv", dt, [1, 4, 4, 8]),
                 {"padding": PADDING["SAME"], "stride_w": 2, "stride_h": 2, "fused_activation_function": ACTIVATION["RELU6"]})
        w = g.add(weights(rng, dt, [1, 3, 3, 8], 3 if dt == "int8" else None, name="dw/filter"))
        b = g.add(bias_for(rng, dt, 8, g.tensors[c], g.tensors[w], 9))
        d = step("DEPTHWISE_CONV_2D", [c, w, b], Tensor("dw", dt, [1, 4, 4, 8]),
                 {"padding": PADDING["SAME"], "stride_w": 1, "stride_h": 1, "depth_multiplier": 1,
                  "fused_activation_function": ACTIVATION["RELU"]})
        a = step("ADD", [c, d], Tensor("residual", dt, [1, 4, 4, 8]), {"fused_activation_function": 0})
        axes = g.add(Tensor("axes", "int32", [2], data=np.array([1, 2], np.int32)))
        m = step("MEAN", [a, axes], Tensor("pooled", dt, [1, 8]), {"keep_dims": 0})
        w = g.add(weights(rng, dt, [5, 8], 0 if dt == "int8" else None, name="fc/weights"))
        b = g.add(bias_for(rng, dt, 5, g.tensors[m], g.tensors[w], 8))
        f = step("FULLY_CONNECTED", [m, w, b], Tensor("logits", dt, [1, 5]), {"fused_activation_function": 0})
        s_, z_ = fixed_output_quant(dt, "SOFTMAX")
        p_ = step("SOFTMAX", [f], Tensor("probabilities", dt, [1, 5], s_, z_), {"beta": 1.0}, calibrate=False)
        o = step("DEQUANTIZE", [p_], Tensor("probabilities_float", "float32", [1, 5]))
        g.outputs = [p_, o]
        cases.append(Case("quantize_conv_dw_add_mean_fc_softmax_dequantize", dt,
                          {"ops": [op.name for op in g.ops], "input": "float32 [1,8,8,3]"}, g, [xv]))
    return cases


def resize_bilinear_cases() -> list[Case]:
    """float32 only (edgerun maps RESIZE_BILINEAR onto ONNX linear Resize, float32); odd sizes, up and
    down, output size 1, batch 2, channels 1 / 3 / 7, each coordinate convention."""
    sets = [  # name, input shape, output [height, width], align_corners, half_pixel_centers
        ("asymmetric_up_odd", [1, 3, 5, 3], [7, 8], False, False),
        ("asymmetric_down_batch2_c1", [2, 9, 7, 1], [4, 3], False, False),
        ("align_corners_up_c7", [1, 4, 3, 7], [9, 5], True, False),
        ("align_corners_down_out1", [1, 4, 5, 3], [1, 3], True, False),
        ("half_pixel_up_batch2", [2, 3, 4, 3], [7, 9], False, True),
        ("half_pixel_down", [1, 11, 9, 3], [5, 4], False, True),
        ("half_pixel_out1_c1", [1, 4, 5, 1], [1, 1], False, True),
    ]
    cases = []
    for name, shape, hw, align, half in sets:
        rng = case_rng(f"RESIZE_BILINEAR:float32/{name}")
        x, xv = activation_input(rng, "input", "float32", shape)
        g = Graph([x, Tensor("size", "int32", [2], data=np.array(hw, np.int32)),
                   Tensor("output", "float32", [shape[0], hw[0], hw[1], shape[3]])],
                  [Op("RESIZE_BILINEAR", [0, 1], [2], {"align_corners": int(align), "half_pixel_centers": int(half)})],
                  [0], [2])
        cases.append(Case(name, "float32", {"input_shape": shape, "size": hw, "align_corners": align,
                                            "half_pixel_centers": half}, g, [xv]))
    return cases


OP_CASES: dict[str, Callable[[], list[Case]]] = {
    "CONV_2D": conv_cases,
    "DEPTHWISE_CONV_2D": depthwise_cases,
    "FULLY_CONNECTED": fully_connected_cases,
    "AVERAGE_POOL_2D": lambda: pool_cases("AVERAGE_POOL_2D"),
    "MAX_POOL_2D": lambda: pool_cases("MAX_POOL_2D"),
    "ADD": lambda: binary_cases("ADD"),
    "MUL": lambda: binary_cases("MUL"),
    "MEAN": mean_cases,
    "PAD": pad_cases,
    "RESHAPE": reshape_cases,
    "SQUEEZE": squeeze_cases,
    "CONCATENATION": concatenation_cases,
    "SOFTMAX": softmax_cases,
    "LOGISTIC": logistic_cases,
    "QUANTIZE": quantize_cases,
    "DEQUANTIZE": dequantize_cases,
    "L2_NORMALIZATION": l2_norm_cases,
    "STRIDED_SLICE": strided_slice_cases,
    "SLICE": slice_cases,
    "PADV2": padv2_cases,
    "MIRROR_PAD": mirror_pad_cases,
    "TRANSPOSE_CONV": transpose_conv_cases,
    "CHAIN": chain_cases,  # few-op graphs; written to chain.json
    "SUB": lambda: binary_cases("SUB"),
    "DIV": lambda: binary_cases("DIV", ["float32"]),  # quantized DIV: not implemented by edgerun
    "INTEGER_ARITHMETIC": integer_arithmetic_cases,  # plain int32 / int64 ADD, SUB, MUL, DIV
    "TANH": lambda: float_unary_cases("TANH", [("2x17", [2, 17], 4.0, {}),
                                               ("1x3x3x7_saturating", [1, 3, 3, 7], 12.0, {})]),
    "LEAKY_RELU": lambda: float_unary_cases("LEAKY_RELU", [
        ("2x17_alpha0.2", [2, 17], 4.0, {"alpha": 0.2}), ("1x3x3x7_alpha0.01", [1, 3, 3, 7], 4.0, {"alpha": 0.01}),
        ("2x9_alpha_negative", [2, 9], 4.0, {"alpha": -0.5}), ("2x9_alpha1.5", [2, 9], 4.0, {"alpha": 1.5}),
        ("2x9_alpha_absent", [2, 9], 4.0, {})]),
    "RELU": lambda: float_unary_cases("RELU", RELU_SETS),
    "RELU6": lambda: float_unary_cases("RELU6", RELU_SETS),
    "RELU_N1_TO_1": lambda: float_unary_cases("RELU_N1_TO_1", RELU_SETS),
    "RESIZE_BILINEAR": resize_bilinear_cases,
}

# ---------------------------------------------------------------------------
# The tiny float32 image classifier.
# ---------------------------------------------------------------------------

CLASSIFIER_STEM = "tiny_float_classifier"
CLASSIFIER_IMAGE = "cat.bmp"


def classifier_graph() -> Graph:
    """[1,16,16,3] -> CONV 3x3 s2 RELU6 (8) -> DEPTHWISE 3x3 (8) -> MEAN [1,2] -> FC (10) -> SOFTMAX."""
    rng = case_rng("tiny_float_classifier")
    T = []

    def add(t: Tensor) -> int:
        T.append(t)
        return len(T) - 1

    x = add(Tensor("input", "float32", [1, 16, 16, 3]))
    cw = add(Tensor("conv/filter", "float32", [8, 3, 3, 3], data=rng.normal(0, 0.35, (8, 3, 3, 3)).astype(np.float32)))
    cb = add(Tensor("conv/bias", "float32", [8], data=rng.normal(0, 0.2, 8).astype(np.float32)))
    c = add(Tensor("conv/output", "float32", [1, 8, 8, 8]))
    dw = add(Tensor("dw/filter", "float32", [1, 3, 3, 8], data=rng.normal(0, 0.4, (1, 3, 3, 8)).astype(np.float32)))
    db = add(Tensor("dw/bias", "float32", [8], data=rng.normal(0, 0.2, 8).astype(np.float32)))
    d = add(Tensor("dw/output", "float32", [1, 8, 8, 8]))
    axes = add(Tensor("mean/axes", "int32", [2], data=np.array([1, 2], np.int32)))
    m = add(Tensor("mean/output", "float32", [1, 8]))
    fw = add(Tensor("fc/weights", "float32", [10, 8], data=rng.normal(0, 3.0, (10, 8)).astype(np.float32)))
    fb = add(Tensor("fc/bias", "float32", [10], data=rng.normal(0, 0.3, 10).astype(np.float32)))
    logits = add(Tensor("logits", "float32", [1, 10]))
    probs = add(Tensor("probabilities", "float32", [1, 10]))
    ops = [
        Op("CONV_2D", [x, cw, cb], [c], {"padding": PADDING["SAME"], "stride_w": 2, "stride_h": 2,
                                         "fused_activation_function": ACTIVATION["RELU6"]}),
        Op("DEPTHWISE_CONV_2D", [c, dw, db], [d], {"padding": PADDING["SAME"], "stride_w": 1, "stride_h": 1,
                                                   "depth_multiplier": 1}),
        Op("MEAN", [d, axes], [m], {"keep_dims": 0}),
        Op("FULLY_CONNECTED", [m, fw, fb], [logits], {}),
        Op("SOFTMAX", [logits], [probs], {"beta": 1.0}),
    ]
    return Graph(T, ops, [x], [probs])


def classifier_inputs(shared: Path | None) -> list[tuple[str, dict, np.ndarray]]:
    """(case name, params, input): cat.bmp resized and normalized as tools/make_goldens.py and
    `edgerun classify` do for float models, and a fixed synthetic gradient."""
    from PIL import Image

    out = []
    if shared is None:
        sys.exit("error: the classifier golden needs images/cat.bmp from the shared folder; "
                 "pass --shared DIR or set EDGERUN_SHARED_DIR")
    with Image.open(shared / "images" / CLASSIFIER_IMAGE) as im:
        rgb = np.asarray(im.convert("RGB"), dtype=np.uint8)
    in_h, in_w = rgb.shape[:2]
    ys, xs = (np.arange(16) * in_h) // 16, (np.arange(16) * in_w) // 16
    px = rgb[ys][:, xs]
    x = ((px.astype(np.float32) - np.float32(127.5)) / np.float32(127.5)).reshape(1, 16, 16, 3)
    out.append(("cat_bmp", {"image": CLASSIFIER_IMAGE, "resize": "nearest", "normalize": "(p - 127.5) / 127.5"}, x))
    yy, xx, cc = np.meshgrid(np.arange(16), np.arange(16), np.arange(3), indexing="ij")
    grad = (((yy * 16 + xx * 5 + cc * 85) % 256).astype(np.float32) - np.float32(127.5)) / np.float32(127.5)
    out.append(("synthetic_gradient", {"pixels": "(y*16 + x*5 + c*85) % 256", "normalize": "(p - 127.5) / 127.5"},
                grad.reshape(1, 16, 16, 3).astype(np.float32)))
    return out


# ---------------------------------------------------------------------------
# JSON output.
# ---------------------------------------------------------------------------


def _float_text(v: float) -> str:
    """Shortest text that parses (as a double, like nlohmann::json / strtod) back to the same float32."""
    f = np.float32(v)
    if not np.isfinite(f):
        raise ValueError(f"non-finite value {v} cannot be stored in JSON")
    s = repr(float(f))
    for digits in range(1, 10):
        t = f"{float(f):.{digits}g}"
        if np.float32(float(t)) == f:
            s = t
            break
    if "e" not in s and "." not in s and "inf" not in s:
        s += ".0"  # keep floats recognizably floats
    return s


def values_json(a: np.ndarray) -> str:
    flat = np.asarray(a).reshape(-1)
    if flat.dtype == np.float32:
        return "[" + ",".join(_float_text(v) for v in flat) + "]"
    return "[" + ",".join(str(int(v)) for v in flat) + "]"


def dumps(obj) -> str:
    """2-space JSON; numeric arrays (wrapped in RawArray) stay on one line."""
    raws: dict[str, str] = {}

    def walk(o):
        if isinstance(o, RawArray):
            key = f"@@RAW{len(raws)}@@"
            raws[key] = o.text
            return key
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            if o and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in o):
                key = f"@@RAW{len(raws)}@@"
                raws[key] = json.dumps(o, separators=(",", ":"))
                return key
            return [walk(v) for v in o]
        return o

    text = json.dumps(walk(obj), indent=2, allow_nan=False)
    for key, raw in raws.items():
        text = text.replace(f'"{key}"', raw, 1)
    return text + "\n"


@dataclasses.dataclass
class RawArray:
    text: str


def tensor_json(t: Tensor) -> dict:
    d = {"name": t.name, "dtype": t.dtype, "shape": list(t.shape)}
    if t.quantized:
        d["scale"] = float(t.scale[0])
        d["zero_point"] = int(t.zero_point[0])
    return d


def run_case(case: Case, description: str, model: bytes | None = None) -> dict:
    """Runs both resolvers; returns the JSON case (raises LiteRTError on rejection / crash)."""
    g = case.graph
    if g.error:
        raise LiteRTError(g.error)
    if model is None:
        model = build_model(g, description)
    feeds = [np.ascontiguousarray(np.asarray(v, NP_DTYPE[g.tensors[i].dtype]).reshape(g.tensors[i].shape))
             for i, v in zip(g.inputs, case.feeds)]
    ref = run_litert(model, feeds, reference=True)
    try:
        dflt, default_error = run_litert(model, feeds, reference=False), None
    except LiteRTError as e:  # keep the case: only the reference is the target
        dflt, default_error = [None] * len(ref), str(e)
    outputs = []
    for idx, r, d in zip(g.outputs, ref, dflt):
        t = g.tensors[idx]
        if list(r.shape) != list(t.shape) or r.dtype != NP_DTYPE[t.dtype]:
            raise LiteRTError(f"LiteRT output {t.name} is {r.dtype}{list(r.shape)}, expected {t.dtype}{t.shape}")
        if r.dtype == np.float32 and not np.all(np.isfinite(r)):
            raise LiteRTError("non-finite reference output")
        o = {**tensor_json(t), "reference": RawArray(values_json(r)), "default": None}
        if d is not None and (d.dtype != np.float32 or np.all(np.isfinite(d))):
            o["default"] = RawArray(values_json(d))
        outputs.append(o)
    inputs = [{**tensor_json(g.tensors[i]), "values": RawArray(values_json(x))} for i, x in zip(g.inputs, feeds)]
    doc = {"name": f"{case.dtype}/{case.name}", "dtype": case.dtype, "params": case.params,
           "model_base64": base64.b64encode(model).decode("ascii"), "inputs": inputs, "outputs": outputs}
    if default_error:
        doc["default_error"] = default_error
    return doc


def diff_stats(doc: dict) -> tuple[int, int, float]:
    """(values differing between reference and default, values, max abs difference)."""
    n_diff = n = 0
    max_abs = 0.0
    for c in doc["cases"]:
        for o in c["outputs"]:
            if o["default"] is None:
                continue
            r = np.asarray(json.loads(o["reference"].text), np.float64)
            d = np.asarray(json.loads(o["default"].text), np.float64)
            n += r.size
            n_diff += int(np.count_nonzero(r != d))
            if r.size:
                max_abs = max(max_abs, float(np.max(np.abs(r - d))))
    return n_diff, n, max_abs


def write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    path.write_bytes(data)
    return True


def litert_version() -> str:
    try:
        from importlib.metadata import version

        return version("ai-edge-litert")
    except Exception:  # noqa: BLE001 - informative only
        return "unknown"


def shared_dir(cli_value: str | None) -> Path | None:
    if cli_value:
        return Path(cli_value)
    if os.environ.get("EDGERUN_SHARED_DIR"):
        return Path(os.environ["EDGERUN_SHARED_DIR"])
    p = REPO_ROOT.parent / "shared"
    return p if p.is_dir() else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO_ROOT / "tests" / "goldens" / "ops"), help="output folder")
    parser.add_argument("--shared", help="shared data folder, for images/cat.bmp (default: $EDGERUN_SHARED_DIR "
                                         "or <repo>/../shared)")
    parser.add_argument("--only", help="comma-separated op names (or 'classifier') to regenerate")
    args = parser.parse_args(argv)
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    only = set(args.only.split(",")) if args.only else None
    version = litert_version()
    print(f"LiteRT {version} -> {out_dir}")
    print()
    print("| op | dtype | cases | skipped | values differing (ref vs default) | max abs diff |")
    print("|---|---|---:|---:|---:|---:|")

    skipped_all = []
    for op, make in OP_CASES.items():
        if only and op not in only:
            continue
        cases, skipped = [], []
        for case in make():
            full = f"{case.dtype}/{case.name}"
            try:
                cases.append(run_case(case, f"edgerun op golden: {op} {full}"))
            except LiteRTError as e:
                skipped.append({"name": full, "reason": str(e)})
        doc = {"op": op, "litert_version": version, "generated_by": GENERATED_BY, "cases": cases,
               "skipped": skipped}
        write_if_changed(out_dir / f"{op.lower()}.json", dumps(doc).encode())
        for dt in sorted({c["dtype"] for c in cases} | {s["name"].split("/")[0] for s in skipped}):
            sub = {"cases": [c for c in cases if c["dtype"] == dt]}
            n_diff, n, max_abs = diff_stats(sub)
            n_skip = sum(s["name"].startswith(dt + "/") for s in skipped)
            print(f"| {op} | {dt} | {len(sub['cases'])} | {n_skip} | {n_diff}/{n} | {max_abs:g} |")
        skipped_all += [f"{op} {s['name']}: {s['reason']}" for s in skipped]
        skipped_all += [f"{op} {c['name']}: default output not recorded: {c['default_error']}"
                        for c in cases if "default_error" in c]

    if not only or "classifier" in only:
        g = classifier_graph()
        model = build_model(g, "edgerun tiny float32 image classifier (random weights, for tests)")
        write_if_changed(out_dir / f"{CLASSIFIER_STEM}.tflite", model)
        cases = []
        for name, params, x in classifier_inputs(shared_dir(args.shared)):
            c = run_case(Case(name, "float32", params, g, [x]), "", model=model)
            c["name"] = name
            del c["model_base64"]
            c["model_file"] = f"{CLASSIFIER_STEM}.tflite"
            cases.append(c)
        doc = {"op": "classifier", "model": f"{CLASSIFIER_STEM}.tflite",
               "model_sha256": hashlib.sha256(model).hexdigest(),
               "description": "CONV_2D 3x3 s2 RELU6 -> DEPTHWISE_CONV_2D 3x3 -> MEAN [1,2] -> FULLY_CONNECTED 10 "
                              "-> SOFTMAX; float32 [1,16,16,3] in, [1,10] probabilities out",
               "litert_version": version, "generated_by": GENERATED_BY, "cases": cases, "skipped": []}
        write_if_changed(out_dir / f"{CLASSIFIER_STEM}.json", dumps(doc).encode())
        n_diff, n, max_abs = diff_stats(doc)
        print(f"| classifier | float32 | {len(cases)} | 0 | {n_diff}/{n} | {max_abs:g} |")

    total = sum(p.stat().st_size for p in out_dir.iterdir() if p.is_file())
    print()
    print(f"{out_dir}: {total / 1024:.0f} KiB in {sum(1 for p in out_dir.iterdir() if p.is_file())} files")
    if skipped_all:
        print()
        print("Skipped cases, and cases without a default-resolver output (LiteRT rejected or crashed):")
        for s in skipped_all:
            print(f"  {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
