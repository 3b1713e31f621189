"""Compact, JSON-able descriptions of a piece for people and LLMs.

The same summary is shown by the CLI, returned by MCP tools and HTTP routes, so it is
built once here from the spec and the arrangement.
"""

from __future__ import annotations

from typing import Any

from .spec import Arrangement, Mix, TrackSpec


def summarize(spec: TrackSpec, arr: Arrangement) -> dict[str, Any]:
    """Tempo, key, form with chords, and who plays what."""
    return {
        "title": spec.title,
        "genre": spec.genre,
        "moods": spec.moods,
        "tempo": arr.tempo,
        "key": f"{arr.key} {arr.mode}",
        "meter": arr.meter,
        "bars": sum(s.bars for s in arr.sections),
        "seconds": round(arr.seconds, 2),
        "sections": [
            {"name": s.name, "bars": s.bars, "start_bar": s.start_bar, "chords": _compact(s.chords)}
            for s in arr.sections
        ],
        "parts": [
            {
                "name": p.name,
                "instrument": p.instrument,
                "role": p.role,
                "program": p.program,
                "notes": len(p.notes),
                "muted_in": next(ps.mute_in for ps in spec.parts if ps.name == p.name) or [],
            }
            for p in arr.parts
        ],
        "seed": spec.seed,
        "model": spec.model,
    }


def _compact(chords: list[str]) -> list[str]:
    """Collapse a repeating chord cycle to one statement (the usual way to read changes)."""
    for period in range(1, len(chords) // 2 + 1):
        if len(chords) % period == 0 and chords == chords[:period] * (len(chords) // period):
            return chords[:period]
    return chords


def headline(view: dict[str, Any]) -> str:
    """One line a person (or an LLM) can read at a glance."""
    s = view["summary"]
    band = ", ".join(f"{p['name']} ({p['role']})" for p in s["parts"])
    return (
        f"{s['title']}: {s['genre']} / {', '.join(s['moods'])}, {s['tempo']} bpm, {s['key']}, {s['meter']}, "
        f"{s['bars']} bars ({s['seconds']:.0f} s). Parts: {band}."
    )


def notes_view(track_id: str, number: int, arr: Arrangement, mix: Mix) -> dict[str, Any]:
    """Every part's notes as ``[start, duration, pitch, velocity]`` in beats, with the form,
    chords and each part's mix: what a piano roll draws (the web studio's)."""
    beats_per_bar = arr.bar_ticks / arr.tpq
    parts = [
        {
            "name": p.name,
            "instrument": p.instrument,
            "role": p.role,
            "is_drum": p.is_drum,
            "notes": [
                [round(n.start / arr.tpq, 4), round(n.duration / arr.tpq, 4), n.pitch, n.velocity] for n in p.notes
            ],
            "mix": mix.for_part(p.name).model_dump(mode="json"),
        }
        for p in arr.parts
    ]
    return {
        "track_id": track_id,
        "version": number,
        "tempo": arr.tempo,
        "meter": arr.meter,
        "key": arr.key,
        "mode": arr.mode,
        "beats_per_bar": beats_per_bar,
        "beats": sum(s.bars for s in arr.sections) * beats_per_bar,
        "sections": [s.model_dump(mode="json") for s in arr.sections],
        "parts": parts,
    }
