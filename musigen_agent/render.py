"""Audio rendering: Arrangement -> per-part stems -> mix -> mastered stereo.

The synthesizer is symusic 0.5.9's SoundFont renderer (prestosynth): several hundred
times real time on one core, no system dependency.  Its quirks, all measured (canary
tests in ``tests/test_render.py`` fail when one goes away):

* **It ignores note velocity** (and all MIDI controllers: SoundFont modulators are not
  implemented).  Synthesis is linear, so each part is rendered once per velocity
  *layer* (velocities grouped in :data:`VELOCITY_STEP_DB` steps of the usual
  ``40*log10(v/127)`` dB curve, at most :data:`MAX_VELOCITY_LAYERS`) and the layers
  are summed with their gains.
* **It renders no release phase**: a note stops within ~4 ms of its note-off and the
  output ends at the last note-off.  The reverb bus (each track's ``reverb`` send)
  gives the tail its decay.
* **It turns some drum keys into ~10 ms clicks** (in TimGM6mb: acoustic snare 38,
  cowbell, bongos, claves...).  Each loaded soundfont is probed once and clicking keys
  are rendered with a working key of the same family (:data:`DRUM_SUBSTITUTES`).
  The MIDI export keeps the written keys.
* **It downloads a soundfont when given no path**, so a path is always passed, and the
  file is checked before symusic sees it.

SoundFont presets differ a lot in level (the research measured 0.5x-7x between
instruments), so every stem is *calibrated*: its RMS over the frames where it plays is
set to :data:`REFERENCE_RMS_DBFS` plus a small per-role offset (:data:`ROLE_OFFSETS_DB`)
before the user's mix is applied.  Mastering normalises integrated loudness (BS.1770
via pyloudnorm) and then a look-ahead limiter keeps the 4x-oversampled true peak under
the ceiling with smooth gain ramps, never by clipping.

pyloudnorm and scipy.signal cost ~0.8 s to import, so they are imported inside the
functions that need them.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import symusic

from .errors import InvalidInput, PluginError
from .spec import TPQ, Arrangement, Mix, Part

#: Environment variable that overrides the bundled SoundFont.
SOUNDFONT_ENV = "MUSIGEN_SOUNDFONT"
#: Seconds rendered after the last bar so the reverb (and any release) rings out.
TAIL_SECONDS = 1.5
#: Raised-cosine fade at the very end of the tail so the cut-off reverb never clicks.
END_FADE_SECONDS = 0.05
#: Calibrated level of every stem: RMS over its active frames, dBFS.
REFERENCE_RMS_DBFS = -20.0
#: Level offsets by role on top of the reference (dB): lead lines a little forward,
#: harmony and pads behind so they do not mask the melody.
ROLE_OFFSETS_DB: dict[str, float] = {
    "melody": 1.0,
    "counter_melody": -1.0,
    "harmony": -2.0,
    "bass": 0.0,
    "rhythm": 0.0,
    "pad": -4.0,
}
#: Calibration never moves a stem by more than this (a single soft note must not be
#: blown up by 50 dB).
MAX_CALIBRATION_DB = 30.0
#: Frames more than this far below a stem's loudest 50 ms frame do not count as
#: "playing" when measuring its level.
ACTIVE_GATE_DB = 40.0
#: Width of one velocity layer on the 40*log10(v/127) curve.  2 dB keeps the error
#: under the ~1 dB just-noticeable loudness difference with few extra renders.
VELOCITY_STEP_DB = 2.0
#: At most this many velocity layers (renders) per part; wider spreads get wider layers.
MAX_VELOCITY_LAYERS = 4
#: Drum keys to render instead of a key the synthesizer turns into a click (checked
#: per soundfont, see _broken_drum_keys); first working option wins.  GM families:
#: snares, congas/bongos, shakers, wooden clicks, triangles, bells.
DRUM_SUBSTITUTES: dict[int, tuple[int, ...]] = {
    38: (40, 37),
    40: (38, 37),
    56: (67, 68),
    60: (63, 62),
    61: (64, 63),
    62: (63, 60),
    63: (62, 60),
    64: (61, 63),
    69: (70, 82),
    70: (69, 82),
    75: (37, 76),
    76: (77, 37),
    77: (76, 37),
    80: (81,),
    81: (80,),
}
#: prestosynth interpolation quality passed to symusic.Synthesizer.
SYNTH_QUALITY = 0
#: Limiter timing: look-ahead/ramp (two boxes of this length) and hold.
LIMITER_RAMP_SECONDS = 0.010
LIMITER_HOLD_SECONDS = 0.050
#: The limiter aims this far below the ceiling to absorb interpolation error.
LIMITER_MARGIN_DB = 0.1
#: Limiting may raise the loudness-normalised gain by at most this much to reach the
#: target; beyond it the result stays quieter than asked rather than being crushed.
MAX_MAKEUP_DB = 12.0
#: Limiter passes (each re-measures loudness) before settling.
MASTER_ITERATIONS = 6
#: Reverb bus (fed by each track's ``reverb`` send): reverberation time and pre-delay.
REVERB_RT60_SECONDS = 1.6
REVERB_PREDELAY_SECONDS = 0.02
#: Oversampling factor of true-peak measurement (BS.1770-4 uses 4x).
TRUE_PEAK_OVERSAMPLE = 4

_TP_BLOCK = 1024
_TP_CONTEXT = 16  # input samples either side; resample_poly's filter reaches 10
_TP_CHUNK = 256  # blocks per resample_poly call (bounds temporary memory)

Voice = Callable[[int, int, float, int], np.ndarray]


@dataclass(frozen=True)
class RenderResult:
    """A rendered piece.

    ``audio`` is the mastered stereo mix, float32 shaped (2, samples); ``stems`` the
    calibrated, pre-mix stem of every part (same shape).  ``loudness_lufs`` and
    ``true_peak_db`` are measured on ``audio`` (``-inf`` for silence).
    """

    audio: np.ndarray
    stems: dict[str, np.ndarray] = field(repr=False)
    sample_rate: int
    loudness_lufs: float
    true_peak_db: float

    @property
    def seconds(self) -> float:
        return self.audio.shape[1] / self.sample_rate


# --------------------------------------------------------------------------- soundfont


def default_soundfont() -> Path:
    """The SoundFont used when none is given: ``$MUSIGEN_SOUNDFONT`` if set, else
    pretty_midi's bundled ``TimGM6mb.sf2`` (found without importing pretty_midi, which
    costs ~0.2 s).  Nothing is ever downloaded."""
    env = os.environ.get(SOUNDFONT_ENV)
    if env:
        return Path(env).expanduser()
    spec = importlib.util.find_spec("pretty_midi")
    if spec is None or not spec.submodule_search_locations:
        raise InvalidInput(
            "No soundfont given and pretty_midi (which bundles TimGM6mb.sf2) is not installed; "
            f"pass a .sf2 path or set {SOUNDFONT_ENV}.",
            field="soundfont",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "TimGM6mb.sf2"


def resolve_soundfont(soundfont: str | os.PathLike[str] | None = None) -> Path:
    """The SoundFont to use, checked cheaply: it must exist and carry a RIFF/sfbk header.

    Raises InvalidInput(field="soundfont") naming the file otherwise.
    """
    path = Path(soundfont).expanduser() if soundfont else default_soundfont()
    source = "" if soundfont else (f" (from ${SOUNDFONT_ENV})" if os.environ.get(SOUNDFONT_ENV) else "")
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except FileNotFoundError:
        raise InvalidInput(f"Soundfont file {str(path)!r}{source} does not exist.", field="soundfont") from None
    except OSError as exc:
        raise InvalidInput(
            f"Soundfont file {str(path)!r}{source} cannot be read: {exc.strerror or exc}.", field="soundfont"
        ) from None
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"sfbk":
        raise InvalidInput(
            f"Soundfont file {str(path)!r}{source} is not a SoundFont 2 file (no RIFF/sfbk header).",
            field="soundfont",
        )
    return path


@dataclass(frozen=True)
class _Synth:
    """A loaded synthesizer, the lock serialising its renders, and its drum key maps."""

    synth: object
    sample_rate: int
    lock: threading.Lock = field(default_factory=threading.Lock)
    _drum_maps: dict[int, np.ndarray] = field(default_factory=dict)

    def drum_map(self, kit: int) -> np.ndarray:
        """128 pitches: the key actually rendered for each written key of drum kit ``kit``
        (probed once per kit, see :func:`_broken_drum_keys`)."""
        with self.lock:
            if kit not in self._drum_maps:
                broken = _broken_drum_keys(self.synth, self.sample_rate, kit)
                mapping = np.arange(128, dtype=np.int8)
                for key, options in DRUM_SUBSTITUTES.items():
                    if key in broken:
                        mapping[key] = next((o for o in options if o not in broken), key)
                self._drum_maps[kit] = mapping
            return self._drum_maps[kit]


def _broken_drum_keys(synth, sample_rate: int, kit: int = 0) -> set[int]:
    """Drum keys that the synthesizer renders as a click (< 25 ms of sound for a
    250 ms note).  prestosynth does this to TimGM6mb's acoustic snare (38), cowbell,
    bongos, claves... - apparently the zones that rely on the default decay/sustain
    generators); one probe render per kit finds them."""
    keys = list(range(min(DRUM_SUBSTITUTES), max(max(v) for v in DRUM_SUBSTITUTES.values()) + 1))
    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, qpm=120.0))  # one key every 0.5 s, held 0.25 s
    track = symusic.Track(name="probe", program=kit, is_drum=True)
    for i, key in enumerate(keys):
        track.notes.append(symusic.Note(i * TPQ, TPQ // 2, key, 100))
    score.tracks.append(track)
    audio = np.abs(synth.render(score, stereo=True)).max(axis=0)
    broken = set()
    half = sample_rate // 2
    for i, key in enumerate(keys):
        window = audio[i * half : (i + 1) * half]
        if window.size == 0 or window.max() == 0:
            continue  # no sample at all: nothing better to substitute
        last = int(np.flatnonzero(window > window.max() * 1e-3).max())
        if last < 0.025 * sample_rate:
            broken.add(key)
    return broken


@functools.lru_cache(maxsize=4)
def _synthesizer(path: str, mtime_ns: int, size: int, sample_rate: int) -> _Synth:
    """One symusic Synthesizer per (file version, rate): it caches rendered notes
    internally, so reusing it makes later renders much faster.

    ``mtime_ns``/``size`` are part of the key so a replaced file is reloaded.
    """
    del mtime_ns, size
    try:
        synth = symusic.Synthesizer(path, sample_rate, SYNTH_QUALITY)
    except RuntimeError as exc:  # symusic reports a corrupt body as RuntimeError
        raise InvalidInput(f"Soundfont file {path!r} is corrupt: {exc}.", field="soundfont") from None
    return _Synth(synth, sample_rate)


def _load_synth(soundfont: str | os.PathLike[str] | None, sample_rate: int) -> _Synth:
    path = resolve_soundfont(soundfont)
    st = path.stat()
    return _synthesizer(str(path.resolve()), st.st_mtime_ns, st.st_size, sample_rate)


# --------------------------------------------------------------------------- stems


def _check_rate(sample_rate: int) -> int:
    if not isinstance(sample_rate, int | np.integer) or not 8000 <= int(sample_rate) <= 192_000:
        raise InvalidInput(
            f"sample_rate must be an integer from 8000 to 192000, got {sample_rate!r}", field="sample_rate"
        )
    return int(sample_rate)


def n_samples(arr: Arrangement, sample_rate: int) -> int:
    """Length of every stem and of the master: the piece plus :data:`TAIL_SECONDS`."""
    return math.ceil((arr.seconds + TAIL_SECONDS) * sample_rate)


def velocity_gain_db(velocity: int | np.ndarray) -> np.ndarray:
    """The usual MIDI velocity curve (DLS / FluidSynth default): 40*log10(v/127) dB."""
    return 40.0 * np.log10(np.asarray(velocity, dtype=np.float64) / 127.0)


def velocity_layers(velocities: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group velocities into at most :data:`MAX_VELOCITY_LAYERS` layers.

    Returns (layer index per note, gain in dB per layer).  Layers are
    :data:`VELOCITY_STEP_DB` wide; a part with a wider spread gets evenly spaced,
    wider layers instead (each render of a layer costs time in proportion to the
    length of the piece, not to its notes).
    """
    gain_db = velocity_gain_db(velocities)
    low, high = float(gain_db.min()), float(gain_db.max())
    step = VELOCITY_STEP_DB
    if (high - low) / step + 1 > MAX_VELOCITY_LAYERS:
        step = (high - low) / (MAX_VELOCITY_LAYERS - 1)
    index = np.round((gain_db - low) / step).astype(np.int64) if step > 0 else np.zeros(len(gain_db), np.int64)
    used, index = np.unique(index, return_inverse=True)
    return index, low + used * step


def _render_sf_part(synth: _Synth, part: Part, arr: Arrangement, n: int, sr: int) -> np.ndarray:
    """Render one part alone, one pass per velocity layer, into a (2, n) float32 stem."""
    cols = np.array([(x.start, x.duration, x.pitch, x.velocity) for x in part.notes], dtype=np.int32).T
    if part.is_drum:
        cols[2] = synth.drum_map(part.program)[cols[2]]
    end_tick = n * arr.tempo * arr.tpq / (60.0 * sr)
    cols = cols[:, cols[0] < end_tick]  # notes starting after the window are inaudible anyway
    stem = np.zeros((2, n), dtype=np.float32)
    if cols.shape[1] == 0:
        return stem
    index, layer_db = velocity_layers(cols[3])
    for layer, db in enumerate(layer_db):
        sel = cols[:, index == layer]
        score = symusic.Score(arr.tpq)
        score.tempos.append(symusic.Tempo(0, qpm=float(arr.tempo)))
        track = symusic.Track(name=part.name, program=part.program, is_drum=part.is_drum)
        track.notes = symusic.Note.from_numpy(
            np.ascontiguousarray(sel[0]),
            np.ascontiguousarray(sel[1]),
            sel[2].astype(np.int8),
            sel[3].astype(np.int8),
        )
        score.tracks.append(track)
        with synth.lock:
            audio = synth.synth.render(score, stereo=True)
        m = min(n, audio.shape[1])
        if abs(db) < 1e-9:
            stem[:, :m] += audio[:, :m]
        else:
            stem[:, :m] += audio[:, :m] * np.float32(10.0 ** (db / 20.0))
    return stem


def _render_voice_part(voice: Voice, part: Part, arr: Arrangement, n: int, sr: int) -> np.ndarray:
    """Render a part with a plugin's procedural voice (``instrument_voice`` hook)."""
    out = np.zeros(n, dtype=np.float32)
    seconds_per_tick = 60.0 / (arr.tempo * arr.tpq)
    cache: dict[tuple[int, int, int], np.ndarray] = {}
    for note in part.notes:
        start = round(note.start * seconds_per_tick * sr)
        if start >= n:
            continue
        key = (note.pitch, note.velocity, note.duration)
        wave = cache.get(key)
        if wave is None:
            try:
                wave = np.asarray(voice(note.pitch, note.velocity, note.duration * seconds_per_tick, sr))
            except Exception as exc:
                raise PluginError(f"The voice of part {part.name!r} failed: {exc}", field="voices") from exc
            if wave.ndim != 1 or not np.all(np.isfinite(wave)):
                raise PluginError(
                    f"The voice of part {part.name!r} must return a finite 1-D array, got shape {wave.shape}",
                    field="voices",
                )
            wave = cache[key] = wave.astype(np.float32, copy=False)
        end = min(n, start + wave.shape[0])
        out[start:end] += wave[: end - start]
    return np.stack([out, out])


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
        power = np.einsum("ckh,ckh->k", v, v, dtype=np.float64) / (stem.shape[0] * hop)
    peak = float(power.max())
    if peak <= 0.0:
        return 0.0
    active = power > peak * 10.0 ** (-ACTIVE_GATE_DB / 10.0)
    return float(np.sqrt(power[active].mean()))


def calibration_gain_db(stem: np.ndarray, role: str, sample_rate: int) -> float:
    """Gain that brings ``stem`` to the reference level plus its role offset (0 for silence)."""
    rms = active_rms(stem, sample_rate)
    if rms <= 0.0:
        return 0.0
    target = REFERENCE_RMS_DBFS + ROLE_OFFSETS_DB.get(role, 0.0)
    gain = target - 20.0 * math.log10(rms)
    return max(-MAX_CALIBRATION_DB, min(MAX_CALIBRATION_DB, gain))


def render_stems(
    arr: Arrangement,
    soundfont: str | os.PathLike[str] | None = None,
    sample_rate: int = 44100,
    voices: Mapping[str, Voice] | None = None,
) -> dict[str, np.ndarray]:
    """One calibrated stereo float32 stem per part, keyed by part name, in part order.

    Every stem is exactly :func:`n_samples` long and sample-aligned with the others;
    an empty part gives a zero stem.  ``voices`` maps part names to procedural voices
    (from the ``instrument_voice`` hook) that replace the SoundFont for those parts.
    """
    sr = _check_rate(sample_rate)
    voices = voices or {}
    n = n_samples(arr, sr)
    synth = None
    if any(p.notes and p.name not in voices for p in arr.parts):
        synth = _load_synth(soundfont, sr)
    fade_len = min(n, int(END_FADE_SECONDS * sr))
    fade = (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, fade_len))).astype(np.float32)
    stems: dict[str, np.ndarray] = {}
    for part in arr.parts:
        if not part.notes:
            stems[part.name] = np.zeros((2, n), dtype=np.float32)
            continue
        if part.name in voices:
            stem = _render_voice_part(voices[part.name], part, arr, n, sr)
        else:
            assert synth is not None
            stem = _render_sf_part(synth, part, arr, n, sr)
        gain_db = calibration_gain_db(stem, part.role, sr)
        if gain_db:
            stem *= np.float32(10.0 ** (gain_db / 20.0))
        if fade_len:
            stem[:, n - fade_len :] *= fade
        stems[part.name] = stem
    return stems


# --------------------------------------------------------------------------- mix


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan law (-1 left ... 1 right), normalised to unity at centre.

    ``gl**2 + gr**2 == 2`` everywhere, so a centred mono source keeps its power as it
    moves; at the extremes one side gets sqrt(2) and the other 0.
    """
    theta = (pan + 1.0) * math.pi / 4.0
    return math.sqrt(2.0) * math.cos(theta), math.sqrt(2.0) * math.sin(theta)


def _pan_stereo(stem: np.ndarray, pan: float) -> np.ndarray:
    """Pan a stereo stem: its mid follows :func:`pan_gains`, its side narrows to nothing
    at the extremes, so hard left puts all of it in the left channel and centre
    leaves it untouched."""
    if pan == 0.0:
        return stem
    gl, gr = pan_gains(pan)
    width = 1.0 - abs(pan)
    mid = 0.5 * (stem[0] + stem[1])
    side = 0.5 * (stem[0] - stem[1]) * np.float32(width)
    return np.stack([mid * np.float32(gl) + side, mid * np.float32(gr) - side])


def _mixdown(stems: Mapping[str, np.ndarray], arr: Arrangement, settings: Mix | None) -> np.ndarray:
    settings = settings or Mix()
    missing = [p.name for p in arr.parts if p.name not in stems]
    if missing:
        raise InvalidInput(f"No stem for part(s) {', '.join(map(repr, missing))}.", field="stems")
    lengths = {stems[p.name].shape for p in arr.parts}
    if len(lengths) > 1:
        raise InvalidInput(f"Stems differ in shape: {sorted(lengths)}.", field="stems")
    if not arr.parts:
        return np.zeros((2, 0), dtype=np.float32)
    out = np.zeros(next(iter(lengths)), dtype=np.float32)
    soloing = any(settings.for_part(p.name).solo for p in arr.parts)
    for part in arr.parts:
        track = settings.for_part(part.name)
        if track.mute or (soloing and not track.solo):
            continue
        stem = _pan_stereo(stems[part.name], track.pan)
        if track.gain_db:
            out += stem * np.float32(10.0 ** (track.gain_db / 20.0))
        else:
            out += stem
    return out


def mix(stems: Mapping[str, np.ndarray], arr: Arrangement, mix: Mix | None = None) -> np.ndarray:
    """Sum the stems through the mixer: gain, constant-power pan, mute and solo.

    If any part is soloed only soloed parts sound; a muted part never sounds (mute
    wins over solo).  Mix entries for parts the arrangement lacks are ignored.  This is
    the dry mix: the reverb sends go to :func:`reverb_bus`, which :func:`render` adds.
    Returns the pre-master (2, N) sum.
    """
    return _mixdown(stems, arr, mix)


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


def reverb_bus(
    stems: Mapping[str, np.ndarray], arr: Arrangement, mix: Mix | None, sample_rate: int
) -> np.ndarray | None:
    """The wet signal of the shared reverb: every audible part sends ``reverb`` x its
    fader gain (post-fader, pre-pan, mono) into one stereo room.  None if nothing is sent.

    Besides the space it gives, the reverb tail softens prestosynth's note-offs, which
    stop dead (the synthesizer renders no release phase).
    """
    settings = mix or Mix()
    soloing = any(settings.for_part(p.name).solo for p in arr.parts)
    send = None
    for part in arr.parts:
        track = settings.for_part(part.name)
        if track.mute or (soloing and not track.solo) or track.reverb <= 0.0:
            continue
        stem = stems[part.name]
        level = np.float32(0.5 * track.reverb * 10.0 ** (track.gain_db / 20.0))
        contribution = (stem[0] + stem[1]) * level
        send = contribution if send is None else send + contribution
    if send is None or not np.any(send):
        return None
    from scipy.signal import fftconvolve

    return fftconvolve(send[None, :], _reverb_ir(sample_rate), axes=1)[:, : send.shape[0]].astype(np.float32)


# --------------------------------------------------------------------------- master


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """BS.1770-4 integrated loudness (LUFS) of (channels, samples) audio; -inf if silent."""
    import pyloudnorm  # lazy: pulls in scipy.signal (~0.8 s)

    x = np.asarray(audio, dtype=np.float64)
    if not np.any(x):
        return float("-inf")
    block = int(0.4 * sample_rate) + 1
    if x.shape[1] < block:  # pyloudnorm needs one full 400 ms block
        x = np.pad(x, ((0, 0), (0, block - x.shape[1])))
    return float(pyloudnorm.Meter(sample_rate).integrated_loudness(x.T))


@functools.lru_cache(maxsize=1)
def _interpolation_bound() -> float:
    """Largest factor by which a 4x resample_poly sample can exceed the input's peak
    (the worst polyphase branch's sum of |taps|, about 2.24, i.e. +7 dB)."""
    from scipy.signal import resample_poly

    impulse = np.zeros(4 * _TP_CONTEXT + 1)
    impulse[2 * _TP_CONTEXT] = 1.0
    h = resample_poly(impulse, TRUE_PEAK_OVERSAMPLE, 1)
    return max(1.0, max(float(np.abs(h[p::TRUE_PEAK_OVERSAMPLE]).sum()) for p in range(TRUE_PEAK_OVERSAMPLE)))


def _block_peaks(x: np.ndarray) -> np.ndarray:
    """Max |x| over channels per _TP_BLOCK block, widened to the neighbouring blocks
    (the interpolation filter reaches into them)."""
    n = x.shape[1]
    nb = -(-n // _TP_BLOCK)
    padded = np.zeros((x.shape[0], nb * _TP_BLOCK), dtype=np.float32)
    padded[:, :n] = x
    peaks = np.abs(padded).reshape(x.shape[0], nb, _TP_BLOCK).max(axis=(0, 2))
    wide = peaks.copy()
    wide[1:] = np.maximum(wide[1:], peaks[:-1])
    wide[:-1] = np.maximum(wide[:-1], peaks[1:])
    return wide


def _true_peak_blocks(x: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """Per-sample true peak (max over channels, the samples and the 4x oversampled
    phases) of the given sorted blocks, shaped (len(blocks), _TP_BLOCK).

    Runs of consecutive blocks are oversampled together with _TP_CONTEXT samples of
    context on both sides, which gives the same values as oversampling the whole
    signal with ``scipy.signal.resample_poly``.
    """
    from scipy.signal import resample_poly

    r = TRUE_PEAK_OVERSAMPLE
    c, n = x.shape
    nb = -(-n // _TP_BLOCK)
    padded = np.zeros((c, nb * _TP_BLOCK + 2 * _TP_CONTEXT), dtype=np.float32)
    padded[:, _TP_CONTEXT : _TP_CONTEXT + n] = x
    out = np.empty((len(blocks), _TP_BLOCK), dtype=np.float32)
    runs = np.split(np.arange(len(blocks)), np.flatnonzero(np.diff(blocks) != 1) + 1)
    for run in runs:
        for i in range(0, len(run), _TP_CHUNK):
            sub = run[i : i + _TP_CHUNK]
            lo, k = int(blocks[sub[0]]) * _TP_BLOCK, len(sub)
            seg = padded[:, lo : lo + k * _TP_BLOCK + 2 * _TP_CONTEXT]
            up = np.abs(resample_poly(seg, r, 1, axis=-1)[:, r * _TP_CONTEXT : r * (_TP_CONTEXT + k * _TP_BLOCK)])
            tp = np.abs(seg[:, _TP_CONTEXT : _TP_CONTEXT + k * _TP_BLOCK])
            for phase in range(r):  # elementwise maxima: far faster than max over a short axis
                np.maximum(tp, up[:, phase::r], out=tp)
            out[sub[0] : sub[0] + k] = tp.max(axis=0).reshape(k, _TP_BLOCK)
    return out


def _true_peak(x: np.ndarray, known: Mapping[int, float] | None = None) -> float:
    """Linear true peak of x; ``known`` gives exact per-block maxima already measured.

    Blocks whose sample peak times the interpolation filter's worst-case gain cannot
    beat the running maximum are skipped, so the result is exact and usually cheap.
    """
    if x.size == 0:
        return 0.0
    peaks = _block_peaks(x)
    known = dict(known or {})
    if not known:
        first = int(np.argmax(peaks))
        known[first] = float(_true_peak_blocks(x, np.array([first])).max())
    best = max(known.values())
    todo = np.array([b for b in np.flatnonzero(peaks * _interpolation_bound() > best) if b not in known])
    if len(todo):
        best = max(best, float(_true_peak_blocks(x, todo).max()))
    return best


def true_peak(audio: np.ndarray) -> float:
    """Linear true peak of (channels, samples) audio, 4x oversampled (BS.1770-4 style)."""
    return _true_peak(np.asarray(audio, dtype=np.float32))


def true_peak_db(audio: np.ndarray) -> float:
    """:func:`true_peak` in dBTP (-inf for silence)."""
    tp = true_peak(audio)
    return 20.0 * math.log10(tp) if tp > 0 else float("-inf")


def _sliding_min(x: np.ndarray, before: int, after: int) -> np.ndarray:
    """min(x[i-before : i+after+1]) for every i (out-of-range counts as 1.0).

    van Herk / Gil-Werman: O(n) with numpy prefix and suffix minima per block.
    """
    w = before + after + 1
    n = x.shape[0]
    total = -(-(n + before + after) // w) * w
    xp = np.ones(total, dtype=x.dtype)
    xp[before : before + n] = x
    blocks = xp.reshape(-1, w)
    prefix = np.minimum.accumulate(blocks, axis=1).ravel()
    suffix = np.minimum.accumulate(blocks[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.minimum(suffix[:n], prefix[w - 1 : w - 1 + n])


def _box_causal(x: np.ndarray, length: int) -> np.ndarray:
    """Mean of x[i-length+1 : i+1] (before the start counts as 1.0)."""
    c = np.concatenate([np.zeros(1), np.cumsum(np.concatenate([np.ones(length - 1), x]))])
    return (c[length:] - c[:-length]) / length


def _limiter_gain(required: np.ndarray, sample_rate: int) -> np.ndarray:
    """Smooth gain envelope that is <= ``required`` at every sample.

    A sliding minimum with look-ahead 2*(ramp-1) and a hold, then two causal box
    filters of the ramp length: the gain starts falling one double-ramp before a peak
    (an S-shaped 20 ms fade, no clicks or clipping) and rises again after the hold.
    At a peak at i every averaged value comes from a window containing i, so the
    result never exceeds required[i].
    """
    ramp = max(1, int(LIMITER_RAMP_SECONDS * sample_rate))
    hold = int(LIMITER_HOLD_SECONDS * sample_rate)
    lead = 2 * (ramp - 1)  # the boxes reach this far back: start the minimum that early
    padded = np.concatenate([np.ones(lead), required])
    held = _sliding_min(padded, before=hold, after=lead)
    return _box_causal(_box_causal(held, ramp), ramp)[lead:]


def _master(
    audio: np.ndarray, sample_rate: int, target_lufs: float, true_peak_db: float
) -> tuple[np.ndarray, float, float]:
    """Mastered audio with its measured loudness (LUFS) and true peak (dBTP)."""
    x = np.asarray(audio, dtype=np.float32)
    if x.ndim != 2:
        raise InvalidInput(f"audio must be shaped (channels, samples), got {x.shape}", field="audio")
    if not np.all(np.isfinite(x)):
        raise InvalidInput("audio contains NaN or infinite samples", field="audio")
    loudness = integrated_loudness(x, sample_rate)
    if not math.isfinite(loudness):  # silence (or below the -70 LUFS gate): nothing to scale
        tp = true_peak(x)
        return x.copy(), loudness, (20 * math.log10(tp) if tp > 0 else float("-inf"))
    ceiling = 10.0 ** (true_peak_db / 20.0)
    aim = ceiling * 10.0 ** (-LIMITER_MARGIN_DB / 20.0)
    peaks = _block_peaks(x)
    bound = _interpolation_bound()
    envelopes: dict[int, np.ndarray] = {}  # per-sample true peak of x, by block

    def measure(blocks: np.ndarray) -> None:
        todo = np.array([b for b in blocks if b not in envelopes], dtype=np.int64)
        if len(todo):
            envelopes.update(zip(todo.tolist(), _true_peak_blocks(x, todo), strict=True))

    def required_gain(gain: float) -> np.ndarray | None:
        """Per-sample gain keeping gain*x's true peak under ``aim``; None if all 1."""
        blocks = np.flatnonzero(peaks * bound * gain > aim)
        measure(blocks)
        req = None
        for b in blocks.tolist():
            env = envelopes[b] * gain
            if env.max() > aim:
                if req is None:
                    req = np.ones(len(peaks) * _TP_BLOCK)
                req[b * _TP_BLOCK : (b + 1) * _TP_BLOCK] = np.minimum(1.0, aim / np.maximum(env, 1e-12))
        return None if req is None else req[: x.shape[1]]

    # Limiting lowers loudness, so the gain is raised until the limited result meets
    # the target (secant steps on the dB gain; loudness(gain) is monotonic).
    base_db = target_lufs - loudness
    gain_db, previous = base_db, None
    for _ in range(MASTER_ITERATIONS):
        gain = 10.0 ** (gain_db / 20.0)
        req = required_gain(gain)
        if req is None:  # a plain gain moves loudness by exactly that many dB
            env = None
            y = x * np.float32(gain)
            loudness = target_lufs
            break
        env = _limiter_gain(req, sample_rate).astype(np.float32)
        y = x * (env * np.float32(gain))
        loudness = integrated_loudness(y, sample_rate)
        if abs(loudness - target_lufs) <= 0.05:
            break
        slope = 1.0
        if previous is not None and gain_db != previous[0]:
            slope = min(1.0, max(0.1, (loudness - previous[1]) / (gain_db - previous[0])))
        previous = (gain_db, loudness)
        step_db = min(gain_db + (target_lufs - loudness) / slope, base_db + MAX_MAKEUP_DB) - gain_db
        if abs(step_db) < 1e-3:  # makeup exhausted: the ceiling wins over the target
            break
        gain_db += step_db
    # Where the limiter left the gain at 1 (block and neighbours), y's true peak is
    # gain times x's; the limited blocks are measured again on y (gain modulation
    # can move an intersample peak a hair).
    known = {b: gain * float(e.max()) for b, e in envelopes.items()}
    if env is not None:
        n = x.shape[1]
        padded = np.ones(len(peaks) * _TP_BLOCK, dtype=np.float32)
        padded[:n] = env
        touched = padded.reshape(len(peaks), _TP_BLOCK).min(axis=1) < 1.0
        touched[1:] |= touched[:-1].copy()
        touched[:-1] |= touched[1:].copy()
        again = np.flatnonzero(touched)
        for b in again.tolist():
            known.pop(b, None)
        if len(again):
            known.update(zip(again.tolist(), _true_peak_blocks(y, again).max(axis=1).tolist(), strict=True))
    tp = _true_peak(y, known)
    if tp > ceiling:
        trim = ceiling / tp * 10.0 ** (-0.01 / 20.0)
        y *= np.float32(trim)
        tp *= trim
        loudness += 20.0 * math.log10(trim)
    return y, loudness, 20.0 * math.log10(tp) if tp > 0 else float("-inf")


def master(audio: np.ndarray, sample_rate: int, target_lufs: float = -14.0, true_peak_db: float = -1.0) -> np.ndarray:
    """Normalise integrated loudness to ``target_lufs``, then limit the 4x-oversampled
    true peak to ``true_peak_db`` with a smooth look-ahead limiter.

    If limiting costs loudness the gain is raised and the limiter re-run (up to
    :data:`MASTER_ITERATIONS` passes, at most :data:`MAX_MAKEUP_DB` of extra gain), so
    the result lands on the target unless the ceiling makes that unreasonable; then it
    stays quieter.  Silence (below the -70 LUFS gate) is returned unchanged.  Returns
    float32 of the input's shape.
    """
    return _master(audio, _check_rate(sample_rate), target_lufs, true_peak_db)[0]


# --------------------------------------------------------------------------- render


def render(
    arr: Arrangement,
    mix: Mix | None = None,
    soundfont: str | os.PathLike[str] | None = None,
    sample_rate: int = 44100,
    voices: Mapping[str, Voice] | None = None,
) -> RenderResult:
    """Stems -> mix (+ reverb bus) -> master.

    The audio lasts the piece plus :data:`TAIL_SECONDS`; ``stems`` in the result are
    the calibrated dry stems.
    """
    sr = _check_rate(sample_rate)
    settings = mix or Mix()
    stems = render_stems(arr, soundfont=soundfont, sample_rate=sr, voices=voices)
    n = n_samples(arr, sr)
    pre = _mixdown(stems, arr, settings)
    if pre.shape[1] != n:  # no parts at all
        pre = np.zeros((2, n), dtype=np.float32)
    wet = reverb_bus(stems, arr, settings, sr) if arr.parts else None
    if wet is not None:
        pre += wet
        fade_len = min(n, int(END_FADE_SECONDS * sr))
        pre[:, n - fade_len :] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, fade_len))).astype(np.float32)
    audio, loudness, peak_db = _master(pre, sr, settings.target_lufs, settings.true_peak_db)
    return RenderResult(
        audio=np.ascontiguousarray(audio[:, :n], dtype=np.float32),
        stems=stems,
        sample_rate=sr,
        loudness_lufs=loudness,
        true_peak_db=peak_db,
    )
