"""fp32 PyTorch references for the fp16 LayerNorm check: the narrow UNet on reference.bin's `sample`,
timestep 421 and large text states: each row's token 1 of `encoder_hidden_states` repeated over the 77
positions, scaled by 100 and by 300.

Why these inputs: the transformer blocks' LayerNorms (norm1-3) see GroupNorm-normalised activations,
except norm3, whose input carries cross-attention's output, linear in encoder_hidden_states (the values
of attention are projected from it). Scaling the text states therefore scales norm3's input, and a
decomposed fp16 LayerNorm (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div at opset 14) overflows once
some |x - mean| passes sqrt(65504) ~= 256: x100 stays under that, x300 passes it. One token repeated
keeps the attention well conditioned: every key is the same, so the softmax is uniform however large the
scores, and attention returns the value itself. (With 77 different tokens scaled x100 the scores reach
thousands, the softmax picks a token by differences below fp16's resolution there, and fp16 and fp32
disagree wherever LayerNorm is computed.) Scaling `sample` changes nothing here (GroupNorm first).

Writes narrow/reference/stress.json + stress.bin (the layout of reference.json): `out_sample/x<scale>`,
and per scale the largest |x - mean| over the last axis at any LayerNorm input and where.

    /usr/bin/python3 models/sd15-arch/stress_reference.py
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from manifests import write_json  # noqa: E402
from standins import SIZES, build  # noqa: E402

SCALES = (100, 300)
TIMESTEP = 421
REF_DIR = os.path.join(HERE, "narrow", "reference")


def read_reference(name: str) -> torch.Tensor:
    index = json.load(open(os.path.join(REF_DIR, "reference.json")))
    e = index["tensors"][name]
    count = int(np.prod(e["shape"]))
    with open(os.path.join(REF_DIR, index["file"]), "rb") as f:
        f.seek(e["offset"])
        a = np.frombuffer(f.read(4 * count), dtype="<f4" if e["dtype"] == "float32" else "<i4")
    return torch.from_numpy(a.reshape(e["shape"]).copy())


def main() -> None:
    s = build(SIZES["narrow"])
    deviations: dict[str, float] = {}

    def watch(name: str):
        def hook(module, args):
            x = args[0]
            deviations[name] = max(deviations.get(name, 0.0), (x - x.mean(-1, keepdim=True)).abs().amax().item())
        return hook

    for name, m in s.unet.named_modules():
        if isinstance(m, torch.nn.LayerNorm):
            m.register_forward_pre_hook(watch(name))
    sample = read_reference("sample")
    hidden = read_reference("encoder_hidden_states")[:, 1:2, :].expand(-1, 77, -1).contiguous()
    blob, entries, layer_norm = bytearray(), {}, {}
    for scale in SCALES:
        deviations.clear()
        with torch.no_grad():
            out = s.unet(sample, torch.tensor([TIMESTEP] * 2), hidden * scale)
        a = out.numpy().astype("<f4")
        entries[f"out_sample/x{scale}"] = {"offset": len(blob), "dtype": "float32", "shape": list(a.shape)}
        blob += a.tobytes()
        where = max(deviations, key=deviations.get)
        layer_norm[f"x{scale}"] = {"maxDeviation": round(deviations[where], 2), "at": where,
                                   "overSqrtF16Max": sum(1 for v in deviations.values() if v > 65504 ** 0.5),
                                   "layerNorms": len(deviations)}
    with open(os.path.join(REF_DIR, "stress.bin"), "wb") as f:
        f.write(bytes(blob))
    write_json(os.path.join(REF_DIR, "stress.json"), {
        "file": "stress.bin", "tensors": entries, "scales": list(SCALES), "timestep": TIMESTEP,
        "inputs": "reference.json's sample; its encoder_hidden_states[:, 1] repeated over 77 positions, x scale; timestep 421",
        "layerNorm": layer_norm,
        "note": "fp32 PyTorch outputs of the narrow stand-in's UNet; written by models/sd15-arch/stress_reference.py"})


if __name__ == "__main__":
    main()
