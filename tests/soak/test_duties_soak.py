"""The duties' soak (`make soak`, not part of `make test`): five replicas of matching-api on one
PostgreSQL, every duty set to run each minute (`MATCHING_DUTY_SCHEDULES`, grace `GRACE_SECONDS`),
SIGKILLed and restarted at random for `SOAK_SECONDS` (default ten minutes), beside one indicator-api
that receives the statistics each run publishes.

Kills come every 5–25 s, half of them aimed at the first seconds of a minute, when the occurrences
run; a killed replica comes back after 1–5 s; the last replica standing is never killed (with none
up an occurrence is missed by design, and the grace is what bounds the catch-up). Afterwards, for
each minute of the soak and each duty:

- run twice: a second `duty_runs` row is impossible (UNIQUE), so it is counted in the effects — the
  `duty_ran` log lines of all replicas per (duty, occurrence), and the `match_stats.published`
  events the publication writes, one per run, each applied once by indicator-api;
- missed: no `ok` row, or one that started later than the grace after its minute (a row left
  `running` by a replica killed mid-duty, or `failed`, is counted as missed too).

The figures are printed and written to `SOAK_REPORT` (default `var/soak/duties.json`).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from daye_dev.databases import PostgresDatabases
from daye_dev.processes import ServiceProcess, free_port
from daye_dev.pytest_plugin import require_postgres
from daye_kit.settings import DEV_SERVICE_API_KEYS

pytestmark = pytest.mark.soak
REPLICAS = 5
DUTIES = (
    "close-expired-demands",
    "remind-demands",
    "publish-match-stats",
    "purge-idempotency-keys",
    "prune-events",
    "prune-audit",
    "prune-webhook-deliveries",
)
GRACE_SECONDS = 30
SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "600"))
REPORT = Path(os.environ.get("SOAK_REPORT", "var/soak/duties.json"))


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@dataclass
class Soak:
    indicator: ServiceProcess
    replicas: list[ServiceProcess]
    matching_dsn: str
    indicator_dsn: str


@pytest.fixture(scope="module")
def soak(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Soak]:
    require_postgres()
    databases = PostgresDatabases()
    indicator_db = asyncio.run(databases.create("soak_indicator"))
    matching_db = asyncio.run(databases.create("soak_matching"))
    workdir: Path = tmp_path_factory.mktemp("soak")
    indicator_port = free_port()
    indicator = ServiceProcess(
        "indicator-api",
        "indicator_api",
        indicator_port,
        {
            "INDICATOR_PORT": str(indicator_port),
            "INDICATOR_DATABASE_URL": indicator_db,
            "INDICATOR_ADMIN_PASSWORD": "soak-admin-password",
            "INDICATOR_SERVICE_API_KEYS": json.dumps({"matching-api": DEV_SERVICE_API_KEYS["matching-api"]}),
            "INDICATOR_SIGNING_KEY_FILE": str(workdir / "signing.pem"),
            "INDICATOR_RUN_DUTIES": "false",
            "INDICATOR_LOG_FORMAT": "json",
        },
        workdir,
        workdir / "indicator-api.log",
    )
    every_minute = {name: {"schedule": "* * * * *", "grace_seconds": GRACE_SECONDS} for name in DUTIES}
    replicas = []
    for index in range(REPLICAS):
        port = free_port()
        replicas.append(
            ServiceProcess(
                f"matching-api-{index}",
                "matching_api",
                port,
                {
                    "MATCHING_PORT": str(port),
                    "MATCHING_DATABASE_URL": matching_db,
                    "MATCHING_INDICATOR_URL": indicator.url,
                    "MATCHING_LOG_FORMAT": "json",
                    "MATCHING_RUN_DUTIES": "true",
                    "MATCHING_DUTY_SCHEDULES": json.dumps(every_minute),
                    "MATCHING_DUTY_TICK_SECONDS": "1",
                    # A killed dispatcher's publications go out again soon after.
                    "MATCHING_OUTBOX_LEASE_SECONDS": "10",
                    # A loaded machine answers slowly; a timeout would fail the publication.
                    "MATCHING_PEER_TIMEOUT_SECONDS": "20",
                    "PYTHONUNBUFFERED": "1",
                },
                workdir,
                workdir / f"matching-api-{index}.log",
            )
        )
    try:
        indicator.start()
        indicator.wait_healthy(timeout=180)
        for replica in replicas:
            replica.start()
        for replica in replicas:
            _until_healthy(replica)
        yield Soak(indicator, replicas, _dsn(matching_db), _dsn(indicator_db))
    finally:
        for process in [*replicas, indicator]:
            process.stop()
        asyncio.run(databases.drop_all())


def _until_healthy(replica: ServiceProcess, attempts: int = 3) -> None:
    """Started and healthy; a start that fails (a shared server out of connections) is tried again."""
    for attempt in range(attempts):
        try:
            replica.wait_healthy(timeout=300)
            return
        except RuntimeError:
            if attempt == attempts - 1:
                raise
            replica.stop()
            time.sleep(5)
            replica.start()


@dataclass
class Chaos:
    """Kills and restarts, with what was done when."""

    replicas: list[ServiceProcess]
    rng: random.Random
    kills: int = 0
    aimed: int = 0  # kills in the first seconds of a minute, while the occurrences run
    restarts: int = 0
    crashes: int = 0  # replicas found dead without being killed
    down_until: dict[int, float] = field(default_factory=dict)
    killed: list[tuple[int, datetime]] = field(default_factory=list)  # pid, when

    def healthy(self) -> list[int]:
        up = []
        for index, replica in enumerate(self.replicas):
            if index in self.down_until or replica.process is None or replica.process.poll() is not None:
                continue
            try:
                if httpx.get(f"{replica.url}/healthz", timeout=2).status_code == 200:
                    up.append(index)
            except httpx.TransportError:
                pass
        return up

    def next_kill(self, now: float) -> tuple[float, bool]:
        """When to kill next (monotonic), and whether it is aimed at a minute's first seconds."""
        if self.rng.random() < 0.5:
            wall = time.time()
            boundary = (int(wall // 60) + 1) * 60
            return now + (boundary - wall) + self.rng.uniform(0.0, 2.5), True
        return now + self.rng.uniform(5, 25), False

    def kill(self, index: int, now: float) -> None:
        replica = self.replicas[index]
        assert replica.process is not None
        replica.process.kill()
        self.killed.append((replica.process.pid, datetime.now(UTC)))
        replica.process.wait()
        replica.stop()  # closes its log
        self.kills += 1
        self.down_until[index] = now + self.rng.uniform(1, 5)

    def restart_due(self, now: float) -> None:
        for index, until in list(self.down_until.items()):
            if now >= until:
                del self.down_until[index]
                self.replicas[index].start()
                self.restarts += 1
        for index, replica in enumerate(self.replicas):
            if (
                index not in self.down_until
                and replica.process is not None
                and replica.process.poll() is not None
            ):
                self.crashes += 1
                replica.stop()
                replica.start()
                self.restarts += 1

    def run(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        when, aimed = self.next_kill(time.monotonic())
        while (now := time.monotonic()) < end:
            self.restart_due(now)
            if now >= when:
                up = self.healthy()
                if len(up) >= 2:
                    self.kill(self.rng.choice(up), time.monotonic())
                    self.aimed += aimed
                    when, aimed = self.next_kill(time.monotonic())
                else:  # the last one standing: later, and no longer aimed
                    when, aimed = now + 2, False
            time.sleep(0.1)
        # The last ones come back, so every occurrence of the soak has its grace with replicas up.
        for index in list(self.down_until):
            self.down_until[index] = 0
        self.restart_due(time.monotonic())


async def _rows(dsn: str, query: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(dsn)
    try:
        return [dict(row) for row in await conn.fetch(query)]
    finally:
        await conn.close()


def rows(dsn: str, query: str) -> list[dict[str, Any]]:
    return asyncio.run(_rows(dsn, query))


def logged_runs(replicas: list[ServiceProcess]) -> Counter[tuple[str, str]]:
    """`duty_ran` lines of every replica, every life, by (duty, occurrence)."""
    ran: Counter[tuple[str, str]] = Counter()
    for replica in replicas:
        for line in replica.log_text().splitlines():
            if line.startswith("{") and '"duty_ran"' in line:
                entry = json.loads(line)
                if entry.get("event") == "duty_ran":
                    ran[(entry["duty"], entry["occurrence"])] += 1
    return ran


def wait_for_deliveries(soak: Soak, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while rows(soak.matching_dsn, "SELECT 1 FROM outbox_events WHERE state <> 'delivered' LIMIT 1"):
        assert time.monotonic() < deadline, "the publications were not all delivered"
        time.sleep(1)


def test_five_replicas_killed_at_random_run_each_minute_once_and_miss_none(soak: Soak) -> None:
    seed = os.environ.get("SOAK_SEED") or str(random.SystemRandom().randrange(10**9))
    rng = random.Random(seed)
    started = datetime.now(UTC)
    chaos = Chaos(soak.replicas, rng)
    chaos.run(SOAK_SECONDS)
    ended = datetime.now(UTC)
    # Every occurrence of the soak gets its whole grace, then the publications are delivered.
    last = ended.replace(second=0, microsecond=0)
    time.sleep(max(0.0, (last + timedelta(seconds=GRACE_SECONDS + 5) - datetime.now(UTC)).total_seconds()))
    wait_for_deliveries(soak)
    for replica in soak.replicas:
        replica.stop()

    minutes = []
    minute = started.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while minute <= last:
        minutes.append(minute)
        minute += timedelta(minutes=1)
    recorded = {
        (row["duty"], row["occurrence"]): row
        for row in rows(
            soak.matching_dsn,
            "SELECT duty, occurrence, outcome, attempts, runner, scheduled_for, started_at FROM duty_runs",
        )
    }
    logged = logged_runs(soak.replicas)
    expected = [(duty, moment.isoformat()) for moment in minutes for duty in DUTIES]
    missed, late, unfinished, unlogged = [], [], [], []
    for key in expected:
        row = recorded.get(key)
        if row is None:
            missed.append(key)
        elif row["outcome"] not in ("ok", "skipped"):
            unfinished.append((*key, row["outcome"], row["runner"]))
        elif row["started_at"] - row["scheduled_for"] > timedelta(seconds=GRACE_SECONDS):
            late.append((*key, (row["started_at"] - row["scheduled_for"]).total_seconds()))
        elif logged[key] == 0:
            unlogged.append(key)  # the replica was killed between its commit and its log line
    duplicated = sorted(key for key, count in logged.items() if count > 1)
    # Kills that hit a replica within three seconds of it starting a run (mid-duty, or just after).
    started_by = Counter(
        (row["runner"].rsplit(":", 1)[-1], row["started_at"].replace(microsecond=0))
        for row in recorded.values()
    )
    during_a_run = sum(
        1
        for pid, moment in chaos.killed
        if any(
            runner == str(pid) and timedelta(0) <= moment - started <= timedelta(seconds=3)
            for runner, started in started_by
        )
    )
    ok_publications = sum(
        1 for (duty, _), row in recorded.items() if duty == "publish-match-stats" and row["outcome"] == "ok"
    )
    events = rows(
        soak.matching_dsn, "SELECT event_id FROM outbox_events WHERE type = 'match_stats.published'"
    )
    applied = rows(
        soak.indicator_dsn, "SELECT event_id FROM received_events WHERE type = 'match_stats.published'"
    )
    delay = [
        (row["started_at"] - row["scheduled_for"]).total_seconds()
        for key, row in recorded.items()
        if key in set(expected) and row["scheduled_for"] is not None
    ]
    report = {
        "seconds": SOAK_SECONDS,
        "seed": seed,
        "replicas": REPLICAS,
        "grace_seconds": GRACE_SECONDS,
        "minutes": len(minutes),
        "occurrences_expected": len(expected),
        "occurrences_run": sum(1 for key in expected if key in recorded),
        "duplicated": len(duplicated),
        "missed": len(missed),
        "late": len(late),
        "unfinished": len(unfinished),
        "unlogged": len(unlogged),
        "kills": chaos.kills,
        "kills_at_a_minute": chaos.aimed,
        "kills_within_3s_of_a_run_by_the_killed_replica": during_a_run,
        "restarts": chaos.restarts,
        "crashes": chaos.crashes,
        "runs_by_runner": dict(Counter(row["runner"] for row in recorded.values())),
        "start_delay_seconds": {
            "max": max(delay, default=0),
            "mean": sum(delay) / len(delay) if delay else 0,
        },
        "publications": {"ok_runs": ok_publications, "events": len(events), "applied": len(applied)},
        "details": {"missed": missed, "late": late, "unfinished": unfinished, "duplicated": duplicated},
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    print("\nsoak:", json.dumps(report, indent=2, default=str))

    assert minutes, "the soak was too short to hold a whole minute"
    assert chaos.kills > 0
    assert duplicated == []
    assert (missed, late, unfinished) == ([], [], [])
    # One publication event per run, each applied by indicator-api once.
    assert len(events) == ok_publications
    assert sorted(r["event_id"] for r in applied) == sorted(r["event_id"] for r in events)
