"""Static checks of what a plugin registers: one function per kind of catalogue item.

Pydantic already rejects malformed fields when an item is built; these checks catch
items that are well-formed but would misbehave later -- a range the GM program cannot
play, a progression the composer cannot parse in minor keys, a groove lane that names
no drum -- and say in each message what to change.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ..catalog import Genre, Instrument, ModelBackend, Mood
from ..planning import parse_mood_key
from ..spec import METERS, SECTION_NAME, TEMPO_RANGE, TONICS
from ..theory import CHORD_INTERVALS, DRUMS, QUALITY_ALIASES, roman_to_chord
from .gm import DRUM_KEYS, family_of, program_name

NAME_PATTERN = r"^[a-z][a-z0-9_]*$"

#: Every problem code the kit reports, with what it means (docs/plugins.md lists them too).
PROBLEM_CODES: dict[str, str] = {
    "import-failed": "the plugin module cannot be imported",
    "no-hooks": "the plugin implements no hook",
    "not-a-hookimpl": "a function named after a hook lacks @hookimpl",
    "unknown-hook": "a @hookimpl names no musigen hook (usually a typo)",
    "hook-signature": "a hook implementation takes an argument its hookspec does not have",
    "hook-raised": "a hook raised (including pydantic errors while building an item)",
    "wrong-type": "register() was given something other than the hook's item type",
    "quarantined": "musigen refuses the plugin when loading it next to the built-ins",
    "duplicate-name": "a name another plugin (or this one) already registered",
    "unreachable-name": "the item's name is another item's synonym, so prompts and options never select it",
    "shadowed-word": "a word of the item (spaced name, display name, synonym) already means another item",
    "invalid-item": "an item fails validation (built with model_construct or mutated)",
    "gm-program": "gm_program outside 0-127",
    "range": "an instrument range that is inverted, under an octave, or implausible for its GM program",
    "drums": "is_drum does not agree with roles or family",
    "unknown-instrument": "a genre names an instrument no plugin registers",
    "meter": "a genre meter musigen cannot write",
    "groove": "a groove lane that is not a drum sound, or a groove meter musigen cannot write",
    "chord-quality": "a chord quality that is not a canonical suffix",
    "progression": "a roman numeral that does not parse in major or minor keys",
    "form": "a form section name that is not a valid section name",
    "tempo": "a mood tempo range outside 20-300 bpm",
    "key": "a mood key that does not parse",
    "compose-failed": "composing with the plugin's item raised",
    "invalid-arrangement": "a composition that does not match its spec (parts, programs, ranges, length)",
    "nondeterministic": "the same spec composed twice gave different notes",
    "after-compose": "an after_compose hook raised",
    "voice": "an instrument_voice result is not a working, deterministic voice",
}


@dataclass(frozen=True)
class Problem:
    """One thing a plugin must fix.

    ``code`` is a stable identifier tests can match on (see docs/plugins.md for the
    list), ``subject`` the item or hook at fault, and ``message`` says what is wrong
    and what to change.
    """

    code: str
    subject: str
    message: str

    def __str__(self) -> str:
        return f"[{self.code}] {self.subject}: {self.message}"


def did_you_mean(word: str, known: Collection[str]) -> str:
    """' (did you mean 'x'?)' for a near miss, else ''."""
    near = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {near[0]!r}?)" if near else ""


def revalidate(item: Any, subject: str) -> list[Problem]:
    """Re-run pydantic validation: catches items built with ``model_construct`` or mutated after creation."""
    if not isinstance(item, BaseModel):
        return []
    try:
        type(item).model_validate(item.model_dump())
    except ValidationError as exc:
        return [Problem("invalid-item", subject, f"fails validation: {_errors(exc)}; fix those fields")]
    return []


def check_instrument(inst: Instrument) -> list[Problem]:
    """Range, GM program and drum flag of one instrument."""
    subject = f"instrument {inst.name!r}"
    out = revalidate(inst, subject)
    if not 0 <= inst.gm_program <= 127:
        out.append(
            Problem("gm-program", subject, f"gm_program {inst.gm_program} is not 0-127; use the 0-based GM number")
        )
        return out
    if inst.is_drum:
        out += _check_drum(inst, subject)
        return out
    if inst.roles == ("rhythm",):
        out.append(
            Problem(
                "drums",
                subject,
                "a pitched instrument (is_drum=False) whose only role is 'rhythm': set is_drum=True if it plays "
                "the GM percussion map, or give it a pitched role such as 'harmony'",
            )
        )
    if inst.family in ("drums", "drum_kit"):
        out.append(Problem("drums", subject, f"family {inst.family!r} but is_drum=False; set is_drum=True"))
    if inst.low >= inst.high:
        out.append(Problem("range", subject, f"low {inst.low} must be below high {inst.high}; swap or fix them"))
    elif inst.high - inst.low < 12:
        out.append(
            Problem(
                "range",
                subject,
                f"range {inst.low}-{inst.high} is under an octave; a pitched instrument needs at least 12 semitones "
                "so the composer can move lines by octaves into it -- widen low/high",
            )
        )
    family, lo, hi = family_of(inst.gm_program)
    if inst.low < lo or inst.high > hi:
        out.append(
            Problem(
                "range",
                subject,
                f"range {inst.low}-{inst.high} goes outside what GM program {program_name(inst.gm_program)} "
                f"({family} family) can plausibly play, {lo}-{hi}; set low/high to the real instrument's range or "
                "pick the gm_program that matches it",
            )
        )
    return out


def _check_drum(inst: Instrument, subject: str) -> list[Problem]:
    out = []
    if set(inst.roles) != {"rhythm"}:
        out.append(
            Problem(
                "drums",
                subject,
                f"is_drum=True but roles are {list(inst.roles)}; a drum instrument plays the percussion map, so set "
                "roles=('rhythm',) -- or is_drum=False if it is pitched",
            )
        )
    lo, hi = DRUM_KEYS
    if inst.low < lo or inst.high > hi:
        out.append(
            Problem(
                "range",
                subject,
                f"drum range {inst.low}-{inst.high} leaves the GM percussion map {lo}-{hi}; set low/high inside it",
            )
        )
    return out


def check_genre(genre: Genre, instruments: Collection[str]) -> list[Problem]:
    """Instrumentation, meters, grooves, harmony and form of one genre.

    ``instruments`` are the instrument names known once every plugin has registered.
    """
    subject = f"genre {genre.name!r}"
    out = revalidate(genre, subject)
    for name in genre.instruments:
        if name not in instruments:
            out.append(
                Problem(
                    "unknown-instrument",
                    subject,
                    f"lists instrument {name!r}{did_you_mean(name, instruments)}, which no loaded plugin registers; "
                    "register it in register_instruments or use a known one (see `musigen instruments`)",
                )
            )
    for meter in genre.meters:
        if meter not in METERS:
            out.append(Problem("meter", subject, f"meter {meter!r} is not supported; use one of {', '.join(METERS)}"))
    for groove in genre.grooves:
        out += _check_groove(genre.name, groove.name, groove.meter, groove.lanes)
    out += check_qualities(subject, genre.chord_qualities)
    for i, progression in enumerate(genre.progressions, 1):
        for numeral in progression:
            for mode in ("major", "minor"):
                try:
                    roman_to_chord(numeral, "C", mode)
                except (ValueError, KeyError) as exc:
                    out.append(
                        Problem(
                            "progression",
                            subject,
                            f"progression {i} ({' '.join(progression)}): {numeral!r} does not parse in a {mode} key "
                            f"({exc}); write numerals as in a major key: I, ii7, V7, IVmaj7, bVII, iiø7",
                        )
                    )
                    break
    for section in genre.form:
        if not SECTION_NAME.match(section):
            out.append(
                Problem(
                    "form",
                    subject,
                    f"form section {section!r} is not a valid section name; use lower-case letters, digits and _ "
                    "(e.g. 'verse', 'pre_chorus')",
                )
            )
    return out


def _check_groove(genre: str, name: str, meter: str, lanes: dict[str, str]) -> list[Problem]:
    subject = f"genre {genre!r} groove {name!r}"
    out = []
    if meter not in METERS:
        out.append(Problem("groove", subject, f"meter {meter!r} is not supported; use one of {', '.join(METERS)}"))
    for lane in lanes:
        if lane not in DRUMS:
            out.append(
                Problem(
                    "groove",
                    subject,
                    f"lane {lane!r}{did_you_mean(lane, DRUMS)} is not a drum sound; use one of "
                    f"{', '.join(sorted(DRUMS))} (musigen_agent.theory.DRUMS)",
                )
            )
    return out


def check_qualities(subject: str, qualities: Collection[str]) -> list[Problem]:
    """Chord qualities must be canonical suffixes, since palettes are matched literally."""
    out = []
    for q in qualities:
        if q in CHORD_INTERVALS:
            continue
        canonical = QUALITY_ALIASES.get(q)
        known = ", ".join(repr(k) for k in CHORD_INTERVALS)
        fix = f"write {canonical!r}" if canonical is not None else f"use one of {known}"
        out.append(Problem("chord-quality", subject, f"chord quality {q!r} is not a canonical quality; {fix}"))
    return out


def check_mood(mood: Mood) -> list[Problem]:
    """Tempo range, keys and harmony colour of one mood."""
    subject = f"mood {mood.name!r}"
    out = revalidate(mood, subject)
    lo, hi = mood.tempo_range
    if not TEMPO_RANGE[0] <= lo <= hi <= TEMPO_RANGE[1]:
        out.append(
            Problem(
                "tempo",
                subject,
                f"tempo_range {lo}-{hi} must satisfy {TEMPO_RANGE[0]} <= low <= high <= {TEMPO_RANGE[1]} bpm",
            )
        )
    for key in mood.keys:
        tonic, _mode = parse_mood_key(key)
        if tonic not in TONICS:
            out.append(
                Problem(
                    "key",
                    subject,
                    f"key {key!r} does not parse; write a tonic ({', '.join(TONICS)}) with 'm' appended for minor, "
                    "e.g. 'G' or 'F#m'",
                )
            )
    out += check_qualities(subject, mood.chord_qualities)
    return out


def check_model_shape(model: ModelBackend) -> list[Problem]:
    """The attributes of a backend that listings and compose rely on."""
    subject = f"model {getattr(model, 'name', model)!r}"
    out = []
    if not isinstance(model.name, str) or not re.match(NAME_PATTERN, model.name):
        out.append(Problem("invalid-item", subject, f"name must be a str matching {NAME_PATTERN}, e.g. 'my_model'"))
    if not isinstance(model.available, bool):
        out.append(Problem("invalid-item", subject, "available must be True or False"))
    elif not model.available and not model.unavailable_reason:
        out.append(
            Problem(
                "invalid-item",
                subject,
                "available is False but unavailable_reason is empty; say what to install or configure",
            )
        )
    return out


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'item'}: {e['msg']}" for e in exc.errors())
