"""A compact REMI-like token scheme with conditioning, for melody and counter-melody lines.

A sequence is ``BOS GENRE MOOD TEMPO MODE METER INST VOICES`` (the conditioning
prefix) followed, bar by bar, by ``BAR SEC CHORD`` and the bar's notes, each note
``[POS] TRK PITCH DUR`` (POS only when the onset moves).  Why this shape is in
docs/neural.md; in short: pitches are transposed so the tonic is C (the model learns
scale degrees once for all 12 keys, and "in key" becomes a fixed mask), chords are
given per bar relative to the tonic (so generation can follow the theory composer's
harmony plan), times are 16th-note steps inside the bar (meter-aware, no drift), and
there are no velocity tokens (the corpus has one velocity; dynamics come from the mood).

Pure Python + numpy + symusic; no torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..theory import Chord

STEPS_PER_QUARTER = 4
MAX_BAR_STEPS = 24
GENRES = ("pop", "rock", "classical", "jazz", "electronic", "folk", "blues", "country", "reggae", "funk")
MOODS = ("happy", "sad", "energetic", "relaxed", "dramatic")
TEMPO_EDGES = (60, 70, 90, 110, 140, 160, 210)
METER_NAMES = ("2/4", "3/4", "4/4", "5/4", "6/8", "7/8", "9/8", "12/8")
#: Meters outside the spec's list, as (meter, time factor): 4/2 is read as 4/4 with every
#: duration halved, 3/8 as 3/4 doubled -- the same music on a grid the tokens cover.
METER_ALIASES = {
    "2/2": ("2/4", 0.5),
    "3/2": ("3/4", 0.5),
    "4/2": ("4/4", 0.5),
    "6/4": ("6/8", 0.5),
    "9/4": ("9/8", 0.5),
    "12/4": ("12/8", 0.5),
    "3/8": ("3/4", 2.0),
    "1/4": ("2/4", 1.0),
}
SECTIONS = ("start", "body", "end")
QUALITIES = ("maj", "min", "dim")
TRACKS = ("mel", "ctr")
PITCH_LOW, PITCH_HIGH = 24, 108
DURATIONS = (*range(1, 17), 20, 24, 32, 48)
#: Chord templates (root-relative pitch classes) for estimating a bar's chord.
TEMPLATES = {"maj": (0, 4, 7), "min": (0, 3, 7), "dim": (0, 3, 6)}


def _vocabulary() -> list[str]:
    words = ["PAD", "BOS", "EOS", "BAR"]
    words += [f"GENRE_{g}" for g in (*GENRES, "any")]
    words += [f"MOOD_{m}" for m in (*MOODS, "any")]
    words += [f"TEMPO_{i}" for i in range(len(TEMPO_EDGES) + 1)] + ["TEMPO_any"]
    words += ["MODE_major", "MODE_minor"]
    words += [f"METER_{m}" for m in METER_NAMES]
    words += [f"INST_{i}" for i in range(16)] + ["INST_any"]
    words += ["VOICES_1", "VOICES_2"]
    words += [f"SEC_{s}" for s in SECTIONS]
    words += [f"CHORD_{r}_{q}" for r in range(12) for q in QUALITIES] + ["CHORD_none"]
    words += [f"POS_{i}" for i in range(MAX_BAR_STEPS)]
    words += [f"TRK_{t}" for t in TRACKS]
    words += [f"PITCH_{p}" for p in range(PITCH_LOW, PITCH_HIGH + 1)]
    words += [f"DUR_{d}" for d in DURATIONS]
    return words


VOCAB: tuple[str, ...] = tuple(_vocabulary())
ID: dict[str, int] = {w: i for i, w in enumerate(VOCAB)}
PREFIX_FIELDS = ("GENRE", "MOOD", "TEMPO", "MODE", "METER", "INST", "VOICES")
#: Fields that may be replaced by their ``_any`` token in training (condition dropout), so
#: the model can be asked for a genre, mood, tempo or instrument it never saw.
DROPPABLE = ("GENRE", "MOOD", "TEMPO", "INST")


def ids_of(prefix: str) -> list[int]:
    """Ids of every token whose name starts with ``prefix`` (e.g. ``"PITCH_"``)."""
    return [i for i, w in enumerate(VOCAB) if w.startswith(prefix)]


def tempo_bin(bpm: float) -> int:
    return int(np.searchsorted(TEMPO_EDGES, bpm, side="right"))


def bar_steps(meter: str) -> int:
    num, den = (int(x) for x in meter.split("/"))
    return num * 4 * STEPS_PER_QUARTER // den


def duration_token(steps: int) -> int:
    """The DUR token nearest to ``steps`` (longer notes are capped at the longest token)."""
    best = min(DURATIONS, key=lambda d: (abs(d - steps), d))
    return ID[f"DUR_{best}"]


def mood_of(mode: str, onsets_per_second: float) -> str:
    """Label a piece's mood from mode and activity, for corpora with no mood labels.

    Mode carries the valence (major bright, minor dark) and the melody's note rate the
    arousal; the thresholds split the chorale/folk corpus into roughly even thirds.
    """
    if mode == "minor":
        return "dramatic" if onsets_per_second >= 2.6 else "sad"
    if onsets_per_second >= 3.2:
        return "energetic"
    return "happy" if onsets_per_second >= 1.9 else "relaxed"


def chord_token(chord: Chord | None, tonic: int) -> int:
    """CHORD token of a theory chord: root relative to the tonic, reduced to its triad."""
    if chord is None:
        return ID["CHORD_none"]
    if chord.quality in ("dim", "dim7", "m7b5"):
        quality = "dim"
    else:
        quality = "min" if chord.is_minor else "maj"
    return ID[f"CHORD_{(chord.root - tonic) % 12}_{quality}"]


def estimate_chord(weights: np.ndarray, bass_pc: int | None) -> tuple[int, str] | None:
    """Best triad for a bar's duration-weighted pitch-class histogram (None for an empty bar).

    Chord tones add, other tones subtract half, and a root in the bass breaks ties -- a
    plain template match that is right for most chorale and folk bars.
    """
    total = weights.sum()
    if total <= 0:
        return None
    best, best_score = None, -np.inf
    for root in range(12):
        for quality, tones in TEMPLATES.items():
            pcs = [(root + t) % 12 for t in tones]
            inside = weights[pcs].sum()
            score = inside - 0.5 * (total - inside) + (0.3 * total if bass_pc == root else 0.0)
            if quality == "dim":
                score -= 0.2 * total
            if score > best_score:
                best, best_score = (root, quality), score
    return best


@dataclass
class Piece:
    """One corpus file reduced to what the tokens describe (times in 16th steps, pitches transposed to C)."""

    genre: str
    mood: str
    tempo: float
    mode: str
    meter: str
    program: int
    bars: int
    chords: list[tuple[int, str] | None]
    voices: list[list[tuple[int, int, int]]] = field(default_factory=list)

    def condition(self, voices: int | None = None) -> dict[str, str]:
        return {
            "GENRE": self.genre if self.genre in GENRES else "any",
            "MOOD": self.mood,
            "TEMPO": str(tempo_bin(self.tempo)),
            "MODE": self.mode,
            "METER": self.meter,
            "INST": str(self.program // 8),
            "VOICES": str(voices or len(self.voices)),
        }


def prefix(condition: dict[str, str]) -> list[int]:
    """BOS and the conditioning tokens, in the fixed field order."""
    return [ID["BOS"]] + [ID[f"{f}_{condition[f]}"] for f in PREFIX_FIELDS]


def section_of(bar: int, bars: int) -> str:
    """Position in the form: the opening and closing phrases (up to 4 bars) are marked."""
    edge = min(4, bars // 4)
    if bar < edge:
        return "start"
    if bar >= bars - edge:
        return "end"
    return "body"


def _monophonic(notes: np.ndarray) -> list[tuple[int, int, int]]:
    """One note per onset (the highest), each cut at the next onset: a singable line."""
    out: list[tuple[int, int, int]] = []
    order = np.lexsort((-notes["pitch"], notes["time"]))
    for i in order:
        start, dur, pitch = int(notes["time"][i]), int(notes["duration"][i]), int(notes["pitch"][i])
        if out and out[-1][0] == start:
            continue
        if out and out[-1][0] + out[-1][1] > start:
            out[-1] = (out[-1][0], start - out[-1][0], out[-1][2])
        out.append((start, max(1, dur), pitch))
    return out


def load_piece(row: dict[str, Any], max_voices: int = 2) -> Piece | None:
    """Read an indexed file as a :class:`Piece` (None when its meter or key cannot be tokenised).

    The melody is the highest-sounding pitched track and the counter-melody the next one
    (soprano and alto in a chorale); only the first meter is used, up to the first change.
    """
    import symusic

    meter, factor = (row["meter"], 1.0) if row["meter"] in METER_NAMES else METER_ALIASES.get(row["meter"], ("", 0))
    if not meter or row["tonic"] is None:
        return None
    score = symusic.Score(row["path"])
    tpq = round(STEPS_PER_QUARTER * factor)
    score = score.resample(tpq, min_dur=1)
    ts = score.time_signatures
    stop = next((t.time for t in ts if (t.numerator, t.denominator) != (ts[0].numerator, ts[0].denominator)), None)
    tracks = []
    for t in score.tracks:
        if t.is_drum or not t.note_num():
            continue
        cols = t.notes.numpy()
        if stop is not None:
            cols = {k: v[cols["time"] < stop] for k, v in cols.items()}
        if len(cols["time"]):
            tracks.append((float(np.average(cols["pitch"], weights=cols["duration"])), t.program, cols))
    if not tracks:
        return None
    tracks.sort(key=lambda x: -x[0])
    shift = (-int(row["tonic"]) + 6) % 12 - 6
    steps = bar_steps(meter)
    end = max(int((c["time"] + c["duration"]).max()) for _, _, c in tracks)
    bars = -(-end // steps)
    hist = np.zeros((bars, 12))
    bass: list[tuple[int, int]] = [(10**9, 0)] * bars
    for _, _, c in tracks:
        for start, dur, pitch in zip(c["time"], c["duration"], c["pitch"], strict=True):
            bar = int(start) // steps
            hist[bar, (int(pitch) + shift) % 12] += int(dur)
            if (int(start) % steps, int(pitch)) < bass[bar]:
                bass[bar] = (int(start) % steps, int(pitch))
    chords = [estimate_chord(hist[b], (bass[b][1] + shift) % 12 if hist[b].any() else None) for b in range(bars)]
    voices = []
    for _, _, c in tracks[:max_voices]:
        line = [(s, d, p + shift) for s, d, p in _monophonic(c)]
        voices.append([(s, d, p) for s, d, p in line if PITCH_LOW <= p <= PITCH_HIGH])
    if len(voices) == 2 and len(voices[1]) < 0.4 * len(voices[0]):
        voices = voices[:1]  # an accompaniment of a few notes is no counter-melody
    quarters = max(1.0, end / STEPS_PER_QUARTER)
    rate = len(voices[0]) / quarters * float(row["tempo"]) / 60.0
    return Piece(
        genre=row["genre"],
        mood=mood_of(row["mode"], rate),
        tempo=float(row["tempo"]),
        mode=row["mode"],
        meter=meter,
        program=int(tracks[0][1]),
        bars=bars,
        chords=chords,
        voices=voices,
    )


def encode_bars(piece: Piece, voices: int | None = None) -> tuple[list[int], list[int]]:
    """Body tokens of ``piece`` (no prefix) and the offset of every BAR token, for windowing."""
    steps = bar_steps(piece.meter)
    used = piece.voices[: voices or len(piece.voices)]
    events = sorted((s, v, d, p) for v, line in enumerate(used) for s, d, p in line)
    tokens: list[int] = []
    offsets: list[int] = []
    k = 0
    for bar in range(piece.bars):
        offsets.append(len(tokens))
        chord = piece.chords[bar]
        tokens += [ID["BAR"], ID[f"SEC_{section_of(bar, piece.bars)}"]]
        tokens.append(ID[f"CHORD_{chord[0]}_{chord[1]}"] if chord else ID["CHORD_none"])
        last_pos = -1
        while k < len(events) and events[k][0] < (bar + 1) * steps:
            start, voice, dur, pitch = events[k]
            pos = start - bar * steps
            if pos != last_pos:
                tokens.append(ID[f"POS_{pos}"])
                last_pos = pos
            tokens += [ID[f"TRK_{TRACKS[voice]}"], ID[f"PITCH_{pitch}"], duration_token(dur)]
            k += 1
    tokens.append(ID["EOS"])
    return tokens, offsets


def decode(tokens: list[int], meter: str) -> list[list[tuple[int, int, int]]]:
    """Notes (start step, duration steps, transposed pitch) per track from body tokens."""
    steps = bar_steps(meter)
    out: list[list[tuple[int, int, int]]] = [[] for _ in TRACKS]
    bar, pos, track, pitch = -1, 0, 0, None
    for t in tokens:
        word = VOCAB[t]
        kind, _, value = word.partition("_")
        if kind == "BAR":
            bar, pos = bar + 1, 0
        elif kind == "POS":
            pos = int(value)
        elif kind == "TRK":
            track = TRACKS.index(value)
        elif kind == "PITCH":
            pitch = int(value)
        elif kind == "DUR" and pitch is not None:
            out[track].append((max(bar, 0) * steps + pos, int(value), pitch))
            pitch = None
    return out
