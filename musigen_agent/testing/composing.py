"""Compose small pieces with a plugin loaded and check what comes out.

Every genre, mood, instrument and model a plugin provides is exercised through the
real :func:`musigen_agent.compose.compose` (so ``after_compose`` hooks run too), twice
per spec: the registry stores notes and the renderer caches audio on the assumption
that the same spec gives the same notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import ValidationError

from ..catalog import Catalog, Instrument
from ..compose import Composition, compose
from ..errors import MusigenError
from ..planning import assign_parts, default_key, default_tempo, plan_sections
from ..plugin_manager import Plugins
from ..spec import Arrangement, Part, PartSpec, TrackSpec
from .checks import Problem


def small_spec(
    catalog: Catalog,
    genre: str,
    mood: str,
    *,
    instruments: Sequence[str] | None = None,
    parts: Sequence[PartSpec] | None = None,
    model: str = "theory",
    bars: int = 4,
    seed: int = 0,
) -> TrackSpec:
    """A short valid spec for ``genre`` and ``mood``, filled in the way intent parsing fills one.

    Tempo, key, meter, form and roles come from the catalogue (the genre's band unless
    ``instruments`` or explicit ``parts`` are given), so a plugin's items are tested
    in the combinations real requests produce.
    """
    g, m = catalog.genre(genre), catalog.mood(mood)
    return TrackSpec(
        title=f"{genre} {mood}",
        genre=genre,
        moods=[mood],
        tempo=default_tempo(g, m)[0],
        key=default_key(m, m.mode),
        mode=m.mode,
        meter=g.meters[0],
        sections=plan_sections(g, bars),
        parts=list(parts) if parts else assign_parts(list(instruments or g.instruments), catalog),
        seed=seed,
        model=model,
    )


def check_compositions(
    plugins: Plugins, plugin: str, offered: dict[str, list[Any]], after_compose: bool
) -> list[Problem]:
    """Compose with everything ``plugin`` offers and check validity and determinism."""
    cat = plugins.catalog
    genres, moods = sorted(cat.genres), sorted(cat.moods)
    models = sorted(n for n, m in cat.models.items() if m.available)
    own = {kind: [item.name for item in items if item.name in getattr(cat, kind)] for kind, items in offered.items()}
    runs: list[tuple[str, TrackSpec | Exception]] = []
    for model in (m for m in own["models"] if m in models):  # an unavailable backend is only listed, never run
        for i in range(max(len(genres), len(moods))):
            runs.append((f"model {model!r}", _spec(cat, genres[i % len(genres)], moods[i % len(moods)], model=model)))
    for model in models:
        runs += [(f"genre {g!r}", _spec(cat, g, moods[0], model=model)) for g in own["genres"]]
        runs += [(f"mood {m!r}", _spec(cat, _home_genre(cat, genres), m, model=model)) for m in own["moods"]]
        for name in own["instruments"]:
            inst = cat.instrument(name)
            parts = [PartSpec(name=f"{name}_{role}", instrument=name, role=role) for role in inst.roles]
            home = _genre_for(cat, inst, genres)
            runs.append((f"instrument {name!r}", _spec(cat, home, moods[0], parts=parts, model=model)))
    if after_compose and not runs:
        runs = [(f"plugin {plugin!r} after_compose", _spec(cat, g, moods[0])) for g in genres]
    problems: list[Problem] = []
    failed: set[tuple[str, str]] = set()
    for subject, spec in runs:
        if isinstance(spec, Exception):
            message = f"no valid spec can use it ({spec}); fix the fields named there"
            problems.append(Problem("compose-failed", subject, message))
            continue
        if (subject, spec.model) in failed:
            continue
        found = _check_one(plugins, spec, subject)
        if found:
            failed.add((subject, spec.model))
            problems += found
    return problems


def _spec(catalog: Catalog, genre: str, mood: str, **kwargs: Any) -> TrackSpec | Exception:
    try:
        return small_spec(catalog, genre, mood, **kwargs)
    except (MusigenError, ValidationError, ValueError) as exc:
        return exc


def _home_genre(catalog: Catalog, genres: list[str]) -> str:
    return "pop" if "pop" in catalog.genres else genres[0]


def _genre_for(catalog: Catalog, inst: Instrument, genres: list[str]) -> str:
    """A genre whose band includes ``inst`` (its natural home), else the home genre."""
    for name in genres:
        if inst.name in catalog.genres[name].instruments:
            return name
    return _home_genre(catalog, genres)


def _where(spec: TrackSpec) -> str:
    return f"genre {spec.genre!r}, mood {spec.moods[0]!r}, model {spec.model!r}"


def _check_one(plugins: Plugins, spec: TrackSpec, subject: str) -> list[Problem]:
    reproduce = (
        f"reproduce with musigen_agent.testing.small_spec(catalog, {spec.genre!r}, {spec.moods[0]!r}, "
        f"model={spec.model!r}) and musigen_agent.compose.compose"
    )
    try:
        first = compose(spec, plugins)
        second = compose(spec, plugins)
    except (MusigenError, ValidationError) as exc:
        cause = f" (caused by {type(exc.__cause__).__name__}: {exc.__cause__})" if exc.__cause__ else ""
        message = f"composing ({_where(spec)}) failed: {exc}{cause}; fix the {subject.split()[0]} (another problem"
        message += f" listed may be the cause) -- {reproduce}"
        return [Problem("compose-failed", subject, message)]
    problems = [
        Problem("after-compose", subject, f"{warning}; an after_compose hook must return an Arrangement or None")
        for warning in first.warnings
    ]
    problems += [
        Problem("invalid-arrangement", subject, f"({_where(spec)}) {msg}")
        for msg in arrangement_errors(spec, first.arrangement, plugins.catalog)
    ]
    if first.arrangement != second.arrangement:
        problems.append(Problem("nondeterministic", subject, _nondeterminism(plugins, spec, first, second)))
    return problems


def _nondeterminism(plugins: Plugins, spec: TrackSpec, first: Composition, second: Composition) -> str:
    """Say which part changed and whether the backend or an after_compose hook is to blame."""
    a, b = first.arrangement, second.arrangement
    part = next((p.name for p, q in zip(a.parts, b.parts, strict=False) if p != q), "(the form or tempo)")
    backend = plugins.catalog.model(spec.model)
    culprit = (
        f"model {spec.model!r}"
        if backend.compose(spec, plugins.catalog) != backend.compose(spec, plugins.catalog)
        else "an after_compose hook"
    )
    return (
        f"composing the same spec twice ({_where(spec)}) gave different notes in part {part!r}; {culprit} must "
        "derive every random choice from the spec's seeds (e.g. random.Random(f'{spec.seed}:{part.name}:{part.seed}')) "
        "-- never the global random module, time, or hash() of a str"
    )


def arrangement_errors(spec: TrackSpec, arr: Arrangement, catalog: Catalog) -> list[str]:
    """What is wrong with ``arr`` as the composition of ``spec`` (empty when nothing is)."""
    errors = []
    for field in ("tempo", "meter", "key", "mode"):
        got, want = getattr(arr, field), getattr(spec, field)
        if got != want:
            errors.append(f"arrangement {field} {got!r} differs from the spec's {want!r}")
    if [s.name for s in arr.sections] != [s.name for s in spec.sections]:
        errors.append("arrangement sections do not match the spec's sections; write one SectionPlan per section")
    wanted = [(p.name, p.instrument) for p in spec.parts]
    if [(p.name, p.instrument) for p in arr.parts] != wanted:
        errors.append(f"parts {[p.name for p in arr.parts]} do not match the spec's parts {[n for n, _ in wanted]}")
        return errors
    if not any(p.notes for p in arr.parts):
        errors.append("no part has any notes; every part of a spec should play somewhere")
    end = arr.end_tick
    for part in arr.parts:
        errors += _part_errors(part, catalog.instrument(part.instrument), end)
    return errors


def _part_errors(part: Part, inst: Instrument, end: int) -> Iterable[str]:
    if part.program != inst.gm_program or part.is_drum != inst.is_drum:
        yield (
            f"part {part.name!r} has program {part.program}, is_drum={part.is_drum} but instrument {inst.name!r} is "
            f"program {inst.gm_program}, is_drum={inst.is_drum}; copy them from the Instrument"
        )
    outside = [n.pitch for n in part.notes if not inst.is_drum and not inst.low <= n.pitch <= inst.high]
    if outside:
        yield (
            f"part {part.name!r} plays pitches {sorted(set(outside))[:5]} outside {inst.name}'s range "
            f"{inst.low}-{inst.high}; move them by octaves with musigen_agent.theory.fit_range"
        )
    late = [n for n in part.notes if n.start + n.duration > end]
    if late:
        yield f"part {part.name!r} has {len(late)} notes sounding past the end of the form (tick {end}); clip them"
