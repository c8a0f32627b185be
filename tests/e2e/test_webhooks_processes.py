"""Webhooks over real sockets: matching-api as a process (beside indicator-api, with the demo
data) posts `demand.posted` to a receiver that is a process of its own (`webhook_receiver.py`),
signed as Standard Webhooks says, verified here with `standardwebhooks`, the reference library.

- a subscriber gets each event once, under its event id;
- a receiver that answers 500 three times gets the event on the fourth attempt (the retry schedule
  is shortened by `MATCHING_WEBHOOK_RETRY_SCHEDULE`, so that the test does not wait 5 minutes);
- a paused subscription gets nothing.

`demand.posted` comes with matching-api's change feed (its event catalogue and `emit` calls, built
on another branch); where the feed is not served yet, the test is skipped, saying so.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from daye_dev.processes import ServiceProcess, demo_stack, free_port, print_log_tails, running, sign_in

pytestmark = pytest.mark.e2e
DEMO_PASSWORD = "e2e-webhooks-password"
RECEIVER = Path(__file__).with_name("webhook_receiver.py")


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServiceProcess]]:
    workdir = tmp_path_factory.mktemp("e2e-webhooks")
    stack = demo_stack(
        workdir,
        only=("indicator-api", "matching-api"),
        demo_password=DEMO_PASSWORD,
        WEBHOOK_RETRY_SCHEDULE="[0, 0.3, 0.3, 0.3]",
        WEBHOOK_POLL_SECONDS="0.2",
    )
    port = free_port()
    receiver = ServiceProcess(
        "receiver",
        "",
        port,
        {},
        workdir,
        workdir / "receiver.log",
        command=[sys.executable, str(RECEIVER), str(port)],
    )
    processes = [*stack, receiver]
    with running(processes) as started:
        try:
            yield started
        except BaseException:
            print_log_tails(processes, lines=30)
            raise


def received(services: dict[str, ServiceProcess]) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = httpx.get(f"{services['receiver'].url}/received", timeout=10).json()
    return answer


def test_deliveries_are_signed_once_per_event_retried_to_success_and_none_while_paused(
    services: dict[str, ServiceProcess],
) -> None:
    matching, receiver = services["matching-api"].url, services["receiver"].url
    admin = sign_in(services["indicator-api"], "admin", DEMO_PASSWORD)

    def register(path: str) -> dict[str, Any]:
        body = {"url": f"{receiver}{path}", "event_types": ["demand.posted"]}
        made = httpx.post(f"{matching}/api/v1/webhooks", json=body, headers=admin, timeout=10)
        assert made.status_code == 201, made.text
        return dict(made.json())

    steady, flaky, paused = register("/steady"), register("/flaky/fail/3"), register("/paused")
    pause = httpx.patch(
        f"{matching}/api/v1/webhooks/{paused['id']}", json={"state": "paused"}, headers=admin, timeout=10
    )
    assert pause.json()["state"] == "paused"

    enterprises = httpx.get(
        f"{services['indicator-api'].url}/api/v1/enterprises", params={"limit": 1}, headers=admin, timeout=10
    ).json()["items"]
    enterprise = sign_in(services["indicator-api"], enterprises[0]["credit_code"], DEMO_PASSWORD)
    demand_ids = []
    for n in range(2):
        posted = httpx.post(
            f"{matching}/api/v1/demands",
            json={
                "kind": "technology",
                "title": f"铸件气孔缩松缺陷攻关{n}",
                "description": "球墨铸铁件砂型铸造气孔缩松多,希望优化浇注系统和熔炼工艺,提高成品率。",
                "budget": "500000.00",
                "deadline": "2030-12-31",
            },
            headers=enterprise,
            timeout=30,
        )
        assert posted.status_code == 201, posted.text
        demand_ids.append(posted.json()["id"])

    def by_path(path: str) -> list[dict[str, Any]]:
        return [r for r in received(services) if r["path"] == path]

    deadline = time.monotonic() + 60
    while len(by_path("/steady")) < 2 or len([r for r in by_path("/flaky/fail/3") if r["status"] == 204]) < 2:
        assert time.monotonic() < deadline, received(services)
        time.sleep(0.3)
    time.sleep(2)  # long enough for a second delivery, were there one

    steady_got = by_path("/steady")
    event_ids = [r["headers"]["webhook-id"] for r in steady_got]
    assert len(event_ids) == 2
    assert len(set(event_ids)) == 2  # each event once
    subjects = set()
    for request in steady_got:
        payload = Webhook(steady["secret"]).verify(request["body"], request["headers"])
        assert payload["type"] == "demand.posted"
        assert payload["data"]["event_id"] == request["headers"]["webhook-id"]
        subjects.add(payload["data"]["subject"])
        assert payload["data"]["object"]["id"] in demand_ids
    assert subjects == {f"demand:{demand_id}" for demand_id in demand_ids}

    flaky_got = by_path("/flaky/fail/3")
    for event_id in event_ids:
        attempts = [r for r in flaky_got if r["headers"]["webhook-id"] == event_id]
        assert [r["status"] for r in attempts] == [500, 500, 500, 204]
        last = attempts[-1]
        assert Webhook(flaky["secret"]).verify(last["body"], last["headers"])["type"] == "demand.posted"
        assert len({r["body"] for r in attempts}) == 1  # the same body on every attempt
    log = httpx.get(f"{matching}/api/v1/webhooks/{flaky['id']}/deliveries", headers=admin, timeout=10).json()
    assert [(d["state"], d["attempts"], d["response_status"]) for d in log["items"]] == [
        ("succeeded", 4, 204),
        ("succeeded", 4, 204),
    ]

    assert by_path("/paused") == []
    paused_log = httpx.get(f"{matching}/api/v1/webhooks/{paused['id']}/deliveries", headers=admin, timeout=10)
    assert paused_log.json()["total"] == 0
