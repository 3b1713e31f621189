"""The default model backend: a fast, deterministic, theory-driven composer.

Milliseconds per bar, no dependencies beyond the core.  Each role has a writer
(drums, bass, comping, pads, melody, counter-melody) driven by the genre's styles and
the mood's dynamics; this module wires them to the parts of a spec and tidies the
result (ranges, swing, muted sections).
"""

from __future__ import annotations

from musigen_agent import hookimpl
from musigen_agent.catalog import Catalog, Instrument
from musigen_agent.spec import TPQ, Arrangement, Note, Part, PartSpec, SectionPlan, TrackSpec
from musigen_agent.theory import fit_range

from .chords import write_chords
from .context import Context, build_context, make_note, rng_for
from .lines import harmonise_below, write_bass, write_counter, write_melody
from .rhythm import write_drums

#: Comping style of a second (third...) harmony part, by instrument family, so two
#: harmony instruments complement instead of doubling each other.
ALTERNATE_COMP = {"guitar": "strum", "keys": "arpeggio", "organ": "pad", "synth_lead": "arpeggio"}


#: Roles with a writer of their own; any other pitched part comps chords.
LINE_ROLES = frozenset({"bass", "melody", "counter_melody", "pad"})


class TheoryComposer:
    """Spec in, arrangement out; same spec and seed give the same notes."""

    name = "theory"
    description = "Fast deterministic theory-driven composer (genre grooves, voice-led harmony, motif melodies)."
    available = True
    unavailable_reason = ""

    def compose(self, spec: TrackSpec, catalog: Catalog, parts: frozenset[str] | None = None) -> Arrangement:
        """The whole arrangement, or with ``parts`` only those parts' notes (the others
        come back empty): every part draws from its own seeded RNG, so a part written
        alone is the part written with the others.  A later melody part harmonises the
        first, so the first is written whenever a later one is asked for."""
        ctx = build_context(spec, catalog)
        rhythm_parts = sum(1 for p in spec.parts if catalog.instrument(p.instrument).is_drum)
        melodies = [p.name for p in spec.parts if p.role == "melody"]
        wanted = None if parts is None else parts | ({melodies[0]} if parts.intersection(melodies[1:]) else set())
        harmony_seen = 0
        lead: list[Note] | None = None
        written = []
        for part in spec.parts:
            inst = catalog.instrument(part.instrument)
            if not inst.is_drum and part.role not in LINE_ROLES:
                harmony_seen += 1  # counted whether written or not: the first comps in the genre's style
            if wanted is not None and part.name not in wanted:
                notes: list[Note] = []
            elif inst.is_drum:
                notes = write_drums(ctx, part, hand=inst.family == "percussion", share=rhythm_parts > 1)
            elif part.role == "bass":
                notes = write_bass(ctx, part, inst, ctx.genre.bass_style)
            elif part.role == "melody":
                notes = (
                    write_melody(ctx, part, inst, ctx.genre.melody_style)
                    if lead is None
                    else harmonise_below(ctx, lead, inst)
                )
                lead = lead if lead is not None else notes
            elif part.role == "counter_melody":
                notes = write_counter(ctx, part, inst)
            elif part.role == "pad":
                notes = write_chords(ctx, part, inst, "pump" if ctx.genre.comp_style == "pump" else "pad", -10)
            else:
                style = ctx.genre.comp_style if harmony_seen == 1 else ALTERNATE_COMP.get(inst.family, "pad")
                notes = write_chords(ctx, part, inst, style, -4)
            written.append(finish_part(ctx, part, inst, notes))
        return Arrangement(
            tempo=spec.tempo,
            meter=spec.meter,
            key=spec.key,
            mode=spec.mode,
            sections=[
                SectionPlan(
                    name=s.spec.name,
                    start_bar=s.start_bar,
                    bars=s.spec.bars,
                    chords=s.symbols,
                    chord_slots_per_bar=s.slots_per_bar,
                )
                for s in ctx.sections
            ],
            parts=written,
        )


def finish_part(ctx: Context, part: PartSpec, inst: Instrument, notes: list[Note]) -> Part:
    """Silence muted sections, fit ranges, apply swing and humanising, clip to the form, sort, dedupe.

    Humanising (off unless the spec asks) nudges onsets by up to ~25 ms and velocities
    by a few steps, from an RNG seeded by the part, so it is repeatable.
    """
    end = sum(s.spec.bars for s in ctx.sections) * ctx.bar_ticks
    muted = [
        (s.start_bar * ctx.bar_ticks, (s.start_bar + s.spec.bars) * ctx.bar_ticks)
        for s in ctx.sections
        if s.spec.name in part.mute_in
    ]
    shift = round(ctx.spec.swing * (2 * TPQ // 3 - TPQ // 2))
    loose = ctx.spec.humanize
    rng = rng_for(ctx.spec.seed, "humanize", part.name, part.seed)
    kept: dict[tuple[int, int], Note] = {}
    for n in notes:
        start = n.start + shift if shift and n.start % TPQ == TPQ // 2 else n.start
        velocity = n.velocity
        if loose:
            start = max(0, start + round(rng.uniform(-1, 1) * 24 * loose))
            velocity = max(1, min(127, velocity + round(rng.uniform(-1, 1) * 10 * loose)))
        if start >= end or any(a <= start < b for a, b in muted):
            continue
        pitch = n.pitch if inst.is_drum else fit_range(n.pitch, inst.low, inst.high)
        note = make_note(start, min(n.duration, end - start), pitch, velocity)
        key = (note.start, note.pitch)
        if key not in kept or kept[key].velocity < note.velocity:
            kept[key] = note
    ordered = sorted(kept.values(), key=lambda n: (n.start, n.pitch))
    return Part(
        name=part.name,
        instrument=inst.name,
        role=part.role,
        program=inst.gm_program,
        is_drum=inst.is_drum,
        notes=ordered,
    )


@hookimpl
def register_models(register):
    register(TheoryComposer())
