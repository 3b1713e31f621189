"""True peak (BS.1770-4 Annex 2, 4x oversampled), measured only where it can matter.

``scipy.signal.resample_poly``'s interpolator is used (4x as BS.1770-4 asks; 2x was
measured and rejected: on the benchmark mixes it under-reads 100 ms blocks by up to
0.3 dB, 8x differs from 4x by < 0.03 dB).  No interpolated value exceeds ~2.24x the
largest sample within the interpolator's reach, so only samples near one louder than
``level / 2.24`` can exceed a level: only those are oversampled (~10 % of a loud mix),
as a 21-tap FIR per phase over the gathered runs (:class:`TruePeaks`).  The range
helpers here (:func:`runs`, :func:`expand`, :func:`sliding`) are shared with the limiter.
"""

from __future__ import annotations

import functools
import math

import numpy as np

#: Oversampling factor of true-peak measurement (BS.1770-4 uses 4x; 2x under-reads).
TRUE_PEAK_OVERSAMPLE = 4

_CHUNK = 1 << 17  # samples per step of the per-sample peak pass: no full-length temporary
_TP_CHUNK = 8192  # samples per BLAS axpy of the true-peak FIR: under OpenBLAS's 10,000 threading threshold


# --------------------------------------------------------------------------- ranges


def runs(index: np.ndarray, before: int, after: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Merged ranges [lo, hi) covering ``index[i] - before ... index[i] + after`` for
    sorted ``index``, clipped to [0, n); touching ranges are joined."""
    if not len(index):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    lo = np.maximum(index - before, 0)
    hi = np.minimum(index + (after + 1), n)
    breaks = np.flatnonzero(lo[1:] > hi[:-1]) + 1
    return lo[np.r_[0, breaks]], hi[np.r_[breaks - 1, len(index) - 1]]


def expand(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Every position of the ranges [lo, hi), concatenated (sorted when the ranges are)."""
    lengths = hi - lo
    starts = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(lo - starts, lengths)


def sliding(x: np.ndarray, before: int, after: int, op: np.ufunc, fill: float) -> np.ndarray:
    """``op.reduce(x[i-before : i+after+1])`` for every i, out-of-range counting as ``fill``
    (``op`` is np.minimum or np.maximum).

    By doubling: after k steps ``p[i]`` covers 2**k samples, and two overlapping spans
    cover the window, so a window of w samples costs log2(w) + 1 passes.
    """
    w = before + after + 1
    n = x.shape[0]
    p = np.full(n + w - 1, fill, dtype=x.dtype)
    p[before : before + n] = x
    span = 1
    while 2 * span <= w:
        p = op(p[:-span], p[span:])
        span *= 2
    return op(p[:n], p[w - span : w - span + n])


# --------------------------------------------------------------------------- true peak


@functools.lru_cache(maxsize=1)
def oversampler() -> tuple[np.ndarray, int, float]:
    """The 4x interpolator of ``scipy.signal.resample_poly`` as a (taps, phases) matrix.

    Returns (W, first, bound): phase p of the oversampled signal at input sample m is
    ``sum_j W[j, p] * x[m + first + j]``, so any set of samples can be oversampled on
    its own, giving resample_poly's values.  ``bound`` is the largest sum of |taps| of a
    phase (~2.24): no interpolated value exceeds it times the largest |x| within reach.
    """
    from scipy.signal import resample_poly

    r, context = TRUE_PEAK_OVERSAMPLE, 4 * TRUE_PEAK_OVERSAMPLE
    impulse = np.zeros(2 * context + 1)
    impulse[context] = 1.0
    taps = np.stack([resample_poly(impulse, r, 1)[p::r] for p in range(r)])  # taps[p, k] weighs x[m - (k - context)]
    used = np.flatnonzero(np.abs(taps).max(axis=0) > 0.0)
    first = context - int(used.max())
    offsets = np.arange(first, context - int(used.min()) + 1)
    weights = np.stack([taps[p, context - offsets] for p in range(r)], axis=1).astype(np.float32)
    weights[np.abs(weights) < 1e-9] = 0.0  # numerically zero taps (phase 0 is one tap): skipped below
    return weights, first, max(1.0, float(np.abs(weights).sum(axis=0).max()))


def reach() -> tuple[int, int]:
    """How many samples the interpolator reaches before and after the sample it interpolates."""
    weights, first, _ = oversampler()
    return -first, weights.shape[0] - 1 + first


def exact_true_peak(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per-sample true peak (max over channels and oversampled phases) of every sample in
    the sorted ranges [lo, hi) of x, concatenated.

    The ranges are gathered with the interpolator's context (zeros beyond the ends) into
    one compact array and each phase is a 21-tap FIR over it: one BLAS axpy per tap on
    cache-sized chunks, about twice as fast as numpy's multiply-then-add.
    """
    from scipy.linalg.blas import saxpy

    weights, _, _ = oversampler()
    before, after = reach()
    channels, n = x.shape
    lengths = hi - lo
    context = expand(lo - before, hi + after)
    gathered = x.take(np.clip(context, 0, n - 1), axis=1)  # C order: rows are contiguous for BLAS
    gathered[:, (context < 0) | (context >= n)] = 0.0
    outputs = gathered.shape[1] - before - after  # output q interpolates around gathered[:, q + before]
    phases = [[(int(j), float(weights[j, p])) for j in np.flatnonzero(weights[:, p])] for p in range(weights.shape[1])]
    peak = np.empty(outputs, dtype=np.float32)
    acc = np.empty((channels, min(_TP_CHUNK, outputs)), dtype=np.float32)
    for q in range(0, outputs, _TP_CHUNK):
        w = min(_TP_CHUNK, outputs - q)
        best = peak[q : q + w]
        for p, phase in enumerate(phases):
            for ch in range(channels):
                y = acc[ch, :w]
                (j, wj), rest = phase[0], phase[1:]
                np.multiply(gathered[ch, q + j : q + j + w], np.float32(wj), out=y)
                for j, wj in rest:
                    saxpy(gathered[ch], y, n=w, a=wj, offx=q + j)
                np.abs(y, out=y)
                if p == 0 and ch == 0:
                    best[...] = y
                else:
                    np.maximum(best, y, out=best)
    offsets = np.cumsum(lengths + before + after) - (lengths + before + after)
    return peak[expand(offsets, offsets + lengths)]


class TruePeaks:
    """Per-sample true peaks of x, oversampled lazily and once: :meth:`above` measures
    every sample whose true peak may exceed a level (its reach holds a sample louder
    than ``level / bound``).

    ``work`` may lend full-length arrays ``peak``, ``values`` (float32) and ``measured``
    (bool) to fill instead of allocating them (the master keeps them between calls).
    """

    def __init__(self, x: np.ndarray, work: dict[str, np.ndarray] | None = None) -> None:
        n = x.shape[1]
        if work is None:
            work = {"peak": np.empty(n, np.float32), "values": np.empty(n, np.float32), "measured": np.empty(n, bool)}
        self.x = x
        self.peak = np.abs(x[0], out=work["peak"][:n])  # max |x| over channels per sample
        for lo in range(0, x.shape[1], _CHUNK):  # chunked: no full-length temporary
            for ch in range(1, x.shape[0]):
                np.maximum(
                    self.peak[lo : lo + _CHUNK], np.abs(x[ch, lo : lo + _CHUNK]), out=self.peak[lo : lo + _CHUNK]
                )
        self.bound = oversampler()[2]
        self.measured = work["measured"][:n]
        self.measured[:] = False
        self.values = work["values"][:n]  # valid where measured
        self._done = math.inf  # every sample that may exceed this level is measured
        self._index = np.zeros(0, dtype=np.int64)  # the measured samples, sorted

    def near(self, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Ranges of every sample whose true peak may exceed ``level`` (a bound, not measured)."""
        before, after = reach()
        hits = np.flatnonzero(self.peak > np.float32(level / self.bound))
        return runs(hits, after, before, self.x.shape[1])  # a hit at h is in the reach of h-after ... h+before

    def above(self, level: float) -> None:
        """Measure every sample whose true peak may exceed ``level``."""
        if level >= self._done:
            return
        candidates = expand(*self.near(level))
        new = candidates[~self.measured[candidates]]
        if len(new):
            # runs closer than the interpolator's context are joined: measuring the few
            # samples between them costs less than gathering their context twice
            lo, hi = runs(new, 0, sum(reach()), self.x.shape[1])
            hi = np.minimum(hi, new[np.searchsorted(new, hi) - 1] + 1)
            index = expand(lo, hi)
            self.values[index] = exact_true_peak(self.x, lo, hi)
            fresh = index[~self.measured[index]]
            self.measured[index] = True
            self._index = np.insert(self._index, np.searchsorted(self._index, fresh), fresh)
        self._done = level

    def samples(self) -> tuple[np.ndarray, np.ndarray]:
        """(sorted index, true peak) of every measured sample."""
        return self._index, self.values[self._index]

    def maximum(self) -> float:
        """The exact true peak of x (phase 0 is the sample itself, so it is >= max |x|)."""
        top = float(self.peak.max()) if self.peak.size else 0.0
        if top == 0.0:
            return 0.0
        self.above(top)
        return float(self.samples()[1].max())


def true_peak(audio: np.ndarray) -> float:
    """Linear true peak of (channels, samples) audio, 4x oversampled (BS.1770-4 style)."""
    x = np.asarray(audio, dtype=np.float32)
    return TruePeaks(x).maximum() if x.size else 0.0


def true_peak_db(audio: np.ndarray) -> float:
    """:func:`true_peak` in dBTP (-inf for silence)."""
    tp = true_peak(audio)
    return 20.0 * math.log10(tp) if tp > 0 else float("-inf")
