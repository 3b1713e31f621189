"""Composition quality: objective metrics per genre against real music, and controllability.

Composes the fixed suite (10 genres x 5 moods x N seeds, specs planned as for "a <mood>
<genre> track", see :mod:`musigen_agent.analysis.suite`), analyses every piece with
:func:`musigen_agent.analysis.analyze`, and prints

* per genre, the mean of each metric next to the real-music band it should fall in
  (``musigen_agent/data/reference_stats.json``), with the share of pieces inside it;
* controllability: tempo and key agreement (Krumhansl-Schmuckler estimate vs the
  requested key, exact and counting the relative key), instrument recall, mood
  adherence (tempo in the mood's range, mode heard, and paired comparisons of pieces
  that differ only in the mood word: louder, denser, faster, more legato as the mood
  table implies) and compose speed (times real time).

    .venv/bin/python benchmarks/bench_quality.py [--seeds 3] [--seconds 90] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

from musigen_agent.analysis import analyze, load_reference
from musigen_agent.analysis.suite import GENRES, MOODS, TONAL_GENRES, suite_spec
from musigen_agent.compose import compose
from musigen_agent.plugin_manager import load_plugins
from musigen_agent.theory import ARTICULATION, DYNAMICS_VELOCITY

#: (column, where in analyze()'s output, the reference scope and metric or None).
COLUMNS: tuple[tuple[str, tuple[str, ...], tuple[str, str] | None], ...] = (
    ("entropy", ("piece", "pitch_class_entropy"), ("piece", "pitch_class_entropy")),
    ("scale", ("piece", "scale_consistency"), ("piece", "scale_consistency")),
    ("pcs", ("piece", "n_pitch_classes_used"), ("piece", "n_pitch_classes_used")),
    ("empty", ("piece", "empty_beat_rate_body"), ("piece", "empty_beat_rate")),
    ("groove", ("piece", "groove_consistency"), ("piece", "groove_consistency")),
    ("drums", ("drums", "groove_consistency"), ("piece", "groove_consistency")),
    ("mel_ent", ("melody", "pitch_class_entropy"), ("melody", "pitch_class_entropy")),
    ("mel_rng", ("melody", "pitch_range"), ("melody", "pitch_range")),
    ("mel_grv", ("melody", "groove_consistency"), ("melody", "groove_consistency")),
    ("chord_t", ("piece", "melody_chord_tone_ratio"), None),
    ("v_lead", ("piece", "voice_leading"), None),
    ("repeat", ("piece", "repetition", "mean"), None),
    ("dens", ("piece", "note_density"), None),
)
#: Mood pairs and the feature each must move (first mood's value > second's).
PAIRS = (
    ("energetic", "relaxed", "mean_velocity"),
    ("energetic", "relaxed", "note_density"),
    ("energetic", "relaxed", "tempo"),
    ("sad", "happy", "legato_ratio"),
    ("sad", "happy", "mean_duration_beats"),
)


def _get(result: dict[str, Any], path: tuple[str, ...]) -> float | None:
    if path[0] == "drums":
        values = [p[path[1]] for p in result["parts"].values() if p["is_drum"] and p[path[1]] is not None]
        return statistics.fmean(values) if values else None
    if path[0] == "melody":
        melody = next((p for p in result["parts"].values() if p["role"] == "melody"), None)
        return melody.get(path[1]) if melody else None
    value: Any = result
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def run(seeds: int, seconds: float) -> list[dict[str, Any]]:
    plugins = load_plugins(entry_points=False)
    catalog = plugins.catalog
    rows = []
    for genre in GENRES:
        for mood in MOODS:
            for seed in range(1, seeds + 1):
                spec = suite_spec(catalog, genre, mood, seed, seconds)
                t0 = time.perf_counter()
                arr = compose(spec, plugins).arrangement
                t1 = time.perf_counter()
                result = analyze(spec, arr, catalog)
                t2 = time.perf_counter()
                rows.append(
                    {
                        "genre": genre,
                        "mood": mood,
                        "seed": seed,
                        "tempo": spec.tempo,
                        "audio_s": arr.seconds,
                        "compose_s": t1 - t0,
                        "analyze_s": t2 - t1,
                        "mood_tempo": catalog.mood(mood).tempo_range,
                        "mood_mode": catalog.mood(mood).mode,
                        "result": result,
                    }
                )
    return rows


def metric_table(rows: list[dict[str, Any]]) -> str:
    ranges = load_reference()["ranges"]
    head = f"{'genre':11}" + "".join(f"{c:>9}" for c, _, _ in COLUMNS)
    lows = f"{'real p5':11}" + "".join(f"{ranges[r[0]][r[1]]['lo']:9.3f}" if r else f"{'':>9}" for _, _, r in COLUMNS)
    highs = f"{'real p95':11}" + "".join(f"{ranges[r[0]][r[1]]['hi']:9.3f}" if r else f"{'':>9}" for _, _, r in COLUMNS)
    lines = [head, lows, highs]
    for genre in GENRES:
        mine = [r["result"] for r in rows if r["genre"] == genre]
        cells = []
        for _, path, _ in COLUMNS:
            values = [v for v in (_get(m, path) for m in mine) if v is not None]
            cells.append(f"{statistics.fmean(values):9.3f}" if values else f"{'-':>9}")
        lines.append(f"{genre:11}" + "".join(cells))
    inside = []
    for _, path, ref in COLUMNS:
        if ref is None:
            inside.append(f"{'':>9}")
            continue
        band_ = ranges[ref[0]][ref[1]]
        values = [v for v in (_get(r["result"], path) for r in rows) if v is not None]
        share = sum(band_["lo"] <= v <= band_["hi"] for v in values) / len(values) if values else 0
        inside.append(f"{share:8.0%} ")
    lines.append(f"{'in band':11}" + "".join(inside))
    return "\n".join(lines)


def control_figures(rows: list[dict[str, Any]]) -> dict[str, float]:
    n = len(rows)
    control = [r["result"]["control"] for r in rows]
    key = [c["key"]["agreement"] for c in control]
    tonal = [r for r in rows if r["genre"] in TONAL_GENRES]
    audio = sum(r["audio_s"] for r in rows)
    figures = {
        "pieces": n,
        "tempo_match": sum(c["tempo"]["match"] for c in control) / n,
        "key_exact": key.count("exact") / n,
        "key_exact_or_relative": (key.count("exact") + key.count("relative")) / n,
        "mode_heard": sum(bool(c["key"].get("mode_match")) for c in control) / n,
        "instrument_recall": sum(c["instruments"]["recall"] for c in control) / n,
        "tonal_scale_consistency_mean": statistics.fmean(r["result"]["piece"]["scale_consistency"] for r in tonal),
        "tonal_scale_consistency_min": min(r["result"]["piece"]["scale_consistency"] for r in tonal),
        "out_of_range_notes": sum(r["result"]["piece"]["out_of_range_notes"] for r in rows),
        "mood_tempo_in_range": sum(r["mood_tempo"][0] <= r["tempo"] <= r["mood_tempo"][1] for r in rows) / n,
        "compose_x_realtime": audio / sum(r["compose_s"] for r in rows),
        "analyze_ms_mean": 1000 * statistics.fmean(r["analyze_s"] for r in rows),
    }
    figures.update(mood_pairs(rows))
    figures.update(mood_orders(rows))
    return figures


def _feature(row: dict[str, Any], name: str) -> float:
    return row["tempo"] if name == "tempo" else row["result"]["piece"][name]


def mood_pairs(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Share of (genre, seed) pairs in which changing only the mood word moves the feature the right way."""
    index = {(r["genre"], r["mood"], r["seed"]): r for r in rows}
    out = {}
    for high, low, feature in PAIRS:
        wins = total = 0
        for genre, mood, seed in index:
            if mood != high or (genre, low, seed) not in index:
                continue
            total += 1
            wins += _feature(index[(genre, high, seed)], feature) > _feature(index[(genre, low, seed)], feature)
        out[f"pair_{high}>{low}_{feature}"] = wins / total if total else 0.0
    return out


def mood_orders(rows: list[dict[str, Any]]) -> dict[str, float]:
    """Agreement of every mood pair with the mood table's dynamics (velocity) and articulation (legato) order."""
    catalog = load_plugins(entry_points=False).catalog
    expect = {
        "mean_velocity": {m: DYNAMICS_VELOCITY[catalog.mood(m).dynamics] for m in MOODS},
        "legato_ratio": {m: ARTICULATION[catalog.mood(m).articulation][0] for m in MOODS},
    }
    index = {(r["genre"], r["mood"], r["seed"]): r for r in rows}
    out = {}
    for feature, order in expect.items():
        agree = total = 0
        for genre, seed in {(g, s) for g, _, s in index}:
            for a, b in combinations(MOODS, 2):
                if order[a] == order[b] or (genre, a, seed) not in index or (genre, b, seed) not in index:
                    continue
                total += 1
                va, vb = _feature(index[(genre, a, seed)], feature), _feature(index[(genre, b, seed)], feature)
                agree += (va > vb) == (order[a] > order[b])
        out[f"order_{feature}"] = agree / total if total else 0.0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--json", type=Path, default=None, help="also write per-piece results here")
    args = parser.parse_args()
    rows = run(args.seeds, args.seconds)
    suite = f"{len(GENRES)} genres x {len(MOODS)} moods x {args.seeds} seeds"
    print(f"{len(rows)} pieces: {suite}, ~{args.seconds:g} s each\n")
    print(metric_table(rows))
    print("\ncontrollability")
    figures = control_figures(rows)
    for name, value in figures.items():
        shown = f"{value:.1%}" if isinstance(value, float) and value <= 1 and "ms" not in name else f"{value:.4g}"
        if name in ("pieces", "out_of_range_notes"):
            shown = str(value)
        print(f"  {name:42} {shown}")
    per_genre = defaultdict(list)
    for r in rows:
        per_genre[r["genre"]].append(r["result"]["control"]["key"]["agreement"])
    misses = {g: [a for a in v if a != "exact"] for g, v in per_genre.items() if any(a != "exact" for a in v)}
    if misses:
        print(f"  key misses by genre: {misses}")
    if args.json:
        args.json.write_text(json.dumps({"figures": figures, "rows": rows}, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
