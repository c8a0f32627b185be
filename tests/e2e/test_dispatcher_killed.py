"""matching-api's outbox dispatcher killed (SIGKILL) in the middle of a batch, with real processes on
PostgreSQL: after a restart every event reaches indicator-api, and none is applied twice.

Two dozen dockings succeed with a contract while matching-api's dispatcher is off, so their events wait
in the outbox. matching-api comes back with its dispatcher on behind a proxy that holds each of
indicator-api's answers a little, so the dispatcher claims them all in one batch and delivers
them slowly; it is killed as soon as indicator-api has applied three. The event indicator-api has
just applied is then one whose answer never reached the sender: the restarted dispatcher, once the
killed one's lease runs out, delivers it again with the rest, and indicator-api applies it once.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from daye_dev.databases import PostgresDatabases
from daye_dev.faults import FaultyProxy
from daye_dev.processes import ServiceProcess, free_port, platform, sign_in
from daye_dev.pytest_plugin import require_postgres

pytestmark = pytest.mark.e2e
PASSWORD = "dispatcher-kill-password"
FOUNDRY = "91420281MA0000001H"
DOCKINGS = 24
KILL_AFTER = 3  # events indicator-api has applied when the dispatcher is killed
LEASE_SECONDS = 8  # longer than the killed pass had run; the restart waits out what is left
HOLD_SECONDS = 0.5  # how long the proxy holds each of indicator-api's answers
# Multiples of 10,000 yuan, the turnover's unit (0.0001 亿元): the expected rise is exact.
AMOUNTS = [Decimal(10_000 * (i + 1)) for i in range(DOCKINGS)]


@dataclass
class Stack:
    indicator: ServiceProcess
    matching: ServiceProcess
    proxy: FaultyProxy  # between matching-api and indicator-api
    indicator_dsn: str
    matching_dsn: str


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_postgres()
    databases = PostgresDatabases()
    urls = {name: asyncio.run(databases.create(f"kill_{name}")) for name in ("indicator", "matching")}
    ports = {"indicator-api": free_port(), "matching-api": free_port(), "funding-api": free_port()}
    workdir = tmp_path_factory.mktemp("dispatcher-killed")
    with FaultyProxy(ports["indicator-api"], free_port()) as proxy:
        env = {
            "indicator-api": {
                "INDICATOR_DATABASE_URL": urls["indicator"],
                "INDICATOR_DEMO": "true",
                "INDICATOR_DEMO_PASSWORD": PASSWORD,
                "INDICATOR_LOG_FORMAT": "json",
                "INDICATOR_RUN_DUTIES": "false",
            },
            "matching-api": {
                "MATCHING_DATABASE_URL": urls["matching"],
                "MATCHING_INDICATOR_URL": proxy.url,
                "MATCHING_LOG_FORMAT": "json",
                "MATCHING_RUN_DUTIES": "false",  # only the dockings' events in the outbox
                "MATCHING_OUTBOX_DISPATCH": "false",  # until the dockings are made
                "MATCHING_OUTBOX_POLL_SECONDS": "0.2",
                "MATCHING_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
                "MATCHING_PEER_TIMEOUT_SECONDS": "10",
                "MATCHING_NOTIFY_TOP": "0",  # no recommendations computed as each demand is posted
            },
        }
        indicator, matching, _ = platform(ports, cwd=workdir, env=env, log_dir=workdir)
        started: list[ServiceProcess] = []
        try:
            for process in (indicator, matching):
                process.start()
                started.append(process)
            for process in (indicator, matching):
                process.wait_healthy(timeout=120)
            yield Stack(indicator, matching, proxy, _dsn(urls["indicator"]), _dsn(urls["matching"]))
        finally:
            for process in reversed(started):
                process.stop()
            asyncio.run(databases.drop_all())


async def _fetch(dsn: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(query))
    finally:
        await conn.close()


def fetch(dsn: str, query: str) -> list[asyncpg.Record]:
    return asyncio.run(_fetch(dsn, query))


def received(stack: Stack) -> list[str]:
    rows = fetch(stack.indicator_dsn, "SELECT event_id FROM received_events WHERE source = 'matching-api'")
    return [row["event_id"] for row in rows]


def outbox(stack: Stack) -> list[asyncpg.Record]:
    return fetch(
        stack.matching_dsn,
        "SELECT event_id, state, claimed_until FROM outbox_events "
        "WHERE destination = 'indicator-api' ORDER BY id",
    )


async def kill_when_applied(stack: Stack) -> tuple[list[str], datetime]:
    """SIGKILLs matching-api as soon as indicator-api has applied `KILL_AFTER` of its events (watched
    on one connection, every few milliseconds, well within the proxy's hold); what had been applied,
    and when."""
    assert stack.matching.process is not None
    conn = await asyncpg.connect(stack.indicator_dsn)
    try:
        deadline = time.monotonic() + 90
        while True:
            rows = await conn.fetch("SELECT event_id FROM received_events WHERE source = 'matching-api'")
            if len(rows) >= KILL_AFTER:
                stack.matching.process.kill()
                killed_at = datetime.now(UTC)
                break
            assert stack.matching.process.poll() is None, "matching-api died on its own"
            assert time.monotonic() < deadline, "indicator-api received nothing"
            await asyncio.sleep(0.005)
    finally:
        await conn.close()
    stack.matching.process.wait()
    return [row["event_id"] for row in rows], killed_at


def turnover(stack: Stack, headers: dict[str, str]) -> Decimal:
    answer = httpx.get(
        f"{stack.indicator.url}/api/v1/indicators/tech_contract_turnover/progress",
        params={"year": 2025, "as_of": "2025-12-31"},
        headers=headers,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    actual = answer.json()["actual"]
    return Decimal(str(actual["value"] if isinstance(actual, dict) else actual))


def make_dockings(stack: Stack, admin: dict[str, str], mine: dict[str, str]) -> list[int]:
    """Dockings of the foundry's demands with one technology, each succeeded with a contract."""
    matching = stack.matching.url
    supply = httpx.post(
        f"{matching}/api/v1/supplies",
        json={
            "kind": "technology",
            "name": f"球墨铸铁件气孔缩松控制技术 {uuid.uuid4().hex[:6]}",
            "provider": "武汉理工大学材料学院",
            "description": "优化浇注系统与熔炼工艺,降低球墨铸铁件气孔、缩松缺陷与废品率。",
            "fields": ["铸造"],
            "maturity": "pilot",
            "price": "200000.00",
        },
        headers=admin,
        timeout=30,
    )
    assert supply.status_code == 201, supply.text

    def docking(amount: Decimal) -> int:
        demand = httpx.post(
            f"{matching}/api/v1/demands",
            json={
                "kind": "technology",
                "title": f"铸件气孔缺陷攻关 {amount}",
                "description": "球墨铸铁件砂型铸造气孔缩松缺陷多,希望优化浇注系统。",
                "budget": "800000.00",
                "deadline": "2030-06-30",
            },
            headers=mine,
            timeout=30,
        )
        assert demand.status_code == 201, demand.text
        match = httpx.post(
            f"{matching}/api/v1/matches",
            json={"demand_id": demand.json()["id"], "supply_id": supply.json()["id"]},
            headers=mine,
            timeout=30,
        )
        assert match.status_code == 201, match.text
        path = f"{matching}/api/v1/matches/{match.json()['id']}"
        moved = httpx.patch(path, json={"status": "docking"}, headers=admin, timeout=30)
        assert moved.status_code == 200, moved.text
        contract = {"amount": f"{amount:.2f}", "contract_type": "development", "signed_on": "2025-07-15"}
        done = httpx.patch(path, json={"status": "succeeded", "contract": contract}, headers=mine, timeout=30)
        assert done.status_code == 200, done.text
        assert done.json()["contract_status"] == "pending"
        return int(match.json()["id"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(docking, AMOUNTS))


def inbox_posts(indicator: ServiceProcess) -> int:
    """The deliveries indicator-api answered, from its access log."""
    count = 0
    for line in indicator.log_text().splitlines():
        if line.startswith("{") and '"/api/v1/inbox"' in line:
            entry = json.loads(line)
            count += entry.get("event") == "request" and entry.get("status") == 200
    return count


def test_the_dispatcher_killed_mid_batch_delivers_every_event_and_none_is_applied_twice(stack: Stack) -> None:
    admin, mine = sign_in(stack.indicator, "admin", PASSWORD), sign_in(stack.indicator, FOUNDRY, PASSWORD)
    before = turnover(stack, admin)
    match_ids = make_dockings(stack, admin, mine)
    events = outbox(stack)
    assert len(events) == DOCKINGS
    assert {row["state"] for row in events} == {"pending"}
    assert received(stack) == []

    # Back with its dispatcher on; indicator-api's answers are held a while on their way back.
    matching = stack.matching
    matching.stop()
    matching.env["MATCHING_OUTBOX_DISPATCH"] = "true"
    stack.proxy.slow(HOLD_SECONDS)
    matching.start()
    applied, killed_at = asyncio.run(kill_when_applied(stack))
    matching.stop()  # closes its log; the process is already gone

    at_kill = outbox(stack)
    delivered = {row["event_id"] for row in at_kill if row["state"] == "delivered"}
    # Mid-batch: some applied, the rest still held by the dead dispatcher's lease.
    assert KILL_AFTER <= len(applied) < DOCKINGS
    leased = [row for row in at_kill if row["state"] == "pending" and row["claimed_until"] > killed_at]
    assert len(leased) >= DOCKINGS - len(applied)
    # indicator-api applied an event whose answer the killed dispatcher never got.
    unacknowledged = set(applied) - delivered
    assert unacknowledged, (applied, delivered)

    stack.proxy.heal()
    matching.start()
    matching.wait_healthy(timeout=120)
    deadline = time.monotonic() + 60
    while {row["state"] for row in outbox(stack)} != {"delivered"}:
        assert time.monotonic() < deadline, f"undelivered: {[dict(r) for r in outbox(stack)]}"
        time.sleep(0.5)

    # Every event arrived, each recorded once; the unacknowledged ones came twice and applied once.
    event_ids = [row["event_id"] for row in outbox(stack)]
    arrived = received(stack)
    assert sorted(arrived) == sorted(event_ids)
    assert len(set(arrived)) == len(arrived) == DOCKINGS
    assert inbox_posts(stack.indicator) >= DOCKINGS + len(unacknowledged)

    # Each docking's contract exists once, at its amount, and the turnover rose by their sum once.
    contracts = httpx.get(
        f"{stack.indicator.url}/api/v1/tech-contracts",
        params={"source": "matching-api"},  # one page of 50
        headers=admin,
        timeout=10,
    ).json()
    assert contracts["total"] == DOCKINGS
    by_docking = {int(c["source_id"]): (Decimal(c["amount"]), c["revision"]) for c in contracts["items"]}
    assert sorted(by_docking) == sorted(match_ids)
    assert sorted(amount for amount, _ in by_docking.values()) == AMOUNTS
    assert {revision for _, revision in by_docking.values()} == {1}
    assert turnover(stack, admin) - before == sum(AMOUNTS) / Decimal(100_000_000)
    # And matching-api shows each docking's contract as reported.
    reported = fetch(stack.matching_dsn, "SELECT contract_status, count(*) AS n FROM matches GROUP BY 1")
    assert {row["contract_status"]: row["n"] for row in reported} == {"reported": DOCKINGS}
