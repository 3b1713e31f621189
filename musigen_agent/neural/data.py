"""Index a folder tree of MIDI files: parse in parallel, reject broken ones with a reason, record metadata.

The index is a sqlite table (``files``, via sqlite-utils) with one row per file:
its status (``ok`` or ``rejected`` plus the reason), genre (from the folder names),
tempo, estimated key and mode, meter, GM programs, length and note counts.  It is
resumable: a file whose path, mtime and size are already in the index is not parsed
again, so re-running after an interruption (or after adding files) only does the new
work.  Parsing uses symusic (C++, ~1 ms per file), one process per worker.

Layouts: the genre of a file is the first folder on its path (relative to the root)
named like a genre (``OUT/folk/essen/x.mid`` -> folk, ``lmd/rock/…`` -> rock), else
``default_genre``.  Lakh MIDI (``lmd_full/0/…``) has no genre folders: pass
``default_genre`` or sort files into genre folders first; MAESTRO (``2004/…``) is all
classical piano: ``default_genre="classical"``.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import sqlite_utils

from . import Progress, no_progress

GENRES = ("pop", "rock", "classical", "jazz", "electronic", "folk", "blues", "country", "reggae", "funk")
MIDI_SUFFIXES = (".mid", ".midi", ".smf", ".kar")
#: Defaults for "huge": bigger files are generated dumps or multi-piece medleys, not songs.
MAX_MB = 4.0
MAX_NOTES = 100_000
BATCH = 200


def _genre(rel: Path, default: str) -> str:
    for part in rel.parts[:-1]:
        word = part.lower().replace("-", "_").replace(" ", "_")
        if word in GENRES:
            return word
    return default


def inspect(path: str, max_mb: float = MAX_MB, max_notes: int = MAX_NOTES) -> dict[str, Any]:
    """Parse one MIDI file and describe it, or say why it is unusable (never raises)."""
    import symusic

    from ..analysis.metrics import estimate_key

    size = os.path.getsize(path)
    if size == 0:
        return {"status": "rejected", "reason": "empty: 0-byte file"}
    if size > max_mb * 1e6:
        return {"status": "rejected", "reason": f"huge: {size / 1e6:.1f} MB > {max_mb:g} MB"}
    try:
        score = symusic.Score(path)
    except Exception as exc:  # symusic raises plain RuntimeError/ValueError for bad bytes
        return {"status": "rejected", "reason": f"corrupt: {type(exc).__name__}: {str(exc)[:200]}"}
    notes = score.note_num()
    if notes == 0:
        return {"status": "rejected", "reason": "empty: no notes"}
    if notes > max_notes:
        return {"status": "rejected", "reason": f"huge: {notes} notes > {max_notes}"}
    tpq = score.ticks_per_quarter
    quarters = (score.end() - score.start()) / tpq
    if quarters <= 0:
        return {"status": "rejected", "reason": "zero-length: every note starts and ends at one tick"}
    pitched = [t for t in score.tracks if not t.is_drum and t.note_num()]
    if not pitched:
        return {"status": "rejected", "reason": "no pitched notes (drums only)"}
    cols = [t.notes.numpy() for t in pitched]
    pitches = np.concatenate([c["pitch"] for c in cols])
    durations = np.concatenate([c["duration"] for c in cols])
    key = estimate_key(pitches, durations)
    tempo = float(score.tempos[0].qpm) if len(score.tempos) else 120.0
    ts = score.time_signatures
    meter = f"{ts[0].numerator}/{ts[0].denominator}" if len(ts) else "4/4"
    return {
        "status": "ok",
        "reason": "",
        "tempo": round(tempo, 2),
        "tonic": key[0] if key else None,
        "mode": key[1] if key else None,
        "key_r": round(key[2], 3) if key else None,
        "meter": meter,
        "meters": len({(t.numerator, t.denominator) for t in ts}),
        "programs": json.dumps(sorted({128 if t.is_drum else t.program for t in score.tracks if t.note_num()})),
        "pitched_tracks": len(pitched),
        "quarters": round(quarters, 2),
        "seconds": round(quarters * 60.0 / tempo, 2),
        "notes": notes,
        "pitched_notes": int(len(pitches)),
    }


def _inspect_job(job: tuple[str, float, int]) -> dict[str, Any]:
    try:
        return inspect(*job)
    except Exception as exc:  # a worker must answer for every file, whatever it contained
        return {"status": "rejected", "reason": f"corrupt: {type(exc).__name__}: {str(exc)[:200]}"}


def index(
    path: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    workers: int = 2,
    progress: Progress = no_progress,
    default_genre: str = "unknown",
    max_mb: float = MAX_MB,
    max_notes: int = MAX_NOTES,
) -> dict[str, Any]:
    """Scan ``path`` for MIDI files and add them to the sqlite index at ``out``; returns a summary.

    Rows are written in batches as results arrive, so an interrupted run keeps what it
    finished and the next run (same arguments) resumes where it stopped.
    """
    root = Path(path).resolve()
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is not a folder of MIDI files")
    db = sqlite_utils.Database(out)
    table = db["files"]
    known: dict[str, tuple[float, int]] = {}
    if table.exists():
        known = {r["path"]: (r["mtime"], r["size"]) for r in table.rows_where(select="path, mtime, size")}
    todo: list[tuple[str, float, int]] = []
    skipped = 0
    for file in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in MIDI_SUFFIXES):
        st = file.stat()
        if known.get(str(file)) == (st.st_mtime, st.st_size):
            skipped += 1
            continue
        todo.append((str(file), st.st_mtime, st.st_size))
    counts = {"ok": 0, "rejected": 0}
    rows: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    jobs = [(f, max_mb, max_notes) for f, _, _ in todo]
    with ProcessPoolExecutor(max_workers=max(1, workers)) as pool:
        for k, ((file, mtime, size), info) in enumerate(
            zip(todo, pool.map(_inspect_job, jobs, chunksize=16), strict=True)
        ):
            rel = Path(file).relative_to(root)
            rows.append({"path": file, "mtime": mtime, "size": size, "genre": _genre(rel, default_genre), **info})
            counts[info["status"]] += 1
            if len(rows) >= BATCH or k == len(todo) - 1:
                table.upsert_all(rows, pk="path", alter=True)
                rows = []
                progress((k + 1) / len(todo), f"indexed {k + 1}/{len(todo)} files")
    return {
        "index": str(out),
        "scanned": len(todo) + skipped,
        "skipped_unchanged": skipped,
        "ok": counts["ok"],
        "rejected": counts["rejected"],
        "seconds": round(time.perf_counter() - t0, 2),
    }


def load_index(out: str | os.PathLike[str], status: str = "ok") -> list[dict[str, Any]]:
    """Rows of the index with ``status``, in path order (deterministic splits downstream)."""
    db = sqlite_utils.Database(out)
    if not db["files"].exists():
        return []
    return list(db["files"].rows_where("status = ?", [status], order_by="path"))


def rejections(out: str | os.PathLike[str]) -> dict[str, str]:
    """path -> reason for every rejected file (for reports and tests)."""
    return {r["path"]: r["reason"] for r in load_index(out, "rejected")}
