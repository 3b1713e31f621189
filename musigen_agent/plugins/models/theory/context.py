"""Shared state of one composition: timing grid, harmony per bar, dynamics.

Everything random flows from :func:`rng_for`, seeded by the spec's seed plus a label
(e.g. a section's base name), so a verse and its repeat share their material and
changing one section's seed leaves the others untouched.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
from dataclasses import dataclass, field

from musigen_agent.catalog import Catalog, Genre, Instrument, Mood
from musigen_agent.spec import TPQ, Note, SectionSpec, TrackSpec
from musigen_agent.theory import (
    ARTICULATION,
    DYNAMICS_VELOCITY,
    ROMAN_RE,
    Chord,
    chord_symbol,
    colour,
    parse_chord,
    roman_to_chord,
    scale_pcs,
    uses_flats,
)

SUFFIX = re.compile(r"_\d+$")

#: Pulse positions in a bar (ticks, strength 3 strongest) for each meter; compound
#: meters pulse in dotted quarters, 7/8 groups 2+2+3.
PULSES: dict[str, tuple[tuple[int, int], ...]] = {
    "2/4": ((0, 3), (480, 1)),
    "3/4": ((0, 3), (480, 1), (960, 1)),
    "4/4": ((0, 3), (480, 1), (960, 2), (1440, 1)),
    "5/4": ((0, 3), (480, 1), (960, 1), (1440, 2), (1920, 1)),
    "6/8": ((0, 3), (720, 2)),
    "7/8": ((0, 3), (480, 2), (960, 2)),
    "9/8": ((0, 3), (720, 2), (1440, 2)),
    "12/8": ((0, 3), (720, 1), (1440, 2), (2160, 1)),
}


def base_name(section: str) -> str:
    """'verse_2' -> 'verse': repeated sections share material."""
    return SUFFIX.sub("", section)


def rng_for(seed: int, *labels: object) -> random.Random:
    """A private RNG for one decision, stable across Python runs (no hash randomisation)."""
    digest = hashlib.sha256(repr((seed, *labels)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass
class SectionHarmony:
    """A section placed in time with one chord per slot."""

    spec: SectionSpec
    index: int
    start_bar: int
    chords: list[Chord]
    symbols: list[str]
    slots_per_bar: int

    @property
    def base(self) -> str:
        return base_name(self.spec.name)


@dataclass
class Context:
    """Everything a part writer needs, computed once per compose."""

    spec: TrackSpec
    catalog: Catalog
    genre: Genre
    mood: Mood
    sections: list[SectionHarmony] = field(default_factory=list)

    @functools.cached_property
    def bar_ticks(self) -> int:  # cached: asked for every note written
        num, den = (int(x) for x in self.spec.meter.split("/"))
        return num * TPQ * 4 // den

    @property
    def pulses(self) -> tuple[tuple[int, int], ...]:
        return PULSES[self.spec.meter]

    def pulse_lengths(self) -> list[int]:
        starts = [p for p, _ in self.pulses] + [self.bar_ticks]
        return [b - a for a, b in zip(starts, starts[1:], strict=False)]

    @property
    def scale(self) -> tuple[int, ...]:
        return scale_pcs(self.spec.key, self.spec.mode)

    @property
    def tonic_pc(self) -> int:
        return self.scale[0]

    def instrument(self, name: str) -> Instrument:
        return self.catalog.instrument(name)

    def bar_start(self, section: SectionHarmony, bar: int) -> int:
        return (section.start_bar + bar) * self.bar_ticks

    def chord_at(self, section: SectionHarmony, bar: int, offset: int = 0) -> Chord:
        """The chord sounding ``offset`` ticks into ``bar`` of ``section``."""
        slot_len = self.bar_ticks // section.slots_per_bar
        return section.chords[bar * section.slots_per_bar + min(offset // slot_len, section.slots_per_bar - 1)]

    def velocity(self, section: SectionHarmony, role_offset: int = 0, accent: int = 0) -> int:
        """Velocity from the mood's dynamics, the section's energy and the role."""
        base = DYNAMICS_VELOCITY[self.mood.dynamics]
        v = base * (0.72 + 0.45 * section.spec.energy) + role_offset + accent
        return max(1, min(127, round(v)))

    @property
    def length_factor(self) -> float:
        return ARTICULATION[self.mood.articulation][0]

    def sounding(self, length: int, floor: int = 40) -> int:
        """How long a note written ``length`` ticks long sounds under the mood's articulation.

        Every pitched part follows the mood (not only the melody), so staccato and legato
        are heard in the whole band, as a player would shorten or connect notes.
        """
        return max(min(floor, length), round(length * self.length_factor))

    @property
    def accent(self) -> int:
        return ARTICULATION[self.mood.articulation][1]


def build_context(spec: TrackSpec, catalog: Catalog) -> Context:
    """Place every section in time and choose its chords."""
    ctx = Context(spec=spec, catalog=catalog, genre=catalog.genre(spec.genre), mood=catalog.mood(spec.moods[0]))
    palette = tuple(q for name in spec.moods for q in catalog.mood(name).chord_qualities) + ctx.genre.chord_qualities
    slots = ctx.genre.harmonic_rhythm
    progressions = _progressions_by_section(spec, ctx.genre)
    bar = 0
    for i, section in enumerate(spec.sections):
        if section.chords:
            chords = [parse_chord(c) for c in section.chords]
            per_bar = 1
        else:
            chords = [_coloured(n, spec, palette, ctx.scale) for n in progressions[base_name(section.name)]]
            per_bar = slots
        n_slots = section.bars * per_bar
        cycle = [chords[k % len(chords)] for k in range(n_slots)]
        if i == len(spec.sections) - 1 and not section.chords:
            cycle[-1] = _coloured("I", spec, palette, ctx.scale)
            if n_slots >= 2 and cycle[-2].root != (ctx.tonic_pc + 7) % 12:
                cycle[-2] = _coloured("V7" if "7" in ctx.genre.chord_qualities else "V", spec, palette, ctx.scale)
        flats = uses_flats(spec.key, spec.mode)
        ctx.sections.append(SectionHarmony(section, i, bar, cycle, [chord_symbol(c, flats) for c in cycle], per_bar))
        bar += section.bars
    return ctx


def _coloured(numeral: str, spec: TrackSpec, palette: tuple[str, ...], scale: tuple[int, ...]) -> Chord:
    """The numeral's chord, enriched with the palette's colour when the chord is diatonic.

    Chromatic chords (the major V of a minor key, a secondary dominant) keep the
    quality the numeral gives them: their leading tone is the point, and colouring
    would swap it for a scale note (E -> Esus4 in A minor).
    """
    chord = roman_to_chord(numeral, spec.key, spec.mode)
    if chord.root == scale[0] and chord.quality in ("", "m"):
        # The tonic keeps a plain or added-ninth colour: a maj7/m7 tonic pulls the ear to the relative key.
        palette = tuple(q for q in palette if q in ("", "m", "add9", "madd9", "sus2")) or ("",)
    return colour(chord, palette, scale) if set(chord.pitch_classes) <= set(scale) else chord


def _progressions_by_section(spec: TrackSpec, genre: Genre) -> dict[str, tuple[str, ...]]:
    """Give each kind of section its own progression; repeats of a kind share one.

    Verse and chorus get different progressions when the genre offers several, the
    intro borrows the verse's and the outro the chorus's, so the form is audible.
    """
    progs = genre.progressions
    rng = rng_for(spec.seed, "progressions", spec.genre)
    order = list(range(len(progs)))
    rng.shuffle(order)
    chosen: dict[str, tuple[str, ...]] = {}
    kinds = []
    for s in spec.sections:
        b = base_name(s.name)
        if b not in kinds:
            kinds.append(b)
    main = [k for k in kinds if k not in ("intro", "outro", "coda")]
    for j, kind in enumerate(main):
        chosen[kind] = progs[order[j % len(order)]]
    if main:  # the piece opens on its tonic, so the ear finds the key before the colours arrive
        chosen[main[0]] = _from_tonic(chosen[main[0]])
    first = chosen[main[0]] if main else _from_tonic(progs[order[0]])
    last = chosen[main[min(1, len(main) - 1)]] if main else first
    chosen.setdefault("intro", first)
    chosen.setdefault("outro", last)
    chosen.setdefault("coda", last)
    return chosen


def _from_tonic(progression: tuple[str, ...]) -> tuple[str, ...]:
    """Rotate a progression to start on its tonic chord (vi IV I V -> I V vi IV), if it has one."""
    for k, numeral in enumerate(progression):
        m = ROMAN_RE.match(numeral)
        if m and not m.group(1) and m.group(2).upper() == "I":
            return progression[k:] + progression[:k]
    return progression


def make_note(start: int, duration: int, pitch: int, velocity: int) -> Note:
    return Note(start=start, duration=max(1, duration), pitch=pitch, velocity=velocity)


def pick(rng: random.Random, weighted: dict[str, float]) -> str:
    """Weighted choice with a fixed key order (deterministic)."""
    keys = sorted(weighted)
    return rng.choices(keys, weights=[weighted[k] for k in keys])[0]


__all__ = ["TPQ", "Context", "SectionHarmony", "base_name", "build_context", "make_note", "pick", "rng_for"]
