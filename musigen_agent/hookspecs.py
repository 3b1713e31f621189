"""The plugin contract.  Every hook a plugin may implement, typed and documented.

Catalogue hooks take a ``register`` callback (the simonw/llm style): the host calls
each plugin's implementation separately, so everything registered is attributed to
the plugin that registered it, a duplicate name is reported naming both plugins, and a
hook that raises quarantines only its own plugin.  Implementations are called in
pluggy's order (last registered first); order never matters for catalogue hooks
because names must be unique.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from .catalog import Catalog, Genre, Instrument, ModelBackend, Mood
    from .spec import Arrangement, TrackSpec

PROJECT = "musigen_agent"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_instruments(register: Callable[[Instrument], None]) -> None:
    """Register instruments by calling ``register(Instrument(...))`` once per instrument.

    Called once when the catalogue is built.  Names must be unique across all plugins.
    """


@hookspec
def register_genres(register: Callable[[Genre], None]) -> None:
    """Register genres by calling ``register(Genre(...))``.

    A genre may only name instruments that some plugin registers; the catalogue
    checks this after every plugin has run.
    """


@hookspec
def register_moods(register: Callable[[Mood], None]) -> None:
    """Register moods by calling ``register(Mood(...))``."""


@hookspec
def register_models(register: Callable[[ModelBackend], None]) -> None:
    """Register model backends (composers) by calling ``register(backend)``.

    A backend whose optional dependencies are missing should still register, with
    ``available = False`` and an ``unavailable_reason`` users can act on.
    """


@hookspec
def after_compose(spec: TrackSpec, arrangement: Arrangement, catalog: Catalog) -> Arrangement | None:
    """Post-process a freshly composed arrangement (e.g. humanise, add a signature lick).

    Called after the model backend, for every plugin implementing it, in pluggy
    order; each may return a new Arrangement (which the next one receives) or None to
    leave it unchanged.  Must be deterministic for a given spec.
    """


@hookspec(firstresult=True)
def instrument_voice(instrument: Instrument) -> Callable[..., Any] | None:
    """Return a procedural voice for ``instrument`` instead of its SoundFont preset.

    ``firstresult``: the first plugin that returns a callable wins.  The callable is
    ``voice(pitch: int, velocity: int, seconds: float, sample_rate: int) -> numpy
    float32 mono array`` and is used by the renderer for that instrument's notes.
    """
