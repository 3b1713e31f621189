"""Train the genre/mood classifier, print held-out accuracy and confusion matrices, ship its weights.

Usage: python benchmarks/bench_classifier.py [--index INDEX.sqlite] [--seeds 6] [--ship]

Data: theory-composer pieces for every genre x mood x seed (held out: the last two
seeds) plus, with ``--index``, real corpus files (chorales = classical, folk tunes = folk,
mood from mode and activity; held out: a fixed 25% by file-name hash).  With ``--ship``
the classifier is refitted on everything and written to
``musigen_agent/data/neural/classifier.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from musigen_agent.analysis.suite import GENRES, MOODS, suite_spec
from musigen_agent.compose import compose
from musigen_agent.midi_import import import_midi
from musigen_agent.neural.classify import WEIGHTS, Softmax, features, save
from musigen_agent.neural.data import load_index
from musigen_agent.neural.tokens import load_piece
from musigen_agent.plugin_manager import load_plugins

PER_GENRE = 150
FAMILIES = slice(12, 28)


def _confusion(truth: list[str], guess: list[str], labels: list[str]) -> str:
    width = max(len(x) for x in labels) + 1
    lines = [" " * width + "".join(f"{x[:6]:>7}" for x in labels) + "   <- predicted"]
    for t in labels:
        counts = [sum(1 for a, b in zip(truth, guess, strict=True) if a == t and b == p) for p in labels]
        lines.append(f"{t:<{width}}" + "".join(f"{c:>7}" for c in counts))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", help="sqlite index of a real corpus (musigen data index)")
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--ship", action="store_true")
    args = parser.parse_args()
    plugins = load_plugins(entry_points=False)
    cat = plugins.catalog
    x, genre, mood, test = [], [], [], []
    for g in GENRES:
        for m in MOODS:
            for seed in range(1, args.seeds + 1):
                arr = compose(suite_spec(cat, g, m, seed=seed, seconds=40), plugins).arrangement
                x.append(features(arr))
                genre.append(g)
                mood.append(m)
                test.append(seed > args.seeds - 2)
    if args.index:
        per: dict[str, int] = {}
        for row in load_index(args.index):
            if per.get(row["genre"], 0) >= PER_GENRE or row["genre"] not in GENRES:
                continue
            piece = load_piece(row)
            if piece is None:
                continue
            per[row["genre"]] = per.get(row["genre"], 0) + 1
            x.append(features(import_midi(Path(row["path"]).read_bytes(), cat)[1]))
            genre.append(row["genre"])
            mood.append(piece.mood)
            test.append(int(hashlib.sha1(Path(row["path"]).name.encode()).hexdigest(), 16) % 4 == 0)
    xs, held = np.array(x), np.array(test)
    report = {"train": int((~held).sum()), "test": int(held.sum())}
    for head, labels in (("genre", genre), ("mood", mood)):
        model = Softmax.fit(xs[~held], [v for v, t in zip(labels, test, strict=True) if not t])
        truth = [v for v, t in zip(labels, test, strict=True) if t]
        guess = model.predict(xs[held])
        acc = float(np.mean([a == b for a, b in zip(truth, guess, strict=True)]))
        report[f"{head}_accuracy"] = round(acc, 3)
        print(f"\n{head}: held-out accuracy {acc:.3f} on {len(truth)} pieces")
        print(_confusion(truth, guess, sorted(set(labels))))
    # Ablation: the band (GM families) nearly gives a theory genre away; without it the
    # number says how much the musical features alone carry.
    bare = xs.copy()
    bare[:, FAMILIES] = 0.0
    model = Softmax.fit(bare[~held], [v for v, t in zip(genre, test, strict=True) if not t])
    truth = [v for v, t in zip(genre, test, strict=True) if t]
    report["genre_accuracy_without_instruments"] = round(
        float(np.mean([a == b for a, b in zip(truth, model.predict(bare[held]), strict=True)])), 3
    )
    print(json.dumps(report))
    if args.ship:
        models = {"genre": Softmax.fit(xs, genre), "mood": Softmax.fit(xs, mood)}
        save(
            models,
            WEIGHTS,
            {"command": "python benchmarks/bench_classifier.py --index INDEX --ship", **report, "moods": list(MOODS)},
        )


if __name__ == "__main__":
    main()
