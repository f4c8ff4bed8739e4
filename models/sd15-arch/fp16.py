"""Turn an fp32 ONNX graph into the fp16 graph a CUDA half-precision trace of the same module gives.

torch 1.13 has no CPU half kernels for convolution, norms or matmul, so the stand-ins are traced in fp32
and converted here (onnxconverter-common is not installable on the build machines). What a half trace
keeps in fp32, this keeps too:
- the part of the graph that only the fp32 inputs feed (`fp32_inputs`; the timestep: diffusers computes
  the sinusoidal features in fp32 and casts them to the weights' dtype before `time_embedding.linear_1`),
  up to the first MatMul, Gemm or Conv, where a Cast to fp16 is inserted;
- Resize's `roi` and `scales` (the operator takes them as float whatever the data's type);
- with `upcast_softmax`, every Softmax runs in fp32 between two Casts (diffusers 0.12's VAE attention
  computes `softmax(scores.float()).type(dtype)`).
Everything else that is float32 becomes float16: graph inputs and outputs, initializers, Constant and
ConstantOfShape values, Cast targets, value_info. Scalars in the graph (LayerNorm's epsilon, the GELU
constants) become fp16 too, as a half trace writes them in the tensor's type.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT, FLOAT16 = TensorProto.FLOAT, TensorProto.FLOAT16
# Where the fp32 timestep features meet the weights: the region stops before these.
WEIGHTED_OPS = {"MatMul", "Gemm", "Conv"}
# Inputs an operator needs as float32 even in an fp16 graph (ONNX Resize-13: roi T2, scales tensor(float)).
FLOAT_ONLY_INPUTS = {"Resize": (1, 2)}


def _fp32_region(graph: onnx.GraphProto, sources: set[str]) -> tuple[set[int], set[str]]:
    """Indices of nodes computed only from `sources` (and constants) up to a weighted op, and their outputs."""
    tainted = set(sources)
    region: set[int] = set()
    for i, node in enumerate(graph.node):  # ONNX nodes are topologically sorted
        if node.op_type in WEIGHTED_OPS or not any(x in tainted for x in node.input):
            continue
        region.add(i)
        tainted.update(node.output)
    return region, tainted


class _Names:
    """Fresh node and value names in the graph's own style: scoped ('/time_proj/Cast_fp16_0') or not."""

    def __init__(self, graph: onnx.GraphProto):
        self.used = {n.name for n in graph.node} | {o for n in graph.node for o in n.output}
        self.count = 0

    def node(self, op: str, near: onnx.NodeProto) -> str:
        scope = near.name.rsplit("/", 1)[0] + "/" if near.name.startswith("/") else ""
        while True:
            name = f"{scope}{op}_fp16_{self.count}"
            self.count += 1
            if name not in self.used:
                self.used.add(name)
                return name


def _cast(names: _Names, src: str, to: int, near: onnx.NodeProto) -> onnx.NodeProto:
    name = names.node("Cast", near)
    out = name + "_output_0" if name.startswith("/") else f"{name}_output"
    return helper.make_node("Cast", [src], [out], name=name, to=to)


def _to_fp16_tensor(t: TensorProto) -> TensorProto:
    arr = numpy_helper.to_array(t)
    if np.isfinite(arr).all() and np.abs(arr).max(initial=0) > 65504:
        arr = np.clip(arr, -65504, 65504)  # e.g. a -3.4e38 mask fill: keep it finite, as torch.finfo(half).min
    return numpy_helper.from_array(arr.astype(np.float16), t.name)


def convert_to_fp16(model: onnx.ModelProto, fp32_inputs: tuple[str, ...] = (),
                    upcast_softmax: bool = False) -> onnx.ModelProto:
    """Converts `model` in place and returns it. `fp32_inputs` become fp16 graph inputs that are cast to
    fp32 at once (the nmkd timestep); int inputs named there just start the fp32 region."""
    g = model.graph
    names = _Names(g)
    inputs = {i.name: i for i in g.input}
    sources = {n for n in fp32_inputs if n in inputs}
    region, fp32_values = _fp32_region(g, sources)

    consumers: dict[str, list[tuple[onnx.NodeProto, int, int]]] = {}
    for ni, node in enumerate(g.node):
        for k, x in enumerate(node.input):
            consumers.setdefault(x, []).append((node, ni, k))

    def keeps_fp32(value: str) -> bool:
        """A constant stays fp32 when every reader is in the fp32 region or takes float-only input."""
        readers = consumers.get(value, [])
        return bool(readers) and all(ni in region or k in FLOAT_ONLY_INPUTS.get(n.op_type, ()) for n, ni, k in readers)

    for i, init in enumerate(g.initializer):
        if init.data_type == FLOAT and not keeps_fp32(init.name):
            g.initializer[i].CopyFrom(_to_fp16_tensor(init))

    new_nodes: list[onnx.NodeProto] = []
    # fp16 graph inputs that the fp32 region reads: cast up right after the input.
    renamed: dict[str, str] = {}
    for name in sources:
        vi = inputs[name]
        if vi.type.tensor_type.elem_type == FLOAT:
            vi.type.tensor_type.elem_type = FLOAT16
            first = next(n for n, _, _ in consumers[name])
            cast = _cast(names, name, FLOAT, first)
            new_nodes.append(cast)
            renamed[name] = cast.output[0]
            fp32_values.add(cast.output[0])

    for ni, node in enumerate(g.node):
        in_region = ni in region
        for k, x in enumerate(node.input):
            if x in renamed:
                node.input[k] = renamed[x]
            elif x in fp32_values and not in_region and x not in sources:
                # Where fp32 features meet fp16 weights (time_embedding.linear_1): cast down.
                cast = _cast(names, x, FLOAT16, node)
                new_nodes.append(cast)
                node.input[k] = cast.output[0]
        if not in_region:
            if node.op_type == "Cast" and helper.get_attribute_value(node.attribute[0]) == FLOAT:
                node.attribute[0].i = FLOAT16
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.TENSOR and attr.t.data_type == FLOAT \
                        and not all(keeps_fp32(o) for o in node.output):
                    attr.t.CopyFrom(_to_fp16_tensor(attr.t))
        if upcast_softmax and node.op_type == "Softmax" and not in_region:
            up = _cast(names, node.input[0], FLOAT, node)
            new_nodes.append(up)
            node.input[0] = up.output[0]
            down = _cast(names, node.output[0] + "_fp32", FLOAT16, node)
            down.input[0], down.output[0] = node.output[0] + "_fp32", node.output[0]
            node.output[0] = down.input[0]
            new_nodes.append(node)
            new_nodes.append(down)
            continue
        new_nodes.append(node)

    g.ClearField("node")
    g.node.extend(new_nodes)  # each inserted Cast sits next to its reader: still topologically sorted
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        tt = vi.type.tensor_type
        if tt.elem_type == FLOAT and vi.name not in fp32_values:
            tt.elem_type = FLOAT16
    return model
