"""The event catalogue of indicator-api's change feed.

STUB on the webhooks branch: the feed's branch defines the real catalogue in this file (and emits
the events); at integration that file replaces this one. Webhooks take their event types from
`CATALOGUE`, whatever it holds.
"""

from __future__ import annotations

from daye_kit.feed import EventType
from indicator_api.enterprises.schemas import EnterprisePublic

ENTERPRISE_REGISTERED = EventType(
    name="enterprise.registered",
    data=EnterprisePublic,
    dataset="enterprises",
    description="企业登记入库",
)

CATALOGUE = [ENTERPRISE_REGISTERED]
