"""Chord progressions stated in words: "the harmony circles Gm, Eb, Cm and D7", "a ii–V–I".

A capital letter is also an article ("A brooding cue") and "I" a pronoun, so a run
of chord symbols only counts as a progression when the words say so (a trigger such
as "chords", "progression", "harmony circles", "revolves around" before it, or
"progression", "changes", "vamp" after it) or when it could not be anything else
(three or more chords with at least one quality or accidental, four or more plain
ones, roman numerals joined by dashes).  After a trigger, lower-case chords count
too ("chords am f c g").  A section word just before ("verse: Am F C G") ties the
progression to that section.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .theory import (
    CHORD_INTERVALS,
    QUALITY_ALIASES,
    SCALES,
    Chord,
    chord_symbol,
    note_name,
    parse_chord,
    pitch_class,
    roman_to_chord,
    uses_flats,
)
from .vocabulary import SECTION_WORDS

MAX_CHORDS = 16
#: Quality spellings recognised in prose; '-' (minor), 'o' and 'M' alone are left out: they read as dashes and words.
_QUALITIES = sorted(
    {q for q in (*CHORD_INTERVALS, *QUALITY_ALIASES) if q and not q.startswith("-") and q not in ("o", "o7", "M", "mi")}
    - {"major", "minor", "mi7"},
    key=len,
    reverse=True,
)
_QUALITY = "|".join(map(re.escape, _QUALITIES))
_NOT_KEY = r"(?!\s*-?\s*(?:major|minor|maj\b|min\b|sharp|flat|dorian|mixolydian|lydian|phrygian|aeolian|locrian))"
_END = r"(?![\w#♯♭+°ø])"
CHORD_RE = re.compile(rf"(?<![\w#♯♭/])([A-Ga-g])([#♯b♭]?)({_QUALITY})?(?:/([A-Ga-g][#♯b♭]?))?{_END}{_NOT_KEY}")
ROMAN_RE = re.compile(
    r"(?<![\w#♯♭])([b#♭♯]?)(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)([°ø+]|o(?=7|$|\W))?"
    r"(maj7|maj9|7|9|6|sus4|sus2|add9)?(?![\w#♯♭])"
)
#: Between two chords of one progression.
SEPARATOR = re.compile(r"\s*(?:,|;|–|—|->|→|=>|>|\||/|-|\+)?\s*(?:(?:and|then|to|into|back\s+to|&|or)\s+)?", re.I)
DASHED = re.compile(r"\s*(?:–|—|->|→|=>|-|,)\s*")
TRIGGER_BEFORE = re.compile(
    r"(?P<t>\b(?:chords?|chord\s+progression|progression|changes|harmony|harmonies|harmonic\s+\w+|vamps?(?:\s+on)?|"
    r"revolv\w*\s+around|circl\w*|cycl\w*(?:\s+through)?|loop\w*(?:\s+over)?|alternat\w*(?:\s+between)?|"
    r"mov\w*\s+through|built\s+on|based\s+on|sequence|turnaround|goes|go|over|between))\b[^.;!?\n]{0,24}$",
    re.I,
)
TRIGGER_AFTER = re.compile(r"\W{0,3}(?:chords?|progression|changes|vamp|turnaround|loop|cadence|sequence)\b", re.I)
SECTION_WORD = re.compile(
    r"\b(?P<s>" + "|".join(sorted(map(re.escape, SECTION_WORDS), key=len, reverse=True)) + r")s?\b", re.I
)


@dataclass
class Progression:
    """A stated progression: chord symbols (or roman numerals), where it was, which section it names."""

    symbols: list[str]
    roman: bool
    start: int
    end: int
    words: str
    section: str | None = None


def find(orig: str, free: Callable[[int, int], bool]) -> list[Progression]:
    """Every progression in ``orig`` (the prompt as written) on unclaimed characters, in text order."""
    found = _groups(orig, ROMAN_RE, True, free) + _groups(orig, CHORD_RE, False, free)
    found.sort(key=lambda p: p.start)
    kept: list[Progression] = []
    for p in found:
        if not kept or p.start >= kept[-1].end:
            kept.append(p)
    return kept


def _groups(text: str, rx: re.Pattern[str], roman: bool, free: Callable[[int, int], bool]) -> list[Progression]:
    matches = [m for m in rx.finditer(text) if free(*m.span())]
    runs: list[list[re.Match[str]]] = []
    for m in matches:
        if runs and SEPARATOR.fullmatch(text, runs[-1][-1].end(), m.start()):
            runs[-1].append(m)
        else:
            runs.append([m])
    out = []
    for run in runs:
        progression = _accept(text, run, roman)
        if progression is not None:
            out.append(progression)
    return out


def _accept(text: str, run: list[re.Match[str]], roman: bool) -> Progression | None:
    """A run of chord-like tokens that the context says is a progression, trimmed to what it allows."""
    start, end = run[0].start(), run[-1].end()
    before = TRIGGER_BEFORE.search(text, max(0, start - 60), start)
    after = TRIGGER_AFTER.match(text, end)
    if not roman:
        if any(m.group(1).isupper() for m in run):  # 'over a Dm7 vamp', 'F#m, D, A, E and a snare': articles
            while run[0].group(1).islower():
                run = run[1:]
            while run[-1].group(1).islower():
                run = run[:-1]
            if any(m.group(1).islower() for m in run):
                return None
        elif not before or start - before.end("t") > 12:  # lower case only right after a trigger
            return None
        decorated = sum(1 for m in run if m.group(2) or m.group(3) or m.group(4))
        ok = bool(before or after) and (len(run) >= 2 or decorated) or (len(run) >= 3 and decorated) or len(run) >= 4
    else:
        dashed = len(run) >= 2 and all(
            DASHED.fullmatch(text, a.end(), b.start()) for a, b in zip(run, run[1:], strict=False)
        )
        ok = dashed or (bool(before or after) and len(run) >= 2)
    if not ok:
        return None
    try:
        symbols = [m.group() if roman else _symbol(m) for m in run][:MAX_CHORDS]
        if roman:
            for s in symbols:
                roman_to_chord(s, "C", "major")
    except ValueError:
        return None
    start = before.start("t") if before else run[0].start()
    end = after.end() if after else run[-1].end()
    tags = [
        m
        for m in SECTION_WORD.finditer(text, max(0, start - 30), start)
        if start - m.end() <= 20 and not re.search(r"[,.;!?\n]", text[m.end() : start])
    ]
    tag = tags[-1] if tags else None
    section = SECTION_WORDS.get(tag["s"].lower()) if tag else None
    if tag:
        start = tag.start()
    return Progression(symbols, roman, start, end, text[start:end].strip(), section)


def _symbol(m: re.Match[str]) -> str:
    """The chord as a canonical symbol with the writer's spelling of the root: 'bbmin7' -> 'Bbm7'."""
    root = m.group(1).upper() + m.group(2).replace("♯", "#").replace("♭", "b")
    chord = parse_chord(root + (m.group(3) or ""))  # raises ValueError for a quality it cannot play
    bass = m.group(4)
    text = root + chord.quality
    if bass:
        text += "/" + bass[0].upper() + bass[1:].replace("♯", "#").replace("♭", "b")
        parse_chord(text)
    return text


def roman_mode(numerals: list[str]) -> str | None:
    """'minor' when the tonic numeral is written lower case (i, i7), 'major' for I, else None."""
    for n in numerals:
        m = ROMAN_RE.fullmatch(n)
        if m and not m.group(1) and m.group(2) in ("i", "I"):
            return "minor" if m.group(2) == "i" else "major"
    return None


def resolve(numerals: list[str], key: str, mode: str) -> list[str]:
    """Roman numerals as chord symbols in ``key`` ('ii7', 'V7', 'I' in Bb -> Cm7, F7, Bb)."""
    flats = uses_flats(key, mode)
    return [chord_symbol(roman_to_chord(n, key, mode), flats) for n in numerals]


def implied_key(symbols: list[str], tonic: str | None = None, mode: str | None = None) -> tuple[str, str]:
    """The key a progression is in, keeping a tonic or mode the words already gave.

    Each key scores the share of chords that lie wholly in its scale and, less, how much
    of every chord does (minor keys allow the raised seventh, so D7 sits in G minor),
    plus bonuses when the first chord is the key's tonic chord, the last is, or it
    appears at all: 'Am, F, C, G' is A minor, 'G6 and D6' is G major, 'Dm7 G7 Cmaj7' C major.
    """
    chords = [parse_chord(s) for s in symbols]
    tonics = [pitch_class(tonic)] if tonic else range(12)
    modes = [mode] if mode else ["major", "minor"]
    best: tuple[float, int, str] | None = None
    for m in modes:
        for t in tonics:
            score = _fit(chords, t, m)
            if best is None or score > best[0] + 1e-9:
                best = (score, t, m)
    assert best is not None
    _, pc, m = best
    if tonic:
        return tonic, m
    roots = [ROOT.match(s).group() for s in symbols]  # type: ignore[union-attr]
    spelled = next((r for r in roots if pitch_class(r) == pc), None)
    sharp = note_name(pc, flats=False)
    return spelled or (sharp if not uses_flats(sharp, m) else note_name(pc, flats=True)), m


ROOT = re.compile(r"[A-G][#b]?")


def _fit(chords: list[Chord], tonic: int, mode: str) -> float:
    scale = {(tonic + i) % 12 for i in SCALES[mode]} | ({(tonic + 11) % 12} if mode == "minor" else set())
    inside = sum(len(set(c.pitch_classes) & scale) / len(c.pitch_classes) for c in chords) / len(chords)

    def is_tonic(c: Chord) -> bool:
        return c.root == tonic and c.is_minor == (mode == "minor")

    whole = sum(set(c.pitch_classes) <= scale for c in chords) / len(chords)
    bonus = 0.3 * is_tonic(chords[0]) + 0.2 * is_tonic(chords[-1]) + 0.1 * any(map(is_tonic, chords))
    return whole + 0.5 * inside + bonus
