"""Where the HTTP surface runs services calls: worker threads off the event loop.

The registry serialises its own use, so every thread shares one Services.  Quick
calls and synchronous work run on one pool; background jobs on another, so a queue
of long renders never stalls a GET.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from ..services import Services

T = TypeVar("T")


class Studio:
    """Runs ``fn(services)`` on worker threads and hands back the result."""

    def __init__(self, services: Services, workers: int, job_workers: int) -> None:
        if not services.shareable:
            raise ValueError("The HTTP server needs a registry file (an in-memory registry is one per connection).")
        self.base = services
        self._calls = ThreadPoolExecutor(workers, thread_name_prefix="musigen-http")
        self._jobs = ThreadPoolExecutor(job_workers, thread_name_prefix="musigen-job")

    def submit(self, fn: Callable[[Services], T], *, job: bool = False) -> Future[T]:
        """Start ``fn`` on the call pool (or the job pool) and return its future."""
        pool = self._jobs if job else self._calls
        return pool.submit(lambda: fn(self.base))

    async def call(self, fn: Callable[[Services], T]) -> T:
        """Run ``fn`` on the call pool without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(fn))

    def close(self) -> None:
        """Stop taking work; running calls finish on their own."""
        self._calls.shutdown(wait=False, cancel_futures=True)
        self._jobs.shutdown(wait=False, cancel_futures=True)


def public_files(view: dict[str, Any]) -> dict[str, Any]:
    """A services view with server paths replaced by download URLs (clients never see the disk layout)."""
    track_id = view.get("track_id")
    out = dict(view)
    if "files" in view:
        out["files"] = [
            {
                "format": f["format"],
                "name": Path(f["path"]).name,
                "bytes": f["bytes"],
                "url": f"/v1/files/{track_id}/{Path(f['path']).name}",
            }
            for f in view["files"]
        ]
    return out
