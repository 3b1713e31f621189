"""Constrained, seeded sampling of melody/counter-melody tokens from the transformer.

The token grammar is enforced by masking logits: after ``TRK`` only pitches, after a
pitch only durations, positions only move forward inside the bar's meter.  Musical
constraints are masks too: a pitch must be in the key's scale or the chord sounding
at that position (so V in minor may raise the 7th), and inside the part's range.
The harmony, the form position (``SEC``) and the bar count are *forced* tokens taken
from the theory composer's plan, and bars of a repeated section are forced copies of
their first statement, so the form is audible.  Sampling is top-k with a private
``random.Random`` seeded from the request (never the global torch RNG): same request,
same tokens.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from musigen_agent.neural.tokens import ID, TRACKS, VOCAB, bar_steps, ids_of, prefix

from .model import Cache, TinyGPT

POS_IDS = ids_of("POS_")
TRK_IDS = [ID[f"TRK_{t}"] for t in TRACKS]
PITCH_IDS = ids_of("PITCH_")
PITCH_OF = {i: int(VOCAB[i].split("_")[1]) for i in PITCH_IDS}
DUR_IDS = ids_of("DUR_")

#: ``allowed(track, bar, step) -> pitches`` in the model's C-transposed space.
PitchRule = Callable[[int, int, int], frozenset[int]]


@dataclass
class Request:
    """What to generate: conditioning, one forced (SEC, CHORD) pair per bar, the voices and rules."""

    condition: dict[str, str]
    meter: str
    bar_tokens: list[tuple[int, int]]
    tracks: tuple[int, ...]
    pitches: PitchRule
    repeat_of: dict[int, int] = field(default_factory=dict)
    seed: int = 0
    top_k: int = 8
    temperature: float = 0.9


class _State:
    """Where the sampler is in the grammar of one bar."""

    def __init__(self, req: Request) -> None:
        self.req = req
        self.steps = bar_steps(req.meter)
        self.bar = -1
        self.pos = -1
        self.used: set[int] = set()
        self.played: set[int] = set()
        self.track = 0
        self.last = ID["BAR"]

    def new_bar(self) -> None:
        self.bar += 1
        self.pos, self.used, self.played = -1, set(), set()

    def allowed(self) -> list[int]:
        last = VOCAB[self.last].split("_")[0]
        if last == "TRK":
            pitch_set = self.req.pitches(self.track, self.bar, max(self.pos, 0))
            return [i for i in PITCH_IDS if PITCH_OF[i] in pitch_set]
        if last == "PITCH":
            return DUR_IDS
        tracks = [TRK_IDS[t] for t in self.req.tracks if t not in self.used] if self.pos >= 0 else []
        if last == "POS":
            return tracks
        later = POS_IDS[self.pos + 1 : self.steps]
        done = all(t in self.played for t in self.req.tracks)
        return later + tracks + ([ID["BAR"]] if done or not later and not tracks else [])

    def feed(self, token: int) -> None:
        word = VOCAB[token]
        kind, _, value = word.partition("_")
        if kind == "POS":
            self.pos, self.used = int(value), set()
        elif kind == "TRK":
            self.track = TRACKS.index(value)
            self.used.add(self.track)
            self.played.add(self.track)
        self.last = token


class Sampler:
    """Feeds tokens through the model with a KV cache, re-priming when the context is full."""

    def __init__(self, model: TinyGPT, head: list[int]) -> None:
        self.model, self.head = model, head
        self.tokens: list[int] = []
        self.bar_starts: list[int] = []
        self.cache: Cache | None = None
        self.logits: np.ndarray | None = None

    def _prime(self) -> None:
        limit = self.model.cfg.context // 2
        start = next((s for s in self.bar_starts if len(self.tokens) - s <= limit), len(self.tokens))
        seq = torch.tensor([self.head + self.tokens[start:]])
        logits, self.cache = self.model(seq)
        self.logits = logits[0, -1].numpy()

    def feed(self, token: int) -> None:
        if token == ID["BAR"]:
            self.bar_starts.append(len(self.tokens))
        self.tokens.append(token)
        if self.cache is None or self.cache[0][0].shape[2] >= self.model.cfg.context:
            self._prime()
            return
        logits, self.cache = self.model(torch.tensor([[token]]), self.cache)
        self.logits = logits[0, -1].numpy()


def _pick(logits: np.ndarray, allowed: list[int], req: Request, rng: random.Random) -> int:
    """Top-k sampling among the allowed tokens (numpy on a 230-vector: ~20x cheaper than torch ops per step)."""
    if len(allowed) == 1:
        return allowed[0]
    choices = np.array(allowed)
    scores = logits[choices] / req.temperature
    k = min(req.top_k, len(allowed))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    p = np.exp(scores[top] - scores[top[0]])
    cumulative = np.cumsum(p / p.sum())
    return int(choices[top[min(int(np.searchsorted(cumulative, rng.random())), k - 1)]])


@torch.inference_mode()
def generate(model: TinyGPT, req: Request) -> list[int]:
    """Body tokens for every bar of ``req`` (BAR SEC CHORD notes ...), deterministic for ``req.seed``.

    Runs on one thread: one token's matmuls are too small to split, and extra threads
    only spin (20x slower on a busy 2-core machine).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _generate(model, req)
    finally:
        torch.set_num_threads(threads)


def _generate(model: TinyGPT, req: Request) -> list[int]:
    rng = random.Random(req.seed)
    sampler = Sampler(model, prefix(req.condition))
    state = _State(req)
    per_bar: list[list[int]] = []
    for bar, (sec, chord) in enumerate(req.bar_tokens):
        state.new_bar()
        for token in (ID["BAR"], sec, chord):
            sampler.feed(token)
        state.last = chord
        notes: list[int] = []
        source = req.repeat_of.get(bar)
        forced = list(per_bar[source]) if source is not None else None
        while True:
            if forced is not None:
                if not forced:
                    break
                token = forced.pop(0)
            else:
                assert sampler.logits is not None
                token = _pick(sampler.logits, state.allowed(), req, rng)
                if token == ID["BAR"]:
                    break
            state.feed(token)
            sampler.feed(token)
            notes.append(token)
        per_bar.append(notes)
    return sampler.tokens
