"""Unknown query parameters are refused kit-wide, naming each, for plain parameters, paging
dependencies and pydantic query models alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Query
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from daye_kit.pagination import PageDep
from daye_kit.strict_query import declared_query_names

router = APIRouter()


class Filter(BaseModel):
    region: str | None = Field(default=None, description="报送单位代码")
    year: int | None = Field(default=None, alias="fiscal_year", description="年度")


@router.get("/plain")
async def plain(year: int | None = None) -> dict[str, int | None]:
    return {"year": year}


@router.get("/filtered")
async def filtered(where: Annotated[Filter, Query()], page: PageDep) -> dict[str, object]:
    return {"region": where.region, "year": where.year, "limit": page.limit}


@router.get("/bare")
async def bare() -> dict[str, str]:
    return {"ok": "yes"}


@pytest.fixture
def app(kit_app: Callable[..., FastAPI]) -> FastAPI:
    return kit_app(router)


def test_declared_names_come_from_parameters_dependencies_and_query_models() -> None:
    routes = {r.path: r for r in router.routes if isinstance(r, APIRoute)}
    assert declared_query_names(routes["/plain"].dependant) == {"year"}
    assert declared_query_names(routes["/filtered"].dependant) == {"region", "fiscal_year", "limit", "offset"}
    assert declared_query_names(routes["/bare"].dependant) == set()


async def test_a_plain_parameter_is_read_and_an_unknown_one_refused(client: httpx.AsyncClient) -> None:
    assert (await client.get("/plain", params={"year": 2025})).json() == {"year": 2025}
    response = await client.get("/plain", params={"year": 2025, "q": "x"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "unknown_parameter"
    assert problem["errors"] == [
        {
            "field": "query.q",
            "rule": "unknown_parameter",
            "message": "this operation has no query parameter 'q'",
        }
    ]


async def test_a_query_model_and_paging_accept_their_names_and_refuse_typos(
    client: httpx.AsyncClient,
) -> None:
    ok = await client.get("/filtered", params={"region": "420281101", "fiscal_year": 2025, "limit": 5})
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"region": "420281101", "year": 2025, "limit": 5}
    response = await client.get("/filtered", params={"regoin": "420281101", "limt": 5, "year": 2025})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.regoin", "query.limt", "query.year"]


async def test_an_operation_without_parameters_refuses_any_and_a_blank_name_counts(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/bare")).status_code == 200
    response = await client.get("/bare?debug")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.debug"


async def test_routing_answers_first(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nowhere?x=1")).status_code == 404
    assert (await client.post("/bare?x=1")).status_code == 405
