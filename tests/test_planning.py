"""Planning: form fitted to a bar budget, roles, default tempo/key, key and length reading."""

from __future__ import annotations

import pytest

from musigen_agent import planning
from musigen_agent.catalog import Catalog, Genre, Groove, Instrument
from musigen_agent.spec import MAX_BARS, SECTION_NAME

LENGTHS = [*range(1, 18), 22, 23, 30, 31, 33, 40, 47, 60, 64, 90, 97, 120, 200, 255, 300, 511, 512]


def _genre(name: str = "test", form: tuple[str, ...] = ("intro", "verse", "chorus", "outro"), phrase: int = 4) -> Genre:
    return Genre(
        name=name,
        instruments=("acoustic_piano",),
        tempo_range=(100, 120),
        grooves=(Groove(name="g", lanes={"kick": "X" + "." * 15}),),
        chord_qualities=("",),
        progressions=(("I", "V"),),
        form=form,
        phrase_bars=phrase,
    )


# ---------------------------------------------------------------------------- sections


@pytest.mark.parametrize("total", LENGTHS)
def test_every_genre_form_sums_exactly_to_the_budget(catalog: Catalog, total: int) -> None:
    for genre in catalog.genres.values():
        sections = planning.plan_sections(genre, total)
        assert sum(s.bars for s in sections) == total, (genre.name, total)
        names = [s.name for s in sections]
        assert len(set(names)) == len(names)
        assert all(SECTION_NAME.match(n) and 1 <= s.bars <= 128 for n, s in zip(names, sections, strict=True))
        assert len(sections) <= planning.MAX_SECTIONS


def test_short_pieces_drop_bridge_and_repeats_and_keep_edges_short(catalog: Catalog) -> None:
    pop = catalog.genres["pop"]
    thirty = [(s.name, s.bars) for s in planning.plan_sections(pop, 30)]
    assert [n for n, _ in thirty] == ["intro", "verse", "chorus", "verse_2", "chorus_2", "outro"]
    assert all(2 <= b <= 4 for n, b in thirty if n in ("intro", "outro"))
    assert all(4 <= b <= 8 and b % 2 == 0 for n, b in thirty if n not in ("intro", "outro"))
    assert [s.name for s in planning.plan_sections(pop, 22)] == ["intro", "verse", "chorus", "outro"]
    assert [s.name for s in planning.plan_sections(pop, 4)] == ["verse"]


def test_full_pop_form_at_its_natural_length(catalog: Catalog) -> None:
    sections = planning.plan_sections(catalog.genres["pop"], 56)
    assert [(s.name, s.bars) for s in sections] == [
        ("intro", 4), ("verse", 8), ("chorus", 8), ("verse_2", 8), ("chorus_2", 8), ("bridge", 8), ("chorus_3", 8),
        ("outro", 4),
    ]  # fmt: skip


def test_long_pieces_repeat_the_opening_unit(catalog: Catalog) -> None:
    names = [s.name for s in planning.plan_sections(catalog.genres["pop"], 200)]
    assert names[:5] == ["intro", "verse", "chorus", "verse_2", "chorus_2"]
    assert names[-3:] == ["bridge", names[-2], "outro"] and names[-2].startswith("chorus")
    assert len(names) > 8


def test_blues_choruses_stay_twelve_bars(catalog: Catalog) -> None:
    for total in (30, 40, 60):
        body = [s.bars for s in planning.plan_sections(catalog.genres["blues"], total) if s.name.startswith("verse")]
        assert body and all(b % 12 == 0 for b in body), total


def test_energy_follows_a_dynamic_arc(catalog: Catalog) -> None:
    energy = {s.name: s.energy for s in planning.plan_sections(catalog.genres["pop"], 56)}
    assert energy["intro"] < energy["verse"] < energy["chorus"]
    assert energy["outro"] <= energy["intro"]
    assert energy["verse"] <= energy["verse_2"] and energy["chorus"] <= energy["chorus_2"] <= energy["chorus_3"]
    assert energy["intro"] == pytest.approx(0.35) and energy["chorus"] == pytest.approx(0.85)


@pytest.mark.parametrize("total", [5, 6, 10, 17, 24, 33, 64, 200, 512])
def test_stated_structure_is_kept_and_split(catalog: Catalog, total: int) -> None:
    names = ["intro", "verse", "verse", "chorus", "outro"]
    sections = planning.plan_sections(catalog.genres["pop"], total, names)
    assert [s.name for s in sections] == ["intro", "verse", "verse_2", "chorus", "outro"]
    assert sum(s.bars for s in sections) == total


def test_stated_structure_longer_than_the_bars_keeps_the_first_sections(catalog: Catalog) -> None:
    sections = planning.plan_sections(catalog.genres["pop"], 2, ["intro", "verse", "chorus", "outro"])
    assert [(s.name, s.bars) for s in sections] == [("intro", 1), ("verse", 1)]


def test_unknown_section_names_and_tiny_forms() -> None:
    genre = _genre(form=("exposition", "development", "recapitulation"))
    for total in LENGTHS:
        sections = planning.plan_sections(genre, total)
        assert sum(s.bars for s in sections) == total
    assert [s.name for s in planning.plan_sections(_genre(form=("intro", "outro")), 9)] == ["intro", "outro"]
    with pytest.raises(ValueError):
        planning.plan_sections(genre, 0)


def test_sections_hold_at_most_128_bars_each() -> None:
    sections = planning.plan_sections(_genre(), 256, ["intro", "outro"])
    assert [s.bars for s in sections] == [128, 128]
    with pytest.raises(ValueError, match="at most 128"):
        planning.plan_sections(_genre(), 300, ["intro", "outro"])


# ---------------------------------------------------------------------------- bars and seconds


@pytest.mark.parametrize(
    ("seconds", "tempo", "meter", "bars"),
    [(60, 90, "4/4", 23), (60, 120, "4/4", 30), (60, 93, "3/4", 31), (30, 120, "6/8", 20), (1, 60, "4/4", 2),
     (1200, 300, "2/4", 3000), (90, 128, "4/4", 48), (60, 120, "5/4", 24)],
)  # fmt: skip
def test_bars_for_seconds(seconds: float, tempo: int, meter: str, bars: int) -> None:
    assert planning.bars_for_seconds(seconds, tempo, meter) == bars
    one_bar = planning.seconds_for_bars(1, tempo, meter)
    assert bars == 2 or planning.seconds_for_bars(bars, tempo, meter) == pytest.approx(seconds, abs=one_bar / 2 + 1e-6)


def test_fit_length_clamps_to_the_spec_limits() -> None:
    assert planning.fit_length("seconds", 60, 120, "4/4") == (30, "")
    bars, note = planning.fit_length("seconds", 10800, 60, "4/4")
    assert bars == 300 and "1200 s" in note
    bars, note = planning.fit_length("seconds", 1200, 120, "4/4")
    assert bars == 512 and "at most 512" in note
    bars, note = planning.fit_length("bars", 600, 40, "4/4")
    assert bars == 200 and "used 200" in note  # 200 bars of 4/4 at 40 bpm is the 1200 s limit
    assert planning.max_bars_for(300, "2/4", 1200) == MAX_BARS


# ---------------------------------------------------------------------------- tempo and key


def test_default_tempo_is_the_middle_of_the_overlap(catalog: Catalog) -> None:
    tempo, note = planning.default_tempo(catalog.genres["jazz"], catalog.moods["relaxed"])
    assert (tempo, note) == (90, "")


def test_default_tempo_clash_uses_the_genre_end_nearest_the_mood(catalog: Catalog) -> None:
    tempo, note = planning.default_tempo(catalog.genres["electronic"], catalog.moods["sad"])
    assert tempo == 118
    assert note == "sad asks for 60-80 bpm but electronic lives at 118-135; used 118"
    tempo, note = planning.default_tempo(catalog.genres["reggae"], catalog.moods["energetic"])
    assert tempo == 95 and "used 95" in note


def test_default_key_matches_the_mode(catalog: Catalog) -> None:
    assert planning.default_key(catalog.moods["sad"], "minor") == "A"
    assert planning.default_key(catalog.moods["relaxed"], "major") == "F"
    assert planning.default_key(catalog.moods["energetic"], "major") == "E"
    # no key in that mode: the relative key of the first preference
    assert planning.default_key(catalog.moods["happy"], "minor") == "A"
    assert planning.default_key(catalog.moods["dramatic"], "major") == "F"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("F#", ("F#", None)), ("Bb minor", ("Bb", "minor")), ("Dm", ("D", "minor")), ("B-flat major", ("Bb", "major")),
     ("f sharp", ("F#", None)), ("a#", ("A#", None)), ("E#", ("F", None)), ("c# min", ("C#", "minor")),
     ("Eb maj", ("Eb", "major")), ("g", ("G", None))],
)  # fmt: skip
def test_parse_key(text: str, expected: tuple[str, str | None]) -> None:
    assert planning.parse_key(text) == expected


@pytest.mark.parametrize("text", ["H", "", "Bb dorian", "x minor", "11"])
def test_parse_key_rejects_non_keys(text: str) -> None:
    with pytest.raises(ValueError):
        planning.parse_key(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2:30", ("seconds", 150)), ("90s", ("seconds", 90)), ("32 bars", ("bars", 32)), ("2 minutes", ("seconds", 120)),
     ("1.5 min", ("seconds", 90)), ("a minute and a half", ("seconds", 90)), ("2 min 30 s", ("seconds", 150)),
     ("75", ("seconds", 75)), ("3 hours", ("seconds", 10800)), ("half a minute", ("seconds", 30)),
     ("sixteen measures", ("bars", 16))],
)  # fmt: skip
def test_parse_length(text: str, expected: tuple[str, float]) -> None:
    assert planning.parse_length(text) == expected


def test_parse_length_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        planning.parse_length("forever")


# ---------------------------------------------------------------------------- parts


def test_genre_bands_get_playable_roles(catalog: Catalog) -> None:
    for genre in catalog.genres.values():
        parts = planning.assign_parts(list(genre.instruments), catalog)
        assert [p.instrument for p in parts] == list(genre.instruments)
        roles = [p.role for p in parts]
        assert roles.count("melody") == 1, genre.name
        assert roles.count("bass") <= 1
        for part in parts:
            inst = catalog.instruments[part.instrument]
            assert part.role in inst.roles
            assert (part.role == "rhythm") == inst.is_drum


def test_jazz_roles(catalog: Catalog) -> None:
    parts = planning.assign_parts(list(catalog.genres["jazz"].instruments), catalog)
    assert {p.name: p.role for p in parts} == {
        "acoustic_piano": "harmony", "bass_guitar": "bass", "drum_kit": "rhythm", "saxophone": "melody",
        "trumpet": "counter_melody",
    }  # fmt: skip


def test_single_instrument_plays_the_melody(catalog: Catalog) -> None:
    assert [(p.name, p.role) for p in planning.assign_parts(["acoustic_piano"], catalog)] == [
        ("acoustic_piano", "melody")
    ]
    assert planning.assign_parts(["drum_kit", "acoustic_piano"], catalog)[1].role == "melody"
    # an instrument that cannot lead still gets a role it can play
    assert planning.assign_parts(["bass_guitar"], catalog)[0].role == "bass"


def test_duet_bass_only_from_a_real_bass_voice(catalog: Catalog) -> None:
    roles = {p.name: p.role for p in planning.assign_parts(["flute", "cello"], catalog)}
    assert roles == {"flute": "melody", "cello": "bass"}
    roles = {p.name: p.role for p in planning.assign_parts(["acoustic_piano", "synthesizer"], catalog)}
    assert roles == {"acoustic_piano": "harmony", "synthesizer": "melody"}


def test_duplicate_instruments_get_numbered_names(catalog: Catalog) -> None:
    parts = planning.assign_parts(["violin", "violin", "cello", "violin"], catalog)
    assert [p.name for p in parts] == ["violin", "violin_2", "cello", "violin_3"]
    assert planning.assign_parts(["violin", "violin", "cello", "violin"], catalog) == parts


def test_assign_parts_unknown_instrument(catalog: Catalog) -> None:
    from musigen_agent.errors import UnknownName

    with pytest.raises(UnknownName) as err:
        planning.assign_parts(["kazoo"], catalog)
    assert err.value.field == "instruments"


def test_hand_built_catalogue_without_bass_family() -> None:
    def inst(name: str, roles: tuple[str, ...], **kw: object) -> Instrument:
        return Instrument(name=name, type="t", family=kw.pop("family", name), gm_program=0, low=30, high=90,
                          roles=roles, **kw)  # fmt: skip

    cat = Catalog(
        instruments={
            "a": inst("a", ("harmony", "melody", "bass")),
            "b": inst("b", ("melody",)),
            "c": inst("c", ("pad", "harmony")),
            "d": inst("d", ("rhythm",), is_drum=True),
        }
    )
    roles = {p.name: p.role for p in planning.assign_parts(["a", "b", "c", "d"], cat)}
    assert roles == {"a": "bass", "b": "melody", "c": "pad", "d": "rhythm"}


# ---------------------------------------------------------------------------- implied genre and mood


def test_implied_genre_needs_two_instruments_that_point_one_way(catalog: Catalog) -> None:
    assert planning.implied_genre(["flute", "cello"], catalog) == "classical"
    assert planning.implied_genre(["saxophone", "trumpet"], catalog) == "jazz"
    assert planning.implied_genre(["acoustic_piano"], catalog) is None
    assert planning.implied_genre(["electric_guitar", "bass_guitar", "drum_kit"], catalog) is None


def test_implied_mood(catalog: Catalog) -> None:
    assert planning.implied_mood(catalog, "minor", None, "happy") == "sad"
    assert planning.implied_mood(catalog, "minor", 100, "happy") == "dramatic"
    assert planning.implied_mood(catalog, None, 70, "happy") == "relaxed"
    assert planning.implied_mood(catalog, None, 130, "happy") == "happy"
    assert planning.implied_mood(catalog, None, 170, "happy") == "energetic"


def test_exclusion_and_genre_variant_follow_families(catalog: Catalog) -> None:
    rock = catalog.genres["rock"]
    assert planning.exclude(list(rock.instruments), "acoustic_guitar", catalog) == ["electric_guitar"]
    assert planning.exclude(list(rock.instruments), "flute", catalog) == []
    assert planning.genre_variant("acoustic_guitar", rock, catalog) == "electric_guitar"
    assert planning.genre_variant("acoustic_guitar", catalog.genres["folk"], catalog) == "acoustic_guitar"


def test_default_title(catalog: Catalog) -> None:
    title = planning.default_title(catalog.genres["jazz"], catalog.moods["relaxed"], "F", "major")
    assert title == "Relaxed Jazz in F"
    assert planning.default_title(catalog.genres["classical"], catalog.moods["sad"], "D", "minor") == (
        "Sad Classical in D minor"
    )
