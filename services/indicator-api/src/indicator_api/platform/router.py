"""Facts about the platform the front end reads instead of copying them: the city and the period."""

from __future__ import annotations

from fastapi import APIRouter

from daye_kit.db import SessionDep
from daye_kit.timestamps import local_today
from indicator_api.deps import SettingsDep
from indicator_api.platform.schemas import PlatformFacts
from indicator_api.regions.service import get_region

router = APIRouter(prefix="/api/v1", tags=["报送单位"])


@router.get(
    "/platform",
    summary="平台基本信息",
    description="本平台服务的城市、大冶当地的今天,以及页面默认的年度与截至日期。公开数据,无需认证。",
)
async def read_platform(session: SessionDep, settings: SettingsDep) -> PlatformFacts:
    city = await get_region(session, settings.city_code)
    today = local_today()
    as_of = settings.reporting_as_of or today
    return PlatformFacts(city_code=city.code, city_name=city.name, today=today, as_of=as_of, year=as_of.year)
