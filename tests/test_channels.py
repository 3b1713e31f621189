"""channels.ChannelJobs: one job per audio channel, side by side, errors surfaced."""

from __future__ import annotations

import threading

import pytest

from musigen_agent.channels import ChannelJobs


@pytest.mark.parametrize("channels", [0, 1, 2, 5])
def test_every_channel_runs_once(channels: int) -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def job(ch: int) -> None:
        with lock:
            seen.append(ch)

    with ChannelJobs(channels) as jobs:
        jobs.run(job)
    assert sorted(seen) == list(range(channels))


def test_channels_run_at_the_same_time() -> None:
    """Both jobs must be inside at once: a barrier of two only opens if they overlap."""
    barrier = threading.Barrier(2, timeout=5)
    with ChannelJobs(2) as jobs:
        jobs.run(lambda ch: barrier.wait())


def test_an_error_in_a_helper_thread_is_raised_after_all_ended() -> None:
    finished = threading.Event()

    def job(ch: int) -> None:
        if ch == 1:
            raise ValueError("channel 1 broke")
        finished.set()

    with ChannelJobs(2) as jobs, pytest.raises(ValueError, match="channel 1 broke"):
        jobs.run(job)
    assert finished.is_set()


def test_jobs_reuse_their_threads_for_several_runs() -> None:
    names: set[str] = set()
    with ChannelJobs(2) as jobs:
        for _ in range(3):
            jobs.run(lambda ch: names.add(threading.current_thread().name) if ch else None)
    assert len(names) == 1 and next(iter(names)).startswith("musigen-channel")
