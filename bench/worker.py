#!/usr/bin/env python3
"""One benchmark process for bench/compare: LiteRT or ONNX Runtime on one model, JSON on stdout.

    python3 bench/worker.py litert MODEL.tflite --threads 1 --runs 50 --warmup 5
    python3 bench/worker.py ort    MODEL.onnx   --threads 2 --runs 50 --warmup 5
    python3 bench/worker.py --versions

Same protocol as `edgerun bench` so that the numbers compare:
  1. import the runtime, then read VmRSS (rss_before_load_mib);
  2. load + prepare the model (load_ms): LiteRT Interpreter(model_path,
     num_threads) + allocate_tensors() (its default CPU path, XNNPACK);
     ONNX Runtime InferenceSession (CPUExecutionProvider, all graph
     optimizations, sequential execution, intra_op_num_threads=N,
     inter_op_num_threads=1);
  3. fill every input with pseudo-random values from --seed (untimed);
  4. the first inference (first_inference_ms), then VmRSS again
     (rss_growth_mib = after the first inference - before load);
  5. --warmup untimed inferences, then --runs timed ones (latency_ms.samples:
     wall clock of invoke() / run() alone, the same input every time).
cold_start_ms = load_ms + first_inference_ms. cold_start_since_exec_ms counts
from the process start time the kernel records (interpreter start-up and
imports included; 10 ms resolution), like edgerun's field of that name.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np

# ONNX Runtime's input type strings -> numpy dtypes (the ones a vision model takes).
ORT_DTYPES = {"tensor(float)": np.float32, "tensor(uint8)": np.uint8, "tensor(int8)": np.int8}


def rss_mib(field: str = "VmRSS:") -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"{field} not in /proc/self/status")


def ms_since_process_start() -> float:
    with open("/proc/self/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    start_s = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime, in clock ticks since boot
    return (time.clock_gettime(time.CLOCK_BOOTTIME) - start_s) * 1000.0


def random_input(shape, dtype, rng: np.random.Generator) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return rng.integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)
    return rng.uniform(-1.0, 1.0, size=shape).astype(dtype)


def versions() -> dict:
    """Installed version of each runtime, or None and the import error."""
    from importlib.metadata import version
    out = {"python": sys.version.split()[0], "numpy": np.__version__}
    for key, dist, module in (("litert", "ai-edge-litert", "ai_edge_litert.interpreter"),
                              ("ort", "onnxruntime", "onnxruntime")):
        try:
            __import__(module)
            out[key] = version(dist)
        except Exception as e:  # noqa: BLE001  (bench/compare names the missing package)
            out[key] = None
            out[f"{key}_error"] = f"{type(e).__name__}: {e}"
    return out


class LiteRT:
    def __init__(self, model: str, threads: int):
        from ai_edge_litert.interpreter import Interpreter
        self.interp = Interpreter(model_path=model, num_threads=threads)
        self.interp.allocate_tensors()

    def fill(self, rng):
        desc = []
        for d in self.interp.get_input_details():
            self.interp.set_tensor(d["index"], random_input(d["shape"], d["dtype"], rng))
            desc.append({"name": d["name"], "dtype": np.dtype(d["dtype"]).name, "shape": d["shape"].tolist()})
        return desc

    def run(self):
        self.interp.invoke()


class OnnxRuntime:
    def __init__(self, model: str, threads: int):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.sess = ort.InferenceSession(model, sess_options=so, providers=["CPUExecutionProvider"])
        self.feeds: dict[str, np.ndarray] = {}

    def fill(self, rng):
        desc = []
        for i in self.sess.get_inputs():
            if i.type not in ORT_DTYPES:
                raise RuntimeError(f"input {i.name}: unsupported type {i.type}")
            shape = [d if isinstance(d, int) and d > 0 else 1 for d in i.shape]  # symbolic dims -> 1
            self.feeds[i.name] = random_input(shape, ORT_DTYPES[i.type], rng)
            desc.append({"name": i.name, "dtype": np.dtype(ORT_DTYPES[i.type]).name, "shape": shape})
        return desc

    def run(self):
        self.sess.run(None, self.feeds)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runtime", nargs="?", choices=["litert", "ort"])
    ap.add_argument("model", nargs="?", help=".tflite for litert, .onnx for ort")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=50, help="timed inferences (default: %(default)s)")
    ap.add_argument("--warmup", type=int, default=5, help="untimed inferences after the first (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=42, help="input seed (default: %(default)s)")
    ap.add_argument("--versions", action="store_true", help="print the runtimes' versions as JSON and exit")
    args = ap.parse_args()
    if args.versions:
        print(json.dumps(versions()))
        return 0
    if not args.runtime or not args.model:
        ap.error("RUNTIME and MODEL are required (or --versions)")
    if args.threads < 1 or args.runs < 1 or args.warmup < 0:
        ap.error("--threads and --runs must be at least 1, --warmup at least 0")

    cls = {"litert": LiteRT, "ort": OnnxRuntime}[args.runtime]
    __import__("ai_edge_litert.interpreter" if args.runtime == "litert" else "onnxruntime")  # imports before the RSS baseline

    rss_before = rss_mib()
    t = time.perf_counter()
    rt = cls(args.model, args.threads)
    load_ms = (time.perf_counter() - t) * 1000.0
    inputs = rt.fill(np.random.default_rng(args.seed))
    t = time.perf_counter()
    rt.run()
    first_ms = (time.perf_counter() - t) * 1000.0
    since_exec_ms = ms_since_process_start()
    rss_after = rss_mib()

    for _ in range(args.warmup):
        rt.run()
    samples = []
    for _ in range(args.runs):
        t = time.perf_counter()
        rt.run()
        samples.append((time.perf_counter() - t) * 1000.0)

    print(json.dumps({
        "runtime": args.runtime,
        "model": args.model,
        "threads": args.threads,
        "runs": args.runs,
        "warmup": args.warmup,
        "input_seed": args.seed,
        "inputs": inputs,
        "latency_ms": {"median": statistics.median(samples), "min": min(samples), "samples": samples},
        "load_ms": load_ms,
        "first_inference_ms": first_ms,
        "cold_start_ms": load_ms + first_ms,
        "cold_start_since_exec_ms": since_exec_ms,
        "rss_before_load_mib": rss_before,
        "rss_after_first_inference_mib": rss_after,
        "rss_growth_mib": rss_after - rss_before,
        "peak_rss_mib": rss_mib("VmHWM:"),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
