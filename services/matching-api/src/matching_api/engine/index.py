"""The catalogue kept in step with the database, the same on every replica.

Every write to `supplies` bumps `index_versions.version` in the same transaction and stamps the row
with the new number (`supplies.revision`). Before answering, a replica reads the version: equal to
its own, it answers from memory; higher, it fetches only the rows whose revision is newer than its
own and applies them (retire and append, O(changed rows)); on first use it loads everything. The
rows carry their segmented terms, so every replica indexes exactly the same tokens, and BM25's
statistics are recomputed from live counts, so the answer equals a rebuild from the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from matching_api.engine.catalog import Catalog, SupplyDoc
from matching_api.engine.text import split_terms
from matching_api.enums import SupplyKind, SupplyStatus
from matching_api.supplies.models import SUPPLY_INDEX, IndexVersion, Supply

_COLUMNS = (
    col(Supply.id),
    col(Supply.kind),
    col(Supply.status),
    col(Supply.terms),
    col(Supply.profile_terms),
    col(Supply.region_code),
    col(Supply.capacity),
    col(Supply.price),
    col(Supply.min_amount),
    col(Supply.max_amount),
    col(Supply.financing),
    col(Supply.qualification_rule),
    col(Supply.revision),
)


def _doc(row: Any) -> SupplyDoc:
    return SupplyDoc(
        key=row.id,
        kind=SupplyKind(row.kind),
        tokens=split_terms(row.terms),
        profile=split_terms(row.profile_terms),
        region_code=row.region_code,
        capacity=row.capacity,
        price=row.price,
        min_amount=row.min_amount,
        max_amount=row.max_amount,
        financing=row.financing,
        qualification_rule=tuple(row.qualification_rule or ()),
    )


async def current_version(session: AsyncSession) -> int:
    version = await session.scalar(
        select(col(IndexVersion.version)).where(col(IndexVersion.name) == SUPPLY_INDEX)
    )
    return int(version or 0)


class SupplyIndex:
    """One per process (`app.state.supply_index`)."""

    def __init__(self, *, k1: float, b: float, delta_rows: int) -> None:
        self._k1, self._b, self._delta_rows = k1, b, delta_rows
        self.catalog = self._empty()
        self.version = -1
        self.full_loads = 0
        self.incremental_rows = 0
        self._lock = asyncio.Lock()

    def _empty(self) -> Catalog:
        return Catalog(k1=self._k1, b=self._b, delta_rows=self._delta_rows)

    async def synced(self, session: AsyncSession) -> Catalog:
        """The catalogue as of the database's current version."""
        latest = await current_version(session)
        if latest == self.version:
            return self.catalog
        async with self._lock:
            if self.version < 0:
                await self._load_all(session, latest)
            elif latest > self.version:
                await self._apply_changes(session, latest)
        return self.catalog

    async def _load_all(self, session: AsyncSession, latest: int) -> None:
        rows = (
            await session.execute(
                select(*_COLUMNS)
                .where(col(Supply.status) == SupplyStatus.active.value)
                .order_by(col(Supply.id))
            )
        ).all()
        catalog = self._empty()
        catalog.load([_doc(row) for row in rows])
        self.catalog = catalog
        self.version = max([latest, *(row.revision for row in rows)])
        self.full_loads += 1

    async def _apply_changes(self, session: AsyncSession, latest: int) -> None:
        rows: Sequence[Any] = (
            await session.execute(
                select(*_COLUMNS)
                .where(col(Supply.revision) > self.version)
                .order_by(col(Supply.revision), col(Supply.id))
            )
        ).all()
        for row in rows:
            if row.status == SupplyStatus.active.value:
                self.catalog.upsert(_doc(row))
            else:
                self.catalog.remove(row.id)
        self.incremental_rows += len(rows)
        self.version = max([latest, *(row.revision for row in rows)])
