"""Train the neural backend's transformer on an indexed MIDI corpus (CPU, seeded, resumable).

``train(data, out, steps, seed, resume, progress)``: ``data`` is an index made by
:func:`musigen_agent.neural.data.index` (or a folder, indexed first).  Each step draws
a batch from an RNG seeded by (seed, step), so a resumed run sees exactly the batches
an uninterrupted one would; checkpoints (model, optimiser, step, history) are written
every ``eval_every`` steps and at the end.  Validation loss is measured on held-out
pieces (a fixed hash split by file name) and compared with the best n-gram baseline
on the same windows.  Writes ``out/model.pt`` (fp16 inference weights),
``out/checkpoint.pt`` and ``out/metrics.json``.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from musigen_agent.neural import Progress, no_progress
from musigen_agent.neural.data import index, load_index
from musigen_agent.neural.ngram import best_baseline
from musigen_agent.neural.tokens import DROPPABLE, ID, VOCAB, Piece, encode_bars, load_piece, prefix

from .model import Config, TinyGPT, save_weights

PREFIX_LEN = 8
PAD = ID["PAD"]
#: Sampling weight of the melody-only copy of a two-voice piece (teaches VOICES_1 on chorales too).
SOLO_WEIGHT = 0.35
COND_DROPOUT = 0.15


class Corpus:
    """Tokenised pieces: body token arrays, their bar offsets, conditions and sampling weights."""

    def __init__(self) -> None:
        self.bodies: list[np.ndarray] = []
        self.offsets: list[np.ndarray] = []
        self.conditions: list[dict[str, str]] = []
        self.weights: list[float] = []

    def add(self, piece: Piece, voices: int, weight: float) -> None:
        body, offsets = encode_bars(piece, voices)
        self.bodies.append(np.array(body, dtype=np.int64))
        self.offsets.append(np.array(offsets, dtype=np.int64))
        self.conditions.append(piece.condition(voices))
        self.weights.append(weight * len(body))

    @property
    def tokens(self) -> int:
        return int(sum(len(b) for b in self.bodies))

    def windows(self, span: int) -> list[tuple[list[int], int]]:
        """Non-overlapping windows (prefix + whole bars, at most ``span`` body tokens) covering every piece."""
        out = []
        for body, offsets, cond in zip(self.bodies, self.offsets, self.conditions, strict=True):
            bounds = [*offsets.tolist(), len(body)]
            start = 0
            while start < len(body):
                end = max((b for b in bounds if start < b <= start + span), default=min(len(body), start + span))
                out.append((prefix(cond) + body[start:end].tolist(), PREFIX_LEN))
                start = end
        return out


def _split(row: dict[str, Any], val_percent: int) -> bool:
    """Held-out by a hash of the file's last three path parts (stable across machines)."""
    name = "/".join(Path(row["path"]).parts[-3:])
    return int(hashlib.sha1(name.encode()).hexdigest(), 16) % 100 < val_percent


def build_corpora(rows: list[dict[str, Any]], workers: int, val_percent: int) -> tuple[Corpus, Corpus, dict[str, Any]]:
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        pieces = list(pool.map(load_piece, rows, chunksize=16))
    train, val = Corpus(), Corpus()
    seen: dict[str, set[str]] = {f: set() for f in DROPPABLE}
    skipped = kept = 0
    for row, piece in zip(rows, pieces, strict=True):
        if piece is None or not piece.voices or not piece.voices[0]:
            skipped += 1
            continue
        kept += 1
        if _split(row, val_percent):
            val.add(piece, len(piece.voices), 1.0)
            continue
        train.add(piece, len(piece.voices), 1.0)
        if len(piece.voices) == 2:
            train.add(piece, 1, SOLO_WEIGHT)
        for f in DROPPABLE:
            seen[f].add(piece.condition()[f])
    stats = {
        "pieces_train": kept - len(val.bodies),
        "pieces_val": len(val.bodies),
        "skipped": skipped,
        "tokens_train": train.tokens,
        "tokens_val": val.tokens,
        "seen": {k: sorted(v) for k, v in seen.items()},
    }
    return train, val, stats


def batch(corpus: Corpus, rng: np.random.Generator, size: int, context: int) -> torch.Tensor:
    """``size`` windows of ``context + 1`` tokens: a (dropout-masked) prefix and bars from a random bar on."""
    p = np.array(corpus.weights) / sum(corpus.weights)
    rows = np.full((size, context + 1), PAD, dtype=np.int64)
    for i, j in enumerate(rng.choice(len(corpus.bodies), size=size, p=p)):
        cond = dict(corpus.conditions[j])
        for f in DROPPABLE:
            if rng.random() < COND_DROPOUT:
                cond[f] = "any"
        offsets = corpus.offsets[j]
        start = 0 if rng.random() < 0.25 else int(offsets[rng.integers(len(offsets))])
        body = corpus.bodies[j][start : start + context + 1 - PREFIX_LEN]
        seq = prefix(cond) + body.tolist()
        rows[i, : len(seq)] = seq
    return torch.from_numpy(rows)


def loss_of(model: TinyGPT, seqs: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of body tokens only (the prefix is given, never predicted)."""
    logits, _ = model(seqs[:, :-1])
    targets = seqs[:, 1:].clone()
    targets[:, : PREFIX_LEN - 1] = PAD
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=PAD)


@torch.no_grad()
def evaluate(model: TinyGPT, windows: list[tuple[list[int], int]], context: int) -> float:
    """Token-weighted mean validation loss over fixed windows."""
    model.eval()
    total, count = 0.0, 0
    for i in range(0, len(windows), 32):
        chunk = windows[i : i + 32]
        rows = torch.full((len(chunk), context + 1), PAD, dtype=torch.long)
        for r, (seq, _) in enumerate(chunk):
            rows[r, : len(seq)] = torch.tensor(seq[: context + 1])
        n = int((rows[:, PREFIX_LEN:] != PAD).sum())
        total += float(loss_of(model, rows)) * n
        count += n
    model.train()
    return total / max(1, count)


def _lr(step: int, steps: int, peak: float, warmup: int = 100) -> float:
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min(1.0, (step - warmup) / max(1, steps - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train(
    data: str | Path,
    out: str | Path,
    *,
    steps: int = 600,
    seed: int = 0,
    resume: bool = False,
    progress: Progress = no_progress,
    batch_size: int = 16,
    lr: float = 3e-3,
    eval_every: int = 200,
    threads: int = 2,
    val_percent: int = 8,
    config: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train (or resume) and write weights, checkpoint and metrics under ``out``; returns the metrics."""
    t0 = time.perf_counter()
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = Path(data)
    if data.is_dir():
        index(data, out / "index.sqlite", workers=threads, progress=lambda f, m: progress(0.02 * f, m))
        data = out / "index.sqlite"
    rows = load_index(data)
    if not rows:
        raise ValueError(f"{data} lists no usable MIDI files; run `musigen data index` on a MIDI folder first")
    progress(0.02, f"tokenising {len(rows)} files")
    train_set, val_set, stats = build_corpora(rows, threads, val_percent)
    if not train_set.bodies or not val_set.bodies:
        raise ValueError("need at least one training and one validation piece; index more MIDI files")
    cfg = Config(vocab=len(VOCAB), **(config or {}))
    model = TinyGPT(cfg)
    optim = torch.optim.AdamW(model.parameters(), lr=lr, betas=(0.9, 0.95), weight_decay=0.05)
    history: list[dict[str, float]] = []
    start = 0
    ckpt_path = out / "checkpoint.pt"
    if resume and ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location="cpu", weights_only=True)
        if ckpt["config"] != cfg.to_dict():
            raise ValueError(f"{ckpt_path} was trained with another model config; resume with the same one")
        model.load_state_dict(ckpt["model"])
        optim.load_state_dict(ckpt["optim"])
        start, history = ckpt["step"], ckpt["history"]
    val_windows = val_set.windows(cfg.context + 1 - PREFIX_LEN)
    meta = {"seen": stats["seen"], "vocab_size": len(VOCAB), "vocab_sha1": _vocab_hash()}

    def checkpoint(step: int) -> None:
        torch.save(
            {
                "model": model.state_dict(),
                "optim": optim.state_dict(),
                "step": step,
                "config": cfg.to_dict(),
                "history": history,
            },
            ckpt_path,
        )

    model.train()
    step_t = time.perf_counter()
    for step in range(start, steps):
        for group in optim.param_groups:
            group["lr"] = _lr(step, steps, lr)
        seqs = batch(train_set, np.random.default_rng([seed, step]), batch_size, cfg.context)
        loss = loss_of(model, seqs)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        done = step + 1
        if done % eval_every == 0 or done == steps:
            val = evaluate(model, val_windows, cfg.context)
            history.append(
                {
                    "step": done,
                    "train_loss": round(loss.item(), 4),
                    "val_loss": round(val, 4),
                    "seconds": round(time.perf_counter() - t0, 1),
                }
            )
            checkpoint(done)
            progress(0.05 + 0.9 * done / steps, f"step {done}/{steps} train {loss.item():.3f} val {val:.3f}")
        elif done % 20 == 0:
            progress(0.05 + 0.9 * done / steps, f"step {done}/{steps} train {loss.item():.3f}")
    train_seconds = time.perf_counter() - step_t
    if not history or history[-1]["step"] != steps:
        history.append({"step": steps, "val_loss": round(evaluate(model, val_windows, cfg.context), 4)})
        checkpoint(steps)
    progress(0.96, "n-gram baseline")
    baseline = best_baseline(
        [prefix(c) + b.tolist() for b, c in zip(train_set.bodies, train_set.conditions, strict=True)],
        val_windows,
        len(VOCAB),
    )
    save_weights(model, str(out / "model.pt"), meta)
    metrics = {
        "val_loss": history[-1]["val_loss"],
        "ngram_baseline": baseline,
        "params": model.n_params(),
        "config": cfg.to_dict(),
        "steps": steps,
        "batch_size": batch_size,
        "lr": lr,
        "seed": seed,
        "threads": threads,
        "seconds_total": round(time.perf_counter() - t0, 1),
        "seconds_training_steps_this_run": round(train_seconds, 1),
        "torch": torch.__version__,
        **{k: v for k, v in stats.items() if k != "seen"},
        "history": history,
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    progress(1.0, f"val loss {metrics['val_loss']:.3f} vs {baseline['name']} {baseline['val_loss']:.3f}")
    return metrics


def _vocab_hash() -> str:
    return hashlib.sha1("\n".join(VOCAB).encode()).hexdigest()
