#!/usr/bin/env python3
"""Single-thread latency of `edgerun classify` per model, from its own JSON timings.

Runs one `edgerun classify --json` process per model over the first N photos of a
labelled folder (default: <shared>/eval/imagenet-100), drops the first image
(warm-up), and prints the median and min of the whole per-image time (decode +
resize + fill + invoke + top-k) and of invoke alone, in milliseconds.

    python3 tools/classify_latency.py --edgerun build/edgerun --models a.tflite b.tflite [-n 30]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path


def main() -> int:
    shared = Path(os.environ.get("EDGERUN_SHARED_DIR", Path(__file__).resolve().parent.parent.parent / "shared"))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--edgerun", type=Path, required=True)
    ap.add_argument("--models", nargs="+", required=True, help=".tflite paths or names in <shared>/models")
    ap.add_argument("--dataset", type=Path, default=shared / "eval" / "imagenet-100")
    ap.add_argument("-n", type=int, default=30, help="photos per model (first one is warm-up)")
    args = ap.parse_args()
    if not args.dataset.is_dir():
        sys.exit(f"error: dataset folder {args.dataset} not found (set EDGERUN_SHARED_DIR)")
    images = sorted(p for p in args.dataset.iterdir() if p.suffix.lower() in (".jpeg", ".jpg", ".png", ".bmp"))
    images = images[: args.n]
    print("| model | photos | ms/image median (min) | invoke ms median (min) |")
    print("|---|---:|---:|---:|")
    for m in args.models:
        model = Path(m) if Path(m).exists() else shared / "models" / m
        out = subprocess.run([str(args.edgerun), "classify", "--model", str(model), "--json", "-k", "1"]
                             + [str(p) for p in images], capture_output=True, text=True, check=True)
        results = json.loads(out.stdout)["results"][1:]
        total = [r["ms"] for r in results]
        invoke = [r["invoke_ms"] for r in results]
        print(f"| {model.name} | {len(results)} | {statistics.median(total):.1f} ({min(total):.1f}) | "
              f"{statistics.median(invoke):.1f} ({min(invoke):.1f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
