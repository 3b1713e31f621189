"""SQLite write transactions that queue instead of failing when several connections write at once."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from sqlite_utils import Database


class ImmediateWrites(Database):
    """A Database whose write transactions start with ``BEGIN IMMEDIATE``.

    With a plain ``BEGIN``, sqlite-utils
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
