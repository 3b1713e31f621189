"""MCP round-trip latency: list_instruments and compose_track, in memory and over stdio.

Each call is timed from the client (SDK ``Client``) and compared with the same services
call made directly, so the printed ratios show what the adapter and the transport add
in this one run.  A temporary registry is used; nothing is left behind.

    python benchmarks/bench_mcp.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from musigen_agent.config import Settings
from musigen_agent.mcp_server import build_server
from musigen_agent.services import open_services

DESCRIPTION = "a relaxed jazz tune with piano, bass and drums, 100 bpm, 30 seconds"
CALLS: dict[str, dict[str, Any]] = {
    "list_instruments": {},
    "compose_track": {"description": DESCRIPTION},
}


def stats(times: list[float]) -> tuple[float, float]:
    """Median and 90th percentile, in milliseconds."""
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))] * 1000


async def timed(call: Callable[[], Awaitable[Any]], repeat: int) -> list[float]:
    await call()  # warm-up: lazy imports, caches, the first round trip
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        await call()
        times.append(time.perf_counter() - t0)
    return times


async def _now(fn: Callable[..., Any], *args: Any) -> Any:
    """A plain synchronous services call, awaitable so that ``timed`` measures it the same way."""
    return fn(*args)


async def over(client: Client, repeat: int) -> dict[str, list[float]]:
    async def one(tool: str) -> None:
        res = await client.call_tool(tool, CALLS[tool])
        assert not res.is_error, res.content

    return {tool: await timed(lambda t=tool: one(t), repeat) for tool in CALLS}


async def main(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(Settings.from_env(db=Path(tmp) / "bench.sqlite", load_entry_points=False))
        direct = {
            "list_instruments": await timed(lambda: _now(services.list_catalog, "instruments"), repeat),
            "compose_track": await timed(lambda: _now(services.compose, DESCRIPTION), repeat),
        }
        async with Client(build_server(services)) as client:
            memory = await over(client, repeat)
        env = {"MUSIGEN_DB": str(Path(tmp) / "stdio.sqlite"), "MUSIGEN_HOME": tmp}
        if os.environ.get("PYTHONPATH"):
            env["PYTHONPATH"] = os.environ["PYTHONPATH"]
        params = StdioServerParameters(command=sys.executable, args=["-m", "musigen_agent.mcp_server"], env=env)
        async with Client(params) as client:
            stdio = await over(client, repeat)

    print(f"MCP round trips, {repeat} calls each (ms: median / p90; x: median over the direct services call)")
    print(f"{'tool':<18}{'direct':>18}{'in-memory':>26}{'stdio':>26}")
    for tool in CALLS:
        d, m, s = stats(direct[tool]), stats(memory[tool]), stats(stdio[tool])
        print(
            f"{tool:<18}{d[0]:>8.2f} / {d[1]:>7.2f}"
            f"{m[0]:>9.2f} / {m[1]:>7.2f} ({m[0] / d[0]:>4.1f}x)"
            f"{s[0]:>9.2f} / {s[1]:>7.2f} ({s[0] / d[0]:>4.1f}x)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    anyio.run(main, parser.parse_args().repeat)
