"""Plugin discovery, quarantine and duplicate detection."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

from musigen_agent import hookimpl
from musigen_agent.catalog import Genre, Groove, Instrument
from musigen_agent.plugin_manager import DEFAULT_PLUGINS, load_plugins

FIXTURES = Path(__file__).parent / "fixtures"

ROOT = Path(__file__).resolve().parent.parent


def test_builtins_provide_the_seed_catalogue(catalog):
    assert len(catalog.instruments) >= 15
    for name in (
        "acoustic_piano",
        "electric_piano",
        "organ",
        "synthesizer",
        "acoustic_guitar",
        "electric_guitar",
        "bass_guitar",
        "violin",
        "cello",
        "drum_kit",
        "percussion",
        "saxophone",
        "trumpet",
        "flute",
        "pad_synth",
    ):
        assert name in catalog.instruments
    assert set(catalog.genres) >= {
        "pop",
        "rock",
        "classical",
        "jazz",
        "electronic",
        "folk",
        "blues",
        "country",
        "reggae",
        "funk",
    }
    assert set(catalog.moods) >= {"happy", "sad", "energetic", "relaxed", "dramatic"}
    assert catalog.models["theory"].available
    assert catalog.genres["jazz"].instruments == ("acoustic_piano", "bass_guitar", "drum_kit", "saxophone", "trumpet")
    assert catalog.moods["sad"].tempo_range == (60, 80)


def test_every_builtin_loads_ok(plugins):
    assert [s.name for s in plugins.statuses] == list(DEFAULT_PLUGINS)
    assert all(s.status == "ok" for s in plugins.statuses)
    assert plugins.status("musigen_agent.plugins.instruments.core").provides["instruments"]


def test_broken_plugin_is_quarantined_and_the_rest_works():
    p = load_plugins(plugin_dirs=[FIXTURES / "broken_plugins"], entry_points=False)
    broken = p.status("explodes_on_import")
    assert broken.status == "quarantined"
    assert "broken on purpose" in broken.error
    assert p.status("kalimba").status == "ok"
    assert "kalimba" in p.catalog.instruments
    assert "acoustic_piano" in p.catalog.instruments


def test_duplicate_name_is_an_error_naming_both():
    p = load_plugins(plugin_dirs=[FIXTURES / "dup_plugins"], entry_points=False)
    dup = p.status("another_piano")
    assert dup.status == "quarantined"
    assert "acoustic_piano" in dup.error
    assert "musigen_agent.plugins.instruments.core" in dup.error and "another_piano" in dup.error
    assert p.catalog.instruments["acoustic_piano"].gm_program == 0  # the first registration keeps the name


def test_hook_that_raises_quarantines_only_that_plugin():
    class Raises:
        @hookimpl
        def register_instruments(self, register):
            register(
                Instrument(
                    name="theremin",
                    type="electronic",
                    family="synth_lead",
                    gm_program=81,
                    low=48,
                    high=96,
                    roles=("melody",),
                )
            )
            raise ValueError("boom")

        @hookimpl
        def register_moods(self, register):
            raise AssertionError("must not be called after quarantine")

    p = load_plugins(entry_points=False, extra=[("raises", Raises())])
    assert p.status("raises").status == "quarantined"
    assert "boom" in p.status("raises").error
    assert "theremin" not in p.catalog.instruments  # partial registrations are rolled back
    assert len(p.catalog.moods) == 5


def test_bad_metadata_is_quarantined():
    class Bad:
        @hookimpl
        def register_instruments(self, register):
            register(Instrument(name="weird", type="x", family="x", gm_program=300, low=1, high=2, roles=("melody",)))

    p = load_plugins(entry_points=False, extra=[("bad", Bad())])
    assert p.status("bad").status == "quarantined"
    assert "gm_program" in p.status("bad").error


def test_genre_with_unknown_instrument_is_quarantined():
    class Genres:
        @hookimpl
        def register_genres(self, register):
            register(
                Genre(
                    name="polka",
                    instruments=("accordion_9000",),
                    tempo_range=(100, 130),
                    grooves=(Groove(name="oompah", lanes={"kick": "X.......X......."}),),
                    chord_qualities=("",),
                    progressions=(("I", "V"),),
                    form=("verse",),
                )
            )

    p = load_plugins(entry_points=False, extra=[("polka", Genres())])
    assert p.status("polka").status == "quarantined"
    assert "accordion_9000" in p.status("polka").error
    assert "polka" not in p.catalog.genres


def test_disabled_plugin_is_not_loaded():
    p = load_plugins(plugin_dirs=[FIXTURES / "broken_plugins"], entry_points=False, disabled=["kalimba"])
    assert p.status("kalimba").status == "disabled"
    assert "kalimba" not in p.catalog.instruments


def test_non_editable_install_finds_every_builtin(tmp_path):
    """Build a wheel, install it into a fresh venv and load the catalogue from there."""
    wheel_dir = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(wheel_dir),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(
        subprocess.check_output(
            [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    # Dependencies come from the test venv; the package itself only from the wheel.
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next(wheel_dir.glob("musigen_agent-*.whl"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
        check=True,
        capture_output=True,
    )
    assert not (site / "plugins").exists(), "a top-level 'plugins' package would collide with other projects"
    script = textwrap.dedent("""
        import json, musigen_agent
        from musigen_agent.plugin_manager import load_plugins
        p = load_plugins()
        print(json.dumps({"file": musigen_agent.__file__, "status": {s.name: s.status for s in p.statuses},
                          "instruments": len(p.catalog.instruments), "genres": len(p.catalog.genres)}))
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(
        [str(venv / "bin" / "python"), "-c", script], check=True, capture_output=True, text=True, env=env, cwd=tmp_path
    ).stdout
    import json

    data = json.loads(out)
    assert data["file"].startswith(str(site))
    assert all(data["status"][name] == "ok" for name in DEFAULT_PLUGINS)
    assert data["instruments"] >= 15 and data["genres"] >= 10


@pytest.mark.parametrize(
    "hook",
    [
        "register_instruments",
        "register_genres",
        "register_moods",
        "register_models",
        "after_compose",
        "instrument_voice",
    ],
)
def test_every_hookspec_is_documented(hook):
    from musigen_agent import hookspecs

    assert getattr(hookspecs, hook).__doc__
