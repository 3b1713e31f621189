"""Theory helpers: chord symbols, roman numerals, voicing."""

import pytest

from musigen_agent.theory import (
    chord_symbol,
    colour,
    parse_chord,
    pitch_class,
    relative_key,
    roman_to_chord,
    scale_pcs,
    voice_chord,
)


@pytest.mark.parametrize(
    ("symbol", "root", "pcs"),
    [
        ("C", 0, (0, 4, 7)),
        ("Am", 9, (0, 4, 9)),
        ("F#m7b5", 6, (0, 4, 6, 9)),
        ("Bbmaj7", 10, (2, 5, 9, 10)),
        ("G6", 7, (2, 4, 7, 11)),
        ("D7", 2, (0, 2, 6, 9)),
        ("Esus4", 4, (4, 9, 11)),
        ("C-7", 0, (0, 3, 7, 10)),
    ],
)
def test_parse_chord(symbol, root, pcs):
    chord = parse_chord(symbol)
    assert chord.root == root
    assert chord.pitch_classes == pcs


def test_slash_chord_and_bad_symbol():
    assert parse_chord("D/F#").bass == 6
    with pytest.raises(ValueError, match="not a chord symbol"):
        parse_chord("H7")


@pytest.mark.parametrize(
    ("numeral", "major", "minor"),
    [
        ("I", "C", "Am"),
        ("IV", "F", "Dm"),
        ("V", "G", "E"),
        ("vi", "Am", "F"),
        ("ii7", "Dm7", "Bm7b5"),
        ("V7", "G7", "E7"),
        ("Imaj7", "Cmaj7", "Am7"),
        ("bVII", "Bb", "G"),
    ],
)
def test_roman_numerals_in_both_modes(numeral, major, minor):
    assert chord_symbol(roman_to_chord(numeral, "C", "major"), flats=True) == major
    assert chord_symbol(roman_to_chord(numeral, "A", "minor"), flats=True) == minor


def test_scales_keys_and_colour():
    assert scale_pcs("F#", "minor") == (6, 8, 9, 11, 1, 2, 4)
    assert pitch_class("Bb") == 10 and pitch_class("cb") == 11
    assert relative_key("C", "major") == ("A", "minor")
    assert colour(parse_chord("Dm"), ("maj7", "m7")).quality == "m7"
    assert colour(parse_chord("G7"), ("maj7",)).quality == "7"  # explicit sevenths are kept


def test_voice_leading_moves_little():
    c, f = parse_chord("C"), parse_chord("F")
    first = voice_chord(c, 62, 48, 76)
    second = voice_chord(f, 62, 48, 76, first)
    assert all(48 <= p <= 76 for p in first + second)
    assert sum(abs(a - b) for a, b in zip(first, second, strict=False)) <= 6
