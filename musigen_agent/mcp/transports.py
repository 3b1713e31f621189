"""Serving the MCP server: stdio for desktop clients, streamable HTTP for everything else."""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette

from ..services import Services
from .server import build_server

DEFAULT_PORT = 8765


def run_stdio(services: Services) -> None:
    """Serve on stdin/stdout until the client closes them (what ``musigen mcp`` runs)."""
    build_server(services).run("stdio")


def run_http(services: Services, host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> None:
    """Serve streamable HTTP at ``http://host:port/mcp`` until interrupted."""
    build_server(services).run("streamable-http", host=host, port=port)


def streamable_http_app(
    server: MCPServer,
    *,
    path: str = "/mcp",
    host: str = "127.0.0.1",
    transport_security: TransportSecuritySettings | None = None,
) -> Starlette:
    """The ASGI app serving ``server`` over streamable HTTP at ``path``, for a host app to mount.

    The app's own lifespan runs the session manager, but a host framework does not run
    the lifespans of mounted apps: the host's lifespan must enter
    ``server.session_manager.run()`` (available once this function was called), e.g.::

        server = build_server(services)
        mcp_app = streamable_http_app(server, path="/", host=public_host)
        app = FastAPI(lifespan=lambda _: server.session_manager.run())
        app.mount("/mcp", mcp_app)

    ``host`` is the name clients use to reach the server: for 127.0.0.1/localhost the
    SDK turns on DNS-rebinding protection (only local Host and Origin headers pass)
    unless ``transport_security`` says otherwise.
    """
    return server.streamable_http_app(streamable_http_path=path, host=host, transport_security=transport_security)
