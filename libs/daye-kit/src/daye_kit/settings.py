"""Settings base every service extends: environment, database, demo switch, peers, logging.

Each service subclasses `ServiceSettings` with its own env prefix (`INDICATOR_`, `MATCHING_`,
`FUNDING_`) and lists the secrets that must not keep their development defaults in production.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal, Self

from limits import parse
from pydantic import AfterValidator, BeforeValidator, Field, IPvAnyNetwork, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from daye_kit.duties import DutySchedule

Environment = Literal["development", "test", "production"]

# Development-only API keys the two peer services use to obtain service tokens from indicator-api.
# indicator-api's demo mode creates the matching service accounts; production refuses these values.
DEV_SERVICE_API_KEYS: dict[str, str] = {
    "matching-api": "dk_devmatch_matching-service-development-key-0001",
    "funding-api": "dk_devfund_funding-service-development-key-00001",
}


def _check_rate(value: str | None) -> str | None:
    if value is not None:
        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a rate such as '600/minute': {exc}") from exc
    return value


RateLimit = Annotated[
    str | None, BeforeValidator(lambda value: None if value == "" else value), AfterValidator(_check_rate)
]
"""A rate in the `limits` notation (`600/minute`, `5 per 15 minutes`); empty switches it off, a typo
stops the start."""


class InsecureSettings(ValueError):
    """Raised when a production start would use a development default."""


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", validate_default=True)

    service_name: ClassVar[str] = "service"
    environment: Environment = Field(default="development", description="development | test | production")
    database_url: str = Field(default="", description="SQLAlchemy async URL; SQLite file under var/ if empty")
    database_pool_size: int = Field(
        default=10,
        ge=1,
        le=200,
        description="PostgreSQL connections a process keeps at most. They open as load asks and stay open: "
        "requests beyond it wait for one rather than open and close a connection each",
    )
    migrate_on_start: bool = Field(default=True, description="Run `alembic upgrade head` in the lifespan")
    demo: bool = Field(
        default=False, description="Load the demo data set and demo accounts on an empty database"
    )
    city_code: str = Field(
        default="420281",
        pattern=r"^\d{6}$",
        description="The administrative division code (GB/T 2260) of the city the platform serves",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = Field(
        default="", description="Base URL this service is reached at; http://host:port if empty"
    )
    indicator_url: str = Field(
        default="http://127.0.0.1:8001", description="indicator-api base URL (tokens, JWKS, registry)"
    )
    peer_timeout_seconds: float = Field(default=5.0, gt=0, le=60)
    peer_retries: int = Field(default=2, ge=0, le=5)
    log_level: str = "INFO"
    log_format: Literal["json", "console"] = "json"
    cors_origins: list[str] = Field(
        default_factory=lambda: [
            "http://127.0.0.1:5173",
            "http://localhost:5173",
            "http://127.0.0.1:8001",
            "http://127.0.0.1:8002",
            "http://127.0.0.1:8003",
            "http://localhost:8001",
            "http://localhost:8002",
            "http://localhost:8003",
        ]
    )
    event_retention_days: int = Field(
        default=90, ge=1, le=3650, description="How long the change feed (`/api/v1/events`) keeps events"
    )
    audit_retention_days: int = Field(
        default=365,
        ge=180,
        le=36_500,
        description="How long the audit trail (`/api/v1/audit`) keeps its rows (days, at least 180)",
    )
    max_page_size: int = Field(default=200, ge=1, le=10_000)
    max_body_bytes: int = Field(
        default=32 * 1024 * 1024,
        ge=1024,
        description="Largest request body accepted (bytes); larger ones get 413 before the body is read. "
        "The default holds a bulk request of the largest size the APIs take (50,000 rows).",
    )
    write_rate_limit: RateLimit = Field(
        default="600/minute",
        description="Writes (POST/PUT/PATCH/DELETE) admitted per account and per API key, in the `limits` "
        "notation (`600/minute`, `20 per 10 seconds`); empty disables. Service accounts are exempt.",
    )
    idempotency_retention_hours: int = Field(
        default=72,
        ge=72,
        description="How long an Idempotency-Key and its first answer are kept (hours, at least 72)",
    )
    idempotency_wait_seconds: float = Field(
        default=30.0,
        gt=0,
        le=120,
        description="How long a retry waits for the first request with its Idempotency-Key before a 409 "
        "`idempotency_key_in_use` (PostgreSQL; SQLite writers wait for each other anyway)",
    )
    outbox_dispatch: bool = Field(
        default=True, description="Deliver outbox events in the background (tests turn it off and drive it)"
    )
    outbox_poll_seconds: float = Field(default=1.0, gt=0, le=60, description="Idle wait between passes")
    outbox_max_attempts: int = Field(default=10, ge=1, le=100, description="Attempts before an event is dead")
    outbox_backoff_seconds: float = Field(default=1.0, gt=0, description="Wait after the first failure")
    outbox_backoff_max_seconds: float = Field(
        default=600.0, gt=0, description="Longest wait between attempts"
    )
    outbox_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        description="How long a dispatcher holds the events it claimed: a crashed dispatcher's events are "
        "delivered by another (or by it after a restart) once it runs out. Longer than a pass takes.",
    )
    webhook_dispatch: bool = Field(
        default=True, description="Fan the feed out to webhooks and send them in the background"
    )
    webhook_poll_seconds: float = Field(default=1.0, gt=0, le=60, description="Idle wait between passes")
    webhook_timeout_seconds: float = Field(
        default=10.0, gt=0, le=60, description="How long one delivery attempt may take before it has failed"
    )
    webhook_retry_schedule: list[Annotated[float, Field(ge=0, le=86400)]] = Field(
        default_factory=lambda: [
            0.0,
            5.0,
            300.0,
            1800.0,
            7200.0,
            18000.0,
            36000.0,
            50400.0,
            72000.0,
            86400.0,
        ],
        min_length=1,
        max_length=30,
        description="Seconds to wait before each attempt of a delivery (jittered ±10%), as JSON; the "
        "first is the wait before the first attempt. Past the last the delivery has failed",
    )
    webhook_allowed_networks: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="CIDR ranges webhooks may be sent to although they are loopback, private, link-local, "
        'multicast or reserved, as JSON (`["10.20.0.0/16"]`)',
    )
    run_duties: bool | None = Field(
        default=None,
        description="Run the service's scheduled duties in this process (`false` leaves them to other "
        "replicas or to manual runs); unset: yes, except with ENVIRONMENT=test",
    )
    duty_tick_seconds: float = Field(
        default=30.0, gt=0, le=3600, description="How often the duty runner looks for a due occurrence"
    )
    duty_schedules: dict[str, DutySchedule] = Field(
        default_factory=dict,
        description="Schedules set by the deployment in place of the declared ones, by duty name, as JSON: "
        '`{"publish-match-stats": {"schedule": "*/5 * * * *", "grace_seconds": 120}}` (grace optional). '
        "A name that is not one of the service's duties stops the start.",
    )
    revocation_refresh_seconds: float = Field(
        default=30.0,
        gt=0,
        le=30,
        description="How often the revoked tokens and sessions are fetched again (indicator-api's "
        "`/api/v1/auth/revocations`; indicator-api itself reads its database): a disabled account's or "
        "an ended session's tokens stop working everywhere within this",
    )
    require_second_factor: bool = Field(
        default=False,
        description="Account administration and the audit trail only for tokens issued with a second factor "
        "(TOTP) when the caller's role is one of SECOND_FACTOR_ROLES (403 "
        "`second_factor_enrolment_required`). 等保 level 3: production turns it on",
    )
    second_factor_roles: list[str] = Field(
        default_factory=lambda: ["security_admin", "auditor", "admin"],
        description="Roles that need a second factor when REQUIRE_SECOND_FACTOR is on, as JSON",
    )
    rate_limit_storage: str = Field(
        default="async+memory://",
        description="Where rate-limit counters live (`limits` storage URL). Memory counts per process, so "
        "N replicas admit N times the limit; a shared store such as `async+redis://…` counts once.",
    )

    @property
    def runs_duties(self) -> bool:
        return self.environment != "test" if self.run_duties is None else self.run_duties

    def default_database_url(self) -> str:
        return f"sqlite+aiosqlite:///var/{self.service_name}.db"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def production_problems(self) -> list[str]:
        """What would be unsafe in production. Subclasses add their own secrets."""
        problems = []
        if self.demo:
            problems.append("demo mode creates accounts with a known password; unset the DEMO switch")
        if self.database_url.startswith("sqlite") or not self.database_url:
            problems.append("DATABASE_URL must name a PostgreSQL server (postgresql+asyncpg://…)")
        return problems

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Self:
        if not self.database_url:
            self.database_url = self.default_database_url()
        if self.environment == "production":
            problems = self.production_problems()
            if problems:
                raise InsecureSettings("refusing to start in production: " + "; ".join(problems))
        return self


class PeerServiceSettings(ServiceSettings):
    """Settings of a service that calls indicator-api with a service account."""

    # Subclasses give the default from DEV_SERVICE_API_KEYS; production refuses it.
    service_api_key: str = Field(description="API key of this service's `service` account")

    def production_problems(self) -> list[str]:
        problems = super().production_problems()
        if not self.service_api_key or self.service_api_key in DEV_SERVICE_API_KEYS.values():
            problems.append("SERVICE_API_KEY is the development default; issue a key for this service")
        return problems
