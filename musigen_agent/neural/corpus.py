"""Export the real music that ships inside ``music21`` to a folder of MIDI files.

This gives the training pipeline a corpus that is available offline and fixed by the
music21 version: Bach's four-part chorales (genre ``classical``) and folk tunes from the
Essen collection and O'Neill's *Music of Ireland* (genre ``folk``).  The folder layout
``OUT/<genre>/<collection>/<name>.mid`` is the one :func:`musigen_agent.neural.data.index`
reads genres from, so any other corpus laid out the same way trains the same way.

music21 is a data-preparation dependency only (imported inside the functions); the
exported corpus is *not* committed, only this exporter and the weights trained on it.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from . import Progress, no_progress

#: Folk collections inside music21 and how many tunes to aim for (every k-th tune, so the
#: selection spans each collection instead of its first pages).
FOLK_SOURCES: dict[str, int] = {"essenFolksong": 700}
#: Files counted when spacing the picks but not exported: music21 10.5 takes many minutes
#: to parse each of the big ones on a busy 2-core machine, and the test files are not tunes.
SKIP = ("han2", "irl", "kinder0", "lux", "zuccal0", "variant0", "test0", "test1", "testd", "teste")


def _write(score: Any, path: Path) -> None:
    """Write a music21 score as MIDI with its pickup bar padded to a full bar.

    music21 starts an anacrusis at tick 0, which would put every later barline in the
    middle of a MIDI bar; shifting by the missing part of the first bar keeps bars aligned.
    """
    import symusic

    pad = 0.0
    parts = score.parts if score.parts else [score]
    measures = parts[0].getElementsByClass("Measure")
    if measures:
        first = measures[0]
        bar = first.barDuration.quarterLength
        if 0 < first.duration.quarterLength < bar:
            pad = bar - first.duration.quarterLength
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.mid"
        score.write("midi", fp=str(raw))
        midi = symusic.Score(str(raw))
    if pad:
        midi = midi.shift_time(round(pad * midi.ticks_per_quarter))
    path.parent.mkdir(parents=True, exist_ok=True)
    midi.dump_midi(str(path))


def _export_file(job: tuple[str, str, str, list[int]]) -> tuple[int, list[str]]:
    """Export the selected tunes (or movements) of one music21 corpus file; runs in a worker."""
    from music21 import corpus

    out, collection, source, picks = job
    errors: list[str] = []
    done = 0
    try:
        parsed = corpus.parse(source)
    except Exception as exc:  # a broken corpus file skips its tunes, never the export
        return 0, [f"{source}: {type(exc).__name__}: {exc}"]
    scores = list(parsed.scores) if hasattr(parsed, "scores") else [parsed]
    genre = "classical" if collection == "bach" else "folk"
    for i in picks:
        if i >= len(scores):
            continue
        name = Path(source).name.removesuffix(".abc").replace(".", "_") + (f"_{i:03d}" if len(scores) > 1 else "")
        try:
            _write(scores[i], Path(out) / genre / collection / f"{name}.mid")
            done += 1
        except Exception as exc:
            errors.append(f"{source}#{i}: {type(exc).__name__}: {exc}")
    return done, errors


def _jobs(out: Path, folk: dict[str, int]) -> list[tuple[str, str, str, list[int]]]:
    """One job per corpus file: every chorale, and an evenly spaced pick of folk tunes."""
    from music21 import corpus

    jobs = [
        (str(out), "bach", str(p), [0])
        for p in sorted(corpus.chorales.Iterator(numberingSystem="bwv", returnType="filename"))
    ]
    for collection, wanted in folk.items():
        files = sorted(str(p) for p in corpus.getComposer(collection) if str(p).endswith(".abc"))
        counts = []
        for f in files:
            with open(f, encoding="latin-1") as fh:
                counts.append(sum(1 for line in fh if line.startswith("X:")))
        step = max(1, sum(counts) // max(1, wanted))
        index = 0
        for f, n in zip(files, counts, strict=True):
            picks = [i for i in range(n) if (index + i) % step == 0]
            index += n
            if picks and Path(f).stem not in SKIP:
                jobs.append((str(out), collection, f, picks))
    return jobs


def export_music21(
    out: str | os.PathLike[str],
    *,
    folk: dict[str, int] | None = None,
    workers: int = 2,
    progress: Progress = no_progress,
) -> dict[str, Any]:
    """Write the music21 chorales and folk tunes as MIDI under ``out``; returns counts and errors.

    Deterministic for a given music21 version (recorded in the result), so the shipped
    weights can be reproduced from the command in ``data/neural/training.json``.
    """
    import music21

    root = Path(out)
    jobs = _jobs(root, FOLK_SOURCES if folk is None else folk)
    written, errors = 0, []
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        for k, (done, errs) in enumerate(pool.map(_export_file, jobs, chunksize=4)):
            written += done
            errors.extend(errs)
            progress((k + 1) / len(jobs), f"exported {written} pieces")
    return {"out": str(root), "written": written, "errors": errors, "music21": music21.__version__}
