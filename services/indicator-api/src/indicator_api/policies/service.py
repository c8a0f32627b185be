"""Policies per enterprise, outreach and its coverage, and the notices of newly met policies.

funding-api is read over HTTP before anything is written (a duty commits its claim first), so no
transaction waits on a peer. A funding-api that is down makes these answers a 503 naming it
(`peer_unavailable`): the programmes are half of every answer, and a list without them would look
complete while it is not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from asgi_correlation_id import correlation_id
from sqlalchemy import func
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.auth import Principal
from daye_kit.db import lock_exclusively
from daye_kit.money import format_yuan
from daye_kit.notifications import enterprise_audience
from daye_kit.pagination import PageParams
from indicator_api.enterprises.figures import figures_of
from indicator_api.enterprises.models import Enterprise, Qualification
from indicator_api.enterprises.service import visible_enterprise
from indicator_api.notifications import NOTIFICATIONS
from indicator_api.peers import FundingAward, FundingClient, FundingProgram
from indicator_api.policies.calculator import Grant, policies_of
from indicator_api.policies.models import PolicyNotice, PolicyOutreach
from indicator_api.policies.schemas import (
    EnterprisePolicies,
    NoticeRun,
    OutreachAction,
    OutreachCoverage,
    OutreachIn,
    OutreachPublic,
    PolicyItem,
    PolicyKind,
    PolicyStatus,
    TownshipCoverage,
)
from indicator_api.regions.models import Region

NEWLY_ELIGIBLE = "policy_newly_eligible"


@dataclass(frozen=True)
class Registered:
    credit_code: str
    name: str
    region_code: str


async def _grants(session: AsyncSession, codes: Collection[str] | None) -> dict[str, list[Grant]]:
    query = core_select(
        col(Qualification.credit_code),
        col(Qualification.kind),
        col(Qualification.granted_year),
        col(Qualification.granted_on),
        col(Qualification.expires_on),
    )
    if codes is not None:
        query = query.where(col(Qualification.credit_code).in_(codes))
    grants: dict[str, list[Grant]] = defaultdict(list)
    for code, kind, year, granted_on, expires_on in (await session.execute(query)).all():
        grants[code].append(Grant(kind, year, granted_on, expires_on))
    return grants


async def enterprise_policies(
    session: AsyncSession, *, funding: FundingClient, credit_code: str, principal: Principal, as_of: date
) -> EnterprisePolicies:
    enterprise = await visible_enterprise(session, credit_code, principal)
    programs = await funding.programs()
    awards = await funding.awards(credit_code=credit_code)
    grants = await _grants(session, [credit_code])
    figures = (await figures_of(session, [credit_code])).get(credit_code)
    items = policies_of(
        grants=grants[credit_code], figures=figures, programs=programs, awards=awards, as_of=as_of
    )
    return EnterprisePolicies(credit_code=credit_code, name=enterprise.name, as_of=as_of, items=items)


async def everyone(
    session: AsyncSession, *, programs: Sequence[FundingProgram], awards: Sequence[FundingAward], as_of: date
) -> list[tuple[Registered, list[PolicyItem]]]:
    """Every registry enterprise with its policies: four queries and the rules in memory."""
    rows = (
        await session.execute(
            select(col(Enterprise.credit_code), col(Enterprise.name), col(Enterprise.region_code)).order_by(
                col(Enterprise.credit_code)
            )
        )
    ).all()
    registered = [Registered(code, name, region) for code, name, region in rows]
    grants = await _grants(session, None)
    figures = await figures_of(session, [r.credit_code for r in registered])
    awards_of: dict[str, list[FundingAward]] = defaultdict(list)
    for award in awards:
        awards_of[award.credit_code].append(award)
    return [
        (
            r,
            policies_of(
                grants=grants.get(r.credit_code, []),
                figures=figures.get(r.credit_code),
                programs=programs,
                awards=awards_of.get(r.credit_code, []),
                as_of=as_of,
            ),
        )
        for r in registered
    ]


def eligible_now(items: Sequence[PolicyItem]) -> list[PolicyItem]:
    return [i for i in items if i.status is PolicyStatus.eligible_now]


def _outreach_public(row: PolicyOutreach) -> OutreachPublic:
    assert row.id is not None
    return OutreachPublic(
        id=row.id,
        credit_code=row.credit_code,
        region_code=row.region_code,
        action=OutreachAction(row.action),
        on=row.done_on,
        program=row.program,
        note=row.note,
        created_by=row.created_by,
        created_at=row.created_at,
    )


async def record_outreach(
    session: AsyncSession, *, credit_code: str, data: OutreachIn, principal: Principal
) -> OutreachPublic:
    enterprise = await visible_enterprise(session, credit_code, principal)
    row = PolicyOutreach(
        credit_code=credit_code,
        region_code=enterprise.region_code,
        action=data.action.value,
        done_on=data.on,
        program=data.program,
        note=data.note,
        created_by=principal.username,
        request_id=correlation_id.get(),
    )
    session.add(row)
    await session.flush()
    return _outreach_public(row)


async def list_outreach(
    session: AsyncSession, *, credit_code: str, principal: Principal, page: PageParams
) -> tuple[list[OutreachPublic], int]:
    await visible_enterprise(session, credit_code, principal)
    mine = col(PolicyOutreach.credit_code) == credit_code
    total = int((await session.execute(select(func.count()).where(mine))).scalar_one())
    rows = await session.execute(
        select(PolicyOutreach)
        .where(mine)
        .order_by(col(PolicyOutreach.done_on).desc(), col(PolicyOutreach.id).desc())
        .limit(page.limit)
        .offset(page.offset)
    )
    return [_outreach_public(r) for r in rows.scalars()], total


def _rate(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


async def coverage(
    session: AsyncSession,
    *,
    funding: FundingClient,
    city_code: str,
    year: int,
    as_of: date,
) -> OutreachCoverage:
    """Per township: the enterprises that could get a policy now (a qualification they meet, an
    award that is due), and how many of them were reached in `year`."""
    programs = await funding.programs()
    awards = await funding.awards()
    eligible: dict[str, set[str]] = defaultdict(set)
    for enterprise, policies in await everyone(session, programs=programs, awards=awards, as_of=as_of):
        if eligible_now(policies):
            eligible[enterprise.region_code].add(enterprise.credit_code)
    reached_rows = await session.execute(
        select(col(PolicyOutreach.credit_code))
        .where(
            col(PolicyOutreach.done_on) >= date(year, 1, 1),
            col(PolicyOutreach.done_on) <= date(year, 12, 31),
        )
        .distinct()
    )
    reached_codes = set(reached_rows.scalars())
    units = (
        await session.execute(
            select(col(Region.code), col(Region.name))
            .where(col(Region.parent_code) == city_code)
            .order_by(col(Region.code))
        )
    ).all()
    items: list[TownshipCoverage] = []
    for code, name in units:
        mine = eligible.get(code, set())
        reached = len(mine & reached_codes)
        items.append(
            TownshipCoverage(
                region_code=code,
                region_name=name,
                eligible=len(mine),
                reached=reached,
                coverage=_rate(reached, len(mine)),
            )
        )
    all_eligible = sum(i.eligible for i in items)
    all_reached = sum(i.reached for i in items)
    return OutreachCoverage(
        year=year,
        as_of=as_of,
        eligible=all_eligible,
        reached=all_reached,
        coverage=_rate(all_reached, all_eligible),
        items=items,
        total=len(items),
    )


def _notice(item: PolicyItem) -> tuple[str, str]:
    if item.kind is PolicyKind.program:
        amount = f",{format_yuan(item.amount)} 元" if item.amount is not None else ""
        return f"您可享受:{item.name}{amount}", item.basis
    return f"您已符合{item.name}认定条件,可以申报", item.basis


async def notify_newly_eligible(
    session: AsyncSession,
    *,
    programs: Sequence[FundingProgram],
    awards: Sequence[FundingAward],
    as_of: date,
) -> NoticeRun:
    """Tell each enterprise of every policy it could get now that it was not told of yet: once per
    enterprise and policy (`policy_notices`), however often this runs or the eligibility comes and goes."""
    # Two runs at once (a manual one beside the schedule's) would both see "not told yet".
    await lock_exclusively(await session.connection(), "indicator-policy-notices")
    told = {
        (code, policy)
        for code, policy in (
            await session.execute(select(col(PolicyNotice.credit_code), col(PolicyNotice.code)))
        ).all()
    }
    everybody = await everyone(session, programs=programs, awards=awards, as_of=as_of)
    eligible = notified = 0
    for enterprise, items in everybody:
        for item in eligible_now(items):
            eligible += 1
            if (enterprise.credit_code, item.code) in told:
                continue
            title, body = _notice(item)
            await NOTIFICATIONS.notify(
                session,
                audiences=[enterprise_audience(enterprise.credit_code)],
                kind=NEWLY_ELIGIBLE,
                title=title,
                body=body,
                region_code=enterprise.region_code,
                year=as_of.year,
            )
            session.add(PolicyNotice(credit_code=enterprise.credit_code, code=item.code))
            notified += 1
    await session.flush()
    return NoticeRun(enterprises=len(everybody), eligible=eligible, notified=notified)
