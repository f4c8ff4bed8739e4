#!/usr/bin/python3
"""Rebuild the toy PyTorch UNet from the shipped ONNX graph's weights.

The training checkpoint is not in the repository; public/models/toy/unet/model.onnx is. Its
initializers are the UNet's parameters, under two kinds of names:

  * the parameter's own name (`down_blocks.0.resnets.0.conv1.weight`), stored as PyTorch holds
    it: Conv weights and biases, Gemm weights (transB = 1, i.e. [out, in]), LayerNorm affines,
    Linear biases, `pos_embed`;
  * a constant-folded name (`onnx::MatMul_3296`, `onnx::Mul_3290`, `onnx::Add_3291`), where
    torch.onnx rewrote the parameter before folding it:
      - `x @ W.T` of a bias-free or MatMul-exported Linear: the initializer is W.T ([in, out]),
        read by the node `/<module path>/MatMul`;
      - GroupNorm, exported as Reshape -> InstanceNormalization (scale 1, bias 0) -> Reshape
        -> Mul(weight[C,1,1]) -> Add(bias[C,1,1]): the initializers are read by the nodes
        `/<module path>/Mul` and `/<module path>/Add`.

The folded names are mapped by the one node that reads each of them (its name is the module path),
never by order or shape, and each mapping checks the structure it relies on (module type, node op
and input slot, the InstanceNormalization in front of a GroupNorm's Mul). The state dict is loaded
with strict=True: any parameter not found, found twice, or any initializer left over is an error.

    /usr/bin/python3 models/toy/torch_from_onnx.py     # rebuild + check against reference/

The check runs the rebuilt UNet on the stored reference inputs and compares with the stored
PyTorch `out_sample` (written from the training weights by export.py).
"""

from __future__ import annotations

import json
import os
import re
import sys

import numpy as np
import onnx
from onnx import numpy_helper
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from model import ToyConfig, UNet2DConditionModel  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
UNET_ONNX = os.path.join(ROOT, "public", "models", "toy", "unet", "model.onnx")
REF_DIR = os.path.join(HERE, "reference")

# `/down_blocks.0/attentions.0/transformer_blocks.0/attn1/to_q/MatMul` -> module path + op.
_FOLDED_NODE = re.compile(r"^/(?P<scope>.+)/(?P<op>MatMul|Mul|Add)$")


class OnnxWeightError(RuntimeError):
    """The ONNX graph's initializers do not map one-to-one onto the UNet's parameters."""


def _unet_config() -> ToyConfig:
    """The config train.py trains with (make_config); only UNet fields matter here."""
    from train import make_config  # train.py adds nothing to the UNet's shape beyond ToyConfig
    return make_config()


def onnx_state_dict(graph: onnx.GraphProto, unet: nn.Module) -> dict[str, torch.Tensor]:
    """The UNet's state dict read from `graph`'s initializers (see the module docstring)."""
    modules = dict(unet.named_modules())
    expected = unet.state_dict()
    producer = {o: n for n in graph.node for o in n.output}
    readers: dict[str, list[tuple[onnx.NodeProto, int]]] = {}
    for node in graph.node:
        for slot, name in enumerate(node.input):
            readers.setdefault(name, []).append((node, slot))

    out: dict[str, torch.Tensor] = {}
    source: dict[str, str] = {}

    def put(key: str, value: np.ndarray, init_name: str) -> None:
        if key not in expected:
            raise OnnxWeightError(f"initializer {init_name} maps to {key!r}, which is not a UNet parameter")
        if key in out:
            raise OnnxWeightError(f"parameter {key!r} is given by two initializers: {source[key]} and {init_name}")
        want = tuple(expected[key].shape)
        if tuple(value.shape) != want:
            raise OnnxWeightError(f"initializer {init_name} -> {key!r} has shape {tuple(value.shape)}, the module {want}")
        out[key] = torch.from_numpy(np.array(value, dtype=np.float32, order="C"))  # a writable copy
        source[key] = init_name

    def module_at(scope: str, init_name: str, kind: type) -> nn.Module:
        path = scope.replace("/", ".")
        m = modules.get(path)
        if not isinstance(m, kind):
            raise OnnxWeightError(f"initializer {init_name} is read under /{scope}/, but the UNet's {path!r} is "
                                  f"{type(m).__name__ if m is not None else 'no module'}, not {kind.__name__}")
        return m

    for init in graph.initializer:
        name = init.name
        value = numpy_helper.to_array(init)
        if value.dtype != np.float32:
            raise OnnxWeightError(f"initializer {name} is {value.dtype}; the toy UNet is float32")
        users = readers.get(name, [])
        if not name.startswith("onnx::"):
            # A parameter under its own name: as PyTorch stores it, except where a MatMul reads it.
            for node, slot in users:
                if node.op_type == "MatMul":
                    raise OnnxWeightError(f"named initializer {name} is read by MatMul {node.name} (would be transposed)")
                if node.op_type == "Gemm":
                    attrs = {a.name: a.i for a in node.attribute}
                    if slot == 1 and attrs.get("transB", 0) != 1:
                        raise OnnxWeightError(f"Gemm {node.name} reads {name} with transB={attrs.get('transB', 0)}; expected 1")
            put(name, value, name)
            continue
        if len(users) != 1:
            raise OnnxWeightError(f"folded initializer {name} is read by {len(users)} nodes "
                                  f"({[n.name for n, _ in users]}); cannot tell which parameter it is")
        node, slot = users[0]
        m = _FOLDED_NODE.match(node.name)
        if not m or m["op"] != node.op_type or slot != 1:
            raise OnnxWeightError(f"folded initializer {name} is input {slot} of {node.op_type} node {node.name!r}; "
                                  f"expected input 1 of /<module>/MatMul, /<module>/Mul or /<module>/Add")
        scope, op = m["scope"], m["op"]
        if op == "MatMul":
            module_at(scope, name, nn.Linear)
            put(f"{scope.replace('/', '.')}.weight", value.T, name)  # x @ W.T: the initializer is W.T
            continue
        gn = module_at(scope, name, nn.GroupNorm)
        if op == "Mul":
            # Mul(Reshape(InstanceNormalization(...)), weight): check the decomposition it comes from.
            reshape = producer.get(node.input[0])
            norm = producer.get(reshape.input[0]) if reshape is not None and reshape.op_type == "Reshape" else None
            if norm is None or norm.op_type != "InstanceNormalization" or not norm.name.startswith(f"/{scope}/"):
                raise OnnxWeightError(f"{node.name} does not follow /{scope}/InstanceNormalization -> Reshape; "
                                      f"not a GroupNorm affine")
            eps = next((a.f for a in norm.attribute if a.name == "epsilon"), 1e-5)
            if not np.isclose(eps, gn.eps, rtol=1e-6, atol=0):
                raise OnnxWeightError(f"{norm.name} has epsilon {eps}, the module {gn.eps}")
            for i, want in ((1, 1.0), (2, 0.0)):  # the InstanceNorm's own affine must be the identity
                const = producer.get(norm.input[i])
                arr = numpy_helper.to_array(const.attribute[0].t) if const is not None and const.op_type == "Constant" else None
                if arr is None or not np.all(arr == want):
                    raise OnnxWeightError(f"{norm.name} input {i} is not a constant {want}: the GroupNorm's affine "
                                          f"would not be only the Mul/Add")
            put(f"{scope.replace('/', '.')}.weight", value.reshape(-1), name)
        else:
            prev = producer.get(node.input[0])
            if prev is None or prev.name != f"/{scope}/Mul":
                raise OnnxWeightError(f"{node.name} adds to {prev.name if prev else node.input[0]}, not /{scope}/Mul; "
                                      f"not a GroupNorm bias")
            put(f"{scope.replace('/', '.')}.bias", value.reshape(-1), name)

    missing = [k for k in expected if k not in out]
    if missing:
        raise OnnxWeightError(f"{len(missing)} UNet parameters have no initializer, e.g. {missing[:5]}")
    return out


def load_unet_from_onnx(path: str = UNET_ONNX, cfg: ToyConfig | None = None) -> UNet2DConditionModel:
    """The toy UNet (eval mode) with every parameter read from the ONNX graph at `path`."""
    graph = onnx.load(path).graph
    unet = UNet2DConditionModel(cfg or _unet_config())
    state = onnx_state_dict(graph, unet)
    unet.load_state_dict(state, strict=True)
    return unet.eval()


def read_reference(name: str, ref_dir: str = REF_DIR, index: str = "reference.json") -> torch.Tensor:
    """One tensor of models/toy/reference/ (raw little-endian float32/int32, see reference.json)."""
    with open(os.path.join(ref_dir, index)) as f:
        idx = json.load(f)
    e = idx["tensors"].get(name)
    if e is None:
        raise KeyError(f"no reference tensor {name!r} in {index}; have: {', '.join(idx['tensors'])}")
    n = int(np.prod(e["shape"]))
    raw = np.fromfile(os.path.join(ref_dir, idx["file"]), dtype="<i4" if e["dtype"] == "int32" else "<f4",
                      count=n, offset=e["offset"])
    return torch.from_numpy(raw.reshape(e["shape"]).copy())


def check_reference(unet: UNet2DConditionModel) -> dict:
    """Runs the stored reference inputs; max |a-b| and max |a-b| / max |b| against the stored out_sample."""
    sample, hidden = read_reference("sample"), read_reference("last_hidden_state")
    timestep = read_reference("timestep").to(torch.int64)
    want = read_reference("out_sample")
    with torch.no_grad():
        got = unet(sample, timestep, hidden)
    abs_err = (got - want).abs().max().item()
    return {"max_abs": abs_err, "rel": abs_err / want.abs().max().item()}


# float32 rounding (2^-24 ≈ 6e-8) through ~60 layers of sums of ≤ 864 terms, different kernels or
# thread splits than the reference run: the same bound as toy-model.test.ts's ONNX checks.
REL_TOL = 1e-4


def main() -> None:
    torch.set_num_threads(2)
    unet = load_unet_from_onnx()
    n = sum(p.numel() for p in unet.parameters())
    err = check_reference(unet)
    print(f"[torch_from_onnx] {len(unet.state_dict())} tensors, {n} parameters from {os.path.relpath(UNET_ONNX, ROOT)}; "
          f"out_sample vs reference: max abs {err['max_abs']:.3g}, rel {err['rel']:.3g}")
    if not err["rel"] < REL_TOL:
        sys.exit(f"rebuilt UNet does not reproduce reference out_sample: rel error {err['rel']:.3g} >= {REL_TOL}")


if __name__ == "__main__":
    main()
