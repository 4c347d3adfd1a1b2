#!/usr/bin/env python3
"""edgerun's int8 quantizer against Google's LiteRT Quantizer, on the same float model and images.

Both quantize the same float .tflite to full-integer int8 (per-channel int8
weights, per-tensor int8 activations) from the same calibration images, and
both results are measured the same way:

 1. The float model: `edgerun convert SOURCE --dequantize -o float.tflite`
    (SOURCE defaults to the uint8 TF1 MobileNetV2), or --float FILE.
 2. Input tensors: `edgerun classify --model float.tflite --dump-inputs DIR`
    over every image of the dataset (labels.tsv order) writes the exact
    float tensors edgerun feeds the model. The first --calib-count of them are
    the calibration set: the images `edgerun convert --calibration DATASET
    --calib-count N` takes (the first N of labels.tsv), with the same
    pre-processing, so both quantizers see identical calibration tensors.
 3. LiteRT Quantizer (PyPI `litert-quantizer`, the renamed AI Edge Quantizer):
        qt = quantizer.Quantizer(float.tflite)
        qt.load_quantization_recipe(recipe.static_wi8_ai8())
        qt.quantize(qt.calibrate({"serving_default": [{input: x} ...]}))
    static_wi8_ai8 is its full-integer int8 recipe: every supported op,
    weights int8 symmetric per-channel, activations int8 asymmetric per-tensor,
    min/max uniform quantization, integer compute; calibration in its default
    mode, whose ranges are a moving average (0.95) of each sample's min/max.
    The recipe as used is written to the --json output. Its file has int8
    input and output tensors.
 4. edgerun: `edgerun convert float.tflite --quantize int8 --calibration
    DATASET --calib-count N --io int8 --range minmax --report report.json`
    (--io int8 by default, as the LiteRT Quantizer's file; skipped, with a
    note, when this edgerun has no --quantize).
 5. Accuracy: `edgerun eval MODEL --dataset DATASET --reference float.tflite
    --json` for each file: top-1 / top-5, top-1 agreement with the float
    model, SQNR of the outputs against the float model's. Two diagnostic
    rows join them: the LiteRT Quantizer's file with the int32 biases of its
    all-zero weight channels repaired (it gives such a channel a weight scale
    of about 1e-11, and its bias then saturates at the int32 limit; the repair
    sets that weight scale to 1 and re-quantizes the float bias), and edgerun
    with --no-bias-correction (the LiteRT Quantizer has no bias correction).
 6. Runtimes agree: each file through `edgerun classify --dump-inputs` (its own
    input tensors: int8 for an int8 input) and LiteRT (default resolver, one
    thread) on exactly those tensors: images whose top-1 differs, images whose
    scores are identical, the largest score difference.
 7. Per layer: LiteRT with reference kernels and
    experimental_preserve_all_tensors=True runs the three files on
    --layer-images eval images that are not calibration images. Each tensor a
    quantized file shares with the float file (same name, else the same place
    in the op order) is dequantized and compared with the float tensor: SQNR =
    10 log10(sum f^2 / sum (f - q)^2) over those images. Listed with the
    scale / zero point each quantizer chose, and edgerun's own --report SQNR
    (computed by edgerun on its calibration images) beside it. Weights too:
    the SQNR of each quantized weight tensor against the float weights.

Every input to the models is normalized with the float model's metadata
mean / std (else 127.5 / 127.5), passed to edgerun as --mean / --std so that
int8 inputs get the same real values as the float input.

Usage:
  python tools/compare_litert_quantizer.py [--edgerun build/edgerun]
      [--source MODEL.tflite | --float FLOAT.tflite] [--dataset DIR]
      [--calib-count 50] [--io int8] [--range minmax] [--layer-images 10]
      [--top-layers 12] [--work DIR] [--json OUT.json]

Defaults: --source <shared>/models/mobilenet_v2_1.0_224_quant.tflite,
--dataset <shared>/eval/imagenet-100 (<shared> = $EDGERUN_SHARED_DIR, else
<repo>/../shared), --work build/compare_litert_quantizer (every file made is
kept there). Needs the packages of tools/requirements-quantizer.txt (own venv).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import difflib
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
SIGNATURE_KEY = "serving_default"


def default_shared() -> Path:
    return Path(os.environ.get("EDGERUN_SHARED_DIR") or REPO_ROOT.parent / "shared")


# ---------------------------------------------------------------- helpers


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if p.returncode != 0:
        text = " ".join(map(str, cmd))
        sys.exit(f"error: {text[:300]}{' ...' if len(text) > 300 else ''}\n  exit {p.returncode}\n{p.stderr.strip()}")
    return p


def run_json(cmd: list[str]) -> dict:
    return json.loads(run(cmd).stdout)


def sqnr_db(signal_energy: float, noise_energy: float) -> float:
    if noise_energy == 0.0:
        return math.inf
    if signal_energy == 0.0:
        return -math.inf
    return 10.0 * math.log10(signal_energy / noise_energy)


def db(x: float | str | None) -> str:
    if x is None:
        return "-"
    if isinstance(x, str):
        return x
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:.1f}"


def json_num(x):
    """JSON has no infinity: 'inf' / '-inf' / 'nan' strings, as edgerun writes them."""
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def jsonable(obj):
    if isinstance(obj, dict):
        return {k: jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    return json_num(obj)


def short_name(name: str) -> str:
    """The first of TFLite's ';'-joined fused names: MobilenetV2/expanded_conv_3/project/add_fold."""
    return name.split(";")[0]


def rel(path) -> str:
    """A path as shown and recorded: relative to the current folder when below it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)


def mib(n: int) -> str:
    return f"{n / 2**20:.2f} MiB"


@contextlib.contextmanager
def output_to(log_path: Path):
    """Sends this process's stdout / stderr (Python and C level) to log_path for the block."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(log_path, "a") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def read_labels(dataset: Path) -> list[tuple[str, int]]:
    with open(dataset / "labels.tsv", newline="") as f:
        rows = [(r["file"].strip(), int(r["class_index_1001"])) for r in csv.DictReader(f, delimiter="\t")]
    if not rows:
        sys.exit(f"error: {dataset / 'labels.tsv'} lists no images")
    return rows


# ---------------------------------------------------------------- edgerun


def model_normalization(edgerun: Path, model: Path) -> tuple[list[float], list[float]]:
    md = run_json([edgerun, "inspect", model, "--json"]).get("metadata", {})
    mean, std = md.get("mean") or [127.5], md.get("std") or [127.5]
    return [float(v) for v in mean], [float(v) for v in std]


def norm_flags(norm) -> list[str]:
    mean, std = norm
    return ["--mean", ",".join(f"{v:g}" for v in mean), "--std", ",".join(f"{v:g}" for v in std)]


def edgerun_classify(edgerun: Path, model: Path, images: list[Path], dump_dir: Path, num_classes: int,
                     norm) -> list[np.ndarray]:
    """Runs classify over the images, dumping each input tensor; returns each image's scores (all classes)."""
    if dump_dir.exists():
        shutil.rmtree(dump_dir)
    j = run_json([edgerun, "classify", "--model", model, "--json", "--top-k", str(num_classes),
                  "--dump-inputs", dump_dir, *norm_flags(norm), "--", *images])
    # ('--': --mean / --std take up to 3 values and would swallow the images.)
    scores = []
    for r in j["results"]:
        s = np.zeros(num_classes, np.float64)
        for e in r["top_k"]:
            s[e["index"]] = e["score"]
        scores.append(s)
    if len(scores) != len(images):
        sys.exit(f"error: edgerun classify returned {len(scores)} results for {len(images)} images")
    return scores


def edgerun_eval(edgerun: Path, model: Path, dataset: Path, reference: Path, norm) -> dict:
    return run_json([edgerun, "eval", model, "--dataset", dataset, "--reference", reference, "--json",
                     *norm_flags(norm)])


# ---------------------------------------------------------------- LiteRT


def interpreter(model: Path, reference_kernels: bool = False, preserve: bool = False):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    kw = {"model_path": str(model), "num_threads": 1}
    if reference_kernels:
        kw["experimental_op_resolver_type"] = OpResolverType.BUILTIN_REF
    if preserve:
        kw["experimental_preserve_all_tensors"] = True
    it = Interpreter(**kw)
    it.allocate_tensors()
    return it


def dequantized(x: np.ndarray, detail: dict) -> np.ndarray:
    q = detail.get("quantization_parameters") or {}
    scales, zps = q.get("scales"), q.get("zero_points")
    if x.dtype in (np.float32, np.float64) or scales is None or len(scales) == 0:
        return x.astype(np.float64)
    if len(scales) == 1:
        return (x.astype(np.float64) - float(zps[0])) * float(scales[0])
    shape = [1] * x.ndim
    shape[q.get("quantized_dimension", 0)] = -1
    return (x.astype(np.float64) - np.asarray(zps, np.float64).reshape(shape)) * np.asarray(
        scales, np.float64).reshape(shape)


def litert_scores(model: Path, inputs: list[np.ndarray], reference_kernels: bool) -> list[np.ndarray]:
    it = interpreter(model, reference_kernels=reference_kernels)
    ind, outd = it.get_input_details()[0], it.get_output_details()[0]
    out = []
    for x in inputs:
        it.set_tensor(ind["index"], x)
        it.invoke()
        out.append(dequantized(it.get_tensor(outd["index"])[0], outd))
    return out


def runtime_agreement(edgerun_scores: list[np.ndarray], litert: list[np.ndarray], lsb: float | None) -> dict:
    top1_diff = sum(int(np.argmax(a) != np.argmax(b)) for a, b in zip(edgerun_scores, litert))
    diffs = [float(np.max(np.abs(a - b))) for a, b in zip(edgerun_scores, litert)]
    # An int8 output's scores are multiples of its scale: equal to within a fraction of it means the same integer.
    tol = lsb / 4 if lsb else 1e-6
    r = {"images": len(diffs), "top1_differs": top1_diff, "identical": sum(d <= tol for d in diffs),
         "max_abs_diff": max(diffs)}
    if lsb:
        r["max_diff_lsb"] = round(max(diffs) / lsb, 3)
    return r


def output_lsb(model: Path) -> float | None:
    d = interpreter(model).get_output_details()[0]
    s = (d.get("quantization_parameters") or {}).get("scales")
    return float(s[0]) if s is not None and len(s) == 1 and d["dtype"] != np.float32 else None


# ---------------------------------------------------------------- LiteRT Quantizer


def litert_quantize(float_model: Path, calib_inputs: list[np.ndarray], out: Path, log: Path) -> dict:
    from importlib.metadata import version

    from litert_quantizer import quantizer, recipe

    it = interpreter(float_model)
    sig = it.get_signature_list()
    if SIGNATURE_KEY not in sig or len(sig[SIGNATURE_KEY]["inputs"]) != 1:
        sys.exit(f"error: {float_model} needs a '{SIGNATURE_KEY}' signature with one input; has {sig}")
    input_name = sig[SIGNATURE_KEY]["inputs"][0]
    rcp = recipe.static_wi8_ai8()
    t0 = time.time()
    with output_to(log):
        qt = quantizer.Quantizer(str(float_model))
        qt.load_quantization_recipe(rcp)
        calibration = qt.calibrate({SIGNATURE_KEY: [{input_name: x} for x in calib_inputs]})
        result = qt.quantize(calibration)
        if out.exists():
            out.unlink()
        result.export_model(str(out))
    return {"package": "litert-quantizer", "version": version("litert-quantizer"),
            "api": "quantizer.Quantizer(float).load_quantization_recipe(recipe.static_wi8_ai8()); "
                   "quantize(calibrate({'serving_default': [{input: x}, ...]}))",
            "recipe": rcp, "calibration_samples": len(calib_inputs), "calibration_mode": "default "
            "(CALIBRATION_PRESERVE_ALL_TENSORS; ranges: moving average 0.95 of per-sample min/max)",
            "seconds": round(time.time() - t0, 1), "log": rel(log)}


# ---------------------------------------------------------------- per-layer comparison


def op_list(model: Path) -> tuple[list[tuple[str, int, str]], dict[int, tuple[int, int, int | None]], object]:
    """(op name, output tensor index, output name) in execution order, QUANTIZE / DEQUANTIZE left out;
    for each CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED output tensor index, its (input, weight,
    bias or None) tensor indices; and the model's flatbuffer object."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    m = flatbuffer_utils.read_model(str(model))
    g = m.subgraphs[0]
    names = {v: k for k, v in vars(schema.BuiltinOperator).items() if not k.startswith("_")}
    ops, weights = [], {}
    for op in g.operators:
        c = m.operatorCodes[op.opcodeIndex]
        name = names.get(max(c.builtinCode, c.deprecatedBuiltinCode), str(c.builtinCode))
        if name in ("QUANTIZE", "DEQUANTIZE"):
            continue
        out = int(op.outputs[0])
        ops.append((name, out, g.tensors[out].name.decode()))
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED") and len(op.inputs) > 1:
            bias = int(op.inputs[2]) if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
            weights[out] = (int(op.inputs[0]), int(op.inputs[1]), bias)
    return ops, weights, m


def match_ops(float_ops, q_ops) -> dict[int, tuple[int, str]]:
    """Float op position -> (quantized op's output tensor index, 'name' | 'order'). A quantized tensor named
    '<float name>/int8' (edgerun's name for the int8 twin of a float tensor) counts as the same name."""
    by_name = {name.removesuffix("/int8"): idx for _, idx, name in q_ops}
    by_name.update({name: idx for _, idx, name in q_ops})
    matched = {}
    sm = difflib.SequenceMatcher(a=[o[0] for o in float_ops], b=[o[0] for o in q_ops], autojunk=False)
    order = {}
    for a, b, n in sm.get_matching_blocks():
        for k in range(n):
            order[a + k] = q_ops[b + k][1]
    for i, (_, _, name) in enumerate(float_ops):
        if name in by_name:
            matched[i] = (by_name[name], "name")
        elif i in order:
            matched[i] = (order[i], "order")
    return matched


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


def constant(m, idx: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    """A constant tensor's stored values and its dequantized values (float64); (None, None) if not constant."""
    t = m.subgraphs[0].tensors[idx]
    data = m.buffers[t.buffer].data
    dt = {0: np.float32, 9: np.int8, 3: np.uint8, 2: np.int32}.get(t.type)
    if data is None or len(data) == 0 or dt is None:
        return None, None
    raw = np.frombuffer(bytes(bytearray(data)), dtype=dt).reshape(t.shape)
    v = raw.astype(np.float64)
    q = t.quantization
    if dt is np.float32 or q is None or q.scale is None or len(q.scale) == 0:
        return raw, v
    scale = np.asarray(q.scale, np.float64)
    zp = np.asarray(q.zeroPoint if q.zeroPoint is not None else np.zeros_like(scale), np.float64)
    if scale.size > 1:
        shape = [1] * v.ndim
        shape[q.quantizedDimension] = -1
        scale, zp = scale.reshape(shape), zp.reshape(shape)
    return raw, (v - zp) * scale


def constant_check(float_model, q_model, f_op: tuple, q_op: tuple) -> dict:
    """Weights: SQNR against the float weights and the number of scales; biases: the largest error of the
    dequantized bias and how many int32 values sit at the int32 limits (a bias the scale cannot hold)."""
    r = {}
    _, fw = constant(float_model, f_op[1])
    _, qw = constant(q_model, q_op[1])
    t = q_model.subgraphs[0].tensors[q_op[1]]
    r["weight_scales"] = int(np.asarray(t.quantization.scale).size) if t.quantization and t.quantization.scale is \
        not None else 0
    r["weight_sqnr_db"] = (sqnr_db(float(np.sum(fw * fw)), float(np.sum((fw - qw) ** 2)))
                           if fw is not None and qw is not None and fw.shape == qw.shape else float("nan"))
    if f_op[2] is not None and q_op[2] is not None:
        _, fb = constant(float_model, f_op[2])
        qraw, qb = constant(q_model, q_op[2])
        if fb is not None and qb is not None and fb.shape == qb.shape:
            r["bias_max_abs_err"] = float(np.max(np.abs(fb - qb)))
            r["bias_saturated"] = int(np.sum((qraw == INT32_MIN) | (qraw == INT32_MAX))) if qraw.dtype == np.int32 \
                else 0
    return r


def repair_zero_channel_biases(float_model: Path, quantized: Path, out: Path) -> int:
    """A copy of `quantized` where each all-zero weight channel (a weight scale under 1e-9) gets weight scale 1
    and its int32 bias re-quantized from the float bias at scale input_scale * 1; returns the channels fixed."""
    from ai_edge_litert.tools import flatbuffer_utils

    f_ops, f_w, f_fb = op_list(float_model)
    q_ops, q_w, q_fb = op_list(quantized)
    match = match_ops(f_ops, q_ops)
    g = q_fb.subgraphs[0]
    fixed = 0
    for i, (_, f_idx, _) in enumerate(f_ops):
        if i not in match or f_idx not in f_w or match[i][0] not in q_w:
            continue
        (q_in, q_wi, q_bi), (_, _, f_bi) = q_w[match[i][0]], f_w[f_idx]
        if q_bi is None or f_bi is None:
            continue
        wq, bq, iq = g.tensors[q_wi].quantization, g.tensors[q_bi].quantization, g.tensors[q_in].quantization
        if wq is None or bq is None or iq is None or wq.scale is None or bq.scale is None:
            continue
        ws, bs = np.array(wq.scale, np.float32), np.array(bq.scale, np.float32)
        bad = np.where(ws < 1e-9)[0]
        if len(bad) == 0 or ws.size != bs.size:
            continue
        s_in = float(iq.scale[0])
        _, fb = constant(f_fb, f_bi)
        qb = constant(q_fb, q_bi)[0].copy()
        ws[bad], bs[bad] = 1.0, s_in
        qb[bad] = np.clip(np.round(fb[bad] / s_in), INT32_MIN, INT32_MAX).astype(np.int32)
        wq.scale, bq.scale = ws, bs
        q_fb.buffers[g.tensors[q_bi].buffer].data = qb.tobytes()
        fixed += len(bad)
    flatbuffer_utils.write_model(q_fb, str(out))
    return fixed


def layer_comparison(float_model: Path, quantized: dict[str, Path], inputs: dict[str, list[np.ndarray]]) -> list[dict]:
    """Per float op output: SQNR of each quantized file's matching tensor against the float one, on LiteRT."""
    f_ops, f_weights, f_fb = op_list(float_model)
    qinfo = {}
    for label, path in quantized.items():
        q_ops, q_weights, q_fb = op_list(path)
        qinfo[label] = {"match": match_ops(f_ops, q_ops), "weights": q_weights, "fb": q_fb,
                        "op_at": {idx: name for name, idx, _ in q_ops}}
    sums = {label: {} for label in quantized}  # label -> float op position -> [signal, noise]
    f_it = interpreter(float_model, reference_kernels=True, preserve=True)
    q_its = {label: interpreter(p, reference_kernels=True, preserve=True) for label, p in quantized.items()}
    q_details = {label: {d["index"]: d for d in it.get_tensor_details()} for label, it in q_its.items()}
    for n, x in enumerate(inputs["float"]):
        f_it.set_tensor(f_it.get_input_details()[0]["index"], x)
        f_it.invoke()
        for label, it in q_its.items():
            it.set_tensor(it.get_input_details()[0]["index"], inputs[label][n])
            it.invoke()
            for i, (_, f_idx, _) in enumerate(f_ops):
                if i not in qinfo[label]["match"]:
                    continue
                q_idx = qinfo[label]["match"][i][0]
                f = f_it.get_tensor(f_idx).astype(np.float64)
                q = dequantized(it.get_tensor(q_idx), q_details[label][q_idx])
                if f.shape != q.shape:
                    continue
                s = sums[label].setdefault(i, [0.0, 0.0])
                s[0] += float(np.sum(f * f))
                s[1] += float(np.sum((f - q) ** 2))
    rows = []
    for i, (op, f_idx, name) in enumerate(f_ops):
        row = {"position": i, "op": op, "tensor": name}
        for label in quantized:
            info = qinfo[label]
            if i not in info["match"] or i not in sums[label]:
                row[label] = None
                continue
            q_idx, how = info["match"][i]
            d = q_details[label][q_idx]
            qp = d.get("quantization_parameters") or {}
            scales, zps = qp.get("scales"), qp.get("zero_points")
            cell = {"matched_by": how, "tensor": d["name"], "dtype": np.dtype(d["dtype"]).name,
                    "sqnr_db": sqnr_db(*sums[label][i]),
                    "scale": float(scales[0]) if scales is not None and len(scales) == 1 else None,
                    "zero_point": int(zps[0]) if zps is not None and len(zps) == 1 else None}
            if f_idx in f_weights and q_idx in info["weights"]:
                cell.update(constant_check(f_fb, info["fb"], f_weights[f_idx], info["weights"][q_idx]))
            row[label] = cell
        rows.append(row)
    return rows


# ---------------------------------------------------------------- main


def main() -> int:
    shared = default_shared()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--edgerun", type=Path, default=REPO_ROOT / "build" / "edgerun", help="the edgerun binary")
    p.add_argument("--source", type=Path, default=shared / "models" / "mobilenet_v2_1.0_224_quant.tflite",
                   help="quantized .tflite the float model is made from (edgerun convert --dequantize)")
    p.add_argument("--float", type=Path, dest="float_model", help="use this float .tflite instead of --source's")
    p.add_argument("--dataset", type=Path, default=shared / "eval" / "imagenet-100",
                   help="labelled images (labels.tsv): the calibration images and the eval set")
    p.add_argument("--calib-count", type=int, default=50, help="calibration images: the first N of labels.tsv")
    p.add_argument("--io", default="int8", choices=["int8", "uint8", "float"],
                   help="edgerun convert --io (int8: as the LiteRT Quantizer's file)")
    p.add_argument("--range", default="minmax", choices=["minmax", "percentile", "mse"],
                   help="edgerun convert --range")
    p.add_argument("--layer-images", type=int, default=10,
                   help="eval images for the per-layer comparison, taken after the calibration images")
    p.add_argument("--top-layers", type=int, default=12, help="layers to print, largest SQNR differences first")
    p.add_argument("--layer-models", default="litert_quantizer,edgerun",
                   help="the two files the per-layer comparison takes, by their row names (e.g. "
                        "litert_quantizer_repaired,edgerun_no_bias_correction: the two without bias differences)")
    p.add_argument("--work", type=Path, default=REPO_ROOT / "build" / "compare_litert_quantizer",
                   help="folder for the models, input tensors and logs made")
    p.add_argument("--json", type=Path, help="write every number here")
    args = p.parse_args()

    edgerun = args.edgerun.resolve()
    if not edgerun.is_file():
        sys.exit(f"error: {edgerun} not found (build it: cmake --build build --target edgerun)")
    work = args.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    dataset = args.dataset.resolve()
    labels = read_labels(dataset)
    images = [dataset / f for f, _ in labels]
    if not 0 < args.calib_count <= len(images):
        sys.exit(f"error: --calib-count {args.calib_count}: the dataset has {len(images)} images")
    results: dict = {"dataset": str(args.dataset), "images": len(images), "calib_count": args.calib_count}

    # 1. The float model.
    if args.float_model:
        float_model = args.float_model.resolve()
        results["float_model"] = {"file": str(args.float_model)}
    else:
        float_model = work / "float.tflite"
        run([edgerun, "convert", args.source, "--dequantize", "-o", float_model])
        results["float_model"] = {"file": rel(float_model), "made_by": f"edgerun convert {args.source} --dequantize"}
    norm = model_normalization(edgerun, float_model)
    results["normalization"] = {"mean": norm[0], "std": norm[1]}
    num_classes = interpreter(float_model).get_output_details()[0]["shape"][-1]
    print(f"float model: {rel(float_model)} ({mib(float_model.stat().st_size)}); normalization mean {norm[0]} "
          f"std {norm[1]}; {len(images)} images, calibration: the first {args.calib_count}")

    # 2. The exact input tensors edgerun feeds the float model.
    er_scores = {"float": edgerun_classify(edgerun, float_model, images, work / "inputs" / "float", num_classes, norm)}
    inputs = {"float": [np.load(work / "inputs" / "float" / f"{i}.npy") for i in range(len(images))]}
    calib = inputs["float"][: args.calib_count]

    # 3. LiteRT Quantizer.
    models = {"float": float_model}
    lq_model = work / "litert_quantizer_int8.tflite"
    print(f"LiteRT Quantizer: static_wi8_ai8, calibrating on {len(calib)} tensors ...", flush=True)
    results["litert_quantizer"] = litert_quantize(float_model, calib, lq_model, work / "litert_quantizer.log")
    models["litert_quantizer"] = lq_model

    # A diagnostic: the LiteRT Quantizer's file with the biases of all-zero weight channels repaired (see
    # repair_zero_channel_biases), to measure what those saturated int32 biases cost.
    repaired = work / "litert_quantizer_int8_bias_repaired.tflite"
    n_fixed = repair_zero_channel_biases(float_model, lq_model, repaired)
    results["litert_quantizer"]["zero_weight_channels_repaired"] = n_fixed
    if n_fixed:
        models["litert_quantizer_repaired"] = repaired

    # 4. edgerun; and, as a diagnostic, without its bias correction (the LiteRT Quantizer has none).
    report_file = work / "edgerun_report.json"
    report = None
    help_text = run([edgerun, "convert", "--help"]).stdout
    if "--quantize" in help_text:
        variants = [("edgerun", "edgerun_int8.tflite", [])]
        if "--no-bias-correction" in help_text:
            variants.append(("edgerun_no_bias_correction", "edgerun_int8_no_bias_correction.tflite",
                             ["--no-bias-correction"]))
        for label, file_name, extra in variants:
            out = work / file_name
            cmd = [edgerun, "convert", float_model, "--quantize", "int8", "--calibration", dataset,
                   "--calib-count", str(args.calib_count), "--io", args.io, "--range", args.range, *extra,
                   *(["--report", report_file] if label == "edgerun" else []), "--json", "-o", out]
            print(f"edgerun: convert --quantize int8 --calib-count {args.calib_count} --io {args.io} "
                  f"--range {args.range} {' '.join(extra)}...", flush=True)
            t0 = time.time()
            summary = run_json(cmd)
            results[label] = {"command": " ".join(["edgerun", *map(rel, cmd[1:])]), "summary": summary,
                              "seconds": round(time.time() - t0, 1)}
            models[label] = out
        report = json.loads(report_file.read_text()) if report_file.exists() else None
    else:
        results["edgerun"] = {"skipped": "this edgerun's convert has no --quantize"}
        print(f"note: {edgerun} convert has no --quantize: edgerun's int8 model is left out", flush=True)

    # 5. Accuracy (edgerun eval) and 6. edgerun vs LiteRT on each file's own input tensors.
    rows = []
    expected = [c - (1 if num_classes == 1000 else 0) for _, c in labels]
    for label, path in models.items():
        ev = edgerun_eval(edgerun, path, dataset, float_model, norm)
        if label != "float":
            er_scores[label] = edgerun_classify(edgerun, path, images, work / "inputs" / label, num_classes, norm)
            inputs[label] = [np.load(work / "inputs" / label / f"{i}.npy") for i in range(len(images))]
        lsb = output_lsb(path)
        vs = {}
        for resolver, ref in (("reference", True), ("default", False)):
            lt = litert_scores(path, inputs[label], ref)
            vs[resolver] = runtime_agreement(er_scores[label], lt, lsb)
            vs[resolver]["litert_top1"] = 100.0 * sum(int(np.argmax(s) == e) for s, e in zip(lt, expected)) / len(lt)
            vs[resolver]["litert_top5"] = 100.0 * sum(int(e in np.argsort(-s)[:5]) for s, e in zip(lt, expected)) / \
                len(lt)
        in_dtype = np.dtype(interpreter(path).get_input_details()[0]["dtype"]).name
        rows.append({"model": label, "file": rel(path), "bytes": path.stat().st_size, "input_dtype": in_dtype,
                     "top1": ev["model"]["top1"], "top5": ev["model"]["top5"],
                     "top1_agreement_with_float": ev["comparison"]["top1_agreement"],
                     "sqnr_vs_float_db": ev["comparison"]["sqnr_db"],
                     "mean_sqnr_vs_float_db": ev["comparison"]["mean_sqnr_db"], "edgerun_vs_litert": vs})
    results["models"] = rows

    print(f"\nAccuracy on {dataset.name} ({len(images)} images; edgerun eval, reference: the float model)\n")
    hdr = f"{'model':26} {'size':>10} {'input':>7} {'top-1':>6} {'top-5':>6} {'agree':>6} {'SQNR dB':>8}"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        sq = r["sqnr_vs_float_db"]
        print(f"{r['model']:26} {mib(r['bytes']):>10} {r['input_dtype']:>7} {r['top1']:5.1f}% {r['top5']:5.1f}% "
              f"{r['top1_agreement_with_float']:5.1f}% {db(sq if isinstance(sq, str) else float(sq)):>8}")
    print("\n(agree: top-1 agreement with the float model; SQNR: of the output scores against the float model's)")

    print(f"\nedgerun vs LiteRT on the same file and the same input tensors ({len(images)} images): LiteRT's "
          f"top-1, images whose top-1 differs from edgerun's, images with identical scores, largest difference")
    hdr = f"{'model':26} {'LiteRT reference kernels':>44}   {'LiteRT default (XNNPACK)':>44}"
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        cells = []
        for resolver in ("reference", "default"):
            a = r["edgerun_vs_litert"][resolver]
            diff = f"{a['max_diff_lsb']:g} LSB" if "max_diff_lsb" in a else f"{a['max_abs_diff']:.2g}"
            cells.append(f"{a['litert_top1']:5.1f}%, differs {a['top1_differs']:2}, identical {a['identical']:3}, "
                         f"max {diff:>7}")
        print(f"{r['model']:26} {cells[0]:>44}   {cells[1]:>44}")

    # 7. Per layer.
    quantized = {k: models[k] for k in args.layer_models.split(",") if k in models}
    first = min(args.calib_count, len(images) - 1)
    picks = list(range(first, min(len(images), first + args.layer_images)))
    layer_inputs = {label: [inputs[label][i] for i in picks] for label in models}
    layers = layer_comparison(float_model, quantized, layer_inputs)
    report_by_tensor = {}
    if report:
        for lr in report.get("layers", []):
            report_by_tensor[lr["tensor"]] = lr
    for row in layers:
        lr = report_by_tensor.get(row["tensor"])
        row["edgerun_report_sqnr_db"] = lr["sqnr_db"] if lr else None
    results["layers"] = {"images": [labels[i][0] for i in picks], "rows": layers,
                         "edgerun_report": report}
    print_layers(layers, quantized, args.top_layers, len(picks), report is not None and "edgerun" in quantized)

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(jsonable(results), indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


def print_layers(layers: list[dict], quantized: dict, top: int, n_images: int, have_report: bool) -> None:
    labels = list(quantized)
    short = {"litert_quantizer": "LQ", "edgerun": "edgerun", "litert_quantizer_repaired": "LQ-rep",
             "edgerun_no_bias_correction": "er-noBC"}
    # The tensor column: the name before any ';', less the prefix all share ("MobilenetV2/"), cut to fit.
    names = [short_name(r["tensor"]) for r in layers]
    prefix = os.path.commonprefix(names)
    prefix = prefix[: prefix.rfind("/") + 1]

    print(f"\nPer layer (LiteRT reference kernels, all tensors kept; {n_images} eval images after the calibration "
          f"ones): activation SQNR vs float in dB, scale / zero point chosen, weight SQNR")
    if prefix:
        print(f"(tensor names without their common prefix '{prefix}')")

    def qp(c):
        if c is None or c["scale"] is None:
            return "-"
        return f"{c['scale']:.4g}/{c['zero_point']}"

    def cols(row):
        out = []
        for label in labels:
            c = row.get(label)
            w = c.get("weight_sqnr_db") if c else None
            out += [db(c["sqnr_db"]) if c else "-", qp(c), db(w) if w is not None else ""]
        return out

    head = ["#", "op", "tensor"]
    for label in labels:
        s = short.get(label, label)
        head += [f"{s} dB", f"{s} scale/zp", f"{s} w dB"]
    if have_report:
        head.append("report dB")
    widths = [3, 17, 44] + [10, 16, 7] * len(labels) + ([9] if have_report else [])

    def line(cells):
        return " ".join(f"{c:<{w}}" if i in (1, 2) else f"{c:>{w}}" for i, (c, w) in enumerate(zip(cells, widths)))

    def tensor_cell(name):
        name = short_name(name)[len(prefix):]
        return name if len(name) <= 44 else "..." + name[-41:]

    def show(rows):
        print(line(head))
        for row in rows:
            cells = [str(row["position"]), row["op"], tensor_cell(row["tensor"])] + cols(row)
            if have_report:
                cells.append(db(row["edgerun_report_sqnr_db"]))
            print(line(cells))

    both = [r for r in layers if all(r.get(label) for label in labels)]
    if len(labels) == 2 and both:
        def gap(r):
            a, b = (r[label]["sqnr_db"] for label in labels)
            return abs(a - b) if math.isfinite(a) and math.isfinite(b) else 0.0
        worst = sorted(both, key=gap, reverse=True)[:top]
        a, b = (short.get(k, k) for k in labels)
        print(f"\nThe {len(worst)} layers where the two differ most (|{a} dB - {b} dB|), in graph order:")
        show(sorted(worst, key=lambda r: r["position"]))
        mean = {label: float(np.mean([r[label]["sqnr_db"] for r in both if math.isfinite(r[label]["sqnr_db"])]))
                for label in labels}
        higher = sum(r[labels[1]]["sqnr_db"] > r[labels[0]]["sqnr_db"] for r in both)
        print(f"\n{len(both)} layers matched in both; mean SQNR: " +
              ", ".join(f"{short.get(k, k)} {v:.1f} dB" for k, v in mean.items()) +
              f"; {short.get(labels[1], labels[1])} higher on {higher} of {len(both)}")
        ratios = np.array([r[labels[1]]["scale"] / r[labels[0]]["scale"] for r in both
                           if r[labels[0]]["scale"] and r[labels[1]]["scale"]])
        if ratios.size:
            a, b = (short.get(k, k) for k in labels)
            print(f"activation scales, {b} / {a}: median {np.median(ratios):.3f}, range {ratios.min():.3f} .. "
                  f"{ratios.max():.3f}; {b}'s range wider on {int(np.sum(ratios > 1.0001))}, equal on "
                  f"{int(np.sum(np.abs(ratios - 1) <= 1e-4))}, narrower on {int(np.sum(ratios < 0.9999))} of "
                  f"{ratios.size}")
    else:
        rows = sorted(layers, key=lambda r: (r.get(labels[0]) or {}).get("sqnr_db", math.inf))[:top]
        print(f"\nThe {len(rows)} layers with the lowest SQNR:")
        show(sorted(rows, key=lambda r: r["position"]))
    print("\nLast layers (the output):")
    show(layers[-3:])

    print("\nBiases (int32): channels whose value sits at the int32 limits (a bias its scale cannot hold):")
    for label in labels:
        sat = [(r, r[label]["bias_saturated"]) for r in layers if r.get(label) and r[label].get("bias_saturated")]
        total = sum(n for _, n in sat)
        where = "; ".join(f"#{r['position']} {short_name(r['tensor'])}: {n}" for r, n in sat)
        errs = [r[label]["bias_max_abs_err"] for r in layers if r.get(label) and "bias_max_abs_err" in r[label]]
        print(f"  {short.get(label, label):8} {total} channel(s){' (' + where + ')' if where else ''}; "
              f"largest |bias - float bias| {max(errs) if errs else float('nan'):.3g}")
    if "edgerun" in labels:
        print("  (edgerun's bias correction moves biases on purpose: sum (w_q - w) * mean input)")


if __name__ == "__main__":
    sys.exit(main())
