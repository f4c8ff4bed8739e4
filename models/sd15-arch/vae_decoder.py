"""Stable Diffusion 1.5's VAE decoder, written out: the decoding half of diffusers' `AutoencoderKL`.

`post_quant_conv` then `decoder.{conv_in, mid_block, up_blocks.0-3, conv_norm_out, conv_out}`, with
diffusers 0.12's module names (the mid block's attention is the old `AttentionBlock`: group_norm, query,
key, value, proj_attn; it computes its softmax in fp32, so an fp16 graph casts around it). The scaling
factor 0.18215 is the pipeline's: the graph takes `latent_sample` = latents / 0.18215, as the public
exports' `vae_decoder` does.

Shapes: latent_sample [B, 4, h, w] -> sample [B, 3, 8h, 8w], about [-1, 1], not clamped
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn

from unet import ResnetBlock2D, Upsample2D


@dataclass(frozen=True)
class VaeConfig:
    """SD 1.5's `vae/config.json` values by default."""
    block_out_channels: tuple = (128, 256, 512, 512)
    layers_per_block: int = 2              # the decoder's up blocks have layers_per_block + 1 resnets
    latent_channels: int = 4
    out_channels: int = 3
    norm_num_groups: int = 32
    eps: float = 1e-6
    scaling_factor: float = 0.18215        # applied by the pipeline, not in the graph


class AttentionBlock(nn.Module):
    """One-head spatial self-attention with a residual (diffusers 0.12's VAE attention)."""

    def __init__(self, c: int, groups: int, eps: float):
        super().__init__()
        self.channels = c
        self.num_heads = 1
        self.group_norm = nn.GroupNorm(groups, c, eps=eps)
        self.query = nn.Linear(c, c)
        self.key = nn.Linear(c, c)
        self.value = nn.Linear(c, c)
        self.rescale_output_factor = 1.0
        self.proj_attn = nn.Linear(c, c)

    def reshape_heads_to_batch_dim(self, t: torch.Tensor) -> torch.Tensor:
        b, n, d = t.shape
        h = self.num_heads
        return t.reshape(b, n, h, d // h).permute(0, 2, 1, 3).reshape(b * h, n, d // h)

    def reshape_batch_dim_to_heads(self, t: torch.Tensor) -> torch.Tensor:
        b, n, d = t.shape
        h = self.num_heads
        return t.reshape(b // h, h, n, d).permute(0, 2, 1, 3).reshape(b // h, n, d * h)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        residual = x
        batch, channel, height, width = x.shape
        h = self.group_norm(x).view(batch, channel, height * width).transpose(1, 2)
        q = self.reshape_heads_to_batch_dim(self.query(h))
        k = self.reshape_heads_to_batch_dim(self.key(h))
        v = self.reshape_heads_to_batch_dim(self.value(h))
        scale = 1 / math.sqrt(self.channels / self.num_heads)
        empty = torch.empty(q.shape[0], q.shape[1], k.shape[1], dtype=q.dtype, device=q.device)
        scores = torch.baddbmm(empty, q, k.transpose(-1, -2), beta=0, alpha=scale)
        probs = torch.softmax(scores.float(), dim=-1).type(scores.dtype)
        h = self.proj_attn(self.reshape_batch_dim_to_heads(torch.bmm(probs, v)))
        h = h.transpose(-1, -2).reshape(batch, channel, height, width)
        return (h + residual) / self.rescale_output_factor


class UNetMidBlock2D(nn.Module):
    def __init__(self, c: int, cfg: VaeConfig):
        super().__init__()
        self.attentions = nn.ModuleList([AttentionBlock(c, cfg.norm_num_groups, cfg.eps)])
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, None, cfg.norm_num_groups, cfg.eps) for _ in range(2)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.resnets[1](self.attentions[0](self.resnets[0](x)))


class UpDecoderBlock2D(nn.Module):
    def __init__(self, cin: int, cout: int, cfg: VaeConfig, add_up: bool):
        super().__init__()
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(cin if i == 0 else cout, cout, None, cfg.norm_num_groups, cfg.eps)
             for i in range(cfg.layers_per_block + 1)])
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if add_up else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for resnet in self.resnets:
            x = resnet(x)
        return self.upsamplers[0](x) if self.upsamplers is not None else x


class Decoder(nn.Module):
    def __init__(self, cfg: VaeConfig):
        super().__init__()
        rev = list(reversed(cfg.block_out_channels))
        self.conv_in = nn.Conv2d(cfg.latent_channels, rev[0], 3, padding=1)
        self.up_blocks = nn.ModuleList()  # registered before mid_block, as in diffusers
        self.mid_block = UNetMidBlock2D(rev[0], cfg)
        last = len(rev) - 1
        self.up_blocks.extend(
            [UpDecoderBlock2D(rev[max(i - 1, 0)], rev[i], cfg, add_up=i < last) for i in range(len(rev))])
        self.conv_norm_out = nn.GroupNorm(cfg.norm_num_groups, rev[-1], eps=cfg.eps)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(rev[-1], cfg.out_channels, 3, padding=1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.mid_block(self.conv_in(z))
        for block in self.up_blocks:
            x = block(x)
        return self.conv_out(self.conv_act(self.conv_norm_out(x)))


class VaeDecoder(nn.Module):
    """AutoencoderKL.decode: post_quant_conv (1x1), then the decoder. Parameter names as in AutoencoderKL."""

    def __init__(self, cfg: VaeConfig = VaeConfig()):
        super().__init__()
        self.config = cfg
        self.decoder = Decoder(cfg)
        self.post_quant_conv = nn.Conv2d(cfg.latent_channels, cfg.latent_channels, 1)

    def forward(self, latent_sample: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.post_quant_conv(latent_sample))
