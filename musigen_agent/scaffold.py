"""``musigen plugin new``: write a ready-to-install plugin package.

The package is the smallest thing that works end to end -- a pyproject.toml with the
``musigen_agent`` entry point, a module with one working hook implementation for the
chosen kind, a README and a test that runs the contract-test kit -- so a contributor
starts from green and changes one field at a time.  The templates live here rather
than in package data so the scaffold works from any install, editable or not.
"""

from __future__ import annotations

import re
from pathlib import Path
from string import Template
from typing import Literal, get_args

from . import __version__
from .errors import InvalidInput

Kind = Literal["instrument", "genre", "mood", "model"]
KINDS: tuple[str, ...] = get_args(Kind)
#: Plugin names become catalogue names and part of a Python module name.
NAME_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"

PYPROJECT = """\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "$dist"
version = "0.1.0"
description = "A $kind for musigen-agent: $name."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["musigen-agent>=$version"]

[project.optional-dependencies]
test = ["pytest>=8"]

# musigen loads every entry point in the "musigen_agent" group; the name on the left
# is this plugin's name in `musigen plugins` and in MUSIGEN_DISABLE_PLUGINS.
[project.entry-points.musigen_agent]
$name = "$module"

[tool.setuptools]
packages = ["$module"]
"""

README = """\
# $dist

A plugin for musigen-agent that adds the $kind `$name`.

## Develop

    pip install -e '.[test]'
    pytest
    musigen plugins
    musigen ${kind}s

`pytest` runs the musigen contract-test kit on the plugin; `musigen plugins` should
list `$name` with status ok, and `musigen ${kind}s` should include `$name`.

$try_it

Edit `$module/__init__.py`; the contract test says what to fix if something breaks.
See the plugin guide (docs/plugins.md in musigen-agent) for every hook and field.
"""

TRY_IT = {
    "instrument": 'Try it: `musigen compose "a short tune" --instrument $name --format mid`',
    "genre": 'Try it: `musigen compose "a short tune" --genre $name --format mid`',
    "mood": 'Try it: `musigen compose "a short tune" --mood $name --format mid`',
    "model": 'Try it: `musigen compose "a short tune" --model $name --format mid`',
}

MODULES = {
    "instrument": '''\
"""The $name instrument for musigen-agent."""

from musigen_agent import hookimpl
from musigen_agent.catalog import Instrument

INSTRUMENT = Instrument(
    name="$name",
    description="Describe the sound in a sentence.",
    type="keyboard",  # broad type: keyboard, string, orchestral, wind, percussion, electronic
    family="keys",  # family: keys, guitar, bass, strings, brass, reed, pipe, synth_lead, ...
    gm_program=0,  # General MIDI program, 0-based (0 = Acoustic Grand Piano); picks the SoundFont preset
    low=48,  # lowest and highest playable MIDI pitch (60 = middle C)
    high=84,
    roles=("melody", "harmony"),  # roles it can play, best first
    synonyms=("$words",),  # words in a prompt that mean this instrument
)


@hookimpl
def register_instruments(register):
    register(INSTRUMENT)
''',
    "genre": '''\
"""The $name genre for musigen-agent."""

from musigen_agent import hookimpl
from musigen_agent.catalog import Genre, Groove

GENRE = Genre(
    name="$name",
    description="Describe the style in a sentence.",
    instruments=("acoustic_piano", "bass_guitar", "drum_kit"),  # default band, by instrument name
    tempo_range=(90, 120),
    grooves=(
        # One bar per lane on a 16th-note grid: X accent, x hit, o ghost, . rest.
        Groove(
            name="${name}_beat",
            lanes={"kick": "X.......X.......", "snare": "....X.......X...", "closed_hat": "x.x.x.x.x.x.x.x."},
        ),
    ),
    chord_qualities=("", "m", "7"),
    progressions=(("I", "IV", "V", "I"), ("vi", "IV", "I", "V")),  # roman numerals, written as in a major key
    form=("intro", "verse", "chorus", "verse", "chorus", "outro"),
    synonyms=("$words",),
)


@hookimpl
def register_genres(register):
    register(GENRE)
''',
    "mood": '''\
"""The $name mood for musigen-agent."""

from musigen_agent import hookimpl
from musigen_agent.catalog import Mood

MOOD = Mood(
    name="$name",
    description="Describe the feeling in a sentence.",
    tempo_range=(80, 110),
    mode="major",
    keys=("C", "G", "F"),  # preferred keys; append m for minor ("Am")
    chord_qualities=("", "maj7", "add9"),
    dynamics="mp",  # pp p mp mf f ff
    articulation="legato",  # staccato legato marcato sforzando tenuto
    synonyms=("$words",),
)


@hookimpl
def register_moods(register):
    register(MOOD)
''',
    "model": '''\
"""The $name model backend for musigen-agent: a deliberately tiny composer.

Every pitched part plays one seeded scale tone per bar and drums keep a kick on the
downbeat.  Replace ``compose`` with your own; keep it deterministic (derive every
random choice from the spec's seeds) -- the contract test composes each spec twice.
"""

import random

from musigen_agent import hookimpl
from musigen_agent.spec import TPQ, Arrangement, Note, Part, SectionPlan
from musigen_agent.theory import DRUMS, fit_range, pitch_class, scale_pcs


class Composer:
    name = "$name"
    description = "Describe the backend in a sentence."
    available = True  # False (with a reason) when an optional dependency is missing
    unavailable_reason = ""

    def compose(self, spec, catalog):
        bar = round(spec.beats_per_bar * TPQ)
        scale = scale_pcs(spec.key, spec.mode)
        tonic = spec.key + ("m" if spec.mode == "minor" else "")
        sections, start = [], 0
        for section in spec.sections:
            chords = [tonic] * section.bars
            sections.append(SectionPlan(name=section.name, start_bar=start, bars=section.bars, chords=chords))
            start += section.bars
        parts = []
        for part in spec.parts:
            inst = catalog.instrument(part.instrument)
            rng = random.Random(f"{spec.seed}:{part.name}:{part.seed}")
            notes = []
            for i in range(spec.total_bars):
                if inst.is_drum:
                    pitch = DRUMS["kick"]
                else:
                    pc = pitch_class(spec.key) if i % 4 == 0 else rng.choice(scale)
                    pitch = fit_range(60 + pc, inst.low, inst.high)
                notes.append(Note(start=i * bar, duration=bar, pitch=pitch, velocity=80))
            parts.append(
                Part(
                    name=part.name,
                    instrument=inst.name,
                    role=part.role,
                    program=inst.gm_program,
                    is_drum=inst.is_drum,
                    notes=notes,
                )
            )
        return Arrangement(
            tempo=spec.tempo, meter=spec.meter, key=spec.key, mode=spec.mode, sections=sections, parts=parts
        )


@hookimpl
def register_models(register):
    register(Composer())
''',
}

#: Per kind: the kit helpers the test imports, and a test that uses the item.
USE_TESTS = {
    "instrument": """\
from musigen_agent.testing import assert_plugin_ok, compose_text, load_with_builtins

import $module


def test_plugin_honours_the_musigen_contract():
    assert_plugin_ok($module)


def test_the_instrument_plays_in_a_composition():
    plugins = load_with_builtins($module)
    result = compose_text(plugins, "a short tune", instruments=["$name"])
    assert any(part.instrument == "$name" and part.notes for part in result.arrangement.parts)
""",
    "genre": """\
from musigen_agent.compose import compose
from musigen_agent.testing import assert_plugin_ok, load_with_builtins, small_spec

import $module


def test_plugin_honours_the_musigen_contract():
    assert_plugin_ok($module)


def test_the_genre_composes():
    plugins = load_with_builtins($module)
    result = compose(small_spec(plugins.catalog, "$name", "happy"), plugins)
    assert any(part.notes for part in result.arrangement.parts)
""",
    "mood": """\
from musigen_agent.compose import compose
from musigen_agent.testing import assert_plugin_ok, load_with_builtins, small_spec

import $module


def test_plugin_honours_the_musigen_contract():
    assert_plugin_ok($module)


def test_the_mood_composes():
    plugins = load_with_builtins($module)
    result = compose(small_spec(plugins.catalog, "pop", "$name"), plugins)
    assert any(part.notes for part in result.arrangement.parts)
""",
    "model": """\
from musigen_agent.compose import compose
from musigen_agent.testing import assert_plugin_ok, load_with_builtins, small_spec

import $module


def test_plugin_honours_the_musigen_contract():
    assert_plugin_ok($module)


def test_the_model_composes():
    plugins = load_with_builtins($module)
    result = compose(small_spec(plugins.catalog, "pop", "happy", model="$name"), plugins)
    assert all(part.notes for part in result.arrangement.parts)
""",
}

TEST = '''\
"""Tests of $dist: the musigen contract-test kit plus one test of your own."""

$use_test'''


def new_plugin(name: str, kind: Kind, dest: Path) -> Path:
    """Write the package ``musigen-<name>`` for a plugin providing one ``kind`` under ``dest``.

    Returns the project folder.  Raises :class:`InvalidInput` naming the field at
    fault: a ``name`` that does not match :data:`NAME_PATTERN` or is already a
    built-in of that kind, an unknown ``kind``, or a ``dest`` that already holds the
    project.
    """
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}, not {kind!r}.", field="kind", allowed=list(KINDS))
    if not isinstance(name, str) or not re.match(NAME_PATTERN, name):
        raise InvalidInput(
            f"name {name!r} is not a valid plugin name: use 2-40 lower-case letters, digits and _, starting with a "
            f"letter (pattern {NAME_PATTERN}), e.g. 'kalimba' or 'lofi_hip_hop'.",
            field="name",
            allowed=NAME_PATTERN,
        )
    _refuse_builtin(name, kind)
    values = {
        "name": name,
        "kind": kind,
        "dist": "musigen-" + name.replace("_", "-"),
        "module": "musigen_" + name,
        "words": name.replace("_", " "),
        "version": __version__,
    }
    project = Path(dest) / values["dist"]
    if project.exists() and any(project.iterdir()):
        raise InvalidInput(f"{project} already exists and is not empty; pick another dest or remove it.", field="dest")
    values["try_it"] = Template(TRY_IT[kind]).substitute(values)
    values["use_test"] = Template(USE_TESTS[kind]).substitute(values)
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"{values['module']}/__init__.py": MODULES[kind],
        "tests/test_plugin.py": TEST,
    }
    for relative, template in files.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Template(template).substitute(values), encoding="utf-8")
    return project


def _refuse_builtin(name: str, kind: str) -> None:
    """A plugin reusing a built-in's name would be quarantined at load; say so now."""
    from .plugin_manager import load_plugins

    taken = getattr(load_plugins(entry_points=False).catalog, kind + "s")
    if name in taken:
        raise InvalidInput(
            f"name {name!r} is already a built-in {kind}; names are unique across plugins, so pick another "
            f"(e.g. 'my_{name}').",
            field="name",
        )
