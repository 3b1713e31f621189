"""Music theory helpers: pitch names, scales, chord symbols, roman numerals, drums.

Pure functions over small integers (MIDI pitches, pitch classes); no randomness and
no I/O, so every composer and parser can lean on them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

PITCH_CLASSES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
SCALES = {
    "major": (0, 2, 4, 5, 7, 9, 11),
    "minor": (0, 2, 3, 5, 7, 8, 10),
}
#: Keys spelled with sharps (tonic, mode); every other key, C major included, uses flats
#: (Bb and Eb read better than A# and D# in C).
SHARP_KEYS = {
    ("G", "major"),
    ("D", "major"),
    ("A", "major"),
    ("E", "major"),
    ("B", "major"),
    ("F#", "major"),
    ("C#", "major"),
    ("E", "minor"),
    ("B", "minor"),
    ("F#", "minor"),
    ("C#", "minor"),
    ("G#", "minor"),
    ("D#", "minor"),
    ("A#", "minor"),
}

#: Chord quality suffix -> semitones above the root.
CHORD_INTERVALS: dict[str, tuple[int, ...]] = {
    "": (0, 4, 7),
    "m": (0, 3, 7),
    "dim": (0, 3, 6),
    "aug": (0, 4, 8),
    "5": (0, 7),
    "sus2": (0, 2, 7),
    "sus4": (0, 5, 7),
    "6": (0, 4, 7, 9),
    "m6": (0, 3, 7, 9),
    "7": (0, 4, 7, 10),
    "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10),
    "mmaj7": (0, 3, 7, 11),
    "m7b5": (0, 3, 6, 10),
    "dim7": (0, 3, 6, 9),
    "7sus4": (0, 5, 7, 10),
    "add9": (0, 4, 7, 14),
    "madd9": (0, 3, 7, 14),
    "9": (0, 4, 7, 10, 14),
    "m9": (0, 3, 7, 10, 14),
    "maj9": (0, 4, 7, 11, 14),
    "13": (0, 4, 7, 10, 14, 21),
}
QUALITY_ALIASES = {
    "maj": "",
    "M": "",
    "major": "",
    "min": "m",
    "-": "m",
    "minor": "m",
    "mi": "m",
    "M7": "maj7",
    "Maj7": "maj7",
    "Δ": "maj7",
    "Δ7": "maj7",
    "ma7": "maj7",
    "min7": "m7",
    "-7": "m7",
    "mi7": "m7",
    "ø": "m7b5",
    "ø7": "m7b5",
    "-7b5": "m7b5",
    "°": "dim",
    "o": "dim",
    "°7": "dim7",
    "o7": "dim7",
    "+": "aug",
    "dom7": "7",
    "min6": "m6",
    "-6": "m6",
    "sus": "sus4",
    "mM7": "mmaj7",
    "add2": "add9",
    "madd2": "madd9",
    "min9": "m9",
    "-9": "m9",
    "M9": "maj9",
    "Maj9": "maj9",
}

CHORD_RE = re.compile(r"^([A-Ga-g])([#b♯♭]?)([^/]*)(?:/([A-Ga-g][#b♯♭]?))?$")
ROMAN_RE = re.compile(r"^([b#♭♯]?)(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)([^/]*)$")
ROMAN_DEGREES = {"i": 0, "ii": 1, "iii": 2, "iv": 3, "v": 4, "vi": 5, "vii": 6}
#: Diatonic triad and seventh qualities of natural minor, by degree.
MINOR_TRIADS = ("m", "dim", "", "m", "m", "", "")
MINOR_SEVENTHS = ("m7", "m7b5", "maj7", "m7", "m7", "maj7", "7")

#: General MIDI percussion key numbers by name.
DRUMS: dict[str, int] = {
    "kick": 36,
    "side_stick": 37,
    "snare": 38,
    "clap": 39,
    "snare_2": 40,
    "low_tom": 45,
    "closed_hat": 42,
    "pedal_hat": 44,
    "open_hat": 46,
    "mid_tom": 47,
    "high_tom": 50,
    "crash": 49,
    "ride": 51,
    "ride_bell": 53,
    "tambourine": 54,
    "splash": 55,
    "cowbell": 56,
    "bongo_high": 60,
    "bongo_low": 61,
    "conga_mute": 62,
    "conga_high": 63,
    "conga_low": 64,
    "timbale_high": 65,
    "timbale_low": 66,
    "agogo": 67,
    "cabasa": 69,
    "shaker": 70,
    "claves": 75,
    "woodblock": 76,
    "triangle": 81,
}

DYNAMICS_VELOCITY = {"pp": 42, "p": 56, "mp": 70, "mf": 84, "f": 98, "ff": 112}
#: Articulation -> (fraction of the written length that sounds, velocity accent on strong beats).
ARTICULATION = {
    "staccato": (0.5, 4),
    "legato": (1.0, 0),
    "tenuto": (0.95, 2),
    "marcato": (0.75, 12),
    "sforzando": (0.85, 18),
}


@dataclass(frozen=True)
class Chord:
    """A parsed chord: root pitch class, quality suffix and optional bass pitch class."""

    root: int
    quality: str
    bass: int | None = None

    @property
    def pitch_classes(self) -> tuple[int, ...]:
        return tuple(sorted({(self.root + i) % 12 for i in CHORD_INTERVALS[self.quality]}))

    @property
    def intervals(self) -> tuple[int, ...]:
        return CHORD_INTERVALS[self.quality]

    @property
    def is_minor(self) -> bool:
        return 3 in self.intervals and 4 not in self.intervals


def pitch_class(name: str) -> int:
    """'F#' -> 6, 'Bb' -> 10, 'cb' -> 11."""
    name = name.strip().replace("♯", "#").replace("♭", "b")
    pc = PITCH_CLASSES[name[0].upper()]
    for ch in name[1:]:
        pc += 1 if ch == "#" else -1 if ch == "b" else 0
    return pc % 12


def uses_flats(tonic: str, mode: str) -> bool:
    return (tonic, mode) not in SHARP_KEYS


def note_name(pc: int, flats: bool) -> str:
    return (FLAT_NAMES if flats else SHARP_NAMES)[pc % 12]


def scale_pcs(tonic: str, mode: str) -> tuple[int, ...]:
    """Pitch classes of the key's scale, tonic first."""
    t = pitch_class(tonic)
    return tuple((t + i) % 12 for i in SCALES[mode])


def relative_key(tonic: str, mode: str) -> tuple[str, str]:
    """C major -> (A, minor); A minor -> (C, major)."""
    t = pitch_class(tonic)
    if mode == "major":
        pc, other = (t + 9) % 12, "minor"
    else:
        pc, other = (t + 3) % 12, "major"
    return note_name(pc, uses_flats(tonic, mode)), other


def normalise_quality(q: str) -> str:
    q = q.strip()
    if q in CHORD_INTERVALS:
        return q
    if q in QUALITY_ALIASES:
        return QUALITY_ALIASES[q]
    raise ValueError(f"unknown chord quality {q!r}; known: {', '.join(k or 'major' for k in CHORD_INTERVALS)}")


def parse_chord(symbol: str) -> Chord:
    """Parse 'F#m7', 'Bbmaj7', 'G6', 'C/E', 'Dø'.  Raises ValueError naming the symbol."""
    m = CHORD_RE.match(symbol.strip())
    if not m:
        raise ValueError(f"not a chord symbol: {symbol!r} (examples: C, Am, G7, Fmaj7, Bbm7b5, D/F#)")
    letter, acc, quality, bass = m.groups()
    root = pitch_class(letter.upper() + acc)
    return Chord(root, normalise_quality(quality), pitch_class(bass) if bass else None)


def chord_symbol(chord: Chord, flats: bool) -> str:
    text = note_name(chord.root, flats) + chord.quality
    if chord.bass is not None and chord.bass != chord.root:
        text += "/" + note_name(chord.bass, flats)
    return text


def roman_to_chord(numeral: str, tonic: str, mode: str) -> Chord:
    """Turn a roman numeral into a chord in a key.

    Numerals are written as in a major key (upper case = major, lower = minor,
    ``°``/``ø`` diminished, suffixes such as 7, maj7, 6, sus4).  In a minor key each
    degree takes its natural-minor quality, except a major ``V`` which stays major (the
    harmonic-minor dominant), so one progression serves both modes.  Accidentals
    (``bVII``) are relative to the major scale of the tonic.
    """
    m = ROMAN_RE.match(numeral.strip())
    if not m:
        raise ValueError(f"not a roman numeral: {numeral!r} (examples: I, ii7, V7, bVII, vi, iiø7)")
    acc, roman, suffix = m.groups()
    degree = ROMAN_DEGREES[roman.lower()]
    t = pitch_class(tonic)
    if acc:
        root = (t + SCALES["major"][degree] + (-1 if acc in "b♭" else 1)) % 12
    else:
        root = (t + SCALES[mode][degree]) % 12
    upper = roman.isupper()
    suffix = suffix.replace("o", "°")
    seventh = "7" in suffix or "9" in suffix
    if mode == "minor" and not acc and not (degree == 4 and upper):
        triad = MINOR_TRIADS[degree]
        if seventh:
            quality = MINOR_SEVENTHS[degree]
        elif suffix in ("sus4", "sus2", "5"):
            quality = suffix
        elif suffix in ("6", "add9") and triad in ("", "m"):
            quality = normalise_quality(triad + suffix)
        else:
            quality = triad
    elif suffix.startswith(("°", "ø")):
        quality = "m7b5" if suffix.startswith("ø") else ("dim7" if "7" in suffix else "dim")
    elif upper:
        quality = normalise_quality(suffix)
    else:
        quality = {"": "m", "7": "m7", "9": "m9", "6": "m6", "add9": "madd9"}.get(suffix) or normalise_quality(suffix)
    return Chord(root, quality)


def colour(chord: Chord, palette: tuple[str, ...], scale: tuple[int, ...] | None = None) -> Chord:
    """Enrich a plain triad with the mood's or genre's preferred colour (7ths, add9...).

    Only plain major/minor triads change; an explicit seventh, sus or diminished chord
    is kept as written.  The first palette entry that fits the triad's third wins ("" or
    "m" in the palette means "keep the plain triad"), and with a ``scale`` a colour is
    used only if its added notes are in the key (Dmaj7 in D, but not Amaj7 in D).
    """
    if chord.quality not in ("", "m"):
        return chord
    fits = {"": ("", "maj7", "6", "add9", "maj9", "sus4", "sus2"), "m": ("m", "m7", "m9", "m6", "madd9")}
    for q in palette:
        if q not in fits[chord.quality]:
            continue
        candidate = Chord(chord.root, q, chord.bass)
        if scale is None or set(candidate.pitch_classes) <= set(scale):
            return candidate
    return chord


def nearest_in_range(pc: int, target: int, low: int, high: int) -> int:
    """The pitch with class ``pc`` closest to ``target`` inside [low, high]."""
    best = None
    for p in range(low, high + 1):
        if p % 12 == pc % 12 and (best is None or abs(p - target) < abs(best - target)):
            best = p
    if best is None:
        raise ValueError(f"pitch class {pc} does not fit range {low}-{high}")
    return best


def fit_range(pitch: int, low: int, high: int) -> int:
    """Move ``pitch`` by octaves into [low, high] (clamping if the range is < 1 octave)."""
    while pitch < low:
        pitch += 12
    while pitch > high:
        pitch -= 12
    return max(low, min(high, pitch))


def voice_chord(chord: Chord, centre: int, low: int, high: int, previous: list[int] | None = None) -> list[int]:
    """Close-position voicing of ``chord`` in [low, high], led smoothly from ``previous``.

    Tries every inversion at every octave and keeps the one whose notes move least
    from the previous voicing (common tones stay, the rest step), with a pull towards
    ``centre`` so the part does not drift out of its register over a long progression.
    Progressions repeat, so the answers are memoised (the search is most of the time
    a comping part takes to write).
    """
    return list(_voicing(chord, centre, low, high, tuple(previous) if previous else None))


@functools.lru_cache(maxsize=4096)
def _voicing(chord: Chord, centre: int, low: int, high: int, previous: tuple[int, ...] | None) -> tuple[int, ...]:
    """:func:`voice_chord`, on hashable arguments."""
    pcs = list(dict.fromkeys((chord.root + i) % 12 for i in chord.intervals))
    candidates = []
    for inv in range(len(pcs)):
        order = pcs[inv:] + pcs[:inv]
        for bottom in range(low, high + 1):
            if bottom % 12 != order[0]:
                continue
            voicing = [bottom]
            for pc in order[1:]:
                voicing.append(voicing[-1] + ((pc - voicing[-1]) % 12 or 12))
            if voicing[-1] <= high:
                candidates.append(voicing)
    if not candidates:
        return tuple(sorted({nearest_in_range(pc, centre, low, high) for pc in pcs}))

    def cost(v: list[int]) -> tuple[float, int]:
        pull = abs(sum(v) / len(v) - centre) * 0.5
        moves = sum(min(abs(p - q) for q in previous) for p in v) if previous else 0
        return (moves + pull, v[0])

    return tuple(min(candidates, key=cost))
