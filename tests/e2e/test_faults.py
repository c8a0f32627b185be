"""Faults, with real processes on PostgreSQL: a peer down, slow or answering garbage; the database
restarted mid-run; a service killed during a disbursement run and during a bulk import. Each gives a
clear problem (or is retried), /readyz says so, and afterwards nothing is lost, paid twice or
half-written.

The faults are made by a TCP proxy (`daye_dev.faults`) between a service and what it calls: stopping
it refuses and drops connections exactly as a stopped server does, without disturbing the
PostgreSQL server other tests share.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from daye_dev.databases import PostgresDatabases
from daye_dev.faults import FaultyProxy
from daye_dev.processes import SERVICES, ServiceProcess, free_port, platform, sign_in
from daye_dev.pytest_plugin import require_postgres
from daye_kit.db import PING_AFTER_IDLE_SECONDS

pytestmark = pytest.mark.e2e
PASSWORD = "faults-demo-password"
FOUNDRY = "91420281MA0000001H"
DEMAND = {
    "kind": "technology",
    "title": "铸件气孔缺陷攻关",
    "description": "球墨铸铁件砂型铸造气孔缩松缺陷多,希望优化浇注系统。",
    "budget": "800000.00",
    "deadline": "2030-06-30",
}


@dataclass
class Stack:
    indicator: ServiceProcess
    matching: ServiceProcess
    funding: ServiceProcess
    indicator_proxy: FaultyProxy  # between matching-api and indicator-api
    database_proxy: FaultyProxy  # between funding-api and PostgreSQL
    indicator_dsn: str


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_postgres()
    databases = PostgresDatabases()
    urls = {name: asyncio.run(databases.create(f"faults_{name.split('-')[0]}")) for name, *_ in SERVICES}
    ports = {name: free_port() for name, *_ in SERVICES}
    workdir = tmp_path_factory.mktemp("faults")
    postgres = make_url(urls["funding-api"])
    with (
        FaultyProxy(ports["indicator-api"], free_port()) as indicator_proxy,
        FaultyProxy(postgres.port or 5432, free_port()) as database_proxy,
    ):
        env: dict[str, dict[str, str]] = {
            name: {f"{prefix}DATABASE_URL": urls[name], f"{prefix}LOG_FORMAT": "json"}
            for name, _, prefix, _ in SERVICES
        }
        env["indicator-api"] |= {"INDICATOR_DEMO": "true", "INDICATOR_DEMO_PASSWORD": PASSWORD}
        env["matching-api"] |= {
            "MATCHING_INDICATOR_URL": indicator_proxy.url,
            "MATCHING_PEER_TIMEOUT_SECONDS": "1",
            "MATCHING_PEER_RETRIES": "1",
            # The outbox retries a peer that is down every second or two, so the test waits little; and
            # keeps trying for minutes, not the default ten attempts (about 17 s at this pace), which a
            # restart of indicator-api on a loaded machine can outlast (20 s seen in CI).
            "MATCHING_OUTBOX_BACKOFF_SECONDS": "0.5",
            "MATCHING_OUTBOX_BACKOFF_MAX_SECONDS": "2",
            "MATCHING_OUTBOX_MAX_ATTEMPTS": "100",
        }
        env["funding-api"]["FUNDING_DATABASE_URL"] = postgres.set(port=database_proxy.port).render_as_string(
            hide_password=False
        )
        # funding-api's database faults are about the request path's pool: its background dispatcher,
        # webhook loops and duty runner, which touch the pool every second, would keep no connection idle.
        env["funding-api"] |= {
            "FUNDING_OUTBOX_DISPATCH": "false",
            "FUNDING_WEBHOOK_DISPATCH": "false",
            "FUNDING_RUN_DUTIES": "false",
        }
        indicator, matching, funding = platform(ports, cwd=workdir, env=env, log_dir=workdir)
        started: list[ServiceProcess] = []
        try:
            indicator.start()
            started.append(indicator)
            indicator.wait_healthy(timeout=120)
            for process in (matching, funding):
                process.start()
                started.append(process)
            for process in (matching, funding):
                process.wait_healthy(timeout=120)
            dsn = make_url(urls["indicator-api"]).set(drivername="postgresql").render_as_string(False)
            yield Stack(indicator, matching, funding, indicator_proxy, database_proxy, dsn)
        finally:
            for process in reversed(started):
                process.stop()
            asyncio.run(databases.drop_all())


def sign_in_as(stack: Stack, username: str) -> dict[str, str]:
    return sign_in(stack.indicator, username, PASSWORD)


def readiness(process: ServiceProcess) -> tuple[int, dict[str, bool]]:
    response = httpx.get(f"{process.url}/readyz", timeout=30)
    return response.status_code, {check["name"]: check["ok"] for check in response.json()["checks"]}


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code, response.text


def restart_after_kill(process: ServiceProcess) -> None:
    assert process.process is not None
    process.process.kill()
    process.process.wait()
    process.stop()  # closes the log; the process is already gone
    process.start()
    process.wait_healthy(timeout=120)


def test_a_peer_slow_down_or_answering_garbage(stack: Stack) -> None:
    mine = sign_in_as(stack, FOUNDRY)
    demands = f"{stack.matching.url}/api/v1/demands"

    def post() -> httpx.Response:
        return httpx.post(demands, json=DEMAND, headers=mine, timeout=30)

    assert post().status_code == 201
    assert readiness(stack.matching) == (200, {"database": True, "indicator": True})
    proxy = stack.indicator_proxy
    try:
        proxy.slow(3)  # the peer timeout is 1 s
        started = time.monotonic()
        assert_problem(post(), 503, "peer_unavailable")
        # Two attempts of 1 s each, and the rest: well under the 6 s that waiting out two slow
        # answers would take, with room for a busy machine.
        assert time.monotonic() - started < 5
        assert readiness(stack.matching) == (503, {"database": True, "indicator": False})

        proxy.garbage()
        assert_problem(post(), 502, "peer_answer_invalid")
        assert readiness(stack.matching) == (503, {"database": True, "indicator": False})

        proxy.heal()
        proxy.down()
        assert_problem(post(), 503, "peer_unavailable")
        assert readiness(stack.matching) == (503, {"database": True, "indicator": False})
    finally:
        proxy.heal()
        proxy.up()
    assert post().status_code == 201
    assert readiness(stack.matching) == (200, {"database": True, "indicator": True})
    # Only the two demands posted while the registry answered exist.
    assert httpx.get(demands, headers=mine, timeout=10).json()["total"] == 2


def test_the_database_restarted_mid_run(stack: Stack) -> None:
    admin = sign_in_as(stack, "admin")
    programs = f"{stack.funding.url}/api/v1/programs"

    def program() -> dict[str, str | int]:
        return {
            "name": f"数据库中断演练-{uuid.uuid4().hex[:6]}",
            "source_level": "daye",
            "year": 2026,
            "budget": "100000",
        }

    before = httpx.get(programs, headers=admin, timeout=10).json()["total"]
    assert readiness(stack.funding)[0] == 200

    proxy = stack.database_proxy
    proxy.down()
    try:
        refused = httpx.post(programs, json=program(), headers=admin, timeout=30)
        assert_problem(refused, 503, "database_unavailable")
        assert refused.headers["Retry-After"] == "5"
        assert_problem(httpx.get(programs, headers=admin, timeout=30), 503, "database_unavailable")
        assert readiness(stack.funding) == (503, {"database": False, "indicator": True})
    finally:
        proxy.up()
    assert readiness(stack.funding) == (200, {"database": True, "indicator": True})
    assert httpx.get(programs, headers=admin, timeout=10).json()["total"] == before

    # A restart under connections that sat idle: they are pinged before use, replaced, and the request
    # goes through.
    time.sleep(PING_AFTER_IDLE_SECONDS + 0.5)
    proxy.restart()
    created = httpx.post(programs, json=program(), headers=admin, timeout=30)
    assert created.status_code == 201, created.text
    # A restart under connections in steady use: a request may meet a dropped one and fail cleanly
    # (503, nothing written); the pool then replaces them all and the retry goes through.
    proxy.restart()
    answer = httpx.post(programs, json=program(), headers=admin, timeout=30)
    if answer.status_code != 201:
        assert_problem(answer, 503, "database_unavailable")
        answer = httpx.post(programs, json=program(), headers=admin, timeout=30)
    assert answer.status_code == 201, answer.text
    assert httpx.get(programs, headers=admin, timeout=10).json()["total"] == before + 2
    reconciliation = httpx.get(f"{stack.funding.url}/api/v1/reconciliation", headers=admin, timeout=30)
    assert reconciliation.json()["ok"] is True


def _approved_award(stack: Stack, admin: dict[str, str], amount: str) -> int:
    checker = {
        "username": f"checker-{uuid.uuid4().hex[:6]}",
        "role": "admin",
        "password": "Fuhe-Staff-2025x",
    }
    security = sign_in_as(stack, "security")
    created = httpx.post(f"{stack.indicator.url}/api/v1/users", json=checker, headers=security, timeout=10)
    assert created.status_code == 201, created.text
    program = httpx.post(
        f"{stack.funding.url}/api/v1/programs",
        json={
            "name": f"拨付中断演练-{uuid.uuid4().hex[:6]}",
            "source_level": "daye",
            "year": 2026,
            "budget": amount,
        },
        headers=admin,
        timeout=10,
    ).json()
    award = httpx.post(
        f"{stack.funding.url}/api/v1/awards",
        json={
            "program_id": program["id"],
            "credit_code": FOUNDRY,
            "amount": amount,
            "application_no": "KILL-1",
        },
        headers=admin,
        timeout=10,
    )
    assert award.status_code == 201, award.text
    approval = httpx.post(
        f"{stack.funding.url}/api/v1/awards/{award.json()['id']}/approval",
        headers=sign_in(stack.indicator, checker["username"], checker["password"]),
        timeout=10,
    )
    assert approval.status_code == 200, approval.text
    return int(award.json()["id"])


def test_funding_killed_during_a_disbursement_run_pays_each_request_once(stack: Stack) -> None:
    admin = sign_in_as(stack, "admin")
    award_id = _approved_award(stack, admin, "100000.00")
    url = f"{stack.funding.url}/api/v1/awards/{award_id}/disbursements"
    keys = [f"kill-{uuid.uuid4().hex}" for _ in range(40)]

    def pay(key: str) -> httpx.Response | None:
        try:
            return httpx.post(
                url, json={"amount": "1000.00"}, headers={**admin, "Idempotency-Key": key}, timeout=30
            )
        except httpx.TransportError:
            return None  # the connection died with the process

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(pay, key) for key in keys]
        while sum(f.done() for f in futures) < 5:
            time.sleep(0.01)
        restart_after_kill(stack.funding)
        first = [f.result() for f in futures]
    answered = {
        key: r.json()["id"]
        for key, r in zip(keys, first, strict=True)
        if r is not None and r.status_code == 201
    }
    assert 5 <= len(answered) < len(keys), "the kill should land in the middle of the run"

    reconciliation = httpx.get(f"{stack.funding.url}/api/v1/reconciliation", headers=admin, timeout=30).json()
    assert reconciliation["ok"] is True, reconciliation

    # The client retries everything with the same keys: answered payments are not paid again.
    again = [pay(key) for key in keys]
    assert all(r is not None and r.status_code == 201 for r in again), [r and r.text for r in again]
    for key, response in zip(keys, again, strict=True):
        if key in answered:
            assert response is not None
            assert response.json()["id"] == answered[key]
    award = httpx.get(f"{stack.funding.url}/api/v1/awards/{award_id}", headers=admin, timeout=10).json()
    assert (award["paid"], award["outstanding"]) == ("40000.00", "60000.00")
    reconciliation = httpx.get(f"{stack.funding.url}/api/v1/reconciliation", headers=admin, timeout=30).json()
    assert reconciliation["ok"] is True, reconciliation


async def _busy_writing(dsn: str) -> bool:
    """Whether indicator-api has a statement running or a transaction open on its database."""
    conn = await asyncpg.connect(dsn)
    try:
        busy = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state IN ('active', 'idle in transaction')"
        )
    finally:
        await conn.close()
    return bool(busy)


async def _future_values(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM indicator_values WHERE year >= 2040"))
    finally:
        await conn.close()


def test_indicator_killed_during_a_bulk_import_writes_nothing(stack: Stack) -> None:
    admin = sign_in_as(stack, "admin")
    indicator = stack.indicator.url
    recorded = [
        i["code"]
        for i in httpx.get(f"{indicator}/api/v1/indicators", headers=admin, timeout=10).json()["items"]
        if i["source"] == "recorded"
    ][:4]
    units = [
        r["code"] for r in httpx.get(f"{indicator}/api/v1/regions", headers=admin, timeout=10).json()["items"]
    ]
    rows: list[dict[str, Any]] = [
        {
            "indicator_code": code,
            "region_code": unit,
            "year": year,
            "month": month,
            "value": "7",
            "provenance": "statistics",
        }
        for year in range(2040, 2100)
        for month in range(1, 13)
        for code in recorded
        for unit in units
    ][:20_000]
    assert len(rows) == 20_000
    bulk = f"{indicator}/api/v1/indicator-values/bulk"

    def post() -> httpx.Response | None:
        try:
            return httpx.post(bulk, json={"items": rows}, headers=admin, timeout=120)
        except httpx.TransportError:
            return None

    with ThreadPoolExecutor(max_workers=1) as pool:
        upload = pool.submit(post)
        deadline = time.monotonic() + 60
        while not asyncio.run(_busy_writing(stack.indicator_dsn)):
            assert not upload.done(), "the import finished before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        restart_after_kill(stack.indicator)
        assert upload.result() is None
    assert asyncio.run(_future_values(stack.indicator_dsn)) == 0

    admin = sign_in_as(stack, "admin")
    retried = httpx.post(bulk, json={"items": rows}, headers=admin, timeout=120)
    assert retried.status_code == 200, retried.text
    assert retried.json() == {"written": 20_000, "unchanged": 0}
    assert asyncio.run(_future_values(stack.indicator_dsn)) == 20_000


def test_indicator_killed_while_a_docking_succeeds_gets_the_contract_once_after_restart(stack: Stack) -> None:
    admin, mine = sign_in_as(stack, "admin"), sign_in_as(stack, FOUNDRY)
    matching, indicator = stack.matching.url, stack.indicator.url
    progress = f"{indicator}/api/v1/indicators/tech_contract_turnover/progress"

    def turnover(headers: dict[str, str]) -> str:
        answer = httpx.get(
            progress, params={"year": 2025, "as_of": "2025-12-31"}, headers=headers, timeout=10
        )
        assert answer.status_code == 200, answer.text
        actual = answer.json()["actual"]
        return str(actual["value"] if isinstance(actual, dict) else actual)

    before = turnover(admin)
    demand = httpx.post(f"{matching}/api/v1/demands", json=DEMAND, headers=mine, timeout=30).json()
    expert = {
        "kind": "expert",
        "name": f"周立新教授团队 {uuid.uuid4().hex[:6]}",
        "provider": "华中科技大学",
        "description": "铸造工艺优化与铸件缺陷控制,解决砂型铸造气孔缩松问题。",
        "fields": ["铸造工艺"],
        "industries": ["铸造"],
        "region_code": "420100",
        "capacity": 3,
    }
    made = httpx.post(f"{matching}/api/v1/supplies", json=expert, headers=admin, timeout=30)
    assert made.status_code == 201, made.text
    supply = made.json()
    match = httpx.post(
        f"{matching}/api/v1/matches",
        json={"demand_id": demand["id"], "supply_id": supply["id"]},
        headers=mine,
        timeout=30,
    ).json()
    path = f"{matching}/api/v1/matches/{match['id']}"
    assert httpx.patch(path, json={"status": "docking"}, headers=admin, timeout=30).status_code == 200

    process = stack.indicator.process
    assert process is not None
    process.kill()
    process.wait()
    stack.indicator.stop()
    contract = {"amount": "1200000.00", "contract_type": "development", "signed_on": "2025-06-30"}
    done = httpx.patch(path, json={"status": "succeeded", "contract": contract}, headers=mine, timeout=30)
    assert done.status_code == 200, done.text
    assert done.json()["contract_status"] == "pending"

    stack.indicator.start()
    stack.indicator.wait_healthy(timeout=120)
    deadline = time.monotonic() + 60
    while httpx.get(path, headers=admin, timeout=10).json()["contract_status"] != "reported":
        assert time.monotonic() < deadline, "the contract never reached indicator-api"
        time.sleep(0.5)
    admin = sign_in_as(stack, "admin")
    contracts = httpx.get(
        f"{indicator}/api/v1/tech-contracts",
        params={"source": "matching-api", "source_id": str(match["id"])},
        headers=admin,
        timeout=10,
    ).json()
    assert contracts["total"] == 1
    assert (contracts["items"][0]["amount"], contracts["items"][0]["revision"]) == ("1200000.00", 1)
    # 1,200,000 yuan is 0.012 亿元, added once.
    assert Decimal(turnover(admin)) - Decimal(before) == Decimal("0.012")
