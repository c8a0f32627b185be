"""Small builders the funding tests share."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from daye_demo.enterprises import DEMO_ENTERPRISES

# 湖北冶钢节能环保科技股份有限公司: high-tech since 2024-12-10, unit 420281001 (东岳路街道).
HTE_2024 = DEMO_ENTERPRISES[3]
JINNIU_FOUNDRY = DEMO_ENTERPRISES[0]  # 大冶市华鑫铸造有限公司, 420281101 金牛镇
HEAT_EXCHANGERS = DEMO_ENTERPRISES[1]  # 湖北金港换热器科技有限公司, 420281401 大冶湖高新区


async def make_program(
    client: httpx.AsyncClient, headers: dict[str, str], *, budget: str = "1000000.00", **extra: Any
) -> dict[str, Any]:
    body = {
        "name": extra.pop("name", f"科技创新管理专项-{uuid.uuid4().hex[:6]}"),
        "source_level": "daye",
        "year": 2025,
        "budget": budget,
        **extra,
    }
    response = await client.post("/api/v1/programs", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def make_award(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    program_id: int,
    *,
    amount: str = "300000.00",
    credit_code: str = JINNIU_FOUNDRY.credit_code,
    application_no: str = "KJCX-2025-001",
) -> dict[str, Any]:
    body = {
        "program_id": program_id,
        "credit_code": credit_code,
        "amount": amount,
        "application_no": application_no,
    }
    response = await client.post("/api/v1/awards", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def approved_award(
    client: httpx.AsyncClient,
    maker: dict[str, str],
    checker: dict[str, str],
    *,
    budget: str = "1000000.00",
    amount: str = "300000.00",
    credit_code: str = JINNIU_FOUNDRY.credit_code,
) -> dict[str, Any]:
    program = await make_program(client, maker, budget=budget)
    award = await make_award(client, maker, program["id"], amount=amount, credit_code=credit_code)
    response = await client.post(f"/api/v1/awards/{award['id']}/approval", headers=checker)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def pay(
    client: httpx.AsyncClient, headers: dict[str, str], award_id: int, amount: str, key: str | None = None
) -> httpx.Response:
    return await client.post(
        f"/api/v1/awards/{award_id}/disbursements",
        json={"amount": amount},
        headers={**headers, "Idempotency-Key": key or str(uuid.uuid4())},
    )
