"""Neural backend: generation speed for 30 s of music, and quality side by side with the theory composer.

Usage: python benchmarks/bench_neural.py [--specs 50] [--seconds 30]

Speed: a 30-second folk spec composed with ``model="neural"`` (weights loaded once
beforehand), median of 5 runs, plus the theory composer alone for comparison.
Quality: the same genre x mood suite specs composed by both backends and measured by
:func:`musigen_agent.analysis.analyze`; prints the mean of each melody and piece metric,
the share of metrics inside the real-music bands, and key agreement.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from musigen_agent.analysis import analyze
from musigen_agent.analysis.suite import GENRES, MOODS, suite_spec
from musigen_agent.compose import compose
from musigen_agent.plugin_manager import load_plugins

PIECE = ("scale_consistency", "pitch_class_entropy", "melody_chord_tone_ratio", "empty_beat_rate_body")
MELODY = (
    "scale_consistency",
    "pitch_class_entropy",
    "pitch_range",
    "note_density",
    "mean_duration_beats",
    "chord_tone_ratio",
    "n_pitch_classes_used",
    "out_of_range_notes",
)


def _timed(fn: Any, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _mean(values: list[Any]) -> float | None:
    vals = [v for v in values if isinstance(v, int | float)]
    return round(statistics.fmean(vals), 3) if vals else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--specs", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    plugins = load_plugins(entry_points=False)
    cat = plugins.catalog
    if not cat.models["neural"].available:
        raise SystemExit(f"neural backend unavailable: {cat.models['neural'].unavailable_reason}")

    spec = suite_spec(cat, "folk", "happy", seed=1, seconds=30).model_copy(update={"model": "neural"})
    t0 = time.perf_counter()
    compose(spec, plugins)
    first = time.perf_counter() - t0
    speed = {
        "music_seconds": round(spec.seconds, 1),
        "neural_first_call_s (loads weights)": round(first, 3),
        "neural_s": round(_timed(lambda: compose(spec, plugins), 5), 3),
        "theory_s": round(_timed(lambda: compose(spec.model_copy(update={"model": "theory"}), plugins), 5), 3),
    }
    print(json.dumps({"generation_30s": speed}))

    pairs = [(g, m) for g in GENRES for m in MOODS][: args.specs]
    rows: dict[str, list[dict[str, Any]]] = {"theory": [], "neural": []}
    for g, m in pairs:
        base = suite_spec(cat, g, m, seed=1, seconds=args.seconds)
        for model in rows:
            s = base.model_copy(update={"model": model})
            report = analyze(s, compose(s, plugins).arrangement, cat)
            melody = next((r for r in report["parts"].values() if r["role"] == "melody"), {})
            rows[model].append(
                {
                    "piece": report["piece"],
                    "melody": melody,
                    "ref": report["reference"],
                    "key": report["control"]["key"]["agreement"],
                }
            )
    print(f"\n{len(pairs)} suite specs, {args.seconds:.0f} s each: mean of each metric")
    print(f"{'metric':<34}{'theory':>10}{'neural':>10}")
    for scope, names in (("piece", PIECE), ("melody", MELODY)):
        for name in names:
            vals = [_mean([r[scope].get(name) for r in rows[model]]) for model in rows]
            print(f"{scope + '.' + name:<34}{vals[0]!s:>10}{vals[1]!s:>10}")
    share = [_mean([r["ref"]["in_range_share"] for r in rows[model]]) for model in rows]
    exact = [sum(r["key"] == "exact" for r in rows[model]) / len(pairs) for model in rows]
    print(f"{'reference in_range_share':<34}{share[0]!s:>10}{share[1]!s:>10}")
    print(f"{'key agreement exact':<34}{exact[0]:>10.2f}{exact[1]:>10.2f}")


if __name__ == "__main__":
    main()
