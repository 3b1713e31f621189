"""Run the whole plugin contract against one plugin and collect every problem.

Two passes, because each catches what the other cannot see:

1. a *dry run* registers the plugin alone in a bare pluggy manager and calls its
   catalogue hooks with a recording ``register`` -- this finds misspelt or undecorated
   hooks, bad signatures and hooks that raise, and collects what the plugin offers
   even when musigen would refuse it;
2. a *real load* next to the built-ins (``load_plugins(entry_points=False,
   extra=[(name, plugin)])``, exactly how musigen loads it) shows whether the plugin
   would be quarantined and why, and gives the catalogue the compose checks run on.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Collection
from types import ModuleType
from typing import Any

import numpy as np
import pluggy

from .. import hookspecs
from ..catalog import Catalog, Genre, Instrument, ModelBackend, Mood
from ..compose import Composition
from ..compose import compose as compose_spec
from ..intent import Overrides, parse
from ..lexicon import resolve
from ..plugin_manager import CATALOGUE_HOOKS, DEFAULT_PLUGINS, Plugins, load_plugins
from .checks import Problem, check_genre, check_instrument, check_model_shape, check_mood, did_you_mean
from .composing import check_compositions

#: Every hook musigen defines.
HOOK_NAMES: tuple[str, ...] = tuple(
    sorted(n for n, f in vars(hookspecs).items() if callable(f) and hasattr(f, f"{hookspecs.PROJECT}_spec"))
)


def plugin_name(plugin: object) -> str:
    """The name a plugin is registered under when none is given: its module or class name."""
    if isinstance(plugin, ModuleType | type):
        return plugin.__name__
    return type(plugin).__name__


def load_with_builtins(plugin: object, *, name: str | None = None) -> Plugins:
    """Load ``plugin`` next to the built-ins only, the way musigen loads any plugin.

    Installed entry points and plugin directories are left out so that a test sees
    the same catalogue on every machine.  A built-in module is not added twice.
    """
    if _builtin_name(plugin):
        return load_plugins(entry_points=False)
    return load_plugins(entry_points=False, extra=[(name or plugin_name(plugin), plugin)])


def compose_text(plugins: Plugins, text: str, **overrides: Any) -> Composition:
    """Compose from words (plus explicit fields such as ``instruments=[...]``) like ``musigen compose`` does."""
    return compose_spec(parse(text, plugins.catalog, Overrides(**overrides) if overrides else None).spec, plugins)


def check_plugin(plugin: object | str, *, name: str | None = None, compose: bool = True) -> list[Problem]:
    """Every way ``plugin`` breaks the plugin contract, as a list of :class:`Problem` (empty: all good).

    ``plugin`` is what you would register: a module, an object or class with
    ``@hookimpl`` methods, or a dotted module name.  ``compose=False`` skips the
    composition checks (faster, but misses non-deterministic models).
    """
    if isinstance(plugin, str):
        try:
            plugin = importlib.import_module(plugin)
        except Exception as exc:
            return [Problem("import-failed", f"plugin {plugin!r}", f"cannot be imported: {_exc(exc)}")]
    name = _builtin_name(plugin) or name or plugin_name(plugin)
    problems: list[Problem] = []
    dry = _dry_manager(plugin, name, problems)
    if dry is None:
        return problems
    offered = _offered(dry, problems)
    plugins = load_with_builtins(plugin, name=name)
    status = plugins.status(name)
    if status.status != "ok":
        problems.append(
            Problem(
                "quarantined",
                f"plugin {name!r}",
                f"musigen quarantines it when it loads next to the built-ins: {status.error}; "
                "fix that (the other problems listed say how) and it will load",
            )
        )
    problems += _duplicates(offered, name, plugins.catalog)
    problems += _static(offered, plugins.catalog)
    problems += _words(offered, plugins.catalog)
    if compose and status.status == "ok":
        after = bool(dry.hook.after_compose.get_hookimpls())
        problems += check_compositions(plugins, name, offered, after)
    problems += _voices(dry, plugins.catalog)
    return problems


def assert_plugin_ok(
    plugin: object | str, *, name: str | None = None, compose: bool = True, ignore: Collection[str] = ()
) -> None:
    """Fail the calling test with one line per problem unless ``plugin`` honours the contract.

    ``ignore`` lists problem codes to accept on purpose (e.g. ``{"range"}`` for an
    instrument wider than its GM family); say why in your test.
    """
    __tracebackhide__ = True
    problems = [p for p in check_plugin(plugin, name=name, compose=compose) if p.code not in ignore]
    if problems:
        shown = name or (plugin if isinstance(plugin, str) else plugin_name(plugin))
        lines = "\n".join(f"  - {p}" for p in problems)
        raise AssertionError(f"plugin {shown!r} breaks the musigen plugin contract ({len(problems)}):\n{lines}")


def _builtin_name(plugin: object) -> str | None:
    """The registered name of a built-in plugin module (it is already loaded under it), else None."""
    if isinstance(plugin, ModuleType) and plugin.__name__ in DEFAULT_PLUGINS:
        return plugin.__name__
    return None


def _exc(exc: BaseException) -> str:
    """'ValueError: boom (at plugin.py:12 in register_genres)' -- the innermost frame."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _dry_manager(plugin: object, name: str, problems: list[Problem]) -> pluggy.PluginManager | None:
    """Register ``plugin`` alone; report undecorated, unknown and mis-signed hooks."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for hook in HOOK_NAMES:
        if callable(getattr(plugin, hook, None)) and pm.parse_hookimpl_opts(plugin, hook) is None:
            problems.append(
                Problem(
                    "not-a-hookimpl",
                    f"hook {hook}",
                    "is defined but not decorated with @musigen_agent.hookimpl, so musigen never calls it; "
                    "add the decorator (from musigen_agent import hookimpl)",
                )
            )
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        problems.append(
            Problem(
                "hook-signature",
                f"plugin {name!r}",
                f"{exc}; an implementation may take only the arguments its hookspec names (see docs/plugins.md)",
            )
        )
        return None
    callers = pm.get_hookcallers(plugin) or []
    for caller in callers:
        if not caller.has_spec():
            problems.append(
                Problem(
                    "unknown-hook",
                    f"hook {caller.name}",
                    f"is not a musigen hook{did_you_mean(caller.name, HOOK_NAMES)}, so it is never called; "
                    f"musigen's hooks are {', '.join(HOOK_NAMES)}",
                )
            )
    if not callers and not problems:
        problems.append(
            Problem(
                "no-hooks",
                f"plugin {name!r}",
                "implements no hook; decorate functions with @musigen_agent.hookimpl and name them after a hook "
                f"({', '.join(HOOK_NAMES)})",
            )
        )
    return pm


def _offered(pm: pluggy.PluginManager, problems: list[Problem]) -> dict[str, list[Any]]:
    """Call each catalogue hook with a recording ``register``; report raises and wrong types."""
    offered: dict[str, list[Any]] = {kind: [] for kind, _ in CATALOGUE_HOOKS.values()}
    for hook, (kind, expected) in CATALOGUE_HOOKS.items():
        for impl in getattr(pm.hook, hook).get_hookimpls():
            got: list[Any] = []
            try:
                impl.function(**{arg: got.append for arg in impl.argnames})
            except Exception as exc:
                problems.append(
                    Problem(
                        "hook-raised",
                        f"hook {hook}",
                        f"raised {_exc(exc)}; musigen quarantines a plugin whose hook raises -- fix the error "
                        "(a ValidationError names the bad field of the item being built)",
                    )
                )
            for item in got:
                if isinstance(item, expected or ModelBackend):
                    offered[kind].append(item)
                    continue
                want = (
                    f"{expected.__name__}(...)"
                    if expected
                    else "an object with name, description, available, unavailable_reason and compose(spec, catalog)"
                )
                problems.append(
                    Problem(
                        "wrong-type",
                        f"hook {hook}",
                        f"registered {type(item).__name__} {item!r:.60}; register {want} instead",
                    )
                )
    return offered


def _duplicates(offered: dict[str, list[Any]], name: str, catalog: Catalog) -> list[Problem]:
    """Names this plugin registers twice, or that another plugin already owns."""
    problems = []
    for kind, items in offered.items():
        seen: set[str] = set()
        for item in items:
            subject = f"{kind[:-1]} {item.name!r}"
            owner = catalog.owners.get((kind, item.name))
            if item.name in seen:
                problems.append(
                    Problem("duplicate-name", subject, "is registered twice by this plugin; register it once")
                )
            elif owner is not None and owner != name:
                problems.append(
                    Problem(
                        "duplicate-name",
                        subject,
                        f"is already registered by plugin {owner!r}; names are global across plugins and musigen "
                        "quarantines the later one, so give yours a more specific name (e.g. "
                        f"{'my_' + item.name!r})",
                    )
                )
            seen.add(item.name)
    return problems


def _words(offered: dict[str, list[Any]], catalog: Catalog) -> list[Problem]:
    """Names and words that select another item, because an earlier plugin registered them first.

    Prompts resolve words through ``Catalog.synonyms`` and options (``--instrument``,
    ``instruments=[...]``) through ``lexicon.resolve``; whatever they map a word to is
    what users get.
    """
    problems = []
    for kind in ("instruments", "genres", "moods"):
        table, noun = catalog.synonyms(kind), kind[:-1]
        for item in offered[kind]:
            if getattr(catalog, kind).get(item.name) is not item:
                continue  # not loaded (quarantined or a duplicate): reported elsewhere
            subject = f"{noun} {item.name!r}"
            in_prompts, as_option = table.get(item.name), resolve(catalog, kind, item.name, kind)
            lost = [f"prompts ({item.name!r} selects {in_prompts!r})"] if in_prompts != item.name else []
            lost += [f"--{noun} {item.name} (selects {as_option!r})"] if as_option != item.name else []
            if lost:
                problems.append(
                    Problem(
                        "unreachable-name",
                        subject,
                        f"{' and '.join(lost)}: the word already means an item registered earlier, so this {noun} "
                        "is never selected; rename it",
                    )
                )
                continue
            spaced = item.name.replace("_", " ")
            for word in dict.fromkeys(w.lower() for w in (spaced, item.display_name, *item.synonyms)):
                owner = table.get(word)
                if owner != item.name:
                    named = word in (owner, str(owner).replace("_", " "))
                    other = f"the {noun} named {owner!r}" if named else f"{owner!r} (which registered the word first)"
                    fix = "rename the " + noun if word == spaced else "drop it from synonyms/display_name"
                    message = f"a prompt saying {word!r} selects {other}, not this one; {fix}"
                    problems.append(Problem("shadowed-word", subject, message))
    return problems


def _static(offered: dict[str, list[Any]], catalog: Catalog) -> list[Problem]:
    known = set(catalog.instruments) | {i.name for i in offered["instruments"]}
    problems: list[Problem] = []
    for item in offered["instruments"]:
        problems += check_instrument(item) if isinstance(item, Instrument) else []
    for item in offered["genres"]:
        problems += check_genre(item, known) if isinstance(item, Genre) else []
    for item in offered["moods"]:
        problems += check_mood(item) if isinstance(item, Mood) else []
    for item in offered["models"]:
        problems += check_model_shape(item)
    return problems


def _voices(pm: pluggy.PluginManager, catalog: Catalog) -> list[Problem]:
    """Call the plugin's ``instrument_voice`` for every instrument and try each voice it returns."""
    problems: list[Problem] = []
    for impl in pm.hook.instrument_voice.get_hookimpls():
        for inst in catalog.instruments.values():
            subject = f"instrument_voice for {inst.name!r}"
            try:
                voice = impl.function(**{"instrument": inst} if impl.argnames else {})
            except Exception as exc:
                problems.append(Problem("hook-raised", subject, f"raised {_exc(exc)}; return None when unsure"))
                continue
            if voice is None:
                continue
            if not callable(voice):
                problems.append(
                    Problem("voice", subject, f"returned {type(voice).__name__}; return a callable voice or None")
                )
                continue
            problems += _try_voice(voice, inst, subject)
    return problems


def _try_voice(voice: Any, inst: Instrument, subject: str) -> list[Problem]:
    pitch, sample_rate = (inst.low + inst.high) // 2, 22050
    try:
        a = np.asarray(voice(pitch, 100, 0.25, sample_rate))
        b = np.asarray(voice(pitch, 100, 0.25, sample_rate))
    except Exception as exc:
        return [Problem("voice", subject, f"the voice raised {_exc(exc)} for voice({pitch}, 100, 0.25, {sample_rate})")]
    contract = "voice(pitch, velocity, seconds, sample_rate) must return a finite 1-D float array (mono samples)"
    if a.ndim != 1 or a.size == 0 or not np.issubdtype(a.dtype, np.number) or not np.all(np.isfinite(a)):
        return [Problem("voice", subject, f"returned an array of shape {a.shape}, dtype {a.dtype}; {contract}")]
    if a.shape != b.shape or not np.array_equal(a, b):
        return [
            Problem("voice", subject, "returned different samples for the same note; seed any noise from the pitch")
        ]
    return []
