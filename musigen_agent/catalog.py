"""What the plugins provide: instruments, genres, moods and model backends.

The dataclasses here are the *contract* a plugin fills in (validated by pydantic, so
bad metadata is caught at load time and the plugin quarantined).  :class:`Catalog`
is the read-only view every other module uses; it is built by
:func:`musigen_agent.plugin_manager.load_catalog` and passed around, never global.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .errors import unknown

if TYPE_CHECKING:
    from .spec import Arrangement, TrackSpec

Role = Literal["melody", "counter_melody", "harmony", "bass", "rhythm", "pad"]
ROLES: tuple[str, ...] = ("melody", "counter_melody", "harmony", "bass", "rhythm", "pad")
Mode = Literal["major", "minor"]
#: A spec swung at least this much is played with ``swing`` grooves (see :class:`Groove`).
SWUNG = 0.2


class _Item(BaseModel):
    """Common shape of every catalogue entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Unique snake_case id.")
    display_name: str = ""
    description: str = ""
    synonyms: tuple[str, ...] = Field(default=(), description="Words in prompts that mean this item.")

    @model_validator(mode="after")
    def _display(self) -> _Item:
        if not self.display_name:
            object.__setattr__(self, "display_name", self.name.replace("_", " "))
        return self


class Instrument(_Item):
    """A playable instrument: a General MIDI program (or drum kit) plus musical limits."""

    type: str = Field(description="Broad type from the plan: keyboard, string, orchestral, wind, ...")
    family: str = Field(description="Instrument family: keys, guitar, bass, strings, brass, reed, ...")
    gm_program: int = Field(ge=0, le=127, description="General MIDI program number (0-based).")
    is_drum: bool = False
    low: int = Field(ge=0, le=127, description="Lowest playable MIDI pitch.")
    high: int = Field(ge=0, le=127, description="Highest playable MIDI pitch.")
    roles: tuple[Role, ...] = Field(min_length=1, description="Roles it can play, best first.")
    priority: int = Field(default=2, ge=1, le=5, description="1 = core sound of a band, 5 = colour.")
    polyphonic: bool = True

    @model_validator(mode="after")
    def _range(self) -> Instrument:
        if self.low > self.high:
            raise ValueError(f"range low {self.low} is above high {self.high}")
        return self


class Groove(BaseModel):
    """A one-bar drum pattern on a step grid.

    Each lane maps a GM drum sound name (see :data:`musigen_agent.theory.DRUMS`) to a
    string with one character per step: ``X`` accent, ``x`` hit, ``o`` ghost, ``.`` rest.
    ``feel`` says which pieces it suits: ``swing`` ones (the spec's swing at least
    :data:`SWUNG`), ``straight`` ones, or ``any``; a jazz genre can so play a ride
    pattern when swung and a bossa when straight.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    meter: str = "4/4"
    steps_per_beat: int = Field(default=4, ge=1, le=12)
    lanes: dict[str, str]
    feel: Literal["any", "swing", "straight"] = "any"

    @model_validator(mode="after")
    def _lengths(self) -> Groove:
        num, den = (int(x) for x in self.meter.split("/"))
        beats = num * 4 / den
        expected = round(beats * self.steps_per_beat)
        for lane, pattern in self.lanes.items():
            if len(pattern) != expected:
                raise ValueError(f"groove {self.name!r} lane {lane!r} has {len(pattern)} steps, expected {expected}")
            if set(pattern) - set("Xxo."):
                raise ValueError(f"groove {self.name!r} lane {lane!r} may only use X x o .")
        return self


class Genre(_Item):
    """A style: default band, tempo, feel, harmony and form."""

    instruments: tuple[str, ...] = Field(min_length=1, description="Default instrumentation, by instrument name.")
    tempo_range: tuple[int, int]
    meters: tuple[str, ...] = ("4/4",)
    swing: float = Field(default=0.0, ge=0.0, le=1.0, description="0 straight, 1 full triplet swing.")
    grooves: tuple[Groove, ...] = Field(min_length=1)
    chord_qualities: tuple[str, ...] = Field(description="Chord vocabulary, e.g. maj7, m7, 7, sus4.")
    progressions: tuple[tuple[str, ...], ...] = Field(
        min_length=1, description="Typical progressions as roman numerals (upper case major, lower minor)."
    )
    form: tuple[str, ...] = Field(min_length=1, description="Section names in order, e.g. intro verse chorus.")
    bass_style: str = "root"
    comp_style: str = "block"
    melody_style: str = "lyrical"
    harmonic_rhythm: int = Field(default=1, ge=1, le=4, description="Chords per bar.")
    phrase_bars: int = Field(default=4, ge=1, le=16, description="Sections are best a multiple of this (12 for blues).")

    @field_validator("tempo_range")
    @classmethod
    def _tempo(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not 20 <= v[0] <= v[1] <= 300:
            raise ValueError("tempo_range must satisfy 20 <= low <= high <= 300")
        return v


class Mood(_Item):
    """An emotional colour: tempo, mode, harmony colour, dynamics and articulation."""

    tempo_range: tuple[int, int]
    mode: Mode
    keys: tuple[str, ...] = Field(min_length=1, description="Preferred keys, e.g. 'C', 'Am'.")
    chord_qualities: tuple[str, ...]
    dynamics: Literal["pp", "p", "mp", "mf", "f", "ff"]
    articulation: Literal["staccato", "legato", "marcato", "sforzando", "tenuto"]
    density: float = Field(default=1.0, gt=0, le=2, description="Relative note density.")
    register_shift: int = Field(default=0, ge=-12, le=12, description="Semitone shift of melodic register.")

    @field_validator("tempo_range")
    @classmethod
    def _tempo(cls, v: tuple[int, int]) -> tuple[int, int]:
        if not 20 <= v[0] <= v[1] <= 300:
            raise ValueError("tempo_range must satisfy 20 <= low <= high <= 300")
        return v


@runtime_checkable
class ModelBackend(Protocol):
    """A composer: TrackSpec in, Arrangement out, deterministic for a given seed.

    ``available`` lets a backend with optional dependencies (torch) stay listed with
    ``unavailable_reason`` instead of failing to load.
    """

    name: str
    description: str
    available: bool
    unavailable_reason: str

    def compose(self, spec: TrackSpec, catalog: Catalog) -> Arrangement:
        """Write every part of ``spec``; must depend only on its arguments.

        A backend may also take ``parts: frozenset[str] | None``: only those parts'
        notes are needed, the others may come back empty (see docs/plugins.md).
        """
        ...


@dataclass(frozen=True)
class Provided:
    """Who provided a catalogue item (for listings and duplicate errors)."""

    plugin: str
    item: Any


@dataclass
class Catalog:
    """Read-only lookups over everything the plugins registered."""

    instruments: dict[str, Instrument] = field(default_factory=dict)
    genres: dict[str, Genre] = field(default_factory=dict)
    moods: dict[str, Mood] = field(default_factory=dict)
    models: dict[str, ModelBackend] = field(default_factory=dict)
    owners: dict[tuple[str, str], str] = field(default_factory=dict)

    def owner(self, kind: str, name: str) -> str:
        """Name of the plugin that registered ``name`` of ``kind``."""
        return self.owners.get((kind, name), "?")

    def _lookup(self, kind: str, name: str, field: str | None) -> Any:
        table = getattr(self, kind + "s")
        try:
            return table[name]
        except KeyError:
            raise unknown(kind, name, table, field=field or kind) from None

    def instrument(self, name: str, field: str = "instrument") -> Instrument:
        return self._lookup("instrument", name, field)

    def genre(self, name: str, field: str = "genre") -> Genre:
        return self._lookup("genre", name, field)

    def mood(self, name: str, field: str = "mood") -> Mood:
        return self._lookup("mood", name, field)

    def model(self, name: str, field: str = "model") -> ModelBackend:
        return self._lookup("model", name, field)

    def synonyms(self, kind: str) -> dict[str, str]:
        """Map every lower-case name and synonym of ``kind`` to the item's name.

        Names win over synonyms (a plugin's ``kalimba`` beats another's synonym
        "kalimba"), then earlier-registered items win.
        """
        items: list[_Item] = list(getattr(self, kind).values())
        table: dict[str, str] = {}
        for item in items:
            for word in (item.name, item.name.replace("_", " ")):
                table.setdefault(word.lower(), item.name)
        for item in items:
            for word in (item.display_name, *item.synonyms):
                table.setdefault(word.lower(), item.name)
        return table

    def describe(self, kind: str) -> list[dict[str, Any]]:
        """JSON-able listing of one kind, with the providing plugin of each item."""
        out = []
        for name, item in sorted(getattr(self, kind).items()):
            if isinstance(item, BaseModel):
                data = item.model_dump(mode="json")
            else:
                data = {
                    "name": item.name,
                    "description": item.description,
                    "available": item.available,
                    "unavailable_reason": item.unavailable_reason,
                }
            data["plugin"] = self.owner(kind, name)
            out.append(data)
        return out
