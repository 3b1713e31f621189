"""Single-line parts: bass lines, melodies built from repeating motifs, counter-lines.

The melody is written the way songwriters work: a two-bar motif (a rhythm plus a
contour of scale steps) is stated, answered, and restated over the changing chords,
with chord tones on strong beats and a long chord tone at every section end.
"""

from __future__ import annotations

import random

from musigen_agent.catalog import SWUNG, Instrument
from musigen_agent.spec import TPQ, Note, PartSpec
from musigen_agent.theory import Chord, nearest_in_range

from .chords import write_guide_tones
from .context import Context, SectionHarmony, make_note, pick, rng_for

EIGHTH, SIXTEENTH = TPQ // 2, TPQ // 4

# ---------------------------------------------------------------- bass

#: 4/4 bass templates: (offset, length, chord degree).  Degrees: r root, 2 ninth, 3 the
#: chord's third, 5 fifth, 6 sixth, 7 the chord's seventh, b7, o octave, a approach (a
#: semitone from the next chord's root).
BASS_TEMPLATES = {
    "reggae": ((0, 600, "r"), (720, 240, "r"), (960, 360, "5"), (1440, 240, "3")),
    "funk": (
        (0, 180, "r"),
        (360, 120, "o"),
        (720, 120, "r"),
        (960, 180, "b7"),
        (1200, 120, "r"),
        (1320, 120, "o"),
        (1680, 120, "a"),
    ),
    # house bass: off-beat eighths, the kick owns the beat (sidechain feel)
    "pulse": ((240, 200, "r"), (720, 200, "r"), (1200, 200, "r"), (1680, 200, "o")),
    # bossa nova: the root on 1 and 3, each a dotted quarter, the eighths before them (2&, 4&)
    # leading in -- the fifth, then an approach to the next chord -- as the bossa kick plays
    # them.  The fifth on 3 instead was tried: the bass then leans on the dominant and the
    # key estimate of 30 bossas fell from 28 to 15 exact (the walk's 28).
    "bossa": ((0, 680, "r"), (720, 220, "5"), (960, 680, "r"), (1680, 220, "a")),
}
#: Walking-bass bars (one degree per beat), chosen bar by bar so the line is not a loop.
WALKS = (("r", "3", "5", "a"), ("r", "2", "3", "a"), ("r", "o", "7", "a"), ("r", "5", "6", "a"), ("r", "3", "2", "a"))
#: Blues boogie bass: up the chord and back down, two bars.
BOOGIE = (("r", "3", "5", "6"), ("b7", "6", "5", "3"))
#: Rock eighths: root drive, every other bar climbing to the octave and fifth.
ROCK_EIGHTHS = (("r",) * 7 + ("a",), ("r", "r", "r", "r", "o", "o", "5", "a"))
DEGREES = {"r": 0, "2": 2, "5": 7, "6": 9, "o": 12, "b7": 10}


def _bass_pitch(chord: Chord, degree: str, ref: int, low: int, high: int, nxt: Chord, below: bool = True) -> int:
    if degree == "a":
        target = nearest_in_range(nxt.bass if nxt.bass is not None else nxt.root, ref, low, high)
        step = -1 if below else 1
        return target + step if low <= target + step <= high else target - step
    root = chord.bass if chord.bass is not None else chord.root
    base = nearest_in_range(root, ref, low, high)
    if degree == "3":
        interval = next((i for i in chord.intervals if i in (3, 4)), 7)
    elif degree == "7":
        interval = next((i for i in chord.intervals if i in (9, 10, 11)), 10)
    elif degree == "6":
        interval = 8 if chord.is_minor and 9 not in chord.intervals else 9
    else:
        interval = DEGREES[degree]
    pitch = base + interval
    return pitch if pitch <= high else pitch - 12 if pitch - 12 >= low else base


def write_bass(ctx: Context, part: PartSpec, inst: Instrument, style: str) -> list[Note]:
    """A bass line in the genre's style, always landing on the root on the downbeat.

    A part density below 0.75 plays roots on the strong beats only, and so does a
    sparse (sad, relaxed) mood for the driving styles; the mood's articulation sets how
    long each note rings.
    """
    low, high = max(inst.low, 28), min(inst.high, max(inst.low + 24, 60))
    ref = nearest_in_range(ctx.tonic_pc, 38, low, high)
    four = ctx.spec.meter == "4/4"
    if style == "walking" and ctx.spec.swing < SWUNG:
        style = "bossa"  # jazz played straight is played latin: a walking line needs the swing
    if part.density < 0.75 or (ctx.mood.density * part.density < 0.85 and style in ("eighths", "pulse")):
        style = "root"
    notes: list[Note] = []
    for section in ctx.sections:
        quiet = section.spec.energy < 0.4
        rng = rng_for(ctx.spec.seed, "bass", part.name, part.seed, section.base, section.spec.seed)
        for bar in range(section.spec.bars):
            start = ctx.bar_start(section, bar)
            rhythm = _bass_rhythm(ctx, section, style, four, quiet, bar, rng)
            nxt = _next_chord(ctx, section, bar)
            for offset, length, degree in rhythm:
                chord = ctx.chord_at(section, bar, offset)
                pitch = _bass_pitch(chord, degree, ref, low, high, nxt, below=bar % 2 == 0)
                accent = 6 if offset == 0 else 0
                vel = ctx.velocity(section, 2, accent)
                notes.append(make_note(start + offset, ctx.sounding(length, floor=120), pitch, vel))
    return notes


def _bass_rhythm(
    ctx: Context, section: SectionHarmony, style: str, four: bool, quiet: bool, bar: int, rng: random.Random
) -> list[tuple[int, int, str]]:
    if style in BASS_TEMPLATES and four and not quiet:
        return list(BASS_TEMPLATES[style])
    lengths = ctx.pulse_lengths()
    if quiet or style == "sustained":
        slot = ctx.bar_ticks // section.slots_per_bar
        return [(k * slot, slot - 20, "r") for k in range(section.slots_per_bar)]
    if style in ("walking", "boogie") and four:
        degrees = BOOGIE[bar % 2] if style == "boogie" else rng.choice(WALKS)
        return [(b * TPQ, TPQ - 30, d) for b, d in enumerate(degrees)]
    if style in ("walking", "boogie"):
        n = len(lengths)
        degrees = (["r", "3", "5"] + ["5"] * n)[: n - 1] + ["a"] if n > 1 else ["r"]
        return [(p, ln - 30, d) for (p, _), ln, d in zip(ctx.pulses, lengths, degrees, strict=True)]
    if style == "eighths":
        n = ctx.bar_ticks // EIGHTH
        degrees = ROCK_EIGHTHS[bar % 2] if n == 8 else ("r",) * (n - 1) + ("a",)
        return [(i * EIGHTH, EIGHTH - 40, d) for i, d in enumerate(degrees)]
    return [(p, ln - 30, "r" if s == 3 else "5") for (p, s), ln in zip(ctx.pulses, lengths, strict=True) if s >= 2]


def _next_chord(ctx: Context, section: SectionHarmony, bar: int) -> Chord:
    if bar + 1 < section.spec.bars:
        return ctx.chord_at(section, bar + 1)
    if section.index + 1 < len(ctx.sections):
        return ctx.sections[section.index + 1].chords[0]
    return section.chords[-1]


# ---------------------------------------------------------------- melody

#: One pulse of rhythm: (offset, length) pairs as fractions of the pulse; "hold" ties.
SIMPLE_CELLS: dict[str, tuple[tuple[float, float], ...]] = {
    "q": ((0, 1),),
    "ee": ((0, 0.5), (0.5, 0.5)),
    "rest": (),
    "hold": (),
    "dotted": ((0, 0.75), (0.75, 0.25)),
    "ssss": ((0, 0.25), (0.25, 0.25), (0.5, 0.25), (0.75, 0.25)),
    "syncop": ((0.5, 0.5),),
}
COMPOUND_CELLS: dict[str, tuple[tuple[float, float], ...]] = {
    "q": ((0, 1),),
    "ee": ((0, 2 / 3), (2 / 3, 1 / 3)),
    "rest": (),
    "hold": (),
    "dotted": ((0, 1 / 3), (1 / 3, 1 / 3), (2 / 3, 1 / 3)),
    "ssss": ((0, 1 / 3), (1 / 3, 1 / 3), (2 / 3, 1 / 3)),
    "syncop": ((1 / 3, 1 / 3), (2 / 3, 1 / 3)),
}
CELL_WEIGHTS = {
    "lyrical": {"q": 3, "ee": 3, "hold": 2, "rest": 1, "dotted": 1, "syncop": 0.5},
    "riff": {"ee": 3, "syncop": 2, "q": 1, "rest": 1.5, "ssss": 1, "dotted": 1},
    "bebop": {"ee": 5, "q": 1, "syncop": 1, "rest": 0.5, "ssss": 0.5},
    "fiddle": {"ee": 4, "ssss": 1.5, "q": 1, "dotted": 1},
    "blues": {"q": 2, "ee": 2, "rest": 2, "dotted": 1, "syncop": 1, "hold": 1},
}
STEP_WEIGHTS = {
    "lyrical": {-2: 1, -1: 3, 0: 1, 1: 3, 2: 1.5, 3: 0.5, -3: 0.5},
    "riff": {0: 3, 1: 2, -1: 2, 2: 1, -2: 1, 4: 0.5},
    "bebop": {1: 3, -1: 3, 2: 1, -2: 1.5, 3: 0.5},
    "fiddle": {1: 3, -1: 3, 2: 2, -2: 2},
    "blues": {0: 2, 1: 2, -1: 2, -2: 1, 2: 1},
}
#: Blues melodies: the major blues scale (major pentatonic plus the blue minor third)
#: in a major key, the minor blues scale (with the flat fifth) in a minor one.
BLUES_SCALES = {"major": (0, 2, 3, 4, 7, 9), "minor": (0, 3, 5, 6, 7, 10)}
#: Chance that a short off-beat note leading into a strong beat becomes a half-step
#: approach to it (a chromatic passing or neighbour tone), by melody style.
APPROACH = {"lyrical": 0.2, "riff": 0.2, "bebop": 0.45, "fiddle": 0.15, "blues": 0.35}
#: Chance that a strong-beat note of a quarter or longer leans in from the scale step
#: above (an appoggiatura, resolving down to the chord tone half-way through).
APPOGGIATURA = {"lyrical": 0.12, "riff": 0.05, "bebop": 0.08, "fiddle": 0.05, "blues": 0.05}
#: Chance that a pulse of a motif's later bar re-picks its rhythm cell instead of
#: echoing the first bar: melodies repeat their rhythms far more than their pitches.
RECAST = 0.3


def _motif_rhythm(
    ctx: Context, rng: random.Random, style: str, bars: int, density: float, template: list[str] | None = None
) -> tuple[list[tuple[int, int]], list[str]]:
    """Onsets and lengths (ticks from the motif start) for ``bars`` bars, and the first bar's cells.

    Later bars (and a bar built on ``template``) echo the first bar's rhythm cells,
    re-picking a few, so the line has a recognisable rhythm.
    """
    weights = dict(CELL_WEIGHTS.get(style, CELL_WEIGHTS["lyrical"]))
    for k in ("rest", "hold"):
        if k in weights:
            weights[k] /= density
    for k in ("ee", "ssss", "syncop"):
        if k in weights:
            weights[k] *= density
    notes: list[tuple[int, int]] = []
    lengths = ctx.pulse_lengths()
    first: list[str] = []
    for bar in range(bars):
        base = template if bar == 0 else first
        for j, ((p, _s), length) in enumerate(zip(ctx.pulses, lengths, strict=True)):
            cells = COMPOUND_CELLS if length % 720 == 0 else SIMPLE_CELLS
            if base and rng.random() >= RECAST and base[j] in cells:
                cell = base[j]
            else:
                cell = pick(rng, {k: v for k, v in weights.items() if k in cells})
            if bar == 0 and p == 0 and cell in ("rest", "hold", "syncop") and template is None:
                cell = "q"
            if bar == 0:
                first.append(cell)
            at = bar * ctx.bar_ticks + p
            if cell == "hold" and notes:
                s, d = notes[-1]
                notes[-1] = (s, at + length - s)
                continue
            notes.extend((at + round(o * length), round(d * length)) for o, d in cells[cell])
    return notes, first


def _scale_pitches(ctx: Context, low: int, high: int, style: str) -> list[int]:
    if style == "blues":
        pcs = {(ctx.tonic_pc + i) % 12 for i in BLUES_SCALES[ctx.spec.mode]}
    else:
        pcs = set(ctx.scale)
    return [p for p in range(low, high + 1) if p % 12 in pcs]


def melody_range(ctx: Context, inst: Instrument) -> tuple[int, int]:
    """About an octave and a fourth around the instrument's singing register (real tunes span 7-16 semitones)."""
    centre = max(60, min(76, (inst.low + inst.high) // 2)) + ctx.mood.register_shift
    low, high = max(inst.low, centre - 7), min(inst.high, centre + 8)
    return (low, high) if high - low >= 12 else (inst.low, inst.high)


def write_melody(ctx: Context, part: PartSpec, inst: Instrument, style: str) -> list[Note]:
    """The lead line: motifs per kind of section, answered and varied, cadencing at ends.

    Material is keyed by the section's kind and seed, so a verse and its repeat share
    a motif while a regenerated section gets its own; a repeat keeps the statement and
    answers it differently (a varied repeat, as songs do).  Short off-beat notes may
    become chromatic approaches to the next strong-beat chord tone.
    """
    low, high = melody_range(ctx, inst)
    pitches = _scale_pitches(ctx, low, high, style)
    density = ctx.mood.density * part.density
    label = (part.name, part.seed)
    notes: list[Note] = []
    motifs: dict[tuple[str, int], tuple[list[tuple[int, int]], list[str], list[int], int]] = {}
    seen: dict[tuple[str, int], int] = {}
    for section in ctx.sections:
        if section.base == "intro" and len(ctx.sections) > 1:
            continue
        kind = (section.base, section.spec.seed)
        repeat = seen.get(kind, 0)
        seen[kind] = repeat + 1
        rng = rng_for(ctx.spec.seed, "melody", label, kind)
        if kind not in motifs:
            rhythm, cells = _motif_rhythm(ctx, rng, style, 2, density)
            steps = [
                int(pick(rng, {str(k): v for k, v in STEP_WEIGHTS.get(style, STEP_WEIGHTS["lyrical"]).items()}))
                for _ in rhythm
            ]
            motifs[kind] = (rhythm, cells, steps, len(pitches) // 2 + rng.randint(-2, 2))
        rhythm, cells, steps, pos = motifs[kind]
        lift = 2 if section.spec.energy >= 0.75 else 0
        line: list[tuple[int, int, int, int, bool]] = []
        lean = rng_for(ctx.spec.seed, "appoggiatura", label, kind)
        for unit in range(0, section.spec.bars, 2):
            unit_bars = min(2, section.spec.bars - unit)
            answer = (unit // 2) % 2 == 1
            u_rhythm, u_steps = rhythm, steps
            if answer:
                tail_rng = rng_for(ctx.spec.seed, "answer", label, kind, *((repeat,) if repeat else ()))
                tail, _ = _motif_rhythm(ctx, tail_rng, style, 2, density, cells)
                u_rhythm = [n for n in rhythm if n[0] < ctx.bar_ticks] + [n for n in tail if n[0] >= ctx.bar_ticks]
                u_steps = [-s for s in steps] + steps
            base_tick = ctx.bar_start(section, unit)
            events = [n for n in u_rhythm if n[0] < unit_bars * ctx.bar_ticks]
            for k, (offset, length) in enumerate(events):
                step = u_steps[k % len(u_steps)]
                centre = len(pitches) // 2 + lift
                if abs(pos + step - centre) > 6:
                    step = -step
                pos = max(0, min(len(pitches) - 1, pos + step))
                bar = unit + offset // ctx.bar_ticks
                in_bar = offset % ctx.bar_ticks
                chord = ctx.chord_at(section, bar, in_bar)
                strong = any(p == in_bar and s >= 2 for p, s in ctx.pulses)
                pitch = pitches[pos]
                last = k == len(events) - 1 and unit + unit_bars >= section.spec.bars
                if strong or last:
                    pitch = _chord_tone(chord, pitch, low, high, root=last and section is ctx.sections[-1])
                    pos = min(range(len(pitches)), key=lambda i: abs(pitches[i] - pitch))
                dur = (unit_bars * ctx.bar_ticks - offset) if last else max(60, round(length * ctx.length_factor))
                vel = max(1, min(127, ctx.velocity(section, 6, ctx.accent if strong else 0) + rng.randint(-3, 3)))
                upper = next((p for p in pitches if p > pitch), None)
                if strong and not last and length >= TPQ and upper and lean.random() < APPOGGIATURA.get(style, 0):
                    half = length // 2
                    line.append((base_tick + offset, half, upper, vel, True))
                    line.append((base_tick + offset + half, max(60, dur - half), pitch, max(1, vel - 8), False))
                    continue
                line.append((base_tick + offset, dur, pitch, vel, strong))
        approach = rng_for(ctx.spec.seed, "approach", label, kind)
        chance = APPROACH.get(style, APPROACH["lyrical"])
        for i, (start, dur, pitch, vel, strong) in enumerate(line):
            nxt = line[i + 1] if i + 1 < len(line) else None
            if nxt and not strong and nxt[4] and nxt[0] - start <= TPQ // 2 and approach.random() < chance:
                target = nxt[2]
                pitch = target - 1 if pitch <= target else target + 1
                pitch = pitch if low <= pitch <= high else nxt[2]
            notes.append(make_note(start, dur, pitch, vel))
    return notes


def _chord_tone(chord: Chord, pitch: int, low: int, high: int, root: bool = False) -> int:
    pcs = [chord.root] if root else list(chord.pitch_classes)
    return min((nearest_in_range(pc, pitch, low, high) for pc in pcs), key=lambda p: (abs(p - pitch), p))


def harmonise_below(ctx: Context, melody: list[Note], inst: Instrument) -> list[Note]:
    """A second lead a diatonic third below the first (a horn-section line)."""
    scale = ctx.scale
    out = []
    for n in melody:
        pitch = n.pitch - 3
        while pitch % 12 not in scale:
            pitch -= 1
        if n.pitch - pitch < 3:
            pitch -= 1
        while pitch % 12 not in scale:
            pitch -= 1
        out.append(make_note(n.start, n.duration, max(inst.low, min(inst.high, pitch)), max(1, n.velocity - 6)))
    return out


def write_counter(ctx: Context, part: PartSpec, inst: Instrument) -> list[Note]:
    """Guide tones under the melody; in busy sections each long note gets a second, moving note."""
    notes = write_guide_tones(ctx, inst, -2)
    out: list[Note] = []
    for n in notes:
        section = next(
            s
            for s in ctx.sections
            if s.start_bar * ctx.bar_ticks <= n.start < (s.start_bar + s.spec.bars) * ctx.bar_ticks
        )
        if section.spec.energy >= 0.6 and n.duration >= TPQ * 2 and part.density >= 0.75:
            half = n.duration // 2
            chord = ctx.chord_at(section, (n.start // ctx.bar_ticks) - section.start_bar, n.start % ctx.bar_ticks)
            other = _chord_tone(chord, n.pitch + 3, inst.low, inst.high)
            if other == n.pitch:
                other = _chord_tone(chord, n.pitch - 4, inst.low, inst.high)
            out.append(make_note(n.start, half, n.pitch, n.velocity))
            out.append(make_note(n.start + half, n.duration - half, other, max(1, n.velocity - 4)))
        else:
            out.append(n)
    return out
