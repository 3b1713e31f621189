"""Errors every surface can turn into a message a person or an LLM can act on.

One exception type carries the field at fault, what was given, and what is allowed
(plus the closest known names for a misspelling).  Adapters map it to an MCP
``isError`` result, an RFC 9457 problem document, or a one-line CLI message; none of
them needs to know which module raised it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class MusigenError(Exception):
    """A user-facing error: bad input, unknown names, missing tracks.

    ``status`` follows HTTP semantics so the HTTP adapter can use it directly
    (400 bad input, 404 not found, 409 conflict, 422 unprocessable).
    """

    status = 400
    kind = "bad-request"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        allowed: Any = None,
        suggestions: Iterable[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.allowed = allowed
        self.suggestions = list(suggestions)

    def to_dict(self) -> dict[str, Any]:
        """The error as plain JSON-able data (used by every adapter)."""
        data: dict[str, Any] = {"error": self.kind, "message": self.message}
        if self.field is not None:
            data["field"] = self.field
        if self.allowed is not None:
            data["allowed"] = self.allowed
        if self.suggestions:
            data["suggestions"] = self.suggestions
        return data


class InvalidInput(MusigenError):
    """A value is out of range or malformed."""

    status = 422
    kind = "invalid-input"


class UnknownName(MusigenError):
    """A name (instrument, genre, mood, model, section...) that the catalogue lacks."""

    status = 422
    kind = "unknown-name"


class NotFound(MusigenError):
    """A track, version or file that does not exist."""

    status = 404
    kind = "not-found"


class PluginError(MusigenError):
    """A plugin misbehaved (raised in a hook, returned bad data)."""

    status = 500
    kind = "plugin-error"


def closest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """Closest known names to ``name``; used to suggest fixes for typos."""
    return difflib.get_close_matches(name.lower(), list(known), n=n, cutoff=0.5)


def unknown(kind: str, name: str, known: Iterable[str], *, field: str | None = None) -> UnknownName:
    """Build the standard 'unknown X' error with suggestions and the allowed list."""
    known = sorted(known)
    near = closest(name, known)
    hint = f" Did you mean {', '.join(repr(n) for n in near)}?" if near else ""
    shown = ", ".join(known[:40]) + (", ..." if len(known) > 40 else "")
    return UnknownName(
        f"Unknown {kind} {name!r}.{hint} Known {kind}s: {shown}.",
        field=field or kind,
        allowed=known,
        suggestions=near,
    )
