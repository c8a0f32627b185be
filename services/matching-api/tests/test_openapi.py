"""Every endpoint is documented in Chinese, names its problems, and has its function's name as its id."""

from __future__ import annotations

import re

from .conftest import Matching

CHINESE = re.compile(r"[\u4e00-\u9fff]")


async def test_every_operation_is_documented(matching: Matching) -> None:
    schema = (await matching.client.get("/openapi.json")).json()
    operation_ids = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            operation_ids.append(operation["operationId"])
            if not path.startswith("/api/"):
                continue
            where = f"{method.upper()} {path}"
            assert CHINESE.search(operation.get("summary", "")), where
            assert CHINESE.search(operation.get("description", "")), where
            problems = [s for s in operation["responses"] if s.startswith(("4", "5"))]
            assert "401" in problems, where
            for status in problems:
                content = operation["responses"][status]["content"]
                assert "application/problem+json" in content, (where, status)
    assert len(operation_ids) == len(set(operation_ids))
    assert {"post_demand", "recommend_supplies", "update_match", "assign_experts", "read_stats"} <= set(
        operation_ids
    )
    assert all(re.fullmatch(r"[a-z_]+", op) for op in operation_ids)
