"""The server as a separate process: over stdio (how desktop clients start it) and streamable HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from mcp import Client, StdioServerParameters

pytestmark = pytest.mark.anyio

DESCRIPTION = "a relaxed jazz tune, 20 seconds"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def server_env(tmp_path: Path) -> dict[str, str]:
    """A private registry for the child, and the same import path as this test run."""
    env = {"MUSIGEN_DB": str(tmp_path / "served.sqlite"), "MUSIGEN_HOME": str(tmp_path / "home")}
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


async def compose_through(client: Client) -> None:
    names = {t.name for t in (await client.list_tools()).tools}
    assert {"compose_track", "refine_track", "render_track", "list_instruments"} <= names
    res = await client.call_tool("compose_track", {"description": DESCRIPTION})
    assert not res.is_error, res.content
    assert res.structured_content["summary"]["genre"] == "jazz"
    bad = await client.call_tool("get_track", {"track_id": "tnope"})
    assert bad.is_error and "tnope" in bad.content[0].text


async def test_stdio(tmp_path: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "musigen_agent.cli", "mcp"], env=server_env(tmp_path)
    )
    with anyio.fail_after(30):
        async with Client(params) as client:
            await compose_through(client)
    assert (tmp_path / "served.sqlite").is_file()


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, **server_env(tmp_path)}
    cmd = [sys.executable, "-m", "musigen_agent.cli", "mcp", "--http", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


async def test_streamable_http(http_server: str) -> None:
    host, port = http_server.split("//")[1].split("/")[0].split(":")
    with anyio.fail_after(30):
        while True:  # until the server accepts connections
            try:
                await (await anyio.connect_tcp(host, int(port))).aclose()
                break
            except OSError:
                await anyio.sleep(0.1)
        async with Client(http_server) as client:
            await compose_through(client)
