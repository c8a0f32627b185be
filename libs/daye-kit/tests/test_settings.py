"""What every service's settings share: the env prefix, the SQLite default under var/, and a production
start that refuses development defaults. Checked on the three services' own Settings classes; what only
one service has (indicator-api's signing key) is tested beside it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

import funding_api.config
import indicator_api.config
import matching_api.config
from daye_kit.settings import ServiceSettings


def _pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )


@dataclass(frozen=True)
class Service:
    settings: type[ServiceSettings]
    prefix: str
    name: str
    secrets: Any  # () -> the production secrets this service needs besides the database

    def production(self, **overrides: Any) -> ServiceSettings:
        values = {"environment": "production", "database_url": f"postgresql+asyncpg://daye@db/{self.name}"}
        return self.settings(**{**values, **self.secrets(), **overrides})


SERVICES = [
    Service(indicator_api.config.Settings, "INDICATOR_", "indicator", lambda: {"signing_key": _pem()}),
    Service(matching_api.config.Settings, "MATCHING_", "matching", lambda: {"service_api_key": "dk_abcd_x"}),
    Service(funding_api.config.Settings, "FUNDING_", "funding", lambda: {"service_api_key": "dk_efgh_y"}),
]
PEERS = [s for s in SERVICES if s.name != "indicator"]
each_service = pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)


@each_service
def test_production_with_real_secrets_starts(service: Service) -> None:
    assert service.production().production_problems() == []


@each_service
@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [({"demo": True}, "demo mode"), ({"database_url": ""}, "DATABASE_URL")],
    ids=["demo", "sqlite"],
)
def test_production_refuses_development_defaults(
    service: Service, overrides: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValidationError, match=complaint):
        service.production(**overrides)


@pytest.mark.parametrize("service", PEERS, ids=lambda s: s.name)
def test_production_refuses_the_development_service_key(service: Service) -> None:
    default = service.settings.model_fields["service_api_key"].default
    with pytest.raises(ValidationError, match="SERVICE_API_KEY is the development default"):
        service.production(service_api_key=default)


@each_service
def test_settings_come_from_the_services_own_variables(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{service.prefix}PORT", "9100")
    monkeypatch.setenv(f"{service.prefix}INDICATOR_URL", "http://indicator.internal:8001")
    monkeypatch.setenv(f"{service.prefix}CITY_CODE", "420200")
    other = next(s for s in SERVICES if s is not service)
    monkeypatch.setenv(f"{other.prefix}PORT", "9200")  # another service's variable is not read
    settings = service.settings()
    assert (settings.port, settings.indicator_url, settings.city_code) == (
        9100,
        "http://indicator.internal:8001",
        "420200",
    )
    assert settings.database_url == f"sqlite+aiosqlite:///var/{service.name}.db"


@each_service
def test_a_duty_schedule_comes_from_the_environment_and_bad_cron_stops_the_start(
    service: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        f"{service.prefix}DUTY_SCHEDULES",
        '{"purge-idempotency-keys": {"schedule": "* * * * *", "grace_seconds": 45}}',
    )
    settings = service.settings()
    schedule = settings.duty_schedules["purge-idempotency-keys"]
    assert (schedule.schedule, schedule.grace_seconds) == ("* * * * *", 45)
    monkeypatch.setenv(
        f"{service.prefix}DUTY_SCHEDULES", '{"purge-idempotency-keys": {"schedule": "hourly"}}'
    )
    with pytest.raises(ValidationError, match=r"duty_schedules\.purge-idempotency-keys\.schedule"):
        service.settings()


@each_service
def test_the_audit_trail_is_kept_at_least_180_days(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    assert service.settings().audit_retention_days == 365
    monkeypatch.setenv(f"{service.prefix}AUDIT_RETENTION_DAYS", "180")
    assert service.settings().audit_retention_days == 180
    monkeypatch.setenv(f"{service.prefix}AUDIT_RETENTION_DAYS", "179")
    with pytest.raises(ValidationError, match="audit_retention_days"):
        service.settings()
