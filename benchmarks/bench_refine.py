"""Refine speed: a one-part refine plus re-render against a full compose plus render.

Composes a 2-minute, 8-part track and renders it to WAV with an empty stem cache
(the full cost), then times, in the same run: a one-part refine (regenerate one
part) plus re-render, and a mix-only refine plus re-render.  Prints the ratios.

    python benchmarks/bench_refine.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from musigen_agent.config import Settings
from musigen_agent.services import open_services

PROMPT = (
    "an uplifting pop song at 110 bpm, 2 minutes, with piano, electric guitar, bass, drums, synth lead, violin, "
    "flute and a warm pad"
)


def run(home: Path, seed: int) -> tuple[float, float, float, dict]:
    """One measurement: (full, one-part refine, mix-only refine) seconds, each including the WAV render."""
    services = open_services(Settings.from_env(db=home / "r.sqlite", home=home, load_entry_points=False))
    services.compose("warm-up: a short folk tune, 8 bars", formats=["wav"], out_dir=home / "warm")
    t0 = time.perf_counter()
    view = services.compose(PROMPT, {"seed": seed})
    services.render(view["track_id"], formats=["wav"], out_dir=home)
    t1 = time.perf_counter()
    tid = view["track_id"]
    part = next(p["name"] for p in view["summary"]["parts"] if p["role"] == "melody")
    services.refine(tid, ops=[{"op": "regenerate", "part": part}])
    services.render(tid, formats=["wav"], out_dir=home)
    t2 = time.perf_counter()
    services.refine(tid, ops=[{"op": "gain", "part": part, "db": -3}])
    services.render(tid, formats=["wav"], out_dir=home)
    t3 = time.perf_counter()
    return t1 - t0, t2 - t1, t3 - t2, view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [run(Path(tmp) / f"run{k}", k) for k in range(args.repeat)]
    f, o, m = (statistics.median(r[i] for r in runs) for i in range(3))
    view = runs[-1][3]
    seconds = view["summary"]["seconds"]
    print(f"track: {seconds:.0f} s, {len(view['summary']['parts'])} parts; medians of {args.repeat} runs")
    print(f"full compose + render (empty stem cache): {f:.2f} s ({seconds / f:.0f}x real time)")
    print(f"one-part refine + re-render:              {o:.2f} s -> {f / o:.1f}x faster than full (goal >= 5x)")
    print(f"mix-only refine + re-render:              {m:.2f} s -> {f / m:.1f}x faster than full")


if __name__ == "__main__":
    main()
