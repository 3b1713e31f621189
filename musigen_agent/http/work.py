"""How a compose or render request is answered: wait for it, hand back a job, or stream its progress.

Shared by the compose and render routes so both enforce the same limits the same
way: a render slot per key for work that renders audio, a work-time deadline
checked at every progress report, and metrics for every outcome.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import JSONResponse, Response

from ..errors import MusigenError
from ..services import Progress, Services
from .auth import Principal
from .context import app_state
from .jobs import Job, Work, sse_response
from .limits import WorkTimeout, with_deadline
from .models import Mode
from .studio import public_files

#: The query parameters of every route answered by :func:`answer`.
ModeQuery = Annotated[Mode, Query(description="sync waits, async returns a job, auto decides by length.")]
StreamQuery = Annotated[bool, Query(description="Answer with Server-Sent Events: progress, then result.")]


def _ignore(fraction: float, message: str) -> None:
    """Progress sink of a request that waits: nobody watches the steps."""


async def answer(
    request: Request,
    principal: Principal,
    kind: str,
    work: Work,
    *,
    mode: Mode,
    stream: bool,
    long: bool,
    renders: bool,
    created: bool = False,
) -> Response:
    """Run ``work`` as ``mode`` asks (``auto``: a job when ``long``), or as SSE when ``stream``.

    ``renders`` takes one of the key's concurrent-render slots until the work ends
    (even after a timed-out request stops waiting); ``created`` answers 201 + Location.
    """
    state = app_state(request)
    limit = state.limits.max_work_seconds
    if renders:
        state.render_slots.acquire(principal.key_id)

    def finished(outcome: str) -> None:
        state.metrics.count_work(kind, outcome)
        if renders:
            state.render_slots.release(principal.key_id)

    def bounded(services: Services, progress: Progress) -> dict[str, Any]:
        return public_files(work(services, with_deadline(progress, limit)))

    if stream or mode == "async" or (mode == "auto" and long):
        try:
            job = state.jobs.start(kind, principal.key_id, bounded, on_done=lambda j: finished(_job_outcome(j)))
        except MusigenError:
            finished("server-busy")
            raise
        if stream:
            return sse_response(job, request.headers.get("last-event-id"))
        return JSONResponse(job.view(), status_code=202, headers={"Location": job.view()["links"]["self"]})

    future = state.studio.submit(lambda services: bounded(services, _ignore))
    future.add_done_callback(lambda f: finished(_future_outcome(f)))
    try:
        view = await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), limit + 1.0)
    except TimeoutError:
        raise WorkTimeout(
            f"Gave up waiting after {limit:g} s (this server's work-time limit); nothing was stored. "
            "Ask for a shorter piece, or send mode=async and poll the job.",
            field="mode",
            allowed=["async"],
        ) from None
    headers = {"Location": f"/v1/tracks/{view['track_id']}/versions/{view['version']}"} if created else None
    return JSONResponse(view, status_code=201 if created else 200, headers=headers)


def _job_outcome(job: Job) -> str:
    return job.error["type"].rsplit("/", 1)[-1] if job.error else "ok"


def _future_outcome(future: Future[Any]) -> str:
    exc = None if future.cancelled() else future.exception()
    if exc is None:
        return "cancelled" if future.cancelled() else "ok"
    return exc.kind if isinstance(exc, MusigenError) else "internal-error"
