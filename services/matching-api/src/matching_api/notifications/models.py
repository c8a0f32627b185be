"""Notifications, addressed to an audience: one account, one enterprise, or the bureau."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field

from daye_kit.timestamps import timestamp, utcnow
from matching_api.models import Table


class Notification(Table, table=True):
    __tablename__ = "notifications"

    id: int | None = Field(default=None, primary_key=True)
    # `user:<username>`, `enterprise:<credit code>` or `bureau` (read by every admin).
    audience: str = Field(max_length=96, index=True)
    kind: str = Field(max_length=32)
    title: str = Field(max_length=200)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    demand_id: int | None = Field(default=None)
    supply_id: int | None = Field(default=None)
    match_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    read_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
