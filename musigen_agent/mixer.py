"""The mixer: per-track EQ, compression, fader, pan, mute/solo and a shared reverb bus.

Signal flow of one track (all on its calibrated stem, see :mod:`musigen_agent.render`):
low cut -> 3-band EQ -> compressor (level-matched) -> fader (``gain_db``) -> pan -> sum;
post-fader, pre-pan, the track feeds the reverb bus with its ``reverb`` send.  The bus
return is summed with the tracks to give the pre-master mix, which
:mod:`musigen_agent.mastering` turns into the master.

Every processor is skipped when its setting is neutral, and fader and pan are one 2x2
matrix, so the default mix of calibrated stems costs one add per track.  The tracks,
their reverb sends and the reverb return are summed in one cache-sized pass that never
makes a full-length temporary (:func:`_mix_into`).  With a cache (the render's
:class:`~musigen_agent.stem_cache.StemCache`) and the stems' content keys, a track's
EQ/compressor output is kept by stem and settings, so a one-part edit or a change to
another track does not run them again.  The reverb return is convolved once per
render from the summed sends (~80 ms for 2 minutes) and not kept: kept whole, every
fader or send change would miss it; kept per part, a new piece would need one
convolution per part (eight times the work) and a one-part edit still one.
scipy.signal is imported only by the processors that need it (~0.8 s to import).

EQ and compression read their settings from :class:`TrackFx`, built from a
``TrackMix`` by attribute name; settings the mix model does not carry keep their
neutral default.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import astuple, dataclass, fields
from typing import TYPE_CHECKING

import numpy as np

from .channels import ChannelJobs
from .errors import InvalidInput
from .spec import Arrangement, Mix, TrackMix
from .stem_cache import stem_key

if TYPE_CHECKING:
    from .stem_cache import StemCache

#: Raised-cosine fade at the very end of a render so a cut-off tail never clicks.
END_FADE_SECONDS = 0.05
#: Reverb bus: reverberation time (60 dB decay) and pre-delay.
REVERB_RT60_SECONDS = 1.6
REVERB_PREDELAY_SECONDS = 0.02
#: Name of the reverb bus return among the exported stems.
REVERB_STEM = "reverb"
#: EQ band centres: low shelf, mid peak, high shelf (Hz), and the mid band's Q.
EQ_LOW_HZ = 200.0
EQ_MID_HZ = 1000.0
EQ_HIGH_HZ = 5000.0
EQ_MID_Q = 0.7
#: Compressor timing and knee (the user sets threshold and ratio).
COMP_ATTACK_SECONDS = 0.010
COMP_RELEASE_SECONDS = 0.150
COMP_KNEE_DB = 6.0
#: Frames more than this far below a signal's loudest 50 ms frame do not count as
#: "playing" when measuring its level (see :func:`active_rms`).
ACTIVE_GATE_DB = 40.0

_MIX_CHUNK = 1 << 17  # samples per step of the summing pass (measured fastest)
_REVERB_BATCH = 4  # overlap-add blocks per FFT call: a few MB of temporaries


@dataclass(frozen=True)
class TrackFx:
    """Insert effects of one track; every default is neutral (the processor is skipped).

    ``low_cut_hz``: 12 dB/octave high-pass (0 = off).  ``eq_*_db``: low shelf at
    :data:`EQ_LOW_HZ`, peak at :data:`EQ_MID_HZ`, high shelf at :data:`EQ_HIGH_HZ`.
    ``comp_threshold_db`` (dBFS of the calibrated stem, whose active RMS is about
    -20 dBFS) and ``comp_ratio`` (1 = off): a stereo-linked RMS compressor whose
    output is level-matched, so it changes dynamics, not the part's level in the mix.
    """

    low_cut_hz: float = 0.0
    eq_low_db: float = 0.0
    eq_mid_db: float = 0.0
    eq_high_db: float = 0.0
    comp_threshold_db: float = 0.0
    comp_ratio: float = 1.0

    @classmethod
    def from_track(cls, track: TrackMix) -> TrackFx:
        """The effects named on ``track`` (fields it lacks stay neutral)."""
        return cls(**{f.name: float(getattr(track, f.name, f.default)) for f in fields(cls)})

    @property
    def has_eq(self) -> bool:
        return self.low_cut_hz > 0.0 or any(v != 0.0 for v in (self.eq_low_db, self.eq_mid_db, self.eq_high_db))

    @property
    def has_compressor(self) -> bool:
        return self.comp_ratio > 1.0


# --------------------------------------------------------------------------- levels


def active_rms(stem: np.ndarray, sample_rate: int) -> float:
    """RMS of ``stem`` over its 50 ms frames within :data:`ACTIVE_GATE_DB` of its loudest.

    Measures how loud a part is *while it plays*, so rests and the tail do not make a
    sparse part look quiet.  0.0 for silence.
    """
    hop = max(1, int(0.05 * sample_rate))
    frames = stem.shape[1] // hop
    if frames == 0:
        power = np.array([np.mean(np.square(stem, dtype=np.float64))]) if stem.size else np.zeros(1)
    else:
        v = stem[:, : frames * hop].reshape(stem.shape[0], frames, hop)
        power = np.einsum("ckh,ckh->k", v, v).astype(np.float64) / (stem.shape[0] * hop)  # no temporaries
    peak = float(power.max())
    if peak <= 0.0:
        return 0.0
    active = power > peak * 10.0 ** (-ACTIVE_GATE_DB / 10.0)
    return float(np.sqrt(power[active].mean()))


def end_fade(length: int, sample_rate: int) -> np.ndarray:
    """The raised-cosine fade-out applied to the last :data:`END_FADE_SECONDS` of a render."""
    fade_len = min(length, int(END_FADE_SECONDS * sample_rate))
    return (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, fade_len))).astype(np.float32)


# --------------------------------------------------------------------------- EQ


def _biquad(kind: str, freq: float, gain_db: float, q: float, sample_rate: int) -> list[float]:
    """One second-order section (b0, b1, b2, 1, a1, a2) from the RBJ Audio EQ Cookbook."""
    a = 10.0 ** (gain_db / 40.0)
    w0 = 2.0 * math.pi * freq / sample_rate
    cos, alpha = math.cos(w0), math.sin(w0) / (2.0 * q)
    sq = 2.0 * math.sqrt(a) * alpha
    if kind == "highpass":
        b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
        den = [1 + alpha, -2 * cos, 1 - alpha]
    elif kind == "lowshelf":
        b = [a * ((a + 1) - (a - 1) * cos + sq), 2 * a * ((a - 1) - (a + 1) * cos), a * ((a + 1) - (a - 1) * cos - sq)]
        den = [(a + 1) + (a - 1) * cos + sq, -2 * ((a - 1) + (a + 1) * cos), (a + 1) + (a - 1) * cos - sq]
    elif kind == "highshelf":
        b = [a * ((a + 1) + (a - 1) * cos + sq), -2 * a * ((a - 1) + (a + 1) * cos), a * ((a + 1) + (a - 1) * cos - sq)]
        den = [(a + 1) - (a - 1) * cos + sq, 2 * ((a - 1) - (a + 1) * cos), (a + 1) - (a - 1) * cos - sq]
    elif kind == "peak":
        b = [1 + alpha * a, -2 * cos, 1 - alpha * a]
        den = [1 + alpha / a, -2 * cos, 1 - alpha / a]
    else:
        raise ValueError(kind)
    return [v / den[0] for v in b] + [1.0, den[1] / den[0], den[2] / den[0]]


def eq_sections(fx: TrackFx, sample_rate: int) -> np.ndarray:
    """The EQ of ``fx`` as second-order sections (shape (k, 6)); k = 0 when flat."""
    nyquist = sample_rate / 2.0
    rows = []
    if 0.0 < fx.low_cut_hz < nyquist:
        rows.append(_biquad("highpass", fx.low_cut_hz, 0.0, 1 / math.sqrt(2), sample_rate))
    if fx.eq_low_db:
        rows.append(_biquad("lowshelf", EQ_LOW_HZ, fx.eq_low_db, 1 / math.sqrt(2), sample_rate))
    if fx.eq_mid_db and EQ_MID_HZ < nyquist:
        rows.append(_biquad("peak", EQ_MID_HZ, fx.eq_mid_db, EQ_MID_Q, sample_rate))
    if fx.eq_high_db and EQ_HIGH_HZ < nyquist:
        rows.append(_biquad("highshelf", EQ_HIGH_HZ, fx.eq_high_db, 1 / math.sqrt(2), sample_rate))
    return np.array(rows, dtype=np.float64).reshape(-1, 6)


def equalize(stem: np.ndarray, fx: TrackFx, sample_rate: int) -> np.ndarray:
    """``stem`` through the low cut and 3-band EQ of ``fx`` (a new array; ``stem`` itself when flat)."""
    sos = eq_sections(fx, sample_rate)
    if not len(sos):
        return stem
    from scipy.signal import sosfilt  # lazy: scipy.signal costs ~0.8 s to import

    return sosfilt(sos, stem, axis=-1).astype(np.float32)


# --------------------------------------------------------------------------- compressor


def compressor_gain_db(level_db: np.ndarray, threshold_db: float, ratio: float, knee_db: float) -> np.ndarray:
    """Static curve: gain (dB, <= 0) for a detector level, with a quadratic soft knee."""
    over = level_db - threshold_db
    slope = 1.0 / ratio - 1.0
    knee = max(knee_db, 1e-9)
    return np.where(
        over <= -knee / 2,
        0.0,
        np.where(over >= knee / 2, slope * over, slope * (over + knee / 2) ** 2 / (2 * knee)),
    )


def compress(stem: np.ndarray, fx: TrackFx, sample_rate: int) -> np.ndarray:
    """Stereo-linked feed-forward RMS compressor, then level-matched to the input.

    The detector is the mean square of 1 ms frames; the static curve's gain is
    smoothed with :data:`COMP_ATTACK_SECONDS` / :data:`COMP_RELEASE_SECONDS` (a
    branching one-pole, a loop over frames: ~60k iterations a minute) and
    interpolated to samples.  Returns ``stem`` itself when the ratio is 1.
    """
    if not fx.has_compressor or not np.any(stem):
        return stem
    hop = max(1, sample_rate // 1000)
    n = stem.shape[1]
    frames = -(-n // hop)
    padded = np.zeros((stem.shape[0], frames * hop), dtype=np.float32)
    padded[:, :n] = stem
    power = np.einsum("cfh,cfh->f", *(padded.reshape(stem.shape[0], frames, hop),) * 2, dtype=np.float64)
    level_db = 10.0 * np.log10(power / (stem.shape[0] * hop) + 1e-12)
    target = compressor_gain_db(level_db, fx.comp_threshold_db, fx.comp_ratio, COMP_KNEE_DB)
    attack = math.exp(-hop / (COMP_ATTACK_SECONDS * sample_rate))
    release = math.exp(-hop / (COMP_RELEASE_SECONDS * sample_rate))
    smoothed = np.empty(frames)
    g = 0.0
    for i, t in enumerate(target.tolist()):
        coef = attack if t < g else release  # falling gain = attack
        g = coef * g + (1.0 - coef) * t
        smoothed[i] = g
    centres = np.arange(frames) * hop + hop / 2
    gain = 10.0 ** (np.interp(np.arange(n), centres, smoothed) / 20.0)
    out = (stem * gain.astype(np.float32)).astype(np.float32)
    before, after = active_rms(stem, sample_rate), active_rms(out, sample_rate)
    if after > 0.0:
        out *= np.float32(before / after)
    return out


# --------------------------------------------------------------------------- pan


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan law (-1 left ... 1 right), normalised to unity at centre.

    ``gl**2 + gr**2 == 2`` everywhere, so a centred mono source keeps its power as it
    moves; at the extremes one side gets sqrt(2) and the other 0.
    """
    theta = (pan + 1.0) * math.pi / 4.0
    return math.sqrt(2.0) * math.cos(theta), math.sqrt(2.0) * math.sin(theta)


def pan_matrix(pan: float, gain: float) -> np.ndarray:
    """Fader and pan as one (2, 2) float32 matrix applied to a stereo stem.

    The stem's mid follows :func:`pan_gains`; its side narrows to nothing at the
    extremes, so hard left puts all of it in the left channel and centre leaves it
    untouched.  One matrix keeps the mixer to one multiply-add per track.
    """
    if pan == 0.0:
        return np.array([[gain, 0.0], [0.0, gain]], dtype=np.float32)
    gl, gr = pan_gains(pan)
    mid, side = 0.5 * gain, 0.5 * gain * (1.0 - abs(pan))
    return np.array([[mid * gl + side, mid * gl - side], [mid * gr - side, mid * gr + side]], dtype=np.float32)


# --------------------------------------------------------------------------- buses


@dataclass(frozen=True)
class _Track:
    """One audible track: its signal after the inserts (pre-fader, read-only when cached),
    the fader/pan matrix and the mono reverb send per channel (the send is
    ``send * (left + right)``)."""

    name: str
    signal: np.ndarray
    matrix: np.ndarray
    send: float

    @functools.cached_property
    def plain(self) -> bool:
        """Centred at unity gain: the signal is added as it is (asked once per chunk)."""
        return bool(np.array_equal(self.matrix, np.eye(2, dtype=np.float32)))


def _inserts(stem: np.ndarray, key: str | None, fx: TrackFx, sample_rate: int, cache: StemCache | None) -> np.ndarray:
    """The stem (content key ``key``, None if it has none) through the EQ and compressor of ``fx``.

    Both cost ~100 ms per minute of audio, so with a cache and a keyed stem the result
    is kept (by stem and settings): a change elsewhere in the mix does not redo them.
    """
    if not (fx.has_eq or fx.has_compressor):
        return stem
    derived = stem_key(("inserts", key, sample_rate, *astuple(fx))) if cache is not None and key is not None else None
    if derived is not None:
        assert cache is not None
        kept = cache.recall(derived)
        if kept is not None:
            return kept
    signal = compress(equalize(stem, fx, sample_rate), fx, sample_rate)
    return cache.remember(derived, signal) if cache is not None and derived is not None else signal


def _audible_tracks(
    stems: Mapping[str, np.ndarray],
    arr: Arrangement,
    settings: Mix | None,
    sample_rate: int,
    keys: Mapping[str, str] | None,
    cache: StemCache | None,
) -> list[_Track]:
    """The audible parts (mute wins over solo; when any part is soloed only soloed
    parts play) with their inserts applied, in part order."""
    settings = settings or Mix()
    keys = keys or {}
    missing = [p.name for p in arr.parts if p.name not in stems]
    if missing:
        raise InvalidInput(f"No stem for part(s) {', '.join(map(repr, missing))}.", field="stems")
    shapes = {stems[p.name].shape for p in arr.parts}
    if len(shapes) > 1:
        raise InvalidInput(f"Stems differ in shape: {sorted(shapes)}.", field="stems")
    soloing = any(settings.for_part(p.name).solo for p in arr.parts)
    tracks = []
    for part in arr.parts:
        track = settings.for_part(part.name)
        if track.mute or (soloing and not track.solo):
            continue
        signal = _inserts(stems[part.name], keys.get(part.name), TrackFx.from_track(track), sample_rate, cache)
        gain = 10.0 ** (track.gain_db / 20.0)
        tracks.append(_Track(part.name, signal, pan_matrix(track.pan, gain), 0.5 * track.reverb * gain))
    return tracks


def _length(stems: Mapping[str, np.ndarray], arr: Arrangement) -> int:
    return stems[arr.parts[0].name].shape[1] if arr.parts and arr.parts[0].name in stems else 0


def _mix_into(out: np.ndarray, tracks: list[_Track], sample_rate: int, *, dry: bool, wet: bool) -> None:
    """Add the tracks (``dry``) and/or the reverb return of their sends (``wet``) to ``out``.

    One pass: the piece is taken a few overlap-add blocks at a time; for each span the
    tracks are read once, in cache-sized chunks, to add their dry signal and to sum
    their mono send into a small buffer, whose room response is then added straight
    into ``out`` (its tail too, ahead of the next span's dry signal).  Neither the sum
    of the sends nor the return ever exists at full length: a fresh full-length array
    costs more in page faults than the pass itself.
    """
    n = out.shape[1]
    sending = [wet and t.send > 0.0 for t in tracks]
    hop = _reverb_hop(sample_rate)
    span = _REVERB_BATCH * hop if any(sending) else n
    send = np.zeros(span, dtype=np.float32) if any(sending) else None
    # the sends laid out as zero-padded FFT blocks, kept across spans (the padding stays 0)
    padded = np.zeros((_REVERB_BATCH, _reverb_spectrum(sample_rate)[0]), dtype=np.float32) if any(sending) else None
    tmp = np.empty((2, min(n, _MIX_CHUNK)), dtype=np.float32)
    with ChannelJobs(out.shape[0] if any(sending) else 0) as jobs:  # the reverb's channels side by side
        for start in range(0, n, span):
            stop = min(n, start + span)
            _sum_span(out, tracks, start, stop, tmp, send, dry=dry, sending=sending)
            if send is not None and np.any(send):
                assert padded is not None
                count = -(-(stop - start) // hop)
                padded[:count, :hop] = send[: count * hop].reshape(count, hop)
                _add_reverb(out, padded[:count], start, sample_rate, jobs)


def _sum_span(
    out: np.ndarray,
    tracks: list[_Track],
    start: int,
    stop: int,
    tmp: np.ndarray,
    send: np.ndarray | None,
    *,
    dry: bool,
    sending: list[bool],
) -> None:
    """Samples [start, stop) of :func:`_mix_into`, in cache-sized chunks: add each track's
    dry signal to ``out`` (if ``dry``) and sum the mono sends of the ``sending`` tracks
    into ``send`` (which starts at ``start``)."""
    if send is not None:
        send[:] = 0.0
    for lo in range(start, stop, _MIX_CHUNK):
        hi = min(stop, lo + _MIX_CHUNK)
        acc, t = out[:, lo:hi], tmp[:, : hi - lo]
        for track, is_sending in zip(tracks, sending, strict=True):
            signal = track.signal[:, lo:hi]
            if dry and track.plain:
                acc += signal
            elif dry:
                np.matmul(track.matrix, signal, out=t)
                acc += t
            if is_sending:
                assert send is not None
                np.add(signal[0], signal[1], out=t[0])
                t[0] *= np.float32(track.send)
                send[lo - start : hi - start] += t[0]


def mix(
    stems: Mapping[str, np.ndarray],
    arr: Arrangement,
    settings: Mix | None = None,
    sample_rate: int = 44100,
    *,
    keys: Mapping[str, str] | None = None,
    cache: StemCache | None = None,
) -> np.ndarray:
    """The dry mix: every audible track through its inserts, fader and pan, summed.

    Mix entries for parts the arrangement lacks are ignored.  The reverb sends go to
    :func:`reverb_bus`; :func:`premaster` adds both.  ``keys`` (content keys of the
    stems, see :mod:`musigen_agent.stem_cache`) and ``cache`` let processed tracks be
    kept between renders.  Returns (2, N) float32.
    """
    out = np.zeros((2, _length(stems, arr)), dtype=np.float32)
    _mix_into(out, _audible_tracks(stems, arr, settings, sample_rate, keys, cache), sample_rate, dry=True, wet=False)
    return out


@functools.lru_cache(maxsize=4)
def _reverb_ir(sample_rate: int) -> np.ndarray:
    """A stereo room impulse response: two decorrelated, darkened noise tails decaying
    60 dB in :data:`REVERB_RT60_SECONDS`, unit energy per channel (so a send of s gives
    a wet signal about s times as loud as the dry).  Seeded: renders are reproducible."""
    from scipy.signal import lfilter

    length = int(REVERB_RT60_SECONDS * sample_rate)
    rng = np.random.default_rng(0x5EB)
    noise = lfilter([0.45], [1.0, -0.55], rng.standard_normal((2, length)), axis=1)  # gentle low-pass
    t = np.arange(length) / sample_rate
    ir = noise * 10.0 ** (-3.0 * t / REVERB_RT60_SECONDS)
    ir[:, : int(REVERB_PREDELAY_SECONDS * sample_rate)] = 0.0
    ir /= np.sqrt(np.sum(ir**2, axis=1, keepdims=True))
    return ir.astype(np.float32)


@functools.lru_cache(maxsize=4)
def _reverb_spectrum(sample_rate: int) -> tuple[int, np.ndarray]:
    """(FFT length, the IR's spectrum at it) for overlap-add.

    The FFT length is the power of two >= 3x the IR (2**18 at 44.1 kHz), so each block
    advances by at least 2/3 of an FFT: measured on a 2-minute send, 4 blocks of 2**18
    per call convolve 2.4x faster than one FFT as long as the piece (2**17 and 2**19
    were slower), and the temporaries stay a few MB.
    """
    import scipy.fft

    ir = _reverb_ir(sample_rate)
    fft_len = 1 << (3 * ir.shape[1] - 1).bit_length()
    return fft_len, scipy.fft.rfft(ir, fft_len, axis=1)


def _reverb_hop(sample_rate: int) -> int:
    """Samples each overlap-add block advances: the FFT length less the IR's."""
    return _reverb_spectrum(sample_rate)[0] - _reverb_ir(sample_rate).shape[1] + 1


def _add_reverb(out: np.ndarray, blocks: np.ndarray, start: int, sample_rate: int, jobs: ChannelJobs) -> None:
    """Add the stereo room's response to a mono send to ``out``, as far as ``out``
    reaches; the last :data:`END_FADE_SECONDS` of the piece faded out like the stems.

    ``blocks`` holds the send from sample ``start`` on, one overlap-add block a row
    (:func:`_reverb_hop` samples, zero-padded to the FFT length).  The two channels'
    inverse FFTs and overlap-adds run side by side on ``jobs``.
    """
    import scipy.fft

    fft_len, spectrum = _reverb_spectrum(sample_rate)
    hop = _reverb_hop(sample_rate)
    n = out.shape[1]
    fade = end_fade(n, sample_rate)
    fade_from = n - len(fade)
    transformed = scipy.fft.rfft(blocks, axis=1)

    def channel(ch: int) -> None:
        response = scipy.fft.irfft(transformed * spectrum[ch], fft_len, axis=1, overwrite_x=True)
        for i in range(blocks.shape[0]):
            lo = start + i * hop
            hi = min(n, lo + fft_len)
            if lo >= n:
                break
            part = response[i, : hi - lo]
            if hi > fade_from:
                part[max(0, fade_from - lo) :] *= fade[max(0, lo - fade_from) : hi - fade_from]
            out[ch, lo:hi] += part

    jobs.run(channel)


def reverb_bus(
    stems: Mapping[str, np.ndarray],
    arr: Arrangement,
    settings: Mix | None,
    sample_rate: int,
    *,
    keys: Mapping[str, str] | None = None,
    cache: StemCache | None = None,
) -> np.ndarray | None:
    """The return of the shared reverb: every audible track sends ``reverb`` x its
    fader gain (post-fader, pre-pan, mono) into one stereo room.  None if nothing is
    sent.  Faded out at the end like the stems.

    Besides the space it gives, the reverb tail softens prestosynth's hard note-ends.
    """
    tracks = _audible_tracks(stems, arr, settings, sample_rate, keys, cache)
    return _wet(tracks, _length(stems, arr), sample_rate)


def _wet(tracks: list[_Track], n: int, sample_rate: int) -> np.ndarray | None:
    """The reverb return of ``tracks`` on its own, None when nothing is sent."""
    if not any(t.send > 0.0 for t in tracks):
        return None
    out = np.zeros((2, n), dtype=np.float32)
    _mix_into(out, tracks, sample_rate, dry=False, wet=True)
    return out if np.any(out) else None


def premaster(
    stems: Mapping[str, np.ndarray],
    arr: Arrangement,
    settings: Mix | None,
    sample_rate: int,
    *,
    keys: Mapping[str, str] | None = None,
    cache: StemCache | None = None,
) -> np.ndarray:
    """The pre-master mix: dry tracks plus the reverb return, (2, N) float32, in one pass."""
    out = np.zeros((2, _length(stems, arr)), dtype=np.float32)
    _mix_into(out, _audible_tracks(stems, arr, settings, sample_rate, keys, cache), sample_rate, dry=True, wet=True)
    return out


def track_stems(
    stems: Mapping[str, np.ndarray],
    arr: Arrangement,
    settings: Mix | None,
    sample_rate: int,
    *,
    keys: Mapping[str, str] | None = None,
    cache: StemCache | None = None,
) -> dict[str, np.ndarray]:
    """Per-track stems as mixed (inserts, fader, pan; silence for muted or un-soloed
    parts) plus the reverb return under :data:`REVERB_STEM` when anything is sent.

    Sample-aligned and pre-master: their sum is :func:`premaster`.
    """
    n = _length(stems, arr)
    tracks = _audible_tracks(stems, arr, settings, sample_rate, keys, cache)
    mixed = {t.name: t.matrix @ t.signal for t in tracks}
    out = {p.name: mixed.get(p.name, np.zeros((2, n), dtype=np.float32)) for p in arr.parts}
    wet = _wet(tracks, n, sample_rate)
    if wet is not None:
        name = REVERB_STEM
        while name in out:  # a part may be called "reverb" too
            name = f"{name}_return"
        out[name] = wet
    return out
