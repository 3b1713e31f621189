"""Words -> TrackSpec, with the reason for every field.

Deterministic and offline: numbers with units, key names, meters and the catalogue's
names and synonyms are found with regular expressions, each claiming the characters it
used so one word never sets two fields.  What the words leave open is filled by
:mod:`musigen_agent.planning`.  Every field is reported back as a :class:`Choice`
(stated in the words, implied by them, a default, or an explicit argument) so a person
or an LLM can see why the piece came out as it did and what to say to change it.
Explicit arguments (:class:`Overrides`) always beat the words; bad arguments raise
:class:`~musigen_agent.errors.InvalidInput` / ``UnknownName`` naming the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from . import planning
from .catalog import Catalog
from .errors import InvalidInput, unknown
from .spec import MAX_BARS, MAX_PARTS, MAX_SECONDS, METERS, SECTION_NAME, TEMPO_RANGE, TONICS, TrackSpec
from .theory import note_name, pitch_class

MAX_TEXT = 2000
MAX_MOODS = 3
DEFAULT_SECONDS = 60.0
DEFAULT_GENRE = "pop"
DEFAULT_MOOD = "happy"
FIELDS = (
    "title",
    "genre",
    "moods",
    "tempo",
    "key",
    "mode",
    "meter",
    "length",
    "sections",
    "instruments",
    "seed",
    "model",
)


def _table(spec: str) -> dict[str, str]:
    """'a|b=1; c=2' -> {'a': '1', 'b': '1', 'c': '2'}: word lists stay one readable line each."""
    out = {}
    for group in spec.split(";"):
        words, value = group.rsplit("=", 1)
        out.update((w.strip(), value.strip()) for w in words.split("|"))
    return out


#: Words that carry no musical request; never reported as ignored.
STOPWORDS = frozenset(
    "a an the and or with in on of for to at by some me my i i'm im we you please make write compose create "
    "generate give want would like need could can let let's it its it's is be that this something kind sort "
    "type piece tune song track music musical number composition instrumental melody style feel vibe vibes "
    "ish just only solo alone also plus featuring feat using use very really quite super bit little "
    "mood genre tempo key time length form structure about around roughly approximately sound sounds "
    "sounding playing played play plays lots lot of then into from but not no without minus".split()
)
NUMBER_WORDS = {
    w: float(v)
    for w, v in _table(
        "a|an|one=1; two|a couple of|a couple|couple of=2; three|a few|few=3; four=4; five=5; six=6; seven=7; "
        "eight=8; nine=9; ten=10; eleven=11; twelve=12; fifteen=15; sixteen=16; twenty=20; thirty=30; forty=40; "
        "fifty=50; sixty=60; ninety=90; half a|half an=0.5"
    ).items()
}
_NUMWORD = "|".join(sorted((re.escape(w) for w in NUMBER_WORDS), key=len, reverse=True))
NUM = rf"(?P<n>\d+(?:\.\d+)?|{_NUMWORD})"
#: Tempo words -> bpm (Italian markings at the middle of their usual range).
TEMPO_WORDS = {
    w: int(v)
    for w, v in _table(
        "grave=40; largo=50; very slow|really slow|super slow|lento=55; larghetto=63; slow|slowly|adagio=70; "
        "andante=90; andantino=95; moderate|moderately|medium tempo|mid-tempo|midtempo|mid tempo=100; "
        "moderato=110; allegretto=115; uptempo|up-tempo|up tempo=128; allegro=130; fast|quick=140; vivace=150; "
        "very fast|really fast|super fast=170; presto=175; prestissimo=200"
    ).items()
}
LENGTH_WORDS = {w: float(v) for w, v in _table("very short=15; short|brief=30; long=180; very long=300").items()}
METER_WORDS = _table(
    "waltz|waltzes|waltzy|waltz-like|triple meter|triple time|in three|in 3=3/4; jig|in six|in 6=6/8; "
    "march|in two|in 2=2/4; common time|in four|in 4=4/4; in five|in 5=5/4; in seven|in 7=7/8"
)
SECTION_WORDS = _table(
    "intro|introduction=intro; verse=verse; pre-chorus|prechorus|pre chorus=pre_chorus; chorus|refrain=chorus; "
    "bridge|middle eight=bridge; breakdown=breakdown; build-up|buildup|build up=buildup; interlude=interlude; "
    "outro=outro; coda=coda; theme=theme"
)
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0}

Source = Literal["stated", "implied", "default", "argument"]


@dataclass
class Choice:
    """Why a field has its value: where it came from and which words set it."""

    value: Any
    source: Source
    words: list[str] = field(default_factory=list)
    note: str = ""


@dataclass
class Intent:
    """The parsed request: the spec, the reason for each field, and what was not understood."""

    spec: TrackSpec
    provenance: dict[str, Choice]
    ignored: list[str]
    notes: list[str]


class Overrides(BaseModel):
    """Explicit arguments; each one beats whatever the words said.

    Values are checked by :func:`parse` (not here) so that a bad value becomes an
    ``InvalidInput`` naming the field and the allowed range on every surface.
    """

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    genre: str | None = None
    mood: str | list[str] | None = None
    tempo: int | None = None
    key: str | None = None
    mode: str | None = None
    meter: str | None = None
    length: float | str | None = None
    instruments: list[str] | None = None
    sections: list[str] | None = None
    seed: int | None = None
    model: str | None = None

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_none=True)


# ---------------------------------------------------------------------------- small parsers

_ACC = r"(?P<acc>#|♯|♭|b(?=m\b|[^a-z]|$)|\s?-?\s?(?:sharp|flat)\b)"
KEY_RE = re.compile(rf"^\s*(?P<l>[a-g]){_ACC}?\s*-?\s*(?P<mode>major|minor|maj|min|m)?\s*$", re.I)


def normalise_tonic(letter: str, acc: str | None) -> str:
    """'b', '-flat' -> 'Bb'; spellings outside spec.TONICS (E#, Fb) go to their enharmonic."""
    acc = (acc or "").strip(" -").lower()
    sign = "#" if acc in ("#", "♯", "sharp") else "b" if acc in ("b", "♭", "flat") else ""
    tonic = letter.upper() + sign
    if tonic not in TONICS:
        tonic = note_name(pitch_class(tonic), flats=sign == "b")
    return tonic


def parse_key(text: str) -> tuple[str, str | None]:
    """'F#' -> ('F#', None); 'Bb minor' -> ('Bb', 'minor'); 'Dm' -> ('D', 'minor').  ValueError if not a key."""
    m = KEY_RE.match(text.replace("♯", "#").replace("♭", "b"))
    if not m:
        raise ValueError(text)
    mode = m["mode"]
    return normalise_tonic(m["l"], m["acc"]), None if mode is None else ("major" if mode.startswith("maj") else "minor")


def _number(word: str) -> float:
    word = word.strip().lower()
    return float(word) if word[0].isdigit() else float(NUMBER_WORDS[word])


LENGTH_RES = (
    re.compile(r"(?<![\d:])(?P<mm>\d{1,3}):(?P<ss>[0-5]\d)(?![\d:])"),
    re.compile(rf"(?<![\w.]){NUM}\s*(?:minutes?|mins?|m)\s*(?:and\s+)?(?P<s2>\d{{1,2}})\s*(?:seconds?|secs?|s)\b"),
    re.compile(
        rf"(?<![\w.]){NUM}(?P<half>\s+and\s+a\s+half|\s*½)?\s*-?\s*(?P<u>hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)"
        r"(?P<half2>\s+and\s+a\s+half)?(?![\w'’])"
    ),
    re.compile(rf"(?<![\w.]){NUM}\s*(?P<hy>-)?\s*(?P<bars>bars?|measures?)\b(?P<after>\s+[a-z-]+)?"),
)
SECTION_LOOKUP = {re.sub(r"[\s-]+", "", w): name for w, name in SECTION_WORDS.items()}
SECTION_FOLLOWS = re.compile(rf"\s+(?:{'|'.join(re.escape(w) for w in SECTION_WORDS)})s?$")


def _length_match(m: re.Match[str]) -> tuple[str, float] | None:
    """('seconds', x) or ('bars', n) for one LENGTH_RES match, None when it is not a length."""
    g = m.groupdict()
    if g.get("mm") is not None:
        return "seconds", int(g["mm"]) * 60.0 + int(g["ss"])
    if g.get("bars"):
        if g.get("after") and SECTION_FOLLOWS.match(g["after"]):
            return None  # "an 8-bar intro" describes a section, not the piece
        return "bars", _number(g["n"])
    n = _number(g["n"])
    if g.get("s2") is not None:
        return "seconds", n * 60.0 + int(g["s2"])
    unit = g["u"][0]
    if g["n"][0].isalpha() and len(g["u"]) == 1:
        return None  # "a m" is not a length; words need a spelled-out unit
    if g.get("half") or g.get("half2"):
        n += 0.5
    return "seconds", n * _UNIT_SECONDS[unit]


def parse_length(text: str) -> tuple[str, float]:
    """'2:30' / '90s' / '2 minutes' / '32 bars' -> ('seconds', 150.0) ... ; ValueError if not a length."""
    text = text.strip().lower()
    for rx in LENGTH_RES:
        m = rx.fullmatch(text)
        if m and (found := _length_match(m)):
            return found
    try:
        return "seconds", float(text)
    except ValueError:
        raise ValueError(text) from None


# ---------------------------------------------------------------------------- reading the words


class _Text:
    """The prompt with a claim mask: each extractor takes characters so no word counts twice."""

    def __init__(self, text: str) -> None:
        low = text.lower()
        self.orig = text if len(low) == len(text) else low
        self.low = low
        self.used = bytearray(len(low))

    def free(self, a: int, b: int) -> bool:
        return not any(self.used[a:b])

    def take(self, a: int, b: int) -> str:
        self.used[a:b] = b"\x01" * (b - a)
        return self.orig[a:b].strip()

    def matches(self, rx: re.Pattern[str]) -> Iterator[re.Match[str]]:
        """Matches of ``rx`` that touch no claimed character (checked lazily, so claims made
        while iterating are respected)."""
        return (m for m in rx.finditer(self.low) if self.free(*m.span()))

    def upper_at(self, i: int) -> bool:
        return self.orig[i].isupper()

    def leftover(self) -> list[str]:
        words = []
        for m in re.finditer(r"[^\W_]+(?:['’][^\W_]+)?", self.low):
            w = m.group()
            if self.free(*m.span()) and w not in STOPWORDS and w not in words:
                words.append(self.orig[m.start() : m.end()])
        return words


@dataclass
class _Heard:
    """What the words said, field by field (only what was actually found)."""

    choices: dict[str, Choice] = field(default_factory=dict)
    instruments: list[tuple[str, str, int]] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)
    tempo_word: Choice | None = None
    half_time: str = ""
    notes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def _catalog_regex(catalog: Catalog) -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """One alternation of every catalogue phrase, longest first, so 'electric piano' beats 'piano'.

    The table is keyed by the phrase without separators, so 'bossa nova', 'bossa-nova'
    and 'bossanova' are one phrase; instruments also match their plural.
    """
    phrases: dict[str, tuple[str, str]] = {}
    for kind in ("instruments", "genres", "moods"):
        for word, name in catalog.synonyms(kind).items():
            word = re.sub(r"[\s_-]+", " ", word).strip()
            phrases.setdefault(word, (kind, name))
            if kind == "instruments":
                phrases.setdefault(word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s"), (kind, name))
    table: dict[str, tuple[str, str]] = {}
    parts = []
    for word in sorted(phrases, key=len, reverse=True):
        if _compact(word) in table:
            continue
        table[_compact(word)] = phrases[word]
        pat = r"[\s_-]*".join(re.escape(p) for p in word.split(" "))
        parts.append(pat + (r"(?:-?ish)?" if phrases[word][0] == "genres" else ""))
    rx = re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])") if parts else re.compile(r"(?!x)x")
    return rx, table


def _compact(word: str) -> str:
    """Lower-case with spaces, hyphens and underscores removed: the lookup form of a phrase."""
    return re.sub(r"[\s_-]+", "", word.lower())


EXCLUDE_BEFORE = re.compile(
    r"(?:\b(?:no|without|minus|except(?:\s+for)?|sans|not|drop|remove|excluding|skip|lose|leave\s+out)|w/o)"
    r"\s+(?:the\s+|any\s+|a\s+|an\s+)?$"
)
OR_BEFORE = re.compile(r"^\s*(?:,\s*)?(?:or|nor)\s+(?:the\s+|any\s+)?$")
COUNT_BEFORE = re.compile(r"(?<![\w.])(two|three|four|2|3|4)\s+$")
LESS_RE = re.compile(r"(?<![\w])([a-z]+?)-?less(?![\w])")


def _read_catalog(t: _Text, catalog: Catalog, heard: _Heard) -> None:
    """Instruments (with counts and exclusions), genres and moods named in the words."""
    rx, table = _catalog_regex(catalog)
    genres: list[tuple[str, str]] = []
    moods: list[tuple[str, str]] = []
    prev_excluded_end = -1
    for m in t.matches(rx):
        key = _compact(m.group())
        kind, name = table[key] if key in table else table[key.removesuffix("ish")]
        start = m.start()
        if kind == "instruments":
            before = t.low[:start]
            ex = EXCLUDE_BEFORE.search(before)
            chained = prev_excluded_end >= 0 and OR_BEFORE.match(t.low[prev_excluded_end:start])
            if ex or chained:
                if ex:
                    start = ex.start()
                heard.excluded.append((name, t.take(start, m.end())))
                prev_excluded_end = m.end()
                continue
            count = COUNT_BEFORE.search(before)
            n = 1
            if count and t.free(*count.span(1)):
                n, start = int(_number(count.group(1))), count.start(1)
            heard.instruments.append((name, t.take(start, m.end()), n))
        else:
            (genres if kind == "genres" else moods).append((name, t.take(start, m.end())))
        prev_excluded_end = -1
    for m in t.matches(LESS_RE):
        hit = table.get(_compact(m.group(1))) or table.get(_compact(m.group(1)) + "s")
        if hit and hit[0] == "instruments":
            heard.excluded.append((hit[1], t.take(*m.span())))
    if genres:
        name = genres[0][0]
        others = sorted({g for g, _ in genres if g != name})
        note = f"also heard {', '.join(others)}; used {name} (the first named)" if others else ""
        heard.choices["genre"] = Choice(name, "stated", [w for g, w in genres if g == name], note)
        if note:
            heard.notes.append(f"genre: {note}")
    if moods:
        names = list(dict.fromkeys(n for n, _ in moods))
        note = ""
        if len(names) > MAX_MOODS:
            note = f"at most {MAX_MOODS} moods; dropped {', '.join(names[MAX_MOODS:])}"
            heard.notes.append(f"moods: {note}")
            names = names[:MAX_MOODS]
        heard.choices["moods"] = Choice(names, "stated", [w for n, w in moods if n in names], note)


TEMPO_RES = (
    re.compile(r"(?<![\w.])(?P<a>\d{1,4})\s*(?:-|–|to)\s*(?P<b>\d{1,4})\s*(?:bpm|beats\s*(?:per|a|/)\s*min(?:ute)?)\b"),
    re.compile(r"(?<![\w.])(?P<n>\d{1,4}(?:\.\d+)?)\s*-?\s*(?:bpm|beats\s*(?:per|a|/)\s*min(?:ute)?)\b"),
    re.compile(r"\b(?:bpm|tempo)\s*(?:[:=]|of|at|is|around|about)?\s*(?:of\s+|at\s+)?(?P<n>\d{1,4})(?![\d/:])"),
    re.compile(r"(?:♩|\bq|\bquarter|\bcrotchet)\s*=\s*(?P<n>\d{1,4})\b"),
    re.compile(r"\bat\s+(?P<n>\d{2,3})(?![\d.:/%])(?!\s*(?:-|x\b|bars?|measures?|min|sec|s\b|m\b|h\b|hours?|hrs?))"),
)
_KEY_TAIL = r"(?:\s*-?\s*(?P<mode>major|minor|maj\b|min\b)|(?P<m>m)\b)"
KEY_RES = (
    re.compile(rf"(?<![\w#])(?P<l>[a-g]){_ACC}?{_KEY_TAIL}(?:\s+key)?"),
    re.compile(rf"\b(?P<pre>in(?:\s+the\s+key\s+of)?|key\s+of|key\s*:?)\s+(?P<l>[a-g]){_ACC}?(?![\w#♯♭'-])"),
)
MODE_RE = re.compile(r"\b(?P<mode>major|minor)(?:\s+(?:key|mode|tonality))?\b")
METER_RE = re.compile(r"(?<![\d/])(?P<a>\d{1,2})\s*/\s*(?P<b>\d{1,2})(?![\d/])(?:\s*(?:time|meter|metre))?")
_TIME_UNIT = r"(?:\s*(?:minutes?|mins?|seconds?|secs?|bars?|measures?|hours?|bpm|[/:.]|s\b|m\b))"
METER_WORD_RE = re.compile(
    r"(?<![\w])(?:"
    + "|".join(re.escape(w) for w in sorted(METER_WORDS, key=len, reverse=True))
    + rf")(?![\w/])(?!{_TIME_UNIT})"
)
TEMPO_WORD_RE = re.compile(
    r"(?<![\w])(?:" + "|".join(re.escape(w) for w in sorted(TEMPO_WORDS, key=len, reverse=True)) + r")(?![\w-])"
)
HALF_TIME_RE = re.compile(r"\bhalf[\s-]?time\b")
LENGTH_WORD_RE = re.compile(r"\b(?:very\s+)?(?:short|brief|long)\b(?!\s+(?:intro|outro|verse|chorus|bridge))")
DECADE_AFTER = re.compile(r"\s*(?:-?\s*(?:style|vibes?|sound|era|retro|inspired|throwback|nostalgia)\b)")
SECTION_RE = re.compile(
    r"(?:\b(?P<n>\d|one|two|three|four|five|six|a|an)\s+)?(?<!\w)(?P<w>"
    + "|".join(
        re.escape(w).replace(r"\ ", r"[\s-]?").replace(r"\-", r"[\s-]?")
        for w in sorted(SECTION_WORDS, key=len, reverse=True)
    )
    + r")(?P<pl>e?s)?(?![\w])(?:\s*[x×]\s*(?P<k>\d))?(?:\s+(?P<t>twice|three times))?"
)
TITLE_RE = re.compile(r"\b(?:titled|called|named|title)\s*[:=]?\s*[\"“'‘](?P<t>[^\"”'’]{1,200})[\"”'’]")
SEED_RE = re.compile(r"\bseed\s*(?:[:=#]|of)?\s*(?P<n>\d{1,10})\b")


def _read(text: str, catalog: Catalog) -> _Heard:
    """Everything the words state, each claiming its characters; the rest is ignored."""
    t = _Text(text)
    heard = _Heard()
    c = heard.choices
    for m in t.matches(TITLE_RE):
        t.take(*m.span())
        c["title"] = Choice(t.orig[m.start("t") : m.end("t")].strip(), "stated", [m.group("t")])
    for m in t.matches(SEED_RE):
        c["seed"] = Choice(int(m["n"]), "stated", [t.take(*m.span())])
    if catalog.models:
        names = "|".join(re.escape(n) for n in sorted(catalog.models, key=len, reverse=True))
        model_re = re.compile(
            rf"\b(?:(?:model|backend|engine)\s*[:=]?\s*(?P<a>{names})|(?P<b>{names})\s+(?:model|backend))\b"
        )
        for m in t.matches(model_re):
            c["model"] = Choice(m["a"] or m["b"], "stated", [t.take(*m.span())])
    for rx in TEMPO_RES:
        for m in t.matches(rx):
            if "tempo" in c:
                break
            bpm = (int(m["a"]) + int(m["b"])) / 2 if m.groupdict().get("a") else float(m["n"])
            c["tempo"] = _clamped_tempo(round(bpm), t.take(*m.span()), heard)
    _read_catalog(t, catalog, heard)
    _read_key(t, heard)
    _read_meter(t, heard)
    _read_length(t, heard)
    for m in t.matches(TEMPO_WORD_RE):
        word = t.take(*m.span())
        if heard.tempo_word is None:
            bpm = TEMPO_WORDS[m.group()]
            heard.tempo_word = Choice(bpm, "implied", [word], f"'{word}' read as about {bpm} bpm")
    for m in t.matches(HALF_TIME_RE):
        heard.half_time = t.take(*m.span())
    _read_sections(t, heard)
    for m in t.matches(LENGTH_WORD_RE):
        if "length" not in c:
            secs = LENGTH_WORDS[re.sub(r"\s+", " ", m.group())]
            c["length"] = Choice(("seconds", secs), "implied", [t.take(*m.span())], f"read as about {secs:.0f} s")
    heard.ignored = t.leftover()
    return heard


def _clamped_tempo(bpm: int, word: str, heard: _Heard) -> Choice:
    lo, hi = TEMPO_RANGE
    if lo <= bpm <= hi:
        return Choice(bpm, "stated", [word])
    used = min(hi, max(lo, bpm))
    note = f"{bpm} bpm is outside {lo}-{hi} bpm; used {used}"
    heard.notes.append(f"tempo: {note}")
    return Choice(used, "stated", [word], note)


def _read_key(t: _Text, heard: _Heard) -> None:
    """'in F# minor', 'B-flat major', 'Dm', 'in Bb', then a bare 'minor'/'major'."""
    c = heard.choices
    for i, rx in enumerate(KEY_RES):
        for m in t.matches(rx):
            if "key" in c:
                return
            g = m.groupdict()
            compact = i == 0 and g.get("m") is not None
            bare_a = m["l"] == "a" and not g.get("acc") and not t.upper_at(m.start("l"))
            after_in = i == 1 or re.search(r"\b(?:in|key\s+of)\s+$", t.low[: m.start()])
            if (compact or bare_a) and not (after_in or t.upper_at(m.start("l"))):
                continue  # "I am", "a major label": not keys
            if i == 1 and bare_a and g.get("pre") == "in":
                continue  # "in a ..." is an article unless written "in A"
            word = t.take(*m.span())
            c["key"] = Choice(normalise_tonic(m["l"], g.get("acc")), "stated", [word])
            mode = g.get("mode") or ("minor" if g.get("m") else None)
            if mode:
                c["mode"] = Choice("major" if mode.startswith("maj") else "minor", "stated", [word])
    if "mode" not in c:
        for m in t.matches(MODE_RE):
            c["mode"] = Choice(m["mode"], "stated", [t.take(*m.span())])
            break


def _read_meter(t: _Text, heard: _Heard) -> None:
    for m in t.matches(METER_RE):
        meter = f"{int(m['a'])}/{int(m['b'])}"
        word = t.take(*m.span())
        if meter in METERS and "meter" not in heard.choices:
            heard.choices["meter"] = Choice(meter, "stated", [word])
        elif meter not in METERS:
            heard.notes.append(f"meter: {meter} is not supported (choose from {', '.join(METERS)}); ignored it")
    for m in t.matches(METER_WORD_RE):
        word = t.take(*m.span())
        if "meter" not in heard.choices:
            heard.choices["meter"] = Choice(METER_WORDS[re.sub(r"\s+", " ", m.group())], "stated", [word])


def _read_length(t: _Text, heard: _Heard) -> None:
    for rx in LENGTH_RES:
        for m in t.matches(rx):
            found = _length_match(m)
            if found is None or _is_decade(t, m):
                continue
            if m.groupdict().get("after"):
                end = m.start("after")
            else:
                end = m.end()
            word = t.take(m.start(), end)
            if "length" in heard.choices:
                heard.notes.append(f"length: also heard '{word}'; used the first length")
            else:
                heard.choices["length"] = Choice(found, "stated", [word])


def _is_decade(t: _Text, m: re.Match[str]) -> bool:
    """'the 80s', "'90s", '1980s', '80s-style' name an era, not a duration."""
    g = m.groupdict()
    if g.get("u") != "s" or not g["n"].isdigit() or int(g["n"]) % 10:
        return False
    n = int(g["n"])
    before = t.low[: m.start()]
    return n >= 1900 or bool(re.search(r"(?:\bthe\s+|['’])$", before)) or bool(DECADE_AFTER.match(t.low[m.end() :]))


def _read_sections(t: _Text, heard: _Heard) -> None:
    """A structure is stated when at least two sections are named ('verse-chorus-verse')."""
    found = []
    for m in t.matches(SECTION_RE):
        name = SECTION_LOOKUP[re.sub(r"[\s-]+", "", m["w"])]
        if m["k"]:
            n = int(m["k"])
        elif m["t"]:
            n = 2 if m["t"] == "twice" else 3
        elif m["n"] and m["n"] not in ("a", "an"):
            n = int(_number(m["n"]))
        else:
            n = 2 if m["pl"] else 1
        found.append((name, min(n, 8), m))
    if sum(n for _, n, _ in found) < 2:
        return
    names = [name for name, n, _ in found for _ in range(n)][: planning.MAX_SECTIONS]
    heard.choices["sections"] = Choice(names, "stated", [t.take(*m.span()) for _, _, m in found])


# ---------------------------------------------------------------------------- deciding


def parse(text: str, catalog: Catalog, overrides: Overrides | None = None) -> Intent:
    """Turn a description (and explicit arguments) into a validated TrackSpec with provenance.

    Precedence per field: argument > stated in the words > implied by other words >
    default.  Never raises on odd words (they are listed in ``ignored``); raises
    InvalidInput / UnknownName only for bad arguments, an empty request or a text over
    2,000 characters.
    """
    ov = overrides or Overrides()
    text = text or ""
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            f"description is {len(text)} characters; at most {MAX_TEXT} are allowed",
            field="description",
            allowed=f"1-{MAX_TEXT} characters",
        )
    if not text.strip() and ov.is_empty():
        raise InvalidInput(
            "description is empty: describe the track in words (e.g. 'a relaxed jazz tune in F, 90 bpm, "
            "piano and upright bass, 1 minute') or pass explicit arguments",
            field="description",
            allowed=f"1-{MAX_TEXT} characters",
        )
    return _Decision(_read(text, catalog), ov, catalog, text).run()


class _Decision:
    """Resolves each field in dependency order (band -> genre -> mood -> mode -> key ...)."""

    def __init__(self, heard: _Heard, ov: Overrides, catalog: Catalog, text: str) -> None:
        self.heard, self.ov, self.cat, self.text = heard, ov, catalog, text
        self.said = heard.choices
        self.prov: dict[str, Choice] = {}
        self.notes: list[str] = list(heard.notes)

    def set(self, name: str, choice: Choice) -> Any:
        """Record a field's choice; an argument that replaces stated words is noted."""
        said = self.said.get(name)
        if choice.source == "argument" and said is not None and said.value != choice.value:
            self.notes.append(f"{name}: the argument {choice.value!r} replaced the words {', '.join(said.words)!r}")
        self.prov[name] = choice
        return choice.value

    def run(self) -> Intent:
        band, band_choice = self.band()
        genre = self.cat.genre(self.set("genre", self.genre(band_choice)))
        mode_said, tonic_arg = self.stated_mode()
        moods = self.set("moods", self.moods(mode_said))
        mood = self.cat.mood(moods[0])
        mode = self.set("mode", mode_said or self.derived(mood.mode, "moods", f"{mood.name} music is {mood.mode}"))
        if mode_said and mode != mood.mode and self.prov["moods"].source in ("stated", "argument"):
            self.notes.append(f"mode: {mood.name} is usually {mood.mode}; kept the requested {mode}")
        if tonic_arg:
            key = self.set("key", Choice(tonic_arg, "argument", [str(self.ov.key)]))
        elif "key" in self.said:
            key = self.set("key", self.said["key"])
        else:
            key = self.set("key", self.derived(planning.default_key(mood, mode), "moods", f"{mood.name} in {mode}"))
        meter = self.set("meter", self.meter(genre.name, genre.meters[0]))
        tempo = self.set("tempo", self.tempo(genre, mood))
        bars = self.set("length", self.length(tempo, meter))
        names = self.section_names()
        if names and bars > len(names) * planning.MAX_SECTION_BARS:
            bars = len(names) * planning.MAX_SECTION_BARS
            self.prov["length"].value = bars
            self.notes.append(f"length: {len(names)} sections hold at most {bars} bars; used {bars}")
        parts = planning.assign_parts(self.finish_band(band, band_choice, genre.instruments), self.cat)
        title = self.ov.title or (self.said["title"].value if "title" in self.said else "")
        self.set(
            "title",
            self.simple(
                "title",
                title,
                f"{mood.display_name} {genre.display_name} in {key}" + (" minor" if mode == "minor" else ""),
            ),
        )
        seed = self.set("seed", self.simple("seed", self.ov.seed, 0))
        if self.ov.model is not None:
            self.cat.model(self.ov.model)
        model = self.set("model", self.simple("model", self.ov.model, "theory"))
        if not 0 <= seed <= 2**32 - 1:
            raise _range_error("seed", seed, 0, 2**32 - 1, "")
        try:
            sections = planning.plan_sections(genre, bars, names)
            if names and len(sections) < len(names):
                self.notes.append(f"sections: {bars} bars fit only the first {len(sections)} sections")
            self.set("sections", self.sections_choice(names, sections, genre.name, bars))
            spec = TrackSpec(
                title=title or self.prov["title"].value,
                description=self.text,
                genre=genre.name,
                moods=moods,
                tempo=tempo,
                key=key,
                mode=mode,
                meter=meter,
                sections=sections,
                parts=parts,
                swing=genre.swing,
                seed=seed,
                model=model,
            )
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"]) or "spec"
            raise InvalidInput(f"{loc}: {err['msg']}", field=loc) from None
        return Intent(spec=spec, provenance=self.prov, ignored=self.heard.ignored, notes=self.notes)

    # -- helpers -------------------------------------------------------------------------------

    def simple(self, name: str, argument: Any, default: Any) -> Choice:
        """Argument, else what the words said, else the default."""
        if argument not in (None, ""):
            return Choice(argument, "argument", [str(argument)])
        return self.said.get(name) or Choice(default, "default")

    def derived(self, value: Any, basis: str, note: str) -> Choice:
        """A value that follows from another field: implied when that field was asked for."""
        base = self.prov[basis]
        source: Source = "implied" if base.source != "default" else "default"
        return Choice(value, source, list(base.words), note)

    def band(self) -> tuple[list[str], Choice | None]:
        """The instruments named by argument or in the words (before exclusions)."""
        if self.ov.instruments is not None:
            if not 1 <= len(self.ov.instruments) <= MAX_PARTS:
                raise InvalidInput(
                    f"instruments: give 1 to {MAX_PARTS} instruments (got {len(self.ov.instruments)})",
                    field="instruments",
                    allowed=sorted(self.cat.instruments),
                )
            band = [_resolve(self.cat, "instruments", w, "instruments") for w in self.ov.instruments]
            return band, Choice(band, "argument", list(self.ov.instruments))
        counts: dict[str, int] = {}
        for name, _, n in self.heard.instruments:
            counts[name] = max(counts.get(name, 0), n)
        band = [name for name, n in counts.items() for _ in range(n)]
        if not band:
            return [], None
        return band, Choice(band, "stated", [w for _, w, _ in self.heard.instruments])

    def finish_band(self, band: list[str], choice: Choice | None, default: tuple[str, ...]) -> list[str]:
        """Apply exclusions (unless the band was an argument) and cap the band size."""
        if choice is None:
            genre = self.prov["genre"]
            choice = Choice(
                list(default),
                "implied" if genre.source != "default" else "default",
                list(genre.words),
                f"the {genre.value} band",
            )
            band = list(default)
        if choice.source != "argument":
            for name, words in self.heard.excluded:
                if name in band:
                    band = [b for b in band if b != name]
                    choice.words.append(words)
                else:
                    self.notes.append(f"instruments: '{words}' - there was no {name} to remove")
        if not band:
            band = [b for b in default if b not in {n for n, _ in self.heard.excluded}] or list(default)
            self.notes.append("instruments: every instrument was excluded; used " + ", ".join(band))
        if len(band) > MAX_PARTS:
            self.notes.append(f"instruments: at most {MAX_PARTS} parts; dropped {', '.join(band[MAX_PARTS:])}")
            band = band[:MAX_PARTS]
        choice.value = band
        self.set("instruments", choice)
        return band

    def genre(self, band: Choice | None) -> Choice:
        if self.ov.genre:
            return Choice(_resolve(self.cat, "genres", self.ov.genre, "genre"), "argument", [self.ov.genre])
        if "genre" in self.said:
            return self.said["genre"]
        implied = planning.implied_genre(band.value, self.cat) if band else None
        if band and implied:
            return Choice(implied, "implied", list(band.words), f"only {implied}'s band has all of these instruments")
        fallback = DEFAULT_GENRE if DEFAULT_GENRE in self.cat.genres else next(iter(self.cat.genres))
        return Choice(fallback, "default")

    def stated_mode(self) -> tuple[Choice | None, str]:
        """The mode asked for (argument mode > argument key's mode > words) and an argument tonic."""
        tonic, key_mode = "", None
        if self.ov.key is not None:
            try:
                tonic, key_mode = parse_key(self.ov.key)
            except ValueError:
                raise InvalidInput(
                    f"key {self.ov.key!r} is not a key; use a tonic ({', '.join(TONICS)}) optionally followed "
                    "by major or minor, e.g. 'F#', 'Bb minor', 'Dm'",
                    field="key",
                    allowed=list(TONICS),
                ) from None
        if self.ov.mode is not None:
            mode = {"major": "major", "maj": "major", "minor": "minor", "min": "minor"}.get(
                self.ov.mode.strip().lower()
            )
            if mode is None:
                raise InvalidInput(
                    f"mode {self.ov.mode!r} must be major or minor", field="mode", allowed=["major", "minor"]
                )
            if key_mode and key_mode != mode:
                self.notes.append(f"mode: the mode argument ({mode}) beat the key argument's {key_mode}")
            return Choice(mode, "argument", [self.ov.mode]), tonic
        if key_mode:
            return Choice(key_mode, "argument", [str(self.ov.key)]), tonic
        return self.said.get("mode"), tonic

    def moods(self, mode: Choice | None) -> Choice:
        if self.ov.mood:
            words = [self.ov.mood] if isinstance(self.ov.mood, str) else list(self.ov.mood)
            names = list(dict.fromkeys(_resolve(self.cat, "moods", w, "mood") for w in words))
            if len(names) > MAX_MOODS:
                raise InvalidInput(
                    f"mood: at most {MAX_MOODS} moods (got {len(names)})", field="mood", allowed=sorted(self.cat.moods)
                )
            return Choice(names, "argument", words)
        if "moods" in self.said:
            return self.said["moods"]
        fallback = DEFAULT_MOOD if DEFAULT_MOOD in self.cat.moods else next(iter(self.cat.moods))
        tempo = self.tempo_asked()
        if mode is None and tempo is None:
            return Choice([fallback], "default")
        name = planning.implied_mood(self.cat, mode and mode.value, tempo and tempo.value, fallback)
        why = " and ".join(x for x in (mode and mode.value, tempo and f"{tempo.value} bpm") if x)
        words = [*(mode.words if mode else []), *(tempo.words if tempo else [])]
        return Choice([name], "implied", words, f"no mood named; {name} fits {why}")

    def tempo_asked(self) -> Choice | None:
        if self.ov.tempo is not None:
            lo, hi = TEMPO_RANGE
            if not lo <= self.ov.tempo <= hi:
                raise _range_error("tempo", self.ov.tempo, lo, hi, "bpm")
            return Choice(self.ov.tempo, "argument", [str(self.ov.tempo)])
        return self.said.get("tempo") or self.heard.tempo_word

    def meter(self, genre: str, default: str) -> Choice:
        if self.ov.meter is not None:
            meter = self.ov.meter.strip().replace(" ", "")
            if meter not in METERS:
                raise InvalidInput(
                    f"meter {self.ov.meter!r} is not supported; use one of {', '.join(METERS)}",
                    field="meter",
                    allowed=list(METERS),
                )
            return Choice(meter, "argument", [self.ov.meter])
        if "meter" in self.said:
            return self.said["meter"]
        return self.derived(default, "genre", f"{genre}'s usual meter")

    def tempo(self, genre: Any, mood: Any) -> Choice:
        asked = self.tempo_asked()
        if asked is not None and (asked.source != "implied" or not self.heard.half_time):
            if self.heard.half_time:
                self.notes.append(f"tempo: '{self.heard.half_time}' noted, but the tempo {asked.value} was given")
            return asked
        if asked is None:
            bpm, clash = planning.default_tempo(genre, mood)
            basis = self.prov["moods"] if self.prov["moods"].source != "default" else self.prov["genre"]
            source: Source = "implied" if basis.source != "default" else "default"
            note = clash or f"middle of what {genre.name} and {mood.name} both allow"
            if clash:
                self.notes.append(f"tempo: {clash}")
            asked = Choice(bpm, source, list(basis.words), note)
        if self.heard.half_time:
            half = max(TEMPO_RANGE[0], round(asked.value / 2))
            asked = Choice(
                half, "implied", [*asked.words, self.heard.half_time], f"half-time: {asked.value} halved to {half}"
            )
        return asked

    def length(self, tempo: int, meter: str) -> Choice:
        """Bars for the requested length; arguments out of range raise, words are clamped."""
        max_bars = planning.max_bars_for(tempo, meter, MAX_SECONDS)
        if self.ov.length is not None:
            source: Source = "argument"
            words = [str(self.ov.length)]
            try:
                kind, value = (
                    parse_length(self.ov.length)
                    if isinstance(self.ov.length, str)
                    else ("seconds", float(self.ov.length))
                )
            except ValueError:
                raise _length_error(self.ov.length) from None
        elif "length" in self.said:
            chosen = self.said["length"]
            (kind, value), source, words = chosen.value, chosen.source, list(chosen.words)
        else:
            kind, value, source, words = "seconds", DEFAULT_SECONDS, "default", []
        if kind == "seconds":
            if source == "argument" and not 1 <= value <= MAX_SECONDS:
                raise _length_error(self.ov.length)
            secs = min(max(value, 1.0), float(MAX_SECONDS))
            if secs != value:
                self.notes.append(f"length: {value:.0f} s is outside 1-{MAX_SECONDS} s; used {secs:.0f} s")
            bars = min(planning.bars_for_seconds(secs, tempo, meter), max_bars)
            note = f"{secs:g} s at {tempo} bpm in {meter}"
        else:
            n = int(value)
            if source == "argument" and not 1 <= n <= max_bars:
                raise InvalidInput(
                    f"length {n} bars is out of range: at {tempo} bpm in {meter} at most {max_bars} bars "
                    f"fit in {MAX_SECONDS} s (and never more than {MAX_BARS})",
                    field="length",
                    allowed={"min_bars": 1, "max_bars": max_bars, "max_seconds": MAX_SECONDS},
                )
            bars = min(max(n, 1), max_bars)
            if bars != n:
                self.notes.append(f"length: {n} bars is outside 1-{max_bars} bars at {tempo} bpm; used {bars}")
            note = f"{n} bars"
        secs_out = planning.seconds_for_bars(bars, tempo, meter)
        return Choice(bars, source, words, f"{note} -> {bars} bars ({secs_out:.1f} s)")

    def section_names(self) -> list[str] | None:
        if self.ov.sections is not None:
            names = [re.sub(r"[\s-]+", "_", s.strip().lower()) for s in self.ov.sections]
            bad = [s for s, n in zip(self.ov.sections, names, strict=True) if not SECTION_NAME.match(n)]
            if bad or not 1 <= len(names) <= planning.MAX_SECTIONS:
                raise InvalidInput(
                    f"sections: give 1 to {planning.MAX_SECTIONS} names of lower-case letters, digits and _"
                    + (f" (bad: {', '.join(map(repr, bad))})" if bad else f" (got {len(names)})"),
                    field="sections",
                    allowed="e.g. ['intro', 'verse', 'chorus', 'verse', 'chorus', 'outro']",
                )
            return names
        return list(self.said["sections"].value) if "sections" in self.said else None

    def sections_choice(self, names: list[str] | None, sections: list[Any], genre: str, bars: int) -> Choice:
        value = [s.name for s in sections]
        if self.ov.sections is not None:
            return Choice(value, "argument", list(self.ov.sections), f"split over {bars} bars")
        if names is not None:
            said = self.said["sections"]
            return Choice(value, "stated", list(said.words), f"split over {bars} bars")
        return self.derived(value, "genre", f"the {genre} form fitted to {bars} bars")


def _resolve(catalog: Catalog, kind: str, word: str, field: str) -> str:
    """Name or synonym (any case, spacing or plural) -> catalogue name, else UnknownName."""
    table = {_compact(k): v for k, v in catalog.synonyms(kind).items()}
    key = _compact(word)
    for candidate in (key, key.removesuffix("s"), key.removesuffix("es")):
        if candidate in table:
            return table[candidate]
    raise unknown(kind[:-1], word, getattr(catalog, kind), field=field)


def _range_error(name: str, value: Any, lo: int, hi: int, unit: str) -> InvalidInput:
    return InvalidInput(
        f"{name} {value} is out of range: it must be between {lo} and {hi}{' ' + unit if unit else ''}",
        field=name,
        allowed={"min": lo, "max": hi, **({"unit": unit} if unit else {})},
    )


def _length_error(value: Any) -> InvalidInput:
    return InvalidInput(
        f"length {value!r} is out of range or unreadable: give 1-{MAX_SECONDS} seconds (at most 20 minutes) "
        f"as a number, 'm:ss', '90s', '2 minutes', or a bar count up to {MAX_BARS} ('32 bars')",
        field="length",
        allowed={"min_seconds": 1, "max_seconds": MAX_SECONDS, "max_bars": MAX_BARS},
    )
