"""Rendering, measured: the soundfont checks, stems, note shapes, velocity, voices, the
stem cache, progress and cancellation (mixer and master: tests/test_sound.py).

The piece is built by hand (no composer) so the expected timings are known exactly:
4 bars of 4/4 at 120 bpm = 8 s, piano plays a C major scale in bars 0-1 and a chord in
bars 2-3, bass enters at bar 1, drums play kick/snare throughout.
"""

from __future__ import annotations

import math
import shutil
import struct
import threading
from pathlib import Path

import numpy as np
import pytest
import symusic
from scipy.signal import resample_poly

from musigen_agent import mixer, notebank, render
from musigen_agent.errors import InvalidInput, PluginError
from musigen_agent.hookspecs import hookimpl
from musigen_agent.plugin_manager import load_plugins
from musigen_agent.spec import TPQ, Arrangement, Note, Part, SectionPlan
from musigen_agent.stem_cache import StemCache

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
        Part(name="piano", instrument="acoustic_piano", role="melody", program=0, notes=piano),
        Part(name="bass", instrument="bass_guitar", role="bass", program=33, notes=bass),
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
        assert np.all(np.isfinite(stem)) and not stem.flags.writeable  # shared with the cache


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


def test_note_bank_reproduces_a_whole_part_render() -> None:
    """The stem is assembled from notes rendered alone: without the added release it
    equals prestosynth rendering the part in one go, except in the ~1 ms where a
    note stops (the part render rounds note-offs differently)."""
    synth = render._load_synth(None, SR)
    part = make_arrangement().parts[0]
    arr = make_arrangement().model_copy(update={"parts": [part]})
    notes = render._note_table(part)
    notes[:, 3] = 127  # the synthesizer ignores velocity; the bank applies it

    class Raw:
        sample_rate = SR

        def note(self, program: int, is_drum: bool, pitch: int, hold: int) -> np.ndarray:
            return synth._raw(program, is_drum, pitch, hold)

    n = render.n_samples(arr, SR)
    mine = render._render_sf_part(Raw(), part, notes, arr, n)  # type: ignore[arg-type]
    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, qpm=120.0))
    track = symusic.Track(name="p", program=0)
    for start, duration, pitch, velocity in notes.tolist():
        track.notes.append(symusic.Note(start, duration, pitch, velocity))
    score.tracks.append(track)
    whole = synth.synth.render(score, stereo=True)
    m = min(n, whole.shape[1])
    assert err_db(mine[:, :m], whole[:, :m]) < -50
    ends = {round((s + d) * SEC_PER_TICK * SR) for s, d, *_ in notes.tolist()}
    away = np.ones(m, dtype=bool)
    for e in ends:
        away[max(0, e - sample(0.005)) : e + sample(0.005)] = False
    assert np.abs(mine[:, :m][:, away] - whole[:, :m][:, away]).max() < 1e-6


def test_notes_release_instead_of_stopping_dead() -> None:
    """prestosynth stops a note ~1 ms after note-off; the bank adds a family release."""
    part = Part(name="strings", instrument="strings", role="pad", program=48, notes=_notes((0, 2 * TPQ, 60, 100)))
    arr = make_arrangement().model_copy(update={"parts": [part]})
    stem = render.render_stems(arr, sample_rate=SR)["strings"]
    off = sample(1.0)
    release = notebank.FAMILY_SHAPES[48 // 8].release
    held, after = rms_db(stem[:, off - sample(0.1) : off]), rms_db(stem[:, off + sample(0.05) : off + sample(0.1)])
    assert held - 20 < after < held  # still sounding 50-100 ms after note-off, and fading
    assert not np.any(stem[:, off + sample(release) + 2 :])  # and silent once the release is over


def test_drums_are_one_shots_and_cymbals_ring() -> None:
    kick_and_crash = _notes((0, 30, 36, 110), (BAR, 30, 49, 110))  # 30 ticks = 31 ms written
    part = Part(name="drums", instrument="drum_kit", role="rhythm", program=0, is_drum=True, notes=kick_and_crash)
    arr = make_arrangement().model_copy(update={"parts": [part]})
    stem = render.render_stems(arr, sample_rate=SR)["drums"]
    assert rms_db(stem[:, sample(0.06) : sample(0.1)]) > -50  # the kick plays out past its written end
    crash = sample(2.0)
    assert rms_db(stem[:, crash + sample(1.0) : crash + sample(1.2)]) > -70  # the crash rings on...
    assert not np.any(stem[:, crash + sample(notebank.DRUM_RING_SECONDS[49]) + 2 :])  # ...then stops


def test_prestosynth_renders_no_release_canary() -> None:
    """prestosynth stops a note within a few ms of its note-off.  If this fails it
    renders releases now, and NoteShape.release would add a second one: drop it."""
    synth = render._load_synth(None, SR).synth
    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, qpm=120.0))
    track = symusic.Track(name="strings", program=48)
    track.notes.append(symusic.Note(0, 2 * TPQ, 60, 100))  # 1 s
    score.tracks.append(track)
    audio = synth.render(score, stereo=True)
    assert audio.shape[1] < SR + sample(0.01)
    assert rms_db(audio[:, sample(0.9) : SR]) > -40


def test_stems_are_calibrated_to_the_reference_level(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    for part in arr.parts:
        if not part.notes:
            continue
        level = 20 * math.log10(mixer.active_rms(stems[part.name], SR))
        expected = render.REFERENCE_RMS_DBFS + render.ROLE_OFFSETS_DB[part.role]
        assert level == pytest.approx(expected, abs=0.2), part.name


def test_symusic_ignores_velocity_canary() -> None:
    """If this fails, symusic started honouring velocity and the per-note velocity
    gain in render.py would apply it twice: drop it."""
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
    assert 38 in notebank.broken_drum_keys(synth, SR)
    assert 40 not in notebank.broken_drum_keys(synth, SR)


def test_clicking_drum_keys_are_substituted(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    assert render._load_synth(None, SR).drum_map(0)[38] == 40
    snare_at = sample(TPQ * SEC_PER_TICK)  # beat 2 of bar 0
    assert rms_db(stems["drums"][:, snare_at + sample(0.05) : snare_at + sample(0.1)]) > -45


@pytest.mark.parametrize("soft", [100, 64, 20])
def test_velocity_is_applied_exactly(soft: int) -> None:
    loud = 127
    part = Part(
        name="keys",
        instrument="organ",
        role="harmony",
        program=16,  # an organ holds its level: the two notes differ by velocity only
        notes=_notes((0, TPQ, 60, loud), (BAR, TPQ, 60, soft)),
    )
    arr = make_arrangement().model_copy(update={"parts": [part]})
    stem = render.render_stems(arr, sample_rate=SR)["keys"]
    a = rms_db(stem[:, : sample(0.45)])
    b = rms_db(stem[:, sample(2.0) : sample(2.45)])
    assert b - a == pytest.approx(float(render.velocity_gain_db(soft)), abs=0.05)


def test_note_order_does_not_change_the_stem(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    piano = arr.part("piano")
    shuffled = piano.model_copy(update={"notes": list(reversed(piano.notes))})
    again = render.render_stems(arr.model_copy(update={"parts": [shuffled]}), sample_rate=SR)
    assert np.array_equal(again["piano"], stems["piano"])


# ----------------------------------------------------------------- voices


def _sine(pitch: int, velocity: int, seconds: float, sr: int) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return (velocity / 127 * np.sin(2 * np.pi * 440 * 2 ** ((pitch - 69) / 12) * t)).astype(np.float32)


def test_procedural_voice_replaces_the_soundfont(arr: Arrangement) -> None:
    stems = render.render_stems(arr, sample_rate=SR, voices={"bass": _sine})
    bass = stems["bass"]
    assert np.array_equal(bass[0], bass[1])
    assert not np.any(bass[:, : sample(2.0) - 1])
    assert rms_db(bass[:, sample(2.1) : sample(2.5)]) > -40

    def broken(pitch: int, velocity: int, seconds: float, sr: int) -> np.ndarray:
        raise RuntimeError("boom")

    with pytest.raises(PluginError) as err:
        render.render_stems(arr, sample_rate=SR, voices={"bass": broken})
    assert "bass" in err.value.message


class SineBass:
    """A tiny plugin: voices the bass guitar with a numpy sine."""

    @hookimpl
    def instrument_voice(self, instrument):  # type: ignore[no-untyped-def]
        return _sine if instrument.name == "bass_guitar" else None


def test_voices_come_from_the_instrument_voice_hook(arr: Arrangement) -> None:
    plugin = SineBass()
    plugins = load_plugins(entry_points=False, extra=[("sine_bass", plugin)])
    voices = render.voices_for(arr, plugins)
    assert voices == {"bass": _sine}
    stems = render.render_stems(arr, sample_rate=SR, voices=voices)
    assert np.array_equal(stems["bass"][0], stems["bass"][1])  # the mono sine, not the soundfont
    assert render.voices_for(arr, load_plugins(entry_points=False)) == {}


# ----------------------------------------------------------------- cache, progress, cancel


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the parts synthesised (not taken from a cache)."""
    calls: list[str] = []
    original = render._render_sf_part

    def counting(synth, part, *args):  # type: ignore[no-untyped-def]
        calls.append(part.name)
        return original(synth, part, *args)

    monkeypatch.setattr(render, "_render_sf_part", counting)
    return calls


def test_mix_change_reuses_every_stem(tmp_path: Path, arr: Arrangement, counted: list[str]) -> None:
    from musigen_agent.spec import Mix, TrackMix

    cache = StemCache(tmp_path / "stems")
    first = render.render(arr, sample_rate=SR, cache=cache)
    assert sorted(counted) == ["bass", "drums", "piano"]  # the empty part needs no synthesis
    counted.clear()
    louder_bass = Mix(tracks={"bass": TrackMix(gain_db=-3.0, pan=0.3)})
    second = render.render(arr, louder_bass, sample_rate=SR, cache=cache)
    assert counted == []
    assert all(first.stems[k] is second.stems[k] for k in ("piano", "bass", "drums"))
    assert not np.array_equal(first.audio, second.audio)
    cache.flush()
    assert len(list((tmp_path / "stems").glob("*.npy"))) == 3


def test_one_part_change_rerenders_one_stem(tmp_path: Path, arr: Arrangement, counted: list[str]) -> None:
    cache = StemCache(tmp_path / "stems")
    before = render.render_stems(arr, sample_rate=SR, cache=cache)
    counted.clear()
    bass = arr.part("bass")
    higher = bass.model_copy(update={"notes": [n.model_copy(update={"pitch": n.pitch + 2}) for n in bass.notes]})
    edited = arr.model_copy(update={"parts": [higher if p.name == "bass" else p for p in arr.parts]})
    after = render.render_stems(edited, sample_rate=SR, cache=cache)
    assert counted == ["bass"]
    assert after["piano"] is before["piano"] and not np.array_equal(after["bass"], before["bass"])


def test_disk_cache_survives_the_process(tmp_path: Path, arr: Arrangement, counted: list[str]) -> None:
    first = StemCache(tmp_path / "stems")
    render.render_stems(arr, sample_rate=SR, cache=first)
    first.flush()  # what a process exiting does too: the writer thread is not a daemon
    counted.clear()
    fresh = StemCache(tmp_path / "stems")  # a new process: empty memory, same folder
    stems = render.render_stems(arr, sample_rate=SR, cache=fresh)
    assert counted == [] and fresh.stats["disk_hits"] == 3
    assert np.array_equal(stems["piano"], render.render_stems(arr, sample_rate=SR)["piano"])
    for path in (tmp_path / "stems").glob("*.npy"):  # a corrupt file is dropped and rendered again
        path.write_bytes(b"not a stem")
    counted.clear()
    render.render_stems(arr, sample_rate=SR, cache=StemCache(tmp_path / "stems"))
    assert sorted(counted) == ["bass", "drums", "piano"]


def test_stems_reach_disk_in_the_background(tmp_path: Path, stems: dict[str, np.ndarray]) -> None:
    """put() returns before the file is written; a stem on its way is still served (after
    the memory level forgot it), flush() waits, and a failing disk only logs."""
    cache = StemCache(tmp_path / "stems")
    for i in range(3):
        cache.put(f"k{i}", stems["piano"])
    cache.clear_memory()
    assert all(np.array_equal(cache.get(f"k{i}"), stems["piano"]) for i in range(3))
    assert cache.stats["misses"] == 0
    cache.flush()
    assert sorted(p.name for p in (tmp_path / "stems").glob("*.npy")) == ["k0.npy", "k1.npy", "k2.npy"]
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder should be")
    broken = StemCache(blocked / "stems")
    broken.put("k", stems["piano"])
    broken.flush()
    assert broken.get("k") is not None and not (blocked / "stems").exists()


def test_cache_key_covers_what_the_stem_depends_on(tmp_path: Path, arr: Arrangement, counted: list[str]) -> None:
    cache = StemCache(tmp_path / "stems")
    render.render_stems(arr, sample_rate=SR, cache=cache)
    counted.clear()
    render.render_stems(arr.model_copy(update={"tempo": 121}), sample_rate=SR, cache=cache)
    assert sorted(counted) == ["bass", "drums", "piano"]
    counted.clear()
    render.render_stems(arr, sample_rate=SR + 1, cache=cache)
    assert len(counted) == 3
    counted.clear()
    copy = tmp_path / "copy.sf2"
    shutil.copyfile(render.default_soundfont(), copy)
    render.render_stems(arr, soundfont=copy, sample_rate=SR, cache=cache)
    assert len(counted) == 3


def test_memory_cache_is_bounded(arr: Arrangement, stems: dict[str, np.ndarray]) -> None:
    one = stems["piano"].nbytes
    cache = StemCache(max_memory_bytes=2 * one)
    for i in range(4):
        cache.put(f"k{i}", stems["piano"])
    assert cache.get("k0") is None and cache.get("k3") is not None


def test_progress_is_reported_per_stem_and_cancel_stops(arr: Arrangement) -> None:
    seen: list[tuple[float, str]] = []
    render.render(arr, sample_rate=SR, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert sum("stem" in m for _, m in seen) == len(arr.parts)
    cancel = threading.Event()

    def cancel_after_first(fraction: float, message: str) -> None:
        cancel.set()

    with pytest.raises(render.RenderCancelled) as err:
        render.render_stems(arr, sample_rate=SR, progress=cancel_after_first, cancel=cancel)
    assert "bass" in err.value.message  # stopped before the second part


def err_db(a: np.ndarray, b: np.ndarray) -> float:
    """Peak error of a against b, relative to b's peak, in dB."""
    diff = float(np.abs(a.astype(np.float64) - b).max())
    return 20 * math.log10(diff / float(np.abs(b).max())) if diff > 0 else -math.inf


def test_cached_mixing_equals_mixing_from_scratch(tmp_path: Path, arr: Arrangement) -> None:
    """A track's EQ and compressor output is kept by stem and settings; a render that
    reuses it is bit for bit the render that recomputes everything."""
    from musigen_agent.spec import Mix, TrackMix

    cache = StemCache(tmp_path / "stems")
    eq = {"low_cut_hz": 80.0, "eq_high_db": 3.0, "comp_threshold_db": -30.0, "comp_ratio": 3.0}
    mixes = [
        Mix(tracks={"piano": TrackMix(**eq)}),
        Mix(tracks={"piano": TrackMix(**eq), "bass": TrackMix(pan=0.5, gain_db=-4.0)}),
        Mix(tracks={"piano": TrackMix(**eq, gain_db=2.0)}),  # the fader is not an insert
    ]
    for i, settings in enumerate(mixes):
        hits = cache.stats["derived_hits"]
        cached = render.render(arr, settings, sample_rate=SR, cache=cache)
        assert cache.stats["derived_hits"] == hits + (i > 0)
        assert np.array_equal(cached.audio, render.render(arr, settings, sample_rate=SR).audio)
    hits = cache.stats["derived_hits"]
    stems = cached.track_stems()  # exporting the stems reuses the render's processing
    assert cache.stats["derived_hits"] == hits + 1
    total = sum(t.astype(np.float64) for t in stems.values())
    assert err_db(total, mixer.premaster(cached.stems, arr, mixes[-1], SR)) < -60
    changed = Mix(tracks={"piano": TrackMix(**{**eq, "eq_high_db": 4.0})})
    render.render(arr, changed, sample_rate=SR, cache=cache)
    assert cache.stats["derived_misses"] == 2  # new settings, processed again


def test_a_mastered_mix_is_kept_and_reused_only_for_the_same_content(tmp_path: Path, arr: Arrangement) -> None:
    """Rendering the same version again (another format) reuses the master bit for bit;
    a mix change or a note change masters again; a plugin voice (no content key) never keeps one."""
    from musigen_agent.spec import Mix, TrackMix

    cache = StemCache(tmp_path / "stems")
    first = render.render(arr, sample_rate=SR, cache=cache)
    again = render.render(arr, sample_rate=SR, cache=cache)
    assert cache.stats["master_hits"] == 1 and again.audio is first.audio
    assert (again.loudness_lufs, again.true_peak_db) == pytest.approx((first.loudness_lufs, first.true_peak_db))
    assert np.array_equal(again.audio, render.render(arr, sample_rate=SR).audio)  # = from scratch
    quieter = render.render(arr, Mix(tracks={"bass": TrackMix(gain_db=-6.0)}), sample_rate=SR, cache=cache)
    assert cache.stats["master_hits"] == 1 and not np.array_equal(quieter.audio, first.audio)
    bass = arr.part("bass")
    moved = bass.model_copy(update={"notes": [n.model_copy(update={"pitch": n.pitch + 1}) for n in bass.notes]})
    edited = arr.model_copy(update={"parts": [moved if p.name == "bass" else p for p in arr.parts]})
    render.render(edited, sample_rate=SR, cache=cache)
    assert cache.stats["master_hits"] == 1
    voiced = {"piano": lambda pitch, velocity, seconds, sr: np.zeros(int(seconds * sr) + 1, dtype=np.float32)}
    misses = cache.stats["master_misses"]
    for _ in range(2):
        render.render(arr, sample_rate=SR, voices=voiced, cache=cache)
    assert cache.stats["master_hits"] == 1 and cache.stats["master_misses"] == misses  # never looked up
