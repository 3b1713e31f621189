"""Every phrase the prompt reader can name a catalogue item with, and a fast way to find them.

A phrase is matched token by token (longest first), so "electric piano" beats
"piano" and "drum and bass" beats "drum" + "bass", whatever the spacing, hyphens or
case ("bossa-nova", "Bossa Nova", "bossanova").  The table is built once per
catalogue: with the General MIDI pack there are well over a thousand phrases, which
a single regular expression would scan far too slowly for a 2,000-character prompt.

When two sources give the same phrase, the first wins:

1. names of items registered by third-party plugins (a plugin's own names always win);
2. the parser's vocabulary (style words, ensembles, approximations);
3. names of built-in items ("tenor sax" is the GM tenor_sax, not the core saxophone);
4. synonyms, in plugin order (the core pack's "upright bass" stays bass_guitar).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Literal

from .catalog import Catalog
from .errors import unknown
from .plugin_manager import DEFAULT_PLUGINS
from .vocabulary import ENSEMBLES, STYLES, Style

Kind = Literal["instruments", "genres", "moods", "style", "ensemble"]
#: One word of a phrase: letters and digits, with inner '&' or apostrophes ("r&b", "drum'n'bass").
TOKEN_RE = re.compile(r"[^\W_]+(?:[&'’][^\W_]+)*")
#: What may stand between two words of one phrase.
JOINER = re.compile(r"[\s_-]*")


@dataclass(frozen=True)
class Meaning:
    """What a phrase stands for: a catalogue item, a style, or an ensemble of instruments."""

    kind: Kind
    name: str = ""
    members: tuple[str, ...] = ()
    genre_hint: str | None = None
    style: Style | None = None
    note: str = ""


@dataclass(frozen=True)
class Found:
    """One phrase found in a text: its span and meaning."""

    start: int
    end: int
    meaning: Meaning


def compact(phrase: str) -> str:
    """The lookup form of a phrase: its tokens, lower-cased and joined ('Hip-Hop' -> 'hiphop')."""
    return "".join(TOKEN_RE.findall(phrase.lower()))


def _plural(word: str) -> str:
    return word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")


class Lexicon:
    """Phrase -> Meaning for one catalogue, with the longest-match scanner."""

    def __init__(self, catalog: Catalog) -> None:
        self.table: dict[str, Meaning] = {}
        self.longest = 1
        builtin = set(DEFAULT_PLUGINS)
        kinds: tuple[Literal["instruments", "genres", "moods"], ...] = ("instruments", "genres", "moods")
        names = [
            (kind, item.name, word, catalog.owner(kind, item.name) in builtin)
            for kind in kinds
            for item in getattr(catalog, kind).values()
            for word in (item.name.replace("_", " "), item.display_name)
        ]
        for kind, name, word, is_builtin in names:
            if not is_builtin:
                self._add(word, Meaning(kind, name), plural=kind == "instruments")
        self._add_vocabulary(catalog)
        for kind, name, word, _ in names:
            self._add(word, Meaning(kind, name), plural=kind == "instruments")
        for kind in kinds:
            for item in getattr(catalog, kind).values():
                for word in item.synonyms:
                    self._add(word, Meaning(kind, item.name), plural=kind == "instruments")

    def _add(self, phrase: str, meaning: Meaning, plural: bool = False) -> None:
        key = compact(phrase)
        if not key:
            return
        self.table.setdefault(key, meaning)
        self.longest = max(self.longest, len(TOKEN_RE.findall(phrase.lower())))
        if plural:
            self.table.setdefault(_plural(key), meaning)

    def _add_vocabulary(self, catalog: Catalog) -> None:
        """Styles and ensembles whose genre, moods and at least one instrument are installed."""
        for phrase, (members, hint, note) in ENSEMBLES.items():
            kept = tuple(m for m in members if m in catalog.instruments)
            if kept:
                hint = hint if hint in catalog.genres else None
                self._add(phrase, Meaning("ensemble", members=kept, genre_hint=hint, note=note))
        for phrase, style in STYLES.items():
            if (style.genre is None or style.genre in catalog.genres) and all(m in catalog.moods for m in style.moods):
                band = tuple(b for b in style.band if b in catalog.instruments)
                usable = style if band == style.band else replace(style, band=())
                self._add(phrase, Meaning("style", style=usable))

    def scan(self, low: str, free: Callable[[int, int], bool]) -> Iterator[Found]:
        """Every phrase in ``low`` (lower-cased text) on characters ``free`` still allows, left to right.

        A word ending in 'ish' also matches its genre or style ("bossa-ish", "jazzish").
        """
        tokens = [(m.start(), m.end(), m.group()) for m in TOKEN_RE.finditer(low)]
        joins = [bool(JOINER.fullmatch(low, a[1], b[0])) for a, b in zip(tokens, tokens[1:], strict=False)]
        i = 0
        while i < len(tokens):
            hit = None
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                if n > 1 and not all(joins[i : i + n - 1]):
                    continue
                start, end = tokens[i][0], tokens[i + n - 1][1]
                if not free(start, end):
                    continue
                key = "".join(tok for _, _, tok in tokens[i : i + n])
                meaning = self.table.get(key) or self._ish(key)
                if meaning is not None:
                    hit = Found(start, end, meaning)
                    break
            if hit is None:
                i += 1
                continue
            yield hit
            i += n

    def _ish(self, key: str) -> Meaning | None:
        if not key.endswith("ish") or len(key) < 6:
            return None
        meaning = self.table.get(key[:-3])
        return meaning if meaning is not None and meaning.kind in ("genres", "style") else None


_CACHE: dict[int, tuple[weakref.ref[Catalog], tuple[int, int, int], Lexicon]] = {}
_CACHE_LOCK = threading.Lock()  # the HTTP server parses prompts on several worker threads at once


def lexicon(catalog: Catalog) -> Lexicon:
    """The catalogue's lexicon, built on first use and kept while the catalogue lives.

    Keyed by identity plus item counts, so a catalogue that loses a quarantined plugin's
    items gets a fresh table.  Thread-safe: two threads may both build one (a few ms),
    but the table is only changed under the lock.
    """
    sizes = (len(catalog.instruments), len(catalog.genres), len(catalog.moods))
    with _CACHE_LOCK:
        cached = _CACHE.get(id(catalog))
    if cached is not None and cached[0]() is catalog and cached[1] == sizes:
        return cached[2]
    built = Lexicon(catalog)
    with _CACHE_LOCK:
        for key in [k for k, (ref, *_) in _CACHE.items() if ref() is None]:
            del _CACHE[key]
        _CACHE[id(catalog)] = (weakref.ref(catalog), sizes, built)
    return built


def resolve(catalog: Catalog, kind: str, word: str, field: str) -> str:
    """An argument (name or synonym, any case, spacing or plural) -> catalogue name.

    Names beat synonyms, as in prompts; anything else raises UnknownName with suggestions.
    """
    items = getattr(catalog, kind)
    table: dict[str, str] = {}
    for phrase, name in catalog.synonyms(kind).items():  # names first: the catalogue's own priority
        table.setdefault(compact(phrase), name)
    key = compact(word)
    for candidate in (key, key.removesuffix("s"), key.removesuffix("es")):
        if candidate in table:
            return table[candidate]
    raise unknown(kind[:-1], word, items, field=field)
