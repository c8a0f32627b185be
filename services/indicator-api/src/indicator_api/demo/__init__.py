"""The demo data set `make run` loads on an empty database (demo mode only)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from indicator_api.demo.accounts import seed_accounts
from indicator_api.demo.cultivation import seed_cultivation
from indicator_api.demo.enterprises import seed_enterprises
from indicator_api.demo.indicators import seed_indicator_values


async def seed(session: AsyncSession, *, password: str) -> dict[str, int]:
    """Each part fills its tables only when they are empty, so a restart adds nothing."""
    return {
        "enterprises": await seed_enterprises(session),
        "accounts": await seed_accounts(session, password=password),
        "indicator_values": await seed_indicator_values(session),
        "candidates": await seed_cultivation(session),
    }
