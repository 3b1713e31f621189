"""Rendered stems, kept so that a mix change or a one-part edit does not re-synthesise
the whole piece.

A stem is identified by a content key (:func:`stem_key`): a hash of everything its
samples depend on -- the part's notes, program and drum flag, its role (calibration
level), the SoundFont file (path, size and modification time), the sample rate, tempo,
length and :data:`musigen_agent.render.RENDERER_VERSION`.  Equal keys mean equal
samples, so entries never need invalidating: a changed input is simply another key.

Two levels:

* an in-memory LRU bounded in bytes (stems are large: 60 s of stereo float32 is
  21 MB), shared by every render in the process;
* optionally an on-disk directory of ``.npy`` files (uncompressed: float audio barely
  compresses and decompressing costs more than re-reading), bounded in bytes and
  evicted oldest-used first, so a new process (one CLI call after another) finds the
  stems of the previous one.  Files are written by a background thread (~35 ms per
  2-minute stem, a fifth of a new 8-part track's render time, taken off the request):
  a stem still on its way is served from memory, :meth:`StemCache.flush` waits for the
  writes, and the thread is not a daemon, so a process that exits waits for them too.

The memory level also keeps signals *derived* from stems (:meth:`StemCache.remember`):
a track's EQ/compressor output, under a key made the same way from the stem's key and
the settings, so a re-render after a change elsewhere in the mix or a one-part edit
re-processes only what changed.  They are not written to disk: recomputing one costs
about as much as writing it.

Every array handed out is read-only: callers share the cached array and must copy it
before changing it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

#: Default bound of the in-memory level: about 24 stems of 60 s at 44.1 kHz.
DEFAULT_MEMORY_BYTES = 512 * 2**20
#: Default bound of the on-disk level.
DEFAULT_DISK_BYTES = 2 * 2**30
_SUFFIX = ".npy"


def stem_key(parts: Iterable[bytes | str | int | float | bool]) -> str:
    """A hex SHA-256 of the given values, each length-prefixed so no two different
    sequences of values can hash alike."""
    h = hashlib.sha256()
    for value in parts:
        data = value if isinstance(value, bytes) else repr(value).encode("utf-8")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


class StemCache:
    """Memory LRU plus optional on-disk store of stems by content key; thread-safe.

    ``stats`` counts ``memory_hits``, ``disk_hits`` and ``misses`` of stems (what a test
    or a benchmark checks to see that a mix change re-rendered nothing),
    ``derived_hits`` and ``derived_misses`` of derived signals (a track's inserts), and
    ``master_hits`` and ``master_misses`` of mastered mixes.
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | None = None,
        *,
        max_memory_bytes: int = DEFAULT_MEMORY_BYTES,
        max_disk_bytes: int = DEFAULT_DISK_BYTES,
    ) -> None:
        self.directory = Path(directory) if directory is not None else None
        self.max_memory_bytes = max_memory_bytes
        self.max_disk_bytes = max_disk_bytes
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memory_bytes = 0
        self._lock = threading.Lock()
        self._pending: dict[str, np.ndarray] = {}  # stems queued for (or being written to) disk
        self._writer: threading.Thread | None = None
        self.stats = dict.fromkeys(
            ("memory_hits", "disk_hits", "misses", "derived_hits", "derived_misses", "master_hits", "master_misses"), 0
        )

    def get(self, key: str) -> np.ndarray | None:
        """The stem stored under ``key`` (read-only), or None."""
        with self._lock:
            stem = self._memory.get(key)
            if stem is not None:
                self._memory.move_to_end(key)
                self.stats["memory_hits"] += 1
                return stem
        stem = self._read(key)
        with self._lock:
            if stem is None:
                self.stats["misses"] += 1
                return None
            self.stats["disk_hits"] += 1
            self._remember(key, stem)
        return stem

    def put(self, key: str, stem: np.ndarray) -> np.ndarray:
        """Store ``stem`` under ``key`` (on disk in the background); returns it made
        read-only (the cached object)."""
        stem = np.ascontiguousarray(stem, dtype=np.float32)
        stem.flags.writeable = False
        with self._lock:
            self._remember(key, stem)
            if self.directory is not None:
                self._pending[key] = stem
                if self._writer is None or not self._writer.is_alive():
                    self._writer = threading.Thread(target=self._drain, name="musigen-stem-writer")
                    self._writer.start()
        return stem

    def flush(self) -> None:
        """Wait until every stem put so far is on disk (or failed to be written, logged)."""
        while True:
            with self._lock:
                writer = self._writer
            if writer is None or writer is threading.current_thread():
                return
            writer.join()

    def recall(self, key: str, kind: str | None = "derived") -> np.ndarray | None:
        """The derived signal kept under ``key`` (read-only), or None; memory only.
        Counted in ``stats`` as ``<kind>_hits`` / ``<kind>_misses`` (``derived`` or
        ``master``; ``None``: not counted, for what goes with a counted signal)."""
        with self._lock:
            signal = self._memory.get(key)
            if signal is not None:
                self._memory.move_to_end(key)
            if kind is not None:
                self.stats[f"{kind}_{'misses' if signal is None else 'hits'}"] += 1
            return signal

    def remember(self, key: str, signal: np.ndarray) -> np.ndarray:
        """Keep a signal derived from stems in memory (never on disk); returns it read-only."""
        signal = np.ascontiguousarray(signal, dtype=np.float32)
        signal.flags.writeable = False
        with self._lock:
            self._remember(key, signal)
        return signal

    def clear_memory(self) -> None:
        """Forget the in-memory level (the disk level stays); used to measure disk hits."""
        with self._lock:
            self._memory.clear()
            self._memory_bytes = 0

    # ------------------------------------------------------------------ memory
    def _remember(self, key: str, stem: np.ndarray) -> None:
        if stem.nbytes > self.max_memory_bytes:
            return
        old = self._memory.pop(key, None)
        if old is not None:
            self._memory_bytes -= old.nbytes
        self._memory[key] = stem
        self._memory_bytes += stem.nbytes
        while self._memory_bytes > self.max_memory_bytes:
            _, evicted = self._memory.popitem(last=False)
            self._memory_bytes -= evicted.nbytes

    # ------------------------------------------------------------------ disk
    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{key}{_SUFFIX}"

    def _drain(self) -> None:
        """The writer thread: write pending stems until none is left, then end."""
        while True:
            with self._lock:
                if not self._pending:
                    self._writer = None
                    return
                key, stem = next(iter(self._pending.items()))
            try:
                self._write(key, stem)
            except Exception:  # a cache write must never take the writer down with it
                log.exception("cannot cache stem %s", key)
            finally:
                with self._lock:
                    self._pending.pop(key, None)

    def _read(self, key: str) -> np.ndarray | None:
        if self.directory is None:
            return None
        with self._lock:
            pending = self._pending.get(key)
        if pending is not None:  # still on its way to disk
            return pending
        path = self._path(key)
        try:
            stem = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:  # truncated or foreign file: drop it, render again
            log.warning("dropping unreadable cached stem %s: %s", path, exc)
            path.unlink(missing_ok=True)
            return None
        if stem.dtype != np.float32 or stem.ndim != 2 or stem.shape[0] != 2:
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # mark as recently used for eviction
        except OSError:
            pass
        stem.flags.writeable = False
        return stem

    def _write(self, key: str, stem: np.ndarray) -> None:
        """Write atomically (temp file + rename), then evict beyond the size bound.

        A failing disk only costs the cache: the error is logged, never raised.
        """
        if self.directory is None:
            return
        path = self._path(key)
        if path.exists():
            return
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as fh:
                np.save(fh, stem, allow_pickle=False)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot cache stem in %s: %s", self.directory, exc)
            tmp.unlink(missing_ok=True)
            return
        self._evict_disk()

    def _evict_disk(self) -> None:
        assert self.directory is not None
        entries = []
        total = 0
        for path in self.directory.glob(f"*{_SUFFIX}"):
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            entries.append((st.st_mtime_ns, st.st_size, path))
            total += st.st_size
        for _mtime, size, path in sorted(entries):
            if total <= self.max_disk_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
