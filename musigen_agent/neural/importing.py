"""Read a MIDI file into an :class:`~musigen_agent.spec.Arrangement` (for restyle, classify and import).

An imported file has no spec, so what a composer would have decided is estimated:
tempo and meter from the first events, key by Krumhansl-Schmuckler, one chord per bar
by triad template matching, and each track's role from its register (drums -> rhythm,
the highest line -> melody, the lowest -> bass, the rest -> harmony).
"""

from __future__ import annotations

import os
import re

import numpy as np

from ..analysis.metrics import estimate_key
from ..catalog import Catalog
from ..spec import MAX_BARS, METERS, TEMPO_RANGE, TPQ, Arrangement, Note, Part, SectionPlan
from ..theory import note_name, uses_flats
from .tokens import estimate_chord

SECTION_BARS = 128
QUALITY_SUFFIX = {"maj": "", "min": "m", "dim": "dim"}


def _instrument(program: int, is_drum: bool, catalog: Catalog | None) -> str:
    """The catalogue instrument with this GM program (drum kit for drums), else ``program_N``."""
    if catalog is not None:
        for inst in catalog.instruments.values():
            if inst.is_drum == is_drum and (is_drum or inst.gm_program == program):
                return inst.name
    return "drum_kit" if is_drum else f"program_{program}"


def _roles(tracks: list[tuple[bool, np.ndarray]]) -> list[str]:
    order = sorted((i for i, (drum, _) in enumerate(tracks) if not drum), key=lambda i: -tracks[i][1].mean())
    roles = ["rhythm" if drum else "harmony" for drum, _ in tracks]
    if order:
        roles[order[0]] = "melody"
    if len(order) > 1:
        roles[order[-1]] = "bass"
    return roles


def read_midi(source: str | os.PathLike[str] | bytes, catalog: Catalog | None = None) -> Arrangement:
    """Parse MIDI bytes or a file into an Arrangement at the project's TPQ (raises ValueError if unusable)."""
    import symusic

    score = symusic.Score.from_midi(source) if isinstance(source, bytes) else symusic.Score(str(source))
    score = score.resample(TPQ, min_dur=1)
    if not score.note_num():
        raise ValueError("the MIDI file has no notes")
    tempo = round(score.tempos[0].qpm) if len(score.tempos) else 120
    tempo = max(TEMPO_RANGE[0], min(TEMPO_RANGE[1], tempo))
    ts = score.time_signatures
    meter = f"{ts[0].numerator}/{ts[0].denominator}" if len(ts) else "4/4"
    meter = meter if meter in METERS else "4/4"
    num, den = (int(x) for x in meter.split("/"))
    bar_ticks = num * TPQ * 4 // den
    tracks = [(t.is_drum, t.notes.numpy(), t) for t in score.tracks if t.note_num()]
    pitched = [c for drum, c, _ in tracks if not drum]
    if not pitched:
        raise ValueError("the MIDI file has only drums; restyle needs a melody")
    pitches = np.concatenate([c["pitch"] for c in pitched])
    key = estimate_key(pitches, np.concatenate([c["duration"] for c in pitched])) or (0, "major", 0.0)
    flats = uses_flats(note_name(key[0], True), key[1])
    tonic = note_name(key[0], flats)
    bars = min(MAX_BARS, -(-int(score.end()) // bar_ticks))
    hist = np.zeros((bars, 12))
    for c in pitched:
        for start, dur, pitch in zip(c["time"], c["duration"], c["pitch"], strict=True):
            if start // bar_ticks < bars:
                hist[int(start) // bar_ticks, int(pitch) % 12] += int(dur)
    symbols: list[str] = []
    for b in range(bars):
        chord = estimate_chord(hist[b], None)
        symbols.append(note_name(chord[0], flats) + QUALITY_SUFFIX[chord[1]] if chord else (symbols or [tonic])[-1])
    sections = [
        SectionPlan(
            name="verse" if s == 0 else f"verse_{s + 1}",
            start_bar=start,
            bars=min(SECTION_BARS, bars - start),
            chords=symbols[start : start + SECTION_BARS],
        )
        for s, start in enumerate(range(0, bars, SECTION_BARS))
    ]
    roles = _roles([(drum, c["pitch"]) for drum, c, _ in tracks])
    end = bars * bar_ticks
    parts, names = [], set()
    for (drum, c, track), role in zip(tracks, roles, strict=True):
        base = re.sub(r"[^a-z0-9_]+", "_", (track.name or "").lower()).strip("_") or f"track_{len(parts) + 1}"
        name = base if base not in names else f"{base}_{len(parts) + 1}"
        names.add(name)
        notes = [
            Note(start=int(s), duration=max(1, min(int(d), end - int(s))), pitch=int(p), velocity=max(1, int(v)))
            for s, d, p, v in zip(c["time"], c["duration"], c["pitch"], c["velocity"], strict=True)
            if s < end
        ]
        parts.append(
            Part(
                name=name,
                instrument=_instrument(track.program, drum, catalog),
                role=role,
                program=track.program,
                is_drum=drum,
                notes=notes,
            )
        )
    return Arrangement(tempo=tempo, meter=meter, key=tonic, mode=key[1], sections=sections, parts=parts)
