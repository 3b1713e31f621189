"""The MCP adapter: tools, resources and prompts over :class:`~musigen_agent.services.Services`.

``build_server(services)`` makes the server; ``run_stdio`` / ``run_http`` serve it;
``streamable_http_app`` gives the ASGI app a host (the HTTP adapter) mounts.
"""

from .server import build_server
from .transports import run_http, run_stdio, streamable_http_app

__all__ = ["build_server", "run_http", "run_stdio", "streamable_http_app"]
