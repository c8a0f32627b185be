"""Request dependencies for what the lifespan builds, as `Annotated` aliases: routers declare what
they need here and never read `request.app.state` themselves."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from daye_kit.throttling import RateLimits
from indicator_api.config import Settings
from indicator_api.identity.keys import SigningKey
from indicator_api.peers import FundingClient, MatchingClient


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _signing_key(request: Request) -> SigningKey:
    key: SigningKey = request.app.state.signing_key
    return key


def _rate_limits(request: Request) -> RateLimits:
    limits: RateLimits = request.app.state.rate_limits
    return limits


def _matching(request: Request) -> MatchingClient:
    client: MatchingClient = request.app.state.matching
    return client


def _funding(request: Request) -> FundingClient:
    client: FundingClient = request.app.state.funding
    return client


SettingsDep = Annotated[Settings, Depends(_settings)]
SigningKeyDep = Annotated[SigningKey, Depends(_signing_key)]
RateLimitsDep = Annotated[RateLimits, Depends(_rate_limits)]
MatchingDep = Annotated[MatchingClient, Depends(_matching)]
FundingDep = Annotated[FundingClient, Depends(_funding)]
