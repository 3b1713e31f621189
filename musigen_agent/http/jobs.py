"""Background jobs for long composes and renders: bounded, in process, pollable and streamable.

A job runs one services call on the studio's job pool with a progress sink that
records events.  Clients poll ``GET /v1/jobs/{id}`` or follow the same events as
Server-Sent Events.  The queue is bounded (503 when full) and finished jobs are
forgotten oldest first, so memory stays bounded on a long-running server.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import StreamingResponse

from ..errors import MusigenError, NotFound
from ..services import Progress, Services
from .problems import HttpProblem, problem_body

log = logging.getLogger("musigen_agent.http")

#: Seconds between SSE keep-alive comments while a job is quiet.
KEEPALIVE_S = 15.0

#: What a job runs: services and a progress sink in, a JSON-able view out.
Work = Callable[[Services, Progress], dict[str, Any]]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Job:
    """One piece of background work and everything it reported."""

    id: str
    kind: str
    owner: str
    loop: asyncio.AbstractEventLoop
    status: str = "queued"
    progress: float = 0.0
    message: str = "queued"
    created: str = field(default_factory=_now)
    finished: str | None = None
    result: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    events: list[dict[str, Any]] = field(default_factory=list)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def done(self) -> bool:
        return self.status in ("succeeded", "failed")

    def view(self) -> dict[str, Any]:
        """The job as the API shows it."""
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "progress": self.progress,
            "message": self.message,
            "created": self.created,
            "finished": self.finished,
            "result": self.result,
            "error": self.error,
            "links": {"self": f"/v1/jobs/{self.id}", "events": f"/v1/jobs/{self.id}/events"},
        }

    def record(self, event: str, data: dict[str, Any]) -> None:
        """Append an event (from any thread) and wake whoever streams this job."""
        self.events.append({"id": len(self.events), "event": event, "data": data})
        try:
            self.loop.call_soon_threadsafe(self._wake)
        except RuntimeError:  # the loop is closed: the server is shutting down, nobody is listening
            pass

    def _wake(self) -> None:
        """Broadcast: set the current event and give later waiters a fresh one."""
        old, self.changed = self.changed, asyncio.Event()
        old.set()


class JobRunner:
    """Starts jobs on the studio's job pool and keeps them for polling."""

    def __init__(
        self,
        submit: Callable[[Callable[[Services], None]], Any],
        max_active: int,
        keep: int,
    ) -> None:
        self._submit = submit
        self.max_active, self.keep = max_active, keep
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def active(self) -> int:
        with self._lock:
            return sum(not j.done for j in self._jobs.values())

    def start(self, kind: str, owner: str, work: Work, on_done: Callable[[Job], None] | None = None) -> Job:
        """Queue ``work``; refuse with 503 when the queue is full.  Call from the event loop."""
        job = Job(id="j" + secrets.token_hex(8), kind=kind, owner=owner, loop=asyncio.get_running_loop())
        with self._lock:
            if sum(not j.done for j in self._jobs.values()) >= self.max_active:
                raise HttpProblem(
                    503,
                    "server-busy",
                    f"{self.max_active} jobs are already queued or running; retry shortly.",
                    headers={"Retry-After": "10"},
                )
            self._jobs[job.id] = job
            self._forget_old()

        def progress(fraction: float, message: str) -> None:
            job.status, job.progress, job.message = "running", round(fraction, 3), message
            job.record("progress", {"progress": job.progress, "message": message})

        def run(services: Services) -> None:
            job.status = "running"
            try:
                result = work(services, progress)
            except MusigenError as exc:
                self._finish(job, error=problem_body(exc, f"/v1/jobs/{job.id}"))
            except Exception:  # a job must always end; the problem hides the traceback, the log keeps it
                log.exception("job %s failed", job.id)
                self._finish(
                    job,
                    error={
                        "type": "/problems/internal-error",
                        "title": "Internal server error",
                        "status": 500,
                        "detail": "The job hit an unexpected error; it was logged.",
                        "instance": f"/v1/jobs/{job.id}",
                    },
                )
            else:
                self._finish(job, result=result)
            finally:
                if on_done is not None:
                    on_done(job)

        self._submit(run)
        return job

    def _finish(self, job: Job, *, result: dict[str, Any] | None = None, error: dict[str, Any] | None = None) -> None:
        job.result, job.error = result, error
        job.finished = _now()
        if error is None:
            job.status, job.progress, job.message = "succeeded", 1.0, "done"
            job.record("result", result or {})
        else:
            job.status, job.message = "failed", error["detail"]
            job.record("error", error)

    def _forget_old(self) -> None:
        finished = [k for k, j in self._jobs.items() if j.done]
        for key in finished[: max(0, len(finished) - self.keep)]:
            del self._jobs[key]

    def get(self, job_id: str, owner: str, admin: bool = False) -> Job:
        """A job visible to ``owner`` (admins see all); others' jobs are reported as missing."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None or (job.owner != owner and not admin):
            raise NotFound(f"No job {job_id!r} (jobs are kept for a while after they finish).", field="job_id")
        return job


async def sse(job: Job, last_event_id: int | None = None) -> AsyncIterator[str]:
    """The job's events as an SSE stream, from after ``last_event_id``, until its result or error."""
    sent = 0 if last_event_id is None else last_event_id + 1
    while True:
        waiter = job.changed  # taken before reading, so an event recorded meanwhile still wakes us
        while sent < len(job.events):
            event = job.events[sent]
            yield f"id: {event['id']}\nevent: {event['event']}\ndata: {json.dumps(event['data'])}\n\n"
            sent += 1
            if event["event"] in ("result", "error"):
                return
        if job.done and sent >= len(job.events):
            return
        try:
            await asyncio.wait_for(waiter.wait(), KEEPALIVE_S)
        except TimeoutError:
            yield f": keep-alive {time.time():.0f}\n\n"


def sse_response(job: Job, last_event_id: str | None) -> StreamingResponse:
    """Stream ``job`` as SSE, resuming after ``last_event_id`` (the Last-Event-ID header) when given."""
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
    return StreamingResponse(
        sse(job, after),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
