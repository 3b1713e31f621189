"""The HTTP API over a real socket: uvicorn on 127.0.0.1 (a free port), stopped at the end of each test."""

from __future__ import annotations

import logging

import httpx
import pytest

from musigen_agent.http import app as app_module
from musigen_agent.http import create_app
from musigen_agent.http.app import is_loopback, running, serve
from musigen_agent.http.limits import Limits
from musigen_agent.keys import create_key


def test_the_whole_loop_over_a_real_socket(services) -> None:
    token, _ = create_key(services.registry.db, "live", ["compose"])
    with running(create_app(services, require_keys=True)) as url:
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
            view = http.post("/v1/tracks", json={"description": "a short jazz trio piece", "overrides": {"length": 15}})
            assert view.status_code == 201, view.text
            track_id = view.json()["track_id"]
            refined = http.post(f"/v1/tracks/{track_id}/refine", json={"ops": [{"op": "transpose", "semitones": 2}]})
            assert refined.status_code == 201 and refined.json()["version"] == 2
            with http.stream(
                "POST", f"/v1/tracks/{track_id}/render", params={"stream": "true"}, json={"formats": ["wav"]}
            ) as stream:
                lines = [line for line in stream.iter_lines() if line.startswith("event: ")]
            assert lines[-1] == "event: result" and "event: progress" in lines
            wav = http.get(f"/v1/tracks/{track_id}").json()["files"][0]
            head = http.get(wav["url"], headers={"Range": "bytes=0-11"})
            assert head.status_code == 206 and head.content[:4] == b"RIFF" and head.content[8:12] == b"WAVE"
            assert http.get("/v1/tracks", headers={"Authorization": "Bearer msk_nope"}).status_code == 401


def test_a_loopback_burst_is_rate_limited_per_key(services) -> None:
    """Past the bucket a key gets 429 + Retry-After; another key is unaffected.  (Refill 1 per 1000 s: no timing.)"""
    noisy, _ = create_key(services.registry.db, "noisy", ["read"])
    quiet, _ = create_key(services.registry.db, "quiet", ["read"])
    limits = Limits(rate_per_second=0.001, burst=5)
    with running(create_app(services, require_keys=True, limits=limits)) as url, httpx.Client(base_url=url) as http:
        answers = [http.get("/v1/genres", headers={"Authorization": f"Bearer {noisy}"}) for _ in range(12)]
        codes = [a.status_code for a in answers]
        assert codes[:5] == [200] * 5 and set(codes[5:]) == {429}
        limited = answers[-1]
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert int(limited.headers["retry-after"]) >= 1 and limited.json()["type"] == "/problems/rate-limited"
        assert http.get("/v1/genres", headers={"Authorization": f"Bearer {quiet}"}).status_code == 200


def test_serve_decides_keys_from_the_bind_address_and_says_so(services, monkeypatch, caplog) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1") and is_loopback("127.8.0.1")
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("example.com")
    started = []
    monkeypatch.setattr(app_module.uvicorn, "run", lambda app, **kw: started.append((app, kw)))
    with caplog.at_level(logging.WARNING, logger="musigen_agent.http"):
        serve(services, host="127.0.0.1", port=8123)
        serve(services, host="0.0.0.0", port=8124)
    (open_app, open_kw), (locked_app, locked_kw) = started
    assert not open_app.state.musigen.require_keys and open_kw == {
        "host": "127.0.0.1",
        "port": 8123,
        "log_level": "info",
    }
    assert locked_app.state.musigen.require_keys and locked_kw["host"] == "0.0.0.0"
    assert "OPEN dev mode" in caplog.text and "API keys required" in caplog.text and "none exists yet" in caplog.text
    with pytest.raises(ValueError, match="API keys are required"):
        serve(services, host="0.0.0.0", port=0, require_keys=False)
