"""Request dependencies for what the lifespan builds: settings, the indicator-api client, the index."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from matching_api.config import Settings
from matching_api.engine.index import SupplyIndex
from matching_api.peers import IndicatorClient


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _indicator(request: Request) -> IndicatorClient:
    client: IndicatorClient = request.app.state.indicator
    return client


def _supply_index(request: Request) -> SupplyIndex:
    index: SupplyIndex = request.app.state.supply_index
    return index


SettingsDep = Annotated[Settings, Depends(_settings)]
IndicatorDep = Annotated[IndicatorClient, Depends(_indicator)]
SupplyIndexDep = Annotated[SupplyIndex, Depends(_supply_index)]
