"""Sampling: the client's model translates words the offline parser missed, through the SDK's callback."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp.client.context import ClientRequestContext
from mcp_types import CreateMessageRequestParams, CreateMessageResult, TextContent

from musigen_agent.mcp_server import build_server
from musigen_agent.services import Services

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Model:
    """A stand-in for the client's LLM: records the prompts it is shown, answers from a script."""

    def __init__(self, *replies: str) -> None:
        self.replies = list(replies)
        self.prompts: list[str] = []

    async def __call__(self, context: ClientRequestContext, params: CreateMessageRequestParams) -> CreateMessageResult:
        self.prompts.append(params.messages[0].content.text)
        return CreateMessageResult(
            role="assistant", content=TextContent(type="text", text=self.replies.pop(0)), model="scripted"
        )


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    res = await client.call_tool(tool, arguments)
    assert not res.is_error, res.content
    return res.structured_content


@pytest.fixture(params=["auto", "legacy"])
def mode(request: pytest.FixtureRequest) -> str:
    """Both protocol eras: input_required round trips (2026-07-28) and mid-call requests (handshake)."""
    return request.param


async def test_compose_asks_the_model_about_ignored_words_only(services: Services, mode: str) -> None:
    model = Model('Sure: ```json\n{"genre": "jazz", "tempo": 140, "colour": "blue"}\n```')
    async with Client(build_server(services), sampling_callback=model, mode=mode) as c:
        view = await call(c, "compose_track", description="a zorblesque tune, 80 bpm, 20 seconds")
    assert len(model.prompts) == 1 and "zorblesque" in model.prompts[0] and "jazz" in model.prompts[0]
    assert view["summary"]["genre"] == "jazz"  # the ignored word, translated
    assert view["summary"]["tempo"] == 80  # the words stated it: the model may not change it
    assert view["sampling"] == {"used": {"genre": "jazz"}, "note": None}


async def test_compose_does_not_ask_when_every_word_was_understood(services: Services) -> None:
    model = Model()
    async with Client(build_server(services), sampling_callback=model) as c:
        view = await call(c, "compose_track", description="a jazz tune, 20 seconds")
    assert model.prompts == [] and "sampling" not in view


async def test_compose_without_sampling_uses_the_offline_reading(services: Services) -> None:
    async with Client(build_server(services)) as c:
        view = await call(c, "compose_track", description="a zorblesque tune, 80 bpm, 20 seconds")
    assert "zorblesque" in view["ignored"] and "sampling" not in view


async def test_compose_falls_back_when_the_suggestion_is_rejected(services: Services) -> None:
    model = Model('{"instruments": ["kazoo_9000"]}')
    async with Client(build_server(services), sampling_callback=model) as c:
        view = await call(c, "compose_track", description="a zorblesque tune, 80 bpm, 20 seconds")
    assert view["sampling"]["used"] is None and "kazoo_9000" in view["sampling"]["note"]
    assert services.registry.counts()["tracks"] == 1


async def test_refine_translates_what_the_parser_did_not_understand(services: Services, mode: str) -> None:
    model = Model('[{"op": "set_tempo", "bpm": 66}]')
    async with Client(build_server(services), sampling_callback=model, mode=mode) as c:
        track = (await call(c, "compose_track", description="a happy pop song in C major, 20 seconds"))["track_id"]
        view = await call(c, "refine_track", track_id=track, instruction="like a rainy sunday morning")
    assert "rainy" in model.prompts[0] and "set_tempo" in model.prompts[0]
    assert view["summary"]["tempo"] == 66
    assert view["sampling"] == {"used": [{"op": "set_tempo", "bpm": 66}], "note": None}
    assert view["version"] == 2 and services.registry.counts()["versions"] == 2


async def test_refine_adds_sampled_ops_to_what_was_understood(services: Services) -> None:
    model = Model('{"ops": [{"op": "set_tempo", "bpm": 70}]}')
    async with Client(build_server(services), sampling_callback=model) as c:
        track = (await call(c, "compose_track", description="a happy pop song in C major, 20 seconds"))["track_id"]
        view = await call(c, "refine_track", track_id=track, instruction="darker and like rain")
    assert view["summary"]["key"].endswith("minor") and view["summary"]["tempo"] == 70
    assert [a["op"]["op"] for a in view["applied"]][-1] == "set_tempo"


async def test_refine_with_an_unusable_reply_keeps_the_offline_reading(services: Services) -> None:
    model = Model("I am not sure what you mean.", '[{"op": "mute", "part": "no_such_part"}]')
    async with Client(build_server(services), sampling_callback=model) as c:
        track = (await call(c, "compose_track", description="a happy pop song in C major, 20 seconds"))["track_id"]
        view = await call(c, "refine_track", track_id=track, instruction="darker and like rain")
        assert view["summary"]["key"].endswith("minor") and "no usable answer" in view["sampling"]["note"]
        view = await call(c, "refine_track", track_id=track, instruction="darker and like rain")
        assert "no_such_part" in view["sampling"]["note"]
        before = services.registry.counts()
        res = await c.call_tool("refine_track", {"track_id": "tnope", "instruction": "like rain"})
        assert res.is_error and "tnope" in res.content[0].text
    assert services.registry.counts() == before and len(model.prompts) == 2


async def test_refine_without_sampling_reports_what_was_not_understood(services: Services) -> None:
    async with Client(build_server(services)) as c:
        track = (await call(c, "compose_track", description="a happy pop song in C major, 20 seconds"))["track_id"]
        res = await c.call_tool("refine_track", {"track_id": track, "instruction": "like a rainy sunday morning"})
    assert res.is_error and "rainy" in res.content[0].text
