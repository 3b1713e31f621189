"""Audio encoders: resampling, PCM conversion, WAV, FLAC, Ogg Vorbis and tagged MP3.

Each encoder turns (channels, samples) float audio into one file's bytes; the atomic
writing is :mod:`musigen_agent.export`'s job.  WAV (16/24-bit PCM and 32-bit float) is
written here, straight into the file: the header, then frames converted in cache-sized
chunks, so no whole-file copy is ever built in memory (libsndfile through an in-memory
buffer made several).  The rest uses well-kept libraries: soundfile (libsndfile 1.2:
FLAC, Ogg Vorbis, other WAV subtypes), lameenc (LAME) for MP3 and mutagen for its ID3v2
tags (lameenc writes none).  Every import is lazy so that MIDI-only callers pay for none
of them.
"""

from __future__ import annotations

import io
import struct
from fractions import Fraction
from typing import IO

import numpy as np

from .errors import InvalidInput

#: Output sample rates every encoder accepts.
SAMPLE_RATES = (44100, 48000)
#: PCM bit depths for WAV and FLAC, with their libsndfile subtypes.
PCM_SUBTYPES = {16: "PCM_16", 24: "PCM_24"}
#: MP3: constant bit rate (kbps) and LAME's algorithm quality (0 best ... 9 fastest;
#: 3 costs ~0.35 s a minute here, 2 twice that for no audible gain at 192 kbps).
MP3_BITRATE = 192
MP3_QUALITY = 3
#: Ogg Vorbis quality as libsndfile's compression level (0 best ... 1 smallest);
#: 0.4 is about Vorbis q6, ~190 kbps for stereo music.
OGG_COMPRESSION = 0.4
#: WAV subtypes written by :func:`write_wav` (others go through libsndfile).
WAV_SUBTYPES = ("PCM_16", "PCM_24", "FLOAT")

_CHUNK = 1 << 16  # frames converted per step: the float temporaries stay in cache


def check_audio(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """``audio`` as a float32 (channels, samples) array with 1-8 finite channels, or
    InvalidInput naming what is wrong."""
    data = np.asarray(audio)
    if data.ndim != 2 or not 1 <= data.shape[0] <= 8:
        raise InvalidInput(
            f"audio must be shaped (channels, samples) with 1-8 channels, got {data.shape}", field="audio"
        )
    if data.size and not (np.isfinite(data.max()) and np.isfinite(data.min())):  # NaN propagates
        raise InvalidInput("audio contains NaN or infinite samples", field="audio")
    if not 1 <= int(sample_rate) <= 768_000:
        raise InvalidInput(f"sample_rate {sample_rate} is out of range", field="sample_rate")
    return data.astype(np.float32, copy=False)


def resample(audio: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Polyphase resampling (``scipy.signal.resample_poly``, Kaiser-windowed FIR), e.g.
    44.1 -> 48 kHz as 160/147.  Returns the input itself when the rates are equal."""
    if from_rate == to_rate:
        return audio
    from scipy.signal import resample_poly  # lazy: ~0.8 s import

    ratio = Fraction(int(to_rate), int(from_rate))
    return resample_poly(audio, ratio.numerator, ratio.denominator, axis=-1).astype(np.float32)


def _quantized(block: np.ndarray, bits: int) -> np.ndarray:
    """A (channels, frames) float block as rounded, clipped ``bits``-bit values, still
    float32 (exact: |values| < 2**24) and still (channels, frames)."""
    scale = float(1 << (bits - 1))
    values = block * np.float32(scale)
    np.rint(values, out=values)
    np.clip(values, -scale, scale - 1.0, out=values)
    return values


def pcm(audio: np.ndarray, bits: int) -> np.ndarray:
    """Interleaved integer frames (samples, channels) for a ``bits``-bit PCM file, rounded
    and clipped here (not by libsndfile, whose float conversion differs between WAV and
    FLAC): int16, or 24-bit values in the top of int32 as libsndfile expects.

    Full scale is 2**(bits-1) (32768 for 16 bits), the convention of every reader, so
    reading back gives the samples to within half a step.
    """
    _subtype(bits)
    out = np.empty((audio.shape[1], audio.shape[0]), dtype=np.int16 if bits == 16 else np.int32)
    for lo in range(0, audio.shape[1], _CHUNK):
        out[lo : lo + _CHUNK] = _quantized(audio[:, lo : lo + _CHUNK], bits).T
    if bits == 24:
        out <<= 8
    return out


def _wav_header(frames: int, channels: int, sample_rate: int, subtype: str) -> bytes:
    """RIFF/WAVE header of a PCM (format 1) or IEEE float (format 3, with the ``fact``
    chunk non-PCM data needs) file whose data chunk follows directly."""
    width = {"PCM_16": 2, "PCM_24": 3, "FLOAT": 4}[subtype]
    data = frames * channels * width
    extra = 12 + 2 if subtype == "FLOAT" else 0  # fact chunk, cbSize
    if 36 + extra + data > 0xFFFFFFFF:
        raise InvalidInput("audio too long for a WAV file (4 GiB)", field="audio")
    fmt = struct.pack(
        "<HHIIHH",
        3 if subtype == "FLOAT" else 1,
        channels,
        sample_rate,
        sample_rate * channels * width,
        channels * width,
        8 * width,
    )
    if subtype == "FLOAT":
        fmt += struct.pack("<H", 0)
    head = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    if subtype == "FLOAT":
        head += b"fact" + struct.pack("<II", 4, frames)
    return b"RIFF" + struct.pack("<I", 4 + len(head) + 8 + data) + b"WAVE" + head + b"data" + struct.pack("<I", data)


def write_wav(fh: IO[bytes], audio: np.ndarray, sample_rate: int, subtype: str = "PCM_16") -> None:
    """Write (channels, samples) float ``audio`` to ``fh`` as a WAV file of ``subtype``
    (one of :data:`WAV_SUBTYPES`), chunk by chunk.  PCM is rounded and clipped as in
    :func:`pcm`, so WAV and FLAC carry identical samples."""
    channels, frames = audio.shape
    fh.write(_wav_header(frames, channels, int(sample_rate), subtype))
    for lo in range(0, frames, _CHUNK):
        block = audio[:, lo : lo + _CHUNK]
        if subtype == "FLOAT":
            data = np.ascontiguousarray(block.T, dtype="<f4")
        elif subtype == "PCM_16":
            data = np.ascontiguousarray(_quantized(block, 16).T, dtype="<i2")
        else:  # PCM_24: the low three bytes of each little-endian int32
            values = np.ascontiguousarray(_quantized(block, 24).T, dtype="<i4")
            data = np.ascontiguousarray(values.view(np.uint8).reshape(-1, channels, 4)[:, :, :3])
        fh.write(memoryview(data).cast("B"))


def soundfile_bytes(audio: np.ndarray, sample_rate: int, fmt: str, subtype: str, **options: float) -> bytes:
    """Encode with libsndfile (WAV, FLAC or OGG) into bytes: float audio shaped
    (channels, samples), or integer frames from :func:`pcm`."""
    import soundfile  # lazy: ~90 ms import

    if not soundfile.check_format(fmt, subtype):
        raise InvalidInput(
            f"subtype {subtype!r} is not a {fmt} subtype",
            field="subtype",
            allowed=sorted(soundfile.available_subtypes(fmt)),
        )
    frames = audio if audio.dtype.kind == "i" else audio.T  # integers come interleaved from pcm()
    buffer = io.BytesIO()
    soundfile.write(buffer, np.ascontiguousarray(frames), int(sample_rate), subtype=subtype, format=fmt, **options)
    return buffer.getvalue()


def flac_bytes(audio: np.ndarray, sample_rate: int, bits: int = 16) -> bytes:
    """Lossless FLAC at 16 or 24 bits (the same samples as :func:`write_wav`)."""
    return soundfile_bytes(pcm(audio, bits), sample_rate, "FLAC", _subtype(bits))


def ogg_bytes(audio: np.ndarray, sample_rate: int) -> bytes:
    """Ogg Vorbis at :data:`OGG_COMPRESSION`."""
    return soundfile_bytes(audio, sample_rate, "OGG", "VORBIS", compression_level=OGG_COMPRESSION)


def mp3_bytes(audio: np.ndarray, sample_rate: int, *, title: str = "", genre: str = "") -> bytes:
    """Constant-bit-rate MP3 (LAME via lameenc) with an ID3v2.4 tag (mutagen) carrying
    the title and genre, UTF-8."""
    import lameenc
    from mutagen.id3 import ID3, TCON, TIT2, TSSE

    if audio.shape[0] not in (1, 2):
        raise InvalidInput(f"MP3 is mono or stereo, got {audio.shape[0]} channels", field="audio")
    if int(sample_rate) not in (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000):
        raise InvalidInput(f"MP3 cannot carry {sample_rate} Hz", field="sample_rate", allowed=list(SAMPLE_RATES))
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(MP3_BITRATE)
    encoder.set_in_sample_rate(int(sample_rate))
    encoder.set_channels(audio.shape[0])
    encoder.set_quality(MP3_QUALITY)
    data = bytes(encoder.encode(pcm(audio, 16).tobytes())) + bytes(encoder.flush())
    tags = ID3()
    if title:
        tags.add(TIT2(encoding=3, text=[title]))
    if genre:
        tags.add(TCON(encoding=3, text=[genre]))
    tags.add(TSSE(encoding=3, text=["musigen-agent (LAME via lameenc)"]))
    buffer = io.BytesIO(data)
    tags.save(buffer)  # prepends the tag to the stream in the buffer
    return buffer.getvalue()


def _subtype(bits: int) -> str:
    if bits not in PCM_SUBTYPES:
        raise InvalidInput(f"bit depth must be 16 or 24, got {bits}", field="bit_depth", allowed=sorted(PCM_SUBTYPES))
    return PCM_SUBTYPES[bits]
