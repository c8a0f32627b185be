"""The webhooks' tables (the same in every service), their secrets, and the rule on where a
subscriber's URL may point."""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import secrets
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from daye_kit.db import NAMING_CONVENTION
from daye_kit.timestamps import UtcDateTime

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # Standard Webhooks: 24 to 64 random bytes
URL_CHARS = 2048
RESOLVE_SECONDS = 5.0  # a name that takes longer does not resolve, for this rule

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def endpoints_table(metadata: MetaData) -> Table:
    return Table(
        "webhook_endpoints",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("url", String(URL_CHARS), nullable=False),
        # The feed's event types the subscriber chose (a JSON list of names).
        Column("event_types", JSON, nullable=False),
        # The account that registered it: it manages it and is told when it is disabled.
        Column("owner", String(64), nullable=False, index=True),
        # Stored as is: every delivery is signed with it (it is shown once, at registration).
        Column("secret", String(128), nullable=False),
        # After a rotation the old secret signs too, until `previous_secret_until`.
        Column("previous_secret", String(128), nullable=True),
        Column("previous_secret_until", UtcDateTime(), nullable=True),
        Column("state", String(16), nullable=False),
        Column("disabled_reason", Text, nullable=True),
        # Since when every attempt has failed (None after a success): five days of it disable.
        Column("failing_since", UtcDateTime(), nullable=True),
        # Events that occur from this moment on are delivered: the registration, or the last resume
        # (what occurred while paused or disabled is skipped, however late the fan-out reads it).
        Column("receives_from", UtcDateTime(), nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
        CheckConstraint("state IN ('active', 'paused', 'disabled')", name="state"),
    )


def deliveries_table(metadata: MetaData) -> Table:
    return Table(
        "webhook_deliveries",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("endpoint_id", Integer, ForeignKey("webhook_endpoints.id"), nullable=False),
        # The feed event's id: the `webhook-id` header, the same on every attempt.
        Column("event_id", String(36), nullable=False),
        Column("event_type", String(64), nullable=False),
        # The body as it is sent (`{type, timestamp, data}`), so a retry sends the same bytes.
        Column("payload", JSON, nullable=False),
        Column("state", String(16), nullable=False),
        Column("attempts", Integer, nullable=False, default=0),
        Column("next_attempt_at", UtcDateTime(), nullable=False),
        Column("claimed_until", UtcDateTime(), nullable=True),
        Column("response_status", Integer, nullable=True),
        Column("last_error", Text, nullable=True),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("last_attempt_at", UtcDateTime(), nullable=True),
        Column("delivered_at", UtcDateTime(), nullable=True),
        # One delivery per endpoint and event, whichever replica fans the event out.
        UniqueConstraint("endpoint_id", "event_id"),
        Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
        CheckConstraint("state IN ('pending', 'succeeded', 'failed')", name="state"),
    )


def fanout_table(metadata: MetaData) -> Table:
    """Where the fan-out has read the feed to: one row, the position of the last event read."""
    return Table(
        "webhook_fanout",
        metadata,
        Column("name", String(32), primary_key=True),
        Column("position", BigInteger, nullable=False),
        Column("updated_at", UtcDateTime(), nullable=False),
    )


def webhook_tables(metadata: MetaData) -> tuple[Table, Table, Table]:
    """The three tables in a service's metadata (and its migration)."""
    return endpoints_table(metadata), deliveries_table(metadata), fanout_table(metadata)


_METADATA = MetaData(naming_convention=NAMING_CONVENTION)
ENDPOINTS, DELIVERIES, FANOUT = webhook_tables(_METADATA)


def new_secret() -> str:
    """`whsec_` and the base64 of 32 random bytes (Standard Webhooks)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


# -- where a subscriber may point ----------------------------------------------------------------


@dataclass(frozen=True)
class UrlPolicy:
    """A webhook is a request this service makes on a stranger's behalf: without this rule a
    subscriber could point it at the database, the cloud's metadata service or an admin port
    (SSRF). Loopback, private, link-local, multicast, reserved and unspecified addresses are
    refused unless `allowed` lists them; loopback is allowed in demo mode and in tests, where the
    receivers run beside the service. Checked at registration and again before each attempt,
    since a name may resolve elsewhere by then. (Between that check and httpx's own lookup a name
    could still change; the window is a DNS TTL, and the check is what this layer can do.)"""

    allowed: tuple[Network, ...] = ()
    allow_loopback: bool = False

    @classmethod
    def of(cls, settings: Any) -> UrlPolicy:
        return cls(
            allowed=tuple(settings.webhook_allowed_networks),
            allow_loopback=bool(settings.demo or settings.environment == "test"),
        )

    def refusal_of(self, address: Address) -> str | None:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if any(address in network for network in self.allowed):
            return None
        if address.is_loopback:
            return None if self.allow_loopback else f"{address} is a loopback address"
        for kind in ("private", "link_local", "multicast", "reserved", "unspecified"):
            if getattr(address, f"is_{kind}"):
                return f"{address} is a {kind.replace('_', '-')} address"
        return None

    async def refusal(self, url: str) -> str | None:
        """Why this URL may not receive webhooks, or None."""
        try:
            parts = urlsplit(url)
        except ValueError:  # an unbalanced IPv6 bracket, say
            return "not a URL"
        if parts.scheme not in ("http", "https"):
            return "only http and https URLs receive webhooks"
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            return "the URL's port is not a number"
        if not host:
            return "the URL names no host"
        if parts.username or parts.password:
            return "the URL may not carry credentials"
        addresses = await _resolve(host, port or (443 if parts.scheme == "https" else 80))
        if not addresses:
            return f"{host} does not resolve"
        for address in addresses:
            reason = self.refusal_of(address)
            if reason:
                return reason
        return None


async def _resolve(host: str, port: int) -> list[Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM), RESOLVE_SECONDS
        )
    except (OSError, UnicodeError, ValueError, TimeoutError):
        return []
    return list(_addresses(str(info[4][0]) for info in infos))


def _addresses(texts: Iterable[str]) -> Iterable[Address]:
    for text in dict.fromkeys(texts):
        yield ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone is not part of the address
