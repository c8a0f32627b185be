"""indicator-api settings, from `INDICATOR_*` environment variables."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import ClassVar

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from daye_kit.settings import RateLimit, ServiceSettings
from daye_kit.timestamps import local_today

DEFAULT_DEMO_PASSWORD = "daye-demo-2025"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INDICATOR_", extra="ignore")
    service_name: ClassVar[str] = "indicator"

    port: int = 8001
    matching_url: str = Field(default="http://127.0.0.1:8002", description="matching-api base URL")
    funding_url: str = Field(default="http://127.0.0.1:8003", description="funding-api base URL")
    signing_key: SecretStr | None = Field(
        default=None, description="Ed25519 private key (PEM) that signs tokens"
    )
    signing_key_file: Path = Field(
        default=Path("var/indicator-signing-key.pem"),
        description="Where the signing key is read from; created on first start outside production",
    )
    token_ttl_seconds: int = Field(
        default=3600, ge=60, le=86_400, description="Lifetime of a token drawn with an API key (seconds)"
    )
    idle_timeout_seconds: int = Field(
        default=1800,
        ge=60,
        le=86_400,
        description="A signed-in account's token lives this long; POST /api/v1/auth/refresh renews it "
        "while the session is used (idle timeout, 等保 会话超时)",
    )
    session_max_seconds: int = Field(
        default=12 * 3600,
        ge=300,
        le=7 * 86_400,
        description="Absolute end of a sign-in session however active; then the account signs in again",
    )
    password_min_length: int = Field(
        default=12, ge=8, le=128, description="Shortest password accepted when one is set (not at sign-in)"
    )
    password_character_classes: int = Field(
        default=3,
        ge=1,
        le=4,
        description="How many of lower case, upper case, digits and other characters a new password mixes",
    )
    password_max_age_days: int = Field(
        default=90,
        ge=0,
        le=3650,
        description="A password older than this must be changed at sign-in (0: passwords do not expire)",
    )
    totp_issuer: str = Field(
        default="大冶科创平台", min_length=1, max_length=64, description="Issuer shown by authenticator apps"
    )
    token_rate_limit: RateLimit = Field(
        default="30/minute",
        description="Tokens issued per account (password) and per API key (client credentials); "
        "empty disables",
    )
    login_failure_limit: RateLimit = Field(
        default="5/15 minutes",
        description="Wrong passwords tolerated per account before sign-in is refused with 429 until the "
        "oldest failure leaves the window; a successful sign-in forgets the failures; empty disables",
    )
    admin_password: SecretStr | None = Field(
        default=None, description="If set and no admin exists, an `admin` account is created with it at start"
    )
    security_admin_password: SecretStr | None = Field(
        default=None,
        description="If set and no security administrator exists, a `security` account (role "
        "security_admin, 安全管理员) is created with it at start: under 三员分立 it, not `admin`, "
        "administers the accounts. It must be changed at the first sign-in",
    )
    service_api_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description='Peer services\' API keys, e.g. {"matching-api": "dk_…"}: each gets a `svc-<name>` '
        "service account holding that key, so the same secret configures both sides",
    )
    reporting_as_of: date | None = Field(
        default=None,
        description="The day the screens open at (their year and 截至日期); today in Daye if unset. "
        "The demo sets the report's day, 2025-09-30",
    )
    demo_password: SecretStr = Field(
        default=SecretStr(DEFAULT_DEMO_PASSWORD), description="Password of every demo account"
    )

    def as_of_day(self) -> date:
        """The day the screens open at: `reporting_as_of`, or today in Daye."""
        return self.reporting_as_of or local_today()

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if self.signing_key is None and not self.signing_key_file.is_file():
            problems.append(
                "no token signing key: set INDICATOR_SIGNING_KEY or mount INDICATOR_SIGNING_KEY_FILE "
                "(a development key is never generated in production)"
            )
        return problems
