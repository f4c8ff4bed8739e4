"""The toy SD model: VAE, text encoder, UNet, attribute probe.

Module names mirror diffusers' SD 1.5 (`AutoencoderKL`, `CLIPTextModel`,
`UNet2DConditionModel`) so that torch.onnx node names carry the same paths
(`/up_blocks.1/attentions.1/...`) and the lab's graph surgery and hook
catalogue work on the toy model exactly as on SD 1.5. Sizes are tiny.

Shapes (B = batch):
    VAE encoder   sample [B,3,64,64] in [-1,1]  -> latent_sample [B,4,16,16] (mean)
    VAE decoder   latent_sample [B,4,16,16]     -> sample [B,3,64,64] (~[-1,1], unclamped)
    text encoder  input_ids [B,77] int64        -> last_hidden_state [B,77,D]
    UNet          sample [B,4,16,16], timestep [B] int64, encoder_hidden_states [B,77,D]
                  -> out_sample [B,4,16,16] (epsilon)
    probe         image [B,3,64,64] in [-1,1]   -> logits per attribute
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class ToyConfig:
    vocab_size: int = 64           # word-level vocabulary incl. special tokens
    context_length: int = 77       # CLIP's context, prompts padded to it
    hidden_size: int = 64          # text encoder width D = UNet cross-attention dim
    text_layers: int = 2
    text_heads: int = 4
    pad_id: int = 0
    block_out_channels: tuple = (32, 48, 48, 48)   # SD 1.5: (320, 640, 1280, 1280)
    layers_per_block: int = 1      # SD 1.5: 2 (up blocks get layers_per_block + 1)
    attention_head_dim: int = 32   # channels per head
    norm_num_groups: int = 8       # SD 1.5: 32
    time_proj_dim: int = 32        # sinusoidal features before time_embedding
    time_embed_dim: int = 128      # 4 x block_out_channels[0], like SD
    latent_channels: int = 4
    latent_size: int = 16          # 64x64 pixels / vae_patch; the UNet's position embeddings are this size
    vae_channels: int = 64         # width of the VAE's 16x16 convolutions
    vae_patch: int = 4             # spatial factor: 64x64 pixels -> 16x16 latents
    probe_channels: tuple = (16, 32, 64, 128)
    attribute_sizes: dict = field(default_factory=dict)


# ------------------------------------------------------------------ blocks

def _gn(c: int, groups: int) -> nn.GroupNorm:
    return nn.GroupNorm(min(groups, c), c, eps=1e-5)


class ResnetBlock2D(nn.Module):
    """diffusers ResnetBlock2D: norm1, conv1, time_emb_proj, norm2, conv2, conv_shortcut."""

    def __init__(self, cin: int, cout: int, temb: int | None, groups: int):
        super().__init__()
        self.norm1 = _gn(cin, groups)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout) if temb else None
        self.norm2 = _gn(cout, groups)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x: torch.Tensor, temb: torch.Tensor | None = None) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        if self.time_emb_proj is not None:
            h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        return x + h


class Attention(nn.Module):
    """diffusers Attention: to_q, to_k, to_v, to_out.0. Self-attention when context is None."""

    def __init__(self, dim: int, context_dim: int | None, head_dim: int):
        super().__init__()
        self.heads = max(1, dim // head_dim)
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim or dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim or dim, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim)])

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                bias: torch.Tensor | None = None) -> torch.Tensor:
        ctx = x if context is None else context
        b, n, c = x.shape
        h = self.heads
        q = self.to_q(x).reshape(b, n, h, c // h).transpose(1, 2)
        k = self.to_k(ctx).reshape(b, -1, h, c // h).transpose(1, 2)
        v = self.to_v(ctx).reshape(b, -1, h, c // h).transpose(1, 2)
        w = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(c // h))
        if bias is not None:
            w = w + bias
        o = torch.matmul(w.softmax(dim=-1), v).transpose(1, 2).reshape(b, n, c)
        return self.to_out[0](o)


class GEGLU(nn.Module):
    def __init__(self, dim: int, inner: int):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, g = self.proj(x).chunk(2, dim=-1)
        return a * F.gelu(g)


class FeedForward(nn.Module):
    """diffusers FeedForward: net.0 (GEGLU), net.1 (dropout), net.2 (Linear)."""

    def __init__(self, dim: int, mult: int = 2):  # SD uses 4; 2 halves the CPU training cost
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, dim * mult), nn.Identity(), nn.Linear(dim * mult, dim)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim: int, context_dim: int, head_dim: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn1 = Attention(dim, None, head_dim)
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, context_dim, head_dim)  # cross-attention to the prompt
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        return x + self.ff(self.norm3(x))


def sincos_2d(size: int, c: int) -> torch.Tensor:
    """[size*size, c] 2-D sine-cosine position features (half the channels for x, half for y)."""
    q = c // 4
    # Base 100 rather than ViT's 10000: on a 16-wide grid lower frequencies are constant.
    freqs = 1.0 / (100.0 ** (torch.arange(q, dtype=torch.float32) / max(1, q)))
    coords = torch.arange(size, dtype=torch.float32)
    ang = coords[:, None] * freqs[None] * (math.pi / 2)  # [size, q]
    enc = torch.cat([ang.sin(), ang.cos()], dim=1)        # [size, 2q]
    y, x = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    pe = torch.cat([enc[x.flatten()], enc[y.flatten()]], dim=1)
    return F.pad(pe, (0, c - pe.shape[1]))


class Transformer2DModel(nn.Module):
    """SD 1.5's spatial transformer: norm, proj_in (1x1 conv), transformer_blocks, proj_out, residual.

    One addition to SD's: a learned absolute position embedding (`pos_embed`, initialised
    with 2-D sine-cosine features) added to the tokens after proj_in. SD 1.5 learns where
    things go from zero padding over billions of images; trained for minutes, the toy UNet
    ignored "top left" entirely (position at chance) until its cross-attention queries could
    carry position."""

    def __init__(self, c: int, context_dim: int, head_dim: int, groups: int, size: int):
        super().__init__()
        self.norm = _gn(c, groups)
        self.proj_in = nn.Conv2d(c, c, 1)
        self.pos_embed = nn.Parameter(sincos_2d(size, c)[None])  # [1, HW, C]
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(c, context_dim, head_dim)])
        self.proj_out = nn.Conv2d(c, c, 1)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        b, c, hh, ww = x.shape
        h = self.proj_in(self.norm(x))
        h = h.flatten(2).transpose(1, 2) + self.pos_embed  # [B, HW, C]
        for blk in self.transformer_blocks:
            h = blk(h, context)
        h = h.transpose(1, 2).reshape(b, c, hh, ww)
        return self.proj_out(h) + x


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


class TimestepEmbedding(nn.Module):
    def __init__(self, cin: int, dim: int):
        super().__init__()
        self.linear_1 = nn.Linear(cin, dim)
        self.linear_2 = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear_2(F.silu(self.linear_1(x)))


def timestep_features(t: torch.Tensor, dim: int) -> torch.Tensor:
    """diffusers Timesteps(flip_sin_to_cos=True, downscale_freq_shift=0), as in SD 1.5."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    args = t.to(torch.float32)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


# -------------------------------------------------------------------- UNet

class DownBlock(nn.Module):
    """CrossAttnDownBlock2D when with_attn, else DownBlock2D."""

    def __init__(self, cin, cout, cfg: ToyConfig, with_attn: bool, add_down: bool, size: int):
        super().__init__()
        n = cfg.layers_per_block
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(cin if i == 0 else cout, cout, cfg.time_embed_dim, cfg.norm_num_groups) for i in range(n)])
        self.attentions = nn.ModuleList(
            [Transformer2DModel(cout, cfg.hidden_size, cfg.attention_head_dim, cfg.norm_num_groups, size)
             for _ in range(n)]
        ) if with_attn else None
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if add_down else None

    def forward(self, x, temb, ctx):
        skips = []
        for i, r in enumerate(self.resnets):
            x = r(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, ctx)
            skips.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            skips.append(x)
        return x, skips


class UpBlock(nn.Module):
    """CrossAttnUpBlock2D when with_attn, else UpBlock2D; consumes layers_per_block + 1 skips."""

    def __init__(self, prev_out, cout, skip_channels: list[int], cfg: ToyConfig, with_attn: bool, add_up: bool,
                 size: int):
        super().__init__()
        self.resnets = nn.ModuleList()
        for i, sc in enumerate(skip_channels):
            cin = prev_out if i == 0 else cout
            self.resnets.append(ResnetBlock2D(cin + sc, cout, cfg.time_embed_dim, cfg.norm_num_groups))
        self.attentions = nn.ModuleList(
            [Transformer2DModel(cout, cfg.hidden_size, cfg.attention_head_dim, cfg.norm_num_groups, size)
             for _ in skip_channels]) if with_attn else None
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if add_up else None

    def forward(self, x, skips, temb, ctx):
        for i, r in enumerate(self.resnets):
            x = r(torch.cat([x, skips.pop()], dim=1), temb)
            if self.attentions is not None:
                x = self.attentions[i](x, ctx)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UNetMidBlock2DCrossAttn(nn.Module):
    def __init__(self, c, cfg: ToyConfig, size: int):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, cfg.time_embed_dim, cfg.norm_num_groups) for _ in range(2)])
        self.attentions = nn.ModuleList([Transformer2DModel(c, cfg.hidden_size, cfg.attention_head_dim,
                                                            cfg.norm_num_groups, size)])

    def forward(self, x, temb, ctx):
        x = self.resnets[0](x, temb)
        x = self.attentions[0](x, ctx)
        return self.resnets[1](x, temb)


class UNet2DConditionModel(nn.Module):
    """SD 1.5's UNet layout: CrossAttnDown x3, Down, MidCrossAttn, Up, CrossAttnUp x3."""

    def __init__(self, cfg: ToyConfig):
        super().__init__()
        self.cfg = cfg
        ch = cfg.block_out_channels
        self.conv_in = nn.Conv2d(cfg.latent_channels, ch[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(cfg.time_proj_dim, cfg.time_embed_dim)
        self.down_blocks = nn.ModuleList()
        skip_ch = [ch[0]]
        prev = ch[0]
        for i, c in enumerate(ch):
            last = i == len(ch) - 1
            self.down_blocks.append(DownBlock(prev, c, cfg, with_attn=not last, add_down=not last,
                                              size=cfg.latent_size >> i))
            skip_ch += [c] * cfg.layers_per_block + ([] if last else [c])
            prev = c
        self.mid_block = UNetMidBlock2DCrossAttn(ch[-1], cfg, size=cfg.latent_size >> (len(ch) - 1))
        self.up_blocks = nn.ModuleList()
        rev = list(reversed(ch))
        for i, c in enumerate(rev):
            n = cfg.layers_per_block + 1
            skips = [skip_ch.pop() for _ in range(n)]
            self.up_blocks.append(UpBlock(prev, c, skips, cfg, with_attn=i > 0, add_up=i < len(ch) - 1,
                                          size=cfg.latent_size >> (len(ch) - 1 - i)))
            prev = c
        self.conv_norm_out = _gn(ch[0], cfg.norm_num_groups)
        self.conv_out = nn.Conv2d(ch[0], cfg.latent_channels, 3, padding=1)

    def forward(self, sample: torch.Tensor, timestep: torch.Tensor,
                encoder_hidden_states: torch.Tensor) -> torch.Tensor:
        temb = self.time_embedding(timestep_features(timestep, self.cfg.time_proj_dim))
        x = self.conv_in(sample)
        skips = [x]
        for blk in self.down_blocks:
            x, s = blk(x, temb, encoder_hidden_states)
            skips += s
        x = self.mid_block(x, temb, encoder_hidden_states)
        for blk in self.up_blocks:
            x = blk(x, skips, temb, encoder_hidden_states)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


# ------------------------------------------------------------ text encoder

class TextEncoderLayer(nn.Module):
    def __init__(self, d: int, heads: int):
        super().__init__()
        self.layer_norm1 = nn.LayerNorm(d)
        self.self_attn = Attention(d, None, d // heads)
        self.layer_norm2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, bias):
        x = x + self.self_attn(self.layer_norm1(x), bias=bias)
        return x + self.mlp(self.layer_norm2(x))


class TextEncoder(nn.Module):
    """Pre-LN transformer over word tokens, bidirectional, padding keys masked out."""

    def __init__(self, cfg: ToyConfig):
        super().__init__()
        self.cfg = cfg
        d = cfg.hidden_size
        self.token_embedding = nn.Embedding(cfg.vocab_size, d)
        self.position_embedding = nn.Embedding(cfg.context_length, d)
        self.layers = nn.ModuleList([TextEncoderLayer(d, cfg.text_heads) for _ in range(cfg.text_layers)])
        self.final_layer_norm = nn.LayerNorm(d)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.token_embedding(input_ids) + self.position_embedding(pos)[None]
        # -1e4 rather than -inf: a padding query row still has real keys (BOS/EOS), and a
        # finite bias keeps exported graphs free of inf arithmetic.
        bias = (input_ids == self.cfg.pad_id).to(torch.float32)[:, None, None, :] * -1e4
        for layer in self.layers:
            x = layer(x, bias)
        return self.final_layer_norm(x)


# --------------------------------------------------------------------- VAE

def space_to_depth(x: torch.Tensor, f: int) -> torch.Tensor:
    """[B,C,H,W] -> [B,C*f*f,H/f,W/f] by reshape/transpose (exports as plain Reshape/Transpose)."""
    b, c, h, w = x.shape
    x = x.reshape(b, c, h // f, f, w // f, f).permute(0, 1, 3, 5, 2, 4)
    return x.reshape(b, c * f * f, h // f, w // f)


def depth_to_space(x: torch.Tensor, f: int) -> torch.Tensor:
    """Inverse of space_to_depth."""
    b, cff, h, w = x.shape
    c = cff // (f * f)
    x = x.reshape(b, c, f, f, h, w).permute(0, 1, 4, 2, 5, 3)
    return x.reshape(b, c, h * f, w * f)


class Encoder(nn.Module):
    """Patch encoder: 4x4 pixel patches (space-to-depth, 48 values) -> convs at 16x16.

    Every convolution runs at the latent resolution, which makes the VAE cheap to train
    on CPU; flat-shape scenes need no more (SD's VAE downsamples with strided convs)."""

    def __init__(self, cfg: ToyConfig):
        super().__init__()
        c = cfg.vae_channels
        self.conv_in = nn.Conv2d(3 * cfg.vae_patch ** 2, c, 3, padding=1)
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, None, cfg.norm_num_groups) for _ in range(2)])
        self.conv_norm_out = _gn(c, cfg.norm_num_groups)
        self.conv_out = nn.Conv2d(c, 2 * cfg.latent_channels, 3, padding=1)
        self.patch = cfg.vae_patch

    def forward(self, x):
        h = self.conv_in(space_to_depth(x, self.patch))
        for r in self.resnets:
            h = r(h)
        return self.conv_out(F.silu(self.conv_norm_out(h)))


class Decoder(nn.Module):
    """Mirror of the encoder: convs at 16x16, then depth-to-space back to 64x64 pixels."""

    def __init__(self, cfg: ToyConfig):
        super().__init__()
        c = cfg.vae_channels
        self.conv_in = nn.Conv2d(cfg.latent_channels, c, 3, padding=1)
        self.resnets = nn.ModuleList([ResnetBlock2D(c, c, None, cfg.norm_num_groups) for _ in range(3)])
        self.conv_norm_out = _gn(c, cfg.norm_num_groups)
        self.conv_out = nn.Conv2d(c, 3 * cfg.vae_patch ** 2, 3, padding=1)
        self.patch = cfg.vae_patch

    def forward(self, z):
        h = self.conv_in(z)
        for r in self.resnets:
            h = r(h)
        return depth_to_space(self.conv_out(F.silu(self.conv_norm_out(h))), self.patch)


class AutoencoderKL(nn.Module):
    """A small KL autoencoder, spatial factor 4, 4 latent channels (SD's is 8 and 4)."""

    def __init__(self, cfg: ToyConfig):
        super().__init__()
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.quant_conv = nn.Conv2d(2 * cfg.latent_channels, 2 * cfg.latent_channels, 1)
        self.post_quant_conv = nn.Conv2d(cfg.latent_channels, cfg.latent_channels, 1)

    def encode(self, x):
        mean, logvar = self.quant_conv(self.encoder(x)).chunk(2, dim=1)
        return mean, logvar.clamp(-30.0, 20.0)

    def decode(self, z):
        return self.decoder(self.post_quant_conv(z))


class VaeEncoderExport(nn.Module):
    """sample [B,3,64,64] -> latent_sample (posterior mean, unscaled)."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, sample):
        return self.vae.encode(sample)[0]


class VaeDecoderExport(nn.Module):
    """latent_sample (unscaled, i.e. already divided by latentScale) -> sample."""

    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latent_sample):
        return self.vae.decode(latent_sample)


# ------------------------------------------------------------------- probe

class AttributeProbe(nn.Module):
    """A small CNN: image [B,3,64,64] in [-1,1] -> logits per attribute (one head each)."""

    def __init__(self, cfg: ToyConfig):
        super().__init__()
        layers = []
        prev = 3
        for c in cfg.probe_channels:  # 64 -> 32 -> 16 -> 8 -> 4
            layers += [nn.Conv2d(prev, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(),
                       nn.Conv2d(c, c, 3, padding=1, stride=2), nn.BatchNorm2d(c), nn.ReLU()]
            prev = c
        self.features = nn.Sequential(*layers)
        self.names = list(cfg.attribute_sizes)
        # Position needs the layout, so the trunk keeps a 4x4 map and flattens it.
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(prev * 16, 256), nn.ReLU())
        self.heads = nn.ModuleDict({k: nn.Linear(256, n) for k, n in cfg.attribute_sizes.items()})

    def forward(self, image):
        h = self.fc(self.features(image))
        return tuple(self.heads[k](h) for k in self.names)


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
