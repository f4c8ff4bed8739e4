"""Export the trained toy model to public/models/toy/.

Writes, with SD 1.5's ONNX IO names (TorchScript exporter, opset 17, dynamic batch):
    text_encoder/model.onnx   input_ids int64 [B,77]                  -> last_hidden_state [B,77,D]
    unet/model.onnx           sample [B,4,16,16], timestep int64 [B],
                              encoder_hidden_states [B,77,D]          -> out_sample [B,4,16,16]
    unet_external/model.onnx + model.onnx_data   (same graph, weights in an external file)
    vae_decoder/model.onnx    latent_sample [B,4,16,16]               -> sample [B,3,64,64]
    vae_encoder/model.onnx    sample [B,3,64,64]                      -> latent_sample [B,4,16,16]
    probe/model.onnx          image [B,3,64,64]    -> shape, color, position, size, background
    tokenizer.json, scheduler_config.json, manifest.json
and the reference inputs/outputs that models/toy/toy-model.test.ts checks onnxruntime-web against
(models/toy/reference/), and the UNet's block outputs on those inputs that
models/toy/block-capture.test.ts checks the lab's hooked-UNet capture against.

    /usr/bin/python3 models/toy/train.py --stages export        # everything, from the training checkpoints
    /usr/bin/python3 models/toy/export.py --block-reference-only
        # only reference/block-reference.{json,bin}, with no checkpoint: the UNet rebuilt from
        # public/models/toy/unet/model.onnx's weights (torch_from_onnx.py)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys

import numpy as np
import onnx
import torch

import scenes
from model import AttributeProbe, VaeDecoderExport, VaeEncoderExport, count_params
from tokenizer import CONTEXT_LENGTH, WordTokenizer

OPSET = 17
HERE = os.path.dirname(os.path.abspath(__file__))
REF_DIR = os.path.join(HERE, "reference")
DEFAULT_HOOK = "up_blocks.1.attentions.1"
REF_PROMPT = "a small red circle at the top left on a blue background"
# Blocks whose outputs the block reference stores: the default hook, the other attention of
# its up block (same shape: a swapped block must fail the check), a resnet down and one up (both with a
# conv_shortcut), a down-block attention, and the mid block's attention and last resnet (whose output
# is the mid block's output). Small feature maps keep the files small (~180 kB).
BLOCK_REF_HOOKS = (DEFAULT_HOOK, "up_blocks.1.attentions.0", "down_blocks.1.resnets.0", "down_blocks.0.attentions.0",
                   "mid_block.attentions.0", "mid_block.resnets.1", "up_blocks.3.resnets.1")
# The stored reference timestep (421) and a second, early (noisy) DDIM-25 step, so a capture that
# ignored the timestep would fail.
BLOCK_REF_SECOND_TIMESTEP = 881


def _export(module, args, path, input_names, output_names, dynamic):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(module, args, path, input_names=input_names, output_names=output_names,
                      dynamic_axes=dynamic, opset_version=OPSET, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def block_paths(unet) -> list[str]:
    """Every resnet and attention block of the UNet, in forward order."""
    out = []
    for name, _ in unet.named_modules():
        parts = name.split(".")
        if (len(parts) == 4 and parts[0] in ("down_blocks", "up_blocks") and parts[2] in ("resnets", "attentions")) \
                or (len(parts) == 3 and parts[0] == "mid_block"):
            out.append(name)
    # named_modules lists resnets before attentions of a block; forward order interleaves them.
    order = {}
    hooks = []
    mods = dict(unet.named_modules())
    for p in out:
        def record(m, i, o, p=p):
            order.setdefault(p, (len(order), o.shape))  # returns None: output unchanged
        hooks.append(mods[p].register_forward_hook(record))
    return out, order, hooks


def hook_catalogue(unet, cfg, graph: onnx.ModelProto) -> list[dict]:
    paths, order, hooks = block_paths(unet)
    with torch.no_grad():
        unet(torch.zeros(1, 4, 16, 16), torch.tensor([10]), torch.zeros(1, CONTEXT_LENGTH, cfg.hidden_size))
    for h in hooks:
        h.remove()
    # The block's output tensor in the exported graph: the output of the last node whose
    # scope is the block (nodes are topologically sorted; the last one is the residual Add).
    last = {}
    for node in graph.graph.node:
        for p in paths:
            prefix = "/" + "/".join(_scope_parts(p)) + "/"
            if node.name.startswith(prefix):
                last[p] = node.output[0]
    cat = []
    for p in sorted(paths, key=lambda p: order[p][0]):
        _, shape = order[p]
        cat.append({"path": p, "channels": int(shape[1]), "height": int(shape[2]), "width": int(shape[3]),
                    "onnxOutput": last.get(p), "default": p == DEFAULT_HOOK})
    return cat


def _scope_parts(path: str) -> list[str]:
    """'up_blocks.1.attentions.0' -> ['up_blocks.1', 'attentions.0'] (torch.onnx scope names)."""
    parts = path.split(".")
    out = []
    i = 0
    while i < len(parts):
        if i + 1 < len(parts) and parts[i + 1].isdigit():
            out.append(parts[i] + "." + parts[i + 1])
            i += 2
        else:
            out.append(parts[i])
            i += 1
    return out


def export_all(cfg, work: str, out_dir: str, log) -> None:
    from train import load_unet, load_vae, make_config  # noqa: F401  (cycle-free at call time)
    torch.manual_seed(0)
    os.makedirs(out_dir, exist_ok=True)
    vae, scale = load_vae(cfg, work)
    te, unet, step = load_unet(cfg, work, use_ema=True)
    probe = AttributeProbe(cfg)
    probe.load_state_dict(torch.load(os.path.join(work, "probe.pt")))
    probe.eval()
    tok = WordTokenizer()
    B = "batch"

    ids = torch.from_numpy(tok([REF_PROMPT, ""]))
    _export(te, (ids,), f"{out_dir}/text_encoder/model.onnx", ["input_ids"], ["last_hidden_state"],
            {"input_ids": {0: B}, "last_hidden_state": {0: B}})

    sample = torch.randn(2, 4, 16, 16)
    timestep = torch.tensor([500, 20], dtype=torch.int64)
    ehs = te(ids).detach()
    unet_path = f"{out_dir}/unet/model.onnx"
    _export(unet, (sample, timestep, ehs), unet_path, ["sample", "timestep", "encoder_hidden_states"],
            ["out_sample"], {"sample": {0: B}, "timestep": {0: B}, "encoder_hidden_states": {0: B},
                             "out_sample": {0: B}})
    # The same graph with its weights in one external data file (SD 1.5's other layout).
    ext_dir = f"{out_dir}/unet_external"
    if os.path.exists(ext_dir):
        shutil.rmtree(ext_dir)
    os.makedirs(ext_dir)
    g = onnx.load(unet_path)
    onnx.save_model(g, f"{ext_dir}/model.onnx", save_as_external_data=True, all_tensors_to_one_file=True,
                    location="model.onnx_data", size_threshold=0)
    onnx.checker.check_model(f"{ext_dir}/model.onnx")

    lat = torch.randn(2, 4, 16, 16) / scale
    _export(VaeDecoderExport(vae), (lat,), f"{out_dir}/vae_decoder/model.onnx", ["latent_sample"], ["sample"],
            {"latent_sample": {0: B}, "sample": {0: B}})
    attrs, imgs = scenes.make_dataset(99, 2)
    from train import to_tensor
    img = to_tensor(imgs)
    _export(VaeEncoderExport(vae), (img,), f"{out_dir}/vae_encoder/model.onnx", ["sample"], ["latent_sample"],
            {"sample": {0: B}, "latent_sample": {0: B}})
    names = list(scenes.ATTRIBUTES)
    _export(probe, (img,), f"{out_dir}/probe/model.onnx", ["image"], names,
            {"image": {0: B}, **{k: {0: B} for k in names}})

    tok.save(f"{out_dir}/tokenizer.json")
    with open(f"{out_dir}/scheduler_config.json", "w") as f:
        json.dump({
            "_class_name": "DDIMScheduler", "_diffusers_version": "0.21.0",
            "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
            "num_train_timesteps": 1000, "set_alpha_to_one": False, "steps_offset": 1,
            "prediction_type": "epsilon", "clip_sample": False, "trained_betas": None,
            "timestep_spacing": "leading",
        }, f, indent=2)
        f.write("\n")

    hooks = hook_catalogue(unet, cfg, g)
    n_named = sum(1 for n in g.graph.node if n.name.startswith("/up_blocks.1/attentions.1/"))
    print(f"[export] {n_named} UNet nodes under /up_blocks.1/attentions.1/, e.g. "
          f"{[n.name for n in g.graph.node if n.name.startswith('/up_blocks.1/attentions.1/')][:3]}")
    assert n_named > 0, "node names do not carry module paths"
    manifest = {
        "name": "toy-sd",
        "description": ("Tiny SD-1.5-shaped latent diffusion model trained by models/toy/train.py on "
                        "procedural scenes (one flat shape on a plain background, 64x64) with known "
                        "attributes. Same IO and module names as SD 1.5; for offline use and tests."),
        "imageSize": 64,
        "latentChannels": 4,
        "vaeScaleFactor": 4,
        "latentScale": scale,
        "textEncoder": {"file": "text_encoder/model.onnx", "contextLength": CONTEXT_LENGTH,
                        "hiddenSize": cfg.hidden_size, "padTokenId": 0, "bosTokenId": 2, "eosTokenId": 3},
        "unet": {"file": "unet/model.onnx", "timestepDtype": "int64", "timestepShape": ["batch"]},
        "unetExternalData": {"file": "unet_external/model.onnx", "data": "unet_external/model.onnx_data"},
        "vaeDecoder": {"file": "vae_decoder/model.onnx"},
        "vaeEncoder": {"file": "vae_encoder/model.onnx"},
        "tokenizer": "tokenizer.json",
        "scheduler": "scheduler_config.json",
        "sampler": {"name": "ddim", "steps": 25, "guidanceScale": 5.0},
        "hooks": hooks,
        "probe": {"file": "probe/model.onnx", "input": "image", "inputRange": [-1, 1],
                  "attributes": {k: list(v) for k, v in scenes.ATTRIBUTES.items()}},
        "training": {"unetSteps": step, "ema": True, "seed": 1234, "script": "models/toy/train.py"},
        "parameters": {"unet": count_params(unet), "textEncoder": count_params(te),
                       "vae": count_params(vae), "probe": count_params(probe)},
    }
    # The step previews are made afterwards: the latent → RGB map by `npm run cli -- fit-preview` (TypeScript,
    # on the exported graphs), the TAESD-style decoder by models/toy/train_taesd.py (trained on this VAE).
    # Keep both across re-exports, and redo them after retraining.
    old = f"{out_dir}/manifest.json"
    if os.path.exists(old):
        with open(old) as f:
            previous = json.load(f)
        for key in ("previewMatrix", "previewDecoder"):
            if key in previous:
                manifest[key] = previous[key]
        if "previewDecoder" in previous.get("parameters", {}):
            manifest["parameters"]["previewDecoder"] = previous["parameters"]["previewDecoder"]
    with open(f"{out_dir}/manifest.json", "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    write_reference(te, unet, vae, probe, scale, tok)
    write_block_reference(unet, unet_path, "training checkpoint (EMA), as exported")
    sizes = {os.path.relpath(os.path.join(d, f), out_dir): os.path.getsize(os.path.join(d, f))
             for d, _, fs in os.walk(out_dir) for f in fs}
    total = sum(sizes.values())
    print(f"[export] wrote {len(sizes)} files, {total / 1e6:.2f} MB: "
          + ", ".join(f"{k} {v / 1e6:.2f}MB" for k, v in sorted(sizes.items())), flush=True)
    log.set("export", {"files": sizes, "total_bytes": total})


def write_reference(te, unet, vae, probe, scale, tok) -> None:
    """Fixed inputs and PyTorch outputs, batch 1, as raw little-endian arrays + reference.json."""
    os.makedirs(REF_DIR, exist_ok=True)
    g = torch.Generator().manual_seed(42)
    ids = torch.from_numpy(tok([REF_PROMPT]))
    with torch.no_grad():
        hidden = te(ids)
        sample = torch.randn(1, 4, 16, 16, generator=g)
        timestep = torch.tensor([421], dtype=torch.int64)
        out_sample = unet(sample, timestep, hidden)
        latent = torch.randn(1, 4, 16, 16, generator=g) / scale
        decoded = vae.decode(latent)
        _, imgs = scenes.make_dataset(7, 1)
        image = torch.from_numpy(imgs).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
        enc = vae.encode(image)[0]
        logits = probe(image)
    arrays = {"text": REF_PROMPT}
    tensors = {
        "input_ids": ids.to(torch.int32),  # stored as int32 to halve it; feed as int64
        "last_hidden_state": hidden, "sample": sample, "timestep": timestep.to(torch.int32),
        "out_sample": out_sample, "latent_sample": latent, "decoded": decoded, "image": image,
        "encoded": enc,
        **{f"probe_{k}": v for k, v in zip(scenes.ATTRIBUTES, logits)},
    }
    blob = bytearray()
    entries = {}
    for name, t in tensors.items():
        a = t.detach().numpy()
        dtype = "int32" if a.dtype == np.int32 else "float32"
        a = a.astype("<i4" if dtype == "int32" else "<f4")
        entries[name] = {"offset": len(blob), "dtype": dtype, "shape": list(a.shape)}
        blob += a.tobytes()
    with open(os.path.join(REF_DIR, "reference.bin"), "wb") as f:
        f.write(bytes(blob))
    with open(os.path.join(REF_DIR, "reference.json"), "w") as f:
        json.dump({"prompt": arrays["text"], "file": "reference.bin", "tensors": entries,
                   "note": "PyTorch outputs of the exported modules (EMA weights) on these inputs; "
                           "written by models/toy/export.py"}, f, indent=1)
        f.write("\n")


def write_block_reference(unet, unet_onnx: str, weights: str) -> dict:
    """Outputs of BLOCK_REF_HOOKS (forward hooks) and out_sample, batch 1, for the stored reference
    inputs at the stored timestep and at BLOCK_REF_SECOND_TIMESTEP, into reference/block-reference.json
    + .bin (the layout of reference.json: raw little-endian float32, offsets in bytes).

    Tensor names: `t<timestep>/<block path>` [1, C, H, W] and `t<timestep>/out_sample` [1, 4, 16, 16].
    `unet_onnx`'s sha256 is recorded so that a stale reference (graph re-exported, reference not) is
    named as such by the test."""
    from torch_from_onnx import read_reference
    sample = read_reference("sample")
    hidden = read_reference("last_hidden_state")
    timesteps = [int(read_reference("timestep").item()), BLOCK_REF_SECOND_TIMESTEP]
    mods = dict(unet.named_modules())
    unknown = [p for p in BLOCK_REF_HOOKS if p not in mods]
    if unknown:
        raise KeyError(f"block reference: the UNet has no module {unknown}")
    captured: dict[str, torch.Tensor] = {}
    handles = []
    for p in BLOCK_REF_HOOKS:
        def grab(m, i, o, p=p):
            if p in captured:
                raise RuntimeError(f"block {p} ran twice in one forward pass")
            captured[p] = o.detach().clone()  # returns None: the output is unchanged
        handles.append(mods[p].register_forward_hook(grab))
    tensors: dict[str, torch.Tensor] = {}
    try:
        for t in timesteps:
            captured.clear()
            with torch.no_grad():
                out = unet(sample, torch.tensor([t], dtype=torch.int64), hidden)
            for p in BLOCK_REF_HOOKS:
                tensors[f"t{t}/{p}"] = captured[p]
            tensors[f"t{t}/out_sample"] = out
    finally:
        for h in handles:
            h.remove()
    blob = bytearray()
    entries = {}
    for name, t in tensors.items():
        a = t.numpy().astype("<f4")
        entries[name] = {"offset": len(blob), "dtype": "float32", "shape": list(a.shape)}
        blob += a.tobytes()
    with open(unet_onnx, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    index = {
        "file": "block-reference.bin",
        "inputs": {"file": "reference.json", "sample": "sample", "encoder_hidden_states": "last_hidden_state"},
        "timesteps": timesteps,
        "blocks": list(BLOCK_REF_HOOKS),
        "unet": os.path.relpath(unet_onnx, os.path.join(HERE, "..", "..")),
        "unetSha256": sha,
        "weights": weights,
        "tensors": entries,
        "note": "PyTorch forward-hook outputs of UNet blocks on reference.json's sample and last_hidden_state "
                "at each timestep, batch 1; written by models/toy/export.py",
    }
    with open(os.path.join(REF_DIR, "block-reference.bin"), "wb") as f:
        f.write(bytes(blob))
    with open(os.path.join(REF_DIR, "block-reference.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print(f"[export] block reference: {len(BLOCK_REF_HOOKS)} blocks x timesteps {timesteps}, "
          f"{len(blob) / 1e3:.1f} kB -> {os.path.relpath(REF_DIR)}/block-reference.*", flush=True)
    return index


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--block-reference-only", action="store_true",
                    help="write only reference/block-reference.{json,bin}, from the shipped UNet ONNX's weights "
                         "(no training checkpoint needed)")
    ap.add_argument("--work", default=os.path.join(HERE, "work"), help="checkpoint folder for a full export")
    args = ap.parse_args()
    torch.set_num_threads(2)
    from train import OUT_DIR, Log, make_config
    if args.block_reference_only:
        import torch_from_onnx
        unet = torch_from_onnx.load_unet_from_onnx(torch_from_onnx.UNET_ONNX, make_config())
        err = torch_from_onnx.check_reference(unet)
        print(f"[export] UNet rebuilt from {os.path.relpath(torch_from_onnx.UNET_ONNX)}: out_sample vs reference.json "
              f"max abs {err['max_abs']:.3g}, rel {err['rel']:.3g}", flush=True)
        if not err["rel"] < torch_from_onnx.REL_TOL:
            sys.exit(f"the rebuilt UNet does not reproduce reference out_sample (rel {err['rel']:.3g}); not writing")
        write_block_reference(unet, torch_from_onnx.UNET_ONNX,
                              "public/models/toy/unet/model.onnx initializers, via models/toy/torch_from_onnx.py")
        return
    if not os.path.exists(os.path.join(args.work, "unet.pt")):
        sys.exit(f"no training checkpoint in {args.work} (train with models/toy/train.py); "
                 f"--block-reference-only needs none")
    cfg = make_config()
    log = Log(os.path.join(args.work, "log.json"))
    export_all(cfg, args.work, OUT_DIR, log)
    log.save()


if __name__ == "__main__":
    main()
