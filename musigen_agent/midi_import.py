"""Standard MIDI File bytes -> a TrackSpec and an Arrangement that can be refined.

Uploaded files are untrusted: the bytes are size-checked before parsing, parsing
errors become :class:`InvalidInput`, and the result is bounded (tracks, notes, length)
before anything is stored.  The spec gets what the file implies -- tempo, meter, key
(signature, else Krumhansl–Schmuckler), instruments from GM programs, sections from
markers, chords estimated per bar -- so refine ops that recompose follow the
imported harmony.
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field

import mido
import numpy as np

from .analysis.metrics import estimate_key
from .catalog import Catalog, Instrument
from .errors import InvalidInput
from .planning import assign_parts
from .spec import (
    MAX_BARS,
    MAX_PARTS,
    METERS,
    TPQ,
    Arrangement,
    Note,
    Part,
    PartSpec,
    SectionPlan,
    SectionSpec,
    TrackSpec,
)
from .theory import CHORD_INTERVALS, Chord, chord_symbol, note_name, uses_flats

MAX_BYTES = 4 * 1024 * 1024
MAX_NOTES = 100_000
SECTION_BARS = 8
SECTION_NAME = re.compile(r"[^a-z0-9_]+")


@dataclass
class RawTrack:
    """One instrument line of the file: a (track, channel) pair with its notes in our ticks."""

    name: str
    program: int
    is_drum: bool
    notes: list[Note] = field(default_factory=list)


@dataclass
class Parsed:
    tempo: int = 120
    meter: str = "4/4"
    key: tuple[str, str] | None = None
    markers: list[tuple[int, str]] = field(default_factory=list)
    tracks: list[RawTrack] = field(default_factory=list)


def import_midi(data: bytes, catalog: Catalog, title: str | None = None) -> tuple[TrackSpec, Arrangement]:
    """Parse, bound and describe a MIDI file; raises InvalidInput naming what is wrong."""
    parsed = _parse(data)
    tracks = [t for t in parsed.tracks if t.notes]
    if not tracks:
        raise InvalidInput("The MIDI file has no notes.", field="data")
    if len(tracks) > MAX_PARTS:  # keep the busiest, in file order
        keep = set(sorted(range(len(tracks)), key=lambda k: -len(tracks[k].notes))[:MAX_PARTS])
        tracks = [t for k, t in enumerate(tracks) if k in keep]
    num, den = (int(x) for x in parsed.meter.split("/"))
    bar = num * TPQ * 4 // den
    end = max(n.start + n.duration for t in tracks for n in t.notes)
    bars = max(1, math.ceil(end / bar))
    if bars > MAX_BARS:
        raise InvalidInput(f"The MIDI file lasts {bars} bars; at most {MAX_BARS} can be imported.", field="data")
    instruments = [_instrument(t, catalog) for t in tracks]
    parts_spec = _names(tracks, _roles(tracks, instruments, catalog))
    parts = [
        Part(
            name=ps.name,
            instrument=inst.name,
            role=ps.role,
            program=inst.gm_program,
            is_drum=inst.is_drum,
            notes=t.notes,
        )
        for t, inst, ps in zip(tracks, instruments, parts_spec, strict=True)
    ]
    tonic, mode = parsed.key or _estimated_key(parts)
    flats = uses_flats(tonic, mode)
    plans, specs = [], []
    for name, start, length in _sections(parsed.markers, bars, bar):
        chords = [chord_symbol(c, flats) for c in _chords(parts, start, length, bar)]
        plans.append(SectionPlan(name=name, start_bar=start, bars=length, chords=chords))
        specs.append(SectionSpec(name=name, bars=length, energy=0.6, chords=chords))
    arrangement = Arrangement(tempo=parsed.tempo, meter=parsed.meter, key=tonic, mode=mode, sections=plans, parts=parts)
    spec = TrackSpec(
        title=(title or "Imported MIDI")[:200],
        description="imported from MIDI",
        genre=_default(catalog.genres, "pop"),
        moods=[_default(catalog.moods, "happy" if mode == "major" else "sad")],
        tempo=parsed.tempo,
        key=tonic,
        mode=mode,
        meter=parsed.meter,
        sections=specs,
        parts=parts_spec,
    )
    return spec, arrangement


def _parse(data: bytes) -> Parsed:
    """Read the file with mido (pure Python: malformed input raises, it cannot abort the process).

    Times are bounded as they are read, so a corrupt delta time cannot make us
    allocate or loop over an absurd timeline.
    """
    if not data:
        raise InvalidInput("The MIDI data is empty.", field="data")
    if len(data) > MAX_BYTES:
        raise InvalidInput(f"The MIDI file is {len(data)} bytes; at most {MAX_BYTES} are accepted.", field="data")
    if not data.startswith(b"MThd"):
        raise InvalidInput("This is not a Standard MIDI File (it must start with 'MThd').", field="data")
    try:
        mid = mido.MidiFile(file=io.BytesIO(data), clip=True)
    except Exception as exc:  # mido raises many kinds (OSError, EOFError, KeyError, ValueError...)
        raise InvalidInput(f"The MIDI file could not be parsed: {type(exc).__name__}: {exc}", field="data") from None
    tpq = mid.ticks_per_beat
    if not isinstance(tpq, int) or tpq <= 0:
        raise InvalidInput("The MIDI file uses SMPTE time or has no ticks per beat; use metrical time.", field="data")
    out = Parsed()
    limit = MAX_BARS * 4 * TPQ * 4  # generous: no meter has bars longer than 4 whole notes here
    lines: dict[tuple[int, int], RawTrack] = {}
    for index, track in enumerate(mid.tracks):
        tick, name, programs = 0, "", {}
        open_notes: dict[tuple[int, int], tuple[int, int]] = {}
        for msg in track:
            tick += msg.time
            at = tick * TPQ // tpq
            if at > limit:
                raise InvalidInput(f"The MIDI file runs past {MAX_BARS} bars.", field="data")
            _meta(msg, at, out)
            if msg.type == "track_name":
                name = msg.name
            elif msg.type == "program_change":
                programs.setdefault(msg.channel, msg.program)
            elif msg.type in ("note_on", "note_off"):
                key = (msg.channel, msg.note)
                if key in open_notes:  # a note-off, or a re-strike that ends the sounding note
                    start, velocity = open_notes.pop(key)
                    line = lines.setdefault((index, msg.channel), RawTrack(name, 0, msg.channel == 9))
                    line.notes.append(
                        Note(start=start, duration=max(1, at - start), pitch=msg.note, velocity=max(1, velocity))
                    )
                if msg.type == "note_on" and msg.velocity > 0:
                    open_notes[key] = (at, msg.velocity)
        for (idx, channel), line in lines.items():
            if idx == index:
                line.name, line.program = name or line.name, programs.get(channel, 0)
        if sum(len(t.notes) for t in lines.values()) > MAX_NOTES:
            raise InvalidInput(f"The MIDI file has more than {MAX_NOTES} notes.", field="data")
    for line in lines.values():
        line.notes = sorted({(n.start, n.pitch): n for n in line.notes}.values(), key=lambda n: (n.start, n.pitch))
    out.tracks = list(lines.values())
    return out


def _meta(msg: mido.Message, at: int, out: Parsed) -> None:
    """The first tempo, time and key signature, and every marker."""
    if msg.type == "set_tempo" and at == 0:
        out.tempo = min(300, max(20, round(mido.tempo2bpm(msg.tempo))))
    elif msg.type == "time_signature" and at == 0 and f"{msg.numerator}/{msg.denominator}" in METERS:
        out.meter = f"{msg.numerator}/{msg.denominator}"
    elif msg.type == "key_signature" and out.key is None:
        minor = msg.key.endswith("m")
        out.key = (msg.key.removesuffix("m"), "minor" if minor else "major")
    elif msg.type == "marker":
        out.markers.append((at, msg.text))


def _instrument(track: RawTrack, catalog: Catalog) -> Instrument:
    """The catalogue instrument for a track's GM program (drums -> a drum kit)."""
    candidates = [i for i in catalog.instruments.values() if i.is_drum == track.is_drum]
    if track.is_drum:
        exact = [i for i in candidates if i.family == "drums" and i.gm_program == track.program]
        return min(exact or [i for i in candidates if i.family == "drums"] or candidates, key=_rank)
    exact = [i for i in candidates if i.gm_program == track.program]
    family = [i for i in candidates if i.gm_program // 8 == track.program // 8]
    return min(exact or family or candidates, key=_rank)


def _rank(inst: Instrument) -> tuple[int, str]:
    return (inst.priority, inst.name)


def _roles(tracks: list[RawTrack], instruments: list[Instrument], catalog: Catalog) -> list[PartSpec]:
    """Bass for the lowest line, melody for the highest, the rest as planning assigns."""
    parts = assign_parts([i.name for i in instruments], catalog)
    pitched = [k for k, inst in enumerate(instruments) if not inst.is_drum]
    mean = {k: float(np.mean([n.pitch for n in tracks[k].notes])) for k in pitched}
    wanted: dict[int, str] = {}
    if len(pitched) >= 2:
        low = min(pitched, key=lambda k: mean[k])
        if mean[low] < 55 and "bass" in instruments[low].roles:
            wanted[low] = "bass"
    if pitched:
        high = max((k for k in pitched if k not in wanted), key=lambda k: mean[k], default=None)
        if high is not None and "melody" in instruments[high].roles:
            wanted[high] = "melody"
    out = []
    for k, part in enumerate(parts):
        role = wanted.get(k, part.role)
        if k not in wanted and role in wanted.values():  # that role went to the lowest / highest line
            role = next((r for r in instruments[k].roles if r not in wanted.values()), instruments[k].roles[0])
        out.append(part.model_copy(update={"role": role}))
    return out


def _names(tracks: list[RawTrack], parts: list[PartSpec]) -> list[PartSpec]:
    """Keep the file's track names where they are valid, unique part names."""
    taken = {p.name for p in parts}
    out = []
    for track, part in zip(tracks, parts, strict=True):
        name = SECTION_NAME.sub("_", str(track.name).lower()).strip("_")[:40]
        if name and name[0].isalpha() and name != part.name and name not in taken:
            taken.add(name)
            part = part.model_copy(update={"name": name})
        out.append(part)
    return out


def _estimated_key(parts: list[Part]) -> tuple[str, str]:
    """Krumhansl–Schmuckler estimate when the file states no key signature."""
    pitched = [n for p in parts if not p.is_drum for n in p.notes]
    if pitched:
        found = estimate_key(np.array([n.pitch for n in pitched]), np.array([n.duration for n in pitched], float))
        if found is not None:
            tonic, mode, _ = found
            return note_name(tonic, uses_flats(note_name(tonic, False), mode)), mode
    return "C", "major"


def _sections(markers: list[tuple[int, str]], bars: int, bar: int) -> list[tuple[str, int, int]]:
    """Sections from the file's markers (bar-aligned), else 8-bar blocks."""
    starts: dict[int, str] = {}
    for at, text in markers:
        name = SECTION_NAME.sub("_", str(text).lower()).strip("_")[:30]
        b = at // bar
        if name and name[0].isalpha() and b < bars:
            starts.setdefault(b, name)
    if 0 not in starts:
        starts = {b: "section" for b in range(0, bars, SECTION_BARS)} if len(starts) < 1 else {0: "intro", **starts}
    order = sorted(starts)
    taken: dict[str, int] = {}
    out = []
    for i, b in enumerate(order):
        base = starts[b]
        taken[base] = taken.get(base, 0) + 1
        name = base if taken[base] == 1 else f"{base}_{taken[base]}"
        out.append((name, b, (order[i + 1] if i + 1 < len(order) else bars) - b))
    return out


def _chords(parts: list[Part], start: int, length: int, bar: int) -> list[Chord]:
    """One triad per bar by template matching the bar's duration-weighted pitch classes."""
    chords: list[Chord] = []
    for b in range(start, start + length):
        lo, hi = b * bar, (b + 1) * bar
        weights = np.zeros(12)
        for p in parts:
            if p.is_drum:
                continue
            for n in p.notes:
                overlap = min(hi, n.start + n.duration) - max(lo, n.start)
                if overlap > 0:
                    weights[n.pitch % 12] += overlap
        if not weights.any():
            chords.append(chords[-1] if chords else Chord(0, ""))
            continue
        best = max(
            ((root, q) for root in range(12) for q in ("", "m")),
            key=lambda rq: sum(weights[(rq[0] + i) % 12] for i in CHORD_INTERVALS[rq[1]]) + 0.1 * weights[rq[0]],
        )
        chords.append(Chord(*best))
    return chords


def _default(items: dict, preferred: str) -> str:
    return preferred if preferred in items else sorted(items)[0]
