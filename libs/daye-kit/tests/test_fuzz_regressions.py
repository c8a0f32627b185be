"""What fuzzing the services found in the kit, each pinned by the smallest input that showed it."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
from fastapi import APIRouter, FastAPI
from openpyxl import load_workbook
from pydantic import BaseModel

from daye_kit.app import ServiceSpec, build_app
from daye_kit.auth import CurrentPrincipal
from daye_kit.settings import ServiceSettings
from daye_kit.spreadsheets import Column, download, workbook

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


class Thing(BaseModel):
    name: str


def _app() -> FastAPI:
    router = APIRouter()

    @router.post("/things")
    async def create_thing(body: Thing, _: CurrentPrincipal) -> Thing:
        return body

    @router.get("/things/{thing_id}")
    async def read_thing(thing_id: int) -> Thing:
        return Thing(name=str(thing_id))

    spec = ServiceSpec(
        name="probe", title="probe", description="", version="0", routers=[router], migrations=Path(".")
    )
    return build_app(spec, ServiceSettings(environment="test", database_url="sqlite+aiosqlite://"))


def _responses(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    responses: dict[str, Any] = app.openapi()["paths"][path][method]["responses"]
    return responses


def test_the_openapi_documents_the_problems_the_kit_answers() -> None:
    # Fuzzing found 401 on /auth/api-keys, 400 on every body and 422 as problem+json undocumented.
    app = _app()
    created = _responses(app, "post", "/things")
    # Each problem answer also lists its error codes as examples (`daye_kit.contract`).
    assert {
        status: created[status]["content"]["application/problem+json"]["schema"]
        for status in ("400", "401", "422")
    } == dict.fromkeys(("400", "401", "422"), PROBLEM["application/problem+json"]["schema"])
    assert list(created["401"]["content"]) == ["application/problem+json"]
    read = _responses(app, "get", "/things/{thing_id}")
    assert read["422"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/Problem"
    }
    assert "401" not in read  # no principal required, no 401
    assert "HTTPValidationError" not in json.dumps(app.openapi())


def test_metrics_are_documented_as_text() -> None:
    assert list(_responses(_app(), "get", "/metrics")["200"]["content"]) == ["text/plain"]


async def test_a_body_that_is_not_even_text_is_a_400_problem_not_an_internal_error() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://probe"
    ) as client:
        response = await client.post(
            "/things", content=b"\x1d\xff#;", headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "bad_request"
    assert response.json()["title"] == "请求无效"


def test_a_download_may_have_a_chinese_file_name() -> None:
    # GET /exports/regions/金牛镇/candidates.xlsx was a 500: headers are Latin-1.
    response = download(b"xlsx", "candidates-金牛镇.xlsx")
    disposition = response.headers["content-disposition"]
    plain, encoded = disposition.split("; filename*=UTF-8''")
    assert plain == 'attachment; filename="candidates-___.xlsx"'
    assert unquote(encoded) == "candidates-金牛镇.xlsx"


def test_an_ascii_file_name_is_sent_as_before() -> None:
    response = download(b"xlsx", "dashboard-2025-09-30.xlsx")
    assert response.headers["content-disposition"] == 'attachment; filename="dashboard-2025-09-30.xlsx"'


def test_control_characters_do_not_break_a_workbook() -> None:
    # A region code from the path ends up in the title; notes typed by people end up in rows.
    content = workbook("\x16420281101 培育候选企业", [Column("说明")], [["first\x01 line"]])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert sheet["A1"].value == "420281101 培育候选企业"
    assert sheet["A3"].value == "first line"


async def test_a_nul_character_in_a_url_is_a_422_on_every_backend() -> None:
    # PostgreSQL text cannot hold NUL: GET /regions?parent_code=%00 ended in the driver's error, a 500.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://probe"
    ) as client:
        in_query = await client.get("/things/1?name=a%00b")
        in_path = await client.get("/things/a%00b")
    assert (in_query.status_code, in_query.json()["errors"][0]["field"]) == (422, "query")
    assert (in_path.status_code, in_path.json()["errors"][0]["field"]) == (422, "path")
    assert in_query.headers["content-type"] == "application/problem+json"


async def test_a_nul_character_in_json_text_is_a_422_and_other_bodies_pass() -> None:
    # POST /auth/api-keys {"name": "a\u0000"} was a 500 on PostgreSQL.
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://probe"
    ) as client:
        nul = await client.post(
            "/things", content=b'{"name": "a\\u0000"}', headers={"Content-Type": "application/json"}
        )
        # An escaped backslash before `u0000` is the text `\u0000`, not a NUL: it reaches the app (401 here).
        text = await client.post(
            "/things", content=b'{"name": "a\\\\u0000"}', headers={"Content-Type": "application/json"}
        )
    assert (nul.status_code, nul.json()["errors"][0]["field"]) == (422, "body")
    assert text.status_code == 401
