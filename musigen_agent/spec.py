"""The data of a piece: what was asked (TrackSpec), what was written (Arrangement),
how it should sound (Mix).

Everything is pydantic so every surface validates the same way and errors name the
field.  Times in an Arrangement are integer ticks at :data:`TPQ` per quarter note, so
the same spec and seed give byte-identical MIDI (no float drift).
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .catalog import Role

TPQ = 480
MAX_BARS = 512
MAX_SECONDS = 1200
MAX_PARTS = 16
TEMPO_RANGE = (20, 300)
METERS = ("2/4", "3/4", "4/4", "5/4", "6/8", "7/8", "9/8", "12/8")
TONICS = ("C", "C#", "Db", "D", "D#", "Eb", "E", "F", "F#", "Gb", "G", "G#", "Ab", "A", "A#", "Bb", "B", "Cb")
SECTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SectionSpec(_Model):
    """A named stretch of the form with its length and energy."""

    name: str = Field(description="Section name, e.g. intro, verse, chorus, bridge, outro, verse_2.")
    bars: int = Field(ge=1, le=128)
    energy: float = Field(default=0.6, ge=0.0, le=1.0, description="0 sparse and soft ... 1 full and loud.")
    chords: list[str] | None = Field(
        default=None, description="Explicit chord symbols for the section, one per bar (cycled)."
    )
    seed: int = Field(default=0, ge=0, le=2**32 - 1, description="Variation seed; regenerate changes it.")

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not SECTION_NAME.match(v):
            raise ValueError("section name must be lower-case letters, digits and _ (e.g. 'verse_2')")
        return v


class PartSpec(_Model):
    """One instrument track and the role it plays."""

    name: str = Field(description="Track name, unique in the piece (defaults to the instrument name).")
    instrument: str
    role: Role
    mute_in: list[str] = Field(default_factory=list, description="Sections in which this part is silent.")
    seed: int = Field(default=0, ge=0, le=2**32 - 1, description="Variation seed; regenerate/vary change it.")
    density: float = Field(default=1.0, ge=0.25, le=2.0, description="<1 simpler, >1 busier.")


class TrackSpec(_Model):
    """What to compose.  Filled by intent parsing, edited by refine operations."""

    title: str = Field(default="Untitled", max_length=200)
    description: str = Field(default="", max_length=2000)
    genre: str
    moods: list[str] = Field(min_length=1, max_length=3)
    tempo: int = Field(ge=TEMPO_RANGE[0], le=TEMPO_RANGE[1], description="Beats per minute (quarter notes).")
    key: str = Field(description="Tonic, e.g. C, F#, Bb.")
    mode: Literal["major", "minor"]
    meter: str = Field(default="4/4", description=f"Time signature, one of {', '.join(METERS)}.")
    sections: list[SectionSpec] = Field(min_length=1, max_length=32)
    parts: list[PartSpec] = Field(min_length=1, max_length=MAX_PARTS)
    swing: float = Field(default=0.0, ge=0.0, le=1.0, description="0 straight ... 1 full triplet swing.")
    humanize: float = Field(default=0.0, ge=0.0, le=1.0, description="Timing and velocity looseness, seeded.")
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    model: str = "theory"

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        v = v.strip()
        v = v[:1].upper() + v[1:].replace("♯", "#").replace("♭", "b")
        if v not in TONICS:
            raise ValueError(f"key must be one of {', '.join(TONICS)}")
        return v

    @field_validator("meter")
    @classmethod
    def _meter(cls, v: str) -> str:
        if v not in METERS:
            raise ValueError(f"meter must be one of {', '.join(METERS)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> TrackSpec:
        names = [p.name for p in self.parts]
        if len(set(names)) != len(names):
            raise ValueError("part names must be unique")
        if self.total_bars > MAX_BARS:
            raise ValueError(f"the form has {self.total_bars} bars; at most {MAX_BARS} are allowed")
        if self.seconds > MAX_SECONDS:
            raise ValueError(f"the piece would last {self.seconds:.0f} s; at most {MAX_SECONDS} s are allowed")
        return self

    @property
    def beats_per_bar(self) -> float:
        """Length of one bar in quarter notes (6/8 -> 3.0)."""
        num, den = (int(x) for x in self.meter.split("/"))
        return num * 4 / den

    @property
    def total_bars(self) -> int:
        return sum(s.bars for s in self.sections)

    @property
    def seconds(self) -> float:
        return self.total_bars * self.beats_per_bar * 60.0 / self.tempo


class Note(_Model):
    """One note, in ticks (TPQ per quarter)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: int = Field(ge=0)
    duration: int = Field(ge=1)
    pitch: int = Field(ge=0, le=127)
    velocity: int = Field(ge=1, le=127)


class Part(_Model):
    """The notes of one PartSpec."""

    name: str
    instrument: str
    role: Role
    program: int = Field(ge=0, le=127)
    is_drum: bool = False
    notes: list[Note] = Field(default_factory=list)


class SectionPlan(_Model):
    """Where a section sits in time and its harmony (one chord symbol per chord slot)."""

    name: str
    start_bar: int
    bars: int
    chords: list[str]
    chord_slots_per_bar: int = 1


class Arrangement(_Model):
    """Everything a renderer needs: tempo, meter, key, form and the notes of every part."""

    tempo: int
    meter: str
    key: str
    mode: Literal["major", "minor"]
    tpq: int = TPQ
    sections: list[SectionPlan]
    parts: list[Part]

    @property
    def bar_ticks(self) -> int:
        num, den = (int(x) for x in self.meter.split("/"))
        return num * self.tpq * 4 // den

    @property
    def end_tick(self) -> int:
        return sum(s.bars for s in self.sections) * self.bar_ticks

    @property
    def seconds(self) -> float:
        return self.end_tick / self.tpq * 60.0 / self.tempo

    def part(self, name: str) -> Part:
        for p in self.parts:
            if p.name == name:
                return p
        raise KeyError(name)


class TrackMix(_Model):
    """Mixer settings of one part."""

    gain_db: float = Field(default=0.0, ge=-60.0, le=12.0)
    pan: float = Field(default=0.0, ge=-1.0, le=1.0, description="-1 left ... 1 right.")
    mute: bool = False
    solo: bool = False
    reverb: float = Field(default=0.15, ge=0.0, le=1.0, description="Reverb send level.")
    low_cut_hz: float = Field(default=0.0, ge=0.0, le=2000.0, description="High-pass cut-off in Hz (0 = off).")
    eq_low_db: float = Field(default=0.0, ge=-18.0, le=18.0, description="Low shelf at 200 Hz.")
    eq_mid_db: float = Field(default=0.0, ge=-18.0, le=18.0, description="Peak at 1 kHz.")
    eq_high_db: float = Field(default=0.0, ge=-18.0, le=18.0, description="High shelf at 5 kHz.")
    comp_threshold_db: float = Field(
        default=0.0, ge=-60.0, le=0.0, description="Compressor threshold, dBFS (stems sit near -20 dBFS RMS)."
    )
    comp_ratio: float = Field(default=1.0, ge=1.0, le=20.0, description="Compression ratio (1 = off).")


class Mix(_Model):
    """Mixer state of a version; a mix change is a refine like any other."""

    tracks: dict[str, TrackMix] = Field(default_factory=dict)
    target_lufs: float = Field(default=-14.0, ge=-40.0, le=-5.0)
    true_peak_db: float = Field(default=-1.0, ge=-12.0, le=0.0)

    def for_part(self, name: str) -> TrackMix:
        return self.tracks.get(name, TrackMix())
