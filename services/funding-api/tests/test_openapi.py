"""The contract as the front end's generated client sees it (no database needed)."""

from __future__ import annotations

import re
from typing import Any

from fastapi.routing import APIRoute

from funding_api.awards.router import router as award_router
from funding_api.config import Settings
from funding_api.disbursements.router import router as disbursement_router
from funding_api.ledger.router import router as ledger_router
from funding_api.main import create_app
from funding_api.outstanding.router import router as outstanding_router
from funding_api.programs.router import router as program_router

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _operations() -> tuple[Any, dict[str, dict[str, Any]]]:
    app = create_app(Settings(environment="test", database_url="sqlite+aiosqlite:///:memory:"))
    schema = app.openapi()
    operations = {
        f"{method.upper()} {path}": operation
        for path, item in schema["paths"].items()
        if path.startswith("/api/v1")
        for method, operation in item.items()
    }
    return app, operations


def test_every_endpoint_is_described_in_chinese_with_its_problems() -> None:
    _, operations = _operations()
    assert len(operations) >= 17
    for name, operation in operations.items():
        assert CHINESE.search(operation["summary"]), name
        assert CHINESE.search(operation.get("description", "")), name
        problems = [status for status in operation["responses"] if status.startswith(("4", "5"))]
        assert "401" in problems, name
        for status in problems:
            content = operation["responses"][status]["content"]
            assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_operation_ids_are_the_functions_names_and_unique() -> None:
    _, operations = _operations()
    ids = [operation["operationId"] for operation in operations.values()]
    assert len(ids) == len(set(ids))
    routers = (program_router, award_router, disbursement_router, ledger_router, outstanding_router)
    names = {
        route.endpoint.__name__
        for router in routers
        for route in router.routes
        if isinstance(route, APIRoute)
    }
    assert names <= set(ids)
    assert {"create_disbursement", "read_outstanding", "export_outstanding", "read_reconciliation"} <= set(
        ids
    )


def test_money_is_a_decimal_string_in_the_schema() -> None:
    app, _ = _operations()
    schemas = app.openapi()["components"]["schemas"]
    total = schemas["OutstandingReport"]["properties"]["total"]
    assert total["type"] == "string"
    assert total["pattern"] == r"^-?\d+(\.\d{1,2})?$"
    header = next(
        p
        for p in app.openapi()["paths"]["/api/v1/awards/{award_id}/disbursements"]["post"]["parameters"]
        if p["in"] == "header"
    )
    assert (header["name"], header["required"]) == ("Idempotency-Key", True)
