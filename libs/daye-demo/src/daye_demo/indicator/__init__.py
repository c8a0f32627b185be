"""indicator-api's demo data: the registry, accounts, indicator values, cultivation candidates and
the enterprises' figures."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from daye_demo.indicator.accounts import seed_accounts
from daye_demo.indicator.cultivation import seed_cultivation
from daye_demo.indicator.enterprises import seed_enterprises
from daye_demo.indicator.figures import seed_figures
from daye_demo.indicator.indicators import seed_indicator_values
from indicator_api.config import Settings
from indicator_api.snapshot import record_all_rows


async def seed(session: AsyncSession, settings: Settings) -> dict[str, int]:
    """Each part fills its tables only when they are empty, so a restart adds nothing. The rows it
    wrote (accounts are not in the feed) are then announced in the change feed."""
    made = {
        "enterprises": await seed_enterprises(session),
        "accounts": await seed_accounts(session, password=settings.demo_password.get_secret_value()),
        "indicator_values": await seed_indicator_values(session),
        "candidates": await seed_cultivation(session),
        "figures": await seed_figures(session),
    }
    if any(count for part, count in made.items() if part != "accounts"):
        made["events"] = await record_all_rows(session)
    return made
