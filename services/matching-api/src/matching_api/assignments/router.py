"""Expert assignment: /api/v1/assignments."""

from __future__ import annotations

from fastapi import APIRouter

from daye_kit.db import SessionDep
from daye_kit.errors import problem_responses
from matching_api.access import BureauPrincipal
from matching_api.assignments import service
from matching_api.assignments.schemas import Assignment, AssignmentRequest
from matching_api.deps import SettingsDep, SupplyIndexDep

router = APIRouter(prefix="/api/v1/assignments", tags=["专家分派"])


@router.post(
    "",
    summary="专家企业行分派",
    description="仅科技局。为一次走访活动把专家分派给企业需求:每项需求至多一位专家,每位专家不超过其名额"
    "(一对一时名额为 1),使全部组合的匹配总分最大(匈牙利算法,`scipy.optimize.linear_sum_assignment`,"
    "专家按名额展开)。每个组合给出评分、逐因素说明,以及未分到首选专家时的原因。只计算、不写入。",
    responses=problem_responses(401, 403, 422),
)
async def assign_experts(
    body: AssignmentRequest,
    _: BureauPrincipal,
    session: SessionDep,
    index: SupplyIndexDep,
    settings: SettingsDep,
) -> Assignment:
    return await service.assign(session, data=body, index=index, settings=settings)
