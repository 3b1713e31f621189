"""Refinement through the services: long chains, exact reverts, branching, and errors that store nothing."""

from __future__ import annotations

import pytest

from musigen_agent.errors import InvalidInput, MusigenError, NotFound, UnknownName

CHAIN = [
    "slower",
    "darker",
    "no drums in the intro",
    "swap piano for rhodes",
    "double the chorus",
    "more swing",
    "less busy",
    "add a cello",
    "louder drums",
    "pan the guitar left",
    "transpose up 2",
    "humanize",
    "regenerate the chorus",
    "end on a big chord",
    "brighter",
    "faster",
    "bring the drums back in the intro",
    "vary the melody",
    "remove the cello",
    "make it jazz",
]


def test_twenty_step_chain_then_revert_to_version_3_is_byte_identical(services):
    view = services.compose("a happy pop song with piano, electric guitar, bass and drums, 1 minute")
    tid = view["track_id"]
    for instruction in CHAIN:
        refined = services.refine(tid, instruction)
        assert refined["applied"], instruction
    assert services.registry.count_versions(tid) == 21
    v3 = services.midi(tid, 3)
    back = services.revert(tid, 3)
    assert back["version"] == 22
    assert services.midi(tid) == v3
    assert services.list_versions(tid)[-1]["ops"] == [{"op": "revert", "to": 3}]


def test_refining_an_old_version_branches(services):
    tid = services.compose("a sad piano piece, 20 seconds")["track_id"]
    services.refine(tid, "slower")
    branch = services.refine(tid, "faster", version=1)
    assert branch["version"] == 3 and branch["parent"] == 1
    d = services.diff(tid, 1, 3)
    assert d["ops"] == [{"version": 3, "op": branch["applied"][0]["op"]}]
    assert services.diff(tid, 2, 3)["ops"] is None  # 2 is not an ancestor of 3


def snapshot(services) -> tuple:
    db = services.registry.db
    return services.registry.counts(), [tuple(r) for r in db.execute("SELECT * FROM versions").fetchall()]


@pytest.mark.parametrize(
    ("call", "error", "field"),
    [
        (lambda s, t: s.refine("tnope", "slower"), NotFound, "track_id"),
        (lambda s, t: s.refine(t, "slower", version=9), NotFound, "version"),
        (lambda s, t: s.revert(t, 0), NotFound, "version"),
        (lambda s, t: s.refine(t, ops=[{"op": "remove_instrument", "part": "trumpet"}]), UnknownName, "part"),
        (lambda s, t: s.refine(t, ops=[{"op": "set_tempo", "bpm": 900}]), InvalidInput, "ops.0.set_tempo.bpm"),
        (lambda s, t: s.refine(t, ops=[{"op": "gain", "part": "drum_kit", "db": 40}]), InvalidInput, "ops.0.gain.db"),
        (lambda s, t: s.refine(t, "make it purple"), InvalidInput, "instruction"),
        (
            lambda s, t: s.refine(t, ops=[{"op": "resize_section", "section": "bridge", "bars": 4}]),
            UnknownName,
            "section",
        ),
    ],
)
def test_bad_refines_are_clear_and_change_nothing(services, call, error, field):
    tid = services.compose("a happy pop song with piano, bass and drums, 20 seconds")["track_id"]
    before = snapshot(services)
    with pytest.raises(error) as err:
        call(services, tid)
    assert isinstance(err.value, MusigenError) and err.value.field == field and err.value.message
    assert snapshot(services) == before


def _drum_stem_db(services, prompt: str, tmp_path) -> tuple[float, dict]:
    """RMS (dB) of the drum track as mixed, from the rendered stems archive of ``prompt``."""
    import io
    import zipfile

    import numpy as np
    import soundfile

    view = services.compose(prompt, {"seed": 3}, formats=["stems"], out_dir=tmp_path / prompt[:12])
    with zipfile.ZipFile(next(f["path"] for f in view["files"] if f["format"] == "stems")) as archive:
        name = next(n for n in archive.namelist() if n.startswith("drum_kit"))
        audio, _ = soundfile.read(io.BytesIO(archive.read(name)), dtype="float64")
    return 20 * np.log10(np.sqrt(np.mean(audio**2))), view


def test_soft_drums_are_mixed_6_db_down_and_the_mix_is_part_of_the_version(services, tmp_path):
    """'soft drums' is a level, not a word to ignore: the first mix has the drums 6 dB
    down (stems are calibrated, so the audio shows it), the view and get_track say so,
    and a later refine starts from that mix."""
    plain, _ = _drum_stem_db(services, "a jazz trio with piano, upright bass and drums", tmp_path)
    soft, view = _drum_stem_db(services, "a jazz trio with piano, upright bass and soft drums", tmp_path)
    assert soft - plain == pytest.approx(-6.0, abs=0.05)
    assert view["mix"]["tracks"]["drum_kit"]["gain_db"] == -6.0 and "soft" not in view["ignored"]
    assert view["provenance"]["mix"]["words"] == ["soft drums"]
    tid = view["track_id"]
    assert services.get_track(tid)["mix"] == view["mix"]
    louder = services.refine(tid, ops=[{"op": "gain", "part": "drum_kit", "db": -2}])
    assert louder["mix"]["tracks"]["drum_kit"]["gain_db"] == -2.0
    assert services.get_track(tid, 1)["mix"]["tracks"]["drum_kit"]["gain_db"] == -6.0
    assert services.refine(tid, "louder drums")["mix"]["tracks"]["drum_kit"]["gain_db"] == 1.0  # from -2 dB


def test_a_request_the_track_cannot_take_says_why(services):
    """Understood words that name what the track lacks fail with the reason, not 'not understood'."""
    tid = services.compose("a relaxed jazz tune with piano, upright bass and drums")["track_id"]
    with pytest.raises(InvalidInput, match=r"longer chorus: no chorus in this track \(sections: intro, head"):
        services.refine(tid, "longer chorus")
    with pytest.raises(InvalidInput, match="could not understand 'make it purple'"):
        services.refine(tid, "make it purple")
    assert services.registry.count_versions(tid) == 1
