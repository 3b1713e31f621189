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


#: Styles only a guitar plays; another instrument given one comps in block chords.
GUITAR_ONLY = {"power", "strum"}
#: Strum rhythms (eighths, one bar of 4/4) by how busy the mood and part are.
STRUMS = {"sparse": "x..x.x..", "normal": "x.xx.xxx", "busy": "xxxxxxxx"}
#: Boogie-woogie shuffle: semitones above the root played with it, one per eighth.
BOOGIE = (7, 7, 9, 9, 10, 10, 9, 9)


def busyness(ctx: Context, part: PartSpec) -> str:
    """'sparse', 'normal' or 'busy' from the mood's and the part's density."""
    level = ctx.mood.density * part.density
    return "sparse" if level < 0.85 else "busy" if level > 1.25 else "normal"


def _pulse_hits(ctx: Context, weak_only: bool = False, fraction: float = 0.9, strong_only: bool = False) -> Hits:
    lengths = ctx.pulse_lengths()
    hits = []
    for k, ((p, s), length) in enumerate(zip(ctx.pulses, lengths, strict=True)):
        if (weak_only and s == 3) or (strong_only and s < 2):
            continue
        if strong_only:  # hold until the next strong pulse
            nxt = next((q for q, t in ctx.pulses[k + 1 :] if t >= 2), ctx.bar_ticks)
            length = nxt - p
        hits.append((p, int(length * fraction), 4 if s == 3 else 0))
    return hits


def _eighths(ctx: Context, keep: str | None = None, fraction: float = 0.85) -> Hits:
    n = ctx.bar_ticks // EIGHTH
    pattern = keep if keep and len(keep) == n else "x" * n
    return [(i * EIGHTH, int(EIGHTH * fraction), 6 if i % 2 == 0 else -6) for i, c in enumerate(pattern) if c != "."]


def style_hits(ctx: Context, style: str, busy: str = "normal") -> Hits:
    """The rhythm of one bar for a comping style (falls back to pulses in odd meters).

    ``busy`` thins or fills the pattern the way the mood asks: a relaxed strum leaves
    gaps, an energetic one drives straight eighths.
    """
    four = ctx.spec.meter == "4/4"
    bar = ctx.bar_ticks
    if style == "pad":
        return [(0, bar, -4)]
    if style == "pump" and four:
        # sidechain feel: each chord enters after the kick and dies before the next one
        every = {"sparse": 2 * TPQ, "normal": TPQ, "busy": EIGHTH}[busy]
        return [(t + SIXTEENTH // 2, every - SIXTEENTH, 2 if t % TPQ == 0 else -4) for t in range(0, bar, every)]
    if style == "strum":
        return _eighths(ctx, STRUMS[busy] if four else None)
    if style in ("arpeggio", "shuffle") and busy == "sparse":
        return _pulse_hits(ctx, fraction=0.95)
    if style in ("power", "arpeggio", "shuffle"):
        return _eighths(ctx, fraction=0.7 if style == "power" else 0.95)
    if style == "shell" and four:  # the Charleston: beat 1 and the 'and' of 2
        hits = [(0, TPQ + EIGHTH, 4), (TPQ + EIGHTH, EIGHTH + SIXTEENTH, -2)]
        if busy == "busy":
            hits += [(2 * TPQ + EIGHTH, EIGHTH, -4), (3 * TPQ + EIGHTH, EIGHTH, 0)]
        return [(0, 3 * TPQ, 4)] if busy == "sparse" else hits  # a ballad holds the chord
    if style in ("boom_chick", "skank"):
        hits = _pulse_hits(ctx, weak_only=True, fraction=0.4 if style == "skank" else 0.6)
        if busy == "busy":  # the doubled 'bubble' skank, the boom-chick-a
            hits += [(p + EIGHTH, n // 2, v - 8) for p, n, v in hits]
        return hits
    if style == "chank" and four:
        pattern = "..x...x.x..x..x." if busy != "sparse" else "..x.......x....."
        return [(i * SIXTEENTH, SIXTEENTH, 0) for i, c in enumerate(pattern) if c == "x"]
    if busy == "sparse":
        return _pulse_hits(ctx, fraction=0.95, strong_only=True)
    hits = _pulse_hits(ctx)
    if busy == "busy" and four:  # push the last chord an eighth early
        hits = hits[:-1] + [(hits[-1][0], EIGHTH, hits[-1][2]), (hits[-1][0] + EIGHTH, EIGHTH, 2)]
    return hits


def voicing_range(inst: Instrument, centre: int) -> tuple[int, int]:
    low = max(inst.low, centre - 12)
    high = min(inst.high, centre + 12)
    return (low, high) if high - low >= 12 else (inst.low, inst.high)


def _voice(style: str, chord: Chord, centre: int, low: int, high: int, prev: list[int] | None) -> list[int]:
    if style == "power":
        root = nearest_in_range(chord.root, centre - 7, low, high)
        return [p for p in (root, root + 7, root + 12) if p <= high]
    if style == "shuffle":
        root = nearest_in_range(chord.root, centre - 7, low, max(low + 11, high - 10))
        return [root]
    if style == "shell":
        guide = [i for i in chord.intervals if i in (3, 4, 10, 11, 9)] or list(chord.intervals[1:])
        return sorted(nearest_in_range((chord.root + i) % 12, centre, low, high) for i in guide[:2])
    if style == "chank":
        return voice_chord(chord, centre + 5, low, high, prev)[-3:]
    return voice_chord(chord, centre, low, high, prev)


def write_chords(ctx: Context, part: PartSpec, inst: Instrument, style: str, role_offset: int) -> list[Note]:
    """Comp (or pad, with style ``pad``) through the whole form.

    A part density below 0.75 keeps only the strong-beat hits of the pattern; the
    mood's density picks a sparser or busier variant and its articulation shortens or
    connects the chords.
    """
    if not inst.polyphonic:
        return write_guide_tones(ctx, inst, role_offset)
    if style in GUITAR_ONLY and inst.family != "guitar":
        style = "block"
    centre = CENTRES.get(inst.family, 60)
    low, high = voicing_range(inst, centre)
    busy = busyness(ctx, part)
    notes: list[Note] = []
    prev: list[int] | None = None
    for section in ctx.sections:
        quiet = section.spec.energy < 0.4
        played = "pad" if quiet and style != "arpeggio" else style
        hits = style_hits(ctx, played, busy)
        if part.density < 0.75:
            hits = [h for h in hits if any(h[0] == p for p, strength in ctx.pulses if strength >= 2)] or hits[:1]
        for bar in range(section.spec.bars):
            start = ctx.bar_start(section, bar)
            cadence = bar == section.spec.bars - 1 and section.spec.bars >= 4 and played not in ("pad", "pump")
            for offset, length, accent in _cadence(ctx, hits) if cadence else hits:
                chord = ctx.chord_at(section, bar, offset)
                voicing = _voice(played, chord, centre, low, high, prev)
                prev = voicing if played != "shuffle" else prev
                vel = ctx.velocity(section, role_offset, accent)
                sounding = length if played in ("pad", "pump") else ctx.sounding(length)
                notes.extend(_play(played, start + offset, sounding, voicing, vel, chord, offset))
    return notes


def _cadence(ctx: Context, hits: Hits) -> Hits:
    """A section's last bar: the pattern's first half, then the chord held to the barline.

    Players stop the figure on the cadence and let the drum fill lead into the next
    section, instead of running the same bar pattern straight through.
    """
    half = ctx.bar_ticks // 2
    kept = [h for h in hits if h[0] < half]
    return kept + [(half, half - 30, 4)]


def _play(style: str, start: int, length: int, voicing: list[int], vel: int, chord: Chord, offset: int) -> list[Note]:
    if style == "arpeggio":
        order = [0, len(voicing) - 1, len(voicing) // 2, len(voicing) - 1]
        pitch = voicing[order[(offset // EIGHTH) % 4]]
        return [make_note(start, length, pitch, vel)]
    if style == "shuffle":
        root = voicing[0]
        step = BOOGIE[(offset // EIGHTH) % len(BOOGIE)]
        return [make_note(start, length, root, vel), make_note(start, length, root + step, max(1, vel - 6))]
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
