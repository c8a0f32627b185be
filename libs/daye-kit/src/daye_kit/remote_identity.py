"""How matching-api and funding-api verify callers and call indicator-api as themselves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI

from daye_kit.auth import CurrentPrincipal, JwksAuthenticator, Principal, RevocationList
from daye_kit.errors import problem_responses
from daye_kit.peer import IdentityClient, PeerClient, ServiceToken
from daye_kit.settings import PeerServiceSettings


async def connect_identity(app: FastAPI) -> None:
    """Lifespan hook: `app.state.identity` (indicator-api's identity endpoints), `app.state.service_token`
    (this service's own token, for calls made on nobody's behalf) and `app.state.authenticator`."""
    settings: PeerServiceSettings = app.state.settings
    identity = IdentityClient(
        app.state.http,
        settings.indicator_url,
        timeout=settings.peer_timeout_seconds,
        retries=settings.peer_retries,
    )
    app.state.identity = identity
    app.state.service_token = ServiceToken(identity, settings.service_api_key)
    app.state.authenticator = JwksAuthenticator(
        identity.jwks,
        identity.exchange_api_key,
        revocations=RevocationList(identity.revocations, interval=settings.revocation_refresh_seconds),
    )


me_router = APIRouter(prefix="/api/v1", tags=["身份认证"])


@me_router.get(
    "/auth/me",
    summary="当前调用者",
    description="本服务验证令牌或 API Key 后看到的调用者身份(角色与绑定)。账号由 indicator-api 管理。",
    responses=problem_responses(401, 503),
)
async def read_me(principal: CurrentPrincipal) -> Principal:
    return principal


def connect_indicator(client_type: type[PeerClient]) -> Callable[[FastAPI], Awaitable[None]]:
    """Lifespan hook (after `connect_identity`): `app.state.indicator`, the service's typed client of
    indicator-api, calling as the service itself unless a caller's token is passed."""

    async def connect(app: FastAPI) -> None:
        settings: PeerServiceSettings = app.state.settings
        app.state.indicator = client_type(
            app.state.http,
            settings.indicator_url,
            timeout=settings.peer_timeout_seconds,
            retries=settings.peer_retries,
            token_source=app.state.service_token,
        )

    return connect
