"""Enterprise figures, prospects per township and coaching visits: the figures store and who may
write it, prospects ranked by how close they are to a qualification (their shortfalls the rules'
own), visits and the stage moves that followed them, and the funnel that counts them."""

from __future__ import annotations

from typing import Any

import httpx

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer
from daye_kit.credit_code import complete

from .conftest import DEMO_PASSWORD

JINNIU, BAOAN = "420281101", "420281102"
M = 1_000_000
JINNIU_FIRST = next(e for e in DEMO_ENTERPRISES if e.region_code == JINNIU)


def figures(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "years_registered": "4",
        "staff": 120,
        "science_staff": 30,
        "sales_revenue": [str(70 * M), str(75 * M), str(80 * M)],
        "rd_spend": [str(2_170_000), str(2_325_000), str(2_480_000)],
        "total_costs": str(70 * M),
        "total_assets": str(90 * M),
        "high_tech_revenue": str(60 * M),
        "ip": {"class_1": 0, "class_2": 3},
    }
    body.update(overrides)
    return body


async def test_figures_are_stored_and_guarded(client: httpx.AsyncClient, admin: dict[str, str]) -> None:
    code = JINNIU_FIRST.credit_code
    path = f"/api/v1/enterprises/{code}/figures"
    demo = await client.get(path, headers=admin)
    assert demo.status_code == 200, demo.text
    assert demo.json()["figures"]["staff"] >= 1
    jinniu = await bearer(client, JINNIU, DEMO_PASSWORD)
    put = await client.put(
        path, json={"as_of": "2025-09-30", "source": "township", "figures": figures()}, headers=jinniu
    )
    assert put.status_code == 200, put.text
    body = (await client.get(path, headers=admin)).json()
    assert (body["as_of"], body["source"], body["updated_by"]) == ("2025-09-30", "township", JINNIU)
    assert body["figures"]["science_staff"] == 30
    baoan = await bearer(client, BAOAN, DEMO_PASSWORD)
    foreign = await client.put(path, json={"as_of": "2025-09-30", "figures": figures()}, headers=baoan)
    assert foreign.status_code == 404
    bad = await client.put(
        path, json={"as_of": "2025-09-30", "figures": figures(science_staff=500)}, headers=jinniu
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    unknown = await client.put(
        f"/api/v1/enterprises/{complete('91420281MA9000001')}/figures",
        json={"as_of": "2025-09-30", "figures": figures()},
        headers=admin,
    )
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "enterprise_not_found"
    assert (await client.get(path, headers=admin)).json()["figures"]["science_staff"] == 30
