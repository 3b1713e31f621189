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

The rules and the choices they make where the words leave things open are in
:mod:`musigen_agent.refine_rules`; the track vocabulary they share with clause splitting is in
:mod:`musigen_agent.refine_context`.  This module keeps the public API and the splitting of an
instruction into clauses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalog import Catalog
from .ops import MAX_OPS, Op
from .refine_context import ART, Clause, Ctx, Unclear, chord_symbol
from .refine_rules import RULES
from .spec import Mix, TrackSpec


@dataclass
class Understood:
    op: Op
    words: str  # the clause that produced the op, as written


@dataclass
class Reading:
    ops: list[Understood]
    not_understood: list[str]  # clauses it could not map; "clause: note" when it knows why
    reasons: list[str] = field(default_factory=list)  # those of them it knows why ("no chorus in this track")


#: Shown to people and LLMs when nothing was understood; each is understood by the tests' fixture track.
EXAMPLES: tuple[str, ...] = tuple(
    "darker; a bit slower; tempo 96; no drums in the intro; swap the piano for a rhodes; add a flute playing the "
    "melody; add a sax solo in the bridge; remove the pad; double the chorus; more swing; simpler bass; louder drums, "
    "pan the guitar left; transpose up a whole step; make it reggae; chords Am F C G in the verse".split("; ")
)

LEAD_FILLER = re.compile(
    r"^(?:(?:please|pls|can you|could you|would you|will you|let's|lets|let us|i want to|i'd like to|"
    r"i would like to|we should|now|also|and|ok|okay|so|maybe|then)\s+)+"
)
PLEASANTRIES = re.compile(r"please|thanks|thank you|ok|okay|cool|great|nice|and|then|also|now")


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def _clause(raw: str) -> Clause:
    raw = raw.strip(" \t.,;:!?\"'")
    text = LEAD_FILLER.sub("", re.sub(r"^[^\w+\-#(]+|[^\w#%)]+$", "", _norm(raw)))
    return Clause(raw, re.sub(r"\s+(?:please|thanks|thank you)$", "", text))


def _read_clause(raw: str, ctx: Ctx) -> tuple[list[Op], str | None]:
    """The ops for one clause, or what to put in not_understood (None when there is nothing to report)."""
    clause = _clause(raw)
    if not clause.raw or PLEASANTRIES.fullmatch(clause.text):
        return [], None
    for rule in RULES:
        try:
            if found := rule(clause, ctx):
                return found, None
        except Unclear as exc:
            return [], f"{clause.raw}: {exc}"
        except ValueError as exc:  # an op refused a value (pydantic's ValidationError is a ValueError)
            return [], f"{clause.raw}: {str(exc).splitlines()[-1].strip()}"
    return [], clause.raw


def _joins(left: str, right: str, ctx: Ctx) -> bool:
    """Whether a comma or "and" continues a list ("piano and bass", "Am, F, C") rather than starting a clause."""
    last, first = (left.split() or [""])[-1], (right.split() or [""])[0]
    if chord_symbol(last) and chord_symbol(first) and first.lower() != "a":
        return True
    left, right = _norm(left)[-80:], _norm(right)  # the last name is all that matters on the left
    lm, rm = ctx.mentions(left), ctx.mentions(right)
    if not (lm and rm and lm[-1].end == len(left) and (lm[-1].kind == "section") == (rm[0].kind == "section")):
        return False
    return bool(re.fullmatch(f"(?:{ART})?", right[: rm[0].start])) and not _read_clause(right, ctx)[0]


def _clauses(text: str, ctx: Ctx) -> list[str]:
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


def read_instruction(text: str, spec: TrackSpec, catalog: Catalog, mix: Mix | None = None) -> Reading:
    """Map an instruction in words to ops on ``spec`` (``mix`` is the version's, which
    'louder' and 'more reverb' change relatively); what cannot be mapped is returned,
    never raised."""
    ctx = Ctx(spec, catalog, mix)
    reading = Reading([], [])
    for clause in _clauses(text, ctx):
        found, note = _read_clause(clause, ctx)
        if len(reading.ops) + len(found) > MAX_OPS:
            note = f"{clause}: at most {MAX_OPS} ops per refine"
        else:
            reading.ops += [Understood(op, clause) for op in found]
        reading.not_understood += [note] if note else []
        reading.reasons += [note] if note and note != clause else []
    return reading
