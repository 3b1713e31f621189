"""Where the HTTP surface runs services calls: worker threads, each with its own registry connection.

A sqlite connection may only be used by the thread that opened it, and two threads
sharing one would interleave each other's transactions.  So each worker thread opens
its own :class:`~musigen_agent.registry.Registry` on the same file (WAL mode lets
readers and one writer work at once) and shares the loaded plugins.  Quick calls and
synchronous work run on one pool; background jobs on another, so a queue of long
renders never stalls a GET.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from ..errors import NotFound
from ..registry import Registry
from ..services import Services

T = TypeVar("T")


class Studio:
    """Runs ``fn(services)`` on worker threads and hands back the result."""

    def __init__(self, services: Services, workers: int, job_workers: int) -> None:
        if str(services.registry.path) == ":memory:":
            raise ValueError("The HTTP server needs a registry file (an in-memory registry is one per connection).")
        self.base = services
        self._local = threading.local()
        self._calls = ThreadPoolExecutor(workers, thread_name_prefix="musigen-http")
        self._jobs = ThreadPoolExecutor(job_workers, thread_name_prefix="musigen-job")

    def services(self) -> Services:
        """This thread's services: the shared settings and plugins with a registry connection of its own."""
        mine = getattr(self._local, "services", None)
        if mine is None:
            registry = Registry(self.base.registry.path)
            registry.db = _ImmediateWrites(registry.db.conn)
            mine = dataclasses.replace(self.base, registry=registry)
            self._local.services = mine
        return mine

    def submit(self, fn: Callable[[Services], T], *, job: bool = False) -> Future[T]:
        """Start ``fn`` on the call pool (or the job pool) and return its future."""
        pool = self._jobs if job else self._calls
        return pool.submit(lambda: fn(self.services()))

    async def call(self, fn: Callable[[Services], T]) -> T:
        """Run ``fn`` on the call pool without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(fn))

    def close(self) -> None:
        """Stop taking work; running calls finish on their own."""
        self._calls.shutdown(wait=False, cancel_futures=True)
        self._jobs.shutdown(wait=False, cancel_futures=True)


class _ImmediateWrites(Database):
    """A Database whose write transactions start with ``BEGIN IMMEDIATE``.

    WORKAROUND until the registry does this itself.  With a plain ``BEGIN``, sqlite-utils
    reads table metadata inside the transaction before writing; when another connection
    commits meanwhile, the upgrade to a write lock fails at once with "database is
    locked" (SQLite cannot wait there without breaking isolation).  ``BEGIN IMMEDIATE``
    takes the write lock first, so concurrent writers queue on the busy timeout instead.
    """

    @contextlib.contextmanager
    def atomic(self) -> Iterator[Database]:  # type: ignore[override]
        if self.conn.in_transaction:  # nested: sqlite-utils' savepoints
            with super().atomic():
                yield self
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
            self.conn.execute("COMMIT")
        except BaseException:
            self.conn.rollback()
            raise


def find_render(services: Services, track_id: str, name: str) -> Path:
    """The file of a render of ``track_id`` called ``name`` (the latest if rendered twice).

    Only files the registry recorded for that track are served, so a name can never
    reach outside the renders (``..`` or absolute paths match nothing).
    """
    for row in reversed(services.registry.list_renders(track_id)):
        path = Path(row["path"])
        if path.name == name and path.is_file():
            return path
    services.registry.get_track(track_id)  # a NotFound naming the track when it does not exist
    raise NotFound(
        f"Track {track_id!r} has no rendered file {name!r}; GET /v1/tracks/{track_id} lists its files, "
        f"POST /v1/tracks/{track_id}/render makes more.",
        field="name",
    )


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
