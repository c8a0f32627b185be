"""Closed periods as indicator-api's outbox delivers them: a payment or any other money write dated
in a closed period is refused (409 `period_closed`), a reopening admits it again, a reopening past
its `recloses_at` counts as closed, and only indicator-api's account may change them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx

from daye_kit.timestamps import local_today, utcnow

from .conftest import Stack
from .helpers import approved_award, make_award, make_program

MONTH = local_today().strftime("%Y-%m")


def period_event(kind: str, *, recloses_in: timedelta | None = None, revision: int = 1) -> dict[str, Any]:
    today = local_today()
    return {
        "id": str(uuid.uuid4()),
        "type": kind,
        "occurred_at": utcnow().isoformat(),
        "subject": f"period:{MONTH}",
        "data": {
            "key": MONTH,
            "kind": "month",
            "starts_on": today.replace(day=1).isoformat(),
            "ends_on": today.isoformat(),
            "status": "closed" if kind == "period.closed" else "reopened",
            "recloses_at": (utcnow() + recloses_in).isoformat() if recloses_in is not None else None,
            "revision": revision,
        },
        "source": "indicator-api",
    }


async def deliver(stack: Stack, event: dict[str, Any], sender: str = "svc-indicator-api") -> httpx.Response:
    headers = {"Authorization": f"Bearer {stack.indicator.token(sender, 'service')}"}
    return await stack.funding.post("/api/v1/inbox", json=event, headers=headers)


def refused_at(response: httpx.Response) -> list[str]:
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "period_closed"
    return [e["field"] for e in response.json()["errors"]]


async def test_a_payment_into_a_closed_month_waits_for_its_reopening(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker)
    path = f"/api/v1/awards/{award['id']}/disbursements"

    async def pay(**extra: Any) -> httpx.Response:
        body = {"amount": "1000.00", **extra}
        return await stack.funding.post(
            path, json=body, headers={**admin, "Idempotency-Key": str(uuid.uuid4())}
        )

    program = await make_program(stack.funding, admin)
    pending = await make_award(stack.funding, admin, program["id"], application_no="KJCX-2025-002")
    closing = period_event("period.closed")
    assert (await deliver(stack, closing)).json() == {"applied": True}
    assert (await deliver(stack, closing)).json() == {"applied": False}
    assert refused_at(await pay()) == ["body.paid_on"]
    assert refused_at(await pay(paid_on=local_today().isoformat())) == ["body.paid_on"]
    # Approving and allocating a budget are money writes dated today as well: the ledger refuses
    # every posting dated in a closed period.
    budget = {"name": "另一专项", "source_level": "daye", "year": 2025, "budget": "1000.00"}
    assert refused_at(await stack.funding.post("/api/v1/programs", json=budget, headers=admin)) == ["body"]
    approval = await stack.funding.post(f"/api/v1/awards/{pending['id']}/approval", headers=checker)
    assert refused_at(approval) == ["body"]

    # Another service's account cannot reopen it.
    forged = await deliver(
        stack, period_event("period.reopened", recloses_in=timedelta(days=7), revision=2), "svc-matching-api"
    )
    assert forged.status_code == 403, forged.text
    assert refused_at(await pay()) == ["body.paid_on"]

    # A reopening already past its recloses_at counts as closed; a current one admits the payment.
    lapsed = period_event("period.reopened", recloses_in=timedelta(seconds=-1), revision=2)
    assert (await deliver(stack, lapsed)).json() == {"applied": True}
    assert refused_at(await pay()) == ["body.paid_on"]
    reopened = period_event("period.reopened", recloses_in=timedelta(days=7), revision=3)
    assert (await deliver(stack, reopened)).json() == {"applied": True}
    # A stale event (a lower revision, delivered late) changes nothing.
    assert (await deliver(stack, period_event("period.closed", revision=1))).json() == {"applied": True}
    paid = await pay()
    assert paid.status_code == 201, paid.text
