"""The theory composer: every genre and mood composes, deterministically and idiomatically."""

from __future__ import annotations

import pytest

from musigen_agent.compose import compose
from musigen_agent.errors import InvalidInput, PluginError, UnknownName
from musigen_agent.export import midi_bytes
from musigen_agent.plugin_manager import Plugins, load_plugins
from musigen_agent.plugins.models.theory import TheoryComposer
from musigen_agent.spec import TPQ, PartSpec, SectionSpec, TrackSpec
from musigen_agent.theory import parse_chord, scale_pcs

FORM = [
    SectionSpec(name="intro", bars=4, energy=0.3),
    SectionSpec(name="verse", bars=8, energy=0.55),
    SectionSpec(name="chorus", bars=8, energy=0.85),
    SectionSpec(name="verse_2", bars=8, energy=0.55),
    SectionSpec(name="outro", bars=4, energy=0.3),
]


def band(catalog, genre: str) -> list[PartSpec]:
    roles_taken: set[str] = set()
    parts = []
    for name in catalog.genres[genre].instruments:
        inst = catalog.instruments[name]
        role = next((r for r in inst.roles if r not in roles_taken), inst.roles[0])
        roles_taken.add(role)
        parts.append(PartSpec(name=name, instrument=name, role=role))
    return parts


def make_spec(catalog, genre="pop", mood="happy", **kw) -> TrackSpec:
    g = catalog.genres[genre]
    data = dict(
        genre=genre,
        moods=[mood],
        tempo=sum(g.tempo_range) // 2,
        key="D",
        mode=catalog.moods[mood].mode,
        meter=g.meters[0],
        sections=FORM,
        parts=band(catalog, genre),
        swing=g.swing,
        seed=7,
    )
    data.update(kw)
    return TrackSpec(**data)


@pytest.mark.parametrize(
    "genre", ["pop", "rock", "classical", "jazz", "electronic", "folk", "blues", "country", "reggae", "funk"]
)
@pytest.mark.parametrize("mood", ["happy", "sad", "energetic", "relaxed", "dramatic"])
def test_every_genre_and_mood_composes_with_every_part_playing(plugins, catalog, genre, mood):
    spec = make_spec(catalog, genre, mood)
    arr = compose(spec, plugins).arrangement
    assert [p.name for p in arr.parts] == [p.name for p in spec.parts]
    assert arr.end_tick == 32 * arr.bar_ticks
    for part in arr.parts:
        inst = catalog.instruments[part.instrument]
        assert len(part.notes) >= 8, f"{part.name} barely plays"
        assert part.program == inst.gm_program and part.is_drum == inst.is_drum
        if not inst.is_drum:
            assert all(inst.low <= n.pitch <= inst.high for n in part.notes), f"{part.name} out of range"
        assert all(n.start + n.duration <= arr.end_tick for n in part.notes)


def test_same_seed_same_bytes_other_seed_other_notes(plugins, catalog):
    spec = make_spec(catalog, "jazz", "relaxed")
    a = midi_bytes(compose(spec, plugins).arrangement)
    b = midi_bytes(compose(spec, plugins).arrangement)
    c = midi_bytes(compose(spec.model_copy(update={"seed": 8}), plugins).arrangement)
    assert a == b
    assert a != c


@pytest.mark.parametrize("genre", ["pop", "rock", "folk", "country", "electronic"])
def test_tonal_genres_stay_in_key(plugins, catalog, genre):
    spec = make_spec(catalog, genre, "happy", key="A", mode="major")
    arr = compose(spec, plugins).arrangement
    scale = set(scale_pcs("A", "major"))
    pitched = [n.pitch for p in arr.parts if not p.is_drum for n in p.notes]
    inside = sum(1 for p in pitched if p % 12 in scale) / len(pitched)
    assert inside >= 0.87


def test_melody_lands_on_chord_tones_on_strong_beats(plugins, catalog):
    spec = make_spec(catalog, "pop", "happy")
    arr = compose(spec, plugins).arrangement
    melody = next(p for p in arr.parts if p.role == "melody")
    hits = total = 0
    for n in melody.notes:
        if n.start % 960:  # beats 1 and 3 of 4/4
            continue
        bar = n.start // arr.bar_ticks
        section = next(s for s in arr.sections if s.start_bar <= bar < s.start_bar + s.bars)
        chord = parse_chord(section.chords[bar - section.start_bar])
        total += 1
        hits += n.pitch % 12 in chord.pitch_classes
    assert total and hits / total >= 0.7


def test_repeated_sections_share_material(plugins, catalog):
    arr = compose(make_spec(catalog, "pop", "happy"), plugins).arrangement
    verse, verse2 = (next(s for s in arr.sections if s.name == n) for n in ("verse", "verse_2"))
    assert verse.chords == verse2.chords
    melody = next(p for p in arr.parts if p.role == "melody")

    def rel(section):
        start, end = section.start_bar * arr.bar_ticks, (section.start_bar + section.bars) * arr.bar_ticks
        return [(n.start - start, n.pitch) for n in melody.notes if start <= n.start < end]

    assert rel(verse) and rel(verse)[:4] == rel(verse2)[:4]


def test_quiet_intro_and_muted_sections(plugins, catalog):
    parts = band(catalog, "pop")
    parts[3] = parts[3].model_copy(update={"mute_in": ["intro"]})
    arr = compose(make_spec(catalog, "pop", "happy", parts=parts), plugins).arrangement
    drums = arr.part("drum_kit")
    intro_end = 4 * arr.bar_ticks
    assert not [n for n in drums.notes if n.start < intro_end]
    assert [n for n in drums.notes if n.start >= intro_end]


def test_stated_chords_are_played_in_order(plugins, catalog):
    sections = [SectionSpec(name="verse", bars=4, chords=["Gm", "Eb", "Cm", "D7"])]
    arr = compose(
        make_spec(catalog, "classical", "dramatic", key="G", mode="minor", sections=sections), plugins
    ).arrangement
    assert arr.sections[0].chords == ["Gm", "Eb", "Cm", "D7"]
    bass = arr.part("cello") if any(p.role == "bass" for p in arr.parts if p.name == "cello") else None
    lowest = [
        min((n.pitch for p in arr.parts for n in p.notes if n.start // arr.bar_ticks == bar), default=None)
        for bar in range(4)
    ]
    assert [p % 12 for p in lowest] == [7, 3, 0, 2] or bass is None


def test_unknown_names_and_roles_are_clear_errors(plugins, catalog):
    spec = make_spec(catalog)
    bad = spec.model_copy(update={"parts": [PartSpec(name="k", instrument="kazoo9000", role="melody")]})
    with pytest.raises(UnknownName) as err:
        compose(bad, plugins)
    assert err.value.field == "parts[0].instrument"
    wrong_role = spec.model_copy(update={"parts": [PartSpec(name="d", instrument="drum_kit", role="melody")]})
    with pytest.raises(InvalidInput, match="rhythm"):
        compose(wrong_role, plugins)


def plugins_with_model(backend) -> Plugins:
    """The built-ins plus a plugin '<name>_plugin' that registers ``backend``."""
    from musigen_agent import hookimpl

    class Plugin:
        @hookimpl
        def register_models(self, register):
            register(backend)

    return load_plugins(entry_points=False, extra=[(f"{backend.name}_plugin", Plugin())])


def test_backend_that_raises_is_quarantined():

    class Crashy:
        name, description, available, unavailable_reason = "crashy", "always fails", True, ""

        def compose(self, spec, catalog):
            raise RuntimeError("kaput")

    p = plugins_with_model(Crashy())
    spec = make_spec(p.catalog, model="crashy")
    with pytest.raises(PluginError, match="crashy_plugin"):
        compose(spec, p)
    assert p.status("crashy_plugin").status == "quarantined"
    assert compose(spec.model_copy(update={"model": "theory"}), p).arrangement.parts


def test_after_compose_hook_runs_and_a_raising_one_is_skipped():
    from musigen_agent import hookimpl

    class Louder:
        @hookimpl
        def after_compose(self, spec, arrangement, catalog):
            parts = [
                p.model_copy(update={"notes": [n.model_copy(update={"velocity": 127}) for n in p.notes]})
                for p in arrangement.parts
            ]
            return arrangement.model_copy(update={"parts": parts})

    class Broken:
        @hookimpl
        def after_compose(self, spec, arrangement, catalog):
            raise KeyError("nope")

    p = load_plugins(entry_points=False, extra=[("louder", Louder()), ("broken_after", Broken())])
    result = compose(make_spec(p.catalog), p)
    assert all(n.velocity == 127 for part in result.arrangement.parts for n in part.notes)
    assert p.status("broken_after").status == "quarantined"
    assert any("broken_after" in w for w in result.warnings)


GENRES = ["pop", "rock", "classical", "jazz", "electronic", "folk", "blues", "country", "reggae", "funk"]


def _two_melody_spec(catalog, genre: str) -> TrackSpec:
    """The genre's band plus a second melody (harmonised below the first) and a second
    comping part (which comps in the alternate style): the parts that depend on others."""
    spec = make_spec(catalog, genre)
    extra = [
        PartSpec(name="second_voice", instrument="flute", role="melody"),
        PartSpec(name="second_comp", instrument="acoustic_piano", role="harmony"),
    ]
    return spec.model_copy(update={"parts": [*spec.parts, *extra]})


@pytest.mark.parametrize("genre", GENRES)
def test_a_part_written_alone_equals_the_part_written_with_the_others(plugins, catalog, genre):
    """The refine fast path asks the backend for one part: it must be the same part."""
    spec = _two_melody_spec(catalog, genre)
    melodies = [p.name for p in spec.parts if p.role == "melody"]
    full = {p.name: p for p in compose(spec, plugins).arrangement.parts}
    for name in full:
        alone = compose(spec, plugins, parts=frozenset({name})).arrangement
        assert alone.part(name) == full[name], name
        written = {name} | ({melodies[0]} if name in melodies[1:] else set())  # a later melody harmonises the first
        assert all(not p.notes for p in alone.parts if p.name not in written), name


def test_parts_are_not_narrowed_for_backends_without_it_or_when_a_hook_must_see_the_piece(plugins, catalog):
    from musigen_agent import hookimpl

    seen: list[int] = []

    class Watcher:
        @hookimpl
        def after_compose(self, spec, arrangement, catalog):
            seen.append(sum(1 for p in arrangement.parts if p.notes))

    p = load_plugins(entry_points=False, extra=[("watcher", Watcher())])
    spec = make_spec(p.catalog)
    compose(spec, p, parts=frozenset({spec.parts[0].name}))
    assert seen == [len(spec.parts)]  # the hook saw every part written

    calls: list[tuple] = []

    class Plain:
        name, description, available, unavailable_reason = "plain", "no parts argument", True, ""

        def compose(self, spec, catalog):
            calls.append(spec.model)
            return TheoryComposer().compose(spec, catalog)

    q = plugins_with_model(Plain())
    spec = make_spec(q.catalog, model="plain")
    arr = compose(spec, q, parts=frozenset({spec.parts[0].name})).arrangement
    assert calls == ["plain"] and all(p.notes for p in arr.parts)


def test_a_straight_jazz_plays_the_bossa_groove_and_a_swung_one_the_ride(plugins, catalog):
    """Grooves carry a feel: the same genre picks its groove by the piece's swing."""
    from musigen_agent.theory import DRUMS

    def kit_sounds(swing: float) -> set[int]:
        arr = compose(make_spec(catalog, "jazz", "relaxed", swing=swing), plugins).arrangement
        return {n.pitch for p in arr.parts if p.is_drum for n in p.notes}

    straight, swung = kit_sounds(0.0), kit_sounds(0.6)
    assert DRUMS["side_stick"] in straight and DRUMS["ride"] not in straight
    assert DRUMS["ride"] in swung and DRUMS["side_stick"] not in swung


def test_a_straight_jazz_bass_plays_the_bossa_pattern_not_a_walk(plugins, catalog):
    def onsets(swing: float) -> set[int]:
        arr = compose(make_spec(catalog, "jazz", "happy", swing=swing), plugins).arrangement
        bass = next(p for p in arr.parts if p.role == "bass")
        return {n.start % arr.bar_ticks for n in bass.notes}

    beat = TPQ
    assert {0, beat + beat // 2, 2 * beat, 3 * beat + beat // 2} <= onsets(0.0)  # 1, 2&, 3, 4&
    assert {0, beat, 2 * beat, 3 * beat} <= onsets(0.6)  # a walk: every beat


def test_a_bossa_bass_keeps_the_key_clear(plugins, catalog):
    """The key a listener (Krumhansl-Schmuckler) hears is the one asked for as often as with
    a walking bass (16 of these 18); a bossa bass leaning on the fifth pulled half of them to
    the dominant."""
    from musigen_agent.analysis import analyze
    from musigen_agent.intent import Overrides, parse

    heard = []
    for key in ("F", "C", "Bb", "G", "D minor", "A minor"):
        for seed in range(3):
            words = f"a relaxed bossa nova in {key} with piano, upright bass and drums, 1 minute"
            spec = parse(words, catalog, Overrides(seed=seed)).spec
            assert spec.swing == 0.0
            heard.append(analyze(spec, compose(spec, plugins).arrangement, catalog)["control"]["key"]["agreement"])
    assert heard.count("exact") >= 15, heard
