"""TrackSpec -> Arrangement through the chosen model backend, then lifecycle hooks.

Pure: no I/O and no registry.  A backend or hook that raises is a plugin fault, not
a user error: the plugin is quarantined and the failure reported naming it.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field

from pydantic import ValidationError

from .errors import InvalidInput, MusigenError, PluginError
from .plugin_manager import Plugins
from .spec import Arrangement, TrackSpec

log = logging.getLogger(__name__)


@dataclass
class Composition:
    arrangement: Arrangement
    warnings: list[str] = field(default_factory=list)


def check_spec(spec: TrackSpec, plugins: Plugins) -> None:
    """Every name in the spec must exist in the catalogue (errors name the field)."""
    cat = plugins.catalog
    cat.genre(spec.genre)
    for i, mood in enumerate(spec.moods):
        cat.mood(mood, field=f"moods[{i}]")
    for i, part in enumerate(spec.parts):
        inst = cat.instrument(part.instrument, field=f"parts[{i}].instrument")
        if part.role not in inst.roles:
            raise InvalidInput(
                f"{inst.name} cannot play the {part.role} role; it can play {', '.join(inst.roles)}.",
                field=f"parts[{i}].role",
                allowed=list(inst.roles),
            )
    backend = cat.model(spec.model)
    if not backend.available:
        ready = sorted(n for n, m in cat.models.items() if m.available)
        raise InvalidInput(
            f"Model {spec.model!r} is unavailable: {backend.unavailable_reason}. Available: {', '.join(ready)}.",
            field="model",
            allowed=ready,
        )


def writes_parts(backend: object) -> bool:
    """Whether a backend's ``compose`` takes ``parts`` (writes only some parts on request)."""
    try:
        return "parts" in inspect.signature(backend.compose).parameters  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        return False


def compose(spec: TrackSpec, plugins: Plugins, parts: frozenset[str] | None = None) -> Composition:
    """Write the notes of ``spec``; deterministic for a given spec (seed included).

    ``parts`` says only those parts' notes are needed (a refine splicing them into the
    previous version): a backend whose ``compose`` takes ``parts`` may leave the others
    empty.  It is not passed on while an ``after_compose`` hook is registered, since a
    hook must see the whole piece.
    """
    check_spec(spec, plugins)
    cat = plugins.catalog
    owner = cat.owner("models", spec.model)
    backend = cat.model(spec.model)
    partial = parts is not None and writes_parts(backend) and not plugins.pm.hook.after_compose.get_hookimpls()
    try:
        arrangement = backend.compose(spec, cat, parts=parts) if partial else backend.compose(spec, cat)
        arrangement = Arrangement.model_validate(arrangement.model_dump())
    except MusigenError:
        raise
    except (Exception, ValidationError) as exc:
        plugins.quarantine(owner, f"model {spec.model!r} raised {type(exc).__name__}: {exc}")
        raise PluginError(
            f"The model backend {spec.model!r} (plugin {owner!r}) failed: {type(exc).__name__}: {exc}. "
            "It has been quarantined; compose again with model='theory'.",
            field="model",
        ) from exc
    result = Composition(arrangement)
    for impl in reversed(plugins.pm.hook.after_compose.get_hookimpls()):
        try:
            offered = {"spec": spec, "arrangement": result.arrangement, "catalog": cat}
            changed = impl.function(**{arg: offered[arg] for arg in impl.argnames})
            if changed is not None:
                result.arrangement = Arrangement.model_validate(changed.model_dump())
        except (Exception, ValidationError) as exc:
            message = f"after_compose of plugin {impl.plugin_name!r} raised {type(exc).__name__}: {exc}; skipped"
            plugins.quarantine(impl.plugin_name, message)
            result.warnings.append(message)
    return result
