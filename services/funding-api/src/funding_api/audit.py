"""Who did a write, under which request id."""

from __future__ import annotations

from dataclasses import dataclass

from asgi_correlation_id import correlation_id

from daye_kit.auth import Principal


@dataclass(frozen=True)
class Actor:
    """The person or service behind a write, recorded on every row it makes."""

    username: str
    request_id: str | None = None

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(username=principal.username, request_id=correlation_id.get())
