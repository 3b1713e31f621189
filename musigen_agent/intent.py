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
from .catalog import Catalog, Genre, Mood
from .errors import InvalidInput, unknown
from .planning import ACCIDENTAL, LENGTH_RES, normalise_tonic, number, parse_key, parse_length, word_table
from .spec import MAX_BARS, MAX_PARTS, MAX_SECONDS, METERS, SECTION_NAME, TEMPO_RANGE, TONICS, TrackSpec

MAX_TEXT = 2000
MAX_MOODS = 3
DEFAULT_SECONDS = 60.0
DEFAULT_GENRE = "pop"
DEFAULT_MOOD = "happy"
#: The provenance keys of every Intent.
FIELDS = tuple("title genre moods tempo key mode meter length sections instruments seed model".split())


#: Words that carry no musical request; never reported as ignored.
STOPWORDS = frozenset(
    "a an the and or with in on of for to at by some me my i i'm im am we you please make write compose create "
    "generate give want would like need could can let let's it its it's is be that this something kind sort get "
    "type piece tune song track music musical number composition instrumental melody style feel vibe vibes looking "
    "ish just only solo alone also plus featuring feat using use very really quite super bit little have has "
    "mood genre tempo key time length form structure about around roughly approximately sound sounds over "
    "sounding playing played play plays lots lot then into from but not no without minus".split()
)
#: Tempo words -> bpm (Italian markings at the middle of their usual range).
TEMPO_WORDS = {
    w: int(v)
    for w, v in word_table(
        "grave=40; largo=50; very slow|really slow|super slow|lento=55; larghetto=63; slow|slowly|adagio=70; "
        "andante=90; andantino=95; moderate|moderately|medium tempo|mid-tempo|midtempo|mid tempo=100; "
        "moderato=110; allegretto=115; uptempo|up-tempo|up tempo=128; allegro=130; fast|quick=140; vivace=150; "
        "very fast|really fast|super fast=170; presto=175; prestissimo=200"
    ).items()
}
LENGTH_WORDS = {w: float(v) for w, v in word_table("very short=15; short|brief=30; long=180; very long=300").items()}
METER_WORDS = word_table(
    "waltz|waltzes|waltzy|waltz-like|triple meter|triple time|in three|in 3=3/4; jig|in six|in 6=6/8; "
    "march|in two|in 2=2/4; common time|in four|in 4=4/4; in five|in 5=5/4; in seven|in 7=7/8"
)
SECTION_WORDS = word_table(
    "intro|introduction=intro; verse=verse; pre-chorus|prechorus|pre chorus=pre_chorus; chorus|refrain=chorus; "
    "bridge|middle eight=bridge; breakdown=breakdown; build-up|buildup|build up=buildup; interlude=interlude; "
    "outro=outro; coda=coda; theme=theme"
)
#: Instrument words that name a family, not a model: the genre's own member is used.
GENERIC_INSTRUMENT_WORDS = frozenset({"guitar", "guitars", "keys", "keyboard", "keyboards"})

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


# ---------------------------------------------------------------------------- reading the words


class _Text:
    """The prompt with a claim mask: each extractor takes characters so no word counts twice."""

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


@dataclass
class _Heard:
    """What the words said, field by field (only what was actually found)."""

    choices: dict[str, Choice] = field(default_factory=dict)
    #: (instrument, words, count, generic word?, featured before a genre word?)
    instruments: list[tuple[str, str, int, bool, bool]] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)
    tempo_word: Choice | None = None
    half_time: str = ""
    notes: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)


def _compact(word: str) -> str:
    """Lower-case with spaces, hyphens and underscores removed: the lookup form of a phrase."""
    return re.sub(r"[\s_-]+", "", word.lower())


def _catalog_regex(catalog: Catalog) -> tuple[re.Pattern[str], dict[str, tuple[str, str]]]:
    """One alternation of every catalogue phrase, longest first, so 'electric piano' beats 'piano'.

    The table is keyed by the compact phrase, so 'bossa nova', 'bossa-nova' and
    'bossanova' are one phrase; instruments also match their plural.
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
        if _compact(word) not in table:
            table[_compact(word)] = phrases[word]
            pat = r"[\s_-]*".join(map(re.escape, word.split(" ")))
            parts.append(pat + (r"(?:-?ish)?" if phrases[word][0] == "genres" else ""))
    return re.compile(r"(?<!\w)(?:" + "|".join(parts or ["(?!)"]) + r")(?!\w)"), table


EXCLUDE_BEFORE = re.compile(
    r"(?:\b(?:no|without|minus|except(?:\s+for)?|sans|not|drop|remove|excluding|skip|lose|leave\s+out)|w/o)"
    r"\s+(?:the\s+|any\s+|a\s+|an\s+)?$"
)
OR_BETWEEN = re.compile(r"\s*,?\s*(?:or|nor)\s+(?:the\s+|any\s+)?")
COUNT_BEFORE = re.compile(r"(?<![\w.])(two|three|four|2|3|4)\s+$")
LESS_RE = re.compile(r"(?<!\w)([a-z]+?)-?less(?!\w)")


def _read_catalog(t: _Text, catalog: Catalog, heard: _Heard) -> None:
    """Instruments (with counts and exclusions), genres and moods named in the words."""
    rx, table = _catalog_regex(catalog)
    found = []
    for m in list(t.matches(rx)):
        key = _compact(m.group())
        found.append((m, *(table[key] if key in table else table[key.removesuffix("ish")])))
    named: dict[str, list[tuple[str, str]]] = {"genres": [], "moods": []}
    excluding_until = -1
    for i, (m, kind, name) in enumerate(found):
        start = m.start()
        if kind != "instruments":
            named[kind].append((name, t.take(start, m.end())))
            continue
        at = max(0, start - 32)  # the few words before an instrument say 'no', 'without' or 'two'
        before = t.low[at:start]
        ex = EXCLUDE_BEFORE.search(before)
        if ex or (excluding_until >= 0 and OR_BETWEEN.fullmatch(t.low[excluding_until:start])):
            heard.excluded.append((name, t.take(at + ex.start() if ex else start, m.end())))
            excluding_until = m.end()
            continue
        excluding_until = -1
        count, n = COUNT_BEFORE.search(before), 1
        if count and t.free(at + count.start(1), at + count.end(1)):
            n, start = int(number(count.group(1))), at + count.start(1)
        nxt = found[i + 1] if i + 1 < len(found) else None
        featured = bool(nxt and nxt[1] == "genres" and re.fullmatch(r"[\s-]*", t.low[m.end() : nxt[0].start()]))
        generic = m.group() in GENERIC_INSTRUMENT_WORDS
        heard.instruments.append((name, t.take(start, m.end()), n, generic, featured))
    for m in t.matches(LESS_RE):
        hit = table.get(_compact(m.group(1))) or table.get(_compact(m.group(1)) + "s")
        if hit and hit[0] == "instruments":
            heard.excluded.append((hit[1], t.take(*m.span())))
    if genres := named["genres"]:
        name = genres[0][0]
        others = sorted({g for g, _ in genres if g != name})
        note = f"also heard {', '.join(others)}; used {name} (the first named)" if others else ""
        heard.choices["genre"] = Choice(name, "stated", [w for g, w in genres if g == name], note)
        heard.notes += [f"genre: {note}"] if note else []
    if moods := named["moods"]:
        names = list(dict.fromkeys(n for n, _ in moods))
        note = f"at most {MAX_MOODS} moods; dropped {', '.join(names[MAX_MOODS:])}" if len(names) > MAX_MOODS else ""
        heard.notes += [f"moods: {note}"] if note else []
        names = names[:MAX_MOODS]
        heard.choices["moods"] = Choice(names, "stated", [w for n, w in moods if n in names], note)


_BPM = r"(?:bpm|beats\s*(?:per|a|/)\s*min(?:ute)?)\b"
TEMPO_RES = (
    re.compile(rf"(?<![\w.])(?P<a>\d{{1,4}})\s*(?:-|–|to)\s*(?P<b>\d{{1,4}})\s*{_BPM}"),
    re.compile(rf"(?<![\w.])(?P<n>\d{{1,4}}(?:\.\d+)?)\s*-?\s*{_BPM}"),
    re.compile(r"\b(?:bpm|tempo)\s*(?:[:=]|of|at|is|around|about)?\s*(?:of\s+|at\s+)?(?P<n>\d{1,4})(?![\d/:])"),
    re.compile(r"(?:♩|\bq|\bquarter|\bcrotchet)\s*=\s*(?P<n>\d{1,4})\b"),
    re.compile(r"\bat\s+(?P<n>\d{2,3})(?![\d.:/%])(?!\s*(?:-|x\b|bars?|measures?|min|sec|s\b|m\b|h\b|hours?|hrs?))"),
)
KEY_RES = (
    re.compile(
        rf"(?<![\w#])(?P<l>[a-g]){ACCIDENTAL}?(?:\s*-?\s*(?P<mode>major|minor|maj\b|min\b)|(?P<m>m)\b)(?:\s+key)?"
    ),
    re.compile(rf"\b(?P<pre>in(?:\s+the\s+key\s+of)?|key\s+of|key\s*:?)\s+(?P<l>[a-g]){ACCIDENTAL}?(?![\w#♯♭'-])"),
)
MODE_RE = re.compile(r"\b(?P<mode>major|minor)(?:\s+(?:key|mode|tonality))?\b")
METER_RE = re.compile(r"(?<![\d/])(?P<a>\d{1,2})\s*/\s*(?P<b>\d{1,2})(?![\d/])(?:\s*(?:time|meter|metre))?")
_TIME_UNIT = r"(?:\s*(?:minutes?|mins?|seconds?|secs?|bars?|measures?|hours?|bpm|[/:.]|s\b|m\b))"
METER_WORD_RE = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, METER_WORDS))})(?![\w/])(?!{_TIME_UNIT})")
TEMPO_WORD_RE = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted(map(re.escape, TEMPO_WORDS), key=len, reverse=True)) + r")(?![\w-])"
)
HALF_TIME_RE = re.compile(r"\bhalf[\s-]?time\b")
LENGTH_WORD_RE = re.compile(r"\b(?:very\s+)?(?:short|brief|long)\b(?!\s+(?:intro|outro|verse|chorus|bridge))")
DECADE_AFTER = re.compile(r"\s*-?\s*(?:style|vibes?|sound|era|retro|inspired|throwback|nostalgia)\b")
SECTION_RE = re.compile(
    r"(?:\b(?P<n>\d|one|two|three|four|five|six|a|an)\s+)?(?<!\w)(?P<w>"
    + "|".join(re.sub(r"\\[ -]", r"[\\s-]?", re.escape(w)) for w in sorted(SECTION_WORDS, key=len, reverse=True))
    + r")(?P<pl>e?s)?(?!\w)(?:\s*[x×]\s*(?P<k>\d))?(?:\s+(?P<t>twice|three times))?"
)
SECTION_FOLLOWS = re.compile(rf"\s+(?:{'|'.join(map(re.escape, SECTION_WORDS))})s?$")
SECTION_LOOKUP = {_compact(w): name for w, name in SECTION_WORDS.items()}
TITLE_RE = re.compile(r"\b(?:titled|called|named|title)\s*[:=]?\s*[\"“'‘](?P<t>[^\"”'’]{1,200})[\"”'’]")


def _read(text: str, catalog: Catalog) -> _Heard:
    """Everything the words state, each claiming its characters; the rest is ignored.

    Order matters where words compete: 'beats per minute' is a tempo before 'beats'
    can be drums, '12-bar blues' is a genre before '12-bar' can be a length.
    """
    t, heard = _Text(text), _Heard()
    c = heard.choices
    for m in t.matches(TITLE_RE):
        t.take(*m.span())
        c["title"] = Choice(t.orig[m.start("t") : m.end("t")].strip(), "stated", [m["t"]])
    for m in (m for rx in TEMPO_RES for m in t.matches(rx)):
        bpm = round((int(m["a"]) + int(m["b"])) / 2 if m.groupdict().get("a") else float(m["n"]))
        c["tempo"] = _clamped_tempo(bpm, t.take(*m.span()), heard)
        break
    _read_catalog(t, catalog, heard)
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


def _clamped_tempo(bpm: int, word: str, heard: _Heard) -> Choice:
    lo, hi = TEMPO_RANGE
    used = min(hi, max(lo, bpm))
    note = "" if used == bpm else f"{bpm} bpm is outside {lo}-{hi} bpm; used {used}"
    heard.notes += [f"tempo: {note}"] if note else []
    return Choice(used, "stated", [word], note)


def _read_key(t: _Text, heard: _Heard) -> None:
    """'in F# minor', 'B-flat major', 'Dm', 'in Bb', then a bare 'minor'/'major'.

    A lone 'a' or a letter+m ('am', 'em') is only a key when written in capitals or
    after 'in'/'key of': "I am", "a major label" and "in a minute" are not keys.
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
                c["mode"] = Choice("major" if mode.startswith("maj") else "minor", "stated", [word])
            break
        if "key" in c:
            break
    for m in t.matches(MODE_RE):
        c.setdefault("mode", Choice(m["mode"], "stated", [t.take(*m.span())]))


def _read_meter(t: _Text, heard: _Heard) -> None:
    for m in t.matches(METER_RE):
        meter, word = f"{int(m['a'])}/{int(m['b'])}", t.take(*m.span())
        if meter in METERS:
            heard.choices.setdefault("meter", Choice(meter, "stated", [word]))
        else:
            heard.notes.append(f"meter: {meter} is not supported (choose from {', '.join(METERS)}); ignored it")
    for m in t.matches(METER_WORD_RE):
        heard.choices.setdefault("meter", Choice(METER_WORDS[m.group()], "stated", [t.take(*m.span())]))


def _read_length(t: _Text, heard: _Heard) -> None:
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


def _is_decade(t: _Text, m: re.Match[str]) -> bool:
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


def _read_sections(t: _Text, heard: _Heard) -> None:
    """A structure is stated when at least two sections are named ('verse-chorus-verse')."""
    found = []
    for m in t.matches(SECTION_RE):
        if m["k"] or m["t"]:
            n = int(m["k"]) if m["k"] else 2 if m["t"] == "twice" else 3
        elif m["n"] and m["n"] not in ("a", "an"):
            n = int(number(m["n"]))
        else:
            n = 2 if m["pl"] else 1
        found.append((SECTION_LOOKUP[_compact(m["w"])], min(n, 8), m))
    if sum(n for _, n, _ in found) >= 2:
        names = [name for name, n, _ in found for _ in range(n)][: planning.MAX_SECTIONS]
        heard.choices["sections"] = Choice(names, "stated", [t.take(*m.span()) for _, _, m in found])


# ---------------------------------------------------------------------------- deciding


def parse(text: str, catalog: Catalog, overrides: Overrides | None = None) -> Intent:
    """Turn a description (and explicit arguments) into a validated TrackSpec with provenance.

    Precedence per field: argument > stated in the words > implied by other words >
    default.  Odd words never raise (they are listed in ``ignored``); InvalidInput or
    UnknownName is raised only for bad arguments, an empty request or a text over
    2,000 characters.
    """
    ov = overrides or Overrides()
    text = text or ""
    if len(text) > MAX_TEXT:
        raise _invalid(
            "description",
            f"description is {len(text)} characters; at most {MAX_TEXT} are allowed",
            f"1-{MAX_TEXT} characters",
        )
    if not text.strip() and ov.is_empty():
        raise _invalid(
            "description",
            "description is empty: describe the track in words (e.g. 'a relaxed jazz tune in F, 90 bpm, piano and "
            "upright bass, 1 minute') or pass explicit arguments",
            f"1-{MAX_TEXT} characters",
        )
    return _Decision(_read(text, catalog), ov, catalog, text).run()


class _Decision:
    """Resolves each field in dependency order: band -> genre -> mood -> mode -> key -> ... -> spec."""

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

    def pick(self, name: str, argument: Any, default: Choice) -> Choice:
        """Argument, else what the words said, else ``default``."""
        if argument is not None:
            return Choice(argument, "argument", [str(argument)])
        return self.said.get(name) or default

    def derived(self, value: Any, basis: str, note: str) -> Choice:
        """A value that follows from another field: implied when that field was asked for, else a default."""
        base = self.prov[basis]
        return Choice(value, "default" if base.source == "default" else "implied", list(base.words), note)

    def run(self) -> Intent:
        named = self.named_band()
        genre = self.cat.genre(self.set("genre", self.genre(named)))
        mode_asked, tonic_arg = self.mode_asked()
        moods = self.set("moods", self.moods(mode_asked))
        mood = self.cat.mood(moods[0])
        mode = self.set("mode", mode_asked or self.derived(mood.mode, "moods", f"{mood.name} music is {mood.mode}"))
        if mode_asked and mode != mood.mode and self.prov["moods"].source in ("stated", "argument"):
            self.notes.append(f"mode: {mood.name} is usually {mood.mode}; kept the requested {mode}")
        key_default = self.derived(planning.default_key(mood, mode), "moods", f"a {mood.name} key in {mode}")
        key = self.set("key", self.pick("key", tonic_arg, key_default))
        if tonic_arg:
            self.prov["key"].words = [str(self.ov.key)]
        meter = self.set("meter", self.meter(genre))
        tempo = self.set("tempo", self.tempo(genre, mood))
        names = self.section_names()
        bars = self.set("length", self.length(tempo, meter, len(names) if names else 0))
        band = self.band(named, genre)
        default_title = Choice(planning.default_title(genre, mood, key, mode), "default")
        self.set("title", self.pick("title", self.ov.title, default_title))
        seed = self.set("seed", self.pick("seed", self.ov.seed, Choice(0, "default")))
        if not 0 <= seed <= 2**32 - 1:
            raise _range_error("seed", seed, 0, 2**32 - 1, "")
        if self.ov.model is not None:
            self.cat.model(self.ov.model)
        self.set("model", self.pick("model", self.ov.model, Choice("theory", "default")))
        try:
            sections = planning.plan_sections(genre, bars, names)
            self.set("sections", self.sections_choice(names, [s.name for s in sections], genre, bars))
            spec = TrackSpec(
                **{k: self.prov[k].value for k in ("title", "moods", "tempo", "key", "mode", "meter", "seed", "model")},
                description=self.text,
                genre=genre.name,
                sections=sections,
                parts=planning.assign_parts(band, self.cat),
                swing=genre.swing,
            )
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"]) or "spec"
            raise _invalid(loc, f"{loc}: {err['msg']}") from None
        return Intent(spec=spec, provenance=self.prov, ignored=self.heard.ignored, notes=self.notes)

    def named_band(self) -> Choice | None:
        """Instruments named by argument or in the words (exclusions and genre come later)."""
        if self.ov.instruments is not None:
            if not 1 <= len(self.ov.instruments) <= MAX_PARTS:
                raise _invalid(
                    "instruments",
                    f"instruments: give 1 to {MAX_PARTS} instruments (got {len(self.ov.instruments)})",
                    sorted(self.cat.instruments),
                )
            band = [_resolve(self.cat, "instruments", w, "instruments") for w in self.ov.instruments]
            return Choice(band, "argument", list(self.ov.instruments))
        counts: dict[str, int] = {}
        for name, _, n, _, featured in self.heard.instruments:
            if not featured:
                counts[name] = max(counts.get(name, 0), n)
        band = [name for name, n in counts.items() for _ in range(n)]
        return Choice(band, "stated", [w for _, w, *_ in self.heard.instruments]) if band else None

    def band(self, named: Choice | None, genre: Genre) -> list[str]:
        """The final band: named instruments (or the genre's band), featured ones added, exclusions removed."""
        if named is not None and named.source == "argument":
            self.set("instruments", named)
            return list(named.value)
        choice = named or self.derived(list(genre.instruments), "genre", f"the {genre.name} band")
        band = list(choice.value)
        for name, words, _, generic, featured in self.heard.instruments:
            variant = planning.genre_variant(name, genre, self.cat) if generic else name
            if variant != name:
                band = [variant if b == name else b for b in band]
                self.notes.append(f"instruments: '{words}' in {genre.name} means {variant}")
            if featured and variant not in band:
                band.append(variant)
                choice.words.append(words)
        for name, words in self.heard.excluded:
            gone = planning.exclude(band, name, self.cat)
            band = [b for b in band if b not in gone]
            choice.words.append(words)
            if not gone:
                self.notes.append(f"instruments: '{words}' - there was no {name} to remove")
        if not band:
            gone = {name for name, _ in self.heard.excluded}
            band = [b for b in genre.instruments if b not in gone] or list(genre.instruments[:1])
            self.notes.append(f"instruments: every instrument was excluded; used {', '.join(band)}")
        if len(band) > MAX_PARTS:
            self.notes.append(f"instruments: at most {MAX_PARTS} parts; dropped {', '.join(band[MAX_PARTS:])}")
            band = band[:MAX_PARTS]
        choice.value = band
        self.set("instruments", choice)
        return band

    def genre(self, named: Choice | None) -> Choice:
        if self.ov.genre is not None:
            return Choice(_resolve(self.cat, "genres", self.ov.genre, "genre"), "argument", [self.ov.genre])
        if "genre" in self.said:
            return self.said["genre"]
        if named and (implied := planning.implied_genre(named.value, self.cat)):
            return Choice(implied, "implied", list(named.words), f"only {implied}'s band has all these instruments")
        return Choice(DEFAULT_GENRE if DEFAULT_GENRE in self.cat.genres else next(iter(self.cat.genres)), "default")

    def mode_asked(self) -> tuple[Choice | None, str | None]:
        """The mode asked for (mode argument > key argument's mode > words) and the key argument's tonic."""
        tonic, key_mode = None, None
        if self.ov.key is not None:
            try:
                tonic, key_mode = parse_key(self.ov.key)
            except ValueError:
                raise _invalid(
                    "key",
                    f"key {self.ov.key!r} is not a key; use a tonic ({', '.join(TONICS)}) optionally followed by "
                    "major or minor, e.g. 'F#', 'Bb minor', 'Dm'",
                    list(TONICS),
                ) from None
        if self.ov.mode is not None:
            mode = {"maj": "major", "min": "minor"}.get(self.ov.mode.strip().lower(), self.ov.mode.strip().lower())
            if mode not in ("major", "minor"):
                raise _invalid("mode", f"mode {self.ov.mode!r} must be major or minor", ["major", "minor"])
            if key_mode and key_mode != mode:
                self.notes.append(f"mode: the mode argument ({mode}) beat the key argument's {key_mode}")
            return Choice(mode, "argument", [self.ov.mode]), tonic
        if key_mode:
            return Choice(key_mode, "argument", [str(self.ov.key)]), tonic
        return self.said.get("mode"), tonic

    def moods(self, mode: Choice | None) -> Choice:
        if self.ov.mood is not None:
            words = [self.ov.mood] if isinstance(self.ov.mood, str) else list(self.ov.mood)
            names = list(dict.fromkeys(_resolve(self.cat, "moods", w, "mood") for w in words))
            if not 1 <= len(names) <= MAX_MOODS:
                raise _invalid("mood", f"mood: give 1 to {MAX_MOODS} moods (got {len(names)})", sorted(self.cat.moods))
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
            if not TEMPO_RANGE[0] <= self.ov.tempo <= TEMPO_RANGE[1]:
                raise _range_error("tempo", self.ov.tempo, *TEMPO_RANGE, "bpm")
            return Choice(self.ov.tempo, "argument", [str(self.ov.tempo)])
        return self.said.get("tempo") or self.heard.tempo_word

    def meter(self, genre: Genre) -> Choice:
        if self.ov.meter is not None:
            meter = re.sub(r"\s+", "", self.ov.meter)
            if meter not in METERS:
                raise _invalid(
                    "meter", f"meter {self.ov.meter!r} is not supported; use one of {', '.join(METERS)}", list(METERS)
                )
            return Choice(meter, "argument", [self.ov.meter])
        return self.said.get("meter") or self.derived(genre.meters[0], "genre", f"{genre.name}'s usual meter")

    def tempo(self, genre: Genre, mood: Mood) -> Choice:
        """Asked tempo, else genre x mood; 'half-time' halves anything but a number that was given."""
        asked = self.tempo_asked()
        if asked is not None and asked.source != "implied":
            if self.heard.half_time:
                self.notes.append(f"tempo: '{self.heard.half_time}' noted, but {asked.value} bpm was given")
            return asked
        if asked is None:
            bpm, clash = planning.default_tempo(genre, mood)
            self.notes += [f"tempo: {clash}"] if clash else []
            basis = "moods" if self.prov["moods"].source != "default" else "genre"
            asked = self.derived(bpm, basis, clash or f"middle of what {genre.name} and {mood.name} both allow")
        if self.heard.half_time:
            half = max(TEMPO_RANGE[0], round(asked.value / 2))
            note = f"half-time: {asked.value} halved to {half}"
            asked = Choice(half, "implied", [*asked.words, self.heard.half_time], note)
        return asked

    def length(self, tempo: int, meter: str, sections: int) -> Choice:
        """Bars for the requested length: arguments out of range raise, words are clamped with a note."""
        if self.ov.length is not None:
            source: Source = "argument"
            words = [str(self.ov.length)]
            try:
                raw = self.ov.length
                kind, value = parse_length(raw) if isinstance(raw, str) else ("seconds", float(raw))
            except ValueError:
                raise _length_error(self.ov.length) from None
            most = planning.max_bars_for(tempo, meter, MAX_SECONDS)
            bars = planning.bars_for_seconds(value, tempo, meter) if kind == "seconds" else value
            if not (1 <= value <= MAX_SECONDS if kind == "seconds" else 1 <= value) or bars > most:
                raise _length_error(self.ov.length, f" (at {tempo} bpm in {meter}: at most {most} bars)")
        elif "length" in self.said:
            said = self.said["length"]
            (kind, value), source, words = said.value, said.source, list(said.words)
        else:
            kind, value, source, words = "seconds", DEFAULT_SECONDS, "default", []
        bars, clamped = planning.fit_length(kind, value, tempo, meter)
        if sections and bars > sections * planning.MAX_SECTION_BARS:
            bars, clamped = sections * planning.MAX_SECTION_BARS, f"{sections} sections hold at most {bars} bars"
        self.notes += [f"length: {clamped}"] if clamped else []
        asked = f"{value:g} s at {tempo} bpm in {meter}" if kind == "seconds" else f"{value:g} bars"
        secs = planning.seconds_for_bars(bars, tempo, meter)
        return Choice(bars, source, words, clamped or f"{asked} -> {bars} bars ({secs:.1f} s)")

    def section_names(self) -> list[str] | None:
        if self.ov.sections is None:
            return list(self.said["sections"].value) if "sections" in self.said else None
        names = [re.sub(r"[\s-]+", "_", s.strip().lower()) for s in self.ov.sections]
        bad = [s for s, n in zip(self.ov.sections, names, strict=True) if not SECTION_NAME.match(n)]
        if bad or not 1 <= len(names) <= planning.MAX_SECTIONS:
            detail = f"bad: {', '.join(map(repr, bad))}" if bad else f"got {len(names)}"
            raise _invalid(
                "sections",
                f"sections: give 1 to {planning.MAX_SECTIONS} names of lower-case letters, digits and _ ({detail})",
                "e.g. ['intro', 'verse', 'chorus', 'verse', 'chorus', 'outro']",
            )
        return names

    def sections_choice(self, names: list[str] | None, value: list[str], genre: Genre, bars: int) -> Choice:
        if names and len(value) < len(names):
            self.notes.append(f"sections: {bars} bars fit only the first {len(value)} sections")
        if self.ov.sections is not None:
            return Choice(value, "argument", list(self.ov.sections), f"split over {bars} bars")
        if names is not None:
            return Choice(value, "stated", list(self.said["sections"].words), f"split over {bars} bars")
        return self.derived(value, "genre", f"the {genre.name} form fitted to {bars} bars")


def _resolve(catalog: Catalog, kind: str, word: str, field: str) -> str:
    """Name or synonym (any case, spacing or plural) -> catalogue name, else UnknownName with suggestions."""
    table = {_compact(k): v for k, v in catalog.synonyms(kind).items()}
    key = _compact(word)
    for candidate in (key, key.removesuffix("s"), key.removesuffix("es")):
        if candidate in table:
            return table[candidate]
    raise unknown(kind[:-1], word, getattr(catalog, kind), field=field)


def _invalid(name: str, message: str, allowed: Any = None) -> InvalidInput:
    return InvalidInput(message, field=name, allowed=allowed)


def _range_error(name: str, value: Any, lo: int, hi: int, unit: str) -> InvalidInput:
    return InvalidInput(
        f"{name} {value} is out of range: it must be between {lo} and {hi}{' ' + unit if unit else ''}",
        field=name,
        allowed={"min": lo, "max": hi, **({"unit": unit} if unit else {})},
    )


def _length_error(value: Any, detail: str = "") -> InvalidInput:
    return InvalidInput(
        f"length {value!r} is out of range or unreadable{detail}: give 1-{MAX_SECONDS} seconds (at most 20 "
        f"minutes) as a number, 'm:ss', '90s', '2 minutes', or a bar count up to {MAX_BARS} ('32 bars')",
        field="length",
        allowed={"min_seconds": 1, "max_seconds": MAX_SECONDS, "max_bars": MAX_BARS},
    )
