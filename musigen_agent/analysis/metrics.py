"""Score-level metrics over plain note columns, shared by generated pieces and real music.

Every function takes numpy arrays of ticks and pitches, never an Arrangement, so the
reference script can measure the music21 corpus with exactly the code that measures
the composer (a metric that differs between the two would make the comparison
meaningless).  Definitions follow MusPy 0.5 (``muspy/metrics/metrics.py``) unless a
docstring says why they deviate.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

#: Steps per quarter note for groove and polyphony, as in the measured reference
#: (groove consistency depends on the grid, so it is only comparable at one resolution).
GRID = 24
MAJOR_MASK = np.array([1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0, 1], bool)
MINOR_MASK = np.array([1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0], bool)
#: 24 scale masks: rows 0-11 major on C..B, rows 12-23 natural minor on C..B.
SCALE_MASKS = np.array([np.roll(MAJOR_MASK, t) for t in range(12)] + [np.roll(MINOR_MASK, t) for t in range(12)])
#: Krumhansl-Kessler probe-tone profiles (Krumhansl 1990), tonic first.
KS_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
KS_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
KS_PROFILES = np.array([np.roll(KS_MAJOR, t) for t in range(12)] + [np.roll(KS_MINOR, t) for t in range(12)])
MODES = ("major", "minor")


@dataclass(frozen=True)
class Notes:
    """The notes of one part as int64 columns (ticks), the form every metric works on."""

    start: np.ndarray
    duration: np.ndarray
    pitch: np.ndarray
    velocity: np.ndarray
    is_drum: bool = False
    name: str = ""
    role: str = ""

    @classmethod
    def from_rows(
        cls, rows: Iterable[Sequence[int]], *, is_drum: bool = False, name: str = "", role: str = ""
    ) -> Notes:
        """Build from ``(start, duration, pitch, velocity)`` rows."""
        data = np.array(list(rows), dtype=np.int64).reshape(-1, 4)
        return cls(data[:, 0], np.maximum(data[:, 1], 1), data[:, 2], data[:, 3], is_drum, name, role)

    def __len__(self) -> int:
        return int(self.start.size)

    @property
    def end(self) -> np.ndarray:
        return self.start + self.duration


def merge(parts: Iterable[Notes]) -> Notes:
    """All notes of ``parts`` in one column set (drum flag of the first; callers filter first)."""
    parts = list(parts)
    if not parts:
        return Notes.from_rows([])
    return Notes(
        np.concatenate([p.start for p in parts]),
        np.concatenate([p.duration for p in parts]),
        np.concatenate([p.pitch for p in parts]),
        np.concatenate([p.velocity for p in parts]),
        parts[0].is_drum,
    )


def _empty(values: np.ndarray) -> bool:
    return values.size == 0


# ---------------------------------------------------------------- pitch


def pitch_class_counts(pitches: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    return np.bincount(pitches % 12, weights=weights, minlength=12).astype(float)


def pitch_class_entropy(pitches: np.ndarray) -> float:
    """Shannon entropy (bits) of the note-count pitch-class histogram; log2(12) is uniform."""
    if _empty(pitches):
        return math.nan
    prob = pitch_class_counts(pitches)
    prob = prob[prob > 0] / prob.sum()
    return float(-(prob * np.log2(prob)).sum())


def scale_consistency(pitches: np.ndarray) -> tuple[float, int, str]:
    """Largest share of notes inside one of the 24 major/natural-minor scales, with that scale.

    Ties go to the major scale on the lowest pitch class, so C major beats A minor for
    an all-white-key piece (the two scales hold the same notes).
    """
    if _empty(pitches):
        return math.nan, 0, "major"
    counts = pitch_class_counts(pitches)
    rates = SCALE_MASKS @ counts / counts.sum()
    best = int(np.argmax(rates))
    return float(rates[best]), best % 12, MODES[best // 12]


def estimate_key(pitches: np.ndarray, durations: np.ndarray) -> tuple[int, str, float] | None:
    """Krumhansl-Schmuckler key: the duration-weighted pitch-class profile correlated with
    the 24 rotated Krumhansl-Kessler profiles.  Returns (tonic pc, mode, Pearson r).

    None when there are no notes or the profile is flat (every pitch class equally long),
    since no key is then better than another.
    """
    if _empty(pitches):
        return None
    hist = pitch_class_counts(pitches, durations.astype(float))
    centred = hist - hist.mean()
    norm = np.linalg.norm(centred)
    if norm == 0:
        return None
    profiles = KS_PROFILES - KS_PROFILES.mean(axis=1, keepdims=True)
    r = profiles @ centred / (np.linalg.norm(profiles, axis=1) * norm)
    best = int(np.argmax(r))
    return best % 12, MODES[best // 12], float(r[best])


def key_agreement(estimate: tuple[int, str], requested: tuple[int, str]) -> str:
    """'exact', 'relative' (C major vs A minor, same key signature) or 'none'."""
    if estimate == requested:
        return "exact"
    tonic, mode = requested
    relative = ((tonic + 9) % 12, "minor") if mode == "major" else ((tonic + 3) % 12, "major")
    return "relative" if estimate == relative else "none"


# ---------------------------------------------------------------- time


def _steps(ticks: np.ndarray, tpq: int, ceil: bool = False) -> np.ndarray:
    scaled = ticks * GRID
    return -(-scaled // tpq) if ceil else scaled // tpq


def polyphony(pitched: Notes, tpq: int, end: int) -> tuple[float, float]:
    """(mean distinct pitches sounding over steps where any sounds, share of steps with two or more).

    MusPy's polyphony on a 24-per-quarter grid; a unison doubled by two parts counts
    once, as in a piano roll.  The rate uses ``>= 2`` as MusPy documents (its code
    tests ``> 2``), over every step of the form.  Computed by merging each pitch's
    overlapping notes and sweeping the interval ends, which equals the piano-roll
    count without building the roll.
    """
    n_steps = int(_steps(np.array([end]), tpq, ceil=True)[0])
    if len(pitched) == 0 or n_steps == 0:
        return math.nan, math.nan
    s = np.clip(_steps(pitched.start, tpq), 0, n_steps - 1)
    e = np.clip(np.maximum(_steps(pitched.end, tpq, ceil=True), s + 1), 0, n_steps)
    # one time line per pitch (offset by pitch * span) so a running maximum merges per pitch
    span = n_steps + 1
    order = np.lexsort((s, pitched.pitch))
    shift = pitched.pitch[order] * span
    s, e = s[order] + shift, e[order] + shift
    reach = np.maximum.accumulate(e)
    new = np.ones(s.size, bool)
    new[1:] = s[1:] > reach[:-1]
    first = np.flatnonzero(new)
    starts = s[first] % span
    ends = np.maximum.reduceat(e, first) - shift[first]
    times = np.concatenate([starts, ends])
    order = np.argsort(times, kind="stable")
    times = times[order]
    level = np.cumsum(np.concatenate([np.ones(starts.size), -np.ones(ends.size)])[order])[:-1]
    length = np.diff(times)
    active = length[level >= 1].sum()
    if active == 0:
        return math.nan, math.nan
    return float((length * level).sum() / active), float(length[level >= 2].sum() / n_steps)


def beat_coverage(notes: Notes, tpq: int, end: int) -> np.ndarray:
    """Per quarter-note beat of [0, end): is any note sounding in it?

    A note covers the beats its span [start, end) overlaps.  (MusPy also marks the beat
    in which a note *ends*, so a crotchet on beat 1 would fill beat 2 as well.)
    """
    n_beats = -(-end // tpq)
    if len(notes) == 0 or n_beats <= 0:
        return np.zeros(max(n_beats, 0), bool)
    first = np.clip(notes.start // tpq, 0, n_beats)
    last = np.clip((notes.end - 1) // tpq + 1, 0, n_beats)
    diff = np.zeros(n_beats + 1, np.int32)
    np.add.at(diff, first, 1)
    np.add.at(diff, last, -1)
    return np.cumsum(diff[:n_beats]) > 0


def empty_beat_rate(notes: Notes, tpq: int, end: int, count: np.ndarray | None = None) -> float:
    """Share of beats in which nothing sounds; ``count`` masks which beats are judged."""
    covered = beat_coverage(notes, tpq, end)
    if count is not None:
        covered = covered[count[: covered.size]]
    return math.nan if covered.size == 0 else float(np.count_nonzero(~covered) / covered.size)


def onset_grid(starts: np.ndarray, tpq: int, bar_ticks: int, end: int) -> np.ndarray:
    """Bars x steps boolean onset matrix on the 24-per-quarter grid."""
    per_bar = bar_ticks * GRID // tpq
    n_bars = max(1, -(-end // bar_ticks))
    grid = np.zeros((n_bars, per_bar), bool)
    pos = _steps(starts, tpq)
    pos = pos[(pos >= 0) & (pos < n_bars * per_bar)]
    grid[pos // per_bar, pos % per_bar] = True
    return grid


def groove_consistency(starts: np.ndarray, tpq: int, bar_ticks: int, end: int) -> float:
    """1 - mean Hamming distance between the onset vectors of neighbouring bars / steps per bar.

    Bars are counted from the form's length rather than MusPy's ``last note end // bar
    + 1``, which adds a phantom empty bar whenever the music ends on a barline.
    """
    grid = onset_grid(starts, tpq, bar_ticks, end)
    if grid.shape[0] < 2 or starts.size == 0:
        return math.nan
    return float(1 - np.count_nonzero(grid[:-1] != grid[1:]) / grid[1:].size)


def legato_ratio(notes: Notes) -> float:
    """Mean share of the gap to the part's next onset that a note sounds (capped at 1).

    0.5 is staccato, about 1 legato; chords and unisons share one onset so they are not
    cut short by each other.  NaN for a part with a single onset time.
    """
    onsets = np.unique(notes.start)
    if onsets.size < 2:
        return math.nan
    nxt_index = np.searchsorted(onsets, notes.start, side="right")
    has_next = nxt_index < onsets.size
    if not has_next.any():
        return math.nan
    gap = onsets[nxt_index[has_next]] - notes.start[has_next]
    return float(np.minimum(notes.duration[has_next] / gap, 1.0).mean())


def summary_stats(values: Sequence[float]) -> dict[str, float | int | None]:
    """Mean, sd, p5, p95, min, max and count of the finite values (for reference tables)."""
    arr = np.array([v for v in values if v is not None and math.isfinite(v)], float)
    if arr.size == 0:
        return {"count": 0, "mean": None, "sd": None, "p5": None, "p95": None, "min": None, "max": None}
    return {
        "count": int(arr.size),
        "mean": round(float(arr.mean()), 4),
        "sd": round(float(arr.std(ddof=1)) if arr.size > 1 else 0.0, 4),
        "p5": round(float(np.percentile(arr, 5)), 4),
        "p95": round(float(np.percentile(arr, 95)), 4),
        "min": round(float(arr.min()), 4),
        "max": round(float(arr.max()), 4),
    }


def texture_metrics(
    parts: Sequence[Notes], tpq: int, bar_ticks: int, end: int, begin: int = 0
) -> dict[str, float | int | None]:
    """The corpus-comparable metrics of a whole texture (drums count only in time metrics).

    This is the set measured on the reference corpora, so every key here can be
    compared with ``reference_stats.json``.  ``begin``: where the music starts; beats
    before it (the padding that puts a pickup bar on the bar grid) are not judged empty.
    """
    everything = merge(parts)
    pitched = merge(p for p in parts if not p.is_drum)
    pcs = np.unique(pitched.pitch % 12)
    scale, _, _ = scale_consistency(pitched.pitch)
    poly, poly_rate = polyphony(pitched, tpq, end)
    beats = end / tpq
    out: dict[str, float | int | None] = {
        "n_notes": len(everything),
        "pitch_range": int(np.ptp(pitched.pitch)) if len(pitched) else None,
        "n_pitches_used": int(np.unique(pitched.pitch).size),
        "n_pitch_classes_used": int(pcs.size),
        "pitch_class_entropy": pitch_class_entropy(pitched.pitch),
        "scale_consistency": scale,
        "polyphony": poly,
        "polyphony_rate": poly_rate,
        "empty_beat_rate": empty_beat_rate(everything, tpq, end, np.arange(-(-end // tpq)) >= begin // tpq),
        "groove_consistency": groove_consistency(everything.start, tpq, bar_ticks, end),
        "note_density": len(everything) / beats if beats else None,
        "onset_density": np.unique(everything.start).size / beats if beats else None,
        "mean_pitch": float(pitched.pitch.mean()) if len(pitched) else None,
        "mean_velocity": float(pitched.velocity.mean()) if len(pitched) else None,
        "mean_duration_beats": float(pitched.duration.mean() / tpq) if len(pitched) else None,
        "legato_ratio": _weighted_legato([p for p in parts if not p.is_drum]),
    }
    return {k: clean(v) for k, v in out.items()}


def _weighted_legato(parts: Sequence[Notes]) -> float:
    pairs = [(legato_ratio(p), len(p)) for p in parts if len(p)]
    pairs = [(r, n) for r, n in pairs if math.isfinite(r)]
    total = sum(n for _, n in pairs)
    return sum(r * n for r, n in pairs) / total if total else math.nan


def clean(value: object) -> object:
    """JSON-safe scalar: numpy numbers to Python, NaN/inf to None, floats rounded to 4 places."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    return value
