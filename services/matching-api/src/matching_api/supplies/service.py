"""Supply rules: who may change a supply, and how each write reaches the engine index."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_kit.auth import Principal, Role
from daye_kit.errors import Forbidden, InvalidInput, NotFound
from daye_kit.feed import emit
from daye_kit.pagination import Changes, PageParams, keyset_page, next_cursor
from daye_kit.timestamps import utcnow
from matching_api.engine.text import join_terms, tokenize
from matching_api.enums import SupplyKind, SupplyStatus
from matching_api.events import SUPPLY_CREATED, SUPPLY_UPDATED, supply_subject
from matching_api.matches.views import refresh_matches
from matching_api.supplies.models import SUPPLY_INDEX, IndexVersion, Supply
from matching_api.supplies.schemas import (
    SupplyCreate,
    SupplyFilter,
    SupplyPublic,
    SupplySummary,
    SupplyUpdate,
)

CATALOGUE_WRITERS = frozenset({Role.admin, Role.service})


def rate_of(supply: Supply) -> Decimal | None:
    return None if supply.rate_bp is None else (Decimal(supply.rate_bp) / 10_000).quantize(Decimal("0.0001"))


def public(supply: Supply) -> SupplyPublic:
    data = {name: getattr(supply, name) for name in SupplyPublic.model_fields if name != "rate"}
    return SupplyPublic.model_validate({**data, "rate": rate_of(supply)})


def segment(supply: Supply) -> None:
    """Terms for BM25 (name, provider, description, fields, industries) and the profile terms that
    field and industry fit compare (each field or industry whole, and its parts)."""
    text = " ".join([supply.name, supply.provider, supply.description, *supply.fields, *supply.industries])
    supply.terms = join_terms(tokenize(text))
    profile: list[str] = []
    for label in [*supply.fields, *supply.industries]:
        profile += [label.lower(), *tokenize(label)]
    supply.profile_terms = join_terms(list(dict.fromkeys(profile)))


async def next_revision(session: AsyncSession) -> int:
    """Bump the index version. The row lock it takes orders concurrent writers, so revisions
    become visible in the order they were given out."""
    version = await session.scalar(
        update(IndexVersion)
        .where(col(IndexVersion.name) == SUPPLY_INDEX)
        .values(version=col(IndexVersion.version) + 1)
        .returning(col(IndexVersion.version))
    )
    if version is None:
        raise RuntimeError("index_versions has no 'supplies' row: run the migrations")
    return int(version)


def _can_change(principal: Principal, supply: Supply) -> bool:
    return principal.role in CATALOGUE_WRITERS or (
        supply.owner_username is not None and supply.owner_username == principal.username
    )


def _ensure_can_change(principal: Principal, supply: Supply) -> None:
    if not _can_change(principal, supply):
        raise Forbidden(
            f"supply {supply.id} is changed by the bureau or its owner account only", code="not_your_supply"
        )


async def create_supply(session: AsyncSession, *, data: SupplyCreate, principal: Principal) -> SupplyPublic:
    if principal.role is Role.supplier:
        # A supplier account registers supplies of its own, never another account's.
        if data.owner_username not in (None, principal.username):
            raise Forbidden(
                f"supplier account {principal.username} registers its own supplies only",
                code="not_your_supply",
            )
        data = data.model_copy(update={"owner_username": principal.username})
    values = data.model_dump(exclude={"rate"})
    supply = Supply(
        **{**values, "kind": data.kind.value},
        rate_bp=None if data.rate is None else int(data.rate * 10_000),
        revision=await next_revision(session),
    )
    segment(supply)
    session.add(supply)
    await session.flush()
    shown = public(supply)
    await emit(session, SUPPLY_CREATED, subject=supply_subject(supply.id), data=shown)
    return shown


async def load_supply(session: AsyncSession, supply_id: int, *, for_update: bool = False) -> Supply:
    query = select(Supply).where(col(Supply.id) == supply_id)
    if for_update:
        query = query.with_for_update()
    supply = (await session.execute(query)).scalar_one_or_none()
    if supply is None:
        raise NotFound(f"supply {supply_id} does not exist", code="supply_not_found")
    return supply


async def read_supply(session: AsyncSession, *, supply_id: int) -> SupplyPublic:
    return public(await load_supply(session, supply_id))


async def update_supply(
    session: AsyncSession, *, supply_id: int, data: SupplyUpdate, principal: Principal
) -> SupplyPublic:
    supply = await load_supply(session, supply_id, for_update=True)
    _ensure_can_change(principal, supply)
    changes = data.model_dump(exclude_unset=True)
    summary = SupplySummary.model_validate(supply)
    kind = SupplyKind(supply.kind)
    merged = {**public(supply).model_dump(), **changes, "kind": kind}
    try:
        SupplyCreate.model_validate(merged)
    except ValueError as exc:
        raise InvalidInput(f"the supply would be inconsistent: {exc}", code="supply_invalid") from exc
    for name, value in changes.items():
        if name == "rate":
            supply.rate_bp = None if value is None else int(value * 10_000)
        elif name == "status":
            supply.status = value.value
        elif name in ("maturity",) and value is not None:
            setattr(supply, name, value.value)
        elif name == "qualification_rule" and value is not None:
            supply.qualification_rule = [str(v) for v in value]
        else:
            setattr(supply, name, value)
    segment(supply)
    supply.revision = await next_revision(session)
    supply.updated_at = utcnow()
    await session.flush()
    shown = public(supply)
    await emit(session, SUPPLY_UPDATED, subject=supply_subject(supply.id), data=shown)
    if SupplySummary.model_validate(supply) != summary:
        # Its dockings show the supply's summary (name, provider, region).
        await refresh_matches(session, supply_id=supply.id)
    return shown


async def retire_supply(session: AsyncSession, *, supply_id: int, principal: Principal) -> SupplyPublic:
    """Take a supply out of matching (下架): the bureau, a peer service or its owner account. Its
    dockings stay; retiring a retired supply changes nothing."""
    supply = await load_supply(session, supply_id, for_update=True)
    _ensure_can_change(principal, supply)
    if supply.status == SupplyStatus.withdrawn.value:
        return public(supply)
    return await update_supply(
        session, supply_id=supply_id, data=SupplyUpdate(status=SupplyStatus.withdrawn), principal=principal
    )


async def list_supplies(
    session: AsyncSession, *, principal: Principal, page: PageParams, changes: Changes, where: SupplyFilter
) -> tuple[list[SupplyPublic], int, str | None]:
    query = select(Supply)
    if where.kind is not None:
        query = query.where(col(Supply.kind) == where.kind.value)
    # An incremental reader keeps a copy: withdrawn supplies too, unless it asks for one status.
    status = where.status if "status" in where.model_fields_set or not changes.active else None
    if status is not None:
        query = query.where(col(Supply.status) == status.value)
    if where.provider:
        query = query.where(col(Supply.provider).contains(where.provider))
    if where.q:
        query = query.where(
            or_(col(Supply.name).contains(where.q), col(Supply.description).contains(where.q))
        )
    if where.owner:
        query = query.where(col(Supply.owner_username) == where.owner)
    if where.mine:
        query = query.where(col(Supply.owner_username) == principal.username)
    changed = changes.since(query, col(Supply.updated_at))
    total = int((await session.execute(select(func.count()).select_from(changed.subquery()))).scalar_one())
    rows = (
        (
            await session.execute(
                keyset_page(
                    changed,
                    page,
                    changes,
                    updated=col(Supply.updated_at),
                    key=col(Supply.id),
                    order=[col(Supply.id)],
                )
            )
        )
        .scalars()
        .all()
    )
    last = (rows[-1].updated_at, rows[-1].id or 0) if rows else None
    return [public(s) for s in rows], total, next_cursor(changes, last)
