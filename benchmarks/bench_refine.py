"""Refine speed: a one-part refine plus re-render against a full compose plus render.

Composes a 2-minute, 8-part track and renders it to WAV with an empty stem cache
(the full cost), then times, in the same run: a one-part refine (regenerate one
part) plus re-render, and a mix-only refine plus re-render.  Prints wall-time medians,
the ratios, and where the time goes (from the render's progress events): making the
version (compose or refine), loading it, the stems (SoundFont synthesis and the stem
cache), the mix (tracks and reverb), the master (loudness, true-peak limiter) and the
files.  The last line says what the ratio would be if mix, master and files cost
nothing: the bound that the work a one-part edit cannot skip puts on it.

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
STAGES = ("version", "load", "stems", "mix", "master", "files")
#: Progress messages that end a stage of the render (the last one seen wins).
STAGE_ENDS = (("loaded", "load"), ("stem ", "stems"), ("mixed", "mix"), ("mastered", "master"))

Stages = dict[str, float]


def timed(make_version: Callable[[], dict], render: Callable[[str, Callable[[float, str], None]], object]) -> Stages:
    """Seconds per stage of making a version and rendering it."""
    t0 = time.perf_counter()
    view = make_version()
    ends = {"version": time.perf_counter()}

    def progress(_fraction: float, message: str) -> None:
        for prefix, stage in STAGE_ENDS:
            if message.startswith(prefix):
                ends[stage] = time.perf_counter()

    render(view["track_id"], progress)
    ends["files"] = time.perf_counter()
    stages, before = {}, t0
    for stage in STAGES:
        stages[stage] = ends[stage] - before
        before = ends[stage]
    return stages


def run(home: Path, seed: int) -> tuple[Stages, Stages, Stages, dict]:
    """One measurement: (full, one-part refine, mix-only refine), each including the WAV render."""
    services = open_services(Settings.from_env(db=home / "r.sqlite", home=home, load_entry_points=False))
    services.compose("warm-up: a short folk tune, 8 bars", formats=["wav"], out_dir=home / "warm")
    view: dict = {}

    def render(track_id: str, progress: Callable[[float, str], None]) -> None:
        services.render(track_id, formats=["wav"], out_dir=home, progress=progress)

    def compose() -> dict:
        view.update(services.compose(PROMPT, {"seed": seed}))
        return view

    full = timed(compose, render)
    tid = view["track_id"]
    part = next(p["name"] for p in view["summary"]["parts"] if p["role"] == "melody")
    one_part = timed(lambda: services.refine(tid, ops=[{"op": "regenerate", "part": part}]), render)
    mix_only = timed(lambda: services.refine(tid, ops=[{"op": "gain", "part": part, "db": -3}]), render)
    return full, one_part, mix_only, view


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        runs = [run(Path(tmp) / f"run{k}", k) for k in range(args.repeat)]
    full, one, mix = ({s: statistics.median(r[i][s] for r in runs) for s in STAGES} for i in range(3))
    view = runs[-1][3]
    seconds = view["summary"]["seconds"]
    total = {name: sum(st.values()) for name, st in (("full", full), ("one", one), ("mix", mix))}
    print(f"track: {seconds:.0f} s, {len(view['summary']['parts'])} parts; medians of {args.repeat} runs (wall)")
    print(f"full compose + render (empty stem cache): {total['full']:.2f} s ({seconds / total['full']:.0f}x real time)")
    print(
        f"one-part refine + re-render:              {total['one']:.2f} s -> "
        f"{total['full'] / total['one']:.1f}x faster than full (goal >= 5x)"
    )
    ratio = total["full"] / total["mix"]
    print(f"mix-only refine + re-render:              {total['mix']:.2f} s -> {ratio:.1f}x faster")
    print("seconds by stage:      " + "".join(f"{s:>9s}" for s in STAGES))
    for label, st in (("full", full), ("one-part", one), ("mix-only", mix)):
        print(f"  {label:20s}" + "".join(f"{st[s]:9.3f}" for s in STAGES))
    shared = ("mix", "master", "files")
    bound = sum(full[s] for s in STAGES if s not in shared) / sum(one[s] for s in STAGES if s not in shared)
    print(
        f"if mix, master and files cost nothing the one-part ratio would be {bound:.1f}x: "
        "the re-render mixes and masters the whole new piece, as the full render does"
    )


if __name__ == "__main__":
    main()
