"""Server limits: per-key rate, body size, concurrent renders, track length and work time.

Every limit answers with a problem document that names the limit and what to do
(429 with Retry-After, 413, 422, 504), so a client can back off or change the request
instead of guessing.  All state is in memory and per process.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import MusigenError
from ..services import Progress, Services
from ..spec import TrackSpec
from .problems import HttpProblem, problem_response


@dataclass(frozen=True)
class Limits:
    """Tunable limits of one server (defaults suit a small shared box)."""

    #: Sustained requests per second per key (token-bucket refill rate).
    rate_per_second: float = 10.0
    #: Requests a key may send at once before the rate applies (bucket size).
    burst: int = 40
    #: Largest request body accepted.
    max_body_bytes: int = 256 * 1024
    #: Composes-with-formats and renders one key may have running at once.
    max_renders_per_key: int = 2
    #: Longest piece, in seconds of music, this server composes or renders.
    max_track_seconds: float = 600.0
    #: Longest a compose or render may work before it is abandoned with 504.
    max_work_seconds: float = 120.0
    #: In ``mode=auto``, pieces up to this long are rendered while the request waits; longer ones become jobs.
    sync_render_seconds: float = 60.0
    #: Threads running quick calls and synchronous work.
    workers: int = 4
    #: Threads running background jobs.
    job_workers: int = 2
    #: Jobs queued or running at once before new ones get 503.
    max_jobs: int = 16
    #: Finished jobs kept for polling (oldest forgotten first).
    keep_jobs: int = 256


class RateLimiter:
    """A token bucket per key: ``burst`` requests at once, refilled at ``rate`` per second."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self._clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Take one token for ``key`` or raise 429 saying when the next one is due."""
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return
            self._buckets[key] = (tokens, now)
            if len(self._buckets) > 10_000:  # forget idle, full buckets so memory stays bounded
                self._buckets = {k: v for k, v in self._buckets.items() if v[0] + (now - v[1]) * self.rate < self.burst}
        wait = max(1, math.ceil((1.0 - tokens) / self.rate))
        raise HttpProblem(
            429,
            "rate-limited",
            f"Rate limit of {self.rate:g} requests/s (burst {self.burst}) reached for this key; retry in {wait} s.",
            headers={"Retry-After": str(wait)},
        )


class RenderSlots:
    """Counts the renders each key has running; a key past its limit gets 429."""

    def __init__(self, per_key: int) -> None:
        self.per_key = per_key
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, key: str) -> None:
        with self._lock:
            n = self._running.get(key, 0)
            if n >= self.per_key:
                raise HttpProblem(
                    429,
                    "too-many-renders",
                    f"This key already has {n} renders running (limit {self.per_key}); "
                    "wait for one to finish (poll its job) and retry.",
                    headers={"Retry-After": "5"},
                )
            self._running[key] = n + 1

    def release(self, key: str) -> None:
        with self._lock:
            n = self._running.get(key, 1) - 1
            if n:
                self._running[key] = n
            else:
                self._running.pop(key, None)

    def running(self) -> int:
        with self._lock:
            return sum(self._running.values())


class WorkTimeout(MusigenError):
    """A compose or render ran past the server's work-time limit (nothing was stored)."""

    status = 504
    kind = "render-timeout"


def with_deadline(progress: Progress, seconds: float, clock: Callable[[], float] = time.monotonic) -> Progress:
    """Wrap a progress sink so that work past ``seconds`` stops at its next checkpoint.

    The services report progress before they write the registry and files, and only
    report 1.0 after; raising at a checkpoint below 1.0 therefore abandons the work
    with nothing stored, which a thread (unlike a process) cannot otherwise be made to do.
    """
    deadline = clock() + seconds

    def report(fraction: float, message: str) -> None:
        if fraction < 1.0 and clock() > deadline:
            raise WorkTimeout(
                f"Stopped after {seconds:g} s (this server's work-time limit) at: {message}. "
                "Ask for a shorter piece or fewer formats.",
                field="formats",
            )
        progress(fraction, message)

    return report


def planned_seconds(services: Services, description: str, overrides: dict[str, Any] | None) -> float:
    """How long the piece a compose request asks for would last, without composing it.

    Reads the words the same way compose does (cheap), so a too-long request is refused
    before any work or storage.
    """
    return TrackSpec.model_validate(services.read_description(description, overrides)["spec"]).seconds


def check_length(seconds: float, limits: Limits) -> None:
    """Refuse pieces longer than the server composes or renders (422 naming the limit)."""
    if seconds > limits.max_track_seconds:
        raise HttpProblem(
            422,
            "track-too-long",
            f"The piece would last {seconds:.0f} s; this server composes and renders at most "
            f"{limits.max_track_seconds:g} s. Ask for a shorter length or fewer sections.",
            field="length",
            allowed={"max_seconds": limits.max_track_seconds},
        )


class _BodyTooLarge(HTTPException):
    """Raised from ``receive`` once a streamed body passes the limit.

    An HTTPException, because FastAPI turns any other error while reading a body into a 400.
    """


class BodyLimit:
    """ASGI middleware refusing request bodies over ``max_bytes`` with 413, declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _BodyTooLarge(413, self._detail())
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    def _detail(self) -> str:
        return f"Request bodies are limited to {self.max_bytes} bytes on this server."

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            None,
            413,
            "payload-too-large",
            self._detail(),
            instance=scope.get("path"),
            allowed={"max_bytes": self.max_bytes},
        )
        await response(scope, receive, send)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1").strip()
    return None
