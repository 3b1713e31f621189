"""Every refine op: its musical effect, and that untouched parts stay note-for-note identical."""

from __future__ import annotations

import pytest

from musigen_agent.compose import compose
from musigen_agent.edits import HANDLERS, apply_ops
from musigen_agent.errors import InvalidInput, UnknownName
from musigen_agent.export import midi_bytes
from musigen_agent.ops import OP_NAMES, parse_ops
from musigen_agent.spec import Mix, PartSpec, SectionSpec, TrackSpec
from musigen_agent.splice import State
from musigen_agent.theory import scale_pcs


@pytest.fixture(scope="module")
def state(plugins) -> State:
    spec = TrackSpec(
        genre="pop",
        moods=["happy"],
        tempo=110,
        key="C",
        mode="major",
        sections=[
            SectionSpec(name="intro", bars=4, energy=0.35),
            SectionSpec(name="verse", bars=8, energy=0.55),
            SectionSpec(name="chorus", bars=8, energy=0.85),
            SectionSpec(name="outro", bars=4, energy=0.3),
        ],
        parts=[
            PartSpec(name="acoustic_piano", instrument="acoustic_piano", role="harmony"),
            PartSpec(name="bass_guitar", instrument="bass_guitar", role="bass"),
            PartSpec(name="drum_kit", instrument="drum_kit", role="rhythm"),
            PartSpec(name="synthesizer", instrument="synthesizer", role="melody"),
        ],
        seed=3,
    )
    return State(spec, compose(spec, plugins).arrangement, Mix())


def run(state: State, plugins, *ops: dict) -> State:
    return apply_ops(state, parse_ops(list(ops)), plugins)


def notes(state: State, part: str) -> list:
    return [(n.start, n.duration, n.pitch, n.velocity) for n in state.arrangement.part(part).notes]


def in_section(state: State, part: str, section: str) -> list:
    s = next(x for x in state.arrangement.sections if x.name == section)
    bar = state.arrangement.bar_ticks
    return [n for n in notes(state, part) if s.start_bar * bar <= n[0] < (s.start_bar + s.bars) * bar]


def unchanged(a: State, b: State, *except_parts: str) -> None:
    for p in a.arrangement.parts:
        if p.name not in except_parts and p.name in [q.name for q in b.arrangement.parts]:
            assert notes(a, p.name) == notes(b, p.name), f"{p.name} changed"


def test_every_op_has_a_handler():
    assert set(HANDLERS) == set(OP_NAMES)


def test_set_tempo_changes_only_tempo(state, plugins):
    out = run(state, plugins, {"op": "set_tempo", "bpm": 90})
    assert out.spec.tempo == 90 and out.arrangement.tempo == 90
    unchanged(state, out)
    assert midi_bytes(out.arrangement) != midi_bytes(state.arrangement)


def test_transpose_moves_pitches_by_the_interval(state, plugins):
    out = run(state, plugins, {"op": "transpose", "semitones": 2})
    assert out.spec.key == "D"
    moved = [b[2] - a[2] for a, b in zip(notes(state, "synthesizer"), notes(out, "synthesizer"), strict=True)]
    assert set(moved) <= {2, 2 - 12}
    assert notes(out, "drum_kit") == notes(state, "drum_kit")
    assert out.arrangement.sections[1].chords[0] != state.arrangement.sections[1].chords[0]


def test_set_key_to_g_minor(state, plugins):
    out = run(state, plugins, {"op": "set_key", "key": "G", "mode": "minor"})
    assert (out.spec.key, out.spec.mode) == ("G", "minor")
    scale = set(scale_pcs("G", "minor"))
    pitched = [n[2] for p in ("synthesizer", "acoustic_piano") for n in notes(out, p)]
    assert sum(p % 12 in scale for p in pitched) / len(pitched) >= 0.85


def test_set_mode_minor_makes_minor_chords(state, plugins):
    out = run(state, plugins, {"op": "set_mode", "mode": "minor"})
    assert out.spec.mode == "minor"
    assert out.arrangement.sections[1].chords != state.arrangement.sections[1].chords
    assert any(c.startswith("Cm") for s in out.arrangement.sections for c in s.chords)


def test_change_mood_recomposes_with_new_dynamics(state, plugins):
    out = run(state, plugins, {"op": "change_mood", "mood": "sad"})
    assert out.spec.moods == ["sad"] and out.spec.mode == "minor"
    vel = lambda s: sum(n[3] for n in notes(s, "synthesizer")) / len(notes(s, "synthesizer"))  # noqa: E731
    assert vel(out) < vel(state)


def test_change_genre_keeps_melody_and_harmony(state, plugins):
    out = run(state, plugins, {"op": "change_genre", "genre": "reggae"})
    assert out.spec.genre == "reggae"
    assert notes(out, "synthesizer") == notes(state, "synthesizer")
    assert [s.chords for s in out.arrangement.sections] == [s.chords for s in state.arrangement.sections]
    assert notes(out, "drum_kit") != notes(state, "drum_kit")


def test_add_remove_replace_instrument(state, plugins):
    added = run(state, plugins, {"op": "add_instrument", "instrument": "cello", "role": "counter_melody"})
    assert added.arrangement.part("cello").notes
    unchanged(state, added, "cello")
    removed = run(state, plugins, {"op": "remove_instrument", "part": "drum_kit"})
    assert "drum_kit" not in [p.name for p in removed.arrangement.parts]
    unchanged(state, removed)
    swapped = run(
        state, plugins, {"op": "replace_instrument", "part": "acoustic_piano", "instrument": "electric_piano"}
    )
    ep = swapped.arrangement.part("electric_piano")
    assert ep.program == 4 and [(n.start, n.pitch) for n in ep.notes] == [
        (n[0], n[2]) for n in notes(state, "acoustic_piano")
    ]
    unchanged(state, swapped, "acoustic_piano")


def test_set_role_recomposes_one_part(state, plugins):
    out = run(state, plugins, {"op": "set_role", "part": "acoustic_piano", "role": "pad"})
    assert out.arrangement.part("acoustic_piano").role == "pad"
    assert notes(out, "acoustic_piano") != notes(state, "acoustic_piano")
    unchanged(state, out, "acoustic_piano")


def test_mix_ops_touch_only_the_mix(state, plugins):
    out = run(
        state,
        plugins,
        {"op": "mute", "part": "bass_guitar"},
        {"op": "solo", "part": "synthesizer"},
        {"op": "gain", "part": "drum_kit", "db": -6},
        {"op": "pan", "part": "acoustic_piano", "pan": -0.5},
    )
    unchanged(state, out)
    assert out.mix.for_part("bass_guitar").mute and out.mix.for_part("synthesizer").solo
    assert out.mix.for_part("drum_kit").gain_db == -6 and out.mix.for_part("acoustic_piano").pan == -0.5


def test_mute_in_removes_intro_drums_only(state, plugins):
    out = run(state, plugins, {"op": "mute_in", "part": "drum_kit", "sections": ["intro"]})
    assert in_section(state, "drum_kit", "intro") and not in_section(out, "drum_kit", "intro")
    assert in_section(out, "drum_kit", "verse") == in_section(state, "drum_kit", "verse")
    unchanged(state, out, "drum_kit")
    back = run(out, plugins, {"op": "mute_in", "part": "drum_kit", "sections": ["intro"], "muted": False})
    assert in_section(back, "drum_kit", "intro")


def test_regenerate_a_section_leaves_other_sections(state, plugins):
    out = run(state, plugins, {"op": "regenerate", "section": "chorus"})
    assert in_section(out, "synthesizer", "chorus") != in_section(state, "synthesizer", "chorus")
    for part in ("synthesizer", "drum_kit"):
        assert in_section(out, part, "verse") == in_section(state, part, "verse")


def test_regenerate_a_part(state, plugins):
    out = run(state, plugins, {"op": "regenerate", "part": "synthesizer"})
    assert notes(out, "synthesizer") != notes(state, "synthesizer")
    unchanged(state, out, "synthesizer")


def test_sections_add_remove_resize_reorder_extend(state, plugins):
    bar = state.arrangement.bar_ticks
    doubled = run(state, plugins, {"op": "resize_section", "section": "chorus", "bars": 16})
    assert next(s for s in doubled.arrangement.sections if s.name == "chorus").bars == 16
    assert doubled.arrangement.end_tick == state.arrangement.end_tick + 8 * bar
    assert in_section(doubled, "synthesizer", "verse") == in_section(state, "synthesizer", "verse")
    added = run(state, plugins, {"op": "add_section", "name": "bridge", "bars": 4})
    assert [s.name for s in added.arrangement.sections] == ["intro", "verse", "chorus", "bridge", "outro"]
    removed = run(state, plugins, {"op": "remove_section", "section": "intro"})
    shifted = [(n[0] + 4 * bar, *n[1:]) for n in in_section(removed, "bass_guitar", "verse")]
    assert shifted == in_section(state, "bass_guitar", "verse")
    reordered = run(state, plugins, {"op": "reorder_sections", "order": ["intro", "chorus", "verse", "outro"]})
    assert [s.name for s in reordered.arrangement.sections] == ["intro", "chorus", "verse", "outro"]
    extended = run(state, plugins, {"op": "extend", "bars": 8})
    assert extended.arrangement.end_tick == state.arrangement.end_tick + 8 * bar


def test_energy_density_swing_humanize(state, plugins):
    loud = run(state, plugins, {"op": "set_energy", "section": "verse", "energy": 1.0})
    mean = lambda ns: sum(n[3] for n in ns) / len(ns)  # noqa: E731
    assert mean(in_section(loud, "bass_guitar", "verse")) > mean(in_section(state, "bass_guitar", "verse"))
    assert in_section(loud, "bass_guitar", "chorus") == in_section(state, "bass_guitar", "chorus")
    sparse = run(state, plugins, {"op": "density", "factor": 0.5})
    assert len(notes(sparse, "drum_kit")) < len(notes(state, "drum_kit"))
    swung = run(state, plugins, {"op": "swing", "amount": 0.6})
    offbeats = [n[0] % 480 for n in notes(swung, "drum_kit")]
    assert 240 not in offbeats and 288 in offbeats
    loose = run(state, plugins, {"op": "humanize", "amount": 0.5})
    assert any(n[0] % 60 for n in notes(loose, "synthesizer"))


def test_set_chords_and_vary_and_ending(state, plugins):
    out = run(state, plugins, {"op": "set_chords", "section": "verse", "chords": ["Am", "F", "C", "G"]})
    verse = next(s for s in out.arrangement.sections if s.name == "verse")
    assert verse.chords[:4] == ["Am", "F", "C", "G"]
    assert in_section(out, "bass_guitar", "chorus") == in_section(state, "bass_guitar", "chorus")
    varied = run(state, plugins, {"op": "vary", "part": "synthesizer"})
    a, b = notes(state, "synthesizer"), notes(varied, "synthesizer")
    assert [n[0] for n in a] == [n[0] for n in b] and a != b
    unchanged(state, varied, "synthesizer")
    end = run(state, plugins, {"op": "ending"})
    last = end.arrangement.end_tick - end.arrangement.bar_ticks
    piano_end = [n for n in notes(end, "acoustic_piano") if n[0] >= last]
    assert len(piano_end) == 3 and all(n[1] == end.arrangement.bar_ticks for n in piano_end)


def test_bad_ops_are_clear_errors(state, plugins):
    with pytest.raises(InvalidInput, match="Known ops"):
        parse_ops([{"op": "explode"}])
    with pytest.raises(InvalidInput, match="bpm"):
        parse_ops([{"op": "set_tempo", "bpm": 9000}])
    with pytest.raises(UnknownName, match="drum_kit"):
        run(state, plugins, {"op": "remove_instrument", "part": "trumpet"})
    with pytest.raises(UnknownName):
        run(state, plugins, {"op": "resize_section", "section": "bridge", "bars": 4})
    with pytest.raises(InvalidInput):
        run(state, plugins, {"op": "set_chords", "section": "verse", "chords": ["H9"]})


def test_restyle_keeps_melody_and_chords_with_a_new_band(state, plugins):
    out = run(state, plugins, {"op": "restyle", "genre": "reggae", "mood": "relaxed"})
    assert out.spec.genre == "reggae" and out.spec.moods == ["relaxed"]
    assert {p.instrument for p in out.arrangement.parts} == set(plugins.catalog.genres["reggae"].instruments)
    lead = next(p for p in out.arrangement.parts if p.role == "melody")
    before = state.arrangement.part("synthesizer").notes
    assert [(n.start, n.pitch % 12) for n in lead.notes] == [(n.start, n.pitch % 12) for n in before]
    assert [s.chords[0] for s in out.arrangement.sections] == [s.chords[0] for s in state.arrangement.sections]
    with pytest.raises(InvalidInput):
        run(state, plugins, {"op": "restyle"})


@pytest.mark.parametrize(
    "op",
    [
        {"op": "regenerate", "part": "synthesizer"},
        {"op": "regenerate", "part": "acoustic_piano", "section": "chorus"},
        {"op": "add_instrument", "instrument": "flute", "role": "counter_melody"},
        {"op": "replace_instrument", "part": "acoustic_piano", "instrument": "electric_piano"},
        {"op": "set_role", "part": "acoustic_piano", "role": "pad"},
        {"op": "density", "part": "drum_kit", "factor": 1.5},
        {"op": "vary", "part": "synthesizer"},
        {"op": "resize_section", "section": "verse", "bars": 12},
    ],
)
def test_writing_only_the_parts_in_scope_gives_the_same_version(state, plugins, op):
    """A refine asks the backend only for the parts it splices in; a registered
    after_compose hook turns that off (it must see the whole piece), so comparing
    both shows the fast path changes nothing."""
    from musigen_agent import hookimpl
    from musigen_agent.plugin_manager import load_plugins

    class Watching:
        @hookimpl
        def after_compose(self, spec, arrangement, catalog):
            return None

    whole = load_plugins(entry_points=False, extra=[("watching", Watching())])
    fast, slow = run(state, plugins, op), run(state, whole, op)
    assert midi_bytes(fast.arrangement) == midi_bytes(slow.arrangement)
    assert fast.spec == slow.spec
