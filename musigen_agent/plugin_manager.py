"""Build the pluggy manager and the catalogue: built-ins, entry points, plugin dirs.

Nothing here is global: :func:`load_plugins` returns a fresh :class:`Plugins` each
call, so tests (and servers with different plugin dirs) build their own.  Every way a
plugin can fail -- import error, bad metadata, a hook that raises, a name another
plugin already took -- quarantines that plugin with a message and leaves the rest
working.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pluggy
from pydantic import ValidationError

from . import hookspecs
from .catalog import Catalog, Genre, Instrument, ModelBackend, Mood

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "musigen_agent"

#: Built-in plugins, registered through the same path as any third-party plugin.
DEFAULT_PLUGINS: tuple[str, ...] = (
    "musigen_agent.plugins.instruments.core",
    "musigen_agent.plugins.instruments.gm",
    "musigen_agent.plugins.genres.core",
    "musigen_agent.plugins.moods.core",
    "musigen_agent.plugins.models.theory",
    "musigen_agent.plugins.models.neural",
)

#: hook name -> (catalogue attribute, expected type)
CATALOGUE_HOOKS: dict[str, tuple[str, type | None]] = {
    "register_instruments": ("instruments", Instrument),
    "register_genres": ("genres", Genre),
    "register_moods": ("moods", Mood),
    "register_models": ("models", None),
}


@dataclass
class PluginStatus:
    """What one plugin is, what it provides and whether it works."""

    name: str
    package: str = ""
    version: str = ""
    source: str = "builtin"
    hooks: list[str] = field(default_factory=list)
    provides: dict[str, list[str]] = field(default_factory=dict)
    status: str = "ok"
    error: str = ""
    load_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Plugins:
    """The live plugin manager, the catalogue it produced, and every plugin's health."""

    pm: pluggy.PluginManager
    catalog: Catalog
    statuses: list[PluginStatus]

    def status(self, name: str) -> PluginStatus:
        for s in self.statuses:
            if s.name == name:
                return s
        raise KeyError(name)

    def quarantine(self, name: str, reason: str) -> None:
        """Take a plugin out of service (e.g. it raised at compose time)."""
        st = self.status(name)
        st.status, st.error = "quarantined", reason
        if self.pm.get_plugin(name) is not None:
            self.pm.unregister(name=name)
        log.warning("plugin %s quarantined: %s", name, reason)


class _Loader:
    def __init__(self, disabled: Iterable[str]) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.disabled = {d.strip() for d in disabled if d.strip()}
        self.statuses: list[PluginStatus] = []

    def add(self, name: str, load: Any, **meta: str) -> None:
        """Import (via ``load()``) and register one plugin, quarantining on failure."""
        st = PluginStatus(name=name, **meta)
        self.statuses.append(st)
        if name in self.disabled:
            st.status, st.error = "disabled", "disabled by configuration (MUSIGEN_DISABLE_PLUGINS)"
            return
        if self.pm.get_plugin(name) is not None:
            st.status, st.error = "quarantined", f"another plugin is already registered as {name!r}"
            return
        t0 = time.perf_counter()
        try:
            plugin = load()
            self.pm.register(plugin, name=name)
        except Exception as exc:  # any failure of third-party code is contained here
            st.status, st.error = "quarantined", f"failed to load: {type(exc).__name__}: {exc}"
            log.warning("plugin %s quarantined: %s", name, st.error)
        st.load_ms = round((time.perf_counter() - t0) * 1000, 2)
        registered = self.pm.get_plugin(name)
        if registered is not None:
            st.hooks = sorted(caller.name for caller in self.pm.get_hookcallers(registered) or [])


def _load_file(path: Path) -> ModuleType:
    """Import a loose ``.py`` file from a plugin directory as a module."""
    mod_name = f"musigen_plugin_dir_{path.stem}"
    spec = importlib.util.spec_from_file_location(mod_name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    spec.loader.exec_module(module)
    return module


def _entry_points() -> list[importlib.metadata.EntryPoint]:
    return sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)


def load_plugins(
    *,
    plugin_dirs: Iterable[str | Path] = (),
    disabled: Iterable[str] = (),
    entry_points: bool = True,
    extra: Iterable[tuple[str, object]] = (),
) -> Plugins:
    """Discover, register and validate every plugin; return the manager and catalogue.

    Order: built-ins, then entry points (sorted by name), then plugin directories,
    then ``extra`` (name, object) pairs -- used by tests to add fake plugins.  When two
    plugins register the same name, the earlier one keeps it and the later one is
    quarantined with an error naming both.
    """
    loader = _Loader(disabled)
    for module in DEFAULT_PLUGINS:
        loader.add(module, lambda m=module: importlib.import_module(m), package="musigen-agent")
    if entry_points:
        for ep in _entry_points():
            dist = ep.dist
            loader.add(
                ep.name,
                ep.load,
                package=dist.name if dist else "",
                version=dist.version if dist else "",
                source="entry point",
            )
    for folder in plugin_dirs:
        for path in sorted(Path(folder).glob("*.py")):
            loader.add(path.stem, lambda p=path: _load_file(p), package=str(path), source="plugin dir")
    for name, obj in extra:
        loader.add(name, lambda o=obj: o, source="extra")
    plugins = Plugins(pm=loader.pm, catalog=Catalog(), statuses=loader.statuses)
    _build_catalog(plugins)
    return plugins


def _build_catalog(plugins: Plugins) -> None:
    """Run every catalogue hook plugin by plugin, attributing and validating items."""
    order = [s.name for s in plugins.statuses]
    for hook_name, (kind, expected) in CATALOGUE_HOOKS.items():
        impls = getattr(plugins.pm.hook, hook_name).get_hookimpls()
        for impl in sorted(impls, key=lambda i: order.index(i.plugin_name)):
            _run_catalogue_hook(plugins, impl, kind, expected)
    _check_genre_instruments(plugins)


def _run_catalogue_hook(plugins: Plugins, impl: pluggy.HookImpl, kind: str, expected: type | None) -> None:
    cat = plugins.catalog
    plugin = impl.plugin_name
    st = plugins.status(plugin)
    if st.status != "ok":
        return
    added: list[str] = []
    table: dict[str, Any] = getattr(cat, kind)

    def register(item: Any) -> None:
        if expected is not None and not isinstance(item, expected):
            raise TypeError(f"{impl.function.__name__} registered {type(item).__name__}, expected {expected.__name__}")
        if expected is None and not isinstance(item, ModelBackend):
            raise TypeError(f"model {item!r} lacks name/description/available/unavailable_reason/compose()")
        name = item.name
        if name in table:
            other = cat.owner(kind, name)
            raise ValueError(
                f"{kind[:-1]} {name!r} is registered by both {other!r} ({plugins.status(other).package}) "
                f"and {plugin!r} ({st.package}); rename one or disable a plugin"
            )
        table[name] = item
        cat.owners[(kind, name)] = plugin
        added.append(name)

    try:
        impl.function(**{arg: register for arg in impl.argnames})
    except (Exception, ValidationError) as exc:
        for name in added:
            del table[name]
            del cat.owners[(kind, name)]
        _remove_everything_from(plugins, plugin)
        plugins.quarantine(plugin, f"{impl.function.__name__} raised {type(exc).__name__}: {exc}")
        return
    st.provides.setdefault(kind, []).extend(added)


def _remove_everything_from(plugins: Plugins, plugin: str) -> None:
    """Drop all items a plugin registered in earlier hooks (it is being quarantined)."""
    cat = plugins.catalog
    for (kind, name), owner in list(cat.owners.items()):
        if owner == plugin:
            del getattr(cat, kind)[name]
            del cat.owners[(kind, name)]
    plugins.status(plugin).provides = {}


def _check_genre_instruments(plugins: Plugins) -> None:
    """A genre naming an instrument nobody registered quarantines the genre's plugin."""
    cat = plugins.catalog
    for name, genre in list(cat.genres.items()):
        missing = [i for i in genre.instruments if i not in cat.instruments]
        if missing and name in cat.genres:
            owner = cat.owner("genres", name)
            _remove_everything_from(plugins, owner)
            plugins.quarantine(owner, f"genre {name!r} names unknown instruments: {', '.join(missing)}")
