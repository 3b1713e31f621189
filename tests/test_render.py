"""Rendering, measured: stems, mixer, mastering and the soundfont checks.

The piece is built by hand (no composer) so the expected timings are known exactly:
4 bars of 4/4 at 120 bpm = 8 s, piano plays a C major scale in bars 0-1 and a chord in
bars 2-3, bass enters at bar 1, drums play kick/snare throughout.
"""

from __future__ import annotations

import math
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest
import symusic
from scipy.signal import resample_poly

from musigen_agent import render
from musigen_agent.errors import InvalidInput, PluginError
from musigen_agent.spec import TPQ, Arrangement, Mix, Note, Part, SectionPlan, TrackMix

SR = 22050  # half rate keeps the suite fast; the code paths are the same
BAR = 4 * TPQ
SEC_PER_TICK = 60.0 / (120 * TPQ)


def _notes(*spec: tuple[int, int, int, int]) -> list[Note]:
    return [Note(start=s, duration=d, pitch=p, velocity=v) for s, d, p, v in spec]


def make_arrangement(extra: list[Part] | None = None) -> Arrangement:
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    piano = _notes(*[(i * TPQ, TPQ - 20, p, 90) for i, p in enumerate(scale)]) + _notes(
        *[(2 * BAR, 2 * BAR - 40, p, 80) for p in (60, 64, 67)]
    )
    bass = _notes(*[(bar * BAR + half * 2 * TPQ, 2 * TPQ - 30, 36, 100) for bar in (1, 2, 3) for half in (0, 1)])
    drums = _notes(
        *[(bar * BAR + beat * TPQ, 120, 36 if beat % 2 == 0 else 38, 110) for bar in range(4) for beat in range(4)]
    )
    parts = [
        Part(name="piano", instrument="piano", role="melody", program=0, notes=piano),
        Part(name="bass", instrument="electric_bass", role="bass", program=33, notes=bass),
        Part(name="drums", instrument="drum_kit", role="rhythm", program=0, is_drum=True, notes=drums),
    ] + (extra or [])
    return Arrangement(
        tempo=120,
        meter="4/4",
        key="C",
        mode="major",
        sections=[
            SectionPlan(name="intro", start_bar=0, bars=2, chords=["C"]),
            SectionPlan(name="verse", start_bar=2, bars=2, chords=["C"]),
        ],
        parts=parts,
    )


def rms_db(x: np.ndarray) -> float:
    r = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
    return 20 * math.log10(r) if r > 0 else -math.inf


def true_peak_dbtp(x: np.ndarray) -> float:
    """Independent 4x-oversampled true peak of (channels, samples) audio."""
    up = resample_poly(np.asarray(x, dtype=np.float64), 4, 1, axis=1)
    return 20 * math.log10(max(float(np.abs(up).max()), float(np.abs(x).max())))


def loudness(x: np.ndarray, sr: int) -> float:
    import pyloudnorm

    return float(pyloudnorm.Meter(sr).integrated_loudness(np.asarray(x, dtype=np.float64).T))


def sample(seconds: float) -> int:
    return int(round(seconds * SR))


@pytest.fixture(scope="module")
def arr() -> Arrangement:
    return make_arrangement([Part(name="silent", instrument="flute", role="pad", program=73)])


@pytest.fixture(scope="module")
def stems(arr: Arrangement) -> dict[str, np.ndarray]:
    return render.render_stems(arr, sample_rate=SR)


@pytest.fixture(scope="module")
def result(arr: Arrangement) -> render.RenderResult:
    return render.render(arr, sample_rate=SR)


# ----------------------------------------------------------------- soundfont


def test_default_soundfont_is_the_bundled_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(render.SOUNDFONT_ENV, raising=False)
    path = render.default_soundfont()
    assert path.name == "TimGM6mb.sf2" and path.parent.name == "pretty_midi"
    assert render.resolve_soundfont() == path


def test_env_var_overrides_the_soundfont(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "mine.sf2"
    shutil.copyfile(render.default_soundfont(), copy)
    monkeypatch.setenv(render.SOUNDFONT_ENV, str(copy))
    assert render.default_soundfont() == copy
    assert render.resolve_soundfont() == copy
    monkeypatch.setenv(render.SOUNDFONT_ENV, str(tmp_path / "gone.sf2"))
    with pytest.raises(InvalidInput) as err:
        render.render_stems(make_arrangement(), sample_rate=SR)
    assert "gone.sf2" in err.value.message and render.SOUNDFONT_ENV in err.value.message


def test_missing_soundfont_is_invalid_input(tmp_path: Path) -> None:
    missing = tmp_path / "nope.sf2"
    with pytest.raises(InvalidInput) as err:
        render.render_stems(make_arrangement(), soundfont=missing, sample_rate=SR)
    assert err.value.field == "soundfont"
    assert str(missing) in err.value.message


@pytest.mark.parametrize(
    "content",
    [
        b"garbage",
        b"RIFF" + struct.pack("<I", 100) + b"sfbk" + bytes(96),  # right header, no chunks
    ],
    ids=["garbage", "header-only"],
)
def test_corrupt_soundfont_is_invalid_input(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.sf2"
    bad.write_bytes(content)
    with pytest.raises(InvalidInput) as err:
        render.render(make_arrangement(), soundfont=bad, sample_rate=SR)
    assert err.value.field == "soundfont"
    assert str(bad) in err.value.message


def test_truncated_soundfont_is_invalid_input(tmp_path: Path) -> None:
    data = render.default_soundfont().read_bytes()
    bad = tmp_path / "half.sf2"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidInput) as err:
        render.render_stems(make_arrangement(), soundfont=bad, sample_rate=SR)
    assert err.value.field == "soundfont" and "half.sf2" in err.value.message


def test_bad_sample_rate_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as err:
        render.render_stems(make_arrangement(), sample_rate=100)
    assert err.value.field == "sample_rate"


# ----------------------------------------------------------------- stems


def test_stems_are_aligned_stereo_float32(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    n = math.ceil((arr.seconds + render.TAIL_SECONDS) * SR)
    assert list(stems) == [p.name for p in arr.parts]
    for stem in stems.values():
        assert stem.shape == (2, n) and stem.dtype == np.float32
        assert np.all(np.isfinite(stem))


def test_each_stem_sounds_where_its_part_plays(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    for part in arr.parts:
        for note in part.notes:
            t = note.start * SEC_PER_TICK
            window = stems[part.name][:, sample(t + 0.01) : sample(t + 0.1)]
            assert rms_db(window) > -45, (part.name, note)


def test_silence_where_a_part_rests(stems: dict[str, np.ndarray]) -> None:
    assert not np.any(stems["silent"])  # a part without notes
    bass_entry = sample(BAR * SEC_PER_TICK)  # the bass enters at bar 1 = 2.0 s
    assert not np.any(stems["bass"][:, : bass_entry - 2])
    onset = int(np.argmax(np.abs(stems["bass"]).max(axis=0) > 1e-4))
    assert abs(onset - bass_entry) < sample(0.01)  # sample-aligned to the score, within 10 ms


def test_prestosynth_renders_no_release_canary() -> None:
    """prestosynth stops a note within a few ms of its note-off.  If this fails it
    renders releases now: the stems' tail (TAIL_SECONDS) then carries them, but check
    that render_stems still renders far enough (it relies on the output ending at the
    last note-off)."""
    synth = render._load_synth(None, SR).synth
    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, qpm=120.0))
    track = symusic.Track(name="strings", program=48)
    track.notes.append(symusic.Note(0, 2 * TPQ, 60, 100))  # 1 s
    score.tracks.append(track)
    audio = synth.render(score, stereo=True)
    assert audio.shape[1] < SR + sample(0.01)
    assert rms_db(audio[:, sample(0.9) : SR]) > -40


def test_render_tail_rings_then_fades_to_zero(arr: Arrangement, result: render.RenderResult) -> None:
    end = sample(arr.seconds)
    assert rms_db(result.audio[:, end + sample(0.05) : end + sample(0.3)]) > -50  # the reverb tail
    assert np.all(result.audio[:, -1] == 0.0)


def test_reverb_sends_feed_the_render(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    dry = Mix(tracks={p.name: TrackMix(reverb=0.0) for p in arr.parts})
    assert render.reverb_bus(stems, arr, dry, SR) is None
    out = render.render(arr, dry, sample_rate=SR)
    expected = render.master(render.mix(stems, arr, dry), SR)
    assert _err_db(out.audio, expected) < -60
    wet = render.reverb_bus(stems, arr, Mix(tracks={"piano": TrackMix(solo=True, reverb=0.5)}), SR)
    assert wet is not None and wet.shape == stems["piano"].shape
    # the room rings on after the piano stops: energy where the dry stem is silent
    last = int(np.flatnonzero(np.abs(stems["piano"]).max(axis=0) > 0).max())
    assert rms_db(wet[:, last + sample(0.05) : last + sample(0.5)]) > -60


def test_stems_are_calibrated_to_the_reference_level(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    for part in arr.parts:
        if not part.notes:
            continue
        level = 20 * math.log10(render.active_rms(stems[part.name], SR))
        expected = render.REFERENCE_RMS_DBFS + render.ROLE_OFFSETS_DB[part.role]
        assert level == pytest.approx(expected, abs=0.2), part.name


def test_symusic_ignores_velocity_canary() -> None:
    """If this fails, symusic started honouring velocity and the velocity layers in
    render.py would apply it twice: drop them."""
    synth = render._load_synth(None, SR).synth

    def one(velocity: int) -> float:
        score = symusic.Score(TPQ)
        track = symusic.Track(name="p", program=0)
        track.notes.append(symusic.Note(0, TPQ, 60, velocity))
        score.tracks.append(track)
        return rms_db(synth.render(score, stereo=True))

    assert one(30) == pytest.approx(one(127), abs=0.01)


def test_prestosynth_clicks_on_some_drum_keys_canary() -> None:
    """prestosynth renders TimGM6mb's acoustic snare (key 38) as a ~10 ms click.  If
    this fails the bug is fixed upstream and DRUM_SUBSTITUTES can go."""
    synth = render._load_synth(None, SR).synth
    assert 38 in render._broken_drum_keys(synth, SR)
    assert 36 not in render._broken_drum_keys(synth, SR)


def test_clicking_drum_keys_are_substituted(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    assert render._load_synth(None, SR).drum_map(0)[38] == 40
    snare_at = sample(TPQ * SEC_PER_TICK)  # beat 2 of bar 0
    assert rms_db(stems["drums"][:, snare_at + sample(0.05) : snare_at + sample(0.1)]) > -45


def test_velocity_is_applied() -> None:
    loud, soft = 127, 64
    part = Part(
        name="keys",
        instrument="piano",
        role="harmony",
        program=0,
        notes=_notes((0, TPQ, 60, loud), (BAR, TPQ, 60, soft)),
    )
    arr = make_arrangement()
    arr = arr.model_copy(update={"parts": [part]})
    stem = render.render_stems(arr, sample_rate=SR)["keys"]
    a = rms_db(stem[:, : sample(0.4)])
    b = rms_db(stem[:, sample(2.0) : sample(2.4)])
    expected = 40 * math.log10(soft / loud)  # -11.9 dB
    assert b - a == pytest.approx(expected, abs=render.VELOCITY_STEP_DB / 2 + 0.2)


def test_velocity_layers_are_capped() -> None:
    index, layer_db = render.velocity_layers(np.arange(1, 128))
    assert len(layer_db) <= render.MAX_VELOCITY_LAYERS
    assert index.min() == 0 and index.max() == len(layer_db) - 1
    index, layer_db = render.velocity_layers(np.array([100, 100, 101]))
    assert len(layer_db) == 1


def test_procedural_voice_replaces_the_soundfont(arr: Arrangement) -> None:
    def sine(pitch: int, velocity: int, seconds: float, sr: int) -> np.ndarray:
        t = np.arange(int(seconds * sr)) / sr
        return (velocity / 127 * np.sin(2 * np.pi * 440 * 2 ** ((pitch - 69) / 12) * t)).astype(np.float32)

    stems = render.render_stems(arr, sample_rate=SR, voices={"bass": sine})
    bass = stems["bass"]
    assert np.array_equal(bass[0], bass[1])
    assert not np.any(bass[:, : sample(2.0) - 1])
    assert rms_db(bass[:, sample(2.1) : sample(2.5)]) > -40

    def broken(pitch: int, velocity: int, seconds: float, sr: int) -> np.ndarray:
        raise RuntimeError("boom")

    with pytest.raises(PluginError) as err:
        render.render_stems(arr, sample_rate=SR, voices={"bass": broken})
    assert "bass" in err.value.message


# ----------------------------------------------------------------- mix


def _err_db(a: np.ndarray, b: np.ndarray) -> float:
    """Peak error of a against b, relative to b's peak, in dB."""
    diff = float(np.abs(a.astype(np.float64) - b).max())
    return 20 * math.log10(diff / float(np.abs(b).max())) if diff > 0 else -math.inf


def test_default_mix_is_the_sum_of_stems(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    total = sum(s.astype(np.float64) for s in stems.values())
    out = render.mix(stems, arr, Mix())
    assert out.shape == total.shape and out.dtype == np.float32
    assert _err_db(out, total) < -60


def test_muted_part_is_absent(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    out = render.mix(stems, arr, Mix(tracks={"drums": TrackMix(mute=True)}))
    others = stems["piano"].astype(np.float64) + stems["bass"]
    assert _err_db(out, others) < -60


def test_solo_plays_only_soloed_parts(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    out = render.mix(stems, arr, Mix(tracks={"bass": TrackMix(solo=True)}))
    assert _err_db(out, stems["bass"]) < -60
    both = render.mix(stems, arr, Mix(tracks={"bass": TrackMix(solo=True), "piano": TrackMix(solo=True)}))
    assert _err_db(both, stems["bass"].astype(np.float64) + stems["piano"]) < -60
    muted_solo = render.mix(stems, arr, Mix(tracks={"bass": TrackMix(solo=True, mute=True)}))
    assert not np.any(muted_solo)


def test_gain_db_scales_the_part(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    out = render.mix(stems, arr, Mix(tracks={"bass": TrackMix(solo=True, gain_db=-6.0)}))
    assert rms_db(out) - rms_db(stems["bass"]) == pytest.approx(-6.0, abs=0.01)


@pytest.mark.parametrize("pan", [-1.0, 1.0])
def test_hard_pan_puts_the_part_on_one_side(arr: Arrangement, stems: dict[str, np.ndarray], pan: float) -> None:
    out = render.mix(stems, arr, Mix(tracks={"piano": TrackMix(solo=True, pan=pan)}))
    near, far = (out[0], out[1]) if pan < 0 else (out[1], out[0])
    energy_near = float(np.sum(np.square(near, dtype=np.float64)))
    energy_far = float(np.sum(np.square(far, dtype=np.float64)))
    assert energy_far <= energy_near * 1e-4
    # constant power: a centred part keeps (about) its energy when panned
    original = float(np.sum(np.square(stems["piano"], dtype=np.float64)))
    assert energy_near == pytest.approx(original, rel=0.1)


def test_pan_law_is_constant_power() -> None:
    for pan in np.linspace(-1, 1, 9):
        gl, gr = render.pan_gains(float(pan))
        assert gl**2 + gr**2 == pytest.approx(2.0)
    assert render.pan_gains(0.0) == pytest.approx((1.0, 1.0))


def test_mix_rejects_missing_stems(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    partial = {k: v for k, v in stems.items() if k != "bass"}
    with pytest.raises(InvalidInput) as err:
        render.mix(partial, arr, Mix())
    assert "bass" in err.value.message


# ----------------------------------------------------------------- master


def test_render_meets_loudness_and_true_peak(arr: Arrangement, result: render.RenderResult) -> None:
    audio = result.audio
    assert audio.dtype == np.float32 and audio.shape[0] == 2
    assert result.sample_rate == SR
    assert loudness(audio, SR) == pytest.approx(-14.0, abs=0.5)
    assert true_peak_dbtp(audio) <= -1.0 + 1e-6
    assert result.loudness_lufs == pytest.approx(loudness(audio, SR), abs=0.05)
    assert result.true_peak_db == pytest.approx(true_peak_dbtp(audio), abs=0.05)
    bar_seconds = 2.0
    assert abs(audio.shape[1] / SR - (arr.seconds + render.TAIL_SECONDS)) < bar_seconds
    assert audio.shape[1] == math.ceil((arr.seconds + render.TAIL_SECONDS) * SR)
    assert rms_db(audio) > -40
    assert set(result.stems) == {p.name for p in arr.parts}


def test_render_is_deterministic(arr: Arrangement, result: render.RenderResult) -> None:
    again = render.render(arr, sample_rate=SR)
    assert np.array_equal(again.audio, result.audio)


def _spiky(seconds: float = 6.0) -> np.ndarray:
    """Quiet noise with loud clicks: reaching -14 LUFS needs real limiting."""
    rng = np.random.default_rng(7)
    x = 0.05 * rng.standard_normal((2, int(seconds * SR)))
    x[:, :: SR // 4] += 0.9  # a click every 250 ms
    return x.astype(np.float32)


@pytest.mark.parametrize("target, ceiling", [(-14.0, -1.0), (-16.0, -3.0)])
def test_master_limits_true_peak_and_keeps_loudness(target: float, ceiling: float) -> None:
    x = _spiky()
    assert true_peak_dbtp(x * 10 ** ((target - loudness(x, SR)) / 20)) > ceiling + 3  # needs limiting
    y = render.master(x, SR, target_lufs=target, true_peak_db=ceiling)
    assert y.shape == x.shape and y.dtype == np.float32
    assert true_peak_dbtp(y) <= ceiling + 1e-6
    assert loudness(y, SR) == pytest.approx(target, abs=0.5)


def test_master_gain_is_smooth_not_clipped() -> None:
    """The limiter is a gain envelope: y/x changes slowly and nothing is flattened."""
    x = _spiky()
    y = render.master(x, SR, target_lufs=-14.0, true_peak_db=-1.0)
    mask = np.abs(x[0]) > 0.02
    ratio = y[0][mask] / x[0][mask]
    idx = np.flatnonzero(mask)
    close = np.diff(idx) == 1  # compare neighbouring samples only
    jumps = np.abs(np.diff(ratio))[close] / np.abs(ratio[:-1][close])
    assert jumps.max() < 0.01  # < 1 % gain change between samples
    top = np.abs(y) > 0.999 * np.abs(y).max()
    assert not np.any(top[:, 1:] & top[:, :-1])  # no flat-topped (clipped) runs


def test_master_keeps_silence_silent() -> None:
    silent = np.zeros((2, SR), dtype=np.float32)
    with np.errstate(all="raise"):
        y = render.master(silent, SR)
    assert not np.any(y) and np.all(np.isfinite(y))


def test_empty_arrangement_renders_silence() -> None:
    arr = make_arrangement().model_copy(update={"parts": []})
    out = render.render(arr, sample_rate=SR)
    assert out.audio.shape == (2, math.ceil((arr.seconds + render.TAIL_SECONDS) * SR))
    assert not np.any(out.audio) and out.loudness_lufs == -math.inf


def test_true_peak_matches_full_oversampling() -> None:
    rng = np.random.default_rng(3)
    x = (0.3 * rng.standard_normal((2, 5 * SR))).astype(np.float32)
    x[1, 12345] = 0.99
    assert 20 * math.log10(render.true_peak(x)) == pytest.approx(true_peak_dbtp(x), abs=1e-4)


def test_limiter_envelope_never_exceeds_the_requirement() -> None:
    rng = np.random.default_rng(5)
    req = np.minimum(1.0, rng.uniform(0.2, 4.0, 50_000) ** 2)
    req[:10] = 0.3  # a peak right at the start
    gain = render._limiter_gain(req, SR)
    assert gain.shape == req.shape
    assert np.all(gain <= req + 1e-12)
