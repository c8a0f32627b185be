"""The 60-working-day payment promise: the bureau is told once per award when an approved award is
still unpaid 50 working days after approval, once more when it passes 60, and never of a paid one;
its notifications are read and marked at /api/v1/notifications, by the bureau alone."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from daye_kit.timestamps import local_today
from funding_api.models import notifications
from funding_api.outstanding import reminders, workdays

from .conftest import Stack
from .helpers import HEAT_EXCHANGERS, approved_award, pay


def aged(days: int) -> date:
    """The first day on which an award approved today is `days` working days old."""
    day = today = local_today()
    while workdays.working_days_between(today, day) < days:
        day += timedelta(days=1)
    return day


async def remind(stack: Stack, day: date) -> tuple[int, int]:
    async with stack.app.state.sessionmaker() as session, session.begin():
        sent = await reminders.remind(session, today=day)
    return sent.due_soon, sent.overdue


async def sent(stack: Stack) -> list[tuple[str, str, int | None]]:
    async with stack.app.state.sessionmaker() as session:
        rows = await session.execute(
            select(notifications.c.kind, notifications.c.audience, notifications.c.award_id).order_by(
                notifications.c.id
            )
        )
        return [(kind, audience, award_id) for kind, audience, award_id in rows.all()]


async def test_an_unpaid_award_is_reminded_once_at_50_and_once_past_60_working_days(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    unpaid = await approved_award(stack.funding, admin, checker, amount="300000.00")
    partly = await approved_award(
        stack.funding, admin, checker, amount="200000.00", credit_code=HEAT_EXCHANGERS.credit_code
    )
    paid = await approved_award(stack.funding, admin, checker, amount="100000.00")
    assert (await pay(stack.funding, admin, partly["id"], "50000.00")).status_code == 201
    assert (await pay(stack.funding, admin, paid["id"], "100000.00")).status_code == 201

    assert await remind(stack, aged(49)) == (0, 0)  # not yet
    assert await remind(stack, aged(50)) == (2, 0)
    assert await remind(stack, aged(50)) == (0, 0)  # once, however often it runs
    assert await remind(stack, aged(60)) == (0, 0)  # still within the promise, already told
    assert await remind(stack, aged(61)) == (0, 2)
    assert await remind(stack, aged(70)) == (0, 0)
    assert await sent(stack) == [
        ("award_payment_due_soon", "bureau", unpaid["id"]),
        ("award_payment_due_soon", "bureau", partly["id"]),
        ("award_payment_overdue", "bureau", unpaid["id"]),
        ("award_payment_overdue", "bureau", partly["id"]),
    ]


async def test_an_award_first_seen_past_the_promise_is_told_overdue_only(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker)
    assert await remind(stack, aged(65)) == (0, 1)
    assert await sent(stack) == [("award_payment_overdue", "bureau", award["id"])]
    # Paid in full since: nothing more, whatever the age.
    assert (await pay(stack.funding, admin, award["id"], "300000.00")).status_code == 201
    assert await remind(stack, aged(80)) == (0, 0)


async def test_the_bureau_reads_and_marks_its_reminders(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    award = await approved_award(stack.funding, admin, checker, amount="123456.78")
    await remind(stack, aged(52))
    listed = await stack.funding.get("/api/v1/notifications", headers=admin)
    assert listed.status_code == 200, listed.text
    [notice] = listed.json()["items"]
    assert (notice["kind"], notice["award_id"], notice["read_at"]) == (
        "award_payment_due_soon",
        award["id"],
        None,
    )
    assert "52 个工作日" in notice["title"]
    assert "123456.78 元" in notice["body"]
    # The same bureau, another admin account: the bureau's notices are every admin's.
    assert (await stack.funding.get("/api/v1/notifications", headers=checker)).json()["total"] == 1
    # Nobody else's.
    for account in ("viewer", "420281101", HEAT_EXCHANGERS.credit_code):
        other = await stack.headers(account)
        assert (await stack.funding.get("/api/v1/notifications", headers=other)).json() == {
            "items": [],
            "total": 0,
            "next_cursor": None,
        }
        refused = await stack.funding.patch(
            f"/api/v1/notifications/{notice['id']}", json={"read": True}, headers=other
        )
        assert (refused.status_code, refused.json()["code"]) == (404, "notification_not_found")
    marked = await stack.funding.patch(
        f"/api/v1/notifications/{notice['id']}", json={"read": True}, headers=admin
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["read_at"] is not None
    unread = await stack.funding.get("/api/v1/notifications", params={"unread": True}, headers=admin)
    assert unread.json()["total"] == 0
    bad = await stack.funding.patch(
        f"/api/v1/notifications/{notice['id']}", json={"read": "maybe"}, headers=admin
    )
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "body.read")


async def test_the_reminder_duty_runs_daily_and_finds_nothing_young(
    stack: Stack, admin: dict[str, str], checker: dict[str, str]
) -> None:
    await approved_award(stack.funding, admin, checker)
    jobs = (await stack.funding.get("/api/v1/jobs", headers=admin)).json()["items"]
    [duty] = [job for job in jobs if job["name"] == "remind-award-payments"]
    assert duty["schedule"] == "0 9 * * *"
    ran = await stack.funding.post("/api/v1/jobs/remind-award-payments/runs", headers=admin)
    assert ran.status_code == 201, ran.text
    assert (ran.json()["outcome"], ran.json()["summary"]) == ("ok", {"due_soon": 0, "overdue": 0})
    assert await sent(stack) == []
