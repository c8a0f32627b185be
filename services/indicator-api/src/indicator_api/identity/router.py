"""Sign-in, tokens, the public keys, API keys and accounts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, status

from daye_kit.audit import AuditDep
from daye_kit.auth import CurrentPrincipal, Revocations, Role
from daye_kit.db import ReadSessionDep, SessionDep
from daye_kit.errors import InvalidInput, Unauthorized, problem_responses
from daye_kit.ids import RowId
from daye_kit.pagination import Page, PageDep
from indicator_api.access import AccountAdminPrincipal, AccountHolderPrincipal, KeyHolderPrincipal
from indicator_api.deps import AuthenticatorDep, RateLimitsDep, SettingsDep, SigningKeyDep
from indicator_api.identity import service
from indicator_api.identity.schemas import (
    PASSWORD_RULES,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    DisableRequest,
    Jwks,
    PasswordChange,
    RevocationResult,
    TemporaryPassword,
    TokenResponse,
    TotpConfirm,
    TotpEnrolment,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from indicator_api.identity.service import invalidate_on_commit, revocation_horizon

router = APIRouter(prefix="/api/v1", tags=["身份认证"])


@router.post(
    "/auth/token",
    summary="获取访问令牌",
    description=(
        "OAuth2 令牌端点。`grant_type=password` 时以用户名和密码换取令牌"
        "(Swagger 的 Authorize 按钮即用此方式);`grant_type=client_credentials` 时以 API Key"
        "(放在 `client_secret`)换取令牌,供机器客户端调用其他两个服务。"
        "每个账号、每个 API Key 的换取次数有上限;同一账号连续输错密码后暂停登录,"
        "超限时返回 429,`Retry-After` 给出可重试的秒数。\n\n"
        "账号令牌的有效期是空闲超时(`expires_in`,默认 1800 秒),到期前以 `POST /api/v1/auth/refresh` 续期,"
        "登录会话最长 `INDICATOR_SESSION_MAX_SECONDS`(默认 12 小时)。已启用动态口令的账号须同时提交 `totp`"
        "(否则 401 `second_factor_required`);令牌的 `amr` 声明记录认证方式 (`pwd`、`otp`)。"
        "停用的账号 401 `account_disabled`。临时密码或密码超过 `INDICATOR_PASSWORD_MAX_AGE_DAYS` 天未改时,"
        "`password_change_required` 为 true,此后除改密码、退出与查看本人外的调用"
        "一律 403 `password_change_required`。"
    ),
    responses=problem_responses(
        401,
        422,
        429,
        codes={
            401: [
                "invalid_credentials",
                "account_disabled",
                "second_factor_required",
                "api_key_invalid",
                "api_key_revoked",
            ]
        },
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
    totp: Annotated[str, Form(max_length=6, description="动态口令(已启用 TOTP 的账号必填,6 位数字)")] = "",
) -> TokenResponse:
    if grant_type == "password":
        # The audit row (`sign_in` or `sign_in_failed`) names whoever tried, signed in or not.
        audit.attempt(username)
        if not username or not password:
            raise InvalidInput.field("form.username", "missing", "username and password are required")
        user, amr = await service.sign_in(
            session,
            username=username,
            password=password,
            totp=totp,
            limits=limits,
            failure_limit=settings.login_failure_limit,
            token_limit=settings.token_rate_limit,
        )
        sign_in = await service.start_session(
            session, user=user, amr=amr, max_seconds=settings.session_max_seconds
        )
        audit.identify(service.principal_of(user))
        return service.issue_session_token(
            key,
            user=user,
            sign_in=sign_in,
            idle_seconds=settings.idle_timeout_seconds,
            max_age_days=settings.password_max_age_days,
        )
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


@router.post(
    "/auth/refresh",
    summary="续期访问令牌",
    description="以仍有效的账号令牌换取同一登录会话的新令牌(空闲超时重新计时):前端在用户有操作且令牌将到期时调用。"
    "会话已退出或被吊销时 401 `token_revoked`,超过会话最长时间时 401 `session_expired`,账号停用时 401 "
    "`account_disabled`;API Key 换取的令牌没有会话 (403 `no_session`),到期后重新换取。",
    responses=problem_responses(
        401, 403, codes={401: ["token_revoked", "session_expired", "account_disabled"], 403: ["no_session"]}
    ),
)
async def refresh_token(
    principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep, key: SigningKeyDep
) -> TokenResponse:
    return await service.refresh_session(
        session,
        principal=principal,
        key=key,
        idle_seconds=settings.idle_timeout_seconds,
        max_age_days=settings.password_max_age_days,
    )


@router.post(
    "/auth/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="退出登录",
    description="结束本次登录会话:其令牌在本服务立即、在其他服务一分钟内失效。",
    responses=problem_responses(401),
)
async def logout(principal: CurrentPrincipal, session: SessionDep, authenticator: AuthenticatorDep) -> None:
    if await service.end_session(session, principal=principal):
        invalidate_on_commit(session, authenticator)


@router.post(
    "/auth/password",
    summary="修改本人密码",
    description="以当前密码(或临时密码)设置新密码。" + PASSWORD_RULES + "成功后本账号的其他登录会话结束;"
    "返回本会话的新令牌(不再要求改密码)。API Key 换取的令牌没有会话 (403 `no_session`)。",
    responses=problem_responses(
        401,
        403,
        422,
        codes={
            403: ["no_session"],
            422: ["password_wrong", "password_too_short", "password_too_simple", "password_reused"],
        },
    ),
)
async def change_password(
    body: PasswordChange,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    key: SigningKeyDep,
    authenticator: AuthenticatorDep,
) -> TokenResponse:
    invalidate_on_commit(session, authenticator)
    token = await service.change_password(
        session,
        principal=principal,
        current_password=body.current_password,
        new_password=body.new_password,
        key=key,
        settings=settings,
    )
    return token


@router.post(
    "/auth/totp/enroll",
    summary="登记动态口令 (TOTP)",
    description="为本人生成 TOTP 密钥,返回密钥与 `otpauth://` 地址(验证器应用扫码);"
    "以 `POST /api/v1/auth/totp/confirm`"
    " 提交一次动态口令后启用。此后登录须同时提交 `totp`。已启用时 409 `totp_already_enabled`。",
    responses=problem_responses(401, 403, 409, codes={409: ["totp_already_enabled"]}),
)
async def enrol_totp(
    principal: AccountHolderPrincipal, session: SessionDep, settings: SettingsDep
) -> TotpEnrolment:
    return await service.enrol_totp(session, principal=principal, issuer=settings.totp_issuer)


@router.post(
    "/auth/totp/confirm",
    summary="启用动态口令 (TOTP)",
    description="提交验证器应用显示的 6 位动态口令,核对无误即启用;口令不符 422 `totp_invalid`。"
    '启用后下次登录的令牌带 `amr: ["pwd", "otp"]`。',
    responses=problem_responses(
        401, 403, 409, 422, codes={409: ["totp_already_enabled", "totp_not_enrolled"], 422: ["totp_invalid"]}
    ),
)
async def confirm_totp(
    body: TotpConfirm, principal: AccountHolderPrincipal, session: SessionDep
) -> UserPublic:
    return UserPublic.model_validate(await service.confirm_totp(session, principal=principal, code=body.code))


@router.get(
    "/auth/revocations",
    summary="已吊销的令牌",
    description="各服务据此拒绝已吊销的令牌 (401 `token_revoked`),每 30 秒内刷新一次:账号的 `not_before` "
    "之前签发的令牌一律失效(停用、改角色、吊销),以及已退出或被吊销的登录会话 (`sid`)。"
    "不需要认证(与公钥相同)。",
)
async def read_revocations(session: ReadSessionDep, settings: SettingsDep) -> Revocations:
    return await service.current_revocations(session, horizon_seconds=revocation_horizon(settings))


@router.get("/auth/jwks", summary="令牌验签公钥 (JWKS)", description="其他服务用此公钥验证令牌;不需要认证。")
async def read_jwks(key: SigningKeyDep) -> Jwks:
    return Jwks(keys=[key.public_jwk])


@router.get("/auth/me", summary="当前账号", responses=problem_responses(401))
async def read_me(principal: CurrentPrincipal, session: ReadSessionDep) -> UserPublic:
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
    session: ReadSessionDep,
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


ACCOUNT_CODES: dict[int, list[str]] = {403: ["second_factor_enrolment_required"]}


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    summary="创建账号",
    description="仅安全管理员。township 账号须绑定报送单位代码,enterprise 账号须绑定统一社会信用代码。"
    + PASSWORD_RULES,
    responses=problem_responses(
        401,
        403,
        409,
        422,
        codes={409: ["user_exists"], 422: ["password_too_short", "password_too_simple"], **ACCOUNT_CODES},
    ),
)
async def create_user(
    body: UserCreate, _: AccountAdminPrincipal, session: SessionDep, settings: SettingsDep
) -> UserPublic:
    return UserPublic.model_validate(await service.create_user(session, body, settings=settings))


@router.get(
    "/users",
    summary="账号列表",
    description="仅安全管理员。按角色、是否启用、用户名或显示名称(`q`,包含即可)筛选。",
    responses=problem_responses(401, 403, codes=ACCOUNT_CODES),
)
async def list_users(
    _: AccountAdminPrincipal,
    session: ReadSessionDep,
    page: PageDep,
    role: Annotated[Role | None, Query(description="按角色筛选")] = None,
    is_active: Annotated[bool | None, Query(description="true 只看启用的,false 只看停用的")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=64, description="用户名或显示名称包含")] = None,
) -> Page[UserPublic]:
    users, total = await service.list_users(session, page=page, role=role, is_active=is_active, q=q)
    return Page(items=[UserPublic.model_validate(u) for u in users], total=total)


@router.patch(
    "/users/{username}",
    summary="修改账号",
    description="仅安全管理员。修改角色、绑定(报送单位代码 / 信用代码)或显示名称;"
    "角色或绑定改变时,该账号已签发的令牌"
    "在各服务一分钟内全部失效。township 须有报送单位代码、enterprise 须有信用代码 (422)。不能修改本人的角色"
    " (403 `own_account`)。",
    responses=problem_responses(401, 403, 404, 422, codes={403: ["own_account", *ACCOUNT_CODES[403]]}),
)
async def update_user(
    username: str,
    body: UserUpdate,
    actor: AccountAdminPrincipal,
    session: SessionDep,
    authenticator: AuthenticatorDep,
) -> UserPublic:
    invalidate_on_commit(session, authenticator)
    user = await service.update_user(session, actor=actor, username=username, data=body)
    return UserPublic.model_validate(user)


@router.post(
    "/users/{username}/disable",
    summary="停用账号",
    description="仅安全管理员,须写明原因。账号不删除;停用后不能登录 (401 `account_disabled`),"
    "已签发的令牌与 API Key"
    " 在各服务一分钟内失效。不能停用本人 (403 `own_account`)。",
    responses=problem_responses(401, 403, 404, 422, codes={403: ["own_account", *ACCOUNT_CODES[403]]}),
)
async def disable_user(
    username: str,
    body: DisableRequest,
    actor: AccountAdminPrincipal,
    session: SessionDep,
    authenticator: AuthenticatorDep,
) -> UserPublic:
    invalidate_on_commit(session, authenticator)
    user = await service.disable_user(session, actor=actor, username=username, reason=body.reason)
    return UserPublic.model_validate(user)


@router.post(
    "/users/{username}/enable",
    summary="启用账号",
    description="仅安全管理员。停用前签发的令牌仍然无效,须重新登录。",
    responses=problem_responses(401, 403, 404, codes=ACCOUNT_CODES),
)
async def enable_user(username: str, _: AccountAdminPrincipal, session: SessionDep) -> UserPublic:
    return UserPublic.model_validate(await service.enable_user(session, username=username))


@router.post(
    "/users/{username}/password-reset",
    summary="重置密码",
    description="仅安全管理员。生成临时密码(只在此次响应中出现),持有人下次登录后须先修改密码;该账号的登录会话全部结束。",
    responses=problem_responses(401, 403, 404, codes=ACCOUNT_CODES),
)
async def reset_password(
    username: str,
    _: AccountAdminPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    authenticator: AuthenticatorDep,
) -> TemporaryPassword:
    invalidate_on_commit(session, authenticator)
    temporary = await service.reset_password(
        session, username=username, min_length=settings.password_min_length
    )
    return TemporaryPassword(temporary_password=temporary)


@router.post(
    "/users/{username}/revoke",
    summary="吊销账号的全部令牌与 API Key",
    description="仅安全管理员。该账号已签发的令牌、登录会话与 API Key 一次全部失效(各服务一分钟内),"
    "账号本身不停用。",
    responses=problem_responses(401, 403, 404, codes=ACCOUNT_CODES),
)
async def revoke_user(
    username: str, _: AccountAdminPrincipal, session: SessionDep, authenticator: AuthenticatorDep
) -> RevocationResult:
    invalidate_on_commit(session, authenticator)
    result = await service.revoke_everything(session, username=username)
    return result
