"""The event catalogue of matching-api's change feed.

STUB on the webhooks branch: the feed's branch defines the real catalogue in this file (and emits
the events); at integration that file replaces this one. Webhooks take their event types from
`CATALOGUE`, whatever it holds.
"""

from __future__ import annotations

from daye_kit.feed import EventType
from matching_api.demands.schemas import DemandPublic

DEMAND_POSTED = EventType(
    name="demand.posted", data=DemandPublic, dataset="demands", description="企业(或科技局代企业)发布了需求"
)

CATALOGUE = [DEMAND_POSTED]
