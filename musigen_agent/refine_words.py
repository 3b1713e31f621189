"""Words -> refine ops: "no drums in the intro, a bit slower" -> [MuteIn(...), SetTempo(...)].

The product's loop is *describe, listen, say what to change*.  People (and LLMs that would
rather not learn the op schema) say the change in words; this module turns each clause into
typed :mod:`musigen_agent.ops` and reports the words behind every op and the clauses it could
not map, so a caller can show what was understood and ask about the rest instead of guessing.

Deterministic and offline: regular expressions plus the catalogue's synonyms, resolved
against the *current* spec, so "the guitar" is the guitar part this track has (by part name,
instrument, then instrument family) and "slower" is relative to its tempo.  The instruction
is cut into clauses; rules are tried in order and the first that claims a clause wins.  A
rule that recognises a request but cannot resolve a name (a part the track lacks) puts a
note in ``not_understood`` instead of raising.

Choices the words leave open:

- "add a sax solo in the bridge" -> AddInstrument(saxophone, role=melody, name=N) and
  MuteIn(N, every other section); N is the instrument name, or name_2, ... when taken.
- "mute/drop/cut/no X" -> Mute (reversible); "remove/lose/get rid of X" -> RemoveInstrument;
  either with a section ("no drums in the intro") -> MuteIn; a section as the object
  ("cut the outro") -> RemoveSection.
- "make it 3 minutes long" -> Extend by the multiple of 4 bars closest to the target;
  shortening the whole track is not guessed (the note asks which section to cut).
- "vary the chorus" (no part named) varies the melody part there.
- A section kind ("the chorus") is passed as the kind; edits resolves it.
- Gain, pan and density are per part for the whole track, so "louder drums in the chorus"
  is a note, not a silent whole-track change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from .catalog import Catalog
from .ops import (
    MAX_OPS,
    AddInstrument,
    AddSection,
    ChangeGenre,
    ChangeMood,
    Density,
    Ending,
    Extend,
    Gain,
    Humanize,
    Mute,
    MuteIn,
    Op,
    Pan,
    Regenerate,
    RemoveInstrument,
    RemoveSection,
    ReplaceInstrument,
    ResizeSection,
    SetChords,
    SetEnergy,
    SetKey,
    SetMode,
    SetTempo,
    Solo,
    Swing,
    Transpose,
    Vary,
)
from .spec import TEMPO_RANGE, TONICS, TrackSpec
from .theory import note_name, parse_chord, pitch_class


@dataclass
class Understood:
    op: Op
    words: str  # the clause that produced the op, as written


@dataclass
class Reading:
    ops: list[Understood]
    not_understood: list[str]  # clauses it could not map; "clause: note" when it knows why


#: Shown to people and LLMs when nothing was understood; each is understood by the tests' fixture track.
EXAMPLES: tuple[str, ...] = tuple(
    "darker; a bit slower; tempo 96; no drums in the intro; swap the piano for a rhodes; add a flute playing the "
    "melody; add a sax solo in the bridge; remove the pad; double the chorus; more swing; simpler bass; louder drums, "
    "pan the guitar left; transpose up a whole step; make it reggae; chords Am F C G in the verse".split("; ")
)

NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
NUMBERS |= {"nine": 9, "ten": 10, "twelve": 12, "sixteen": 16, "twenty": 20, "thirty": 30, "thirty-two": 32}
NUM = "|".join(sorted(NUMBERS, key=len, reverse=True)) + r"|\d+(?:\.\d+)?"
ROLE_WORDS = {"melody": "melody", "lead": "melody", "lead line": "melody", "harmony": "harmony", "chords": "harmony"}
ROLE_WORDS |= {
    "counter melody": "counter_melody",
    "counter-melody": "counter_melody",
    "countermelody": "counter_melody",
}
ROLE_WORDS |= {"comping": "harmony", "rhythm": "rhythm", "bass": "bass", "bass line": "bass", "bassline": "bass"}
ROLE_WORDS |= {"pad": "pad", "pads": "pad", "beat": "rhythm", "groove": "rhythm"}
SECTION_WORDS = {
    k: k for k in ("intro", "verse", "chorus", "bridge", "breakdown", "interlude", "outro", "coda", "theme")
}
SECTION_WORDS |= {"introduction": "intro", "refrain": "chorus", "middle eight": "bridge", "buildup": "buildup"}
SECTION_WORDS |= {"pre-chorus": "pre_chorus", "prechorus": "pre_chorus", "pre chorus": "pre_chorus"}
STEPS = {"semitone": 1, "semi-tone": 1, "half step": 1, "half-step": 1, "whole step": 2, "whole-step": 2, "tone": 2}
STEPS |= {"whole tone": 2, "step": 2, "octave": 12, "minor third": 3, "major third": 4, "fourth": 5, "fifth": 7}
ART = r"(?:the|a|an|some|my|our|that|this|those|these|both|all(?: of)?(?: the)?)\s+"
MUCH = r"much|a lot|lots|way|far|significantly|considerably|really"
BIT = r"a bit|a little|slightly|a touch|a tad|somewhat|bit|little"
BARS = re.compile(rf"\b({NUM})\s*-?\s*(?:bars?|measures?)\b")
LENGTH = re.compile(
    rf"\b(?:(\d+):([0-5]\d)|({NUM})\s*(?:more\s+|extra\s+)?-?\s*(bar|measure|minute|min|second|sec|s|m)s?)\b"
)
LEVEL = r"\s*(?:to|of|at|by|=|:)?\s*(?P<v>0?\.\d+|1(?:\.0+)?|0|\d{1,3}\s*%)"
FASTER = (
    r"faster|quicker|speed (?:it )?up|(?:up|raise|increase|push|pick up|bump up) the (?:tempo|pace|speed)|up-?tempo"
)
SLOWER = r"slower|slow (?:it )?down|(?:lower|reduce|decrease|drop|bring down) the (?:tempo|pace|speed)|down-?tempo"
LEAD_FILLER = re.compile(
    r"^(?:(?:please|pls|can you|could you|would you|will you|let's|lets|let us|i want to|i'd like to|"
    r"i would like to|we should|now|also|and|ok|okay|so|maybe|then)\s+)+"
)
PLEASANTRIES = re.compile(r"please|thanks|thank you|ok|okay|cool|great|nice|and|then|also|now")
STYLE_FILLER = frozenset(
    "make it more a an the bit little lot much very really way sound sounds feel feels like as in style version "
    "vibe vibes go turn into to switch change genre mood kind sort of please lets let's try do be should ish "
    "something type flavour flavor touch twist rework rearrange slightly somewhat kinda whole thing track song".split()
)


class _Unclear(Exception):
    """A clause understood as a request the current track cannot take; the message says what it has."""


@dataclass(frozen=True)
class _M:
    """A mention: kind part / instrument / role / section, or gap (a section word the track lacks)."""

    start: int
    end: int
    word: str
    kind: str
    value: str


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _word_re(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b")


def _has(pattern: str, text: str) -> re.Match[str] | None:
    """``pattern`` as whole words in ``text`` (compiled once: rules build patterns from word lists)."""
    return _word_re(pattern).search(text)


def _kind(name: str) -> str:
    base, _, n = name.rpartition("_")
    return base if base and n.isdigit() else name


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def _num(word: str) -> float:
    return float(word) if word[0].isdigit() else float(NUMBERS[word])


def _tempo(bpm: float) -> SetTempo:
    """Relative tempo changes clamp to the allowed range; exact ones outside it are refused (see _set_tempo)."""
    return SetTempo(bpm=min(TEMPO_RANGE[1], max(TEMPO_RANGE[0], round(bpm))))


class _Ctx:
    """The current spec's vocabulary: its parts and sections under every name the words may use."""

    def __init__(self, spec: TrackSpec, catalog: Catalog) -> None:
        self.spec, self.catalog = spec, catalog
        things = {w: ("part", p.name) for p in spec.parts for w in (p.name, p.name.replace("_", " "))}
        instruments = catalog.synonyms("instruments")
        for word, name in instruments.items():
            things.setdefault(word, ("instrument", name))
        for word, role in ROLE_WORDS.items():
            things.setdefault(word, ("role", role))
        kinds: dict[str, list[str]] = {}
        for s in spec.sections:
            kinds.setdefault(_kind(s.name), []).append(s.name)
        sections = {w: ("section", s.name) for s in spec.sections for w in (s.name, s.name.replace("_", " "))}
        for k, names in kinds.items():
            sections |= {w: ("section", v) for w, v in ((k, k), (f"last {k}", names[-1]), (f"final {k}", names[-1]))}
            for i, n in enumerate(names):
                ordinal = ("first", "second", "third", "fourth", "fifth")[min(i, 4)]
                for word in (f"{k} {i + 1}", f"{k}{i + 1}", f"{ordinal} {k}"):
                    sections.setdefault(word, ("section", n))
        for word, k in SECTION_WORDS.items():
            sections.setdefault(word, ("section", k) if k in kinds else ("gap", k))
        self.vocab, self.section_vocab = things, sections
        self._thing_re = re.compile(rf"(?<![\w-])(?P<w>{_alternation(things)})(?:e?s)?(?![\w-])")
        self._section_re = re.compile(rf"(?<![\w-])(?P<w>{_alternation(sections)})(?:e?s)?(?![\w-])(?!\s*-?\s*bar)")
        self.styles = {k: catalog.synonyms(k) for k in ("genres", "moods")}
        self.style_re = re.compile(
            rf"(?<![\w-])(?:{_alternation(self.styles['genres'] | self.styles['moods'])})(?![\w-])"
        )
        self.protected = [w for table in (instruments, *self.styles.values()) for w in table if " and " in w]
        self.part_list = ", ".join(p.name for p in spec.parts)
        self.section_list = ", ".join(s.name for s in spec.sections)

    def things(self, text: str) -> list[_M]:
        return [_M(m.start(), m.end(), m["w"], *self.vocab[m["w"]]) for m in self._thing_re.finditer(text)]

    def sections(self, text: str) -> list[_M]:
        return [_M(m.start(), m.end(), m["w"], *self.section_vocab[m["w"]]) for m in self._section_re.finditer(text)]

    def mentions(self, text: str) -> list[_M]:
        out: list[_M] = []
        for m in sorted(self.things(text) + self.sections(text), key=lambda m: (m.start, m.start - m.end)):
            if not out or m.start >= out[-1].end:
                out.append(m)
        return out

    def objects(self, text: str) -> list[_M] | None:
        """The mentions if ``text`` is nothing but a list of them ("the piano and the bass"), else None."""
        found, pos = self.mentions(text), 0
        for m in found:
            if not re.fullmatch(rf"\s*(?:(?:,|and|&|or|plus)\s*)?(?:{ART})?", text[pos : m.start]):
                return None
            pos = m.end
        tail = r"(?:\s+(?:part|parts|track|tracks|section|sections|sound|completely|entirely|altogether|too|now))*\s*"
        return found if found and re.fullmatch(tail, text[pos:]) else None

    def parts(self, mentions: list[_M]) -> list[str]:
        """Existing parts the mentions name: by part name, instrument, instrument family or role."""
        out: list[str] = []
        for m in (m for m in mentions if m.kind in ("part", "instrument", "role")):
            found = [p.name for p in self.spec.parts if m.value in (p.name, p.instrument, p.role)]
            if not found and m.kind == "instrument":
                family = self.catalog.instruments[m.value].family
                found = [p.name for p in self.spec.parts if self._family(p.instrument) == family]
            if not found:
                raise _Unclear(f"no {m.word} in this track (parts: {self.part_list})")
            out += [p for p in found if p not in out]
        return out

    def _family(self, instrument: str) -> str:
        known = self.catalog.instruments.get(instrument)
        return known.family if known else ""

    def instrument(self, m: _M) -> str | None:
        """The instrument a mention names, for ops that take one (add, replace)."""
        if m.kind == "instrument":
            return m.value
        named = next((p.instrument for p in self.spec.parts if p.name == m.value and m.kind == "part"), None)
        return named if named in self.catalog.instruments else None

    def section(self, m: _M) -> str:
        if m.kind != "section":
            raise _Unclear(f"no {m.word} in this track (sections: {self.section_list})")
        return m.value

    def section_names(self, target: str) -> list[str]:
        names = [s.name for s in self.spec.sections]
        return [n for n in names if n == target] or [n for n in names if _kind(n) == target]

    def bars(self, target: str) -> int:
        return next(s.bars for s in self.spec.sections if s.name in self.section_names(target))

    def needed_sections(self, text: str) -> list[str]:
        """Sections named in ``text``; a section word the track lacks is a note, not a silent drop."""
        found = self.sections(text)
        present = [m.value for m in found if m.kind == "section"]
        return present if present or not found else [self.section(found[0])]


@dataclass
class _Clause:
    raw: str  # as written: reported back, and chord symbols keep their case
    text: str  # lower case, single spaces, leading courtesy words and emoji dropped


Rule = Callable[[_Clause, _Ctx], list[Op] | None]
RULES: list[Rule] = []


def _rule(fn: Rule) -> Rule:
    """Register a rule; the order of definition is the order of trial (specific before general)."""
    RULES.append(fn)
    return fn


@_rule
def _ending(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Ending: "end on a big chord", "big ending"; tried first, before "dramatic" or "chord" can claim them."""
    big = r"(?:big|grand|final|strong|proper|huge|full|dramatic|clean|long)\s+"
    end = rf"(?:end|finish)(?:s|ing)?\s+(?:it\s+)?(?:on|with)\s+(?:a\s+|one\s+)?(?:{big})?(?:chord|bang|hit)"
    return (
        [Ending()] if _has(rf"{big}(?:ending|finish|last chord)|{end}|final chord|^(?:an? )?ending$", c.text) else None
    )


def _chord(token: str) -> str | None:
    """The chord symbol a word is ("am7" -> "Am7"), or None; theory's parser decides what a symbol is."""
    token = token.strip("()[]:;\"'")
    if not re.fullmatch(r"[A-Ga-g][#b♯♭]?[\w#+°øΔ-]*(?:/[A-Ga-g][#b♯♭]?)?", token):
        return None
    try:
        parse_chord(token[0].upper() + token[1:])
    except (ValueError, KeyError):
        return None
    return token[0].upper() + token[1:]


@_rule
def _set_chords(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Two chord symbols in a row, or one right after "chords": "use Dm7 G7 Cmaj7 in the chorus"."""
    best: list[str] = []
    run: list[str] = []
    keyword, prev = False, ""
    for token in re.split(r"[\s,|]+", c.raw):
        symbol = _chord(token)
        run = [*run, symbol] if symbol else []
        keyword = bool(symbol) and (keyword or len(run) == 1 and prev in ("chord", "chords", "progression"))
        best = run if len(run) > len(best) and (len(run) >= 2 or keyword) else best
        prev = token.lower().strip(":")
    if not best:
        return None
    if not (sections := ctx.needed_sections(c.text)):
        raise _Unclear(f"say which section the chords are for (sections: {ctx.section_list})")
    return [SetChords(section=s, chords=best) for s in sections]


@_rule
def _mute_in(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Parts named before "in/during/from the <section>": no, drop, mute ... or bring back, let ... or only."""
    found = ctx.sections(c.text)
    head = c.text[: found[0].start] if found else ""
    named = ctx.things(head)
    if not named or not re.search(r"\b(?:in|during|for|from|throughout|on|of)\s+(?:the\s+|all\s+|every\s+)?$", head):
        return None
    only = re.match(r"(?:only|just)\b", head)
    back = _has(r"back|unmute|un-mute|restore|return|bring|let", c.text)
    if not (only or back or _has(r"no|drop|mute|remove|lose|cut|kill|take|silence|without|rid|skip|out", head)):
        return None
    sections, parts = [ctx.section(m) for m in found], ctx.parts(named)
    if only:
        return [MuteIn(part=p.name, sections=sections) for p in ctx.spec.parts if p.name not in parts] or None
    return [MuteIn(part=p, sections=sections, muted=not back) for p in parts]


def _unique(name: str, taken: set[str]) -> str:
    """The part name edits will give an added instrument (so a MuteIn in the same reading can name it)."""
    k, out = 2, name
    while out in taken:
        out, k = f"{name}_{k}", k + 1
    return out


@_rule
def _add_instrument(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """New parts: "add a cello", "add a flute playing the melody", "add a sax solo in the bridge"."""
    some = r"(?:a second|an extra|another|a little|some|an|a|extra)\s+"
    verb = re.match(rf"(?:add|bring in|throw in|introduce|layer in|layer|include|put in)\s+(?:{some})?", c.text)
    named = [m for m in ctx.things(c.text) if verb and m.start >= verb.end()]
    if not verb or not named or named[0].start != verb.end():
        return None
    listed, pos = named[:1], named[0].end
    for m in named[1:]:
        if not re.fullmatch(rf"\s*(?:,|and|&|plus)\s*(?:{ART})?", c.text[pos : m.start]):
            break
        listed, pos = [*listed, m], m.end
    instruments, tail = [i for m in listed if (i := ctx.instrument(m))], c.text[pos:]
    if len(instruments) < len(listed):
        return None
    verb_role = r"playing|on|as|for|to play|taking|doing|carrying|that plays"
    said = re.search(rf"\b(?:{verb_role})\s+(?:the\s+|a\s+|some\s+)?({_alternation(ROLE_WORDS)})\b", tail)
    role = ROLE_WORDS[said[1]] if said else "melody" if re.match(r"\s*(?:solo|lead)\b", tail) else None
    sections = ctx.needed_sections(tail)
    rest = [s.name for s in ctx.spec.sections if s.name not in {n for x in sections for n in ctx.section_names(x)}]
    taken, ops = {p.name for p in ctx.spec.parts}, []
    for inst in instruments:
        roles = ctx.catalog.instruments[inst].roles
        if role is not None and role not in roles:
            raise _Unclear(f"{inst} cannot play {role}; it can play {', '.join(roles)}")
        name = _unique(inst, taken)
        taken.add(name)
        ops.append(AddInstrument(instrument=inst, role=role, name=name if sections else None))
        ops += [MuteIn(part=name, sections=rest)] if sections and rest else []
    return ops


@_rule
def _replace(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Other instrument, same part: "swap piano for rhodes", "use B instead of A", "change the guitar to B"."""
    to = r"for|with|to|into|by|in favou?r of"
    for rx in (
        rf"(?:swap|switch|change|replace|exchange|trade|turn)\s+(?:out\s+)?(?P<a>.+?)\s+(?:{to})\s+(?P<b>.+)",
        r"(?:use|try|put|have|play)?\s*(?P<b>.+?)\s+(?:instead of|in place of|rather than)\s+(?P<a>.+)",
    ):
        m = re.fullmatch(rx, c.text)
        old, new = (ctx.objects(m["a"]), ctx.objects(m["b"])) if m else (None, None)
        if old and new and len(new) == 1 and (inst := ctx.instrument(new[0])):
            return [ReplaceInstrument(part=p, instrument=inst) for p in ctx.parts(old)]
    return None


VERBS = (
    ("unmute", r"unmute|un-mute|bring back|restore|reinstate|turn on|switch on"),
    ("unsolo", r"unsolo|un-solo"),
    ("solo", r"solo|isolate|only|just"),
    ("remove", r"remove|lose|delete|get rid of|take out|ditch|leave out|throw out"),
    ("mute", r"mute|silence|drop|kill|cut|no|without|stop|turn off|switch off|skip"),
)


@_rule
def _part_verbs(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Mute, unmute, solo or remove parts ("mute the guitar"); remove sections ("cut the outro")."""
    back = re.fullmatch(r"bring\s+(?P<o>.+?)\s+back", c.text)
    for what, words in VERBS:
        m = back if back and what == "unmute" else re.fullmatch(rf"(?:{words})\s+(?P<o>.+)", c.text)
        if not m or not (named := ctx.objects(m["o"])):
            continue
        if all(n.kind in ("section", "gap") for n in named) and what in ("remove", "mute"):
            return [RemoveSection(section=ctx.section(n)) for n in named]
        if any(n.kind in ("section", "gap") for n in named):
            return None
        ops: list[Op] = []
        for p in (next(x for x in ctx.spec.parts if x.name == name) for name in ctx.parts(named)):
            if what == "unmute":
                ops += [Mute(part=p.name, muted=False)]
                ops += [MuteIn(part=p.name, sections=p.mute_in, muted=False)] if p.mute_in else []
            elif what in ("remove", "mute"):
                ops.append(RemoveInstrument(part=p.name) if what == "remove" else Mute(part=p.name))
            else:
                ops.append(Solo(part=p.name, solo=what == "solo"))
        return ops
    return None


@_rule
def _add_section(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """New sections: "add a bridge" (as long as the track's bridge, else 8 bars), "add a 4 bar intro after X"."""
    some = r"(?:a new|an extra|a second|another|one more|an|a|extra)\s+"
    m = re.match(
        rf"(?:add|insert|put in|include|append|tack on)\s+(?:{some})?(?:(?:{NUM})\s*-?\s*(?:bars?|measures?)\s+)?",
        c.text,
    )
    found = ctx.sections(c.text)
    if not m or not found or found[0].start != m.end():
        return None
    kind, n = _kind(found[0].value), BARS.search(c.text)
    bars = int(_num(n[1])) if n else ctx.bars(kind) if ctx.section_names(kind) else 8
    where = re.search(r"\b(after|before)\s+(?:the\s+)?$", c.text[: found[1].start]) if len(found) > 1 else None
    after = None
    if where:
        anchor = ctx.section_names(ctx.section(found[1]))
        index = [s.name for s in ctx.spec.sections].index(anchor[0])
        if where[1] == "before" and index == 0:
            raise _Unclear("a new section goes after another one; say after which")
        after = anchor[-1] if where[1] == "after" else ctx.spec.sections[index - 1].name
    return [AddSection(name=kind, bars=min(128, max(1, bars)), after=after)]


@_rule
def _resize(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Double / halve / longer (x1.5, even) / shorter (/2) / N bars / by N bars, for named sections."""
    t = c.text
    if not ctx.sections(t) or ctx.things(t):
        return None
    longer, shorter, n = _has("longer|lengthen|extend|stretch", t), _has("shorter|shorten|trim|cut", t), BARS.search(t)

    def size(b: int) -> float | None:
        if _has("double", t):
            return b * 2
        if _has("halve|half", t):
            return b // 2
        if n and (longer or shorter) and re.search(r"\bby\s+$", t[: n.start()]):
            return b + (_num(n[1]) if longer else -_num(n[1]))
        if n or longer or shorter:
            return _num(n[1]) if n else max(b + 1, round(b * 0.75) * 2) if longer else b // 2
        return None

    if size(1) is None:
        return None
    return [
        ResizeSection(section=s, bars=min(128, max(1, int(size(ctx.bars(s)) or 1)))) for s in ctx.needed_sections(t)
    ]


@_rule
def _length(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Whole-track length: "extend by 8 bars", "make it longer" (8 bars), "make it 3 minutes long"."""
    t, spec = c.text, ctx.spec
    m = LENGTH.search(t)
    if ctx.sections(t) or ctx.things(t):
        return None
    bars: float | None = None
    if m and (m[1] or not (m[3][0].isalpha() and len(m[4]) == 1)):  # "a m" is not a length
        seconds = int(m[1]) * 60 + int(m[2]) if m[1] else _num(m[3]) * (60 if m[4] in ("m", "min", "minute") else 1)
        bars = _num(m[3]) if m[4] in ("bar", "measure") else seconds * spec.tempo / 60 / spec.beats_per_bar
    if bars is not None and _has("by|add|another|more|extra|extend|lengthen", t):
        said_bars = m is not None and m[4] in ("bar", "measure")
        return [Extend(bars=min(128, max(1, round(bars) if said_bars else round(bars / 4) * 4)))]
    if bars is not None and _has("make|long|length|lasts?|total", t):
        if (diff := bars - spec.total_bars) <= 2:
            note = "already about that long" if diff > -2 else "say which section to shorten or remove"
            raise _Unclear(f"{note} (now {spec.seconds:.0f} s; sections: {ctx.section_list})")
        return [Extend(bars=min(128, max(4, round(diff / 4) * 4)))]
    if _has("longer|lengthen|extend|stretch", t):
        return [Extend(bars=16 if _has(MUCH, t) else 8)]
    if _has("shorter|shorten", t):
        raise _Unclear(f"say which section to shorten or remove (sections: {ctx.section_list})")
    return None


@_rule
def _regenerate(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """New material (Regenerate) or a variation that keeps the rhythm (Vary), per part and section."""
    t = c.text
    vary = _has("vary|varied|variations?|mix up|embellish", t)
    redo = r"re-?generate|redo|re-do|re-?write|re-?roll|re-?compose|refresh|try again|start over|new version"
    bare = _has(rf"{redo}|another (?:take|version)|something (?:else|different)", t)
    if not (vary or bare or _has("new|another|different|fresh|alternative|alternate|change(?: up)?", t)):
        return None
    parts, sections = ctx.parts(ctx.things(t)), ctx.needed_sections(t)
    if vary:
        if not (parts := parts or [p.name for p in ctx.spec.parts if p.role == "melody"][:1]):
            raise _Unclear(f"say which part to vary (parts: {ctx.part_list})")
        return [Vary(part=p, section=s) for p in parts for s in sections or [None]]
    if not (bare or parts or sections or _has("(?:pattern|riff|line|part|fill|idea|take)s?", t)):
        return None
    return [Regenerate(part=p, section=s) for p in parts or [None] for s in sections or [None]]


ENERGY_WORDS = (
    (0.9, "more energy|more energetic|louder|bigger|bolder|harder|more intense|punchier|fuller|stronger|lift|peak"),
    (0.8, r"build(?:[\s-]?up)?|ramp(?: up)?|grow|swell|intensify|crescendo"),
    (0.3, "less energy|quieter|softer|calmer|gentler|smaller|lighter|sparser?|mellower|quiet|calm|soft|chill"),
    (0.3, "tone (?:it )?down|pull back|strip(?:ped)?(?: back| down)?|more relaxed|lower energy|less energetic"),
)


@_rule
def _energy(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Section energy: "more energy in the chorus" 0.9, "build up the bridge" 0.8, "quieter intro" 0.3."""
    t = c.text
    if not ctx.sections(t) or ctx.things(t):
        return None
    level = next((v for v, words in ENERGY_WORDS if _has(words, t)), None)
    if exact := re.search(rf"\benergy{LEVEL}", t):
        level = _level(exact)
    return None if level is None else [SetEnergy(section=s, energy=level) for s in ctx.needed_sections(t)]


def _level(m: re.Match[str]) -> float:
    text = m["v"].replace(" ", "")
    return min(1.0, float(text.rstrip("%")) / (100 if text.endswith("%") else 1))


def _whole_track(t: str, ctx: _Ctx, what: str) -> None:
    if ctx.sections(t):
        raise _Unclear(f"{what} is per part for the whole track; for one section, ask for more or less energy there")


@_rule
def _density(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Density: "less busy" / "simpler bass" x0.6 (much: 0.4), "busier" / "more notes" x1.5 (much: 2)."""
    t = c.text
    sparse = _has(
        "less busy|not (?:so|as) busy|simpler|simplify|sparser|more sparse|thinner|thin out|fewer notes|"
        "less notes|less cluttered|declutter|more space|less dense|less complex",
        t,
    )
    if not sparse and not _has("busier|more busy|more notes|denser|more dense|more complex|more active|more fills", t):
        return None
    _whole_track(t, ctx, "density")
    factor = (0.4 if _has(MUCH, t) else 0.6) if sparse else (2.0 if _has(MUCH, t) else 1.5)
    return [Density(part=p, factor=factor) for p in ctx.parts(ctx.things(t)) or [None]]


@_rule
def _pan(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Pan: "pan the guitar left" -0.6, "hard right" 1.0, "slightly left" -0.3, "30% left", "centre" 0."""
    t = c.text
    if not (side := _has("left|right|cent(?:er|re)|middle", t)) or not (named := ctx.things(t)):
        return None
    percent = re.search(r"(\d{1,3})\s*%", t)
    hard = _has("hard|fully|all the way|far|completely|extreme", t)
    amount = min(1.0, int(percent[1]) / 100) if percent else 1.0 if hard else 0.3 if _has(BIT, t) else 0.6
    return [Pan(part=p, pan={"left": -amount, "right": amount}.get(side[0], 0.0)) for p in ctx.parts(named)]


@_rule
def _gain(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Gain is absolute dB: louder +3, quieter -3, much +-6, a bit +-1.5, or the dB said."""
    t = c.text
    db = re.search(r"([+-]?\d+(?:\.\d+)?)\s*db\b", t)
    down = _has(r"quieter|softer|turn (?:\w+ )*down|down|lower|reduce|bring (?:\w+ )*down|less|duck|tame|cut", t)
    up = _has(r"louder|turn (?:\w+ )*up|up|boost|raise|bring (?:\w+ )*up|more|pump|crank|push|bump|increase", t)
    if not (named := ctx.things(t)) or not (db or up or down):
        return None
    _whole_track(t, ctx, "volume")
    size = abs(float(db[1])) if db else 6.0 if _has(MUCH, t) else 1.5 if _has(BIT, t) else 3.0
    value = -size if down else size if up or not db else float(db[1])
    return [Gain(part=p, db=max(-60.0, min(12.0, value))) for p in ctx.parts(named)]


SWING_OFF = "no swing|straight(?:en)?|unswing|(?:remove|lose|kill|drop) (?:the )?swing|without swing"
TIGHT = "tight(?:er|en)?|quanti[sz]e[sd]?|on the grid|more robotic|mechanical|less (?:loose|human)"
LOOSE = "humani[sz]e[sd]?|more human|human feel|loose[nr]?|less robotic|more natural|more organic|live feel"
FEEL: tuple[tuple[str, Callable[[float, re.Match[str]], Op]], ...] = (
    (SWING_OFF, lambda s, m: Swing(amount=0)),
    (rf"swing{LEVEL}", lambda s, m: Swing(amount=_level(m))),
    (r"(?P<v>\d{1,3}\s*%) swing", lambda s, m: Swing(amount=_level(m))),
    ("less swing|swing less|subtler swing|less swingy", lambda s, m: Swing(amount=round(max(0.0, s - 0.3), 2))),
    ("swing|swung|shuffle|swingier", lambda s, m: Swing(amount=round(min(1.0, s + 0.3), 2))),
    (TIGHT, lambda s, m: Humanize(amount=0)),
    (rf"humani[sz]e{LEVEL}", lambda s, m: Humanize(amount=_level(m))),
    (LOOSE, lambda s, m: Humanize(amount=0.5)),
)


@_rule
def _feel(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Swing (+-0.3, 0 for straight) and humanize (0.5, 0 for tight): whole-track settings."""
    return next(([make(ctx.spec.swing, m)] for pattern, make in FEEL if (m := _has(pattern, c.text))), None)


@_rule
def _set_tempo(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Exact ("90 bpm", "tempo 100"), by an amount ("10 bpm faster"), half/double time, or by feel."""
    t, bpm = c.text, ctx.spec.tempo
    by = re.search(rf"(?P<n>\d+)\s*(?P<u>%|bpm)?\s*(?P<d>{FASTER}|{SLOWER})", t)
    by = by or re.search(rf"(?P<d>{FASTER}|{SLOWER})\s*(?:by\s*)?(?P<n>\d+)\s*(?P<u>%|bpm)?", t)
    exact = re.search(
        r"\b(\d+(?:\.\d+)?)\s*(?:bpm|beats per minute)\b|\b(?:tempo|speed|bpm)\s*(?:to|of|at|=|:|is)?\s*(\d+)", t
    )
    if by:
        sign = 1 if re.fullmatch(FASTER, by["d"]) else -1
        return [_tempo(bpm * (1 + sign * int(by["n"]) / 100) if by["u"] == "%" else bpm + sign * int(by["n"]))]
    if exact:
        if not TEMPO_RANGE[0] <= (value := float(exact[1] or exact[2])) <= TEMPO_RANGE[1]:
            raise _Unclear(f"tempo must be {TEMPO_RANGE[0]} to {TEMPO_RANGE[1]} bpm")
        return [_tempo(value)]
    if _has(r"half[\s-]?time|half (?:the )?(?:tempo|speed)|halve the tempo", t):
        return [_tempo(bpm / 2)]
    if _has(r"double[\s-]?time|double (?:the )?(?:tempo|speed)|twice as fast", t):
        return [_tempo(bpm * 2)]
    for words, (much, bit, plain) in ((FASTER, (1.3, 1.08, 1.15)), (SLOWER, (0.7, 0.92, 0.85))):
        if _has(words, t):
            return [_tempo(bpm * (much if _has(MUCH, t) else bit if _has(BIT, t) else plain))]
    return None


UNIT = rf"(?P<u>{_alternation(STEPS)})s?"
KEY = r"(?P<k>[a-g](?:\s*(?:#|♯|♭|-?\s?sharp\b|-?\s?flat\b)|b(?![a-z]))?)"
TRANSPOSE = (
    rf"\btranspose\s+(?:it\s+)?(?P<d>up|down)?\s*(?:by\s+)?(?P<n>[+-]?\d+|{NUM})\s*(?:{UNIT})?(?!\s*(?:db|bpm))",
    rf"\b(?:transpose|key)\s+(?P<d>up|down)\b\s*(?:by\s+)?(?:(?P<n>{NUM})\s*)?(?:{UNIT})?",
    rf"\b(?P<d>up|down|raise|lower|higher)\b(?:\s+(?:it|the key|the pitch))?\s+(?:by\s+)?(?:(?P<n>{NUM})\s+)?{UNIT}\b",
    rf"\b(?P<n>{NUM})\s+{UNIT}\s+(?P<d>up|down|higher|lower)\b",
)


def _tonic(said: str) -> str:
    """'e flat' -> 'Eb', 'c#' -> 'C#'; spellings outside spec.TONICS (E#, Fb) go to their enharmonic."""
    accidental = said[1:].strip(" -")
    sign = "#" if accidental in ("#", "♯", "sharp") else "b" if accidental in ("b", "♭", "flat") else ""
    tonic = said[0].upper() + sign
    return tonic if tonic in TONICS else note_name(pitch_class(tonic), flats=sign == "b")


@_rule
def _key(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Transpose by an interval, set a key (and maybe its mode), or set the mode ("minor")."""
    t = c.text
    if m := next(filter(None, (re.search(rx, t) for rx in TRANSPOSE)), None):
        n = int(_num(m["n"].lstrip("+-"))) * (-1 if m["n"].startswith("-") else 1) if m["n"] else 1
        semitones = n * STEPS.get(m["u"] or "semitone", 1) * (-1 if m["d"] in ("down", "lower") else 1)
        if abs(semitones) > 12:
            raise _Unclear("transpose by at most 12 semitones (an octave)")
        return [Transpose(semitones=semitones)]
    if mode := re.search(r"\ban? (major|minor) (?:key|mode|tonality|scale)\b", t):
        return [SetMode(mode=mode[1])]  # type: ignore[arg-type]
    said = r"(?:\s*-?\s*(?P<mode>major|minor|maj|min|m)(?![a-z]))?(?P<end>\s*(?:key|please|instead|now)?\s*$)?"
    m = re.search(rf"\b(?:in|to|into|key of|key|make it)\s+(?:the\s+key\s+of\s+)?{KEY}{said}", t)
    if m and (m["mode"] or m["end"] is not None or len(m["k"]) > 1):
        key_mode = None if not m["mode"] else "major" if m["mode"].startswith("maj") else "minor"
        return [SetKey(key=_tonic(m["k"]), mode=key_mode)]  # type: ignore[arg-type]
    if mode := re.search(r"\b(major|minor)\b(?!\s+(?:third|sixth|seventh|second|chord))", t):
        return [SetMode(mode=mode[1])]  # type: ignore[arg-type]
    return None


def _darker(ctx: _Ctx) -> list[Op]:
    """Major -> minor first (the smallest change that darkens); then a darker mood than the current one."""
    if ctx.spec.mode == "major":
        return [SetMode(mode="minor")]
    if not (mood := next((m for m in ("sad", "dramatic") if m not in ctx.spec.moods), None)):
        raise _Unclear("already minor and dark; try slower, sparser or quieter")
    return [ChangeMood(mood=mood)]


MOODS: tuple[tuple[str, Callable[[_Ctx], list[Op]]], ...] = (
    ("darker|darken(?: it)?|more (?:dark|sinister|moody|ominous|somber|sombre)|moodier", _darker),
    (
        "brighter|lighter|brighten(?: it)?(?: up)?|lighten(?: it)? up|more (?:bright|uplifting|hopeful|positive)",
        lambda ctx: [SetMode(mode="major")] if ctx.spec.mode == "minor" else [ChangeMood(mood="happy")],
    ),
    (
        "more energ(?:y|etic)|more (?:intense|driving|powerful|exciting|lively|drive)|livelier|pump it up|energi[sz]e",
        lambda ctx: [ChangeMood(mood="energetic"), _tempo(ctx.spec.tempo * 1.1)],
    ),
    (
        "calmer|calm (?:it )?down|more relaxed|relax|chill(?: it)?(?: out)?|more chill|mellow(?: it)? out|mellower|"
        "more laid[ -]back|less intense|less energetic|gentler|smoother|more peaceful",
        lambda ctx: [ChangeMood(mood="relaxed")],
    ),
    ("more dramatic|more epic|epic|cinematic|more tension|tenser", lambda ctx: [ChangeMood(mood="dramatic")]),
)


@_rule
def _mood_words(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Relative mood words: "darker" is mode-aware, "more energetic" also speeds up by 10%."""
    return next((make(ctx) for pattern, make in MOODS if _has(pattern, c.text)), None)


@_rule
def _style(c: _Clause, ctx: _Ctx) -> list[Op] | None:
    """Genre and mood words ("make it jazz", "as reggae", "sadder", "funkier") with nothing else said."""
    found: dict[str, str] = {}
    for m in ctx.style_re.finditer(c.text):
        kind = "genres" if m[0] in ctx.styles["genres"] else "moods"
        found.setdefault(kind, ctx.styles[kind][m[0]])
    rest = ctx.style_re.sub(" ", c.text)
    for word in re.findall(r"[\w'&-]+", rest):
        stems = (word[:-3] + "y", word[:-3]) if word.endswith("ier") else (word[:-2], word[:-3], word[:-1])
        hit = next(
            ((k, tab[s]) for s in stems if word.endswith("er") for k, tab in ctx.styles.items() if s in tab), None
        )
        if hit:
            found.setdefault(*hit)
        elif word not in STYLE_FILLER:
            return None
    ops: list[Op] = [ChangeGenre(genre=found["genres"])] if "genres" in found else []
    return ops + ([ChangeMood(mood=found["moods"])] if "moods" in found else []) or None


# ---------------------------------------------------------------------------- clauses


def _clause(raw: str) -> _Clause:
    raw = raw.strip(" \t.,;:!?\"'")
    text = LEAD_FILLER.sub("", re.sub(r"^[^\w+\-#(]+|[^\w#%)]+$", "", _norm(raw)))
    return _Clause(raw, re.sub(r"\s+(?:please|thanks|thank you)$", "", text))


def _read_clause(raw: str, ctx: _Ctx) -> tuple[list[Op], str | None]:
    """The ops for one clause, or what to put in not_understood (None when there is nothing to report)."""
    clause = _clause(raw)
    if not clause.raw or PLEASANTRIES.fullmatch(clause.text):
        return [], None
    for rule in RULES:
        try:
            if found := rule(clause, ctx):
                return found, None
        except _Unclear as exc:
            return [], f"{clause.raw}: {exc}"
        except ValueError as exc:  # an op refused a value (pydantic's ValidationError is a ValueError)
            return [], f"{clause.raw}: {str(exc).splitlines()[-1].strip()}"
    return [], clause.raw


def _joins(left: str, right: str, ctx: _Ctx) -> bool:
    """Whether a comma or "and" continues a list ("piano and bass", "Am, F, C") rather than starting a clause."""
    last, first = (left.split() or [""])[-1], (right.split() or [""])[0]
    if _chord(last) and _chord(first) and first.lower() != "a":
        return True
    left, right = _norm(left)[-80:], _norm(right)  # the last name is all that matters on the left
    lm, rm = ctx.mentions(left), ctx.mentions(right)
    if not (lm and rm and lm[-1].end == len(left) and (lm[-1].kind == "section") == (rm[0].kind == "section")):
        return False
    return bool(re.fullmatch(f"(?:{ART})?", right[: rm[0].start])) and not _read_clause(right, ctx)[0]


def _clauses(text: str, ctx: _Ctx) -> list[str]:
    """Cut on . ; ! ? and "then" always; on commas and "and" unless they continue a list of names."""
    out: list[str] = []
    for hard in re.split(r"[;!?\n]|\.(?=\s|$)|\b(?:and then|then|after that)\b", text):
        spans = [m.span() for s in ctx.protected for m in re.finditer(re.escape(s), hard, re.I)]
        seps = re.finditer(r"\s*,\s*(?:and\s+)?|\s+(?:and|&|plus)\s+", hard)
        cuts = [m for m in seps if not any(a <= m.start() < b for a, b in spans)]
        bounds = [0, *(x for m in cuts for x in m.span()), len(hard)]
        pieces = [hard[bounds[i] : bounds[i + 1]] for i in range(0, len(bounds), 2)]
        current = pieces[0]
        for cut, piece in zip(cuts, pieces[1:], strict=True):
            if _joins(current, piece, ctx):
                current += cut[0] + piece
            else:
                out.append(current)
                current = piece
        out.append(current)
    return [c.strip() for c in out if c.strip()]


def read_instruction(text: str, spec: TrackSpec, catalog: Catalog) -> Reading:
    """Map an instruction in words to ops on ``spec``; what cannot be mapped is returned, never raised."""
    ctx = _Ctx(spec, catalog)
    reading = Reading([], [])
    for clause in _clauses(text, ctx):
        found, note = _read_clause(clause, ctx)
        if len(reading.ops) + len(found) > MAX_OPS:
            note = f"{clause}: at most {MAX_OPS} ops per refine"
        else:
            reading.ops += [Understood(op, clause) for op in found]
        reading.not_understood += [note] if note else []
    return reading
