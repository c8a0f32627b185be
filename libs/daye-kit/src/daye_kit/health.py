"""/healthz (the process answers, no dependencies) and /readyz (database and required peers)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from daye_kit import db
from daye_kit.errors import AppError

ReadinessCheck = Callable[[FastAPI], Awaitable[None]]
CHECK_TIMEOUT_SECONDS = 3.0


class Health(BaseModel):
    status: str = Field(description="ok", examples=["ok"])


_OK = {"status": "ok"}


class CheckResult(BaseModel):
    name: str = Field(description="检查项", examples=["database"])
    ok: bool = Field(description="检查是否通过")
    detail: str | None = Field(default=None, description="失败原因")


class Readiness(BaseModel):
    status: str = Field(description="ready 或 unavailable", examples=["ready"])
    checks: list[CheckResult] = Field(description="各项就绪检查(数据库、依赖服务)的结果")


async def check_database(app: FastAPI) -> None:
    await db.ping(app.state.engine)


def check_peer(attribute: str) -> ReadinessCheck:
    """A required peer's /healthz, through the peer client kept at `app.state.<attribute>`."""

    async def check(app: FastAPI) -> None:
        await getattr(app.state, attribute).healthy()

    check.__name__ = attribute
    return check


async def _run(name: str, check: ReadinessCheck, app: FastAPI) -> CheckResult:
    try:
        await asyncio.wait_for(check(app), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return CheckResult(name=name, ok=False, detail=f"no answer within {CHECK_TIMEOUT_SECONDS}s")
    except AppError as exc:
        return CheckResult(name=name, ok=False, detail=exc.detail)
    except Exception as exc:
        return CheckResult(name=name, ok=False, detail=type(exc).__name__)
    return CheckResult(name=name, ok=True)


def add_health_routes(app: FastAPI, peer_checks: Sequence[ReadinessCheck]) -> None:
    """`/healthz` and `/readyz`, on the app itself: a route of an included router is matched through
    that router on every request (FastAPI matches it once to choose the router, then again inside),
    which a probe answered thousands of times a minute need not pay."""
    checks: list[tuple[str, ReadinessCheck]] = [("database", check_database)]
    checks += [(check.__name__, check) for check in peer_checks]

    @app.get(
        "/healthz",
        tags=["运维"],
        summary="存活检查",
        description="进程在运行即返回 ok,不检查任何依赖。",
        response_model=Health,
    )
    async def healthz() -> JSONResponse:
        # Probed every few seconds by every orchestrator: the answer is ready-made, not serialized anew.
        return JSONResponse(_OK)

    @app.get(
        "/readyz",
        tags=["运维"],
        summary="就绪检查",
        description="检查数据库与必需的上游服务;任何一项失败即返回 503。",
        responses={
            200: {"model": Readiness, "description": "就绪"},
            503: {"model": Readiness, "description": "未就绪"},
        },
    )
    async def readyz(request: Request) -> JSONResponse:
        results = await asyncio.gather(*(_run(name, check, request.app) for name, check in checks))
        ready = all(result.ok for result in results)
        body = Readiness(status="ready" if ready else "unavailable", checks=list(results))
        return JSONResponse(body.model_dump(mode="json"), status_code=200 if ready else 503)
