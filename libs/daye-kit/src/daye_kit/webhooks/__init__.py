"""Signed webhooks (Standard Webhooks) over each service's change feed (issue 16, item 3).

A subscriber registers `{url, event_types}` at `POST /api/v1/webhooks` (the bureau or a service
account) and gets its secret once. Every event of the feed (`daye_kit.feed`) of a subscribed type
that occurs after the registration is posted to the URL, signed, until a 2xx answers it:

    webhook-id: <the feed event's id, the same on every attempt>
    webhook-timestamp: <the attempt's Unix time>
    webhook-signature: v1,<base64 HMAC-SHA256>        (two, space-separated, for 24 h after a rotation)
    {"type": "demand.posted", "timestamp": "<when it occurred>",
     "data": {"event_id": "...", "subject": "demand:12", "object": <the feed event's data>}}

A receiver verifies with any Standard Webhooks library (`standardwebhooks.Webhook(secret).verify`)
and keeps the `webhook-id`s it has applied: delivery is at least once, and order is not promised.

- Tables: `webhook_tables(metadata)` (endpoints, deliveries, the fan-out's feed position), in each
  service's metadata and migration like the outbox's.
- Loops (from the app's lifespan, `<PREFIX>WEBHOOK_DISPATCH`): `fan_out` follows the feed and writes
  a delivery per (active subscribed endpoint, event); `send_due` posts due deliveries. Both are safe
  with any number of replicas (see `delivery`).
- Paused endpoints: events that occur while paused are skipped, not queued ("a paused subscription
  gets nothing"); deliveries already queued wait and go on after a resume.
- SSRF: `UrlPolicy` (see `models`), at registration and before each attempt.
- The delivery log is kept 30 days (`prune-webhook-deliveries`), the window of redelivery.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI

from daye_kit.feed import EventType
from daye_kit.notifications import Notifications
from daye_kit.webhooks.delivery import (
    PRUNE_WEBHOOK_DELIVERIES,
    RETRY_SCHEDULE,
    Sender,
    delivery_body,
    fan_out,
    parse_retry_after,
    prune_deliveries,
    retry_delay,
    run_loop,
    send_due,
    sign,
)
from daye_kit.webhooks.models import (
    DELIVERIES,
    ENDPOINTS,
    FANOUT,
    UrlPolicy,
    new_secret,
    webhook_tables,
)
from daye_kit.webhooks.router import webhooks_router

__all__ = [
    "DELIVERIES",
    "ENDPOINTS",
    "FANOUT",
    "PRUNE_WEBHOOK_DELIVERIES",
    "RETRY_SCHEDULE",
    "Sender",
    "UrlPolicy",
    "Webhooks",
    "delivery_body",
    "fan_out",
    "new_secret",
    "parse_retry_after",
    "prune_deliveries",
    "retry_delay",
    "run_loop",
    "send_due",
    "sign",
    "webhook_tables",
    "webhooks_router",
]


@dataclass(frozen=True)
class Webhooks:
    """A service's webhooks: its feed's catalogue (what may be subscribed to), who manages them
    (a role requirement from its `access.py`) and its notifications (owners of disabled endpoints
    are told there)."""

    catalogue: Sequence[EventType]
    manager: Any
    notifications: Notifications | None = None

    def router(self) -> APIRouter:
        return webhooks_router(self.catalogue, manager=self.manager)

    def passes(self, app: FastAPI) -> tuple[Callable[[], Awaitable[int]], Callable[[], Awaitable[int]]]:
        """One fan-out pass and one sending pass of this app (tests drive them directly)."""
        settings = app.state.settings
        names = [kind.name for kind in self.catalogue]

        async def fan_out_once() -> int:
            return await fan_out(app.state.sessionmaker, types=names)

        async def send_once() -> int:
            sender = Sender(
                client=app.state.http,
                policy=UrlPolicy.of(settings),
                schedule=settings.webhook_retry_schedule,
                timeout=settings.webhook_timeout_seconds,
                notifications=self.notifications,
            )
            return await send_due(app.state.sessionmaker, sender)

        return fan_out_once, send_once
