"""The three services' OpenAPI documents are complete enough for another system to build against
without reading our code: every operation answers success with an example, every property says what
it is, every problem answer lists the error codes it can carry, and the version is the package's."""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

import pytest

from daye_dev.openapi_specs import current_specs

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
            if media is not None and "example" not in media and "examples" not in media:
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
    assert not gaps, f"{name}: {len(gaps)} properties without a description:\n" + "\n".join(gaps)


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
