"""Events for rows written without them: the demo seed writes enterprises, qualifications, indicator
values, targets, candidates and quotas in bulk, beneath the services, and then records here what each
row shows, so that following the feed from its start gives the same copy as full reads (as
funding-api's and matching-api's `snapshot` do for their seeds). The catalogue, which migrations
write, is recorded too: a consumer's copy of it starts from the feed as well."""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.feed import EventType, emit_many
from indicator_api import events
from indicator_api.cultivation.models import Candidate, Quota
from indicator_api.cultivation.service import published, quota_public
from indicator_api.enterprises.models import Enterprise, Qualification
from indicator_api.enterprises.schemas import QualificationPublic
from indicator_api.enterprises.service import publics as enterprise_publics
from indicator_api.indicators.models import Indicator, IndicatorValue, Target
from indicator_api.indicators.schemas import IndicatorPublic, TargetPublic, ValuePublic
from indicator_api.tech_contracts.models import TechContract
from indicator_api.tech_contracts.schemas import ContractStatus, TechContractPublic

Pending = list[tuple[EventType, str, BaseModel]]


async def record_all_rows(session: AsyncSession) -> int:
    """One event per indicator, enterprise, qualification, candidate, quota, value, target and
    technology contract, typed by the state it is in, in one batched statement; how many."""
    # What the seed wrote is read back from the database, not from the objects it built: an instant
    # in another zone or a number in another precision reads as the API answers it.
    await session.flush()
    session.expire_all()
    pending: Pending = []

    indicators = (await session.execute(select(Indicator).order_by(col(Indicator.code)))).scalars().all()
    pending += [
        (events.INDICATOR_CREATED, events.indicator_subject(i.code), IndicatorPublic.model_validate(i))
        for i in indicators
    ]

    qualifications = [
        QualificationPublic.model_validate(q)
        for q in (
            await session.execute(
                select(Qualification).order_by(col(Qualification.granted_on), col(Qualification.id))
            )
        ).scalars()
    ]
    enterprises = (
        (await session.execute(select(Enterprise).order_by(col(Enterprise.credit_code)))).scalars().all()
    )
    pending += [
        (events.ENTERPRISE_CREATED, events.enterprise_subject(e.credit_code), e)
        for e in enterprise_publics(enterprises, qualifications)
    ]
    pending += [
        (events.QUALIFICATION_ADDED, events.qualification_subject(q.id), q)
        for q in sorted(qualifications, key=lambda q: q.id)
    ]

    candidates = (await session.execute(select(Candidate).order_by(col(Candidate.id)))).scalars().all()
    pending += [
        # Submitted and never moved since: its history is the submission alone.
        (
            events.CANDIDATE_SUBMITTED if len(c.history) <= 1 else events.CANDIDATE_MOVED,
            events.candidate_subject(c.id),
            c,
        )
        for c in await published(session, candidates)
    ]
    quotas = (
        await session.execute(
            select(Quota).order_by(col(Quota.year), col(Quota.region_code), col(Quota.measure))
        )
    ).scalars()
    pending += [(events.QUOTA_SET, events.quota_subject(q), q) for q in map(quota_public, quotas)]

    # Thousands of values: Core rows, not ORM objects.
    values = await session.execute(
        core_select(*IndicatorValue.__table__.c).order_by(IndicatorValue.__table__.c.id)  # type: ignore[attr-defined]
    )
    pending += [
        (events.VALUE_RECORDED, events.value_subject(v.id), v)
        for v in map(ValuePublic.model_validate, values)
    ]
    targets = (
        await session.execute(
            select(Target).order_by(col(Target.year), col(Target.indicator_code), col(Target.region_code))
        )
    ).scalars()
    pending += [
        (events.TARGET_SET, events.target_subject(t), t) for t in map(TargetPublic.model_validate, targets)
    ]

    contracts = (await session.execute(select(TechContract).order_by(col(TechContract.id)))).scalars()
    for public in map(TechContractPublic.model_validate, contracts):
        recorded = public.revision == 1 and public.status is ContractStatus.active
        kind = events.TECH_CONTRACT_RECORDED if recorded else events.TECH_CONTRACT_UPDATED
        pending.append((kind, events.tech_contract_subject(public.id), public))
    return await emit_many(session, pending)
