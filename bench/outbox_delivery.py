"""The outbox's cost (issue 15): `uv run python bench/outbox_delivery.py`.

Real processes on fresh PostgreSQL databases with the demo data: an indicator-api, and two
matching-api, one as shipped and one whose dockings record no event (below). Two ratios, each the
median of a few rounds, the two sides alternating within every round:

- **Delivery.** Events per second from an outbox to indicator-api's inbox over real HTTP, against a
  plain loop of the same HTTP calls. Both run in this process with the kit's own code and one HTTP
  client, as matching-api's dispatcher would: the outbox side records the events in a PostgreSQL
  `outbox_events` table (matching-api's schema) and runs `deliver_pending` passes until none is
  left, each pass claiming a batch under `FOR UPDATE SKIP LOCKED`, posting each event and marking it
  delivered, then refreshing the backlog gauges; the plain loop posts the same events (other ids and
  docking numbers, so the inbox applies every one) with the same sender, and nothing else. Each
  event is what a docking's success sends: `match.succeeded` with a contract of a demo enterprise,
  which indicator-api records as a technology contract and adds to the turnover. Goal ≥ 0.5×.
- **A write that records an event.** The latency of a docking's success with its contract
  (`PATCH /api/v1/matches/{id}`, docking → succeeded, as the bureau), on matching-api as shipped
  (the success and its `match.succeeded` event commit in one transaction) against the same request
  on a matching-api whose `record_event` is replaced by a no-op (this script's `without-events`
  command; nothing else differs). One request at a time; the median per side and round. Goal ≤ 1.2×.

For the run only, through their documented settings: both matching-api leave delivery and duties
off (`MATCHING_OUTBOX_DISPATCH=false`, `MATCHING_RUN_DUTIES=false`: delivery is the first ratio's
subject, and a background pass would land in the middle of the second's requests), indicator-api
runs no duties, and the write rate limit is off (`*_WRITE_RATE_LIMIT=`: the set-up posts a few
hundred demands as the bureau). Options: --events, --writes, --rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from prometheus_client import CollectorRegistry
from results import record
from sqlalchemy import func, select

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.databases import PostgresDatabases, migrate
from daye_dev.processes import SERVICES, ServiceProcess, free_port, platform, print_log_tails, sign_in
from daye_kit.app import default_http_client
from daye_kit.db import create_engine, create_sessionmaker
from daye_kit.outbox import EVENTS, Event, OutboxMetrics, deliver_pending, peer_sender, record_event
from daye_kit.peer import IdentityClient, ServiceToken
from daye_kit.settings import DEV_SERVICE_API_KEYS
from daye_kit.timestamps import utcnow
from indicator_api.config import DEFAULT_DEMO_PASSWORD
from matching_api.main import MIGRATIONS as MATCHING_MIGRATIONS
from matching_api.peers import IndicatorClient

DELIVERY_GOAL, WRITE_GOAL = 0.5, 1.2
SOURCE = "matching-api"
# Far above the demo's dockings and the set-up's: each event's contract is a new one at indicator-api.
FIRST_EVENT_MATCH = 10_000_000


# --- matching-api without its events -----------------------------------------------------------------


def serve_without_events() -> None:
    """matching-api as shipped, except that a docking records no event: `record_event` is a no-op."""
    from daye_kit.serve import serve
    from matching_api.config import Settings
    from matching_api.main import create_app
    from matching_api.matches import service

    async def no_event(*_: Any, **__: Any) -> str:
        return ""

    service.record_event = no_event  # type: ignore[assignment]
    sys.argv = [sys.argv[0]]  # `serve` reads its own command line
    serve(Settings, create_app, migrations=MATCHING_MIGRATIONS)


# --- delivery ---------------------------------------------------------------------------------------


def _events(first_match: int, count: int, *, contract: bool) -> list[dict[str, Any]]:
    """What `count` dockings' successes send, each of a demo enterprise: with a contract, which
    indicator-api records and adds to the turnover, or without (it records only the event's id)."""
    events = []
    for i in range(count):
        match_id = first_match + i
        enterprise = DEMO_ENTERPRISES[i % len(DEMO_ENTERPRISES)]
        terms = {
            "amount": f"{100_000 + (i % 97) * 1_000}.00",
            "contract_type": "development",
            "signed_on": (date(2025, 1, 15) + timedelta(days=i % 300)).isoformat(),
        }
        events.append(
            {
                "type": "match.succeeded",
                "subject": f"match:{match_id}",
                "data": {
                    "match_id": match_id,
                    "demand_id": match_id,
                    "credit_code": enterprise.credit_code,
                    "region_code": enterprise.region_code,
                    "revision": 1 if contract else 0,
                    "contract": terms if contract else None,
                },
            }
        )
    return events


@dataclass
class Delivery:
    sessionmaker: Any
    send: Callable[[Event], Awaitable[None]]
    metrics: OutboxMetrics
    contract: bool
    next_match: int = FIRST_EVENT_MATCH
    outbox_rates: list[float] = field(default_factory=list)
    plain_rates: list[float] = field(default_factory=list)

    def batch(self, count: int) -> list[dict[str, Any]]:
        events = _events(self.next_match, count, contract=self.contract)
        self.next_match += count
        return events

    async def through_outbox(self, count: int) -> float:
        """Events per second: recorded (not timed), then delivered by dispatcher passes until done."""
        async with self.sessionmaker() as session, session.begin():
            for event in self.batch(count):
                await record_event(session, **event, to="indicator-api")
        started = time.perf_counter()
        delivered = 0
        while True:  # as `run_dispatcher`, without the idle sleep
            passed = await deliver_pending(
                self.sessionmaker, {"indicator-api": self.send}, source=SOURCE, metrics=self.metrics
            )
            delivered += passed
            if not passed:
                break
        elapsed = time.perf_counter() - started
        async with self.sessionmaker() as session:
            left = (
                await session.execute(select(func.count()).where(EVENTS.c.state != "delivered"))
            ).scalar_one()
        if delivered != count or left:
            raise RuntimeError(f"the outbox delivered {delivered} of {count}; {left} not delivered")
        return count / elapsed

    async def plain_loop(self, count: int) -> float:
        """Events per second: the same calls, one after the other, and nothing else."""
        events = [
            Event(id=str(uuid.uuid4()), occurred_at=utcnow(), source=SOURCE, **event)
            for event in self.batch(count)
        ]
        started = time.perf_counter()
        for event in events:
            await self.send(event)
        return count / (time.perf_counter() - started)


async def measure_delivery(
    indicator_url: str, outbox_url: str, *, counts: Mapping[bool, int], rounds: int
) -> dict[bool, Delivery]:
    """Events per second of each kind (with a contract or not: `counts` of each a round)."""
    engine = create_engine(outbox_url)
    http = default_http_client()
    try:
        identity = IdentityClient(http, indicator_url)
        # matching-api's own client of indicator-api, with its default timeout and retries
        client = IndicatorClient(
            http, indicator_url, token_source=ServiceToken(identity, DEV_SERVICE_API_KEYS[SOURCE])
        )
        sessionmaker, metrics = create_sessionmaker(engine), OutboxMetrics(CollectorRegistry())
        runs = {
            contract: Delivery(
                sessionmaker, peer_sender(client), metrics, contract, FIRST_EVENT_MATCH * (1 + int(contract))
            )
            for contract in counts
        }
        for contract, run in runs.items():
            print(f"  {_kind(contract)}:", flush=True)
            await run.through_outbox(10)  # warm both: the token, connections, the inbox's first rows
            await run.plain_loop(10)
            for round_ in range(rounds):
                if round_ % 2 == 0:  # neither side always runs first
                    run.outbox_rates.append(await run.through_outbox(counts[contract]))
                    run.plain_rates.append(await run.plain_loop(counts[contract]))
                else:
                    run.plain_rates.append(await run.plain_loop(counts[contract]))
                    run.outbox_rates.append(await run.through_outbox(counts[contract]))
                print(
                    f"    round {round_ + 1}: outbox {run.outbox_rates[-1]:,.1f} events/s, plain loop "
                    f"{run.plain_rates[-1]:,.1f} events/s: {run.outbox_rates[-1] / run.plain_rates[-1]:.2f}×",
                    flush=True,
                )
        return runs
    finally:
        await http.aclose()
        await engine.dispose()


def _kind(contract: bool) -> str:
    return "match.succeeded with a contract" if contract else "match.succeeded without a contract"


# --- a write that records an event ------------------------------------------------------------------

DEMAND = {
    "kind": "technology",
    "description": "我公司铸件生产存在气孔缩松缺陷,希望与高校合作优化浇注系统和熔炼工艺,降低废品率。",
    "industry": "铸造",
    "budget": "800000.00",
    "deadline": "2030-06-30",
}
SUPPLY = {
    "kind": "technology",
    "name": "球墨铸铁件气孔缩松缺陷控制技术",
    "provider": "武汉理工大学材料学院",
    "description": "针对球墨铸铁件气孔、缩松缺陷,优化浇注系统与熔炼工艺,可显著降低铸件废品率。",
    "fields": ["铸造"],
    "maturity": "pilot",
    "price": "200000.00",
}


def prepare_dockings(client: httpx.Client, admin: Mapping[str, str], count: int) -> list[int]:
    """`count` dockings in `docking`, each of its own new demand, all with one new supply."""
    supply = client.post("/api/v1/supplies", json=SUPPLY, headers=admin)
    supply.raise_for_status()
    dockings = []
    for i in range(count):
        enterprise = DEMO_ENTERPRISES[i % len(DEMO_ENTERPRISES)]
        demand = client.post(
            "/api/v1/demands",
            json={**DEMAND, "title": f"铸件缺陷攻关 {i:04d}", "credit_code": enterprise.credit_code},
            headers=admin,
        )
        demand.raise_for_status()
        match = client.post(
            "/api/v1/matches",
            json={"demand_id": demand.json()["id"], "supply_id": supply.json()["id"]},
            headers=admin,
        )
        match.raise_for_status()
        moved = client.patch(
            f"/api/v1/matches/{match.json()['id']}", json={"status": "docking"}, headers=admin
        )
        moved.raise_for_status()
        dockings.append(int(match.json()["id"]))
    return dockings


def succeed(client: httpx.Client, admin: Mapping[str, str], match_id: int, i: int) -> float:
    """Seconds for one docking's success with its contract."""
    body = {
        "status": "succeeded",
        "note": "签订技术开发合同",
        "contract": {
            "amount": f"{500_000 + i * 100}.00",
            "contract_type": "development",
            "signed_on": "2025-06-30",
        },
    }
    started = time.perf_counter()
    response = client.patch(f"/api/v1/matches/{match_id}", json=body, headers=admin)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"PATCH /api/v1/matches/{match_id}: {response.status_code} {response.text[:300]}")
    return elapsed


@dataclass
class Writes:
    with_event: list[float] = field(default_factory=list)  # the median of each round, seconds
    without: list[float] = field(default_factory=list)


def measure_writes(
    with_url: str, without_url: str, admin: Mapping[str, str], *, writes: int, rounds: int
) -> Writes:
    warm = 5
    with (
        httpx.Client(base_url=with_url, timeout=30) as on,
        httpx.Client(base_url=without_url, timeout=30) as off,
    ):
        dockings = {
            "with": prepare_dockings(on, admin, warm + writes * rounds),
            "without": prepare_dockings(off, admin, warm + writes * rounds),
        }
        clients = {"with": on, "without": off}
        for side in ("with", "without"):  # warm: the first success of each process pays for imports
            for i in range(warm):
                succeed(clients[side], admin, dockings[side].pop(), i)
        result = Writes()
        n = 0
        for round_ in range(rounds):
            times: dict[str, list[float]] = {"with": [], "without": []}
            for i in range(writes):
                order = ("with", "without") if (i + round_) % 2 == 0 else ("without", "with")
                for side in order:
                    times[side].append(succeed(clients[side], admin, dockings[side].pop(), n))
                    n += 1
            result.with_event.append(statistics.median(times["with"]))
            result.without.append(statistics.median(times["without"]))
            print(
                f"  round {round_ + 1}: with its event {result.with_event[-1] * 1000:.1f} ms, without "
                f"{result.without[-1] * 1000:.1f} ms: {result.with_event[-1] / result.without[-1]:.2f}×",
                flush=True,
            )
        return result


# --- the run ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--contract-events", type=int, default=20, help="events with a contract, per side and round"
    )
    parser.add_argument(
        "--events", type=int, default=80, help="events without a contract, per side and round"
    )
    parser.add_argument("--writes", type=int, default=20, help="writes per side and round")
    parser.add_argument("--rounds", type=int, default=5)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("without-events", help="serve matching-api without its events (the run starts it)")
    args = parser.parse_args()
    if args.command == "without-events":
        serve_without_events()
        return 0

    databases = PostgresDatabases()
    started: list[ServiceProcess] = []
    with tempfile.TemporaryDirectory(prefix="daye-outbox-") as tmp:
        workdir = Path(tmp)
        try:
            urls = {
                name: asyncio.run(databases.create(f"bench_outbox_{name}"))
                for name in ("indicator-api", "matching-api", "matching-api-without", "outbox")
            }
            asyncio.run(migrate(urls["outbox"], MATCHING_MIGRATIONS))
            ports = {name: free_port() for name, *_ in SERVICES}
            quiet = {"DEMO": "true", "LOG_LEVEL": "INFO", "LOG_FORMAT": "json", "RUN_DUTIES": "false"}
            quiet |= {"WRITE_RATE_LIMIT": ""}
            env = {name: {f"{prefix}{k}": v for k, v in quiet.items()} for name, _, prefix, _ in SERVICES}
            env["indicator-api"]["INDICATOR_DATABASE_URL"] = urls["indicator-api"]
            env["matching-api"] |= {
                "MATCHING_DATABASE_URL": urls["matching-api"],
                "MATCHING_OUTBOX_DISPATCH": "false",
            }
            processes = {p.name: p for p in platform(ports, cwd=workdir, env=env, log_dir=workdir)}
            indicator, matching = processes["indicator-api"], processes["matching-api"]
            without_port = free_port()
            without = ServiceProcess(
                "matching-api-without-events",
                "",
                without_port,
                {
                    **matching.env,
                    "MATCHING_PORT": str(without_port),
                    "MATCHING_DATABASE_URL": urls["matching-api-without"],
                },
                workdir,
                workdir / "matching-without.log",
                command=[sys.executable, str(Path(__file__).resolve()), "without-events"],
            )
            clock = time.monotonic()
            for process in (indicator, matching, without):  # at once: their demo data asks no peer
                started.append(process)
                process.start()
            for process in started:
                process.wait_healthy(timeout=240)
            print(f"the services started with the demo data in {time.monotonic() - clock:.0f} s", flush=True)
            admin = sign_in(indicator, "admin", DEFAULT_DEMO_PASSWORD)

            print(f"delivery: {args.rounds} rounds a kind, outbox and plain loop alternating", flush=True)
            counts = {True: args.contract_events, False: args.events}
            delivery = asyncio.run(
                measure_delivery(indicator.url, urls["outbox"], counts=counts, rounds=args.rounds)
            )
            print(
                f"write latency: {args.rounds} rounds of {args.writes} writes a side, interleaved", flush=True
            )
            print(f"  ({time.monotonic() - clock:.0f} s since the start)", flush=True)
            writes = measure_writes(matching.url, without.url, admin, writes=args.writes, rounds=args.rounds)
            print(f"  ({time.monotonic() - clock:.0f} s since the start)", flush=True)
            report(delivery, writes)
        except Exception:
            print_log_tails(started)
            raise
        finally:
            for process in reversed(started):
                process.stop()
            asyncio.run(databases.drop_all())
    return 0


def report(delivery: Mapping[bool, Delivery], writes: Writes) -> None:
    for contract, run in delivery.items():
        outbox, plain = statistics.median(run.outbox_rates), statistics.median(run.plain_rates)
        # The median of the rounds' ratios: the two sides of a round ran side by side, under the same noise.
        ratio = statistics.median(o / p for o, p in zip(run.outbox_rates, run.plain_rates, strict=True))
        print(
            f"| outbox → indicator-api inbox, {_kind(contract)} | {outbox:,.1f} events/s | plain loop "
            f"{plain:,.1f} events/s | {ratio:.2f}× (goal ≥ {DELIVERY_GOAL}×) |"
        )
        record(
            f"outbox delivery to indicator-api's inbox ({_kind(contract)}) over a plain loop of the same "
            "HTTP calls",
            measured=f"{outbox:,.1f} events/s (median of {len(run.outbox_rates)} rounds)",
            baseline=f"{plain:,.1f} events/s; ratio: median of the rounds' ratios",
            ratio=ratio,
            at_least=DELIVERY_GOAL,
        )
    with_event, without = statistics.median(writes.with_event), statistics.median(writes.without)
    ratio = statistics.median(w / o for w, o in zip(writes.with_event, writes.without, strict=True))
    print(
        f"| docking success with its event | {with_event * 1000:.1f} ms | without {without * 1000:.1f} ms "
        f"| {ratio:.2f}× (goal ≤ {WRITE_GOAL}×) |"
    )
    record(
        "latency of a docking's success (PATCH, 1 connection) recording its outbox event over the same "
        "write without it",
        measured=f"median {with_event * 1000:.1f} ms",
        baseline=f"median {without * 1000:.1f} ms; ratio: median of the rounds' ratios",
        ratio=ratio,
        at_most=WRITE_GOAL,
    )


if __name__ == "__main__":
    raise SystemExit(main())
