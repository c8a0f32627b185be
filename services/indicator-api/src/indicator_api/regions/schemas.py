from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class RegionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(description="报送单位代码", examples=["420281101"])
    name: str = Field(description="名称", examples=["金牛镇"])
    kind: str = Field(description="类别:市、街道、镇、乡、园区", examples=["镇"])
    parent_code: str | None = Field(description="上级单位代码", examples=["420281"])
