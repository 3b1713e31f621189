"""Metrics that need the piece's form and harmony: chord tones, voice leading, repetition.

They read the chord symbols an Arrangement carries per section (one per chord slot),
so they judge the notes against the harmony the composer claims to play.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..spec import Arrangement
from ..theory import parse_chord
from .metrics import Notes

#: Strong beats of each meter in quarter notes from the barline: the downbeat and the
#: secondary accent (beat 3 of 4/4, the second dotted quarter of 6/8).
STRONG_BEATS: dict[str, tuple[float, ...]] = {
    "2/4": (0,),
    "3/4": (0,),
    "4/4": (0, 2),
    "5/4": (0, 3),
    "6/8": (0, 1.5),
    "7/8": (0, 1, 2),
    "9/8": (0, 1.5, 3),
    "12/8": (0, 3),
}
SUFFIX = re.compile(r"_\d+$")


@lru_cache(maxsize=512)
def _chord_mask(symbol: str) -> np.ndarray | None:
    try:
        chord = parse_chord(symbol)
    except ValueError:
        return None
    mask = np.zeros(12, bool)
    mask[list(chord.pitch_classes)] = True
    if chord.bass is not None:
        mask[chord.bass] = True
    return mask


@dataclass(frozen=True)
class Harmony:
    """The chord slots of a piece: start tick, symbol and pitch-class mask of each."""

    starts: np.ndarray
    symbols: list[str]
    masks: np.ndarray  # slots x 12; all False where a symbol did not parse

    def slot_of(self, ticks: np.ndarray) -> np.ndarray:
        return np.clip(np.searchsorted(self.starts, ticks, side="right") - 1, 0, max(len(self.symbols) - 1, 0))


def harmony_of(arr: Arrangement) -> Harmony:
    """Lay the sections' chord symbols out in time (a symbol list shorter than the slots cycles)."""
    starts: list[int] = []
    symbols: list[str] = []
    for section in arr.sections:
        per_bar = max(1, section.chord_slots_per_bar)
        slot = arr.bar_ticks // per_bar
        for k in range(section.bars * per_bar):
            starts.append(section.start_bar * arr.bar_ticks + k * slot)
            symbols.append(section.chords[k % len(section.chords)] if section.chords else "")
    masks = np.array([m if (m := _chord_mask(s)) is not None else np.zeros(12, bool) for s in symbols], bool)
    return Harmony(np.array(starts, np.int64), symbols, masks.reshape(-1, 12))


def strong_beat_notes(notes: Notes, tpq: int, bar_ticks: int, meter: str) -> tuple[np.ndarray, np.ndarray]:
    """(indices of notes on a strong beat, the nominal beat tick of each).

    A note up to a 32nd note early or late still counts, so humanised timing does not
    hide a chord tone.
    """
    tol = tpq // 8
    offsets = (notes.start + tol) % bar_ticks - tol
    index: list[np.ndarray] = []
    nominal: list[np.ndarray] = []
    for beat in STRONG_BEATS.get(meter, (0,)):
        at = round(beat * tpq)
        hit = np.flatnonzero(np.abs(offsets - at) <= tol)
        index.append(hit)
        nominal.append(notes.start[hit] - offsets[hit] + at)
    return np.concatenate(index), np.concatenate(nominal)


def chord_tone_ratio(melody: Notes, harmony: Harmony, tpq: int, bar_ticks: int, meter: str) -> float:
    """Share of strong-beat melody notes that belong to the chord sounding on that beat."""
    idx, beat_ticks = strong_beat_notes(melody, tpq, bar_ticks, meter)
    if idx.size == 0 or not harmony.symbols:
        return math.nan
    masks = harmony.masks[harmony.slot_of(beat_ticks)]
    known = masks.any(axis=1)
    if not known.any():
        return math.nan
    hits = masks[known, melody.pitch[idx][known] % 12]
    return float(hits.mean())


def _motion(a: list[int], b: list[int]) -> float:
    """Mean semitones each voice moves from voicing ``a`` to ``b`` (both sorted).

    Equal sizes pair voices bottom-up (how voices are usually led); otherwise each note
    is matched to its nearest neighbour in the other chord, averaged both ways.  Plain
    Python: voicings have a handful of notes, where numpy's overhead dominates.
    """
    if len(a) == len(b):
        return sum(abs(x - y) for x, y in zip(a, b, strict=True)) / len(a)
    there = sum(min(abs(x - y) for y in b) for x in a) / len(a)
    back = sum(min(abs(x - y) for x in a) for y in b) / len(b)
    return (there + back) / 2


def voice_leading(part: Notes, harmony: Harmony) -> float:
    """Mean per-voice movement (semitones) between successive different chords of a part.

    A part's voicing in a chord slot is the set of pitches it starts there, so
    arpeggios and strums count as the chord they spell.
    """
    if len(part) == 0 or not harmony.symbols:
        return math.nan
    slots = harmony.slot_of(part.start)
    order = np.lexsort((part.pitch, slots))
    slots, pitches = slots[order], part.pitch[order]
    keep = np.ones(slots.size, bool)
    keep[1:] = (slots[1:] != slots[:-1]) | (pitches[1:] != pitches[:-1])
    slots, pitches = slots[keep], pitches[keep]
    bounds = np.flatnonzero(slots[1:] != slots[:-1]) + 1
    ids = slots[np.concatenate(([0], bounds))].tolist()
    moves = []
    previous: tuple[str, list[int]] | None = None
    for slot, group in zip(ids, np.split(pitches, bounds), strict=True):
        voicing = group.tolist()
        symbol = harmony.symbols[slot]
        if previous is not None and previous[0] != symbol:
            moves.append(_motion(previous[1], voicing))
        previous = (symbol, voicing)
    return float(np.mean(moves)) if moves else math.nan


def base_name(section: str) -> str:
    """'verse_2' -> 'verse': the kind of section a repeat belongs to."""
    return SUFFIX.sub("", section)


def _events(part: Notes, lo: int, hi: int) -> np.ndarray:
    """Distinct (onset from ``lo``, pitch) events in [lo, hi), packed into one integer each."""
    inside = (part.start >= lo) & (part.start < hi)
    return np.unique((part.start[inside] - lo) * 128 + part.pitch[inside])


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    union = np.union1d(a, b).size
    return np.intersect1d(a, b, assume_unique=True).size / union if union else math.nan


def repetition(arr: Arrangement, pitched: list[Notes], melody: Notes | None) -> dict[str, object]:
    """How much each repeated section (verse_2) restates the first of its kind (verse).

    Similarity is the Jaccard overlap of (onset within the section, pitch) events over
    the shorter section's length, averaged over the pitched parts playing in either;
    1 is a literal repeat, 0 unrelated material.  Real songs sit in between (a varied
    repeat), which is what the composer aims for.
    """
    first: dict[str, tuple[str, int, int]] = {}
    pairs = []
    for section in arr.sections:
        kind = base_name(section.name)
        start = section.start_bar * arr.bar_ticks
        if kind not in first:
            first[kind] = (section.name, start, section.bars)
            continue
        name0, start0, bars0 = first[kind]
        span = min(bars0, section.bars) * arr.bar_ticks
        sims = [_jaccard(_events(p, start0, start0 + span), _events(p, start, start + span)) for p in pitched if len(p)]
        sims = [s for s in sims if math.isfinite(s)]
        mel = (
            _jaccard(_events(melody, start0, start0 + span), _events(melody, start, start + span))
            if melody is not None
            else math.nan
        )
        pairs.append(
            {
                "sections": [name0, section.name],
                "similarity": round(float(np.mean(sims)), 4) if sims else None,
                "melody": round(mel, 4) if math.isfinite(mel) else None,
            }
        )
    values = [p["similarity"] for p in pairs if p["similarity"] is not None]
    return {"pairs": pairs, "mean": round(float(np.mean(values)), 4) if values else None}
