#!/usr/bin/python3
"""Train the embedded toy SD model end to end, then export it.

    /usr/bin/python3 models/toy/train.py                 # everything, fixed seeds
    /usr/bin/python3 models/toy/train.py --stages export,eval   # reuse checkpoints

Stages, in order (each reads the previous stages' checkpoints from --work):
    vae     small KL autoencoder on scenes; held-out reconstruction check; latent scale
    probe   attribute CNN on real scenes (+ VAE reconstructions), held-out accuracy
    unet    encode scenes to latents, train text encoder + UNet (epsilon, SD 1.5
            schedule, 10% empty prompts for CFG), keep an EMA
    export  ONNX graphs, tokenizer.json, scheduler_config.json, manifest.json,
            reference inputs/outputs for the TypeScript test   (export.py)
    eval    DDIM 25 steps, CFG 5 on 200 held-out prompts, scored by the probe (evaluate.py)
    plots   loss curves and the sample grid for the model card

Needs Debian's python3-torch (1.13, CPU), numpy, python3-onnx; matplotlib/PIL
only for the plots. Runs on 2 CPU threads.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

# Threads sleep instead of spinning at OpenMP barriers: on a shared 2-core machine
# spinning made a training step 10x slower (measured). Must be set before torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import scenes  # noqa: E402
from model import (AttributeProbe, AutoencoderKL, TextEncoder, ToyConfig,  # noqa: E402
                   UNet2DConditionModel, count_params)
from tokenizer import WordTokenizer, build_vocab  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT_DIR = os.path.join(ROOT, "public", "models", "toy")
SEED = 1234

# Stage sizes, chosen by timing on a shared 2-core machine (see README.md).
VAE_STEPS, VAE_BATCH, VAE_LR, VAE_KL = 800, 32, 2e-3, 1e-4
PROBE_STEPS, PROBE_BATCH, PROBE_LR = 500, 64, 2e-3
UNET_IMAGES = 20000
UNET_STEPS, UNET_BATCH, UNET_LR, UNET_WARMUP = 2600, 64, 2e-3, 100
EMA_DECAY = 0.995   # short run: a ~200-step horizon
# Training noise: N(0, I) plus two low-frequency components, from the first step.
#  - offset noise (one value per sample and channel; Guttenberg 2023, cf. Lin et al. 2023,
#    arXiv:2305.08891): with SD 1.5's schedule the terminal SNR is not zero, and at 16x16
#    the mean of x_T still carries the background (signal 0.068 x offset vs noise-mean std
#    1/16); trained on plain noise the model read the background from the noise (chance).
#  - "pyramid" noise at 4x4 and 2x2 (grid, std), bilinearly upsampled: the same leak for
#    the shape's position, which the noise would otherwise decide.
OFFSET_NOISE = 0.15
PYRAMID_NOISE = ((4, 0.3), (2, 0.3))
MIN_SNR_GAMMA = 5.0  # Min-SNR loss weighting (Hang et al. 2023, arXiv:2303.09556), faster convergence
CFG_DROPOUT = 0.1
HELDOUT_COMBO_FRACTION = 0.08  # combinations never shown to the UNet, evaluated on


def make_config() -> ToyConfig:
    return ToyConfig(vocab_size=len(build_vocab()),
                     attribute_sizes={k: len(v) for k, v in scenes.ATTRIBUTES.items()})


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 [N,64,64,3] -> float32 [N,3,64,64] in [-1, 1]."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


def lr_at(step: int, total: int, base: float, warmup: int, cosine: bool = True) -> float:
    """Linear warm-up, then cosine decay to 10% of base (or constant when not cosine)."""
    if step < warmup:
        return base * (step + 1) / warmup
    if not cosine:
        return base
    p = (step - warmup) / max(1, total - warmup)
    return base * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


def split_combos() -> tuple[list, list]:
    """(train, held-out) attribute combinations; held-out ones never reach the UNet."""
    combos = scenes.all_combos()
    perm = np.random.default_rng(SEED + 5).permutation(len(combos))
    n_held = int(round(HELDOUT_COMBO_FRACTION * len(combos)))
    held = [combos[i] for i in perm[:n_held]]
    train = [combos[i] for i in perm[n_held:]]
    return train, held


def dataset_from_combos(combos: list, n: int, seed: int) -> tuple[dict, np.ndarray]:
    rng = np.random.default_rng(seed)
    arr = np.array(combos)[rng.integers(0, len(combos), size=n)]
    attrs = {k: arr[:, i].copy() for i, k in enumerate(scenes.ATTRIBUTES)}
    images = np.empty((n, 64, 64, 3), dtype=np.uint8)
    for i in range(0, n, 2048):
        sl = slice(i, min(n, i + 2048))
        images[sl] = scenes.render({k: v[sl] for k, v in attrs.items()}, rng)
    return attrs, images


class Log:
    """Loss curves, kept in work/log.json for the model card's plot."""

    def __init__(self, path: str):
        self.path = path
        self.data = json.load(open(path)) if os.path.exists(path) else {}

    def add(self, key: str, step: int, value: float) -> None:
        self.data.setdefault(key, []).append([step, float(value)])

    def set(self, key: str, value) -> None:
        self.data[key] = value

    def save(self) -> None:
        with open(self.path, "w") as f:
            json.dump(self.data, f)


# --------------------------------------------------------------------- VAE

def train_vae(cfg: ToyConfig, work: str, log: Log) -> None:
    torch.manual_seed(SEED)
    _, images = scenes.make_dataset(SEED + 1, 16000)
    _, held = scenes.make_dataset(SEED + 2, 1000)
    x_all, x_held = to_tensor(images), to_tensor(held)
    vae = AutoencoderKL(cfg)
    print(f"[vae] {count_params(vae):,} parameters, {VAE_STEPS} steps x {VAE_BATCH}", flush=True)
    opt = torch.optim.AdamW(vae.parameters(), lr=VAE_LR, weight_decay=0.0, foreach=True)
    g = torch.Generator().manual_seed(SEED)
    t0 = time.time()
    for step in range(VAE_STEPS):
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step, VAE_STEPS, VAE_LR, 50)
        x = x_all[torch.randint(0, len(x_all), (VAE_BATCH,), generator=g)]
        mean, logvar = vae.encode(x)
        z = mean + torch.exp(0.5 * logvar) * torch.randn(mean.shape, generator=g)
        rec = vae.decode(z)
        # Mean-normalised KL, weighted lightly as in SD's KL-f8 (which keeps it tiny).
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1.0 - logvar).mean()
        # Foreground-weighted: the shape covers 3-10% of the pixels, and an unweighted loss
        # is content with the background and a blob of average colour (first attempt).
        bg = x.flatten(2).median(dim=2).values[:, :, None, None]
        w = 1.0 + 9.0 * ((x - bg).abs().amax(dim=1, keepdim=True) > 0.1).float()
        rec_loss = (w * ((rec - x).pow(2) + 0.5 * (rec - x).abs())).mean() / w.mean()
        loss = rec_loss + VAE_KL * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == VAE_STEPS - 1:
            log.add("vae_rec", step, rec_loss.item())
            log.add("vae_kl", step, kl.item())
            print(f"[vae] step {step:5d}  rec {rec_loss.item():.5f}  kl {kl.item():.3f}  "
                  f"{time.time() - t0:6.0f}s", flush=True)
    vae.eval()
    with torch.no_grad():
        mean, _ = vae.encode(x_held)
        rec = vae.decode(mean).clamp(-1, 1)
        mse = F.mse_loss(rec, x_held).item()
        psnr = 10 * math.log10(4.0 / mse)  # signal range 2 -> peak^2 = 4
        # Latent scale, as SD's 0.18215: 1 / std of the posterior means.
        lat = torch.cat([vae.encode(x_all[i:i + 500])[0] for i in range(0, 4000, 500)])
        scale = 1.0 / lat.std().item()
    print(f"[vae] held-out reconstruction: mse {mse:.5f}, psnr {psnr:.2f} dB; latent std "
          f"{1 / scale:.4f} -> scaling_factor {scale:.5f}; {time.time() - t0:.0f}s", flush=True)
    log.set("vae_heldout", {"mse": mse, "psnr_db": psnr, "scaling_factor": scale,
                            "latent_mean": lat.mean().item(), "seconds": time.time() - t0})
    torch.save({"state": vae.state_dict(), "scaling_factor": scale}, os.path.join(work, "vae.pt"))
    save_grid(torch.cat([x_held[:8], rec[:8]]), os.path.join(work, "vae_recon.png"), cols=8)


def load_vae(cfg: ToyConfig, work: str) -> tuple[AutoencoderKL, float]:
    ck = torch.load(os.path.join(work, "vae.pt"))
    vae = AutoencoderKL(cfg)
    vae.load_state_dict(ck["state"])
    return vae.eval(), ck["scaling_factor"]


# ------------------------------------------------------------------- probe

def probe_accuracy(probe, x: torch.Tensor, attrs: dict) -> dict:
    probe.eval()
    correct = {k: 0 for k in scenes.ATTRIBUTES}
    with torch.no_grad():
        for i in range(0, len(x), 250):
            logits = probe(x[i:i + 250])
            for k, lg in zip(scenes.ATTRIBUTES, logits):
                correct[k] += (lg.argmax(1).numpy() == attrs[k][i:i + 250]).sum()
    return {k: float(v) / len(x) for k, v in correct.items()}


def train_probe(cfg: ToyConfig, work: str, log: Log) -> None:
    torch.manual_seed(SEED + 10)
    vae, _ = load_vae(cfg, work)
    attrs, images = scenes.make_dataset(SEED + 3, 20000)
    held_attrs, held = scenes.make_dataset(SEED + 4, 2000)
    x_all, x_held = to_tensor(images), to_tensor(held)
    y_all = {k: torch.from_numpy(v) for k, v in attrs.items()}
    probe = AttributeProbe(cfg)
    print(f"[probe] {count_params(probe):,} parameters, {PROBE_STEPS} steps x {PROBE_BATCH}", flush=True)
    opt = torch.optim.AdamW(probe.parameters(), lr=PROBE_LR, weight_decay=1e-4, foreach=True)
    g = torch.Generator().manual_seed(SEED + 10)
    t0 = time.time()
    for step in range(PROBE_STEPS):
        probe.train()
        for pg in opt.param_groups:
            pg["lr"] = lr_at(step, PROBE_STEPS, PROBE_LR, 30)
        idx = torch.randint(0, len(x_all), (PROBE_BATCH,), generator=g)
        x = x_all[idx].clone()
        # A quarter of each batch goes through the VAE, so that decoded images (what the
        # probe scores) are in distribution; plus light noise for robustness.
        q = PROBE_BATCH // 4
        with torch.no_grad():
            x[:q] = vae.decode(vae.encode(x[:q])[0]).clamp(-1, 1)
        x = x + 0.04 * torch.randn(x.shape, generator=g)
        logits = probe(x)
        loss = sum(F.cross_entropy(lg, y_all[k][idx]) for k, lg in zip(scenes.ATTRIBUTES, logits))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == PROBE_STEPS - 1:
            log.add("probe_loss", step, loss.item())
            print(f"[probe] step {step:5d}  loss {loss.item():.4f}  {time.time() - t0:6.0f}s", flush=True)
    acc_real = probe_accuracy(probe, x_held, held_attrs)
    with torch.no_grad():
        x_rec = torch.cat([vae.decode(vae.encode(x_held[i:i + 250])[0]).clamp(-1, 1)
                           for i in range(0, len(x_held), 250)])
    acc_rec = probe_accuracy(probe, x_rec, held_attrs)
    print(f"[probe] held-out accuracy, real images: {fmt(acc_real)}", flush=True)
    print(f"[probe] held-out accuracy, VAE reconstructions: {fmt(acc_rec)}", flush=True)
    log.set("probe_heldout", {"real": acc_real, "vae_reconstruction": acc_rec, "n": len(x_held),
                              "seconds": time.time() - t0})
    torch.save(probe.state_dict(), os.path.join(work, "probe.pt"))


def fmt(d: dict) -> str:
    return ", ".join(f"{k} {v * 100:.1f}%" for k, v in d.items())


# -------------------------------------------------------------------- UNet

def sd15_alphas_cumprod() -> torch.Tensor:
    """SD 1.5: scaled_linear betas from 0.00085 to 0.012 over 1000 steps."""
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    return torch.cumprod(1.0 - betas, dim=0).float()


def encode_latents(vae, images: np.ndarray) -> torch.Tensor:
    out = []
    with torch.no_grad():
        for i in range(0, len(images), 500):
            out.append(vae.encode(to_tensor(images[i:i + 500]))[0])
    return torch.cat(out)


class EMA:
    def __init__(self, modules: list[torch.nn.Module]):
        self.params = [p for m in modules for p in m.parameters()]
        self.shadow = [p.detach().clone() for p in self.params]

    @torch.no_grad()
    def update(self, step: int) -> None:
        d = min(EMA_DECAY, (1 + step) / (10 + step))  # diffusers' EMA warm-up
        torch._foreach_mul_(self.shadow, d)
        torch._foreach_add_(self.shadow, [p.detach() for p in self.params], alpha=1 - d)

    def state(self) -> list[torch.Tensor]:
        return self.shadow


def training_noise(shape, g: torch.Generator) -> torch.Tensor:
    """N(0, I) plus offset noise (one value per sample and channel) and bilinearly
    upsampled low-resolution noise (OFFSET_NOISE, PYRAMID_NOISE)."""
    noise = torch.randn(shape, generator=g)
    noise = noise + OFFSET_NOISE * torch.randn(shape[0], shape[1], 1, 1, generator=g)
    for grid, std in PYRAMID_NOISE:
        low = torch.randn(shape[0], shape[1], grid, grid, generator=g)
        noise = noise + std * F.interpolate(low, size=shape[2:], mode="bilinear", align_corners=False)
    return noise


def train_unet(cfg: ToyConfig, work: str, log: Log, steps: int) -> None:
    torch.manual_seed(SEED + 20)
    vae, scale = load_vae(cfg, work)
    train_combos, _ = split_combos()
    t0 = time.time()
    attrs, images = dataset_from_combos(train_combos, UNET_IMAGES, SEED + 6)
    latents = encode_latents(vae, images) * scale
    del images
    print(f"[unet] {UNET_IMAGES} training scenes from {len(train_combos)} combinations encoded in "
          f"{time.time() - t0:.0f}s; scaled latent std {latents.std().item():.3f}", flush=True)
    tok = WordTokenizer()
    te, unet = TextEncoder(cfg), UNet2DConditionModel(cfg)
    print(f"[unet] UNet {count_params(unet):,} + text encoder {count_params(te):,} parameters; "
          f"{steps} steps x {UNET_BATCH}; offset noise {OFFSET_NOISE}, pyramid noise {PYRAMID_NOISE}",
          flush=True)
    params = list(te.parameters()) + list(unet.parameters())
    ema = EMA([te, unet])
    ac = sd15_alphas_cumprod()
    opt = torch.optim.AdamW(params, lr=UNET_LR, weight_decay=0.0, foreach=True)
    g = torch.Generator().manual_seed(SEED + 22)
    rng = np.random.default_rng(SEED + 21)
    t0 = time.time()
    running = 0.0
    for step in range(steps):
        for pg in opt.param_groups:
            # Constant after warm-up (the EMA does the averaging), so that the checkpoint at
            # step N is exactly what `--unet-steps N` trains: a run can stop at any checkpoint.
            pg["lr"] = lr_at(step, steps, UNET_LR, UNET_WARMUP, cosine=False)
        idx = torch.randint(0, len(latents), (UNET_BATCH,), generator=g)
        x0 = latents[idx]
        # Fresh wording every time a scene is drawn; 10% empty prompts for CFG.
        texts = [scenes.caption(*(int(attrs[k][i]) for k in scenes.ATTRIBUTES), rng)
                 if rng.random() >= CFG_DROPOUT else "" for i in idx.tolist()]
        ids = torch.from_numpy(tok(texts))
        t = torch.randint(0, 1000, (UNET_BATCH,), generator=g)
        noise = training_noise(x0.shape, g)
        a = ac[t][:, None, None, None]
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        pred = unet(xt, t, te(ids))
        # Min-SNR-gamma weights for epsilon prediction: min(SNR, gamma) / SNR per sample.
        snr = ac[t] / (1 - ac[t])
        w = snr.clamp(max=MIN_SNR_GAMMA) / snr
        loss = (w * (pred - noise).pow(2).mean(dim=(1, 2, 3))).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        ema.update(step)
        running += loss.item()
        if (step + 1) % 25 == 0:
            log.add("unet_loss", step + 1, running / 25)
            el = time.time() - t0
            print(f"[unet] step {step + 1:5d}  loss {running / 25:.4f}  lr {opt.param_groups[0]['lr']:.2e}  "
                  f"{el:6.0f}s  (eta {el / (step + 1) * (steps - step - 1):5.0f}s)", flush=True)
            running = 0.0
        if (step + 1) % 100 == 0 or step == steps - 1:
            save_unet(te, unet, ema, work, step + 1)
            log.set("unet_seconds", time.time() - t0)
            log.save()
    print(f"[unet] done in {time.time() - t0:.0f}s", flush=True)


def save_unet(te, unet, ema, work: str, step: int) -> None:
    """Raw and EMA weights of text encoder + UNet (the EMA covers both)."""
    names = [f"te.{n}" for n, _ in te.named_parameters()] + [f"unet.{n}" for n, _ in unet.named_parameters()]
    torch.save({"step": step, "te": te.state_dict(), "unet": unet.state_dict(),
                "ema": dict(zip(names, ema.state()))}, os.path.join(work, "unet.pt.tmp"))
    os.replace(os.path.join(work, "unet.pt.tmp"), os.path.join(work, "unet.pt"))


def load_unet(cfg: ToyConfig, work: str, use_ema: bool = True) -> tuple[TextEncoder, UNet2DConditionModel, int]:
    ck = torch.load(os.path.join(work, "unet.pt"))
    te, unet = TextEncoder(cfg), UNet2DConditionModel(cfg)
    te.load_state_dict(ck["te"])
    unet.load_state_dict(ck["unet"])
    if use_ema:
        with torch.no_grad():
            for n, p in te.named_parameters():
                p.copy_(ck["ema"][f"te.{n}"])
            for n, p in unet.named_parameters():
                p.copy_(ck["ema"][f"unet.{n}"])
    return te.eval(), unet.eval(), ck["step"]


# -------------------------------------------------------------------- misc

def save_grid(x: torch.Tensor, path: str, cols: int, scale: int = 2) -> None:
    """x: [N,3,64,64] in [-1,1] -> PNG grid (PIL)."""
    from PIL import Image
    n = x.shape[0]
    rows = (n + cols - 1) // cols
    img = ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()
    grid = np.zeros((rows * 64, cols * 64, 3), dtype=np.uint8)
    for i in range(n):
        r, c = divmod(i, cols)
        grid[r * 64:(r + 1) * 64, c * 64:(c + 1) * 64] = img[i]
    Image.fromarray(grid).resize((cols * 64 * scale, rows * 64 * scale), Image.NEAREST).save(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stages", default="vae,probe,unet,export,eval,plots",
                    help="comma-separated subset of: vae, probe, unet, export, eval, plots")
    ap.add_argument("--work", default=os.path.join(HERE, "work"), help="checkpoint folder (git-ignored)")
    ap.add_argument("--unet-steps", type=int, default=UNET_STEPS)
    args = ap.parse_args()
    stages = args.stages.split(",")
    allowed = ["vae", "probe", "unet", "export", "eval", "plots"]
    bad = [s for s in stages if s not in allowed]
    if bad:
        sys.exit(f"unknown stage(s) {bad}; should be among {allowed}")
    torch.set_num_threads(2)
    os.makedirs(args.work, exist_ok=True)
    cfg = make_config()
    log = Log(os.path.join(args.work, "log.json"))
    t_all = time.time()
    for s in stages:
        t0 = time.time()
        if s == "vae":
            train_vae(cfg, args.work, log)
        elif s == "probe":
            train_probe(cfg, args.work, log)
        elif s == "unet":
            train_unet(cfg, args.work, log, args.unet_steps)
        elif s == "export":
            import export
            export.export_all(cfg, args.work, OUT_DIR, log)
        elif s == "eval":
            import evaluate
            evaluate.run(cfg, args.work, log)
        elif s == "plots":
            import evaluate
            evaluate.plots(cfg, args.work, log)
        log.set(f"stage_seconds_{s}", time.time() - t0)
        log.save()
    print(f"stages {stages} done in {time.time() - t_all:.0f}s", flush=True)


if __name__ == "__main__":
    main()
