"""The vocabulary beyond the catalogue: the GM pack, style words, ensembles, chords, feels, odd prompts."""

from __future__ import annotations

import random
import time

import pytest

from musigen_agent import chord_words, planning
from musigen_agent.catalog import Catalog
from musigen_agent.compose import compose
from musigen_agent.errors import InvalidInput
from musigen_agent.intent import FIELDS, Overrides, parse
from musigen_agent.lexicon import lexicon, resolve
from musigen_agent.plugin_manager import DEFAULT_PLUGINS, Plugins, load_plugins
from musigen_agent.plugins.instruments import core, gm
from musigen_agent.testing import check_plugin

CORE = {i.name for i in core.INSTRUMENTS}
ISSUE_PROMPT = (
    "A brooding cinematic cue in G minor: low strings and a French horn carry the theme over timpani rolls, a harp "
    "arpeggiates, and a choir enters for the climax. Around 96 BPM (Andante) in 4/4, the harmony circles Gm, Eb, Cm "
    "and D7"
)

# ---------------------------------------------------------------------------- the General MIDI pack


def test_gm_pack_loads_next_to_the_core_and_covers_every_program(plugins: Plugins) -> None:
    assert "musigen_agent.plugins.instruments.gm" in DEFAULT_PLUGINS
    assert plugins.status("musigen_agent.plugins.instruments.gm").status == "ok"
    names = [i.name for i in gm.INSTRUMENTS]
    assert len(names) == len(set(names)) and not set(names) & CORE
    pitched = sorted(i.gm_program for i in plugins.catalog.instruments.values() if not i.is_drum)
    assert pitched == list(range(128))  # each GM program exactly once, core and pack together
    kits = {i.name: i.gm_program for i in gm.INSTRUMENTS if i.is_drum}
    assert kits["tr_808"] == 25 and set(kits.values()) == {8, 16, 24, 25, 32, 40, 48, 56}
    for name in ("french_horn", "string_ensemble", "choir_aahs", "slap_bass", "nylon_guitar", "timpani", "harp",
                 "tenor_sax", "brass_section", "synth_bass", "thumb_piano"):  # fmt: skip
        assert name in plugins.catalog.instruments


def test_gm_pack_honours_the_plugin_contract() -> None:
    assert check_plugin("musigen_agent.plugins.instruments.gm", compose=False) == []


@pytest.mark.parametrize(
    ("words", "name"),
    [("slap bass", "slap_bass"), ("tenor sax", "tenor_sax"), ("string ensemble", "string_ensemble"),
     ("brass", "brass_section"), ("choir", "choir_aahs"), ("nylon guitar", "nylon_guitar"), ("808", "tr_808"),
     ("kalimba", "thumb_piano"), ("timpani rolls", "timpani"), ("French horn", "french_horn"), ("harp", "harp"),
     ("upright bass", "acoustic_bass"), ("piano", "acoustic_piano"), ("strings", "violin"), ("sax", "saxophone")],
)  # fmt: skip
def test_instrument_words(catalog: Catalog, words: str, name: str) -> None:
    assert parse(f"a tune with {words}", catalog).provenance["instruments"].value == [name]
    assert resolve(catalog, "instruments", words.replace("timpani rolls", "timpani"), "instruments") == name


def test_without_the_gm_pack_the_core_words_still_work() -> None:
    plugins = load_plugins(entry_points=False, disabled=["musigen_agent.plugins.instruments.gm"])
    intent = parse("a string quartet with tenor sax and a French horn", plugins.catalog)
    assert intent.provenance["instruments"].value == ["violin", "violin", "cello", "saxophone"]


@pytest.mark.parametrize(
    ("words", "band"),
    [("string quartet", ["violin", "violin", "viola", "cello"]),
     ("brass section", ["trumpet", "trombone", "french_horn", "tuba"]),
     ("rhythm section", ["acoustic_piano", "bass_guitar", "drum_kit"]),
     ("horn section", ["trumpet", "tenor_sax", "trombone"]), ("low strings", ["cello", "contrabass"])],
)  # fmt: skip
def test_ensembles_expand_to_several_parts(catalog: Catalog, words: str, band: list[str]) -> None:
    intent = parse(f"a piece for {words}", catalog)
    assert intent.provenance["instruments"].value == band
    names = [p.name for p in intent.spec.parts]
    assert len(names) == len(set(names)) == len(band)


def test_big_band_and_orchestra_imply_their_genre(catalog: Catalog) -> None:
    big = parse("a big band tune", catalog)
    assert big.spec.genre == "jazz" and len(big.spec.parts) == 10
    orchestra = parse("a piece for full orchestra", catalog)
    assert orchestra.spec.genre == "classical" and orchestra.provenance["genre"].words == ["full orchestra"]


def test_approximations_are_noted(catalog: Catalog) -> None:
    intent = parse("a ukulele song", catalog)
    assert intent.provenance["instruments"].value == ["nylon_guitar"]
    assert any("ukulele" in n and "nylon" in n for n in intent.notes)


def test_a_beat_alone_asks_for_a_whole_track(catalog: Catalog) -> None:
    trap = parse("a trap beat", catalog).provenance["instruments"].value
    assert trap == ["tr_808", "synth_bass", "synthesizer", "pad_synth"]
    assert parse("a beat with rhodes", catalog).provenance["instruments"].value == ["drum_kit", "electric_piano"]
    assert parse("808s and hi-hats with piano", catalog).provenance["instruments"].value == ["tr_808", "acoustic_piano"]


# ---------------------------------------------------------------------------- style words, tempo, meter, feel


@pytest.mark.parametrize(
    ("prompt", "genre", "moods", "note"),
    [("lo-fi hip hop", "electronic", ["relaxed"], "'lo-fi hip hop' -> electronic + relaxed"),
     ("ambient", "electronic", ["relaxed"], "'ambient' -> electronic + relaxed"),
     ("bossa nova", "jazz", ["relaxed"], "'bossa nova' -> jazz + relaxed"),
     ("metal", "rock", ["energetic"], "'metal' -> rock + energetic"),
     ("synthwave", "electronic", ["dramatic"], "'synthwave' -> electronic"),
     ("trap", "electronic", ["dramatic"], "'trap' -> electronic + dramatic"),
     ("orchestral", "classical", ["happy"], "'orchestral' -> classical"),
     ("meditative", "pop", ["relaxed"], ""), ("romantic", "pop", ["relaxed", "happy"], "'romantic' -> relaxed + happy"),
     ("spooky", "classical", ["dramatic", "sad"], "'spooky' -> classical + dramatic + sad"),
     ("nostalgic", "pop", ["sad", "relaxed"], "'nostalgic' -> sad + relaxed"),
     ("triumphant", "pop", ["happy", "energetic"], "'triumphant' -> happy + energetic"),
     ("cinematic", "classical", ["dramatic"], "'cinematic' -> classical + dramatic")],
)  # fmt: skip
def test_style_words_map_to_the_closest_genre_and_moods(
    catalog: Catalog, prompt: str, genre: str, moods: list[str], note: str
) -> None:
    intent = parse(prompt, catalog)
    assert (intent.spec.genre, intent.spec.moods) == (genre, moods)
    if note:
        assert any(note in n for n in intent.notes), intent.notes


def test_a_style_implies_tempo_band_and_feel_but_words_beat_it(catalog: Catalog) -> None:
    lofi = parse("lo-fi hip hop", catalog)
    assert (lofi.spec.tempo, lofi.spec.swing) == (80, 0.3)
    assert lofi.provenance["tempo"].source == "implied" and lofi.provenance["tempo"].words == ["lo-fi hip hop"]
    stated = parse("lo-fi hip hop at 92 bpm with straight eighths, sad", catalog)
    assert (stated.spec.tempo, stated.spec.swing, stated.spec.moods) == (92, 0.0, ["sad"])
    assert parse("half-time trap", catalog).spec.tempo == 70


@pytest.mark.parametrize(
    ("prompt", "swing"),
    [("a blues shuffle", 0.66), ("swung eighths pop", 0.66), ("jazz with straight eighths", 0.0), ("jazz", 0.6),
     ("bossa nova", 0.0), ("medium swing jazz", 0.5)],
)  # fmt: skip
def test_feel_words_set_the_swing(catalog: Catalog, prompt: str, swing: float) -> None:
    assert parse(prompt, catalog).spec.swing == swing


@pytest.mark.parametrize(
    ("prompt", "key", "mode"),
    [("G minor: a cue", "G", "minor"), ("in D dorian", "D", "minor"), ("F sharp major", "F#", "major"),
     ("B-flat", "C", "major"), ("in B-flat", "Bb", "major"), ("Dm ballad", "D", "minor"), ("key: Ab", "Ab", "major")],
)  # fmt: skip
def test_more_key_spellings(catalog: Catalog, prompt: str, key: str, mode: str) -> None:
    spec = parse(prompt, catalog).spec
    assert (spec.key, spec.mode) == (key, mode)


@pytest.mark.parametrize(
    ("prompt", "meter"),
    [("a minuet", "3/4"), ("in 7/8", "7/8"), ("a polka", "2/4"), ("three-four time", "3/4"), ("12/8 feel", "12/8")],
)
def test_more_meters(catalog: Catalog, prompt: str, meter: str) -> None:
    assert parse(prompt, catalog).spec.meter == meter


# ---------------------------------------------------------------------------- chord progressions


@pytest.mark.parametrize(
    ("prompt", "chords", "key", "mode"),
    [("the harmony circles Gm, Eb, Cm and D7", ["Gm", "Eb", "Cm", "D7"], "G", "minor"),
     ("revolves around G6 and D6", ["G6", "D6"], "G", "major"),
     ("a progression of Am, F, C, G", ["Am", "F", "C", "G"], "A", "minor"),
     ("ii–V–I in Bb", ["Cm", "F", "Bb", "Bb"], "Bb", "major"),
     ("a i-iv-V in E", ["Em", "Am", "B", "B"], "E", "minor"),
     ("chords: c am f g", ["C", "Am", "F", "G"], "C", "major"),
     ("Cmaj7 - Am7 - Dm7 - G7", ["Cmaj7", "Am7", "Dm7", "G7"], "C", "major"),
     ("in E minor over C and G chords", ["C", "G"], "E", "minor")],
)  # fmt: skip
def test_stated_progressions_become_the_harmony(
    catalog: Catalog, prompt: str, chords: list[str], key: str, mode: str
) -> None:
    intent = parse(prompt, catalog)
    spec = intent.spec
    assert (spec.key, spec.mode) == (key, mode)
    body = [s for s in spec.sections if s.name.split("_")[0] not in planning.EDGES]
    assert body and all(s.chords == planning.phrase_progression(chords) for s in body)
    assert intent.provenance["chords"].source == "stated"


@pytest.mark.parametrize(
    "prompt",
    [
        "A brooding cue in A minor",
        "I want a piano piece",
        "Section A and B",
        "C, F and G",
        "a jazz tune in Bb",
        "in the key of D, E minor",
        "A and E major",
    ],
)
def test_letters_that_are_not_chords(catalog: Catalog, prompt: str) -> None:
    intent = parse(prompt, catalog)
    assert intent.provenance["chords"].value is None
    assert all(s.chords is None for s in intent.spec.sections)


def test_progressions_tagged_with_a_section(catalog: Catalog) -> None:
    spec = parse("verse: Am F C G, chorus: C G Am F, pop song, 2 minutes", catalog).spec
    by_kind = {s.name.split("_")[0]: s.chords for s in spec.sections}
    assert by_kind["verse"] == ["Am", "F", "C", "G"] and by_kind["chorus"] == ["C", "G", "Am", "F"]
    assert by_kind["intro"] is None


def test_chord_arguments(catalog: Catalog) -> None:
    spec = parse("a jazz tune in F", catalog, Overrides(chords=["ii7", "V7", "Imaj7"])).spec
    assert spec.sections[1].chords == ["Gm7", "C7", "Fmaj7", "Fmaj7"]
    with pytest.raises(InvalidInput) as err:
        parse("jazz", catalog, Overrides(chords=["H7"]))
    assert err.value.field == "chords"


def test_swing_argument(catalog: Catalog) -> None:
    intent = parse("a blues shuffle", catalog, Overrides(swing=0.2))
    assert intent.spec.swing == 0.2 and intent.provenance["swing"].source == "argument"
    with pytest.raises(InvalidInput) as err:
        parse("jazz", catalog, Overrides(swing=2.0))
    assert err.value.field == "swing"


def test_implied_key_of_a_progression() -> None:
    assert chord_words.implied_key(["Dm7", "G7", "Cmaj7"]) == ("C", "major")
    assert chord_words.implied_key(["Am", "F", "C", "G"], mode="major") == ("C", "major")
    assert chord_words.implied_key(["F#m", "D", "A", "E"]) == ("F#", "minor")


# ---------------------------------------------------------------------------- the issue's example, end to end


def test_the_issue_example_is_honoured(plugins: Plugins) -> None:
    intent = parse(ISSUE_PROMPT, plugins.catalog)
    spec, p = intent.spec, intent.provenance
    assert (spec.key, spec.mode, spec.tempo, spec.meter) == ("G", "minor", 96, "4/4")
    assert p["instruments"].value == ["cello", "contrabass", "french_horn", "timpani", "harp", "choir_aahs"]
    assert {x.instrument: x.role for x in spec.parts}["french_horn"] == "melody"
    assert (spec.genre, p["genre"].source, p["genre"].words) == ("classical", "implied", ["cinematic"])
    assert p["chords"].value == ["Gm", "Eb", "Cm", "D7"] and set(FIELDS) == set(p)
    arrangement = compose(spec, plugins).arrangement
    body = [s for s in arrangement.sections if s.name.split("_")[0] not in planning.EDGES]
    assert body and all(s.chords[:4] == ["Gm", "Eb", "Cm", "D7"] for s in body)
    assert all(part.notes for part in arrangement.parts)


# ---------------------------------------------------------------------------- any text at all


def _random_prompt(rng: random.Random, length: int) -> str:
    words = ["piano", "jazz", "in", "Bb", "minor", "Am", "F", "C", "G", "120", "bpm", "3/4", "no", "drums", "🎹",
             "string", "quartet", "lo-fi", "chords", "ii-V-I", "über", "悲しい", "—", ",", "x", "2:30"]  # fmt: skip
    text = ""
    while len(text) < length:
        text += rng.choice(words) + rng.choice([" ", ", ", "-", ""])
    return text[:length] if rng.random() < 0.5 else text[:length].upper()


def test_any_prompt_of_1_to_2000_characters_parses(catalog: Catalog) -> None:
    rng = random.Random(7)
    for length in [1, 2, 5, 17, 80, 300, 1000, 1999, 2000] * 4:
        prompt = _random_prompt(rng, length)
        start = time.perf_counter()
        intent = parse(prompt, catalog)
        assert time.perf_counter() - start < 0.5, prompt
        assert intent.spec.parts and intent.spec.sections, prompt


def test_nonsense_gives_defaults_and_says_so(catalog: Catalog) -> None:
    intent = parse("asdf qwerty", catalog)
    assert intent.ignored == ["asdf", "qwerty"]
    assert all(c.source == "default" for c in intent.provenance.values())
    assert len(lexicon(catalog).table) > 1000
