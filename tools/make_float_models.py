#!/usr/bin/env python3
"""Build the benchmark models: float32 MobileNets (.tflite) and ONNX twins of every model.

Writes into --out (default <repo>/models/bench, git-ignored):

  mobilenet_v2_1.0_224_float.tflite / .onnx
  mobilenet_v1_1.0_224_float.tflite / .onnx
      tf.keras.applications.MobileNetV2 / MobileNet, alpha 1.0, 224x224x3,
      1000 classes, softmax, random weights from a fixed seed (these models
      are for speed, not accuracy), exported with a plain TFLiteConverter (no
      optimizations: float32 weights and activations, batch-norm folded).
  <stem>.onnx for each quantized model of --quant-models
      (default: mobilenet_v2_1.0_224_quant, tf2_mobilenet_v2_1.0_224_ptq,
      mobilenet_v1_0.75_192_quant from <shared>/models).

Every .onnx is converted from its .tflite with tf2onnx (the same graph, so
ONNX Runtime computes the same model), then loaded and run once with ONNX
Runtime. The builtin op list of each float .tflite is printed; bench/compare
finds the .onnx of a model by its stem in this folder.

A conversion that fails is reported and the script goes on; it exits 1 if any
did fail.

    .venv/bin/python tools/make_float_models.py [--out models/bench] [--opset 13]

<shared> is $EDGERUN_SHARED_DIR, else <repo>/../shared. Needs the packages of
tools/requirements.txt and tools/requirements-bench.txt.
"""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported

import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("EDGERUN_SHARED_DIR", REPO_ROOT.parent / "shared"))
DEFAULT_QUANT_MODELS = [
    "mobilenet_v2_1.0_224_quant.tflite",
    "tf2_mobilenet_v2_1.0_224_ptq.tflite",
    "mobilenet_v1_0.75_192_quant.tflite",
]
# Builtin ops that the float MobileNets are expected to use; anything else is flagged.
EXPECTED_OPS = {
    "CONV_2D", "DEPTHWISE_CONV_2D", "ADD", "MEAN", "AVERAGE_POOL_2D",
    "FULLY_CONNECTED", "SOFTMAX", "RESHAPE", "PAD", "RELU6",
}
# ONNX Runtime's input type strings -> numpy dtypes (the ones a vision model takes).
ORT_DTYPES = {"tensor(float)": np.dtype(np.float32), "tensor(uint8)": np.dtype(np.uint8),
              "tensor(int8)": np.dtype(np.int8)}


def build_float_tflite(name: str, seed: int) -> bytes:
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    apps = tf.keras.applications
    ctor = {"mobilenet_v2": apps.MobileNetV2, "mobilenet_v1": apps.MobileNet}[name]
    model = ctor(input_shape=(224, 224, 3), alpha=1.0, weights=None, classes=1000,
                 classifier_activation="softmax")

    # A concrete function with a fixed [1,224,224,3] signature (batch 1 in the
    # .tflite), converted WITHOUT a trackable object: that path freezes the
    # variables into constants and folds batch norm into the convolutions.
    # With the Keras model as trackable object (and likewise through a
    # SavedModel), TF 2.21 keeps Keras 3's weights as resource variables:
    # VAR_HANDLE/READ_VARIABLE, unfolded MUL/RSQRT/SUB batch norm, TRANSPOSE.
    @tf.function(input_signature=[tf.TensorSpec([1, 224, 224, 3], tf.float32, name="input")])
    def serve(x):
        return model(x, training=False)

    converter = tf.lite.TFLiteConverter.from_concrete_functions([serve.get_concrete_function()])
    return converter.convert()


def op_counts(tflite_path: Path) -> collections.Counter:
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(tflite_path))
    return collections.Counter(op["op_name"] for op in interp._get_ops_details())


def convert_to_onnx(tflite_path: Path, onnx_path: Path, opset: int) -> None:
    """tf2onnx in a child process: its log goes to a file next to the model, and a crash stays there."""
    log = onnx_path.with_suffix(".tf2onnx.log")
    cmd = [sys.executable, "-m", "tf2onnx.convert", "--tflite", str(tflite_path),
           "--output", str(onnx_path), "--opset", str(opset)]
    with log.open("w") as f:
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode
    if rc != 0 or not onnx_path.exists():
        tail = log.read_text().strip().splitlines()[-3:]
        raise RuntimeError(f"tf2onnx exited {rc} (log: {log}): " + " | ".join(tail))


def check_onnx(onnx_path: Path) -> str:
    """Loads the model in ONNX Runtime and runs it once on zeros; returns a one-line description."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    feeds, desc = {}, []
    for inp in sess.get_inputs():
        shape = [d if isinstance(d, int) else 1 for d in inp.shape]
        dtype = ORT_DTYPES[inp.type]
        feeds[inp.name] = np.zeros(shape, dtype)
        desc.append(f"{inp.name} {dtype}{shape}")
    outs = sess.run(None, feeds)
    return f"in: {', '.join(desc)}; out: {', '.join(f'{o.dtype}{list(o.shape)}' for o in outs)}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=REPO_ROOT / "models" / "bench",
                    help="output folder (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=1, help="weight initialization seed (default: %(default)s)")
    ap.add_argument("--opset", type=int, default=13, help="ONNX opset, at least 13 (default: %(default)s)")
    ap.add_argument("--quant-models", nargs="*", default=DEFAULT_QUANT_MODELS, metavar="TFLITE",
                    help="quantized .tflite files to convert to ONNX; a name that is not a path is looked up "
                         "in <shared>/models (default: the three MobileNets above)")
    ap.add_argument("--skip-float", action="store_true", help="do not rebuild the float .tflite models")
    args = ap.parse_args()
    if args.opset < 13:
        ap.error("--opset must be at least 13")
    args.out.mkdir(parents=True, exist_ok=True)

    failures: list[str] = []
    to_onnx: list[Path] = []
    for name in ("mobilenet_v2", "mobilenet_v1"):
        path = args.out / f"{name}_1.0_224_float.tflite"
        if not args.skip_float:
            print(f"building {path} ...", flush=True)
            path.write_bytes(build_float_tflite(name, args.seed))
        if not path.exists():
            failures.append(f"{path}: missing (run without --skip-float)")
            continue
        ops = op_counts(path)
        unexpected = sorted(set(ops) - EXPECTED_OPS)
        print(f"  {path.name}: {path.stat().st_size / 2**20:.1f} MiB, ops: "
              + ", ".join(f"{op} x{n}" for op, n in sorted(ops.items())))
        if unexpected:
            print(f"  warning: ops outside the expected set: {', '.join(unexpected)}")
        to_onnx.append(path)

    for m in args.quant_models:
        path = Path(m) if Path(m).exists() else SHARED_DIR / "models" / m
        if not path.exists():
            failures.append(f"{m}: not found (looked in {SHARED_DIR / 'models'}; set EDGERUN_SHARED_DIR)")
            continue
        to_onnx.append(path)

    for tflite in to_onnx:
        onnx_path = args.out / f"{tflite.stem}.onnx"
        print(f"converting {tflite.name} -> {onnx_path} (opset {args.opset}) ...", flush=True)
        try:
            convert_to_onnx(tflite, onnx_path, args.opset)
            print(f"  ONNX Runtime runs it: {check_onnx(onnx_path)}")
        except Exception as e:  # noqa: BLE001  (report every model's failure, then go on)
            onnx_path.unlink(missing_ok=True)
            failures.append(f"{tflite.name} -> ONNX: {e}")
            print(f"  FAILED: {e}")

    if failures:
        print("\nfailures:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("\nall models written to", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
