"""Typed refine operations: a pydantic discriminated union on the ``op`` field.

These are the words of the refine language shared by every surface (MCP tool
arguments, HTTP bodies, the CLI and the words parser); :mod:`musigen_agent.edits`
applies them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from .catalog import Role
from .errors import InvalidInput
from .spec import TONICS

MAX_OPS = 20


class OpBase(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SetTempo(OpBase):
    op: Literal["set_tempo"] = "set_tempo"
    bpm: int = Field(ge=20, le=300)


class Transpose(OpBase):
    op: Literal["transpose"] = "transpose"
    semitones: int = Field(ge=-12, le=12)


class SetKey(OpBase):
    op: Literal["set_key"] = "set_key"
    key: str = Field(description=f"Tonic: {', '.join(TONICS)}.")
    mode: Literal["major", "minor"] | None = None


class SetMode(OpBase):
    op: Literal["set_mode"] = "set_mode"
    mode: Literal["major", "minor"]


class ChangeMood(OpBase):
    op: Literal["change_mood"] = "change_mood"
    mood: str


class ChangeGenre(OpBase):
    op: Literal["change_genre"] = "change_genre"
    genre: str


class AddInstrument(OpBase):
    op: Literal["add_instrument"] = "add_instrument"
    instrument: str
    role: Role | None = None
    name: str | None = None


class RemoveInstrument(OpBase):
    op: Literal["remove_instrument"] = "remove_instrument"
    part: str


class ReplaceInstrument(OpBase):
    op: Literal["replace_instrument"] = "replace_instrument"
    part: str
    instrument: str


class SetRole(OpBase):
    op: Literal["set_role"] = "set_role"
    part: str
    role: Role


class Mute(OpBase):
    op: Literal["mute"] = "mute"
    part: str
    muted: bool = True


class Solo(OpBase):
    op: Literal["solo"] = "solo"
    part: str
    solo: bool = True


class Gain(OpBase):
    op: Literal["gain"] = "gain"
    part: str
    db: float = Field(ge=-60, le=12)


class Pan(OpBase):
    op: Literal["pan"] = "pan"
    part: str
    pan: float = Field(ge=-1, le=1)


class MixTrack(OpBase):
    """Set any of a part's mixer settings at once (unset fields keep their value)."""

    op: Literal["mix"] = "mix"
    part: str
    gain_db: float | None = Field(default=None, ge=-60, le=12)
    pan: float | None = Field(default=None, ge=-1, le=1)
    mute: bool | None = None
    solo: bool | None = None
    reverb: float | None = Field(default=None, ge=0, le=1, description="Reverb send level.")
    low_cut_hz: float | None = Field(default=None, ge=0, le=2000, description="High-pass cut-off (0 = off).")
    eq_low_db: float | None = Field(default=None, ge=-18, le=18, description="Low shelf at 200 Hz.")
    eq_mid_db: float | None = Field(default=None, ge=-18, le=18, description="Peak at 1 kHz.")
    eq_high_db: float | None = Field(default=None, ge=-18, le=18, description="High shelf at 5 kHz.")
    comp_threshold_db: float | None = Field(default=None, ge=-60, le=0, description="Compressor threshold, dBFS.")
    comp_ratio: float | None = Field(default=None, ge=1, le=20, description="Compression ratio (1 = off).")


class MuteIn(OpBase):
    op: Literal["mute_in"] = "mute_in"
    part: str
    sections: list[str] = Field(min_length=1)
    muted: bool = True


class Regenerate(OpBase):
    op: Literal["regenerate"] = "regenerate"
    section: str | None = None
    part: str | None = None


class AddSection(OpBase):
    op: Literal["add_section"] = "add_section"
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    bars: int = Field(ge=1, le=128)
    after: str | None = Field(default=None, description="Insert after this section (default: before the outro).")
    energy: float | None = Field(default=None, ge=0, le=1)


class RemoveSection(OpBase):
    op: Literal["remove_section"] = "remove_section"
    section: str


class ResizeSection(OpBase):
    op: Literal["resize_section"] = "resize_section"
    section: str = Field(description="A section name; a kind ('chorus') resizes every chorus.")
    bars: int = Field(ge=1, le=128)


class ReorderSections(OpBase):
    op: Literal["reorder_sections"] = "reorder_sections"
    order: list[str] = Field(min_length=1)


class Extend(OpBase):
    op: Literal["extend"] = "extend"
    bars: int = Field(ge=1, le=128)


class SetEnergy(OpBase):
    op: Literal["set_energy"] = "set_energy"
    section: str | None = None
    energy: float = Field(ge=0, le=1)


class Density(OpBase):
    op: Literal["density"] = "density"
    part: str | None = None
    factor: float = Field(ge=0.25, le=4, description="<1 simpler, >1 busier (multiplies the part density).")


class Swing(OpBase):
    op: Literal["swing"] = "swing"
    amount: float = Field(ge=0, le=1)


class Humanize(OpBase):
    op: Literal["humanize"] = "humanize"
    amount: float = Field(ge=0, le=1)


class SetChords(OpBase):
    op: Literal["set_chords"] = "set_chords"
    section: str
    chords: list[str] = Field(min_length=1, max_length=64)


class Vary(OpBase):
    op: Literal["vary"] = "vary"
    part: str
    section: str | None = None


class Restyle(OpBase):
    """Re-arrange in another genre and/or mood with that genre's band, keeping melody and harmony."""

    op: Literal["restyle"] = "restyle"
    genre: str | None = None
    mood: str | None = None


class Ending(OpBase):
    op: Literal["ending"] = "ending"
    style: Literal["big_chord"] = "big_chord"


Op = Annotated[
    SetTempo
    | Transpose
    | SetKey
    | SetMode
    | ChangeMood
    | ChangeGenre
    | AddInstrument
    | RemoveInstrument
    | ReplaceInstrument
    | SetRole
    | Mute
    | Solo
    | Gain
    | Pan
    | MixTrack
    | MuteIn
    | Regenerate
    | AddSection
    | RemoveSection
    | ResizeSection
    | ReorderSections
    | Extend
    | SetEnergy
    | Density
    | Swing
    | Humanize
    | SetChords
    | Vary
    | Restyle
    | Ending,
    Field(discriminator="op"),
]
OP_ADAPTER: TypeAdapter[list[Op]] = TypeAdapter(list[Op])
OP_NAMES = tuple(sorted(t.model_fields["op"].default for t in OpBase.__subclasses__()))


def parse_ops(data: list[dict]) -> list[Op]:
    """Validate raw op dicts; errors name the op index and field and list the op names."""
    if len(data) > MAX_OPS:
        raise InvalidInput(f"At most {MAX_OPS} ops per refine, got {len(data)}.", field="ops")
    try:
        return OP_ADAPTER.validate_python(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise InvalidInput(
            f"ops.{loc}: {err['msg']}. Known ops: {', '.join(OP_NAMES)}.", field=f"ops.{loc}", allowed=list(OP_NAMES)
        ) from None
