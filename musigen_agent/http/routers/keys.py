"""API keys over HTTP, for admin keys (the CLI `musigen keys ...` does the same on the box)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request

from ..auth import Admin
from ..context import app_state
from ..models import KeyRequest, KeyView, NewKey
from ..problems import responses

router = APIRouter(prefix="/v1/keys", tags=["keys"], responses=responses())


@router.post("", status_code=201, response_model=NewKey, summary="Create an API key")
async def create_key(body: KeyRequest, request: Request, _: Admin) -> Any:
    """The token is in this answer only; the server keeps just its SHA-256."""
    token, record = app_state(request).keys.create(body.name, list(body.scopes))
    return {**record, "token": token}


@router.get("", response_model=list[KeyView], summary="List API keys")
async def list_keys(request: Request, _: Admin) -> Any:
    return app_state(request).keys.list()


@router.delete("/{key_id}", response_model=KeyView, summary="Revoke an API key")
async def revoke_key(key_id: Annotated[str, Path(max_length=100)], request: Request, _: Admin) -> Any:
    """Takes effect on the next request; the key stays listed as revoked."""
    return app_state(request).keys.revoke(key_id)
