"""The latest publication of each published figure, by indicator and unit."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Column
from sqlmodel import Field

from daye_kit.money import ExactDecimal
from daye_kit.timestamps import timestamp, utcnow
from indicator_api.models import Table


class FigurePublication(Table, table=True):
    """Written by the inbox with every publication applied, whether or not its value changed (an
    unchanged value adds no revision): the figure was brought up to date all the same."""

    __tablename__ = "figure_publications"

    indicator_code: str = Field(primary_key=True, foreign_key="indicators.code", max_length=64)
    region_code: str = Field(primary_key=True, foreign_key="regions.code", max_length=32)
    year: int
    month: int
    value: Decimal = Field(sa_column=Column(ExactDecimal(places=4), nullable=False))
    source: str = Field(max_length=32)
    event_id: str = Field(max_length=36)
    # When the sender computed the figure (the event's occurred_at) and when it was applied here.
    published_at: datetime = Field(sa_column=timestamp())
    received_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
