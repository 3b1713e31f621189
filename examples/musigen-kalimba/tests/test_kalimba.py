"""The example plugin tests itself the way any plugin package should: with the kit."""

from musigen_agent.compose import compose
from musigen_agent.testing import assert_plugin_ok, compose_text, load_with_builtins, small_spec

import musigen_kalimba


def test_plugin_honours_the_musigen_contract():
    assert_plugin_ok(musigen_kalimba)


def test_a_kalimba_lullaby_uses_the_kalimba():
    plugins = load_with_builtins(musigen_kalimba)
    result = compose_text(plugins, "a kalimba lullaby")
    kalimba = [part for part in result.arrangement.parts if part.instrument == "kalimba"]
    assert kalimba and kalimba[0].program == 108
    assert all(60 <= note.pitch <= 88 for note in kalimba[0].notes)


def test_lofi_hip_hop_swings_at_a_lazy_tempo():
    plugins = load_with_builtins(musigen_kalimba)
    spec = small_spec(plugins.catalog, "lofi_hip_hop", "relaxed")
    assert 70 <= spec.tempo <= 90
    result = compose(spec, plugins)
    assert {part.instrument for part in result.arrangement.parts} == set(musigen_kalimba.LOFI_HIP_HOP.instruments)
