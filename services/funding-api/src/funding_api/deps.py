"""Request dependencies for what the lifespan builds: settings and the indicator-api client."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from funding_api.config import Settings
from funding_api.peers import IndicatorClient


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _indicator(request: Request) -> IndicatorClient:
    client: IndicatorClient = request.app.state.indicator
    return client


SettingsDep = Annotated[Settings, Depends(_settings)]
IndicatorDep = Annotated[IndicatorClient, Depends(_indicator)]
