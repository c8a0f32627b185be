"""Retention: the `prune-audit` duty deletes rows older than `<PREFIX>AUDIT_RETENTION_DAYS` (365 by
default, at least `MIN_RETENTION_DAYS`), the one delete the append-only triggers let through (see
`daye_kit.audit.models`): on PostgreSQL under the transaction-local `daye.audit_prune = on`, on SQLite
with a permit row that lives only inside the duty's transaction. Any other DELETE is refused."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from daye_kit.audit.models import AUDIT, MIN_RETENTION_DAYS, PERMITS, PRUNE_SETTING
from daye_kit.duties import Duty, DutyContext, Summary
from daye_kit.timestamps import utcnow


async def prune_audit(session: AsyncSession, *, retention_days: int) -> int:
    """Delete audit rows older than the retention, in the caller's transaction; how many."""
    days = max(retention_days, MIN_RETENTION_DAYS)
    cutoff = utcnow() - timedelta(days=days)
    conn = await session.connection()
    postgres = conn.dialect.name == "postgresql"
    if postgres:
        await conn.execute(text("SELECT set_config(:name, 'on', true)"), {"name": PRUNE_SETTING})
    else:
        await conn.execute(insert(PERMITS).values(id=1))
    try:
        result = await conn.execute(delete(AUDIT).where(AUDIT.c.occurred_at < cutoff))
    finally:
        if postgres:
            await conn.execute(text("SELECT set_config(:name, '', true)"), {"name": PRUNE_SETTING})
        else:
            await conn.execute(delete(PERMITS))
    return int(result.rowcount or 0)


async def _prune_audit_duty(context: DutyContext) -> Summary:
    days: int = context.app.state.settings.audit_retention_days
    return {"deleted": await prune_audit(context.session, retention_days=days), "retention_days": days}


PRUNE_AUDIT = Duty(
    name="prune-audit",
    schedule="50 3 * * *",
    grace=timedelta(days=1),
    description="每日 03:50 删除超过保留期(AUDIT_RETENTION_DAYS,默认 365 天,至少 180 天)的审计记录",
    action=_prune_audit_duty,
)
