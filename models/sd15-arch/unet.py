"""Stable Diffusion 1.5's UNet, written out: diffusers' `UNet2DConditionModel` at SD 1.5's configuration.

Module tree, parameter names and the order of operations follow diffusers 0.12 (the version of the
public ONNX exports' era), so torch.onnx node names read `/up_blocks.1/attentions.1/...` and the
parameter names (`up_blocks.1.attentions.1.proj_out.weight`) are the checkpoint's. Where diffusers'
code shapes the exported graph it is kept even when it computes nothing: the resnet output's division
by `output_scale_factor` (1.0), the `baddbmm` on an empty tensor with beta 0 in attention scores, the
timestep embedding's `scale` (1) and its fp32 sin/cos (diffusers casts to the weights' dtype after).

Shapes (B = batch, h = w = image size / 8):
    sample [B, 4, h, w], timestep [B] (or scalar), encoder_hidden_states [B, 77, cross_attention_dim]
    -> out_sample [B, 4, h, w]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass(frozen=True)
class UNetConfig:
    """SD 1.5's `unet/config.json` values by default (runwayml/stable-diffusion-v1-5)."""
    block_out_channels: tuple = (320, 640, 1280, 1280)
    layers_per_block: int = 2              # down blocks; up blocks have layers_per_block + 1
    attention_heads: int = 8               # SD 1.5's `attention_head_dim: 8` is the number of heads
    cross_attention_dim: int = 768         # CLIP ViT-L/14's width
    norm_num_groups: int = 32
    norm_eps: float = 1e-5                 # resnets and conv_norm_out; the transformers' GroupNorm uses 1e-6
    in_channels: int = 4
    out_channels: int = 4
    sample_size: int = 64                  # latent side at 512 px
    freq_shift: int = 0
    flip_sin_to_cos: bool = True


class ResnetBlock2D(nn.Module):
    """norm1, conv1, time_emb_proj (none in the VAE), norm2, conv2 and conv_shortcut (1x1) when the width
    changes."""

    def __init__(self, cin: int, cout: int, temb: int | None, groups: int, eps: float):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout) if temb else None
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.dropout = nn.Dropout(0.0)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.nonlinearity = nn.SiLU()
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.output_scale_factor = 1.0

    def forward(self, input_tensor: torch.Tensor, temb: torch.Tensor | None = None) -> torch.Tensor:
        h = self.conv1(self.nonlinearity(self.norm1(input_tensor)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(self.nonlinearity(temb))[:, :, None, None]
        h = self.conv2(self.dropout(self.nonlinearity(self.norm2(h))))
        if self.conv_shortcut is not None:
            input_tensor = self.conv_shortcut(input_tensor)
        # The division by 1.0 is diffusers'; it stays in the graph and is the block's last node.
        return (input_tensor + h) / self.output_scale_factor


class CrossAttention(nn.Module):
    """to_q, to_k, to_v (no bias), to_out.0 (+ dropout to_out.1); self-attention when context is None."""

    def __init__(self, dim: int, context_dim: int | None, heads: int):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim or dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim or dim, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim), nn.Dropout(0.0)])

    def head_to_batch_dim(self, t: torch.Tensor) -> torch.Tensor:
        b, n, c = t.shape
        h = self.heads
        return t.reshape(b, n, h, c // h).permute(0, 2, 1, 3).reshape(b * h, n, c // h)

    def batch_to_head_dim(self, t: torch.Tensor) -> torch.Tensor:
        bh, n, d = t.shape
        h = self.heads
        return t.reshape(bh // h, h, n, d).permute(0, 2, 1, 3).reshape(bh // h, n, d * h)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
        ctx = x if context is None else context
        q = self.head_to_batch_dim(self.to_q(x))
        k = self.head_to_batch_dim(self.to_k(ctx))
        v = self.head_to_batch_dim(self.to_v(ctx))
        empty = torch.empty(q.shape[0], q.shape[1], k.shape[1], dtype=q.dtype, device=q.device)
        scores = torch.baddbmm(empty, q, k.transpose(-1, -2), beta=0, alpha=self.scale)
        probs = scores.softmax(dim=-1)
        out = self.batch_to_head_dim(torch.bmm(probs, v))
        return self.to_out[1](self.to_out[0](out))


class GEGLU(nn.Module):
    def __init__(self, dim: int, inner: int):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(gate)


class FeedForward(nn.Module):
    """net.0 (GEGLU, inner width 4 x dim), net.1 (dropout), net.2 (Linear)."""

    def __init__(self, dim: int, mult: int = 4):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim: int, context_dim: int, heads: int):
        super().__init__()
        # Registration order as diffusers 0.12 (it orders the state dict and the graph's initializers).
        self.attn1 = CrossAttention(dim, None, heads)
        self.ff = FeedForward(dim)
        self.attn2 = CrossAttention(dim, context_dim, heads)
        self.norm1 = nn.LayerNorm(dim)
        self.norm2 = nn.LayerNorm(dim)
        self.norm3 = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class Transformer2DModel(nn.Module):
    """norm (GroupNorm, eps 1e-6), proj_in (1x1 conv), transformer_blocks.0, proj_out (1x1 conv), residual."""

    def __init__(self, c: int, context_dim: int, heads: int, groups: int):
        super().__init__()
        self.norm = nn.GroupNorm(groups, c, eps=1e-6)
        self.proj_in = nn.Conv2d(c, c, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(c, context_dim, heads)])
        self.proj_out = nn.Conv2d(c, c, 1)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        batch, _, height, width = x.shape
        residual = x
        h = self.proj_in(self.norm(x))
        inner = h.shape[1]
        h = h.permute(0, 2, 3, 1).reshape(batch, height * width, inner)
        for block in self.transformer_blocks:
            h = block(h, context)
        h = h.reshape(batch, height, width, inner).permute(0, 3, 1, 2).contiguous()
        return self.proj_out(h) + residual


class Downsample2D(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Timesteps(nn.Module):
    """Sinusoidal features of the timestep, computed in fp32 whatever the weights' dtype."""

    def __init__(self, channels: int, flip_sin_to_cos: bool, shift: float):
        super().__init__()
        self.channels, self.flip, self.shift = channels, flip_sin_to_cos, shift

    def forward(self, timesteps: torch.Tensor) -> torch.Tensor:
        half = self.channels // 2
        exponent = -math.log(10000) * torch.arange(0, half, dtype=torch.float32, device=timesteps.device)
        exponent = exponent / (half - self.shift)
        emb = timesteps[:, None].float() * torch.exp(exponent)[None, :]
        emb = 1 * emb  # diffusers' `scale` argument
        emb = torch.cat([torch.sin(emb), torch.cos(emb)], dim=-1)
        if self.flip:
            emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
        return emb


class TimestepEmbedding(nn.Module):
    def __init__(self, cin: int, dim: int):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.act = nn.SiLU()
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_2(self.act(self.linear_1(x)))


class DownBlock2D(nn.Module):
    """CrossAttnDownBlock2D when `cross_attention`, else DownBlock2D; returns the skips it leaves."""

    def __init__(self, cin: int, cout: int, cfg: UNetConfig, temb: int, cross_attention: bool, add_down: bool):
        super().__init__()
        n, g = cfg.layers_per_block, cfg.norm_num_groups
        if cross_attention:
            self.attentions = nn.ModuleList(
                [Transformer2DModel(cout, cfg.cross_attention_dim, cfg.attention_heads, g) for _ in range(n)])
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(cin if i == 0 else cout, cout, temb, g, cfg.norm_eps) for i in range(n)])
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if add_down else None

    def forward(self, x, temb, context):
        skips = ()
        for i, resnet in enumerate(self.resnets):
            x = resnet(x, temb)
            if hasattr(self, "attentions"):
                x = self.attentions[i](x, context)
            skips += (x,)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            skips += (x,)
        return x, skips


class UpBlock2D(nn.Module):
    """CrossAttnUpBlock2D when `cross_attention`, else UpBlock2D; each resnet takes one skip (last first)."""

    def __init__(self, prev: int, cout: int, skip_in: int, cfg: UNetConfig, temb: int, cross_attention: bool,
                 add_up: bool):
        super().__init__()
        n, g = cfg.layers_per_block + 1, cfg.norm_num_groups
        if cross_attention:
            self.attentions = nn.ModuleList(
                [Transformer2DModel(cout, cfg.cross_attention_dim, cfg.attention_heads, g) for _ in range(n)])
        # diffusers: res_skip_channels = in_channels for the last resnet, out_channels otherwise.
        self.resnets = nn.ModuleList(
            [ResnetBlock2D((prev if i == 0 else cout) + (skip_in if i == n - 1 else cout), cout, temb, g,
                           cfg.norm_eps) for i in range(n)])
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if add_up else None

    def forward(self, x, skips, temb, context):
        for i, resnet in enumerate(self.resnets):
            x = torch.cat([x, skips[-1]], dim=1)
            skips = skips[:-1]
            x = resnet(x, temb)
            if hasattr(self, "attentions"):
                x = self.attentions[i](x, context)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UNetMidBlock2DCrossAttn(nn.Module):
    def __init__(self, c: int, cfg: UNetConfig, temb: int):
        super().__init__()
        g = cfg.norm_num_groups
        self.attentions = nn.ModuleList([Transformer2DModel(c, cfg.cross_attention_dim, cfg.attention_heads, g)])
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, temb, g, cfg.norm_eps) for _ in range(2)])

    def forward(self, x, temb, context):
        x = self.resnets[0](x, temb)
        return self.resnets[1](self.attentions[0](x, context), temb)


class UNet2DConditionModel(nn.Module):
    def __init__(self, cfg: UNetConfig = UNetConfig()):
        super().__init__()
        self.config = cfg
        ch = cfg.block_out_channels
        temb = ch[0] * 4
        self.conv_in = nn.Conv2d(cfg.in_channels, ch[0], 3, padding=1)
        self.time_proj = Timesteps(ch[0], cfg.flip_sin_to_cos, cfg.freq_shift)
        self.time_embedding = TimestepEmbedding(ch[0], temb)
        last = len(ch) - 1
        self.down_blocks = nn.ModuleList(
            [DownBlock2D(ch[max(i - 1, 0)], ch[i], cfg, temb, cross_attention=i < last, add_down=i < last)
             for i in range(len(ch))])
        self.up_blocks = nn.ModuleList()  # registered before mid_block, as in diffusers
        self.mid_block = UNetMidBlock2DCrossAttn(ch[-1], cfg, temb)
        rev = list(reversed(ch))
        self.up_blocks.extend(
            [UpBlock2D(rev[max(i - 1, 0)], rev[i], rev[min(i + 1, last)], cfg, temb,
                       cross_attention=i > 0, add_up=i < last) for i in range(len(ch))])
        self.conv_norm_out = nn.GroupNorm(cfg.norm_num_groups, ch[0], eps=cfg.norm_eps)
        self.conv_act = nn.SiLU()
        self.conv_out = nn.Conv2d(ch[0], cfg.out_channels, 3, padding=1)

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor,
                encoder_hidden_states: torch.Tensor) -> torch.Tensor:
        timesteps = timestep[None] if timestep.dim() == 0 else timestep
        timesteps = timesteps.expand(sample.shape[0])
        # The sinusoidal features are fp32; diffusers casts them to the weights' dtype here.
        t_emb = self.time_proj(timesteps).to(dtype=self.conv_in.weight.dtype)
        emb = self.time_embedding(t_emb)
        sample = self.conv_in(sample)
        skips = (sample,)
        for block in self.down_blocks:
            sample, res = block(sample, emb, encoder_hidden_states)
            skips += res
        sample = self.mid_block(sample, emb, encoder_hidden_states)
        for block in self.up_blocks:
            n = len(block.resnets)
            sample = block(sample, skips[-n:], emb, encoder_hidden_states)
            skips = skips[:-n]
        return self.conv_out(self.conv_act(self.conv_norm_out(sample)))
