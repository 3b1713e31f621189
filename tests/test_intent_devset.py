"""The development set: realistic prompts with the fields they ask for, checked in the spec and in the MIDI.

``tests/data/intent_devset.json`` holds captions (MidiCaps-like), chat requests and
one-liners.  Each entry lists the fields its words *state* (tempo, key, meter, length,
chords, instruments, sections) and the expected value of those and of what the words
only imply (genre and moods from style words, tempo from a marking...).  Stated
fields must be right every time, in the spec and in the MIDI the composer writes;
implied ones are judged by accuracy over the whole set.  ``benchmarks/bench_intent.py``
reuses :func:`observed` and :func:`mismatches` to print per-field accuracy.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import symusic

from musigen_agent.compose import compose
from musigen_agent.export import midi_bytes
from musigen_agent.intent import Intent, parse
from musigen_agent.planning import bars_for_seconds, phrase_progression, seconds_for_bars
from musigen_agent.plugin_manager import Plugins
from musigen_agent.spec import Arrangement
from musigen_agent.theory import SCALES, parse_chord, pitch_class

DEVSET = json.loads((Path(__file__).parent / "data" / "intent_devset.json").read_text(encoding="utf-8"))
IDS = [f"{i:03d}-{d['prompt'][:40]}" for i, d in enumerate(DEVSET)]
#: A stated key must be the Krumhansl-Schmuckler estimate of the notes in at least this share of pieces.
KEY_AGREEMENT = 0.85
#: Implied fields must be right at least this often over the set.
IMPLIED_ACCURACY = 0.9


def _kind(section: str) -> str:
    return section.rsplit("_", 1)[0] if section.rsplit("_", 1)[-1].isdigit() else section


def observed(intent: Intent) -> dict[str, Any]:
    """The fields of a parsed prompt in the dev set's terms."""
    s = intent.spec
    chords: dict[str, list[str]] = {}
    for section in s.sections:
        if section.chords:
            chords.setdefault(_kind(section.name), section.chords)
    return {
        "genre": s.genre, "moods": s.moods, "tempo": s.tempo, "key": s.key, "mode": s.mode, "meter": s.meter,
        "swing": s.swing, "bars": s.total_bars, "seconds": s.seconds, "sections": [x.name for x in s.sections],
        "instruments": list(intent.provenance["instruments"].value), "chords": chords,
    }  # fmt: skip


def mismatches(entry: dict[str, Any], got: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Expected field -> (expected, got) for every field the parse got wrong."""
    wrong = {}
    for name, want in entry["expect"].items():
        have = got[name]
        if name == "chords":
            have = {k: _undoubled(v) for k, v in have.items()}
        if name == "seconds":
            ok = got["bars"] == bars_for_seconds(want, got["tempo"], got["meter"])
        elif name == "instruments":
            ok = Counter(want) == Counter(have)
        elif name == "chords":
            ok = have == want if isinstance(want, dict) else bool(have) and all(v == want for v in have.values())
        else:
            ok = have == want
        if not ok:
            wrong[name] = (want, have)
    return wrong


#: Expected-field names behind each stated field.
STATED_FIELDS = {
    "tempo": ("tempo",),
    "key": ("key", "mode"),
    "meter": ("meter",),
    "length": ("bars", "seconds"),
    "chords": ("chords",),
    "instruments": ("instruments",),
    "sections": ("sections",),
}


@pytest.mark.parametrize("entry", DEVSET, ids=IDS)
def test_every_stated_field_is_read(plugins: Plugins, entry: dict[str, Any]) -> None:
    wrong = mismatches(entry, observed(parse(entry["prompt"], plugins.catalog)))
    stated = {f for s in entry["stated"] for f in STATED_FIELDS[s]}
    assert not {k: v for k, v in wrong.items() if k in stated}


def test_implied_fields_are_mostly_right(plugins: Plugins) -> None:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for entry in DEVSET:
        wrong = mismatches(entry, observed(parse(entry["prompt"], plugins.catalog)))
        stated = {f for s in entry["stated"] for f in STATED_FIELDS[s]}
        for name in entry["expect"]:
            if name not in stated:
                total[name] += 1
                right[name] += name not in wrong
    accuracy = {name: right[name] / total[name] for name in total}
    assert all(a >= IMPLIED_ACCURACY for a in accuracy.values()), accuracy


def test_devset_is_large_and_varied() -> None:
    kinds = Counter(d["kind"] for d in DEVSET)
    assert len(DEVSET) >= 100 and min(kinds.values()) >= 25, kinds
    stated = Counter(s for d in DEVSET for s in d["stated"])
    assert all(stated[f] >= 5 for f in STATED_FIELDS), stated


# ---------------------------------------------------------------------------- honoured in the MIDI


_COMPOSED: dict[tuple[int, int], tuple[Intent, Arrangement, symusic.Score]] = {}


def _composed(plugins: Plugins, index: int) -> tuple[Intent, Arrangement, symusic.Score]:
    """Parse, compose and write the MIDI of one prompt once per session (two tests read it)."""
    key = (id(plugins), index)
    if key not in _COMPOSED:
        intent = parse(DEVSET[index]["prompt"], plugins.catalog)
        arrangement = compose(intent.spec, plugins).arrangement
        _COMPOSED[key] = (intent, arrangement, symusic.Score.from_midi(midi_bytes(arrangement)))
    return _COMPOSED[key]


def _scale(key: str, mode: str) -> set[int]:
    """The key's scale; minor keys include the raised seventh (harmonic minor), as composers use it."""
    tonic = pitch_class(key)
    return {(tonic + i) % 12 for i in SCALES[mode]} | ({(tonic + 11) % 12} if mode == "minor" else set())


def _pitched(score: symusic.Score) -> tuple[np.ndarray, np.ndarray]:
    notes = [(n.pitch, n.duration) for t in score.tracks if not t.is_drum for n in t.notes]
    data = np.array(notes or [(0, 0)], dtype=np.int64)
    return data[:, 0], data[:, 1]


def estimate_key(pitches: np.ndarray, durations: np.ndarray) -> tuple[int, str]:
    """Krumhansl-Schmuckler: the analysis module's estimator when it is installed, else this one."""
    try:
        from musigen_agent.analysis.metrics import estimate_key as analysis_estimate
    except ImportError:
        analysis_estimate = None
    if analysis_estimate is not None:
        found = analysis_estimate(pitches, durations)
        return (found[0], found[1]) if found else (-1, "")
    major = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
    minor = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
    hist = np.bincount(pitches % 12, weights=durations, minlength=12)
    scores = [
        (np.corrcoef(np.roll(profile, tonic), hist)[0, 1], tonic, mode)
        for mode, profile in (("major", major), ("minor", minor))
        for tonic in range(12)
    ]
    _, tonic, mode = max(scores)
    return tonic, mode


def _honoured(plugins: Plugins, index: int) -> list[str]:
    """Every stated field that the MIDI (or the arrangement it was written from) does not honour."""
    entry, (intent, arr, score) = DEVSET[index], _composed(plugins, index)
    want, problems = entry["expect"], []
    stated = set(entry["stated"])
    if "tempo" in stated and (arr.tempo != want["tempo"] or round(score.tempos[0].qpm) != want["tempo"]):
        problems.append(f"tempo {score.tempos[0].qpm} != {want['tempo']}")
    if "meter" in stated:
        sig = score.time_signatures[0]
        if f"{sig.numerator}/{sig.denominator}" != want["meter"]:
            problems.append(f"time signature {sig.numerator}/{sig.denominator} != {want['meter']}")
    if "length" in stated:
        bars = sum(s.bars for s in arr.sections)
        expected = want.get("bars") or bars_for_seconds(want["seconds"], arr.tempo, arr.meter)
        end = max((n.end for t in score.tracks for n in t.notes), default=0)
        if bars != expected or end > arr.end_tick:
            problems.append(f"{bars} bars ({end} ticks) != {expected} bars")
        if "seconds" in want and abs(arr.seconds - want["seconds"]) > seconds_for_bars(1, arr.tempo, arr.meter):
            problems.append(f"{arr.seconds:.1f} s != {want['seconds']} s")
    if "key" in stated:
        pitches, durations = _pitched(score)
        mode = want.get("mode", intent.spec.mode)
        inside = durations[np.isin(pitches % 12, list(_scale(want["key"], mode)))].sum() / max(1, durations.sum())
        if (arr.key, arr.mode) != (intent.spec.key, mode) or pitch_class(arr.key) != pitch_class(want["key"]):
            problems.append(f"key {arr.key} {arr.mode} != {want['key']} {mode}")
        if inside < 0.75:
            problems.append(f"only {inside:.0%} of the notes are in {want['key']} {mode}")
    if "instruments" in stated:
        problems += _missing_instruments(plugins, want["instruments"], score)
    if "chords" in stated:
        problems += _chord_problems(arr, want["chords"])
    return problems


def _missing_instruments(plugins: Plugins, names: list[str], score: symusic.Score) -> list[str]:
    """A track with each instrument's GM program (and drum channel), playing notes, per time it was asked for."""
    playing = Counter((t.program, t.is_drum) for t in score.tracks if len(t.notes) > 0)
    problems = []
    for name, count in Counter(names).items():
        inst = plugins.catalog.instruments[name]
        if playing[(inst.gm_program, inst.is_drum)] < count:
            problems.append(f"{name}: {count} part(s) with program {inst.gm_program} that play notes expected")
    return problems


def _chord_problems(arr: Arrangement, want: list[str] | dict[str, list[str]]) -> list[str]:
    """The stated chords, in order, one per bar, in the sections they were stated for."""
    tagged = want if isinstance(want, dict) else None
    problems, checked = [], 0
    for section in arr.sections:
        kind = _kind(section.name)
        chords = tagged.get(kind) if tagged is not None else None if kind in ("intro", "outro", "coda") else want
        if chords is None:
            continue
        checked += 1
        planned = phrase_progression(chords)  # the last chord may be held to fill a phrase, the order kept
        assert [c for i, c in enumerate(planned) if i == 0 or planned[i - 1] != c] == _undoubled(chords)
        stated = [parse_chord(c) for c in planned]
        played = [parse_chord(c) for c in section.chords[:: section.chord_slots_per_bar]]
        expected = [stated[k % len(stated)] for k in range(section.bars)]
        same = [(a.root, a.quality, a.bass) for a in played] == [(b.root, b.quality, b.bass) for b in expected]
        if not same:
            problems.append(f"{section.name} plays {section.chords}, not {chords} in order")
    return problems + ([] if checked else ["no section plays the stated chords"])


def _undoubled(chords: list[str]) -> list[str]:
    return [c for i, c in enumerate(chords) if i == 0 or chords[i - 1] != c]


@pytest.mark.parametrize("index", range(len(DEVSET)), ids=IDS)
def test_stated_fields_are_honoured_in_the_midi(plugins: Plugins, index: int) -> None:
    assert _honoured(plugins, index) == []


def _key_agreement(plugins: Plugins) -> tuple[float, float, list[str]]:
    """(exact share, exact-or-relative share, misses) of the Krumhansl-Schmuckler key of pieces with a stated key."""
    exact, relative, misses = 0, 0, []
    pieces = [i for i, entry in enumerate(DEVSET) if "key" in entry["stated"]]
    for index in pieces:
        intent, _, score = _composed(plugins, index)
        heard = estimate_key(*_pitched(score))
        tonic, mode = pitch_class(intent.spec.key), intent.spec.mode
        same_signature = ((tonic + 9) % 12, "minor") if mode == "major" else ((tonic + 3) % 12, "major")
        exact += heard == (tonic, mode)
        relative += heard in ((tonic, mode), same_signature)
        if heard != (tonic, mode):
            misses.append(f"{DEVSET[index]['prompt'][:40]}: {intent.spec.key} {mode} heard as {heard}")
    assert len(pieces) >= 80
    return exact / len(pieces), relative / len(pieces), misses


def test_estimated_key_agrees_with_the_requested_key(plugins: Plugins) -> None:
    """The notes are in the key asked for: the estimate is that key, or its relative, in nearly every piece."""
    exact, relative, misses = _key_agreement(plugins)
    assert exact >= 0.8 and relative >= KEY_AGREEMENT, misses


def test_estimated_key_is_exactly_the_requested_key(plugins: Plugins) -> None:
    exact, _, misses = _key_agreement(plugins)
    assert exact >= KEY_AGREEMENT, misses
