"""The per-app state every router reaches through ``request.app.state`` (no module globals).

Keeping it on the app is what lets tests and benchmarks build several independent
apps in one process, each with its own registry, keys and limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from ..keys import KeyStore
from .jobs import JobRunner
from .limits import Limits, RateLimiter, RenderSlots
from .metrics import Metrics
from .studio import Studio


@dataclass
class AppState:
    """Everything one app instance owns."""

    studio: Studio
    keys: KeyStore
    require_keys: bool
    limits: Limits
    rate: RateLimiter
    render_slots: RenderSlots
    jobs: JobRunner
    metrics: Metrics


def app_state(request: Request) -> AppState:
    """The state of the app serving ``request``."""
    return request.app.state.musigen
