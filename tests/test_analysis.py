"""Analysis metrics on hand-built pieces whose answers are known, and analyze() on a composed one."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from musigen_agent.analysis import Notes, analyze, load_reference, notes_of, texture_metrics
from musigen_agent.analysis.form import chord_tone_ratio, harmony_of, repetition, voice_leading
from musigen_agent.analysis.metrics import (
    empty_beat_rate,
    estimate_key,
    groove_consistency,
    key_agreement,
    legato_ratio,
    pitch_class_entropy,
    polyphony,
    scale_consistency,
)
from musigen_agent.compose import compose
from musigen_agent.spec import Arrangement, Note, Part, PartSpec, SectionPlan, SectionSpec, TrackSpec

Q = 480  # ticks per quarter
BAR = 4 * Q


def notes(*rows: tuple[int, int, int], is_drum: bool = False, role: str = "harmony") -> Notes:
    """(start, duration, pitch) rows at velocity 80."""
    return Notes.from_rows([(s, d, p, 80) for s, d, p in rows], is_drum=is_drum, role=role)


def chords(symbol_pitches: list[list[int]], length: int = BAR) -> Notes:
    return notes(*((k * length, length, p) for k, pitches in enumerate(symbol_pitches) for p in pitches))


def arrangement(parts: list[Part], sections: list[SectionPlan], tempo: int = 120) -> Arrangement:
    return Arrangement(tempo=tempo, meter="4/4", key="C", mode="major", sections=sections, parts=parts)


def part(name: str, role: str, instrument: str, rows: list[tuple[int, int, int]], drum: bool = False) -> Part:
    return Part(
        name=name,
        instrument=instrument,
        role=role,
        program=0,
        is_drum=drum,
        notes=[Note(start=s, duration=d, pitch=p, velocity=80) for s, d, p in rows],
    )


# ---------------------------------------------------------------- pitch


def test_c_major_scale_is_fully_consistent_and_names_c_major():
    value, tonic, mode = scale_consistency(np.array([60, 62, 64, 65, 67, 69, 71, 72]))
    assert (value, tonic, mode) == (1.0, 0, "major")


def test_chromatic_notes_lower_scale_consistency():
    value, _, _ = scale_consistency(np.array([60, 62, 64, 65, 66, 67, 69, 71]))
    assert value == pytest.approx(7 / 8)


def test_entropy_of_uniform_pitch_classes_is_log2_12_and_of_one_class_zero():
    assert pitch_class_entropy(np.arange(60, 72)) == pytest.approx(math.log2(12))
    assert pitch_class_entropy(np.array([60, 72, 48])) == 0.0
    assert math.isnan(pitch_class_entropy(np.array([], dtype=np.int64)))


def test_entropy_counts_notes_not_durations():
    # MusPy definition: two C's and two G's are 1 bit whatever their lengths
    assert pitch_class_entropy(np.array([60, 60, 67, 67])) == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("progression", "expected"),
    [
        ([[48, 64, 67, 72], [53, 65, 69, 72], [55, 65, 67, 71], [48, 64, 67, 72]], (0, "major")),  # C F G7 C
        ([[45, 64, 69, 72], [50, 65, 69, 74], [52, 64, 68, 71], [45, 64, 69, 72]], (9, "minor")),  # Am Dm E Am
    ],
)
def test_krumhansl_schmuckler_finds_the_key_of_a_cadence(progression, expected):
    piece = chords(progression)
    tonic, mode, r = estimate_key(piece.pitch, piece.duration)
    assert (tonic, mode) == expected
    assert r > 0.7


def test_key_estimate_is_none_without_a_profile():
    assert estimate_key(np.array([], dtype=np.int64), np.array([], dtype=np.int64)) is None
    assert estimate_key(np.arange(60, 72), np.full(12, Q)) is None


def test_key_agreement_exact_relative_none():
    assert key_agreement((0, "major"), (0, "major")) == "exact"
    assert key_agreement((9, "minor"), (0, "major")) == "relative"
    assert key_agreement((0, "major"), (9, "minor")) == "relative"
    assert key_agreement((0, "minor"), (0, "major")) == "none"
    assert key_agreement((7, "major"), (0, "major")) == "none"


# ---------------------------------------------------------------- time


def test_groove_consistency_is_one_for_identical_bars():
    beats = np.array([b * Q + bar * BAR for bar in range(4) for b in range(4)])
    assert groove_consistency(beats, Q, BAR, 4 * BAR) == 1.0


def test_groove_consistency_counts_changed_onsets_per_bar_pair():
    beats = [b * Q + bar * BAR for bar in range(2) for b in range(4)]
    extra = np.array([*beats, BAR + Q // 2])  # one extra eighth in bar 2: 1 of 96 steps differs
    assert groove_consistency(extra, Q, BAR, 2 * BAR) == pytest.approx(1 - 1 / 96)
    assert math.isnan(groove_consistency(np.array([0]), Q, BAR, BAR))


def test_groove_resamples_ticks_to_24_steps_per_quarter():
    # onsets 10 ticks apart fall in the same 1/24-beat step, so the bars still match
    a = np.array([0, Q, BAR + 10, BAR + Q + 10])
    assert groove_consistency(a, Q, BAR, 2 * BAR) == 1.0


def test_empty_beat_rate_and_the_judged_beats():
    piece = notes((0, 2 * Q, 60), (3 * Q, Q, 62))  # beats 0, 1 and 3 sound; beat 2 is silent
    assert empty_beat_rate(piece, Q, 4 * Q) == pytest.approx(0.25)
    assert empty_beat_rate(piece, Q, 4 * Q, np.array([True, True, False, True])) == 0.0


def test_texture_does_not_count_pickup_padding_as_empty():
    tune = notes((3 * Q, Q, 67), (BAR, 4 * Q, 72), role="melody")
    assert texture_metrics([tune], Q, BAR, 2 * BAR)["empty_beat_rate"] == pytest.approx(3 / 8)
    assert texture_metrics([tune], Q, BAR, 2 * BAR, begin=3 * Q)["empty_beat_rate"] == 0.0


def test_polyphony_of_a_sustained_triad_and_a_melody():
    triad = notes((0, BAR, 60), (0, BAR, 64), (0, BAR, 67))
    assert polyphony(triad, Q, BAR) == (pytest.approx(3.0), pytest.approx(1.0))
    line = notes((0, Q, 60), (Q, Q, 62))
    poly, rate = polyphony(line, Q, 2 * Q)
    assert poly == pytest.approx(1.0) and rate == 0.0


def test_legato_ratio_tells_staccato_from_legato():
    staccato = notes(*((k * Q, Q // 2, 60) for k in range(4)))
    legato = notes(*((k * Q, Q, 60) for k in range(4)))
    assert legato_ratio(staccato) == pytest.approx(0.5)
    assert legato_ratio(legato) == pytest.approx(1.0)


def test_drums_count_in_time_metrics_but_not_in_pitch_metrics():
    kick = notes(*((k * Q, 60, 36) for k in range(8)), is_drum=True)
    bass = notes((0, 2 * BAR, 40))
    out = texture_metrics([kick, bass], Q, BAR, 2 * BAR)
    assert out["n_pitch_classes_used"] == 1 and out["pitch_range"] == 0
    assert out["note_density"] == pytest.approx(9 / 8)


# ---------------------------------------------------------------- harmony and form


def two_bar_sections(*names: str, chords_: tuple[str, ...] = ("C", "G")) -> list[SectionPlan]:
    return [SectionPlan(name=n, start_bar=2 * i, bars=2, chords=list(chords_)) for i, n in enumerate(names)]


def test_melody_chord_tone_ratio_on_strong_beats():
    arr = arrangement([], two_bar_sections("verse"))
    # C on beat 1 (chord tone of C), D on beat 3 (not), weak F ignored, B on bar 2 beat 1 (tone of G)
    melody = notes((0, Q, 72), (Q, Q, 65), (2 * Q, Q, 74), (BAR, Q, 71), role="melody")
    ratio = chord_tone_ratio(melody, harmony_of(arr), Q, BAR, "4/4")
    assert ratio == pytest.approx(2 / 3)


def test_voice_leading_measures_semitones_per_voice_between_chords():
    arr = arrangement([], [SectionPlan(name="verse", start_bar=0, bars=2, chords=["C", "F"])])
    smooth = chords([[60, 64, 67], [60, 65, 69]])  # C -> F/C: 0 + 1 + 2 semitones
    parallel = chords([[60, 64, 67], [65, 69, 72]])  # block shift by a fourth
    harmony = harmony_of(arr)
    assert voice_leading(smooth, harmony) == pytest.approx(1.0)
    assert voice_leading(parallel, harmony) == pytest.approx(5.0)


def test_repetition_is_one_for_a_literal_repeat_and_lower_for_new_material():
    sections = two_bar_sections("verse", "verse_2", "chorus")
    rows = [(0, Q, 60), (Q, Q, 62), (2 * BAR, Q, 60), (2 * BAR + Q, Q, 62)]
    same = notes(*rows, role="melody")
    arr = arrangement([], sections)
    result = repetition(arr, [same], same)
    assert result["pairs"] == [{"sections": ["verse", "verse_2"], "similarity": 1.0, "melody": 1.0}]
    varied = notes(*rows[:3], (2 * BAR + Q, Q, 64), role="melody")
    assert repetition(arr, [varied], varied)["mean"] == pytest.approx(1 / 3, abs=1e-4)


# ---------------------------------------------------------------- analyze()


@pytest.fixture
def small_spec() -> TrackSpec:
    return TrackSpec(
        genre="pop",
        moods=["happy"],
        tempo=120,
        key="C",
        mode="major",
        sections=[SectionSpec(name="verse", bars=2)],
        parts=[
            PartSpec(name="violin", instrument="violin", role="melody"),
            PartSpec(name="piano", instrument="acoustic_piano", role="harmony"),
            PartSpec(name="kit", instrument="drum_kit", role="rhythm"),
        ],
    )


def test_analyze_flags_tempo_silence_and_out_of_range_notes(small_spec, catalog):
    violin = part("violin", "melody", "violin", [(0, Q, 40), (Q, Q, 72), (2 * Q, 2 * Q, 76)])  # 40 < violin low
    piano = part("piano", "harmony", "acoustic_piano", [(k * Q, Q, p) for k in range(8) for p in (60, 64, 67)])
    arr = arrangement([violin, piano], [SectionPlan(name="verse", start_bar=0, bars=2, chords=["C", "C"])], 100)
    result = analyze(small_spec, arr, catalog)
    control = result["control"]
    assert control["tempo"] == {"requested": 120, "arrangement": 100, "match": False}
    assert control["instruments"]["silent"] == ["violin", "kit"]
    assert control["instruments"]["recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert result["parts"]["violin"]["out_of_range_notes"] == 1
    assert result["piece"]["out_of_range_notes"] == 1
    assert control["key"]["estimate"] == "C major" and control["key"]["agreement"] == "exact"


def test_analyze_a_composed_piece_is_json_fast_and_compared_with_the_reference(plugins, catalog):
    from musigen_agent.analysis.suite import suite_spec

    spec = suite_spec(catalog, "pop", "happy", seed=1, seconds=120)
    arr = compose(spec, plugins).arrangement
    result = analyze(spec, arr, catalog)
    json.dumps(result, allow_nan=False)
    assert set(result) == {"piece", "parts", "control", "reference"}
    assert set(result["parts"]) == {p.name for p in spec.parts}
    drums = next(r for r in result["parts"].values() if r["is_drum"])
    assert "pitch_class_entropy" not in drums and drums["groove_consistency"] is not None
    ref = result["reference"]
    assert ref["piece"]["scale_consistency"]["value"] == result["piece"]["scale_consistency"]
    assert all(isinstance(r["in_range"], bool) for r in ref["piece"].values())


def test_notes_of_keeps_every_note(plugins, catalog):
    from musigen_agent.analysis.suite import suite_spec

    arr = compose(suite_spec(catalog, "jazz", "sad"), plugins).arrangement
    for p in arr.parts:
        cols = notes_of(p)
        assert len(cols) == len(p.notes) and cols.is_drum == p.is_drum and cols.role == p.role


def test_reference_file_has_provenance_and_a_band_for_every_judged_metric():
    ref = load_reference()
    prov = ref["provenance"]
    assert prov["music21_version"] and prov["date"] and prov["grid_steps_per_quarter"] == 24
    chorales = ref["corpora"]["bach_chorales"]
    assert chorales["count"] >= 300
    assert 2.9 < chorales["metrics"]["pitch_class_entropy"]["mean"] < 3.1  # research note: 2.98 +- 0.11
    assert 0.9 < chorales["metrics"]["scale_consistency"]["mean"] < 0.96  # 0.934 +- 0.034
    for scope in ("piece", "melody"):
        for band in ref["ranges"][scope].values():
            assert band["lo"] <= band["hi"]


def test_analyze_survives_a_drums_only_piece(small_spec, catalog):
    kit = part("kit", "rhythm", "drum_kit", [(k * Q, 60, 36) for k in range(8)], drum=True)
    empty = part("piano", "harmony", "acoustic_piano", [])
    arr = arrangement([kit, empty], [SectionPlan(name="verse", start_bar=0, bars=2, chords=["C", "C"])])
    result = analyze(small_spec, arr, catalog)
    json.dumps(result, allow_nan=False)
    assert result["piece"]["pitch_class_entropy"] is None and result["piece"]["melody_chord_tone_ratio"] is None
    assert result["control"]["key"]["estimate"] is None
    assert result["piece"]["empty_beat_rate"] == 0.0 and result["reference"]["melody"]["pitch_range"]["value"] is None
