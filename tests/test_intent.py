"""Intent parsing: words (and explicit arguments) -> TrackSpec with provenance."""

from __future__ import annotations

import time

import pytest

from musigen_agent import planning
from musigen_agent.catalog import Catalog
from musigen_agent.errors import InvalidInput, UnknownName
from musigen_agent.intent import FIELDS, Intent, Overrides, parse

# (prompt, expected fields); "bars" is the total length, "instruments" the parts in order.
# fmt: off
PROMPTS = [
    ("a relaxed bossa-ish jazz tune in F, 90 bpm, piano, upright bass, soft drums, 1 minute",
     dict(genre="jazz", moods=["relaxed"], tempo=90, key="F", mode="major", meter="4/4",
          instruments=["acoustic_piano", "acoustic_bass", "drum_kit"], bars=23)),
    ("a sad piano and cello piece in D minor, 70 bpm, 1 minute",
     dict(genre="classical", moods=["sad"], tempo=70, key="D", mode="minor", bars=18,
          instruments=["acoustic_piano", "cello"])),
    ("a waltz in F# minor at 93 bpm with flute and cello",
     dict(genre="classical", tempo=93, key="F#", mode="minor", meter="3/4", instruments=["flute", "cello"], bars=31)),
    ("happy pop song in G, 120 bpm, 2 minutes",
     dict(genre="pop", moods=["happy"], tempo=120, key="G", mode="major", bars=60,
          instruments=["acoustic_piano", "electric_guitar", "bass_guitar", "drum_kit", "synthesizer"])),
    ("energetic rock at 150 bpm in E minor, no keys",
     dict(genre="rock", moods=["energetic"], tempo=150, key="E", mode="minor", bars=38,
          instruments=["electric_guitar", "bass_guitar", "drum_kit"])),
    ("dark techno 128bpm 1:30", dict(genre="electronic", moods=["sad"], tempo=128, key="A", mode="minor", bars=48)),
    ("chill lofi beat with rhodes and pads, 3 minutes",
     dict(genre="electronic", moods=["relaxed"], tempo=80, key="F", mode="major", bars=60,
          instruments=["drum_kit", "electric_piano", "pad_synth"])),
    ("two violins and a cello, in a minor, andante, 6/8",
     dict(genre="classical", moods=["dramatic"], tempo=90, key="A", mode="minor", meter="6/8", bars=30,
          instruments=["violin", "violin", "cello"])),
    ("drumless funk in c#m at 100 bpm, 2 min 30 s",
     dict(genre="funk", tempo=100, key="C#", mode="minor", bars=63,
          instruments=["electric_guitar", "bass_guitar", "electric_piano"])),
    ("a slow blues in the key of G", dict(genre="blues", moods=["relaxed"], tempo=70, key="G", mode="major", bars=18)),
    ("fast country tune, 90 seconds",
     dict(genre="country", moods=["happy"], tempo=140, key="C", mode="major", bars=53)),
    ("reggae in Bb with organ, bass and drums",
     dict(genre="reggae", moods=["happy"], tempo=95, key="Bb", mode="major",
          instruments=["organ", "bass_guitar", "drum_kit"])),
    ("a 32 bars ambient pad piece in C major at 60 bpm",
     dict(genre="electronic", tempo=60, key="C", mode="major", bars=32, instruments=["pad_synth"])),
    ("epic orchestral music in D minor, 100 bpm, 2 minutes",
     dict(genre="classical", moods=["dramatic"], tempo=100, key="D", mode="minor", bars=50,
          instruments=["string_ensemble", "contrabass", "french_horn", "flute", "clarinet", "timpani"])),
    ("upbeat funky groove with slap bass, electric piano and drums at 110 bpm",
     dict(genre="funk", moods=["happy"], tempo=110, key="C", mode="major", bars=28,
          instruments=["slap_bass", "electric_piano", "drum_kit"])),
    ("a melancholic jazz ballad for solo piano in Eb minor, 72 bpm",
     dict(genre="jazz", moods=["sad"], tempo=72, key="Eb", mode="minor", bars=18, instruments=["acoustic_piano"])),
    ("cheerful folk song with acoustic guitar and fiddle in D, 6/8, 1 minute",
     dict(genre="folk", moods=["happy"], tempo=120, key="D", mode="major", meter="6/8", bars=40,
          instruments=["acoustic_guitar", "violin"])),
    ("an energetic electronic track, 140 bpm, in F minor, 45 seconds",
     dict(genre="electronic", moods=["energetic"], tempo=140, key="F", mode="minor", bars=26)),
    ("calm piano in 3/4, adagio",
     dict(genre="pop", moods=["relaxed"], tempo=70, key="F", mode="major", meter="3/4", bars=23,
          instruments=["acoustic_piano"])),
    ("dramatic cinematic piece with strings, cello and piano, 2:00, allegro",
     dict(genre="classical", moods=["dramatic"], tempo=130, key="D", mode="minor", bars=65,
          instruments=["violin", "cello", "acoustic_piano"])),
    ("rock song, tempo 128, in A, 3 minutes, without drums",
     dict(genre="rock", moods=["happy"], tempo=128, key="A", mode="major", bars=96,
          instruments=["electric_guitar", "bass_guitar", "electric_piano"])),
    ("smooth jazz with sax and trumpet, B-flat major, 84 bpm",
     dict(genre="jazz", moods=["relaxed"], tempo=84, key="Bb", mode="major", bars=21,
          instruments=["saxophone", "trumpet"])),
    ("gloomy trip through a minor key at 65 bpm", dict(moods=["sad"], tempo=65, key="A", mode="minor")),
    ("happy birthday style tune in C, quick", dict(moods=["happy"], tempo=140, key="C", mode="major")),
    ("a heroic march for trumpet and drums in Bb",
     dict(genre="classical", moods=["dramatic"], tempo=120, key="Bb", mode="minor", meter="2/4",
          instruments=["trumpet", "drum_kit"])),
    ("electronic dance track with synth lead and bassline, 124 bpm, 4 minutes",
     dict(genre="electronic", tempo=124, bars=124, instruments=["synthesizer", "bass_guitar"])),
    ("intro, two verses, chorus, outro; pop in E at 100 bpm",
     dict(genre="pop", tempo=100, key="E", sections=["intro", "verse", "verse_2", "chorus", "outro"])),
    ("verse-chorus-verse grunge in D at 140 bpm",
     dict(genre="rock", tempo=140, key="D", sections=["verse", "chorus", "verse_2"])),
    ("a short lullaby with flute and piano",
     dict(genre="classical", moods=["relaxed"], tempo=66, bars=8, instruments=["flute", "acoustic_piano"])),
    ("a long bluesy shuffle in A with piano, 95 bpm",
     dict(genre="blues", tempo=95, key="A", bars=71, instruments=["acoustic_piano"])),
    ("prestissimo hard rock in E, no bass",
     dict(genre="rock", tempo=200, key="E", instruments=["electric_guitar", "drum_kit", "electric_piano"])),
    ("a 16-bar techno loop at 130 bpm", dict(genre="electronic", tempo=130, bars=16)),
    ("hip swing tune, 160 bpm, in Ab, with trumpet, sax, piano, bass and drums",
     dict(genre="jazz", moods=["energetic"], tempo=160, key="Ab", mode="major",
          instruments=["trumpet", "saxophone", "acoustic_piano", "bass_guitar", "drum_kit"])),
    ("uplifting pop in C# major with synths and drums, 118 bpm, 75 seconds",
     dict(genre="pop", moods=["happy"], tempo=118, key="C#", mode="major", bars=37,
          instruments=["synthesizer", "drum_kit"])),
    ("lazy reggae, F sharp major, 80 bpm", dict(genre="reggae", moods=["relaxed"], tempo=80, key="F#", mode="major")),
    ("a serious string quartet in C minor, moderato",
     dict(genre="classical", moods=["dramatic"], tempo=110, key="C", mode="minor")),
    ("an angry metal song in D at 180 bpm with guitars and drums, 2 minutes",
     dict(genre="rock", moods=["energetic", "dramatic"], tempo=180, key="D", mode="major", bars=90,
          instruments=["electric_guitar", "drum_kit"])),
    ("Am ballad with piano, 66 bpm",
     dict(genre="pop", moods=["relaxed", "sad"], tempo=66, key="A", mode="minor", instruments=["acoustic_piano"])),
    ("a piece in 5/4 at 120 bpm for piano and sax",
     dict(genre="pop", moods=["happy"], tempo=120, meter="5/4", bars=24, instruments=["acoustic_piano", "saxophone"])),
    ("nostalgic americana in G with acoustic guitar, violin and percussion, 1.5 minutes",
     dict(genre="folk", moods=["sad", "relaxed"], tempo=80, key="G", mode="minor", bars=30,
          instruments=["acoustic_guitar", "violin", "percussion"])),
    ("aggressive edm banger, 150 bpm, 60s", dict(genre="electronic", moods=["energetic"], tempo=150, bars=38)),
    ("mellow organ and guitar duet in Eb, 88 bpm",
     dict(genre="pop", moods=["relaxed"], tempo=88, key="Eb", mode="major", instruments=["organ", "electric_guitar"])),
    ("a triumphant fanfare in D major for trumpets, 30 seconds, 120 bpm",
     dict(moods=["happy", "energetic"], tempo=120, key="D", mode="major", bars=15, instruments=["trumpet"])),
    ("a very slow sad cello solo, 2 minutes",
     dict(genre="classical", moods=["sad"], tempo=55, key="A", mode="minor", bars=28, instruments=["cello"])),
    ("bouncy ska at 160 bpm with electric guitar, organ, bass and drums in F",
     dict(genre="reggae", moods=["happy"], tempo=160, key="F", mode="major",
          instruments=["electric_guitar", "organ", "bass_guitar", "drum_kit"])),
    ("summer house track, 124 bpm, in A minor, 2 minutes, with pads, synth and kit",
     dict(genre="electronic", moods=["dramatic"], tempo=124, key="A", mode="minor", bars=62,
          instruments=["pad_synth", "synthesizer", "drum_kit"])),
    ("peaceful and hopeful piano piece, largo, in E major, 90 seconds",
     dict(moods=["relaxed", "happy"], tempo=50, key="E", mode="major", bars=19, instruments=["acoustic_piano"])),
    ("a tense, dark and brooding score in G minor at 76 bpm, 12 bars, in 4",
     dict(moods=["dramatic", "sad"], tempo=76, key="G", mode="minor", meter="4/4", bars=12)),
]
# fmt: on


def _fields(intent: Intent) -> dict[str, object]:
    s = intent.spec
    return {
        "genre": s.genre, "moods": s.moods, "tempo": s.tempo, "key": s.key, "mode": s.mode, "meter": s.meter,
        "instruments": intent.provenance["instruments"].value, "bars": s.total_bars,
        "sections": [x.name for x in s.sections],
    }  # fmt: skip


@pytest.mark.parametrize(("prompt", "expected"), PROMPTS, ids=[p[:40] for p, _ in PROMPTS])
def test_prompt_table(catalog: Catalog, prompt: str, expected: dict[str, object]) -> None:
    intent = parse(prompt, catalog)
    got = _fields(intent)
    assert {k: got[k] for k in expected} == expected
    assert set(intent.provenance) == set(FIELDS)
    assert intent.spec.description == prompt


def test_issue_example_provenance(catalog: Catalog) -> None:
    intent = parse("a relaxed bossa-ish jazz tune in F, 90 bpm, piano, upright bass, soft drums, 1 minute", catalog)
    p = intent.provenance
    assert (p["genre"].value, p["genre"].source, p["genre"].words) == ("jazz", "stated", ["bossa-ish", "jazz"])
    assert (p["tempo"].source, p["tempo"].words) == ("stated", ["90 bpm"])
    assert (p["key"].source, p["key"].words) == ("stated", ["in F"])
    assert (p["mode"].value, p["mode"].source, p["mode"].words) == ("major", "implied", ["relaxed"])
    assert (p["length"].value, p["length"].words) == (23, ["1 minute"])
    assert p["instruments"].words == ["piano", "upright bass", "drums"]
    assert (p["seed"].value, p["seed"].source) == (0, "default")
    assert (p["model"].value, p["model"].source) == ("theory", "default")
    assert intent.spec.title == "Relaxed Jazz in F" and p["title"].source == "default"
    assert intent.spec.swing == 0.0 and p["swing"].words == ["bossa-ish"]  # a bossa is played straight
    assert intent.ignored == []
    assert (p["mix"].value, p["mix"].words) == ({"drum_kit": -6.0}, ["soft drums"])
    assert intent.mix.for_part("drum_kit").gain_db == -6.0 and intent.mix.for_part("acoustic_piano").gain_db == 0.0
    roles = {x.instrument: x.role for x in intent.spec.parts}
    assert roles == {"acoustic_piano": "melody", "acoustic_bass": "bass", "drum_kit": "rhythm"}


def test_sad_piano_and_cello(catalog: Catalog) -> None:
    intent = parse("a sad piano and cello piece in D minor, 70 bpm, 1 minute", catalog)
    spec = intent.spec
    assert (spec.key, spec.mode, spec.tempo, spec.moods) == ("D", "minor", 70, ["sad"])
    assert [p.instrument for p in spec.parts] == ["acoustic_piano", "cello"]
    assert intent.provenance["genre"].source == "implied"
    assert abs(spec.seconds - 60) <= planning.seconds_for_bars(1, 70, "4/4")


def test_waltz_keeps_exactly_the_named_instruments(catalog: Catalog) -> None:
    intent = parse("a waltz in F# minor at 93 bpm with flute and cello", catalog)
    spec = intent.spec
    assert [p.name for p in spec.parts] == ["flute", "cello"]
    assert (spec.meter, spec.key, spec.mode, spec.tempo) == ("3/4", "F#", "minor", 93)
    assert intent.provenance["meter"].words == ["waltz"]
    assert intent.provenance["instruments"].source == "stated"


def test_nonsense_gives_a_default_spec_and_reports_the_words(catalog: Catalog) -> None:
    intent = parse("asdf qwerty", catalog)
    spec = intent.spec
    assert intent.ignored == ["asdf", "qwerty"]
    assert (spec.genre, spec.moods, spec.mode, spec.key, spec.meter) == ("pop", ["happy"], "major", "C", "4/4")
    assert [p.instrument for p in spec.parts] == list(catalog.genres["pop"].instruments)
    assert spec.tempo == planning.default_tempo(catalog.genres["pop"], catalog.moods["happy"])[0]
    assert spec.total_bars == planning.bars_for_seconds(60, spec.tempo, "4/4")
    assert all(c.source == "default" for c in intent.provenance.values())


def test_stop_words_are_not_reported(catalog: Catalog) -> None:
    assert parse("Please make me a song with the piano and a sad mood", catalog).ignored == []


@pytest.mark.parametrize(
    "prompt",
    ["🎹🎶 happy song 😀 für dich", "悲しいピアノの曲", "x" * 2000, ("jazz piano 90 bpm in F " * 100)[:2000],
     "in in in a a a # b ♭ ♯ / : - 3/ /4 bpm bpm 0 bpm -5 bpm 99999 bpm 0:00 0 bars", "\x00\n\t\u200b", "no no no",
     "without everything", "drums drums drums " * 60, "1/0 0/0 99/99 12/8 7/8", "in the key of H minor", "Ⅻ bars"],
)  # fmt: skip
def test_odd_prompts_never_crash(catalog: Catalog, prompt: str) -> None:
    start = time.perf_counter()
    intent = parse(prompt, catalog)
    assert time.perf_counter() - start < 0.5
    assert intent.spec.parts and intent.spec.sections


def test_long_prompt_limit(catalog: Catalog) -> None:
    with pytest.raises(InvalidInput) as err:
        parse("a" * 2001, catalog)
    assert err.value.field == "description"


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_text_without_arguments_is_an_error(catalog: Catalog, text: str | None) -> None:
    with pytest.raises(InvalidInput) as err:
        parse(text, catalog)  # type: ignore[arg-type]
    assert err.value.field == "description"


def test_arguments_alone_are_enough(catalog: Catalog) -> None:
    intent = parse("", catalog, Overrides(genre="funk", tempo=104))
    assert (intent.spec.genre, intent.spec.tempo) == ("funk", 104)
    assert intent.provenance["genre"].source == "argument"


# ---------------------------------------------------------------------------- keys, meters, lengths in words


@pytest.mark.parametrize(
    ("prompt", "key", "mode"),
    [("in F# minor", "F#", "minor"), ("in Bb", "Bb", "major"), ("in B-flat major", "Bb", "major"),
     ("F sharp major", "F#", "major"), ("in Dm", "D", "minor"), ("C minor", "C", "minor"), ("in a#", "A#", "major"),
     ("in e flat minor", "Eb", "minor"), ("key of a", "A", "major"), ("in A", "A", "major"), ("minor", "A", "minor"),
     ("sad song in major", "C", "major"), ("in a minor", "A", "minor"), ("G♯ minor", "G#", "minor"),
     ("I am in a good mood", "C", "major"), ("a major label hit", "C", "major"), ("done in a minute", "C", "major"),
     ("in E#", "F", "major"), ("Em", "E", "minor")],
)  # fmt: skip
def test_keys_in_words(catalog: Catalog, prompt: str, key: str, mode: str) -> None:
    spec = parse(prompt, catalog).spec
    assert (spec.key, spec.mode) == (key, mode)


def test_key_without_mode_takes_the_moods_mode(catalog: Catalog) -> None:
    intent = parse("a sad song in C", catalog)
    assert (intent.spec.key, intent.spec.mode) == ("C", "minor")
    assert intent.provenance["mode"].source == "implied"


@pytest.mark.parametrize(
    ("prompt", "meter"),
    [("3/4", "3/4"), ("in 6/8 time", "6/8"), ("a waltz", "3/4"), ("in 4", "4/4"), ("in three", "3/4"),
     ("a jig", "6/8"), ("12/8 blues", "12/8"), ("11/3", "4/4"), ("in 4 minutes", "4/4"), ("classical", "4/4")],
)  # fmt: skip
def test_meters_in_words(catalog: Catalog, prompt: str, meter: str) -> None:
    assert parse(prompt, catalog).spec.meter == meter


def test_unsupported_meter_is_explained(catalog: Catalog) -> None:
    intent = parse("a march in 11/3", catalog)
    assert intent.spec.meter == "2/4"
    assert any("11/3" in n and "4/4" in n for n in intent.notes)


@pytest.mark.parametrize(
    ("prompt", "seconds"),
    [("2 minutes", 120), ("1 minute", 60), ("90 seconds", 90), ("30s", 30), ("1:30", 90), ("short", 30),
     ("long", 180), ("two minutes", 120), ("a minute and a half", 90), ("2.5 min", 150), ("3 min 20 s", 200),
     ("45 sec", 45), ("", 60), ("an 8-bar intro", 60), ("80s synth pop", 60), ("the 90s", 60)],
)  # fmt: skip
def test_lengths_in_words(catalog: Catalog, prompt: str, seconds: float) -> None:
    spec = parse(prompt + " at 120 bpm", catalog).spec
    assert spec.total_bars == planning.bars_for_seconds(seconds, 120, spec.meter)


def test_bars_and_clamped_lengths_in_words(catalog: Catalog) -> None:
    assert parse("32 bars at 120 bpm", catalog).spec.total_bars == 32
    intent = parse("3 hours of ambient pads at 60 bpm", catalog)
    assert intent.spec.seconds <= 1200
    assert any("1200 s" in n for n in intent.notes)
    intent = parse("9000 bars", catalog)
    assert intent.spec.total_bars <= 512 and any("used" in n for n in intent.notes)


@pytest.mark.parametrize(
    ("prompt", "tempo"),
    [("90 bpm", 90), ("at 93 bpm", 93), ("tempo 120", 120), ("tempo: 84", 84), ("100-110 bpm", 105),
     ("150 beats per minute", 150), ("slow", 70), ("fast", 140), ("moderate", 100), ("uptempo", 128),
     ("largo", 50), ("adagio", 70), ("andante", 90), ("moderato", 110), ("allegro", 130), ("presto", 175),
     ("very fast", 170), ("at 132", 132), ("5000 bpm", 300), ("slow, 90 bpm", 90)],
)  # fmt: skip
def test_tempi_in_words(catalog: Catalog, prompt: str, tempo: int) -> None:
    intent = parse(prompt + " piano", catalog)
    assert intent.spec.tempo == tempo
    assert intent.provenance["instruments"].value == ["acoustic_piano"]  # 'beats' per minute is not drums


def test_half_time_halves_the_default_but_not_a_given_tempo(catalog: Catalog) -> None:
    base = parse("pop", catalog).spec.tempo
    intent = parse("half-time pop", catalog)
    assert intent.spec.tempo == round(base / 2)
    assert "half-time" in intent.provenance["tempo"].words
    assert parse("half time pop at 140 bpm", catalog).spec.tempo == 140


# ---------------------------------------------------------------------------- instruments and structure


def test_exclusions_remove_from_the_default_band(catalog: Catalog) -> None:
    intent = parse("jazz without drums", catalog)
    assert "drum_kit" not in [p.instrument for p in intent.spec.parts]
    assert "without drums" in intent.provenance["instruments"].words
    rock = parse("rock, no guitar or bass", catalog)  # 'guitar' removes rock's electric guitar
    assert rock.provenance["instruments"].value == ["drum_kit", "electric_piano"]
    funk = parse("funk minus the sax", catalog)
    assert any("no saxophone to remove" in n for n in funk.notes)


def test_exclusions_remove_from_stated_instruments(catalog: Catalog) -> None:
    spec = parse("piano, bass and drums, no drums", catalog).spec
    assert [p.instrument for p in spec.parts] == ["acoustic_piano", "bass_guitar"]
    intent = parse("drumless lofi with piano and drums", catalog)
    assert intent.provenance["instruments"].value == ["acoustic_piano"]


def test_excluding_everything_falls_back_to_the_rest_of_the_genre_band(catalog: Catalog) -> None:
    intent = parse("solo piano, no piano", catalog)
    assert [p.instrument for p in intent.spec.parts] == ["electric_guitar", "bass_guitar", "drum_kit", "synthesizer"]
    assert any("every instrument was excluded" in n for n in intent.notes)


def test_instrument_before_a_genre_word_features_in_that_band(catalog: Catalog) -> None:
    spec = parse("organ rock", catalog).spec
    assert [p.instrument for p in spec.parts] == [*catalog.genres["rock"].instruments, "organ"]


def test_generic_instrument_words_take_the_genres_member(catalog: Catalog) -> None:
    intent = parse("a rock song with guitar and drums", catalog)
    assert intent.provenance["instruments"].value == ["electric_guitar", "drum_kit"]
    assert any("electric_guitar" in n for n in intent.notes)
    assert parse("folk with guitar", catalog).spec.parts[0].instrument == "acoustic_guitar"


def test_multi_word_instruments_win_over_their_parts(catalog: Catalog) -> None:
    spec = parse("electric piano, acoustic guitar, upright bass, drum kit", catalog).spec
    assert [p.instrument for p in spec.parts] == ["electric_piano", "acoustic_guitar", "acoustic_bass", "drum_kit"]


@pytest.mark.parametrize(
    ("prompt", "sections"),
    [("intro, two verses, chorus, outro", ["intro", "verse", "verse_2", "chorus", "outro"]),
     ("verse-chorus-verse", ["verse", "chorus", "verse_2"]),
     ("intro, verse x2, pre-chorus, chorus twice, bridge, outro",
      ["intro", "verse", "verse_2", "pre_chorus", "chorus", "chorus_2", "bridge", "outro"]),
     ("verses and choruses", ["verse", "verse_2", "chorus", "chorus_2"])],
)  # fmt: skip
def test_stated_structure(catalog: Catalog, prompt: str, sections: list[str]) -> None:
    intent = parse(prompt + ", 2 minutes", catalog)
    assert [s.name for s in intent.spec.sections] == sections
    assert intent.provenance["sections"].source == "stated"


def test_one_section_word_is_not_a_structure(catalog: Catalog) -> None:
    intent = parse("a pop song with a big chorus", catalog)
    assert intent.provenance["sections"].source == "implied"
    assert "chorus" in intent.ignored


def test_several_moods_and_genres(catalog: Catalog) -> None:
    intent = parse("a dark, tense, melancholy and cheerful jazz rock tune", catalog)
    assert intent.spec.moods == ["sad", "dramatic", "happy"]
    assert intent.spec.genre == "jazz"
    assert any("rock" in n for n in intent.notes)
    intent = parse("happy sad energetic relaxed dramatic", catalog)
    assert len(intent.spec.moods) == 3 and any("at most 3" in n for n in intent.notes)


def test_title_in_quotes(catalog: Catalog) -> None:
    intent = parse('a jazz tune called "Blue Monday Morning"', catalog)
    assert intent.spec.title == "Blue Monday Morning"
    assert intent.provenance["title"].source == "stated"
    assert intent.spec.moods == ["happy"]  # 'blue' inside the title is not the mood


# ---------------------------------------------------------------------------- arguments


def test_arguments_beat_the_words(catalog: Catalog) -> None:
    words = "a sad piano and cello piece in D minor, 70 bpm, 1 minute, 3/4"
    ov = Overrides(
        title="Mine", genre="Jazz", mood=["happy", "Chill"], tempo=140, key="Bb minor", meter="6/8",
        length="32 bars", instruments=["rhodes", "Upright Bass", "drums"], sections=["intro", "Verse", "outro"],
        seed=7, model="theory", swing=0.5, chords=["Bbm", "Gb", "F7"],
    )  # fmt: skip
    intent = parse(words, catalog, ov)
    spec = intent.spec
    assert (spec.title, spec.genre, spec.moods, spec.tempo) == ("Mine", "jazz", ["happy", "relaxed"], 140)
    assert (spec.key, spec.mode, spec.meter, spec.total_bars, spec.seed) == ("Bb", "minor", "6/8", 32, 7)
    assert [p.instrument for p in spec.parts] == ["electric_piano", "acoustic_bass", "drum_kit"]
    assert [s.name for s in spec.sections] == ["intro", "verse", "outro"]
    assert all(c.source == "argument" for k, c in intent.provenance.items() if k != "mix")  # no mix argument
    assert intent.provenance["mix"].source == "default"
    assert any(n.startswith("tempo: the argument 140") for n in intent.notes)


def test_mode_argument_and_key_argument(catalog: Catalog) -> None:
    spec = parse("a happy tune", catalog, Overrides(key="F#")).spec
    assert (spec.key, spec.mode) == ("F#", "major")
    spec = parse("a happy tune in G", catalog, Overrides(mode="minor")).spec
    assert (spec.key, spec.mode) == ("G", "minor")
    spec = parse("", catalog, Overrides(key="Dm")).spec
    assert (spec.key, spec.mode, spec.moods) == ("D", "minor", ["sad"])


@pytest.mark.parametrize(
    ("length", "bars"), [(90, 45), ("2:30", 75), ("90s", 45), ("32 bars", 32), ("2 minutes", 60), ("1000", 500)]
)
def test_length_arguments(catalog: Catalog, length: float | str, bars: int) -> None:
    assert parse("pop", catalog, Overrides(length=length, tempo=120)).spec.total_bars == bars


@pytest.mark.parametrize(
    ("overrides", "field", "allowed"),
    [(Overrides(tempo=0), "tempo", {"min": 20, "max": 300, "unit": "bpm"}),
     (Overrides(tempo=10000), "tempo", {"min": 20, "max": 300, "unit": "bpm"}),
     (Overrides(length=10800), "length", {"min_seconds": 1, "max_seconds": 1200, "max_bars": 512}),
     (Overrides(length="3 hours"), "length", {"min_seconds": 1, "max_seconds": 1200, "max_bars": 512}),
     (Overrides(length=0), "length", {"min_seconds": 1, "max_seconds": 1200, "max_bars": 512}),
     (Overrides(length="forever"), "length", {"min_seconds": 1, "max_seconds": 1200, "max_bars": 512}),
     (Overrides(meter="11/3"), "meter", ["2/4", "3/4", "4/4", "5/4", "6/8", "7/8", "9/8", "12/8"]),
     (Overrides(mode="dorian"), "mode", ["major", "minor"]),
     (Overrides(seed=-1), "seed", {"min": 0, "max": 2**32 - 1}),
     (Overrides(instruments=[]), "instruments", None),
     (Overrides(mood=["happy", "sad", "relaxed", "dramatic"]), "mood", None),
     (Overrides(sections=["Verse!"]), "sections", None),
     (Overrides(title="t" * 201), "title", None)],
)  # fmt: skip
def test_bad_arguments_name_the_field_and_what_is_allowed(
    catalog: Catalog, overrides: Overrides, field: str, allowed: object
) -> None:
    with pytest.raises(InvalidInput) as err:
        parse("a jazz tune", catalog, overrides)
    assert err.value.field == field
    assert field in err.value.message
    if allowed is not None:
        assert err.value.allowed == allowed


def test_tempo_and_length_messages_state_the_range(catalog: Catalog) -> None:
    with pytest.raises(InvalidInput, match="between 20 and 300 bpm"):
        parse("x", catalog, Overrides(tempo=0))
    with pytest.raises(InvalidInput, match="1-1200 seconds.*20 minutes.*512"):
        parse("x", catalog, Overrides(length=10800))
    with pytest.raises(InvalidInput, match="at most 200 bars") as err:
        parse("x", catalog, Overrides(length="512 bars", tempo=40))
    assert err.value.field == "length"
    with pytest.raises(InvalidInput, match="at most 512 bars"):
        parse("x", catalog, Overrides(length=1200, tempo=120))  # 600 bars: past the spec's bar limit


def test_bad_key_argument(catalog: Catalog) -> None:
    with pytest.raises(InvalidInput) as err:
        parse("a jazz tune", catalog, Overrides(key="H"))
    assert err.value.field == "key"
    assert "C#" in err.value.allowed and "Bb" in err.value.allowed


@pytest.mark.parametrize(
    ("overrides", "field", "suggestion"),
    [(Overrides(instruments=["piano", "kazoo9000"]), "instruments", None),
     (Overrides(instruments=["violn"]), "instruments", "violin"), (Overrides(genre="jaz"), "genre", "jazz"),
     (Overrides(mood="hapy"), "mood", "happy"), (Overrides(model="neurall"), "model", None)],
)  # fmt: skip
def test_unknown_names_in_arguments(catalog: Catalog, overrides: Overrides, field: str, suggestion: str | None) -> None:
    with pytest.raises(UnknownName) as err:
        parse("a tune", catalog, overrides)
    assert err.value.field == field
    if suggestion:
        assert suggestion in err.value.suggestions


# ---------------------------------------------------------------------------- every genre x mood


def test_every_genre_and_mood_pair(catalog: Catalog) -> None:
    for genre in catalog.genres.values():
        for mood in catalog.moods.values():
            intent = parse(f"a {mood.name} {genre.name} piece", catalog)
            spec = intent.spec
            assert (spec.genre, spec.moods) == (genre.name, [mood.name])
            assert spec.mode == mood.mode
            assert [p.instrument for p in spec.parts] == list(genre.instruments)
            m_lo, m_hi = mood.tempo_range
            g_lo, g_hi = genre.tempo_range
            if max(m_lo, g_lo) <= min(m_hi, g_hi):
                assert m_lo <= spec.tempo <= m_hi and g_lo <= spec.tempo <= g_hi
            else:
                assert spec.tempo in (g_lo, g_hi)
                assert any(f"{mood.name} asks for" in n and genre.name in n for n in intent.notes)
            assert spec.meter == genre.meters[0]
            assert spec.total_bars == planning.bars_for_seconds(60, spec.tempo, spec.meter)


@pytest.mark.parametrize(
    ("prompt", "levels", "instruments_words"),
    [
        ("a jazz tune with piano, upright bass and soft drums", {"drum_kit": -6.0}, ["piano", "upright bass", "drums"]),
        ("rock with two loud guitars, bass and heavy drums",
         {"electric_guitar": 3.0, "electric_guitar_2": 3.0, "drum_kit": 3.0}, ["two loud guitars", "bass", "drums"]),
        ("a bossa with light percussion, flute and nylon guitar", {"percussion": -6.0},
         ["percussion", "flute", "nylon guitar"]),
        ("folk with acoustic guitar, quiet fiddle and banjo", {"violin": -6.0}, ["acoustic guitar", "fiddle", "banjo"]),
    ],
)  # fmt: skip
def test_level_words_set_the_first_mix(
    catalog: Catalog, prompt: str, levels: dict[str, float], instruments_words: list[str]
) -> None:
    intent = parse(prompt, catalog)
    assert intent.provenance["mix"].value == levels and intent.provenance["mix"].source == "stated"
    assert {name: t.gain_db for name, t in intent.mix.tracks.items()} == levels
    assert intent.provenance["instruments"].words == instruments_words
    assert not set(intent.ignored) & {"soft", "loud", "heavy", "light", "quiet"}


def test_a_level_with_nothing_to_set_it_against_leaves_the_mix_flat(catalog: Catalog) -> None:
    intent = parse("soft piano", catalog)  # both hands of the piano: every part alike
    assert intent.mix.tracks == {} and intent.provenance["mix"].source == "default"
    assert any(n.startswith("mix: 'soft piano'") for n in intent.notes)
    assert parse("a gentle piano piece", catalog).provenance["moods"].words == ["gentle"]  # a mood word stays one


@pytest.mark.parametrize(
    ("prompt", "genre", "moods", "tempo", "meter", "band_has"),
    [
        ("a rock ballad", "rock", ["relaxed", "sad"], 72, "4/4", "electric_guitar"),
        ("an uptempo ballad", "pop", ["relaxed", "sad"], 128, "4/4", "acoustic_piano"),  # a tempo word beats it
        ("tenor sax ballad in Db, 60 bpm", "pop", ["relaxed", "sad"], 60, "4/4", "tenor_sax"),  # sax + pop band
        ("a march", "classical", ["happy"], 120, "2/4", "tuba"),
    ],
)  # fmt: skip
def test_ballads_are_slow_and_marches_in_two(catalog, prompt, genre, moods, tempo, meter, band_has) -> None:
    spec = parse(prompt, catalog).spec
    assert (spec.genre, spec.moods, spec.tempo, spec.meter) == (genre, moods, tempo, meter)
    assert band_has in [p.instrument for p in spec.parts]
