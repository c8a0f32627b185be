"""What the identity endpoints take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from daye_kit.auth import Role
from daye_kit.scopes import Dataset, Scope
from daye_kit.settings import RateLimit


class TokenResponse(BaseModel):
    access_token: str = Field(description="签名令牌 (JWT, EdDSA)")
    token_type: str = Field(default="bearer", examples=["bearer"], description="令牌类型,固定为 bearer")
    expires_in: int = Field(
        description="有效期(秒):账号令牌为空闲超时 (`INDICATOR_IDLE_TIMEOUT_SECONDS`,默认 1800),"
        "到期前调用 `POST /api/v1/auth/refresh` 续期",
        examples=[1800],
    )
    password_change_required: bool = Field(
        default=False, description="须先修改密码 (`POST /api/v1/auth/password`),此前其他调用一律 403"
    )


class UserBase(BaseModel):
    username: str = Field(
        min_length=2,
        max_length=64,
        pattern=r"^[A-Za-z0-9._@-]+$",
        examples=["zhangsan"],
        description="用户名",
    )
    display_name: str = Field(default="", max_length=128, description="显示名称", examples=["张三"])
    role: Role = Field(description="角色")
    region_code: str | None = Field(
        default=None, max_length=32, description="township 账号绑定的报送单位代码"
    )
    credit_code: str | None = Field(
        default=None, min_length=18, max_length=18, description="enterprise 账号绑定的统一社会信用代码"
    )


PASSWORD_RULES = (
    "密码规则(设置密码时检查,登录时不检查):长度不少于 `INDICATOR_PASSWORD_MIN_LENGTH`(默认 12)位,"
    "小写字母、大写字母、数字、其他字符四类中至少含 `INDICATOR_PASSWORD_CHARACTER_CLASSES`(默认 3)类,"
    "不含用户名,且不同于原密码。违反时 422,`errors[]` 指出字段与规则:`password_too_short`、"
    "`password_too_simple`、`password_contains_username`、`password_reused`。"
)


class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=128, description="初始密码。" + PASSWORD_RULES)

    @model_validator(mode="after")
    def _binding_matches_role(self) -> Self:
        if self.role is Role.township and not self.region_code:
            raise ValueError("a township account needs region_code")
        if self.role is Role.enterprise and not self.credit_code:
            raise ValueError("an enterprise account needs credit_code")
        return self


class UserPublic(UserBase):
    model_config = ConfigDict(from_attributes=True)

    is_active: bool = Field(description="是否启用(停用的账号不能登录,其令牌与 API Key 一律失效)")
    created_at: datetime = Field(description="创建时间")
    disabled_at: datetime | None = Field(default=None, description="停用时间;启用中为空")
    disabled_reason: str | None = Field(default=None, description="停用原因")
    must_change_password: bool = Field(default=False, description="下次登录须修改密码(如重置后的临时密码)")
    password_changed_at: datetime | None = Field(default=None, description="最近一次设置密码的时间")
    totp_enabled: bool = Field(default=False, description="是否已启用动态口令 (TOTP) 第二因素")
    last_sign_in_at: datetime | None = Field(default=None, description="最近一次成功登录的时间")


class UserUpdate(BaseModel):
    """Only the fields sent change; a role change keeps or takes the binding the new role needs."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = Field(default=None, description="新角色;改变角色会使该账号已签发的令牌全部失效")
    region_code: str | None = Field(
        default=None, min_length=1, max_length=32, description="township 账号绑定的报送单位代码"
    )
    credit_code: str | None = Field(
        default=None, min_length=18, max_length=18, description="enterprise 账号绑定的统一社会信用代码"
    )
    display_name: str | None = Field(default=None, max_length=128, description="显示名称")


class DisableRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="停用原因(必填)", examples=["人员离职"])


class TemporaryPassword(BaseModel):
    temporary_password: str = Field(description="临时密码,只在此次响应中出现;持有人登录后须先修改")


class RevocationResult(BaseModel):
    username: str = Field(description="用户名")
    not_before: datetime = Field(description="此刻之前签发的该账号令牌在各服务一律失效(一分钟内生效)")
    sessions_revoked: int = Field(description="吊销的登录会话数")
    api_keys_revoked: int = Field(description="吊销的 API Key 数")


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=128, description="当前密码(或临时密码)")
    new_password: str = Field(min_length=1, max_length=128, description="新密码。" + PASSWORD_RULES)


class TotpEnrolment(BaseModel):
    secret: str = Field(description="TOTP 密钥 (Base32),只在此次响应中出现", examples=["JBSWY3DPEHPK3PXP"])
    otpauth_uri: str = Field(
        description="`otpauth://` 地址,可生成二维码供验证器应用扫描",
        examples=["otpauth://totp/%E5%A4%A7%E5%86%B6%E7%A7%91%E5%88%9B%E5%B9%B3%E5%8F%B0:admin?secret=…"],
    )


class TotpConfirm(BaseModel):
    code: str = Field(
        pattern=r"^\d{6}$", description="验证器应用当前显示的 6 位动态口令", examples=["123456"]
    )


class ApiKeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100, description="用途说明", examples=["省平台数据同步"])
    username: str | None = Field(default=None, description="为哪个账号创建(仅管理员可指定他人;默认本人)")
    scopes: list[Scope] | None = Field(
        default=None,
        min_length=1,
        description="限定只读的数据集 (`read:<数据集>`):持此密钥只能读取这些数据集(及其变更事件),"
        "不能写入;不给则与账号权限相同。数据集:" + ", ".join(f"`{d.value}`" for d in Dataset),
        examples=[["read:enterprises", "read:indicators"]],
    )
    rate_limit: RateLimit = Field(
        default=None,
        max_length=32,
        description="此密钥自身的调用频率上限(`limits` 写法,如 `600/minute`),读写都计;不给则不另设",
        examples=["600/minute"],
    )

    @field_validator("scopes")
    @classmethod
    def _each_scope_once(cls, scopes: list[Scope] | None) -> list[Scope] | None:
        return sorted(set(scopes), key=list(Scope).index) if scopes is not None else None


class ApiKeyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="API 密钥编号")
    name: str = Field(description="密钥名称(用途)")
    prefix: str = Field(description="密钥前缀,用于辨认")
    username: str = Field(description="所属用户")
    scopes: list[str] | None = Field(default=None, description="限定只读的数据集;为空表示不限")
    rate_limit: str | None = Field(default=None, description="此密钥自身的调用频率上限")
    created_at: datetime = Field(description="创建时间")
    revoked_at: datetime | None = Field(description="吊销时间;有效为空")


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="完整密钥,只在创建时显示一次")


class Jwks(BaseModel):
    keys: list[dict[str, str]] = Field(description="公钥 (RFC 7517)")
