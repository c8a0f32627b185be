"""Reading a service's audit trail in tests: the rows one request left."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from daye_kit.audit import AUDIT


async def audit_rows(app: FastAPI, request_id: str | None = None, **where: Any) -> list[dict[str, Any]]:
    """The audit rows of `app` (one query), those of `request_id` and matching `where`, oldest first."""
    query = select(AUDIT)
    if request_id is not None:
        query = query.where(AUDIT.c.request_id == request_id)
    for name, value in where.items():
        query = query.where(AUDIT.c[name] == value)
    async with app.state.read_sessionmaker() as session:
        rows = (await session.execute(query.order_by(AUDIT.c.id))).mappings().all()
    return [dict(row) for row in rows]
