"""The rules that map one clause of a refine instruction to ops, in the order they are tried.

Each rule takes a :class:`~musigen_agent.refine_context.Clause` and the track's
:class:`~musigen_agent.refine_context.Ctx` and returns its ops, ``None`` when the clause is not its kind of
request, or raises :class:`~musigen_agent.refine_context.Unclear` when it is but the track cannot take it.  They are
kept apart from :mod:`musigen_agent.refine_words` (clause splitting and the public API) because they are most of the
code and grow one request at a time.

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
from collections.abc import Callable

from .ops import (
    AddInstrument,
    AddSection,
    ChangeGenre,
    ChangeMood,
    Density,
    Ending,
    Extend,
    Gain,
    Humanize,
    MixTrack,
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
from .refine_context import ART, ROLE_WORDS, Clause, Ctx, Unclear, alternation, chord_symbol, has, section_kind
from .spec import TEMPO_RANGE, TONICS
from .theory import note_name, pitch_class

NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
NUMBERS |= {"nine": 9, "ten": 10, "twelve": 12, "sixteen": 16, "twenty": 20, "thirty": 30, "thirty-two": 32}
NUM = "|".join(sorted(NUMBERS, key=len, reverse=True)) + r"|\d+(?:\.\d+)?"
STEPS = {"semitone": 1, "semi-tone": 1, "half step": 1, "half-step": 1, "whole step": 2, "whole-step": 2, "tone": 2}
STEPS |= {"whole tone": 2, "step": 2, "octave": 12, "minor third": 3, "major third": 4, "fourth": 5, "fifth": 7}
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
STYLE_FILLER = frozenset(
    "make it more a an the bit little lot much very really way sound sounds feel feels like as in style version "
    "vibe vibes go turn into to switch change genre mood kind sort of please lets let's try do be should ish "
    "something type flavour flavor touch twist rework rearrange slightly somewhat kinda whole thing track song".split()
)


def _num(word: str) -> float:
    return float(word) if word[0].isdigit() else float(NUMBERS[word])


def _tempo(bpm: float) -> SetTempo:
    """Relative tempo changes clamp to the allowed range; exact ones outside it are refused (see _set_tempo)."""
    return SetTempo(bpm=min(TEMPO_RANGE[1], max(TEMPO_RANGE[0], round(bpm))))


Rule = Callable[[Clause, Ctx], list[Op] | None]
RULES: list[Rule] = []


def _rule(fn: Rule) -> Rule:
    """Register a rule; the order of definition is the order of trial (specific before general)."""
    RULES.append(fn)
    return fn


@_rule
def _ending(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Ending: "end on a big chord", "big ending"; tried first, before "dramatic" or "chord" can claim them."""
    big = r"(?:big|grand|final|strong|proper|huge|full|dramatic|clean|long)\s+"
    end = rf"(?:end|finish)(?:s|ing)?\s+(?:it\s+)?(?:on|with)\s+(?:a\s+|one\s+)?(?:{big})?(?:chord|bang|hit)"
    return (
        [Ending()] if has(rf"{big}(?:ending|finish|last chord)|{end}|final chord|^(?:an? )?ending$", c.text) else None
    )


@_rule
def _set_chords(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Two chord symbols in a row, or one right after "chords": "use Dm7 G7 Cmaj7 in the chorus"."""
    best: list[str] = []
    run: list[str] = []
    keyword, prev = False, ""
    for token in re.split(r"[\s,|]+", c.raw):
        symbol = chord_symbol(token)
        run = [*run, symbol] if symbol else []
        keyword = bool(symbol) and (keyword or len(run) == 1 and prev in ("chord", "chords", "progression"))
        best = run if len(run) > len(best) and (len(run) >= 2 or keyword) else best
        prev = token.lower().strip(":")
    if not best:
        return None
    if not (sections := ctx.needed_sections(c.text)):
        raise Unclear(f"say which section the chords are for (sections: {ctx.section_list})")
    return [SetChords(section=s, chords=best) for s in sections]


@_rule
def _mute_in(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Parts named before "in/during/from the <section>": no, drop, mute ... or bring back, let ... or only."""
    found = ctx.sections(c.text)
    head = c.text[: found[0].start] if found else ""
    named = ctx.things(head)
    if not named or not re.search(r"\b(?:in|during|for|from|throughout|on|of)\s+(?:the\s+|all\s+|every\s+)?$", head):
        return None
    only = re.match(r"(?:only|just)\b", head)
    back = has(r"back|unmute|un-mute|restore|return|bring|let", c.text)
    if not (only or back or has(r"no|drop|mute|remove|lose|cut|kill|take|silence|without|rid|skip|out", head)):
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
def _add_instrument(c: Clause, ctx: Ctx) -> list[Op] | None:
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
    said = re.search(rf"\b(?:{verb_role})\s+(?:the\s+|a\s+|some\s+)?({alternation(ROLE_WORDS)})\b", tail)
    role = ROLE_WORDS[said[1]] if said else "melody" if re.match(r"\s*(?:solo|lead)\b", tail) else None
    sections = ctx.needed_sections(tail)
    rest = [s.name for s in ctx.spec.sections if s.name not in {n for x in sections for n in ctx.section_names(x)}]
    taken, ops = {p.name for p in ctx.spec.parts}, []
    for inst in instruments:
        roles = ctx.catalog.instruments[inst].roles
        if role is not None and role not in roles:
            raise Unclear(f"{inst} cannot play {role}; it can play {', '.join(roles)}")
        name = _unique(inst, taken)
        taken.add(name)
        ops.append(AddInstrument(instrument=inst, role=role, name=name if sections else None))
        ops += [MuteIn(part=name, sections=rest)] if sections and rest else []
    return ops


@_rule
def _replace(c: Clause, ctx: Ctx) -> list[Op] | None:
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
def _part_verbs(c: Clause, ctx: Ctx) -> list[Op] | None:
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
def _add_section(c: Clause, ctx: Ctx) -> list[Op] | None:
    """New sections: "add a bridge" (as long as the track's bridge, else 8 bars), "add a 4 bar intro after X"."""
    some = r"(?:a new|an extra|a second|another|one more|an|a|extra)\s+"
    m = re.match(
        rf"(?:add|insert|put in|include|append|tack on)\s+(?:{some})?(?:(?:{NUM})\s*-?\s*(?:bars?|measures?)\s+)?",
        c.text,
    )
    found = ctx.sections(c.text)
    if not m or not found or found[0].start != m.end():
        return None
    kind, n = section_kind(found[0].value), BARS.search(c.text)
    bars = int(_num(n[1])) if n else ctx.bars(kind) if ctx.section_names(kind) else 8
    where = re.search(r"\b(after|before)\s+(?:the\s+)?$", c.text[: found[1].start]) if len(found) > 1 else None
    after = None
    if where:
        anchor = ctx.section_names(ctx.section(found[1]))
        index = [s.name for s in ctx.spec.sections].index(anchor[0])
        if where[1] == "before" and index == 0:
            raise Unclear("a new section goes after another one; say after which")
        after = anchor[-1] if where[1] == "after" else ctx.spec.sections[index - 1].name
    return [AddSection(name=kind, bars=min(128, max(1, bars)), after=after)]


@_rule
def _resize(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Double / halve / longer (x1.5, even) / shorter (/2) / N bars / by N bars, for named sections."""
    t = c.text
    if not ctx.sections(t) or ctx.things(t):
        return None
    longer, shorter, n = has("longer|lengthen|extend|stretch", t), has("shorter|shorten|trim|cut", t), BARS.search(t)

    def size(b: int) -> float | None:
        if has("double", t):
            return b * 2
        if has("halve|half", t):
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
def _length(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Whole-track length: "extend by 8 bars", "make it longer" (8 bars), "make it 3 minutes long"."""
    t, spec = c.text, ctx.spec
    m = LENGTH.search(t)
    if ctx.sections(t) or ctx.things(t):
        return None
    bars: float | None = None
    if m and (m[1] or not (m[3][0].isalpha() and len(m[4]) == 1)):  # "a m" is not a length
        seconds = int(m[1]) * 60 + int(m[2]) if m[1] else _num(m[3]) * (60 if m[4] in ("m", "min", "minute") else 1)
        bars = _num(m[3]) if m[4] in ("bar", "measure") else seconds * spec.tempo / 60 / spec.beats_per_bar
    if bars is not None and has("by|add|another|more|extra|extend|lengthen", t):
        said_bars = m is not None and m[4] in ("bar", "measure")
        return [Extend(bars=min(128, max(1, round(bars) if said_bars else round(bars / 4) * 4)))]
    if bars is not None and has("make|long|length|lasts?|total", t):
        if (diff := bars - spec.total_bars) <= 2:
            note = "already about that long" if diff > -2 else "say which section to shorten or remove"
            raise Unclear(f"{note} (now {spec.seconds:.0f} s; sections: {ctx.section_list})")
        return [Extend(bars=min(128, max(4, round(diff / 4) * 4)))]
    if has("longer|lengthen|extend|stretch", t):
        return [Extend(bars=16 if has(MUCH, t) else 8)]
    if has("shorter|shorten", t):
        raise Unclear(f"say which section to shorten or remove (sections: {ctx.section_list})")
    return None


@_rule
def _regenerate(c: Clause, ctx: Ctx) -> list[Op] | None:
    """New material (Regenerate) or a variation that keeps the rhythm (Vary), per part and section."""
    t = c.text
    vary = has("vary|varied|variations?|mix up|embellish", t)
    redo = r"re-?generate|redo|re-do|re-?write|re-?roll|re-?compose|refresh|try again|start over|new version"
    bare = has(rf"{redo}|another (?:take|version)|something (?:else|different)", t)
    if not (vary or bare or has("new|another|different|fresh|alternative|alternate|change(?: up)?", t)):
        return None
    parts, sections = ctx.parts(ctx.things(t)), ctx.needed_sections(t)
    if vary:
        if not (parts := parts or [p.name for p in ctx.spec.parts if p.role == "melody"][:1]):
            raise Unclear(f"say which part to vary (parts: {ctx.part_list})")
        return [Vary(part=p, section=s) for p in parts for s in sections or [None]]
    if not (bare or parts or sections or has("(?:pattern|riff|line|part|fill|idea|take)s?", t)):
        return None
    return [Regenerate(part=p, section=s) for p in parts or [None] for s in sections or [None]]


ENERGY_WORDS = (
    (0.9, "more energy|more energetic|louder|bigger|bolder|harder|more intense|punchier|fuller|stronger|lift|peak"),
    (0.8, r"build(?:[\s-]?up)?|ramp(?: up)?|grow|swell|intensify|crescendo"),
    (0.3, "less energy|quieter|softer|calmer|gentler|smaller|lighter|sparser?|mellower|quiet|calm|soft|chill"),
    (0.3, "tone (?:it )?down|pull back|strip(?:ped)?(?: back| down)?|more relaxed|lower energy|less energetic"),
)


@_rule
def _energy(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Section energy: "more energy in the chorus" 0.9, "build up the bridge" 0.8, "quieter intro" 0.3."""
    t = c.text
    if not ctx.sections(t) or ctx.things(t):
        return None
    level = next((v for v, words in ENERGY_WORDS if has(words, t)), None)
    if exact := re.search(rf"\benergy{LEVEL}", t):
        level = _level(exact)
    return None if level is None else [SetEnergy(section=s, energy=level) for s in ctx.needed_sections(t)]


def _level(m: re.Match[str]) -> float:
    text = m["v"].replace(" ", "")
    return min(1.0, float(text.rstrip("%")) / (100 if text.endswith("%") else 1))


def _whole_track(t: str, ctx: Ctx, what: str) -> None:
    if ctx.sections(t):
        raise Unclear(f"{what} is per part for the whole track; for one section, ask for more or less energy there")


@_rule
def _density(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Density: "less busy" / "simpler bass" x0.6 (much: 0.4), "busier" / "more notes" x1.5 (much: 2)."""
    t = c.text
    sparse = has(
        "less busy|not (?:so|as) busy|simpler|simplify|sparser|more sparse|thinner|thin out|fewer notes|"
        "less notes|less cluttered|declutter|more space|less dense|less complex",
        t,
    )
    if not sparse and not has("busier|more busy|more notes|denser|more dense|more complex|more active|more fills", t):
        return None
    _whole_track(t, ctx, "density")
    factor = (0.4 if has(MUCH, t) else 0.6) if sparse else (2.0 if has(MUCH, t) else 1.5)
    return [Density(part=p, factor=factor) for p in ctx.parts(ctx.things(t)) or [None]]


REVERB_WORDS = r"reverb|reverberation|wet|wetter|dry|drier|dryer|roomier"
REVERB_OFF = r"no reverb|bone dry|dry|without (?:the |any )?reverb|(?:remove|kill|lose|drop|cut) (?:the |all )?reverb"
REVERB_DOWN = r"less|drier|dryer|reduce|lower|down|tame|subtler|smaller"
REVERB_UP = r"more|wetter|add|bigger|boost|up|increase|roomier|lush|washy|drench(?:ed)?|longer"


@_rule
def _reverb(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Reverb send, from where each part is: 'more reverb' doubles it (at least +0.15), 'much more'
    triples it, 'less' halves it, 'no reverb' / 'dry' is 0; on the parts named, else on every part.
    Before the gain rule, which would read 'less reverb on the piano' as 'quieter piano'."""
    t = c.text
    if not has(REVERB_WORDS, t):
        return None
    off, down, up = has(REVERB_OFF, t), has(REVERB_DOWN, t), has(REVERB_UP, t)
    if not (off or down or up):
        return None
    named = ctx.things(t)
    parts = ctx.parts(named) if named else [p.name for p in ctx.spec.parts]

    def send(now: float) -> float:
        if off and not up:
            return 0.0
        if down:
            return round(now / 2, 3)
        return round(min(1.0, max(now * (3 if has(MUCH, t) else 2), now + 0.15)), 3)

    return [MixTrack(part=p, reverb=send(ctx.mix.for_part(p).reverb)) for p in parts]


@_rule
def _pan(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Pan: "pan the guitar left" -0.6, "hard right" 1.0, "slightly left" -0.3, "30% left", "centre" 0."""
    t = c.text
    if not (side := has("left|right|cent(?:er|re)|middle", t)) or not (named := ctx.things(t)):
        return None
    percent = re.search(r"(\d{1,3})\s*%", t)
    hard = has("hard|fully|all the way|far|completely|extreme", t)
    amount = min(1.0, int(percent[1]) / 100) if percent else 1.0 if hard else 0.3 if has(BIT, t) else 0.6
    return [Pan(part=p, pan={"left": -amount, "right": amount}.get(side[0], 0.0)) for p in ctx.parts(named)]


@_rule
def _gain(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Gain, from where each part is: louder +3 dB, quieter -3, much +-6, a bit +-1.5, or up /
    down by the dB said; a level said alone or after 'to' / 'at' ('bass -4 dB', 'bass down to
    -6 dB') is set as it is."""
    t = c.text
    db = re.search(r"([+-]?\d+(?:\.\d+)?)\s*db\b", t)
    down = has(r"quieter|softer|turn (?:\w+ )*down|down|lower|reduce|bring (?:\w+ )*down|less|duck|tame|cut", t)
    up = has(r"louder|turn (?:\w+ )*up|up|boost|raise|bring (?:\w+ )*up|more|pump|crank|push|bump|increase", t)
    if not (named := ctx.things(t)) or not (db or up or down):
        return None
    _whole_track(t, ctx, "volume")
    size = abs(float(db[1])) if db else 6.0 if has(MUCH, t) else 1.5 if has(BIT, t) else 3.0
    to = db is not None and re.search(r"\b(?:to|at)\s*$", t[: db.start()]) is not None  # 'down to -6 dB'

    def level(now: float) -> float:
        value = float(db[1]) if db and (to or not (up or down)) else now - size if down else now + size
        return max(-60.0, min(12.0, value))

    return [Gain(part=p, db=level(ctx.mix.for_part(p).gain_db)) for p in ctx.parts(named)]


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
def _feel(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Swing (+-0.3, 0 for straight) and humanize (0.5, 0 for tight): whole-track settings."""
    return next(([make(ctx.spec.swing, m)] for pattern, make in FEEL if (m := has(pattern, c.text))), None)


@_rule
def _set_tempo(c: Clause, ctx: Ctx) -> list[Op] | None:
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
            raise Unclear(f"tempo must be {TEMPO_RANGE[0]} to {TEMPO_RANGE[1]} bpm")
        return [_tempo(value)]
    if has(r"half[\s-]?time|half (?:the )?(?:tempo|speed)|halve the tempo", t):
        return [_tempo(bpm / 2)]
    if has(r"double[\s-]?time|double (?:the )?(?:tempo|speed)|twice as fast", t):
        return [_tempo(bpm * 2)]
    for words, (much, bit, plain) in ((FASTER, (1.3, 1.08, 1.15)), (SLOWER, (0.7, 0.92, 0.85))):
        if has(words, t):
            return [_tempo(bpm * (much if has(MUCH, t) else bit if has(BIT, t) else plain))]
    return None


UNIT = rf"(?P<u>{alternation(STEPS)})s?"
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
def _key(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Transpose by an interval, set a key (and maybe its mode), or set the mode ("minor")."""
    t = c.text
    if m := next(filter(None, (re.search(rx, t) for rx in TRANSPOSE)), None):
        n = int(_num(m["n"].lstrip("+-"))) * (-1 if m["n"].startswith("-") else 1) if m["n"] else 1
        semitones = n * STEPS.get(m["u"] or "semitone", 1) * (-1 if m["d"] in ("down", "lower") else 1)
        if abs(semitones) > 12:
            raise Unclear("transpose by at most 12 semitones (an octave)")
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


def _darker(ctx: Ctx) -> list[Op]:
    """Major -> minor first (the smallest change that darkens); then a darker mood than the current one."""
    if ctx.spec.mode == "major":
        return [SetMode(mode="minor")]
    if not (mood := next((m for m in ("sad", "dramatic") if m not in ctx.spec.moods), None)):
        raise Unclear("already minor and dark; try slower, sparser or quieter")
    return [ChangeMood(mood=mood)]


MOODS: tuple[tuple[str, Callable[[Ctx], list[Op]]], ...] = (
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
def _mood_words(c: Clause, ctx: Ctx) -> list[Op] | None:
    """Relative mood words: "darker" is mode-aware, "more energetic" also speeds up by 10%."""
    return next((make(ctx) for pattern, make in MOODS if has(pattern, c.text)), None)


@_rule
def _style(c: Clause, ctx: Ctx) -> list[Op] | None:
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
