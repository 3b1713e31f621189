"""The web studio: one page (``GET /`` and ``/studio``) and its static files, plus the notes of a version.

The page is plain HTML, CSS and JavaScript in ``musigen_agent/http/studio_page`` (no build
step, nothing fetched from the internet: a Content-Security-Policy of ``'self'`` holds it to
that).  It talks to the same JSON API as every other client; the only endpoint it adds is
``GET /v1/tracks/{id}/versions/{n}/notes``, which the piano roll and the mixer read.

The page and its files need no API key (they hold no data); the page sends the key the user
typed (kept in the browser's localStorage) as a Bearer token on every API call.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from ...refine_words import EXAMPLES
from ..auth import Reader
from ..context import app_state
from ..problems import HttpProblem, responses

router = APIRouter(tags=["studio"])

PAGE = resources.files("musigen_agent.http") / "studio_page"
#: The files the page is made of, with their media types (nothing else is served from the folder).
STATIC = {
    "studio.js": "text/javascript; charset=utf-8",
    "studio.css": "text/css; charset=utf-8",
}
#: The page may load only its own files and talk only to its own server.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "connect-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
#: Where index.html gets the refine examples (JSON, inside a non-executed <script type="application/json">).
EXAMPLES_MARK = "__REFINE_EXAMPLES__"


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
@router.get("/studio", response_class=HTMLResponse, include_in_schema=False)
async def page() -> HTMLResponse:
    """The studio page."""
    html = (PAGE / "index.html").read_text(encoding="utf-8")
    examples = json.dumps(list(EXAMPLES)).replace("<", "\\u003c")
    return HTMLResponse(html.replace(EXAMPLES_MARK, examples), headers=HEADERS)


@router.get("/studio/{name}", include_in_schema=False)
async def static_file(name: str) -> Response:
    """One of the page's files (only those in :data:`STATIC`)."""
    if name not in STATIC:
        raise HttpProblem(404, "not-found", f"The studio has no file {name!r}.", allowed=sorted(STATIC))
    return Response((PAGE / name).read_bytes(), media_type=STATIC[name], headers=HEADERS)


class _View(BaseModel):
    model_config = ConfigDict(extra="allow")


class PartNotes(_View):
    """One part's notes and its mixer settings."""

    name: str
    instrument: str
    role: str
    is_drum: bool
    notes: list[list[float]] = Field(description="`[start, duration, pitch, velocity]`; start and duration in beats.")
    mix: dict[str, Any] = Field(description="The part's mixer settings (gain_db, pan, mute, solo, ...).")


class NotesView(_View):
    """Every note of a version, for drawing a piano roll. A beat is a quarter note."""

    track_id: str
    version: int
    tempo: int
    meter: str
    key: str
    mode: str
    beats_per_bar: float
    beats: float = Field(description="Length of the piece in beats.")
    sections: list[dict[str, Any]] = Field(description="name, start_bar, bars, chords, chord_slots_per_bar.")
    parts: list[PartNotes]


@router.get(
    "/v1/tracks/{track_id}/versions/{version}/notes",
    response_model=NotesView,
    responses=responses(),
    summary="The notes of a version (piano roll)",
    tags=["tracks"],
)
async def version_notes(
    track_id: Annotated[str, Path(max_length=64)],
    version: Annotated[int, Path(ge=1, description="Version number (1 is the first).")],
    request: Request,
    _: Reader,
) -> Any:
    """Each part's notes as `[start, duration, pitch, velocity]` in beats, with the form, chords and mix."""
    return await app_state(request).studio.call(lambda s: s.notes(track_id, version))
