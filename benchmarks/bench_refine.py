"""Refine speed: a one-part refine plus re-render against a full compose plus render.

Composes a 2-minute, 8-part track and renders it to WAV with an empty stem cache
(the full cost), then times, in the same run: a one-part refine (regenerate one
part) plus re-render, and a mix-only refine plus re-render.  Prints wall and CPU
(``process_time``) medians and the ratios; on a shared machine the CPU ratio is the
steadier one (run it under ``nice -n 5`` there).

    python benchmarks/bench_refine.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from musigen_agent.config import Settings
from musigen_agent.services import open_services

PROMPT = (
    "an uplifting pop song at 110 bpm, 2 minutes, with piano, electric guitar, bass, drums, synth lead, violin, "
    "flute and a warm pad"
)

Timing = tuple[float, float]  # (wall, cpu) seconds


def timed(step: Callable[[], object]) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - wall, time.process_time() - cpu


def run(home: Path, seed: int) -> tuple[Timing, Timing, Timing, dict]:
    """One measurement: (full, one-part refine, mix-only refine), each including the WAV render."""
    services = open_services(Settings.from_env(db=home / "r.sqlite", home=home, load_entry_points=False))
    services.compose("warm-up: a short folk tune, 8 bars", formats=["wav"], out_dir=home / "warm")
    view: dict = {}

    def full() -> None:
        view.update(services.compose(PROMPT, {"seed": seed}))
        services.render(view["track_id"], formats=["wav"], out_dir=home)

    full_t = timed(full)
    tid = view["track_id"]
    part = next(p["name"] for p in view["summary"]["parts"] if p["role"] == "melody")

    def one_part() -> None:
        services.refine(tid, ops=[{"op": "regenerate", "part": part}])
        services.render(tid, formats=["wav"], out_dir=home)

    def mix_only() -> None:
        services.refine(tid, ops=[{"op": "gain", "part": part, "db": -3}])
        services.render(tid, formats=["wav"], out_dir=home)

    return full_t, timed(one_part), timed(mix_only), view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [run(Path(tmp) / f"run{k}", k) for k in range(args.repeat)]
    (fw, fc), (ow, oc), (mw, mc) = (
        (statistics.median(r[i][0] for r in runs), statistics.median(r[i][1] for r in runs)) for i in range(3)
    )
    view = runs[-1][3]
    seconds = view["summary"]["seconds"]
    print(f"track: {seconds:.0f} s, {len(view['summary']['parts'])} parts; medians of {args.repeat} runs")
    print(f"full compose + render (empty stem cache): wall {fw:.2f} s, cpu {fc:.2f} s ({seconds / fw:.0f}x real time)")
    print(
        f"one-part refine + re-render:              wall {ow:.2f} s, cpu {oc:.2f} s -> "
        f"{fw / ow:.1f}x (cpu {fc / oc:.1f}x) faster than full (goal >= 5x)"
    )
    print(
        f"mix-only refine + re-render:              wall {mw:.2f} s, cpu {mc:.2f} s -> "
        f"{fw / mw:.1f}x (cpu {fc / mc:.1f}x) faster than full (goal >= 10x)"
    )


if __name__ == "__main__":
    main()
