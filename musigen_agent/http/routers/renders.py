"""Rendering stored versions to files: waited for when short, a job when long, or streamed."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from ...services import Progress, Services
from ..auth import Composer
from ..context import app_state
from ..limits import check_length
from ..models import SSE_CONTENT, JobView, RenderRequest, TrackView
from ..problems import responses
from ..work import ModeQuery, StreamQuery, answer

router = APIRouter(prefix="/v1/tracks", tags=["renders"], responses=responses())


@router.post(
    "/{track_id}/render",
    response_model=TrackView,
    responses={
        200: {
            "description": "The rendered files (or, with stream=true, SSE progress then result).",
            "content": SSE_CONTENT,
        },
        202: {"model": JobView, "description": "Accepted as a job: poll Location or follow links.events."},
        **responses(503, 504),
    },
    summary="Render a version to audio/MIDI files",
)
async def render(
    track_id: Annotated[str, Path(max_length=64)],
    body: RenderRequest,
    request: Request,
    principal: Composer,
    mode: ModeQuery = "auto",
    stream: StreamQuery = False,
) -> Response:
    """Pieces up to the server's sync length render while you wait; longer ones answer 202 with a job."""
    state = app_state(request)
    current = await state.studio.call(lambda s: s.get_track(track_id, body.version))
    seconds = current["summary"]["seconds"]
    check_length(seconds, state.limits)

    def work(services: Services, progress: Progress) -> dict[str, Any]:
        return services.render(track_id, current["version"], body.formats, progress=progress)

    return await answer(
        request,
        principal,
        "render",
        work,
        mode=mode,
        stream=stream,
        long=seconds > state.limits.sync_render_seconds,
        renders=True,
    )
