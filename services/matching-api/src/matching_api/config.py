"""matching-api settings, from `MATCHING_*` environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from daye_kit.settings import DEV_SERVICE_API_KEYS, PeerServiceSettings


class Settings(PeerServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")
    service_name: ClassVar[str] = "matching"

    port: int = 8002
    service_api_key: str = DEV_SERVICE_API_KEYS["matching-api"]
