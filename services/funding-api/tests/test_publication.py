"""The outstanding total reaches indicator-api as one `outstanding.published` event: recorded in the
transaction of the publication (rolled back with it), delivered by the outbox at least once, and
never lost while indicator-api is down."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, update

from daye_kit.outbox import EVENTS
from funding_api.outstanding import service

from .conftest import Stack
from .helpers import approved_award, pay

AS_OF = date(2031, 3, 15)


async def events(stack: Stack) -> list[dict[str, object]]:
    async with stack.app.state.sessionmaker() as session:
        # The messages to indicator-api, not the change feed's events (no destination).
        rows = await session.execute(
            select(EVENTS).where(EVENTS.c.destination.is_not(None)).order_by(EVENTS.c.id)
        )
        return [dict(row) for row in rows.mappings()]


async def test_the_event_commits_with_the_publication_or_not_at_all(stack: Stack) -> None:
    async with stack.app.state.sessionmaker() as session:
        await service.publish(session, as_of=AS_OF, region_code="420281")
        # Visible inside the transaction that records it…
        assert (await session.execute(select(func.count()).select_from(EVENTS))).scalar_one() == 1
        await session.rollback()
    assert await events(stack) == []  # …and gone with it.

    async with stack.app.state.sessionmaker() as session, session.begin():
        total, value, event_id = await service.publish(session, as_of=AS_OF, region_code="420281")
    [event] = await events(stack)
    assert (event["event_id"], event["type"], event["subject"], event["destination"], event["state"]) == (
        event_id,
        "outstanding.published",
        "policy_funds_outstanding:420281",
        "indicator-api",
        "pending",
    )
    assert event["data"] == {
        "region_code": "420281",
        "year": 2031,
        "month": 3,
        "as_of": "2031-03-15",
        "values": {"policy_funds_outstanding": "0.00"},
        "total": "0.00",
        "note": "funding-api:截至 2031-03-15 未兑现政策资金 0.00 元",
    }
    assert (total, value) == (0, "0.00")


async def test_a_publication_waits_for_indicator_api_and_arrives_once(
    stack: Stack, admin: dict[str, str], checker: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    award = await approved_award(stack.funding, admin, checker, amount="600000.00")
    assert (await pay(stack.funding, admin, award["id"], "149876.00")).status_code == 201
    address = stack.app.state.indicator.base_url
    stack.app.state.indicator.base_url = "http://127.0.0.1:9"
    monkeypatch.setattr(stack.app.state.indicator, "retries", 0)

    # indicator-api is down: the bureau's publication succeeds all the same, and waits.
    published = await stack.funding.post("/api/v1/outstanding/publications", json={}, headers=admin)
    assert published.status_code == 200, published.text
    body = published.json()
    assert (body["total"], body["value"]) == ("450124.00", "45.0124")
    assert await stack.deliver() == 0
    [waiting] = await events(stack)
    assert (waiting["event_id"], waiting["state"], waiting["attempts"]) == (body["event_id"], "pending", 1)
    assert stack.indicator.values == {}

    # Back up: delivered once; a redelivery (its acknowledgement lost) is not applied again.
    stack.app.state.indicator.base_url = address
    async with stack.app.state.sessionmaker() as session, session.begin():
        await session.execute(update(EVENTS).values(next_attempt_at=func.now()))
    assert await stack.deliver() == 1
    assert stack.indicator.values == {
        ("policy_funds_outstanding", "420281", body["year"], body["month"]): "45.0124"
    }
    async with stack.app.state.sessionmaker() as session, session.begin():
        await session.execute(update(EVENTS).values(state="pending", next_attempt_at=func.now()))
    assert await stack.deliver() == 1
    assert [d["id"] for d in stack.indicator.deliveries] == [body["event_id"]] * 2
    assert stack.indicator.applied == {body["event_id"]}
    assert await stack.deliver() == 0
