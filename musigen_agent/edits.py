"""Typed refine operations and how each one turns a version into the next.

Every op works on a :class:`~musigen_agent.splice.State` (spec, arrangement, mix) and
returns a new one; the old state is never modified.  Ops that change what should be
played recompose and *splice* (:mod:`musigen_agent.splice`): only the parts and
sections the op touches take fresh notes, everything else keeps its old notes note
for note.  Ops that are pure
transformations (tempo, transpose, mute in a section, vary, a big ending) edit the
notes directly, and mix ops only touch the mix.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

from .catalog import Catalog
from .errors import InvalidInput, unknown
from .neural.restyle import restyle as restyle_arrangement
from .ops import (
    AddInstrument,
    AddSection,
    ChangeGenre,
    ChangeMood,
    Density,
    Ending,
    Extend,
    Gain,
    Humanize,
    MixTrack,
    Mute,
    MuteIn,
    Op,
    OpBase,
    Pan,
    Regenerate,
    RemoveInstrument,
    RemoveSection,
    ReorderSections,
    ReplaceInstrument,
    ResizeSection,
    Restyle,
    SetChords,
    SetEnergy,
    SetKey,
    SetMode,
    SetRole,
    SetTempo,
    Solo,
    Swing,
    Transpose,
    Vary,
)
from .plugin_manager import Plugins
from .spec import Mix, Note, Part, PartSpec, SectionSpec, TrackMix, TrackSpec
from .splice import ALL, Scope, State, recompose, validated, with_arrangement
from .theory import Chord, chord_symbol, fit_range, note_name, parse_chord, pitch_class, scale_pcs, uses_flats

NUMBERED = re.compile(r"_\d+$")


def apply_ops(state: State, ops: list[Op], plugins: Plugins) -> State:
    """Apply ops in order; any error leaves the caller's state untouched."""
    for op in ops:
        state = HANDLERS[op.op](state, op, plugins)
    return state


# ------------------------------------------------------------------ lookups


def _part(spec: TrackSpec, name: str, field: str = "part") -> PartSpec:
    for p in spec.parts:
        if p.name == name:
            return p
    for p in spec.parts:  # an instrument name or synonym-free alias of a single part
        if p.instrument == name:
            return p
    raise unknown("part", name, [p.name for p in spec.parts], field=field)


def _sections(spec: TrackSpec, name: str, field: str = "section") -> list[SectionSpec]:
    """Sections called ``name``; a kind without a number ('chorus') means every one (chorus, chorus_2)."""
    if not NUMBERED.search(name):
        kind = [s for s in spec.sections if NUMBERED.sub("", s.name) == name]
        if kind:
            return kind
    exact = [s for s in spec.sections if s.name == name]
    if exact:
        return exact
    raise unknown("section", name, [s.name for s in spec.sections], field=field)


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    k = 2
    while f"{name}_{k}" in taken:
        k += 1
    return f"{name}_{k}"


def _replace_parts(spec: TrackSpec, target: str, **changes: object) -> TrackSpec:
    parts = [p.model_copy(update=changes) if p.name == target else p for p in spec.parts]
    return spec.model_copy(update={"parts": parts})


# ------------------------------------------------------------------ handlers

Handler = Callable[[State, OpBase, Plugins], State]


def _set_tempo(state: State, op: SetTempo, plugins: Plugins) -> State:
    spec = state.spec.model_copy(update={"tempo": op.bpm})
    return with_arrangement(state, spec, state.arrangement.model_copy(update={"tempo": op.bpm}))


def _transpose_symbol(symbol: str, semitones: int, flats: bool) -> str:
    c = parse_chord(symbol)
    bass = None if c.bass is None else (c.bass + semitones) % 12
    return chord_symbol(Chord((c.root + semitones) % 12, c.quality, bass), flats)


def _transpose_by(state: State, semitones: int, key: str, mode: str, catalog: Catalog) -> State:
    """Move every pitched note and every chord symbol; drums and rhythm stay as they are."""
    arr = state.arrangement
    parts = []
    for p in arr.parts:
        if not p.is_drum:
            inst = catalog.instrument(p.instrument)
            notes = [
                n.model_copy(update={"pitch": fit_range(n.pitch + semitones, inst.low, inst.high)}) for n in p.notes
            ]
            p = p.model_copy(update={"notes": notes})
        parts.append(p)
    flats = uses_flats(key, mode)
    sections = [
        s.model_copy(update={"chords": [_transpose_symbol(c, semitones, flats) for c in s.chords]})
        for s in arr.sections
    ]
    spec_sections = [
        s.model_copy(update={"chords": [_transpose_symbol(c, semitones, flats) for c in s.chords]}) if s.chords else s
        for s in state.spec.sections
    ]
    spec = state.spec.model_copy(update={"key": key, "mode": mode, "sections": spec_sections})
    arr = arr.model_copy(update={"key": key, "mode": mode, "parts": parts, "sections": sections})
    return with_arrangement(state, spec, arr)


def _transpose(state: State, op: Transpose, plugins: Plugins) -> State:
    flats = uses_flats(state.spec.key, state.spec.mode)
    key = note_name(pitch_class(state.spec.key) + op.semitones, flats)
    return _transpose_by(state, op.semitones, key, state.spec.mode, plugins.catalog)


def _set_key(state: State, op: SetKey, plugins: Plugins) -> State:
    key = validated(state.spec.model_copy(update={"key": op.key})).key
    shift = (pitch_class(key) - pitch_class(state.spec.key)) % 12
    shift = shift - 12 if shift > 6 else shift
    moved = _transpose_by(state, shift, key, state.spec.mode, plugins.catalog)
    if op.mode and op.mode != state.spec.mode:
        return _set_mode(moved, SetMode(mode=op.mode), plugins)
    return moved


def _set_mode(state: State, op: SetMode, plugins: Plugins) -> State:
    return recompose(state, state.spec.model_copy(update={"mode": op.mode}), Scope(ALL, ALL), plugins)


def _change_mood(state: State, op: ChangeMood, plugins: Plugins) -> State:
    mood = plugins.catalog.mood(op.mood)
    spec = state.spec.model_copy(update={"moods": [mood.name], "mode": mood.mode})
    return recompose(state, spec, Scope(ALL, ALL), plugins)


def _change_genre(state: State, op: ChangeGenre, plugins: Plugins) -> State:
    """Re-arrange in another genre, keeping the harmony (as stated chords) and the melody."""
    genre = plugins.catalog.genre(op.genre)
    plans = {s.name: s for s in state.arrangement.sections}
    sections = [
        s.model_copy(update={"chords": plans[s.name].chords[:: max(1, plans[s.name].chord_slots_per_bar)]})
        for s in state.spec.sections
    ]
    spec = state.spec.model_copy(update={"genre": genre.name, "swing": genre.swing, "sections": sections})
    keep = {p.name for p in state.spec.parts if p.role == "melody"}
    others = frozenset(p.name for p in state.spec.parts if p.name not in keep)
    return recompose(state, spec, Scope(others, ALL), plugins)


def _add_instrument(state: State, op: AddInstrument, plugins: Plugins) -> State:
    inst = plugins.catalog.instrument(op.instrument)
    taken = {p.role for p in state.spec.parts}
    role = op.role or next((r for r in inst.roles if r not in taken), inst.roles[0])
    if role not in inst.roles:
        raise InvalidInput(
            f"{inst.name} cannot play {role}; it can play {', '.join(inst.roles)}.",
            field="role",
            allowed=list(inst.roles),
        )
    name = _unique(op.name or inst.name, {p.name for p in state.spec.parts})
    spec = state.spec.model_copy(
        update={"parts": [*state.spec.parts, PartSpec(name=name, instrument=inst.name, role=role)]}
    )
    return recompose(state, spec, Scope(frozenset({name}), ALL), plugins)


def _remove_instrument(state: State, op: RemoveInstrument, plugins: Plugins) -> State:
    part = _part(state.spec, op.part)
    if len(state.spec.parts) == 1:
        raise InvalidInput("Cannot remove the only part of a track.", field="part")
    spec = state.spec.model_copy(update={"parts": [p for p in state.spec.parts if p.name != part.name]})
    arr = state.arrangement.model_copy(update={"parts": [p for p in state.arrangement.parts if p.name != part.name]})
    mix = state.mix.model_copy(update={"tracks": {k: v for k, v in state.mix.tracks.items() if k != part.name}})
    return with_arrangement(state, spec, arr, mix)


def _replace_instrument(state: State, op: ReplaceInstrument, plugins: Plugins) -> State:
    """Swap the instrument; keep the notes when the new one can play the same role."""
    part = _part(state.spec, op.part)
    inst = plugins.catalog.instrument(op.instrument)
    old_inst = plugins.catalog.instrument(part.instrument)
    others = {p.name for p in state.spec.parts if p.name != part.name}
    name = _unique(inst.name, others) if part.name == old_inst.name else part.name
    keep_notes = part.role in inst.roles and inst.is_drum == old_inst.is_drum
    role = part.role if part.role in inst.roles else inst.roles[0]
    spec = _replace_parts(state.spec, part.name, name=name, instrument=inst.name, role=role)
    mix = state.mix
    if part.name in mix.tracks:
        tracks = {(name if k == part.name else k): v for k, v in mix.tracks.items()}
        mix = mix.model_copy(update={"tracks": tracks})
    renamed = []
    for p in state.arrangement.parts:
        if p.name == part.name:
            notes = (
                [n.model_copy(update={"pitch": fit_range(n.pitch, inst.low, inst.high)}) for n in p.notes]
                if keep_notes and not inst.is_drum
                else p.notes
            )
            p = Part(
                name=name, instrument=inst.name, role=role, program=inst.gm_program, is_drum=inst.is_drum, notes=notes
            )
        renamed.append(p)
    state = State(state.spec, state.arrangement.model_copy(update={"parts": renamed}), mix)
    if keep_notes:
        return with_arrangement(state, spec, state.arrangement, mix)
    return recompose(state, spec, Scope(frozenset({name}), ALL), plugins, mix)


def _set_role(state: State, op: SetRole, plugins: Plugins) -> State:
    part = _part(state.spec, op.part)
    inst = plugins.catalog.instrument(part.instrument)
    if op.role not in inst.roles:
        raise InvalidInput(
            f"{inst.name} cannot play {op.role}; it can play {', '.join(inst.roles)}.",
            field="role",
            allowed=list(inst.roles),
        )
    spec = _replace_parts(state.spec, part.name, role=op.role)
    return recompose(state, spec, Scope(frozenset({part.name}), ALL), plugins)


def _mix_track(state: State, name: str, **changes: object) -> State:
    part = _part(state.spec, name)
    tracks = dict(state.mix.tracks)
    tracks[part.name] = state.mix.for_part(part.name).model_copy(update=changes)
    TrackMix.model_validate(tracks[part.name].model_dump())
    return State(state.spec, state.arrangement, state.mix.model_copy(update={"tracks": tracks}))


def _mute(state: State, op: Mute, plugins: Plugins) -> State:
    return _mix_track(state, op.part, mute=op.muted)


def _solo(state: State, op: Solo, plugins: Plugins) -> State:
    return _mix_track(state, op.part, solo=op.solo)


def _gain(state: State, op: Gain, plugins: Plugins) -> State:
    return _mix_track(state, op.part, gain_db=op.db)


def _pan(state: State, op: Pan, plugins: Plugins) -> State:
    return _mix_track(state, op.part, pan=op.pan)


def _mix(state: State, op: MixTrack, plugins: Plugins) -> State:
    changes = op.model_dump(exclude={"op", "part"}, exclude_none=True)
    if not changes:
        raise InvalidInput(
            "The mix op sets nothing; give at least one setting.",
            field="mix",
            allowed=sorted(set(MixTrack.model_fields) - {"op", "part"}),
        )
    return _mix_track(state, op.part, **changes)


def _mute_in(state: State, op: MuteIn, plugins: Plugins) -> State:
    part = _part(state.spec, op.part)
    names = {s.name for name in op.sections for s in _sections(state.spec, name, field="sections")}
    muted = set(part.mute_in) | names if op.muted else set(part.mute_in) - names
    order = [s.name for s in state.spec.sections]
    spec = _replace_parts(state.spec, part.name, mute_in=sorted(muted, key=order.index))
    if not op.muted:
        return recompose(state, spec, Scope(frozenset({part.name}), frozenset(names)), plugins)
    bar = state.arrangement.bar_ticks
    ranges = [(s.start_bar * bar, (s.start_bar + s.bars) * bar) for s in state.arrangement.sections if s.name in names]
    parts = [
        p.model_copy(update={"notes": [n for n in p.notes if not any(a <= n.start < b for a, b in ranges)]})
        if p.name == part.name
        else p
        for p in state.arrangement.parts
    ]
    return with_arrangement(state, spec, state.arrangement.model_copy(update={"parts": parts}))


def _regenerate(state: State, op: Regenerate, plugins: Plugins) -> State:
    spec = state.spec
    sections = frozenset(s.name for s in _sections(spec, op.section)) if op.section else ALL
    parts = ALL
    if op.part:
        part = _part(spec, op.part)
        spec = _replace_parts(spec, part.name, seed=part.seed + 1)
        parts = frozenset({part.name})
    if sections is not None:
        spec = spec.model_copy(
            update={
                "sections": [
                    s.model_copy(update={"seed": s.seed + 1}) if s.name in sections else s for s in spec.sections
                ]
            }
        )
    if op.section is None and op.part is None:
        spec = spec.model_copy(update={"seed": spec.seed + 1})
    return recompose(state, spec, Scope(parts, sections), plugins)


ENERGY_BY_KIND = {"intro": 0.35, "verse": 0.55, "chorus": 0.85, "bridge": 0.6, "outro": 0.3, "solo": 0.75}


def _add_section(state: State, op: AddSection, plugins: Plugins) -> State:
    spec = state.spec
    name = _unique(op.name, {s.name for s in spec.sections})
    if op.after is not None:
        index = spec.sections.index(_sections(spec, op.after, field="after")[-1]) + 1
    else:
        last = spec.sections[-1]
        index = len(spec.sections) - (1 if last.name.startswith(("outro", "coda")) and len(spec.sections) > 1 else 0)
    energy = op.energy if op.energy is not None else ENERGY_BY_KIND.get(op.name, 0.6)
    section = SectionSpec(name=name, bars=op.bars, energy=energy)
    sections = [*spec.sections[:index], section, *spec.sections[index:]]
    return recompose(state, spec.model_copy(update={"sections": sections}), Scope(ALL, frozenset({name})), plugins)


def _remove_section(state: State, op: RemoveSection, plugins: Plugins) -> State:
    gone = {s.name for s in _sections(state.spec, op.section)}
    sections = [s for s in state.spec.sections if s.name not in gone]
    if not sections:
        raise InvalidInput("Cannot remove every section.", field="section")
    parts = [p.model_copy(update={"mute_in": [m for m in p.mute_in if m not in gone]}) for p in state.spec.parts]
    spec = state.spec.model_copy(update={"sections": sections, "parts": parts})
    return recompose(state, spec, Scope(frozenset(), frozenset()), plugins)


def _resize_section(state: State, op: ResizeSection, plugins: Plugins) -> State:
    names = {s.name for s in _sections(state.spec, op.section)}
    spec = state.spec.model_copy(
        update={
            "sections": [s.model_copy(update={"bars": op.bars}) if s.name in names else s for s in state.spec.sections]
        }
    )
    return recompose(state, spec, Scope(ALL, frozenset(names)), plugins)


def _reorder_sections(state: State, op: ReorderSections, plugins: Plugins) -> State:
    current = [s.name for s in state.spec.sections]
    if sorted(op.order) != sorted(current):
        raise InvalidInput(f"order must list each section once: {', '.join(current)}.", field="order", allowed=current)
    by_name = {s.name: s for s in state.spec.sections}
    spec = state.spec.model_copy(update={"sections": [by_name[n] for n in op.order]})
    return recompose(state, spec, Scope(frozenset(), frozenset()), plugins)


def _extend(state: State, op: Extend, plugins: Plugins) -> State:
    last_body = next(
        (s for s in reversed(state.spec.sections) if not s.name.startswith(("outro", "coda", "intro"))),
        state.spec.sections[-1],
    )
    kind = last_body.name.rsplit("_", 1)[0] if last_body.name.rsplit("_", 1)[-1].isdigit() else last_body.name
    return _add_section(state, AddSection(name=kind, bars=op.bars, energy=last_body.energy), plugins)


def _set_energy(state: State, op: SetEnergy, plugins: Plugins) -> State:
    names = {s.name for s in _sections(state.spec, op.section)} if op.section else {s.name for s in state.spec.sections}
    spec = state.spec.model_copy(
        update={
            "sections": [
                s.model_copy(update={"energy": op.energy}) if s.name in names else s for s in state.spec.sections
            ]
        }
    )
    return recompose(state, spec, Scope(ALL, frozenset(names)), plugins)


def _density(state: State, op: Density, plugins: Plugins) -> State:
    targets = [_part(state.spec, op.part)] if op.part else list(state.spec.parts)
    spec = state.spec
    for p in targets:
        spec = _replace_parts(spec, p.name, density=round(min(2.0, max(0.25, p.density * op.factor)), 3))
    return recompose(state, spec, Scope(frozenset(p.name for p in targets), ALL), plugins)


def _swing(state: State, op: Swing, plugins: Plugins) -> State:
    return recompose(state, state.spec.model_copy(update={"swing": op.amount}), Scope(ALL, ALL), plugins)


def _humanize(state: State, op: Humanize, plugins: Plugins) -> State:
    return recompose(state, state.spec.model_copy(update={"humanize": op.amount}), Scope(ALL, ALL), plugins)


def _set_chords(state: State, op: SetChords, plugins: Plugins) -> State:
    for i, sym in enumerate(op.chords):
        try:
            parse_chord(sym)
        except ValueError as exc:
            raise InvalidInput(str(exc), field=f"chords[{i}]") from None
    names = {s.name for s in _sections(state.spec, op.section)}
    spec = state.spec.model_copy(
        update={
            "sections": [
                s.model_copy(update={"chords": list(op.chords)}) if s.name in names else s for s in state.spec.sections
            ]
        }
    )
    return recompose(state, spec, Scope(ALL, frozenset(names)), plugins)


def _vary(state: State, op: Vary, plugins: Plugins) -> State:
    """Keep the part's rhythm and strong-beat notes; move the weak-beat notes by a scale step."""
    part = _part(state.spec, op.part)
    arr = state.arrangement
    inst = plugins.catalog.instrument(part.instrument)
    if inst.is_drum:
        return _regenerate(state, Regenerate(part=part.name, section=op.section), plugins)
    bar = arr.bar_ticks
    names = {s.name for s in _sections(state.spec, op.section)} if op.section else {s.name for s in arr.sections}
    ranges = [(s.start_bar * bar, (s.start_bar + s.bars) * bar) for s in arr.sections if s.name in names]
    scale = scale_pcs(arr.key, arr.mode)
    rng = random.Random(f"vary:{state.spec.seed}:{part.name}:{part.seed}:{sorted(names)}")
    notes = []
    for n in arr.part(part.name).notes:
        weak = n.start % (arr.tpq * 2) != 0
        if weak and any(a <= n.start < b for a, b in ranges):
            step = rng.choice((-1, 1))
            pitch = n.pitch + step
            while pitch % 12 not in scale:
                pitch += step
            n = n.model_copy(update={"pitch": fit_range(pitch, inst.low, inst.high)})
        notes.append(n)
    spec = _replace_parts(state.spec, part.name, seed=part.seed + 1)
    parts = [p.model_copy(update={"notes": notes}) if p.name == part.name else p for p in arr.parts]
    return with_arrangement(state, spec, arr.model_copy(update={"parts": parts}))


def _restyle(state: State, op: Restyle, plugins: Plugins) -> State:
    """A new band in another genre/mood around the kept melody and chords (every part changes)."""
    if not op.genre and not op.mood:
        raise InvalidInput("Name a genre and/or a mood to restyle to.", field="genre")
    if op.genre:
        plugins.catalog.genre(op.genre)
    if op.mood:
        plugins.catalog.mood(op.mood)
    try:
        spec, arr = restyle_arrangement(state.arrangement, state.spec, plugins.catalog, genre=op.genre, mood=op.mood)
    except ValueError as exc:
        raise InvalidInput(str(exc), field="restyle") from None
    return State(validated(spec), arr, Mix())  # a new band: the old parts' mixer settings no longer apply


def _ending(state: State, op: Ending, plugins: Plugins) -> State:
    """Replace the last bar with one long tonic chord (and a crash on the drums)."""
    arr = state.arrangement
    start = arr.end_tick - arr.bar_ticks
    tonic = pitch_class(arr.key)
    third = 3 if arr.mode == "minor" else 4
    parts = []
    for p in arr.parts:
        notes = [n for n in p.notes if n.start < start]
        notes = [n.model_copy(update={"duration": min(n.duration, start - n.start)}) for n in notes]
        peak = max((n.velocity for n in p.notes), default=90)
        if p.is_drum:
            notes += [
                Note(start=start, duration=arr.bar_ticks, pitch=49, velocity=min(127, peak + 10)),
                Note(start=start, duration=arr.tpq, pitch=36, velocity=min(127, peak + 5)),
            ]
        else:
            inst = plugins.catalog.instrument(p.instrument)
            centre = (inst.low + inst.high) // 2 if p.role != "bass" else inst.low + 8
            pcs = (
                [tonic]
                if p.role in ("melody", "bass", "counter_melody") or not inst.polyphonic
                else [tonic, (tonic + third) % 12, (tonic + 7) % 12]
            )
            for pc in pcs:
                pitch = fit_range(centre - ((centre - pc) % 12), inst.low, inst.high)
                notes.append(Note(start=start, duration=arr.bar_ticks, pitch=pitch, velocity=min(127, peak + 6)))
        parts.append(p.model_copy(update={"notes": notes}))
    return with_arrangement(state, state.spec, arr.model_copy(update={"parts": parts}))


HANDLERS: dict[str, Handler] = {
    "set_tempo": _set_tempo,
    "transpose": _transpose,
    "set_key": _set_key,
    "set_mode": _set_mode,
    "change_mood": _change_mood,
    "change_genre": _change_genre,
    "add_instrument": _add_instrument,
    "remove_instrument": _remove_instrument,
    "replace_instrument": _replace_instrument,
    "set_role": _set_role,
    "mute": _mute,
    "solo": _solo,
    "gain": _gain,
    "pan": _pan,
    "mix": _mix,
    "mute_in": _mute_in,
    "regenerate": _regenerate,
    "add_section": _add_section,
    "remove_section": _remove_section,
    "resize_section": _resize_section,
    "reorder_sections": _reorder_sections,
    "extend": _extend,
    "set_energy": _set_energy,
    "density": _density,
    "swing": _swing,
    "humanize": _humanize,
    "set_chords": _set_chords,
    "vary": _vary,
    "restyle": _restyle,
    "ending": _ending,
}
