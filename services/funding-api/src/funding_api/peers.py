"""Typed clients of the services funding-api calls."""

from __future__ import annotations

from daye_kit.peer import PeerClient


class IndicatorClient(PeerClient):
    """indicator-api: the enterprise registry and the indicators this service feeds."""

    peer_name = "indicator-api"
