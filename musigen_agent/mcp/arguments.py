"""Tool argument types built from ONE studio's live catalogue.

The JSON schemas an assistant sees are how it learns what it may ask for, so names
(instruments, genres, moods, models, formats) are advertised as ``enum`` lists taken
from the plugins actually loaded: a plugin that adds an instrument shows up in the
schema with no code change.  The enums only *teach*; the values are still checked by
the services, whose errors name the closest known names (a pydantic ``Literal`` would
reject them earlier with a less helpful message).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

from ..ops import OP_ADAPTER
from ..services import CATALOG_KINDS, FORMATS, Services
from ..spec import MAX_PARTS, METERS, TEMPO_RANGE

#: Where in a refine op the catalogue's names go (property name -> catalogue kind).
_OP_NAME_FIELDS = {"instrument": "instruments", "genre": "genres", "mood": "moods"}


def _enum(names: list[str], description: str) -> Any:
    """A string argument advertised as one of ``names`` (validated later by the services)."""
    return Annotated[str, WithJsonSchema({"type": "string", "enum": names, "description": description})]


@dataclass(frozen=True)
class Vocabulary:
    """The annotated argument types of one server, built once per :class:`Services`."""

    names: dict[str, list[str]]
    Instrument: Any
    Genre: Any
    Mood: Any
    Model: Any
    Meter: Any
    Format: Any
    Kind: Any
    Ops: Any


def vocabulary(services: Services) -> Vocabulary:
    """Read the catalogue now and build every argument type that lists names."""
    catalog = services.plugins.catalog
    names = {kind: sorted(getattr(catalog, kind)) for kind in CATALOG_KINDS}
    return Vocabulary(
        names=names,
        Instrument=_enum(names["instruments"], "An instrument name from list_instruments."),
        Genre=_enum(names["genres"], "A genre name from list_genres."),
        Mood=_enum(names["moods"], "A mood name from list_moods."),
        Model=_enum(names["models"], "A composition model backend from list_models."),
        Meter=_enum(list(METERS), "Time signature."),
        Format=_enum(sorted(FORMATS), "; ".join(f"{k}: {v}" for k, v in sorted(FORMATS.items()))),
        Kind=_enum(list(CATALOG_KINDS), "Which catalogue to list."),
        Ops=Annotated[
            list[dict[str, Any]] | None,
            WithJsonSchema({"anyOf": [ops_schema(names), {"type": "null"}]}),
            Field(
                description=(
                    "Typed edits, applied in order after the instruction's own. Each is an object with an 'op' "
                    "name and its fields, e.g. {'op': 'set_tempo', 'bpm': 72}, {'op': 'mute_in', 'part': "
                    "'drum_kit', 'sections': ['intro']}, {'op': 'replace_instrument', 'part': 'acoustic_piano', "
                    "'instrument': 'electric_piano'}. Part and section names are those in the track's summary."
                )
            ),
        ],
    )


def ops_schema(names: dict[str, list[str]]) -> dict[str, Any]:
    """The refine-op union as one self-contained JSON schema, catalogue names as enums.

    Inlined (no ``$ref``) because it is embedded in a tool's input schema, whose
    ``#/$defs`` would not resolve to the op models' definitions.
    """
    raw = OP_ADAPTER.json_schema()
    defs = raw.get("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"].rsplit("/", 1)[-1]])
            out = {k: inline(v) for k, v in node.items() if k not in ("$defs", "discriminator", "title")}
            for prop, kind in _OP_NAME_FIELDS.items():
                if prop in out.get("properties", {}) and out["properties"][prop].get("type") == "string":
                    out["properties"][prop] = {**out["properties"][prop], "enum": names[kind]}
            return out
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    return inline(raw)


#: Argument descriptions shared by several tools.
TRACK_ID = Annotated[str, Field(description="A track id from compose_track or list_tracks (e.g. 't3f9a0c21b7').")]
VERSION = Annotated[
    int | None,
    Field(description="A version number from list_versions; omit for the latest.", json_schema_extra={"minimum": 1}),
]
TEMPO = Annotated[
    int | None,
    Field(
        description="Beats per minute.",
        json_schema_extra={"minimum": TEMPO_RANGE[0], "maximum": TEMPO_RANGE[1]},
    ),
]
KEY = Annotated[
    str | None,
    Field(description="Tonic with an optional mode: 'C', 'F# minor', 'Bb major', 'Dm'."),
]
LENGTH = Annotated[
    float | str | None,
    Field(description="Seconds (90) or words: '2:30', '90s', '2 minutes', '32 bars'."),
]
SECTIONS = Annotated[
    list[str] | None,
    Field(
        description=(
            "The form in order, as lower-case section names: ['intro', 'verse', 'chorus', 'verse', 'chorus', "
            "'outro']. Omit to let the genre decide."
        )
    ),
]
SEED = Annotated[
    int | None,
    Field(description="Variation seed: same request, same seed, same music.", json_schema_extra={"minimum": 0}),
]
INSTRUMENTS_HELP = f"1 to {MAX_PARTS} instruments (the band); omit to let the words and the genre decide."
