"""How a dashboard figure says when it was last brought up to date."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class PublicationStamp(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    source: str = Field(description="报送的服务", examples=["funding-api"])
    year: int = Field(description="年度")
    month: int = Field(description="最近一次报送的数值所属月份")
    published_at: datetime = Field(description="报送方计算该数值的时间(最近一次更新)")
    received_at: datetime = Field(description="本服务应用该报送的时间")
