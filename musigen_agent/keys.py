"""API keys: create, list, revoke and verify bearer tokens, stored only as SHA-256 hashes.

A token is 32 random bytes (``msk_`` + URL-safe base64), so a plain SHA-256 is enough:
nobody can guess a preimage, and a stolen database holds no usable key.  The table
lives in registry.sqlite next to the tracks (migration ``m002_api_keys``).

The module-level functions take a sqlite-utils ``Database`` (the registry wraps them
under its lock for ``services.create_key`` and friends, which ``musigen keys ...`` calls);
:class:`KeyStore` wraps them with its own connection and a lock for the server
(``services.key_store()``), whose event loop checks a key on every request and must not
queue behind the registry's writes.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from . import migrations
from .errors import InvalidInput, NotFound
from .sqlite_db import ImmediateWrites

TABLE = "api_keys"
TOKEN_PREFIX = "msk_"
#: Scopes, weakest first; each one grants the ones before it (admin > compose > read).
SCOPES = ("read", "compose", "admin")
#: Columns shown by :func:`list_keys` (never the hash).
PUBLIC_COLUMNS = "id, name, prefix, scopes, created, revoked"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def grants(scopes: frozenset[str] | set[str] | list[str], needed: str) -> bool:
    """Whether a key holding ``scopes`` may do what ``needed`` allows (higher scopes include lower ones)."""
    rank = SCOPES.index(needed)
    return any(s in SCOPES and SCOPES.index(s) >= rank for s in scopes)


def create_key(db: Database, name: str, scopes: list[str] | tuple[str, ...] = ("read",)) -> tuple[str, dict[str, Any]]:
    """Make a key; return ``(token, record)``.  The token is shown once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("A key needs a name of 1 to 100 characters (who or what uses it).", field="name")
    wanted = sorted({s.strip().lower() for s in scopes}, key=lambda s: SCOPES.index(s) if s in SCOPES else -1)
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown or not wanted:
        raise InvalidInput(
            f"Unknown scope(s) {', '.join(map(repr, unknown)) or '(none given)'}; use read, compose or admin.",
            field="scopes",
            allowed=list(SCOPES),
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    record = {
        "id": "k" + secrets.token_hex(6),
        "name": name,
        "prefix": token[:12],
        "token_sha256": hash_token(token),
        "scopes": json.dumps(wanted),
        "created": _now(),
        "revoked": None,
    }
    db[TABLE].insert(record)
    return token, _public(record)


def list_keys(db: Database) -> list[dict[str, Any]]:
    """Every key, revoked ones included, without hashes."""
    return [_public(r) for r in db[TABLE].rows_where(select=PUBLIC_COLUMNS, order_by="created, id")]


def revoke_key(db: Database, key_id: str) -> dict[str, Any]:
    """Revoke a key by id (or by its name when unique); revoking twice keeps the first time."""
    rows = list(db[TABLE].rows_where("id = ? OR name = ?", [key_id, key_id], select=PUBLIC_COLUMNS))
    if len(rows) != 1:
        known = [r["id"] for r in list_keys(db)]
        problem = "matches several keys; use its id" if rows else "is not a key id or name"
        raise NotFound(f"{key_id!r} {problem}.", field="key_id", allowed=known)
    row = rows[0]
    if not row["revoked"]:
        row["revoked"] = _now()
        db[TABLE].update(row["id"], {"revoked": row["revoked"]})
    return _public(row)


def find_key(db: Database, token: str) -> dict[str, Any] | None:
    """The record of an active key for this token, or None (unknown or revoked)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    rows = list(
        db[TABLE].rows_where("token_sha256 = ? AND revoked IS NULL", [hash_token(token)], select=PUBLIC_COLUMNS)
    )
    return _public(rows[0]) if rows else None


def _public(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: row[k] for k in ("id", "name", "prefix", "scopes", "created", "revoked")}
    if isinstance(out["scopes"], str):
        out["scopes"] = json.loads(out["scopes"])
    return out


class KeyStore:
    """The server's handle on the key table: its own connection, usable from any thread, one call at a time."""

    def __init__(self, db_path: str | Path) -> None:
        self._db = ImmediateWrites(sqlite3.connect(str(db_path), check_same_thread=False, timeout=10))
        self._lock = threading.Lock()
        with self._lock:
            migrations.apply(self._db)

    def create(self, name: str, scopes: list[str]) -> tuple[str, dict[str, Any]]:
        with self._lock:
            return create_key(self._db, name, scopes)

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return list_keys(self._db)

    def revoke(self, key_id: str) -> dict[str, Any]:
        with self._lock:
            return revoke_key(self._db, key_id)

    def find(self, token: str) -> dict[str, Any] | None:
        with self._lock:
            return find_key(self._db, token)

    def close(self) -> None:
        with self._lock:
            self._db.conn.close()
