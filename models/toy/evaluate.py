#!/usr/bin/python3
"""Score the toy model: DDIM 25 steps, CFG 5, prompts -> images -> attribute probe.

    /usr/bin/python3 models/toy/evaluate.py          # same as train.py --stages eval,plots

Two prompt sets of single-shape prompts, fresh seeds and wording:
  * held-out (200 prompts): attribute combinations the UNet never saw in training (train.split_combos);
  * seen (100 prompts): combinations from the training split (new noise, new captions).
A generated image scores on an attribute when the probe's argmax equals the prompt's value.
Results go to models/toy/eval.json; figures to models/toy/assets/.
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import scenes  # noqa: E402
from model import AttributeProbe  # noqa: E402
from tokenizer import WordTokenizer  # noqa: E402

ASSETS = os.path.join(HERE, "assets")
STEPS, GUIDANCE, N_PROMPTS = 25, 5.0, 200


def ddim_timesteps(steps: int) -> list[int]:
    """diffusers DDIMScheduler, timestep_spacing 'leading', steps_offset 1: 961, 921, ..., 1."""
    ratio = 1000 // steps
    return [int(t) + 1 for t in (np.arange(0, steps) * ratio)[::-1]]


@torch.no_grad()
def generate(te, unet, vae, scale: float, prompts: list[str], seed: int, steps: int = STEPS,
             guidance: float = GUIDANCE, batch: int = 100) -> torch.Tensor:
    """DDIM (eta 0) with classifier-free guidance; returns images [N,3,64,64] in [-1,1]."""
    from train import sd15_alphas_cumprod
    ac = sd15_alphas_cumprod()
    tok = WordTokenizer()
    g = torch.Generator().manual_seed(seed)
    noise = torch.randn(len(prompts), 4, 16, 16, generator=g)
    out = []
    uncond = te(torch.from_numpy(tok([""])))
    ts = ddim_timesteps(steps)
    ratio = 1000 // steps
    for i in range(0, len(prompts), batch):
        p = prompts[i:i + batch]
        cond = te(torch.from_numpy(tok(p)))
        ctx = torch.cat([uncond.expand(len(p), -1, -1), cond])
        x = noise[i:i + batch]
        for t in ts:
            tt = torch.full((2 * len(p),), t, dtype=torch.int64)
            e_u, e_c = unet(torch.cat([x, x]), tt, ctx).chunk(2)
            eps = e_u + guidance * (e_c - e_u)
            a_t = ac[t]
            a_prev = ac[t - ratio] if t - ratio >= 0 else ac[0]  # set_alpha_to_one = False
            x0 = (x - (1 - a_t).sqrt() * eps) / a_t.sqrt()
            x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
        out.append(vae.decode(x / scale).clamp(-1, 1))
    return torch.cat(out)


def prompt_set(combos: list, n: int, seed: int) -> tuple[dict, list[str]]:
    rng = np.random.default_rng(seed)
    arr = np.array(combos)[rng.integers(0, len(combos), size=n)]
    attrs = {k: arr[:, i].copy() for i, k in enumerate(scenes.ATTRIBUTES)}
    return attrs, scenes.captions(attrs, rng)


@torch.no_grad()
def score(probe, images: torch.Tensor, attrs: dict) -> dict:
    logits = probe(images)
    hits = {k: lg.argmax(1).numpy() == attrs[k] for k, lg in zip(scenes.ATTRIBUTES, logits)}
    res = {k: float(v.mean()) for k, v in hits.items()}
    res["all"] = float(np.all(np.stack(list(hits.values())), axis=0).mean())
    return res


def load_all(cfg, work):
    from train import load_unet, load_vae
    vae, scale = load_vae(cfg, work)
    te, unet, step = load_unet(cfg, work, use_ema=True)
    probe = AttributeProbe(cfg)
    probe.load_state_dict(torch.load(os.path.join(work, "probe.pt")))
    return vae, scale, te, unet, probe.eval(), step


def run(cfg, work: str, log) -> dict:
    from train import dataset_from_combos, split_combos, to_tensor  # noqa: F401
    vae, scale, te, unet, probe, step = load_all(cfg, work)
    train_combos, held_combos = split_combos()
    results = {"unet_steps": step, "sampler": f"DDIM {STEPS} steps, eta 0, CFG {GUIDANCE}",
               "n_prompts": N_PROMPTS, "ema": True}
    for name, combos, seed, n in [("heldout", held_combos, 5001, N_PROMPTS), ("seen", train_combos, 5002, 100)]:
        t0 = time.time()
        attrs, prompts = prompt_set(combos, n, seed)
        images = generate(te, unet, vae, scale, prompts, seed=seed)
        res = score(probe, images, attrs)
        # Upper bound: the probe on real renders of the same prompts.
        rng = np.random.default_rng(seed)
        real = to_tensor(scenes.render(attrs, rng))
        res_real = score(probe, real, attrs)
        results[name] = {"generated": res, "probe_on_real_renders": res_real, "n_prompts": n,
                         "n_combinations": len(combos), "seconds": time.time() - t0}
        print(f"[eval] {name} ({len(combos)} combinations), generated: "
              + ", ".join(f"{k} {v * 100:.1f}%" for k, v in res.items())
              + f"  [{time.time() - t0:.0f}s]", flush=True)
        print(f"[eval] {name}, probe on real renders of the same prompts: "
              + ", ".join(f"{k} {v * 100:.1f}%" for k, v in res_real.items()), flush=True)
    with open(os.path.join(HERE, "eval.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    log.set("eval", results)
    return results


def save_prompt_grid(images: torch.Tensor, prompts: list[str], per: int, path: str, title: str) -> None:
    """One row per prompt: its text, then `per` images at 2x (PIL, nearest neighbour)."""
    from PIL import Image, ImageDraw
    img = ((images + 1) * 127.5).round().clamp(0, 255).byte().permute(0, 2, 3, 1).numpy()
    label_w, cell, pad = 470, 96, 4
    canvas = Image.new("RGB", (label_w + per * (cell + pad), 24 + len(prompts) * (cell + pad)), "white")
    draw = ImageDraw.Draw(canvas)
    draw.text((6, 6), title, fill="black")
    for i, p in enumerate(prompts):
        y = 24 + i * (cell + pad)
        draw.text((6, y + cell // 2 - 6), p, fill="black")
        for j in range(per):
            tile = Image.fromarray(img[i * per + j]).resize((cell, cell), Image.NEAREST)
            canvas.paste(tile, (label_w + j * (cell + pad), y))
    canvas.save(path)


def plots(cfg, work: str, log) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    os.makedirs(ASSETS, exist_ok=True)
    d = log.data
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    for ax, key, title in [(axes[0], "vae_rec", "VAE reconstruction loss"),
                           (axes[1], "probe_loss", "probe loss (sum of 5 CE)"),
                           (axes[2], "unet_loss", "UNet epsilon MSE (25-step means)")]:
        if key in d:
            s, v = zip(*d[key])
            ax.plot(s, v)
        ax.set_title(title)
        ax.set_xlabel("step")
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(ASSETS, "loss.png"), dpi=90)
    plt.close(fig)

    vae, scale, te, unet, probe, _ = load_all(cfg, work)
    prompts = [
        "a small red circle at the top left on a blue background",
        "blue background, large green square in the centre",
        "a big yellow triangle at the bottom right, black background",
        "a tiny purple cross on the left on a white background",
        "large orange circle in the middle on gray",
        "a small blue square at the top right on a white background",
        "an image of a big green cross at the bottom against a gray background",
        "in the upper middle, a little red triangle on a white background",
        "white background, large purple circle in the lower left",
        "a small orange square on the right, blue background",
        "a big red cross in the center on a black background",
        "gray background, small yellow circle at the bottom centre",
    ]
    per = 4
    images = generate(te, unet, vae, scale, [p for p in prompts for _ in range(per)], seed=77)
    save_prompt_grid(images, prompts, per, os.path.join(ASSETS, "samples.png"),
                     f"toy-sd, DDIM {STEPS} steps, CFG {GUIDANCE}, {per} seeds per prompt")
    import shutil
    if os.path.exists(os.path.join(work, "vae_recon.png")):
        shutil.copy(os.path.join(work, "vae_recon.png"), os.path.join(ASSETS, "vae_recon.png"))
    print(f"[plots] wrote {ASSETS}/loss.png, samples.png, vae_recon.png", flush=True)


if __name__ == "__main__":
    import train
    torch.set_num_threads(2)
    cfg = train.make_config()
    work = os.path.join(HERE, "work")
    lg = train.Log(os.path.join(work, "log.json"))
    run(cfg, work, lg)
    plots(cfg, work, lg)
    lg.save()
