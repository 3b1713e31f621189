"""Objective quality metrics of a composed piece, compared with measured real music.

:func:`analyze` answers "is this piece musically plausible, and is it what was asked
for?" with numbers: pitch statistics (entropy, scale consistency, range), rhythm
(empty beats, groove consistency, density), harmony (Krumhansl-Schmuckler key,
melody chord tones on strong beats, voice-leading motion), form (how repeats restate
their first statement) and controllability (tempo, key, instruments vs the spec).
Each comparable metric is checked against the 5th-95th percentile band measured on
real music (``data/reference_stats.json``, made by ``benchmarks/reference_stats.py``),
so a number outside the band is a concrete lead for improving the composer.

Pure numpy, no I/O beyond reading the reference once, and a few milliseconds for a
multi-minute piece, so it can run after every compose or refine.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from ..catalog import Catalog
from ..spec import Arrangement, Part, TrackSpec
from ..theory import note_name, pitch_class, uses_flats
from .form import Harmony, base_name, chord_tone_ratio, harmony_of, repetition, voice_leading
from .metrics import (
    Notes,
    clean,
    estimate_key,
    groove_consistency,
    key_agreement,
    legato_ratio,
    merge,
    pitch_class_entropy,
    scale_consistency,
    texture_metrics,
)
from .metrics import empty_beat_rate as _empty_beat_rate

__all__ = ["Notes", "analyze", "load_reference", "notes_of", "reference_check", "texture_metrics"]

#: A requested part "plays" when it has at least this many notes (a token note or two
#: is not an instrument heard in the piece).
MIN_NOTES_PLAYING = 8
HARMONY_ROLES = ("harmony", "pad")
#: Sections whose silence is requested rather than a defect (judged separately).
INTRO_KINDS = ("intro",)


def notes_of(part: Part) -> Notes:
    """Columns of an Arrangement part."""
    rows = [(n.start, n.duration, n.pitch, n.velocity) for n in part.notes]
    return Notes.from_rows(rows, is_drum=part.is_drum, name=part.name, role=part.role)


def analyze(spec: TrackSpec, arr: Arrangement, catalog: Catalog) -> dict[str, Any]:
    """Metrics of the whole piece and of every part, the spec agreement and the reference check.

    Returns a JSON-able dict with keys ``piece``, ``parts``, ``control`` and
    ``reference``; metrics that do not apply (no melody, a single bar) are None.
    """
    tpq, bar, end = arr.tpq, arr.bar_ticks, arr.end_tick
    parts = [notes_of(p) for p in arr.parts]
    pitched = [p for p in parts if not p.is_drum]
    melody = next((p for p in parts if p.role == "melody" and len(p)), None)
    harmony = harmony_of(arr)
    everything = merge(pitched)

    piece: dict[str, Any] = texture_metrics(parts, tpq, bar, end)
    piece.update(
        bars=sum(s.bars for s in arr.sections),
        seconds=round(arr.seconds, 2),
        pitch_classes_used=_pc_names(pitched, arr),
        best_scale=_scale_name(pitched, arr),
        empty_beat_rate_body=clean(_empty_beat_rate(merge(parts), tpq, end, _body_beats(arr))),
        melody_chord_tone_ratio=clean(chord_tone_ratio(melody, harmony, tpq, bar, arr.meter)) if melody else None,
        repetition=repetition(arr, pitched, melody),
        velocity_p95=clean(float(np.percentile(everything.velocity, 95))) if len(everything) else None,
    )
    part_rows = {p.name: _part_metrics(p, arr, harmony, catalog) for p in parts}
    piece["out_of_range_notes"] = sum(row["out_of_range_notes"] or 0 for row in part_rows.values())
    piece["voice_leading"] = _mean([row["voice_leading"] for row in part_rows.values() if "voice_leading" in row])
    control = _control(spec, arr, parts, pitched)
    return {
        "piece": piece,
        "parts": part_rows,
        "control": control,
        "reference": reference_check(piece, part_rows[melody.name] if melody else None),
    }


def _mean(values: list[float | None]) -> float | None:
    finite = [v for v in values if v is not None and math.isfinite(v)]
    return clean(float(np.mean(finite))) if finite else None


def _pc_names(pitched: list[Notes], arr: Arrangement) -> list[str]:
    flats = uses_flats(arr.key, arr.mode)
    pcs = np.unique(merge(pitched).pitch % 12) if pitched else []
    return [note_name(int(pc), flats) for pc in pcs]


def _scale_name(pitched: list[Notes], arr: Arrangement) -> str | None:
    notes = merge(pitched)
    if len(notes) == 0:
        return None
    _, tonic, mode = scale_consistency(notes.pitch)
    return f"{note_name(tonic, uses_flats(arr.key, arr.mode))} {mode}"


def _body_beats(arr: Arrangement) -> np.ndarray:
    """Beats outside intro sections (where a thin or silent start is asked for)."""
    n_beats = -(-arr.end_tick // arr.tpq)
    mask = np.ones(n_beats, bool)
    for s in arr.sections:
        if base_name(s.name) in INTRO_KINDS:
            lo = s.start_bar * arr.bar_ticks // arr.tpq
            mask[lo : lo + s.bars * arr.bar_ticks // arr.tpq] = False
    return mask


def _part_metrics(part: Notes, arr: Arrangement, harmony: Harmony, catalog: Catalog) -> dict[str, Any]:
    """Per-part numbers: what it plays, how densely and evenly, and whether it fits its instrument."""
    tpq, bar, end = arr.tpq, arr.bar_ticks, arr.end_tick
    inst = catalog.instruments.get(next(p.instrument for p in arr.parts if p.name == part.name))
    out_of_range = None
    if inst is not None and not inst.is_drum:
        out_of_range = int(np.count_nonzero((part.pitch < inst.low) | (part.pitch > inst.high)))
    elif inst is not None:
        out_of_range = 0
    row: dict[str, Any] = {
        "role": part.role,
        "is_drum": part.is_drum,
        "n_notes": len(part),
        "note_density": len(part) / (end / tpq),
        "groove_consistency": groove_consistency(part.start, tpq, bar, end),
        "empty_beat_rate": _empty_beat_rate(part, tpq, end),
        "mean_velocity": float(part.velocity.mean()) if len(part) else None,
        "out_of_range_notes": out_of_range,
    }
    if not part.is_drum and len(part):
        scale, _, _ = scale_consistency(part.pitch)
        row.update(
            low=int(part.pitch.min()),
            high=int(part.pitch.max()),
            pitch_range=int(np.ptp(part.pitch)),
            mean_pitch=float(part.pitch.mean()),
            n_pitch_classes_used=int(np.unique(part.pitch % 12).size),
            pitch_class_entropy=pitch_class_entropy(part.pitch),
            scale_consistency=scale,
            mean_duration_beats=float(part.duration.mean() / tpq),
            legato_ratio=legato_ratio(part),
        )
        if part.role in HARMONY_ROLES:
            row["voice_leading"] = voice_leading(part, harmony)
        if part.role == "melody":
            row["chord_tone_ratio"] = chord_tone_ratio(part, harmony, tpq, bar, arr.meter)
    return {k: clean(v) for k, v in row.items()}


def _control(spec: TrackSpec, arr: Arrangement, parts: list[Notes], pitched: list[Notes]) -> dict[str, Any]:
    """Does the piece do what the spec asked: tempo, meter, key heard in the notes, instruments."""
    notes = merge(pitched)
    requested = (pitch_class(spec.key), spec.mode)
    key: dict[str, Any] = {"requested": f"{spec.key} {spec.mode}", "estimate": None, "agreement": "none"}
    if (est := estimate_key(notes.pitch, notes.duration)) is not None:
        tonic, mode, r = est
        key.update(
            estimate=f"{note_name(tonic, uses_flats(spec.key, spec.mode))} {mode}",
            correlation=round(r, 4),
            agreement=key_agreement((tonic, mode), requested),
            mode_match=mode == spec.mode,
        )
    counts = {p.name: len(p) for p in parts}
    silent = [p.name for p in spec.parts if counts.get(p.name, 0) < MIN_NOTES_PLAYING]
    return {
        "tempo": {"requested": spec.tempo, "arrangement": arr.tempo, "match": abs(arr.tempo - spec.tempo) <= 0.5},
        "meter": {"requested": spec.meter, "arrangement": arr.meter, "match": arr.meter == spec.meter},
        "key": key,
        "instruments": {
            "requested": len(spec.parts),
            "playing": len(spec.parts) - len(silent),
            "recall": round((len(spec.parts) - len(silent)) / len(spec.parts), 4),
            "silent": silent,
        },
    }


@lru_cache(maxsize=1)
def load_reference() -> dict[str, Any]:
    """The measured real-music statistics shipped with the package."""
    text = resources.files("musigen_agent").joinpath("data/reference_stats.json").read_text(encoding="utf-8")
    return json.loads(text)


def reference_check(piece: dict[str, Any], melody: dict[str, Any] | None) -> dict[str, Any]:
    """Each comparable metric with the real-music band it should fall in and an in/out flag.

    The piece is judged against the polyphonic corpus and the melody against the
    monophonic one (see ``ranges`` in the reference file for which band is which).
    """
    ranges = load_reference()["ranges"]
    out: dict[str, Any] = {}
    for scope, values in (("piece", piece), ("melody", melody)):
        rows = {}
        for metric, band in ranges.get(scope, {}).items():
            value = values.get(metric) if values else None
            rows[metric] = {
                "value": value,
                "lo": band["lo"],
                "hi": band["hi"],
                "in_range": None if value is None else bool(band["lo"] <= value <= band["hi"]),
            }
        out[scope] = rows
    flags = [r["in_range"] for rows in out.values() for r in rows.values() if r["in_range"] is not None]
    out["in_range_share"] = round(sum(flags) / len(flags), 4) if flags else None
    return out
