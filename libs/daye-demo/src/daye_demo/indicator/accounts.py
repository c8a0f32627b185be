"""Demo accounts: admin, viewer, the security administrator and the auditor, two suppliers, one
township account per unit, one enterprise account per demo enterprise, and the two peer services'
accounts with their development API keys."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from daye_demo.enterprises import DEMO_ENTERPRISES, SUPPLIER_ACCOUNTS
from daye_demo.indicator.units import UNITS
from daye_kit.auth import Role
from daye_kit.settings import DEV_SERVICE_API_KEYS
from indicator_api.identity.models import User
from indicator_api.identity.passwords import hash_password
from indicator_api.identity.service import store_api_key


async def seed_accounts(session: AsyncSession, *, password: str) -> int:
    """Creates the accounts on an empty users table; returns how many it created."""
    if (await session.execute(select(func.count()).select_from(User))).scalar_one() > 0:
        return 0
    # One hash for every demo account: they share a password, and hundreds of argon2 runs would
    # slow the first start by seconds.
    password_hash = hash_password(password)

    def account(
        username: str,
        role: Role,
        display_name: str,
        region_code: str | None = None,
        credit_code: str | None = None,
    ) -> User:
        return User(
            username=username,
            role=role.value,
            display_name=display_name,
            password_hash=password_hash,
            region_code=region_code,
            credit_code=credit_code,
        )

    users = [
        account("admin", Role.admin, "大冶市科技局管理员"),
        account("viewer", Role.viewer, "只读账号(其他政务系统)"),
        account("security", Role.security_admin, "安全管理员"),
        account("auditor", Role.auditor, "审计员"),
        *(account(username, Role.supplier, provider) for username, provider in SUPPLIER_ACCOUNTS.items()),
    ]
    users += [account(unit.code, Role.township, unit.name, region_code=unit.code) for unit in UNITS]
    users += [
        account(e.credit_code, Role.enterprise, e.name, credit_code=e.credit_code) for e in DEMO_ENTERPRISES
    ]
    services = {
        name: User(username=f"svc-{name}", role=Role.service.value, display_name=name)
        for name in DEV_SERVICE_API_KEYS
    }
    session.add_all([*users, *services.values()])
    await session.flush()
    for name, user in services.items():
        await store_api_key(
            session, user=user, name=f"{name} development key", key=DEV_SERVICE_API_KEYS[name]
        )
    return len(users) + len(services)
