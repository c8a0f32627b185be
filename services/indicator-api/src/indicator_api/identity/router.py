"""Sign-in, tokens, the public keys, API keys and accounts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, status

from daye_kit.audit import AuditDep
from daye_kit.auth import AdminPrincipal, CurrentPrincipal, Role
from daye_kit.db import SessionDep
from daye_kit.errors import InvalidInput, Unauthorized, problem_responses
from daye_kit.ids import RowId
from daye_kit.pagination import Page, PageDep
from indicator_api.access import KeyHolderPrincipal
from indicator_api.deps import RateLimitsDep, SettingsDep, SigningKeyDep
from indicator_api.identity import service
from indicator_api.identity.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    Jwks,
    TokenResponse,
    UserCreate,
    UserPublic,
)

router = APIRouter(prefix="/api/v1", tags=["身份认证"])


@router.post(
    "/auth/token",
    summary="获取访问令牌",
    description=(
        "OAuth2 令牌端点。`grant_type=password` 时以用户名和密码换取令牌"
        "(Swagger 的 Authorize 按钮即用此方式);`grant_type=client_credentials` 时以 API Key"
        "(放在 `client_secret`)换取令牌,供机器客户端调用其他两个服务。"
        "每个账号、每个 API Key 的换取次数有上限;同一账号连续输错密码后暂停登录,"
        "超限时返回 429,`Retry-After` 给出可重试的秒数。"
    ),
    responses=problem_responses(
        401,
        422,
        429,
        codes={401: ["invalid_credentials", "api_key_invalid", "api_key_revoked", "account_disabled"]},
    ),
)
async def issue_token(
    session: SessionDep,
    settings: SettingsDep,
    key: SigningKeyDep,
    limits: RateLimitsDep,
    audit: AuditDep,
    grant_type: Annotated[
        Literal["password", "client_credentials"], Form(description="授权方式")
    ] = "password",
    username: Annotated[str, Form(max_length=64, description="用户名")] = "",
    password: Annotated[str, Form(max_length=128, description="密码")] = "",
    client_secret: Annotated[str, Form(max_length=256, description="API Key(client_credentials 方式)")] = "",
) -> TokenResponse:
    if grant_type == "password":
        # The audit row (`sign_in` or `sign_in_failed`) names whoever tried, signed in or not.
        audit.attempt(username)
        if not username or not password:
            raise InvalidInput.field("form.username", "missing", "username and password are required")
        user = await service.sign_in(
            session,
            username=username,
            password=password,
            limits=limits,
            failure_limit=settings.login_failure_limit,
            token_limit=settings.token_rate_limit,
        )
        caller = service.principal_of(user)
    else:
        if not client_secret:
            raise InvalidInput.field(
                "form.client_secret", "missing", "client_secret (the API key) is required"
            )
        caller = await service.sign_in_with_key(
            session, key=client_secret, limits=limits, token_limit=settings.token_rate_limit
        )
    audit.identify(caller)
    token, ttl = key.issue(caller, settings.token_ttl_seconds)
    return TokenResponse(access_token=token, expires_in=ttl)


@router.get("/auth/jwks", summary="令牌验签公钥 (JWKS)", description="其他服务用此公钥验证令牌;不需要认证。")
async def read_jwks(key: SigningKeyDep) -> Jwks:
    return Jwks(keys=[key.public_jwk])


@router.get("/auth/me", summary="当前账号", responses=problem_responses(401))
async def read_me(principal: CurrentPrincipal, session: SessionDep) -> UserPublic:
    user = await service.user_by_name(session, principal.username)
    if user is None:
        raise Unauthorized("the account no longer exists")
    return UserPublic.model_validate(user)


@router.post(
    "/auth/api-keys",
    status_code=status.HTTP_201_CREATED,
    summary="创建 API Key",
    description="为本人(管理员可为任一账号)创建 API Key。完整密钥只在此次响应中出现一次,服务端只保存其摘要。"
    "服务账号不能自行创建密钥,由管理员签发。\n\n"
    "`scopes` 把密钥限定为只读所列数据集(如交换平台只取 `read:enterprises`):持此密钥只能调用这些数据集的"
    "读取操作与变更事件流(只见其数据集的事件),其余一律 403 `scope_missing`;`rate_limit` 给此密钥单独的"
    "调用频率上限,超出时 429 并给出 `Retry-After`。",
    responses=problem_responses(401, 403, 404, 422),
)
async def create_api_key(
    body: ApiKeyCreate, principal: KeyHolderPrincipal, session: SessionDep
) -> ApiKeyCreated:
    return await service.create_api_key(
        session,
        actor=principal,
        name=body.name,
        username=body.username,
        scopes=body.scopes,
        rate_limit=body.rate_limit,
    )


@router.get("/auth/api-keys", summary="API Key 列表", description="本人的密钥;管理员可看全部或按账号筛选。")
async def list_api_keys(
    principal: CurrentPrincipal,
    session: SessionDep,
    username: Annotated[str | None, Query(description="按账号筛选(仅管理员)")] = None,
) -> Page[ApiKeyPublic]:
    keys = await service.list_api_keys(session, actor=principal, username=username)
    return Page(items=keys, total=len(keys))


@router.delete(
    "/auth/api-keys/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="吊销 API Key",
    description="本人的密钥;管理员可吊销任一密钥。服务账号的密钥由管理员签发与吊销。",
    responses=problem_responses(401, 403, 404),
)
async def revoke_api_key(key_id: RowId, principal: KeyHolderPrincipal, session: SessionDep) -> None:
    await service.revoke_api_key(session, actor=principal, key_id=key_id)


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    summary="创建账号",
    description="仅管理员。township 账号须绑定报送单位代码,enterprise 账号须绑定统一社会信用代码。",
    responses=problem_responses(401, 403, 409, 422, codes={409: ["user_exists"]}),
)
async def create_user(body: UserCreate, _: AdminPrincipal, session: SessionDep) -> UserPublic:
    return UserPublic.model_validate(await service.create_user(session, body))


@router.get("/users", summary="账号列表", description="仅管理员。", responses=problem_responses(401, 403))
async def list_users(
    _: AdminPrincipal,
    session: SessionDep,
    page: PageDep,
    role: Annotated[Role | None, Query(description="按角色筛选")] = None,
) -> Page[UserPublic]:
    users, total = await service.list_users(session, page=page, role=role)
    return Page(items=[UserPublic.model_validate(u) for u in users], total=total)
