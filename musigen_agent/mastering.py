"""Mastering: loudness normalisation (BS.1770-4) and a true-peak look-ahead limiter.

Built around what a long mix costs: a 2-minute stereo mix is 10.7 M samples, every
pass over it takes 3-10 ms and every new full-length array ~20 ms of page faults, so
the master makes as few of either as it can.

* **Loudness is measured once** (:class:`~musigen_agent.loudness.Loudness`).  A plain
  gain moves loudness by exactly its dB.  The limiter's gain moves slowly (10 ms ramps
  and a 50 ms hold), so the K-weighted power of ``gain(t) * x`` is, to well under
  0.05 LU, ``gain(t)**2`` times that of ``x``: the gain search corrects the segment sums
  only where the limiter acts instead of filtering again.
* **True peak** is measured lazily, only near samples that could exceed a level
  (:class:`~musigen_agent.truepeak.TruePeaks`).
* **Limiter** only around the samples that need it, every region in one vectorised pass.
* **Verification** reuses the measurements: where the limiter's gain is flat across the
  interpolator's reach the output's true peak is exactly gain x the input's; where it
  moves, a rigorous error bound picks the few samples that are oversampled again.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from .errors import InvalidInput
from .loudness import GATE_BLOCK_SECONDS, Loudness
from .truepeak import TruePeaks, exact_true_peak, expand, reach, runs, sliding, true_peak

#: Limiter timing: look-ahead/ramp (two boxes of this length) and hold.
LIMITER_RAMP_SECONDS = 0.010
LIMITER_HOLD_SECONDS = 0.050
#: The limiter aims this far below the ceiling to absorb interpolation error.
LIMITER_MARGIN_DB = 0.1
#: Limiting may raise the loudness-normalised gain by at most this much to reach the
#: target; beyond it the result stays quieter than asked rather than being crushed.
MAX_MAKEUP_DB = 12.0
#: Gain-search steps (each one re-gates the segment sums; none re-filters).
MASTER_ITERATIONS = 8
#: The gain search stops this close to the target (a tenth of what a listener could
#: tell; the reported loudness is measured, not assumed).  0.02 cost a third step on
#: most limited mixes for nothing audible.
LOUDNESS_TOLERANCE_LU = 0.05
#: Pieces up to this many samples (3.2 min at 44.1 kHz) master in kept work arrays.
_WORKSPACE_SAMPLES = 1 << 23


def _work_arrays(n: int) -> dict[str, np.ndarray]:
    """Fresh work arrays ``power``, ``peak``, ``values`` (float32) and ``measured`` (bool)."""
    kinds = {"power": np.float32, "peak": np.float32, "values": np.float32, "measured": np.bool_}
    return {name: np.empty(n, dtype=kind) for name, kind in kinds.items()}


class _Workspace(threading.local):
    """The full-length work arrays of :func:`master_measured`, kept per thread.

    A fresh full-length array costs more in page faults (1-3 ms per MB on a shared
    VM) than a pass over it, and a master needs four (13 bytes a sample, 70 MB for
    2 minutes); kept, the next master faults on none.  Longer pieces, and a master
    started while this thread's arrays are lent, get fresh ones.
    """

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self.lent = False

    def lend(self, n: int) -> dict[str, np.ndarray]:
        """Work arrays of at least ``n`` items, contents undefined."""
        if self.lent or n > _WORKSPACE_SAMPLES:
            return _work_arrays(n)
        if not self.arrays or self.arrays["power"].shape[0] < n:
            self.arrays = _work_arrays(n)
        self.lent = True
        return self.arrays

    def give_back(self, arrays: dict[str, np.ndarray]) -> None:
        if arrays is self.arrays:
            self.lent = False


_WORKSPACE = _Workspace()


# --------------------------------------------------------------------------- limiter


def _box_causal(x: np.ndarray, length: int) -> np.ndarray:
    """Mean of x[i-length+1 : i+1] (before the start counts as 1.0)."""
    c = np.empty(x.shape[0] + length)
    c[:length] = np.arange(length)  # running sum of the ones before the start
    np.cumsum(x, out=c[length:])
    c[length:] += length - 1
    return (c[length:] - c[:-length]) / length


def _limiter_gain(required: np.ndarray, sample_rate: int) -> np.ndarray:
    """Smooth gain envelope that is <= ``required`` at every sample.

    A sliding minimum with look-ahead 2*(ramp-1) and a hold, then two causal box
    filters of the ramp length: the gain starts falling one double-ramp before a peak
    (an S-shaped 20 ms fade, no clicks or clipping) and rises again after the hold.
    At a peak at i every averaged value comes from a window containing i, so the
    result never exceeds required[i].
    """
    ramp = max(1, int(LIMITER_RAMP_SECONDS * sample_rate))
    hold = int(LIMITER_HOLD_SECONDS * sample_rate)
    lead = 2 * (ramp - 1)  # the boxes reach this far back: start the minimum that early
    padded = np.concatenate([np.ones(lead), required])
    held = sliding(padded, hold, lead, np.minimum, 1.0)
    return _box_causal(_box_causal(held, ramp), ramp)[lead:]


@dataclass(frozen=True)
class _Limiting:
    """The limiter's gain where it is not 1: sorted ranges [lo, hi), their positions
    concatenated, and the gain (float32) at each position."""

    lo: np.ndarray
    hi: np.ndarray
    positions: np.ndarray
    gain: np.ndarray

    def apply(self, y: np.ndarray) -> None:
        """Multiply y by the gain, in place, range by range."""
        offset = 0
        for lo, hi in zip(self.lo.tolist(), self.hi.tolist(), strict=True):
            y[:, lo:hi] *= self.gain[offset : offset + hi - lo]
            offset += hi - lo


def _limit(index: np.ndarray, required: np.ndarray, n: int, sample_rate: int) -> _Limiting:
    """The limiter for samples ``index`` (sorted) that need gains ``required`` < 1.

    A peak moves the gain at most 2*ramp + hold samples away, so each range reaches that
    far around its peaks, plus twice the interpolator's reach so that the gain is flat
    across the reach of every sample near a range's ends.  Ranges start and end with
    that much gain 1, so computing :func:`_limiter_gain` once over all of them laid end
    to end gives every range what it would get alone.
    """
    ramp = max(1, int(LIMITER_RAMP_SECONDS * sample_rate))
    margin = 2 * ramp + int(LIMITER_HOLD_SECONDS * sample_rate) + 2 + 2 * (max(reach()) + 1)
    lo, hi = runs(index, margin, margin, n)
    positions = expand(lo, hi)
    req = np.ones(len(positions))
    req[np.searchsorted(positions, index)] = required
    gain = np.minimum(_limiter_gain(req, sample_rate), req).astype(np.float32)
    return _Limiting(lo, hi, positions, gain)


def master_measured(
    audio: np.ndarray,
    sample_rate: int,
    target_lufs: float = -14.0,
    true_peak_db: float = -1.0,
    *,
    overwrite: bool = False,
) -> tuple[np.ndarray, float, float]:
    """:func:`master`, also returning the output's loudness (LUFS) and true peak (dBTP).

    ``overwrite=True`` writes the result into ``audio`` (float32) instead of a new array,
    sparing a full-length allocation when the caller no longer needs the pre-master.
    """
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim != 2:
        raise InvalidInput(f"audio must be shaped (channels, samples), got {x.shape}", field="audio")
    top, bottom = (float(x.max()), float(x.min())) if x.size else (0.0, 0.0)
    if not (math.isfinite(top) and math.isfinite(bottom)):
        raise InvalidInput("audio contains NaN or infinite samples", field="audio")
    if top == 0.0 and bottom == 0.0:
        return (x if overwrite else x.copy()), float("-inf"), float("-inf")
    work = _WORKSPACE.lend(max(x.shape[1], int(GATE_BLOCK_SECONDS * sample_rate) + 1))
    try:
        return _master(x, sample_rate, target_lufs, true_peak_db, overwrite, work)
    finally:
        _WORKSPACE.give_back(work)


def _master(
    x: np.ndarray,
    sample_rate: int,
    target_lufs: float,
    true_peak_db: float,
    overwrite: bool,
    work: dict[str, np.ndarray],
) -> tuple[np.ndarray, float, float]:
    """:func:`master_measured` of validated, audible float32 ``x`` using ``work`` arrays."""
    loud = Loudness(x, sample_rate, work["power"])
    loudness = loud.lufs()
    if not math.isfinite(loudness):  # below the -70 LUFS gate: nothing sensible to scale
        tp = true_peak(x)
        return (x if overwrite else x.copy()), loudness, (20 * math.log10(tp) if tp > 0 else float("-inf"))
    n = x.shape[1]
    ceiling = 10.0 ** (true_peak_db / 20.0)
    aim = ceiling * 10.0 ** (-LIMITER_MARGIN_DB / 20.0)
    peaks = TruePeaks(x, work)

    def limiting(gain: float) -> _Limiting | None:
        """The limiter keeping gain*x's true peak under ``aim``; None when none is needed."""
        peaks.above(aim / gain)
        index, values = peaks.samples()
        over = values * np.float32(gain) > aim
        if not np.any(over):
            return None
        return _limit(index[over], aim / (gain * values[over].astype(np.float64)), n, sample_rate)

    # Limiting lowers loudness, so the gain is raised until the limited result meets
    # the target (secant steps on the dB gain; loudness(gain) is monotonic).
    base_db = target_lufs - loudness
    gain_db, previous = base_db, None
    lim: _Limiting | None = None
    for _ in range(MASTER_ITERATIONS):
        gain = 10.0 ** (gain_db / 20.0)
        lim = limiting(gain)
        if lim is None:  # a plain gain moves loudness by exactly that many dB
            loudness = target_lufs
            break
        loudness = loud.lufs(loud.change(lim.positions, lim.gain)) + 20.0 * math.log10(gain)
        if abs(loudness - target_lufs) <= LOUDNESS_TOLERANCE_LU:
            break
        slope = 1.0
        if previous is not None and gain_db != previous[0]:
            slope = min(1.0, max(0.1, (loudness - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, loudness)
        step_db = min(gain_db + (target_lufs - loudness) / slope, base_db + MAX_MAKEUP_DB) - gain_db
        if abs(step_db) < 1e-3:  # makeup exhausted: the ceiling wins over the target
            break
        gain_db += step_db
    tp = gain * peaks.maximum() if lim is None else 0.0  # measured on x before x may be overwritten
    y = x if overwrite else np.empty_like(x)
    np.multiply(x, np.float32(gain), out=y)
    if lim is not None:
        lim.apply(y)
        tp = _verified_true_peak(y, peaks, gain, lim)
    if tp > ceiling:  # only an interpolation corner case can land here; trim, never clip
        trim = ceiling / tp * 10.0 ** (-0.01 / 20.0)
        y *= np.float32(trim)
        tp *= trim
        loudness += 20.0 * math.log10(trim)
    return y, loudness, 20.0 * math.log10(tp) if tp > 0 else float("-inf")


def _verified_true_peak(y: np.ndarray, peaks: TruePeaks, gain: float, lim: _Limiting) -> float:
    """Exact true peak of the limited output ``y = x * gain * lim.gain``, from x's measurements.

    Where the limiter's gain is constant over the interpolator's reach, y's true peak
    is exactly that gain times x's; that holds outside the limited ranges and wherever
    the gain is held inside them.  Where it moves, y's true peak differs from that
    estimate by at most bound x gain x (spread of the gain in reach) x (largest |x| in
    reach); a sample not measured on x has at most bound x gain x (largest |x| in reach).
    Only samples whose bound could reach the largest exact value are oversampled again,
    on y.  x itself is not read (y may have been written over it).
    """
    before, after = reach()
    n = y.shape[1]
    index, values = peaks.samples()
    inside = np.zeros(n, dtype=bool)
    inside[lim.positions] = True
    outside = values[~inside[index]]
    best = gain * float(outside.max()) if len(outside) else 0.0
    # In the limited ranges (laid end to end; each ends with a flat gain of 1 for twice
    # the reach, so the windows of samples where the gain moves stay in their own range).
    env = lim.gain
    spread = sliding(env, before, after, np.maximum, 1.0) - sliding(env, before, after, np.minimum, 1.0)
    measured = peaks.measured[lim.positions]
    estimate = np.zeros(len(env), dtype=np.float32)  # values are undefined where not measured
    estimate[measured] = peaks.values[lim.positions[measured]] * env[measured] * np.float32(gain)
    flat = measured & (spread == 0.0)
    if np.any(flat):
        best = max(best, float(estimate[flat].max()))
    loudest = int(lim.positions[np.argmax(estimate)])  # an exact value near the top makes few suspects
    best = max(best, float(exact_true_peak(y, np.array([loudest]), np.array([loudest + 1]))[0]))
    local = sliding(peaks.peak[lim.positions], before, after, np.maximum, 0.0)
    error = np.float32(peaks.bound * gain) * spread * local
    suspect = lim.positions[measured & (spread > 0.0) & (estimate + error > best)]
    # Anywhere, samples never measured on x whose bound (gain <= 1 included) could exceed it.
    candidates = expand(*peaks.near(best / gain))
    again = np.union1d(suspect, candidates[~peaks.measured[candidates]])
    if len(again):
        lo, hi = runs(again, 0, 0, n)
        best = max(best, float(exact_true_peak(y, lo, hi).max()))
    return best


def master(audio: np.ndarray, sample_rate: int, target_lufs: float = -14.0, true_peak_db: float = -1.0) -> np.ndarray:
    """Normalise integrated loudness to ``target_lufs``, then limit the 4x-oversampled
    true peak to ``true_peak_db`` with a smooth look-ahead limiter.

    If limiting costs loudness the gain is raised and the limiter re-run (up to
    :data:`MASTER_ITERATIONS` steps, at most :data:`MAX_MAKEUP_DB` of extra gain), so
    the result lands on the target unless the ceiling makes that unreasonable; then it
    stays quieter.  Silence (below the -70 LUFS gate) is returned unchanged.  Returns
    float32 of the input's shape.
    """
    return master_measured(audio, sample_rate, target_lufs, true_peak_db)[0]
