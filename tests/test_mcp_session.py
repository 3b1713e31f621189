"""A scripted assistant session: compose, refine twice, render, as an LLM client would drive it."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf
from mcp import Client
from mcp_types import AudioContent, CallToolResult

from musigen_agent.mcp_server import build_server
from musigen_agent.services import FORMATS, Services

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def step(client: Client, tool: str, **arguments: Any) -> CallToolResult:
    res = await client.call_tool(tool, arguments)
    assert not res.is_error, res.content
    return res


async def test_lofi_session(services: Services) -> None:
    async with Client(build_server(services)) as c:
        first = await step(c, "compose_track", description="lofi chill beat with rhodes and soft drums, 80 bpm")
        track, v1 = first.structured_content["track_id"], first.structured_content["summary"]
        assert v1["tempo"] == 80 and "electric_piano" in {p["instrument"] for p in v1["parts"]}
        drums = next(p["name"] for p in v1["parts"] if p["role"] == "rhythm")

        darker = (await step(c, "refine_track", track_id=track, instruction="darker and slower")).structured_content
        assert darker["summary"]["tempo"] < 80
        assert darker["summary"]["key"].endswith("minor") or darker["summary"]["moods"] != v1["moods"]
        assert darker["not_understood"] == []

        intro = (await step(c, "refine_track", track_id=track, instruction="no drums in the intro")).structured_content
        assert "intro" in next(p for p in intro["summary"]["parts"] if p["name"] == drums)["muted_in"]
        assert intro["summary"]["tempo"] == darker["summary"]["tempo"]  # one change at a time

        formats = ["wav", *(f for f in ("mp3", "stems") if f in FORMATS)]
        rendered = await step(c, "render_track", track_id=track, formats=formats)
        view = rendered.structured_content
        assert view["version"] == 3
        assert [f["format"] for f in view["files"]] == formats
        assert all(Path(f["path"]).is_file() for f in view["files"])
        audio = next(b for b in rendered.content if isinstance(b, AudioContent))
        data, rate = sf.read(io.BytesIO(base64.b64decode(audio.data)))
        assert abs(len(data) / rate - min(20.0, view["summary"]["seconds"])) < 0.2

        history = (await step(c, "list_versions", track_id=track)).structured_content["versions"]
        assert [v["instruction"] for v in history] == [
            "lofi chill beat with rhodes and soft drums, 80 bpm",
            "darker and slower",
            "no drums in the intro",
        ]
