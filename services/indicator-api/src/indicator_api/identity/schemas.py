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
    expires_in: int = Field(description="有效期(秒)", examples=[3600])


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


class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=128, description="初始密码(至少 8 位)")

    @model_validator(mode="after")
    def _binding_matches_role(self) -> Self:
        if self.role is Role.township and not self.region_code:
            raise ValueError("a township account needs region_code")
        if self.role is Role.enterprise and not self.credit_code:
            raise ValueError("an enterprise account needs credit_code")
        return self


class UserPublic(UserBase):
    model_config = ConfigDict(from_attributes=True)

    is_active: bool = Field(description="是否启用")
    created_at: datetime = Field(description="创建时间")


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
