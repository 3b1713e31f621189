"""Audio encoders: resampling, PCM conversion, FLAC, Ogg Vorbis and tagged MP3.

Each encoder turns (channels, samples) float audio into the bytes of one file; the
atomic writing is :mod:`musigen_agent.export`'s job.  Libraries, all well kept:
soundfile (libsndfile 1.2: WAV, FLAC, Ogg Vorbis), lameenc (LAME) for MP3 and
mutagen for its ID3v2 tags (lameenc writes none).  Every import is lazy so that
MIDI-only callers pay for none of them.
"""

from __future__ import annotations

import io
from fractions import Fraction

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


def check_audio(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """``audio`` as a float32 (channels, samples) array with 1-8 finite channels, or
    InvalidInput naming what is wrong."""
    data = np.asarray(audio)
    if data.ndim != 2 or not 1 <= data.shape[0] <= 8:
        raise InvalidInput(
            f"audio must be shaped (channels, samples) with 1-8 channels, got {data.shape}", field="audio"
        )
    if not np.all(np.isfinite(data)):
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


def pcm16(audio: np.ndarray) -> np.ndarray:
    """Interleaved int16 frames (samples, channels), rounded and clipped to the range.

    Full scale is 32768, the convention of every reader (soundfile, numpy decoders),
    so reading back gives the samples to within half a step."""
    return np.clip(np.rint(audio.T * 32768.0), -32768, 32767).astype(np.int16)


def pcm(audio: np.ndarray, bits: int) -> np.ndarray:
    """Interleaved integer frames for a ``bits``-bit PCM file, rounded and clipped here
    (not by libsndfile, whose float conversion differs between WAV and FLAC): int16,
    or 24-bit values in the top of int32 as libsndfile expects."""
    _subtype(bits)
    if bits == 16:
        return pcm16(audio)
    return np.clip(np.rint(audio.T * 8388608.0), -8388608, 8388607).astype(np.int32) << 8


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
    """Lossless FLAC at 16 or 24 bits (the same samples as :func:`wav_bytes`)."""
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
    data = bytes(encoder.encode(pcm16(audio).tobytes())) + bytes(encoder.flush())
    tags = ID3()
    if title:
        tags.add(TIT2(encoding=3, text=[title]))
    if genre:
        tags.add(TCON(encoding=3, text=[genre]))
    tags.add(TSSE(encoding=3, text=["musigen-agent (LAME via lameenc)"]))
    buffer = io.BytesIO(data)
    tags.save(buffer)  # prepends the tag to the stream in the buffer
    return buffer.getvalue()


def wav_bytes(audio: np.ndarray, sample_rate: int, bits: int = 16) -> bytes:
    """PCM WAV at 16 or 24 bits."""
    return soundfile_bytes(pcm(audio, bits), sample_rate, "WAV", _subtype(bits))


def _subtype(bits: int) -> str:
    if bits not in PCM_SUBTYPES:
        raise InvalidInput(f"bit depth must be 16 or 24, got {bits}", field="bit_depth", allowed=sorted(PCM_SUBTYPES))
    return PCM_SUBTYPES[bits]
