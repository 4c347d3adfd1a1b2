#!/usr/bin/env python3
"""Writes ONNX's backend conformance test data for edgerun's conformance runner.

The `onnx` wheel ships the node tests as Python generators (onnx/backend/test/
case/node/*.py) and the light/ models as files; this script runs the generators
and lays the tests out as onnx's own `generate-data` tool does:

    OUT/node/<test>/model.onnx
    OUT/node/<test>/test_data_set_<k>/{input,output}_<j>.pb
    OUT/light/<name>/model.onnx, test_data_set_0/{input_0,output_0}.pb

Only node tests whose every node is an op on edgerun's ONNX list (the ops of a
CNN classifier / detector, docs/onnx.md) are written, and all nine light
models. The light models' inputs follow onnx's own runner (generate_dummy_data
with random=False, seed 0); their expected outputs ship in the wheel.

Usage: tools/onnx_backend_data.py --out build/onnx-backend
Needs: onnx and numpy (tools/requirements-conformance.txt).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import warnings

# The ops of issue 4's list; a node test is in scope when all its nodes are.
LISTED_OPS = {
    "Conv", "ConvTranspose", "BatchNormalization", "Relu", "LeakyRelu", "Clip",
    "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Add", "Sub", "Mul", "Div",
    "MaxPool", "AveragePool", "GlobalAveragePool", "Gemm", "MatMul", "Flatten",
    "Reshape", "Transpose", "Concat", "Split", "Slice", "Softmax", "Pad",
    "Resize", "ReduceMean", "Squeeze", "Unsqueeze", "Identity", "Dropout",
    "QuantizeLinear", "DequantizeLinear", "QLinearConv", "QLinearMatMul",
    "Constant",
}

LIGHT_MODELS = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2",
                "resnet50", "shufflenet", "squeezenet", "vgg19", "zfnet512"]


def write_tensor(path: str, value, name: str) -> None:
    from onnx import TensorProto, numpy_helper
    proto = value if isinstance(value, TensorProto) else numpy_helper.from_array(value, name)
    with open(path, "wb") as f:
        f.write(proto.SerializeToString())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output folder (replaced)")
    args = ap.parse_args()

    import numpy as np
    import onnx
    from onnx.backend.test.case import node as node_cases
    from onnx.backend.test.runner import Runner  # noqa: F401 (import check)

    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cases = node_cases.collect_testcases()
    written = 0
    for case in cases:
        model = case.model
        ops = {n.op_type for n in model.graph.node}
        domains = {n.domain for n in model.graph.node}
        if not ops or not ops <= LISTED_OPS or not domains <= {"", "ai.onnx"}:
            continue
        tensor_io = all(v.type.HasField("tensor_type") for v in list(model.graph.input) + list(model.graph.output))
        if not tensor_io:
            continue
        d = os.path.join(args.out, "node", case.name)
        os.makedirs(d)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(model.SerializeToString())
        for k, (inputs, outputs) in enumerate(case.data_sets):
            ds = os.path.join(d, f"test_data_set_{k}")
            os.makedirs(ds)
            for j, x in enumerate(inputs):
                write_tensor(os.path.join(ds, f"input_{j}.pb"), x, model.graph.input[j].name)
            for j, y in enumerate(outputs):
                write_tensor(os.path.join(ds, f"output_{j}.pb"), y, model.graph.output[j].name)
        with open(os.path.join(d, "tolerance.json"), "w") as f:
            json.dump({"rtol": case.rtol, "atol": case.atol}, f)
        written += 1

    # light/ models: onnx's runner feeds generate_dummy_data(random=False, seed=0).
    light_src = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
    runner = Runner
    for name in LIGHT_MODELS:
        src = os.path.join(light_src, f"light_{name}.onnx")
        model = onnx.load(src)
        d = os.path.join(args.out, "light", name)
        ds = os.path.join(d, "test_data_set_0")
        os.makedirs(ds)
        shutil.copyfile(src, os.path.join(d, "model.onnx"))
        inits = {i.name for i in model.graph.initializer}
        j = 0
        for x in model.graph.input:
            if x.name in inits:
                continue
            value = runner.generate_dummy_data(x, seed=0, name=f"test_{name}", random=False)
            write_tensor(os.path.join(ds, f"input_{j}.pb"), np.asarray(value), x.name)
            j += 1
        shutil.copyfile(os.path.join(light_src, f"light_{name}_output_0.pb"), os.path.join(ds, "output_0.pb"))
        with open(os.path.join(d, "tolerance.json"), "w") as f:
            json.dump({"rtol": 1e-3, "atol": 1e-7}, f)

    print(f"wrote {written} node tests (of {len(cases)}) and {len(LIGHT_MODELS)} light models to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
