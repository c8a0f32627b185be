"""Who is calling: roles, the principal, token verification and the dependencies that check them.

indicator-api signs tokens with a private Ed25519 key only it holds; every service verifies them
with the public keys it publishes as a JWKS. API keys (`dk_…`) are checked by indicator-api; the
other services exchange them there for a token (OAuth2 client credentials) and cache it.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any, Protocol

import jwt
import structlog
from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from pydantic import BaseModel, Field

from daye_kit.db import AUDIT_SCOPE_KEY
from daye_kit.errors import AppError, Forbidden, PeerError, Unauthorized
from daye_kit.scopes import ensure_scope
from daye_kit.throttling import SAFE_METHODS, RateLimits, api_key_bucket

_log = structlog.get_logger("daye_kit.auth")

TOKEN_ISSUER = "daye-indicator-api"
TOKEN_AUDIENCE = "daye-platform"
TOKEN_ALGORITHM = "EdDSA"
TOKEN_PATH = "/api/v1/auth/token"
JWKS_PATH = "/api/v1/auth/jwks"
REVOCATIONS_PATH = "/api/v1/auth/revocations"
# What a caller whose password must change may still call: the change itself, sign-out and who it is.
PASSWORD_CHANGE_PATHS = frozenset({"/api/v1/auth/password", "/api/v1/auth/logout", "/api/v1/auth/me"})
API_KEY_PREFIX = "dk_"
API_KEY_RECHECK_SECONDS = 60  # how long a peer trusts an API key before asking indicator-api again


class Role(StrEnum):
    admin = "admin"  # the bureau
    township = "township"  # bound to one reporting unit
    enterprise = "enterprise"  # bound to one credit code
    viewer = "viewer"  # aggregates and public information, other government systems
    service = "service"  # peer services
    # 三员分立: the system administrator (`admin`), the security administrator and the auditor hold
    # separate powers; none can do the others' work.
    security_admin = "security_admin"  # accounts, roles, passwords and keys; no business data, no audit
    auditor = "auditor"  # reads everything the bureau reads and the audit trail; writes nothing
    # A university, institute or bank (院所答题): its own supplies, the hall of open demands it could
    # answer, its responses and dockings; of the rest only what every account reads (the registry's
    # public entries: names, industries, qualifications), none of the figures, indicators or funds.
    supplier = "supplier"


# Roles whose reads are not limited to one unit or enterprise.
READERS_OF_EVERYTHING = frozenset({Role.admin, Role.viewer, Role.service, Role.auditor})
# Roles that read what the bureau reads: the bureau itself and the auditor.
BUREAU_READERS = frozenset({Role.admin, Role.auditor})
# Writes an auditor may still make: its own session and credentials, nothing else.
SELF_SERVICE_PATHS: set[str] = {
    "/api/v1/auth/logout",
    "/api/v1/auth/refresh",
    "/api/v1/auth/password",
    "/api/v1/auth/totp/enroll",
    "/api/v1/auth/totp/confirm",
}


class Principal(BaseModel):
    """The verified caller, as every service sees it."""

    username: str = Field(description="用户名", examples=["admin"])
    role: Role = Field(
        description="角色: admin 科技局(系统管理员) / township 乡镇 / enterprise 企业 / viewer 只读 / "
        "service 服务 / security_admin 安全管理员 / auditor 审计员 / supplier 供给方(高校、院所、金融机构)"
    )
    region_code: str | None = Field(default=None, description="township 账号绑定的报送单位代码")
    credit_code: str | None = Field(default=None, description="enterprise 账号绑定的统一社会信用代码")
    token_id: str | None = Field(default=None, description="令牌编号 (jti)")
    expires_at: int | None = Field(default=None, description="令牌到期时间 (Unix 秒)")
    scopes: list[str] | None = Field(
        default=None,
        description="API Key 限定可读的数据集 (`read:<数据集>`);为空表示不限",
        examples=[["read:enterprises"]],
    )
    api_key_id: int | None = Field(default=None, description="以 API Key 调用时,该密钥的编号")
    rate_limit: str | None = Field(
        default=None, description="该 API Key 自身的调用频率上限", examples=["600/minute"]
    )
    session_id: str | None = Field(default=None, description="登录会话编号 (sid);API Key 换取的令牌为空")
    amr: list[str] | None = Field(
        default=None, description="登录所用的认证方式:pwd 密码,otp 动态口令", examples=[["pwd", "otp"]]
    )
    issued_at: int | None = Field(default=None, description="令牌签发时间 (Unix 秒)")
    password_change_required: bool = Field(
        default=False, description="须先修改密码(临时密码或密码已过期):此前只能改密码、退出与查看本人"
    )

    @property
    def has_second_factor(self) -> bool:
        return "otp" in (self.amr or [])

    @property
    def is_admin(self) -> bool:
        return self.role is Role.admin

    @property
    def sees_everything(self) -> bool:
        """Roles whose reads are not limited to one unit or enterprise."""
        return self.role in READERS_OF_EVERYTHING

    def ensure_region(self, region_code: str) -> None:
        """Admins, viewers, auditors and services reach every unit; a township only its own; the
        security administrator and suppliers none (accounts are not business data; a supplier answers
        demands, it does not see the units' figures)."""
        if self.role is Role.security_admin:
            raise Forbidden("the security administrator has no access to business data")
        if self.role is Role.supplier:
            raise Forbidden("supplier accounts have no access to reporting units")
        if self.role is Role.township and self.region_code != region_code:
            raise Forbidden(f"township account {self.username} may only act for unit {self.region_code}")
        if self.role is Role.enterprise:
            raise Forbidden("enterprise accounts have no access to reporting units")

    def ensure_enterprise(self, credit_code: str) -> None:
        """An enterprise reaches only itself; townships are checked against the enterprise's unit;
        suppliers reach no enterprise's records."""
        if self.role is Role.security_admin:
            raise Forbidden("the security administrator has no access to business data")
        if self.role is Role.supplier:
            raise Forbidden("supplier accounts have no access to enterprises' records")
        if self.role is Role.enterprise and self.credit_code != credit_code:
            raise Forbidden(f"enterprise account {self.username} may only act for {self.credit_code}")


def claims_for(principal: Principal) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": principal.username, "role": principal.role.value}
    if principal.region_code:
        claims["region"] = principal.region_code
    if principal.credit_code:
        claims["credit_code"] = principal.credit_code
    # A token drawn with an API key carries the key's limits, so every service enforces them.
    if principal.scopes is not None:
        claims["scope"] = " ".join(principal.scopes)
    if principal.api_key_id is not None:
        claims["api_key"] = principal.api_key_id
    if principal.rate_limit:
        claims["rate"] = principal.rate_limit
    if principal.session_id:
        claims["sid"] = principal.session_id
    if principal.amr:
        claims["amr"] = list(principal.amr)
    if principal.password_change_required:
        claims["pwd_change"] = True
    return claims


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    scope = claims.get("scope")
    try:
        return Principal(
            username=claims["sub"],
            role=Role(claims["role"]),
            region_code=claims.get("region"),
            credit_code=claims.get("credit_code"),
            token_id=claims.get("jti"),
            expires_at=claims.get("exp"),
            scopes=str(scope).split() if scope is not None else None,
            api_key_id=claims.get("api_key"),
            rate_limit=claims.get("rate"),
            session_id=claims.get("sid"),
            amr=claims.get("amr"),
            issued_at=claims.get("iat"),
            password_change_required=bool(claims.get("pwd_change", False)),
        )
    except (KeyError, ValueError) as exc:
        raise Unauthorized("token claims are incomplete") from exc


def decode_token(token: str, key: Any) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key=key,
            algorithms=[TOKEN_ALGORITHM],
            audience=TOKEN_AUDIENCE,
            issuer=TOKEN_ISSUER,
            options={"require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token has expired", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"token rejected: {exc}", code="token_invalid") from exc
    return claims


class _ByIdentity:
    """A verification key as a cache key: the same object, not an equal one (keys are unhashable)."""

    def __init__(self, key: Any) -> None:
        self.key = key

    def __hash__(self) -> int:
        return id(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByIdentity) and other.key is self.key


@lru_cache(maxsize=10_000)
def _checked_once(token: str, key: _ByIdentity) -> dict[str, Any]:
    return decode_token(token, key.key)


def verified_claims(token: str, key: Any) -> dict[str, Any]:
    """`decode_token`, with the signature of each token checked once: a client sends the same token
    for its whole life, and checking an Ed25519 signature costs more than the rest of a small read.
    Expiry is checked on every use; refused tokens are not remembered."""
    claims = _checked_once(token, _ByIdentity(key))
    if claims["exp"] <= time.time():
        raise Unauthorized("token has expired", code="token_expired")
    return claims


@lru_cache(maxsize=10_000)
def token_kid(token: str) -> str | None:
    """The key id a token's header names; remembered per token like its signature (`verified_claims`),
    since decoding the header checks every character of the token. A malformed one is not remembered."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
    except jwt.PyJWTError as exc:
        raise Unauthorized("malformed token", code="token_invalid") from exc
    return str(kid) if kid else None


class RevokedAccount(BaseModel):
    username: str = Field(description="用户名")
    not_before: datetime = Field(description="此刻之前签发的令牌一律失效")


class Revocations(BaseModel):
    """What indicator-api has revoked and every service refuses: an account's tokens issued before its
    `not_before`, and single sign-in sessions (sign-out, an administrator's revocation)."""

    items: list[RevokedAccount] = Field(description="令牌被整体吊销的账号")
    revoked_sessions: list[str] = Field(description="已吊销且尚未到期的登录会话 (sid)")


class RevocationList:
    """The revocations as a service last fetched them, fetched again at most every `interval` seconds
    (a call waits for the fetch; concurrent ones share it). When the fetch fails, the last list stays
    in force and the next call tries again."""

    def __init__(self, fetch: Callable[[], Awaitable[Revocations]], *, interval: float = 30.0) -> None:
        self._fetch = fetch
        self._interval = interval
        self._not_before: dict[str, float] = {}
        self._sessions: frozenset[str] = frozenset()
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        """The next check fetches again (the service that revoked something knows at once)."""
        self._fetched_at = float("-inf")

    async def _refresh(self) -> None:
        if time.monotonic() - self._fetched_at < self._interval:
            return
        async with self._lock:
            if time.monotonic() - self._fetched_at < self._interval:
                return
            try:
                revocations = await self._fetch()
            except (AppError, OSError) as exc:
                _log.warning("revocations_unavailable", error=str(exc))
                self._fetched_at = time.monotonic() - self._interval + min(self._interval, 5.0)
                return
            self._not_before = {r.username: r.not_before.timestamp() for r in revocations.items}
            self._sessions = frozenset(revocations.revoked_sessions)
            self._fetched_at = time.monotonic()

    async def check(self, principal: Principal) -> Principal:
        """The principal, or 401 `token_revoked` when its token was issued before its account's
        not_before (whole seconds: a token issued in the revoking second itself survives, as
        `iat` has no fraction) or belongs to a revoked session."""
        await self._refresh()
        not_before = self._not_before.get(principal.username)
        if not_before is not None and (principal.issued_at or 0) < int(not_before):
            raise Unauthorized("the token was revoked", code="token_revoked")
        if principal.session_id is not None and principal.session_id in self._sessions:
            raise Unauthorized("the sign-in session was ended", code="token_revoked")
        return principal


class Authenticator(Protocol):
    """Turns a bearer token or an API key into a principal, or raises Unauthorized."""

    async def from_token(self, token: str) -> Principal: ...

    async def from_api_key(self, api_key: str) -> Principal: ...


class JwksAuthenticator:
    """Verification for the services that do not hold the signing key.

    Keys come from indicator-api's JWKS, refreshed when a token names an unknown key (at most once
    every `refresh_interval` seconds, so a flood of forged kids cannot hammer indicator-api). API
    keys are exchanged at indicator-api for a token, cached by the key's hash for a minute, so a
    revoked key stops working everywhere within `API_KEY_RECHECK_SECONDS`.
    """

    def __init__(
        self,
        fetch_jwks: Callable[[], Awaitable[dict[str, Any]]],
        exchange_api_key: Callable[[str], Awaitable[str]],
        *,
        refresh_interval: float = 30.0,
        api_key_recheck_seconds: float = API_KEY_RECHECK_SECONDS,
        revocations: RevocationList | None = None,
    ) -> None:
        self.revocations = revocations
        self._fetch_jwks = fetch_jwks
        self._exchange = exchange_api_key
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._refresh_interval = refresh_interval
        self._api_key_tokens: dict[str, tuple[str, float]] = {}
        self._api_key_recheck = api_key_recheck_seconds

    async def _refresh(self) -> None:
        if time.monotonic() - self._fetched_at < self._refresh_interval and self._keys:
            return
        jwks = await self._fetch_jwks()
        keys = {}
        for entry in jwks.get("keys", []):
            try:
                keys[entry["kid"]] = jwt.PyJWK(entry).key
            except (KeyError, jwt.PyJWTError):
                continue
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def from_token(self, token: str) -> Principal:
        kid = token_kid(token)
        if kid not in self._keys:
            await self._refresh()
        key = self._keys.get(kid or "")
        if key is None:
            raise Unauthorized("token signed by an unknown key", code="token_invalid")
        principal = principal_from_claims(verified_claims(token, key))
        if self.revocations is not None:
            await self.revocations.check(principal)
        return principal

    async def from_api_key(self, api_key: str) -> Principal:
        digest = hashlib.sha256(api_key.encode()).hexdigest()
        try:
            return await self._from_api_key(api_key, digest)
        except Unauthorized as exc:
            if exc.code != "token_revoked":
                raise
            # The account's tokens were revoked after this one was drawn: a key still valid draws a
            # new one (a revoked key or a disabled account is refused by indicator-api).
            self._api_key_tokens.pop(digest, None)
            return await self._from_api_key(api_key, digest)

    async def _from_api_key(self, api_key: str, digest: str) -> Principal:
        cached = self._api_key_tokens.get(digest)
        if cached is None or cached[1] < time.time() + 30:
            try:
                token = await self._exchange(api_key)
            except PeerError as exc:
                if exc.peer_status in (400, 401):
                    raise Unauthorized("API key rejected", code="api_key_invalid") from exc
                raise
            claims = jwt.decode(token, options={"verify_signature": False})
            # Kept for a minute at most, so a key revoked at indicator-api stops working here too.
            cached = (token, min(float(claims.get("exp", 0)), time.time() + self._api_key_recheck + 30))
            self._api_key_tokens[digest] = cached
        return await self.from_token(cached[0])


# Swagger's Authorize button posts the form to indicator-api; `app.build_app` rewrites this
# tokenUrl to indicator-api's absolute URL on the two other services.
oauth2_scheme = OAuth2PasswordBearer(
    tokenUrl=TOKEN_PATH,
    auto_error=False,
    description="用户名与密码换取令牌 (indicator-api 签发)",
)
api_key_scheme = APIKeyHeader(name="X-API-Key", auto_error=False, description="机器客户端的 API Key")


async def current_principal(
    request: Request,
    bearer: Annotated[str | None, Security(oauth2_scheme)],
    api_key: Annotated[str | None, Security(api_key_scheme)],
) -> Principal:
    """The verified caller. Its writes count against its account's rate, or its API key's own; a key
    with a rate of its own counts every call against it; a key limited to datasets reads only those
    (`daye_kit.scopes`)."""
    authenticator: Authenticator = request.app.state.authenticator
    if bearer and bearer.startswith(API_KEY_PREFIX):
        api_key = bearer
    if api_key:
        principal = await authenticator.from_api_key(api_key)
        bucket = api_key_bucket(api_key)
    elif bearer:
        principal = await authenticator.from_token(bearer)
        bucket = f"account:{principal.username}"
    else:
        raise Unauthorized("authentication required: send a bearer token or an X-API-Key header")
    audit = request.scope.get(AUDIT_SCOPE_KEY)
    if audit is not None:
        # The request's audit row names the caller, whatever is decided next.
        audit.identify(principal)
    if principal.password_change_required and request.url.path not in PASSWORD_CHANGE_PATHS:
        raise Forbidden(
            "the password must be changed first (POST /api/v1/auth/password)", code="password_change_required"
        )
    limits: RateLimits = request.app.state.rate_limits
    if principal.rate_limit and principal.api_key_id is not None:
        key_id = principal.api_key_id
        await limits.hit(principal.rate_limit, "api-key", str(key_id), what=f"calls with API key {key_id}")
    if principal.scopes is not None:
        # The matched route's template (prefixes included); none matched means closed to the key.
        route_path = getattr(request.scope.get("route"), "path", "")
        ensure_scope(
            principal.scopes,
            method=request.method,
            route_path=route_path,
            datasets=request.app.state.datasets,
        )
    if request.method not in SAFE_METHODS and principal.role is Role.auditor:
        route_path = getattr(request.scope.get("route"), "path", "")
        if route_path not in SELF_SERVICE_PATHS:
            raise Forbidden("the auditor role reads and writes nothing", code="read_only_role")
    if request.method not in SAFE_METHODS and principal.role is not Role.service:
        await limits.hit(
            request.app.state.settings.write_rate_limit, "writes", bucket, what=f"writes by {bucket}"
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that admits only the given roles (401 without credentials, 403 with others).

    The auditor reads whatever the bureau (`admin`) reads: it is admitted to safe methods wherever
    `admin` is, and to nothing else unless named."""
    allowed = frozenset(roles)
    auditor_reads = Role.admin in allowed

    async def check(request: Request, principal: CurrentPrincipal) -> Principal:
        if principal.role is Role.auditor and auditor_reads and request.method in SAFE_METHODS:
            return principal
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"role {principal.role.value} may not do this; allowed: {names}")
        return principal

    return check


AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.admin))]


def ensure_second_factor(principal: Principal, settings: Any) -> Principal:
    """403 `second_factor_enrolment_required` when the deployment requires a second factor of the
    principal's role (`REQUIRE_SECOND_FACTOR`, `SECOND_FACTOR_ROLES`) and its token was issued
    without one (`amr` lacks `otp`)."""
    if (
        getattr(settings, "require_second_factor", False)
        and principal.role.value in getattr(settings, "second_factor_roles", ())
        and not principal.has_second_factor
    ):
        raise Forbidden(
            f"role {principal.role.value} must sign in with a second factor (TOTP) for this: enrol at "
            "POST /api/v1/auth/totp/enroll, then sign in with the code",
            code="second_factor_enrolment_required",
        )
    return principal


async def require_second_factor(request: Request, principal: CurrentPrincipal) -> Principal:
    """A dependency for the account administration and the audit: `ensure_second_factor` with the
    service's settings."""
    return ensure_second_factor(principal, request.app.state.settings)


SecondFactorPrincipal = Annotated[Principal, Depends(require_second_factor)]
