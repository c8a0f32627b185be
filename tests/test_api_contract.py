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
