"""funding-api settings, from `FUNDING_*` environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from daye_kit.settings import DEV_SERVICE_API_KEYS, PeerServiceSettings


class Settings(PeerServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FUNDING_", extra="ignore")
    service_name: ClassVar[str] = "funding"

    port: int = 8003
    service_api_key: str = DEV_SERVICE_API_KEYS["funding-api"]
