"""Checks the SD 1.5 stand-in against facts about SD 1.5, not against itself.

    /usr/bin/python3 -m unittest discover -s models/sd15-arch -p 'test_*.py' -v

Published facts used (each where it is published):
- UNet 859,520,964 parameters: diffusers' `ModelMixin.num_parameters` docstring (runwayml/stable-diffusion-v1-5).
- UNet 686 parameter tensors: a public SD 1.5 weight-schema test ("Assert.Equal(686, schema.Count)").
- CLIP ViT-L/14 text encoder 123,060,480 and AutoencoderKL 83,653,863 parameters: parameter counts
  printed from the loaded SD 1.5 pipeline in public scripts (and VAE drop-in checks, `param_count=83653863`).
- Block widths, layers, heads, cross-attention width, GroupNorm: SD 1.5's unet/config.json and vae/config.json.
- Hook shapes at 512 px: public/models/sd15-nmkd-fp16/manifest.json's catalogue (written from the same config).
Per-block counts come from closed-form formulas below, which are first checked to sum to the published totals.
"""

from __future__ import annotations

import json
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from standins import SIZES, count_params, hook_catalogue, meta_device  # noqa: E402
from text_encoder import CLIPTextModel  # noqa: E402
from unet import UNet2DConditionModel  # noqa: E402
from vae_decoder import VaeDecoder  # noqa: E402

UNET_PARAMS = 859_520_964
UNET_TENSORS = 686
TEXT_ENCODER_PARAMS = 123_060_480
AUTOENCODER_KL_PARAMS = 83_653_863
ROOT = os.path.join(HERE, "..", "..")


def conv(cin, cout, k):
    return cin * cout * k * k + cout


def lin(i, o, bias=True):
    return i * o + (o if bias else 0)


def norm(c):
    return 2 * c


def resnet(cin, cout, temb=None):
    return (norm(cin) + conv(cin, cout, 3) + (lin(temb, cout) if temb else 0) + norm(cout) + conv(cout, cout, 3)
            + (conv(cin, cout, 1) if cin != cout else 0))


def transformer(c, ctx):
    attn1 = 3 * lin(c, c, False) + lin(c, c)
    attn2 = lin(c, c, False) + 2 * lin(ctx, c, False) + lin(c, c)
    ff = lin(c, 2 * 4 * c) + lin(4 * c, c)
    return norm(c) + 2 * conv(c, c, 1) + attn1 + attn2 + ff + 3 * norm(c)


def sd15_unet_blocks(ch=(320, 640, 1280, 1280), ctx=768):
    """SD 1.5's UNet parameters per top-level module, from its config."""
    temb = 4 * ch[0]
    out = {"conv_in": conv(4, ch[0], 3), "time_embedding": lin(ch[0], temb) + lin(temb, temb)}
    for i, c in enumerate(ch):
        cin = ch[max(i - 1, 0)]
        n = resnet(cin, c, temb) + resnet(c, c, temb)
        if i < 3:
            n += 2 * transformer(c, ctx) + conv(c, c, 3)
        out[f"down_blocks.{i}"] = n
    out["mid_block"] = 2 * resnet(ch[-1], ch[-1], temb) + transformer(ch[-1], ctx)
    rev = ch[::-1]
    for i, c in enumerate(rev):
        prev, skip_in = rev[max(i - 1, 0)], rev[min(i + 1, 3)]
        n = sum(resnet((prev if j == 0 else c) + (skip_in if j == 2 else c), c, temb) for j in range(3))
        if i > 0:
            n += 3 * transformer(c, ctx)
        if i < 3:
            n += conv(c, c, 3)
        out[f"up_blocks.{i}"] = n
    out["conv_norm_out"] = norm(ch[0])
    out["conv_out"] = conv(ch[0], 4, 3)
    return out


def vae_attention(c):
    return norm(c) + 4 * lin(c, c)


def sd15_vae_decoder_blocks(ch=(128, 256, 512, 512)):
    rev = ch[::-1]
    out = {"post_quant_conv": conv(4, 4, 1), "decoder.conv_in": conv(4, rev[0], 3),
           "decoder.mid_block": 2 * resnet(rev[0], rev[0]) + vae_attention(rev[0])}
    for i, c in enumerate(rev):
        prev = rev[max(i - 1, 0)]
        out[f"decoder.up_blocks.{i}"] = (resnet(prev, c) + 2 * resnet(c, c) + (conv(c, c, 3) if i < 3 else 0))
    out["decoder.conv_norm_out"] = norm(ch[0])
    out["decoder.conv_out"] = conv(ch[0], 3, 3)
    return out


def sd15_vae_encoder_and_quant_conv(ch=(128, 256, 512, 512)):
    n = conv(3, ch[0], 3) + quant_conv_params()
    for i, c in enumerate(ch):
        n += resnet(ch[max(i - 1, 0)], c) + resnet(c, c) + (conv(c, c, 3) if i < 3 else 0)
    return n + 2 * resnet(ch[-1], ch[-1]) + vae_attention(ch[-1]) + norm(ch[-1]) + conv(ch[-1], 8, 3)


def quant_conv_params():
    return conv(8, 8, 1)


def top_level_counts(model, depth_two=()):
    """Parameters per top-level child (and per grandchild for the names in depth_two)."""
    out = {}
    for name, child in model.named_children():
        if name in depth_two:
            for sub, grand in child.named_children():
                out[f"{name}.{sub}"] = count_params(grand)
        else:
            out[name] = count_params(child)
    return {k: v for k, v in out.items() if v}


def full_modules():
    size = SIZES["full"]
    with meta_device():
        return UNet2DConditionModel(size.unet), CLIPTextModel(size.text), VaeDecoder(size.vae)


class ParameterCounts(unittest.TestCase):
    def setUp(self):
        self.unet, self.text, self.vae = full_modules()

    def test_formulas_match_published_totals(self):
        self.assertEqual(sum(sd15_unet_blocks().values()), UNET_PARAMS)
        self.assertEqual(sum(sd15_vae_decoder_blocks().values()) + sd15_vae_encoder_and_quant_conv(),
                         AUTOENCODER_KL_PARAMS)

    def test_unet_per_top_level_block(self):
        found = top_level_counts(self.unet, depth_two=("down_blocks", "up_blocks"))
        self.assertEqual(found, sd15_unet_blocks())
        self.assertEqual(count_params(self.unet), UNET_PARAMS)
        self.assertEqual(len(list(self.unet.parameters())), UNET_TENSORS)

    def test_text_encoder(self):
        self.assertEqual(count_params(self.text), TEXT_ENCODER_PARAMS)

    def test_vae_decoder_per_block(self):
        found = {"post_quant_conv": count_params(self.vae.post_quant_conv),
                 **{f"decoder.{k}": v for k, v in top_level_counts(self.vae.decoder, ("up_blocks",)).items()}}
        self.assertEqual(found, sd15_vae_decoder_blocks())
        self.assertEqual(count_params(self.vae), 49_490_199)  # = the formula's sum, stated for the reader

    def test_checkpoint_parameter_names_and_shapes(self):
        shapes = {n: tuple(p.shape) for m in (self.unet, self.text, self.vae) for n, p in m.named_parameters()}
        expected = {
            "time_embedding.linear_1.weight": (1280, 320),
            "down_blocks.0.attentions.0.proj_in.weight": (320, 320, 1, 1),
            "down_blocks.0.attentions.0.transformer_blocks.0.ff.net.0.proj.weight": (2560, 320),
            "down_blocks.1.resnets.0.conv_shortcut.weight": (640, 320, 1, 1),
            "down_blocks.2.downsamplers.0.conv.weight": (1280, 1280, 3, 3),
            "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight": (1280, 768),
            "up_blocks.1.attentions.1.proj_out.weight": (1280, 1280, 1, 1),
            "up_blocks.0.resnets.0.conv1.weight": (1280, 2560, 3, 3),
            "up_blocks.3.resnets.0.conv1.weight": (320, 960, 3, 3),
            "up_blocks.2.upsamplers.0.conv.weight": (640, 640, 3, 3),
            "up_blocks.3.attentions.2.transformer_blocks.0.attn1.to_out.0.bias": (320,),
            "conv_out.weight": (4, 320, 3, 3),
            "text_model.embeddings.token_embedding.weight": (49408, 768),
            "text_model.embeddings.position_embedding.weight": (77, 768),
            "text_model.encoder.layers.11.mlp.fc2.weight": (768, 3072),
            "text_model.final_layer_norm.weight": (768,),
            "post_quant_conv.weight": (4, 4, 1, 1),
            "decoder.mid_block.attentions.0.query.weight": (512, 512),
            "decoder.up_blocks.3.resnets.0.conv_shortcut.weight": (128, 256, 1, 1),
            "decoder.conv_out.weight": (3, 128, 3, 3),
        }
        for name, shape in expected.items():
            self.assertEqual(shapes.get(name), shape, name)
        for absent in ("up_blocks.3.upsamplers.0.conv.weight", "down_blocks.3.downsamplers.0.conv.weight",
                       "down_blocks.3.resnets.0.conv_shortcut.weight", "up_blocks.0.attentions.0.norm.weight"):
            self.assertNotIn(absent, shapes)

    def test_narrow_has_the_same_parameter_names(self):
        from standins import build
        narrow = build(SIZES["narrow"])
        for full, small in ((self.unet, narrow.unet), (self.text, narrow.text_encoder), (self.vae, narrow.vae_decoder)):
            self.assertEqual([n for n, _ in full.named_parameters()], [n for n, _ in small.named_parameters()])
            self.assertEqual([p.dim() for p in full.parameters()], [p.dim() for p in small.parameters()])


class HookCatalogue(unittest.TestCase):
    def test_shapes_at_512_px(self):
        unet, _, _ = full_modules()
        hooks = hook_catalogue(unet, 512)
        by_path = {h["path"]: (h["channels"], h["height"], h["width"]) for h in hooks}
        self.assertEqual(by_path["up_blocks.1.attentions.1"], (1280, 16, 16))
        self.assertEqual(by_path["up_blocks.3.attentions.2"], (320, 64, 64))
        self.assertEqual(by_path["mid_block.attentions.0"], (1280, 8, 8))
        self.assertEqual(by_path["down_blocks.1.resnets.0"], (640, 32, 32))
        # The whole catalogue, order included, equals the SD 1.5 manifest's.
        with open(os.path.join(ROOT, "public", "models", "sd15-nmkd-fp16", "manifest.json")) as f:
            published = [(h["path"], h["channels"], h["height"], h["width"]) for h in json.load(f)["hooks"]]
        self.assertEqual([(h["path"], h["channels"], h["height"], h["width"]) for h in hooks], published)
        self.assertEqual([h["path"] for h in hooks if h["default"]], ["up_blocks.1.attentions.1"])

    def test_hooks_json_is_current(self):
        unet, _, _ = full_modules()
        with open(os.path.join(HERE, "hooks.json")) as f:
            self.assertEqual(json.load(f)["hooks"], hook_catalogue(unet, 512))


if __name__ == "__main__":
    unittest.main()
