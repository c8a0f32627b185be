"""Two replicas of each service as real processes on one PostgreSQL, started together: they migrate
once, seed the demo once, the cross-service flows work whichever replica a call lands on, each
outbox event is applied once and each scheduled occurrence runs once."""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import make_url

from daye_demo.enterprises import DEMO_ENTERPRISES, SUPPLIER_ACCOUNTS, UNIT_CODES
from daye_dev.databases import PostgresDatabases
from daye_dev.processes import SERVICES, ServiceProcess, free_port, platform, sign_in
from daye_dev.pytest_plugin import require_postgres

pytestmark = pytest.mark.e2e
PASSWORD = "replica-demo-password"
FOUNDRY = "91420281MA0000001H"


@pytest.fixture(scope="module")
def databases() -> Iterator[dict[str, str]]:
    """One PostgreSQL database per service, shared by its replicas: name → SQLAlchemy URL."""
    require_postgres()
    made = PostgresDatabases()
    urls = {name: asyncio.run(made.create(f"replica_{name.split('-')[0]}")) for name, *_ in SERVICES}
    yield urls
    asyncio.run(made.drop_all())


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, databases: dict[str, str]
) -> Iterator[dict[str, list[ServiceProcess]]]:
    urls = databases
    key = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    workdir = tmp_path_factory.mktemp("replicas")
    started: dict[str, list[ServiceProcess]] = {name: [] for name, *_ in SERVICES}
    try:
        for replica in ("a", "b"):
            ports = {name: free_port() for name, *_ in SERVICES}
            # Replica b's peers are replica a's indicator-api and vice versa only through the URLs
            # below; every replica of every service shares one database per service.
            env = {
                name: {
                    f"{prefix}DEMO": "true",
                    f"{prefix}LOG_FORMAT": "json",
                    f"{prefix}DATABASE_URL": urls[name],
                }
                for name, _, prefix, _ in SERVICES
            }
            env["indicator-api"] |= {"INDICATOR_SIGNING_KEY": key, "INDICATOR_DEMO_PASSWORD": PASSWORD}
            log_dir = workdir / replica
            log_dir.mkdir()
            for process in platform(ports, cwd=log_dir, env=env, log_dir=log_dir):
                started[process.name].append(process)
        for processes in started.values():
            for process in processes:
                process.start()  # all six at once: they race to migrate and to seed
        for processes in started.values():
            for process in processes:
                process.wait_healthy(timeout=300)  # six processes starting at once on a busy machine
        yield started
    finally:
        for processes in started.values():
            for process in processes:
                process.stop()


CHECKER_PASSWORD = "Fuhe-Staff-2025x"  # accounts made by the security administrator follow the policy


def _sign_in(indicator: ServiceProcess, username: str) -> dict[str, str]:
    return sign_in(indicator, username, PASSWORD)


def test_each_schema_was_migrated_once_and_seeded_once(replicas: dict[str, list[ServiceProcess]]) -> None:
    for name, (a, b) in replicas.items():
        upgrades = [len(re.findall(r"Running upgrade", p.log_text())) for p in (a, b)]
        assert sorted(upgrades)[0] == 0, f"{name}: both replicas ran migrations {upgrades}"
        assert sorted(upgrades)[1] >= 2, f"{name}: {upgrades}"
    admin = _sign_in(replicas["indicator-api"][1], "admin")
    security = _sign_in(replicas["indicator-api"][1], "security")
    accounts = httpx.get(
        f"{replicas['indicator-api'][0].url}/api/v1/users", headers=security, params={"limit": 1}
    ).json()
    # admin, viewer, security, auditor, the suppliers, a township account per unit, an enterprise
    # account per demo enterprise and the two peers': once each, not once per replica
    assert accounts["total"] == 4 + len(SUPPLIER_ACCOUNTS) + len(UNIT_CODES) + len(DEMO_ENTERPRISES) + 2
    matching = httpx.get(
        f"{replicas['matching-api'][1].url}/api/v1/stats",
        params={"from": "2025-01-01", "to": "2025-06-30"},
        headers=admin,
    ).json()
    assert (matching["posted"], matching["matched"]) == (686, 392)
    funding = httpx.get(f"{replicas['funding-api'][0].url}/api/v1/outstanding", headers=admin).json()
    assert funding["total"] == "55068000.00"


def test_a_token_from_one_indicator_replica_works_on_every_replica(
    replicas: dict[str, list[ServiceProcess]],
) -> None:
    headers = _sign_in(replicas["indicator-api"][0], FOUNDRY)
    for processes in replicas.values():
        for process in processes:
            me = httpx.get(f"{process.url}/api/v1/auth/me", headers=headers, timeout=10)
            assert me.status_code == 200, process.name
            assert me.json()["credit_code"] == FOUNDRY


def test_a_demand_posted_on_one_replica_is_recommended_by_the_other(
    replicas: dict[str, list[ServiceProcess]],
) -> None:
    first, second = replicas["matching-api"]
    enterprise = _sign_in(replicas["indicator-api"][1], FOUNDRY)
    admin = _sign_in(replicas["indicator-api"][0], "admin")
    posted = httpx.post(
        f"{first.url}/api/v1/demands",
        headers=enterprise,
        timeout=20,
        json={
            "kind": "technology",
            "title": "球墨铸铁件气孔缺陷攻关",
            "description": "砂型铸造球墨铸铁件气孔缩松缺陷多,希望专家优化浇注系统与熔炼工艺,降低废品率。",
            "industry": "铸造",
            "budget": "300000.00",
            "deadline": "2030-06-30",
        },
    )
    assert posted.status_code == 201, posted.text
    demand = posted.json()["id"]
    on_second = httpx.get(
        f"{second.url}/api/v1/demands/{demand}/recommendations", headers=enterprise, timeout=20
    )
    on_first = httpx.get(
        f"{first.url}/api/v1/demands/{demand}/recommendations", headers=enterprise, timeout=20
    )
    assert on_second.status_code == 200, on_second.text
    assert on_second.json()["items"], "the other replica recommends something"
    assert [r["supply"]["id"] for r in on_second.json()["items"]] == [
        r["supply"]["id"] for r in on_first.json()["items"]
    ]
    # A supply added through the second replica is recommended by the first without a rebuild.
    supply = httpx.post(
        f"{second.url}/api/v1/supplies",
        headers=admin,
        timeout=20,
        json={
            "kind": "technology",
            "name": "球墨铸铁件气孔缩松缺陷控制技术",
            "provider": "武汉理工大学材料学院",
            "description": "针对球墨铸铁件气孔、缩松缺陷,优化浇注系统与熔炼工艺,可显著降低铸件废品率。",
            "fields": ["铸造"],
            "maturity": "pilot",
            "price": "200000.00",
        },
    )
    assert supply.status_code == 201, supply.text
    again = httpx.get(
        f"{first.url}/api/v1/demands/{demand}/recommendations", headers=enterprise, timeout=20
    ).json()
    assert supply.json()["id"] in [r["supply"]["id"] for r in again["items"]]


def test_a_payment_retried_on_the_other_replica_pays_once(replicas: dict[str, list[ServiceProcess]]) -> None:
    first, second = replicas["funding-api"]
    indicator = replicas["indicator-api"][0]
    admin = _sign_in(indicator, "admin")
    checker_name = f"checker-{uuid.uuid4().hex[:6]}"
    created = httpx.post(
        f"{indicator.url}/api/v1/users",
        headers=_sign_in(indicator, "security"),
        json={
            "username": checker_name,
            "password": CHECKER_PASSWORD,
            "role": "admin",
            "display_name": "复核人",
        },
    )
    assert created.status_code == 201, created.text
    checker = sign_in(indicator, checker_name, CHECKER_PASSWORD)
    program = httpx.post(
        f"{first.url}/api/v1/programs",
        headers=admin,
        timeout=20,
        json={
            "name": "科技创新管理专项(副本测试)",
            "source_level": "daye",
            "year": 2026,
            "budget": "500000.00",
        },
    ).json()
    award = httpx.post(
        f"{second.url}/api/v1/awards",
        headers=admin,
        timeout=20,
        json={
            "program_id": program["id"],
            "credit_code": FOUNDRY,
            "amount": "300000.00",
            "application_no": "KJGL-2026-R1",
        },
    ).json()
    assert (
        httpx.post(
            f"{first.url}/api/v1/awards/{award['id']}/approval", headers=checker, timeout=20
        ).status_code
        == 200
    )
    key = {"Idempotency-Key": str(uuid.uuid4())}
    paid = httpx.post(
        f"{first.url}/api/v1/awards/{award['id']}/disbursements",
        headers=admin | key,
        json={"amount": "120000.00"},
        timeout=20,
    )
    retried = httpx.post(
        f"{second.url}/api/v1/awards/{award['id']}/disbursements",
        headers=admin | key,
        json={"amount": "120000.00"},
        timeout=20,
    )
    assert paid.status_code == 201, paid.text
    assert (retried.status_code, retried.json()) == (paid.status_code, paid.json())
    after = httpx.get(f"{second.url}/api/v1/awards/{award['id']}", headers=admin, timeout=20).json()
    assert (after["paid"], after["outstanding"]) == ("120000.00", "180000.00")


def _rows(url: str, query: str) -> list[dict[str, Any]]:
    async def fetch() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
        try:
            return [dict(row) for row in await conn.fetch(query)]
        finally:
            await conn.close()

    return asyncio.run(fetch())


def _turnover(indicator: ServiceProcess, headers: dict[str, str]) -> Decimal:
    answer = httpx.get(
        f"{indicator.url}/api/v1/indicators/tech_contract_turnover/progress",
        params={"year": 2025, "as_of": "2025-12-31"},
        headers=headers,
        timeout=20,
    )
    assert answer.status_code == 200, answer.text
    actual = answer.json()["actual"]
    return Decimal(str(actual["value"] if isinstance(actual, dict) else actual))


def _succeed_a_docking(
    matching: ServiceProcess, enterprise: dict[str, str], admin: dict[str, str], amount: int
) -> int:
    demand = httpx.post(
        f"{matching.url}/api/v1/demands",
        headers=enterprise,
        timeout=30,
        json={
            "kind": "technology",
            "title": f"铸件气孔缺陷攻关(副本 {amount})",
            "description": "球墨铸铁件砂型铸造气孔缩松缺陷多,希望优化浇注系统。",
            "budget": "800000.00",
            "deadline": "2030-06-30",
        },
    )
    assert demand.status_code == 201, demand.text
    supply = httpx.post(
        f"{matching.url}/api/v1/supplies",
        headers=admin,
        timeout=30,
        json={
            "kind": "technology",
            "name": f"气孔缩松控制技术(副本 {amount})",
            "provider": "武汉理工大学材料学院",
            "description": "优化浇注系统与熔炼工艺,降低球墨铸铁件气孔、缩松缺陷。",
            "fields": ["铸造"],
            "maturity": "pilot",
            "price": "200000.00",
        },
    )
    assert supply.status_code == 201, supply.text
    match = httpx.post(
        f"{matching.url}/api/v1/matches",
        headers=enterprise,
        timeout=30,
        json={"demand_id": demand.json()["id"], "supply_id": supply.json()["id"]},
    )
    assert match.status_code == 201, match.text
    path = f"{matching.url}/api/v1/matches/{match.json()['id']}"
    assert httpx.patch(path, json={"status": "docking"}, headers=admin, timeout=30).status_code == 200
    contract = {"amount": f"{amount}.00", "contract_type": "development", "signed_on": "2025-08-20"}
    done = httpx.patch(
        path, json={"status": "succeeded", "contract": contract}, headers=enterprise, timeout=30
    )
    assert done.status_code == 200, done.text
    return int(match.json()["id"])


def test_each_event_is_applied_once_whichever_replica_records_or_receives_it(
    replicas: dict[str, list[ServiceProcess]], databases: dict[str, str]
) -> None:
    """Dockings succeed on both matching-api replicas; their events leave through both replicas'
    dispatchers (each to the indicator-api replica it is wired to) and are applied once."""
    indicator = replicas["indicator-api"][0]
    admin, enterprise = _sign_in(indicator, "admin"), _sign_in(indicator, FOUNDRY)
    before = _turnover(indicator, admin)
    # Multiples of 10,000 yuan (0.0001 亿元, the turnover's unit): the expected rise is exact.
    amounts = [10_000 * (i + 1) for i in range(6)]
    dockings = [
        _succeed_a_docking(replicas["matching-api"][i % 2], enterprise, admin, amount)
        for i, amount in enumerate(amounts)
    ]
    deadline = time.monotonic() + 60
    while _rows(databases["matching-api"], "SELECT 1 FROM outbox_events WHERE state <> 'delivered' LIMIT 1"):
        assert time.monotonic() < deadline, "matching-api's events were not all delivered"
        time.sleep(0.5)

    sent = _rows(
        databases["matching-api"], "SELECT event_id FROM outbox_events WHERE destination = 'indicator-api'"
    )
    applied = _rows(
        databases["indicator-api"], "SELECT event_id FROM received_events WHERE source = 'matching-api'"
    )
    assert len(sent) >= len(dockings)
    assert sorted(r["event_id"] for r in applied) == sorted(r["event_id"] for r in sent)
    contracts = httpx.get(
        f"{replicas['indicator-api'][1].url}/api/v1/tech-contracts",
        params={"source": "matching-api"},
        headers=admin,
        timeout=20,
    ).json()
    mine = [c for c in contracts["items"] if int(c["source_id"]) in dockings]
    assert sorted(int(c["source_id"]) for c in mine) == sorted(dockings)  # one contract each
    assert {c["revision"] for c in mine} == {1}
    assert _turnover(indicator, admin) - before == Decimal(sum(amounts)) / Decimal(100_000_000)
    # Each event was answered at least once, by whichever indicator-api replica its sender is wired to.
    delivered_to = [
        sum('"/api/v1/inbox"' in line and '"status": 200' in line for line in p.log_text().splitlines())
        for p in replicas["indicator-api"]
    ]
    assert sum(delivered_to) >= len(sent)


def test_each_scheduled_occurrence_runs_once_across_two_replicas_of_each_service(
    replicas: dict[str, list[ServiceProcess]], databases: dict[str, str]
) -> None:
    """Both replicas of every service run the duties (their start runs each duty's latest
    occurrence): each occurrence is recorded once and logged as run by one replica only."""
    for name, processes in replicas.items():
        deadline = time.monotonic() + 60
        while _rows(databases[name], "SELECT 1 FROM duty_runs WHERE outcome = 'running' LIMIT 1"):
            assert time.monotonic() < deadline, f"{name}: a duty is still running"
            time.sleep(0.5)
        finished = {
            (row["duty"], row["occurrence"])
            for row in _rows(
                databases[name], "SELECT duty, occurrence FROM duty_runs WHERE outcome IN ('ok', 'skipped')"
            )
        }
        logged: Counter[tuple[str, str]] = Counter()
        for process in processes:
            for line in process.log_text().splitlines():
                if line.startswith("{") and '"duty_ran"' in line:
                    entry = json.loads(line)
                    logged[(entry["duty"], entry["occurrence"])] += 1
        assert finished, f"{name}: no duty ran"
        # Read after the rows: an occurrence finishing meanwhile may be logged and not yet read.
        assert {key: logged[key] for key in finished} == dict.fromkeys(finished, 1), name
        assert max(logged.values()) == 1, name
