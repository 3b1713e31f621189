"""The HTTP surface: FastAPI routes over :mod:`musigen_agent.services`, with keys, limits and the MCP mount."""

from .app import create_app, mount_mcp, serve

__all__ = ["create_app", "mount_mcp", "serve"]
