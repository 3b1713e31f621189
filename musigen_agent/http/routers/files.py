"""Downloads of rendered files, with the right content type and HTTP Range support (206)."""

from __future__ import annotations

import mimetypes
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import FileResponse

from ..auth import Reader
from ..context import app_state
from ..problems import responses

router = APIRouter(prefix="/v1/files", tags=["files"], responses=responses())

#: Content types by extension; anything else falls back to mimetypes, then octet-stream.
CONTENT_TYPES = {
    ".mid": "audio/midi",
    ".midi": "audio/midi",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".flac": "audio/flac",
    ".ogg": "audio/ogg",
    ".json": "application/json",
    ".png": "image/png",
    ".zip": "application/zip",
}

_BINARY = {"schema": {"type": "string", "format": "binary"}}


def content_type(name: str) -> str:
    """The media type of a rendered file, by its extension."""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


@router.get(
    "/{track_id}/{name}",
    response_class=FileResponse,
    responses={
        200: {"description": "The whole file.", "content": {t: _BINARY for t in sorted(set(CONTENT_TYPES.values()))}},
        206: {"description": "The requested byte range (send `Range: bytes=START-END`).", "content": {"*/*": _BINARY}},
        416: {
            "description": "The range lies outside the file.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
    },
    summary="Download a rendered file",
)
async def download(
    track_id: Annotated[str, Path(max_length=64)],
    name: Annotated[str, Path(max_length=200, description="File name from a track view's `files[].name`.")],
    request: Request,
    _: Reader,
) -> FileResponse:
    """Served inline so browsers can preview audio; `Range` requests get 206 partial content."""
    path = await app_state(request).studio.call(lambda s: s.render_file(track_id, name))
    return FileResponse(path, media_type=content_type(name), filename=name, content_disposition_type="inline")
