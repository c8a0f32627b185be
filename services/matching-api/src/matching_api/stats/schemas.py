"""What the statistics answer."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from matching_api.enums import DemandKind


class Counts(BaseModel):
    posted: int = Field(description="期间内发布的需求数", examples=[686])
    matched: int = Field(description="其中在期末前对接成功的需求数", examples=[392])
    match_rate: float | None = Field(description="对接率(小数),无需求时为空", examples=[0.5714])


class KindCounts(Counts):
    kind: DemandKind = Field(description="需求类型:talent 人才 / technology 技术 / finance 金融")


class RegionCounts(Counts):
    region_code: str = Field(description="报送单位代码", examples=["420281101"])


class Stats(Counts):
    start: date = Field(description="期间起(含)", examples=["2025-01-01"])
    end: date = Field(description="期间止(含)", examples=["2025-06-30"])
    region: str | None = Field(description="乡镇代码;空为全市")
    target_rate: float = Field(description="对接率目标(黄石市:≥ 80%)", examples=[0.8])
    meets_target: bool | None = Field(description="对接率是否达到目标;期间内没有需求时为空")
    matched_needed: int = Field(description="要达到目标还需对接成功的需求数", examples=[157])
    median_hours_to_first_response: float | None = Field(
        description="从发布到首次应答或对接(建立对接记录)的中位小时数", examples=[52.5]
    )
    responded: int = Field(description="有过应答或对接记录的需求数")
    by_kind: list[KindCounts] = Field(description="按需求类型的统计")
    by_region: list[RegionCounts] = Field(description="按报送单位的统计")


class PublishedValue(BaseModel):
    code: str = Field(examples=["supply_chain_demands_posted"], description="指标代码")
    region_code: str = Field(examples=["420281"], description="报送单位代码")
    year: int = Field(description="年度")
    month: int = Field(description="月份")
    value: int = Field(description="数值(件)")


class Publication(BaseModel):
    items: list[PublishedValue] = Field(description="报送的指标数值")
    total: int = Field(description="报送的数值个数")
