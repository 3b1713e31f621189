"""Drum kit and hand percussion: the genre's groove, shaped by the form.

Quiet sections thin the groove, sections open with a crash, and the bar before a new
section gets a fill, so the drums mark the form the way a drummer would.
"""

from __future__ import annotations

import random

from musigen_agent.catalog import Groove
from musigen_agent.spec import TPQ, Note, PartSpec
from musigen_agent.theory import DRUMS

from .context import Context, SectionHarmony, make_note, rng_for

#: Lanes played by a "percussion" instrument rather than the kit.
HAND_PERCUSSION = {
    "shaker",
    "tambourine",
    "conga_mute",
    "conga_high",
    "conga_low",
    "bongo_high",
    "bongo_low",
    "cowbell",
    "claves",
    "woodblock",
    "triangle",
    "cabasa",
    "agogo",
    "timbale_high",
    "timbale_low",
}
ACCENTS = {"X": 14, "x": 0, "o": -38}
#: Time-keeping lanes thinned by a low density and doubled by a high one.
THIN_LANES = {"closed_hat", "ride", "shaker"}
#: Lanes kept when a section is quiet (energy below 0.4).
QUIET_LANES = {"closed_hat", "ride", "pedal_hat", "shaker", "side_stick", "kick"}


def groove_for(ctx: Context) -> Groove:
    """The genre's groove in the piece's meter, or a plain one built for the meter."""
    for groove in ctx.genre.grooves:
        if groove.meter == ctx.spec.meter:
            return groove
    steps = ctx.bar_ticks // (TPQ // 2)
    pulses = {p // (TPQ // 2) for p, strength in ctx.pulses if strength >= 2}
    backbeat = {p // (TPQ // 2) for p, strength in ctx.pulses[1:] if strength >= 2} or {steps // 2}
    lanes = {
        "kick": "".join("X" if i in pulses and i not in backbeat else "." for i in range(steps)),
        "snare": "".join("x" if i in backbeat else "." for i in range(steps)),
        "closed_hat": "x" * steps,
    }
    return Groove(name=f"generic_{ctx.spec.meter}", meter=ctx.spec.meter, steps_per_beat=2, lanes=lanes)


def write_drums(ctx: Context, part: PartSpec, hand: bool, share: bool) -> list[Note]:
    """Notes of a kit (``hand`` False) or a percussion part over the whole form.

    ``share``: another rhythm part exists, so the kit leaves hand-percussion lanes to it.
    A part density below 0.75 drops ghost notes and every other hi-hat; above 1.3 it
    doubles the hi-hat into sixteenths.
    """
    lanes = {k: v for k, v in groove_for(ctx).lanes.items() if (k in HAND_PERCUSSION) == hand or not share}
    if not lanes:
        lanes = _default_percussion(ctx) if hand else _default_kit(ctx)
    notes: list[Note] = []
    step = ctx.bar_ticks // len(next(iter(lanes.values())))
    for section in ctx.sections:
        quiet = section.spec.energy < 0.4
        rng = rng_for(ctx.spec.seed, "drums", part.name, part.seed, section.base, section.spec.seed)
        for bar in range(section.spec.bars):
            start = ctx.bar_start(section, bar)
            last_bar = bar == section.spec.bars - 1 and section.index < len(ctx.sections) - 1
            fill_from = (
                ctx.bar_ticks - ctx.pulse_lengths()[-1] if last_bar and not hand and section.spec.bars >= 2 else None
            )
            for lane, pattern in sorted(lanes.items()):
                if quiet and lane not in QUIET_LANES:
                    continue
                for i, ch in enumerate(pattern):
                    if ch == "." or (fill_from is not None and i * step >= fill_from):
                        continue
                    if quiet and lane == "kick" and i != 0:
                        continue
                    if part.density < 0.75 and (ch == "o" or (lane in THIN_LANES and (i * step) % TPQ)):
                        continue
                    accent = ACCENTS[ch] + (rng.randint(-4, 4) if ch != "X" else 0)
                    vel = ctx.velocity(section, -6 if lane in ("closed_hat", "ride", "shaker") else 0, accent)
                    notes.append(make_note(start + i * step, step, DRUMS[lane], vel))
                    if part.density > 1.3 and lane in THIN_LANES and step >= TPQ // 2:
                        notes.append(make_note(start + i * step + step // 2, step // 2, DRUMS[lane], max(1, vel - 20)))
            if fill_from is not None:
                notes.extend(_fill(ctx, section, start + fill_from, ctx.bar_ticks - fill_from, rng))
        if not hand and section.index > 0 and section.spec.energy >= 0.6:
            notes.append(make_note(ctx.bar_start(section, 0), TPQ, DRUMS["crash"], ctx.velocity(section, 8)))
    if not hand and ctx.sections:
        end = ctx.sections[-1]
        notes.append(make_note(ctx.bar_start(end, end.spec.bars - 1), TPQ, DRUMS["crash"], ctx.velocity(end, 4)))
    return notes


def _fill(ctx: Context, section: SectionHarmony, start: int, length: int, rng: random.Random) -> list[Note]:
    """A short snare/tom fill leading into the next section."""
    sixteenth = TPQ // 4
    drums = [DRUMS["snare"], DRUMS["high_tom"], DRUMS["mid_tom"], DRUMS["low_tom"]]
    count = length // sixteenth
    notes = []
    for k in range(count):
        drum = drums[min(len(drums) - 1, k * len(drums) // count)] if rng.random() < 0.7 else DRUMS["snare"]
        vel = ctx.velocity(section, -10 + 18 * k // max(1, count - 1))
        notes.append(make_note(start + k * sixteenth, sixteenth, drum, vel))
    return notes


def _default_percussion(ctx: Context) -> dict[str, str]:
    steps = ctx.bar_ticks // (TPQ // 2)
    shaker = "".join("x" if i % 2 == 0 else "o" for i in range(steps))
    conga = "".join("x" if i % 4 == 3 else "." for i in range(steps))
    return {"shaker": shaker, "conga_low": conga}


def _default_kit(ctx: Context) -> dict[str, str]:
    steps = ctx.bar_ticks // (TPQ // 2)
    return {
        "kick": "X" + "." * (steps - 1),
        "closed_hat": "x" * steps,
        "snare": "." * (steps // 2) + "x" + "." * (steps - steps // 2 - 1),
    }
