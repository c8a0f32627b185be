"""Recommendations: /api/v1/demands/{id}/recommendations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from daye_kit.auth import CurrentPrincipal
from daye_kit.db import SessionDep
from daye_kit.errors import InvalidInput, problem_responses
from daye_kit.ids import RowId
from matching_api.demands.service import load_demand
from matching_api.deps import SettingsDep, SupplyIndexDep
from matching_api.engine import service
from matching_api.engine.schemas import Recommendations

router = APIRouter(prefix="/api/v1", tags=["匹配引擎"])


@router.get(
    "/demands/{demand_id}/recommendations",
    summary="为需求推荐供给",
    description="按可服务该类需求的供给排序(人才→专家;技术→技术成果与专家;金融→金融产品)。硬性条件"
    "(金融产品额度与准入资质、融资方式、专家名额已满)直接排除;其余因素(文本相关度 BM25、领域与产业吻合、"
    "金额、资质、地域、专家余量)按服务设置的权重加权,每项推荐给出总分与逐因素说明及匹配词。"
    "已与该需求建立对接记录的供给不再推荐。",
    responses=problem_responses(401, 404, 422, codes={404: ["demand_not_found"]}),
)
async def recommend_supplies(
    demand_id: Annotated[RowId, Path(description="需求编号")],
    principal: CurrentPrincipal,
    session: SessionDep,
    index: SupplyIndexDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, description="返回条数,上限见 MATCHING_MAX_RECOMMENDATIONS")] = 10,
) -> Recommendations:
    if limit > settings.max_recommendations:
        raise InvalidInput.field(
            "query.limit", "less_than_equal", f"limit may be at most {settings.max_recommendations}"
        )
    demand = await load_demand(session, demand_id, principal)
    return await service.recommend(session, index=index, settings=settings, demand=demand, limit=limit)
