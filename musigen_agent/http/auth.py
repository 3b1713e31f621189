"""Who is calling: bearer API keys with scopes, or the open loopback dev mode.

Every /v1 route declares the scope it needs with one of :data:`Reader`,
:data:`Composer` or :data:`Admin`; the dependency authenticates the key (401),
checks its scope (403) and charges its rate bucket (429), in that order.  In open
mode (a server bound to loopback only) every caller is the local user with every
scope, rate-limited per client address.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.types import ASGIApp, Receive, Scope, Send

from ..keys import SCOPES, grants
from .context import AppState, app_state
from .problems import HttpProblem, problem_response

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key from `musigen keys create NAME --scope read|compose|admin`, sent as "
    "`Authorization: Bearer msk_...`. Not needed on a server bound to loopback only (open dev mode).",
)


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the key's id (the rate-limit and job-ownership key), name and scopes."""

    key_id: str
    name: str
    scopes: frozenset[str]

    def can(self, scope: str) -> bool:
        return grants(self.scopes, scope)


def authenticate(state: AppState, token: str | None, client: str) -> Principal:
    """The caller behind ``token``; 401 when keys are required and it is missing, unknown or revoked."""
    if not state.require_keys:
        return Principal(key_id=f"local:{client}", name="local", scopes=frozenset(SCOPES))
    if not token:
        raise _unauthorized("This server requires an API key: send `Authorization: Bearer <key>`.")
    record = state.keys.find(token)
    if record is None:
        raise _unauthorized("The API key is unknown or revoked.")
    return Principal(key_id=record["id"], name=record["name"], scopes=frozenset(record["scopes"]))


def authorize(state: AppState, principal: Principal, scope: str) -> None:
    """403 unless the key holds ``scope``; then charge one request to its rate bucket."""
    if not principal.can(scope):
        raise HttpProblem(
            403,
            "forbidden",
            f"Key {principal.name!r} has scopes {sorted(principal.scopes)}; this needs {scope!r}.",
            field="scope",
            allowed=[s for s in SCOPES if grants({s}, scope)],
        )
    state.rate.check(principal.key_id)


def _unauthorized(detail: str) -> HttpProblem:
    return HttpProblem(401, "unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="musigen"'})


def require(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting callers whose key holds ``scope``."""

    async def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
    ) -> Principal:
        state = app_state(request)
        client = request.client.host if request.client else "unknown"
        principal = authenticate(state, credentials.credentials if credentials else None, client)
        authorize(state, principal, scope)
        return principal

    return dependency


Reader = Annotated[Principal, Depends(require("read"))]
Composer = Annotated[Principal, Depends(require("compose"))]
Admin = Annotated[Principal, Depends(require("admin"))]


class ScopeGuard:
    """ASGI wrapper applying the same key, scope and rate checks to a mounted app (the MCP endpoint)."""

    def __init__(self, app: ASGIApp, state: AppState, scope: str) -> None:
        self.app, self.state, self.scope = app, state, scope

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            auth = dict(scope.get("headers", ())).get(b"authorization", b"").decode("latin-1")
            token = auth[7:].strip() if auth.lower().startswith("bearer ") else None
            client = scope["client"][0] if scope.get("client") else "unknown"
            try:
                authorize(self.state, authenticate(self.state, token, client), self.scope)
            except HttpProblem as exc:
                self.state.metrics.count_error(exc.kind)
                response = problem_response(
                    None, exc.status, exc.kind, exc.message, headers=exc.headers, instance=scope.get("path")
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
