"""The learned model backend ``neural``: a small transformer writes the melody and counter-melody.

The theory composer writes the arrangement first (drums, bass, harmony and the chord
plan); the transformer, conditioned on genre, mood, tempo, mode, meter, instrument and
that chord plan, then rewrites the lead line and the counter-melody under the spec's
constraints (key and chord masks, ranges, meter, bar count, repeated sections).  torch
is imported only when composing; without it the backend is listed as unavailable.
"""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

from musigen_agent import hookimpl
from musigen_agent.catalog import Catalog, Instrument
from musigen_agent.neural import DATA_DIR, torch_missing_reason
from musigen_agent.neural.tokens import (
    DROPPABLE,
    GENRES,
    ID,
    MOODS,
    STEPS_PER_QUARTER,
    chord_token,
    decode,
    section_of,
    tempo_bin,
)
from musigen_agent.plugins.models.theory import TheoryComposer, finish_part
from musigen_agent.plugins.models.theory.context import Context, base_name, build_context, make_note, rng_for
from musigen_agent.plugins.models.theory.lines import harmonise_below, melody_range
from musigen_agent.spec import TPQ, Arrangement, Note, PartSpec, TrackSpec
from musigen_agent.theory import SCALES, Chord

WEIGHTS = DATA_DIR / "model.pt"
STEP_TICKS = TPQ // STEPS_PER_QUARTER


class NeuralComposer:
    """Theory accompaniment + transformer melody and counter-melody; deterministic per seed."""

    name = "neural"
    description = (
        "Small transformer trained on Bach chorales and folk tunes writes melody and counter-melody "
        "over the theory composer's accompaniment (CPU, needs the [neural] extra)."
    )

    def __init__(self, weights: str | os.PathLike[str] | None = None) -> None:
        self.weights = Path(weights or os.environ.get("MUSIGEN_NEURAL_WEIGHTS") or WEIGHTS)
        missing = torch_missing_reason()
        if not missing and not self.weights.exists():
            missing = f"no trained weights at {self.weights}; run `musigen train`"
        self.available = not missing
        self.unavailable_reason = missing

    @cached_property
    def _model(self) -> tuple[Any, dict[str, Any]]:
        from .model import load_weights

        return load_weights(str(self.weights))

    def compose(self, spec: TrackSpec, catalog: Catalog) -> Arrangement:
        base = TheoryComposer().compose(spec, catalog)
        lead = next((p for p in spec.parts if p.role == "melody"), None)
        counter = next((p for p in spec.parts if p.role == "counter_melody"), None)
        if lead is None and counter is None:
            return base
        ctx = build_context(spec, catalog)
        voices = [p for p in (lead, counter) if p is not None]
        lines = self._lines(ctx, voices)
        written = dict(zip((p.name for p in voices), lines, strict=True))
        lead_notes = written.get(lead.name) if lead else None
        parts = []
        for part, old in zip(spec.parts, base.parts, strict=True):
            inst = catalog.instrument(part.instrument)
            if part.name in written:
                parts.append(finish_part(ctx, part, inst, written[part.name]))
            elif part.role == "melody" and lead_notes is not None and not inst.is_drum:
                parts.append(finish_part(ctx, part, inst, harmonise_below(ctx, lead_notes, inst)))
            else:
                parts.append(old)
        return base.model_copy(update={"parts": parts})

    def _lines(self, ctx: Context, voices: list[PartSpec]) -> list[list[Note]]:
        """Generate the tokens of up to two voices and turn them into notes in the spec's key and ranges."""
        from .generate import Request, generate

        model, meta = self._model
        spec = ctx.spec
        insts = [ctx.instrument(p.instrument) for p in voices]
        tracks = tuple(range(len(voices)))  # a lone counter-melody is written as the lead voice
        shift = (-ctx.tonic_pc + 6) % 12 - 6
        windows = [_window(ctx, inst, shift) for inst in insts]
        rel_scale = frozenset(SCALES[spec.mode])
        chords = [(s, b) for s in ctx.sections for b in range(s.spec.bars)]
        total = len(chords)

        strong = {tick // STEP_TICKS for tick, weight in ctx.pulses if weight >= 2}

        def pitches(track: int, bar: int, step: int) -> frozenset[int]:
            """Scale or chord tones; the lead's strong beats take chord tones only (the line agrees with the band)."""
            section, b = chords[bar]
            chord: Chord = ctx.chord_at(section, b, step * STEP_TICKS)
            tones = {(pc - ctx.tonic_pc) % 12 for pc in chord.pitch_classes}
            pcs = tones if track == 0 and step in strong else rel_scale | tones
            low, high = windows[track]
            return frozenset(p for p in range(low, high + 1) if p % 12 in pcs)

        seen = meta["seen"]
        condition = {
            "GENRE": spec.genre if spec.genre in GENRES else "any",
            "MOOD": spec.moods[0] if spec.moods[0] in MOODS else "any",
            "TEMPO": str(tempo_bin(spec.tempo)),
            "MODE": spec.mode,
            "METER": spec.meter,
            "INST": str(insts[0].gm_program // 8),
            "VOICES": str(len(tracks)),
        }
        for f in DROPPABLE:
            if condition[f] not in seen.get(f, []):
                condition[f] = "any"
        first_bar: dict[str, int] = {}
        repeat_of: dict[int, int] = {}
        for s in ctx.sections:
            origin = first_bar.setdefault(base_name(s.spec.name), s.start_bar)
            if origin != s.start_bar:
                src = next(x for x in ctx.sections if x.start_bar == origin)
                repeat_of.update({s.start_bar + b: origin + b for b in range(min(s.spec.bars, src.spec.bars))})
        bar_tokens = [
            (ID[f"SEC_{section_of(k, total)}"], chord_token(ctx.chord_at(s, b), ctx.tonic_pc))
            for k, (s, b) in enumerate(chords)
        ]
        seed = rng_for(spec.seed, "neural", *(p.seed for p in voices)).getrandbits(62)
        tokens = generate(
            model,
            Request(condition, spec.meter, bar_tokens, tracks, pitches, repeat_of=repeat_of, seed=seed),
        )
        lines = decode(tokens, spec.meter)
        return [_notes(ctx, lines[t], shift, t, chords) for t in tracks]


def _window(ctx: Context, inst: Instrument, shift: int) -> tuple[int, int]:
    """The part's melodic range (theory's choice of register) in the model's transposed pitch space."""
    low, high = melody_range(ctx, inst)
    return low + shift, high + shift


def _notes(ctx: Context, line: list[tuple[int, int, int]], shift: int, track: int, chords: list[Any]) -> list[Note]:
    """Steps -> ticks, transposed back to the key, legato cut at the next onset, mood velocity and length."""
    bar_steps = ctx.bar_ticks // STEP_TICKS
    out = []
    for i, (start, dur, pitch) in enumerate(line):
        if i + 1 < len(line):
            dur = min(dur, line[i + 1][0] - start)
        section, _ = chords[min(start // bar_steps, len(chords) - 1)]
        strong = start % bar_steps == 0
        velocity = ctx.velocity(section, 6 if track == 0 else -4, ctx.accent if strong else 0)
        length = max(1, round(dur * STEP_TICKS * ctx.length_factor))
        out.append(make_note(start * STEP_TICKS, length, pitch - shift, velocity))
    return out


@hookimpl
def register_models(register):
    register(NeuralComposer())
