"""Integrated loudness (ITU-R BS.1770-4), measured so that a master can re-use it.

The K-weighting runs over the signal once, in cache-sized chunks, the channels side by
side (:mod:`musigen_agent.channels`); what is kept is the weighted power per sample
(float32) and its sums over the segments between gating-block edges.  A gain applied to
some samples then changes a few segment sums (:meth:`Loudness.change`), and loudness is
re-gated from ~1,200 numbers instead of filtering again: that is how the master's gain
search prices its limiter.  Gating and block layout are pyloudnorm's (the tests compare
against it).  scipy.signal costs ~0.8 s to import, so it is imported where it is used.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .channels import ChannelJobs
from .errors import InvalidInput

#: BS.1770 gating: 400 ms blocks, 75 % overlap, -70 LUFS absolute and -10 LU relative gates.
GATE_BLOCK_SECONDS = 0.4
GATE_OVERLAP = 0.75
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
#: BS.1770 channel weights (L, R, C, Ls, Rs).
CHANNEL_WEIGHTS = (1.0, 1.0, 1.0, 1.41, 1.41)

_CHUNK = 1 << 17  # samples per step of the chunked K-weighting: stays in cache, bounds temporaries


@functools.lru_cache(maxsize=8)
def _k_weighting(sample_rate: int) -> np.ndarray:
    """BS.1770 K-weighting as two second-order sections (high shelf +4 dB at 1.5 kHz,
    high-pass at 38 Hz), designed like pyloudnorm's (RBJ cookbook) for any rate."""

    def section(kind: str, gain_db: float, q: float, freq: float) -> list[float]:
        a = 10.0 ** (gain_db / 40.0)
        w0 = 2.0 * math.pi * freq / sample_rate
        cos, alpha = math.cos(w0), math.sin(w0) / (2.0 * q)
        if kind == "high_shelf":
            sq = 2.0 * math.sqrt(a) * alpha
            b = [
                a * ((a + 1) + (a - 1) * cos + sq),
                -2 * a * ((a - 1) + (a + 1) * cos),
                a * ((a + 1) + (a - 1) * cos - sq),
            ]
            den = [(a + 1) - (a - 1) * cos + sq, 2 * ((a - 1) - (a + 1) * cos), (a + 1) - (a - 1) * cos - sq]
        else:
            b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
            den = [1 + alpha, -2 * cos, 1 - alpha]
        return [v / den[0] for v in b] + [1.0, den[1] / den[0], den[2] / den[0]]

    return np.array([section("high_shelf", 4.0, 1 / math.sqrt(2), 1500.0), section("high_pass", 0.0, 0.5, 38.0)])


def _block_bounds(n: int, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """Start and end sample of every gating block, computed exactly like pyloudnorm."""
    step = 1.0 - GATE_OVERLAP
    seconds = n / sample_rate
    count = int(np.round((seconds - GATE_BLOCK_SECONDS) / (GATE_BLOCK_SECONDS * step))) + 1
    j = np.arange(count, dtype=np.float64)
    lower = (GATE_BLOCK_SECONDS * (j * step) * sample_rate).astype(np.int64)
    upper = (GATE_BLOCK_SECONDS * (j * step + 1) * sample_rate).astype(np.int64)
    return np.minimum(lower, n), np.minimum(upper, n)


def _gate(energy: np.ndarray) -> float:
    """Integrated loudness (LUFS) from the mean-square energy of every gating block."""
    with np.errstate(divide="ignore"):
        block_lufs = -0.691 + 10.0 * np.log10(energy)
    gated = energy[block_lufs >= ABSOLUTE_GATE_LUFS]
    if not len(gated):
        return float("-inf")
    relative = -0.691 + 10.0 * math.log10(float(gated.mean())) + RELATIVE_GATE_LU
    final = energy[(block_lufs > relative) & (block_lufs > ABSOLUTE_GATE_LUFS)]
    if not len(final) or final.mean() <= 0.0:
        return float("-inf")
    return -0.691 + 10.0 * math.log10(float(final.mean()))


class Loudness:
    """The K-weighted power of a signal, filtered once, and its gated loudness.

    ``power`` is the channel-weighted K-weighted power per sample (float32; input shorter
    than one gating block is zero-padded, as BS.1770 needs a full block).  Blocks are sums
    of the segments between consecutive block edges, so a gain applied to a few samples
    changes a few segment sums (:meth:`change`) and loudness is re-gated from those.
    """

    def __init__(self, x: np.ndarray, sample_rate: int, power: np.ndarray | None = None) -> None:
        from scipy.signal import sosfilt  # lazy: ~0.8 s import

        if x.shape[0] > len(CHANNEL_WEIGHTS):
            raise InvalidInput(f"loudness is defined for up to 5 channels, got {x.shape[0]}", field="audio")
        block = int(GATE_BLOCK_SECONDS * sample_rate) + 1
        if x.shape[1] < block:
            x = np.pad(x, ((0, 0), (0, block - x.shape[1])))
        channels, n = x.shape
        sos = _k_weighting(sample_rate)
        states = [np.zeros((sos.shape[0], 2)) for _ in range(channels)]
        squares: list[np.ndarray] = [np.empty(0, dtype=np.float32)] * channels
        self.power = np.empty(n, dtype=np.float32) if power is None else power[:n]
        with ChannelJobs(channels) as jobs:
            for lo in range(0, n, _CHUNK):  # chunked: the filtered signal never exists at full length

                def weigh(ch: int, lo: int = lo) -> None:
                    z, states[ch] = sosfilt(sos, x[ch, lo : lo + _CHUNK], zi=states[ch])
                    z *= z
                    if CHANNEL_WEIGHTS[ch] != 1.0:
                        z *= CHANNEL_WEIGHTS[ch]
                    squares[ch] = z

                jobs.run(weigh)  # the channels side by side: sosfilt releases the GIL
                total = squares[0]
                for ch in range(1, channels):
                    total += squares[ch]
                self.power[lo : lo + total.shape[0]] = total
        lower, upper = _block_bounds(n, sample_rate)
        self.edges = np.unique(np.concatenate([[0, n], lower, upper]))
        self.segments = np.add.reduceat(self.power, self.edges[:-1]).astype(np.float64)
        self._lower = np.searchsorted(self.edges, lower)
        self._upper = np.searchsorted(self.edges, upper)
        self._scale = GATE_BLOCK_SECONDS * sample_rate

    def lufs(self, change: np.ndarray | None = None) -> float:
        """Integrated loudness, with ``change`` (from :meth:`change`) added to the segment sums."""
        segments = self.segments if change is None else np.maximum(self.segments + change, 0.0)
        cumulative = np.concatenate([[0.0], np.cumsum(segments)])
        return _gate((cumulative[self._upper] - cumulative[self._lower]) / self._scale)

    def change(self, index: np.ndarray, gain: np.ndarray) -> np.ndarray:
        """How much each segment sum changes when the samples at sorted ``index`` are
        multiplied by ``gain`` (their power by ``gain**2``)."""
        delta = self.power[index] * (np.square(gain, dtype=np.float64) - 1.0)
        cumulative = np.concatenate([[0.0], np.cumsum(delta)])
        return np.diff(cumulative[np.searchsorted(index, self.edges)])


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """BS.1770-4 integrated loudness (LUFS) of (channels, samples) audio; -inf if silent."""
    x = np.asarray(audio)
    if x.dtype != np.float64:
        x = x.astype(np.float32, copy=False)
    if x.ndim != 2:
        raise InvalidInput(f"audio must be shaped (channels, samples), got {x.shape}", field="audio")
    if not np.any(x):
        return float("-inf")
    return Loudness(x, sample_rate).lufs()
