"""What refine rules read a clause against: the track's vocabulary and the patterns clause splitting also needs.

:mod:`musigen_agent.refine_words` cuts an instruction into clauses and :mod:`musigen_agent.refine_rules` maps each
clause to ops.  Both must find the parts and sections a clause names (:class:`Ctx`), tell a list of names or chords
from a clause break (:data:`ART`, :func:`chord_symbol`), and report a request the track cannot take
(:class:`Unclear`); that common ground lives here so neither module reaches into the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from .catalog import Catalog
from .spec import Mix, TrackSpec
from .theory import parse_chord

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
ART = r"(?:the|a|an|some|my|our|that|this|those|these|both|all(?: of)?(?: the)?)\s+"


class Unclear(Exception):
    """A clause understood as a request the current track cannot take; the message says what it has."""


@dataclass(frozen=True)
class Mention:
    """A mention: kind part / instrument / role / section, or gap (a section word the track lacks)."""

    start: int
    end: int
    word: str
    kind: str
    value: str


def alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _word_re(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b")


def has(pattern: str, text: str) -> re.Match[str] | None:
    """``pattern`` as whole words in ``text`` (compiled once: rules build patterns from word lists)."""
    return _word_re(pattern).search(text)


def section_kind(name: str) -> str:
    base, _, n = name.rpartition("_")
    return base if base and n.isdigit() else name


class Ctx:
    """The current spec's vocabulary: its parts and sections under every name the words may use."""

    def __init__(self, spec: TrackSpec, catalog: Catalog, mix: Mix | None = None) -> None:
        self.spec, self.catalog = spec, catalog
        self.mix = mix or Mix()  # what 'louder' and 'more reverb' are relative to
        things = {w: ("part", p.name) for p in spec.parts for w in (p.name, p.name.replace("_", " "))}
        instruments = catalog.synonyms("instruments")
        for word, name in instruments.items():
            things.setdefault(word, ("instrument", name))
        for word, role in ROLE_WORDS.items():
            things.setdefault(word, ("role", role))
        kinds: dict[str, list[str]] = {}
        for s in spec.sections:
            kinds.setdefault(section_kind(s.name), []).append(s.name)
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
        self._thing_re = re.compile(rf"(?<![\w-])(?P<w>{alternation(things)})(?:e?s)?(?![\w-])")
        self._section_re = re.compile(rf"(?<![\w-])(?P<w>{alternation(sections)})(?:e?s)?(?![\w-])(?!\s*-?\s*bar)")
        self.styles = {k: catalog.synonyms(k) for k in ("genres", "moods")}
        self.style_re = re.compile(
            rf"(?<![\w-])(?:{alternation(self.styles['genres'] | self.styles['moods'])})(?![\w-])"
        )
        self.protected = [w for table in (instruments, *self.styles.values()) for w in table if " and " in w]
        self.part_list = ", ".join(p.name for p in spec.parts)
        self.section_list = ", ".join(s.name for s in spec.sections)

    def things(self, text: str) -> list[Mention]:
        return [Mention(m.start(), m.end(), m["w"], *self.vocab[m["w"]]) for m in self._thing_re.finditer(text)]

    def sections(self, text: str) -> list[Mention]:
        return [
            Mention(m.start(), m.end(), m["w"], *self.section_vocab[m["w"]]) for m in self._section_re.finditer(text)
        ]

    def mentions(self, text: str) -> list[Mention]:
        out: list[Mention] = []
        for m in sorted(self.things(text) + self.sections(text), key=lambda m: (m.start, m.start - m.end)):
            if not out or m.start >= out[-1].end:
                out.append(m)
        return out

    def objects(self, text: str) -> list[Mention] | None:
        """The mentions if ``text`` is nothing but a list of them ("the piano and the bass"), else None."""
        found, pos = self.mentions(text), 0
        for m in found:
            if not re.fullmatch(rf"\s*(?:(?:,|and|&|or|plus)\s*)?(?:{ART})?", text[pos : m.start]):
                return None
            pos = m.end
        tail = r"(?:\s+(?:part|parts|track|tracks|section|sections|sound|completely|entirely|altogether|too|now))*\s*"
        return found if found and re.fullmatch(tail, text[pos:]) else None

    def parts(self, mentions: list[Mention]) -> list[str]:
        """Existing parts the mentions name: by part name, instrument, instrument family or role."""
        out: list[str] = []
        for m in (m for m in mentions if m.kind in ("part", "instrument", "role")):
            found = [p.name for p in self.spec.parts if m.value in (p.name, p.instrument, p.role)]
            if not found and m.kind == "instrument":
                family = self.catalog.instruments[m.value].family
                found = [p.name for p in self.spec.parts if self._family(p.instrument) == family]
            if not found:
                raise Unclear(f"no {m.word} in this track (parts: {self.part_list})")
            out += [p for p in found if p not in out]
        return out

    def _family(self, instrument: str) -> str:
        known = self.catalog.instruments.get(instrument)
        return known.family if known else ""

    def instrument(self, m: Mention) -> str | None:
        """The instrument a mention names, for ops that take one (add, replace)."""
        if m.kind == "instrument":
            return m.value
        named = next((p.instrument for p in self.spec.parts if p.name == m.value and m.kind == "part"), None)
        return named if named in self.catalog.instruments else None

    def section(self, m: Mention) -> str:
        if m.kind != "section":
            raise Unclear(f"no {m.word} in this track (sections: {self.section_list})")
        return m.value

    def section_names(self, target: str) -> list[str]:
        names = [s.name for s in self.spec.sections]
        return [n for n in names if n == target] or [n for n in names if section_kind(n) == target]

    def bars(self, target: str) -> int:
        return next(s.bars for s in self.spec.sections if s.name in self.section_names(target))

    def needed_sections(self, text: str) -> list[str]:
        """Sections named in ``text``; a section word the track lacks is a note, not a silent drop."""
        found = self.sections(text)
        present = [m.value for m in found if m.kind == "section"]
        return present if present or not found else [self.section(found[0])]


@dataclass
class Clause:
    raw: str  # as written: reported back, and chord symbols keep their case
    text: str  # lower case, single spaces, leading courtesy words and emoji dropped


def chord_symbol(token: str) -> str | None:
    """The chord symbol a word is ("am7" -> "Am7"), or None; theory's parser decides what a symbol is."""
    token = token.strip("()[]:;\"'")
    if not re.fullmatch(r"[A-Ga-g][#b♯♭]?[\w#+°øΔ-]*(?:/[A-Ga-g][#b♯♭]?)?", token):
        return None
    try:
        parse_chord(token[0].upper() + token[1:])
    except (ValueError, KeyError):
        return None
    return token[0].upper() + token[1:]
