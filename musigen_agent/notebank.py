"""The note bank: symusic 0.5.9's SoundFont renderer (prestosynth) used as a *note sampler*.

Every distinct note (program, pitch, length) is rendered once, alone, and kept here;
:mod:`musigen_agent.render` assembles a stem by adding the rendered notes at their
sample positions, each scaled by its velocity.  Chords and patterns repeat, so a 60 s,
8-part piece of ~2300 notes needs 78 short renders; rendering each part whole, once
per velocity layer, was several times slower (numbers in docs/sound.md).  prestosynth
is linear and time-invariant for a note on its own (a note rendered at sample offset
k is the note rendered at 0, shifted by k, bit for bit), which is what makes this exact.

Its quirks, all measured (canary tests in ``tests/test_render.py`` fail when one goes
away), and what is done about each:

* **It ignores note velocity** (and every controller: SoundFont modulators are not
  implemented).  Each note is scaled by the usual ``40*log10(v/127)`` dB curve, exactly.
* **It renders no release and no decay**: a note holds its sustain level and stops
  ~1 ms after its note-off.  Each note is rendered :class:`NoteShape` ``.release``
  longer and faded exponentially to -60 dB over that time (per General MIDI family:
  organs stop fast, pads linger); plucked and struck families also decay while held.
  Drums are one-shots: the sample plays out whatever the written length, cymbals
  ring for :data:`DRUM_RING_SECONDS` (their samples loop).
* **It turns some drum keys into ~10 ms clicks** (in TimGM6mb: acoustic snare 38,
  cowbell, bongos, claves...).  Each loaded soundfont is probed once and clicking keys
  are rendered with a working key of the same family (:data:`DRUM_SUBSTITUTES`).
  The MIDI export keeps the written keys.
* **It downloads a soundfont when given no path**, so a path is always passed, and the
  file is checked before symusic sees it (:func:`musigen_agent.render.resolve_soundfont`).
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import symusic

from .errors import InvalidInput
from .spec import TPQ

#: Drum keys to render instead of a key the synthesizer turns into a click (checked
#: per soundfont, see broken_drum_keys); first working option wins.  GM families:
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


@dataclass(frozen=True)
class NoteShape:
    """How a note of a General MIDI family ends, which prestosynth does not render.

    ``release``: seconds from note-off to -60 dB (an exponential fade of the sound
    still sustaining).  ``decay_db_per_s``: level lost per second while the note is
    held, for plucked and struck instruments that prestosynth would hold flat.
    """

    release: float
    decay_db_per_s: float = 0.0


#: Shapes per GM family (program // 8): piano, chromatic percussion, organ, guitar,
#: bass, strings, ensemble, brass, reed, pipe, synth lead, synth pad, synth effects,
#: ethnic, percussive, sound effects.
FAMILY_SHAPES: tuple[NoteShape, ...] = (
    NoteShape(0.30, 2.0),
    NoteShape(0.60, 6.0),
    NoteShape(0.08),
    NoteShape(0.25, 4.0),
    NoteShape(0.12, 3.0),
    NoteShape(0.35),
    NoteShape(0.45),
    NoteShape(0.15),
    NoteShape(0.12),
    NoteShape(0.15),
    NoteShape(0.12),
    NoteShape(0.80),
    NoteShape(0.80),
    NoteShape(0.30, 4.0),
    NoteShape(0.40, 8.0),
    NoteShape(0.30),
)
#: Drums are one-shots rendered this long (their samples end sooner: trailing silence
#: is trimmed) ...
DRUM_ONE_SHOT_SECONDS = 1.0
#: ... except keys whose samples loop (cymbals, open hi-hat), which decay to -60 dB
#: over this many seconds.
DRUM_RING_SECONDS: dict[int, float] = {46: 0.8, 49: 2.5, 51: 2.0, 52: 2.5, 53: 1.5, 55: 1.5, 57: 2.5, 59: 2.0}
#: Every rendered note ends with a raised-cosine taper this long, so nothing clicks.
NOTE_TAPER_SECONDS = 0.005
#: Bound of each synthesizer's cache of rendered notes.
NOTE_BANK_BYTES = 256 * 2**20


def _sample_clock(sample_rate: int) -> tuple[int, int]:
    """(ticks per quarter, microseconds per quarter) that make one tick one sample, so
    a note's length in samples is given to the synthesizer exactly."""
    step = Fraction(1_000_000, sample_rate)
    return step.denominator, step.numerator


def _taper(wave: np.ndarray, sample_rate: int) -> None:
    """Raised-cosine fade over the last :data:`NOTE_TAPER_SECONDS` of ``wave``, in place."""
    k = min(wave.shape[1], max(1, int(NOTE_TAPER_SECONDS * sample_rate)))
    wave[:, wave.shape[1] - k :] *= (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, k))).astype(np.float32)


def _exp_fade(length: int, depth_db: float) -> np.ndarray:
    """Gain falling exponentially from 1 by ``depth_db`` over ``length`` samples (float32)."""
    return np.exp(np.arange(length, dtype=np.float32) * np.float32(-depth_db * math.log(10.0) / 20.0 / length))


@dataclass
class NoteBank:
    """A loaded synthesizer with its lock, drum key maps and bank of rendered notes
    (shared by every render at its rate; the lock serialises the synthesizer)."""

    synth: object
    sample_rate: int
    lock: threading.RLock = field(default_factory=threading.RLock)
    _drum_maps: dict[int, np.ndarray] = field(default_factory=dict)
    _bank: OrderedDict[tuple[int, bool, int, int], np.ndarray] = field(default_factory=OrderedDict)
    _bank_bytes: int = 0

    def drum_map(self, kit: int) -> np.ndarray:
        """128 pitches: the key actually rendered for each written key of drum kit ``kit``
        (probed once per kit, see :func:`broken_drum_keys`)."""
        with self.lock:
            if kit not in self._drum_maps:
                broken = broken_drum_keys(self.synth, self.sample_rate, kit)
                mapping = np.arange(128, dtype=np.int64)
                for key, options in DRUM_SUBSTITUTES.items():
                    if key in broken:
                        mapping[key] = next((o for o in options if o not in broken), key)
                self._drum_maps[kit] = mapping
            return self._drum_maps[kit]

    def _raw(self, program: int, is_drum: bool, pitch: int, hold: int) -> np.ndarray:
        """One note of ``hold`` samples rendered alone from time 0 (velocity is ignored
        by the synthesizer, so it is rendered at full velocity)."""
        tpq, mspq = _sample_clock(self.sample_rate)
        score = symusic.Score(tpq)
        score.tempos.append(symusic.Tempo(0, mspq=mspq))
        track = symusic.Track(name="note", program=program, is_drum=is_drum)
        track.notes.append(symusic.Note(0, hold, pitch, 127))
        score.tracks.append(track)
        return self.synth.render(score, stereo=True)

    def note(self, program: int, is_drum: bool, pitch: int, hold: int) -> np.ndarray:
        """The shaped waveform (2, length) float32 of one note at full velocity.

        Melodic notes: ``hold`` samples, then the family's release.  Drums (``hold``
        ignored): the whole one-shot, or the ring of a cymbal.  Read-only; cached.
        """
        key = (program, is_drum, pitch, 0 if is_drum else hold)
        with self.lock:
            wave = self._bank.get(key)
            if wave is not None:
                self._bank.move_to_end(key)
                return wave
            wave = self._shape_drum(program, pitch) if is_drum else self._shape_melodic(program, pitch, hold)
            wave.flags.writeable = False
            self._bank[key] = wave
            self._bank_bytes += wave.nbytes
            while self._bank_bytes > NOTE_BANK_BYTES and len(self._bank) > 1:
                _, old = self._bank.popitem(last=False)
                self._bank_bytes -= old.nbytes
            return wave

    def _shape_melodic(self, program: int, pitch: int, hold: int) -> np.ndarray:
        sr = self.sample_rate
        shape = FAMILY_SHAPES[program // 8]
        release = max(1, int(shape.release * sr))
        total = hold + release
        raw = self._raw(program, False, pitch, total)
        wave = np.zeros((2, total), dtype=np.float32)
        m = min(total, raw.shape[1])
        wave[:, :m] = raw[:, :m]
        if shape.decay_db_per_s:
            wave *= _exp_fade(total, shape.decay_db_per_s * total / sr)
        wave[:, hold:] *= _exp_fade(release, 60.0)
        _taper(wave, sr)
        return wave

    def _shape_drum(self, kit: int, key: int) -> np.ndarray:
        sr = self.sample_rate
        ring = DRUM_RING_SECONDS.get(key)
        total = max(1, int((ring or DRUM_ONE_SHOT_SECONDS) * sr))
        raw = self._raw(kit, True, key, total)
        wave = np.zeros((2, total), dtype=np.float32)
        m = min(total, raw.shape[1])
        wave[:, :m] = raw[:, :m]
        if ring:
            wave *= _exp_fade(total, 60.0)
        level = np.maximum(np.abs(wave[0]), np.abs(wave[1]))
        if level.max() > 0.0:  # trim what lies below -80 dB of the hit
            total = int(np.flatnonzero(level > level.max() * 1e-4).max()) + 1
            wave = np.ascontiguousarray(wave[:, :total])
        _taper(wave, sr)
        return wave


#: The drum keys worth probing: those with a substitute, and the substitutes.
PROBED_DRUM_KEYS: tuple[int, ...] = tuple(
    sorted({*DRUM_SUBSTITUTES, *(k for v in DRUM_SUBSTITUTES.values() for k in v)})
)


def broken_drum_keys(synth, sample_rate: int, kit: int = 0) -> set[int]:
    """Which of :data:`PROBED_DRUM_KEYS` the synthesizer renders as a click (< 25 ms of
    sound for a 75 ms note).  prestosynth does this to TimGM6mb's acoustic snare (38),
    cowbell, bongos, claves... - apparently the zones that rely on the default
    decay/sustain generators); one short probe render per kit (~3 s of audio) finds
    them.  Only keys that could be substituted, or substitute, are probed: knowing that
    another key clicks would change nothing."""
    keys = PROBED_DRUM_KEYS
    spacing = 3 * TPQ // 10  # at 120 bpm: one key every 0.15 s, held 0.075 s
    score = symusic.Score(TPQ)
    score.tempos.append(symusic.Tempo(0, qpm=120.0))
    track = symusic.Track(name="probe", program=kit, is_drum=True)
    for i, key in enumerate(keys):
        track.notes.append(symusic.Note(i * spacing, spacing // 2, key, 100))
    score.tracks.append(track)
    stereo = np.abs(synth.render(score, stereo=True))
    audio = np.maximum(stereo[0], stereo[1])  # far faster than .max(axis=0) over two rows
    broken = set()
    window_len = round(spacing * 60.0 / (120 * TPQ) * sample_rate)
    for i, key in enumerate(keys):
        window = audio[i * window_len : (i + 1) * window_len]
        if window.size == 0 or window.max() == 0:
            continue  # no sample at all: nothing better to substitute
        last = int(np.flatnonzero(window > window.max() * 1e-3).max())
        if last < 0.025 * sample_rate:
            broken.add(key)
    return broken


@functools.lru_cache(maxsize=4)
def note_bank(path: str, mtime_ns: int, size: int, sample_rate: int) -> NoteBank:
    """One synthesizer (and note bank) per (file version, rate).

    ``mtime_ns``/``size`` are part of the key so a replaced file is reloaded.
    """
    del mtime_ns, size
    try:
        synth = symusic.Synthesizer(path, sample_rate, SYNTH_QUALITY)
    except RuntimeError as exc:  # symusic reports a corrupt body as RuntimeError
        raise InvalidInput(f"Soundfont file {path!r} is corrupt: {exc}.", field="soundfont") from None
    return NoteBank(synth, sample_rate)
