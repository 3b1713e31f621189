"""The HTTP app: :func:`create_app` builds it around one :class:`~musigen_agent.services.Services`.

No module-level state: everything an app owns (worker threads, keys, limits, jobs,
metrics) hangs off ``app.state.musigen``, so tests and benchmarks can run several
apps side by side.  :func:`serve` is what ``musigen serve`` calls; it decides whether
API keys are required from the address the server binds.
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import uvicorn
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from mcp.server.transport_security import TransportSecuritySettings
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..services import Services
from .auth import ScopeGuard
from .context import AppState
from .jobs import JobRunner
from .limits import BodyLimit, Limits, RateLimiter, RenderSlots
from .metrics import Metrics, MetricsMiddleware
from .problems import FieldError, Problem, install, problem_response
from .routers import catalog, files, health, jobs, keys, renders, tracks, web
from .studio import Studio

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

log = logging.getLogger("musigen_agent.http")

#: Host names a loopback-only server answers to (anything else may be a DNS-rebinding page).
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})

DESCRIPTION = """\
Describe a track in words, refine it, render MIDI and audio, download the files.

**Loop**: `POST /v1/tracks` (compose) → `POST /v1/tracks/{id}/refine` → `POST /v1/tracks/{id}/render`
→ `GET /v1/files/{id}/{name}`.  Long renders answer `202` with a job: poll `GET /v1/jobs/{job_id}` or follow
`GET /v1/jobs/{job_id}/events` (Server-Sent Events); `?stream=true` streams compose/render progress directly.

**Auth**: `Authorization: Bearer <key>` with scope `read`, `compose` or `admin` (each includes the lower ones).
A server bound to loopback only may run open (no keys).

**Errors** are RFC 9457 `application/problem+json` documents with `field`, `allowed` and `suggestions`;
limits answer 413, 422, 429 (with `Retry-After`) or 504.  The MCP endpoint is mounted at `/mcp`.
"""


def create_app(
    services: Services,
    require_keys: bool = False,
    *,
    limits: Limits | None = None,
    mcp_server: MCPServer | None = None,
    host: str = "127.0.0.1",
) -> FastAPI:
    """Build the app.  ``require_keys=False`` is the loopback dev mode: open, but only to loopback Host names.

    ``mcp_server`` is mounted at ``/mcp``; by default the project's own server from
    ``musigen_agent.mcp_server.build_server`` when that module exists.  ``host`` is the
    address the server binds (it sets the MCP transport's DNS-rebinding protection).
    """
    limits = limits or Limits()
    state = AppState(
        studio=Studio(services, limits.workers, limits.job_workers),
        keys=services.key_store(),
        require_keys=require_keys,
        limits=limits,
        rate=RateLimiter(limits.rate_per_second, limits.burst),
        render_slots=RenderSlots(limits.max_renders_per_key),
        jobs=JobRunner(lambda run: state.studio.submit(run, job=True), limits.max_jobs, limits.keep_jobs),
        metrics=Metrics(),
    )
    state.metrics.gauges.update(
        musigen_jobs_active=lambda: state.jobs.active(), musigen_renders_running=lambda: state.render_slots.running()
    )
    lifespans: list[Any] = []

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            for enter in lifespans:
                await stack.enter_async_context(enter())
            try:
                yield
            finally:
                state.studio.close()
                state.keys.close()

    app = FastAPI(
        title="musigen-agent",
        version=_version(),
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=lambda route: route.name,  # operation ids: compose, list_tracks, ...
        openapi_tags=[
            {"name": "tracks", "description": "Compose, read, refine, revert and diff tracks."},
            {"name": "renders", "description": "Render versions to files (sync, job or stream)."},
            {"name": "jobs", "description": "Long work: poll or follow as Server-Sent Events."},
            {"name": "files", "description": "Download rendered files (Range supported)."},
            {"name": "catalog", "description": "Instruments, genres, moods, models, formats, plugins."},
            {"name": "keys", "description": "API keys (admin scope)."},
            {"name": "health", "description": "Liveness, readiness, metrics."},
        ],
    )
    app.state.musigen = state
    app.state.lifespans = lifespans
    install(app, state.metrics.count_error)
    for module in (tracks, renders, jobs, files, catalog, keys, health, web):  # web last: it serves /
        app.include_router(module.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]

    server = mcp_server if mcp_server is not None else _project_mcp_server(services)
    if server is not None:
        mount_mcp(app, server, host=host)

    # Outermost first on the way in: metrics see every answer, then the Host check, then the body limit.
    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    if not require_keys:
        app.add_middleware(LoopbackHostGuard)
    app.add_middleware(MetricsMiddleware, metrics=state.metrics)
    return app


def mount_mcp(app: FastAPI, server: MCPServer, *, host: str = "127.0.0.1") -> None:
    """Serve ``server`` over streamable HTTP at ``/mcp``, behind the same keys (scope compose) and limits.

    The MCP session manager must run for the app's whole life, so its ``run()`` joins
    the app's lifespan (it can run once: one app per MCP server instance).
    """
    security = None
    if is_loopback(host):  # the SDK's own loopback defaults miss Host names without a port (port 80)
        names = ["127.0.0.1", "localhost", "[::1]"]
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=[*names, *(f"{n}:*" for n in names)],
            allowed_origins=[*(f"http://{n}" for n in names), *(f"http://{n}:*" for n in names)],
        )
    mcp_app = server.streamable_http_app(streamable_http_path="/mcp", host=host, transport_security=security)
    state: AppState = app.state.musigen
    app.router.routes.append(Route("/mcp", ScopeGuard(mcp_app, state, "compose"), include_in_schema=False))
    app.state.lifespans.append(server.session_manager.run)


def _project_mcp_server(services: Services) -> MCPServer | None:
    """The project's MCP server, when ``musigen_agent.mcp_server`` exists (it is optional for the HTTP app)."""
    if importlib.util.find_spec("musigen_agent.mcp_server") is None:
        log.info("musigen_agent.mcp_server not found: /mcp is not mounted")
        return None
    from ..mcp_server import build_server  # type: ignore[import-not-found]

    return build_server(services)


class LoopbackHostGuard:
    """In open mode, answer only requests addressed to a loopback host name.

    A web page can point its own domain at 127.0.0.1 (DNS rebinding) and then talk to
    an open local server from the browser; such requests carry that domain in Host.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = dict(scope.get("headers", ())).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.lower() not in LOOPBACK_HOSTS:
                response = problem_response(
                    None,
                    400,
                    "untrusted-host",
                    f"This server runs without API keys and only answers to loopback host names, not {host!r}.",
                    instance=scope.get("path"),
                    allowed=sorted(LOOPBACK_HOSTS),
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    services: Services,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    require_keys: bool | None = None,
    limits: Limits | None = None,
    log_level: str = "info",
) -> None:
    """Run the server until interrupted (``musigen serve``).

    Keys are required whenever ``host`` is not loopback; on loopback the server runs
    open unless ``require_keys=True``, and says so at start-up.
    """
    loopback = is_loopback(host)
    if require_keys is None:
        require_keys = not loopback
    if not require_keys and not loopback:
        raise ValueError(f"API keys are required when binding {host!r}; only a loopback address may run open.")
    app = create_app(services, require_keys, limits=limits, host=host)
    if require_keys:
        if not any(k["revoked"] is None for k in app.state.musigen.keys.list()):
            log.warning("API keys are required but none exists yet: create one with `musigen keys create NAME`.")
        log.warning("musigen HTTP API on http://%s:%s - API keys required", host, port)
    else:
        log.warning("musigen HTTP API on http://%s:%s - OPEN dev mode: no API keys, loopback only", host, port)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


@contextlib.contextmanager
def running(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a background thread; yield its base URL, stop it on exit.

    For tests, benchmarks and notebooks that need a real socket (``port=0`` picks a free one).
    """
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="musigen-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on {host}:{port}")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema plus the problem-document schemas the error responses refer to."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["FieldError"] = FieldError.model_json_schema()
        components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components["Problem"].pop("$defs", None)
        app.openapi_schema = schema
    return app.openapi_schema


def _version() -> str:
    from .. import __version__

    return __version__
