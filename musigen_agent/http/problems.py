"""RFC 9457 problem documents for every error the HTTP surface can return.

Core errors (:class:`~musigen_agent.errors.MusigenError`) already carry an HTTP status,
the field at fault, what is allowed and suggestions; the HTTP layer's own refusals
(auth, limits) are subclasses of it, so one handler renders them all.  Validation
errors name every bad field; anything unexpected becomes a 500 problem without a
traceback (the traceback goes to the log).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..errors import MusigenError

log = logging.getLogger("musigen_agent.http")

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "/problems/"

TITLES = {
    "bad-request": "Bad request",
    "invalid-input": "Invalid input",
    "unknown-name": "Unknown name",
    "not-found": "Not found",
    "plugin-error": "A plugin failed",
    "validation-error": "Request validation failed",
    "unauthorized": "Missing or invalid API key",
    "forbidden": "The API key lacks a scope",
    "rate-limited": "Too many requests",
    "too-many-renders": "Too many renders in progress",
    "payload-too-large": "Request body too large",
    "track-too-long": "Track too long for this server",
    "render-timeout": "Render took too long",
    "server-busy": "Server busy",
    "not-ready": "Not ready",
    "untrusted-host": "Untrusted Host header",
    "method-not-allowed": "Method not allowed",
    "internal-error": "Internal server error",
}


class FieldError(BaseModel):
    """One invalid field of a request."""

    field: str = Field(description="Dotted path of the field, e.g. `overrides.tempo` or `ops.0.set_tempo.bpm`.")
    location: str = Field(description="Where the field was sent: body, query, path or header.")
    message: str
    type: str = Field(description="Machine-readable error type (pydantic's).")


class Problem(BaseModel):
    """An RFC 9457 problem document, plus the fields a client (or an LLM) needs to fix the request."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI reference naming the kind of problem, e.g. `/problems/unknown-name`.")
    title: str
    status: int
    detail: str = Field(description="What went wrong and what to do instead.")
    instance: str | None = Field(default=None, description="The request path.")
    field: str | None = Field(default=None, description="The request field at fault, when there is one.")
    allowed: Any = Field(default=None, description="Allowed values or range for that field.")
    suggestions: list[str] | None = Field(default=None, description="Closest known names for a misspelling.")
    errors: list[FieldError] | None = Field(default=None, description="Every invalid field (validation errors).")


class HttpProblem(MusigenError):
    """A refusal by the HTTP layer itself (auth, limits), with optional response headers."""

    def __init__(self, status: int, kind: str, message: str, *, headers: dict[str, str] | None = None, **kw: Any):
        super().__init__(message, **kw)
        self.status = status
        self.kind = kind
        self.headers = headers or {}


def problem_response(
    request: Request | None,
    status: int,
    kind: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Build an ``application/problem+json`` response (None-valued extras are left out)."""
    body: dict[str, Any] = {
        "type": TYPE_BASE + kind,
        "title": TITLES.get(kind, kind.replace("-", " ").capitalize()),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update({k: v for k, v in extra.items() if v is not None and v != []})
    return JSONResponse(body, status_code=status, headers=headers, media_type=MEDIA_TYPE)


def problem_body(exc: MusigenError, instance: str | None = None) -> dict[str, Any]:
    """The problem document of an error, as data (job results and SSE error events carry it)."""
    body = {
        "type": TYPE_BASE + exc.kind,
        "title": TITLES.get(exc.kind, exc.kind),
        "status": exc.status,
        "detail": exc.message,
        "instance": instance,
        "field": exc.field,
        "allowed": exc.allowed,
        "suggestions": exc.suggestions or None,
    }
    return {k: v for k, v in body.items() if v is not None}


def _field_errors(exc: RequestValidationError) -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        where = loc[0] if loc else "body"
        out.append(
            {
                "field": ".".join(loc[1:]) or where,
                "location": where,
                "message": err.get("msg", "invalid"),
                "type": err.get("type", "value_error"),
            }
        )
    return out


def install(app: FastAPI, count_error: Callable[[str], None]) -> None:
    """Register the handlers that turn every error into a problem document."""

    async def on_musigen(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, MusigenError)
        count_error(exc.kind)
        if exc.status >= 500:
            log.error("%s on %s: %s", exc.kind, request.url.path, exc.message)
        return problem_response(
            request,
            exc.status,
            exc.kind,
            exc.message,
            headers=getattr(exc, "headers", None),
            field=exc.field,
            allowed=exc.allowed,
            suggestions=exc.suggestions,
        )

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        count_error("validation-error")
        errors = _field_errors(exc)
        shown = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        return problem_response(
            request,
            422,
            "validation-error",
            f"{len(errors)} invalid field(s): {shown}{more}.",
            field=errors[0]["field"] if errors else None,
            errors=errors,
        )

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        kind = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}.get(
            exc.status_code, "bad-request"
        )
        count_error(kind)
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404:
            detail = f"No route {request.method} {request.url.path}; see /docs for the API."
        return problem_response(request, exc.status_code, kind, detail, headers=exc.headers)

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        count_error("internal-error")
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem_response(request, 500, "internal-error", "The server hit an unexpected error; it was logged.")

    app.add_exception_handler(MusigenError, on_musigen)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_crash)


def _content(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


#: OpenAPI responses every authenticated /v1 route can give.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _content("Missing, unknown or revoked API key."),
    403: _content("The key lacks the scope this route needs."),
    404: _content("No such track, version, job or file."),
    413: _content("Request body over the size limit."),
    422: _content("Invalid input: every bad field is named, with allowed values and suggestions."),
    429: _content("Rate limit or concurrent-render limit reached; see Retry-After."),
    "default": _content("Any other error, as a problem document."),
}


def responses(*extra: int, common: bool = True) -> dict[int | str, dict[str, Any]]:
    """Problem-document responses for OpenAPI: the common ones (unless ``common=False``) plus ``extra`` statuses."""
    more = {
        500: "A plugin or the server failed.",
        503: "Not ready, or the job queue is full (see Retry-After).",
        504: "The work took longer than this server allows.",
    }
    return {**(COMMON_RESPONSES if common else {}), **{s: _content(more[s]) for s in extra}}
