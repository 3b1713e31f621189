"""Prometheus metrics in the text exposition format, written by hand (no extra dependency).

Requests are labelled by route *template* (``/v1/tracks/{track_id}``), never by raw
path, so the number of series stays bounded whatever clients send.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Latency histogram buckets, in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """Counters and a latency histogram, safe to update from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.latency_counts: dict[str, list[int]] = {}
        self.latency_sum: dict[str, float] = defaultdict(float)
        self.errors: dict[str, int] = defaultdict(int)
        self.work: dict[tuple[str, str], int] = defaultdict(int)
        self.gauges: dict[str, Callable[[], float]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            counts = self.latency_counts.setdefault(route, [0] * (len(BUCKETS) + 1))
            counts[next((i for i, b in enumerate(BUCKETS) if seconds <= b), len(BUCKETS))] += 1
            self.latency_sum[route] += seconds

    def count_error(self, kind: str) -> None:
        with self._lock:
            self.errors[kind] += 1

    def count_work(self, kind: str, outcome: str) -> None:
        """One finished compose or render: outcome ok, or the problem kind that ended it."""
        with self._lock:
            self.work[(kind, outcome)] += 1

    def render(self) -> str:
        """The exposition text."""
        out: list[str] = []
        with self._lock:
            _family(out, "musigen_http_requests_total", "counter", "HTTP requests by method, route and status.")
            for (method, route, status), n in sorted(self.requests.items()):
                out.append(f"musigen_http_requests_total{_labels(method=method, route=route, status=status)} {n}")
            _family(out, "musigen_http_request_duration_seconds", "histogram", "Request latency by route.")
            for route, counts in sorted(self.latency_counts.items()):
                running = 0
                for bound, n in zip((*map(str, BUCKETS), "+Inf"), counts, strict=True):
                    running += n
                    out.append(
                        f"musigen_http_request_duration_seconds_bucket{_labels(route=route, le=bound)} {running}"
                    )
                out.append(f"musigen_http_request_duration_seconds_sum{_labels(route=route)} {self.latency_sum[route]}")
                out.append(f"musigen_http_request_duration_seconds_count{_labels(route=route)} {running}")
            _family(out, "musigen_work_total", "counter", "Composes and renders finished, by kind and outcome.")
            for (kind, outcome), n in sorted(self.work.items()):
                out.append(f"musigen_work_total{_labels(kind=kind, outcome=outcome)} {n}")
            _family(out, "musigen_errors_total", "counter", "Problem responses by problem type.")
            for kind, n in sorted(self.errors.items()):
                out.append(f"musigen_errors_total{_labels(type=kind)} {n}")
            gauges = dict(self.gauges)
        for name, read in sorted(gauges.items()):
            _family(out, name, "gauge", name.replace("_", " "))
            out.append(f"{name} {read()}")
        return "\n".join(out) + "\n"


def _family(out: list[str], name: str, kind: str, help_text: str) -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} {kind}")


def _labels(**labels: str) -> str:
    def esc(v: str) -> str:
        return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return "{" + ",".join(f'{k}="{esc(v)}"' for k, v in labels.items()) + "}"


class MetricsMiddleware:
    """Times every HTTP request and records it under its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.observe(scope["method"], route, status, time.perf_counter() - start)
