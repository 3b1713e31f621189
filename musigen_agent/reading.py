"""Reading a prompt: what the words state, field by field, before anything is decided.

Deterministic and offline.  Numbers with units, key names, meters, chord
progressions and the lexicon's phrases (catalogue names and synonyms, style words,
ensembles) are found with regular expressions and a token scanner, each claiming the
characters it used so one word never sets two fields; what is left over is reported
as ignored.  Order matters where readings compete: 'beats per minute' is a tempo
before 'beats' can be drums, 'swing feel' a feel before 'swing' can be jazz,
'12-bar blues' a genre before '12-bar' can be a length, 'Gm, Eb, Cm' chords before
'Gm' can be a key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from . import chord_words, planning
from .catalog import Catalog
from .chord_words import Progression
from .lexicon import Meaning, compact, lexicon
from .planning import ACCIDENTAL, LENGTH_RES, normalise_tonic, number
from .spec import METERS, TEMPO_RANGE
from .vocabulary import (
    CHURCH_MODES,
    DESCRIPTIVE_NOUNS,
    FEEL_WORDS,
    GENERIC_INSTRUMENT_WORDS,
    LENGTH_WORDS,
    LEVEL_WORDS,
    METER_WORDS,
    SECTION_WORDS,
    STOPWORDS,
    TEMPO_WORDS,
    Style,
)

MAX_MOODS = 3
Source = Literal["stated", "implied", "default", "argument"]


@dataclass
class Choice:
    """Why a field has its value: where it came from and which words set it."""

    value: Any
    source: Source
    words: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Named:
    """An instrument the words name: how many, whether the word names only a family ('guitar'),
    and whether it stands right before a genre word ('organ rock', 'tenor sax ballad': add it
    to that band)."""

    name: str
    words: str
    count: int = 1
    generic: bool = False
    featured: bool = False
    semantic: bool = False
    #: Level in the first mix set by a word before it ('soft drums': -6 dB), and those words.
    level_db: float = 0.0
    level_words: str = ""


@dataclass
class Heard:
    """What the words said, field by field (only what was actually found)."""

    choices: dict[str, Choice] = field(default_factory=dict)
    instruments: list[Named] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)
    tempo_word: Choice | None = None
    half_time: str = ""
    #: The first style word that names a genre ('lo-fi hip hop'): its moods, tempo, swing, meter and band are implied.
    style: tuple[Style, str] | None = None
    #: A genre the words hint at without naming one ('cinematic', 'string quartet'), with its band.
    hint: tuple[Choice, tuple[str, ...]] | None = None
    #: Moods implied by a style word that names a genre ('lo-fi' -> relaxed), used when no mood is named.
    implied_moods: Choice | None = None
    progressions: list[Progression] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


class Text:
    """The prompt with a claim mask: each reader takes characters so no word counts twice."""

    def __init__(self, text: str) -> None:
        self.low = text.lower()
        self.orig = text if len(self.low) == len(text) else self.low
        self.used = bytearray(len(self.low))

    def free(self, a: int, b: int) -> bool:
        return not any(self.used[a:b])

    def take(self, a: int, b: int) -> str:
        self.used[a:b] = b"\x01" * (b - a)
        return self.orig[a:b].strip()

    def matches(self, rx: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Matches touching no claimed character, checked as iteration goes (claims made meanwhile count)."""
        return (m for m in rx.finditer(self.low) if self.free(*m.span()))

    def leftover(self) -> list[str]:
        """Unclaimed words that are not stop-words, once each, as written."""
        words: list[str] = []
        for m in re.finditer(r"[^\W_]+(?:['’][^\W_]+)?", self.low):
            word = self.orig[m.start() : m.end()]
            if self.free(*m.span()) and m.group() not in STOPWORDS and word not in words:
                words.append(word)
        return words


_BPM = r"(?:bpm|beats\s*(?:per|a|/)\s*min(?:ute)?)\b"
TEMPO_RES = (
    re.compile(rf"(?<![\w.])(?P<a>\d{{1,4}})\s*(?:-|–|to)\s*(?P<b>\d{{1,4}})\s*{_BPM}"),
    re.compile(rf"(?<![\w.])(?P<n>\d{{1,4}}(?:\.\d+)?)\s*-?\s*{_BPM}"),
    re.compile(r"\b(?:bpm|tempo)\s*(?:[:=]|of|at|is|around|about)?\s*(?:of\s+|at\s+)?(?P<n>\d{1,4})(?![\d/:])"),
    re.compile(r"(?:♩|\bq|\bquarter|\bcrotchet)\s*=\s*(?P<n>\d{1,4})\b"),
    re.compile(r"\bat\s+(?P<n>\d{2,3})(?![\d.:/%])(?!\s*(?:-|x\b|bars?|measures?|min|sec|s\b|m\b|h\b|hours?|hrs?))"),
)
_MODES = "major|minor|maj\\b|min\\b|" + "|".join(CHURCH_MODES)
KEY_RES = (
    re.compile(rf"(?<![\w#])(?P<l>[a-g]){ACCIDENTAL}?(?:\s*-?\s*(?P<mode>{_MODES})|(?P<m>m)\b)(?:\s+(?:key|mode))?"),
    re.compile(rf"\b(?P<pre>in(?:\s+the\s+key\s+of)?|key\s+of|key\s*:?)\s+(?P<l>[a-g]){ACCIDENTAL}?(?![\w#♯♭'-])"),
)
MODE_RE = re.compile(r"\b(?P<mode>major|minor)(?:\s+(?:key|mode|tonality))?\b")
METER_RE = re.compile(r"(?<![\d/])(?P<a>\d{1,2})\s*/\s*(?P<b>\d{1,2})(?![\d/])(?:\s*(?:time|meter|metre))?")
_TIME_UNIT = r"(?:\s*(?:minutes?|mins?|seconds?|secs?|bars?|measures?|hours?|bpm|[/:.]|s\b|m\b))"
METER_WORD_RE = re.compile(
    rf"(?<!\w)(?:{'|'.join(sorted(map(re.escape, METER_WORDS), key=len, reverse=True))})(?![\w/])(?!{_TIME_UNIT})"
)
FEEL_RE = re.compile(r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, FEEL_WORDS), key=len, reverse=True)) + r")(?!\w)")
TEMPO_WORD_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, TEMPO_WORDS), key=len, reverse=True)) + r")(?![\w-])"
)
HALF_TIME_RE = re.compile(r"\bhalf[\s-]?time\b")
LENGTH_WORD_RE = re.compile(
    r"\b(?:very\s+)?(?:short|brief|long|jingle|sting|stinger)\b(?!\s+(?:intro|outro|verse|chorus|bridge))"
)
DECADE_AFTER = re.compile(r"\s*-?\s*(?:style|vibes?|sound|era|retro|inspired|throwback|nostalgia)\b")
SECTION_RE = re.compile(
    r"(?:\b(?P<n>\d|one|two|three|four|five|six|a|an)\s+)?(?<!\w)(?P<w>"
    + "|".join(re.sub(r"\\[ -]", r"[\\s-]?", re.escape(w)) for w in sorted(SECTION_WORDS, key=len, reverse=True))
    + r")(?P<pl>e?s)?(?!\w)(?:\s*[x×]\s*(?P<k>\d))?(?:\s+(?P<t>twice|three times))?"
)
SECTION_FOLLOWS = re.compile(rf"\s+(?:{'|'.join(map(re.escape, SECTION_WORDS))})s?$")
SECTION_LOOKUP = {compact(w): name for w, name in SECTION_WORDS.items()}
TITLE_RE = re.compile(r"\b(?:titled|called|named|title)\s*[:=]?\s*[\"“'‘](?P<t>[^\"”'’]{1,200})[\"”'’]")
EXCLUDE_BEFORE = re.compile(
    r"(?:\b(?:no|without|minus|except(?:\s+for)?|sans|not|drop|remove|excluding|skip|lose|leave\s+out)|w/o)"
    r"\s+(?:the\s+|any\s+|a\s+|an\s+)?$"
)
OR_BETWEEN = re.compile(r"\s*,?\s*(?:or|nor)\s+(?:the\s+|any\s+)?")
COUNT_BEFORE = re.compile(r"(?<![\w.])(two|three|four|2|3|4)\s+$")
LEVEL_BEFORE = re.compile(rf"(?<![\w-])({'|'.join(map(re.escape, LEVEL_WORDS))})\s+$")
ARTICLE_BEFORE = re.compile(r"\b(?:a|an|the)\s+(?:[\w-]+\s+){0,2}$")
LESS_RE = re.compile(r"(?<!\w)([a-z]+?)-?less(?!\w)")


def read(text: str, catalog: Catalog) -> Heard:
    """Everything the words state, each reader claiming its characters; the rest is ignored."""
    t, heard = Text(text), Heard()
    c = heard.choices
    for m in t.matches(TITLE_RE):
        t.take(*m.span())
        c["title"] = Choice(t.orig[m.start("t") : m.end("t")].strip(), "stated", [m["t"]])
    for m in (m for rx in TEMPO_RES for m in t.matches(rx)):
        bpm = round((int(m["a"]) + int(m["b"])) / 2 if m.groupdict().get("a") else float(m["n"]))
        c["tempo"] = _clamped_tempo(bpm, t.take(*m.span()), heard)
        break
    for m in t.matches(FEEL_RE):
        word = t.take(*m.span())
        c.setdefault(
            "swing", Choice(FEEL_WORDS[m.group()], "stated", [word], f"'{word}': swing {FEEL_WORDS[m.group()]}")
        )
    _read_lexicon(t, catalog, heard)
    for p in chord_words.find(t.orig, t.free):
        t.take(p.start, p.end)
        heard.progressions.append(p)
    _read_key(t, heard)
    _read_meter(t, heard)
    _read_length(t, heard)
    for m in t.matches(TEMPO_WORD_RE):
        word, bpm = t.take(*m.span()), TEMPO_WORDS[m.group()]
        heard.tempo_word = heard.tempo_word or Choice(bpm, "implied", [word], f"'{word}' read as about {bpm} bpm")
    for m in t.matches(HALF_TIME_RE):
        heard.half_time = t.take(*m.span())
    _read_sections(t, heard)
    for m in t.matches(LENGTH_WORD_RE):
        secs = LENGTH_WORDS[re.sub(r"\s+", " ", m.group())]
        c.setdefault("length", Choice(("seconds", secs), "implied", [t.take(*m.span())], f"about {secs:g} s"))
    heard.ignored = t.leftover()
    return heard


def _clamped_tempo(bpm: int, word: str, heard: Heard) -> Choice:
    lo, hi = TEMPO_RANGE
    used = min(hi, max(lo, bpm))
    note = "" if used == bpm else f"{bpm} bpm is outside {lo}-{hi} bpm; used {used}"
    heard.notes += [f"tempo: {note}"] if note else []
    return Choice(used, "stated", [word], note)


def _read_lexicon(t: Text, catalog: Catalog, heard: Heard) -> None:
    """Instruments and ensembles (with counts and exclusions), genres, moods and style words."""
    lex = lexicon(catalog)
    found = []
    for f in lex.scan(t.low, t.free):
        word = t.low[f.start : f.end]
        if word in DESCRIPTIVE_NOUNS and ARTICLE_BEFORE.search(t.low, max(0, f.start - 40), f.start):
            continue  # 'a dreamy atmosphere' describes the piece
        found.append(f)
    genres: list[tuple[str, str, Style | None]] = []
    moods: list[tuple[str, str, Style | None]] = []
    excluding_until = -1
    for i, f in enumerate(found):
        start, meaning = f.start, f.meaning
        if meaning.kind in ("genres", "moods", "style"):
            _named_style(t.take(start, f.end), meaning, genres, moods, heard)
            continue
        at = max(0, start - 32)  # the few words before an instrument say 'no', 'without' or 'two'
        before = t.low[at:start]
        ex = EXCLUDE_BEFORE.search(before)
        members = meaning.members or (meaning.name,)
        if ex or (excluding_until >= 0 and OR_BETWEEN.fullmatch(t.low[excluding_until:start])):
            words = t.take(at + ex.start() if ex else start, f.end)
            heard.excluded += [(name, words) for name in dict.fromkeys(members)]
            excluding_until = f.end
            continue
        excluding_until = -1
        level = LEVEL_BEFORE.search(before) if meaning.kind == "instruments" else None
        if level and not t.free(at + level.start(1), at + level.end(1)):
            level = None  # claimed already: 'gentle' may have been read as a mood
        count, n = COUNT_BEFORE.search(before[: level.start(1)] if level else before), 1  # 'two soft guitars'
        if count and meaning.kind == "instruments" and t.free(at + count.start(1), at + count.end(1)):
            n, start = int(number(count.group(1))), at + count.start(1)
        if level:
            t.take(at + level.start(1), at + level.end(1))  # its words are the mix's, not the band's
        nxt = found[i + 1] if i + 1 < len(found) else None
        featured = (
            meaning.kind == "instruments"
            and nxt is not None
            and (nxt.meaning.kind == "genres" or (nxt.meaning.style is not None and nxt.meaning.style.kind == "genre"))
            and re.fullmatch(r"[\s-]*", t.low[f.end : nxt.start]) is not None
        )
        words = t.take(start, f.end)
        generic = t.low[f.start : f.end] in GENERIC_INSTRUMENT_WORDS
        if meaning.kind == "ensemble":
            for name in dict.fromkeys(members):
                heard.instruments.append(Named(name, words, members.count(name)))
            if meaning.note:
                heard.notes.append(f"instruments: '{words}' -> {', '.join(members)} ({meaning.note})")
            if meaning.genre_hint and heard.hint is None:
                heard.hint = (
                    Choice(meaning.genre_hint, "implied", [words], f"'{words}' suggests {meaning.genre_hint}"),
                    (),
                )
        else:
            level_db, level_words = (
                (LEVEL_WORDS[level.group(1)], t.orig[at + level.start(1) : f.end]) if level else (0.0, "")
            )
            heard.instruments.append(
                Named(meaning.name, words, n, generic, featured, level_db=level_db, level_words=level_words)
            )
    for m in t.matches(LESS_RE):
        hit = lex.table.get(compact(m.group(1))) or lex.table.get(compact(m.group(1)) + "s")
        if hit and hit.kind in ("instruments", "ensemble"):
            words = t.take(*m.span())
            heard.excluded += [(name, words) for name in dict.fromkeys(hit.members or (hit.name,))]
    _genre_and_moods(genres, moods, heard)


def _named_style(word: str, meaning: Meaning, genres: list, moods: list, heard: Heard) -> None:
    """File a genre, mood or style word under what it names."""
    style = meaning.style
    if meaning.kind == "genres":
        genres.append((meaning.name, word, None))
    elif meaning.kind == "moods":
        moods.append((meaning.name, word, None))
    elif style is not None and style.kind == "genre" and style.genre:
        genres.append((style.genre, word, style))
        if heard.style is None:
            heard.style = (style, word)
            if style.moods:
                note = f"'{word}' -> {style.describe()}"
                heard.implied_moods = Choice(list(style.moods[:MAX_MOODS]), "implied", [word], note)
    elif style is not None:
        moods += [(name, word, style) for name in style.moods]
        if style.genre and heard.hint is None:
            heard.hint = (Choice(style.genre, "implied", [word], f"'{word}' suggests {style.genre}"), style.band)


def _genre_and_moods(
    genres: list[tuple[str, str, Style | None]], moods: list[tuple[str, str, Style | None]], heard: Heard
) -> None:
    c = heard.choices
    if genres:
        name, word, style = genres[0]
        others = sorted({g for g, _, _ in genres if g != name})
        notes = [f"'{word}' -> {style.describe()}"] if style else []
        notes += [f"also heard {', '.join(others)}; used {name} (the first named)"] if others else []
        c["genre"] = Choice(name, "stated", [w for g, w, _ in genres if g == name], "; ".join(notes))
        heard.notes += [f"genre: {n}" for n in notes]
    if moods:
        names = list(dict.fromkeys(n for n, _, _ in moods))
        mapped = list(dict.fromkeys(f"'{w}' -> {s.describe()}" for _, w, s in moods if s))
        dropped = f"at most {MAX_MOODS} moods; dropped {', '.join(names[MAX_MOODS:])}" if len(names) > MAX_MOODS else ""
        notes = [*mapped, *([dropped] if dropped else [])]
        heard.notes += [f"moods: {n}" for n in notes]
        names = names[:MAX_MOODS]
        c["moods"] = Choice(
            names, "stated", list(dict.fromkeys(w for n, w, _ in moods if n in names)), "; ".join(notes)
        )


def _read_key(t: Text, heard: Heard) -> None:
    """'in F# minor', 'B-flat major', 'Dm', 'D dorian', 'in Bb', then a bare 'minor'/'major'.

    A lone 'a' or a letter+m ('am', 'em') is only a key when written in capitals or
    after 'in'/'key of': "I am", "a major label" and "in a minute" are not keys.
    Church modes are played in the nearer of major and minor, and say so.
    """
    c = heard.choices
    for i, rx in enumerate(KEY_RES):
        for m in t.matches(rx):
            g, letter_at = m.groupdict(), m.start("l")
            capital = t.orig[letter_at].isupper()
            ambiguous = (i == 0 and g.get("m")) or (m["l"] == "a" and not g.get("acc"))
            after_in = re.search(r"\b(?:in|key\s+of)\s+$", t.low[max(0, m.start() - 12) : m.start()])
            if ambiguous and not capital and not (after_in or (i == 1 and g.get("pre") != "in")):
                continue
            word = t.take(*m.span())
            c["key"] = Choice(normalise_tonic(m["l"], g.get("acc")), "stated", [word])
            if mode := g.get("mode") or ("minor" if g.get("m") else None):
                church = CHURCH_MODES.get(mode)
                note = f"{mode} is played as {church}" if church else ""
                mode = church or ("major" if mode.startswith("maj") else "minor")
                c["mode"] = Choice(mode, "stated", [word], note)
                heard.notes += [f"mode: {note}"] if note else []
            break
        if "key" in c:
            break
    for m in t.matches(MODE_RE):
        c.setdefault("mode", Choice(m["mode"], "stated", [t.take(*m.span())]))


def _read_meter(t: Text, heard: Heard) -> None:
    for m in t.matches(METER_RE):
        meter, word = f"{int(m['a'])}/{int(m['b'])}", t.take(*m.span())
        if meter in METERS:
            heard.choices.setdefault("meter", Choice(meter, "stated", [word]))
        else:
            heard.notes.append(f"meter: {meter} is not supported (choose from {', '.join(METERS)}); ignored it")
    for m in t.matches(METER_WORD_RE):
        heard.choices.setdefault("meter", Choice(METER_WORDS[m.group()], "stated", [t.take(*m.span())]))


def _read_length(t: Text, heard: Heard) -> None:
    """The first length in the text; "an 8-bar intro" is a section and 'the 80s' an era, not the piece."""
    found = []
    for m in (m for rx in LENGTH_RES for m in t.matches(rx)):  # most specific pattern claims first
        length = planning.length_of(m)
        after = m.groupdict().get("after")
        if length is not None and not _is_decade(t, m) and not (after and SECTION_FOLLOWS.match(after)):
            found.append((m.start(), length, t.take(*m.span())))
    if found:
        found.sort()
        others = ", ".join(repr(w) for *_, w in found[1:4]) + (", ..." if len(found) > 4 else "")
        extra = f"also heard {others}; used the first length" if found[1:] else ""
        heard.choices["length"] = Choice(found[0][1], "stated", [found[0][2]], extra)
        heard.notes += [f"length: {extra}"] if extra else []


def _is_decade(t: Text, m: re.Match[str]) -> bool:
    """'the 80s', "'90s", '1980s', '80s-style', '80s synth pop' name an era, not a duration."""
    g = m.groupdict()
    if g.get("u") != "s" or not g["n"].isdigit() or int(g["n"]) % 10:
        return False
    n, after = int(g["n"]), t.low[m.end() : m.end() + 24]
    next_word = m.end() + len(after) - len(after.lstrip())
    return (
        n >= 1900
        or bool(re.search(r"(?:\bthe\s+|['’])$", t.low[max(0, m.start() - 5) : m.start()]))
        or bool(DECADE_AFTER.match(after))
        or (n >= 50 and next_word < len(t.low) and not t.free(next_word, next_word + 1))
    )


def _read_sections(t: Text, heard: Heard) -> None:
    """A structure is stated when at least two sections are named ('verse-chorus-verse')."""
    found = []
    for m in t.matches(SECTION_RE):
        if m["k"] or m["t"]:
            n = int(m["k"]) if m["k"] else 2 if m["t"] == "twice" else 3
        elif m["n"] and m["n"] not in ("a", "an"):
            n = int(number(m["n"]))
        else:
            n = 2 if m["pl"] else 1
        found.append((SECTION_LOOKUP[compact(m["w"])], min(n, 8), m))
    if sum(n for _, n, _ in found) >= 2:
        names = [name for name, n, _ in found for _ in range(n)][: planning.MAX_SECTIONS]
        heard.choices["sections"] = Choice(names, "stated", [t.take(*m.span()) for _, _, m in found])
