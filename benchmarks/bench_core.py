"""Core speed: compose time per composed minute and render real-time factor.

Composes a 60 s, 8-instrument piece from words through the services facade (a
temporary registry), then renders it.  Prints ratios measured in this one run:
seconds of compute per composed minute, and audio seconds per compute second.

    python benchmarks/bench_core.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from musigen_agent.compose import compose
from musigen_agent.config import Settings
from musigen_agent.export import midi_bytes
from musigen_agent.services import open_services

PROMPT = (
    "a happy pop song at 120 bpm, 1 minute, with piano, electric guitar, bass, drums, synth lead, violin, "
    "flute and a warm pad"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        services = open_services(Settings.from_env(db=Path(tmp) / "bench.sqlite", load_entry_points=False))
        t0 = time.perf_counter()
        view = services.compose(PROMPT)
        first = time.perf_counter() - t0
        spec_row = services.registry.get_version(view["track_id"])
        from musigen_agent.spec import Arrangement, TrackSpec

        spec = TrackSpec.model_validate(spec_row["spec"])
        arr = Arrangement.model_validate(spec_row["arrangement"])
        minutes = arr.seconds / 60
        notes = sum(len(p.notes) for p in arr.parts)

        compose_times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            compose(spec, services.plugins)
            compose_times.append(time.perf_counter() - t0)
        midi_times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            midi_bytes(arr)
            midi_times.append(time.perf_counter() - t0)

        from musigen_agent.render import render

        render(arr)  # warm the synthesizer cache and lazy imports
        render_times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            render(arr)
            render_times.append(time.perf_counter() - t0)

    c, m, r = (statistics.median(x) for x in (compose_times, midi_times, render_times))
    print(f"piece: {arr.seconds:.1f} s, {len(arr.parts)} parts, {notes} notes, {spec.tempo} bpm {spec.key} {spec.mode}")
    print(f"first compose through services (words -> stored track, cold): {first * 1000:.0f} ms")
    print(
        f"compose: {c * 1000:.1f} ms median = {c / minutes:.4f} s per composed minute "
        f"({arr.seconds / c:.0f}x real time)"
    )
    print(f"MIDI write: {m * 1000:.2f} ms median")
    print(f"render (stems + mix + master): {r * 1000:.0f} ms median = real-time factor {arr.seconds / r:.0f}x")


if __name__ == "__main__":
    main()
