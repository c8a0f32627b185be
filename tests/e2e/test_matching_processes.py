"""matching-api as a real process beside a real indicator-api, over sockets, with the demo data."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from daye_dev.processes import ServiceProcess, demo_stack, running, sign_in

pytestmark = pytest.mark.e2e
DEMO_PASSWORD = "e2e-matching-password"


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServiceProcess]]:
    workdir = tmp_path_factory.mktemp("e2e-matching")
    stack = demo_stack(workdir, only=("indicator-api", "matching-api"), demo_password=DEMO_PASSWORD)
    with running(stack) as started:
        yield started


def _sign_in(services: dict[str, ServiceProcess], username: str) -> dict[str, str]:
    return sign_in(services["indicator-api"], username, DEMO_PASSWORD)


def test_the_demo_reports_686_posted_and_392_matched(services: dict[str, ServiceProcess]) -> None:
    stats = httpx.get(
        f"{services['matching-api'].url}/api/v1/stats",
        params={"from": "2025-01-01", "to": "2025-06-30"},
        headers=_sign_in(services, "admin"),
        timeout=30,
    )
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert (body["posted"], body["matched"], round(body["match_rate"], 3)) == (686, 392, 0.571)


def test_an_enterprise_posts_and_gets_recommendations_over_http(services: dict[str, ServiceProcess]) -> None:
    matching = services["matching-api"].url
    admin = _sign_in(services, "admin")
    enterprises = httpx.get(
        f"{services['indicator-api'].url}/api/v1/enterprises", params={"limit": 1}, headers=admin, timeout=10
    ).json()["items"]
    credit_code = enterprises[0]["credit_code"]
    headers = _sign_in(services, credit_code)
    posted = httpx.post(
        f"{matching}/api/v1/demands",
        json={
            "kind": "technology",
            "title": "铸件气孔缩松缺陷攻关",
            "description": "球墨铸铁件砂型铸造气孔缩松多,希望优化浇注系统和熔炼工艺,提高成品率。",
            "budget": "500000.00",
            "deadline": "2030-12-31",
        },
        headers=headers,
        timeout=30,
    )
    assert posted.status_code == 201, posted.text
    assert posted.json()["region_code"] == enterprises[0]["region_code"]
    recommended = httpx.get(
        f"{matching}/api/v1/demands/{posted.json()['id']}/recommendations", headers=headers, timeout=30
    )
    assert recommended.status_code == 200
    top = recommended.json()["items"][0]
    assert top["score"] > 0
    assert "铸造" in "".join(top["matched_terms"]) + top["supply"]["name"]
    inbox = httpx.get(f"{matching}/api/v1/notifications", headers=headers, timeout=10).json()
    assert any(n["kind"] == "new_recommendation" for n in inbox["items"])
