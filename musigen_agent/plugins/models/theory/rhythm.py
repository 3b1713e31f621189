"""Drum kit and hand percussion: the genre's groove, shaped by the form.

Quiet sections thin the groove, sections open with a crash, the bar before a new
section gets a fill and the last bar of each phrase a variation, so the drums mark the
form the way a drummer would instead of looping one bar.
"""

from __future__ import annotations

import random

from musigen_agent.catalog import SWUNG, Groove
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
#: Time-keeping lanes thinned by a low density and driven into sixteenths by a high one.
THIN_LANES = {"closed_hat", "ride", "shaker"}
EIGHTH, SIXTEENTH = TPQ // 2, TPQ // 4
#: Lanes that carry the backbeat, in order of preference (for a drag before it).
BACKBEAT_LANES = ("snare", "clap", "side_stick")
#: Bars per phrase; the last bar of each is varied.
PHRASE = 4
#: Lanes kept when a section is quiet (energy below 0.4).
QUIET_LANES = {"closed_hat", "ride", "pedal_hat", "shaker", "side_stick", "kick"}


def groove_for(ctx: Context) -> Groove:
    """The genre's groove in the piece's meter for its feel (a ``swing`` or ``straight``
    groove before an ``any`` one, before one of the other feel), or a plain one built
    for the meter."""
    feel = "swing" if ctx.spec.swing >= SWUNG else "straight"
    fitting = [g for g in ctx.genre.grooves if g.meter == ctx.spec.meter]
    for wanted in (feel, "any"):
        for groove in fitting:
            if groove.feel == wanted:
                return groove
    if fitting:
        return fitting[0]
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
    The mood's density times the part's thins the groove below 0.75 (no ghost notes,
    hats on the beat) and drives straight eighth hats above 1.3 (a sixteenth after each
    beat: one-e-and, leaving the 'a' free for pickups).  The last bar of
    every four-bar phrase is a variation (a kick pickup, an open hat, a drag, a
    tambourine roll) and a swung ride groove gets left-hand snare comping, so bars are
    not copies of each other -- a groove consistency of exactly 1 sounds like a loop.
    A driving (energetic) part varies every second bar.
    """
    groove = {k: v for k, v in groove_for(ctx).lanes.items() if (k in HAND_PERCUSSION) == hand or not share}
    if not groove:
        groove = _default_percussion(ctx) if hand else _default_kit(ctx)
    level = ctx.mood.density * part.density
    notes: list[Note] = []
    step = ctx.bar_ticks // len(next(iter(groove.values())))
    per_beat = max(1, TPQ // step)
    comping = not hand and "ride" in groove and "snare" not in groove
    straight = ctx.spec.swing < 0.3  # sixteenth hats would fight a swung groove
    for section in ctx.sections:
        quiet = section.spec.energy < 0.4
        rng = rng_for(ctx.spec.seed, "drums", part.name, part.seed, section.base, section.spec.seed)
        for bar in range(section.spec.bars):
            start = ctx.bar_start(section, bar)
            last_bar = bar == section.spec.bars - 1 and section.index < len(ctx.sections) - 1
            fill_from = (
                ctx.bar_ticks - ctx.pulse_lengths()[-1] if last_bar and not hand and section.spec.bars >= 2 else None
            )
            lanes = groove
            phrase_end = bar % PHRASE == PHRASE - 1 or (level > 1.3 and bar % 2 == 1)
            if (phrase_end and fill_from is None) or (hand and last_bar):
                lanes = _vary(groove, rng, per_beat, hand or last_bar)
            if comping and not quiet:
                lanes = _comp(lanes, rng, per_beat)
            elif level >= 0.75:
                lanes = _ghosts(lanes, rng)
            for lane, pattern in sorted(lanes.items()):
                if quiet and lane not in QUIET_LANES:
                    continue
                hits = {i * step for i, ch in enumerate(pattern) if ch != "."}
                drive = level > 1.3 and lane in THIN_LANES and straight and all(t % EIGHTH == 0 for t in hits)
                for i, ch in enumerate(pattern):
                    if ch == "." or (fill_from is not None and i * step >= fill_from):
                        continue
                    if quiet and lane == "kick" and i != 0:
                        continue
                    if level < 0.75 and (ch == "o" or (lane in THIN_LANES and (i * step) % TPQ)):
                        continue
                    accent = ACCENTS[ch] + (rng.randint(-4, 4) if ch != "X" else 0)
                    vel = ctx.velocity(section, -6 if lane in ("closed_hat", "ride", "shaker") else 0, accent)
                    notes.append(make_note(start + i * step, step, DRUMS[lane], vel))
                    at = i * step + SIXTEENTH
                    if drive and (i * step) % TPQ == 0 and at not in hits:
                        notes.append(make_note(start + at, SIXTEENTH, DRUMS[lane], max(1, vel - 20)))
            if fill_from is not None:
                notes.extend(_fill(ctx, section, start + fill_from, ctx.bar_ticks - fill_from, rng))
        if not hand and section.index > 0 and section.spec.energy >= 0.6:
            notes.append(make_note(ctx.bar_start(section, 0), TPQ, DRUMS["crash"], ctx.velocity(section, 8)))
    if not hand and ctx.sections:
        end = ctx.sections[-1]
        notes.append(make_note(ctx.bar_start(end, end.spec.bars - 1), TPQ, DRUMS["crash"], ctx.velocity(end, 4)))
    return notes


def _set(pattern: str, i: int, ch: str) -> str:
    return pattern[:i] + ch + pattern[i + 1 :]


def _vary(lanes: dict[str, str], rng: random.Random, per_beat: int, hand: bool) -> dict[str, str]:
    """One bar's variation of the groove: one or two of the moves a drummer uses to mark a phrase end."""
    lanes = dict(lanes)
    n = len(next(iter(lanes.values())))
    last_beat = range(n - per_beat, n)
    moves = []
    if "kick" in lanes and lanes["kick"][n - 1] == ".":
        moves.append("kick_pickup")
    hats = [i for i, c in enumerate(lanes.get("closed_hat", "")) if c != "." and i % per_beat and i >= n // 2]
    if hats:
        moves.append("open_hat")
    back = next((k for k in BACKBEAT_LANES if k in lanes), None)
    snares = [i for i, c in enumerate(lanes[back]) if c in "Xx"] if back else []
    if back and snares and snares[-1] > 0 and lanes[back][snares[-1] - 1] == ".":
        moves.append("drag")
    roll_lane = next((k for k in ("tambourine", "conga_high", "conga_low", "snare") if k in lanes), None)
    if hand and roll_lane:
        moves.append("roll")
    if not moves:
        return lanes
    # lead with a move that changes the rhythm (an open hat alone may only change the colour)
    rhythmic = [m for m in moves if m != "open_hat"] or moves
    first = rng.choice(rhythmic)
    rest = [m for m in moves if m != first]
    chosen = [first] + rng.sample(rest, min(len(rest), 1 if hand or rng.random() < 0.5 else 0))
    for move in chosen:
        if move == "kick_pickup":
            lanes["kick"] = _set(lanes["kick"], n - 1, "x")
        elif move == "open_hat":
            at = hats[-1]
            lanes["closed_hat"] = "".join(
                "." if at <= i < (at // per_beat + 1) * per_beat else c for i, c in enumerate(lanes["closed_hat"])
            )
            lanes["open_hat"] = _set(lanes.get("open_hat", "." * n), at, "x")
        elif move == "drag" and back:
            lanes[back] = _set(lanes[back], snares[-1] - 1, "o")
        elif move == "roll" and roll_lane:
            lanes[roll_lane] = "".join(("x" if i in last_beat else c) for i, c in enumerate(lanes[roll_lane]))
    return lanes


def _ghosts(lanes: dict[str, str], rng: random.Random) -> dict[str, str]:
    """Move or add one snare ghost note, so a ghost-note groove breathes from bar to bar."""
    pattern = lanes.get("snare", "")
    ghosts = [i for i, c in enumerate(pattern) if c == "o"]
    if len(ghosts) < 2 or rng.random() < 0.4:
        return lanes
    free = [i for i, c in enumerate(pattern) if c == "." and i % 2]
    lanes = dict(lanes)
    if free:
        moved = _set(pattern, rng.choice(ghosts), ".") if rng.random() < 0.5 else pattern
        lanes["snare"] = _set(moved, rng.choice(free), "o")
    return lanes


def _comp(lanes: dict[str, str], rng: random.Random, per_beat: int) -> dict[str, str]:
    """Left-hand snare (and an occasional kick 'bomb') on off-beats, different every bar, as jazz drummers comp."""
    lanes = dict(lanes)
    n = len(next(iter(lanes.values())))
    offbeats = [i for i in range(n) if i % per_beat]
    snare = ["."] * n
    for i in rng.sample(offbeats, rng.choice((0, 1, 1, 2))):
        snare[i] = "o" if rng.random() < 0.7 else "x"
    lanes["snare"] = "".join(snare)
    if "kick" in lanes and rng.random() < 0.2:
        lanes["kick"] = _set(lanes["kick"], rng.choice(offbeats), "x")
    return lanes


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
