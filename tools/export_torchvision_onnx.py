#!/usr/bin/env python3
"""Export torchvision models to ONNX with seeded random weights, and record ONNX Runtime reference logits.

For each model (mobilenet_v2, mobilenet_v3_small, resnet18, efficientnet_b0 by
default) this script:

  1. builds torchvision.models.<name>(weights=None) after torch.manual_seed(0),
     puts it in eval mode, then, from a second seeded generator, draws every
     BatchNorm's weight ~ U(0.5, 1.5) and bias ~ N(0, 0.1) and every
     Conv/Linear bias ~ N(0, 0.1), and calibrates the BatchNorm running_mean /
     running_var on the test input plus 3 seeded U(-1, 1) inputs (without
     this, batch norm is the identity and three of the four models give the
     same logits for any input);
  2. exports it with the TorchScript-based torch.onnx.export (dynamo=False),
     input "input" float32 [1,3,224,224], output "logits", static shapes,
     do_constant_folding=True (batch norm folds into the convolutions), to
     <out-dir>/<name>.onnx (default models/onnx/, git-ignored), then runs
     onnx.checker.check_model on it;
  3. runs ONNX Runtime (CPUExecutionProvider, one thread) twice, with graph
     optimizations ORT_DISABLE_ALL and ORT_ENABLE_ALL, on the deterministic input
     below, prints the max abs difference between the two runs (and against
     PyTorch) and how much the logits change for an all-zero input (an error
     if they hardly do: a degenerate model), and writes the ORT_DISABLE_ALL
     logits as little-endian float32 .npy, shape [1,1000], to
     <golden-dir>/<name>.logits.npy (default tests/goldens/onnx/);
  4. prints the model's op inventory: opset imports, node op_types with counts,
     distinct Conv configurations, how Clip gets its bounds, leftover
     BatchNormalization nodes, input shapes of Add/Mul (broadcasting),
     attributes of the other ops, external data, file size.

The input needs no file; C++ rebuilds it as
    x[i] = float32(((i * 7919) % 1000) / 500.0 - 1.0),  i in [0, 150528)
over the NCHW tensor [1,3,224,224] in flat (row-major) order, the arithmetic in
double and rounded once to float.

Run from the repository root (any folder works, paths default to the repo's):

    .venv/bin/python tools/export_torchvision_onnx.py
    .venv/bin/python tools/export_torchvision_onnx.py --models resnet18 --opset 17

Needs tools/requirements-onnx.txt (torch, torchvision) on top of the onnx and
onnxruntime of tools/requirements-bench.txt. Exits 1 if any model failed.
"""

from __future__ import annotations

import argparse
import collections
import inspect
import sys
import time
import warnings
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODELS = ["mobilenet_v2", "mobilenet_v3_small", "resnet18", "efficientnet_b0"]
INPUT_SHAPE = (1, 3, 224, 224)
INPUT_NAME = "input"
OUTPUT_NAME = "logits"
TORCH_SEED = 0   # torch.manual_seed before the model is constructed
BN_SEED = 1      # generator for the BatchNorm / bias re-initialization and calibration inputs
CALIB_NOISE = 3  # U(-1, 1) inputs that, with the test input, calibrate the BatchNorm statistics
# A model whose logits barely move between the test input and an all-zero input
# is degenerate (its parity test would not see most of the graph): an error.
MIN_SENSITIVITY = 1e-3


def _rel(path: Path) -> Path:
    p = path.resolve()
    return p.relative_to(REPO_ROOT) if p.is_relative_to(REPO_ROOT) else path


def make_input() -> np.ndarray:
    """x[i] = float32(((i * 7919) % 1000) / 500.0 - 1.0), NCHW [1,3,224,224]."""
    n = int(np.prod(INPUT_SHAPE))
    i = np.arange(n, dtype=np.int64)
    x = ((i * 7919) % 1000).astype(np.float64) / 500.0 - 1.0
    return x.astype(np.float32).reshape(INPUT_SHAPE)


def build_model(name: str):
    """The model in eval mode, with seeded random weights whose output depends on the input.

    torchvision's own init (torch.manual_seed(TORCH_SEED) first) leaves every
    BatchNorm the identity and, for the MobileNets and EfficientNet, lets the
    input's contribution fade out with depth: the logits come out the same, to
    ~1e-8, for any input. Hence, from one generator seeded with BN_SEED, in
    module order: BatchNorm weight ~ U(0.5, 1.5) and bias ~ N(0, 0.1); every
    Conv/Linear bias (zero after torchvision's init) ~ N(0, 0.1); then BatchNorm
    running_mean/running_var are calibrated, i.e. set to the per-channel mean and
    (unbiased) variance that each BatchNorm sees on a batch of the test input
    plus CALIB_NOISE inputs ~ U(-1, 1) (batch statistics, as in training mode,
    one pass). Every BatchNorm thus normalizes real, non-trivial statistics and
    folds into its Conv as a genuine scale and shift. The test input is in the
    batch because its regular pattern excites some channels far more than noise
    does: calibrated on noise alone, EfficientNet-B0's logits on it reach +-40.
    """
    import torch
    import torchvision
    from torch.nn.modules.batchnorm import _BatchNorm

    torch.manual_seed(TORCH_SEED)
    model = getattr(torchvision.models, name)(weights=None)
    model.eval()
    gen = torch.Generator().manual_seed(BN_SEED)
    bns = [m for m in model.modules() if isinstance(m, _BatchNorm)]
    with torch.no_grad():
        for m in bns:
            if m.affine:
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
        for m in model.modules():
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)) and m.bias is not None:
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
        noise = torch.rand((CALIB_NOISE, *INPUT_SHAPE[1:]), generator=gen) * 2.0 - 1.0
        calib = torch.cat([torch.from_numpy(make_input()), noise])
        momenta = [m.momentum for m in bns]
        for m in bns:  # only the BatchNorms in training mode: dropout etc. stay off
            m.reset_running_stats()
            m.momentum = None  # cumulative average: after one batch, the batch's statistics
            m.train()
        model(calib)
        for m, mom in zip(bns, momenta):
            m.momentum = mom
        model.eval()
    return model, len(bns)


def export(model, path: Path, opset: int) -> None:
    import torch

    kwargs = dict(input_names=[INPUT_NAME], output_names=[OUTPUT_NAME], opset_version=opset,
                  do_constant_folding=True, export_params=True)
    params = inspect.signature(torch.onnx.export).parameters
    if "dynamo" in params:
        kwargs["dynamo"] = False  # the classic TorchScript-based exporter
    dummy = torch.zeros(INPUT_SHAPE, dtype=torch.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notice
        torch.onnx.export(model, (dummy,), str(path), **kwargs)


def run_ort(path: Path, x: np.ndarray, level) -> np.ndarray:
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.graph_optimization_level = level
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])
    (out,) = sess.run([OUTPUT_NAME], {INPUT_NAME: x})
    return out


def _attr_str(a) -> str:
    import onnx

    v = onnx.helper.get_attribute_value(a)
    if isinstance(v, bytes):
        v = v.decode()
    elif isinstance(v, list):
        v = [x.decode() if isinstance(x, bytes) else x for x in v]
    elif isinstance(v, onnx.TensorProto):
        arr = onnx.numpy_helper.to_array(v)
        v = f"tensor{list(arr.shape)}" + (f"={arr.item()}" if arr.size == 1 else "")
    if isinstance(v, float):
        v = float(f"{v:.6g}")
    return f"{a.name}={v}"


def inventory(path: Path) -> list[str]:
    import onnx

    model = onnx.load(str(path))
    g = model.graph
    lines = []
    lines.append("opset imports: " + ", ".join(
        f"{o.domain or 'ai.onnx'}:{o.version}" for o in model.opset_import))
    lines.append(f"ir_version: {model.ir_version}; producer: {model.producer_name} {model.producer_version}")
    lines.append("inputs: " + ", ".join(
        f"{i.name} {[d.dim_value or d.dim_param for d in i.type.tensor_type.shape.dim]}" for i in g.input))
    lines.append("outputs: " + ", ".join(
        f"{o.name} {[d.dim_value or d.dim_param for d in o.type.tensor_type.shape.dim]}" for o in g.output))

    counts = collections.Counter(n.op_type for n in g.node)
    lines.append(f"nodes: {len(g.node)}; initializers: {len(g.initializer)}")
    lines.append("op types: " + ", ".join(f"{op} x{c}" for op, c in sorted(counts.items())))

    inits = {t.name: t for t in g.initializer}
    const_out = {}
    for n in g.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    const_out[n.output[0]] = onnx.numpy_helper.to_array(a.t)

    def const_value(name: str) -> str:
        if name in inits:
            arr = onnx.numpy_helper.to_array(inits[name])
            src = "initializer"
        elif name in const_out:
            arr, src = const_out[name], "Constant node"
        else:
            return "computed at run time"
        val = arr.item() if arr.size == 1 else f"shape {list(arr.shape)}"
        return f"{src} {val}"

    # Conv: distinct (group>1?, kernel_shape, strides, pads, dilations) combos.
    conv_combos = collections.Counter()
    for n in g.node:
        if n.op_type != "Conv":
            continue
        at = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        w = inits.get(n.input[1])
        group = at.get("group", 1)
        # depthwise when every group has one input channel (weight dim 1 == 1)
        dw = w is not None and group > 1 and w.dims[1] == 1
        has_bias = len(n.input) > 2 and n.input[2] != ""
        key = (group > 1, "depthwise" if dw else ("grouped" if group > 1 else "dense"),
               tuple(at.get("kernel_shape", [])), tuple(at.get("strides", [1, 1])),
               tuple(at.get("pads", [0, 0, 0, 0])), tuple(at.get("dilations", [1, 1])),
               at.get("auto_pad", b"NOTSET").decode() if isinstance(at.get("auto_pad", b""), bytes)
               else at.get("auto_pad"), has_bias)
        conv_combos[key] += 1
    if conv_combos:
        lines.append("Conv combos (group>1, kind, kernel_shape, strides, pads, dilations, auto_pad, bias):"
                     " count")
        for key, c in sorted(conv_combos.items(), key=lambda kv: (kv[0][0], kv[0][2], kv[0][3], kv[0][4])):
            g1, kind, k, s, p, d, ap, b = key
            lines.append(f"  group>1={g1!s:5} {kind:9} k={list(k)} s={list(s)} p={list(p)} d={list(d)}"
                         f" auto_pad={ap} bias={b}: {c}")

    # Clip: bounds as inputs (opset >= 11) or attributes (opset < 11).
    clip_kinds = collections.Counter()
    for n in g.node:
        if n.op_type != "Clip":
            continue
        attrs = [_attr_str(a) for a in n.attribute]
        ins = []
        for idx, label in ((1, "min"), (2, "max")):
            if len(n.input) > idx and n.input[idx]:
                ins.append(f"{label}=input({const_value(n.input[idx])})")
            else:
                ins.append(f"{label}=absent-input")
        clip_kinds["; ".join(ins + [f"attr {s}" for s in attrs])] += 1
    for desc, c in sorted(clip_kinds.items()):
        lines.append(f"Clip: {desc}: {c}")

    lines.append(f"BatchNormalization remaining: {counts.get('BatchNormalization', 0)}")

    # Input shapes of the element-wise binary ops (broadcasting patterns).
    shapes = {}
    inferred = onnx.shape_inference.infer_shapes(model).graph
    for vi in list(inferred.value_info) + list(inferred.input) + list(inferred.output):
        shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?")
                           for d in vi.type.tensor_type.shape.dim]
    for t in g.initializer:
        shapes[t.name] = list(t.dims)
    for name, arr in const_out.items():
        shapes[name] = list(arr.shape)
    for op in ("Add", "Sub", "Mul", "Div"):
        pats = collections.Counter(
            " , ".join(str(shapes.get(i, "?")) for i in n.input) for n in g.node if n.op_type == op)
        if pats:
            lines.append(f"{op} input shapes: " + "; ".join(f"{k} x{c}" for k, c in sorted(pats.items())))

    # Attributes (and constant side inputs) of every other op type.
    skip = {"Conv", "Clip", "Constant"}
    other = collections.defaultdict(collections.Counter)
    for n in g.node:
        if n.op_type in skip:
            continue
        parts = [_attr_str(a) for a in n.attribute]
        for idx, name in enumerate(n.input):
            if idx == 0 or not name:
                continue
            cv = const_value(name)
            if cv != "computed at run time":
                if n.op_type in ("Gemm", "MatMul") and cv.startswith("initializer shape"):
                    parts.append(f"in{idx}={cv.split(' ', 1)[1]}")
                else:
                    parts.append(f"in{idx}={cv}")
        other[n.op_type]["{" + ", ".join(parts) + "}"] += 1
    for op in sorted(other):
        lines.append(f"{op} attrs: " + "; ".join(f"{k} x{c}" for k, c in sorted(other[op].items())))
    if "Constant" in counts:
        shapes = collections.Counter(
            str(list(v.shape)) + f" {v.dtype}" for v in const_out.values())
        lines.append("Constant outputs: " + "; ".join(f"{k} x{c}" for k, c in sorted(shapes.items())))

    ext = [t.name for t in g.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    lines.append(f"external data: {'yes: ' + str(len(ext)) + ' initializers' if ext else 'no'}")
    n_params = sum(int(np.prod(t.dims)) for t in g.initializer)
    lines.append(f"initializer elements: {n_params}; file size: {path.stat().st_size} bytes"
                 f" ({path.stat().st_size / 2**20:.2f} MiB)")
    return lines


def write_readme(golden_dir: Path, names: list[str], opset: int) -> None:
    import onnxruntime as ort
    import torch
    import torchvision

    rows = "\n".join(f"| `{n}.logits.npy` | `models/onnx/{n}.onnx` | torchvision.models.{n} |" for n in names)
    text = f"""# ONNX importer reference logits

Reference outputs for the parity test of the ONNX importer. Each
`<name>.logits.npy` holds the output `logits` (float32, little-endian, shape
[1, 1000], NumPy .npy format) of `models/onnx/<name>.onnx` as computed by ONNX
Runtime {ort.__version__} (CPUExecutionProvider, graph optimizations ORT_DISABLE_ALL,
one thread) on the input below.

| file | ONNX model | architecture |
| --- | --- | --- |
{rows}

The models are torchvision {torchvision.__version__.split('+')[0]} architectures with random weights, not
trained ones: `torch.manual_seed({TORCH_SEED})` before
`torchvision.models.<name>(weights=None)`; then, from
`torch.Generator().manual_seed({BN_SEED})` in module order, every BatchNorm's
weight ~ U(0.5, 1.5) and bias ~ N(0, 0.1), every Conv/Linear bias ~ N(0, 0.1),
and the BatchNorm running mean/variance calibrated (batch statistics) on the
input below plus {CALIB_NOISE} inputs ~ U(-1, 1). Without that, the MobileNets' and
EfficientNet's logits would not depend on the input. The weights, hence these
files, are reproducible with the versions pinned in tools/requirements-onnx.txt
(and tools/requirements-bench.txt for onnx and onnxruntime); other versions
may draw other weights.

They were exported by torch {torch.__version__.split('+')[0]}'s TorchScript-based `torch.onnx.export`
(dynamo=False), opset {opset}, do_constant_folding=True (batch norm folded into
Conv), static shapes, input `input` float32 [1, 3, 224, 224]. The .onnx files
themselves live in the git-ignored `models/onnx/` and are regenerated with the
command below.

## Input

No input file: the input is NCHW [1, 3, 224, 224] float32, element at flat
(row-major) index i in [0, 150528):

    x[i] = float32(((i * 7919) % 1000) / 500.0 - 1.0)

In C++: `static_cast<float>(static_cast<double>((i * 7919) % 1000) / 500.0 - 1.0)`
(i * 7919 < 2^31, so 32-bit ints suffice).

## Regenerating

From the repository root, with tools/requirements-onnx.txt installed in .venv:

    .venv/bin/python tools/export_torchvision_onnx.py

(`--models a,b` for a subset, `--opset N` for another opset; `--help` for the
rest). This rewrites `models/onnx/*.onnx` and the `.npy` files here.
"""
    (golden_dir / "README.md").write_text(text)


def main() -> int:
    ap = argparse.ArgumentParser(
        prog="export_torchvision_onnx.py",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS),
                    help="comma-separated torchvision model names (default: %(default)s)")
    ap.add_argument("--opset", type=int, default=17, help="ONNX opset version (default: %(default)s)")
    ap.add_argument("--out-dir", type=Path, default=REPO_ROOT / "models" / "onnx",
                    help="where the .onnx files go (default: <repo>/models/onnx)")
    ap.add_argument("--golden-dir", type=Path, default=REPO_ROOT / "tests" / "goldens" / "onnx",
                    help="where the .logits.npy files and README.md go (default: <repo>/tests/goldens/onnx)")
    ap.add_argument("--no-readme", action="store_true",
                    help="do not (re)write README.md in --golden-dir")
    args = ap.parse_args()

    names = [m.strip() for m in args.models.split(",") if m.strip()]
    if not names:
        ap.error("--models is empty")

    t_all = time.perf_counter()
    import onnx
    import onnxruntime as ort
    import torch
    import torchvision

    print(f"torch {torch.__version__}, torchvision {torchvision.__version__}, onnx {onnx.__version__}, "
          f"onnxruntime {ort.__version__}, numpy {np.__version__}, opset {args.opset}")
    args.out_dir.mkdir(parents=True, exist_ok=True)
    args.golden_dir.mkdir(parents=True, exist_ok=True)
    x = make_input()
    print(f"input: {list(x.shape)} float32, min {x.min():.6g} max {x.max():.6g} mean {x.mean():.6g}, "
          f"x[0..4] = {x.reshape(-1)[:5].tolist()}")

    failed = []
    for name in names:
        t0 = time.perf_counter()
        print(f"\n=== {name} ===")
        try:
            if not hasattr(torchvision.models, name):
                raise ValueError(f"torchvision.models has no {name!r}")
            model, n_bn = build_model(name)
            with torch.no_grad():
                ref = model(torch.from_numpy(x)).numpy()
            onnx_path = args.out_dir / f"{name}.onnx"
            export(model, onnx_path, args.opset)
            onnx.checker.check_model(onnx.load(str(onnx_path)), full_check=True)
            print(f"wrote {_rel(onnx_path)}"
                  f" (BatchNorm modules re-initialized: {n_bn}; onnx.checker: ok)")

            y0 = run_ort(onnx_path, x, ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
            y1 = run_ort(onnx_path, x, ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
            d_opt = float(np.max(np.abs(y0 - y1)))
            d_torch = float(np.max(np.abs(y0 - ref)))
            yz = run_ort(onnx_path, np.zeros_like(x), ort.GraphOptimizationLevel.ORT_DISABLE_ALL)
            d_zero = float(np.max(np.abs(y0 - yz)))
            sensitivity = d_zero / max(float(y0.std()), 1e-30)
            print(f"logits {list(y0.shape)} {y0.dtype}: min {y0.min():.6g} max {y0.max():.6g} "
                  f"mean {y0.mean():.6g} std {y0.std():.6g} argmax {int(y0.argmax())}")
            print(f"max abs diff: ORT_ENABLE_ALL vs ORT_DISABLE_ALL {d_opt:.3g}; "
                  f"PyTorch vs ORT_DISABLE_ALL {d_torch:.3g}; "
                  f"test input vs all-zero input {d_zero:.3g} ({sensitivity:.3g} x logits std)")
            degenerate = not sensitivity >= MIN_SENSITIVITY
            if degenerate:
                print(f"DEGENERATE: the logits hardly depend on the input; {name}.logits.npy not written")
            else:
                npy = args.golden_dir / f"{name}.logits.npy"
                np.save(npy, np.ascontiguousarray(y0, dtype="<f4"))
                print(f"wrote {_rel(npy)}")
            for line in inventory(onnx_path):
                print(line)
            if degenerate:
                raise RuntimeError("degenerate model (see above)")
        except Exception as e:  # report and go on with the next model
            failed.append(name)
            print(f"FAILED: {type(e).__name__}: {e}")
        print(f"time: {time.perf_counter() - t0:.1f} s")

    ok = [n for n in names if n not in failed]
    if ok and not args.no_readme:
        # Describe every .npy in the folder, including ones from earlier runs of other subsets.
        all_names = [n for n in DEFAULT_MODELS if (args.golden_dir / f"{n}.logits.npy").exists()]
        all_names += [n for n in ok if n not in all_names]
        write_readme(args.golden_dir, all_names, args.opset)
    print(f"\ntotal wall time: {time.perf_counter() - t_all:.1f} s; "
          f"ok: {', '.join(ok) or 'none'}; failed: {', '.join(failed) or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
