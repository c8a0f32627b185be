"""matching-api: 企业发布人才、技术、金融需求;可解释的匹配引擎将其与专家、技术成果和
金融产品配对;对接记录与对接率。"""

from __future__ import annotations

import asyncio
from pathlib import Path

import structlog
from fastapi import FastAPI

from daye_kit import idempotency
from daye_kit.app import HttpClientFactory, ServiceSpec, build_app, default_http_client
from daye_kit.feed import feed_router
from daye_kit.health import check_peer
from daye_kit.jobs import jobs_router
from daye_kit.outbox import inbox_router, outbox_router
from daye_kit.periods import period_handlers
from daye_kit.remote_identity import connect_identity, connect_indicator, me_router
from daye_kit.webhooks import Webhooks
from matching_api.access import (
    DATASETS,
    EVENT_SENDER,
    FEED_READER,
    JOB_READERS,
    JOB_RUNNERS,
    OUTBOX_OPERATOR,
    OUTBOX_READER,
    WEBHOOK_MANAGERS,
)
from matching_api.assignments.router import router as assignment_router
from matching_api.config import Settings
from matching_api.demands.router import router as demand_router
from matching_api.duties import DUTIES
from matching_api.engine.index import SupplyIndex
from matching_api.engine.router import router as engine_router
from matching_api.engine.text import warm_up
from matching_api.events import CATALOGUE
from matching_api.hall.router import router as hall_router
from matching_api.matches.router import router as match_router
from matching_api.matches.service import contract_delivered
from matching_api.models import closed_periods
from matching_api.notifications.router import router as notification_router
from matching_api.notifications.service import NOTIFICATIONS
from matching_api.peers import IndicatorClient
from matching_api.stats.router import router as stats_router
from matching_api.supplies.router import router as supply_router

log = structlog.get_logger("matching_api")
MIGRATIONS = Path(__file__).resolve().parents[2] / "alembic"

DESCRIPTION = """
企业发布人才、技术、金融需求(企业出题);专家与团队、技术成果、金融产品作为供给(院所答题);
可解释的匹配引擎为需求推荐供给;对接记录按状态机推进,成功的技术合同登记到 indicator-api;
对接率统计对照黄石市 80% 的目标。

令牌由 indicator-api 签发;本服务用其公钥验证。错误一律以 `application/problem+json` 返回。
"""

TAGS = [
    {"name": "需求", "description": "企业发布的人才、技术、金融需求"},
    {"name": "供给", "description": "专家与团队、技术成果、金融产品"},
    {"name": "匹配引擎", "description": "为需求推荐供给,逐因素解释"},
    {"name": "需求大厅", "description": "供给方(院所答题):可应答的公开需求与应答"},
    {"name": "对接", "description": "对接记录及其状态机"},
    {"name": "通知", "description": "按账号轮询的站内通知"},
    {"name": "专家分派", "description": "专家企业行:专家与企业的最优分派"},
    {"name": "统计", "description": "需求数、对接数与对接率"},
    {"name": "定时任务", "description": "本服务按计划自行执行的任务:到期关闭、提醒、统计报送"},
    {"name": "身份认证", "description": "调用者身份"},
    {"name": "变更订阅", "description": "需求、供给、对接记录的变更事件流,供外部系统增量同步"},
]


async def _engine(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.supply_index = SupplyIndex(
        k1=settings.bm25_k1, b=settings.bm25_b, delta_rows=settings.index_delta_rows
    )
    # jieba's dictionary takes about a second to load: off the event loop, before the first request.
    await asyncio.to_thread(warm_up)


def create_app(
    settings: Settings | None = None, *, http_client_factory: HttpClientFactory = default_http_client
) -> FastAPI:
    spec = ServiceSpec(
        name="matching-api",
        title="大冶市科创供应链匹配服务 (matching-api)",
        description=DESCRIPTION,
        routers=[
            me_router,
            outbox_router(OUTBOX_READER, OUTBOX_OPERATOR),
            inbox_router(period_handlers(closed_periods), EVENT_SENDER),
            demand_router,
            engine_router,
            supply_router,
            hall_router,
            match_router,
            notification_router,
            assignment_router,
            stats_router,
            jobs_router(readers=JOB_READERS, runners=JOB_RUNNERS),
            feed_router(CATALOGUE, service="matching-api", reader=FEED_READER),
        ],
        migrations=MIGRATIONS,
        tags=TAGS,
        on_startup=[
            connect_identity,
            connect_indicator(IndicatorClient),
            _engine,
            idempotency.purge_on_start,
        ],
        readiness=[check_peer("indicator")],
        outbox_peers={"indicator-api": "indicator"},
        outbox_on_delivered=dict.fromkeys(
            ("match.succeeded", "match.contract_revised", "match.undone"), contract_delivered
        ),
        duties=DUTIES,
        datasets=DATASETS,
        webhooks=Webhooks(catalogue=CATALOGUE, manager=WEBHOOK_MANAGERS, notifications=NOTIFICATIONS),
    )
    return build_app(spec, settings or Settings(), http_client_factory=http_client_factory)
