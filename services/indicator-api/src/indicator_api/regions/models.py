"""Reporting units: the city, its townships, and (for a province) the levels above."""

from __future__ import annotations

from sqlmodel import Field

from indicator_api.models import Table


class Region(Table, table=True):
    __tablename__ = "regions"

    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=64)
    kind: str = Field(max_length=16, description="省, 市, 县, 街道, 镇, 乡, 园区")
    parent_code: str | None = Field(default=None, foreign_key="regions.code", max_length=32, index=True)
