"""File writers: MIDI read back with mido and pretty_midi, atomic writes, and every export
format re-opened in a standard reader (soundfile, mutagen, zipfile, Pillow, json)."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import mido
import numpy as np
import pretty_midi
import pytest
import soundfile

from musigen_agent import encode, export
from musigen_agent.errors import InvalidInput
from musigen_agent.spec import TPQ, Arrangement, Note, Part, PartSpec, SectionPlan, SectionSpec, TrackSpec

BAR = 4 * TPQ


def _notes(*spec: tuple[int, int, int, int]) -> list[Note]:
    return [Note(start=s, duration=d, pitch=p, velocity=v) for s, d, p, v in spec]


def make_arrangement(key: str = "Bb", mode: str = "major", meter: str = "4/4", tempo: int = 120) -> Arrangement:
    num, den = (int(x) for x in meter.split("/"))
    bar = num * TPQ * 4 // den
    scale = [60, 62, 64, 65, 67, 69, 71, 72]
    return Arrangement(
        tempo=tempo,
        meter=meter,
        key=key,
        mode=mode,
        sections=[
            SectionPlan(name="intro", start_bar=0, bars=2, chords=["C"]),
            SectionPlan(name="chorus_2", start_bar=2, bars=2, chords=["F"]),
        ],
        parts=[
            Part(
                name="Lead Piano",
                instrument="piano",
                role="melody",
                program=0,
                notes=_notes(*[(i * TPQ // 2, TPQ // 2 - 10, p, 80 + i) for i, p in enumerate(scale)]),
            ),
            Part(
                name="bass",
                instrument="electric_bass",
                role="bass",
                program=33,
                notes=_notes(*[(b * bar, bar - 30, 36, 100) for b in range(4)]),
            ),
            Part(
                name="drums",
                instrument="drum_kit",
                role="rhythm",
                program=0,
                is_drum=True,
                notes=_notes(*[(i * TPQ, 60, 36 if i % 2 == 0 else 38, 110) for i in range(8)]),
            ),
            Part(name="empty strings", instrument="strings", role="pad", program=48),
        ],
    )


def _read_mido(data: bytes) -> mido.MidiFile:
    return mido.MidiFile(file=io.BytesIO(data))


# ----------------------------------------------------------------- MIDI


def test_midi_is_type_1_with_one_track_per_part() -> None:
    arr = make_arrangement()
    mid = _read_mido(export.midi_bytes(arr))
    assert mid.type == 1 and mid.ticks_per_beat == TPQ
    names = [m.name for t in mid.tracks for m in t if m.type == "track_name"]
    assert names == [p.name for p in arr.parts]
    programs = [(m.channel, m.program) for t in mid.tracks for m in t if m.type == "program_change"]
    assert programs == [(0, 0), (1, 33), (9, 0), (2, 48)]  # drums on channel 10


def test_midi_round_trip_with_pretty_midi() -> None:
    arr = make_arrangement()
    pm = pretty_midi.PrettyMIDI(io.BytesIO(export.midi_bytes(arr)))
    audible = [p for p in arr.parts if p.notes]  # pretty_midi drops empty tracks
    assert [i.name for i in pm.instruments] == [p.name for p in audible]
    for inst, part in zip(pm.instruments, audible, strict=True):
        assert inst.program == part.program and inst.is_drum == part.is_drum
        got = sorted((n.start, n.end, n.pitch, n.velocity) for n in inst.notes)
        spt = 60.0 / (arr.tempo * TPQ)
        want = sorted((n.start * spt, (n.start + n.duration) * spt, n.pitch, n.velocity) for n in part.notes)
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            assert g[0] == pytest.approx(w[0], abs=1e-6) and g[1] == pytest.approx(w[1], abs=1e-6)
            assert g[2:] == w[2:]
    times, tempi = pm.get_tempo_changes()
    assert list(times) == [0.0] and tempi[0] == pytest.approx(120.0)
    ts = pm.time_signature_changes
    assert [(t.numerator, t.denominator, t.time) for t in ts] == [(4, 4, 0.0)]
    assert [(k.key_number, k.time) for k in pm.key_signature_changes] == [
        (pretty_midi.key_name_to_key_number("Bb Major"), 0.0)
    ]


def test_midi_meta_events_with_mido() -> None:
    arr = make_arrangement(key="E", mode="minor", meter="6/8", tempo=90)
    mid = _read_mido(export.midi_bytes(arr))
    metas = []
    for track in mid.tracks:
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.is_meta and msg.type in ("set_tempo", "time_signature", "key_signature", "marker"):
                metas.append((tick, msg))
    tempo = [m for _, m in metas if m.type == "set_tempo"]
    assert len(tempo) == 1 and mido.tempo2bpm(tempo[0].tempo) == pytest.approx(90.0)
    sig = [m for _, m in metas if m.type == "time_signature"]
    assert [(m.numerator, m.denominator) for m in sig] == [(6, 8)]
    assert [m.key for _, m in metas if m.type == "key_signature"] == ["Em"]
    markers = [(t, m.text) for t, m in metas if m.type == "marker"]
    assert markers == [(s.start_bar * arr.bar_ticks, s.name) for s in arr.sections]
    assert arr.bar_ticks == 3 * TPQ  # 6/8: two markers 2 bars apart are 6 quarters apart


def test_midi_note_ticks_are_exact() -> None:
    arr = make_arrangement()
    mid = _read_mido(export.midi_bytes(arr))
    assert len(mid.tracks) == 1 + len(arr.parts)  # conductor first
    for track, part in zip(mid.tracks[1:], arr.parts, strict=True):
        tick, on, notes = 0, {}, []
        for msg in track:
            tick += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                on[msg.note] = (tick, msg.velocity)
            elif msg.type in ("note_off", "note_on") and msg.note in on:
                start, vel = on.pop(msg.note)
                notes.append((start, tick - start, msg.note, vel))
        assert sorted(notes) == sorted((n.start, n.duration, n.pitch, n.velocity) for n in part.notes)


def test_sixteen_parts_get_distinct_channels() -> None:
    base = make_arrangement()
    parts = [
        Part(
            name=f"p{i}", instrument="piano", role="harmony", program=i, is_drum=(i == 3), notes=_notes((0, 10, 60, 90))
        )
        for i in range(16)
    ]
    arr = base.model_copy(update={"parts": parts})
    assert export.midi_channels(arr) == [0, 1, 2, 9, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15]
    mid = _read_mido(export.midi_bytes(arr))
    programs = [(m.channel, m.program) for t in mid.tracks for m in t if m.type == "program_change"]
    assert len({c for c, _ in programs}) == 16


def test_conductor_track_spans_the_form() -> None:
    arr = make_arrangement()
    mid = _read_mido(export.midi_bytes(arr))
    conductor = mid.tracks[0]
    assert not any(m.type in ("note_on", "note_off", "track_name") for m in conductor)
    assert sum(m.time for m in conductor) == arr.end_tick


@pytest.mark.parametrize(
    "key, mode, sharps",
    [
        ("C", "major", 0),
        ("G", "major", 1),
        ("F#", "major", 6),
        ("Gb", "major", -6),
        ("Cb", "major", -7),
        ("A", "minor", 0),
        ("E", "minor", 1),
        ("D", "minor", -1),
        ("Eb", "minor", -6),
        ("Db", "minor", 4),
        ("G#", "major", -4),
        ("A#", "minor", 7),
    ],
)
def test_key_signature_sharps(key: str, mode: str, sharps: int) -> None:
    assert export.key_signature_sharps(key, mode) == sharps


def test_midi_is_deterministic() -> None:
    arr = make_arrangement()
    first = export.midi_bytes(arr)
    assert export.midi_bytes(arr) == first
    rebuilt = Arrangement.model_validate(json.loads(arr.model_dump_json()))
    assert export.midi_bytes(rebuilt) == first


def test_midi_does_not_depend_on_note_order() -> None:
    arr = make_arrangement()
    shuffled_parts = []
    rng = random.Random(4)
    for part in arr.parts:
        notes = list(part.notes)
        rng.shuffle(notes)
        shuffled_parts.append(part.model_copy(update={"notes": notes}))
    shuffled = arr.model_copy(update={"parts": shuffled_parts})
    assert export.midi_bytes(shuffled) == export.midi_bytes(arr)


def test_write_midi_is_atomic_and_complete(tmp_path: Path) -> None:
    arr = make_arrangement()
    path = tmp_path / "song.mid"
    assert export.write_midi(arr, path) == path
    assert path.read_bytes() == export.midi_bytes(arr)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.mid"]


# ----------------------------------------------------------------- WAV


def _tone(seconds: float = 0.5, sr: int = 22050) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    return np.stack([0.5 * np.sin(2 * np.pi * 440 * t), 0.25 * np.sin(2 * np.pi * 660 * t)]).astype(np.float32)


@pytest.mark.parametrize(
    "subtype, tol", [("PCM_16", 1 / 32767), ("PCM_24", 1 / 8388607), ("FLOAT", 0.0), ("PCM_U8", 1 / 127)]
)
def test_write_wav_round_trip(tmp_path: Path, subtype: str, tol: float) -> None:
    audio = _tone()
    path = tmp_path / "out.wav"
    export.write_wav(audio, 22050, path, subtype=subtype)
    data, sr = soundfile.read(path, dtype="float32", always_2d=True)
    info = soundfile.info(path)
    assert sr == 22050 and info.subtype == subtype and info.channels == 2
    assert data.T.shape == audio.shape
    assert np.abs(data.T - audio).max() <= tol
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wav"]


def test_failed_wav_write_leaves_no_partial_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mix.wav"
    path.write_bytes(b"previous render")

    def broken_write(file, audio, sample_rate, subtype) -> None:  # type: ignore[no-untyped-def]
        file.write(b"RIFF\x00\x00 half a header")
        raise OSError("disk full")

    monkeypatch.setattr(encode, "write_wav", broken_write)
    with pytest.raises(OSError, match="disk full"):
        export.write_wav(_tone(), 22050, path)
    assert path.read_bytes() == b"previous render"  # the old file is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.wav"]  # no temp file left

    new = tmp_path / "new.wav"
    with pytest.raises(OSError):
        export.write_wav(_tone(), 22050, new)
    assert not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mix.wav"]


@pytest.mark.parametrize(
    "audio, kwargs, field",
    [
        (np.zeros(100, np.float32), {}, "audio"),
        (np.full((2, 10), np.nan, np.float32), {}, "audio"),
        (np.zeros((2, 10), np.float32), {"subtype": "MP3ISH"}, "subtype"),
        (np.zeros((2, 10), np.float32), {"sample_rate": 0}, "sample_rate"),
    ],
    ids=["mono-1d", "nan", "bad-subtype", "bad-rate"],
)
def test_write_wav_rejects_bad_input(tmp_path: Path, audio: np.ndarray, kwargs: dict, field: str) -> None:
    args = {"sample_rate": 22050, **kwargs}
    with pytest.raises(InvalidInput) as err:
        export.write_wav(audio, path=tmp_path / "x.wav", **args)
    assert err.value.field == field
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------- JSON


def test_write_json_plain_and_pydantic(tmp_path: Path) -> None:
    data = {"title": "Überlied", "n": [1, 2, 3]}
    path = export.write_json(data, tmp_path / "a.json")
    assert json.loads(path.read_text(encoding="utf-8")) == data
    assert "Überlied" in path.read_text(encoding="utf-8")
    arr = make_arrangement()
    path = export.write_json(arr, tmp_path / "arr.json")
    assert Arrangement.model_validate_json(path.read_text(encoding="utf-8")) == arr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "arr.json"]


def test_write_json_failure_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(TypeError):
        export.write_json({"x": object()}, tmp_path / "bad.json")
    assert list(tmp_path.iterdir()) == []


def test_to_score_carries_everything() -> None:
    arr = make_arrangement(key="Eb", mode="minor")
    score = export.to_score(arr)
    assert score.ticks_per_quarter == TPQ
    assert [(t.name, t.program, t.is_drum, len(t.notes)) for t in score.tracks] == [
        (p.name, p.program, p.is_drum, len(p.notes)) for p in arr.parts
    ]
    first = arr.parts[0].notes[0]
    n = score.tracks[0].notes[0]
    assert (n.time, n.duration, n.pitch, n.velocity) == (first.start, first.duration, first.pitch, first.velocity)
    assert [round(t.qpm, 6) for t in score.tempos] == [120.0]
    assert [(t.numerator, t.denominator) for t in score.time_signatures] == [(4, 4)]
    assert [(k.key, k.tonality) for k in score.key_signatures] == [(-6, 1)]
    assert [(m.time, m.text) for m in score.markers] == [(0, "intro"), (2 * BAR, "chorus_2")]


def test_midi_reads_back_with_symusic_including_utf8_names() -> None:
    import symusic

    arr = make_arrangement()
    arr = arr.model_copy(update={"parts": [arr.parts[0].model_copy(update={"name": "Flügel ピアノ"})] + arr.parts[1:]})
    score = symusic.Score.from_midi(export.midi_bytes(arr))
    expected = export.to_score(arr)
    tracks = list(score.tracks)  # symusic drops tracks without notes when reading
    assert [t.name for t in tracks] == [p.name for p in arr.parts if p.notes]
    for got, want in zip(tracks, [t for t in expected.tracks if len(t.notes)], strict=True):
        assert [(n.time, n.duration, n.pitch, n.velocity) for n in got.notes] == [
            (n.time, n.duration, n.pitch, n.velocity) for n in want.notes
        ]
        assert (got.program, got.is_drum) == (want.program, want.is_drum)
    assert [(m.time, m.text) for m in score.markers] == [(m.time, m.text) for m in expected.markers]
    assert [(k.key, k.tonality) for k in score.key_signatures] == [(-2, 0)]


# ----------------------------------------------------------------- every format, re-opened


@pytest.fixture(scope="module")
def rendered():
    from musigen_agent import render

    return render.render(make_arrangement(), sample_rate=44100)


def _spec(title: str = "Überlied") -> TrackSpec:
    return TrackSpec(
        title=title,
        genre="jazz",
        moods=["calm"],
        tempo=120,
        key="Bb",
        mode="major",
        sections=[SectionSpec(name="intro", bars=2), SectionSpec(name="chorus_2", bars=2)],
        parts=[PartSpec(name="Lead Piano", instrument="acoustic_piano", role="melody")],
    )


def test_formats_are_described() -> None:
    assert set(export.FORMATS) == {"mid", "wav", "flac", "ogg", "mp3", "stems", "png", "json"}
    assert export.AUDIO_FORMATS < set(export.FORMATS)
    from musigen_agent.services import FORMATS

    assert FORMATS is export.FORMATS


def test_every_format_reopens_in_a_standard_reader(tmp_path: Path, rendered) -> None:  # type: ignore[no-untyped-def]
    import zipfile

    from mutagen.mp3 import MP3
    from PIL import Image

    arr = make_arrangement()
    written = export.write_outputs(
        list(export.FORMATS),
        tmp_path,
        "song",
        spec=_spec(),
        arrangement=arr,
        midi=export.midi_bytes(arr),
        rendered=rendered,
        summary={"bars": 4},
    )
    assert list(written) == list(export.FORMATS)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written.values())  # no temp files
    seconds = rendered.seconds
    for fmt in ("wav", "flac", "ogg", "mp3"):
        data, rate = soundfile.read(written[fmt], dtype="float32", always_2d=True)
        assert (rate, data.shape[1]) == (44100, 2), fmt
        # MP3 adds the encoder's delay and pads to whole frames (1152 samples)
        assert data.shape[0] / rate == pytest.approx(seconds, abs=0.06 if fmt == "mp3" else 1e-3), fmt
    assert soundfile.info(written["wav"]).subtype == "PCM_16"
    wav, _ = soundfile.read(written["wav"], dtype="float32", always_2d=True)
    assert np.abs(wav.T - rendered.audio).max() <= 0.5 / 32768 + 1e-9
    flac, _ = soundfile.read(written["flac"], dtype="float32", always_2d=True)
    assert np.array_equal(flac, wav)  # lossless
    tags = MP3(written["mp3"])
    assert str(tags["TIT2"]) == "Überlied" and str(tags["TCON"]) == "jazz"
    assert tags.info.length == pytest.approx(seconds, abs=0.1)
    pm = pretty_midi.PrettyMIDI(str(written["mid"]))
    assert pm.get_end_time() == pytest.approx(arr.seconds - 30 / TPQ * 0.5, abs=0.05)
    with zipfile.ZipFile(written["stems"]) as archive:
        names = archive.namelist()
        assert names == ["Lead_Piano.wav", "bass.wav", "drums.wav", "empty_strings.wav", "reverb.wav"]
        stems = [soundfile.read(io.BytesIO(archive.read(n)), dtype="float32", always_2d=True) for n in names]
    assert {(s.shape, sr) for s, sr in stems} == {((rendered.audio.shape[1], 2), 44100)}
    from musigen_agent import mixer

    total = sum(s.astype(np.float64) for s, _ in stems)
    pre = mixer.premaster(rendered.stems, arr, rendered.mix, 44100)
    assert np.abs(total.T - pre).max() <= np.abs(pre).max() * 1e-3  # < -60 dB
    with Image.open(written["png"]) as image:
        image.load()
        assert image.format == "PNG" and image.width >= 640
        colours = {c for _, c in image.getcolors(maxcolors=100_000)}
    from musigen_agent.pianoroll import PALETTE

    assert {PALETTE[0], PALETTE[1], PALETTE[2]} <= colours  # one colour per playing part
    data = json.loads(written["json"].read_text(encoding="utf-8"))
    assert data["spec"]["title"] == "Überlied" and data["summary"] == {"bars": 4}


def test_48k_24_bit_is_resampled(tmp_path: Path, rendered) -> None:  # type: ignore[no-untyped-def]
    arr = make_arrangement()
    written = export.write_outputs(
        ["wav", "flac"],
        tmp_path,
        "hi",
        spec=_spec(),
        arrangement=arr,
        midi=b"",
        rendered=rendered,
        sample_rate=48000,
        bit_depth=24,
    )
    for path in written.values():
        info = soundfile.info(path)
        assert (info.samplerate, info.subtype) == (48000, "PCM_24")
        assert info.duration == pytest.approx(rendered.seconds, abs=1e-3)
    audio, _ = soundfile.read(written["wav"], dtype="float32", always_2d=True)
    peak_bin = int(np.abs(np.fft.rfft(audio[:, 0])).argmax())  # bins are 1/duration Hz apart at any rate
    assert peak_bin == pytest.approx(int(np.abs(np.fft.rfft(rendered.audio[0])).argmax()), abs=1)


def test_write_outputs_rejects_what_it_cannot_do(tmp_path: Path, rendered) -> None:  # type: ignore[no-untyped-def]
    arr = make_arrangement()
    kwargs = {"spec": _spec(), "arrangement": arr, "midi": b""}
    with pytest.raises(InvalidInput) as err:
        export.write_outputs(["aiff"], tmp_path, "x", rendered=rendered, **kwargs)
    assert err.value.field == "formats" and "mp3" in err.value.allowed
    with pytest.raises(InvalidInput) as err:
        export.write_outputs(["mp3"], tmp_path, "x", rendered=None, **kwargs)
    assert err.value.field == "formats"
    with pytest.raises(InvalidInput) as err:
        export.write_outputs(["wav"], tmp_path, "x", rendered=rendered, bit_depth=12, **kwargs)
    assert err.value.field == "bit_depth"
    with pytest.raises(InvalidInput) as err:
        export.write_outputs(["wav"], tmp_path, "x", rendered=rendered, sample_rate=96000, **kwargs)
    assert err.value.field == "sample_rate"
    assert not any(tmp_path.iterdir())


def test_services_render_every_format_and_reuse_stems(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = services.compose(
        "a calm jazz tune for piano and bass, 8 bars", formats=["mid", "png"], out_dir=tmp_path / "a"
    )
    assert services._stem_cache is None  # neither MIDI nor a piano roll needs a render
    seen: list[float] = []
    out = services.render(
        view["track_id"], formats=["mp3", "flac", "stems"], out_dir=tmp_path / "b", progress=lambda f, m: seen.append(f)
    )
    assert [f["format"] for f in out["files"]] == ["mp3", "flac", "stems"]
    rows = services.registry.list_renders(view["track_id"], out["version"])
    assert {r["format"] for r in rows} >= {"mid", "png", "mp3", "flac", "stems"}
    assert (services.settings.home / "cache" / "stems").is_dir()
    misses = services._stem_cache.stats["misses"]
    services.render(view["track_id"], formats=["wav"], out_dir=tmp_path / "c")
    assert services._stem_cache.stats["misses"] == misses  # nothing re-rendered
