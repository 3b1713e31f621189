"""Genre and mood of an arrangement: multinomial logistic regression on musical features (numpy only).

Features are what tells styles apart to a listener and are cheap to compute: the
key-relative pitch-class histogram and mode, tempo, note and drum density, velocity
level and spread, note length, register, polyphony, off-beat/swing/triplet onsets, the
meter family and which GM instrument families play.  The model is trained on theory
composer outputs across every genre x mood x several seeds plus the real corpus
(chorales = classical, folk tunes = folk, moods from mode and activity), by
``benchmarks/bench_classifier.py``, which also prints held-out accuracy and confusion
matrices and writes ``data/neural/classifier.json``.  No torch: the analyze service can
always call :func:`classify`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..spec import Arrangement
from ..theory import pitch_class
from . import DATA_DIR

WEIGHTS = DATA_DIR / "classifier.json"


def features(arr: Arrangement) -> np.ndarray:
    """A fixed-length feature vector of ``arr`` (see the module docstring)."""
    tpq, end = arr.tpq, max(1, arr.end_tick)
    beats = end / tpq
    tonic = pitch_class(arr.key)
    pitched = [n for p in arr.parts if not p.is_drum for n in p.notes]
    drums = [n for p in arr.parts if p.is_drum for n in p.notes]
    hist = np.zeros(12)
    for n in pitched:
        hist[(n.pitch - tonic) % 12] += n.duration
    hist = hist / hist.sum() if hist.sum() else hist
    families = np.zeros(16)
    for p in arr.parts:
        if p.notes:
            families[15 if p.is_drum else p.program // 8] = 1.0
    onsets = np.array([n.start for n in pitched] or [0])
    within = onsets % tpq
    velocities = np.array([n.velocity for n in pitched + drums] or [64])
    durations = np.array([n.duration for n in pitched] or [tpq])
    pitches = np.array([n.pitch for n in pitched] or [60])
    other = [
        1.0 if arr.mode == "minor" else 0.0,
        arr.tempo / 200.0,
        min(8.0, len(pitched) / beats) / 4.0,
        min(8.0, len(drums) / beats) / 4.0,
        velocities.mean() / 127.0,
        velocities.std() / 32.0,
        np.log2(np.median(durations) / tpq + 1e-3) / 4.0,
        (pitches.max() - pitches.min()) / 48.0,
        pitches.mean() / 127.0,
        min(8.0, durations.sum() / end) / 4.0,
        float(np.mean(within != 0)),
        float(np.mean((within > tpq // 2) & (within < tpq * 3 // 4))),
        float(np.mean((within == tpq // 3) | (within == 2 * tpq // 3))),
        1.0 if arr.meter in ("6/8", "9/8", "12/8") else 0.0,
        1.0 if arr.meter in ("3/4",) else 0.0,
        len(arr.parts) / 8.0,
    ]
    return np.concatenate([hist, families, np.array(other)])


class Softmax:
    """L2-regularised multinomial logistic regression on standardised features."""

    def __init__(self, labels: list[str], mean: np.ndarray, scale: np.ndarray, weights: np.ndarray) -> None:
        self.labels, self.mean, self.scale, self.weights = labels, mean, scale, weights

    @classmethod
    def fit(cls, x: np.ndarray, y: list[str], l2: float = 1e-3, steps: int = 800, lr: float = 0.5) -> Softmax:
        labels = sorted(set(y))
        mean, scale = x.mean(0), x.std(0) + 1e-6
        z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
        target = np.eye(len(labels))[[labels.index(v) for v in y]]
        w = np.zeros((z.shape[1], len(labels)))
        for _ in range(steps):  # full-batch gradient descent: a few hundred rows, convex loss
            p = _softmax(z @ w)
            w -= lr * (z.T @ (p - target) / len(z) + l2 * w)
        return cls(labels, mean, scale, w)

    def proba(self, x: np.ndarray) -> np.ndarray:
        z = np.hstack([(np.atleast_2d(x) - self.mean) / self.scale, np.ones((len(np.atleast_2d(x)), 1))])
        return _softmax(z @ self.weights)

    def predict(self, x: np.ndarray) -> list[str]:
        return [self.labels[i] for i in self.proba(x).argmax(1)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.round(5).tolist(),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Softmax:
        return cls(d["labels"], np.array(d["mean"]), np.array(d["scale"]), np.array(d["weights"]))


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(1, keepdims=True))
    return e / e.sum(1, keepdims=True)


def save(models: dict[str, Softmax], path: str | Path, meta: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps({"meta": meta, **{k: m.to_dict() for k, m in models.items()}}))


@lru_cache(maxsize=4)
def load(path: str = str(WEIGHTS)) -> dict[str, Softmax]:
    data = json.loads(Path(path).read_text())
    return {k: Softmax.from_dict(data[k]) for k in ("genre", "mood")}


def classify(arr: Arrangement, path: str | Path = WEIGHTS) -> dict[str, dict[str, float]]:
    """``{"genre": {name: p}, "mood": {name: p}}``, each sorted by probability (highest first)."""
    x = features(arr)
    out = {}
    for head, model in load(str(path)).items():
        p = model.proba(x)[0]
        out[head] = {model.labels[i]: round(float(p[i]), 4) for i in np.argsort(-p)}
    return out
