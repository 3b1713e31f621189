"""registry.sqlite: plugins, tracks, versions and renders, through sqlite-utils.

Only :mod:`musigen_agent.services` talks to this module.  Every write that touches
more than one row runs in one transaction (``db.atomic()``), so a failure leaves
the previous state intact.  Versions are append-only: nothing is overwritten.
"""

from __future__ import annotations

import functools
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from . import keys, migrations
from .errors import NotFound
from .sqlite_db import ImmediateWrites

F = TypeVar("F", bound=Callable[..., Any])


def locked(method: F) -> F:
    """Serialise use of the one connection: adapters call services from worker threads."""

    @functools.wraps(method)
    def wrapper(self: Registry, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Registry:
    """A handle on one registry.sqlite file (created and migrated on open)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        # One connection shared by threads (guarded by the lock); WAL and a busy timeout
        # let a CLI, an HTTP server and an MCP server use the same file at once.
        conn = sqlite3.connect(str(path), check_same_thread=False, timeout=30)
        self.db = ImmediateWrites(conn)
        if str(path) != ":memory:":
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never corrupt
        self.db.execute("PRAGMA foreign_keys=ON")
        migrations.apply(self.db)

    # ------------------------------------------------------------ plugins
    @locked
    def record_plugins(self, statuses: Iterable[dict[str, Any]]) -> None:
        """Replace the plugin table with the current load's view."""
        stamp = now()
        rows = [
            {**s, "hooks": json.dumps(s["hooks"]), "provides": json.dumps(s["provides"]), "updated": stamp}
            for s in statuses
        ]
        with self.db.atomic():
            self.db.execute("DELETE FROM plugins")
            self.db["plugins"].insert_all(rows, pk="name", replace=True)

    @locked
    def list_plugins(self) -> list[dict[str, Any]]:
        return [_decode(r, "hooks", "provides") for r in self.db["plugins"].rows_where(order_by="rowid")]

    # ------------------------------------------------------------ tracks and versions
    @locked
    def create_track(self, title: str, version: dict[str, Any]) -> str:
        """Insert a new track with its first version, atomically; return its id."""
        track_id = "t" + secrets.token_hex(5)
        stamp = now()
        with self.db.atomic():
            self.db["tracks"].insert({"id": track_id, "title": title, "created": stamp, "updated": stamp, "head": 1})
            self.db["versions"].insert({**_encode(version), "track_id": track_id, "number": 1, "created": stamp})
        return track_id

    @locked
    def add_version(self, track_id: str, version: dict[str, Any]) -> int:
        """Append a version (never overwrites); return its number."""
        with self.db.atomic():
            track = self.get_track(track_id)
            number = self.db.execute(
                "SELECT COALESCE(MAX(number), 0) + 1 FROM versions WHERE track_id = ?", [track_id]
            ).fetchone()[0]
            stamp = now()
            self.db["versions"].insert({**_encode(version), "track_id": track_id, "number": number, "created": stamp})
            self.db["tracks"].update(
                track["id"], {"head": number, "updated": stamp, "title": version.get("title", track["title"])}
            )
        return number

    @locked
    def get_track(self, track_id: str) -> dict[str, Any]:
        rows = list(self.db["tracks"].rows_where("id = ?", [track_id]))
        if not rows:
            raise NotFound(f"No track {track_id!r}. Use list_tracks to see the ids that exist.", field="track_id")
        return rows[0]

    @locked
    def list_tracks(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        return list(self.db["tracks"].rows_where(order_by="updated desc, id", limit=limit, offset=offset))

    @locked
    def get_version(self, track_id: str, number: int | None = None) -> dict[str, Any]:
        track = self.get_track(track_id)
        number = track["head"] if number is None else number
        rows = list(self.db["versions"].rows_where("track_id = ? AND number = ?", [track_id, number]))
        if not rows:
            raise NotFound(
                f"Track {track_id!r} has no version {number}; versions run from 1 to {self.count_versions(track_id)}.",
                field="version",
                allowed=[1, self.count_versions(track_id)],
            )
        return _decode(rows[0], "spec", "arrangement", "mix", "ops")

    @locked
    def count_versions(self, track_id: str) -> int:
        return self.db["versions"].count_where("track_id = ?", [track_id])

    @locked
    def list_versions(self, track_id: str) -> list[dict[str, Any]]:
        self.get_track(track_id)
        rows = self.db["versions"].rows_where(
            "track_id = ?",
            [track_id],
            order_by="number",
            select="track_id, number, parent, ops, instruction, midi_sha256, created",
        )
        return [_decode(r, "ops") for r in rows]

    # ------------------------------------------------------------ renders
    @locked
    def add_render(self, row: dict[str, Any]) -> None:
        self.db["renders"].insert({**row, "created": now()})

    @locked
    def list_renders(self, track_id: str, version: int | None = None) -> list[dict[str, Any]]:
        where, args = "track_id = ?", [track_id]
        if version is not None:
            where, args = where + " AND version = ?", [*args, version]
        return list(self.db["renders"].rows_where(where, args, order_by="id"))

    # ------------------------------------------------------------ API keys
    @locked
    def create_key(self, name: str, scopes: list[str]) -> tuple[str, dict[str, Any]]:
        return keys.create_key(self.db, name, scopes)

    @locked
    def list_keys(self) -> list[dict[str, Any]]:
        return keys.list_keys(self.db)

    @locked
    def revoke_key(self, key_id: str) -> dict[str, Any]:
        return keys.revoke_key(self.db, key_id)

    @locked
    def counts(self) -> dict[str, int]:
        """Row counts per table (used by tests to prove a failed call wrote nothing)."""
        return {t: self.db[t].count for t in ("tracks", "versions", "renders")}


JSON_FIELDS = ("spec", "arrangement", "mix", "ops")


def _encode(version: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in version.items() if k != "title"}
    for k in JSON_FIELDS:
        if k in out and not isinstance(out[k], str):
            out[k] = json.dumps(out[k], separators=(",", ":"))
    return out


def _decode(row: dict[str, Any], *fields: str) -> dict[str, Any]:
    row = dict(row)
    for k in fields:
        if isinstance(row.get(k), str):
            row[k] = json.loads(row[k])
    return row
