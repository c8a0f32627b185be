"""matching-api: 企业发布人才、技术、金融需求;可解释的匹配引擎将其与专家、技术成果和
金融产品配对;对接记录与对接率。"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from daye_kit.app import HttpClientFactory, ServiceSpec, build_app, default_http_client
from daye_kit.health import check_peer
from daye_kit.remote_identity import connect_identity, me_router
from matching_api.config import Settings
from matching_api.peers import IndicatorClient

MIGRATIONS = Path(__file__).resolve().parents[2] / "alembic"

DESCRIPTION = """
企业发布人才、技术、金融需求;可解释的匹配引擎将其与专家、技术成果和金融产品配对;对接记录与对接率。

令牌由 indicator-api 签发;本服务用其公钥验证。错误一律以 `application/problem+json` 返回。
"""


async def _peers(app: FastAPI) -> None:
    settings: Settings = app.state.settings
    app.state.indicator = IndicatorClient(
        app.state.http,
        settings.indicator_url,
        timeout=settings.peer_timeout_seconds,
        retries=settings.peer_retries,
        token_source=app.state.service_token,
    )


def create_app(
    settings: Settings | None = None, *, http_client_factory: HttpClientFactory = default_http_client
) -> FastAPI:
    spec = ServiceSpec(
        name="matching-api",
        title="大冶市科创供应链匹配服务 (matching-api)",
        description=DESCRIPTION,
        version="0.1.0",
        routers=[me_router],
        migrations=MIGRATIONS,
        tags=[{"name": "身份认证", "description": "调用者身份"}],
        on_startup=[connect_identity, _peers],
        readiness=[check_peer("indicator")],
    )
    return build_app(spec, settings or Settings(), http_client_factory=http_client_factory)
