"""The two sizes of the SD 1.5 stand-in, their random weights, and the hook catalogue.

full:   SD 1.5's configuration (UNet 859,520,964 parameters, text encoder 123,060,480, VAE decoder 49,490,199).
narrow: the same topology, module names and operators with every width divided so that the files total a
        few MB: block widths 8/16/24/24 for the UNet and the VAE (SD: 320/640/1280/1280, 128/256/512/512;
        kept strictly growing then equal, so the same resnets have a conv_shortcut), 8 GroupNorm groups
        (32 would need >= 32 channels in the first block and ~10 MB per UNet), 8 heads in the UNet; CLIP 12
        layers x 12 heads at width 24 (MLP 96), 77 positions, and a 514-token vocabulary: the narrow
        tokenizer (clip_tokenizer.py) is CLIP's byte level, ids 0-511 as in CLIP, with the start and end
        tokens at 512 and 513 instead of 49406 and 49407.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
import torch.nn as nn

from text_encoder import CLIPTextConfig, CLIPTextModel
from unet import UNet2DConditionModel, UNetConfig
from vae_decoder import VaeConfig, VaeDecoder

SEED = 1505
DEFAULT_HOOK = "up_blocks.1.attentions.1"


@dataclass(frozen=True)
class Size:
    name: str
    unet: UNetConfig
    text: CLIPTextConfig
    vae: VaeConfig
    bos_token_id: int
    eos_token_id: int          # also the padding id, as in SD 1.5
    image_size: int            # the manifests' imageSize
    webnn_latent: int          # the webnn layout's static latent side


SIZES = {
    "full": Size("full", UNetConfig(), CLIPTextConfig(), VaeConfig(), 49406, 49407, 512, 64),
    # imageSize 128 (16 x 16 latents) keeps CI on software WebGPU fast; the graphs take any multiple of 8.
    "narrow": Size("narrow",
                   UNetConfig(block_out_channels=(8, 16, 24, 24), norm_num_groups=8, cross_attention_dim=24),
                   CLIPTextConfig(vocab_size=514, hidden_size=24, intermediate_size=96),
                   VaeConfig(block_out_channels=(8, 16, 24, 24), norm_num_groups=8),
                   512, 513, 128, 16),
}


@dataclass
class StandIn:
    size: Size
    text_encoder: CLIPTextModel
    unet: UNet2DConditionModel
    vae_decoder: VaeDecoder


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())


def _perturb_norms(model: nn.Module, gen: torch.Generator) -> None:
    """PyTorch initialises norms to weight 1, bias 0; random affine parameters keep every path non-trivial."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.GroupNorm, nn.LayerNorm)):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))


def build(size: Size, seed: int = SEED) -> StandIn:
    """The three modules with random weights from `seed` (PyTorch's default initialisation, norms perturbed)."""
    torch.manual_seed(seed)
    s = StandIn(size, CLIPTextModel(size.text), UNet2DConditionModel(size.unet), VaeDecoder(size.vae))
    gen = torch.Generator().manual_seed(seed + 1)
    for m in (s.text_encoder, s.unet, s.vae_decoder):
        _perturb_norms(m, gen)
        m.eval()
    return s


@contextlib.contextmanager
def meta_device():
    """Modules built inside allocate their parameters on the `meta` device: shapes without memory."""
    real = torch.empty

    def empty(*args, **kwargs):
        if kwargs.get("device") is None:
            kwargs["device"] = "meta"
        return real(*args, **kwargs)

    torch.empty = empty
    try:
        yield
    finally:
        torch.empty = real


def block_paths(unet: UNet2DConditionModel) -> list[str]:
    """Every resnet and transformer block of the UNet (module paths, registration order)."""
    return [n for n, _ in unet.named_modules()
            if len(n.split(".")) >= 3 and n.split(".")[-2] in ("resnets", "attentions")]


def hook_catalogue(unet: UNet2DConditionModel, image_size: int) -> list[dict]:
    """Every resnet and attention block in forward order with its output shape at `image_size` pixels.
    Runs on whatever device the UNet's parameters are on (the meta device for the full size)."""
    device = next(unet.parameters()).device
    mods = dict(unet.named_modules())
    seen: dict[str, tuple] = {}
    handles = []
    for path in block_paths(unet):
        def record(module, args, output, path=path):
            seen.setdefault(path, tuple(output.shape))  # returns None: the output is unchanged

        handles.append(mods[path].register_forward_hook(record))
    side = image_size // 8
    cfg = unet.config
    try:
        with torch.no_grad():
            unet(torch.zeros(1, cfg.in_channels, side, side, device=device), torch.zeros(1, device=device),
                 torch.zeros(1, 77, cfg.cross_attention_dim, device=device))
    finally:
        for h in handles:
            h.remove()
    return [{"path": p, "channels": s[1], "height": s[2], "width": s[3], "default": p == DEFAULT_HOOK}
            for p, s in seen.items()]
