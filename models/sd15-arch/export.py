"""Write the SD 1.5 stand-ins: SD 1.5's architecture with random weights, exported like the public exports.

    /usr/bin/python3 models/sd15-arch/export.py --size narrow --out models/sd15-arch/narrow
    npm run model:sd15-standin -- --size full --out DIR          (about 1.7 GB of UNet weights)

Layouts, each a folder with the lab's manifest.json:
    nmkd/           like nmkd/stable-diffusion-1.5-onnx-fp16 (diffusers' convert_stable_diffusion_checkpoint_
                    to_onnx.py, --fp16): opset 14, fp16 weights and IO, text_encoder input_ids int32
                    [batch, sequence] -> last_hidden_state, pooler_output; unet sample, timestep fp16 [batch],
                    encoder_hidden_states -> out_sample, weights in unet/weights.pb; vae_decoder latent_sample
                    -> sample. Node names scoped by module (torch 1.13).
    nmkd-unscoped/  the same graphs with torch <= 1.12's unscoped node names (Conv_12, onnx::Add_345).
    webnn/          like microsoft/stable-diffusion-v1.5-webnn's UNet: one fp16 file, static batch 2, int64
                    timestep [2], static latent side; the text encoder and VAE decoder are nmkd's.
Also `reference/` (narrow only: fp32 PyTorch outputs on fixed inputs, for the lab's numeric checks) and
`hooks.json` (the full model's hook catalogue at 512 px, written whatever the size).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import sys
import time
from dataclasses import dataclass

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import clip_tokenizer  # noqa: E402
from manifests import SD15_SCHEDULER, manifest, write_json  # noqa: E402
from onnx_export import save_fp16, trace_fp32  # noqa: E402
from standins import SIZES, StandIn, build, count_params, hook_catalogue, meta_device  # noqa: E402
from unet import UNet2DConditionModel  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REF_PROMPT = "a red circle on a blue background"
REF_TIMESTEP = 421
# Blocks whose PyTorch outputs the reference keeps: the default hook and its sibling, resnets with and
# without conv_shortcut, a down-block attention, the mid block, the last attention.
REF_BLOCKS = ("up_blocks.1.attentions.1", "up_blocks.1.attentions.0", "down_blocks.1.resnets.0",
              "down_blocks.0.attentions.0", "mid_block.attentions.0", "mid_block.resnets.1",
              "up_blocks.3.resnets.1", "up_blocks.3.attentions.2")


@dataclass(frozen=True)
class Layout:
    name: str
    description: str
    scoped: bool
    dynamic: bool               # dynamic batch and spatial axes (nmkd) or static batch 2 (webnn)
    timestep_dtype: str         # "float16" (nmkd) or "int64" (webnn)
    files: dict


NMKD_FILES = {"text_encoder": "text_encoder/model.onnx", "unet": "unet/model.onnx", "unet_data": "unet/weights.pb",
              "vae_decoder": "vae_decoder/model.onnx", "tokenizer": "tokenizer/tokenizer.json",
              "scheduler": "scheduler/scheduler_config.json"}
LAYOUTS = (
    Layout("nmkd", "nmkd/stable-diffusion-1.5-onnx-fp16 export (torch 1.13 scoped node names)", True, True,
           "float16", NMKD_FILES),
    Layout("nmkd-unscoped", "nmkd/stable-diffusion-1.5-onnx-fp16 export with torch <= 1.12's unscoped node names",
           False, True, "float16", NMKD_FILES),
    Layout("webnn", "microsoft/stable-diffusion-v1.5-webnn UNet (single fp16 file, static batch 2, int64 timestep)",
           True, False, "int64",
           {"text_encoder": "text-encoder.onnx", "unet": "unet.onnx", "vae_decoder": "vae-decoder.onnx",
            "tokenizer": "tokenizer/tokenizer.json", "scheduler": "scheduler/scheduler_config.json"}),
)


def log(msg: str) -> None:
    print(f"[sd15-standin {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def link(target: str, path: str) -> None:
    """`path` becomes a relative symlink to `target`: a layout's file that is byte for byte nmkd's is kept
    once on disk (git stores the link; the test servers and onnxruntime follow it)."""
    if os.path.lexists(path):
        os.remove(path)
    os.symlink(os.path.relpath(target, os.path.dirname(path)), path)


def export_text_encoder(s: StandIn, path: str, scoped: bool) -> None:
    ids = torch.tensor([clip_tokenizer.encode(REF_PROMPT, s.size.bos_token_id, s.size.eos_token_id)], dtype=torch.int32)
    m = trace_fp32(s.text_encoder, (ids,), ["input_ids"], ["last_hidden_state", "pooler_output"],
                   {"input_ids": {0: "batch", 1: "sequence"}}, scoped)
    save_fp16(m, path)


def export_vae_decoder(s: StandIn, path: str, scoped: bool) -> None:
    side = s.size.unet.sample_size
    m = trace_fp32(s.vae_decoder, (torch.randn(1, 4, side, side),), ["latent_sample"], ["sample"],
                   {"latent_sample": {0: "batch", 1: "channels", 2: "height", 3: "width"}}, scoped)
    save_fp16(m, path, upcast_softmax=True)


def export_unet(s: StandIn, layout: Layout, folder: str) -> None:
    cfg = s.unet.config
    names = ["sample", "timestep", "encoder_hidden_states"]
    if layout.dynamic:  # diffusers' export call: batch 2 at sample_size, a float timestep
        side, timestep = cfg.sample_size, torch.randn(2)
        dynamic = {"sample": {0: "batch", 1: "channels", 2: "height", 3: "width"}, "timestep": {0: "batch"},
                   "encoder_hidden_states": {0: "batch", 1: "sequence"}}
    else:
        side, timestep, dynamic = s.size.webnn_latent, torch.tensor([REF_TIMESTEP] * 2), None
    args = (torch.randn(2, cfg.in_channels, side, side), timestep, torch.randn(2, 77, cfg.cross_attention_dim))
    m = trace_fp32(s.unet, args, names, ["out_sample"], dynamic, layout.scoped)
    data = layout.files.get("unet_data")
    save_fp16(m, os.path.join(folder, layout.files["unet"]), external_data=data and os.path.basename(data),
              fp32_inputs=("timestep",))


def write_layout(s: StandIn, layout: Layout, out: str) -> None:
    folder = os.path.join(out, layout.name)
    if os.path.exists(folder):
        shutil.rmtree(folder)
    f = layout.files
    nmkd = os.path.join(out, "nmkd")
    if layout.name == "webnn":  # the webnn layout's text encoder and VAE decoder are nmkd's files
        os.makedirs(folder)
        link(os.path.join(nmkd, NMKD_FILES["text_encoder"]), os.path.join(folder, f["text_encoder"]))
        link(os.path.join(nmkd, NMKD_FILES["vae_decoder"]), os.path.join(folder, f["vae_decoder"]))
    else:
        log(f"{layout.name}: text encoder")
        export_text_encoder(s, os.path.join(folder, f["text_encoder"]), layout.scoped)
        log(f"{layout.name}: VAE decoder")
        export_vae_decoder(s, os.path.join(folder, f["vae_decoder"]), layout.scoped)
    log(f"{layout.name}: UNet")
    export_unet(s, layout, folder)
    data = f.get("unet_data")
    if data and layout.name != "nmkd" and os.path.exists(os.path.join(nmkd, data)) \
            and filecmp.cmp(os.path.join(nmkd, data), os.path.join(folder, data), shallow=False):
        link(os.path.join(nmkd, data), os.path.join(folder, data))  # the same weights, named the same
    write_json(os.path.join(folder, f["scheduler"]), SD15_SCHEDULER)
    os.makedirs(os.path.dirname(os.path.join(folder, f["tokenizer"])), exist_ok=True)
    clip_tokenizer.write(os.path.join(folder, f["tokenizer"]), s.size.bos_token_id, s.size.eos_token_id)
    side = s.size.image_size if layout.dynamic else s.size.webnn_latent * 8
    layout_hooks = hook_catalogue(s.unet, side)
    params = {"unet": count_params(s.unet), "textEncoder": count_params(s.text_encoder),
              "vaeDecoder": count_params(s.vae_decoder)}
    write_json(os.path.join(folder, "manifest.json"),
               manifest(layout, s.size, folder, f, layout_hooks, params, notes(s, layout)))


def notes(s: StandIn, layout: Layout) -> list[str]:
    size = s.size
    out = [
        "Written by models/sd15-arch/export.py: SD 1.5's modules (diffusers 0.12 / transformers 4.25 names and "
        f"operations) with random weights (seed in standins.py), traced by torch {torch.__version__} at opset 14 "
        "in fp32 and converted to fp16 by models/sd15-arch/fp16.py (timestep features and Resize scales kept fp32, "
        "the VAE attention's softmax in fp32).",
        "The text encoder has a second output, pooler_output, as diffusers' export writes it.",
        f"Tokenizer: CLIP's format and byte-level alphabet without merges (clip_tokenizer.py); start/end ids "
        f"{size.bos_token_id}/{size.eos_token_id}.",
        "scheduler_config.json is SD 1.5's published one (PNDMScheduler, no timestep_spacing).",
    ]
    if size.name == "narrow":
        out.append("Narrow widths (standins.py): UNet and VAE blocks 8/16/24/24 with 8 GroupNorm groups, CLIP width "
                   "24, vocabulary 514. Hook shapes are this model's at imageSize; SD 1.5's are in hooks.json.")
    if not layout.scoped:
        out.append("Node names are unscoped (torch <= 1.12 style): hooks carry no onnxOutput.")
    if not layout.dynamic:
        out.append(f"Static shapes: sample [2,4,{size.webnn_latent},{size.webnn_latent}], timestep int64 [2], "
                   "encoder_hidden_states [2,77,hidden]. The real webnn UNet is 64x64 and graph-optimised "
                   "(fused LayerNorm, attention); this one is the plain torch export.")
    return out


def write_reference(s: StandIn, out: str) -> None:
    """fp32 PyTorch outputs on fixed inputs, as reference.json + reference.bin (raw little-endian float32 /
    int32, the layout of models/toy/reference/): text encoder, UNet (batch 2, prompt and empty prompt),
    the REF_BLOCKS' outputs in that UNet call, and the VAE decoder."""
    g = torch.Generator().manual_seed(42)
    size, side = s.size, s.size.webnn_latent
    ids = torch.tensor([clip_tokenizer.encode(t, size.bos_token_id, size.eos_token_id) for t in (REF_PROMPT, "")],
                       dtype=torch.int32)
    mods = dict(s.unet.named_modules())
    blocks: dict[str, torch.Tensor] = {}
    handles = []
    for p in REF_BLOCKS:
        def grab(module, args, output, p=p):
            blocks[p] = output.clone()  # returns None: the output is unchanged

        handles.append(mods[p].register_forward_hook(grab))
    with torch.no_grad():
        hidden, pooled = s.text_encoder(ids)
        sample = torch.randn(2, 4, side, side, generator=g)
        timestep = torch.tensor([REF_TIMESTEP] * 2)
        out_sample = s.unet(sample, timestep, hidden)
        latent = torch.randn(1, 4, side, side, generator=g) / size.vae.scaling_factor
        decoded = s.vae_decoder(latent)
    for h in handles:
        h.remove()
    tensors = {"input_ids": ids, "last_hidden_state": hidden, "pooler_output": pooled, "sample": sample,
               "timestep": timestep.to(torch.int32), "encoder_hidden_states": hidden, "out_sample": out_sample,
               **{f"block/{p}": blocks[p] for p in REF_BLOCKS}, "latent_sample": latent, "decoded": decoded}
    blob, entries = bytearray(), {}
    for name, t in tensors.items():
        a = t.numpy()
        dtype = "int32" if a.dtype == np.int32 else "float32"
        a = a.astype("<i4" if dtype == "int32" else "<f4")
        entries[name] = {"offset": len(blob), "dtype": dtype, "shape": list(a.shape)}
        blob += a.tobytes()
    os.makedirs(os.path.join(out, "reference"), exist_ok=True)
    with open(os.path.join(out, "reference", "reference.bin"), "wb") as f:
        f.write(bytes(blob))
    write_json(os.path.join(out, "reference", "reference.json"), {
        "prompts": [REF_PROMPT, ""], "file": "reference.bin", "tensors": entries,
        "note": "fp32 PyTorch outputs of the stand-in's modules (the graphs are their fp16 exports); "
                "block/<path> are forward-hook outputs of those UNet blocks in the out_sample call; "
                "written by models/sd15-arch/export.py"})


def write_full_hooks(path: str) -> None:
    with meta_device():
        unet = UNet2DConditionModel(SIZES["full"].unet)
    write_json(path, {"imageSize": 512, "note": "SD 1.5's UNet blocks in forward order with output shapes at "
                      "512 px; computed on the meta device by models/sd15-arch/export.py",
                      "hooks": hook_catalogue(unet, 512)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", choices=sorted(SIZES), default="narrow")
    ap.add_argument("--out", help="output folder (default models/sd15-arch/<size>)")
    ap.add_argument("--layouts", default=",".join(l.name for l in LAYOUTS),
                    help="comma-separated subset of: " + ", ".join(l.name for l in LAYOUTS))
    args = ap.parse_args()
    torch.set_num_threads(max(1, min(4, os.cpu_count() or 1)))
    out = args.out or os.path.join(HERE, args.size)
    chosen = args.layouts.split(",")
    unknown = [c for c in chosen if c not in {l.name for l in LAYOUTS}]
    if unknown:
        sys.exit(f"--layouts: unknown {unknown}; should be among: {', '.join(l.name for l in LAYOUTS)}")
    if "webnn" in chosen and "nmkd" not in chosen and not os.path.exists(os.path.join(out, "nmkd")):
        sys.exit("--layouts webnn copies nmkd's text encoder and VAE decoder: include nmkd")
    os.makedirs(out, exist_ok=True)
    write_full_hooks(os.path.join(HERE, "hooks.json"))
    s = build(SIZES[args.size])
    log(f"{args.size}: UNet {count_params(s.unet):,}, text encoder {count_params(s.text_encoder):,}, "
        f"VAE decoder {count_params(s.vae_decoder):,} parameters")
    if args.size == "narrow":
        write_reference(s, out)
    for layout in LAYOUTS:
        if layout.name in chosen:
            write_layout(s, layout, out)
    total = sum(os.lstat(os.path.join(d, f)).st_size for d, _, fs in os.walk(out) for f in fs)  # links as links
    log(f"wrote {out}: {total / 1e6:.1f} MB on disk")


if __name__ == "__main__":
    main()
