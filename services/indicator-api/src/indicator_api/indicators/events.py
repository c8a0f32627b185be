"""Figures that peers publish through their outboxes (matching-api's statistics, funding-api's
outstanding total): a publication's values are recorded in one transaction (all or nothing), and so
is when each figure was last brought up to date (`figure_publications`), changed or not."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from daye_kit.auth import Principal
from daye_kit.outbox import Event, Handler
from indicator_api.indicators.schemas import BulkValueIn, Provenance
from indicator_api.indicators.service import record_values
from indicator_api.publications import service as publications


async def figures_published(session: AsyncSession, event: Event, principal: Principal) -> None:
    data = event.data
    rows = [
        BulkValueIn(
            indicator_code=code,
            region_code=data["region_code"],
            year=int(data["year"]),
            month=int(data["month"]),
            value=Decimal(str(value)),
            provenance=Provenance.administrative,
            note=str(data.get("note", "")),
        )
        for code, value in data["values"].items()
    ]
    await record_values(session, rows=rows, principal=principal)
    await publications.record(
        session,
        values={row.indicator_code: row.value for row in rows},
        region_code=data["region_code"],
        year=int(data["year"]),
        month=int(data["month"]),
        source=event.source,
        event_id=event.id,
        published_at=event.occurred_at,
    )


HANDLERS: dict[str, Handler] = {
    "match_stats.published": figures_published,
    "outstanding.published": figures_published,
}
