"""Background jobs: poll their status, or follow their progress as Server-Sent Events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Path, Request
from fastapi.responses import StreamingResponse

from ..auth import Reader
from ..context import app_state
from ..jobs import sse_response
from ..models import SSE_CONTENT, JobView
from ..problems import responses

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], responses=responses())

JobId = Annotated[str, Path(max_length=64, description="Job id from a 202 answer, e.g. `j0123456789abcdef`.")]


@router.get("/{job_id}", response_model=JobView, summary="A job's status, and its result once done")
async def get_job(job_id: JobId, request: Request, principal: Reader) -> Any:
    """Jobs are visible to the key that started them (and to admin keys)."""
    return app_state(request).jobs.get(job_id, principal.key_id, principal.can("admin")).view()


@router.get(
    "/{job_id}/events",
    response_class=StreamingResponse,
    responses={200: {"description": "progress events, then one result or error event", "content": SSE_CONTENT}},
    summary="Follow a job as Server-Sent Events",
)
async def job_events(
    job_id: JobId,
    request: Request,
    principal: Reader,
    last_event_id: Annotated[str | None, Header(description="Resume after this event id.")] = None,
) -> StreamingResponse:
    """Replays what the job already reported, then streams the rest until its result or error event."""
    return sse_response(app_state(request).jobs.get(job_id, principal.key_id, principal.can("admin")), last_event_id)
