"""Fill in what the words leave open: form, bar counts, roles, tempo and key.

Intent parsing only records what a person said; everything else comes from these pure
functions over catalogue data, so the same genre and mood always give the same plan and
refine operations can re-plan one field without re-reading the words.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable

from .catalog import Catalog, Genre, Instrument, Mood, Role
from .spec import MAX_BARS, MAX_SECONDS, TONICS, PartSpec, SectionSpec
from .theory import note_name, pitch_class, relative_key

#: Sections that frame a piece; kept short (2-4 bars) and dropped last-but-one.
EDGES = frozenset({"intro", "outro", "coda"})
#: Loudness/density of a section type: the dynamic arc of a song.
ENERGY: dict[str, float] = {
    "intro": 0.35,
    "verse": 0.55,
    "pre_chorus": 0.7,
    "chorus": 0.85,
    "bridge": 0.6,
    "breakdown": 0.4,
    "buildup": 0.75,
    "drop": 0.95,
    "interlude": 0.45,
    "solo": 0.75,
    "head": 0.65,
    "theme": 0.6,
    "development": 0.75,
    "outro": 0.3,
    "coda": 0.3,
}
DEFAULT_ENERGY = 0.6
#: Short connective sections that are 4 bars even in a long piece.
SHORT = frozenset({"pre_chorus", "breakdown", "buildup", "interlude"})
#: Each repeat of a section comes back a little stronger, up to this many steps.
REPEAT_LIFT = 0.05
MAX_SECTIONS = 32
MAX_SECTION_BARS = 128


def bars_for_seconds(seconds: float, tempo: int, meter: str) -> int:
    """Whole bars closest to ``seconds`` (half rounds up), never fewer than 2.

    Two bars is the shortest span that still has a chord change and a cadence.
    """
    bars = seconds * tempo / 60.0 / _beats_per_bar(meter)
    return max(2, math.floor(bars + 0.5))


def seconds_for_bars(bars: int, tempo: int, meter: str) -> float:
    """Duration of ``bars`` bars at ``tempo`` quarter-note bpm."""
    return bars * _beats_per_bar(meter) * 60.0 / tempo


def max_bars_for(tempo: int, meter: str, max_seconds: float) -> int:
    """Most whole bars that fit in ``max_seconds`` (and in the spec's bar limit)."""
    return max(1, min(MAX_BARS, math.floor(max_seconds * tempo / 60.0 / _beats_per_bar(meter))))


def fit_length(kind: str, value: float, tempo: int, meter: str) -> tuple[int, str]:
    """Bars for a length given in ``'seconds'`` or ``'bars'``, clamped to the spec's limits.

    The note says what was clamped (empty when nothing was), so a too-long request
    still gives a piece and the caller can say why it is shorter.
    """
    most = max_bars_for(tempo, meter, MAX_SECONDS)
    if kind == "seconds":
        secs = min(max(value, 1.0), float(MAX_SECONDS))
        bars = bars_for_seconds(secs, tempo, meter)
        if bars > most:
            return most, f"{value:g} s is {bars} bars at {tempo} bpm in {meter}; at most {most} fit, used {most}"
        return bars, "" if secs == value else f"{value:g} s is outside 1-{MAX_SECONDS} s; used {secs:g} s"
    bars = min(max(int(value), 1), most)
    clamped = f"{value:g} bars is outside 1-{most} bars at {tempo} bpm in {meter}; used {bars}"
    return bars, "" if bars == value else clamped


def _beats_per_bar(meter: str) -> float:
    num, den = (int(x) for x in meter.split("/"))
    return num * 4 / den


# ---------------------------------------------------------------------------- reading keys and lengths
# Shared by intent parsing (words and arguments) and refine edits ("make it 2 minutes").


def word_table(spec: str) -> dict[str, str]:
    """'a|b=1; c=2' -> {'a': '1', 'b': '1', 'c': '2'}: word lists stay one readable line each."""
    out = {}
    for group in spec.split(";"):
        words, value = group.rsplit("=", 1)
        out.update((w.strip(), value.strip()) for w in words.split("|"))
    return out


NUMBER_WORDS = {
    w: float(v)
    for w, v in word_table(
        "a|an|one=1; two|a couple of|a couple|couple of=2; three|a few|few=3; four=4; five=5; six=6; seven=7; "
        "eight=8; nine=9; ten=10; eleven=11; twelve=12; fifteen=15; sixteen=16; twenty=20; thirty=30; forty=40; "
        "fifty=50; sixty=60; ninety=90; half a|half an=0.5"
    ).items()
}
NUM = r"(?P<n>\d+(?:\.\d+)?|" + "|".join(sorted(map(re.escape, NUMBER_WORDS), key=len, reverse=True)) + ")"
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0}
ACCIDENTAL = r"(?P<acc>#|♯|♭|b(?=m\b|[^a-z]|$)|\s?-?\s?(?:sharp|flat)\b)"
KEY_RE = re.compile(rf"^\s*(?P<l>[a-g]){ACCIDENTAL}?\s*-?\s*(?P<mode>major|minor|maj|min|m)?\s*$", re.I)
#: m:ss; "2 min 30 s"; "90 seconds" / "2.5 minutes" / "a minute and a half"; "32 bars".
LENGTH_RES = (
    re.compile(r"(?<![\d:])(?P<mm>\d{1,3}):(?P<ss>[0-5]\d)(?![\d:])"),
    re.compile(rf"(?<![\w.]){NUM}\s*(?:minutes?|mins?|m)\s*(?:and\s+)?(?P<s2>\d{{1,2}})\s*(?:seconds?|secs?|s)\b"),
    re.compile(
        rf"(?<![\w.]){NUM}(?P<half>\s+and\s+a\s+half|\s*½)?\s*-?\s*(?P<u>hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)"
        r"(?P<half2>\s+and\s+a\s+half)?(?![\w'’])"
    ),
    re.compile(rf"(?<![\w.]){NUM}\s*-?\s*(?P<bars>bars?|measures?)\b(?=(?P<after>\s+[a-z-]+)|)"),
)


def normalise_tonic(letter: str, acc: str | None) -> str:
    """'b' + '-flat' -> 'Bb'; spellings outside spec.TONICS (E#, Fb) become their enharmonic."""
    acc = (acc or "").strip(" -").lower()
    sign = "#" if acc in ("#", "♯", "sharp") else "b" if acc in ("b", "♭", "flat") else ""
    tonic = letter.upper() + sign
    return tonic if tonic in TONICS else note_name(pitch_class(tonic), flats=sign == "b")


def parse_key(text: str) -> tuple[str, str | None]:
    """'F#' -> ('F#', None); 'Bb minor' -> ('Bb', 'minor'); 'Dm' -> ('D', 'minor').  ValueError if not a key."""
    m = KEY_RE.match(text)
    if not m:
        raise ValueError(text)
    mode = m["mode"] and ("major" if m["mode"].lower().startswith("maj") else "minor")
    return normalise_tonic(m["l"], m["acc"]), mode


def number(word: str) -> float:
    """'12' -> 12.0, 'two' -> 2.0, 'half a' -> 0.5."""
    word = word.strip().lower()
    return float(word) if word[0].isdigit() else NUMBER_WORDS[word]


def length_of(m: re.Match[str]) -> tuple[str, float] | None:
    """('seconds', x) or ('bars', n) for one LENGTH_RES match; None for 'a m' (words need a full unit)."""
    g = m.groupdict()
    if g.get("mm") is not None:
        return "seconds", int(g["mm"]) * 60.0 + int(g["ss"])
    if g.get("bars"):
        return "bars", number(g["n"])
    n = number(g["n"])
    if g.get("s2") is not None:
        return "seconds", n * 60.0 + int(g["s2"])
    if g["n"][0].isalpha() and len(g["u"]) == 1:
        return None
    return "seconds", (n + (0.5 if g.get("half") or g.get("half2") else 0)) * _UNIT_SECONDS[g["u"][0]]


def parse_length(text: str) -> tuple[str, float]:
    """'2:30' / '90s' / '2 minutes' / '32 bars' / '75' -> ('seconds', 150.0) ...; ValueError if unreadable."""
    text = text.strip().lower()
    for rx in LENGTH_RES:
        m = rx.fullmatch(text)
        if m and (found := length_of(m)):
            return found
    return "seconds", float(text)


# ---------------------------------------------------------------------------- tempo and key


def default_tempo(genre: Genre, mood: Mood) -> tuple[int, str]:
    """Tempo that suits both genre and mood, plus a note when they cannot agree.

    The genre wins a clash: a sad electronic track still has to sit in the tempo range
    its grooves were written for, so we take the end of that range nearest the mood.
    """
    g_lo, g_hi = genre.tempo_range
    m_lo, m_hi = mood.tempo_range
    lo, hi = max(g_lo, m_lo), min(g_hi, m_hi)
    if lo <= hi:
        return (lo + hi) // 2, ""
    tempo = g_lo if m_hi < g_lo else g_hi
    note = f"{mood.name} asks for {m_lo}-{m_hi} bpm but {genre.name} lives at {g_lo}-{g_hi}; used {tempo}"
    return tempo, note


def parse_mood_key(key: str) -> tuple[str, str]:
    """'Am' -> ('A', 'minor'); 'F#' -> ('F#', 'major') (the mood catalogue's spelling)."""
    key = key.strip()
    if key.endswith("m") and len(key) > 1:
        return key[:-1], "minor"
    return key, "major"


def default_key(mood: Mood, mode: str) -> str:
    """First of the mood's preferred keys in ``mode``.

    When the mood has none in that mode (a happy tune asked to be minor) the relative
    key of its first preference is used, which keeps the same key signature.
    """
    for key in mood.keys:
        tonic, key_mode = parse_mood_key(key)
        if key_mode == mode:
            return tonic
    tonic, key_mode = parse_mood_key(mood.keys[0])
    return relative_key(tonic, key_mode)[0]


# ---------------------------------------------------------------------------- form


def plan_sections(genre: Genre, total_bars: int, names: list[str] | None = None) -> list[SectionSpec]:
    """Fit a form to exactly ``total_bars`` bars.

    Without ``names`` the genre's form is shortened (bridges and repeats go first, then
    intro and outro) or extended (its opening verse/chorus unit repeats) until its
    sections sit near their natural length, then bars are added or taken in whole
    phrases so the total is exact.  With ``names`` (a structure the user stated) every
    named section is kept and only the bars are split; if there are fewer bars than
    sections the trailing sections are dropped, since a section needs at least a bar.
    """
    if total_bars < 1:
        raise ValueError("a piece needs at least one bar")
    phrase = genre.phrase_bars
    if names:
        form = list(names[: min(len(names), total_bars, MAX_SECTIONS)])
    else:
        form = _fit_form(list(genre.form), total_bars, phrase)
    bars = _fit_bars(form, total_bars, phrase)
    seen: Counter[str] = Counter()
    sections = []
    for name, n in zip(form, bars, strict=True):
        seen[name] += 1
        label = name if seen[name] == 1 else f"{name}_{seen[name]}"
        energy = min(1.0, ENERGY.get(name, DEFAULT_ENERGY) + REPEAT_LIFT * min(seen[name] - 1, 3))
        sections.append(SectionSpec(name=label, bars=n, energy=round(energy, 2)))
    return sections


def with_chords(sections: list[SectionSpec], chords: dict[str | None, list[str]]) -> list[SectionSpec]:
    """Put stated progressions into the sections: the composer then plays them one chord per bar, in order.

    ``chords`` maps a section kind ('chorus') to its own progression and None to the
    piece's (:func:`phrase_progression` says how a loop fills the bars).  The piece's
    progression goes into the body (verses, choruses...), so the intro and outro keep
    the genre's framing and the final cadence on the tonic; a form with no body, or a
    tagged progression whose section is not in the form, takes it everywhere rather
    than lose it.
    """
    if not chords:
        return sections
    kinds = {_kind(s.name) for s in sections}
    main = chords.get(None) or next((v for k, v in chords.items() if k not in kinds), None)
    body = [s for s in sections if _kind(s.name) not in EDGES] or sections
    out = []
    for s in sections:
        own = chords.get(_kind(s.name))
        if own is None and s in body:
            own = main
        out.append(s.model_copy(update={"chords": phrase_progression(own)}) if own else s)
    return out


def phrase_progression(chords: list[str]) -> list[str]:
    """The chords, one per bar, with the last held so a loop fills whole four-bar phrases.

    Three chords become ii-V-I-I, six or seven fill eight bars: a player holds the
    resolution rather than start the loop again mid-phrase, and the tonic gets the
    weight that makes the key heard.  Other lengths are kept as stated.
    """
    target = {3: 4, 6: 8, 7: 8}.get(len(chords), len(chords))
    return list(chords) + [chords[-1]] * (target - len(chords))


def _kind(section: str) -> str:
    """'verse_2' -> 'verse'."""
    return re.sub(r"_\d+$", "", section)


def _base_bars(name: str, phrase: int) -> int:
    """Natural length: edges and connectors 4 bars, main sections two 4-bar phrases (or one 12-bar)."""
    if name in EDGES or name in SHORT:
        return 4
    return phrase * math.ceil(8 / phrase)


def _min_bars(name: str, phrase: int) -> int:
    """Shortest a section gets while the form still has other sections to drop."""
    if name in EDGES or name in SHORT:
        return 2
    return max(4, phrase)


def _fit_form(form: list[str], total: int, phrase: int) -> list[str]:
    """Drop or repeat sections until the form's natural length is near ``total``.

    A form is kept while its sections can be squeezed to about two thirds of their
    natural length without breaking a phrase (a blues chorus stays 12 bars), and
    extended while they would have to stretch beyond about twice it.
    """

    def natural(f: list[str]) -> int:
        return sum(_base_bars(n, phrase) for n in f)

    def shortest(f: list[str]) -> int:
        return sum(_min_bars(n, phrase) for n in f)

    while len(form) > 1 and (natural(form) > total * 1.5 or shortest(form) > total):
        form = _shrink_form(form)
    while len(form) < MAX_SECTIONS and natural(form) * 2 < total:
        grown = _grow_form(form)
        if len(grown) > MAX_SECTIONS:
            break
        form = grown
    return form


def _body_indices(form: list[str]) -> list[int]:
    body = [i for i, n in enumerate(form) if n not in EDGES]
    return body or list(range(len(form)))


def _shrink_form(form: list[str]) -> list[str]:
    """Remove one section, the least essential first.

    Order: a one-off section (bridge, solo) while others repeat; then a repeat (the
    last one that is not the final body section); then the intro, the outro; finally
    the last body section, so the opening material survives.  Two equal sections made
    neighbours by the removal merge into one, unless the form repeats them back to back
    on purpose (two blues choruses).
    """
    body = _body_indices(form)
    counts = Counter(form[i] for i in body)
    if any(c > 1 for c in counts.values()):
        singles = [i for i in body if counts[form[i]] == 1]
        repeats = [i for i in body[:-1] if counts[form[i]] > 1] or [body[-1]]
        drop = singles[-1] if singles else repeats[-1]
    elif len(form) > len(body):
        drop = next(i for i, n in enumerate(form) if n in EDGES)
    else:
        drop = body[-1]
    shorter = form[:drop] + form[drop + 1 :]
    if 0 < drop < len(shorter) and shorter[drop - 1] == shorter[drop]:
        pair = [shorter[drop]] * 2
        if not any(form[i : i + 2] == pair for i in range(len(form) - 1)):
            del shorter[drop]
    return shorter


def _grow_form(form: list[str]) -> list[str]:
    """Repeat the opening unit (e.g. verse+chorus) right after its first statement."""
    body = _body_indices(form)
    names = [form[i] for i in body]
    nxt = names.index(names[0], 1) if names.count(names[0]) > 1 else len(names)
    at = body[nxt - 1] + 1
    return form[:at] + names[:nxt] + form[at:]


def _fit_bars(form: list[str], total: int, phrase: int) -> list[int]:
    """Bars per section summing exactly to ``total``, in whole phrases where possible."""
    if len(form) == 1:
        return [total]
    bars = [_base_bars(n, phrase) for n in form]
    edges = [i for i, n in enumerate(form) if n in EDGES]
    body = [i for i in range(len(form)) if i not in edges] or list(range(len(form)))
    diff = total - sum(bars)
    if diff % 2 and edges and (diff > 0 or bars[edges[-1]] > 1):
        # one odd bar lives in the last edge (a 3- or 5-bar outro) so main sections stay even
        delta = 1 if diff > 0 else -1
        bars[edges[-1]] += delta
        diff -= delta
    if diff > 0:
        _grow_bars(bars, body, edges, form, diff, phrase)
    elif diff < 0:
        _shrink_bars(bars, body, edges, form, -diff, phrase)
    return bars


def _grow_bars(bars: list[int], body: list[int], edges: list[int], form: list[str], extra: int, phrase: int) -> None:
    """Add whole phrases to the strongest sections first (final chorus, then earlier).

    What is left over (less than a phrase) lengthens the edges a little when phrases
    are long (a blues intro of 8 bars), else the strongest section.
    """
    order = sorted(body, key=lambda i: (-ENERGY.get(form[i], DEFAULT_ENERGY), -i))
    step = max(4, phrase)
    cap = max(16, 2 * phrase)
    while extra >= step:
        grew = False
        for i in order:
            if extra >= step and bars[i] + step <= cap:
                bars[i] += step
                extra -= step
                grew = True
        if not grew:
            if cap >= MAX_SECTION_BARS:
                break
            cap = min(MAX_SECTION_BARS, cap + step)
    edge_cap = max(4, phrase * 2 // 3)
    slots = [(i, edge_cap) for i in reversed(edges)] + [(i, MAX_SECTION_BARS) for i in order + edges]
    for i, cap in slots:  # edges grow past a few bars only when nothing else can hold the rest
        add = max(0, min(extra, cap - bars[i]))
        bars[i] += add
        extra -= add
    if extra:
        raise ValueError(f"{len(form)} sections cannot hold that many bars (at most {MAX_SECTION_BARS} each)")


def _shrink_bars(bars: list[int], body: list[int], edges: list[int], form: list[str], need: int, phrase: int) -> None:
    """Take bars away: edges to 2 first, then whole phrases, then pairs, then singles.

    Quiet sections (verses) give before loud ones (choruses), later ones before
    earlier, so the hook keeps its length longest.
    """
    quiet = sorted(body, key=lambda i: (ENERGY.get(form[i], DEFAULT_ENERGY), -i))
    step = max(4, phrase)
    stages = [(edges, 2, 2), (quiet, step, step), (quiet, 2, 4), (quiet + edges, 2, 2), (quiet + edges, 1, 1)]
    for slots, size, floor in stages:
        progressed = True
        while need >= size and progressed:
            progressed = False
            for i in slots:
                if need >= size and bars[i] - size >= floor:
                    bars[i] -= size
                    need -= size
                    progressed = True
        if need == 0:
            return


# ---------------------------------------------------------------------------- parts


def assign_parts(instruments: list[str], catalog: Catalog, *, two_hands: bool = False) -> list[PartSpec]:
    """Give every instrument a role it can play, so the band covers the essentials.

    Drums keep time; one bass-capable instrument holds the bass (a real bass first,
    else one whose second-best role is bass, else -- in a band of three or more --
    any that can); the most melodic instrument leads; the rest fill in harmony, pads
    or counter-melodies, each with its own best such role.  Ties go to the lower
    catalogue priority number, then to the order given, so the result is stable.

    ``two_hands``: a lone chordal instrument (solo piano, guitar, harp) gets a second
    part of itself that accompanies the melody, as a pianist's left hand does; a
    melody alone would leave the harmony, and so the key, unheard.
    """
    if two_hands:
        pitched = [n for n in instruments if not catalog.instrument(n, field="instruments").is_drum]
        if len(pitched) == 1 and _accompanies_itself(catalog.instrument(pitched[0])):
            at = instruments.index(pitched[0]) + 1
            instruments = [*instruments[:at], pitched[0], *instruments[at:]]
    insts = [catalog.instrument(name, field="instruments") for name in instruments]
    roles: list[Role | None] = [None] * len(insts)
    pitched = []
    for i, inst in enumerate(insts):
        if inst.is_drum or inst.roles[0] == "rhythm":
            roles[i] = "rhythm" if "rhythm" in inst.roles else inst.roles[0]
        else:
            pitched.append(i)
    if len(pitched) >= 2:
        bass = _pick(insts, pitched, "bass", lambda inst: (inst.family != "bass",))
        if bass is not None and _bass_fits(insts[bass], len(pitched)):
            roles[bass] = "bass"
    free = [i for i in pitched if roles[i] is None]
    lead = _pick(insts, free, "melody", lambda inst: ())
    if lead is not None:
        roles[lead] = "melody"
    for i in free:
        if roles[i] is None:
            inst = insts[i]
            fill = [r for r in inst.roles if r in ("harmony", "pad", "counter_melody")]
            roles[i] = fill[0] if fill else inst.roles[0]
    names: Counter[str] = Counter()
    parts = []
    for inst, role in zip(insts, roles, strict=True):
        names[inst.name] += 1
        name = inst.name if names[inst.name] == 1 else f"{inst.name}_{names[inst.name]}"
        parts.append(PartSpec(name=name, instrument=inst.name, role=role or inst.roles[0]))
    return parts


def _accompanies_itself(inst: Instrument) -> bool:
    return inst.polyphonic and "melody" in inst.roles and "harmony" in inst.roles


def _pick(
    insts: list[Instrument], slots: list[int], role: str, first: Callable[[Instrument], tuple[bool, ...]]
) -> int | None:
    """Best instrument among ``slots`` for ``role``: ``first`` key, then role rank, priority, order."""
    able = [i for i in slots if role in insts[i].roles]
    if not able:
        return None
    return min(able, key=lambda i: (*first(insts[i]), insts[i].roles.index(role), insts[i].priority, i))


def _bass_fits(inst: Instrument, pitched: int) -> bool:
    """A duo keeps a melody+harmony pair unless one of them is really a bass instrument."""
    return inst.family == "bass" or inst.roles.index("bass") <= 1 or pitched >= 3


def exclude(band: list[str], name: str, catalog: Catalog) -> list[str]:
    """Band members that 'no <name>' removes: the instrument itself, else its family.

    'no guitar' in a rock band (the word means acoustic_guitar) still removes the
    electric guitar; 'no keys' removes whichever keyboard the band has.
    """
    if name in band:
        return [name]
    family = catalog.instrument(name).family
    return [b for b in band if catalog.instrument(b).family == family]


def genre_variant(name: str, genre: Genre, catalog: Catalog) -> str:
    """The genre's own instrument of the same family ('guitar' in rock -> electric_guitar)."""
    family = catalog.instrument(name).family
    same = [b for b in genre.instruments if catalog.instrument(b).family == family]
    return name if name in genre.instruments or not same else same[0]


def default_title(genre: Genre, mood: Mood, key: str, mode: str) -> str:
    """'Relaxed Jazz in F', 'Sad Classical in D minor': says what the piece is at a glance."""
    mood_name, genre_name = (n[:1].upper() + n[1:] for n in (mood.display_name, genre.display_name))
    return f"{mood_name} {genre_name} in {key}{' minor' if mode == 'minor' else ''}"


# ---------------------------------------------------------------------------- implied genre and mood


def implied_genre(instruments: list[str], catalog: Catalog) -> str | None:
    """The one genre whose band holds every named instrument, else None.

    A piano fits six genres, so it implies nothing, but a cello alone belongs to one
    band, and 'flute and cello' or 'sax and trumpet' point at one style.  Instruments
    outside every band (a French horn, a harp) are compared by type instead: horn, harp
    and timpani are orchestral and wind instruments, and only one band has both.
    """
    names = set(instruments)
    if not names:
        return None
    fits = [g.name for g in catalog.genres.values() if names <= set(g.instruments)]
    if not fits:
        types = {catalog.instrument(n).type for n in names}
        fits = [g.name for g in catalog.genres.values() if types <= {catalog.instrument(i).type for i in g.instruments}]
    return fits[0] if len(fits) == 1 else None


def implied_mood(catalog: Catalog, mode: str | None, bpm: int | None, default: str) -> str:
    """The mood that best fits a requested mode and/or tempo.

    Moods of the requested mode are considered (all moods when none has it); the one
    whose tempo range holds ``bpm`` (or is nearest) wins, ties going to ``default``,
    then -- when no mode was asked -- to major moods, then to catalogue order.
    """
    moods = list(catalog.moods.values())
    pool = [m for m in moods if mode is None or m.mode == mode] or moods

    def rank(m: Mood) -> tuple[float, bool, bool]:
        lo, hi = m.tempo_range
        distance = 0.0 if bpm is None else float(max(lo - bpm, bpm - hi, 0))
        return distance, m.name != default, mode is None and m.mode != "major"

    return min(pool, key=rank).name
