"""matching-api as a real process beside a real indicator-api, over sockets, with the demo data."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

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


def test_without_anyone_calling_expired_demands_close_and_the_match_rate_is_published(
    services: dict[str, ServiceProcess],
) -> None:
    """As after `make run`: the duties run on their own at start (their occurrences are within their
    grace), so the demo's expired demands close and indicator-api holds the live statistics."""
    admin = _sign_in(services, "admin")
    matching, indicator = services["matching-api"].url, services["indicator-api"].url
    wanted = {"close-expired-demands", "publish-match-stats"}
    deadline = time.monotonic() + 180
    while True:
        jobs = httpx.get(f"{matching}/api/v1/jobs", headers=admin, timeout=30).json()["items"]
        outcomes = {job["name"]: (job["last_run"] or {}).get("outcome") for job in jobs}
        pending = httpx.get(
            f"{matching}/api/v1/outbox", params={"state": "pending"}, headers=admin, timeout=30
        )
        if all(outcomes[name] == "ok" for name in wanted) and pending.json()["total"] == 0:
            break
        assert time.monotonic() < deadline, (outcomes, pending.text)
        time.sleep(1)
    # Run by the schedule, not by a person (the seed already closed what had expired before it).
    runs = {job["name"]: job["last_run"] for job in jobs}
    assert {runs[name]["trigger"] for name in wanted} == {"schedule"}
    assert "closed_demands" in runs["close-expired-demands"]["summary"]

    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    still_open, offset = [], 0
    while True:
        page = httpx.get(
            f"{matching}/api/v1/demands",
            params={"status": "open", "limit": 200, "offset": offset},
            headers=admin,
            timeout=30,
        ).json()
        still_open += page["items"]
        offset += 200
        if offset >= page["total"]:
            break
    assert [d["id"] for d in still_open if date.fromisoformat(d["deadline"]) < today] == []

    # The report's day is 2025-09-30: the year to the end of September, live and as published.
    live = httpx.get(
        f"{matching}/api/v1/stats",
        params={"from": "2025-01-01", "to": "2025-09-30"},
        headers=admin,
        timeout=30,
    ).json()
    published = {}
    for code in ("supply_chain_demands_posted", "supply_chain_demands_matched"):
        values = httpx.get(
            f"{indicator}/api/v1/indicators/{code}/values",
            params={"region": "420281", "year": 2025},
            headers=admin,
            timeout=30,
        ).json()["items"]
        [september] = [v for v in values if v["period_type"] == "month" and v["period"] == 9]
        published[code] = Decimal(str(september["value"]))
    assert published == {
        "supply_chain_demands_posted": live["posted"],
        "supply_chain_demands_matched": live["matched"],
    }
