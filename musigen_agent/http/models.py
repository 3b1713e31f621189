"""Request and response bodies of the HTTP API.

Request bodies reuse the core's pydantic models (:class:`~musigen_agent.intent.Overrides`,
the refine :data:`~musigen_agent.ops.Op` union) so the OpenAPI schema documents exactly
what the core accepts.  Response models are open (extra fields allowed): the core's
views grow, and the schema promises the fields clients rely on without freezing the rest.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..intent import Overrides
from ..keys import SCOPES
from ..ops import MAX_OPS, Op
from ..services import FORMATS

_FORMATS_DOC = "Formats to render: " + ", ".join(f"`{k}` ({v})" for k, v in FORMATS.items()) + "."

#: How a long request is answered: wait for it, get a job at once, or let the server decide by length.
Mode = Literal["auto", "sync", "async"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ComposeRequest(_Request):
    """Describe a piece in words; explicit fields in ``overrides`` beat the words."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"description": "a calm lo-fi piece with piano and soft drums, 80 bpm, about a minute"},
                {
                    "description": "upbeat funk for a product video",
                    "overrides": {"tempo": 112, "key": "E", "mode": "minor", "length": "45s"},
                    "formats": ["mid", "wav"],
                },
            ]
        },
    )

    description: str = Field(default="", max_length=2000, description="What the piece should be, in words.")
    overrides: Overrides | None = Field(default=None, description="Explicit fields; each beats what the words said.")
    formats: list[str] = Field(default_factory=list, max_length=len(FORMATS) + 2, description=_FORMATS_DOC)


class RefineRequest(_Request):
    """Change a version with an instruction in words and/or typed ops (applied after the words)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"instruction": "make it faster and add strings"},
                {"ops": [{"op": "set_tempo", "bpm": 96}, {"op": "transpose", "semitones": -2}]},
                {"instruction": "darker", "version": 1},
            ]
        },
    )

    instruction: str = Field(default="", max_length=2000, description="What to change, in words.")
    ops: list[Op] = Field(default_factory=list, max_length=MAX_OPS, description="Typed refine operations.")
    version: int | None = Field(default=None, ge=1, description="Version to refine (default: the latest).")


class RevertRequest(_Request):
    """Make a new version identical to an older one (history is kept)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"version": 1}]})

    version: int = Field(ge=1, description="The version to bring back.")


class RenderRequest(_Request):
    """Render a stored version to files."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"formats": ["wav", "mid"]}, {"version": 2, "formats": ["wav"]}]},
    )

    version: int | None = Field(default=None, ge=1, description="Version to render (default: the latest).")
    formats: list[str] = Field(default=["wav"], min_length=1, max_length=len(FORMATS) + 2, description=_FORMATS_DOC)


class KeyRequest(_Request):
    """A new API key."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "studio-frontend", "scopes": ["compose"]}]}
    )

    name: str = Field(min_length=1, max_length=100, description="Who or what uses the key.")
    scopes: list[Literal["read", "compose", "admin"]] = Field(
        default=["read"], min_length=1, description=f"Scopes, each including the lower ones: {', '.join(SCOPES)}."
    )


class _View(BaseModel):
    model_config = ConfigDict(extra="allow")


class FileRef(_View):
    """A rendered file and where to download it."""

    format: str
    name: str
    bytes: int
    url: str = Field(description="GET this path to download the file (Range requests supported).")


class TrackView(_View):
    """A stored version: its spec, a summary for people and LLMs, and its rendered files."""

    track_id: str
    version: int
    spec: dict[str, Any]
    mix: dict[str, Any] = Field(description="Per-track levels, pan, sends, EQ and the master targets of this version.")
    summary: dict[str, Any]
    files: list[FileRef]


class TrackRow(_View):
    """A track in the list."""

    id: str
    title: str
    created: str
    updated: str
    head: int = Field(description="The latest version number.")


class VersionRow(_View):
    """One version in a track's history."""

    track_id: str
    number: int
    parent: int | None
    ops: list[Any]
    instruction: str | None
    created: str


class JobView(_View):
    """A background compose or render: poll it, or follow ``links.events`` as Server-Sent Events."""

    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float
    message: str
    created: str
    finished: str | None
    result: dict[str, Any] | None = Field(description="The track view, once succeeded.")
    error: dict[str, Any] | None = Field(description="A problem document, once failed.")
    links: dict[str, str]


class KeyView(_View):
    """An API key as listed (never its token or hash)."""

    id: str
    name: str
    prefix: str = Field(description="The token's first characters, to recognise it.")
    scopes: list[str]
    created: str
    revoked: str | None


class NewKey(KeyView):
    """A key just created: ``token`` is shown this once and is not stored."""

    token: str


class Status(_View):
    """Liveness or readiness."""

    status: str


#: OpenAPI description of an SSE response.
SSE_CONTENT = {
    "text/event-stream": {
        "schema": {
            "description": "One event (OpenAPI 3.1 describes each event of a stream).",
            "type": "object",
            "required": ["data"],
            "properties": {
                "id": {"type": "string", "description": "Sequence number; send it back as Last-Event-ID to resume."},
                "event": {"type": "string", "enum": ["progress", "result", "error"]},
                "data": {
                    "type": "string",
                    "description": "JSON: {progress, message} for progress, the track view for result, "
                    "a problem document for error.",
                },
            },
        },
        "example": 'id: 0\nevent: progress\ndata: {"progress": 0.1, "message": "understood the description"}\n\n'
        'id: 3\nevent: result\ndata: {"track_id": "t0123456789", "version": 1, "...": "..."}\n\n',
    }
}
