"""Tracks and their versions: compose, list, read, refine, revert, diff."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from ...services import Progress, Services
from ..auth import Composer, Reader
from ..context import app_state
from ..limits import check_length, planned_seconds
from ..models import (
    SSE_CONTENT,
    ComposeRequest,
    JobView,
    RefineRequest,
    RevertRequest,
    TrackRow,
    TrackView,
    VersionRow,
)
from ..problems import responses
from ..studio import public_files
from ..work import ModeQuery, StreamQuery, answer

router = APIRouter(prefix="/v1/tracks", tags=["tracks"], responses=responses())

TrackId = Annotated[str, Path(description="Track id, e.g. `t0123456789`.", max_length=64)]
VersionNumber = Annotated[int, Path(ge=1, description="Version number (1 is the first).")]


@router.post(
    "",
    status_code=201,
    response_model=TrackView,
    responses={
        200: {
            "description": "With stream=true: progress events, then a result (or error) event.",
            "content": SSE_CONTENT,
        },
        201: {"description": "The stored track (version 1), with its rendered files."},
        202: {"model": JobView, "description": "Accepted as a job (mode=async, or a long render in mode=auto)."},
        **responses(503, 504),
    },
    summary="Compose a track from a description",
)
async def compose(
    body: ComposeRequest,
    request: Request,
    principal: Composer,
    mode: ModeQuery = "auto",
    stream: StreamQuery = False,
) -> Response:
    """Compose a new track; with `formats` also render it (each render uses one of the key's render slots)."""
    state = app_state(request)
    overrides = body.overrides.model_dump(exclude_none=True) if body.overrides else None
    seconds = await state.studio.call(lambda s: planned_seconds(s, body.description, overrides))
    check_length(seconds, state.limits)

    def work(services: Services, progress: Progress) -> dict[str, Any]:
        return services.compose(body.description, overrides, body.formats, progress=progress)

    return await answer(
        request,
        principal,
        "compose",
        work,
        mode=mode,
        stream=stream,
        long=bool(body.formats) and seconds > state.limits.sync_render_seconds,
        renders=bool(body.formats),
        created=True,
    )


@router.post(
    "/import",
    status_code=201,
    response_model=TrackView,
    summary="Import a MIDI file as a new track",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("application/octet-stream", "audio/midi")
            },
        }
    },
)
async def import_midi(
    request: Request,
    _: Composer,
    title: Annotated[str | None, Query(max_length=200, description="Title of the new track.")] = None,
) -> Any:
    """Send the raw bytes of a .mid file as the body (audio/midi or application/octet-stream)."""
    data = await request.body()
    return public_files(await app_state(request).studio.call(lambda s: s.import_midi(data, title)))


@router.get("", response_model=list[TrackRow], summary="List tracks, most recently changed first")
async def list_tracks(
    request: Request,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> Any:
    return await app_state(request).studio.call(lambda s: s.list_tracks(limit=limit, offset=offset))


@router.get("/{track_id}", response_model=TrackView, summary="Read a track's latest version")
async def get_track(track_id: TrackId, request: Request, _: Reader) -> Any:
    return public_files(await app_state(request).studio.call(lambda s: s.get_track(track_id)))


@router.get("/{track_id}/versions", response_model=list[VersionRow], summary="A track's version history")
async def list_versions(track_id: TrackId, request: Request, _: Reader) -> Any:
    return await app_state(request).studio.call(lambda s: s.list_versions(track_id))


@router.get("/{track_id}/versions/{version}", response_model=TrackView, summary="Read one version")
async def get_version(track_id: TrackId, version: VersionNumber, request: Request, _: Reader) -> Any:
    return public_files(await app_state(request).studio.call(lambda s: s.get_track(track_id, version)))


@router.post("/{track_id}/refine", status_code=201, response_model=TrackView, summary="Refine a version")
async def refine(track_id: TrackId, body: RefineRequest, request: Request, _: Composer) -> Any:
    """Make a new version from words and/or typed ops; refining an old version branches from it."""
    ops = [op.model_dump(mode="json") for op in body.ops]
    return public_files(
        await app_state(request).studio.call(lambda s: s.refine(track_id, body.instruction, ops, body.version))
    )


@router.post("/{track_id}/revert", status_code=201, response_model=TrackView, summary="Revert to a version")
async def revert(track_id: TrackId, body: RevertRequest, request: Request, _: Composer) -> Any:
    return public_files(await app_state(request).studio.call(lambda s: s.revert(track_id, body.version)))


@router.get("/{track_id}/analysis", response_model=dict[str, Any], summary="Objective metrics of a version")
async def analyze(
    track_id: TrackId,
    request: Request,
    _: Reader,
    version: Annotated[int | None, Query(ge=1, description="Version (default: the latest).")] = None,
) -> Any:
    """Key heard vs asked, scale consistency, entropy, groove, chord tones... against real-music ranges."""
    return await app_state(request).studio.call(lambda s: s.analyze(track_id, version))


@router.get("/{track_id}/diff", response_model=dict[str, Any], summary="What changed between two versions")
async def diff(
    track_id: TrackId,
    request: Request,
    _: Reader,
    a: Annotated[int, Query(ge=1, description="From this version.")],
    b: Annotated[int, Query(ge=1, description="To this version.")],
) -> Any:
    return await app_state(request).studio.call(lambda s: s.diff(track_id, a, b))
