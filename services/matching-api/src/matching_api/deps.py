"""Request dependencies for what the lifespan builds: settings, the indicator-api client, the index."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from daye_kit.app import from_state
from matching_api.config import Settings
from matching_api.engine.index import SupplyIndex
from matching_api.peers import IndicatorClient

SettingsDep = Annotated[Settings, Depends(from_state("settings"))]
IndicatorDep = Annotated[IndicatorClient, Depends(from_state("indicator"))]
SupplyIndexDep = Annotated[SupplyIndex, Depends(from_state("supply_index"))]
