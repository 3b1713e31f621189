"""Run one job per audio channel at once.

The long passes of the mix and the master (FFT convolution, the K-weighting IIR) are C
loops that release the GIL and work on one channel at a time, so on the two cores
this tool server targets, the channels of a stereo piece can go side by side
(measured in benchmarks/bench_render.py).  Assembling stems from notes is memory
bound and was measured *slower* in threads, so it stays serial.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType


class ChannelJobs:
    """Helper threads for one piece of work (a context manager; nothing is kept after
    it): :meth:`run` calls ``job(ch)`` for every channel, channel 0 on the calling thread."""

    def __init__(self, channels: int) -> None:
        self.channels = channels
        self._pool = (
            ThreadPoolExecutor(max_workers=channels - 1, thread_name_prefix="musigen-channel") if channels > 1 else None
        )

    def run(self, job: Callable[[int], None]) -> None:
        """``job(ch)`` for every channel at once; the jobs must write disjoint data.  An
        exception in any job is raised here, once all have ended."""
        if self._pool is None:
            if self.channels == 1:
                job(0)
            return
        helpers = [self._pool.submit(job, ch) for ch in range(1, self.channels)]
        try:
            job(0)
        finally:
            errors = [f.exception() for f in helpers]
        for error in errors:
            if error is not None:
                raise error

    def __enter__(self) -> ChannelJobs:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown()
