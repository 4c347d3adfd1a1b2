#!/usr/bin/env python3
"""Write a float32 copy of a quantized .tflite: the same graph with real-valued weights.

A float model with real (trained) weights, for measuring what `edgerun convert
--quantize fp16 | dynamic` and `--prune` cost in accuracy (docs/convert.md),
until `edgerun convert --dequantize` does the same in C++.

Every quantized tensor (uint8 / int8 with scales, and the int32 biases)
becomes float32: constants dequantized, real = scale * (q - zero_point), per
tensor or per channel (quantized_dimension); activations lose their
quantization. Every operator keeps its inputs, outputs and options (fused
activations included), so the float model computes what the quantized one
approximates. The model's metadata (labels, normalization) is dropped: give
it back with `edgerun convert --labels ... --mean ... --std ...`. Models with
QUANTIZE / DEQUANTIZE operators, or quantized tensors of other types, are
refused.

    .venv/bin/python tools/dequantize_tflite.py ../shared/models/mobilenet_v2_1.0_224_quant.tflite \\
        -o /tmp/mbv2_dequantized.tflite

Needs numpy and ai-edge-litert (tools/requirements.txt).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import flatbuffers
import numpy as np
from ai_edge_litert import schema_py_generated as schema

QUANTIZED_TYPES = {
    schema.TensorType.UINT8: np.uint8,
    schema.TensorType.INT8: np.int8,
    schema.TensorType.INT32: np.int32,
}


def dequantize_model(data: bytes) -> bytes:
    model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    for code in model.operatorCodes:
        builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
        if builtin in (schema.BuiltinOperator.QUANTIZE, schema.BuiltinOperator.DEQUANTIZE):
            raise ValueError("the model has QUANTIZE / DEQUANTIZE operators; this script handles fully quantized "
                             "graphs only")
    for sg in model.subgraphs:
        for i, t in enumerate(sg.tensors):
            q = t.quantization
            if q is None or q.scale is None or len(q.scale) == 0:
                continue
            if t.type not in QUANTIZED_TYPES:
                raise ValueError(f"tensor {i} '{t.name.decode()}': quantized type {t.type} is not supported")
            buf = model.buffers[t.buffer] if t.buffer < len(model.buffers) else None
            if buf is not None and buf.data is not None and len(buf.data) > 0:
                q_values = np.frombuffer(bytes(bytearray(buf.data)), dtype=QUANTIZED_TYPES[t.type]).reshape(t.shape)
                scale = np.asarray(q.scale, dtype=np.float64)
                zero = np.asarray(q.zeroPoint if q.zeroPoint is not None else [0] * len(scale), dtype=np.float64)
                if len(scale) > 1:  # per channel along quantized_dimension
                    shape = [1] * len(t.shape)
                    shape[q.quantizedDimension] = len(scale)
                    scale, zero = scale.reshape(shape), zero.reshape(shape)
                real = (scale * (q_values.astype(np.float64) - zero)).astype(np.float32)
                buf.data = np.frombuffer(real.tobytes(), dtype=np.uint8)
            t.type = schema.TensorType.FLOAT32
            t.quantization = None
    model.metadata = None
    model.description = b"float32 copy of a quantized model (tools/dequantize_tflite.py)"
    builder = flatbuffers.Builder(len(data) * 5)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", type=Path, help="a quantized .tflite")
    p.add_argument("-o", "--output", type=Path, required=True, help="the float32 .tflite to write")
    args = p.parse_args()
    try:
        out = dequantize_model(args.model.read_bytes())
    except ValueError as e:
        print(f"{args.model}: {e}", file=sys.stderr)
        return 1
    args.output.write_bytes(out)
    print(f"{args.model} -> {args.output} ({len(out)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
