"""What matching-api tells outside systems through its change feed (`GET /api/v1/events`).

Each event's `data` is the resource as its single GET answers after the change, so a consumer that
keeps the latest `data` per `subject` (`demand:<id>`, `supply:<id>`, `match:<id>`) holds a copy of
the three collections. A docking shows its demand's and its supply's summary: when a summary changes
(a demand matched, closed, renamed; a supply renamed), each of their dockings gets `match.updated`.
Nothing is deleted here (demands and supplies are withdrawn, dockings end), so no event says so.

These are not the messages sent to indicator-api (`match.succeeded` carrying a contract,
`match.contract_revised`, `match.undone`, `match_stats.published`): those are shaped for that peer
and travel only through the outbox.
"""

from __future__ import annotations

from daye_kit.feed import EventType
from matching_api.demands.schemas import DemandPublic
from matching_api.matches.schemas import MatchDetail
from matching_api.supplies.schemas import SupplyPublic

DEMANDS, SUPPLIES, MATCHES = "demands", "supplies", "matches"

DEMAND_POSTED = EventType(
    name="demand.posted", data=DemandPublic, dataset=DEMANDS, description="企业(或科技局代企业)发布了需求"
)
DEMAND_UPDATED = EventType(
    name="demand.updated",
    data=DemandPublic,
    dataset=DEMANDS,
    description="需求内容被修改,或首次有应答,或对接成功被撤销后重新征集",
)
DEMAND_WITHDRAWN = EventType(
    name="demand.withdrawn", data=DemandPublic, dataset=DEMANDS, description="需求被撤回"
)
DEMAND_CLOSED = EventType(
    name="demand.closed", data=DemandPublic, dataset=DEMANDS, description="需求到期关闭"
)
DEMAND_MATCHED = EventType(
    name="demand.matched", data=DemandPublic, dataset=DEMANDS, description="需求首次有对接成功"
)
SUPPLY_CREATED = EventType(
    name="supply.created", data=SupplyPublic, dataset=SUPPLIES, description="登记了供给"
)
SUPPLY_UPDATED = EventType(
    name="supply.updated", data=SupplyPublic, dataset=SUPPLIES, description="供给被修改或下架"
)
MATCH_PROPOSED = EventType(
    name="match.proposed", data=MatchDetail, dataset=MATCHES, description="建立了对接记录(待对接)"
)
MATCH_UPDATED = EventType(
    name="match.updated",
    data=MatchDetail,
    dataset=MATCHES,
    description="对接记录转入对接中,或其需求、供给的摘要变化,或技术合同已登记到 indicator-api",
)
MATCH_SUCCEEDED = EventType(
    name="match.succeeded", data=MatchDetail, dataset=MATCHES, description="对接成功(可附技术合同)"
)
MATCH_FAILED = EventType(name="match.failed", data=MatchDetail, dataset=MATCHES, description="对接失败")
MATCH_WITHDRAWN = EventType(
    name="match.withdrawn",
    data=MatchDetail,
    dataset=MATCHES,
    description="对接记录被撤回(含需求撤回,及科技局撤销一次成功)",
)
MATCH_CLOSED = EventType(
    name="match.closed", data=MatchDetail, dataset=MATCHES, description="需求到期,待对接记录随之关闭"
)
MATCH_CONTRACT_SET = EventType(
    name="match.contract_set",
    data=MatchDetail,
    dataset=MATCHES,
    description="对接成功后补录或更正了技术合同(新的合同版本)",
)

CATALOGUE = [
    DEMAND_POSTED,
    DEMAND_UPDATED,
    DEMAND_WITHDRAWN,
    DEMAND_CLOSED,
    DEMAND_MATCHED,
    SUPPLY_CREATED,
    SUPPLY_UPDATED,
    MATCH_PROPOSED,
    MATCH_UPDATED,
    MATCH_SUCCEEDED,
    MATCH_FAILED,
    MATCH_WITHDRAWN,
    MATCH_CLOSED,
    MATCH_CONTRACT_SET,
]


def demand_subject(demand_id: int | None) -> str:
    return f"demand:{demand_id}"


def supply_subject(supply_id: int | None) -> str:
    return f"supply:{supply_id}"


def match_subject(match_id: int | None) -> str:
    return f"match:{match_id}"
