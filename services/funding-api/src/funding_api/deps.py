"""Request dependencies for what the lifespan builds: settings and the indicator-api client."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from daye_kit.app import from_state
from funding_api.config import Settings
from funding_api.peers import IndicatorClient

SettingsDep = Annotated[Settings, Depends(from_state("settings"))]
IndicatorDep = Annotated[IndicatorClient, Depends(from_state("indicator"))]
