"""Identity rules: who may sign in, API keys, accounts. Functions flush; the request commits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from daye_kit.auth import API_KEY_PREFIX, Principal, Role, principal_from_claims, verified_claims
from daye_kit.errors import Conflict, Forbidden, NotFound, Unauthorized
from daye_kit.pagination import PageParams
from daye_kit.throttling import RateLimits, api_key_bucket
from daye_kit.timestamps import utcnow
from indicator_api.identity.keys import SigningKey
from indicator_api.identity.models import ApiKey, User
from indicator_api.identity.passwords import hash_password, verify_password
from indicator_api.identity.schemas import ApiKeyCreated, ApiKeyPublic, UserCreate


def principal_of(user: User, key: ApiKey | None = None) -> Principal:
    """The account as a caller; through an API key, with the key's own limits (scopes, rate)."""
    return Principal(
        username=user.username,
        role=Role(user.role),
        region_code=user.region_code,
        credit_code=user.credit_code,
        scopes=_scopes(key),
        api_key_id=key.id if key is not None else None,
        rate_limit=key.rate_limit if key is not None else None,
    )


def _scopes(key: ApiKey | None) -> list[str] | None:
    return key.scopes.split() if key is not None and key.scopes is not None else None


async def user_by_name(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(select(User).where(col(User.username) == username))
    return result.scalar_one_or_none()


async def authenticate_password(session: AsyncSession, *, username: str, password: str) -> User:
    user = await user_by_name(session, username)
    ok = await verify_password(password, user.password_hash if user else None)
    if user is None or not ok or not user.is_active:
        raise Unauthorized("wrong username or password", code="invalid_credentials")
    return user


async def sign_in(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    limits: RateLimits,
    failure_limit: str | None,
    token_limit: str | None,
) -> User:
    """A password sign-in: refused with 429 while the account has too many recent wrong passwords or
    has drawn too many tokens; a wrong password counts against the account, a right one forgets the
    failures."""
    account = f"account:{username}"
    await limits.ensure_room(
        failure_limit, "sign-in failures", account, what=f"wrong passwords for {username}"
    )
    await limits.hit(token_limit, "tokens", account, what=f"tokens for {username}")
    try:
        user = await authenticate_password(session, username=username, password=password)
    except Unauthorized:
        await limits.record(failure_limit, "sign-in failures", account)
        raise
    await limits.clear(failure_limit, "sign-in failures", account)
    return user


async def sign_in_with_key(
    session: AsyncSession, *, key: str, limits: RateLimits, token_limit: str | None
) -> Principal:
    """A machine client's sign-in with its API key, within the key's token rate; the token it draws
    carries the key's scopes and rate."""
    await limits.hit(token_limit, "tokens", api_key_bucket(key), what="tokens for this API key")
    api_key, user = await authenticate_api_key(session, key=key)
    return principal_of(user, api_key)


def _hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _split_key(key: str) -> tuple[str, str] | None:
    parts = key.split("_", 2)
    if len(parts) != 3 or f"{parts[0]}_" != API_KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


async def authenticate_api_key(session: AsyncSession, *, key: str) -> tuple[ApiKey, User]:
    split = _split_key(key)
    if split is None:
        raise Unauthorized("malformed API key", code="api_key_invalid")
    row = (
        await session.execute(
            select(ApiKey, User)
            .join(User, col(User.id) == col(ApiKey.user_id))
            .where(col(ApiKey.prefix) == split[0])
        )
    ).first()
    if row is None or not hmac.compare_digest(row[0].key_hash, _hash_key(key)):
        raise Unauthorized("unknown API key", code="api_key_invalid")
    api_key, user = row
    if api_key.revoked_at is not None:
        raise Unauthorized("API key has been revoked", code="api_key_revoked")
    if not user.is_active:
        raise Unauthorized("the key's account is disabled", code="account_disabled")
    return api_key, user


async def store_api_key(
    session: AsyncSession,
    *,
    user: User,
    name: str,
    key: str | None = None,
    scopes: Sequence[str] | None = None,
    rate_limit: str | None = None,
) -> ApiKeyCreated:
    """Creates a key (or stores a given one, for demo service accounts) and returns it once."""
    if key is None:
        key = f"{API_KEY_PREFIX}{secrets.token_hex(4)}_{secrets.token_urlsafe(32)}"
    split = _split_key(key)
    assert split is not None, "API keys look like dk_<prefix>_<secret>"
    record = ApiKey(
        user_id=user.id or 0,
        name=name,
        prefix=split[0],
        key_hash=_hash_key(key),
        scopes=" ".join(scopes) if scopes is not None else None,
        rate_limit=rate_limit,
    )
    session.add(record)
    await session.flush()
    return ApiKeyCreated(
        id=record.id or 0,
        name=name,
        prefix=record.prefix,
        username=user.username,
        scopes=_scopes(record),
        rate_limit=record.rate_limit,
        created_at=record.created_at,
        revoked_at=None,
        key=key,
    )


async def create_api_key(
    session: AsyncSession,
    *,
    actor: Principal,
    name: str,
    username: str | None,
    scopes: Sequence[str] | None = None,
    rate_limit: str | None = None,
) -> ApiKeyCreated:
    target = username or actor.username
    if target != actor.username and not actor.is_admin:
        raise Forbidden("only an admin may create keys for another account")
    user = await user_by_name(session, target)
    if user is None:
        raise NotFound(f"user {target} does not exist")
    return await store_api_key(session, user=user, name=name, scopes=scopes, rate_limit=rate_limit)


async def list_api_keys(
    session: AsyncSession, *, actor: Principal, username: str | None
) -> list[ApiKeyPublic]:
    query = (
        select(ApiKey, col(User.username))
        .join(User, col(User.id) == col(ApiKey.user_id))
        .order_by(col(ApiKey.id))
    )
    if not actor.is_admin:
        query = query.where(col(User.username) == actor.username)
    elif username:
        query = query.where(col(User.username) == username)
    rows = (await session.execute(query)).all()
    return [
        ApiKeyPublic(
            id=k.id or 0,
            name=k.name,
            prefix=k.prefix,
            username=name,
            scopes=_scopes(k),
            rate_limit=k.rate_limit,
            created_at=k.created_at,
            revoked_at=k.revoked_at,
        )
        for k, name in rows
    ]


async def revoke_api_key(session: AsyncSession, *, actor: Principal, key_id: int) -> None:
    row = (
        await session.execute(select(ApiKey, col(User.username)).join(User).where(col(ApiKey.id) == key_id))
    ).first()
    if row is None or (row[1] != actor.username and not actor.is_admin):
        # Someone else's key is reported as missing: its existence is not the caller's business.
        raise NotFound(f"API key {key_id} does not exist")
    if row[0].revoked_at is None:
        row[0].revoked_at = utcnow()
        await session.flush()


async def create_user(session: AsyncSession, data: UserCreate, *, password_hash: str | None = None) -> User:
    user = User(
        username=data.username,
        display_name=data.display_name,
        role=data.role.value,
        region_code=data.region_code if data.role is Role.township else None,
        credit_code=data.credit_code if data.role is Role.enterprise else None,
        password_hash=password_hash or hash_password(data.password),
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"user {data.username} already exists", code="user_exists") from exc
    return user


async def list_users(
    session: AsyncSession, *, page: PageParams, role: Role | None
) -> tuple[Sequence[User], int]:
    query = select(User)
    count = select(func.count()).select_from(User)
    if role is not None:
        query = query.where(col(User.role) == role.value)
        count = count.where(col(User.role) == role.value)
    users = (
        (await session.execute(query.order_by(col(User.id)).limit(page.limit).offset(page.offset)))
        .scalars()
        .all()
    )
    return users, int((await session.execute(count)).scalar_one())


class LocalAuthenticator:
    """indicator-api verifies tokens with its own public key and API keys against its own table."""

    def __init__(self, signing_key: SigningKey, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._key = signing_key
        self._sessionmaker = sessionmaker

    async def from_token(self, token: str) -> Principal:
        return principal_from_claims(verified_claims(token, self._key.public_key))

    async def from_api_key(self, api_key: str) -> Principal:
        async with self._sessionmaker() as session:
            key, user = await authenticate_api_key(session, key=api_key)
            return principal_of(user, key)


async def ensure_admin(session: AsyncSession, *, password: str) -> bool:
    """Creates `admin` with `password` when no admin exists yet (a new installation)."""
    if (await session.execute(select(User).where(col(User.role) == Role.admin.value).limit(1))).first():
        return False
    session.add(
        User(
            username="admin",
            display_name="科技局管理员",
            role=Role.admin.value,
            password_hash=hash_password(password),
        )
    )
    await session.flush()
    return True


async def ensure_service_accounts(session: AsyncSession, *, keys: dict[str, str]) -> int:
    """Gives each peer service a `svc-<name>` account holding the configured key. Idempotent, and
    safe with several replicas starting together (the caller holds a lock)."""
    added = 0
    for name, key in keys.items():
        username = f"svc-{name}"
        user = await user_by_name(session, username)
        if user is None:
            user = User(username=username, display_name=name, role=Role.service.value)
            session.add(user)
            await session.flush()
        split = _split_key(key)
        if split is None:
            raise ValueError(f"the API key for {name} does not look like dk_<prefix>_<secret>")
        held = (
            await session.execute(select(ApiKey).where(col(ApiKey.prefix) == split[0]))
        ).scalar_one_or_none()
        if held is None:
            await store_api_key(session, user=user, name=f"{name} (configured)", key=key)
            added += 1
    return added
