"""The HTTP API in process: the whole loop, errors as problem documents, auth, limits, jobs, SSE, MCP."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from mcp.server.mcpserver import MCPServer

from musigen_agent.http import create_app
from musigen_agent.http.limits import Limits
from musigen_agent.keys import create_key, hash_token, list_keys, revoke_key

BASE = "http://127.0.0.1"  # open mode answers loopback Host names only
PROBLEM = "application/problem+json"
SHORT = {"description": "a short calm piano piece", "overrides": {"length": "20s"}}


@contextmanager
def client_for(services, require_keys: bool = False, **kw) -> Iterator[TestClient]:
    """A TestClient running the app's lifespan (the MCP session manager included)."""
    with TestClient(create_app(services, require_keys, **kw), base_url=BASE) as client:
        yield client


@pytest.fixture
def client(services) -> Iterator[TestClient]:
    with client_for(services) as c:
        yield c


def sse_events(text: str) -> list[tuple[str, dict]]:
    """(event, data) pairs of an SSE body."""
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


def assert_problem(response: httpx.Response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["type"] == f"/problems/{kind}" and body["status"] == status and body["title"] and body["detail"]
    assert "Traceback" not in response.text
    return body


# ---------------------------------------------------------------------------- the loop


def test_compose_refine_render_download_loop(client: TestClient) -> None:
    created = client.post("/v1/tracks", json={**SHORT, "formats": ["mid", "json"]})
    assert created.status_code == 201, created.text
    view = created.json()
    track_id = view["track_id"]
    assert created.headers["location"] == f"/v1/tracks/{track_id}/versions/1"
    assert {f["format"] for f in view["files"]} == {"mid", "json"}
    assert all("path" not in f and f["url"].startswith(f"/v1/files/{track_id}/") for f in view["files"])

    assert [t["id"] for t in client.get("/v1/tracks").json()] == [track_id]
    refined = client.post(f"/v1/tracks/{track_id}/refine", json={"ops": [{"op": "set_tempo", "bpm": 101}]})
    assert refined.status_code == 201, refined.text
    assert refined.json()["version"] == 2 and refined.json()["spec"]["tempo"] == 101

    rendered = client.post(f"/v1/tracks/{track_id}/render", json={"formats": ["wav", "mid"]})
    assert rendered.status_code == 200, rendered.text
    files = {f["format"]: f for f in rendered.json()["files"]}
    wav = client.get(files["wav"]["url"])
    assert wav.status_code == 200 and wav.headers["content-type"] == "audio/wav"
    assert wav.content[:4] == b"RIFF" and len(wav.content) == files["wav"]["bytes"]
    midi = client.get(files["mid"]["url"])
    assert midi.headers["content-type"] == "audio/midi" and midi.content[:4] == b"MThd"

    assert [v["number"] for v in client.get(f"/v1/tracks/{track_id}/versions").json()] == [1, 2]
    assert client.get(f"/v1/tracks/{track_id}/versions/1").json()["spec"]["tempo"] != 101
    assert client.get(f"/v1/tracks/{track_id}").json()["version"] == 2
    diff = client.get(f"/v1/tracks/{track_id}/diff", params={"a": 1, "b": 2})
    assert diff.status_code == 200 and diff.json()["ops"][0]["op"]["op"] == "set_tempo"
    reverted = client.post(f"/v1/tracks/{track_id}/revert", json={"version": 1})
    assert reverted.status_code == 201 and reverted.json()["version"] == 3


def test_import_midi_and_analysis(client: TestClient, services) -> None:
    track_id = client.post("/v1/tracks", json=SHORT).json()["track_id"]
    analysis = client.get(f"/v1/tracks/{track_id}/analysis")
    assert analysis.status_code == 200 and analysis.json()["control"]["tempo"]["match"]
    assert_problem(client.get("/v1/tracks/tnope/analysis"), 404, "not-found")
    imported = client.post(
        "/v1/tracks/import",
        params={"title": "again"},
        content=services.midi(track_id),
        headers={"content-type": "audio/midi"},
    )
    assert imported.status_code == 201, imported.text
    assert imported.json()["spec"]["title"] == "again"
    bad = client.post("/v1/tracks/import", content=b"RIFF", headers={"content-type": "audio/midi"})
    assert assert_problem(bad, 422, "invalid-input")["field"] == "data"


def test_range_download_returns_206_with_the_right_bytes(client: TestClient) -> None:
    view = client.post("/v1/tracks", json={**SHORT, "formats": ["json"]}).json()
    url = view["files"][0]["url"]
    whole = client.get(url).content
    part = client.get(url, headers={"Range": "bytes=10-49"})
    assert part.status_code == 206
    assert part.content == whole[10:50]
    assert part.headers["content-range"] == f"bytes 10-49/{len(whole)}"
    assert client.get(url, headers={"Range": f"bytes={len(whole) + 10}-"}).status_code == 416


def test_files_outside_the_renders_are_not_served(client: TestClient) -> None:
    track_id = client.post("/v1/tracks", json=SHORT).json()["track_id"]
    for name in ("registry.sqlite", "..%2Fregistry.sqlite", "%2Fetc%2Fpasswd"):
        assert client.get(f"/v1/files/{track_id}/{name}").status_code == 404
    assert_problem(client.get("/v1/files/tnope/x.wav"), 404, "not-found")


def test_catalog_routes(client: TestClient) -> None:
    for kind in ("instruments", "genres", "moods", "models", "plugins"):
        answer = client.get(f"/v1/{kind}")
        assert answer.status_code == 200 and answer.json(), kind
    assert "wav" in client.get("/v1/formats").json()
    assert any(g["name"] == "rock" for g in client.get("/v1/genres").json())


def test_health_readiness_and_metrics(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    client.post("/v1/tracks", json=SHORT)
    client.get("/v1/tracks/tmissing")
    text = client.get("/metrics").text
    assert 'musigen_http_requests_total{method="POST",route="/v1/tracks",status="201"} 1' in text
    assert 'route="/v1/tracks/{track_id}",status="404"' in text
    assert 'musigen_http_request_duration_seconds_bucket{route="/v1/tracks",le="+Inf"} 1' in text
    assert 'musigen_work_total{kind="compose",outcome="ok"} 1' in text
    assert 'musigen_errors_total{type="not-found"} 1' in text


def test_openapi_documents_examples_problems_and_security(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    compose = schema["paths"]["/v1/tracks"]["post"]
    body = compose["requestBody"]["content"]["application/json"]["schema"]
    assert schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]["examples"]
    assert PROBLEM in compose["responses"]["422"]["content"]
    assert "Problem" in schema["components"]["schemas"]
    assert "ApiKey" in schema["components"]["securitySchemes"]
    refine = schema["components"]["schemas"]["RefineRequest"]["properties"]["ops"]
    assert "discriminator" in json.dumps(refine) or "oneOf" in json.dumps(schema["components"]["schemas"])
    assert client.get("/docs").status_code == 200


# ---------------------------------------------------------------------------- errors


def test_validation_errors_name_every_field(client: TestClient) -> None:
    body = assert_problem(
        client.post("/v1/tracks", json={"description": 5, "formats": "wav", "colour": "red"}),
        422,
        "validation-error",
    )
    fields = {e["field"] for e in body["errors"]}
    assert {"description", "formats", "colour"} <= fields
    bad_op = assert_problem(
        client.post("/v1/tracks/tx/refine", json={"ops": [{"op": "set_tempo", "bpm": 9000}]}), 422, "validation-error"
    )
    assert bad_op["errors"][0]["field"].startswith("ops.0")
    assert_problem(
        client.post("/v1/tracks", content=b"{not json", headers={"content-type": "application/json"}),
        422,
        "validation-error",
    )


def test_core_errors_keep_field_allowed_and_suggestions(client: TestClient) -> None:
    body = assert_problem(
        client.post("/v1/tracks", json={"description": "rock", "overrides": {"genre": "rokc"}}), 422, "unknown-name"
    )
    assert body["field"] == "genre" and "rock" in body["suggestions"] and "rock" in body["allowed"]
    fmt = assert_problem(client.post("/v1/tracks", json={**SHORT, "formats": ["aiff"]}), 422, "invalid-input")
    assert fmt["field"] == "formats" and "wav" in fmt["allowed"]
    assert_problem(client.get("/v1/tracks/tnothere"), 404, "not-found")
    assert_problem(client.get("/v1/nowhere"), 404, "not-found")
    assert_problem(client.delete("/v1/tracks"), 405, "method-not-allowed")
    track_id = client.post("/v1/tracks", json=SHORT).json()["track_id"]
    assert_problem(client.get(f"/v1/tracks/{track_id}/versions/7"), 404, "not-found")
    nothing = assert_problem(
        client.post(f"/v1/tracks/{track_id}/refine", json={"instruction": ""}), 422, "invalid-input"
    )
    assert nothing["field"] == "instruction"


def test_open_mode_refuses_foreign_host_names(client: TestClient) -> None:
    """DNS rebinding: a page on another domain pointed at 127.0.0.1 must not reach an open server."""
    assert_problem(client.get("/v1/tracks", headers={"host": "attacker.example"}), 400, "untrusted-host")
    assert client.get("/v1/tracks", headers={"host": "localhost:8000"}).status_code == 200


# ---------------------------------------------------------------------------- auth


def test_keys_are_required_and_scopes_enforced(services) -> None:
    db = services.registry.db
    reader, _ = create_key(db, "reader", ["read"])
    composer, _ = create_key(db, "composer", ["compose"])
    revoked, record = create_key(db, "gone", ["admin"])
    revoke_key(db, record["id"])
    with client_for(services, require_keys=True) as c:
        missing = assert_problem(c.get("/v1/tracks"), 401, "unauthorized")
        assert missing["detail"] and c.get("/v1/tracks").headers["www-authenticate"].startswith("Bearer")
        assert_problem(c.get("/v1/tracks", headers={"Authorization": "Bearer msk_wrong"}), 401, "unauthorized")
        assert_problem(c.get("/v1/tracks", headers={"Authorization": "Basic abc"}), 401, "unauthorized")
        assert_problem(c.get("/v1/tracks", headers={"Authorization": f"Bearer {revoked}"}), 401, "unauthorized")

        as_reader = {"Authorization": f"Bearer {reader}"}
        assert c.get("/v1/tracks", headers=as_reader).status_code == 200
        denied = assert_problem(c.post("/v1/tracks", json=SHORT, headers=as_reader), 403, "forbidden")
        assert denied["field"] == "scope" and "compose" in denied["allowed"]
        assert_problem(c.get("/v1/keys", headers=as_reader), 403, "forbidden")

        as_composer = {"Authorization": f"Bearer {composer}"}
        assert c.post("/v1/tracks", json=SHORT, headers=as_composer).status_code == 201
        assert c.get("/v1/tracks", headers=as_composer).status_code == 200  # compose includes read
        assert_problem(c.get("/v1/keys", headers=as_composer), 403, "forbidden")
        assert c.get("/healthz").status_code == 200  # probes stay open
        assert_problem(c.get("/metrics"), 401, "unauthorized")


def test_admin_keys_manage_keys_over_http_and_revocation_is_immediate(services) -> None:
    admin, _ = create_key(services.registry.db, "root", ["admin"])
    as_admin = {"Authorization": f"Bearer {admin}"}
    with client_for(services, require_keys=True) as c:
        made = c.post("/v1/keys", json={"name": "ci", "scopes": ["read"]}, headers=as_admin)
        assert made.status_code == 201, made.text
        token, key_id = made.json()["token"], made.json()["id"]
        assert c.get("/v1/tracks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        listed = c.get("/v1/keys", headers=as_admin).json()
        assert {k["name"] for k in listed} == {"root", "ci"} and all("token" not in k for k in listed)
        assert c.delete(f"/v1/keys/{key_id}", headers=as_admin).json()["revoked"]
        assert_problem(c.get("/v1/tracks", headers={"Authorization": f"Bearer {token}"}), 401, "unauthorized")
        assert_problem(
            c.post("/v1/keys", json={"name": "x", "scopes": ["root"]}, headers=as_admin), 422, "validation-error"
        )


def test_keys_are_stored_hashed_never_in_plain_text(services, tmp_path: Path) -> None:
    token, record = create_key(services.registry.db, "secret-holder", ["compose"])
    assert token.startswith("msk_") and len(token) > 40
    conn = sqlite3.connect(services.registry.path)
    rows = conn.execute("SELECT * FROM api_keys").fetchall()
    conn.close()
    cells = [str(cell) for row in rows for cell in row]
    assert hash_token(token) in cells
    assert not any(token in cell or token[12:] in cell for cell in cells)
    for path in services.registry.path.parent.glob("registry.sqlite*"):  # the WAL and shm too
        assert token.encode() not in path.read_bytes()
    assert "token_sha256" not in list_keys(services.registry.db)[0]


def test_key_store_rejects_bad_names_and_scopes(services) -> None:
    from musigen_agent.errors import InvalidInput, NotFound

    with pytest.raises(InvalidInput):
        create_key(services.registry.db, "x", ["superuser"])
    with pytest.raises(InvalidInput):
        create_key(services.registry.db, " ", ["read"])
    with pytest.raises(NotFound):
        revoke_key(services.registry.db, "knope")


# ---------------------------------------------------------------------------- limits


def test_body_size_limit_is_413(services) -> None:
    with client_for(services, limits=Limits(max_body_bytes=2048)) as c:
        big = {"description": "x" * 5000}
        assert_problem(c.post("/v1/tracks", json=big), 413, "payload-too-large")

        def chunks() -> Iterator[bytes]:  # no Content-Length: the streamed body is counted
            yield b'{"description": "'
            for _ in range(10):
                yield b"y" * 500
            yield b'"}'

        streamed = c.post("/v1/tracks", content=chunks(), headers={"content-type": "application/json"})
        assert_problem(streamed, 413, "payload-too-large")


def test_track_length_limit_is_422(services) -> None:
    with client_for(services, limits=Limits(max_track_seconds=60)) as c:
        body = assert_problem(
            c.post("/v1/tracks", json={"description": "a five minute rock song"}), 422, "track-too-long"
        )
        assert body["field"] == "length" and body["allowed"] == {"max_seconds": 60}
        assert c.get("/v1/tracks").json() == []  # refused before anything was stored


def test_render_time_limit_is_504_and_stores_nothing(services) -> None:
    with client_for(services, limits=Limits(max_work_seconds=0.0)) as c:
        body = assert_problem(c.post("/v1/tracks", json={**SHORT, "formats": ["mid"]}), 504, "render-timeout")
        assert "limit" in body["detail"]
        assert c.get("/v1/tracks").json() == []


def test_concurrent_renders_per_key_are_limited(services) -> None:
    """With no render slot free, a render is refused at once with 429 (and composing without formats is not)."""
    with client_for(services, limits=Limits(max_renders_per_key=0)) as c:
        body = assert_problem(c.post("/v1/tracks", json={**SHORT, "formats": ["mid"]}), 429, "too-many-renders")
        assert "Retry-After" in c.post("/v1/tracks", json={**SHORT, "formats": ["mid"]}).headers
        assert body["detail"]
        track_id = c.post("/v1/tracks", json=SHORT).json()["track_id"]
        assert_problem(c.post(f"/v1/tracks/{track_id}/render", json={"formats": ["mid"]}), 429, "too-many-renders")


def test_render_slots_free_up_after_work(services) -> None:
    with client_for(services, limits=Limits(max_renders_per_key=1)) as c:
        for _ in range(3):  # sequential renders each take and give back the one slot
            assert c.post("/v1/tracks", json={**SHORT, "formats": ["mid"]}).status_code == 201
        assert c.app.state.musigen.render_slots.running() == 0


# ---------------------------------------------------------------------------- jobs and streaming


def test_async_render_job_can_be_polled_and_followed(client: TestClient) -> None:
    track_id = client.post("/v1/tracks", json=SHORT).json()["track_id"]
    accepted = client.post(f"/v1/tracks/{track_id}/render", params={"mode": "async"}, json={"formats": ["mid"]})
    assert accepted.status_code == 202, accepted.text
    job = accepted.json()
    assert accepted.headers["location"] == job["links"]["self"] == f"/v1/jobs/{job['id']}"
    events = sse_events(client.get(job["links"]["events"]).text)  # replays, then ends with the result
    assert events[-1][0] == "result" and events[-1][1]["files"][0]["format"] == "mid"
    assert [e for e, _ in events[:-1]] and all(e == "progress" for e, _ in events[:-1])
    polled = client.get(job["links"]["self"]).json()
    assert polled["status"] == "succeeded" and polled["result"]["track_id"] == track_id
    resumed = sse_events(client.get(job["links"]["events"], headers={"Last-Event-ID": "1"}).text)
    assert len(resumed) == len(events) - 2
    assert_problem(client.get("/v1/jobs/jnope"), 404, "not-found")


def test_long_pieces_render_as_jobs_in_auto_mode(services) -> None:
    with client_for(services, limits=Limits(sync_render_seconds=5)) as c:
        track_id = c.post("/v1/tracks", json=SHORT).json()["track_id"]
        answer = c.post(f"/v1/tracks/{track_id}/render", json={"formats": ["mid"]})
        assert answer.status_code == 202
        events = sse_events(c.get(answer.json()["links"]["events"]).text)
        assert events[-1][0] == "result"


def test_compose_streams_progress_then_result(client: TestClient) -> None:
    with client.stream("POST", "/v1/tracks", params={"stream": "true"}, json={**SHORT, "formats": ["mid"]}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = sse_events(r.read().decode())
    progress = [d["progress"] for e, d in events if e == "progress"]
    assert progress == sorted(progress) and progress[-1] == 1.0
    kind, result = events[-1]
    assert kind == "result" and result["files"][0]["url"].startswith("/v1/files/")


def test_failed_job_reports_a_problem_event(client: TestClient) -> None:
    track_id = client.post("/v1/tracks", json=SHORT).json()["track_id"]
    with client.stream(
        "POST", f"/v1/tracks/{track_id}/render", params={"stream": "true"}, json={"formats": ["aiff"]}
    ) as r:
        events = sse_events(r.read().decode())
    kind, problem = events[-1]
    assert kind == "error" and problem["type"] == "/problems/invalid-input" and problem["field"] == "formats"


def test_jobs_are_private_to_their_key(services) -> None:
    db = services.registry.db
    alice, _ = create_key(db, "alice", ["compose"])
    bob, _ = create_key(db, "bob", ["compose"])
    admin, _ = create_key(db, "admin", ["admin"])
    with client_for(services, require_keys=True) as c:
        headers = {"Authorization": f"Bearer {alice}"}
        track_id = c.post("/v1/tracks", json=SHORT, headers=headers).json()["track_id"]
        job = c.post(f"/v1/tracks/{track_id}/render?mode=async", json={"formats": ["mid"]}, headers=headers).json()
        assert c.get(f"/v1/jobs/{job['id']}", headers=headers).status_code == 200
        assert_problem(c.get(f"/v1/jobs/{job['id']}", headers={"Authorization": f"Bearer {bob}"}), 404, "not-found")
        assert c.get(f"/v1/jobs/{job['id']}", headers={"Authorization": f"Bearer {admin}"}).status_code == 200


# ---------------------------------------------------------------------------- MCP


def _mcp_initialize(c: TestClient, headers: dict[str, str] | None = None) -> httpx.Response:
    return c.post(
        "/mcp",
        headers={"Accept": "application/json, text/event-stream", **(headers or {})},
        json={
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "t", "version": "0"},
            },
        },
    )


def test_mcp_is_mounted_at_mcp_behind_the_same_keys(services) -> None:
    server = MCPServer("probe")

    @server.tool()
    def ping() -> str:
        """Answer pong."""
        return "pong"

    composer, _ = create_key(services.registry.db, "agent", ["compose"])
    reader, _ = create_key(services.registry.db, "viewer", ["read"])
    with client_for(services, require_keys=True, mcp_server=server) as c:
        assert_problem(_mcp_initialize(c), 401, "unauthorized")
        assert_problem(_mcp_initialize(c, {"Authorization": f"Bearer {reader}"}), 403, "forbidden")
        answer = _mcp_initialize(c, {"Authorization": f"Bearer {composer}"})
        assert answer.status_code == 200, answer.text
        assert '"serverInfo"' in answer.text and "probe" in answer.text


def test_the_project_mcp_server_is_mounted_by_default(client: TestClient) -> None:
    answer = _mcp_initialize(client)
    assert answer.status_code == 200, answer.text
    assert '"serverInfo"' in answer.text


# ---------------------------------------------------------------------------- concurrency


def test_concurrent_composes_all_succeed(services) -> None:
    """Worker threads write the registry at once through their own connections; none may fail as locked."""
    import asyncio

    app = create_app(services, limits=Limits(workers=4))

    async def burst() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
            answers = await asyncio.gather(*(http.post("/v1/tracks", json=SHORT) for _ in range(12)))
            return [a.status_code for a in answers]

    assert asyncio.run(burst()) == [201] * 12
    assert len(services.list_tracks()) == 12


def test_readiness_fails_with_503_when_workers_are_gone(client: TestClient) -> None:
    client.app.state.musigen.studio.close()
    assert_problem(client.get("/readyz"), 503, "not-ready")
    assert client.get("/healthz").status_code == 200
