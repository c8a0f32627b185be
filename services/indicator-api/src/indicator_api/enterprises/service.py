"""Registry rules: who sees and changes which enterprise, and when a qualification holds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, exists, func, or_
from sqlalchemy import select as sql_select  # Core: rows, not mapped objects
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select
from sqlmodel.sql.expression import SelectOfScalar

from daye_kit.auth import Principal, Role
from daye_kit.db import Reads, columns, unprefixed
from daye_kit.errors import Conflict, Forbidden, NotFound
from daye_kit.feed import emit, emit_many
from daye_kit.pagination import Changes, Page, PageParams, keyset_page, next_cursor
from daye_kit.timestamps import utcnow
from indicator_api import events
from indicator_api.enterprises.models import Enterprise, Qualification
from indicator_api.enterprises.schemas import (
    EnterpriseCreate,
    EnterpriseFilter,
    EnterprisePublic,
    EnterpriseUpdate,
    QualificationFilter,
    QualificationIn,
    QualificationKind,
    QualificationPublic,
)
from indicator_api.regions.service import require_region


def default_expiry(kind: QualificationKind, granted_on: date) -> date | None:
    """高企 certificates run three years; 科技型中小企业 registration lasts the calendar year."""
    if kind is QualificationKind.hte:
        try:
            return granted_on.replace(year=granted_on.year + 3) - timedelta(days=1)
        except ValueError:  # 29 February
            return granted_on.replace(year=granted_on.year + 3, day=28)
    if kind is QualificationKind.tech_sme:
        return date(granted_on.year, 12, 31)
    return None


def held_on(day: date) -> ColumnElement[bool]:
    """SQL condition: the qualification is valid on `day`."""
    return (col(Qualification.granted_on) <= day) & (
        col(Qualification.expires_on).is_(None) | (col(Qualification.expires_on) >= day)
    )


def visible_to(principal: Principal, enterprise: Enterprise | EnterprisePublic) -> bool:
    if principal.role is Role.township:
        return enterprise.region_code == principal.region_code
    if principal.role is Role.enterprise:
        return enterprise.credit_code == principal.credit_code
    return True


def _not_found(credit_code: str) -> NotFound:
    return NotFound(f"enterprise {credit_code} is not in the registry", code="enterprise_not_found")


async def visible_enterprise(session: AsyncSession, credit_code: str, principal: Principal) -> Enterprise:
    """The enterprise, or 404 `enterprise_not_found` when it is missing or not the caller's to see."""
    enterprise = await session.get(Enterprise, credit_code)
    if enterprise is None or not visible_to(principal, enterprise):
        # Another unit's enterprise is reported as missing: its existence is not the caller's business.
        raise _not_found(credit_code)
    return enterprise


async def _qualifications(
    session: AsyncSession, codes: Sequence[str]
) -> dict[str, list[QualificationPublic]]:
    by_code: dict[str, list[QualificationPublic]] = defaultdict(list)
    if codes:
        rows = await session.execute(
            select(Qualification)
            .where(col(Qualification.credit_code).in_(codes))
            .order_by(col(Qualification.granted_on), col(Qualification.id))
        )
        for q in rows.scalars():
            by_code[q.credit_code].append(QualificationPublic.model_validate(q))
    return by_code


def _public(enterprise: Enterprise | Row[Any], qualifications: list[QualificationPublic]) -> EnterprisePublic:
    return EnterprisePublic(
        credit_code=enterprise.credit_code,
        name=enterprise.name,
        region_code=enterprise.region_code,
        industry=enterprise.industry,
        registered_on=enterprise.registered_on,
        qualifications=qualifications,
        created_at=enterprise.created_at,
        updated_at=enterprise.updated_at,
    )


def publics(
    enterprises: Sequence[Enterprise], qualifications: Sequence[QualificationPublic]
) -> list[EnterprisePublic]:
    """Enterprises as a read shows them, given their qualifications in the read's order (granted_on,
    id): the whole registry from two queries, however many enterprises (the demo seed's events)."""
    by_code: dict[str, list[QualificationPublic]] = defaultdict(list)
    for q in qualifications:
        by_code[q.credit_code].append(q)
    return [_public(e, by_code[e.credit_code]) for e in enterprises]


def _enterprise_read() -> Select[Any]:
    """One enterprise and its qualifications (prefixed `_HELD`, in the order `_qualifications`
    gives), in Core: the read builds no mapped objects."""
    enterprise, qualification = Enterprise.__table__, Qualification.__table__  # type: ignore[attr-defined]
    return (
        sql_select(enterprise, *columns(Qualification, QualificationPublic.model_fields, prefix=_HELD))
        .select_from(
            enterprise.outerjoin(qualification, qualification.c.credit_code == enterprise.c.credit_code)
        )
        .where(enterprise.c.credit_code == bindparam("credit_code"))
        .order_by(qualification.c.granted_on, qualification.c.id)
    )


_HELD = "q_"  # the qualifications' columns in the read, apart from the enterprise's own
# Built once: a read of one enterprise neither builds its statement nor works out its cache key again.
_ENTERPRISE_READ = _enterprise_read()


async def _as_written(session: AsyncSession, credit_code: str) -> EnterprisePublic:
    """The enterprise as this transaction has just written (and flushed) it."""
    connection = await session.connection()
    public = _from_rows((await connection.execute(_ENTERPRISE_READ, {"credit_code": credit_code})).all())
    assert public is not None  # flushed in this transaction
    return public


def _from_rows(rows: Sequence[Row[Any]]) -> EnterprisePublic | None:
    """`_ENTERPRISE_READ`'s rows: the enterprise, once per qualification it holds (or once without)."""
    if not rows:
        return None
    shown = [unprefixed(row, QualificationPublic.model_fields, _HELD) for row in rows]
    return _public(rows[0], [QualificationPublic.model_validate(q) for q in shown if q["id"] is not None])


async def read_enterprise(reads: Reads, *, credit_code: str, principal: Principal) -> EnterprisePublic:
    """The enterprise and its qualifications in one statement."""
    public = _from_rows(await reads.all(_ENTERPRISE_READ, {"credit_code": credit_code}))
    if public is None or not visible_to(principal, public):
        raise _not_found(credit_code)  # another unit's enterprise too, as `_load` says
    return public


def _add_qualification(session: AsyncSession, credit_code: str, data: QualificationIn) -> Qualification:
    qualification = Qualification(
        credit_code=credit_code,
        kind=data.kind.value,
        granted_year=data.granted_on.year,
        granted_on=data.granted_on,
        expires_on=data.expires_on or default_expiry(data.kind, data.granted_on),
        certificate_no=data.certificate_no,
        updated_at=utcnow(),
    )
    session.add(qualification)
    return qualification


async def create_enterprise(
    session: AsyncSession, *, data: EnterpriseCreate, principal: Principal
) -> EnterprisePublic:
    if principal.role is Role.township and data.region_code != principal.region_code:
        raise Forbidden(f"a township account registers enterprises of unit {principal.region_code} only")
    if data.qualifications and principal.role is not Role.admin:
        raise Forbidden("only the bureau records qualifications")
    await require_region(session, data.region_code)
    enterprise = Enterprise(
        credit_code=data.credit_code,
        name=data.name,
        region_code=data.region_code,
        industry=data.industry,
        registered_on=data.registered_on,
    )
    session.add(enterprise)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"enterprise {data.credit_code} is already registered", code="enterprise_exists"
        ) from exc
    for qualification in data.qualifications:
        _add_qualification(session, data.credit_code, qualification)
    await session.flush()
    public = await _as_written(session, data.credit_code)
    await emit(
        session, events.ENTERPRISE_CREATED, subject=events.enterprise_subject(data.credit_code), data=public
    )
    await emit_many(
        session,
        [(events.QUALIFICATION_ADDED, events.qualification_subject(q.id), q) for q in public.qualifications],
    )
    return public


async def update_enterprise(
    session: AsyncSession, *, credit_code: str, data: EnterpriseUpdate, principal: Principal
) -> EnterprisePublic:
    enterprise = await visible_enterprise(session, credit_code, principal)
    changes = data.model_dump(exclude_unset=True)
    if "region_code" in changes and changes["region_code"] != enterprise.region_code:
        if principal.role is not Role.admin:
            raise Forbidden("only the bureau moves an enterprise to another unit")
        await require_region(session, changes["region_code"])
    renamed = changes.get("name") not in (None, enterprise.name)
    for field, value in changes.items():
        if value is not None or field == "registered_on":
            setattr(enterprise, field, value)
    enterprise.updated_at = utcnow()
    await session.flush()
    public = await _as_written(session, credit_code)
    await emit(
        session, events.ENTERPRISE_UPDATED, subject=events.enterprise_subject(credit_code), data=public
    )
    if renamed:
        # Imported here: cultivation builds on the registry and imports this module.
        from indicator_api.cultivation.service import refresh_candidates

        await refresh_candidates(session, credit_code=credit_code)
    return public


async def qualification_recorded(
    session: AsyncSession, enterprise: Enterprise, qualification: Qualification
) -> QualificationPublic:
    """After a qualification is flushed: the enterprise, whose answer lists its qualifications, has
    changed too. Both events, so that a copy of either collection stays exact."""
    enterprise.updated_at = qualification.updated_at
    await session.flush()
    public = QualificationPublic.model_validate(qualification)
    await emit(
        session, events.QUALIFICATION_ADDED, subject=events.qualification_subject(public.id), data=public
    )
    changed = await _as_written(session, enterprise.credit_code)
    subject = events.enterprise_subject(enterprise.credit_code)
    await emit(session, events.ENTERPRISE_UPDATED, subject=subject, data=changed)
    return public


async def add_qualification(
    session: AsyncSession, *, credit_code: str, data: QualificationIn, principal: Principal
) -> QualificationPublic:
    enterprise = await visible_enterprise(session, credit_code, principal)
    qualification = _add_qualification(session, credit_code, data)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(
            f"{data.kind.value} granted on {data.granted_on} is already recorded", code="qualification_exists"
        ) from exc
    return await qualification_recorded(session, enterprise, qualification)


def _filtered(
    query: SelectOfScalar[Enterprise], principal: Principal, where: EnterpriseFilter
) -> SelectOfScalar[Enterprise]:
    if principal.role is Role.township:
        query = query.where(col(Enterprise.region_code) == principal.region_code)
    elif principal.role is Role.enterprise:
        query = query.where(col(Enterprise.credit_code) == principal.credit_code)
    if where.region:
        query = query.where(col(Enterprise.region_code) == where.region)
    if where.industry:
        query = query.where(col(Enterprise.industry) == where.industry)
    if where.name:
        query = query.where(col(Enterprise.name).contains(where.name))
    if where.q:
        # Credit codes hold capital letters, typed in either case; autoescape keeps % and _ literal.
        query = query.where(
            or_(
                col(Enterprise.name).icontains(where.q, autoescape=True),
                col(Enterprise.credit_code).icontains(where.q, autoescape=True),
            )
        )
    if where.qualification is not None or where.qualified_on is not None or where.granted_year is not None:
        condition = col(Qualification.credit_code) == col(Enterprise.credit_code)
        if where.qualification is not None:
            condition &= col(Qualification.kind) == where.qualification.value
        if where.qualified_on is not None:
            condition &= held_on(where.qualified_on)
        if where.granted_year is not None:
            condition &= col(Qualification.granted_year) == where.granted_year
        query = query.where(exists().where(condition))
    return query


async def list_enterprises(
    session: AsyncSession,
    *,
    principal: Principal,
    page: PageParams,
    changes: Changes,
    where: EnterpriseFilter,
) -> Page[EnterprisePublic]:
    query = changes.since(_filtered(select(Enterprise), principal, where), col(Enterprise.updated_at))
    page_query = keyset_page(
        query,
        page,
        changes,
        updated=col(Enterprise.updated_at),
        key=col(Enterprise.credit_code),
        order=[col(Enterprise.credit_code)],
    )
    enterprises = (await session.execute(page_query)).scalars().all()
    total = int((await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    qualifications = await _qualifications(session, [e.credit_code for e in enterprises])
    last = (enterprises[-1].updated_at, enterprises[-1].credit_code) if enterprises else None
    return Page(
        items=[_public(e, qualifications[e.credit_code]) for e in enterprises],
        total=total,
        next_cursor=next_cursor(changes, last),
    )


async def list_qualifications(
    session: AsyncSession,
    *,
    principal: Principal,
    page: PageParams,
    changes: Changes,
    where: QualificationFilter,
) -> Page[QualificationPublic]:
    """Qualifications across the registry, of the enterprises the caller sees."""
    query = select(Qualification)
    if principal.role is Role.township:
        query = query.join(Enterprise, col(Enterprise.credit_code) == col(Qualification.credit_code)).where(
            col(Enterprise.region_code) == principal.region_code
        )
    elif principal.role is Role.enterprise:
        query = query.where(col(Qualification.credit_code) == principal.credit_code)
    if where.credit_code is not None:
        query = query.where(col(Qualification.credit_code) == where.credit_code)
    if where.kind is not None:
        query = query.where(col(Qualification.kind) == where.kind.value)
    changed = changes.since(query, col(Qualification.updated_at))
    page_query = keyset_page(
        changed,
        page,
        changes,
        updated=col(Qualification.updated_at),
        key=col(Qualification.id),
        order=[col(Qualification.credit_code), col(Qualification.granted_on), col(Qualification.id)],
    )
    rows = (await session.execute(page_query)).scalars().all()
    total = int((await session.execute(select(func.count()).select_from(changed.subquery()))).scalar_one())
    last = (rows[-1].updated_at, rows[-1].id or 0) if rows else None
    return Page(
        items=[QualificationPublic.model_validate(q) for q in rows],
        total=total,
        next_cursor=next_cursor(changes, last),
    )
