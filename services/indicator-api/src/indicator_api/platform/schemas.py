from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field


class PlatformFacts(BaseModel):
    """What every screen needs to know before it asks anything else: whose platform this is and
    which period it opens at."""

    city_code: str = Field(description="本平台服务的城市(行政区划代码)", examples=["420281"])
    city_name: str = Field(description="城市名称", examples=["大冶市"])
    today: date = Field(description="大冶当地的今天(北京时间)", examples=["2025-10-01"])
    as_of: date = Field(description="页面默认的截至日期:设定的报告日,未设定时为今天", examples=["2025-09-30"])
    year: int = Field(description="页面默认的年度(截至日期所在年)", examples=[2025])
