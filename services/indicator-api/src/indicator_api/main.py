"""indicator-api: indicators, targets and progress, the enterprise registry, cultivation, reports,
and identity for the whole platform."""

from __future__ import annotations

from pathlib import Path

import structlog
from fastapi import FastAPI

from daye_kit import idempotency
from daye_kit.app import HttpClientFactory, ServiceSpec, build_app, default_http_client
from daye_kit.db import lock_exclusively
from daye_kit.feed import feed_router
from daye_kit.jobs import jobs_router
from daye_kit.outbox import inbox_router, outbox_router
from daye_kit.webhooks import Webhooks
from indicator_api.access import (
    DATASETS,
    EVENT_SENDER,
    FEED_READER,
    JOB_READERS,
    JOB_RUNNERS,
    OUTBOX_OPERATOR,
    OUTBOX_READER,
    WEBHOOK_MANAGERS,
)
from indicator_api.config import Settings
from indicator_api.cultivation import router as cultivation
from indicator_api.duties import DUTIES
from indicator_api.enterprises.router import qualifications as qualification_router
from indicator_api.enterprises.router import router as enterprise_router
from indicator_api.events import CATALOGUE
from indicator_api.identity.keys import load_signing_key
from indicator_api.identity.router import router as identity_router
from indicator_api.identity.service import (
    LocalAuthenticator,
    ensure_admin,
    ensure_security_admin,
    ensure_service_accounts,
    revocation_horizon,
)
from indicator_api.indicators import events as value_events
from indicator_api.indicators import router as indicators
from indicator_api.notifications import NOTIFICATIONS
from indicator_api.notifications import router as notification_router
from indicator_api.peers import connect_peers
from indicator_api.periods.router import router as period_router
from indicator_api.platform.router import router as platform_router
from indicator_api.policies.router import router as policy_router
from indicator_api.prospects.router import router as prospect_router
from indicator_api.regions.router import router as region_router
from indicator_api.reporting.router import router as reporting_router
from indicator_api.reports.router import router as report_router
from indicator_api.tech_contracts import events as contract_events
from indicator_api.tech_contracts.router import router as tech_contract_router

log = structlog.get_logger("indicator_api")
MIGRATIONS = Path(__file__).resolve().parents[2] / "alembic"

DESCRIPTION = """
大冶市科技创新指标服务:指标目录、目标与进度、企业库、乡镇培育候选、报告,以及全平台的身份认证。

令牌由本服务签发 (`POST /api/v1/auth/token`),其他服务用本服务公布的公钥 (`/api/v1/auth/jwks`) 验证。
错误一律以 `application/problem+json` 返回。
"""

TAGS = [
    {"name": "身份认证", "description": "登录、令牌、公钥、API Key 与账号"},
    {"name": "报送单位", "description": "大冶市及其街道、镇、乡和园区"},
    {"name": "指标", "description": "指标目录、数值(保留全部修订)、年度目标、进度与总览、技术合同"},
    {"name": "企业培育", "description": "乡镇培育候选企业、按国家规则预审、五库流程、年度任务与进度排名"},
    {"name": "报告", "description": "由实时数据写成的季度报告"},
    {"name": "报送", "description": "报送任务与免报、报送率与及时率、逾期未报、须经审核的报送(采纳或退回)"},
    {
        "name": "关账",
        "description": "季度与月份关账:关账后拒绝改变其数字的写入;重新打开须写明理由,7 天后自动再关账;"
        "季度首次关账时发布季度报告",
    },
    {"name": "导出", "description": "Excel 下载:指标总览、乡镇培育进度、培育候选企业"},
    {"name": "导入", "description": "Excel 模板与上传(全部成功或全部不写入,逐格指出错误)"},
    {"name": "企业库", "description": "企业登记信息与资质(科技型中小企业、高新技术企业、新物种)"},
    {"name": "定时任务", "description": "本服务按计划自行执行的任务:月末乡镇滞后提醒、逾期未报提醒"},
    {"name": "通知", "description": "站内通知:月末滞后于时间进度的乡镇提醒、逾期未报提醒"},
    {
        "name": "变更订阅",
        "description": "变更事件流:企业与资质、培育候选、指标与数值、目标与任务、技术合同的每次写入,"
        "按提交顺序",
    },
]


async def _identity(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.signing_key = load_signing_key(settings)
    app.state.authenticator = LocalAuthenticator(
        app.state.signing_key,
        app.state.sessionmaker,
        read_sessionmaker=app.state.read_sessionmaker,
        revocation_interval=settings.revocation_refresh_seconds,
        revocation_horizon_seconds=revocation_horizon(settings),
    )


async def _bootstrap(app: FastAPI) -> None:
    """The first admin, the first security administrator and the peer services' accounts, from the
    settings, in any environment."""
    settings: Settings = app.state.settings
    if (
        settings.admin_password is None
        and settings.security_admin_password is None
        and not settings.service_api_keys
    ):
        return
    async with app.state.sessionmaker() as session, session.begin():
        await lock_exclusively(await session.connection(), "indicator-bootstrap")
        if settings.admin_password is not None:
            await ensure_admin(session, password=settings.admin_password.get_secret_value())
        if settings.security_admin_password is not None:
            await ensure_security_admin(session, password=settings.security_admin_password.get_secret_value())
        keys = {name: key.get_secret_value() for name, key in settings.service_api_keys.items()}
        await ensure_service_accounts(session, keys=keys)


def create_app(
    settings: Settings | None = None, *, http_client_factory: HttpClientFactory = default_http_client
) -> FastAPI:
    settings = settings or Settings()
    spec = ServiceSpec(
        name="indicator-api",
        title="大冶市科技创新指标服务 (indicator-api)",
        description=DESCRIPTION,
        routers=[
            identity_router,
            region_router,
            platform_router,
            indicators.router,
            tech_contract_router,
            inbox_router(
                {**contract_events.handlers(settings.city_code), **value_events.HANDLERS}, EVENT_SENDER
            ),
            outbox_router(OUTBOX_READER, OUTBOX_OPERATOR),
            enterprise_router,
            qualification_router,
            cultivation.router,
            prospect_router,
            report_router,
            reporting_router,
            period_router,
            notification_router,
            policy_router,
            # Each feature's Excel in and out, under /exports and /imports.
            indicators.exports,
            cultivation.exports,
            indicators.imports,
            cultivation.imports,
            jobs_router(readers=JOB_READERS, runners=JOB_RUNNERS),
            feed_router(CATALOGUE, service="indicator-api", reader=FEED_READER),
        ],
        migrations=MIGRATIONS,
        tags=TAGS,
        on_startup=[_identity, connect_peers, _bootstrap, idempotency.purge_on_start],
        duties=DUTIES,
        datasets=DATASETS,
        # Closed periods reach the peers that refuse their own dated writes into them.
        outbox_peers={"matching-api": "matching", "funding-api": "funding"},
        webhooks=Webhooks(catalogue=CATALOGUE, manager=WEBHOOK_MANAGERS, notifications=NOTIFICATIONS),
    )
    return build_app(spec, settings, http_client_factory=http_client_factory)
