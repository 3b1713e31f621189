"""File writers: every export format, and :func:`write_outputs`, the one dispatcher.

Formats (:data:`FORMATS`): Standard MIDI, WAV, FLAC, Ogg Vorbis, MP3 (tagged), the
stems as a zip of WAV files, a piano-roll PNG and the spec as JSON.  The audio
encoders live in :mod:`musigen_agent.encode`, the picture in
:mod:`musigen_agent.pianoroll`.

Every writer is atomic: it writes a temporary file in the target's directory and then
``os.replace``-s it over the target, so a reader (or a crash) never sees a half-written
file and a failed write leaves any previous file untouched.

MIDI is written by a small SMF encoder here rather than by symusic's dump: symusic
0.5.9 writes everything needed but puts the global meta events into the first part's
track and assigns MIDI channels by track index, so with 16 parts two of them share a
channel (and a program).  Writing the bytes ourselves gives a conductor track, a
compact channel map, UTF-8 names and full control over event order (so equal input
gives equal bytes), in ~5 ms for a few thousand notes (mido takes ~55 ms).
:func:`to_score` still builds the equivalent symusic Score for in-memory use.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import struct
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import symusic

from . import encode
from .errors import InvalidInput
from .spec import Arrangement, TrackSpec

if TYPE_CHECKING:
    from .render import RenderResult

#: Every format :func:`write_outputs` writes, with what it is.
FORMATS: dict[str, str] = {
    "mid": "Standard MIDI file (type 1: a named track per part, tempo, key, time signature, section markers)",
    "wav": "WAV, stereo, 16-bit (or 24-bit), 44.1 kHz (or 48 kHz)",
    "flac": "FLAC, lossless, stereo, 16-bit (or 24-bit)",
    "ogg": "Ogg Vorbis, stereo, about 190 kbps",
    "mp3": "MP3, stereo, 192 kbps, ID3v2 title and genre",
    "stems": "zip of one 32-bit float WAV per part as mixed (pre-master) plus the reverb return",
    "png": "piano roll: one colour per part, section markers",
    "json": "the spec and summary as JSON",
}
#: Formats made from the rendered audio (the others need no render).
AUDIO_FORMATS = frozenset({"wav", "flac", "ogg", "mp3", "stems"})
#: File name of each format, after the base name.
SUFFIXES = {
    "mid": ".mid",
    "wav": ".wav",
    "flac": ".flac",
    "ogg": ".ogg",
    "mp3": ".mp3",
    "stems": "_stems.zip",
    "png": ".png",
    "json": ".json",
}

_PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def key_signature_sharps(key: str, mode: str) -> int:
    """Sharps (positive) or flats (negative) of ``key``/``mode`` in -7..7.

    The spelling of the tonic decides between enharmonic signatures (Gb major has six
    flats, F# major six sharps); impossible spellings (G# major, Db minor) fall back to
    the other side of the circle of fifths.
    """
    pc = (_PITCH_CLASSES[key[0].upper()] + key[1:].count("#") - key[1:].count("b")) % 12
    # Position on the circle of fifths of the relative major, 0..11 sharps.
    sharps = (pc * 7 + (21 if mode == "minor" else 0)) % 12
    flats = sharps - 12
    if "b" in key[1:]:
        return flats if flats >= -7 else sharps
    if "#" in key[1:]:
        return sharps if sharps <= 7 else flats
    return sharps if abs(sharps) <= abs(flats) else flats


def to_score(arr: Arrangement) -> symusic.Score:
    """The arrangement as a tick-based symusic Score (one track per part, in order).

    Carries tempo, meter, key signature (symusic's ``KeySignature(time, sharps,
    tonality)``, tonality 1 = minor) and one marker per section.  Notes are sorted so
    the result does not depend on the order a composer appended them in.
    """
    score = symusic.Score(arr.tpq)
    score.tempos.append(symusic.Tempo(0, qpm=float(arr.tempo)))
    num, den = (int(x) for x in arr.meter.split("/"))
    score.time_signatures.append(symusic.TimeSignature(0, num, den))
    score.key_signatures.append(
        symusic.KeySignature(0, key_signature_sharps(arr.key, arr.mode), 1 if arr.mode == "minor" else 0)
    )
    for section in arr.sections:
        score.markers.append(symusic.TextMeta(section.start_bar * arr.bar_ticks, section.name))
    for part in arr.parts:
        track = symusic.Track(name=part.name, program=part.program, is_drum=part.is_drum)
        if part.notes:
            cols = np.array([(n.start, n.duration, n.pitch, n.velocity) for n in part.notes], dtype=np.int32).T
            track.notes = symusic.Note.from_numpy(cols[0], cols[1], cols[2].astype(np.int8), cols[3].astype(np.int8))
            track.notes.sort()
        score.tracks.append(track)
    return score


DRUM_CHANNEL = 9  # "channel 10"


def midi_channels(arr: Arrangement) -> list[int]:
    """MIDI channel (0-based) of each part: drums on 9, the others on 0-8 and 10-15 in
    order.  Only a 16th melodic part has to share a channel (MIDI has 15)."""
    free = [c for c in range(16) if c != DRUM_CHANNEL]
    channels, i = [], 0
    for part in arr.parts:
        if part.is_drum:
            channels.append(DRUM_CHANNEL)
        else:
            channels.append(free[i % len(free)])
            i += 1
    return channels


def _vlq(value: int) -> bytes:
    """A MIDI variable-length quantity."""
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def _meta(kind: int, data: bytes) -> bytes:
    return bytes((0xFF, kind)) + _vlq(len(data)) + data


def _chunk(events: list[tuple[int, int, int, bytes]], end: int) -> bytes:
    """An MTrk chunk from (tick, order, tiebreak, event bytes), closed by End of Track
    at ``end`` or at its last event, whichever is later."""
    body = bytearray()
    now = 0
    for tick, _order, _tie, data in sorted(events, key=lambda e: e[:3]):
        body += _vlq(tick - now) + data
        now = tick
    body += _vlq(max(0, end - now)) + _meta(0x2F, b"")
    return b"MTrk" + struct.pack(">I", len(body)) + bytes(body)


def midi_bytes(arr: Arrangement) -> bytes:
    """The arrangement as a type-1 Standard MIDI File; byte-identical for equal input.

    Track 0 is the conductor (time and key signature, tempo, one marker per section);
    then one track per part, in order, with its name and program change.  Events at the
    same tick are ordered note-offs first, then by pitch, so the bytes do not depend on
    the order a composer appended notes in.
    """
    end = arr.end_tick
    num, den = (int(x) for x in arr.meter.split("/"))
    sharps = key_signature_sharps(arr.key, arr.mode)
    tempo = round(60_000_000 / arr.tempo)
    conductor = [
        (0, 0, 0, _meta(0x58, bytes((num, den.bit_length() - 1, 24, 8)))),
        (0, 1, 0, _meta(0x59, struct.pack(">bB", sharps, 1 if arr.mode == "minor" else 0))),
        (0, 2, 0, _meta(0x51, tempo.to_bytes(3, "big"))),
    ]
    for i, section in enumerate(arr.sections):
        conductor.append((section.start_bar * arr.bar_ticks, 3, i, _meta(0x06, section.name.encode("utf-8"))))
    chunks = [_chunk(conductor, end)]
    for part, ch in zip(arr.parts, midi_channels(arr), strict=True):
        events = [
            (0, 0, 0, _meta(0x03, part.name.encode("utf-8"))),
            (0, 1, 0, bytes((0xC0 | ch, part.program))),
        ]
        for n in part.notes:
            events.append((n.start, 3, n.pitch, bytes((0x90 | ch, n.pitch, n.velocity))))
            events.append((n.start + n.duration, 2, n.pitch, bytes((0x80 | ch, n.pitch, 0))))
        chunks.append(_chunk(events, end))
    header = b"MThd" + struct.pack(">IHHH", 6, 1, len(chunks), arr.tpq)
    return header + b"".join(chunks)


def _atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> Path:
    """Run ``write`` on a temp file next to ``path``, fsync it, then rename it over ``path``.

    The temp file is created with mode 0o666 (minus the umask), like a plain ``open``,
    and is removed again if anything fails.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def write_bytes(data: bytes, path: str | os.PathLike[str]) -> Path:
    """Write raw bytes atomically."""
    return _atomic_write(path, lambda fh: fh.write(data))


def write_midi(arr: Arrangement, path: str | os.PathLike[str]) -> Path:
    """Write the arrangement as a ``.mid`` file (see :func:`midi_bytes`)."""
    return write_bytes(midi_bytes(arr), path)


def write_wav(audio: np.ndarray, sample_rate: int, path: str | os.PathLike[str], subtype: str = "PCM_16") -> Path:
    """Write ``audio`` shaped (channels, samples) as a WAV file.

    ``subtype`` is a soundfile subtype (PCM_16, PCM_24, FLOAT...): the common ones are
    written straight into the file (:func:`musigen_agent.encode.write_wav`), others
    through libsndfile.  Non-finite samples are rejected rather than written as noise.
    """
    data = encode.check_audio(audio, sample_rate)
    if subtype in encode.WAV_SUBTYPES:
        return _atomic_write(path, lambda fh: encode.write_wav(fh, data, int(sample_rate), subtype))
    return write_bytes(encode.soundfile_bytes(data, int(sample_rate), "WAV", subtype), path)


def _stem_file_names(names: Iterable[str]) -> list[str]:
    """A safe, unique ``.wav`` file name for every stem name, in order."""
    used: set[str] = set()
    out = []
    for name in names:
        base = re.sub(r"[^\w.-]+", "_", name, flags=re.UNICODE).strip("._") or "part"
        candidate, k = f"{base}.wav", 2
        while candidate.lower() in used:
            candidate, k = f"{base}_{k}.wav", k + 1
        used.add(candidate.lower())
        out.append(candidate)
    return out


def write_stems_zip(stems: Mapping[str, np.ndarray], sample_rate: int, path: str | os.PathLike[str]) -> Path:
    """Write one 32-bit float WAV per stem into a zip, named after the stem.

    Float keeps the stems exact (pre-master they may exceed full scale, and their sum
    must equal the mix); stored without compression, which float audio barely repays,
    and streamed into the archive.
    """
    entries = [
        (file, encode.check_audio(stem, sample_rate))
        for file, stem in zip(_stem_file_names(stems), stems.values(), strict=True)
    ]

    def write(fh: IO[bytes]) -> None:
        with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED) as archive:
            for file, stem in entries:
                with archive.open(file, "w") as entry:
                    encode.write_wav(entry, stem, int(sample_rate), "FLOAT")

    return _atomic_write(path, write)


def write_outputs(
    formats: Iterable[str],
    folder: str | os.PathLike[str],
    basename: str,
    *,
    spec: TrackSpec,
    arrangement: Arrangement,
    midi: bytes,
    rendered: RenderResult | None,
    summary: Mapping[str, Any] | None = None,
    sample_rate: int | None = None,
    bit_depth: int = 16,
) -> dict[str, Path]:
    """Write every requested format as ``folder/basename<suffix>``; returns format -> path
    in the order asked.

    ``rendered`` is required for :data:`AUDIO_FORMATS`.  ``sample_rate`` resamples the
    audio (44100 or 48000; default: the render's rate) and ``bit_depth`` (16 or 24)
    applies to WAV and FLAC.  The MP3 tag carries the spec's title and genre; the JSON
    holds the spec and ``summary``.  Each file is written atomically, one after another.
    """
    wanted = list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise InvalidInput(f"Unknown format {unknown[0]!r}.", field="formats", allowed=sorted(FORMATS))
    if bit_depth not in encode.PCM_SUBTYPES:
        raise InvalidInput(
            f"bit depth must be 16 or 24, got {bit_depth}", field="bit_depth", allowed=sorted(encode.PCM_SUBTYPES)
        )
    needs_audio = AUDIO_FORMATS.intersection(wanted)
    if needs_audio and rendered is None:
        raise InvalidInput(f"{', '.join(sorted(needs_audio))} need(s) rendered audio.", field="formats")
    audio, rate = None, None
    if rendered is not None and needs_audio:
        rate = int(sample_rate or rendered.sample_rate)
        if rate not in encode.SAMPLE_RATES and rate != rendered.sample_rate:
            raise InvalidInput(
                f"sample_rate must be one of {encode.SAMPLE_RATES}, got {rate}",
                field="sample_rate",
                allowed=list(encode.SAMPLE_RATES),
            )
        audio = encode.resample(encode.check_audio(rendered.audio, rendered.sample_rate), rendered.sample_rate, rate)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for fmt in wanted:
        path = folder / f"{basename}{SUFFIXES[fmt]}"
        if fmt == "mid":
            write_bytes(midi, path)
        elif fmt == "json":
            write_json({"spec": spec.model_dump(mode="json"), "summary": dict(summary or {})}, path)
        elif fmt == "png":
            from .pianoroll import pianoroll_png

            write_bytes(pianoroll_png(arrangement), path)
        elif fmt == "stems":
            assert rendered is not None and rate is not None
            stems = {
                name: encode.resample(stem, rendered.sample_rate, rate) for name, stem in rendered.track_stems().items()
            }
            write_stems_zip(stems, rate, path)
        elif fmt == "wav":
            assert audio is not None and rate is not None
            write_wav(audio, rate, path, encode.PCM_SUBTYPES[bit_depth])
        else:
            assert audio is not None and rate is not None
            if fmt == "flac":
                blob = encode.flac_bytes(audio, rate, bit_depth)
            elif fmt == "ogg":
                blob = encode.ogg_bytes(audio, rate)
            else:
                blob = encode.mp3_bytes(audio, rate, title=spec.title, genre=spec.genre)
            write_bytes(blob, path)
        written[fmt] = path
    return written


def write_json(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``obj`` (plain data or a pydantic model) as indented UTF-8 JSON."""
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump(mode="json")
    text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    return write_bytes(text.encode("utf-8"), path)
