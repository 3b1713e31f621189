"""What the studio knows: instruments, genres, moods, models, formats and the plugins providing them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from ...services import CATALOG_KINDS, FORMATS
from ..auth import Reader
from ..context import app_state
from ..problems import responses

router = APIRouter(prefix="/v1", tags=["catalog"], responses=responses())


def _catalog_route(kind: str) -> None:
    """Register GET /v1/{kind}; one per catalogue kind so each has its own documented path."""

    async def list_kind(request: Request, _: Reader) -> Any:
        return await app_state(request).studio.call(lambda s: s.list_catalog(kind))

    list_kind.__doc__ = f"Every known {kind[:-1]}, with the plugin that provides it."
    router.add_api_route(
        f"/{kind}",
        list_kind,
        methods=["GET"],
        response_model=list[dict[str, Any]],
        summary=f"List {kind}",
        name=f"list_{kind}",
    )


for _kind in CATALOG_KINDS:
    _catalog_route(_kind)


@router.get("/formats", response_model=dict[str, str], summary="Render formats")
async def list_formats(_: Reader) -> Any:
    """The formats `formats` fields accept, with what each one is."""
    return FORMATS


@router.get("/plugins", response_model=list[dict[str, Any]], summary="Plugins and their health")
async def list_plugins(request: Request, _: Reader) -> Any:
    return await app_state(request).studio.call(lambda s: s.list_plugins())
