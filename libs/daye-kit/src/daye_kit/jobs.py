"""`/api/v1/jobs`: a service's scheduled duties, their last run and next run; an admin runs one now.

Each service includes `jobs_router(...)` with the role requirements of its own `access.py`."""

# No `from __future__ import annotations`: the routes annotate with aliases local to `jobs_router`,
# which FastAPI could not resolve from strings.

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Response, status
from pydantic import BaseModel, Field

from daye_kit.app import from_state
from daye_kit.audit.capture import AuditDep
from daye_kit.auth import Principal
from daye_kit.db import SessionDep
from daye_kit.duties import DutyRunner, Outcome, Trigger
from daye_kit.errors import NotFound, ServiceUnavailable, problem_responses
from daye_kit.idempotency import REPLAYED_HEADER
from daye_kit.timestamps import LOCAL_TZ

RunnerDep = Annotated[DutyRunner, Depends(from_state("duty_runner"))]
RoleCheck = Callable[..., Awaitable[Principal]]


class JobRun(BaseModel):
    """One occurrence of a duty as it was recorded."""

    occurrence: str = Field(
        description="执行批次:计划时间(UTC,ISO 8601)或 `manual:…`(手动执行);每个批次只执行一次",
        examples=["2026-11-30T17:00:00+00:00"],
    )
    trigger: Trigger = Field(description="schedule 按计划 / manual 手动")
    scheduled_for: datetime | None = Field(description="计划时间;手动执行为空")
    outcome: Outcome = Field(description="ok 成功 / failed 失败 / skipped 跳过 / running 执行中")
    attempts: int = Field(description="已尝试次数(失败的计划批次在宽限期内会重试)")
    summary: dict[str, Any] = Field(description="执行结果摘要", examples=[{"closed_demands": 3}])
    error: str | None = Field(description="失败原因")
    started_at: datetime = Field(description="开始时间")
    finished_at: datetime | None = Field(description="结束时间;仍在运行时为空")
    runner: str = Field(description="执行该批次的实例(主机:进程号)")
    requested_by: str | None = Field(description="手动执行的账号")


class Job(BaseModel):
    """A duty the service runs on its own."""

    name: str = Field(description="任务名", examples=["close-expired-demands"])
    description: str = Field(description="做什么")
    schedule: str = Field(description="cron 表达式(五段),按 `timezone` 解读", examples=["0 1 * * *"])
    timezone: str = Field(description="时区", examples=["Asia/Shanghai"])
    grace_seconds: int = Field(description="宽限期(秒):停机期间错过的最近一个批次在此期限内补执行一次")
    next_run_at: datetime = Field(description="下一个计划批次")
    last_run: JobRun | None = Field(description="最近一次执行")


class JobList(BaseModel):
    items: list[Job] = Field(description="本服务声明的定时任务")
    total: int = Field(description="定时任务个数")


def _run(row: dict[str, Any]) -> JobRun:
    return JobRun.model_validate(row)


def jobs_router(*, readers: RoleCheck, runners: RoleCheck) -> APIRouter:
    """The routes, with who may read the duties and who may run one now."""
    router = APIRouter(prefix="/api/v1/jobs", tags=["定时任务"])
    Reader = Annotated[Principal, Depends(readers)]
    Runner = Annotated[Principal, Depends(runners)]
    DutyName = Annotated[str, Path(max_length=64, description="任务名")]

    @router.get(
        "",
        summary="定时任务列表",
        description="本服务自行按计划执行的任务:计划(cron,大冶时间)、宽限期、最近一次执行(时间、结果、摘要)"
        "与下一次计划时间。无论部署多少副本,每个计划批次只执行一次;停机期间错过的最近一个批次在宽限期内补执行一次。",
        responses=problem_responses(401, 403),
    )
    async def list_jobs(_: Reader, session: SessionDep, runner: RunnerDep) -> JobList:
        latest = await runner.latest_runs(session)
        now = runner.clock()
        items = [
            Job(
                name=duty.name,
                description=duty.description,
                schedule=duty.schedule,
                timezone=str(LOCAL_TZ),
                grace_seconds=int(duty.grace.total_seconds()),
                next_run_at=duty.following(now),
                last_run=_run(latest[duty.name]) if duty.name in latest else None,
            )
            for duty in runner.duties
        ]
        return JobList(items=items, total=len(items))

    @router.post(
        "/{name}/runs",
        status_code=status.HTTP_201_CREATED,
        summary="立即执行定时任务",
        description="仅科技局管理员。立即执行一次该任务,记为手动批次,返回执行结果"
        "(失败时 `outcome: failed` 并附原因,而非错误响应)。"
        "带 `Idempotency-Key` 时同一账号同一键为同一批次:重试返回该批次的记录(200,"
        "`Idempotent-Replayed: true`),不会再执行。",
        responses={
            200: {"description": "该批次已执行过,返回其记录"},
            **problem_responses(401, 403, 404, codes={404: ["duty_not_found"], 503: ["duty_not_recorded"]}),
        },
    )
    async def run_job(
        name: DutyName,
        principal: Runner,
        session: SessionDep,
        runner: RunnerDep,
        response: Response,
        audit: AuditDep,
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key",
                min_length=1,
                max_length=255,
                pattern=r"^[\x21-\x7e]+$",
                description="可选。同一账号同一键只执行一次",
            ),
        ] = None,
    ) -> JobRun:
        if name not in runner.by_name:
            raise NotFound(f"there is no duty named {name!r}", code="duty_not_found")
        occurrence = None
        if idempotency_key is not None:
            occurrence = hashlib.sha256(f"{principal.username}\n{idempotency_key}".encode()).hexdigest()[:40]
        # The request's session is closed before the duty runs in its own transaction (on SQLite a
        # second writer would wait for this one).
        await session.close()
        run = await runner.run_now(name, requested_by=principal.username, occurrence=occurrence)
        if run is None and occurrence is not None:
            recorded = await runner.read_run(session, name, f"manual:{occurrence}")
            if recorded is not None:
                response.status_code = status.HTTP_200_OK
                response.headers[REPLAYED_HEADER] = "true"
                audit.answered(status.HTTP_200_OK)
                return _run(recorded)
        if run is None:
            raise ServiceUnavailable(
                f"duty {name} could not be recorded; try again", code="duty_not_recorded"
            )
        return _run(run)

    return router
