"""Two replicas of each service as real processes on one PostgreSQL, started together: they migrate
once, seed the demo once, and the cross-service flows work whichever replica a call lands on."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from daye_dev.databases import PostgresDatabases
from daye_dev.processes import SERVICES, ServiceProcess, free_port, platform, sign_in
from daye_dev.pytest_plugin import require_postgres

pytestmark = pytest.mark.e2e
PASSWORD = "replica-demo-password"
FOUNDRY = "91420281MA0000001H"


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, list[ServiceProcess]]]:
    require_postgres()
    databases = PostgresDatabases()
    urls = {name: asyncio.run(databases.create(f"replica_{name.split('-')[0]}")) for name, *_ in SERVICES}
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
                process.wait_healthy(timeout=120)
        yield started
    finally:
        for processes in started.values():
            for process in processes:
                process.stop()
        asyncio.run(databases.drop_all())


def _sign_in(indicator: ServiceProcess, username: str) -> dict[str, str]:
    return sign_in(indicator, username, PASSWORD)


def test_each_schema_was_migrated_once_and_seeded_once(replicas: dict[str, list[ServiceProcess]]) -> None:
    for name, (a, b) in replicas.items():
        upgrades = [len(re.findall(r"Running upgrade", p.log_text())) for p in (a, b)]
        assert sorted(upgrades)[0] == 0, f"{name}: both replicas ran migrations {upgrades}"
        assert sorted(upgrades)[1] >= 2, f"{name}: {upgrades}"
    admin = _sign_in(replicas["indicator-api"][1], "admin")
    accounts = httpx.get(
        f"{replicas['indicator-api'][0].url}/api/v1/users", headers=admin, params={"limit": 1}
    ).json()
    assert accounts["total"] == 1053
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
        headers=admin,
        json={"username": checker_name, "password": PASSWORD, "role": "admin", "display_name": "复核人"},
    )
    assert created.status_code == 201, created.text
    checker = _sign_in(indicator, checker_name)
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
