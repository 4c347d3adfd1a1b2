#!/usr/bin/env python3
"""Make golden outputs for the shared image models with LiteRT (offline).

For every *.tflite in <shared>/models (except the deliberately broken
invalid_model_invoking_error.tflite) and each of the lossless BMP photos in
<shared>/images, this script

  1. decodes the image to RGB uint8 with Pillow,
  2. resizes it to the model's input H x W with the integer nearest-neighbour
     rule that edgerun's C++ resize implements (see resize_nearest below),
  3. converts it to the model's input dtype (uint8: raw pixels; int8: p - 128;
     float32: (p - 127.5) / 127.5),
  4. runs LiteRT twice with num_threads=1: once with the reference kernels
     (OpResolverType.BUILTIN_REF, the bit-exact target for edgerun's ref
     kernels) and once with the default resolver (XNNPACK / optimized kernels,
     which may round differently),

and writes tests/goldens/<model-stem>.json. The output is deterministic, so
running the script again on the same inputs and LiteRT version rewrites
byte-identical files (files whose content is unchanged are not touched).

Usage:
  python3 tools/make_goldens.py [--shared DIR] [--out tests/goldens]

The shared folder is --shared, else $EDGERUN_SHARED_DIR, else <repo>/../shared.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
GOLDEN_IMAGES = ["cat.bmp", "grace_hopper.bmp", "bird.bmp", "sunflower.bmp", "dragonfly.bmp"]
SKIP_MODELS = {"invalid_model_invoking_error.tflite"}


def shared_dir(cli_value: str | None) -> Path:
    """--shared, else $EDGERUN_SHARED_DIR, else <repo>/../shared; exits with a clear message if missing."""
    if cli_value:
        path, source = Path(cli_value), "--shared"
    elif os.environ.get("EDGERUN_SHARED_DIR"):
        path, source = Path(os.environ["EDGERUN_SHARED_DIR"]), "$EDGERUN_SHARED_DIR"
    else:
        path, source = REPO_ROOT.parent / "shared", "the default <repo>/../shared"
    if not path.is_dir():
        sys.exit(f"error: shared data folder not found: {path} (from {source}); "
                 "pass --shared DIR or set EDGERUN_SHARED_DIR")
    return path.resolve()


def load_rgb(path: Path) -> np.ndarray:
    """Decodes an image file to an H x W x 3 uint8 array."""
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"), dtype=np.uint8)


def resize_nearest(img: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Nearest-neighbour resize; this integer formula is the contract edgerun's C++ side implements."""
    in_h, in_w = img.shape[:2]
    ys = (np.arange(out_h) * in_h) // out_h
    xs = (np.arange(out_w) * in_w) // out_w
    return img[ys][:, xs]


def to_model_input(rgb: np.ndarray, detail: dict) -> np.ndarray:
    """Turns an H x W x 3 uint8 image (already at the model's size) into the model's input tensor."""
    shape = tuple(int(d) for d in detail["shape"])
    dtype = np.dtype(detail["dtype"])
    if dtype == np.uint8:
        x = rgb.astype(np.uint8)
    elif dtype == np.int8:
        x = (rgb.astype(np.int16) - 128).astype(np.int8)
    elif dtype == np.float32:
        x = ((rgb.astype(np.float32) - np.float32(127.5)) / np.float32(127.5)).astype(np.float32)
    else:
        raise ValueError(f"unsupported model input dtype {dtype} (expected uint8, int8 or float32)")
    return np.ascontiguousarray(x.reshape(shape))


def input_hw(detail: dict) -> tuple[int, int]:
    shape = [int(d) for d in detail["shape"]]
    if len(shape) != 4 or shape[0] != 1 or shape[3] != 3:
        raise ValueError(f"input '{detail['name']}': expected shape [1,H,W,3], found {shape}")
    return shape[1], shape[2]


def make_interpreter(model_path: Path, reference: bool):
    """LiteRT interpreter with num_threads=1: reference kernels (BUILTIN_REF) or the default resolver."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    kwargs = {"model_path": str(model_path), "num_threads": 1}
    if reference:
        kwargs["experimental_op_resolver_type"] = OpResolverType.BUILTIN_REF
    interp = Interpreter(**kwargs)
    interp.allocate_tensors()
    return interp


def run_interpreter(interp, x: np.ndarray) -> list[np.ndarray]:
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return [interp.get_tensor(d["index"]).copy() for d in interp.get_output_details()]


def litert_version() -> str:
    try:
        from importlib.metadata import version

        return version("ai-edge-litert")
    except Exception:  # noqa: BLE001 - best effort, only informative
        import ai_edge_litert

        return str(getattr(ai_edge_litert, "__version__", "unknown"))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def as_json_values(a: np.ndarray) -> list:
    """Flattened values as plain ints (integer dtypes) or floats (float32 round-trips exactly)."""
    flat = a.reshape(-1)
    if np.issubdtype(flat.dtype, np.integer) or flat.dtype == np.bool_:
        return [int(v) for v in flat]
    return [float(v) for v in flat]


def dumps_compact_arrays(obj) -> str:
    """JSON with 2-space indentation, except that number arrays stay on one line (keeps files small)."""
    placeholders: dict[str, str] = {}

    def walk(o):
        if isinstance(o, dict):
            return {k: walk(v) for k, v in o.items()}
        if isinstance(o, list):
            if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in o):
                key = f"@@ARRAY{len(placeholders)}@@"
                placeholders[key] = json.dumps(o, separators=(",", ":"), allow_nan=False)
                return key
            return [walk(v) for v in o]
        return o

    text = json.dumps(walk(obj), indent=2, allow_nan=False)
    for key, value in placeholders.items():
        text = text.replace(f'"{key}"', value, 1)
    return text + "\n"


def golden_for_model(model_path: Path, images_dir: Path, version: str) -> tuple[dict, list[str]]:
    """Returns the golden document for one model and a list of human-readable difference notes."""
    ref = make_interpreter(model_path, reference=True)
    opt = make_interpreter(model_path, reference=False)
    in_detail = ref.get_input_details()[0]
    h, w = input_hw(in_detail)
    out_details = ref.get_output_details()

    cases, notes = [], []
    for image_name in GOLDEN_IMAGES:
        x = to_model_input(resize_nearest(load_rgb(images_dir / image_name), h, w), in_detail)
        ref_out = run_interpreter(ref, x)
        opt_out = run_interpreter(opt, x)
        outputs = []
        for d, r, o in zip(out_details, ref_out, opt_out):
            scale, zero_point = d["quantization"]
            diff = int(np.count_nonzero(r != o))
            if diff:
                max_abs = float(np.max(np.abs(r.astype(np.float64) - o.astype(np.float64))))
                notes.append(f"{image_name}:{d['name']}: {diff}/{r.size} values differ (max |diff| {max_abs:g})")
            outputs.append({
                "name": d["name"],
                "shape": [int(s) for s in d["shape"]],
                "dtype": np.dtype(d["dtype"]).name,
                "scale": float(scale),
                "zero_point": int(zero_point),
                "reference": as_json_values(r),
                "default": as_json_values(o),
            })
        cases.append({
            "image": image_name,
            "resize": "nearest",
            "input_shape": [int(s) for s in x.shape],
            "input_dtype": x.dtype.name,
            "input_sha256": hashlib.sha256(x.tobytes()).hexdigest(),
            "outputs": outputs,
        })

    doc = {
        "model": model_path.name,
        "model_sha256": sha256_file(model_path),
        "litert_version": version,
        "generated_by": "tools/make_goldens.py",
        "cases": cases,
    }
    return doc, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", help="shared data folder (default: $EDGERUN_SHARED_DIR or <repo>/../shared)")
    parser.add_argument("--out", default=str(REPO_ROOT / "tests" / "goldens"), help="output folder")
    args = parser.parse_args(argv)

    shared = shared_dir(args.shared)
    models_dir, images_dir = shared / "models", shared / "images"
    for name in GOLDEN_IMAGES:
        if not (images_dir / name).is_file():
            sys.exit(f"error: golden image not found: {images_dir / name}")
    models = sorted(p for p in models_dir.glob("*.tflite") if p.name not in SKIP_MODELS)
    if not models:
        sys.exit(f"error: no *.tflite models in {models_dir}")

    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    version = litert_version()

    print(f"LiteRT {version}; {len(models)} models x {len(GOLDEN_IMAGES)} images -> {out_dir}")
    print()
    print("| model | cases | outputs differing (ref vs default) | values differing | max abs diff | argmax differs |")
    print("|---|---:|---:|---:|---:|---:|")
    all_notes = []
    for model_path in models:
        doc, notes = golden_for_model(model_path, images_dir, version)
        text = dumps_compact_arrays(doc)
        target = out_dir / f"{model_path.stem}.json"
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
        outs = [o for c in doc["cases"] for o in c["outputs"]]
        pairs = [(np.asarray(o["reference"], np.float64), np.asarray(o["default"], np.float64)) for o in outs]
        n_diff_outputs = sum(bool(np.any(r != d)) for r, d in pairs)
        n_diff_values = sum(int(np.count_nonzero(r != d)) for r, d in pairs)
        n_values = sum(r.size for r, _ in pairs)
        max_abs = max(float(np.max(np.abs(r - d))) for r, d in pairs)
        n_argmax = sum(int(np.argmax(r) != np.argmax(d)) for r, d in pairs)
        print(f"| {model_path.name} | {len(doc['cases'])} | {n_diff_outputs}/{len(outs)} | "
              f"{n_diff_values}/{n_values} | {max_abs:g} | {n_argmax}/{len(outs)} |")
        all_notes += [f"{model_path.name}: {n}" for n in notes]
    if all_notes:
        print()
        print("Differences between the reference and default resolvers:")
        for n in all_notes:
            print(f"  {n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
