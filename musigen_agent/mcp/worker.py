"""Runs services calls off the event loop and forwards their progress to the client.

Composing and rendering take from milliseconds to seconds of CPU; doing that on the
event loop would stall every other session of the server (and the progress
notifications of the call itself).  So each call runs in a worker thread, bounded by
a capacity limiter (calls queue rather than fail), and the services'
``progress(fraction, message)`` callback is bridged back to the loop with
``anyio.from_thread``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread
from mcp.server.mcpserver import Context

from ..services import Progress, Services

T = TypeVar("T")
logger = logging.getLogger(__name__)

#: Services calls running at once per server; more wait their turn (2 cores: more would only queue on the CPU).
MAX_PARALLEL = 4


class Worker:
    """The one way the MCP adapter calls the services: ``await worker.call(lambda s, progress: ...)``."""

    def __init__(self, services: Services, limit: int = MAX_PARALLEL) -> None:
        self.services = services
        self._limiter = anyio.CapacityLimiter(limit)

    async def call(self, work: Callable[[Services, Progress], T], ctx: Context[Any, Any] | None = None) -> T:
        """Run ``work(services, progress)`` in a worker thread; progress goes to ``ctx`` when given."""

        def progress(fraction: float, message: str) -> None:
            if ctx is None:
                return
            try:
                anyio.from_thread.run(ctx.report_progress, fraction, 1.0, message)
            except Exception:  # progress is best effort: a gone client must not fail the work itself
                logger.debug("progress notification not delivered", exc_info=True)

        return await anyio.to_thread.run_sync(lambda: work(self.services, progress), limiter=self._limiter)
