"""Export one module the way the public SD 1.5 ONNX exports were made: torch.onnx (TorchScript exporter),
opset 14, constant folding, traced in fp32 and converted to fp16 (fp16.py), saved as one file or with
all weights in one external file, then checked with onnx.checker (full check: types and shapes),
the file left as written (no inferred value_info).

Node names: torch 1.13 names nodes by module scope (`/up_blocks.1/attentions.1/Add_1`); torch <= 1.12
did not (`Add_1234`, values `onnx::Add_345`). `scoped=False` reproduces the older names by turning off
the pass that assigns them, `torch._C._jit_pass_onnx_assign_scoped_names_for_node_and_value`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

from fp16 import convert_to_fp16

OPSET = 14


@contextlib.contextmanager
def unscoped_names():
    """torch.onnx.export without scoped node and value names (torch <= 1.12's naming)."""
    real = torch._C._jit_pass_onnx_assign_scoped_names_for_node_and_value
    torch._C._jit_pass_onnx_assign_scoped_names_for_node_and_value = lambda graph: None
    try:
        yield
    finally:
        torch._C._jit_pass_onnx_assign_scoped_names_for_node_and_value = real


def trace_fp32(module: torch.nn.Module, args: tuple, input_names: list[str], output_names: list[str],
               dynamic_axes: dict | None, scoped: bool) -> onnx.ModelProto:
    """The fp32 graph of `module` on `args`, weights loaded (from external files when over 2 GB)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.onnx")
        names = contextlib.nullcontext() if scoped else unscoped_names()
        with names, torch.no_grad():
            torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                              dynamic_axes=dynamic_axes, opset_version=OPSET, do_constant_folding=True)
        return onnx.load(path)


def unfold_zeros(model: onnx.ModelProto, min_elements: int = 4096) -> None:
    """Large all-zero Constant nodes become ConstantOfShape. With static shapes, constant folding turns
    attention's `torch.empty` (the baddbmm input, multiplied by beta 0) into zeros of [batch*heads, hw, hw]:
    19 MB in the narrow webnn UNet, 2.7 GB at full size, which the public static exports do not carry."""
    g = model.graph
    for i, node in enumerate(g.node):
        if node.op_type != "Constant" or node.attribute[0].name != "value":
            continue
        t = node.attribute[0].t
        if int(np.prod(t.dims)) < min_elements or numpy_helper.to_array(t).any():
            continue
        shape = helper.make_node("Constant", [], [node.output[0] + "_shape"], name=node.name + "_shape",
                                 value=numpy_helper.from_array(np.array(t.dims, dtype=np.int64)))
        zeros = helper.make_node("ConstantOfShape", [shape.output[0]], [node.output[0]], name=node.name,
                                 value=helper.make_tensor("value", t.data_type, [1], [0]))
        g.node[i].CopyFrom(zeros)
        g.node.insert(i, shape)


def save_fp16(model: onnx.ModelProto, path: str, external_data: str | None = None,
              fp32_inputs: tuple[str, ...] = (), upcast_softmax: bool = False) -> onnx.ModelProto:
    """Converts to fp16 and writes `path` (weights in `external_data`, next to it, when given); checks it."""
    convert_to_fp16(model, fp32_inputs=fp32_inputs, upcast_softmax=upcast_softmax)
    unfold_zeros(model)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if external_data:
        data = os.path.join(os.path.dirname(path), external_data)
        if os.path.exists(data):
            os.remove(data)  # onnx appends to an existing data file
        onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                        location=external_data, size_threshold=1024, convert_attribute=False)
    else:
        onnx.save_model(model, path)
    check(path)
    return model


def check(path: str) -> None:
    """onnx.checker's full check (types and shapes) without its side effect: onnx 1.12's
    `check_model(path, full_check=True)` writes the shapes it infers back into the file as value_info,
    which torch's exports do not carry (a quarter of the narrow UNet graph's bytes)."""
    onnx.checker.check_model(path)
    with tempfile.TemporaryDirectory() as tmp:
        onnx.shape_inference.infer_shapes_path(path, os.path.join(tmp, "inferred.onnx"), check_type=True,
                                               strict_mode=True)
