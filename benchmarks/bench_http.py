"""HTTP throughput: N concurrent loopback clients composing against a uvicorn server for a bounded time.

The server runs in its own process (a temporary registry, API keys required, limits
raised so the rate limiter does not shape the numbers); the clients are asyncio tasks
in this one.  Prints throughput, p50/p99 latency and the error count of this run.

    python benchmarks/bench_http.py [--clients 8] [--seconds 10] [--formats mid]
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

PROMPTS = (
    "a calm lo-fi piece with piano and soft drums, 30 seconds",
    "upbeat funk with slap bass and brass, 30 seconds",
    "a dark ambient pad in D minor, 30 seconds",
    "a happy pop song at 120 bpm, 30 seconds",
)
MAX_SECONDS = 120.0


def serve(db: str, port: int) -> None:
    """Child process: the app over ``db`` on 127.0.0.1:``port`` until terminated."""
    import uvicorn

    from musigen_agent.config import Settings
    from musigen_agent.http import create_app
    from musigen_agent.http.limits import Limits
    from musigen_agent.services import open_services

    services = open_services(Settings.from_env(db=db, load_entry_points=False))
    limits = Limits(rate_per_second=1e6, burst=1_000_000, max_renders_per_key=1000, max_jobs=1000)
    uvicorn.run(create_app(services, True, limits=limits), host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def client(http: httpx.AsyncClient, n: int, until: float, formats: list[str], out: list[float]) -> int:
    """Compose until ``until``; append each latency to ``out``; return the number of failed requests."""
    errors = 0
    i = n
    while time.perf_counter() < until:
        body = {"description": PROMPTS[i % len(PROMPTS)], "formats": formats}
        t0 = time.perf_counter()
        try:
            answer = await http.post("/v1/tracks", json=body, params={"mode": "sync"})
            ok = answer.status_code == 201
        except httpx.HTTPError:
            ok = False
        if ok:
            out.append(time.perf_counter() - t0)
        else:
            errors += 1
        i += 1
    return errors


async def load(url: str, token: str, clients: int, seconds: float, formats: list[str]) -> None:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120, limits=limits) as http:
        await http.post("/v1/tracks", json={"description": PROMPTS[0]})  # warm-up: lazy imports, first connection
        start = time.perf_counter()
        errors = sum(
            await asyncio.gather(*(client(http, n, start + seconds, formats, latencies) for n in range(clients)))
        )
        elapsed = time.perf_counter() - start
    latencies.sort()
    p = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000) if latencies else (lambda q: 0)
    print(f"clients            {clients}")
    print(f"formats            {','.join(formats) or '(none: compose only)'}")
    print(f"duration           {elapsed:.1f} s")
    print(f"composes ok        {len(latencies)}")
    print(f"errors             {errors}")
    print(f"throughput         {len(latencies) / elapsed:.1f} composes/s")
    print(f"latency p50        {p(0.50):.0f} ms")
    print(f"latency p99        {p(0.99):.0f} ms")
    if latencies:
        print(f"latency mean       {statistics.fmean(latencies) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--formats", default="", help="comma-separated formats to render with each compose")
    parser.add_argument("--_serve", nargs=2, metavar=("DB", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._serve:
        serve(args._serve[0], int(args._serve[1]))
        return
    seconds = min(args.seconds, MAX_SECONDS)
    formats = [f for f in args.formats.split(",") if f]

    from musigen_agent.config import Settings
    from musigen_agent.keys import create_key
    from musigen_agent.services import open_services

    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.sqlite")
        services = open_services(Settings.from_env(db=db, load_entry_points=False))
        token, _ = create_key(services.registry.db, "bench", ["compose"])
        port = free_port()
        server = subprocess.Popen([sys.executable, __file__, "--_serve", db, str(port)])
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start")
                time.sleep(0.1)
            asyncio.run(load(url, token, args.clients, seconds, formats))
        finally:
            server.terminate()
            server.wait(timeout=15)


if __name__ == "__main__":
    main()
