"""Words -> TrackSpec, with the reason for every field.

:mod:`musigen_agent.reading` finds what the words state; this module decides every
field from it, filling what the words leave open with :mod:`musigen_agent.planning`.
Each field is reported back as a :class:`Choice` (stated in the words, implied by
them, a default, or an explicit argument) with the words that set it and a note, so
a person or an LLM can see why the piece came out as it did and what to say to
change it.  Explicit arguments (:class:`Overrides`) always beat the words; bad
arguments raise :class:`~musigen_agent.errors.InvalidInput` / ``UnknownName`` naming
the field.  Words no rule knows can be mapped by meaning with the optional
:mod:`musigen_agent.semantic` matcher.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from . import chord_words, planning, semantic
from .catalog import Catalog, Genre, Mood
from .chord_words import Progression
from .errors import InvalidInput
from .lexicon import compact, resolve
from .planning import parse_key, parse_length
from .reading import MAX_MOODS, Choice, Heard, Source, read
from .spec import MAX_BARS, MAX_PARTS, MAX_SECONDS, METERS, SECTION_NAME, TEMPO_RANGE, TONICS, Mix, TrackMix, TrackSpec
from .theory import parse_chord
from .vocabulary import KIT_PART_WORDS, KIT_WORDS, SECTION_WORDS

__all__ = ["FIELDS", "SECTION_WORDS", "Choice", "Intent", "Overrides", "Source", "parse", "parse_key"]

MAX_TEXT = 2000
DEFAULT_SECONDS = 60.0
DEFAULT_GENRE = "pop"
DEFAULT_MOOD = "happy"
#: The provenance keys of every Intent.
FIELDS = tuple("title genre moods tempo key mode meter swing length sections chords instruments mix seed model".split())


@dataclass
class Intent:
    """The parsed request: the spec, the reason for each field, and what was not understood;
    ``mix`` is the first mix the words ask for ('soft drums')."""

    spec: TrackSpec
    provenance: dict[str, Choice]
    ignored: list[str]
    notes: list[str]
    mix: Mix = field(default_factory=Mix)


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
    swing: float | None = None
    length: float | str | None = None
    instruments: list[str] | None = None
    sections: list[str] | None = None
    chords: list[str] | None = None
    seed: int | None = None
    model: str | None = None

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_none=True)


def parse(
    text: str, catalog: Catalog, overrides: Overrides | None = None, *, semantic_match: bool | None = None
) -> Intent:
    """Turn a description (and explicit arguments) into a validated TrackSpec with provenance.

    Precedence per field: argument > stated in the words > implied by other words >
    default.  Odd words never raise (they are listed in ``ignored``); InvalidInput or
    UnknownName is raised only for bad arguments, an empty request or a text over
    2,000 characters.  ``semantic_match`` (default: the ``MUSIGEN_SEMANTIC``
    environment variable) maps leftover words by meaning when the ``[semantic]``
    extra is installed, and is skipped silently when it is not.
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
    heard = read(text, catalog)
    if heard.ignored and semantic.enabled(semantic_match):
        semantic.apply(heard, catalog)
    return _Decision(heard, ov, catalog, text).run()


class _Decision:
    """Resolves each field in dependency order: band -> genre -> mode -> mood -> key -> ... -> spec."""

    def __init__(self, heard: Heard, ov: Overrides, catalog: Catalog, text: str) -> None:
        self.heard, self.ov, self.cat, self.text = heard, ov, catalog, text
        self.said = heard.choices
        self.prov: dict[str, Choice] = {}
        self.notes: list[str] = list(heard.notes)
        self.levels: dict[str, tuple[float, str]] = {}  # instrument -> (dB, words), from 'soft drums'
        untagged = [p for p in heard.progressions if p.section is None]
        self.progression: Progression | None = (untagged or heard.progressions or [None])[0]

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

    def styled(self, value: Any, what: str) -> Choice:
        """A value implied by the style word that named the genre ('lo-fi hip hop' -> 80 bpm)."""
        assert self.heard.style is not None
        word = self.heard.style[1]
        return Choice(value, "implied", [word], f"typical {what} of '{word}'")

    def run(self) -> Intent:
        named = self.named_band()
        genre = self.cat.genre(self.set("genre", self.genre(named)))
        mode_asked, tonic_arg = self.mode_asked()
        moods = self.set("moods", self.moods(mode_asked))
        mood = self.cat.mood(moods[0])
        mode = self.set("mode", mode_asked or self.derived(mood.mode, "moods", f"{mood.name} music is {mood.mode}"))
        if mode_asked and mode != mood.mode and self.prov["moods"].source in ("stated", "argument"):
            self.notes.append(f"mode: {mood.name} is usually {mood.mode}; kept the requested {mode}")
        key = self.set("key", self.key(mood, mode, tonic_arg))
        meter = self.set("meter", self.meter(genre))
        tempo = self.set("tempo", self.tempo(genre, mood))
        swing = self.set("swing", self.swing(genre))
        names = self.section_names()
        bars = self.set("length", self.length(tempo, meter, len(names) if names else 0))
        band = self.band(named, genre)
        chords = self.chords(key, mode)
        default_title = Choice(planning.default_title(genre, mood, key, mode), "default")
        self.set("title", self.pick("title", self.ov.title, default_title))
        seed = self.set("seed", self.pick("seed", self.ov.seed, Choice(0, "default")))
        if not 0 <= seed <= 2**32 - 1:
            raise _range_error("seed", seed, 0, 2**32 - 1, "")
        if self.ov.model is not None:
            self.cat.model(self.ov.model)
        self.set("model", self.pick("model", self.ov.model, Choice("theory", "default")))
        try:
            sections = planning.with_chords(planning.plan_sections(genre, bars, names), chords)
            self.set("sections", self.sections_choice(names, [s.name for s in sections], genre, bars))
            spec = TrackSpec(
                **{k: self.prov[k].value for k in ("title", "moods", "tempo", "key", "mode", "meter", "seed", "model")},
                description=self.text,
                genre=genre.name,
                sections=sections,
                parts=planning.assign_parts(band, self.cat, two_hands=self.ov.instruments is None),
                swing=swing,
            )
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(x) for x in err["loc"]) or "spec"
            raise _invalid(loc, f"{loc}: {err['msg']}") from None
        return Intent(spec=spec, provenance=self.prov, ignored=self.heard.ignored, notes=self.notes, mix=self.mix(spec))

    # ------------------------------------------------------------------ instruments and genre

    def named_band(self) -> Choice | None:
        """Instruments named by argument or in the words (exclusions and genre come later)."""
        if self.ov.instruments is not None:
            if not 1 <= len(self.ov.instruments) <= MAX_PARTS:
                raise _invalid(
                    "instruments",
                    f"instruments: give 1 to {MAX_PARTS} instruments (got {len(self.ov.instruments)})",
                    sorted(self.cat.instruments),
                )
            band = [resolve(self.cat, "instruments", w, "instruments") for w in self.ov.instruments]
            return Choice(band, "argument", list(self.ov.instruments))
        counts: dict[str, int] = {}
        kits = {n.name for n in self.heard.instruments if self.cat.instrument(n.name).family == "drums"}
        for n in self.heard.instruments:
            if not n.featured and not (len(kits) > 1 and compact(n.words) in KIT_WORDS):
                counts[n.name] = max(counts.get(n.name, 0), n.count)
        band = [name for name, n in counts.items() for _ in range(n)]
        if not band or all(compact(n.words) in KIT_PART_WORDS for n in self.heard.instruments):
            return None  # 'a trap beat', 'a gated snare': a whole track with drums, not drums alone
        source: Source = "stated" if any(not n.semantic for n in self.heard.instruments) else "implied"
        return Choice(band, source, list(dict.fromkeys(n.words for n in self.heard.instruments)))

    def band(self, named: Choice | None, genre: Genre) -> list[str]:
        """The band: named instruments (else the style's or genre's band), featured ones added, exclusions removed."""
        if named is not None and named.source == "argument":
            self.set("instruments", named)
            return list(named.value)
        choice = (
            named or self.style_band(genre) or self.derived(list(genre.instruments), "genre", f"the {genre.name} band")
        )
        band = list(choice.value)
        beat = next((n for n in self.heard.instruments if compact(n.words) in KIT_PART_WORDS), None)
        if named is None and beat and not any(self.cat.instrument(b).is_drum for b in band):
            band.append(beat.name)
            choice.words.append(beat.words)
        explicit = {n.name for n in self.heard.instruments if not n.generic}  # 'acoustic ... guitar' stays acoustic
        for n in self.heard.instruments:
            variant = (
                planning.genre_variant(n.name, genre, self.cat) if n.generic and n.name not in explicit else n.name
            )
            if variant != n.name:
                band = [variant if b == n.name else b for b in band]
                self.notes.append(f"instruments: '{n.words}' in {genre.name} means {variant}")
            if n.level_db:
                self.levels[variant] = (n.level_db, n.level_words)
            if n.featured and variant not in band:
                band.append(variant)
                choice.words.append(n.words)
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

    def mix(self, spec: TrackSpec) -> Mix:
        """The first mix: the level words ('soft drums', 'loud guitar') as fader moves on
        the parts of those instruments (a two-handed piano moves both)."""
        tracks = {
            p.name: TrackMix(gain_db=self.levels[p.instrument][0]) for p in spec.parts if p.instrument in self.levels
        }
        used = [self.levels[i] for i in dict.fromkeys(p.instrument for p in spec.parts) if i in self.levels]
        if len(tracks) == len(spec.parts) and len({t.gain_db for t in tracks.values()}) == 1:
            self.notes.append(
                f"mix: '{', '.join(w for _, w in used)}' - a level is relative to the other parts and there are "
                "none to set it against (the master sets the loudness); left the mix flat"
            )
            tracks, used = {}, []
        note = ", ".join(f"{name} {t.gain_db:+g} dB" for name, t in tracks.items())
        self.set("mix", Choice({k: t.gain_db for k, t in tracks.items()}, "stated" if tracks else "default",
                               [words for _, words in used], note))  # fmt: skip
        return Mix(tracks=tracks)

    def style_band(self, genre: Genre) -> Choice | None:
        """The band a style word implies ('trap' -> 808, synth bass...), when that style set the genre."""
        h = self.heard
        if h.style and h.style[0].band and h.style[0].genre == genre.name and self.prov["genre"].source == "stated":
            return self.styled(list(h.style[0].band), "band")
        if h.hint and h.hint[1] and h.hint[0].value == genre.name and self.prov["genre"] is h.hint[0]:
            return Choice(
                list(h.hint[1]), "implied", list(h.hint[0].words), f"the band '{h.hint[0].words[0]}' suggests"
            )
        return None

    def genre(self, named: Choice | None) -> Choice:
        if self.ov.genre is not None:
            return Choice(resolve(self.cat, "genres", self.ov.genre, "genre"), "argument", [self.ov.genre])
        if "genre" in self.said:
            return self.said["genre"]
        if self.heard.hint is not None:
            return self.heard.hint[0]
        if named and (implied := planning.implied_genre(named.value, self.cat)):
            return Choice(implied, "implied", list(named.words), f"{implied} is the one style these instruments fit")
        return Choice(DEFAULT_GENRE if DEFAULT_GENRE in self.cat.genres else next(iter(self.cat.genres)), "default")

    # ------------------------------------------------------------------ mode, mood, key

    def mode_asked(self) -> tuple[Choice | None, str | None]:
        """The mode asked for (argument > key argument's mode > words > chords) and the key argument's tonic."""
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
        return self.said.get("mode") or self.chord_mode(tonic), tonic

    def chord_mode(self, tonic_arg: str | None) -> Choice | None:
        """The mode a stated progression is in ('Am, F, C, G' -> minor; 'ii-V-I' -> major)."""
        p = self.progression
        if p is None or self.ov.chords is not None:
            return None
        if p.roman:
            mode = chord_words.roman_mode(p.symbols)
        else:
            tonic = tonic_arg or (self.said["key"].value if "key" in self.said else None)
            mode = chord_words.implied_key(p.symbols, tonic)[1]
        return Choice(mode, "implied", [p.words], f"the chords {' '.join(p.symbols)} are in {mode}") if mode else None

    def key(self, mood: Mood, mode: str, tonic_arg: str | None) -> Choice:
        if tonic_arg:
            return Choice(tonic_arg, "argument", [str(self.ov.key)])
        if "key" in self.said:
            return self.said["key"]
        p = self.progression
        if p is not None and not p.roman and self.ov.chords is None:
            tonic, _ = chord_words.implied_key(p.symbols, None, mode)
            return Choice(tonic, "implied", [p.words], f"{' '.join(p.symbols)} centre on {tonic} {mode}")
        return self.derived(planning.default_key(mood, mode), "moods", f"a {mood.name} key in {mode}")

    def moods(self, mode: Choice | None) -> Choice:
        if self.ov.mood is not None:
            words = [self.ov.mood] if isinstance(self.ov.mood, str) else list(self.ov.mood)
            names = list(dict.fromkeys(resolve(self.cat, "moods", w, "mood") for w in words))
            if not 1 <= len(names) <= MAX_MOODS:
                raise _invalid("mood", f"mood: give 1 to {MAX_MOODS} moods (got {len(names)})", sorted(self.cat.moods))
            return Choice(names, "argument", words)
        if "moods" in self.said:
            return self.said["moods"]
        if self.heard.implied_moods is not None:
            return self.heard.implied_moods
        fallback = DEFAULT_MOOD if DEFAULT_MOOD in self.cat.moods else next(iter(self.cat.moods))
        tempo = self.tempo_asked()
        if mode is None and tempo is None:
            return Choice([fallback], "default")
        name = planning.implied_mood(self.cat, mode and mode.value, tempo and tempo.value, fallback)
        why = " and ".join(x for x in (mode and mode.value, tempo and f"{tempo.value} bpm") if x)
        words = [*(mode.words if mode else []), *(tempo.words if tempo else [])]
        return Choice([name], "implied", words, f"no mood named; {name} fits {why}")

    # ------------------------------------------------------------------ time

    def tempo_asked(self) -> Choice | None:
        if self.ov.tempo is not None:
            if not TEMPO_RANGE[0] <= self.ov.tempo <= TEMPO_RANGE[1]:
                raise _range_error("tempo", self.ov.tempo, *TEMPO_RANGE, "bpm")
            return Choice(self.ov.tempo, "argument", [str(self.ov.tempo)])
        asked = self.said.get("tempo") or self.heard.tempo_word
        if asked is None and self.heard.style and self.heard.style[0].tempo:
            return self.styled(self.heard.style[0].tempo, "tempo")
        return asked

    def meter(self, genre: Genre) -> Choice:
        if self.ov.meter is not None:
            meter = re.sub(r"\s+", "", self.ov.meter)
            if meter not in METERS:
                raise _invalid(
                    "meter", f"meter {self.ov.meter!r} is not supported; use one of {', '.join(METERS)}", list(METERS)
                )
            return Choice(meter, "argument", [self.ov.meter])
        if "meter" in self.said:
            return self.said["meter"]
        if self.heard.style and self.heard.style[0].meter:
            return self.styled(self.heard.style[0].meter, "meter")
        return self.derived(genre.meters[0], "genre", f"{genre.name}'s usual meter")

    def tempo(self, genre: Genre, mood: Mood) -> Choice:
        """Asked tempo, else genre x mood; 'half-time' halves anything but a number that was given."""
        asked = self.tempo_asked()
        if asked is not None and asked.source not in ("implied",):
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

    def swing(self, genre: Genre) -> Choice:
        """Argument > a feel word ('shuffle', 'straight eighths') > the style's feel > the genre's."""
        if self.ov.swing is not None:
            if not 0.0 <= self.ov.swing <= 1.0:
                raise _invalid(
                    "swing", f"swing {self.ov.swing} must be between 0 (straight) and 1", {"min": 0, "max": 1}
                )
            return Choice(self.ov.swing, "argument", [str(self.ov.swing)])
        if "swing" in self.said:
            return self.said["swing"]
        if self.heard.style and self.heard.style[0].swing is not None:
            return self.styled(self.heard.style[0].swing, "feel")
        return self.derived(genre.swing, "genre", f"{genre.name}'s feel")

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

    # ------------------------------------------------------------------ form and harmony

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

    def chords(self, key: str, mode: str) -> dict[str | None, list[str]]:
        """Stated progressions as chord symbols, by section kind (None: the body of the piece).

        Roman numerals are resolved in the key; the first untagged progression is the
        piece's harmony, a tagged one ('chorus: C G Am F') its section's.
        """
        if self.ov.chords is not None:
            chords = [_chord_argument(c, key, mode) for c in self.ov.chords]
            if not 1 <= len(chords) <= chord_words.MAX_CHORDS:
                raise _invalid("chords", f"chords: give 1 to {chord_words.MAX_CHORDS} chords", None)
            self.set("chords", Choice(chords, "argument", list(self.ov.chords), "one chord per bar, in order"))
            return {None: chords}
        progs = self.heard.progressions
        if not progs:
            self.set("chords", Choice(None, "default", [], "the genre's progressions in the key"))
            return {}
        by_section: dict[str | None, list[str]] = {}
        extra = []
        for p in progs:
            if p.section in by_section:
                extra.append(p.words)
            else:
                by_section[p.section] = chord_words.resolve(p.symbols, key, mode) if p.roman else list(p.symbols)
        note = "one chord per bar, in order" + (f"; also heard {', '.join(map(repr, extra))}" if extra else "")
        if any(p.roman for p in progs):
            note += f"; numerals read in {key} {mode}"
        value: Any = by_section[None] if list(by_section) == [None] else {k or "all": v for k, v in by_section.items()}
        self.set("chords", Choice(value, "stated", [p.words for p in progs], note))
        self.notes += [f"chords: also heard {', '.join(map(repr, extra))}; used the first"] if extra else []
        return by_section


def _chord_argument(symbol: str, key: str, mode: str) -> str:
    """A chord argument: a symbol ('Gm7') or a roman numeral in the key ('ii7')."""
    try:
        if re.fullmatch(chord_words.ROMAN_RE, symbol.strip()):
            return chord_words.resolve([symbol.strip()], key, mode)[0]
        parse_chord(symbol)
        return symbol.strip()
    except ValueError as exc:
        raise _invalid(
            "chords", f"chords: {exc}", "chord symbols such as C, Am7, F#m7b5, Bb/D or numerals I, ii7, V7"
        ) from None


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
