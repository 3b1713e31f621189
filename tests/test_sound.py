"""The mixer and the master, measured on the hand-built piece of tests/test_render.py:
gain, pan, mute, solo, EQ, compression, the reverb bus, stems that sum to the mix,
loudness and true peak against pyloudnorm and an independent 4x oversampler."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.signal import resample_poly
from test_render import SR, err_db, loudness, make_arrangement, rms_db, sample, true_peak_dbtp

from musigen_agent import loudness as loudness_mod
from musigen_agent import mastering, mixer, render, truepeak
from musigen_agent.errors import InvalidInput
from musigen_agent.spec import Arrangement, Mix, Part, TrackMix


@pytest.fixture(scope="module")
def arr() -> Arrangement:
    return make_arrangement([Part(name="silent", instrument="flute", role="pad", program=73)])


@pytest.fixture(scope="module")
def stems(arr: Arrangement) -> dict[str, np.ndarray]:
    return render.render_stems(arr, sample_rate=SR)


@pytest.fixture(scope="module")
def result(arr: Arrangement) -> render.RenderResult:
    return render.render(arr, sample_rate=SR)


def test_stem_cache_hands_out_read_only_stems(stems: dict[str, np.ndarray]) -> None:
    with pytest.raises(ValueError):
        stems["piano"][0, 0] = 1.0


# ----------------------------------------------------------------- mixer


def test_default_mix_is_the_sum_of_stems(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    total = sum(s.astype(np.float64) for s in stems.values())
    out = mixer.mix(stems, arr, Mix(), SR)
    assert out.shape == total.shape and out.dtype == np.float32
    assert err_db(out, total) < -60


def test_muted_part_is_absent(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    out = mixer.mix(stems, arr, Mix(tracks={"drums": TrackMix(mute=True)}), SR)
    others = stems["piano"].astype(np.float64) + stems["bass"]
    assert err_db(out, others) < -60


def test_solo_plays_only_soloed_parts(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    out = mixer.mix(stems, arr, Mix(tracks={"bass": TrackMix(solo=True)}), SR)
    assert err_db(out, stems["bass"]) < -60
    both = mixer.mix(stems, arr, Mix(tracks={"bass": TrackMix(solo=True), "piano": TrackMix(solo=True)}), SR)
    assert err_db(both, stems["bass"].astype(np.float64) + stems["piano"]) < -60
    muted_solo = mixer.mix(stems, arr, Mix(tracks={"bass": TrackMix(solo=True, mute=True)}), SR)
    assert not np.any(muted_solo)


def test_gain_db_scales_the_part(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    out = mixer.mix(stems, arr, Mix(tracks={"bass": TrackMix(solo=True, gain_db=-6.0)}), SR)
    assert rms_db(out) - rms_db(stems["bass"]) == pytest.approx(-6.0, abs=0.01)


@pytest.mark.parametrize("pan", [-1.0, 1.0])
def test_hard_pan_puts_the_part_on_one_side(arr: Arrangement, stems: dict[str, np.ndarray], pan: float) -> None:
    out = mixer.mix(stems, arr, Mix(tracks={"piano": TrackMix(solo=True, pan=pan)}), SR)
    near, far = (out[0], out[1]) if pan < 0 else (out[1], out[0])
    energy_near = float(np.sum(np.square(near, dtype=np.float64)))
    energy_far = float(np.sum(np.square(far, dtype=np.float64)))
    assert energy_far <= energy_near * 1e-4
    # constant power: a centred part keeps (about) its energy when panned
    original = float(np.sum(np.square(stems["piano"], dtype=np.float64)))
    assert energy_near == pytest.approx(original, rel=0.1)


def test_partial_pan_moves_energy(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    out = mixer.mix(stems, arr, Mix(tracks={"bass": TrackMix(solo=True, pan=0.5)}), SR)
    left, right = rms_db(out[0]), rms_db(out[1])
    assert 3.0 < right - left < 15.0


def test_pan_law_is_constant_power() -> None:
    for pan in np.linspace(-1, 1, 9):
        gl, gr = mixer.pan_gains(float(pan))
        assert gl**2 + gr**2 == pytest.approx(2.0)
    assert mixer.pan_gains(0.0) == pytest.approx((1.0, 1.0))


def test_mix_rejects_missing_stems(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    partial = {k: v for k, v in stems.items() if k != "bass"}
    with pytest.raises(InvalidInput) as err:
        mixer.mix(partial, arr, Mix(), SR)
    assert "bass" in err.value.message


def _band_db(x: np.ndarray, lo: float, hi: float) -> float:
    spectrum = np.abs(np.fft.rfft(x[0].astype(np.float64))) ** 2
    freqs = np.fft.rfftfreq(x.shape[1], 1 / SR)
    return 10 * math.log10(spectrum[(freqs >= lo) & (freqs < hi)].sum() + 1e-30)


def test_eq_bands_and_low_cut_shape_the_spectrum(stems: dict[str, np.ndarray]) -> None:
    rng = np.random.default_rng(1)
    noise = (0.1 * rng.standard_normal((2, SR * 2))).astype(np.float32)
    flat = mixer.TrackFx()
    assert mixer.equalize(noise, flat, SR) is noise  # neutral settings cost nothing
    cases = [  # settings, band measured, its expected change (dB), a band left alone
        (mixer.TrackFx(eq_low_db=6.0), (30, 120), 6.0, (2500, 3500)),
        (mixer.TrackFx(eq_mid_db=-6.0), (900, 1100), -6.0, (6000, 8000)),
        (mixer.TrackFx(eq_high_db=6.0), (9000, 11000), 6.0, (100, 300)),
        (mixer.TrackFx(low_cut_hz=200.0), (45, 55), -24.0, (2500, 3500)),  # 12 dB/octave, two octaves down
    ]
    for fx, (lo, hi), expected, (rlo, rhi) in cases:
        y = mixer.equalize(noise, fx, SR)
        assert _band_db(y, lo, hi) - _band_db(noise, lo, hi) == pytest.approx(expected, abs=2.0), fx
        assert abs(_band_db(y, rlo, rhi) - _band_db(noise, rlo, rhi)) < 1.0, fx


def test_compressor_narrows_dynamics_and_keeps_the_level() -> None:
    t = np.arange(SR * 2) / SR
    loud_soft = np.where(t < 1.0, 0.5, 0.05) * np.sin(2 * np.pi * 220 * t)  # 20 dB apart
    x = np.stack([loud_soft, loud_soft]).astype(np.float32)
    fx = mixer.TrackFx(comp_threshold_db=-30.0, comp_ratio=4.0)
    y = mixer.compress(x, fx, SR)
    before = rms_db(x[:, : SR // 2]) - rms_db(x[:, SR + SR // 4 :])
    after = rms_db(y[:, : SR // 2]) - rms_db(y[:, SR + SR // 4 :])
    assert before == pytest.approx(20.0, abs=0.1) and after < 10.0
    assert mixer.active_rms(y, SR) == pytest.approx(mixer.active_rms(x, SR), rel=1e-3)
    assert mixer.compress(x, mixer.TrackFx(), SR) is x


def test_track_fx_reads_the_mix_model() -> None:
    assert mixer.TrackFx.from_track(TrackMix()) == mixer.TrackFx()


def test_reverb_sends_feed_the_render(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    dry = Mix(tracks={p.name: TrackMix(reverb=0.0) for p in arr.parts})
    assert mixer.reverb_bus(stems, arr, dry, SR) is None
    out = render.render(arr, dry, sample_rate=SR)
    expected = mastering.master(mixer.mix(stems, arr, dry, SR), SR)
    assert err_db(out.audio, expected) < -60
    wet = mixer.reverb_bus(stems, arr, Mix(tracks={"piano": TrackMix(solo=True, reverb=0.5)}), SR)
    assert wet is not None and wet.shape == stems["piano"].shape
    # the room rings on after the piano stops: energy where the dry stem is silent
    last = int(np.flatnonzero(np.abs(stems["piano"]).max(axis=0) > 0).max())
    assert rms_db(wet[:, last + sample(0.05) : last + sample(0.5)]) > -60


def test_track_stems_sum_to_the_premaster_mix(
    arr: Arrangement, result: render.RenderResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Mix(
        tracks={
            "bass": TrackMix(gain_db=-4.0, pan=-0.4),
            "drums": TrackMix(mute=True),
            "piano": TrackMix(pan=0.6, reverb=0.4),
        }
    )
    fx = mixer.TrackFx(low_cut_hz=60.0, eq_high_db=-3.0, comp_threshold_db=-30.0, comp_ratio=3.0)
    monkeypatch.setattr(mixer.TrackFx, "from_track", classmethod(lambda cls, track: fx))  # inserts on every track
    res = render.render(arr, settings, sample_rate=SR)
    tracks = res.track_stems()
    assert list(tracks) == [p.name for p in arr.parts] + [mixer.REVERB_STEM]
    shapes = {t.shape for t in tracks.values()}
    assert shapes == {(2, render.n_samples(arr, SR))}  # sample-aligned
    assert not np.any(tracks["drums"]) and not np.any(tracks["silent"])  # muted, empty
    for name in ("piano", "bass", mixer.REVERB_STEM):  # every playing stem sounds where its part plays
        assert rms_db(tracks[name][:, sample(2.1) : sample(2.5)]) > -50, name
    total = sum(t.astype(np.float64) for t in tracks.values())
    pre = mixer.premaster(res.stems, arr, settings, SR)
    assert err_db(total, pre) < -60
    assert err_db(mastering.master(pre, SR), res.audio) < -60


# ----------------------------------------------------------------- master


def test_render_meets_loudness_and_true_peak(arr: Arrangement, result: render.RenderResult) -> None:
    audio = result.audio
    assert audio.dtype == np.float32 and audio.shape[0] == 2
    assert result.sample_rate == SR
    assert audio.shape[1] == math.ceil((arr.seconds + render.TAIL_SECONDS) * SR)  # as long as asked
    assert loudness(audio, SR) == pytest.approx(-14.0, abs=0.5)
    assert true_peak_dbtp(audio) <= -1.0 + 1e-6
    assert result.loudness_lufs == pytest.approx(loudness(audio, SR), abs=0.05)
    assert result.true_peak_db == pytest.approx(true_peak_dbtp(audio), abs=0.05)
    assert set(result.stems) == {p.name for p in arr.parts}


@pytest.mark.parametrize("target, ceiling", [(-16.0, -2.0), (-10.0, -1.0)])
def test_render_follows_the_mix_targets(arr: Arrangement, target: float, ceiling: float) -> None:
    res = render.render(arr, Mix(target_lufs=target, true_peak_db=ceiling), sample_rate=SR)
    assert loudness(res.audio, SR) == pytest.approx(target, abs=0.5)
    assert true_peak_dbtp(res.audio) <= ceiling + 1e-6


def test_render_tail_rings_then_fades_to_zero(arr: Arrangement, result: render.RenderResult) -> None:
    end = sample(arr.seconds)
    assert rms_db(result.audio[:, end + sample(0.05) : end + sample(0.3)]) > -50  # release and reverb
    assert np.all(result.audio[:, -1] == 0.0)


def test_render_is_deterministic(arr: Arrangement, result: render.RenderResult) -> None:
    again = render.render(arr, sample_rate=SR)
    assert np.array_equal(again.audio, result.audio)


def test_own_loudness_meter_matches_pyloudnorm(result: render.RenderResult) -> None:
    rng = np.random.default_rng(2)
    for x, sr in ((result.audio, SR), ((0.1 * rng.standard_normal((2, 48000 * 3))).astype(np.float32), 48000)):
        assert loudness_mod.integrated_loudness(x, sr) == pytest.approx(loudness(x, sr), abs=0.01)
    short = (0.1 * rng.standard_normal((2, SR // 10))).astype(np.float32)  # under one gating block
    padded = np.pad(short, ((0, 0), (0, int(0.4 * SR) + 1 - short.shape[1])))
    assert loudness_mod.integrated_loudness(short, SR) == pytest.approx(loudness(padded, SR), abs=0.01)


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
    y, measured_lufs, measured_tp = mastering.master_measured(x, SR, target_lufs=target, true_peak_db=ceiling)
    assert y.shape == x.shape and y.dtype == np.float32
    assert true_peak_dbtp(y) <= ceiling + 1e-6
    assert loudness(y, SR) == pytest.approx(target, abs=0.5)
    assert measured_lufs == pytest.approx(loudness(y, SR), abs=0.05)
    assert measured_tp == pytest.approx(true_peak_dbtp(y), abs=0.05)


def test_master_gain_is_smooth_not_clipped() -> None:
    """The limiter is a gain envelope: y/x changes slowly and nothing is flattened."""
    x = _spiky()
    y = mastering.master(x, SR, target_lufs=-14.0, true_peak_db=-1.0)
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
        y = mastering.master(silent, SR)
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
    assert 20 * math.log10(truepeak.true_peak(x)) == pytest.approx(true_peak_dbtp(x), abs=1e-4)


def test_limiter_envelope_never_exceeds_the_requirement() -> None:
    rng = np.random.default_rng(5)
    req = np.minimum(1.0, rng.uniform(0.2, 4.0, 50_000) ** 2)
    req[:10] = 0.3  # a peak right at the start
    gain = mastering._limiter_gain(req, SR)
    assert gain.shape == req.shape
    assert np.all(gain <= req + 1e-12)
    # computed only around the peaks, all ranges laid end to end: the same as over the whole signal
    sparse = np.ones(200_000)
    peaks = np.array([30, 5_000, 120_000, 120_400, 199_990])
    sparse[peaks] = [0.7, 0.5, 0.5, 0.4, 0.6]
    lim = mastering._limit(peaks, sparse[peaks], len(sparse), SR)
    assert len(lim.lo) == 4 and len(lim.positions) < len(sparse) // 2
    full = mastering._limiter_gain(sparse, SR)
    assert np.allclose(lim.gain, full[lim.positions], atol=1e-6)
    outside = np.ones(len(sparse), dtype=bool)
    outside[lim.positions] = False
    assert np.allclose(full[outside], 1.0, atol=1e-9)
    y = np.ones((2, len(sparse)), dtype=np.float32)
    lim.apply(y)
    assert np.allclose(y, full, atol=1e-6)


def test_true_peak_of_ranges_matches_resample_poly() -> None:
    """Oversampling gathered ranges gives resample_poly's values, edges included."""
    rng = np.random.default_rng(11)
    x = (0.4 * rng.standard_normal((2, 3000))).astype(np.float32)
    up = np.abs(resample_poly(x.astype(np.float64), 4, 1, axis=1)).reshape(2, -1, 4).max(axis=(0, 2))
    lo, hi = np.array([0, 15, 40, 1000, 2990]), np.array([3, 30, 41, 1700, 3000])  # touching both ends
    got = truepeak.exact_true_peak(x, lo, hi)
    want = np.concatenate([up[a:b] for a, b in zip(lo, hi, strict=True)])
    assert np.allclose(got, want, rtol=1e-5, atol=1e-7)


def test_sliding_extremes_match_a_plain_loop() -> None:
    rng = np.random.default_rng(12)
    x = rng.random(500)
    for before, after in ((0, 0), (3, 7), (10, 10), (40, 5)):
        padded = np.concatenate([np.ones(before), x, np.ones(after)])
        want = np.array([padded[i : i + before + after + 1].min() for i in range(len(x))])
        assert np.array_equal(truepeak.sliding(x, before, after, np.minimum, 1.0), want)


def test_master_overwrite_gives_the_same_result_in_place() -> None:
    x = _spiky(3.0)
    y, lufs, tp = mastering.master_measured(x, SR)
    z = x.copy()
    out, lufs2, tp2 = mastering.master_measured(z, SR, overwrite=True)
    assert out is z and np.array_equal(out, y) and (lufs, tp) == (lufs2, tp2)
    assert np.array_equal(mastering.master_measured(x, SR)[0], y)  # the kept work arrays carry nothing over


def test_master_heavy_limiting_on_dense_peaks() -> None:
    """A loud, dense mix (chords of saw-like waves and clicks) that needs limiting almost everywhere."""
    t = np.arange(8 * SR) / SR
    saw = sum(np.sin(2 * np.pi * k * 110 * t) / k for k in range(1, 12))
    x = np.stack([saw, np.roll(saw, 37)]) * 0.5
    x[:, :: SR // 8] += 1.5
    x = x.astype(np.float32)
    y, measured_lufs, measured_tp = mastering.master_measured(x, SR, target_lufs=-9.0, true_peak_db=-1.0)
    assert true_peak_dbtp(y) <= -1.0 + 1e-6
    assert measured_tp == pytest.approx(true_peak_dbtp(y), abs=0.05)
    assert measured_lufs == pytest.approx(loudness(y, SR), abs=0.05)
