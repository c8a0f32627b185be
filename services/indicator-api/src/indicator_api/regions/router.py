from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from daye_kit.db import SessionDep
from daye_kit.pagination import Page
from indicator_api.regions import service
from indicator_api.regions.schemas import RegionPublic

router = APIRouter(prefix="/api/v1", tags=["报送单位"])


@router.get(
    "/regions",
    summary="报送单位列表",
    description="大冶市及其 17 个报送单位(5 个街道、10 个镇、1 个乡、大冶湖高新区)。公开数据,无需认证。",
)
async def list_regions(
    session: SessionDep,
    parent_code: Annotated[str | None, Query(description="只列此单位的下级")] = None,
) -> Page[RegionPublic]:
    regions = await service.list_regions(session, parent_code=parent_code)
    return Page(items=[RegionPublic.model_validate(r) for r in regions], total=len(regions))
