"""Identity rules: who may sign in, API keys, accounts. Functions flush; the request commits."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import event, func, or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col, select

from daye_kit.auth import (
    API_KEY_PREFIX,
    Principal,
    RevocationList,
    Revocations,
    RevokedAccount,
    Role,
    principal_from_claims,
    verified_claims,
)
from daye_kit.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from daye_kit.pagination import PageParams
from daye_kit.throttling import RateLimits, api_key_bucket
from daye_kit.timestamps import as_utc, utcnow
from indicator_api.config import Settings
from indicator_api.identity.keys import SigningKey
from indicator_api.identity.models import ApiKey, SignInSession, User
from indicator_api.identity.passwords import check_policy, hash_password, temporary_password, verify_password
from indicator_api.identity.schemas import (
    ApiKeyCreated,
    ApiKeyPublic,
    RevocationResult,
    TokenResponse,
    TotpEnrolment,
    UserCreate,
    UserUpdate,
)


def principal_of(
    user: User,
    key: ApiKey | None = None,
    *,
    sign_in: SignInSession | None = None,
    password_change_required: bool = False,
) -> Principal:
    """The account as a caller; through an API key, with the key's own limits (scopes, rate); through a
    sign-in, with its session id and authentication methods."""
    return Principal(
        username=user.username,
        role=Role(user.role),
        region_code=user.region_code,
        credit_code=user.credit_code,
        scopes=_scopes(key),
        api_key_id=key.id if key is not None else None,
        rate_limit=key.rate_limit if key is not None else None,
        session_id=sign_in.id if sign_in is not None else None,
        amr=sign_in.amr.split() if sign_in is not None else None,
        password_change_required=password_change_required,
    )


def _scopes(key: ApiKey | None) -> list[str] | None:
    return key.scopes.split() if key is not None and key.scopes is not None else None


async def user_by_name(session: AsyncSession, username: str) -> User | None:
    result = await session.execute(select(User).where(col(User.username) == username))
    return result.scalar_one_or_none()


async def authenticate_password(session: AsyncSession, *, username: str, password: str) -> User:
    """The account whose password this is; a disabled one is named as such only to the holder of
    its password."""
    user = await user_by_name(session, username)
    ok = await verify_password(password, user.password_hash if user else None)
    if user is None or not ok:
        raise Unauthorized("wrong username or password", code="invalid_credentials")
    if not user.is_active:
        raise Unauthorized("the account is disabled", code="account_disabled")
    return user


def _totp_step(user: User, code: str) -> int | None:
    """The time step the code belongs to (this one or its neighbours, for clock drift), if valid."""
    if user.totp_secret is None or not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(user.totp_secret)
    now = time.time()
    for drift in (0, -1, 1):
        at = now + drift * totp.interval
        if hmac.compare_digest(totp.at(at), code):
            return int(at // totp.interval)
    return None


def accept_totp(user: User, code: str) -> bool:
    """Whether `code` is a valid code not used before; remembers its step, so a code works once."""
    step = _totp_step(user, code)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


async def sign_in(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    totp: str,
    limits: RateLimits,
    failure_limit: str | None,
    token_limit: str | None,
) -> tuple[User, list[str]]:
    """A password sign-in, and the methods it used (`pwd`, `otp`): refused with 429 while the account
    has too many recent wrong passwords or codes or has drawn too many tokens; a wrong password or
    code counts against the account, a full sign-in forgets the failures. An account with TOTP gives
    its code too (401 `second_factor_required` without it or with a wrong one)."""
    account = f"account:{username}"
    await limits.ensure_room(
        failure_limit, "sign-in failures", account, what=f"wrong passwords for {username}"
    )
    await limits.hit(token_limit, "tokens", account, what=f"tokens for {username}")
    try:
        user = await authenticate_password(session, username=username, password=password)
    except Unauthorized as exc:
        if exc.code == "invalid_credentials":
            await limits.record(failure_limit, "sign-in failures", account)
        raise
    amr = ["pwd"]
    if user.totp_enabled:
        if not totp:
            raise Unauthorized(
                "this account signs in with a TOTP code too (form field totp)", code="second_factor_required"
            )
        if not accept_totp(user, totp):
            await limits.record(failure_limit, "sign-in failures", account)
            raise Unauthorized("the TOTP code is wrong or was used already", code="second_factor_required")
        amr.append("otp")
    await limits.clear(failure_limit, "sign-in failures", account)
    user.last_sign_in_at = utcnow()
    return user, amr


def password_expired(user: User, max_age_days: int) -> bool:
    if max_age_days <= 0:
        return False
    changed = user.password_changed_at or user.created_at
    return as_utc(changed) + timedelta(days=max_age_days) < utcnow()


def must_change_password(user: User, max_age_days: int) -> bool:
    return user.must_change_password or password_expired(user, max_age_days)


async def start_session(
    session: AsyncSession, *, user: User, amr: Sequence[str], max_seconds: int
) -> SignInSession:
    now = utcnow()
    record = SignInSession(
        id=uuid.uuid4().hex,
        user_id=user.id or 0,
        amr=" ".join(amr),
        started_at=now,
        last_seen_at=now,
        ends_at=now + timedelta(seconds=max_seconds),
    )
    session.add(record)
    await session.flush()
    return record


def issue_session_token(
    key: SigningKey, *, user: User, sign_in: SignInSession, idle_seconds: int, max_age_days: int
) -> TokenResponse:
    """A token of the sign-in session, living the idle timeout but not past the session's end."""
    change = must_change_password(user, max_age_days)
    left = int((as_utc(sign_in.ends_at) - utcnow()).total_seconds())
    token, ttl = key.issue(
        principal_of(user, sign_in=sign_in, password_change_required=change),
        max(1, min(idle_seconds, left)),
    )
    return TokenResponse(access_token=token, expires_in=ttl, password_change_required=change)


async def _session_of(session: AsyncSession, principal: Principal) -> tuple[SignInSession, User]:
    if principal.session_id is None:
        raise Forbidden(
            "only a signed-in account's token has a session (not an API key's)", code="no_session"
        )
    row = (
        await session.execute(
            select(SignInSession, User)
            .join(User, col(User.id) == col(SignInSession.user_id))
            .where(col(SignInSession.id) == principal.session_id)
        )
    ).first()
    if row is None or row[1].username != principal.username or row[0].revoked_at is not None:
        raise Unauthorized("the sign-in session was ended", code="token_revoked")
    return row[0], row[1]


async def refresh_session(
    session: AsyncSession,
    *,
    principal: Principal,
    key: SigningKey,
    idle_seconds: int,
    max_age_days: int,
) -> TokenResponse:
    """A new token for a session still in use (its token has not expired) and within its absolute end."""
    sign_in, user = await _session_of(session, principal)
    if not user.is_active:
        raise Unauthorized("the account is disabled", code="account_disabled")
    if as_utc(sign_in.ends_at) <= utcnow():
        raise Unauthorized(
            "the sign-in session reached its maximum length; sign in again", code="session_expired"
        )
    sign_in.last_seen_at = utcnow()
    await session.flush()
    return issue_session_token(
        key, user=user, sign_in=sign_in, idle_seconds=idle_seconds, max_age_days=max_age_days
    )


async def end_session(session: AsyncSession, *, principal: Principal) -> bool:
    """Sign-out: the session's tokens are refused everywhere from now on. False for a token without
    a session (an API key's), which simply expires."""
    if principal.session_id is None:
        return False
    sign_in, _ = await _session_of(session, principal)
    sign_in.revoked_at = utcnow()
    await session.flush()
    return True


async def _revoke_sessions(session: AsyncSession, user: User, *, keep: str | None = None) -> int:
    query = select(SignInSession).where(
        col(SignInSession.user_id) == user.id,
        col(SignInSession.revoked_at).is_(None),
        col(SignInSession.ends_at) > utcnow(),
    )
    if keep is not None:
        query = query.where(col(SignInSession.id) != keep)
    now = utcnow()
    sessions = (await session.execute(query)).scalars().all()
    for sign_in in sessions:
        sign_in.revoked_at = now
    return len(sessions)


def _revoke_tokens(user: User) -> datetime:
    """Every token of the account issued before now is refused (whole seconds, as `iat`)."""
    user.tokens_valid_after = utcnow().replace(microsecond=0)
    return user.tokens_valid_after


async def change_password(
    session: AsyncSession,
    *,
    principal: Principal,
    current_password: str,
    new_password: str,
    key: SigningKey,
    settings: Settings,
) -> TokenResponse:
    """The holder's own change: the current password proves it is them; the new one follows the
    policy and differs from the current one. The account's other sessions end; a signed-in caller
    gets a new token for its own session (no longer held to changing the password)."""
    if principal.session_id is None:
        raise Forbidden(
            "only a signed-in account changes its password (not with an API key)", code="no_session"
        )
    user = await user_by_name(session, principal.username)
    if user is None or not await verify_password(current_password, user.password_hash):
        raise InvalidInput.field("body.current_password", "password_wrong", "the current password is wrong")
    check_policy(
        new_password,
        field="body.new_password",
        username=user.username,
        min_length=settings.password_min_length,
        classes=settings.password_character_classes,
    )
    if await verify_password(new_password, user.password_hash):
        raise InvalidInput.field(
            "body.new_password", "password_reused", "the new password must differ from the current one"
        )
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    await _revoke_sessions(session, user, keep=principal.session_id)
    await session.flush()
    sign_in, _ = await _session_of(session, principal)
    return issue_session_token(
        key,
        user=user,
        sign_in=sign_in,
        idle_seconds=settings.idle_timeout_seconds,
        max_age_days=settings.password_max_age_days,
    )


async def enrol_totp(session: AsyncSession, *, principal: Principal, issuer: str) -> TotpEnrolment:
    """A new secret for the caller (replacing one not yet confirmed); 409 once TOTP is enabled."""
    user = await _account(session, principal.username)
    if user.totp_enabled:
        raise Conflict("TOTP is already enabled for this account", code="totp_already_enabled")
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    await session.flush()
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name=issuer)
    return TotpEnrolment(secret=user.totp_secret, otpauth_uri=uri)


async def confirm_totp(session: AsyncSession, *, principal: Principal, code: str) -> User:
    user = await _account(session, principal.username)
    if user.totp_enabled:
        raise Conflict("TOTP is already enabled for this account", code="totp_already_enabled")
    if user.totp_secret is None:
        raise Conflict("enrol first: POST /api/v1/auth/totp/enroll", code="totp_not_enrolled")
    if not accept_totp(user, code):
        raise InvalidInput.field("body.code", "totp_invalid", "the code does not match the enrolled secret")
    user.totp_enabled_at = utcnow()
    await session.flush()
    return user


async def _account(session: AsyncSession, username: str) -> User:
    user = await user_by_name(session, username)
    if user is None:
        raise NotFound(f"user {username} does not exist")
    return user


def _not_oneself(actor: Principal, user: User, what: str) -> None:
    if actor.username == user.username:
        raise Forbidden(f"an administrator cannot {what} their own account", code="own_account")


async def update_user(session: AsyncSession, *, actor: Principal, username: str, data: UserUpdate) -> User:
    """Role, binding and display name. A new role or binding ends every token of the account (they
    carry the old one); the binding the role needs is kept or must be given (422 naming it)."""
    user = await _account(session, username)
    if data.display_name is not None:
        user.display_name = data.display_name
    role = Role(data.role or user.role)
    region = data.region_code if data.region_code is not None else user.region_code
    credit = data.credit_code if data.credit_code is not None else user.credit_code
    region = region if role is Role.township else None
    credit = credit if role is Role.enterprise else None
    if role is Role.township and not region:
        raise InvalidInput.field("body.region_code", "missing", "a township account needs region_code")
    if role is Role.enterprise and not credit:
        raise InvalidInput.field("body.credit_code", "missing", "an enterprise account needs credit_code")
    if (role.value, region, credit) != (user.role, user.region_code, user.credit_code):
        if role.value != user.role:
            _not_oneself(actor, user, "change the role of")
        user.role, user.region_code, user.credit_code = role.value, region, credit
        _revoke_tokens(user)
        await _revoke_sessions(session, user)
    await session.flush()
    return user


async def disable_user(session: AsyncSession, *, actor: Principal, username: str, reason: str) -> User:
    """Disabled, never deleted: no sign-in (401 `account_disabled`), its tokens and API keys refused."""
    user = await _account(session, username)
    _not_oneself(actor, user, "disable")
    if user.is_active:
        user.is_active = False
        user.disabled_at = utcnow()
    user.disabled_reason = reason
    _revoke_tokens(user)
    await _revoke_sessions(session, user)
    await session.flush()
    return user


async def enable_user(session: AsyncSession, *, username: str) -> User:
    user = await _account(session, username)
    user.is_active = True
    user.disabled_at = None
    user.disabled_reason = None
    await session.flush()
    return user


async def reset_password(session: AsyncSession, *, username: str, min_length: int) -> str:
    """A temporary password, to be changed at the next sign-in; the account's sessions end."""
    user = await _account(session, username)
    temporary = temporary_password(min_length)
    user.password_hash = hash_password(temporary)
    user.password_changed_at = utcnow()
    user.must_change_password = True
    await _revoke_sessions(session, user)
    await session.flush()
    return temporary


async def revoke_everything(session: AsyncSession, *, username: str) -> RevocationResult:
    """Every token, session and API key of the account at once."""
    user = await _account(session, username)
    not_before = _revoke_tokens(user)
    sessions = await _revoke_sessions(session, user)
    keys = (
        (
            await session.execute(
                select(ApiKey).where(col(ApiKey.user_id) == user.id, col(ApiKey.revoked_at).is_(None))
            )
        )
        .scalars()
        .all()
    )
    for api_key in keys:
        api_key.revoked_at = utcnow()
    await session.flush()
    return RevocationResult(
        username=user.username, not_before=not_before, sessions_revoked=sessions, api_keys_revoked=len(keys)
    )


async def current_revocations(session: AsyncSession, *, horizon_seconds: int) -> Revocations:
    """Accounts whose tokens were revoked recently enough that one could still be valid, and revoked
    sessions that have not ended anyway."""
    now = utcnow()
    accounts = (
        await session.execute(
            select(col(User.username), col(User.tokens_valid_after))
            .where(col(User.tokens_valid_after) > now - timedelta(seconds=horizon_seconds))
            .order_by(col(User.username))
        )
    ).all()
    sessions = (
        (
            await session.execute(
                select(col(SignInSession.id))
                .where(col(SignInSession.revoked_at).is_not(None), col(SignInSession.ends_at) > now)
                .order_by(col(SignInSession.id))
            )
        )
        .scalars()
        .all()
    )
    return Revocations(
        items=[RevokedAccount(username=name, not_before=as_utc(at)) for name, at in accounts if at],
        revoked_sessions=list(sessions),
    )


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


async def create_user(
    session: AsyncSession,
    data: UserCreate,
    *,
    password_hash: str | None = None,
    settings: Settings | None = None,
) -> User:
    """A new account; with `settings`, its password follows the policy (demo accounts are made
    without, keeping the one demo password)."""
    if settings is not None and password_hash is None:
        check_policy(
            data.password,
            field="body.password",
            username=data.username,
            min_length=settings.password_min_length,
            classes=settings.password_character_classes,
        )
    user = User(
        username=data.username,
        display_name=data.display_name,
        role=data.role.value,
        region_code=data.region_code if data.role is Role.township else None,
        credit_code=data.credit_code if data.role is Role.enterprise else None,
        password_hash=password_hash or hash_password(data.password),
        password_changed_at=utcnow(),
    )
    session.add(user)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"user {data.username} already exists", code="user_exists") from exc
    return user


async def list_users(
    session: AsyncSession,
    *,
    page: PageParams,
    role: Role | None,
    is_active: bool | None = None,
    q: str | None = None,
) -> tuple[Sequence[User], int]:
    query = select(User)
    count = select(func.count()).select_from(User)
    conditions = []
    if role is not None:
        conditions.append(col(User.role) == role.value)
    if is_active is not None:
        conditions.append(col(User.is_active) == is_active)
    if q:
        conditions.append(
            or_(
                col(User.username).icontains(q, autoescape=True),
                col(User.display_name).icontains(q, autoescape=True),
            )
        )
    if conditions:
        query = query.where(*conditions)
        count = count.where(*conditions)
    users = (
        (await session.execute(query.order_by(col(User.id)).limit(page.limit).offset(page.offset)))
        .scalars()
        .all()
    )
    return users, int((await session.execute(count)).scalar_one())


def revocation_horizon(settings: Settings) -> int:
    """How far back a revocation can still matter: the longest a token lives, and a minute."""
    return max(settings.idle_timeout_seconds, settings.token_ttl_seconds) + 60


def invalidate_on_commit(session: AsyncSession, authenticator: LocalAuthenticator) -> None:
    """This process reads the revocations again once the request's revocation is committed."""
    event.listen(
        session.sync_session, "after_commit", lambda _: authenticator.revocations.invalidate(), once=True
    )


class LocalAuthenticator:
    """indicator-api verifies tokens with its own public key and API keys against its own table; the
    revocations come from its own database, read again at most every `revocation_interval` seconds
    and at once after this process revoked something (`revocations.invalidate()`)."""

    def __init__(
        self,
        signing_key: SigningKey,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        read_sessionmaker: async_sessionmaker[AsyncSession] | None = None,
        revocation_interval: float = 30.0,
        revocation_horizon_seconds: int = 86_400,
    ) -> None:
        self._key = signing_key
        self._sessionmaker = sessionmaker
        # Revocations are read without a transaction: on SQLite a write session begins with a write
        # lock, and a request holding one while it calls a peer that calls back here would wait on it.
        self._read_sessionmaker = read_sessionmaker or sessionmaker
        self._horizon = revocation_horizon_seconds
        self.revocations = RevocationList(self._read_revocations, interval=revocation_interval)

    async def _read_revocations(self) -> Revocations:
        async with self._read_sessionmaker() as session:
            return await current_revocations(session, horizon_seconds=self._horizon)

    async def from_token(self, token: str) -> Principal:
        principal = principal_from_claims(verified_claims(token, self._key.public_key))
        return await self.revocations.check(principal)

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


async def ensure_security_admin(session: AsyncSession, *, password: str) -> bool:
    """Creates `security` (安全管理员) with `password` when no security administrator exists yet; the
    password is to be changed at the first sign-in."""
    exists = select(User).where(col(User.role) == Role.security_admin.value).limit(1)
    if (await session.execute(exists)).first():
        return False
    session.add(
        User(
            username="security",
            display_name="安全管理员",
            role=Role.security_admin.value,
            password_hash=hash_password(password),
            must_change_password=True,
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
