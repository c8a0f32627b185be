"""Two replicas of matching-api as real processes on one PostgreSQL, each running the duties with a
fast tick: every due occurrence runs once in all (counted in both replicas' logs and in
`duty_runs`), the publication reaches the real indicator-api, and `/api/v1/jobs` shows the runs."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from daye_dev.databases import PostgresDatabases
from daye_dev.processes import ServiceProcess, free_port, sign_in
from daye_dev.pytest_plugin import require_postgres
from daye_kit.settings import DEV_SERVICE_API_KEYS

pytestmark = pytest.mark.e2e
PASSWORD = "duties-admin-password"
DUTIES = {
    "close-expired-demands",
    "remind-demands",
    "publish-match-stats",
    "purge-idempotency-keys",
    "prune-events",
    "prune-audit",
    "prune-webhook-deliveries",
}


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServiceProcess, list[ServiceProcess], str]]:
    require_postgres()
    databases = PostgresDatabases()
    indicator_db = asyncio.run(databases.create("duties_indicator"))
    matching_db = asyncio.run(databases.create("duties_matching"))
    workdir: Path = tmp_path_factory.mktemp("duties")
    indicator_port = free_port()
    indicator = ServiceProcess(
        "indicator-api",
        "indicator_api",
        indicator_port,
        {
            "INDICATOR_PORT": str(indicator_port),
            "INDICATOR_DATABASE_URL": indicator_db,
            "INDICATOR_ADMIN_PASSWORD": PASSWORD,
            "INDICATOR_SERVICE_API_KEYS": json.dumps({"matching-api": DEV_SERVICE_API_KEYS["matching-api"]}),
            "INDICATOR_SIGNING_KEY_FILE": str(workdir / "signing.pem"),
            "INDICATOR_RUN_DUTIES": "false",
        },
        workdir,
        workdir / "indicator-api.log",
    )
    replicas = []
    for name in ("a", "b"):
        port = free_port()
        replicas.append(
            ServiceProcess(
                "matching-api",
                "matching_api",
                port,
                {
                    "MATCHING_PORT": str(port),
                    "MATCHING_DATABASE_URL": matching_db,
                    "MATCHING_INDICATOR_URL": indicator.url,
                    "MATCHING_LOG_FORMAT": "json",
                    "MATCHING_DUTY_TICK_SECONDS": "0.2",
                },
                workdir,
                workdir / f"matching-{name}.log",
            )
        )
    started = [indicator, *replicas]
    try:
        indicator.start()
        indicator.wait_healthy(timeout=120)
        for replica in replicas:
            replica.start()  # together: both migrate, seed nothing and tick at once
        for replica in replicas:
            replica.wait_healthy(timeout=120)
        yield indicator, replicas, matching_db
    finally:
        for process in started:
            process.stop()
        asyncio.run(databases.drop_all())


async def _runs(url: str) -> list[tuple[str, str, str, str]]:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT duty, occurrence, outcome, runner FROM duty_runs ORDER BY duty")
    finally:
        await conn.close()
    return [(r["duty"], r["occurrence"], r["outcome"], r["runner"]) for r in rows]


def test_each_occurrence_runs_once_across_two_replicas(
    stack: tuple[ServiceProcess, list[ServiceProcess], str],
) -> None:
    indicator, replicas, matching_db = stack
    admin = sign_in(indicator, "admin", PASSWORD)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        jobs = httpx.get(f"{replicas[1].url}/api/v1/jobs", headers=admin, timeout=10).json()["items"]
        if all(job["last_run"] and job["last_run"]["outcome"] != "running" for job in jobs):
            break
        time.sleep(0.5)
    time.sleep(2)  # ten more ticks of each replica: nothing runs again
    assert {job["name"]: job["last_run"]["outcome"] for job in jobs} == dict.fromkeys(DUTIES, "ok")

    runs = asyncio.run(_runs(matching_db))
    assert sorted(duty for duty, *_ in runs) == sorted(DUTIES)
    ran = Counter(
        json.loads(line)["duty"]
        for replica in replicas
        for line in replica.log_text().splitlines()
        if line.startswith("{") and '"duty_ran"' in line
    )
    assert ran == Counter(DUTIES)

    published = httpx.get(
        f"{indicator.url}/api/v1/indicators/supply_chain_demands_posted/values", headers=admin, timeout=10
    )
    assert published.status_code == 200, published.text
    assert published.json()["total"] >= 1
