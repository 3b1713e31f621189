"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from ..auth import Reader
from ..context import app_state
from ..models import Status
from ..problems import HttpProblem, responses

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Status, summary="Liveness: the process answers")
async def healthz() -> Any:
    return {"status": "ok"}


@router.get(
    "/readyz", response_model=Status, responses=responses(503, common=False), summary="Readiness: the registry answers"
)
async def readyz(request: Request) -> Any:
    """Ready when a worker thread can read the registry (so a stuck pool or a broken database shows)."""
    try:
        await app_state(request).studio.call(lambda s: s.list_tracks(limit=1))
    except Exception as exc:  # any failure means "not ready"; the detail says which
        raise HttpProblem(503, "not-ready", f"The registry did not answer: {type(exc).__name__}.") from exc
    return {"status": "ready"}


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}, **responses()},
    summary="Prometheus metrics",
)
async def metrics(request: Request, _: Reader) -> PlainTextResponse:
    """Requests by route and status, latency histograms, composes/renders by outcome, problems by type."""
    return PlainTextResponse(app_state(request).metrics.render(), media_type="text/plain; version=0.0.4")
