"""The mechanism of every refine: a version is a :class:`State`, and an op that changes
what should be played *recomposes and splices* (:func:`recompose`).

The spec is composed again (asking the backend only for the parts whose notes will be
kept: :func:`musigen_agent.compose.compose`'s ``parts``) and only the cells of the
:class:`Scope` -- the parts and sections the op touches -- take the fresh notes;
everything else keeps its old notes note for note.  That makes locality a property of
the mechanism, not of each op.  Pure; nothing here is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from .compose import compose
from .errors import InvalidInput
from .plugin_manager import Plugins
from .spec import Arrangement, Mix, Note, TrackSpec


@dataclass(frozen=True)
class State:
    """One version as the ops see it: what was asked, what is played, how it is mixed."""

    spec: TrackSpec
    arrangement: Arrangement
    mix: Mix


ALL = None  # scope wildcard


@dataclass(frozen=True)
class Scope:
    """Which (part, section) cells take freshly composed notes; None means all."""

    parts: frozenset[str] | None
    sections: frozenset[str] | None


def validated(spec: TrackSpec) -> TrackSpec:
    """``spec`` re-validated after an op changed it through ``model_copy`` (which does
    not validate), so an out-of-range result is a clear error naming the field."""
    try:
        return TrackSpec.model_validate(spec.model_dump())
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise InvalidInput(f"{loc or 'spec'}: {err['msg']}", field=loc or "spec") from None


def recompose(state: State, spec: TrackSpec, scope: Scope, plugins: Plugins, mix: Mix | None = None) -> State:
    """Compose ``spec`` and keep the old notes wherever ``scope`` does not reach
    (asking the backend only for the parts whose fresh notes will be kept)."""
    spec = validated(spec)
    fresh = compose(spec, plugins, parts=_fresh_parts(state.arrangement, spec, scope)).arrangement
    return State(spec, splice(state.arrangement, fresh, scope), mix or state.mix)


def _fresh_parts(old: Arrangement, spec: TrackSpec, scope: Scope) -> frozenset[str] | None:
    """The parts :func:`splice` will take fresh notes from: those in scope and those the
    old piece lacks; None (all) when a section is new or resized, as every part then
    needs fresh notes there."""
    if scope.parts is None:
        return None
    bars = {s.name: s.bars for s in old.sections}
    if any(bars.get(s.name) != s.bars for s in spec.sections):
        return None
    known = {p.name for p in old.parts}
    return scope.parts | {p.name for p in spec.parts if p.name not in known}


def splice(old: Arrangement, fresh: Arrangement, scope: Scope) -> Arrangement:
    """Take fresh notes only in scope (or where the old piece has nothing to offer)."""
    bar = fresh.bar_ticks
    old_sections = {s.name: s for s in old.sections}
    old_parts = {p.name: p for p in old.parts}
    kept_sections = set()
    for s in fresh.sections:
        o = old_sections.get(s.name)
        if o is not None and o.bars == s.bars and (scope.sections is not None and s.name not in scope.sections):
            kept_sections.add(s.name)
    parts = []
    for fp in fresh.parts:
        op = old_parts.get(fp.name)
        notes: list[Note] = []
        for s in fresh.sections:
            lo, hi = s.start_bar * bar, (s.start_bar + s.bars) * bar
            o = old_sections.get(s.name)
            in_scope = (scope.parts is None or fp.name in scope.parts) and s.name not in kept_sections
            if op is None or o is None or o.bars != s.bars or in_scope:
                notes.extend(n for n in fp.notes if lo <= n.start < hi)
            else:
                shift = lo - o.start_bar * bar
                kept = (n for n in op.notes if o.start_bar * bar <= n.start < (o.start_bar + o.bars) * bar)
                # notes are frozen: unmoved ones are shared, not copied
                notes.extend(kept if not shift else (n.model_copy(update={"start": n.start + shift}) for n in kept))
        parts.append(fp.model_copy(update={"notes": sorted(notes, key=lambda n: (n.start, n.pitch))}))
    sections = [
        s.model_copy(update={"chords": old_sections[s.name].chords}) if s.name in kept_sections else s
        for s in fresh.sections
    ]
    return fresh.model_copy(update={"parts": parts, "sections": sections})


def with_arrangement(state: State, spec: TrackSpec, arr: Arrangement, mix: Mix | None = None) -> State:
    """The next state of an op that edited the notes itself (no recompose), both
    re-validated: an edit that pushed a pitch or tick out of range fails here."""
    return State(validated(spec), Arrangement.model_validate(arr.model_dump()), mix or state.mix)
