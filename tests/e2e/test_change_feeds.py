"""The three services' change feeds followed by an outside system, as real processes on PostgreSQL.

1,000 random writes across the three services from 50 concurrent writers, one of them held open for
30 seconds behind a row lock, while a consumer follows every feed from its start. At the end the
consumer's copy (the latest `data` per `subject`) equals a full read of every collection (read
incrementally, with `updated_since` and `after`): no gap, no duplicate. A second consumer that stops
half-way and restarts from its last cursor loses nothing either.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from daye_demo.enterprises import DEMO_ENTERPRISES, UNIT_CODES
from daye_dev.databases import PostgresDatabases
from daye_dev.processes import SERVICES, ServiceProcess, free_port, platform, running, sign_in
from daye_dev.pytest_plugin import require_postgres
from daye_kit.credit_code import complete

pytestmark = pytest.mark.e2e
PASSWORD = "feed-demo-password"
WRITES = 1000
WRITERS = 50
HOLD_SECONDS = 30

# What a consumer copies, per service: collection path → the subject prefix and the key field.
COLLECTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "indicator-api": {
        "/api/v1/enterprises": ("enterprise", "credit_code"),
        "/api/v1/candidates": ("candidate", "id"),
        "/api/v1/tech-contracts": ("tech_contract", "id"),
    },
    "matching-api": {
        "/api/v1/demands": ("demand", "id"),
        "/api/v1/supplies": ("supply", "id"),
        "/api/v1/matches": ("match", "id"),
    },
    "funding-api": {
        "/api/v1/programs": ("program", "id"),
        "/api/v1/awards": ("award", "id"),
        "/api/v1/disbursements": ("disbursement", "id"),
        "/api/v1/ledger/entries": ("ledger_entry", "id"),
    },
}
# A candidate in a list shows the moves the reader may make and no history (its single read has it);
# the feed carries the history and no reader's moves.
READER_DEPENDENT = {"allowed_moves", "history"}


@pytest.fixture(scope="module")
def databases() -> Iterator[dict[str, str]]:
    require_postgres()
    made = PostgresDatabases()
    urls = {name: asyncio.run(made.create(f"feeds_{name.split('-')[0]}")) for name, *_ in SERVICES}
    yield urls
    asyncio.run(made.drop_all())


@pytest.fixture(scope="module")
def services(
    tmp_path_factory: pytest.TempPathFactory, databases: dict[str, str]
) -> Iterator[dict[str, ServiceProcess]]:
    workdir = tmp_path_factory.mktemp("feeds")
    env = {
        name: {
            f"{prefix}DEMO": "true",
            f"{prefix}LOG_FORMAT": "json",
            f"{prefix}DATABASE_URL": databases[name],
            f"{prefix}WRITE_RATE_LIMIT": "",
            f"{prefix}RUN_DUTIES": "false",
            # A connection for every writer: the writes that queue behind the held demand keep theirs
            # for up to HOLD_SECONDS, and with the default 10 the rest would wait out the pool's
            # timeout (503). What is tested here is the feeds' copies, not the pool's size.
            f"{prefix}DATABASE_POOL_SIZE": str(WRITERS),
        }
        for name, _, prefix, _ in SERVICES
    }
    env["indicator-api"]["INDICATOR_DEMO_PASSWORD"] = PASSWORD
    ports = {name: free_port() for name, *_ in SERVICES}
    with running(platform(ports, cwd=workdir, env=env, log_dir=workdir), timeout=300) as started:
        yield started


# -- the consumer ---------------------------------------------------------------------------------


@dataclass
class Consumer:
    """Follows one service's feed; keeps the latest data per subject and every event id seen."""

    base_url: str
    headers: dict[str, str]
    cursor: str | None = None
    copy: dict[str, Any] = field(default_factory=dict)
    seen: Counter[str] = field(default_factory=Counter)

    async def poll(self, client: httpx.AsyncClient) -> int:
        params: dict[str, Any] = {"limit": 500}
        if self.cursor:
            params["after"] = self.cursor
        answer = await client.get(f"{self.base_url}/api/v1/events", params=params, headers=self.headers)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        for event in page["items"]:
            self.seen[event["id"]] += 1
            self.copy[event["subject"]] = event["data"]
        self.cursor = page["next_cursor"]
        return len(page["items"])

    async def drain(self, client: httpx.AsyncClient) -> None:
        while await self.poll(client):
            pass


async def full_read(
    client: httpx.AsyncClient, base_url: str, path: str, headers: dict[str, str]
) -> list[Any]:
    """Every row of a collection, read incrementally from the start of time."""
    rows: list[Any] = []
    params: dict[str, Any] = {"limit": 200, "updated_since": "2000-01-01T00:00:00+00:00"}
    while True:
        answer = await client.get(f"{base_url}{path}", params=params, headers=headers)
        assert answer.status_code == 200, f"{path}: {answer.text}"
        page = answer.json()
        rows.extend(page["items"])
        if len(page["items"]) < params["limit"]:
            return rows
        params = {"limit": 200, "after": page["next_cursor"]}


# -- the writers ----------------------------------------------------------------------------------


@dataclass
class World:
    urls: dict[str, str]
    admin: dict[str, str]
    checker: dict[str, str]
    indicator_code: str
    program_id: int
    demands: list[int] = field(default_factory=list)
    supplies: list[int] = field(default_factory=list)
    matches: list[int] = field(default_factory=list)
    enterprises: list[str] = field(default_factory=list)
    awards: list[int] = field(default_factory=list)
    approved: list[int] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)


def _credit_code(rng: random.Random) -> str:
    body = "91420281" + "MA" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(7))
    return complete(body)


async def one_write(client: httpx.AsyncClient, world: World, rng: random.Random) -> None:
    """One random write through the public API; what it created is remembered for later writes."""
    m, i, f = world.urls["matching-api"], world.urls["indicator-api"], world.urls["funding-api"]
    admin = world.admin
    tag = uuid.uuid4().hex[:8]
    choices = ["demand", "supply", "enterprise", "value", "award"]
    if world.demands:
        choices += ["demand_edit"]
    if world.supplies:
        choices += ["supply_edit"]
    if world.demands and world.supplies:
        choices += ["match", "match"]
    if world.matches:
        choices += ["match_move"]
    if world.enterprises:
        choices += ["enterprise_edit"]
    if world.awards:
        choices += ["approve"]
    if world.approved:
        choices += ["pay"]
    kind = rng.choice(choices)
    answer: httpx.Response
    if kind == "demand":
        enterprise = rng.choice(DEMO_ENTERPRISES)
        answer = await client.post(
            f"{m}/api/v1/demands",
            json={
                "kind": "technology",
                "title": f"表面防腐涂层工艺改进 {tag}",
                "description": "产品使用一段时间后生锈,需要防腐蚀涂层技术",
                "deadline": (date.today() + timedelta(days=60)).isoformat(),
                "credit_code": enterprise.credit_code,
            },
            headers=admin,
        )
        if answer.status_code == 201:
            world.demands.append(answer.json()["id"])
    elif kind == "demand_edit":
        answer = await client.patch(
            f"{m}/api/v1/demands/{rng.choice(world.demands)}",
            json={"title": f"需求修订 {tag}"},
            headers=admin,
        )
    elif kind == "supply":
        answer = await client.post(
            f"{m}/api/v1/supplies",
            json={
                "name": f"防腐涂层团队 {tag}",
                "provider": "湖北理工学院",
                "description": "金属表面防腐蚀涂层",
                "kind": "expert",
                "capacity": 3,
                "region_code": "420281",
            },
            headers=admin,
        )
        if answer.status_code == 201:
            world.supplies.append(answer.json()["id"])
    elif kind == "supply_edit":
        answer = await client.patch(
            f"{m}/api/v1/supplies/{rng.choice(world.supplies)}",
            json={"description": f"修订 {tag}"},
            headers=admin,
        )
    elif kind == "match":
        answer = await client.post(
            f"{m}/api/v1/matches",
            json={"demand_id": rng.choice(world.demands), "supply_id": rng.choice(world.supplies)},
            headers=admin,
        )
        if answer.status_code == 201:
            world.matches.append(answer.json()["id"])
    elif kind == "match_move":
        status = rng.choice(["docking", "succeeded", "failed"])
        answer = await client.patch(
            f"{m}/api/v1/matches/{rng.choice(world.matches)}", json={"status": status}, headers=admin
        )
    elif kind == "enterprise":
        code = _credit_code(rng)
        answer = await client.post(
            f"{i}/api/v1/enterprises",
            json={
                "name": f"大冶新材料有限公司{tag}",
                "region_code": rng.choice(UNIT_CODES[5:]),
                "credit_code": code,
            },
            headers=admin,
        )
        if answer.status_code == 201:
            world.enterprises.append(code)
    elif kind == "enterprise_edit":
        answer = await client.patch(
            f"{i}/api/v1/enterprises/{rng.choice(world.enterprises)}",
            json={"industry": f"新材料{tag}"},
            headers=admin,
        )
    elif kind == "value":
        answer = await client.post(
            f"{i}/api/v1/indicators/{world.indicator_code}/values",
            json={
                "year": 2025,
                "month": rng.randint(1, 9),
                "region_code": rng.choice(UNIT_CODES[5:]),
                "value": str(rng.randint(1, 500)),
                "provenance": "administrative",
            },
            headers=admin,
        )
    elif kind == "award":
        answer = await client.post(
            f"{f}/api/v1/awards",
            json={
                "program_id": world.program_id,
                "credit_code": rng.choice(DEMO_ENTERPRISES).credit_code,
                "amount": f"{rng.randint(1, 50) * 1000}.00",
                "application_no": f"FEED-{tag}",
            },
            headers=admin,
        )
        if answer.status_code == 201:
            world.awards.append(answer.json()["id"])
    elif kind == "approve":
        award = world.awards.pop(rng.randrange(len(world.awards)))
        answer = await client.post(f"{f}/api/v1/awards/{award}/approval", json={}, headers=world.checker)
        if answer.status_code in (200, 201):
            world.approved.append(award)
    else:  # pay
        award = rng.choice(world.approved)
        answer = await client.post(
            f"{f}/api/v1/awards/{award}/disbursements",
            json={"amount": "100.00", "reference": tag},
            headers={**admin, "Idempotency-Key": tag},
        )
    assert answer.status_code < 500, f"{kind}: {answer.status_code} {answer.text}"
    assert answer.status_code != 422, f"{kind}: the test sent what the API refuses: {answer.text}"
    world.outcomes[f"{kind} {answer.status_code}"] += 1


async def hold_a_demand(database_url: str, demand_id: int, locked: asyncio.Event) -> None:
    """A transaction on matching-api's database that locks one demand for HOLD_SECONDS: the write
    that edits it waits, its transaction open, while younger ones commit around it."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("SELECT id FROM demands WHERE id = $1 FOR UPDATE", demand_id)
            locked.set()
            await asyncio.sleep(HOLD_SECONDS)
    finally:
        await conn.close()


async def scenario(services: dict[str, ServiceProcess], databases: dict[str, str]) -> None:
    indicator = services["indicator-api"]
    urls = {name: process.url for name, process in services.items()}
    admin = sign_in(indicator, "admin", PASSWORD)
    async with httpx.AsyncClient(timeout=120) as client:
        checker = {
            "username": f"feed-checker-{uuid.uuid4().hex[:6]}",
            "role": "admin",
            "password": "Fuhe-Staff-2025x",
        }
        security = sign_in(indicator, "security", PASSWORD)
        made = await client.post(f"{urls['indicator-api']}/api/v1/users", json=checker, headers=security)
        assert made.status_code == 201, made.text
        second = sign_in(indicator, checker["username"], checker["password"])
        indicators = (await client.get(f"{urls['indicator-api']}/api/v1/indicators", headers=admin)).json()
        program = await client.post(
            f"{urls['funding-api']}/api/v1/programs",
            json={
                "name": f"变更订阅专项-{uuid.uuid4().hex[:6]}",
                "source_level": "daye",
                "year": 2025,
                "budget": "90000000",
            },
            headers=admin,
        )
        assert program.status_code == 201, program.text
        world = World(
            urls=urls,
            admin=admin,
            checker=second,
            indicator_code=next(
                item["code"]
                for item in indicators["items"]
                if item["source"] == "recorded" and item["additive"] and item["accumulation"] == "cumulative"
            ),
            program_id=program.json()["id"],
        )
        consumers = {name: Consumer(url, admin) for name, url in urls.items()}
        restarting = {name: Consumer(url, admin) for name, url in urls.items()}
        done = asyncio.Event()

        async def follow(consumer: Consumer) -> None:
            while not done.is_set():
                if not await consumer.poll(client):
                    await asyncio.sleep(0.2)

        async def follow_and_restart(name: str) -> None:
            """Stops after a few pages, then a new consumer carries on from the saved cursor."""
            consumer = restarting[name]
            for _ in range(3):
                await consumer.poll(client)
            saved = consumer.cursor
            reborn = Consumer(consumer.base_url, consumer.headers, cursor=saved, copy=dict(consumer.copy))
            reborn.seen = Counter(consumer.seen)
            restarting[name] = reborn
            await follow(reborn)

        rng = random.Random(16)
        counter = iter(range(WRITES))

        async def writer(seed: int) -> None:
            own = random.Random(seed)
            for _ in counter:
                await one_write(client, world, own)

        followers = [asyncio.create_task(follow(c)) for c in consumers.values()]
        followers += [asyncio.create_task(follow_and_restart(name)) for name in restarting]
        # A demand of its own for the held transaction to wait on: no random write edits it after.
        held = await client.post(
            f"{urls['matching-api']}/api/v1/demands",
            json={
                "kind": "talent",
                "title": "长事务等待的需求",
                "description": "招聘表面处理工程师,负责电镀与涂装工艺",
                "deadline": (date.today() + timedelta(days=60)).isoformat(),
                "credit_code": DEMO_ENTERPRISES[0].credit_code,
            },
            headers=admin,
        )
        assert held.status_code == 201, held.text
        held_id = held.json()["id"]
        locked = asyncio.Event()
        holder = asyncio.create_task(hold_a_demand(databases["matching-api"], held_id, locked))
        await locked.wait()
        held_started = time.monotonic()
        held_edit = asyncio.create_task(
            client.patch(
                f"{urls['matching-api']}/api/v1/demands/{held_id}",
                json={"title": "被长事务挡住的修改"},
                headers=admin,
            )
        )
        await asyncio.gather(*(writer(rng.randrange(10**9)) for _ in range(WRITERS)))
        edited = await held_edit
        await holder
        assert edited.status_code == 200, edited.text
        assert time.monotonic() - held_started >= HOLD_SECONDS - 1  # it really waited behind the lock
        done.set()
        await asyncio.gather(*followers)

        for name in urls:
            for consumer in (consumers[name], restarting[name]):
                await consumer.drain(client)
                assert consumer.seen, f"{name}: the feed gave nothing"
                assert max(consumer.seen.values()) == 1, f"{name}: an event came twice"
            assert restarting[name].copy == consumers[name].copy, f"{name}: the restarted consumer differs"
            copy = consumers[name].copy
            for path, (prefix, key) in COLLECTIONS[name].items():
                rows = await full_read(client, urls[name], path, admin)
                read = {f"{prefix}:{row[key]}": row for row in rows}
                copied = {subject: data for subject, data in copy.items() if subject.split(":")[0] == prefix}
                missing = sorted(set(read) - set(copied))
                assert not missing, f"{name} {path}: rows the feed never announced: {missing[:10]}"
                extra = sorted(set(copied) - set(read))
                assert not extra, f"{name} {path}: the feed announced rows a full read lacks: {extra[:10]}"
                for subject, row in read.items():
                    shown = {k: v for k, v in row.items() if k not in READER_DEPENDENT}
                    assert {k: copied[subject].get(k) for k in shown} == shown, f"{name} {subject} differs"
        assert consumers["matching-api"].copy[f"demand:{held_id}"]["title"] == "被长事务挡住的修改"
        print(dict(world.outcomes))
        assert (
            sum(n for outcome, n in world.outcomes.items() if outcome.endswith(("200", "201")))
            >= WRITES * 0.8
        )


def test_feeds_give_an_exact_copy_under_concurrent_writes(
    services: dict[str, ServiceProcess], databases: dict[str, str]
) -> None:
    asyncio.run(scenario(services, databases))
