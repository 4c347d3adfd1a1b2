#!/usr/bin/env python3
"""Check that LiteRT runs the TFLite files `edgerun convert` writes, with edgerun's outputs.

For each model (.tflite or .onnx): `edgerun convert MODEL -o <tmp>/<name>.tflite`,
then, on the same input tensors, compares the written file's outputs from

  * edgerun (`edgerun run`, default kernels),
  * LiteRT with its reference kernels (OpResolverType.BUILTIN_REF, one thread):
    edgerun's quantized kernels are bit-exact with these, so quantized models
    must agree to the byte,
  * LiteRT with its default resolver (XNNPACK / optimized kernels, one
    thread): quantized results may differ from the reference by a step.

and prints, per model and resolver, the largest absolute difference (in
output units: quantized steps for uint8 / int8, values for float32) over
every output element and input, and whether the outputs are identical.

For a .tflite model it also runs the original and the written file in LiteRT
(reference kernels, every tensor kept) and compares every tensor the two
share by name, intermediates included: the written graph must compute the
same values as the original, which holds even where a model's outputs say
little (the float bench MobileNets have random weights, and their softmax is
0.001 everywhere).

--convert-arg passes a flag to `edgerun convert` (repeat it for several):
`--convert-arg=--quantize --convert-arg=fp16` checks that LiteRT runs the fp16
file (FLOAT16 weights, DEQUANTIZE) as edgerun does; the original-vs-written
comparison is then skipped, since the weights differ by design.

Inputs: two seeded uniform random tensors of the model's input dtype and
shape (floats in [-1, 1)), plus, for a [1, H, W, 3] input, a photo (default
<shared>/images/grace_hopper.bmp) resized nearest to H x W, as uint8 / int8
pixels (int8: pixel - 128) or float32 pixel / 127.5 - 1.

Exit status: 1 if a written file fails to load or run in LiteRT (or lacks
its serving_default signature), or, with
--exact, if any model's reference-kernel outputs differ from edgerun's (or a
.tflite model's tensors from the original's); else 0.

Usage (from the repository root, after building build/edgerun):
  python3 tools/check_tflite_roundtrip.py --edgerun build/edgerun \\
      ../shared/models/*quant*.tflite models/bench/*_float.tflite models/onnx/{mobilenet_v2,resnet18}.onnx
  python3 tools/check_tflite_roundtrip.py --edgerun build/edgerun --exact --json report.json MODEL...
  python3 tools/check_tflite_roundtrip.py --edgerun build/edgerun --convert-arg=--quantize --convert-arg=dynamic MODEL...

Requires numpy, pillow and ai-edge-litert (tools/requirements.txt).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parent.parent


def shared_dir() -> Path:
    env = os.environ.get("EDGERUN_SHARED_DIR")
    return Path(env) if env else REPO_ROOT.parent / "shared"


def make_inputs(detail: dict, image: Path | None, seed: int) -> list[tuple[str, np.ndarray]]:
    shape, dtype = [int(d) for d in detail["shape"]], np.dtype(detail["dtype"])
    rng = np.random.default_rng(seed)
    inputs = []
    for k in range(2):
        if dtype == np.float32:
            x = rng.uniform(-1.0, 1.0, shape).astype(np.float32)
        else:
            info = np.iinfo(dtype)
            x = rng.integers(info.min, info.max, shape, endpoint=True, dtype=dtype)
        inputs.append((f"random{k}", x))
    if image is not None and len(shape) == 4 and shape[0] == 1 and shape[3] == 3:
        pixels = np.asarray(Image.open(image).convert("RGB").resize((shape[2], shape[1]), Image.NEAREST))
        if dtype == np.uint8:
            x = pixels.astype(np.uint8)
        elif dtype == np.int8:
            x = (pixels.astype(np.int16) - 128).astype(np.int8)
        else:
            x = (pixels.astype(np.float32) / 127.5 - 1.0).astype(np.float32)
        inputs.append((image.name, x[np.newaxis]))
    return inputs


def run_edgerun(edgerun: str, model: Path, x: np.ndarray, work: Path) -> list[np.ndarray]:
    np.save(work / "x.npy", x)
    out = work / "out"
    subprocess.run([edgerun, "run", str(model), "--input", str(work / "x.npy"), "--output", str(out), "--json"],
                   check=True, capture_output=True, text=True)
    outputs, i = [], 0
    while (out / f"output_{i}.npy").exists():
        outputs.append(np.load(out / f"output_{i}.npy"))
        (out / f"output_{i}.npy").unlink()
        i += 1
    return outputs


def run_litert(interpreter, x: np.ndarray) -> list[np.ndarray]:
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
    interpreter.invoke()
    return [interpreter.get_tensor(d["index"]).copy() for d in interpreter.get_output_details()]


def max_abs_diff(a: list[np.ndarray], b: list[np.ndarray]) -> float:
    if len(a) != len(b):
        return float("inf")
    worst = 0.0
    for x, y in zip(a, b):
        if x.shape != y.shape:
            return float("inf")
        worst = max(worst, float(np.max(np.abs(x.astype(np.float64) - y.astype(np.float64)))) if x.size else 0.0)
    return worst


def check_model(args, model: Path, work: Path) -> dict:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    written = work / (model.stem + ".tflite")
    conv = subprocess.run([args.edgerun, "convert", str(model), "-o", str(written), "--json", *args.convert_arg],
                          capture_output=True, text=True)
    result = {"model": str(model), "written": str(written)}
    if conv.returncode != 0:
        result["error"] = "edgerun convert failed: " + conv.stderr.strip()
        return result
    summary = json.loads(conv.stdout)
    result["ops"] = sum(op["count"] for op in summary["ops"])
    result["output_bytes"] = summary["output_bytes"]
    resolvers = {"reference": OpResolverType.BUILTIN_REF, "default": OpResolverType.AUTO}
    interpreters = {}
    for name, kind in resolvers.items():
        try:
            it = Interpreter(model_path=str(written), experimental_op_resolver_type=kind, num_threads=1)
            it.allocate_tensors()
            interpreters[name] = it
        except Exception as e:  # noqa: BLE001  (LiteRT raises RuntimeError / ValueError)
            result["error"] = f"LiteRT ({name} kernels) cannot load {written}: {e}"
            return result
    signatures = interpreters["reference"].get_signature_list()
    if "serving_default" not in signatures:
        result["error"] = f"no serving_default signature in {written} (found {sorted(signatures)})"
        return result
    details = interpreters["reference"].get_input_details()
    if len(details) != 1:
        result["error"] = f"{len(details)} inputs; this check feeds models with one input"
        return result
    result["input"] = f"{np.dtype(details[0]['dtype']).name} {list(details[0]['shape'])}"
    stats = {name: {"max_abs_diff": 0.0, "identical": True} for name in resolvers}
    for label, x in make_inputs(details[0], args.image, args.seed):
        want = run_edgerun(args.edgerun, written, x, work)
        for name, it in interpreters.items():
            try:
                got = run_litert(it, x)
            except Exception as e:  # noqa: BLE001
                result["error"] = f"LiteRT ({name} kernels) failed to run {written} on {label}: {e}"
                return result
            d = max_abs_diff(want, got)
            stats[name]["max_abs_diff"] = max(stats[name]["max_abs_diff"], d)
            stats[name]["identical"] &= d == 0.0 and all(np.array_equal(a, b) for a, b in zip(want, got))
    result.update(stats)
    result["output_dtype"] = np.dtype(interpreters["reference"].get_output_details()[0]["dtype"]).name
    if model.suffix == ".tflite" and not args.convert_arg:
        result["tensors"] = compare_all_tensors(model, written, make_inputs(details[0], args.image, args.seed))
    return result


def compare_all_tensors(original: Path, written: Path, inputs: list[tuple[str, np.ndarray]]) -> dict:
    """LiteRT (reference kernels) on both files: every tensor of the same name, on every input."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    its = []
    for path in (original, written):
        it = Interpreter(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF,
                         experimental_preserve_all_tensors=True, num_threads=1)
        it.allocate_tensors()
        its.append(it)
    names = [{d["name"]: d["index"] for d in it.get_tensor_details()} for it in its]
    shared = sorted(set(names[0]) & set(names[1]))
    worst, identical = 0.0, True
    for _, x in inputs:
        for it in its:
            run_litert(it, x)
        for name in shared:
            a, b = (it.get_tensor(n[name]) for it, n in zip(its, names))
            d = max_abs_diff([a], [b])
            worst = max(worst, d)
            identical &= d == 0.0 and np.array_equal(a, b)
    return {"compared": len(shared), "of": len(names[0]), "max_abs_diff": worst, "identical": identical}


def verdict(s: dict) -> str:
    return "identical" if s["identical"] else f"max |diff| {s['max_abs_diff']:.3g}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="+", type=Path, help=".tflite or .onnx files")
    p.add_argument("--edgerun", default=str(REPO_ROOT / "build" / "edgerun"), help="the edgerun binary")
    p.add_argument("--image", type=Path, default=shared_dir() / "images" / "grace_hopper.bmp",
                   help="photo fed to [1,H,W,3] inputs (default: <shared>/images/grace_hopper.bmp)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    p.add_argument("--exact", action="store_true", help="exit 1 unless every reference-kernel output is identical")
    p.add_argument("--json", type=Path, help="also write the results here")
    p.add_argument("--keep", type=Path, help="write the converted files into this folder (default: a temp folder)")
    p.add_argument("--convert-arg", action="append", default=[],
                   help="a flag for `edgerun convert` (repeatable), e.g. --convert-arg=--quantize --convert-arg=fp16")
    args = p.parse_args()
    if args.image is not None and not args.image.exists():
        print(f"note: {args.image} not found; random inputs only", file=sys.stderr)
        args.image = None

    results, failed = [], False
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(f"{'model':54} {'ops':>4} {'output':>8}  {'LiteRT reference':>20}  {'LiteRT default':>20}  "
              f"{'original vs written (LiteRT)':>30}")
        for model in args.models:
            r = check_model(args, model, work)
            results.append(r)
            if "error" in r:
                failed = True
                print(f"{model.name:54} ERROR {r['error']}")
                continue
            cells = [verdict(r[name]) for name in ("reference", "default")]
            t = r.get("tensors")
            tensors = f"{verdict(t)}, {t['compared']}/{t['of']} tensors" if t else "-"
            print(f"{model.name:54} {r['ops']:>4} {r['output_dtype']:>8}  {cells[0]:>20}  {cells[1]:>20}  "
                  f"{tensors:>30}")
            if args.exact and not (r["reference"]["identical"] and (t is None or t["identical"])):
                failed = True
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
