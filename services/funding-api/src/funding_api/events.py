"""The event catalogue of funding-api's change feed.

STUB on the webhooks branch: the feed's branch defines the real catalogue in this file (and emits
the events); at integration that file replaces this one. Webhooks take their event types from
`CATALOGUE`, whatever it holds.
"""

from __future__ import annotations

from daye_kit.feed import EventType
from funding_api.awards.schemas import AwardPublic

AWARD_CREATED = EventType(
    name="award.created", data=AwardPublic, dataset="awards", description="登记了一笔资金兑现(待审批)"
)

CATALOGUE = [AWARD_CREATED]
