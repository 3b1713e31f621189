"""Train the neural backend from scratch on a MIDI folder and time it (the shipped weights come from this).

Usage:
    OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_train.py CORPUS_DIR OUT_DIR [--steps 600] [--seed 0]

Indexes CORPUS_DIR (resumable), trains with 2 CPU threads, and prints wall time, the
validation loss and the best n-gram baseline on the same windows.  With ``--ship`` the
weights and a training record (exact command, metrics, corpus counts) are copied to
``musigen_agent/data/neural/``.  OMP_WAIT_POLICY=PASSIVE stops idle OpenMP threads from
spinning, which on a shared 2-core machine makes a step several times faster.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from musigen_agent.neural import DATA_DIR
from musigen_agent.neural.data import index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("out")
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--ship", action="store_true", help="copy weights + record into musigen_agent/data/neural")
    args = parser.parse_args()

    from musigen_agent.plugins.models.neural.train import train

    def progress(fraction: float, message: str) -> None:
        print(f"[{time.perf_counter() - t0:7.1f}s {fraction:4.0%}] {message}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    summary = index(args.corpus, out / "index.sqlite", workers=2, progress=progress)
    metrics = train(
        out / "index.sqlite",
        out,
        steps=args.steps,
        seed=args.seed,
        resume=args.resume,
        progress=progress,
    )
    wall = time.perf_counter() - t0
    record = {
        "command": "OMP_WAIT_POLICY=PASSIVE python " + " ".join(sys.argv),
        "corpus_export": "python scripts/export_corpus.py CORPUS_DIR  (music21 10.5.1)",
        "index": summary,
        "wall_seconds": round(wall, 1),
        **metrics,
    }
    print(json.dumps({k: record[k] for k in ("wall_seconds", "val_loss", "ngram_baseline", "params", "steps")}))
    if args.ship:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        shutil.copy(out / "model.pt", DATA_DIR / "model.pt")
        (DATA_DIR / "training.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
