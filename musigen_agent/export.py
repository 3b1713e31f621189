"""File writers: Standard MIDI, WAV and JSON.

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
import secrets
import struct
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np
import symusic

from .errors import InvalidInput
from .spec import Arrangement

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

    ``subtype`` is a soundfile subtype (PCM_16, PCM_24, FLOAT...).  Non-finite samples
    are rejected rather than written as noise.
    """
    import soundfile  # lazy: ~90 ms import, not needed by MIDI-only callers

    data = np.asarray(audio)
    if data.ndim != 2 or not 1 <= data.shape[0] <= 8:
        raise InvalidInput(
            f"audio must be shaped (channels, samples) with 1-8 channels, got {data.shape}", field="audio"
        )
    if not np.all(np.isfinite(data)):
        raise InvalidInput("audio contains NaN or infinite samples", field="audio")
    if not 1 <= int(sample_rate) <= 768_000:
        raise InvalidInput(f"sample_rate {sample_rate} is out of range", field="sample_rate")
    if not soundfile.check_format("WAV", subtype):
        raise InvalidInput(
            f"subtype {subtype!r} is not a WAV subtype",
            field="subtype",
            allowed=sorted(soundfile.available_subtypes("WAV")),
        )
    frames = np.ascontiguousarray(data.T)
    return _atomic_write(path, lambda fh: soundfile.write(fh, frames, int(sample_rate), subtype=subtype, format="WAV"))


def write_json(obj: Any, path: str | os.PathLike[str]) -> Path:
    """Write ``obj`` (plain data or a pydantic model) as indented UTF-8 JSON."""
    if hasattr(obj, "model_dump"):
        obj = obj.model_dump(mode="json")
    text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
    return write_bytes(text.encode("utf-8"), path)
