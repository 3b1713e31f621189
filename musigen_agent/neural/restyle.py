"""Re-arrange a piece in another genre and/or mood, keeping its melody and harmony.

The chord of every bar becomes an explicit chord of the new spec's sections, the new
genre's band and the new mood's tempo are planned as for a fresh prompt, the theory
composer writes the accompaniment over those chords, and the original melody is put
back (moved by whole octaves into the new lead instrument's range).  Works on any
stored track, including one made by :func:`musigen_agent.midi_import.import_midi`
(whose spec carries the file's estimated key and chords); ``spec`` may be None for a
bare arrangement.  No torch needed.

Kept: key, mode, meter, bar count and section names, one chord per bar (a genre with
two chords per bar keeps the first), melody rhythm and pitches.  Changed: genre, mood,
tempo, instruments, every accompanying part.
"""

from __future__ import annotations

from ..catalog import Catalog
from ..planning import assign_parts, default_tempo
from ..plugins.models.theory import TheoryComposer
from ..spec import Arrangement, Note, Part, SectionSpec, TrackSpec


def _melody(arr: Arrangement) -> Part:
    pitched = [p for p in arr.parts if not p.is_drum and p.notes]
    if not pitched:
        raise ValueError("the arrangement has no pitched notes to keep as a melody")
    return next((p for p in pitched if p.role == "melody"), max(pitched, key=lambda p: _mean_pitch(p.notes)))


def _mean_pitch(notes: list[Note]) -> float:
    return sum(n.pitch for n in notes) / len(notes)


def _into_range(notes: list[Note], low: int, high: int) -> list[Note]:
    """Shift the whole line by the octave that leaves fewest notes outside [low, high], then fold the rest."""
    best = min(range(-4, 5), key=lambda k: (sum(not low <= n.pitch + 12 * k <= high for n in notes), abs(k)))
    out = []
    for n in notes:
        p = n.pitch + 12 * best
        while p < low:
            p += 12
        while p > high:
            p -= 12
        out.append(n.model_copy(update={"pitch": max(0, min(127, p))}))
    return out


def restyle(
    arrangement: Arrangement,
    spec: TrackSpec | None,
    catalog: Catalog,
    genre: str | None = None,
    mood: str | None = None,
    seed: int | None = None,
) -> tuple[TrackSpec, Arrangement]:
    """The restyled (spec, arrangement); raises the catalogue's UnknownName for a bad genre/mood."""
    g = catalog.genre(genre or (spec.genre if spec else "pop"))
    m = catalog.mood(mood or (spec.moods[0] if spec else "happy"))
    energies = {s.name: s.energy for s in spec.sections} if spec else {}
    sections = []
    for s in arrangement.sections:
        per_bar = [s.chords[b * s.chord_slots_per_bar] for b in range(s.bars)] if s.chords else None
        sections.append(SectionSpec(name=s.name, bars=s.bars, energy=energies.get(s.name, 0.6), chords=per_bar))
    parts = assign_parts(list(g.instruments), catalog)
    if not any(p.role == "melody" for p in parts):
        lead = next(n for n in catalog.instruments.values() if n.roles[0] == "melody")
        parts.append(parts[0].model_copy(update={"name": lead.name, "instrument": lead.name, "role": "melody"}))
    new_spec = TrackSpec(
        title=(spec.title if spec else "Imported") + f" ({m.name} {g.name})",
        description=spec.description if spec else "",
        genre=g.name,
        moods=[m.name],
        tempo=default_tempo(g, m)[0],
        key=arrangement.key,
        mode=arrangement.mode,
        meter=arrangement.meter,
        sections=sections,
        parts=parts,
        swing=g.swing,
        seed=seed if seed is not None else (spec.seed if spec else 0),
    )
    new = TheoryComposer().compose(new_spec, catalog)
    melody = _melody(arrangement)
    lead_part = next(p for p in new_spec.parts if p.role == "melody")
    inst = catalog.instrument(lead_part.instrument)
    end = new.end_tick
    kept = [n for n in melody.notes if n.start < end]
    notes = sorted(_into_range(kept, inst.low, inst.high), key=lambda n: (n.start, n.pitch))
    out = [p.model_copy(update={"notes": notes}) if p.name == lead_part.name else p for p in new.parts]
    return new_spec, new.model_copy(update={"parts": out})
