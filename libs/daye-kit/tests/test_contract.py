"""The document as a contract: examples generated for success answers, error codes listed on every
problem answer, and deprecated operations marked in the document and on every answer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Header
from pydantic import BaseModel, Field

from daye_kit.contract import deprecated, example_of
from daye_kit.errors import NotFound, problem_responses
from daye_kit.idempotency import IdempotencyKeyReused
from daye_kit.pagination import Page

SINCE = datetime(2026, 12, 1, tzinfo=UTC)
SUNSET = datetime(2027, 6, 1, tzinfo=UTC)
POLICY = "https://example.gov.cn/docs/api-policy.md"


class Thing(BaseModel):
    id: int = Field(description="编号", examples=[42])
    name: str = Field(description="名称", examples=["示例企业"])
    signed_on: str | None = Field(default=None, description="签订日期", examples=["2025-06-01"])


class PeriodClosed(NotFound):
    code, title = "thing_gone", "此物已不存在"


router = APIRouter()


@router.get("/things", responses=problem_responses(404, PeriodClosed, codes={409: ["thing_locked"]}))
async def list_things() -> Page[Thing]:
    return Page[Thing](items=[Thing(id=1, name="a")], total=1)


@router.post("/things", status_code=201)
async def create_thing(idempotency_key: str | None = Header(default=None)) -> Thing:
    return Thing(id=2, name="b")


@router.get("/old-things/{thing_id}")
@deprecated(since=SINCE, sunset=SUNSET, link=POLICY)
async def read_old_thing(thing_id: int) -> Thing:
    if thing_id == 0:
        raise NotFound("thing 0 does not exist")
    return Thing(id=thing_id, name="old")


@pytest.fixture
def app(kit_app: Callable[..., FastAPI]) -> FastAPI:
    return kit_app(router)


def test_success_answers_get_an_example_built_from_field_examples(app: FastAPI) -> None:
    operation = app.openapi()["paths"]["/things"]["get"]
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert example == {
        "items": [{"id": 42, "name": "示例企业", "signed_on": "2025-06-01"}],
        "total": 1,
        "next_cursor": None,
    }


def test_problem_answers_list_the_codes_named_and_the_common_ones(app: FastAPI) -> None:
    paths = app.openapi()["paths"]
    listed = paths["/things"]["get"]["responses"]
    codes = {
        s: list(r["content"]["application/problem+json"]["examples"])
        for s, r in listed.items()
        if s.startswith(("4", "5"))
    }
    assert codes["404"] == ["thing_gone", "not_found"]
    assert codes["409"] == ["thing_locked", "conflict"]
    # Every operation refuses unknown query parameters, so every one documents 422 with that code.
    assert codes["422"] == ["validation_failed", "unknown_parameter"]
    gone = listed["404"]["content"]["application/problem+json"]["examples"]["thing_gone"]["value"]
    assert (gone["status"], gone["code"], gone["title"]) == (404, "thing_gone", "此物已不存在")
    created = paths["/things"]["post"]["responses"]
    assert "idempotency_key_reused" in created["422"]["content"]["application/problem+json"]["examples"]
    assert IdempotencyKeyReused.code == "idempotency_key_reused"


async def test_a_deprecated_operation_says_so_in_the_document_and_on_every_answer(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    paths = app.openapi()["paths"]
    assert paths["/old-things/{thing_id}"]["get"]["deprecated"] is True
    assert "deprecated" not in paths["/things"]["get"]
    for path, status in [("/old-things/7", 200), ("/old-things/0", 404), ("/old-things/7?x=1", 422)]:
        response = await client.get(path)
        assert response.status_code == status, response.text
        assert response.headers["deprecation"] == f"@{int(SINCE.timestamp())}" == "@1796083200"
        assert response.headers["sunset"] == "Tue, 01 Jun 2027 00:00:00 GMT"
        assert response.headers["link"] == f'<{POLICY}>; rel="deprecation"; type="text/html"'
    current = await client.get("/things")
    assert "deprecation" not in current.headers
    assert "sunset" not in current.headers


def test_a_sunset_must_follow_its_deprecation() -> None:
    with pytest.raises(ValueError, match="sunset after since"):
        deprecated(since=SUNSET, sunset=SINCE, link=POLICY)


def test_a_field_without_examples_gets_the_platforms_usual_value_by_its_name() -> None:
    schema = {
        "type": "object",
        "required": ["credit_code", "memo_text", "decided_at"],
        "properties": {
            "credit_code": {"type": "string"},
            "memo_text": {"type": "string"},
            "decided_at": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
            "closed_at": {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]},
        },
    }
    assert example_of(schema, {}) == {
        "credit_code": "91420281MA0000001H",
        "memo_text": "示例",
        "decided_at": "2025-09-30T08:00:00Z",  # required: shown with a value
        "closed_at": None,  # optional and nullable: shown absent
    }


def test_a_map_gets_one_entry_keyed_as_its_keys_are() -> None:
    schema = {
        "type": "object",
        "propertyNames": {"enum": ["hte", "tech_sme"]},
        "additionalProperties": {"type": "integer", "minimum": 0},
    }
    assert example_of(schema, {}) == {"hte": 1}
