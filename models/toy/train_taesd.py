#!/usr/bin/python3
"""A tiny TAESD-style preview decoder for the toy model, distilled from its VAE decoder.

    /usr/bin/python3 models/toy/train_taesd.py              # train, evaluate, export, reference, manifest
    /usr/bin/python3 models/toy/train_taesd.py --steps 200  # a quick run (writes nothing unless --write)

TAESD (madebyollin/taesd) is a small conv net that turns a diffusion latent straight into RGB,
distilled from SD's VAE, so that every denoising step can be previewed at image resolution for a
fraction of the VAE's cost. This is the same idea at the toy's size.

Teacher. The toy's training checkpoint is not in the repository; its VAE is, as ONNX. The encoder
and decoder are rebuilt in PyTorch from `public/models/toy/vae_{encoder,decoder}/model.onnx`'s
initializers by torch_from_onnx.py's mapping (the same strict, node-checked one as the UNet's) and
must first reproduce `reference/reference.json`'s `encoded` and `decoded` (rel < 1e-4).

Data. Procedural scenes (scenes.py, fresh seeds), encoded by the VAE encoder (posterior mean) and
multiplied by `latentScale`: the diffusion latent z0 the UNet denoises towards. Half of every set is
that clean latent; the other half is what a sampler holds on the way there,
x = sqrt(a) z0 + sqrt(1 - a) eps with a ~ U(0, 1) and eps ~ N(0, I) (the forward process' marginal;
the preview strips show exactly such intermediate latents). The target is always the teacher on the
same latent, clamp(VAE decoder(x / latentScale), -1, 1): the preview should show what the VAE
would, not what the scene was.

Student (`TinyDecoder`). TAESD's decoder is Clamp -> conv -> [Block x3, Upsample, conv] x3 ->
Block -> conv at 64 channels, with Block = conv-ReLU-conv-ReLU-conv + skip, ReLU: no norms, no
attention. Upsampling 16x16 to 64x64 with 3x3 convs at every scale would cost *more* than the
toy's VAE decoder, which already works at 16x16 and ends in a depth-to-space (model.py). So the
student keeps TAESD's pieces (tanh input clamp, plain conv Blocks, ReLU, no norms) on the
16x16 grid at a third of the VAE's width and, like the toy VAE, ends in a 3x3 conv to 3*4*4
channels and a depth-to-space to 64x64.

Input: the *scaled* latent, as TAESD takes SD's (no scaling factor; madebyollin/taesd#3): the
latent the UNet sees, so a caller passes the sampler's latent unchanged. The manifest entry says
so ("latentScaling": "scaled"). Output: `sample` [B,3,64,64] in about [-1, 1] (not clamped), the
VAE decoder's range.

Outputs (with --write, the default for a full run):
    public/models/toy/taesd_decoder/model.onnx   opset 17, dynamic batch, latent_sample -> sample
    public/models/toy/manifest.json              "previewDecoder" entry, parameters.previewDecoder
    models/toy/reference/taesd-reference.{json,bin}   3 held-out latents and the PyTorch student's outputs
(models/toy/taesd-log.txt is what the shipped run printed.)

Results of the shipped run (taesd-log.txt; 1500 steps x 64, 1.3-5.7 min of training on the 2 shared
cores, plus ~20-70 s to encode and decode the data): width 24, 2 Blocks, 42,552 parameters (16.8% of
the VAE decoder's 252,548), 10.8 M MACs per image (16.9% of its 64.3 M), 178 kB of ONNX. Against
the VAE decoder on 500 held-out scenes: 33.8 dB PSNR on clean latents (worst image 29.6 dB),
31.2 dB on mixtures with a >= 0.5, 29.5 dB on all mixtures; the manifest's linear previewMatrix,
nearest-upsampled, gets 16.8 dB on the same clean latents. (The VAE itself reconstructs real
scenes at 28.4 dB: the preview is closer to the VAE than the VAE is to the scene.)

Seeded (torch generators, numpy scenes). Checked: two runs on this machine (2 threads, different
load) printed the same losses and wrote a byte-identical model.onnx (sha256 615329d2...).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

# Threads sleep at OpenMP barriers rather than spin (see train.py: on a shared 2-core machine
# spinning made steps 10x slower). Must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import scenes  # noqa: E402
from model import Decoder, Encoder, ToyConfig, depth_to_space  # noqa: E402
from torch_from_onnx import REF_DIR, onnx_state_dict, read_reference  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
TOY = os.path.join(ROOT, "public", "models", "toy")
OUT_FILE = "taesd_decoder/model.onnx"
OPSET = 17
SEED = 8080
TRAIN_SCENES, HELDOUT_SCENES = 6000, 500
TRAIN_SEED, HELDOUT_SEED = 8081, 8082   # scenes.make_dataset seeds; train.py uses 1235..1238
WIDTH, BLOCKS = 24, 2
STEPS, BATCH, LR, WARMUP = 1500, 64, 2e-3, 50
REF_LATENTS = 3   # held-out latents in the reference: 2 clean, 1 noisy (batch 3 exercises dynamic batch)
TEACHER_TOL = 1e-4  # same bound as toy-model.test.ts / torch_from_onnx.py


# ----------------------------------------------------------------- student

class Clamp(nn.Module):
    """TAESD's soft input clamp, tanh(x / 3) * 3: identity near 0, bounded for far-off latents."""

    def forward(self, x):
        return torch.tanh(x / 3) * 3


class Block(nn.Module):
    """TAESD's Block: conv-ReLU-conv-ReLU-conv plus the input, then ReLU (no norms)."""

    def __init__(self, c: int):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(c, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, c, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(c, c, 3, padding=1))
        self.fuse = nn.ReLU()

    def forward(self, x):
        return self.fuse(self.conv(x) + x)


class TinyDecoder(nn.Module):
    """latent_sample [B,4,16,16] (scaled, the UNet's latent) -> sample [B,3,64,64] in about [-1, 1]."""

    def __init__(self, latent_channels: int = 4, width: int = WIDTH, blocks: int = BLOCKS, patch: int = 4):
        super().__init__()
        self.layers = nn.Sequential(Clamp(), nn.Conv2d(latent_channels, width, 3, padding=1), nn.ReLU(),
                                    *[Block(width) for _ in range(blocks)],
                                    nn.Conv2d(width, 3 * patch * patch, 3, padding=1))
        self.patch = patch

    def forward(self, latent_sample):
        return depth_to_space(self.layers(latent_sample), self.patch)


# ----------------------------------------------------------------- teacher

class _VaeHalf(nn.Module):
    """The part of model.AutoencoderKL that one ONNX graph holds: decoder + post_quant_conv, or encoder + quant_conv."""

    def __init__(self, cfg: ToyConfig, which: str):
        super().__init__()
        c = cfg.latent_channels
        if which == "decoder":
            self.decoder = Decoder(cfg)
            self.post_quant_conv = nn.Conv2d(c, c, 1)
        else:
            self.encoder = Encoder(cfg)
            self.quant_conv = nn.Conv2d(2 * c, 2 * c, 1)
        self.which = which

    def forward(self, x):
        if self.which == "decoder":  # model.VaeDecoderExport: latent_sample (unscaled) -> sample
            return self.decoder(self.post_quant_conv(x))
        return self.quant_conv(self.encoder(x)).chunk(2, dim=1)[0]  # VaeEncoderExport: the posterior mean


def load_vae_half(which: str) -> _VaeHalf:
    """VAE encoder or decoder with every parameter read (strictly) from the shipped ONNX graph.

    The exports wrap the VAE (`VaeDecoderExport.vae`), so parameters are named `vae.decoder.*`, but
    they call `vae.decode()`, not the module, so node scopes read `/decoder/...`. The `vae.` prefix is
    dropped from the initializer names (and the node inputs naming them) so that both kinds of name,
    own and constant-folded, map onto one module tree (torch_from_onnx.onnx_state_dict)."""
    m = _VaeHalf(ToyConfig(), which)
    graph = onnx.load(os.path.join(TOY, f"vae_{which}", "model.onnx")).graph
    renamed = {i.name: i.name[len("vae."):] for i in graph.initializer if i.name.startswith("vae.")}
    for init in graph.initializer:
        init.name = renamed.get(init.name, init.name)
    for node in graph.node:
        for k, name in enumerate(node.input):
            node.input[k] = renamed.get(name, name)
    m.load_state_dict(onnx_state_dict(graph, m), strict=True)
    return m.eval()


def rel_err(got: torch.Tensor, want: torch.Tensor) -> float:
    return (got - want).abs().max().item() / want.abs().max().item()


# ----------------------------------------------------------------- data and metrics

def scene_images(seed: int, n: int) -> torch.Tensor:
    """n scenes as float32 [n,3,64,64] in [-1, 1]."""
    _, images = scenes.make_dataset(seed, n)
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def latent_pairs(encoder, decoder, images: torch.Tensor, scale: float, gen: torch.Generator, chunk: int = 250):
    """(inputs, targets, alpha): half clean scaled latents, half forward-process mixtures (module docstring)."""
    n = images.shape[0]
    xs, ys, alphas = [], [], []
    with torch.no_grad():
        for i in range(0, n, chunk):
            z0 = encoder(images[i:i + chunk]) * scale
            b = z0.shape[0]
            a = torch.rand(b, generator=gen)
            a[: b // 2] = 1.0  # the first half of every chunk stays clean
            eps = torch.randn(z0.shape, generator=gen)
            x = a.sqrt()[:, None, None, None] * z0 + (1 - a).sqrt()[:, None, None, None] * eps
            xs.append(x)
            ys.append(decoder(x / scale).clamp(-1, 1))
            alphas.append(a)
    return torch.cat(xs), torch.cat(ys), torch.cat(alphas)


def psnr(mse: float) -> float:
    """PSNR of images in [-1, 1] (peak-to-peak 2), as the model card's VAE figure: 10 log10(4 / MSE)."""
    return 10 * math.log10(4.0 / mse)


def evaluate(student, x, y, alpha, batch: int = 250) -> dict:
    """PSNR against the teacher on clean latents (all pixels pooled; also the worst image) and on mixtures."""
    with torch.no_grad():
        out = torch.cat([student(x[i:i + batch]).clamp(-1, 1) for i in range(0, x.shape[0], batch)])
    per_image = ((out - y) ** 2).mean(dim=(1, 2, 3))
    clean = alpha == 1.0
    noisy_hi = (alpha < 1.0) & (alpha >= 0.5)
    return {
        "psnr_clean": psnr(per_image[clean].mean().item()),
        "psnr_clean_worst_image": psnr(per_image[clean].max().item()),
        "psnr_noisy_alpha_ge_0.5": psnr(per_image[noisy_hi].mean().item()),
        "psnr_noisy_all": psnr(per_image[~clean].mean().item()),
        "images_clean": int(clean.sum()),
        "images_noisy": int((~clean).sum()),
    }


def linear_map_psnr(x, y, alpha, matrix) -> float:
    """The manifest's previewMatrix on clean latents, nearest-upsampled 4x, against the teacher (baseline)."""
    m = torch.tensor(matrix, dtype=torch.float32)  # [3, C + 1]
    clean = alpha == 1.0
    z = x[clean]
    rgb = torch.einsum("kc,bchw->bkhw", m[:, :-1], z) + m[:, -1][None, :, None, None]
    rgb = F.interpolate(rgb, scale_factor=4, mode="nearest").clamp(-1, 1)
    return psnr(((rgb - y[clean]) ** 2).mean().item())


def conv_macs(module: nn.Module, x: torch.Tensor) -> int:
    """Multiply-accumulates of every Conv2d for one input (the graphs are all convolutions; the rest is elementwise)."""
    total = 0

    def count(m, inp, out):
        nonlocal total
        k = m.kernel_size[0] * m.kernel_size[1] * (m.in_channels // m.groups)
        total += out.numel() // out.shape[0] * k

    hooks = [m.register_forward_hook(count) for m in module.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        module(x)
    for h in hooks:
        h.remove()
    return total


def lr_at(step: int, total: int) -> float:
    """Linear warm-up, then cosine to 10% (train.py's schedule)."""
    if step < WARMUP:
        return LR * (step + 1) / WARMUP
    p = (step - WARMUP) / max(1, total - WARMUP)
    return LR * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


# ----------------------------------------------------------------- outputs

def export_onnx(student: TinyDecoder, path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.onnx.export(student, (torch.zeros(1, 4, 16, 16),), path, input_names=["latent_sample"],
                      output_names=["sample"], dynamic_axes={"latent_sample": {0: "batch"}, "sample": {0: "batch"}},
                      opset_version=OPSET, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))


def write_reference(tensors: dict[str, torch.Tensor], meta: dict) -> None:
    """Raw little-endian float32 + an index, reference.json's layout (offsets in bytes)."""
    blob = bytearray()
    entries = {}
    for name, t in tensors.items():
        a = t.detach().numpy().astype("<f4")
        entries[name] = {"offset": len(blob), "dtype": "float32", "shape": list(a.shape)}
        blob += a.tobytes()
    with open(os.path.join(REF_DIR, "taesd-reference.bin"), "wb") as f:
        f.write(bytes(blob))
    with open(os.path.join(REF_DIR, "taesd-reference.json"), "w") as f:
        json.dump({"file": "taesd-reference.bin", "tensors": entries, **meta}, f, indent=1)
        f.write("\n")


def write_manifest_entry(params: int) -> None:
    path = os.path.join(TOY, "manifest.json")
    with open(path) as f:
        manifest = json.load(f)
    manifest["previewDecoder"] = {"file": OUT_FILE, "input": "latent_sample", "output": "sample",
                                  "latentScaling": "scaled", "outputRange": [-1, 1]}
    manifest.setdefault("parameters", {})["previewDecoder"] = params
    with open(path, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


# ----------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--width", type=int, default=WIDTH)
    ap.add_argument("--blocks", type=int, default=BLOCKS)
    ap.add_argument("--write", action=argparse.BooleanOptionalAction, default=None,
                    help="export the ONNX graph, reference and manifest entry (default: only with the default --steps)")
    args = ap.parse_args()
    write = args.write if args.write is not None else args.steps == STEPS
    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    t0 = time.time()
    log = lambda msg: print(f"[taesd {time.time() - t0:6.1f}s] {msg}", flush=True)  # noqa: E731

    # 1. Teacher, checked against the stored PyTorch outputs of the training weights.
    with open(os.path.join(TOY, "manifest.json")) as f:
        manifest = json.load(f)
    scale = float(manifest["latentScale"])
    encoder, decoder = load_vae_half("encoder"), load_vae_half("decoder")
    with torch.no_grad():
        e_dec = rel_err(decoder(read_reference("latent_sample")), read_reference("decoded"))
        e_enc = rel_err(encoder(read_reference("image")), read_reference("encoded"))
    log(f"VAE rebuilt from ONNX: decoded rel {e_dec:.2g}, encoded rel {e_enc:.2g} vs reference.json")
    if not (e_dec < TEACHER_TOL and e_enc < TEACHER_TOL):
        sys.exit(f"the rebuilt VAE does not reproduce reference.json (rel {e_dec:.3g}, {e_enc:.3g} >= {TEACHER_TOL})")

    # 2. Data: teacher outputs on clean and forward-process latents.
    gen = torch.Generator().manual_seed(SEED + 1)
    x_train, y_train, _ = latent_pairs(encoder, decoder, scene_images(TRAIN_SEED, TRAIN_SCENES), scale, gen)
    x_held, y_held, a_held = latent_pairs(encoder, decoder, scene_images(HELDOUT_SEED, HELDOUT_SCENES), scale, gen)
    log(f"data: {x_train.shape[0]} training pairs, {x_held.shape[0]} held-out (half clean, half mixed)")

    # 3. Student.
    student = TinyDecoder(width=args.width, blocks=args.blocks)
    params = sum(p.numel() for p in student.parameters())
    macs = conv_macs(student, x_held[:1])
    vae_macs = conv_macs(decoder, x_held[:1] / scale)
    vae_params = sum(p.numel() for p in decoder.parameters())
    log(f"student: width {args.width}, {args.blocks} blocks, {params} parameters ({params / vae_params:.1%} of the "
        f"VAE decoder's {vae_params}), {macs / 1e6:.2f} M MACs per image ({macs / vae_macs:.1%} of the VAE's "
        f"{vae_macs / 1e6:.2f} M)")

    # 4. Train: MSE against the teacher, AdamW, warm-up + cosine.
    opt = torch.optim.AdamW(student.parameters(), lr=LR, weight_decay=0.0)
    order = torch.Generator().manual_seed(SEED + 2)
    n = x_train.shape[0]
    running = 0.0
    for step in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args.steps)
        idx = torch.randint(0, n, (BATCH,), generator=order)
        loss = F.mse_loss(student(x_train[idx]), y_train[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        running += loss.item()
        if (step + 1) % 100 == 0:
            log(f"step {step + 1}/{args.steps}: train MSE {running / 100:.5f}")
            running = 0.0
    student.eval()

    # 5. Quality on held-out scenes, and the linear map as the baseline it replaces.
    q = evaluate(student, x_held, y_held, a_held)
    q["psnr_linear_map_clean"] = linear_map_psnr(x_held, y_held, a_held, manifest["previewMatrix"])
    log("held-out vs the VAE decoder: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}"
                                                     for k, v in q.items()))
    if not write:
        return

    # 6. ONNX, reference, manifest.
    out_path = os.path.join(TOY, OUT_FILE)
    export_onnx(student, out_path)
    log(f"exported {os.path.relpath(out_path, ROOT)}: {os.path.getsize(out_path)} bytes")
    clean = torch.nonzero(a_held == 1.0)[:2, 0]
    noisy = torch.nonzero((a_held < 1.0) & (a_held > 0.3))[:1, 0]
    pick = torch.cat([clean, noisy])[:REF_LATENTS]
    lat = x_held[pick]
    with torch.no_grad():
        preview = student(lat)
    write_reference({"latent_sample": lat, "preview": preview},
                    {"note": "held-out scene latents (scaled: VAE mean x latentScale), the first two clean, the third "
                             f"a forward-process mixture (alpha {a_held[pick[-1]].item():.3f}); preview = TinyDecoder "
                             "(PyTorch) output, unclamped; written by models/toy/train_taesd.py",
                     "quality": {k: round(v, 3) if isinstance(v, float) else v for k, v in q.items()},
                     "parameters": params, "macs": macs, "vaeDecoderParameters": vae_params, "vaeDecoderMacs": vae_macs})
    write_manifest_entry(params)
    log(f"wrote reference/taesd-reference.*, manifest.json previewDecoder")


if __name__ == "__main__":
    main()
