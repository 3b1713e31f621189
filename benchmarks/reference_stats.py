"""Measure real music with the package's own metrics and write ``musigen_agent/data/reference_stats.json``.

The reference must come from the same code that judges the composer, otherwise a gap
could be a difference in definitions rather than in the music.  Corpora ship offline
with music21 (not a core dependency: ``pip install music21`` or the ``[bench]`` extra):

* Bach chorales, ``music21.corpus.chorales.Iterator(numberingSystem='bwv')``: four-part
  polyphony, the reference for whole arrangements; their soprano lines also count as
  melodies.
* Essen folk songs (``essenFolksong/*.abc``): monophonic tunes, the melody reference.

Scores are converted to note columns at 480 ticks per quarter (ties merged, grace notes
dropped, a pickup bar padded so barlines fall on bar boundaries) and measured with
:func:`musigen_agent.analysis.texture_metrics`.  Pieces whose time signature changes are
skipped, since groove consistency needs a constant bar length.

    .venv/bin/python benchmarks/reference_stats.py [--essen altdeu10 altdeu20 ...] [--limit N]
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from musigen_agent.analysis import Notes, texture_metrics
from musigen_agent.analysis.metrics import GRID, summary_stats

try:
    import music21
    from music21 import corpus, meter, stream
except ImportError:  # pragma: no cover - a benchmark dependency
    sys.exit("music21 is needed: .venv/bin/pip install music21 (or pip install 'musigen-agent[bench]')")

TPQ = 480
OUT = Path(__file__).resolve().parents[1] / "musigen_agent" / "data" / "reference_stats.json"
DEFAULT_ESSEN = ("altdeu10", "altdeu20", "ballad10", "kinder0")
METRICS = (
    "pitch_class_entropy",
    "scale_consistency",
    "n_pitch_classes_used",
    "n_pitches_used",
    "pitch_range",
    "polyphony",
    "polyphony_rate",
    "empty_beat_rate",
    "groove_consistency",
    "note_density",
    "onset_density",
)
#: Which corpora define the band a metric is judged against, per scope of analyze():
#: the whole piece is polyphonic (chorales) for pitch content, while the rhythm bands
#: pool chorales and folk tunes; the melody is judged against real melodies.
RANGE_RULES: dict[str, dict[str, tuple[str, ...]]] = {
    "piece": {
        "pitch_class_entropy": ("bach_chorales",),
        "scale_consistency": ("bach_chorales",),
        "n_pitch_classes_used": ("bach_chorales",),
        "empty_beat_rate": ("bach_chorales", "essen_folk"),
        "groove_consistency": ("bach_chorales", "essen_folk"),
    },
    "melody": {
        "pitch_class_entropy": ("essen_folk", "bach_soprano"),
        "scale_consistency": ("essen_folk", "bach_soprano"),
        "n_pitch_classes_used": ("essen_folk", "bach_soprano"),
        "pitch_range": ("essen_folk", "bach_soprano"),
        "groove_consistency": ("essen_folk", "bach_soprano"),
    },
}


class Skip(Exception):
    """A score that cannot be measured like the others (reason in the message)."""


def score_parts(score: stream.Score) -> tuple[list[Notes], int, int]:
    """Note columns of every part, the bar length and the tick where the music begins."""
    signatures = list(score.recurse().getElementsByClass(meter.TimeSignature))
    if len({ts.ratioString for ts in signatures}) > 1:
        raise Skip("time signature changes")
    ts = signatures[0] if signatures else meter.TimeSignature("4/4")
    bar_ql = float(ts.barDuration.quarterLength)
    parts = []
    begin = 0
    for part in score.parts:
        first = part.getElementsByClass(stream.Measure).first()
        shift = bar_ql - float(first.duration.quarterLength) if first is not None else 0.0
        shift = shift if 0 < shift < bar_ql else 0.0
        begin = round(shift * TPQ)
        rows = []
        for el in part.stripTies().flatten().notes:
            if el.duration.isGrace or el.quarterLength == 0:
                continue
            start = round((float(el.offset) + shift) * TPQ)
            dur = max(1, round(float(el.quarterLength) * TPQ))
            vel = el.volume.velocity or 64
            rows.extend((start, dur, p.midi, vel) for p in el.pitches)
        parts.append(Notes.from_rows(rows, name=part.partName or ""))
    if sum(len(p) for p in parts) < 8:
        raise Skip("fewer than 8 notes")
    return parts, round(bar_ql * TPQ), begin


def measure(parts: list[Notes], bar_ticks: int, begin: int) -> dict[str, Any]:
    end = max(int(p.end.max()) for p in parts if len(p))
    return texture_metrics(parts, TPQ, bar_ticks, end, begin)


def chorales(limit: int | None) -> Iterator[stream.Score]:
    for k, score in enumerate(corpus.chorales.Iterator(numberingSystem="bwv")):
        if limit is not None and k >= limit:
            return
        yield score


def essen(files: tuple[str, ...], limit: int | None) -> Iterator[stream.Score]:
    count = 0
    for name in files:
        opus = corpus.parse(f"essenFolksong/{name}")
        for score in opus.scores if isinstance(opus, stream.Opus) else [opus]:
            if limit is not None and count >= limit:
                return
            count += 1
            yield score


def collect(scores: Iterator[stream.Score], soprano: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Measure every score; with ``soprano`` also measure each first part alone as a melody."""
    rows: list[dict[str, Any]] = []
    skipped: Counter[str] = Counter()
    for score in scores:
        try:
            parts, bar, begin = score_parts(score)
            rows.append(measure(parts, bar, begin))
            if soprano is not None and len(parts[0]):
                soprano.append(measure(parts[:1], bar, begin))
        except Skip as why:
            skipped[str(why)] += 1
        except Exception as exc:  # noqa: BLE001 - a malformed corpus file is counted, not fatal
            skipped[f"{type(exc).__name__}"] += 1
    return {"count": len(rows), "skipped": dict(skipped), "metrics": _stats(rows)}


def _stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {m: summary_stats([r.get(m) for r in rows]) for m in METRICS}


def ranges(corpora: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Band per metric: from the lowest 5th to the highest 95th percentile of its corpora."""
    out: dict[str, Any] = {}
    for scope, rules in RANGE_RULES.items():
        out[scope] = {}
        for metric, names in rules.items():
            stats = [corpora[n]["metrics"][metric] for n in names if corpora[n]["metrics"][metric]["count"]]
            out[scope][metric] = {
                "lo": min(s["p5"] for s in stats),
                "hi": max(s["p95"] for s in stats),
                "corpora": list(names),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--essen", nargs="+", default=list(DEFAULT_ESSEN), help="Essen collections (abc files)")
    parser.add_argument("--limit", type=int, default=None, help="at most N scores per corpus (quick runs)")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    t0 = time.perf_counter()
    soprano: list[dict[str, Any]] = []
    bach = collect(chorales(args.limit), soprano)
    bach["source"] = "music21.corpus.chorales.Iterator(numberingSystem='bwv'), all parts"
    folk = collect(essen(tuple(args.essen), args.limit))
    folk["source"] = f"music21 corpus essenFolksong/{{{','.join(args.essen)}}}.abc, every tune"
    corpora = {
        "bach_chorales": bach,
        "bach_soprano": {
            "source": "first (soprano) part of each measured chorale, alone",
            "count": len(soprano),
            "skipped": {},
            "metrics": _stats(soprano),
        },
        "essen_folk": folk,
    }
    data = {
        "provenance": {
            "generated_by": "benchmarks/reference_stats.py",
            "date": datetime.date.today().isoformat(),
            "music21_version": music21.__version__,
            "python": platform.python_version(),
            "ticks_per_quarter": TPQ,
            "grid_steps_per_quarter": GRID,
            "statistics": "mean, sample sd, 5th/95th percentile, min, max over pieces",
            "seconds": round(time.perf_counter() - t0, 1),
        },
        "corpora": corpora,
        "ranges": ranges(corpora),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    for name, c in corpora.items():
        m = c["metrics"]
        print(
            f"{name:14} n={c['count']:4} skipped={sum(c['skipped'].values()):3}  "
            + "  ".join(f"{k}={m[k]['mean']}±{m[k]['sd']}" for k in ("pitch_class_entropy", "scale_consistency"))
            + f"  groove={m['groove_consistency']['mean']}  empty={m['empty_beat_rate']['mean']}"
        )
    print(f"wrote {args.out} in {data['provenance']['seconds']} s")


if __name__ == "__main__":
    main()
