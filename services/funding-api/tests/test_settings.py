from __future__ import annotations

import pytest
from pydantic import ValidationError

from funding_api.config import Settings

PG_URL = "postgresql+asyncpg://daye@db.internal/funding"


def test_production_refuses_the_development_service_key() -> None:
    with pytest.raises(ValidationError, match="SERVICE_API_KEY is the development default"):
        Settings(environment="production", database_url=PG_URL)


def test_production_with_an_issued_key_starts() -> None:
    settings = Settings(
        environment="production", database_url=PG_URL, service_api_key="dk_abcd1234_issued-by-admin"
    )
    assert settings.service_api_key.startswith("dk_abcd1234")


def test_settings_come_from_funding_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FUNDING_PORT", "9100")
    monkeypatch.setenv("FUNDING_INDICATOR_URL", "http://indicator.internal:8001")
    settings = Settings()
    assert (settings.port, settings.indicator_url) == (9100, "http://indicator.internal:8001")
    assert settings.database_url == "sqlite+aiosqlite:///var/funding.db"
