"""Schema of registry.sqlite, as an ordered list of sqlite-utils migrations.

Add a new function at the end to change the schema; never edit an applied one.
``Migrations.apply`` records what ran in ``_sqlite_migrations`` and runs each
migration in its own transaction.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("musigen_agent")


@migrations()
def m001_initial(db: Database) -> None:
    db["plugins"].create(
        {
            "name": str,
            "package": str,
            "version": str,
            "source": str,
            "hooks": str,
            "provides": str,
            "status": str,
            "error": str,
            "load_ms": float,
            "updated": str,
        },
        pk="name",
    )
    db["tracks"].create({"id": str, "title": str, "created": str, "updated": str, "head": int}, pk="id")
    db["versions"].create(
        {
            "track_id": str,
            "number": int,
            "parent": int,
            "spec": str,
            "arrangement": str,
            "mix": str,
            "ops": str,
            "instruction": str,
            "midi_sha256": str,
            "created": str,
        },
        pk=("track_id", "number"),
        foreign_keys=[("track_id", "tracks", "id")],
    )
    db["renders"].create(
        {
            "id": int,
            "track_id": str,
            "version": int,
            "format": str,
            "path": str,
            "sha256": str,
            "bytes": int,
            "seconds": float,
            "created": str,
        },
        pk="id",
        foreign_keys=[("track_id", "tracks", "id")],
    )
    db["renders"].create_index(["track_id", "version"])


@migrations()
def m002_api_keys(db: Database) -> None:
    """API keys for the HTTP surface: only SHA-256 hashes of tokens are stored."""
    db["api_keys"].create(
        {"id": str, "name": str, "prefix": str, "token_sha256": str, "scopes": str, "created": str, "revoked": str},
        pk="id",
        not_null={"name", "token_sha256", "scopes", "created"},
        if_not_exists=True,
    )
    db["api_keys"].create_index(["token_sha256"], unique=True, if_not_exists=True)


def apply(db: Database) -> None:
    """Bring ``db`` up to the current schema (idempotent)."""
    migrations.apply(db)
