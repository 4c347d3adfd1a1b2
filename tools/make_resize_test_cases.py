#!/usr/bin/env python3
"""Writes tests/ops/resize_test_cases.h: RESIZE cases with expected outputs from
onnx's reference implementation (offline; needs numpy and onnx).

Every expected array is

    onnx.reference.ReferenceEvaluator(model).run(None, feeds)[0]

for a one-node opset-19 ONNX Resize model on the NCHW input, transposed to
NHWC. The cases are
  * every Resize node test of onnx (onnx.backend.test.case.node.collect_testcases("Resize")),
    whose stored expected outputs are checked to match the evaluator's;
  * each mode x nearest_mode x coordinate_transformation_mode on odd sizes,
    upsampling and downsampling, batch 1 / 2 and channels 1 / 3 / 7;
  * antialias, exclude_outside, cubic_coeff_a, extrapolation_value, output
    size 1, unchanged axes, and uint8 / int8 nearest.
Inputs of the extra cases are the pattern the test also computes:
x_nhwc.flat[i] = ((i * 7919) % 211) / 16 - 6.5 (float32), ((i * 7919) % 251) (uint8) or
((i * 7919) % 251) - 125 (int8).

Usage: python3 tools/make_resize_test_cases.py [--out tests/ops/resize_test_cases.h]
"""

from __future__ import annotations

import argparse
import contextlib
import io
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper
from onnx.reference import ReferenceEvaluator

REPO_ROOT = Path(__file__).resolve().parent.parent

MODE = {"nearest": "kNearest", "linear": "kLinear", "cubic": "kCubic"}
COORD = {
    "half_pixel": "kHalfPixel", "half_pixel_symmetric": "kHalfPixelSymmetric",
    "pytorch_half_pixel": "kPytorchHalfPixel", "align_corners": "kAlignCorners", "asymmetric": "kAsymmetric",
    "tf_crop_and_resize": "kTfCropAndResize",
}
NEAREST = {"round_prefer_floor": "kRoundPreferFloor", "round_prefer_ceil": "kRoundPreferCeil", "floor": "kFloor",
           "ceil": "kCeil"}
CTYPE = {np.float32: "float", np.uint8: "uint8_t", np.int8: "int8_t"}


def pattern(shape, dtype) -> np.ndarray:
    i = np.arange(int(np.prod(shape)), dtype=np.int64) * 7919
    if dtype == np.float32:
        v = (i % 211).astype(np.float32) / np.float32(16) - np.float32(6.5)
    elif dtype == np.uint8:
        v = (i % 251).astype(np.uint8)
    else:
        v = ((i % 251) - 125).astype(np.int8)
    return v.reshape(shape)


def f32_text(v) -> str:
    """Shortest decimal that reads back as the same float32."""
    s = np.format_float_positional(np.float32(v), unique=True, trim="-")
    return s if any(c in s for c in ".e") else s + ".0"


def value_text(v, dtype) -> str:
    return f32_text(v) + "f" if dtype == np.float32 else str(int(v))


def run_reference(node: onnx.NodeProto, feeds: dict[str, np.ndarray], input_names: list[str]) -> np.ndarray:
    elem = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.uint8): TensorProto.UINT8,
            np.dtype(np.int8): TensorProto.INT8, np.dtype(np.int64): TensorProto.INT64}
    inputs = [helper.make_tensor_value_info(n, elem[feeds[n].dtype], feeds[n].shape) for n in input_names if n]
    out = helper.make_tensor_value_info(node.output[0], elem[feeds[node.input[0]].dtype], None)
    model = helper.make_model(helper.make_graph([node], "resize", inputs, [out]),
                              opset_imports=[helper.make_opsetid("", 19)])
    return ReferenceEvaluator(model).run(None, {n: feeds[n] for n in input_names if n})[0]


class Case:
    def __init__(self, name: str, node: onnx.NodeProto, feeds: dict[str, np.ndarray], explicit_input: bool,
                 expected: np.ndarray | None = None):
        self.name = name
        self.node = node
        self.feeds = feeds
        self.explicit_input = explicit_input
        self.output = run_reference(node, feeds, list(node.input))
        if expected is not None:
            # Not exact: the evaluator hands cubic_coeff_a to the coefficient formula as a
            # numpy float32, so numpy evaluates the cubic coefficients in float32, while
            # the stored outputs (and edgerun) use float64 (1.4e-6 relative apart).
            np.testing.assert_allclose(self.output, expected, rtol=1e-5, atol=1e-5, err_msg=name)

    def attrs_text(self) -> str:
        """ResizeAttrs fields as designated initializers (declaration order, defaults omitted)."""
        attrs = {a.name: helper.get_attribute_value(a) for a in self.node.attribute}
        text = lambda v: v.decode() if isinstance(v, bytes) else v  # noqa: E731
        x = self.feeds[self.node.input[0]]
        rank = x.ndim
        axes = list(attrs.get("axes", range(rank)))
        names = list(self.node.input) + [""] * (4 - len(self.node.input))
        roi = self.feeds.get(names[1]) if names[1] else None
        scales = self.feeds.get(names[2]) if names[2] else None
        sizes = self.feeds.get(names[3]) if names[3] else None
        fields = []
        mode = text(attrs.get("mode", b"nearest"))
        coord = text(attrs.get("coordinate_transformation_mode", b"half_pixel"))
        nearest = text(attrs.get("nearest_mode", b"round_prefer_floor"))
        if mode != "nearest":
            fields.append(f".mode = ir::ResizeMode::{MODE[mode]}")
        if coord != "half_pixel":
            fields.append(f".coord = ir::ResizeCoord::{COORD[coord]}")
        if nearest != "round_prefer_floor":
            fields.append(f".nearest = ir::ResizeNearestMode::{NEAREST[nearest]}")
        if "cubic_coeff_a" in attrs:
            fields.append(f".cubic_coeff_a = {f32_text(attrs['cubic_coeff_a'])}f")
        if attrs.get("exclude_outside", 0):
            fields.append(".exclude_outside = true")
        if attrs.get("antialias", 0):
            fields.append(".antialias = true")
        if "extrapolation_value" in attrs:
            fields.append(f".extrapolation_value = {f32_text(attrs['extrapolation_value'])}f")
        # The scale per spatial axis (NCHW dims 2 and 3), as the importer sets it.
        scale = {2: 0.0, 3: 0.0}
        if scales is not None:
            for i, d in enumerate(axes):
                if d in scale:
                    scale[d] = float(scales[i])
        elif sizes is not None:
            policy = text(attrs.get("keep_aspect_ratio_policy", b"stretch"))
            if policy != "stretch":
                ratios = [sizes[i] / x.shape[d] for i, d in enumerate(axes)]
                s = min(ratios) if policy == "not_larger" else max(ratios)
                for d in axes:
                    scale[d] = float(s)
        if scale[2] != 0.0:
            fields.append(f".scale_h = {scale[2]!r}")
        if scale[3] != 0.0:
            fields.append(f".scale_w = {scale[3]!r}")
        if coord == "tf_crop_and_resize":
            full = [0.0] * rank + [1.0] * rank
            for i, d in enumerate(axes):
                full[d], full[rank + d] = roi[i], roi[len(axes) + i]
            for field, v in (("roi_h_begin", full[2]), ("roi_h_end", full[rank + 2]), ("roi_w_begin", full[3]),
                             ("roi_w_end", full[rank + 3])):
                fields.append(f".{field} = {f32_text(v)}f")
        return "{" + ", ".join(fields) + "}"

    def cpp(self) -> str:
        x = self.feeds[self.node.input[0]]
        x_nhwc = x.transpose(0, 2, 3, 1)
        y_nhwc = self.output.transpose(0, 2, 3, 1)
        dtype = x.dtype.type
        vals = lambda a: ", ".join(value_text(v, dtype) for v in a.reshape(-1))  # noqa: E731
        shape = lambda s: "{" + ", ".join(str(d) for d in s) + "}"  # noqa: E731
        lines = [f"    {{\"{self.name}\",", f"     {self.attrs_text()},",
                 f"     {shape(x_nhwc.shape)},", f"     {shape(y_nhwc.shape)},",
                 f"     {{{vals(x_nhwc) if self.explicit_input else ''}}},", f"     {{{vals(y_nhwc)}}}}},"]
        return "\n".join(lines)


def onnx_node_test_cases() -> list[Case]:
    from onnx.backend.test.case import node as node_cases

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        collected = node_cases.collect_testcases("Resize")
    cases = []
    for c in collected:
        node = c.model.graph.node[0]
        inputs, outputs = c.data_sets[0]
        names = [n for n in node.input if n]
        feeds = dict(zip(names, inputs))
        cases.append(Case(c.name.removeprefix("test_resize_"), node, feeds, True, outputs[0]))
    return cases


def make_node(mode="nearest", coord="half_pixel", nearest="round_prefer_floor", **attrs) -> dict:
    kw = {"mode": mode, "coordinate_transformation_mode": coord}
    if mode == "nearest":
        kw["nearest_mode"] = nearest
    kw.update(attrs)
    return kw


def extra_case(name: str, in_nhwc, attrs: dict, scales=None, sizes=None, roi=None, dtype=np.float32) -> Case:
    n, h, w, c = in_nhwc
    x = pattern(in_nhwc, dtype).transpose(0, 3, 1, 2).copy()
    feeds = {"X": x}
    inputs = ["X", "", "", ""]
    if roi is not None:
        feeds["roi"] = np.array([0, 0, roi[0], roi[2], 1, 1, roi[1], roi[3]], np.float32)
        inputs[1] = "roi"
    if scales is not None:
        feeds["scales"] = np.array([1, 1, scales[0], scales[1]], np.float32)
        inputs[2] = "scales"
    else:
        feeds["sizes"] = np.array([n, c, sizes[0], sizes[1]], np.int64)
        inputs[3] = "sizes"
    while inputs[-1] == "":
        inputs.pop()
    node = helper.make_node("Resize", inputs, ["Y"], **attrs)
    return Case(name, node, feeds, False)


# (name, NHWC input shape, scales or None, sizes or None): odd sizes, up and down,
# batch 1 / 2, channels 1 / 3 / 7.
GEOMETRIES = [
    ("up_sizes_n2c3", [2, 3, 4, 3], None, [5, 7]),
    ("down_scales_c7", [1, 7, 9, 7], [0.6, 0.45], None),
    ("up_scales_n2c1", [2, 3, 3, 1], [2.5, 1.7], None),
    ("down_sizes_n2c3", [2, 5, 7, 3], None, [3, 4]),
    ("up_sizes_c7", [1, 2, 3, 7], None, [5, 4]),
    ("down_sizes_c1", [1, 5, 6, 1], None, [2, 5]),
]
TF_ROI = [0.1, 0.9, -0.1, 1.2]  # h begin, h end, w begin, w end: extrapolates on w


def extra_cases() -> list[Case]:
    cases = []
    combos = [("nearest", nm) for nm in NEAREST] + [("linear", None), ("cubic", None)]
    k = 0
    for mode, nm in combos:
        for coord in COORD:
            for g in (GEOMETRIES[k % 3], GEOMETRIES[3 + k % 3]):
                gname, shape, scales, sizes = g
                label = f"{mode}_{nm}_{coord}" if nm else f"{mode}_{coord}"
                roi = TF_ROI if coord == "tf_crop_and_resize" else None
                cases.append(extra_case(f"{label}_{gname}", shape, make_node(mode, coord, nm or "round_prefer_floor"),
                                        scales, sizes, roi))
            k += 1
    # Antialias (linear and cubic; downsampling widens the filter, upsampling does not).
    for mode in ("linear", "cubic"):
        cases.append(extra_case(f"{mode}_antialias_down_scales_c3", [1, 9, 11, 3], make_node(mode, antialias=1),
                                [0.3, 0.55]))
        cases.append(extra_case(f"{mode}_antialias_down_sizes_n2c1", [2, 8, 7, 1], make_node(mode, antialias=1),
                                sizes=[3, 2]))
        cases.append(extra_case(f"{mode}_antialias_up_c7", [1, 2, 3, 7], make_node(mode, antialias=1),
                                sizes=[3, 5]))
        cases.append(extra_case(f"{mode}_antialias_align_corners_down_c3", [1, 7, 6, 3],
                                make_node(mode, "align_corners", antialias=1), sizes=[3, 4]))
    cases.append(extra_case("cubic_antialias_exclude_outside_down_c1", [1, 9, 10, 1],
                            make_node("cubic", antialias=1, exclude_outside=1, cubic_coeff_a=-0.5), [0.4, 0.35]))
    cases.append(extra_case("cubic_a_n0p6_exclude_outside_up_n2c3", [2, 3, 4, 3],
                            make_node("cubic", exclude_outside=1, cubic_coeff_a=-0.6), sizes=[5, 7]))
    cases.append(extra_case("linear_exclude_outside_asymmetric_up_c1", [1, 3, 4, 1],
                            make_node("linear", "asymmetric", exclude_outside=1), sizes=[7, 9]))
    cases.append(extra_case("nearest_floor_exclude_outside_half_pixel_up_c1", [1, 3, 4, 1],
                            make_node("nearest", "half_pixel", "floor", exclude_outside=1), sizes=[7, 9]))
    # tf_crop_and_resize with an extrapolation value, and rois outside the input.
    for mode in ("nearest", "linear", "cubic"):
        cases.append(extra_case(f"{mode}_tf_crop_and_resize_extrapolation_c3", [1, 4, 5, 3],
                                make_node(mode, "tf_crop_and_resize", extrapolation_value=-7.5),
                                sizes=[5, 6], roi=[-0.3, 0.7, 0.2, 1.4]))
    cases.append(extra_case("linear_tf_crop_and_resize_out1_c1", [1, 4, 5, 1],
                            make_node("linear", "tf_crop_and_resize"), sizes=[1, 1], roi=[0.2, 0.7, 0.1, 0.6]))
    # Output size 1 (align_corners and pytorch_half_pixel special-case it), unchanged axes.
    cases.append(extra_case("linear_align_corners_out1_n2c3", [2, 5, 4, 3], make_node("linear", "align_corners"),
                            sizes=[1, 3]))
    cases.append(extra_case("linear_pytorch_half_pixel_out1_c1", [1, 5, 4, 1],
                            make_node("linear", "pytorch_half_pixel"), sizes=[3, 1]))
    cases.append(extra_case("cubic_unchanged_height_c3", [1, 4, 5, 3], make_node("cubic"), sizes=[4, 8]))
    cases.append(extra_case("nearest_scale_1_height_c1", [1, 3, 4, 1], make_node("nearest", "asymmetric", "floor"),
                            [1.0, 2.5]))
    cases.append(extra_case("linear_half_pixel_symmetric_scales_c3", [1, 3, 5, 3],
                            make_node("linear", "half_pixel_symmetric"), [1.7, 0.7]))
    cases.append(extra_case("cubic_half_pixel_symmetric_scales_c1", [1, 4, 3, 1],
                            make_node("cubic", "half_pixel_symmetric"), [0.6, 2.6]))
    return cases


def int_cases() -> list[Case]:
    cases = []
    for dtype, tag in ((np.uint8, "uint8"), (np.int8, "int8")):
        cases.append(extra_case(f"{tag}_nearest_up_n2c3", [2, 3, 4, 3], make_node(), sizes=[5, 7], dtype=dtype))
        cases.append(extra_case(f"{tag}_nearest_ceil_align_corners_down_c7", [1, 5, 7, 7],
                                make_node("nearest", "align_corners", "ceil"), [0.6, 0.45], dtype=dtype))
        cases.append(extra_case(f"{tag}_nearest_tf_crop_and_resize_extrapolation_c1", [1, 4, 5, 1],
                                make_node("nearest", "tf_crop_and_resize", extrapolation_value=-200.5), sizes=[5, 6],
                                roi=[-0.3, 0.7, 0.2, 1.4], dtype=dtype))
    return cases


HEADER = """\
// Generated by tools/make_resize_test_cases.py: do not edit.
//
// RESIZE cases with expected outputs from onnx's reference implementation
// (onnx {onnx_version}, numpy {numpy_version}): each `expected` is
//   onnx.reference.ReferenceEvaluator(model).run(None, feeds)[0].transpose(0, 2, 3, 1)
// for a one-node opset-19 Resize model on the NCHW input. kOnnxNodeCases are
// onnx's own Resize node tests (onnx.backend.test.case.node.collect_testcases("Resize"),
// explicit inputs); the other cases' inputs (empty `input`) are
// x_nhwc.flat[i] = ((i * 7919) % 211) / 16 - 6.5 (float32), (i * 7919) % 251 (uint8),
// (i * 7919) % 251 - 125 (int8). `attrs` is what the ONNX importer sets: the
// scales input as scale_h / scale_w (0 when sizes give the output), the
// keep_aspect_ratio_policy scale in double, the tf_crop_and_resize roi.
#pragma once

#include <cstdint>
#include <vector>

#include "edgerun/tensor.h"
#include "ir/graph.h"

namespace edgerun::resize_cases {{

template <typename T>
struct Case {{
  const char* name;
  ir::ResizeAttrs attrs;
  Shape input_shape;   // NHWC
  Shape output_shape;  // NHWC
  std::vector<T> input;  // empty: the pattern above
  std::vector<T> expected;
}};
"""


def array_block(name: str, ctype: str, cases: list[Case]) -> str:
    body = "\n".join(c.cpp() for c in cases)
    return f"\n// clang-format off\ninline const std::vector<Case<{ctype}>> {name} = {{\n{body}\n}};\n// clang-format on\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO_ROOT / "tests" / "ops" / "resize_test_cases.h"))
    args = parser.parse_args()
    ints = int_cases()
    text = HEADER.format(onnx_version=onnx.__version__, numpy_version=np.__version__)
    text += array_block("kOnnxNodeCases", "float", onnx_node_test_cases())
    text += array_block("kFloatCases", "float", extra_cases())
    text += array_block("kUint8Cases", "uint8_t", [c for c in ints if c.name.startswith("uint8")])
    text += array_block("kInt8Cases", "int8_t", [c for c in ints if c.name.startswith("int8")])
    text += "\n}  // namespace edgerun::resize_cases\n"
    Path(args.out).write_text(text)
    print(f"wrote {args.out} ({len(text) / 1024:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
