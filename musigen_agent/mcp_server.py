"""The MCP server entry point: ``python -m musigen_agent.mcp_server [--http] [--port N] [--db PATH]``.

The server itself lives in :mod:`musigen_agent.mcp`; this module keeps the public
import path (``from musigen_agent.mcp_server import build_server``) and a command for
clients that start servers by module rather than through the ``musigen`` CLI.
"""

from __future__ import annotations

import argparse

from .config import Settings
from .mcp import build_server, run_http, run_stdio, streamable_http_app
from .mcp.transports import DEFAULT_PORT
from .services import open_services

__all__ = ["build_server", "main", "run_http", "run_stdio", "streamable_http_app"]


def main(argv: list[str] | None = None) -> None:
    """Serve the studio at MUSIGEN_DB / --db over stdio (default) or streamable HTTP."""
    parser = argparse.ArgumentParser(prog="python -m musigen_agent.mcp_server", description=__doc__)
    parser.add_argument("--http", action="store_true", help="serve streamable HTTP instead of stdio")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--db", help="registry file (default: MUSIGEN_DB or ~/.musigen/registry.sqlite)")
    args = parser.parse_args(argv)
    services = open_services(Settings.from_env(db=args.db))
    if args.http:
        run_http(services, args.host, args.port)
    else:
        run_stdio(services)


if __name__ == "__main__":
    main()
