"""One test per hook, named ``test_hook_<name>`` (tests/test_hooks_meta.py checks they exist).

Each test loads a small plugin next to the built-ins exactly as musigen does and checks
the documented behaviour of its hook: when it is called, in which order, and what its
result does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from musigen_agent import hookimpl, render
from musigen_agent.catalog import Genre, Groove, Instrument, Mood
from musigen_agent.compose import compose
from musigen_agent.errors import InvalidInput
from musigen_agent.plugin_manager import load_plugins
from musigen_agent.plugins.models.theory import TheoryComposer
from musigen_agent.spec import Arrangement, PartSpec
from musigen_agent.testing import compose_text, small_spec

UKULELE = Instrument(
    name="ukulele", type="string", family="guitar", gm_program=24, low=60, high=81, roles=("harmony", "melody"),
    synonyms=("taropatch",),
)  # fmt: skip


class Ukulele:
    @hookimpl
    def register_instruments(self, register):
        register(UKULELE)


def velocities(arr: Arrangement) -> list[int]:
    return [n.velocity for p in arr.parts for n in p.notes]


def test_hook_register_instruments():
    plugins = load_plugins(entry_points=False, extra=[("ukulele", Ukulele())])
    assert plugins.status("ukulele").provides == {"instruments": ["ukulele"]}
    listed = {row["name"]: row for row in plugins.catalog.describe("instruments")}
    assert listed["ukulele"]["plugin"] == "ukulele" and listed["ukulele"]["gm_program"] == 24
    result = compose_text(plugins, "a happy taropatch tune")  # the synonym reaches intent parsing
    part = next(p for p in result.arrangement.parts if p.instrument == "ukulele")
    assert part.program == 24 and part.notes and all(60 <= n.pitch <= 81 for n in part.notes)


def test_hook_register_genres_may_name_instruments_of_later_plugins():
    class Lofi:
        @hookimpl
        def register_genres(self, register):
            register(
                Genre(
                    name="lofi", instruments=("ukulele", "bass_guitar", "drum_kit"), tempo_range=(70, 90),
                    grooves=(Groove(name="lazy", lanes={"kick": "X.......X.......", "snare": "....X.......X..."}),),
                    chord_qualities=("maj7", "m7"), progressions=(("ii7", "V7", "Imaj7"),), form=("verse", "chorus"),
                )
            )  # fmt: skip

    # The genre's plugin loads first; the instrument it needs arrives later.
    plugins = load_plugins(entry_points=False, extra=[("lofi", Lofi()), ("ukulele", Ukulele())])
    assert plugins.status("lofi").status == "ok"
    assert plugins.catalog.owner("genres", "lofi") == "lofi"
    result = compose(small_spec(plugins.catalog, "lofi", "relaxed"), plugins)
    assert {p.instrument for p in result.arrangement.parts} == {"ukulele", "bass_guitar", "drum_kit"}


def test_hook_register_moods():
    def mood(name: str, dynamics: Any) -> Mood:
        return Mood(
            name=name, tempo_range=(90, 110), mode="major", keys=("C",), chord_qualities=("",), dynamics=dynamics,
            articulation="legato",
        )  # fmt: skip

    class Moods:
        @hookimpl
        def register_moods(self, register):
            register(mood("hushed", "pp"))
            register(mood("blaring", "ff"))

    plugins = load_plugins(entry_points=False, extra=[("moods", Moods())])
    assert plugins.status("moods").provides == {"moods": ["hushed", "blaring"]}
    quiet = compose(small_spec(plugins.catalog, "pop", "hushed"), plugins).arrangement
    loud = compose(small_spec(plugins.catalog, "pop", "blaring"), plugins).arrangement
    assert np.mean(velocities(quiet)) + 20 < np.mean(velocities(loud))


def test_hook_register_models():
    class Counting(TheoryComposer):
        name = "counting"

        def __init__(self) -> None:
            self.calls = 0

        def compose(self, spec, catalog):
            self.calls += 1
            return super().compose(spec, catalog)

    class Missing:
        name = "needs_torch"
        description = "A neural backend."
        available = False
        unavailable_reason = "install musigen-agent[neural]"

        def compose(self, spec, catalog):
            raise AssertionError("an unavailable backend is never called")

    backend = Counting()

    class Models:
        @hookimpl
        def register_models(self, register):
            register(backend)
            register(Missing())

    plugins = load_plugins(entry_points=False, extra=[("models", Models())])
    compose(small_spec(plugins.catalog, "jazz", "happy", model="counting"), plugins)
    assert backend.calls == 1
    listed = {row["name"]: row for row in plugins.catalog.describe("models")}
    assert listed["needs_torch"] == {
        "name": "needs_torch",
        "description": "A neural backend.",
        "available": False,
        "unavailable_reason": "install musigen-agent[neural]",
        "plugin": "models",
    }
    with pytest.raises(InvalidInput, match="install musigen-agent") as err:
        compose(small_spec(plugins.catalog, "jazz", "happy", model="needs_torch"), plugins)
    assert err.value.field == "model"


def test_hook_after_compose_chains_with_the_last_loaded_plugin_first():
    seen: list[str] = []

    def stamping(label: str, velocity: int | None) -> object:
        class Stamp:
            @hookimpl
            def after_compose(self, spec, arrangement, catalog):
                seen.append(label)
                if velocity is None:
                    return None
                parts = [
                    p.model_copy(update={"notes": [n.model_copy(update={"velocity": velocity}) for n in p.notes]})
                    for p in arrangement.parts
                ]
                return arrangement.model_copy(update={"parts": parts})

        return Stamp()

    plugins = load_plugins(
        entry_points=False, extra=[("first", stamping("first", 50)), ("second", stamping("second", 99))]
    )
    result = compose(small_spec(plugins.catalog, "rock", "energetic"), plugins)
    assert seen == ["second", "first"]  # pluggy order: loaded last, called first
    assert set(velocities(result.arrangement)) == {50}  # the first-loaded plugin had the last word

    seen.clear()
    plugins = load_plugins(entry_points=False, extra=[("noop", stamping("noop", None))])
    spec = small_spec(plugins.catalog, "rock", "energetic")
    assert compose(spec, plugins).arrangement == TheoryComposer().compose(spec, plugins.catalog)
    assert seen == ["noop"]


def test_hook_instrument_voice_is_firstresult_and_voices_the_render():
    """The renderer asks the hook per instrument: the first non-None voice wins, later-loaded plugins first."""

    def tone(level: float) -> Any:
        def voice(pitch: int, velocity: int, seconds: float, sample_rate: int) -> np.ndarray:
            t = np.arange(int(seconds * sample_rate)) / sample_rate
            return (level * np.sin(2 * np.pi * 440.0 * 2 ** ((pitch - 69) / 12) * t)).astype(np.float32)

        return voice

    everything, ukulele_only = tone(0.1), tone(0.5)

    class Everything:
        @hookimpl
        def instrument_voice(self, instrument):
            return everything

    class UkuleleOnly:
        @hookimpl
        def instrument_voice(self, instrument):
            return ukulele_only if instrument.name == "ukulele" else None

    plugins = load_plugins(
        entry_points=False, extra=[("ukulele", Ukulele()), ("everything", Everything()), ("only", UkuleleOnly())]
    )
    assert plugins.pm.hook.instrument_voice.spec.opts["firstresult"]
    parts = [
        PartSpec(name="uke", instrument="ukulele", role="melody"),
        PartSpec(name="piano", instrument="acoustic_piano", role="harmony"),
    ]
    arr = compose(small_spec(plugins.catalog, "folk", "happy", parts=parts, bars=2), plugins).arrangement
    voices = render.voices_for(arr, plugins)
    assert voices["uke"] is ukulele_only  # "only" was loaded last, so it is asked first
    assert voices["piano"] is everything  # "only" said None for the piano: the next plugin answers
    stems = render.render_stems(arr, sample_rate=22050, voices=voices)  # no SoundFont needed: every part voiced
    assert all(np.abs(stem).max() > 0 for stem in stems.values())

    plugins.quarantine("everything", "test")
    assert render.voices_for(arr, plugins) == {"uke": ukulele_only}  # None everywhere else: the SoundFont plays


def test_hook_after_compose_may_take_fewer_arguments():
    class Quiet:
        @hookimpl
        def after_compose(self, arrangement):
            parts = [
                p.model_copy(update={"notes": [n.model_copy(update={"velocity": 40}) for n in p.notes]})
                for p in arrangement.parts
            ]
            return arrangement.model_copy(update={"parts": parts})

    plugins = load_plugins(entry_points=False, extra=[("quiet", Quiet())])
    result = compose(small_spec(plugins.catalog, "pop", "happy"), plugins)
    assert not result.warnings and set(velocities(result.arrangement)) == {40}
