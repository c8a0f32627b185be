"""The base of every typed peer client: one shared `httpx.AsyncClient`, explicit timeouts, the
request id forwarded, retries with backoff only where a retry is safe, and the peer's
problem+json turned into one exception type.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, TypeVar

import httpx
import jwt
import structlog
from asgi_correlation_id import correlation_id
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from daye_kit.auth import JWKS_PATH, REVOCATIONS_PATH, TOKEN_PATH, Revocations
from daye_kit.errors import PeerAnswerInvalid, PeerError, PeerUnavailable
from daye_kit.observability import REQUEST_ID_HEADER

log = structlog.get_logger("daye.peer")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
TokenSource = Callable[[], Awaitable[str]]
Model = TypeVar("Model", bound=BaseModel)


class _RetryableStatus(Exception):
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        super().__init__(f"status {response.status_code}")


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, httpx.TransportError | _RetryableStatus)


class PeerClient:
    """Subclass once per peer with typed methods (`get_enterprise`, …) built on `request`."""

    peer_name: str = "peer"

    def __init__(
        self,
        http: httpx.AsyncClient,
        base_url: str,
        *,
        timeout: float = 5.0,
        retries: int = 2,
        token_source: TokenSource | None = None,
    ) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 2.0))
        self.retries = retries
        self.token_source = token_source

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        token: str | None = None,
        authenticate: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one call. `token` forwards the caller's token; without it the service token is used.

        Connection errors and 5xx are retried only for idempotent calls (by method, or a POST that
        carries an Idempotency-Key). A peer that stays down raises PeerUnavailable (503); a 4xx
        raises PeerError carrying the peer's problem, for the caller to map or let through as 502.
        """
        method = method.upper()
        sent_headers = dict(headers or {})
        request_id = correlation_id.get()
        if request_id:
            sent_headers[REQUEST_ID_HEADER] = request_id
        if authenticate:
            bearer = token or (await self.token_source() if self.token_source else None)
            if bearer:
                sent_headers["Authorization"] = f"Bearer {bearer}"
        idempotent = method in IDEMPOTENT_METHODS or "Idempotency-Key" in sent_headers
        attempts = self.retries + 1 if idempotent else 1
        url = f"{self.base_url}{path}"
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(attempts),
                wait=wait_exponential_jitter(multiplier=0.1, max=1.0),
                retry=retry_if_exception(_retryable),
                reraise=True,
            ):
                with attempt:
                    response = await self.http.request(
                        method,
                        url,
                        json=json,
                        data=data,
                        params=params,
                        headers=sent_headers,
                        timeout=self.timeout,
                    )
                    if response.status_code >= 500:
                        raise _RetryableStatus(response)
        except httpx.TransportError as exc:
            log.warning("peer_unreachable", peer=self.peer_name, url=url, error=repr(exc))
            raise PeerUnavailable(f"{self.peer_name} is unreachable ({type(exc).__name__})") from exc
        except _RetryableStatus as exc:
            log.warning("peer_failed", peer=self.peer_name, url=url, status=exc.response.status_code)
            raise PeerUnavailable(f"{self.peer_name} answered {exc.response.status_code}") from exc
        if response.status_code >= 400:
            raise PeerError(
                f"{self.peer_name} refused {method} {path}: {response.status_code}",
                peer=self.peer_name,
                peer_status=response.status_code,
                peer_problem=_problem_body(response),
            )
        return response

    def json_of(self, response: httpx.Response) -> Any:
        """The answer's JSON; 502 `peer_answer_invalid` if the peer sent something else."""
        try:
            return response.json()
        except ValueError as exc:
            raise self._invalid(response, "is not JSON") from exc

    def parse(self, model: type[Model], response: httpx.Response) -> Model:
        """The answer read as `model`; 502 `peer_answer_invalid` if it does not fit."""
        try:
            return model.model_validate(self.json_of(response))
        except ValidationError as exc:
            raise self._invalid(
                response, f"does not fit {model.__name__} ({exc.error_count()} errors)"
            ) from exc

    async def get_model(self, model: type[Model], path: str, **kwargs: Any) -> Model:
        return self.parse(model, await self.request("GET", path, **kwargs))

    def _invalid(self, response: httpx.Response, problem: str) -> PeerAnswerInvalid:
        request = response.request
        log.warning("peer_answer_invalid", peer=self.peer_name, url=str(request.url), problem=problem)
        return PeerAnswerInvalid(
            f"{self.peer_name} answered {request.method} {request.url.path} with a body that {problem}",
            peer=self.peer_name,
            peer_status=response.status_code,
            peer_problem={"detail": response.text[:200]},
        )

    async def healthy(self) -> None:
        """Raises PeerUnavailable unless the peer's /healthz answers, PeerAnswerInvalid if what answers
        is not the peer (an error page from a proxy, say)."""
        await self.get_model(_Health, "/healthz", authenticate=False)


def _problem_body(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {"detail": response.text[:500]}
    return body if isinstance(body, dict) else {"detail": body}


class _IssuedToken(BaseModel):
    access_token: str


class _Health(BaseModel):
    status: Literal["ok"]


class _Jwks(BaseModel):
    keys: list[dict[str, Any]]


class IdentityClient(PeerClient):
    """indicator-api's identity endpoints, as the other services need them to verify callers."""

    peer_name = "indicator-api"

    async def jwks(self) -> dict[str, Any]:
        return (await self.get_model(_Jwks, JWKS_PATH, authenticate=False)).model_dump()

    async def revocations(self) -> Revocations:
        """The revoked accounts and sessions (public, as the JWKS: peers verify without signing in)."""
        return await self.get_model(Revocations, REVOCATIONS_PATH, authenticate=False)

    async def exchange_api_key(self, api_key: str) -> str:
        """OAuth2 client credentials: an API key for a short-lived token."""
        response = await self.request(
            "POST",
            TOKEN_PATH,
            data={"grant_type": "client_credentials", "client_secret": api_key},
            authenticate=False,
        )
        return self.parse(_IssuedToken, response).access_token


class ServiceToken:
    """The calling service's own token, obtained with its API key and renewed before it expires."""

    def __init__(self, identity: IdentityClient, api_key: str) -> None:
        self._identity = identity
        self._api_key = api_key
        self._token: str | None = None
        self._expires_at = 0.0

    async def __call__(self) -> str:
        if self._token is None or self._expires_at < time.time() + 60:
            token = await self._identity.exchange_api_key(self._api_key)
            self._expires_at = float(jwt.decode(token, options={"verify_signature": False}).get("exp", 0))
            self._token = token
        return self._token
