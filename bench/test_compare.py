"""Smoke test of bench/compare, for developers (not run by CI, which has no LiteRT or ONNX Runtime).

    .venv/bin/python -m unittest bench/test_compare.py -v

Runs bench/compare with a stand-in edgerun (a shell script that prints
`edgerun bench --json`-shaped output for --threads 1 and refuses --threads 2)
and, each where its package is installed, LiteRT on the smallest shared model
and ORT pointed at an empty ONNX folder (so it must show n/a).
"""

import importlib.machinery
import importlib.util
import json
import os
import stat
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMPARE = HERE / "compare"
SHARED_MODEL = (Path(os.environ.get("EDGERUN_SHARED_DIR", HERE.parent.parent / "shared"))
                / "models" / "mobilenet_v1_0.25_128_quant.tflite")

FAKE_EDGERUN = """#!/bin/sh
if [ "$1" = "--version" ]; then echo "edgerun 0.0.0-fake"; exit 0; fi
case "$*" in *"--threads 1 "*) ;; *) echo "edgerun: --threads: only 1 thread is supported" >&2; exit 2;; esac
echo '{"latency_ms": {"samples": [3.0, 1.0, 2.0]}, "rss_growth_mib": 4.5, "load_ms": 1.5,
       "first_inference_ms": 2.5, "cold_start_since_exec_ms": 9.0}'
"""


def load_compare():
    loader = importlib.machinery.SourceFileLoader("bench_compare", str(COMPARE))
    spec = importlib.util.spec_from_loader("bench_compare", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class CompareTest(unittest.TestCase):
    def test_defaults(self):
        args = load_compare().parse_args([])
        self.assertEqual(args.threads, [1, 2])
        self.assertEqual(args.runtimes, ["edgerun", "litert", "ort"])
        self.assertEqual((args.reps, args.runs, args.warmup), (3, 50, 5))

    def test_rejects_unknown_runtime(self):
        with self.assertRaises(SystemExit):
            load_compare().parse_args(["--runtimes", "edgerun,tvm"])

    @unittest.skipUnless(SHARED_MODEL.exists(), f"{SHARED_MODEL} not found")
    def test_tiny_run(self):
        runtimes = ["edgerun"] + [rt for rt, module in (("litert", "ai_edge_litert"), ("ort", "onnxruntime"))
                                  if importlib.util.find_spec(module) is not None]
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            fake = tmp / "edgerun"
            fake.write_text(FAKE_EDGERUN)
            fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
            out = tmp / "out.json"
            p = subprocess.run([sys.executable, str(COMPARE), "--edgerun", str(fake), "--models", str(SHARED_MODEL),
                                "--runtimes", ",".join(runtimes), "--reps", "2", "--runs", "2", "--warmup", "0",
                                "--onnx-dir", str(tmp), "--json-out", str(out)],
                               capture_output=True, text=True, timeout=300)
            self.assertEqual(p.returncode, 0, p.stderr)
            summary = json.loads(out.read_text())["summary"]
        one, two = summary
        self.assertEqual(one["edgerun"]["median_ms"], 2.0)
        self.assertEqual(one["edgerun"]["cold_start_ms"], 4.0)
        self.assertIn("only 1 thread", two["edgerun"]["error"])
        self.assertIn("| mobilenet_v1_0.25_128_quant | 2 | error |", p.stdout)
        if "litert" in runtimes:
            self.assertGreater(one["litert"]["median_ms"], 0)
            self.assertEqual(one["litert"]["reps_ok"], 2)
        if "ort" in runtimes:
            self.assertIn("na", one["ort"])
            self.assertIn("n/a", p.stdout)


if __name__ == "__main__":
    unittest.main()
