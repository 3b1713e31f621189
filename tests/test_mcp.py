"""The MCP server through the real SDK client, in memory: tools, resources, prompts, errors, progress."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import anyio
import pretty_midi
import pytest
import soundfile as sf
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import AudioContent, BlobResourceContents, ResourceTemplateReference, TextContent

from musigen_agent import hookimpl
from musigen_agent.catalog import Instrument
from musigen_agent.config import Settings
from musigen_agent.mcp_server import build_server
from musigen_agent.refine_words import EXAMPLES
from musigen_agent.services import CATALOG_KINDS, FORMATS, Services, open_services

pytestmark = pytest.mark.anyio

SHORT = "a happy pop song in C major with piano, bass and drums, 100 bpm, 20 seconds"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(services: Services):
    async with Client(build_server(services)) as c:
        yield c


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """Call a tool that must succeed; its structured content."""
    res = await client.call_tool(tool, arguments)
    assert not res.is_error, res.content
    assert isinstance(res.content[0], TextContent) and res.content[0].text
    return res.structured_content


async def fails(client: Client, tool: str, **arguments: Any) -> str:
    """Call a tool that must fail as a tool result (not a protocol error); its text."""
    res = await client.call_tool(tool, arguments)
    assert res.is_error
    return res.content[0].text


# ---------------------------------------------------------------------------- listing


async def test_tools_have_schemas_from_the_catalogue_and_annotations(client: Client, services: Services) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    assert set(tools) == {
        "compose_track",
        "refine_track",
        "render_track",
        "get_track",
        "list_tracks",
        "list_versions",
        "revert_track",
        "analyze_track",
        "import_midi",
        "list_plugins",
        *(f"list_{kind}" for kind in CATALOG_KINDS),
    }
    catalog = services.plugins.catalog
    props = tools["compose_track"].input_schema["properties"]
    assert props["instruments"]["anyOf"][0]["items"]["enum"] == sorted(catalog.instruments)
    assert props["genre"]["anyOf"][0]["enum"] == sorted(catalog.genres)
    assert props["model"]["anyOf"][0]["enum"] == sorted(catalog.models)
    assert props["tempo"]["maximum"] == 300
    assert "bpm" in props["description"]["description"]
    render = tools["render_track"].input_schema["properties"]
    assert render["formats"]["anyOf"][0]["items"]["enum"] == sorted(FORMATS)
    ops = tools["refine_track"].input_schema["properties"]["ops"]["anyOf"][0]["items"]["oneOf"]
    add = next(o for o in ops if o["properties"]["op"]["const"] == "add_instrument")
    assert add["properties"]["instrument"]["enum"] == sorted(catalog.instruments)
    assert "$ref" not in str(tools["refine_track"].input_schema)
    for name, tool in tools.items():
        assert tool.description, name
        assert tool.annotations.destructive_hint is False, name
        reads = name.startswith(("get_", "list_", "analyze_"))
        assert tool.annotations.read_only_hint is reads, name
        assert tool.annotations.idempotent_hint is (reads or name == "render_track"), name
        assert tool.output_schema and tool.output_schema["type"] == "object", name


async def test_a_plugin_instrument_appears_in_the_schema_without_code_change(tmp_path: Path) -> None:
    class Bell:
        @hookimpl
        def register_instruments(self, register):
            register(
                Instrument(
                    name="test_bell",
                    type="electronic",
                    family="synth",
                    gm_program=81,
                    low=48,
                    high=96,
                    roles=("melody",),
                )  # fmt: skip
            )

    services = open_services(
        Settings.from_env(
            db=tmp_path / "plugged.sqlite", load_entry_points=False, extra_plugins=(("test_bell", Bell()),)
        )
    )
    async with Client(build_server(services)) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        enum = tools["compose_track"].input_schema["properties"]["instruments"]["anyOf"][0]["items"]["enum"]
        assert "test_bell" in enum
        listed = await call(c, "list_instruments")
        assert any(i["name"] == "test_bell" and i["plugin"] == "test_bell" for i in listed["items"])
        view = await call(c, "compose_track", description="a short tune, 20 seconds", instruments=["test_bell"])
        assert [p["instrument"] for p in view["summary"]["parts"]] == ["test_bell"]


async def test_catalogue_and_plugin_listings(client: Client) -> None:
    for kind in CATALOG_KINDS:
        listed = await call(client, f"list_{kind}")
        assert listed["kind"] == kind and listed["items"]
    genres = await call(client, "list_genres")
    assert {"pop", "jazz", "rock"} <= {g["name"] for g in genres["items"]}
    plugins = await call(client, "list_plugins")
    assert plugins["plugins"] and all("status" in p for p in plugins["plugins"])


# ---------------------------------------------------------------------------- the track tools


async def test_compose_returns_the_view_and_a_summary_line(client: Client) -> None:
    res = await client.call_tool("compose_track", {"description": SHORT, "seed": 3})
    view = res.structured_content
    assert not res.is_error
    assert view["track_id"].startswith("t") and view["version"] == 1
    assert view["summary"]["tempo"] == 100 and view["summary"]["key"] == "C major"
    assert view["provenance"]["tempo"]["source"] == "stated"
    assert view["spec"]["seed"] == 3
    text = res.content[0].text
    assert view["track_id"] in text and "100 bpm" in text


async def test_explicit_fields_beat_the_words(client: Client) -> None:
    view = await call(client, "compose_track", description=SHORT, tempo=90, genre="jazz", key="D minor")
    assert (view["summary"]["tempo"], view["summary"]["genre"], view["summary"]["key"]) == (90, "jazz", "D minor")
    assert view["provenance"]["tempo"]["source"] == "argument"


async def test_refine_darker_goes_minor_and_get_track_shows_it(client: Client) -> None:
    view = await call(client, "compose_track", description=SHORT)
    refined = await call(client, "refine_track", track_id=view["track_id"], instruction="darker")
    assert refined["version"] == 2 and refined["parent"] == 1
    assert refined["summary"]["key"].endswith("minor")
    assert refined["applied"] and refined["not_understood"] == []
    latest = await call(client, "get_track", track_id=view["track_id"])
    assert latest["version"] == 2 and latest["versions"] == 2 and latest["summary"]["key"].endswith("minor")
    first = await call(client, "get_track", track_id=view["track_id"], version=1)
    assert first["summary"]["key"] == "C major"


async def test_refine_with_typed_ops(client: Client) -> None:
    view = await call(client, "compose_track", description=SHORT)
    ops = [{"op": "set_tempo", "bpm": 72}, {"op": "transpose", "semitones": 2}]
    refined = await call(client, "refine_track", track_id=view["track_id"], ops=ops)
    assert refined["summary"]["tempo"] == 72 and refined["summary"]["key"] == "D major"
    assert [a["op"]["op"] for a in refined["applied"]] == ["set_tempo", "transpose"]


async def test_no_drums_in_the_intro_removes_the_intro_drum_notes(client: Client) -> None:
    view = await call(client, "compose_track", description="lofi chill beat with rhodes and soft drums, 80 bpm")
    track = view["track_id"]
    assert await intro_drum_notes(client, track, 1) > 0
    refined = await call(client, "refine_track", track_id=track, instruction="no drums in the intro")
    drums = next(p for p in refined["summary"]["parts"] if p["role"] == "rhythm")
    assert "intro" in drums["muted_in"]
    assert await intro_drum_notes(client, track, refined["version"]) == 0


async def intro_drum_notes(client: Client, track_id: str, version: int) -> int:
    """Drum notes sounding in the intro, read from the version's MIDI resource."""
    view = await call(client, "get_track", track_id=track_id, version=version)
    intro = next(s for s in view["summary"]["sections"] if s["name"] == "intro")
    beats_per_bar = int(view["summary"]["meter"].split("/")[0])
    end = (intro["start_bar"] + intro["bars"]) * beats_per_bar * 60 / view["summary"]["tempo"]
    midi = await client.read_resource(f"musigen://tracks/{track_id}/versions/{version}/midi")
    blob = midi.contents[0]
    assert isinstance(blob, BlobResourceContents) and blob.mime_type == "audio/midi"
    score = pretty_midi.PrettyMIDI(io.BytesIO(base64.b64decode(blob.blob)))
    return sum(1 for inst in score.instruments if inst.is_drum for n in inst.notes if n.start < end - 1e-3)


async def test_render_returns_a_decodable_audio_preview_and_files(client: Client) -> None:
    view = await call(client, "compose_track", description=SHORT)
    res = await client.call_tool(
        "render_track", {"track_id": view["track_id"], "formats": ["wav", "mid"], "preview_seconds": 5}
    )
    assert not res.is_error
    files = {f["format"]: f for f in res.structured_content["files"]}
    assert set(files) == {"wav", "mid"}
    for f in files.values():
        assert Path(f["path"]).stat().st_size == f["bytes"] > 0
    audio = [c for c in res.content if isinstance(c, AudioContent)]
    assert len(audio) == 1 and audio[0].mime_type.startswith("audio/")
    data, rate = sf.read(io.BytesIO(base64.b64decode(audio[0].data)))
    assert abs(len(data) / rate - 5) < 0.2
    assert len(audio[0].data) < 400_000  # small enough for a context window
    again = await call(client, "get_track", track_id=view["track_id"])
    assert {f["format"] for f in again["files"]} == {"wav", "mid"}


async def test_render_without_audio_formats_has_no_preview(client: Client) -> None:
    view = await call(client, "compose_track", description=SHORT)
    res = await client.call_tool("render_track", {"track_id": view["track_id"], "formats": ["mid"]})
    assert not res.is_error and not [c for c in res.content if isinstance(c, AudioContent)]


async def test_versions_and_revert(client: Client) -> None:
    view = await call(client, "compose_track", description=SHORT)
    track = view["track_id"]
    await call(client, "refine_track", track_id=track, instruction="darker")
    versions = await call(client, "list_versions", track_id=track)
    assert [v["number"] for v in versions["versions"]] == [1, 2]
    assert versions["versions"][1]["instruction"] == "darker"
    back = await call(client, "revert_track", track_id=track, version=1)
    assert back["version"] == 3 and back["summary"]["key"] == "C major"
    listed = await call(client, "list_tracks")
    assert [(t["id"], t["head"]) for t in listed["tracks"]] == [(track, 3)]


async def test_analyze_and_import(client: Client, services: Services) -> None:
    track = (await call(client, "compose_track", description=SHORT))["track_id"]
    analysis = await call(client, "analyze_track", track_id=track)
    assert analysis["control"]["key"]["agreement"] == "exact" and analysis["control"]["tempo"]["match"]
    data = base64.b64encode(services.midi(track)).decode()
    imported = await call(client, "import_midi", data=data, title="again")
    assert imported["track_id"] != track and imported["summary"]["tempo"] == 100
    refined = await call(client, "refine_track", track_id=imported["track_id"], instruction="make it reggae")
    assert refined["summary"]["genre"] == "reggae"


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("tool", "arguments", "expect"),
    [
        ("compose_track", {"description": SHORT, "tempo": 500}, ["tempo", "300"]),
        (
            "compose_track",
            {"description": SHORT, "instruments": ["acoustic_pianno"]},
            ["acoustic_pianno", "acoustic_piano"],
        ),
        ("compose_track", {"description": SHORT, "genre": "polka"}, ["polka", "jazz"]),
        ("compose_track", {"description": ""}, ["description"]),
        ("refine_track", {"track_id": "tnope", "instruction": "darker"}, ["tnope", "list_tracks"]),
        ("refine_track", {"track_id": "@track", "instruction": "blorp zzyx"}, ["blorp", EXAMPLES[0]]),
        ("refine_track", {"track_id": "@track", "ops": [{"op": "set_tempo", "bpm": 9000}]}, ["ops.0", "bpm"]),
        ("refine_track", {"track_id": "@track", "ops": [{"op": "explode"}]}, ["set_tempo"]),
        ("refine_track", {"track_id": "@track", "instruction": "darker", "version": 7}, ["version", "7"]),
        ("render_track", {"track_id": "tnope"}, ["tnope"]),
        ("render_track", {"track_id": "@track", "formats": ["aiff"]}, ["aiff", "wav"]),
        ("get_track", {"track_id": "tnope"}, ["tnope"]),
        ("get_track", {"track_id": "@track", "version": 9}, ["version", "9"]),
        ("list_tracks", {"limit": 0}, ["limit"]),
        ("list_versions", {"track_id": "tnope"}, ["tnope"]),
        ("revert_track", {"track_id": "@track", "version": 5}, ["version", "5"]),
        ("revert_track", {"track_id": "tnope", "version": 1}, ["tnope"]),
        ("analyze_track", {"track_id": "tnope"}, ["tnope"]),
        ("analyze_track", {"track_id": "@track", "version": 4}, ["version", "4"]),
        ("import_midi", {"data": "not base64!"}, ["base64"]),
        ("import_midi", {"data": base64.b64encode(b"RIFF not midi").decode()}, ["MThd"]),
    ],
)
async def test_errors_are_tool_results_an_assistant_can_act_on_and_store_nothing(
    client: Client, services: Services, tool: str, arguments: dict[str, Any], expect: list[str]
) -> None:
    track = (await call(client, "compose_track", description=SHORT))["track_id"]
    arguments = {k: track if v == "@track" else v for k, v in arguments.items()}
    before = services.registry.counts()
    text = await fails(client, tool, **arguments)
    for word in expect:
        assert word in text, (word, text)
    assert services.registry.counts() == before


async def test_errors_carry_the_structured_error(client: Client) -> None:
    res = await client.call_tool("compose_track", {"description": SHORT, "instruments": ["acoustic_pianno"]})
    assert res.is_error
    assert res.structured_content["error"] == "unknown-name"
    assert res.structured_content["field"] == "instruments"
    assert "acoustic_piano" in res.structured_content["suggestions"]


# ---------------------------------------------------------------------------- progress and concurrency


async def test_progress_is_reported_during_compose_and_render(client: Client) -> None:
    seen: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, total, message))

    res = await client.call_tool("compose_track", {"description": SHORT}, progress_callback=on_progress)
    assert len(seen) >= 2 and seen[-1][0] == 1.0 and all(t == 1.0 for _, t, _ in seen)
    assert [p for p, _, _ in seen] == sorted(p for p, _, _ in seen)
    seen.clear()
    await client.call_tool(
        "render_track", {"track_id": res.structured_content["track_id"]}, progress_callback=on_progress
    )
    assert any("render" in (m or "") for _, _, m in seen) and seen[-1][0] == 1.0


async def test_eight_concurrent_sessions_all_compose(services: Services) -> None:
    server = build_server(services)
    views: list[dict[str, Any]] = []

    async def session(n: int) -> None:
        async with Client(server) as c:
            views.append(await call(c, "compose_track", description="a relaxed jazz tune, 20 seconds", seed=n))

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            for n in range(8):
                tg.start_soon(session, n)
    assert len({v["track_id"] for v in views}) == 8
    assert services.registry.counts()["tracks"] == 8


# ---------------------------------------------------------------------------- resources, completions, prompts


async def test_resources_read_back(client: Client, services: Services) -> None:
    view = await call(client, "compose_track", description=SHORT)
    track = view["track_id"]
    templates = {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
    assert templates == {
        "musigen://tracks/{track_id}",
        "musigen://tracks/{track_id}/versions/{version}",
        "musigen://tracks/{track_id}/versions/{version}/midi",
        "musigen://tracks/{track_id}/files/{name}",
        "musigen://catalog/{kind}",
    }
    assert [str(r.uri) for r in (await client.list_resources()).resources] == ["musigen://tracks"]
    tracks = json.loads((await client.read_resource("musigen://tracks")).contents[0].text)
    assert [t["id"] for t in tracks] == [track]
    latest = json.loads((await client.read_resource(f"musigen://tracks/{track}")).contents[0].text)
    assert latest["summary"] == view["summary"]
    v1 = (await client.read_resource(f"musigen://tracks/{track}/versions/1")).contents[0]
    assert v1.mime_type == "application/json" and json.loads(v1.text)["version"] == 1
    midi = (await client.read_resource(f"musigen://tracks/{track}/versions/1/midi")).contents[0]
    assert base64.b64decode(midi.blob).startswith(b"MThd")
    rendered = await call(client, "render_track", track_id=track, formats=["json"])
    name = Path(rendered["files"][0]["path"]).name
    blob = (await client.read_resource(f"musigen://tracks/{track}/files/{name}")).contents[0]
    assert json.loads(base64.b64decode(blob.blob))["spec"]["tempo"] == 100
    moods = json.loads((await client.read_resource("musigen://catalog/moods")).contents[0].text)
    assert {m["name"] for m in moods} == set(services.plugins.catalog.moods)
    for uri in (
        "musigen://tracks/tnope",
        f"musigen://tracks/{track}/versions/8",
        "musigen://catalog/spices",
        f"musigen://tracks/{track}/files/nope.wav",
    ):
        with pytest.raises(MCPError) as err:
            await client.read_resource(uri)
        assert any(word in str(err.value) for word in ("tnope", "8", "spices", "nope.wav"))


async def test_completions_offer_track_ids_versions_and_kinds(client: Client) -> None:
    track = (await call(client, "compose_track", description=SHORT))["track_id"]
    await call(client, "refine_track", track_id=track, instruction="darker")
    ref = ResourceTemplateReference(type="ref/resource", uri="musigen://tracks/{track_id}/versions/{version}")
    ids = await client.complete(ref, {"name": "track_id", "value": track[:3]})
    assert ids.completion.values == [track]
    versions = await client.complete(ref, {"name": "version", "value": ""}, {"track_id": track})
    assert versions.completion.values == ["1", "2"]
    kinds = await client.complete(
        ResourceTemplateReference(type="ref/resource", uri="musigen://catalog/{kind}"), {"name": "kind", "value": "mo"}
    )
    assert kinds.completion.values == ["moods", "models"]


async def test_prompts_teach_the_loop_and_rearrange(client: Client) -> None:
    prompts = {p.name: p for p in (await client.list_prompts()).prompts}
    assert set(prompts) == {"compose_and_refine", "rearrange"}
    assert {a.name for a in prompts["rearrange"].arguments} == {"track_id", "genre"}
    loop = await client.get_prompt("compose_and_refine", {"description": "a sad waltz"})
    text = loop.messages[0].content.text
    assert "a sad waltz" in text and all(e in text for e in EXAMPLES)
    assert "compose_track" in text and "refine_track" in text and "render_track" in text
    track = (await call(client, "compose_track", description=SHORT))["track_id"]
    plan = await client.get_prompt("rearrange", {"track_id": track, "genre": "jazz"})
    text = plan.messages[0].content.text
    assert track in text and "change_genre" in text and "C major" in text
    with pytest.raises(MCPError, match="polka"):
        await client.get_prompt("rearrange", {"track_id": track, "genre": "polka"})
    with pytest.raises(MCPError, match="tnope"):
        await client.get_prompt("rearrange", {"track_id": "tnope", "genre": "jazz"})
