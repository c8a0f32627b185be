"""funding-api: 资金项目、奖补、拨付,以及只增不改的分户账:未兑现政策资金精确到分,且绝不重复支付。"""

from __future__ import annotations

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
from funding_api.access import (
    DATASETS,
    EVENT_SENDER,
    FEED_READER,
    JOB_READERS,
    JOB_RUNNERS,
    OUTBOX_OPERATOR,
    OUTBOX_READER,
    WEBHOOK_MANAGERS,
)
from funding_api.awards.router import router as award_router
from funding_api.config import Settings
from funding_api.disbursements.router import router as disbursement_router
from funding_api.duties import DUTIES
from funding_api.events import CATALOGUE
from funding_api.ledger.router import router as ledger_router
from funding_api.models import closed_periods
from funding_api.notifications import NOTIFICATIONS
from funding_api.notifications import router as notification_router
from funding_api.outstanding.router import router as outstanding_router
from funding_api.peers import IndicatorClient
from funding_api.programs.router import router as program_router

log = structlog.get_logger("funding_api")
MIGRATIONS = Path(__file__).resolve().parents[2] / "alembic"

DESCRIPTION = """
资金项目、奖补、拨付,以及只增不改的分户账:未兑现政策资金精确到分,且绝不重复支付。

- 金额一律为两位小数的十进制字符串(元),如 `"55068000.00"`。
- 奖补须由经办人以外的管理员批准(双人复核);拨付必须带 `Idempotency-Key`,重试不会重复拨付。
- 每笔资金变动都是分户账中借贷平衡的凭证;分户账只增不改,更正以冲正凭证记录。

令牌由 indicator-api 签发;本服务用其公钥验证。错误一律以 `application/problem+json` 返回。
"""

TAGS = [
    {"name": "资金项目", "description": "资金项目(预算线)、预算与无申请兑现规则"},
    {"name": "奖补", "description": "奖补事项(兑现资格)、双人复核、无申请兑现生成"},
    {"name": "拨付", "description": "幂等拨付与冲正"},
    {"name": "分户账", "description": "只增不改的借贷记账与对账"},
    {"name": "未兑现资金", "description": "未兑现政策资金:汇总、账龄、公示导出、向指标服务报送"},
    {
        "name": "定时任务",
        "description": "本服务按计划自行执行的任务:未兑现资金报送、无申请兑现奖补生成、兑现承诺提醒",
    },
    {"name": "通知", "description": "站内通知:奖补临近或超过兑现承诺的提醒"},
    {"name": "身份认证", "description": "调用者身份"},
    {"name": "变更订阅", "description": "变更事件流:资金项目、规则、奖补、拨付与分户账分录的每次变更"},
]


def create_app(
    settings: Settings | None = None, *, http_client_factory: HttpClientFactory = default_http_client
) -> FastAPI:
    spec = ServiceSpec(
        name="funding-api",
        title="大冶市科技政策资金服务 (funding-api)",
        description=DESCRIPTION,
        routers=[
            program_router,
            award_router,
            disbursement_router,
            ledger_router,
            outstanding_router,
            me_router,
            notification_router,
            outbox_router(OUTBOX_READER, OUTBOX_OPERATOR),
            inbox_router(period_handlers(closed_periods), EVENT_SENDER),
            jobs_router(readers=JOB_READERS, runners=JOB_RUNNERS),
            feed_router(CATALOGUE, service="funding-api", reader=FEED_READER),
        ],
        migrations=MIGRATIONS,
        tags=TAGS,
        on_startup=[connect_identity, connect_indicator(IndicatorClient), idempotency.purge_on_start],
        readiness=[check_peer("indicator")],
        outbox_peers={"indicator-api": "indicator"},
        duties=DUTIES,
        datasets=DATASETS,
        webhooks=Webhooks(catalogue=CATALOGUE, manager=WEBHOOK_MANAGERS, notifications=NOTIFICATIONS),
    )
    return build_app(spec, settings or Settings(), http_client_factory=http_client_factory)
