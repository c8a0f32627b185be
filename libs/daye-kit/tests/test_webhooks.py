"""The kit's webhooks on their own, on SQLite and PostgreSQL, with a test catalogue: the router in
a small app, deliveries posted over HTTP to a receiver app (in process, through httpx's ASGI
transport) that verifies them with `standardwebhooks`, the reference library."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import format_datetime
from ipaddress import ip_network
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI, Header
from pydantic import BaseModel
from sqlalchemy import MetaData, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from standardwebhooks import Webhook, WebhookVerificationError
from starlette.requests import Request
from starlette.responses import Response

from daye_kit.auth import Principal, Role
from daye_kit.db import create_engine, create_sessionmaker
from daye_kit.errors import install_problem_handlers
from daye_kit.feed import EventType, emit
from daye_kit.notifications import Notifications, notifications_table
from daye_kit.outbox import EVENTS
from daye_kit.settings import ServiceSettings
from daye_kit.timestamps import as_utc, utcnow
from daye_kit.webhooks import (
    DELIVERIES,
    ENDPOINTS,
    RETRY_SCHEDULE,
    Sender,
    UrlPolicy,
    fan_out,
    parse_retry_after,
    prune_deliveries,
    retry_delay,
    send_due,
    webhooks_router,
)


class Thing(BaseModel):
    id: int
    name: str


MADE = EventType(name="thing.made", data=Thing, dataset="things", description="造了一件东西")
BROKEN = EventType(name="thing.broken", data=Thing, dataset="things", description="坏了一件东西")
CATALOGUE = [MADE, BROKEN]
NOTICES = notifications_table(MetaData())
NOTIFICATIONS = Notifications(NOTICES)
RECEIVER = "http://127.0.0.1:9/hook"  # a literal loopback address: allowed in tests, refused in production


class Receiver:
    """An HTTP receiver that answers from a script (then 204) and keeps what it was sent."""

    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.script: list[tuple[int, dict[str, str]]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        self.got.append((dict(request.headers), await request.body()))
        status, headers = self.script.pop(0) if self.script else (204, {})
        await Response(status_code=status, headers=headers)(scope, receive, send)


@dataclass
class Kit:
    app: FastAPI
    sessionmaker: async_sessionmaker[AsyncSession]
    receiver: Receiver
    http: httpx.AsyncClient
    api: httpx.AsyncClient
    schedule: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])

    def sender(self, policy: UrlPolicy | None = None) -> Sender:
        return Sender(
            client=self.http,
            policy=policy or UrlPolicy(allow_loopback=True),
            schedule=self.schedule,
            timeout=5,
            notifications=NOTIFICATIONS,
        )

    async def register(self, types: list[str] | None = None, who: str = "admin") -> dict[str, Any]:
        body = {"url": RECEIVER, "event_types": types or ["thing.made"]}
        response = await self.api.post("/api/v1/webhooks", json=body, headers={"x-user": who})
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def make(self, name: str, kind: EventType = MADE) -> str:
        async with self.sessionmaker() as session, session.begin():
            return await emit(session, kind, subject=f"thing:{name}", data=Thing(id=1, name=name))

    async def run(self, policy: UrlPolicy | None = None) -> int:
        await fan_out(self.sessionmaker, types=[kind.name for kind in CATALOGUE])
        return await send_due(self.sessionmaker, self.sender(policy))

    async def deliveries(self) -> list[dict[str, Any]]:
        async with self.sessionmaker() as session:
            rows = await session.execute(select(DELIVERIES).order_by(DELIVERIES.c.id))
            return [dict(row) for row in rows.mappings()]

    async def endpoint(self, webhook_id: int) -> dict[str, Any]:
        async with self.sessionmaker() as session:
            row = (await session.execute(select(ENDPOINTS).where(ENDPOINTS.c.id == webhook_id))).mappings()
            return dict(row.one())

    async def all_due(self) -> None:
        async with self.sessionmaker() as session, session.begin():
            await session.execute(update(DELIVERIES).values(next_attempt_at=utcnow()))


async def caller(x_user: str = Header("admin")) -> Principal:
    return Principal(username=x_user, role=Role.admin if x_user == "admin" else Role.service)


@pytest_asyncio.fixture
async def engine(empty_database: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(empty_database)
    async with engine.begin() as conn:
        for table in (EVENTS, ENDPOINTS, NOTICES):
            await conn.run_sync(table.metadata.create_all)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def kit(engine: AsyncEngine) -> AsyncIterator[Kit]:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(webhooks_router(CATALOGUE, manager=caller))
    app.state.settings = ServiceSettings(environment="test", database_url="sqlite+aiosqlite://")
    app.state.sessionmaker = create_sessionmaker(engine)
    receiver = Receiver()
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver)) as http,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://kit") as api,
    ):
        yield Kit(app, app.state.sessionmaker, receiver, http, api)


def verified(secret: str, headers: dict[str, str], body: bytes) -> Any:
    return Webhook(secret).verify(body, headers)


async def test_a_delivery_verifies_with_the_secret_answered_at_registration(kit: Kit) -> None:
    webhook = await kit.register()
    secret = webhook.pop("secret")
    assert secret.startswith("whsec_")
    assert 24 <= len(base64.b64decode(secret[6:])) <= 64
    assert "secret" not in (await kit.api.get(f"/api/v1/webhooks/{webhook['id']}")).json()
    event_id = await kit.make("pump")
    await kit.make("ignored", BROKEN)  # a type it did not subscribe to
    assert await kit.run() == 1
    [(headers, body)] = kit.receiver.got
    assert headers["webhook-id"] == event_id
    assert headers["content-type"] == "application/json"
    payload = verified(secret, headers, body)
    assert payload["type"] == "thing.made"
    assert payload["timestamp"].endswith("Z")
    assert payload["data"] == {
        "event_id": event_id,
        "subject": "thing:pump",
        "object": {"id": 1, "name": "pump"},
    }
    with pytest.raises(WebhookVerificationError):
        verified(secret, headers, body.replace(b"pump", b"pimp"))
    [delivery] = (await kit.api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries")).json()["items"]
    assert (delivery["state"], delivery["attempts"], delivery["response_status"]) == ("succeeded", 1, 204)
    assert await kit.run() == 0  # once per event


async def test_after_a_rotation_both_signatures_are_sent_and_each_verifies(kit: Kit) -> None:
    webhook = await kit.register()
    rotated = await kit.api.post(f"/api/v1/webhooks/{webhook['id']}/secret-rotation")
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != webhook["secret"]
    assert new.startswith("whsec_")
    await kit.make("valve")
    await kit.run()
    [(headers, body)] = kit.receiver.got
    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2
    assert all(s.startswith("v1,") for s in signatures)
    for secret, signature in ((new, signatures[0]), (webhook["secret"], signatures[1])):
        assert verified(secret, {**headers, "webhook-signature": signature}, body)
    # 24 hours later the old secret no longer signs.
    async with kit.sessionmaker() as session, session.begin():
        await session.execute(update(ENDPOINTS).values(previous_secret_until=utcnow() - timedelta(seconds=1)))
    await kit.make("gauge")
    await kit.run()
    headers, body = kit.receiver.got[1]
    assert " " not in headers["webhook-signature"]
    verified(new, headers, body)
    with pytest.raises(WebhookVerificationError):
        verified(webhook["secret"], headers, body)


def test_the_retry_schedule_waits_as_the_issue_says_with_jitter() -> None:
    assert RETRY_SCHEDULE == (0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400)
    for failed, base in enumerate(RETRY_SCHEDULE):
        waits = {retry_delay(RETRY_SCHEDULE, failed) for _ in range(20)}
        assert all(w is not None and base * 0.9 <= w <= base * 1.1 for w in waits)
        assert base == 0 or len(waits) > 1  # jittered
    assert retry_delay(RETRY_SCHEDULE, len(RETRY_SCHEDULE)) is None


async def test_failures_follow_the_schedule_and_only_2xx_succeeds(kit: Kit) -> None:
    kit.schedule = [0, 300, 0]
    webhook = await kit.register()
    kit.receiver.script = [(302, {"location": "http://127.0.0.1:9/elsewhere"}), (500, {}), (500, {})]
    await kit.make("pump")
    before = utcnow()
    await kit.run()
    [delivery] = await kit.deliveries()
    assert (delivery["state"], delivery["attempts"], delivery["response_status"]) == ("pending", 1, 302)
    wait = (as_utc(delivery["next_attempt_at"]) - before).total_seconds()
    assert 270 <= wait <= 331
    assert await kit.run() == 0  # not due yet
    await kit.all_due()
    await kit.run()
    await kit.all_due()
    await kit.run()
    [delivery] = await kit.deliveries()
    assert (delivery["state"], delivery["attempts"], delivery["response_status"]) == ("failed", 3, 500)
    assert len({headers["webhook-id"] for headers, _ in kit.receiver.got}) == 1  # stable across retries
    assert (await kit.endpoint(webhook["id"]))["failing_since"] is not None


async def test_retry_after_is_honoured_in_seconds_and_as_a_date(kit: Kit) -> None:
    kit.schedule = [0, 1, 1]
    await kit.register()
    kit.receiver.script = [(503, {"retry-after": "120"})]
    await kit.make("pump")
    before = utcnow()
    await kit.run()
    [delivery] = await kit.deliveries()
    assert 119 <= (as_utc(delivery["next_attempt_at"]) - before).total_seconds() <= 125
    now = utcnow()
    assert (
        3599
        <= (parse_retry_after(format_datetime(now + timedelta(hours=1), usegmt=True), now=now) or 0)
        <= 3600
    )
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after("9999999", now=now) == 86400


async def test_410_disables_the_endpoint_and_tells_its_owner(kit: Kit) -> None:
    webhook = await kit.register(who="svc-gov")
    kit.receiver.script = [(410, {})]
    await kit.make("pump")
    await kit.run()
    endpoint = await kit.endpoint(webhook["id"])
    assert (endpoint["state"], endpoint["disabled_reason"]) == ("disabled", "the receiver answered 410 Gone")
    assert [d["state"] for d in await kit.deliveries()] == ["failed"]  # no retry after 410
    await kit.make("valve")
    await kit.all_due()
    await kit.run()
    assert len(kit.receiver.got) == 1  # a disabled endpoint is sent nothing
    async with kit.sessionmaker() as session:
        notices = (await session.execute(select(NOTICES.c.audience, NOTICES.c.kind))).all()
    assert notices == [("user:svc-gov", "webhook_disabled")]


async def test_five_days_of_failures_disable_the_endpoint_and_tell_its_owner(kit: Kit) -> None:
    kit.schedule = [0, 0, 0, 0]
    webhook = await kit.register(who="svc-gov")
    kit.receiver.script = [(500, {}), (500, {})]
    await kit.make("pump")
    await kit.run()
    assert (await kit.endpoint(webhook["id"]))["state"] == "active"  # failing, not yet five days
    async with kit.sessionmaker() as session, session.begin():
        await session.execute(update(ENDPOINTS).values(failing_since=utcnow() - timedelta(days=5, minutes=1)))
    await kit.all_due()
    await kit.run()
    endpoint = await kit.endpoint(webhook["id"])
    assert (endpoint["state"], endpoint["disabled_reason"]) == (
        "disabled",
        "every delivery has failed for 5 days",
    )
    async with kit.sessionmaker() as session:
        assert (await session.execute(select(NOTICES.c.audience))).scalars().all() == ["user:svc-gov"]
    # A success clears the failing streak; resuming re-enables.
    resumed = await kit.api.patch(f"/api/v1/webhooks/{webhook['id']}", json={"state": "active"})
    assert (resumed.json()["state"], resumed.json()["failing_since"]) == ("active", None)
    await kit.all_due()
    await kit.run()
    assert (await kit.deliveries())[0]["state"] == "succeeded"


async def test_production_refuses_urls_that_reach_inside(kit: Kit) -> None:
    production = UrlPolicy()
    for url in (
        "http://127.0.0.1:8001/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://224.0.0.1/",
        "http://0.0.0.0/",
        "ftp://8.8.8.8/hook",
        "http://user:pw@8.8.8.8/",
        "http://no-such-host.invalid/hook",
    ):
        assert await production.refusal(url), url
    assert await production.refusal("https://8.8.8.8/hook") is None
    allowed = UrlPolicy(allowed=(ip_network("10.20.0.0/16"),))
    assert await allowed.refusal("http://10.20.3.4/hook") is None
    assert await allowed.refusal("http://10.21.3.4/hook")
    # The router, with the settings of production: 422 naming body.url.
    kit.app.state.settings = kit.app.state.settings.model_copy(update={"environment": "production"})
    refused = await kit.api.post("/api/v1/webhooks", json={"url": RECEIVER, "event_types": ["thing.made"]})
    assert refused.status_code == 422
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [("body.url", "url_not_allowed")]
    kit.app.state.settings = kit.app.state.settings.model_copy(
        update={"webhook_allowed_networks": [ip_network("127.0.0.0/8")]}
    )
    assert (
        await kit.api.post("/api/v1/webhooks", json={"url": RECEIVER, "event_types": ["thing.made"]})
    ).status_code == 201


async def test_the_url_is_checked_again_at_delivery(kit: Kit) -> None:
    await kit.register()
    await kit.make("pump")
    await kit.run(policy=UrlPolicy())  # what production would do if the name resolved inside now
    assert kit.receiver.got == []
    [delivery] = await kit.deliveries()
    assert delivery["state"] == "pending"
    assert "loopback" in delivery["last_error"]


async def test_event_types_must_be_the_feeds(kit: Kit) -> None:
    refused = await kit.api.post("/api/v1/webhooks", json={"url": RECEIVER, "event_types": ["thing.eaten"]})
    assert refused.status_code == 422
    assert [(e["field"], e["rule"]) for e in refused.json()["errors"]] == [("body.event_types", "event_type")]
    ftp = await kit.api.post(
        "/api/v1/webhooks", json={"url": "ftp://127.0.0.1/", "event_types": ["thing.made"]}
    )
    assert [e["field"] for e in ftp.json()["errors"]] == ["body.url"]


async def test_redelivery_sends_the_same_event_again_within_30_days(kit: Kit) -> None:
    webhook = await kit.register()
    event_id = await kit.make("pump")
    await kit.run()
    [delivery] = await kit.deliveries()
    path = f"/api/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}/redelivery"
    again = await kit.api.post(path)
    assert again.status_code == 202, again.text
    assert (again.json()["state"], again.json()["attempts"]) == ("pending", 0)
    await kit.run()
    assert [headers["webhook-id"] for headers, _ in kit.receiver.got] == [event_id, event_id]
    verified(webhook["secret"], *kit.receiver.got[1])
    async with kit.sessionmaker() as session, session.begin():
        await session.execute(update(DELIVERIES).values(created_at=utcnow() - timedelta(days=31)))
    too_old = await kit.api.post(path)
    assert (too_old.status_code, too_old.json()["code"]) == (409, "webhook_delivery_too_old")
    async with kit.sessionmaker() as session, session.begin():
        assert await prune_deliveries(session) == 1
    assert (await kit.api.post(path)).status_code == 404


async def test_a_paused_subscription_gets_nothing(kit: Kit) -> None:
    webhook = await kit.register()
    paused = await kit.api.patch(f"/api/v1/webhooks/{webhook['id']}", json={"state": "paused"})
    assert paused.json()["state"] == "paused"
    await kit.make("while-paused")
    await kit.run()
    assert kit.receiver.got == []
    assert await kit.deliveries() == []
    await kit.make("read-only-after-the-resume")  # the fan-out has not seen it when it resumes
    await kit.api.patch(f"/api/v1/webhooks/{webhook['id']}", json={"state": "active"})
    await kit.make("after")
    await kit.run()
    names = [json.loads(body)["data"]["subject"] for _, body in kit.receiver.got]
    assert names == ["thing:after"]  # skipped, not queued


async def test_an_endpoint_gets_events_from_its_registration_on(kit: Kit) -> None:
    await kit.make("before")
    await kit.register()
    await kit.make("after")
    await kit.run()
    assert [json.loads(body)["data"]["subject"] for _, body in kit.receiver.got] == ["thing:after"]


async def test_service_accounts_manage_only_their_own(kit: Kit) -> None:
    mine = await kit.register(who="svc-a")
    await kit.register(who="svc-b")
    listed = (await kit.api.get("/api/v1/webhooks", headers={"x-user": "svc-a"})).json()
    assert [w["id"] for w in listed["items"]] == [mine["id"]]
    assert listed["total"] == 1
    assert (await kit.api.get("/api/v1/webhooks")).json()["total"] == 2  # the bureau sees all
    other = f"/api/v1/webhooks/{mine['id']}"
    assert (await kit.api.delete(other, headers={"x-user": "svc-b"})).status_code == 404
    assert (await kit.api.delete(other, headers={"x-user": "svc-a"})).status_code == 204
    assert (await kit.api.get(other)).status_code == 404


async def test_two_senders_never_send_one_delivery_twice(kit: Kit) -> None:
    for endpoint in range(3):
        await kit.register(types=["thing.made"], who=f"svc-{endpoint}")
    for i in range(4):
        await kit.make(f"e{i}")
    await fan_out(kit.sessionmaker, types=["thing.made"])

    async def sender() -> None:
        for _ in range(4):
            await send_due(kit.sessionmaker, kit.sender(), batch=3)

    await asyncio.gather(sender(), sender())
    pairs = [(h["webhook-id"], h["webhook-signature"]) for h, _ in kit.receiver.got]
    assert len(pairs) == 12
    assert len(set(pairs)) == 12
    async with kit.sessionmaker() as session:
        states = await session.execute(select(DELIVERIES.c.state, func.count()).group_by(DELIVERIES.c.state))
        assert dict(states.all()) == {"succeeded": 12}
