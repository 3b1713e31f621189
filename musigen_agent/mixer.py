"""The mixer: per-track EQ, compression, fader, pan, mute/solo and a shared reverb bus.

Signal flow of one track (all on its calibrated stem, see :mod:`musigen_agent.render`):
low cut -> 3-band EQ -> compressor (level-matched) -> fader (``gain_db``) -> pan -> sum;
post-fader, pre-pan, the track feeds the reverb bus with its ``reverb`` send.  The bus
return is summed with the tracks to give the pre-master mix, which
:mod:`musigen_agent.mastering` turns into the master.

Every processor is skipped when its setting is neutral, so the default mix of
calibrated stems costs one multiply-add per track.  scipy.signal is imported only by
the processors that need it (it costs ~0.8 s to import).

EQ and compression read their settings from :class:`TrackFx`, built from a
``TrackMix`` by attribute name; settings the mix model does not carry keep their
neutral default.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields

import numpy as np

from .errors import InvalidInput
from .spec import Arrangement, Mix, TrackMix

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


def _pan_stereo(stem: np.ndarray, pan: float, gain: float) -> np.ndarray:
    """Pan and scale a stereo stem: its mid follows :func:`pan_gains`, its side narrows
    to nothing at the extremes, so hard left puts all of it in the left channel and
    centre leaves it untouched."""
    if pan == 0.0:
        return stem * np.float32(gain) if gain != 1.0 else stem
    gl, gr = pan_gains(pan)
    width = np.float32(gain * (1.0 - abs(pan)))
    mid = (stem[0] + stem[1]) * np.float32(0.5 * gain)
    side = (stem[0] - stem[1]) * (width * np.float32(0.5))
    return np.stack([mid * np.float32(gl) + side, mid * np.float32(gr) - side])


# --------------------------------------------------------------------------- buses


@dataclass(frozen=True)
class _Track:
    """One audible track after its inserts: the processed (pre-pan) signal and settings."""

    name: str
    signal: np.ndarray
    gain: float
    settings: TrackMix


def _audible_tracks(
    stems: Mapping[str, np.ndarray], arr: Arrangement, settings: Mix | None, sample_rate: int
) -> Iterator[_Track]:
    """The audible parts (mute wins over solo; when any part is soloed only soloed
    parts play) with EQ and compression applied, in part order."""
    settings = settings or Mix()
    missing = [p.name for p in arr.parts if p.name not in stems]
    if missing:
        raise InvalidInput(f"No stem for part(s) {', '.join(map(repr, missing))}.", field="stems")
    shapes = {stems[p.name].shape for p in arr.parts}
    if len(shapes) > 1:
        raise InvalidInput(f"Stems differ in shape: {sorted(shapes)}.", field="stems")
    soloing = any(settings.for_part(p.name).solo for p in arr.parts)
    for part in arr.parts:
        track = settings.for_part(part.name)
        if track.mute or (soloing and not track.solo):
            continue
        fx = TrackFx.from_track(track)
        signal = compress(equalize(stems[part.name], fx, sample_rate), fx, sample_rate)
        yield _Track(part.name, signal, 10.0 ** (track.gain_db / 20.0), track)


def _length(stems: Mapping[str, np.ndarray], arr: Arrangement) -> int:
    return stems[arr.parts[0].name].shape[1] if arr.parts and arr.parts[0].name in stems else 0


def _sum_tracks(
    stems: Mapping[str, np.ndarray],
    arr: Arrangement,
    settings: Mix | None,
    sample_rate: int,
    tracks_out: dict[str, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(dry stereo sum, mono reverb send or None); fills ``tracks_out`` with each
    audible track's post-fader, panned signal when given."""
    n = _length(stems, arr)
    dry = np.zeros((2, n), dtype=np.float32)
    send = None
    for track in _audible_tracks(stems, arr, settings, sample_rate):
        panned = _pan_stereo(track.signal, track.settings.pan, track.gain)
        np.add(dry, panned, out=dry)
        if tracks_out is not None:
            tracks_out[track.name] = panned
        if track.settings.reverb > 0.0:
            level = np.float32(0.5 * track.settings.reverb * track.gain)
            contribution = (track.signal[0] + track.signal[1]) * level
            send = contribution if send is None else np.add(send, contribution, out=send)
    return dry, send


def mix(
    stems: Mapping[str, np.ndarray], arr: Arrangement, settings: Mix | None = None, sample_rate: int = 44100
) -> np.ndarray:
    """The dry mix: every audible track through its inserts, fader and pan, summed.

    Mix entries for parts the arrangement lacks are ignored.  The reverb sends go to
    :func:`reverb_bus`; :func:`premaster` adds both.  Returns (2, N) float32.
    """
    return _sum_tracks(stems, arr, settings, sample_rate)[0]


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


@functools.lru_cache(maxsize=2)
def _reverb_spectrum(sample_rate: int, fft_len: int) -> np.ndarray:
    """The IR's spectrum at one FFT length (cached: re-renders of a piece reuse it)."""
    import scipy.fft

    return scipy.fft.rfft(_reverb_ir(sample_rate), fft_len, axis=1)


def _convolve_reverb(send: np.ndarray, sample_rate: int) -> np.ndarray:
    """The send (mono) convolved with the stereo room, cut to the send's length."""
    import scipy.fft

    n = send.shape[0]
    fft_len = scipy.fft.next_fast_len(n + _reverb_ir(sample_rate).shape[1] - 1, real=True)
    spectrum = scipy.fft.rfft(send, fft_len) * _reverb_spectrum(sample_rate, fft_len)
    return scipy.fft.irfft(spectrum, fft_len, axis=1)[:, :n].astype(np.float32)


def _wet(send: np.ndarray | None, sample_rate: int) -> np.ndarray | None:
    if send is None or not np.any(send):
        return None
    wet = _convolve_reverb(send, sample_rate)
    fade = end_fade(wet.shape[1], sample_rate)
    if len(fade):
        wet[:, wet.shape[1] - len(fade) :] *= fade
    return wet


def reverb_bus(
    stems: Mapping[str, np.ndarray], arr: Arrangement, settings: Mix | None, sample_rate: int
) -> np.ndarray | None:
    """The return of the shared reverb: every audible track sends ``reverb`` x its
    fader gain (post-fader, pre-pan, mono) into one stereo room.  None if nothing is
    sent.  Faded out at the end like the stems.

    Besides the space it gives, the reverb tail softens prestosynth's hard note-ends.
    """
    return _wet(_sum_tracks(stems, arr, settings, sample_rate)[1], sample_rate)


def premaster(stems: Mapping[str, np.ndarray], arr: Arrangement, settings: Mix | None, sample_rate: int) -> np.ndarray:
    """The pre-master mix: dry tracks plus the reverb return, (2, N) float32."""
    dry, send = _sum_tracks(stems, arr, settings, sample_rate)
    wet = _wet(send, sample_rate)
    if wet is not None:
        np.add(dry, wet, out=dry)
    return dry


def track_stems(
    stems: Mapping[str, np.ndarray], arr: Arrangement, settings: Mix | None, sample_rate: int
) -> dict[str, np.ndarray]:
    """Per-track stems as mixed (inserts, fader, pan; silence for muted or un-soloed
    parts) plus the reverb return under :data:`REVERB_STEM` when anything is sent.

    Sample-aligned and pre-master: their sum is :func:`premaster`.
    """
    tracks: dict[str, np.ndarray] = {}
    _dry, send = _sum_tracks(stems, arr, settings, sample_rate, tracks_out=tracks)
    n = _length(stems, arr)
    out = {p.name: tracks.get(p.name, np.zeros((2, n), dtype=np.float32)) for p in arr.parts}
    wet = _wet(send, sample_rate)
    if wet is not None:
        name = REVERB_STEM
        while name in out:  # a part may be called "reverb" too
            name = f"{name}_return"
        out[name] = wet
    return out
