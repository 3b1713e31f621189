"""Importing MIDI: round trips, refine after import, and defensive parsing (fuzzed)."""

from __future__ import annotations

import random

import pytest

from musigen_agent.errors import InvalidInput


@pytest.fixture
def composed(services):
    view = services.compose("a sad jazz tune in G minor with piano, bass, drums and sax, 24 bars")
    return view, services.midi(view["track_id"])


def test_round_trip_keeps_tempo_key_meter_parts_and_notes(services, composed):
    view, midi = composed
    imported = services.import_midi(midi, "again")
    spec, summary = imported["spec"], imported["summary"]
    assert spec["tempo"] == view["spec"]["tempo"] and spec["meter"] == view["spec"]["meter"]
    assert (spec["key"], spec["mode"]) == ("G", "minor")
    assert sorted(p["instrument"] for p in summary["parts"]) == sorted(
        p["instrument"] for p in view["summary"]["parts"]
    )
    assert sum(p["notes"] for p in summary["parts"]) == sum(p["notes"] for p in view["summary"]["parts"])
    assert [s["name"] for s in summary["sections"]] == [s["name"] for s in view["summary"]["sections"]]
    from musigen_agent.spec import Arrangement

    def onsets(track_id: str) -> list[list[tuple[int, int]]]:
        arr = Arrangement.model_validate(services.registry.get_version(track_id)["arrangement"])
        return [sorted((n.start, n.pitch) for n in p.notes) for p in arr.parts]

    assert onsets(imported["track_id"]) == onsets(view["track_id"])  # every note back at its time and pitch


def test_imported_track_refines_and_analyzes(services, composed):
    _, midi = composed
    tid = services.import_midi(midi)["track_id"]
    refined = services.refine(tid, "swap piano for rhodes and slower")
    assert "electric_piano" in [p["instrument"] for p in refined["summary"]["parts"]]
    assert services.analyze(tid)["control"]["key"]["agreement"] in ("exact", "relative")


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        (b"", "empty"),
        (b"RIFF....WAVE", "MThd"),
        (b"MThd\x00\x00\x00\x06\x00\x01\x00\x01\x01\xe0MTrk\x00\x00\x00\x04\x00\xff\x2f\x00", "no notes"),
        (b"MThd" + b"\xff" * (5 * 1024 * 1024), "bytes"),
    ],
)
def test_bad_files_are_clear_errors(services, data, hint):
    before = services.registry.counts()
    with pytest.raises(InvalidInput, match=hint):
        services.import_midi(data)
    assert services.registry.counts() == before


def test_fuzzed_midi_never_crashes(services, composed):
    """Random bytes and mutated real files: either a track or an InvalidInput, nothing else."""
    _, midi = composed
    rng = random.Random(7)
    for i in range(300):
        if i % 3 == 0:
            data = b"MThd" + rng.randbytes(rng.randrange(0, 400))
        else:
            data = bytearray(midi)
            for _ in range(rng.randrange(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data[: rng.randrange(14, len(data) + 1)])
        try:
            view = services.import_midi(data)
        except InvalidInput:
            continue
        assert view["version"] == 1
