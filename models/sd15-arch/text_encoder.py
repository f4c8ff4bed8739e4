"""Stable Diffusion 1.5's text encoder, written out: transformers' `CLIPTextModel` for CLIP ViT-L/14.

Module tree, parameter names and operations follow transformers 4.25 (the public ONNX exports' era):
`text_model.embeddings.{token,position}_embedding`, `text_model.encoder.layers.N.{self_attn.{q,k,v,out}_proj,
layer_norm1, mlp.fc1, mlp.fc2, layer_norm2}`, `text_model.final_layer_norm`. Pre-LayerNorm layers, a causal
mask built in the graph (filled with the minimum of the dtype the graph is meant for, so an fp16 graph holds
-65504 as a half trace does), quick-GELU, and `pooler_output` taken at the argmax of the ids (the end token).

Shapes: input_ids [B, 77] (int32 or int64) -> last_hidden_state [B, 77, hidden], pooler_output [B, hidden]
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass(frozen=True)
class CLIPTextConfig:
    """openai/clip-vit-large-patch14's text_config by default."""
    vocab_size: int = 49408
    hidden_size: int = 768
    intermediate_size: int = 3072
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    max_position_embeddings: int = 77
    layer_norm_eps: float = 1e-5


class CLIPTextEmbeddings(nn.Module):
    def __init__(self, cfg: CLIPTextConfig):
        super().__init__()
        self.token_embedding = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.position_embedding = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.register_buffer("position_ids", torch.arange(cfg.max_position_embeddings).expand((1, -1)))

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        position_ids = self.position_ids[:, :input_ids.shape[-1]]
        return self.token_embedding(input_ids) + self.position_embedding(position_ids)


class CLIPAttention(nn.Module):
    def __init__(self, cfg: CLIPTextConfig):
        super().__init__()
        d = cfg.hidden_size
        self.num_heads = cfg.num_attention_heads
        self.head_dim = d // self.num_heads
        self.scale = self.head_dim ** -0.5
        self.k_proj = nn.Linear(d, d)
        self.v_proj = nn.Linear(d, d)
        self.q_proj = nn.Linear(d, d)
        self.out_proj = nn.Linear(d, d)

    def _shape(self, t: torch.Tensor, seq_len: int, bsz: int) -> torch.Tensor:
        return t.view(bsz, seq_len, self.num_heads, self.head_dim).transpose(1, 2).contiguous()

    def forward(self, hidden_states: torch.Tensor, causal_attention_mask: torch.Tensor) -> torch.Tensor:
        bsz, tgt_len, embed_dim = hidden_states.size()
        query = self.q_proj(hidden_states) * self.scale
        key = self._shape(self.k_proj(hidden_states), -1, bsz)
        value = self._shape(self.v_proj(hidden_states), -1, bsz)
        proj_shape = (bsz * self.num_heads, -1, self.head_dim)
        query = self._shape(query, tgt_len, bsz).view(*proj_shape)
        key = key.view(*proj_shape)
        value = value.view(*proj_shape)
        src_len = key.size(1)
        weights = torch.bmm(query, key.transpose(1, 2))
        weights = weights.view(bsz, self.num_heads, tgt_len, src_len) + causal_attention_mask
        weights = weights.view(bsz * self.num_heads, tgt_len, src_len).softmax(dim=-1)
        out = torch.bmm(weights, value)
        out = out.view(bsz, self.num_heads, tgt_len, self.head_dim).transpose(1, 2)
        return self.out_proj(out.reshape(bsz, tgt_len, embed_dim))


class QuickGELU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(1.702 * x)


class CLIPMLP(nn.Module):
    def __init__(self, cfg: CLIPTextConfig):
        super().__init__()
        self.activation_fn = QuickGELU()
        self.fc1 = nn.Linear(cfg.hidden_size, cfg.intermediate_size)
        self.fc2 = nn.Linear(cfg.intermediate_size, cfg.hidden_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.activation_fn(self.fc1(x)))


class CLIPEncoderLayer(nn.Module):
    def __init__(self, cfg: CLIPTextConfig):
        super().__init__()
        self.self_attn = CLIPAttention(cfg)
        self.layer_norm1 = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        self.mlp = CLIPMLP(cfg)
        self.layer_norm2 = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, x: torch.Tensor, causal_attention_mask: torch.Tensor) -> torch.Tensor:
        x = x + self.self_attn(self.layer_norm1(x), causal_attention_mask)
        return x + self.mlp(self.layer_norm2(x))


class CLIPEncoder(nn.Module):
    def __init__(self, cfg: CLIPTextConfig):
        super().__init__()
        self.layers = nn.ModuleList([CLIPEncoderLayer(cfg) for _ in range(cfg.num_hidden_layers)])

    def forward(self, x: torch.Tensor, causal_attention_mask: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x, causal_attention_mask)
        return x


class CLIPTextTransformer(nn.Module):
    def __init__(self, cfg: CLIPTextConfig):
        super().__init__()
        self.embeddings = CLIPTextEmbeddings(cfg)
        self.encoder = CLIPEncoder(cfg)
        self.final_layer_norm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)
        # Fill value of the causal mask: torch.finfo(dtype).min of the dtype the graph runs in.
        self.mask_min = torch.finfo(torch.float32).min

    def causal_mask(self, bsz: int, seq_len: int, dtype: torch.dtype) -> torch.Tensor:
        mask = torch.empty(bsz, seq_len, seq_len, dtype=dtype)
        mask.fill_(torch.tensor(self.mask_min))
        mask.triu_(1)
        return mask.unsqueeze(1)

    def forward(self, input_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        input_shape = input_ids.size()
        input_ids = input_ids.view(-1, input_shape[-1])
        hidden = self.embeddings(input_ids)
        bsz, seq_len = input_shape
        hidden = self.encoder(hidden, self.causal_mask(bsz, seq_len, hidden.dtype))
        last_hidden_state = self.final_layer_norm(hidden)
        # CLIP's pooled output is the end token's state: the highest id in each row.
        end = input_ids.to(dtype=torch.int, device=last_hidden_state.device).argmax(dim=-1)
        pooled = last_hidden_state[torch.arange(last_hidden_state.shape[0], device=last_hidden_state.device), end]
        return last_hidden_state, pooled


class CLIPTextModel(nn.Module):
    def __init__(self, cfg: CLIPTextConfig = CLIPTextConfig()):
        super().__init__()
        self.config = cfg
        self.text_model = CLIPTextTransformer(cfg)

    def forward(self, input_ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.text_model(input_ids)
