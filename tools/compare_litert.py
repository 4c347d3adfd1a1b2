#!/usr/bin/env python3
"""Compare edgerun with LiteRT on a labelled image folder, on identical input tensors.

For each model, runs `edgerun classify --json --top-k K --resize R --dump-inputs DIR`
once over every image of the dataset, loads each input tensor edgerun dumped
(the exact preprocessed [1,H,W,3] tensor it fed), runs LiteRT (default
resolver, num_threads=1) on that same tensor, and reports per model:

  * edgerun top-1 / top-5 accuracy against labels.tsv (class_index_1001; a
    model with 1000 output classes uses index - 1; other class counts, such as
    the 965-class bird model or an embedding extractor, have no ImageNet
    accuracy and show n/a),
  * LiteRT top-1 / top-5 accuracy on the same tensors,
  * the number of images where edgerun's and LiteRT's top-1 differ (and how
    many of those are ties in LiteRT's output, i.e. equally good answers),
  * edgerun's mean milliseconds per image (the CLI's "ms": decode + resize +
    invoke + top-k) and mean invoke milliseconds.

Accuracies are over every image in labels.tsv: an image edgerun returned no
result for counts as a miss for both columns (there is no tensor to feed
LiteRT) and shows up as "(N failed)" in the images column.

Because both runtimes see the same bytes, preprocessing differences (JPEG
decoder, resize) cannot cause a top-1 difference; only the kernels can.

--litert-only skips edgerun: the script decodes with Pillow and resizes itself
(nearest: the integer contract of src/vision/resize.h; bilinear: its
half-pixel float32 formula), then runs LiteRT. Useful to check this script and
to get LiteRT's accuracy without an edgerun build.

Usage:
  python3 tools/compare_litert.py --edgerun build/edgerun \\
      --models mobilenet_v2_1.0_224_quant.tflite tf2_mobilenet_v2_1.0_224_ptq.tflite \\
      [--dataset ../shared/eval/imagenet-100] [--resize bilinear|nearest] [--json out.json]
  python3 tools/compare_litert.py --litert-only --models ... [--resize nearest]

A --models entry that is not an existing path is looked up in <shared>/models
(<shared> = $EDGERUN_SHARED_DIR, else <repo>/../shared); so is the default
--dataset (<shared>/eval/imagenet-100).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_goldens import (  # noqa: E402  (shared helpers: one definition of the preprocessing contract)
    REPO_ROOT,
    load_rgb,
    make_interpreter,
    resize_nearest,
    to_model_input,
)


def default_shared() -> Path:
    return Path(os.environ.get("EDGERUN_SHARED_DIR") or REPO_ROOT.parent / "shared")


def resize_bilinear(img: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Half-pixel bilinear in float32, round half up: the kBilinear contract in src/vision/resize.h."""
    in_h, in_w = img.shape[:2]
    if (in_h, in_w) == (out_h, out_w):
        return img.copy()

    def taps(n_in: int, n_out: int):
        scale = np.float32(n_in) / np.float32(n_out)
        s = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
        s = np.maximum(s, np.float32(0))
        i0 = np.floor(s).astype(np.int64)
        f = (s - i0.astype(np.float32)).astype(np.float32)
        last = i0 >= n_in - 1
        i0[last] = n_in - 1
        f[last] = 0
        return i0, np.minimum(i0 + 1, n_in - 1), f

    y0, y1, fy = taps(in_h, out_h)
    x0, x1, fx = taps(in_w, out_w)
    p = img.astype(np.float32)
    fx, fy = fx[None, :, None], fy[:, None, None]
    p00, p01, p10, p11 = p[y0][:, x0], p[y0][:, x1], p[y1][:, x0], p[y1][:, x1]
    top = p00 + fx * (p01 - p00)
    bot = p10 + fx * (p11 - p10)
    v = top + fy * (bot - top)
    return np.clip(np.floor(v + np.float32(0.5)), 0, 255).astype(np.uint8)


def read_labels(dataset: Path) -> list[tuple[str, int]]:
    """(file name, class_index_1001) rows of <dataset>/labels.tsv."""
    tsv = dataset / "labels.tsv"
    if not tsv.is_file():
        sys.exit(f"error: {tsv} not found (expected a labels.tsv with columns file, class_index_1001, class_name)")
    with open(tsv, newline="") as f:
        reader = csv.DictReader(f, delimiter="\t")
        missing_cols = {"file", "class_index_1001"} - set(reader.fieldnames or [])
        if missing_cols:
            sys.exit(f"error: {tsv}: missing column(s) {sorted(missing_cols)}; found {reader.fieldnames}")
        rows = [(r["file"], int(r["class_index_1001"])) for r in reader]
    missing = [name for name, _ in rows if not (dataset / name).is_file()]
    if missing:
        sys.exit(f"error: {len(missing)} image(s) listed in {tsv} are missing, e.g. {dataset / missing[0]}")
    if not rows:
        sys.exit(f"error: {tsv} lists no images")
    return rows


def resolve_model(name: str) -> Path:
    p = Path(name)
    if p.is_file():
        return p.resolve()
    candidate = default_shared() / "models" / name
    if candidate.is_file():
        return candidate.resolve()
    sys.exit(f"error: model not found: {name} (also looked for {candidate})")


def class_offset(num_classes: int) -> int | None:
    """What to subtract from class_index_1001 to get an output index; None: not an ImageNet classifier."""
    return {1001: 0, 1000: 1}.get(num_classes)


def litert_top_k(interp, x: np.ndarray, k: int) -> tuple[list[int], np.ndarray]:
    """Top-k indices (ties broken by lower index, like a stable sort) and the raw scores."""
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    scores = interp.get_tensor(interp.get_output_details()[0]["index"]).reshape(-1)
    order = np.argsort(-scores.astype(np.float64), kind="stable")
    return [int(i) for i in order[:k]], scores


def run_edgerun(edgerun: Path, model: Path, images: list[Path], resize: str, top_k: int, dump_dir: Path) -> dict:
    """One `edgerun classify` process over all images; returns {image path: result dict}."""
    cmd = [str(edgerun), "classify", "--model", str(model), "--json", "--top-k", str(top_k),
           "--resize", resize, "--dump-inputs", str(dump_dir)] + [str(p) for p in images]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.stderr.strip():
        print(f"edgerun stderr for {model.name}:\n{proc.stderr.rstrip()}", file=sys.stderr)
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        sys.exit(f"error: `{' '.join(cmd[:8])} ...` exited with {proc.returncode} and printed no JSON "
                 f"(stdout starts {proc.stdout[:200]!r})")
    if proc.returncode != 0:
        print(f"warning: edgerun exited with {proc.returncode} for {model.name}; "
              f"{len(doc.get('results', []))}/{len(images)} images have results", file=sys.stderr)
    return {str(Path(r["image"])): r for r in doc.get("results", [])}


def compare_model(model: Path, dataset: Path, rows: list[tuple[str, int]], args) -> dict:
    interp = make_interpreter(model, reference=args.resolver == "reference")
    in_detail = interp.get_input_details()[0]
    in_shape = tuple(int(d) for d in in_detail["shape"])
    in_dtype = np.dtype(in_detail["dtype"])
    num_classes = int(np.prod(interp.get_output_details()[0]["shape"][1:]))
    offset = class_offset(num_classes)
    images = [dataset / name for name, _ in rows]

    edgerun_results: dict = {}
    with tempfile.TemporaryDirectory(prefix="edgerun_cmp_") as tmp:
        if not args.litert_only:
            edgerun_results = run_edgerun(args.edgerun, model, images, args.resize, args.top_k, Path(tmp))
        per_image = []
        for (name, cls1001), path in zip(rows, images):
            label = None if offset is None else cls1001 - offset
            entry = {"image": name, "label": label}
            if args.litert_only:
                rgb = load_rgb(path)
                resize = resize_nearest if args.resize == "nearest" else resize_bilinear
                x = to_model_input(resize(rgb, in_shape[1], in_shape[2]), in_detail)
            else:
                r = edgerun_results.get(str(path))
                if r is None:
                    entry["error"] = "edgerun returned no result"
                    per_image.append(entry)
                    continue
                x = np.load(r["input_file"], allow_pickle=False)
                if x.shape != in_shape or x.dtype != in_dtype:
                    sys.exit(f"error: {r['input_file']} is {x.dtype}{list(x.shape)}; LiteRT expects "
                             f"{in_dtype}{list(in_shape)} for {model.name}")
                entry["edgerun_top_k"] = [int(t["index"]) for t in r["top_k"]]
                entry["ms"] = float(r["ms"])
                if "invoke_ms" in r:
                    entry["invoke_ms"] = float(r["invoke_ms"])
            top, scores = litert_top_k(interp, np.ascontiguousarray(x), args.top_k)
            entry["litert_top_k"] = top
            if "edgerun_top_k" in entry and entry["edgerun_top_k"] and entry["edgerun_top_k"][0] != top[0]:
                entry["top1_differs"] = True
                # A tie: edgerun's top-1 scores as high as LiteRT's top-1 in LiteRT's own output.
                entry["top1_tie"] = bool(scores[entry["edgerun_top_k"][0]] == scores[top[0]])
            per_image.append(entry)

    n = len(rows)

    def accuracy(key: str, k: int):
        if offset is None:
            return None
        return sum(1 for e in per_image if e.get(key) and e["label"] in e[key][:k]) / n

    def mean(key: str):
        vals = [e[key] for e in per_image if key in e]
        return sum(vals) / len(vals) if vals else None

    return {
        "model": model.name,
        "images": n,
        "num_classes": num_classes,
        "resize": args.resize,
        "litert_resolver": args.resolver,
        "edgerun_failed": 0 if args.litert_only else sum(1 for e in per_image if "error" in e),
        "edgerun_top1": None if args.litert_only else accuracy("edgerun_top_k", 1),
        "edgerun_top5": None if args.litert_only else accuracy("edgerun_top_k", 5),
        "litert_top1": accuracy("litert_top_k", 1),
        "litert_top5": accuracy("litert_top_k", 5),
        "top1_differs": None if args.litert_only else sum(1 for e in per_image if e.get("top1_differs")),
        "top1_differs_ties": None if args.litert_only else sum(1 for e in per_image if e.get("top1_tie")),
        "edgerun_mean_ms": mean("ms"),
        "edgerun_mean_invoke_ms": mean("invoke_ms"),
        "per_image": per_image,
    }


def markdown_table(summaries: list[dict]) -> str:
    def pct(v):
        return "n/a" if v is None else f"{100 * v:.0f}%"

    def num(v, fmt="{:.1f}"):
        return "n/a" if v is None else fmt.format(v)

    lines = [
        "| model | images | edgerun top-1 | edgerun top-5 | LiteRT top-1 | LiteRT top-5 | top-1 differs (ties) "
        "| edgerun ms/image (invoke) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in summaries:
        differs = "n/a" if s["top1_differs"] is None else f"{s['top1_differs']} ({s['top1_differs_ties']})"
        images = f"{s['images']}" + (f" ({s['edgerun_failed']} failed)" if s["edgerun_failed"] else "")
        ms = num(s["edgerun_mean_ms"])
        if s["edgerun_mean_invoke_ms"] is not None:
            ms += f" ({num(s['edgerun_mean_invoke_ms'])})"
        lines.append(f"| {s['model']} | {images} | {pct(s['edgerun_top1'])} | {pct(s['edgerun_top5'])} | "
                     f"{pct(s['litert_top1'])} | {pct(s['litert_top5'])} | {differs} | {ms} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edgerun", type=Path, help="the edgerun CLI binary (e.g. build/edgerun)")
    parser.add_argument("--models", nargs="+", required=True, help=".tflite paths or names in <shared>/models")
    parser.add_argument("--dataset", type=Path, help="folder with images and labels.tsv "
                        "(default: <shared>/eval/imagenet-100)")
    parser.add_argument("--resize", choices=["bilinear", "nearest"], default="bilinear")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--resolver", choices=["default", "reference"], default="default",
                        help="LiteRT kernels: default (optimized + XNNPACK, what LiteRT users run) or "
                        "reference (BUILTIN_REF, the kernels edgerun matches bit for bit)")
    parser.add_argument("--json", type=Path, help="also write the summary and per-image results here")
    parser.add_argument("--litert-only", action="store_true",
                        help="skip edgerun; preprocess in Python (Pillow decode + the resize contract)")
    args = parser.parse_args(argv)

    if args.top_k < 5:
        parser.error("--top-k must be at least 5 (top-5 accuracy is reported)")
    if not args.litert_only:
        if args.edgerun is None:
            parser.error("--edgerun is required unless --litert-only")
        if not (args.edgerun.is_file() and os.access(args.edgerun, os.X_OK)):
            sys.exit(f"error: --edgerun {args.edgerun} is not an executable file (build it: ninja -C build edgerun_cli)")
    dataset = args.dataset or default_shared() / "eval" / "imagenet-100"
    if not dataset.is_dir():
        sys.exit(f"error: dataset folder not found: {dataset} (pass --dataset or set EDGERUN_SHARED_DIR)")
    dataset = dataset.resolve()
    rows = read_labels(dataset)
    models = [resolve_model(m) for m in args.models]

    summaries = []
    for model in models:
        print(f"{model.name}: {len(rows)} images ...", file=sys.stderr)
        summaries.append(compare_model(model, dataset, rows, args))

    mode = "LiteRT only, Python preprocessing" if args.litert_only else "same input tensors"
    print(f"Dataset {dataset.name} ({len(rows)} images), resize {args.resize}, {mode}; "
          f"LiteRT {args.resolver} resolver, 1 thread.\n")
    print(markdown_table(summaries))
    if args.json:
        args.json.write_text(json.dumps({"dataset": str(dataset), "resize": args.resize, "litert_only": args.litert_only,
                                         "models": summaries}, indent=1) + "\n")
        print(f"\nwrote {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
