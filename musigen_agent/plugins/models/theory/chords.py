"""Harmony parts: comping patterns per genre style, and sustained pads.

A comping style is a rhythm of hits plus a voicing rule.  Voicings move by the
smallest steps from the previous chord (theory.voice_chord), which is what keeps
chord parts smooth instead of jumping in parallel blocks.
"""

from __future__ import annotations

from musigen_agent.catalog import Instrument
from musigen_agent.spec import TPQ, Note, PartSpec
from musigen_agent.theory import Chord, nearest_in_range, voice_chord

from .context import Context, make_note

EIGHTH = TPQ // 2
SIXTEENTH = TPQ // 4
#: Comfortable voicing centre (MIDI pitch) by instrument family.
CENTRES = {"keys": 62, "guitar": 57, "organ": 62, "synth_lead": 64, "synth_pad": 60, "strings": 62}
#: Pattern of one bar as (offset, length, velocity offset) hits.
Hits = list[tuple[int, int, int]]


def _pulse_hits(ctx: Context, weak_only: bool = False, fraction: float = 0.9) -> Hits:
    lengths = ctx.pulse_lengths()
    return [
        (p, int(length * fraction), 4 if s == 3 else 0)
        for (p, s), length in zip(ctx.pulses, lengths, strict=True)
        if not weak_only or s < 3
    ]


def _eighths(ctx: Context, keep: str | None = None, fraction: float = 0.85) -> Hits:
    n = ctx.bar_ticks // EIGHTH
    pattern = keep if keep and len(keep) == n else "x" * n
    return [(i * EIGHTH, int(EIGHTH * fraction), 6 if i % 2 == 0 else -6) for i, c in enumerate(pattern) if c != "."]


def style_hits(ctx: Context, style: str) -> Hits:
    """The rhythm of one bar for a comping style (falls back to pulses in odd meters)."""
    four = ctx.spec.meter == "4/4"
    bar = ctx.bar_ticks
    if style == "pad":
        return [(0, bar, -4)]
    if style == "strum":
        return _eighths(ctx, "x.xx.xxx" if four else None)
    if style in ("power", "arpeggio", "shuffle"):
        return _eighths(ctx, fraction=0.7 if style == "power" else 0.95)
    if style == "shell" and four:
        return [(0, TPQ + EIGHTH, 4), (TPQ + EIGHTH, EIGHTH + SIXTEENTH, -2)]
    if style in ("boom_chick", "skank"):
        return _pulse_hits(ctx, weak_only=True, fraction=0.4 if style == "skank" else 0.6)
    if style == "chank" and four:
        return [(i * SIXTEENTH, SIXTEENTH, 0) for i, c in enumerate("..x...x.x..x..x.") if c == "x"]
    return _pulse_hits(ctx)


def voicing_range(inst: Instrument, centre: int) -> tuple[int, int]:
    low = max(inst.low, centre - 12)
    high = min(inst.high, centre + 12)
    return (low, high) if high - low >= 12 else (inst.low, inst.high)


def _voice(style: str, chord: Chord, centre: int, low: int, high: int, prev: list[int] | None) -> list[int]:
    if style == "power":
        root = nearest_in_range(chord.root, centre - 7, low, high)
        return [p for p in (root, root + 7, root + 12) if p <= high]
    if style == "shell":
        guide = [i for i in chord.intervals if i in (3, 4, 10, 11, 9)] or list(chord.intervals[1:])
        return sorted(nearest_in_range((chord.root + i) % 12, centre, low, high) for i in guide[:2])
    if style == "chank":
        return voice_chord(chord, centre + 5, low, high, prev)[-3:]
    return voice_chord(chord, centre, low, high, prev)


def write_chords(ctx: Context, part: PartSpec, inst: Instrument, style: str, role_offset: int) -> list[Note]:
    """Comp (or pad, with style ``pad``) through the whole form.

    A part density below 0.75 keeps only the strong-beat hits of the pattern.
    """
    if not inst.polyphonic:
        return write_guide_tones(ctx, inst, role_offset)
    centre = CENTRES.get(inst.family, 60)
    low, high = voicing_range(inst, centre)
    notes: list[Note] = []
    prev: list[int] | None = None
    for section in ctx.sections:
        quiet = section.spec.energy < 0.4
        hits = style_hits(ctx, "pad" if quiet and style != "arpeggio" else style)
        if part.density < 0.75:
            hits = [h for h in hits if any(h[0] == p for p, strength in ctx.pulses if strength >= 2)] or hits[:1]
        for bar in range(section.spec.bars):
            start = ctx.bar_start(section, bar)
            for offset, length, accent in hits:
                chord = ctx.chord_at(section, bar, offset)
                voicing = _voice(style, chord, centre, low, high, prev)
                prev = voicing
                vel = ctx.velocity(section, role_offset, accent)
                notes.extend(_play(style, start + offset, length, voicing, vel, chord, offset))
    return notes


def _play(style: str, start: int, length: int, voicing: list[int], vel: int, chord: Chord, offset: int) -> list[Note]:
    if style == "arpeggio":
        order = [0, len(voicing) - 1, len(voicing) // 2, len(voicing) - 1]
        pitch = voicing[order[(offset // EIGHTH) % 4]]
        return [make_note(start, length, pitch, vel)]
    if style == "shuffle" and len(voicing) >= 2:
        lower = voicing[0]
        sixth = (offset // EIGHTH) % 4 in (2, 3)
        top = lower + (9 if sixth else 7)
        return [make_note(start, length, lower, vel), make_note(start, length, top, max(1, vel - 6))]
    if style == "strum":
        return [make_note(start + k * 8, max(1, length - k * 8), p, max(1, vel - k)) for k, p in enumerate(voicing)]
    return [make_note(start, length, p, vel) for p in voicing]


def write_guide_tones(ctx: Context, inst: Instrument, role_offset: int) -> list[Note]:
    """A single-note harmony line: the chord's third (or seventh), voice-led, one per chord."""
    centre = (inst.low + inst.high) // 2
    notes: list[Note] = []
    prev = centre
    for section in ctx.sections:
        slot = ctx.bar_ticks // section.slots_per_bar
        for k, chord in enumerate(section.chords):
            guide = [i for i in chord.intervals if i in (3, 4, 10, 11)] or [chord.intervals[-1]]
            candidates = [nearest_in_range((chord.root + i) % 12, prev, inst.low, inst.high) for i in guide]
            pitch = min(candidates, key=lambda p: abs(p - prev))
            prev = pitch
            start = (section.start_bar * section.slots_per_bar + k) * slot
            notes.append(make_note(start, slot, pitch, ctx.velocity(section, role_offset)))
    return notes


