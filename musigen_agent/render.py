"""Audio rendering: Arrangement -> per-part stems (cached) -> mixer -> master.

Every distinct note is rendered once, alone, by the SoundFont synthesizer
(:mod:`musigen_agent.notebank`, which also makes up for its quirks) and a part's stem is
assembled with numpy by adding the rendered notes at their sample positions, each
scaled by its velocity.

SoundFont presets differ a lot in level (the research measured 0.5x-7x between
instruments), so every stem is *calibrated*: its RMS over the frames where it plays is
set to :data:`REFERENCE_RMS_DBFS` plus a small per-role offset (:data:`ROLE_OFFSETS_DB`)
before the user's mix is applied (:mod:`musigen_agent.mixer`); the master is then
normalised to the target loudness (:mod:`musigen_agent.mastering`).

Stems are cached by content (:mod:`musigen_agent.stem_cache`): a mix change re-uses
every stem, a one-part edit re-renders that part only.
"""

from __future__ import annotations

import importlib.util
import math
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import mastering, mixer
from .errors import InvalidInput, MusigenError, PluginError
from .notebank import NoteBank, note_bank
from .spec import Arrangement, Mix, Part
from .stem_cache import StemCache, stem_key

if TYPE_CHECKING:
    from .plugin_manager import Plugins

#: Bump whenever the samples rendered for the same input change: it is part of every
#: stem's cache key, so stale cached stems are never used.
RENDERER_VERSION = 2
#: Environment variable that overrides the bundled SoundFont.
SOUNDFONT_ENV = "MUSIGEN_SOUNDFONT"
#: Seconds rendered after the last bar so releases and the reverb ring out.
TAIL_SECONDS = 1.5
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
Voice = Callable[[int, int, float, int], np.ndarray]
#: Progress sink: (fraction done 0..1, what is happening).
Progress = Callable[[float, str], None]


class RenderCancelled(MusigenError):
    """A render was cancelled through its ``cancel`` event (nothing was written)."""

    status = 409
    kind = "render-cancelled"


@dataclass(frozen=True)
class RenderResult:
    """A rendered piece.

    ``audio`` is the mastered stereo mix, float32 shaped (2, samples); ``stems`` the
    calibrated, pre-mix stem of every part (same shape, read-only: they are shared
    with the stem cache).  ``loudness_lufs`` and ``true_peak_db`` are measured on
    ``audio`` (``-inf`` for silence).  :meth:`track_stems` gives the stems as mixed;
    ``stem_keys`` and ``cache`` (the render's) let it reuse the render's track processing.
    """

    audio: np.ndarray
    stems: dict[str, np.ndarray] = field(repr=False)
    sample_rate: int
    loudness_lufs: float
    true_peak_db: float
    arrangement: Arrangement = field(repr=False)
    mix: Mix = field(repr=False)
    stem_keys: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    cache: StemCache | None = field(default=None, repr=False, compare=False)

    @property
    def seconds(self) -> float:
        return self.audio.shape[1] / self.sample_rate

    def track_stems(self) -> dict[str, np.ndarray]:
        """One stem per part as it sounds in the mix (EQ, compression, fader, pan;
        silent when muted) plus the reverb return; they sum to the pre-master mix.
        Computed on demand: keeping them would double the memory of every render."""
        return mixer.track_stems(
            self.stems, self.arrangement, self.mix, self.sample_rate, keys=self.stem_keys, cache=self.cache
        )


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


def _soundfont_identity(soundfont: str | os.PathLike[str] | None) -> tuple[str, int, int]:
    """(resolved path, mtime in ns, size): names one version of the file."""
    path = resolve_soundfont(soundfont)
    st = path.stat()
    return str(path.resolve()), st.st_mtime_ns, st.st_size


def _load_synth(soundfont: str | os.PathLike[str] | None, sample_rate: int) -> NoteBank:
    return note_bank(*_soundfont_identity(soundfont), sample_rate)


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


def _note_table(part: Part) -> np.ndarray:
    """(start, duration, pitch, velocity) rows, int64, sorted so that the stem (and its
    cache key) does not depend on the order a composer appended the notes in."""
    if not part.notes:
        return np.zeros((0, 4), dtype=np.int64)
    table = np.array([(x.start, x.duration, x.pitch, x.velocity) for x in part.notes], dtype=np.int64)
    return table[np.lexsort(table.T[::-1])]


def _render_sf_part(synth: NoteBank, part: Part, notes: np.ndarray, arr: Arrangement, n: int) -> np.ndarray:
    """Assemble one part from the note bank into a (2, n) float32 stem."""
    sr = synth.sample_rate
    samples_per_tick = 60.0 * sr / (arr.tempo * arr.tpq)
    starts = np.rint(notes[:, 0] * samples_per_tick).astype(np.int64)
    holds = np.maximum(1, np.rint((notes[:, 0] + notes[:, 1]) * samples_per_tick).astype(np.int64) - starts)
    pitches = notes[:, 2]
    if part.is_drum:
        pitches = synth.drum_map(part.program)[pitches]
        holds = np.zeros_like(holds)
    keep = starts < n
    groups = np.stack([pitches, holds, notes[:, 3]], axis=1)[keep]
    starts = starts[keep]
    stem = np.zeros((2, n), dtype=np.float32)
    if not len(starts):
        return stem
    kinds, which = np.unique(groups, axis=0, return_inverse=True)
    which = which.reshape(-1)
    gains = (10.0 ** (velocity_gain_db(kinds[:, 2]) / 20.0)).astype(np.float32)
    for k, (pitch, hold, _velocity) in enumerate(kinds.tolist()):
        scaled = synth.note(part.program, part.is_drum, pitch, hold) * gains[k]
        for s in starts[which == k].tolist():
            e = min(n, s + scaled.shape[1])
            np.add(stem[:, s:e], scaled[:, : e - s], out=stem[:, s:e])
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


def calibration_gain_db(stem: np.ndarray, role: str, sample_rate: int) -> float:
    """Gain that brings ``stem`` to the reference level plus its role offset (0 for silence)."""
    rms = mixer.active_rms(stem, sample_rate)
    if rms <= 0.0:
        return 0.0
    target = REFERENCE_RMS_DBFS + ROLE_OFFSETS_DB.get(role, 0.0)
    gain = target - 20.0 * math.log10(rms)
    return max(-MAX_CALIBRATION_DB, min(MAX_CALIBRATION_DB, gain))


def _finish_stem(stem: np.ndarray, role: str, sample_rate: int) -> np.ndarray:
    """Calibrate the level and fade the end, in place."""
    gain_db = calibration_gain_db(stem, role, sample_rate)
    if gain_db:
        stem *= np.float32(10.0 ** (gain_db / 20.0))
    fade = mixer.end_fade(stem.shape[1], sample_rate)
    if len(fade):
        stem[:, stem.shape[1] - len(fade) :] *= fade
    return stem


def _part_key(part: Part, notes: np.ndarray, sf_identity: tuple[str, int, int], arr: Arrangement, sr: int) -> str:
    """Content key of a SoundFont-rendered stem (see :mod:`musigen_agent.stem_cache`)."""
    return stem_key(
        (
            RENDERER_VERSION,
            *sf_identity,
            sr,
            n_samples(arr, sr),
            arr.tempo,
            arr.tpq,
            part.program,
            part.is_drum,
            part.role,
            notes.tobytes(),
        )
    )


def render_stems(
    arr: Arrangement,
    soundfont: str | os.PathLike[str] | None = None,
    sample_rate: int = 44100,
    voices: Mapping[str, Voice] | None = None,
    *,
    cache: StemCache | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> dict[str, np.ndarray]:
    """One calibrated stereo float32 stem per part, keyed by part name, in part order.

    Every stem is exactly :func:`n_samples` long and sample-aligned with the others;
    an empty part gives a zero stem.  ``voices`` maps part names to procedural voices
    (from the ``instrument_voice`` hook, see :func:`voices_for`) that replace the
    SoundFont for those parts; their stems are not cached (a voice has no content key).

    ``cache`` re-uses stems rendered before from equal input.  ``progress`` is called
    after each stem; ``cancel`` is checked before each and raises
    :class:`RenderCancelled` once set.  Returned stems are read-only.
    """
    return _render_stems(arr, soundfont, sample_rate, voices, cache, progress, cancel)[0]


def _render_stems(
    arr: Arrangement,
    soundfont: str | os.PathLike[str] | None,
    sample_rate: int,
    voices: Mapping[str, Voice] | None,
    cache: StemCache | None,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """:func:`render_stems`, also returning the content key of every stem rendered with a
    cache (so the mixer can keep what it derives from them)."""
    sr = _check_rate(sample_rate)
    voices = voices or {}
    n = n_samples(arr, sr)
    sf_parts = [p for p in arr.parts if p.notes and p.name not in voices]
    sf_identity = _soundfont_identity(soundfont) if sf_parts else None
    synth: NoteBank | None = None
    stems: dict[str, np.ndarray] = {}
    keys: dict[str, str] = {}
    for i, part in enumerate(arr.parts):
        if cancel is not None and cancel.is_set():
            raise RenderCancelled(f"Render cancelled before part {part.name!r}.", field="cancel")
        how = "rendered"
        if not part.notes:
            stem = np.zeros((2, n), dtype=np.float32)
            how = "empty"
        elif part.name in voices:
            stem = _finish_stem(_render_voice_part(voices[part.name], part, arr, n, sr), part.role, sr)
        else:
            assert sf_identity is not None
            notes = _note_table(part)
            key = _part_key(part, notes, sf_identity, arr, sr) if cache is not None else ""
            cached = cache.get(key) if cache is not None else None
            if cached is not None:
                stem, how = cached, "cached"
            else:
                if synth is None:
                    synth = note_bank(*sf_identity, sr)
                stem = _finish_stem(_render_sf_part(synth, part, notes, arr, n), part.role, sr)
                if cache is not None:
                    stem = cache.put(key, stem)
            if cache is not None:
                keys[part.name] = key
        stem.flags.writeable = False
        stems[part.name] = stem
        if progress is not None:
            progress((i + 1) / len(arr.parts), f"stem {i + 1}/{len(arr.parts)}: {part.name} ({how})")
    return stems, keys


def _master_key(arr: Arrangement, settings: Mix, sample_rate: int, keys: Mapping[str, str]) -> str | None:
    """Content key of the mastered audio: every stem's key (so the notes, sounds and length),
    the mix and the rate.  None when a part has no key (a plugin voice): it cannot be kept."""
    if any(p.notes and p.name not in keys for p in arr.parts):
        return None
    stems = [(p.name, keys.get(p.name, "")) for p in arr.parts]
    return stem_key(("master", RENDERER_VERSION, sample_rate, repr(stems), settings.model_dump_json()))


def _recall_master(cache: StemCache | None, key: str | None) -> tuple[np.ndarray, float, float] | None:
    """(audio, loudness, true peak) of a master kept under ``key``, or None."""
    if cache is None or key is None:
        return None
    audio = cache.recall(key, "master")
    levels = cache.recall(f"{key}:levels", None) if audio is not None else None
    if audio is None or levels is None:
        return None
    return audio, float(levels[0]), float(levels[1])


def voices_for(arr: Arrangement, plugins: Plugins) -> dict[str, Voice]:
    """Procedural voices for the parts whose instrument a plugin voices.

    Asks the ``instrument_voice`` hook (first result wins) once per instrument; parts
    whose instrument is not in the catalogue, or that no plugin voices, keep the
    SoundFont.  A hook that raises or returns something not callable is a PluginError
    naming the instrument.
    """
    voices: dict[str, Voice] = {}
    asked: dict[str, Voice | None] = {}
    for part in arr.parts:
        instrument = plugins.catalog.instruments.get(part.instrument)
        if instrument is None:
            continue
        if part.instrument not in asked:
            try:
                voice = plugins.pm.hook.instrument_voice(instrument=instrument)
            except Exception as exc:  # third-party code: report, naming what was asked
                raise PluginError(
                    f"instrument_voice for {part.instrument!r} raised {type(exc).__name__}: {exc}", field="voices"
                ) from exc
            if voice is not None and not callable(voice):
                raise PluginError(
                    f"instrument_voice for {part.instrument!r} returned {type(voice).__name__}, not a callable",
                    field="voices",
                )
            asked[part.instrument] = voice
        if asked[part.instrument] is not None:
            voices[part.name] = asked[part.instrument]
    return voices


# --------------------------------------------------------------------------- render


def render(
    arr: Arrangement,
    mix: Mix | None = None,
    soundfont: str | os.PathLike[str] | None = None,
    sample_rate: int = 44100,
    voices: Mapping[str, Voice] | None = None,
    *,
    cache: StemCache | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> RenderResult:
    """Stems -> mixer (inserts, faders, pan, reverb bus) -> master.

    The audio lasts the piece plus :data:`TAIL_SECONDS`.  ``progress`` gets the
    stems' share (0-0.8) stem by stem, then the mix and the master; ``cancel`` is
    also checked before the mix and the master.
    """
    sr = _check_rate(sample_rate)
    settings = mix or Mix()

    def report(fraction: float, message: str) -> None:
        if progress is not None:
            progress(fraction, message)

    def check(stage: str) -> None:
        if cancel is not None and cancel.is_set():
            raise RenderCancelled(f"Render cancelled before {stage}.", field="cancel")

    stems, keys = _render_stems(arr, soundfont, sr, voices, cache, lambda f, m: report(0.8 * f, m), cancel)
    check("the mix")
    master_key = _master_key(arr, settings, sr, keys) if cache is not None else None
    kept = _recall_master(cache, master_key)
    if kept is not None:  # this very mix was mastered before: another format, or the same request again
        audio, loudness, peak_db = kept
        report(0.85, "mixed (kept)")
        report(1.0, "mastered (kept)")
    else:
        n = n_samples(arr, sr)
        if arr.parts:
            pre = mixer.premaster(stems, arr, settings, sr, keys=keys, cache=cache)
        else:
            pre = np.zeros((2, n), dtype=np.float32)
        report(0.85, "mixed")
        check("mastering")
        audio, loudness, peak_db = mastering.master_measured(
            pre,
            sr,
            settings.target_lufs,
            settings.true_peak_db,
            overwrite=True,  # the pre-master is ours
        )
        if cache is not None and master_key is not None:
            audio = cache.remember(master_key, audio)
            cache.remember(f"{master_key}:levels", np.array([loudness, peak_db], dtype=np.float32))
        report(1.0, "mastered")
    return RenderResult(
        audio=audio,
        stems=stems,
        sample_rate=sr,
        loudness_lufs=loudness,
        true_peak_db=peak_db,
        arrangement=arr,
        mix=settings,
        stem_keys=keys,
        cache=cache,
    )
