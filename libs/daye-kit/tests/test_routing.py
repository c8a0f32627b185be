"""Included routers step aside for paths none of their routes can match (`daye_kit.routing`), and
routing answers as FastAPI's own does: the route, 405 for another method, 404, the slash redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from starlette.types import Scope

from daye_kit.routing import PrefixGuardedRouter, literal_prefixes

programs = APIRouter(prefix="/api/v1/programs")
awards = APIRouter(prefix="/api/v1")
nested = APIRouter(prefix="/awards")


@programs.get("")
async def list_programs() -> list[str]:
    return ["p"]


@programs.get("/{program_id}")
async def read_program(program_id: int) -> dict[str, int]:
    return {"program": program_id}


@nested.get("/{award_id}")
async def read_award(award_id: int) -> dict[str, int]:
    return {"award": award_id}


@nested.post("/{award_id}/approval")
async def approve_award(award_id: int) -> dict[str, int]:
    return {"approved": award_id}


awards.include_router(nested, prefix="/funding")


@pytest.fixture
def app(kit_app: Callable[..., FastAPI]) -> FastAPI:
    return kit_app(programs, awards)


def guarded(app: FastAPI, router: APIRouter) -> PrefixGuardedRouter:
    [found] = [
        route
        for route in app.router.routes
        if isinstance(route, PrefixGuardedRouter) and route.original_router is router
    ]
    return found


def test_each_router_knows_the_literal_beginnings_of_its_paths(app: FastAPI) -> None:
    assert literal_prefixes(programs) == {"/api/v1/programs", "/api/v1/programs/"}
    assert literal_prefixes(awards) == {"/api/v1/funding/awards/"}  # the include's prefix counts
    assert guarded(app, programs).literal_prefixes == ("/api/v1/programs",)
    assert guarded(app, awards).literal_prefixes == ("/api/v1/funding/awards/",)


async def test_a_router_is_not_asked_for_a_path_it_cannot_match(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    original = programs.matches

    def counting(scope: Scope) -> Any:
        asked.append(scope["path"])
        return original(scope)

    monkeypatch.setattr(programs, "matches", counting)
    assert (await client.get("/api/v1/funding/awards/7")).json() == {"award": 7}
    assert asked == []
    assert (await client.get("/api/v1/programs/3")).json() == {"program": 3}
    assert asked == ["/api/v1/programs/3"]


async def test_routing_answers_as_before(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/programs")).json() == ["p"]
    assert (await client.post("/api/v1/funding/awards/7/approval")).json() == {"approved": 7}
    wrong_method = await client.delete("/api/v1/funding/awards/7")
    assert (wrong_method.status_code, wrong_method.headers["allow"]) == (405, "GET")
    assert (await client.get("/api/v1/nothing")).status_code == 404
    assert (await client.get("/api/v1/programs/not-a-number")).status_code == 422
    redirected = await client.get("/api/v1/programs/")
    assert (redirected.status_code, redirected.headers["location"]) == (307, "http://kit/api/v1/programs")
    assert (await client.get("/healthz")).json() == {"status": "ok"}
