"""The contract-test kit: silent on good plugins, specific and actionable on broken ones.

Each broken plugin below is the smallest plugin with one mistake a contributor is
likely to make; the test checks the kit names the mistake (its code and subject) and
says how to fix it.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from musigen_agent import hookimpl
from musigen_agent.catalog import Catalog, Genre, Groove, Instrument, Mood
from musigen_agent.plugin_manager import DEFAULT_PLUGINS
from musigen_agent.plugins.models.theory import TheoryComposer
from musigen_agent.spec import Arrangement
from musigen_agent.testing import Problem, assert_plugin_ok, check_plugin, kit
from musigen_agent.testing.checks import PROBLEM_CODES
from musigen_agent.testing.gm import GM_FAMILIES, GM_PROGRAMS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "musigen-kalimba"

#: Words that start the "how to fix it" half of a message.
FIX_WORDS = (
    "add ", "clip ", "copy ", "derive", "fix ", "give ", "install", "move ", "pick ", "register ", "rename",
    "return ", "say ", "seed ", "set ", "swap ", "use ", "widen ", "write ", "narrow", "decorate",
)  # fmt: skip


def instrument(**changes: Any) -> Instrument:
    fields: dict[str, Any] = dict(
        name="kalimba_test", type="percussion", family="chromatic_percussion", gm_program=108, low=60, high=88,
        roles=("melody", "harmony"),
    )  # fmt: skip
    fields.update(changes)
    return Instrument(**fields)


def genre(**changes: Any) -> Genre:
    fields: dict[str, Any] = dict(
        name="test_polka", instruments=("acoustic_piano", "bass_guitar", "drum_kit"), tempo_range=(100, 130),
        grooves=(Groove(name="oompah", lanes={"kick": "X.......X.......", "snare": "....X.......X..."}),),
        chord_qualities=("", "7"), progressions=(("I", "V7", "I", "IV"),), form=("verse", "chorus"),
    )  # fmt: skip
    fields.update(changes)
    return Genre(**fields)


def registers(hook: str, *items: Any) -> object:
    """A plugin object whose ``hook`` registers ``items``."""

    def impl(self: object, register: Any) -> None:
        for item in items:
            register(item)

    impl.__name__ = hook
    return type("Plugin", (), {hook: hookimpl(impl)})()


def codes(problems: list[Problem]) -> set[str]:
    return {p.code for p in problems}


def only(problems: list[Problem], code: str) -> Problem:
    found = [p for p in problems if p.code == code]
    assert found, f"expected a {code!r} problem, got {[str(p) for p in problems]}"
    return found[0]


class Diceroll:
    """A model whose notes change on every call: the classic unseeded-randomness bug."""

    name = "diceroll"
    description = "Theory composer with unseeded velocities."
    available = True
    unavailable_reason = ""

    def __init__(self) -> None:
        self.calls = 0

    def compose(self, spec: Any, catalog: Any) -> Arrangement:
        self.calls += 1
        arr = TheoryComposer().compose(spec, catalog)
        parts = [
            p.model_copy(
                update={"notes": [n.model_copy(update={"velocity": 1 + (self.calls * 7) % 120}) for n in p.notes]}
            )
            for p in arr.parts
        ]
        return arr.model_copy(update={"parts": parts})


# --------------------------------------------------------------------------- good plugins pass


@pytest.mark.parametrize("module", DEFAULT_PLUGINS)
def test_every_builtin_passes_the_kit(module):
    """No false positives: the built-ins are registered exactly like third-party plugins."""
    assert check_plugin(module) == []


def test_the_example_package_passes_its_own_kit_based_tests(monkeypatch):
    """Run examples/musigen-kalimba/tests in-process (tests/test_contrib_install.py installs it for real)."""
    monkeypatch.syspath_prepend(str(EXAMPLE))
    monkeypatch.delitem(sys.modules, "musigen_kalimba", raising=False)
    spec = importlib.util.spec_from_file_location("example_tests", EXAMPLE / "tests" / "test_kalimba.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    tests = [fn for name, fn in vars(module).items() if name.startswith("test_")]
    assert len(tests) == 3
    for test in tests:
        test()


# --------------------------------------------------------------------------- the five required mistakes


def test_bad_range_is_caught():
    problems = check_plugin(
        registers("register_instruments", instrument(low=60, high=66), instrument(name="low_kalimba", low=5, high=40))
    )
    narrow, low = [p for p in problems if p.code == "range"]
    assert "kalimba_test" in narrow.subject and "widen low/high" in narrow.message
    assert "low_kalimba" in low.subject and "108 (Kalimba)" in low.message and "28-108" in low.message
    assert "set low/high" in low.message


def test_unknown_instrument_in_a_genre_is_caught():
    problems = check_plugin(registers("register_genres", genre(instruments=("acoustic_piano", "acustic_guitar"))))
    unknown = only(problems, "unknown-instrument")
    assert "'acustic_guitar'" in unknown.message and "did you mean 'acoustic_guitar'" in unknown.message
    assert "register it in register_instruments" in unknown.message
    assert "acustic_guitar" in only(problems, "quarantined").message  # musigen itself refuses it too


def test_nondeterministic_model_is_caught():
    plugin = registers("register_models", Diceroll())
    problem = only(check_plugin(plugin), "nondeterministic")
    assert problem.subject == "model 'diceroll'"
    assert "model 'diceroll' must derive every random choice from the spec's seeds" in problem.message


def test_hook_that_raises_is_caught():
    class Raises:
        @hookimpl
        def register_moods(self, register):
            raise RuntimeError("mood database offline")

    problems = check_plugin(Raises())
    raised = only(problems, "hook-raised")
    assert raised.subject == "hook register_moods"
    assert "RuntimeError: mood database offline" in raised.message and "test_contrib_kit.py" in raised.message
    assert "mood database offline" in only(problems, "quarantined").message


def test_duplicate_name_is_caught():
    problems = check_plugin(registers("register_instruments", instrument(name="cello", gm_program=42, low=36, high=76)))
    duplicate = only(problems, "duplicate-name")
    assert duplicate.subject == "instrument 'cello'"
    assert "musigen_agent.plugins.instruments.core" in duplicate.message and "more specific name" in duplicate.message
    assert "registered by both" in only(problems, "quarantined").message


def test_duplicate_within_one_plugin_is_caught():
    problem = only(check_plugin(registers("register_instruments", instrument(), instrument())), "duplicate-name")
    assert "registered twice by this plugin" in problem.message


# --------------------------------------------------------------------------- more mistakes


def test_misspelt_hook_is_caught():
    class Typo:
        @hookimpl
        def register_instrument(self, register):
            register(instrument())

    problem = only(check_plugin(Typo()), "unknown-hook")
    assert "did you mean 'register_instruments'" in problem.message


def test_undecorated_hook_is_caught():
    class Forgot:
        def register_instruments(self, register):
            register(instrument())

    assert "@musigen_agent.hookimpl" in only(check_plugin(Forgot()), "not-a-hookimpl").message


def test_empty_plugin_is_caught():
    assert "@musigen_agent.hookimpl" in only(check_plugin(object()), "no-hooks").message


def test_bad_hook_signature_is_caught():
    class Extra:
        @hookimpl
        def register_genres(self, register, catalog):
            pass

    assert "catalog" in only(check_plugin(Extra()), "hook-signature").message


def test_wrong_item_type_is_caught():
    problem = only(check_plugin(registers("register_instruments", {"name": "kazoo"})), "wrong-type")
    assert "register Instrument(...)" in problem.message


def test_invalid_field_names_the_field():
    class BadProgram:
        @hookimpl
        def register_instruments(self, register):
            register(instrument(gm_program=130))

    problem = only(check_plugin(BadProgram()), "hook-raised")
    assert "gm_program" in problem.message and "ValidationError" in problem.message


def test_drum_flags_are_checked():
    problems = check_plugin(
        registers(
            "register_instruments",
            instrument(name="tabla", is_drum=True, low=35, high=81, roles=("melody", "rhythm")),
            instrument(name="cajon", roles=("rhythm",)),
        )
    )
    tabla, cajon = [p for p in problems if p.code == "drums"]
    assert "roles=('rhythm',)" in tabla.message and "set is_drum=True" in cajon.message


def test_a_word_that_already_means_another_item_is_caught():
    plugin = registers("register_instruments", instrument(synonyms=("sax", "mbira_x")))
    problem = only(check_plugin(plugin), "shadowed-word")
    assert problem.subject == "instrument 'kalimba_test'"
    assert "'sax' selects 'saxophone'" in problem.message and "drop it from synonyms" in problem.message


def test_a_name_that_is_another_items_synonym_is_caught(monkeypatch):
    """Whatever ``Catalog.synonyms`` (prompts) and ``lexicon.resolve`` (options) map the name to is what users get."""
    original = Catalog.synonyms

    def first_come(self: Catalog, kind: str) -> dict[str, str]:
        table = original(self, kind)
        return {**table, "kalimba_test": "saxophone"} if kind == "instruments" else table

    monkeypatch.setattr(Catalog, "synonyms", first_come)
    problem = only(check_plugin(registers("register_instruments", instrument())), "unreachable-name")
    assert "prompts ('kalimba_test' selects 'saxophone')" in problem.message and "rename it" in problem.message

    monkeypatch.setattr(Catalog, "synonyms", original)
    monkeypatch.setattr(kit, "resolve", lambda catalog, kind, word, field: "saxophone")
    problem = only(check_plugin(registers("register_instruments", instrument())), "unreachable-name")
    assert "--instrument kalimba_test (selects 'saxophone')" in problem.message


def test_progressions_qualities_grooves_and_form_are_checked():
    bad = genre(
        progressions=(("I", "IX", "V"),),
        chord_qualities=("M7",),
        grooves=(Groove(name="odd", lanes={"kik": "X.......X......."}),),
        meters=("4/4", "11/8"),
        form=("Verse",),
    )
    problems = check_plugin(registers("register_genres", bad))
    assert {"progression", "chord-quality", "groove", "meter", "form"} <= codes(problems)
    assert "'IX'" in only(problems, "progression").message
    assert "write 'maj7'" in only(problems, "chord-quality").message
    assert "did you mean 'kick'" in only(problems, "groove").message


def test_mood_keys_are_checked():
    mood = Mood(
        name="test_gloom", tempo_range=(60, 80), mode="minor", keys=("Am", "H"), chord_qualities=("m7",),
        dynamics="p", articulation="legato",
    )  # fmt: skip
    problem = only(check_plugin(registers("register_moods", mood)), "key")
    assert "'H'" in problem.message and "'F#m'" in problem.message


def test_model_writing_out_of_range_notes_is_caught():
    class Wild(Diceroll):
        name = "wild"

        def compose(self, spec, catalog):
            arr = TheoryComposer().compose(spec, catalog)
            parts = [p.model_copy(update={"program": 0}) for p in arr.parts]
            parts[0] = parts[0].model_copy(
                update={"notes": [n.model_copy(update={"pitch": 127}) for n in parts[0].notes]}
            )
            return arr.model_copy(update={"parts": parts})

    problem = only(check_plugin(registers("register_models", Wild())), "invalid-arrangement")
    assert "fit_range" in problem.message or "copy them from the Instrument" in problem.message


def test_model_that_raises_is_caught():
    class Broken(Diceroll):
        name = "broken"

        def compose(self, spec, catalog):
            raise ZeroDivisionError("division by zero")

    problem = only(check_plugin(registers("register_models", Broken())), "compose-failed")
    assert "ZeroDivisionError" in problem.message and "small_spec(catalog" in problem.message


def test_after_compose_that_raises_is_caught():
    class Humanizer:
        @hookimpl
        def after_compose(self, spec, arrangement, catalog):
            raise KeyError("velocity curve")

    problem = only(check_plugin(Humanizer()), "after-compose")
    assert "velocity curve" in problem.message and "return an Arrangement or None" in problem.message


def test_bad_voice_is_caught():
    class Buzz:
        @hookimpl
        def instrument_voice(self, instrument):
            if instrument.name == "flute":
                return lambda pitch, velocity, seconds, sample_rate: np.zeros((2, 10))
            return None

    problem = only(check_plugin(Buzz()), "voice")
    assert problem.subject == "instrument_voice for 'flute'" and "1-D" in problem.message


def test_unimportable_plugin_is_caught():
    assert "ModuleNotFoundError" in only(check_plugin("musigen_no_such_plugin"), "import-failed").message


# --------------------------------------------------------------------------- the kit's own promises


def test_assert_plugin_ok_lists_every_problem_and_honours_ignore():
    plugin = registers("register_instruments", instrument(name="deep_piano", gm_program=0, low=10, high=60))
    with pytest.raises(AssertionError, match=r"breaks the musigen plugin contract \(1\):\n  - \[range\]"):
        assert_plugin_ok(plugin)
    assert_plugin_ok(plugin, ignore={"range"})


def test_every_message_says_what_to_fix():
    """Collect the problems of every broken plugin above; each must tell the author what to do."""
    broken = [
        registers("register_instruments", instrument(low=60, high=66), instrument(low=5, high=40, name="x_low")),
        registers("register_instruments", instrument(name="cello", gm_program=42, low=36, high=76)),
        registers("register_genres", genre(instruments=("accordion_9000",), progressions=(("IX",),), form=("V",))),
        registers("register_models", Diceroll()),
        registers("register_instruments", {"name": "kazoo"}),
    ]
    problems = [p for plugin in broken for p in check_plugin(plugin)]
    assert len(codes(problems)) >= 7
    for problem in problems:
        assert any(word in problem.message for word in FIX_WORDS), f"no fix in: {problem}"
        assert problem.code in PROBLEM_CODES


def test_gm_tables_are_complete():
    assert len(GM_PROGRAMS) == 128 and len(GM_FAMILIES) == 16
    assert GM_PROGRAMS[108] == "Kalimba" and GM_PROGRAMS[0] == "Acoustic Grand Piano"
