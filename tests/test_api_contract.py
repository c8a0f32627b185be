"""The three services' OpenAPI documents are complete enough for another system to build against
without reading our code: every operation answers success with an example, every property says what
it is, every problem answer lists the error codes it can carry, and the version is the package's."""

from __future__ import annotations

import importlib
import re
from importlib.metadata import version
from typing import Any

import httpx
import pytest

from daye_dev.openapi_specs import current_specs
from daye_dev.processes import SERVICES
from daye_kit.strict_query import DeclaredQueryNames, api_routes

SPECS = current_specs()
PROBLEM = "application/problem+json"


def operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_operation_answers_success_with_an_example(name: str) -> None:
    gaps = []
    for operation_name, operation in operations(SPECS[name]):
        successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
        if not successes:
            gaps.append(f"{operation_name}: no success response")
        for status, response in successes.items():
            media = response.get("content", {}).get("application/json")
            if media is not None and media.get("example") in (None, {}, []) and not media.get("examples"):
                gaps.append(f"{operation_name} {status}: no example")
    assert not gaps, f"{name}: " + "\n".join(gaps)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_schema_property_is_described(name: str) -> None:
    gaps = [
        f"{schema_name}.{prop}"
        for schema_name, schema in SPECS[name]["components"]["schemas"].items()
        for prop, definition in schema.get("properties", {}).items()
        if not definition.get("description")
    ]
    assert not gaps, (
        f"{name}: {len(gaps)} properties without a description (where: `python -m daye_dev.openapi_gaps`):\n"
        + "\n".join(gaps)
    )


@pytest.mark.parametrize("name", sorted(SPECS))
def test_every_problem_answer_lists_its_error_codes(name: str) -> None:
    gaps = []
    for operation_name, operation in operations(SPECS[name]):
        for status, response in operation["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            media = response.get("content", {}).get(PROBLEM)
            if media is None and operation_name == "GET /readyz":
                continue  # readiness answers its checks' results, 503 included
            if media is None:
                gaps.append(f"{operation_name} {status}: not documented as {PROBLEM}")
                continue
            examples = media.get("examples", {})
            if not examples:
                gaps.append(f"{operation_name} {status}: no error codes")
            for code, example in examples.items():
                value = example["value"]
                if (value["code"], value["status"]) != (code, int(status)):
                    gaps.append(
                        f"{operation_name} {status}: example {code} says {value['code']} {value['status']}"
                    )
        if "422" not in operation["responses"]:  # unknown query parameters are refused everywhere
            gaps.append(f"{operation_name}: no 422")
    assert not gaps, f"{name}: " + "\n".join(gaps)


@pytest.mark.parametrize("name", sorted(SPECS))
def test_the_version_is_the_packages(name: str) -> None:
    assert SPECS[name]["info"]["version"] == version(f"{name}-api")


def test_an_operation_lists_its_own_codes_beside_the_common_ones() -> None:
    paying = next(
        operation
        for name, operation in operations(SPECS["funding"])
        if operation["operationId"] == "create_disbursement"
    )

    def codes(status: str) -> list[str]:
        return list(paying["responses"][status]["content"][PROBLEM]["examples"])

    assert codes("409") == [
        "award_not_approved",
        "exceeds_outstanding",
        "exceeds_budget",
        "conflict",
        "idempotency_key_in_use",
    ]
    assert codes("404") == ["award_not_found", "not_found"]
    assert codes("422") == ["validation_failed", "unknown_parameter", "idempotency_key_reused"]
    title = paying["responses"]["409"]["content"][PROBLEM]["examples"]["exceeds_outstanding"]["value"][
        "title"
    ]
    assert title == "超出奖补未兑现金额"


APPS = {name: module for name, module, *_ in SERVICES}


@pytest.mark.parametrize("name", sorted(SPECS))
async def test_every_operation_refuses_an_unknown_query_parameter_and_reads_its_documented_ones(
    name: str,
) -> None:
    """Through the real app, without a database: the refusal comes before authentication, and the
    names an operation accepts are exactly those its document declares."""
    module = APPS[f"{name}-api"]
    app = importlib.import_module(f"{module}.main").create_app(
        importlib.import_module(f"{module}.config").Settings()
    )
    declared: DeclaredQueryNames = app.state.declared_query_names
    routes = {
        (method, route.path): route for route in api_routes(app.router.routes) for method in route.methods
    }
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://contract") as client:
        for operation_name, operation in operations(SPECS[name]):
            method, path = operation_name.split(" ", 1)
            documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert declared.of(routes[(method, path)]) == documented, operation_name
            url = re.sub(r"\{[^}]+\}", "1", path)
            response = await client.request(method, url, params={"zz_unknown": "1"})
            assert response.status_code == 422, (operation_name, response.text)
            assert response.json()["errors"] == [
                {
                    "field": "query.zz_unknown",
                    "rule": "unknown_parameter",
                    "message": "this operation has no query parameter 'zz_unknown'",
                }
            ], operation_name
