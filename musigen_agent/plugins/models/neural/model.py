"""A small decoder-only transformer over :mod:`musigen_agent.neural.tokens`, with a KV cache.

Imported only lazily (by the backend's compose and by training), so torch stays optional.
Pre-norm blocks, learned positions, tied input/output embeddings: the simplest GPT that
fits the job; the cache makes generation cost one token's work per step, which is what
keeps 30 s of music under a second on CPU.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

Cache = list[tuple[torch.Tensor, torch.Tensor]]


@dataclass(frozen=True)
class Config:
    """Model shape; the defaults are the shipped model's (0.86 M parameters)."""

    vocab: int
    context: int = 256
    d_model: int = 128
    n_layer: int = 4
    n_head: int = 4
    d_ff: int = 512
    dropout: float = 0.1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Block(nn.Module):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.n_head = cfg.n_head
        self.ln1 = nn.LayerNorm(cfg.d_model)
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        self.ln2 = nn.LayerNorm(cfg.d_model)
        self.mlp = nn.Sequential(nn.Linear(cfg.d_model, cfg.d_ff), nn.GELU(), nn.Linear(cfg.d_ff, cfg.d_model))
        self.drop = nn.Dropout(cfg.dropout)
        self.p_drop = cfg.dropout

    def forward(
        self, x: torch.Tensor, past: tuple[torch.Tensor, torch.Tensor] | None
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.n_head, d // self.n_head).transpose(1, 2) for z in (q, k, v))
        if past is not None:
            k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
        y = F.scaled_dot_product_attention(
            q, k, v, is_causal=past is None and t > 1, dropout_p=self.p_drop if self.training else 0.0
        )
        x = x + self.drop(self.proj(y.transpose(1, 2).reshape(b, t, d)))
        x = x + self.drop(self.mlp(self.ln2(x)))
        return x, (k, v)


class TinyGPT(nn.Module):
    def __init__(self, cfg: Config) -> None:
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab, cfg.d_model)
        self.pos = nn.Embedding(cfg.context, cfg.d_model)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.vocab, bias=False)
        self.head.weight = self.tok.weight
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module) -> None:
        if isinstance(m, nn.Linear | nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, idx: torch.Tensor, cache: Cache | None = None) -> tuple[torch.Tensor, Cache]:
        """Logits for every position of ``idx``; with ``cache``, ``idx`` continues the cached prefix."""
        past = cache[0][0].shape[2] if cache else 0
        positions = torch.arange(past, past + idx.shape[1], device=idx.device)
        x = self.tok(idx) + self.pos(positions)
        new: Cache = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, cache[i] if cache else None)
            new.append(kv)
        return self.head(self.ln(x)), new

    def n_params(self) -> int:
        return sum(p.numel() for p in self.parameters())


def save_weights(model: TinyGPT, path: str, meta: dict[str, Any]) -> None:
    """Inference weights as fp16 (half the bytes; generation runs them in fp32)."""
    state = {k: v.detach().to(torch.float16) for k, v in model.state_dict().items() if k != "head.weight"}
    torch.save({"config": model.cfg.to_dict(), "state": state, "meta": meta}, path)


def load_weights(path: str) -> tuple[TinyGPT, dict[str, Any]]:
    blob = torch.load(path, map_location="cpu", weights_only=True)
    model = TinyGPT(Config(**blob["config"]))
    state = {k: v.to(torch.float32) for k, v in blob["state"].items()}
    state["head.weight"] = state["tok.weight"]
    model.load_state_dict(state)
    model.eval()
    return model, blob["meta"]
