# ruff: noqa: E501 - demo data: long Chinese text lines; seeded pseudo-random numbers are the point
"""The demo data set: the supplies of `catalog.py` and the first half of 2025 as the report tells it,
686 demands posted, 392 of them docked successfully (57.1%), spread over kinds and townships.

Deterministic (fixed seeds), loaded only into an empty database.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from daye_demo.enterprises import DEMO_ENTERPRISES, NAMED_COUNT, SUPPLIER_ACCOUNTS, DemoEnterprise
from daye_demo.matching.catalog import demo_supplies
from daye_demo.matching.topics import TOPIC_BY_INDUSTRY
from daye_kit.settings import ServiceSettings
from daye_kit.timestamps import LOCAL_TZ, local_today
from matching_api.demands.models import Demand
from matching_api.demands.service import segment as segment_demand
from matching_api.demands.service import write_terms
from matching_api.enums import (
    ContractType,
    DemandKind,
    DemandStatus,
    Financing,
    MatchOrigin,
    MatchStatus,
    ReviewStatus,
    SupplyKind,
)
from matching_api.matches.models import Match, MatchEvent
from matching_api.snapshot import record_all_rows
from matching_api.supplies.models import SUPPLY_INDEX, IndexVersion, Supply
from matching_api.supplies.service import segment as segment_supply

POSTED = 686
MATCHED = 392
# (kind, posted, matched): 686 and 392 in all.
KINDS = ((DemandKind.technology, 340, 200), (DemandKind.talent, 196, 112), (DemandKind.finance, 150, 80))
FIRST_HALF = (date(2025, 1, 2), date(2025, 6, 27))
END_OF_HALF = datetime(2025, 6, 30, 17, 0, tzinfo=LOCAL_TZ)
LONG_RUNNING_DEADLINE = date(2027, 6, 30)
# The supplier accounts' supplies: each account owns its provider's (院所答题).
OWNER_OF_PROVIDER = {provider: username for username, provider in SUPPLIER_ACCOUNTS.items()}

# The chains an enterprise of a registry industry asks about (the first most often).
TOPICS_OF = {
    "铸造": ("铸造", "铜冶炼与铜加工", "热处理与焊接"),
    "换热器": ("换热器", "节能环保"),
    "铝加工": ("铝加工",),
    "节能环保": ("节能环保", "环保治理", "固废资源化"),
    "新材料": ("新材料", "铜冶炼与铜加工"),
    "生物医药": ("生物医药与保健酒",),
    "装备制造": ("热处理与焊接", "汽车零部件", "智能制造"),
    "电子信息": ("电子信息", "新能源"),
    "建材": ("建材", "固废资源化"),
    "食品饮料": ("农产品加工", "生物医药与保健酒"),
    "矿山机械": ("矿山与选矿", "固废资源化"),
    "智能制造": ("智能制造", "汽车零部件"),
    "纺织服装": ("智能制造",),
    "精细化工": ("环保治理", "新能源"),
    "农业科技": ("农产品加工",),
}


def demo_enterprises(count: int = 160) -> list[DemoEnterprise]:
    """The enterprises that post the demo's demands: the six named ones and others spread evenly
    over the registry (so over its industries and units)."""
    registry = DEMO_ENTERPRISES
    stride = (len(registry) - NAMED_COUNT) // (count - NAMED_COUNT)
    return [*registry[:NAMED_COUNT], *registry[NAMED_COUNT::stride][: count - NAMED_COUNT]]


FINANCE_NEEDS = (
    ("研发投入流动资金贷款", "公司{industry}新产品研发投入加大,需要流动资金{amount}万元,希望申请科创贷或知识价值信用贷款等信用类产品。", Financing.loan),
    ("技术改造项目融资", "公司实施{industry}生产线技术改造和设备更新,需融资{amount}万元,可提供部分设备抵押,希望享受贴息政策。", Financing.loan),
    ("知识产权质押融资", "公司拥有发明专利和实用新型专利多项,希望以知识产权质押方式融资{amount}万元,用于扩大{industry}产品产能。", Financing.loan),
    ("引进战略投资者", "公司处于快速成长期,计划出让部分股权融资{amount}万元,用于研发中心建设和{industry}产能扩张。", Financing.equity),
    ("应收账款融资需求", "公司为龙头企业配套{industry}产品,应收账款占用资金较多,希望通过供应链金融融资{amount}万元。", Financing.loan),
    ("节能降耗项目贷款", "公司实施节能降耗改造,项目需贷款{amount}万元,希望获得低息贷款和财政贴息支持。", Financing.loan),
)  # fmt: skip


def _posted_at(rng: random.Random) -> datetime:
    start, end = FIRST_HALF
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    moment = datetime.combine(day, time(8, 30), tzinfo=LOCAL_TZ) + timedelta(minutes=rng.randrange(9 * 60))
    return moment.astimezone(UTC)


def _pick_successes(rng: random.Random, demands: list[Demand], count: int) -> set[int]:
    """Weighted sample without replacement (Efraimidis–Spirakis): late-June posts succeed less often."""
    keyed = []
    for i, demand in enumerate(demands):
        weight = 0.3 if demand.posted_at.astimezone(LOCAL_TZ).month == 6 else 1.0
        keyed.append((rng.random() ** (1.0 / weight), i))
    return {i for _, i in sorted(keyed, reverse=True)[:count]}


def _wan(amount: int) -> Decimal:
    return Decimal(amount) * 10_000


class _Picker:
    """Chooses a plausible supply for a demand, keeping experts within their capacity."""

    def __init__(self, supplies: list[Supply], rng: random.Random) -> None:
        self.rng = rng
        self.by_kind_industry: dict[tuple[str, str], list[Supply]] = {}
        self.finance: list[Supply] = []
        for supply in supplies:
            if supply.kind == SupplyKind.finance_product.value:
                self.finance.append(supply)
            for industry in supply.industries:
                self.by_kind_industry.setdefault((supply.kind, industry), []).append(supply)
        self.active: Counter[int] = Counter()

    def pick(self, demand: Demand, *, stays_active: bool) -> Supply | None:
        if demand.kind == DemandKind.finance.value:
            held = set(demand.qualifications)
            options = [
                s
                for s in self.finance
                if (s.min_amount or 0) <= (demand.amount_sought or 0) <= (s.max_amount or 0)
                and s.financing == demand.financing
                and (not s.qualification_rule or held & set(s.qualification_rule))
            ]
        else:
            kinds = [SupplyKind.expert.value]
            if demand.kind == DemandKind.technology.value:
                kinds = [SupplyKind.technology.value, SupplyKind.expert.value]
            options = [s for k in kinds for s in self.by_kind_industry.get((k, demand.industry), [])]
            options = [s for s in options if s.capacity is None or self.active[s.id or 0] < s.capacity]
        if not options:
            return None
        supply = self.rng.choice(options)
        if stays_active:
            self.active[supply.id or 0] += 1
        return supply


async def seed(session: AsyncSession, settings: ServiceSettings | None = None) -> dict[str, int]:
    """Fills an empty database; returns how many rows of each kind it made (zeros if not empty)."""
    existing = await session.scalar(select(func.count()).select_from(Demand))
    existing_supplies = await session.scalar(select(func.count()).select_from(Supply))
    if existing or existing_supplies:
        return {"supplies": 0, "demands": 0, "matches": 0}
    version = int(
        await session.scalar(
            update(IndexVersion)
            .where(col(IndexVersion.name) == SUPPLY_INDEX)
            .values(version=col(IndexVersion.version) + 1)
            .returning(col(IndexVersion.version))
        )
        or 1
    )
    supplies = []
    for item in demo_supplies():
        supply = Supply(
            kind=item.kind.value,
            name=item.name,
            provider=item.provider,
            description=item.description,
            fields=item.fields,
            industries=item.industries,
            region_code=item.region_code,
            capacity=item.capacity,
            price=item.price,
            maturity=item.maturity.value if item.maturity else None,
            financing=item.financing.value if item.financing else None,
            min_amount=item.min_amount,
            max_amount=item.max_amount,
            rate_bp=item.rate_bp,
            qualification_rule=item.qualification_rule,
            contact=item.contact,
            owner_username=OWNER_OF_PROVIDER.get(item.provider),
            revision=version,
        )
        segment_supply(supply)
        supplies.append(supply)
    session.add_all(supplies)
    await session.flush()

    rng = random.Random(2025)
    enterprises = demo_enterprises()
    # Every one posts at least once (so every unit appears); the enterprises with demo accounts
    # post more, so signing in as one shows something.
    weights = [12 if i < NAMED_COUNT else 1 for i in range(len(enterprises))]
    posters = enterprises + rng.choices(enterprises, weights=weights, k=POSTED - len(enterprises))
    rng.shuffle(posters)
    demands: dict[DemandKind, list[Demand]] = {}
    for kind, posted, _ in KINDS:
        demands[kind] = [_demand(rng, kind, posters.pop()) for _ in range(posted)]
    everything = [d for kind, _, _ in KINDS for d in demands[kind]]
    session.add_all(everything)
    await session.flush()
    await write_terms(session, everything)

    picker = _Picker(supplies, rng)
    matches: list[Match] = []
    events: list[MatchEvent] = []
    current = local_today()
    for kind, _, matched in KINDS:
        successes = _pick_successes(rng, demands[kind], matched)
        for i, demand in enumerate(demands[kind]):
            outcome = (
                "succeeded"
                if i in successes
                else rng.choices(("failed", "docking", "proposed", "none"), weights=(30, 20, 17, 33))[0]
            )
            made = _docking(rng, picker, demand, outcome)
            if made is not None:
                matches.append(made[0])
                events.extend(made[1])
            if demand.status == DemandStatus.open.value and demand.deadline < current:
                demand.status = DemandStatus.closed.value
                demand.closed_at = datetime.combine(
                    demand.deadline + timedelta(days=1), time(0, 5), tzinfo=LOCAL_TZ
                )
                if made is not None and made[0].status == MatchStatus.proposed.value:
                    made[0].status = MatchStatus.closed.value
                    made[0].finished_at = demand.closed_at
    session.add_all(matches)
    await session.flush()
    for match, event_list in zip(matches, _group(events, matches), strict=True):
        for event in event_list:
            event.match_id = match.id or 0
    session.add_all(events)
    await session.flush()
    pending = []
    if getattr(settings, "require_demand_review", False):
        # With the bureau's review on, a few new demands wait for it (the review list is not empty).
        pending = [_pending(rng, enterprise, kind) for enterprise, kind in _AWAITING_REVIEW]
        session.add_all(pending)
        await session.flush()
        await write_terms(session, pending)
    await record_all_rows(session)
    return {"supplies": len(supplies), "demands": len(everything) + len(pending), "matches": len(matches)}


# Demands posted after the half year, waiting for the bureau's review when it is on.
_AWAITING_REVIEW = ((0, DemandKind.technology), (1, DemandKind.talent), (3, DemandKind.technology))
REVIEW_POSTED = datetime(2025, 9, 26, 10, 0, tzinfo=LOCAL_TZ)


def _pending(rng: random.Random, index: int, kind: DemandKind) -> Demand:
    demand = _demand(rng, kind, DEMO_ENTERPRISES[index])
    demand.posted_at = demand.updated_at = REVIEW_POSTED.astimezone(UTC) + timedelta(hours=index)
    demand.deadline = LONG_RUNNING_DEADLINE
    demand.review_status = ReviewStatus.pending.value
    return demand


def _group(events: list[MatchEvent], matches: list[Match]) -> list[list[MatchEvent]]:
    """Events were made in match order; each match's events carry its object id until it has a key."""
    by_match: dict[int, list[MatchEvent]] = {id(m): [] for m in matches}
    for event in events:
        by_match[event.match_id].append(event)
    return [by_match[id(m)] for m in matches]


def _demand(rng: random.Random, kind: DemandKind, enterprise: DemoEnterprise) -> Demand:
    chains = TOPICS_OF.get(enterprise.industry, ("智能制造",))
    topic = TOPIC_BY_INDUSTRY[chains[0] if rng.random() < 0.6 else rng.choice(chains)]
    if rng.random() < 0.15:  # every chain asks for energy saving and digitalisation now and then
        topic = TOPIC_BY_INDUSTRY[rng.choice(("节能环保", "智能制造"))]
    budget = amount = None
    financing = None
    if kind is DemandKind.technology:
        title, description = rng.choice(topic.problems)
        budget = _wan(rng.choice((10, 20, 30, 50, 80, 100, 150, 200, 300)))
    elif kind is DemandKind.talent:
        title, description = rng.choice(topic.talents)
        budget = _wan(rng.choice((10, 15, 20, 30, 50))) if rng.random() < 0.6 else None
    else:
        title, template, financing = rng.choice(FINANCE_NEEDS)
        wan = (
            rng.choice((1000, 1500, 2000, 3000))
            if financing is Financing.equity
            else rng.choice((50, 100, 200, 300, 500, 800, 1000, 1500))
        )
        description = template.format(industry=topic.industry, amount=wan)
        amount = _wan(wan)
    posted_at = _posted_at(rng)
    long_running = rng.random() < 0.06
    deadline = (
        LONG_RUNNING_DEADLINE
        if long_running
        else (posted_at + timedelta(days=rng.choice((60, 90, 120)))).date()
    )
    demand = Demand(
        credit_code=enterprise.credit_code,
        enterprise_name=enterprise.name,
        region_code=enterprise.region_code,
        qualifications=[kind for kind, _ in enterprise.qualifications],
        kind=kind.value,
        title=title,
        description=description,
        industry=topic.industry,
        budget=budget,
        amount_sought=amount,
        financing=financing.value if financing else None,
        deadline=deadline,
        posted_by=enterprise.credit_code,
        posted_at=posted_at,
        updated_at=posted_at,
    )
    segment_demand(demand)
    return demand


def _docking(
    rng: random.Random, picker: _Picker, demand: Demand, outcome: str
) -> tuple[Match, list[MatchEvent]] | None:
    if outcome == "none":
        return None
    supply = picker.pick(demand, stays_active=outcome in ("docking", "proposed"))
    if supply is None:
        return None
    posted = demand.posted_at
    responded = posted + timedelta(hours=rng.uniform(2, 24 * rng.choice((1, 2, 3, 5, 8))))
    end = END_OF_HALF.astimezone(UTC)
    responded = min(responded, end - timedelta(hours=30))
    responded = max(responded, posted + timedelta(hours=1))
    docking_at = min(responded + timedelta(days=rng.uniform(1, 6)), end - timedelta(hours=6))
    docking_at = max(docking_at, responded + timedelta(minutes=30))
    finished = min(docking_at + timedelta(days=rng.uniform(3, 40)), end)
    finished = max(finished, docking_at + timedelta(minutes=30))
    demand.first_response_at = responded
    origin = rng.choice(list(MatchOrigin))
    match = Match(
        demand_id=demand.id or 0,
        supply_id=supply.id or 0,
        status=outcome,
        origin=origin.value,
        note="",
        created_by="admin" if origin is MatchOrigin.bureau else demand.credit_code,
        created_at=responded,
        updated_at=finished if outcome in ("succeeded", "failed") else docking_at,
        finished_at=finished if outcome in ("succeeded", "failed") else None,
    )
    key = id(match)
    events = [MatchEvent(match_id=key, to_status="proposed", actor=match.created_by, at=responded)]
    if outcome in ("docking", "succeeded", "failed"):
        events.append(
            MatchEvent(
                match_id=key, from_status="proposed", to_status="docking", actor="admin", at=docking_at
            )
        )
    if outcome in ("succeeded", "failed"):
        events.append(
            MatchEvent(match_id=key, from_status="docking", to_status=outcome, actor="admin", at=finished)
        )
    if outcome == "succeeded":
        demand.status = DemandStatus.matched.value
        demand.matched_at = finished
        if demand.kind == DemandKind.technology.value and rng.random() < 0.7:
            match.contract_amount = _wan(rng.choice((10, 20, 35, 50, 80, 120, 200, 300)))
            match.contract_type = rng.choices(list(ContractType), weights=(40, 20, 15, 25))[0].value
            match.signed_on = finished.astimezone(LOCAL_TZ).date()
    return match, events
