"""The quarterly report's sections, written from live data in the bureau's own style.

Every number in the text is also a `Figure` beside it, naming where it came from, so a reader (or a
test) can trace "完成技术合同成交额34.25亿元" back to the indicator, unit and date that produced it.
A peer that is down turns its paragraph into a sentence saying the figure is unavailable. Goals
the text states are the indicators' targets for the year, never written into it.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from daye_kit.errors import AppError
from indicator_api.cultivation import service as cultivation
from indicator_api.cultivation.schemas import MEASURE_NAMES, TownshipProgress
from indicator_api.indicators import service as indicators
from indicator_api.indicators.progress import Pace, Status
from indicator_api.indicators.schemas import ProgressPublic
from indicator_api.peers import FundingClient, MatchingClient
from indicator_api.regions.service import get_region
from indicator_api.reports.schemas import Difference, Figure, QuarterlyReport, Section

TARGETED = ("tech_contract_turnover", "hte_applications", "tech_sme_registered")
RESEARCH = ("rd_expenditure", "rd_personnel", "new_product_sales", "rd_institutions")
MATCH_RATE = "supply_chain_match_rate"


def quarter_end(year: int, quarter: int) -> date:
    month = quarter * 3
    return date(year, month, calendar.monthrange(year, month)[1])


def plain(number: Decimal, places: int = 2) -> str:
    """34.2500 → "34.25", 106 → "106": the report writes figures without trailing zeros."""
    text = f"{number.quantize(Decimal(1).scaleb(-places)):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def percent(rate: Decimal | None, places: int = 1) -> str:
    return "—" if rate is None else f"{plain(rate * 100, places)}%"


def _source(item: ProgressPublic) -> str:
    return f"indicator {item.indicator.code}, unit {item.region_code}, as of {item.as_of}"


def _targets_section(items: dict[str, ProgressPublic], months: int) -> Section:
    sentences: list[str] = []
    figures: list[Figure] = []
    verbs = {
        "tech_contract_turnover": "完成技术合同成交额",
        "hte_applications": "高新技术企业申报",
        "tech_sme_registered": "科技型中小企业入库",
    }
    for code in TARGETED:
        item = items[code]
        if item.actual is None:
            sentences.append(f"{verbs[code]}暂无数据")
            continue
        actual = f"{plain(item.actual)}{item.indicator.unit}"
        figures.append(
            Figure(key=f"{code}.actual", text=actual, value=plain(item.actual), source=_source(item))
        )
        sentence = f"{verbs[code]}{actual}"
        if item.completion_rate is not None:
            rate = percent(item.completion_rate)
            figures.append(
                Figure(
                    key=f"{code}.completion_rate",
                    text=rate,
                    value=str(item.completion_rate),
                    source=_source(item),
                )
            )
            sentence += f",完成全年目标任务{rate}"
        sentences.append(sentence)
    elapsed = percent(next(iter(items.values())).time_progress, 0)
    return Section(
        title="一、主要指标完成情况",
        paragraphs=[f"1—{months}月," + ";".join(sentences) + f"。时间进度为{elapsed}。"],
        figures=figures,
    )


def _research_section(items: dict[str, ProgressPublic], year: int) -> Section:
    names = {
        "rd_expenditure": "全社会研发投入",
        "rd_personnel": "规上企业研发人员",
        "new_product_sales": "规上企业新产品销售收入",
        "rd_institutions": "规上企业研发机构",
    }
    sentences: list[str] = []
    figures: list[Figure] = []
    for code in RESEARCH:
        item = items[code]
        if item.actual is None:
            continue
        actual = f"{plain(item.actual)}{item.indicator.unit}"
        figures.append(
            Figure(key=f"{code}.actual", text=actual, value=plain(item.actual), source=_source(item))
        )
        sentence = f"{names[code]}{actual}"
        if item.yoy_growth is not None:
            growth = percent(item.yoy_growth, 2)
            figures.append(
                Figure(
                    key=f"{code}.yoy_growth", text=growth, value=str(item.yoy_growth), source=_source(item)
                )
            )
            sentence += f",同比增长{growth}"
        sentences.append(sentence)
    text = f"{year - 1}年研发活动统计:" + ";".join(sentences) + "。"
    if not sentences:
        text = f"{year - 1}年研发活动统计数据暂未报送。"
    return Section(title="二、研发活动", paragraphs=[text], figures=figures)


async def _supply_chain_section(
    matching: MatchingClient, year: int, as_of: date, *, target: Decimal | None, target_source: str
) -> Section:
    title = "三、科创供应链对接"
    try:
        stats = await matching.stats(start=date(year, 1, 1), end=as_of)
    except AppError as exc:
        return Section(
            title=title, paragraphs=[f"科创供应链对接数据暂不可用({exc.detail})。"], available=False
        )
    source = f"matching-api /api/v1/stats {year}-01-01..{as_of}"
    posted, matched = str(stats.posted), str(stats.matched)
    rate = percent(stats.match_rate)
    figures = [
        Figure(key="supply_chain.posted", text=f"{posted}项", value=posted, source=source),
        Figure(key="supply_chain.matched", text=f"{matched}项", value=matched, source=source),
        Figure(key="supply_chain.match_rate", text=rate, value=str(stats.match_rate), source=source),
    ]
    if target is None:
        goal = "未设定年度目标"
    else:
        goal = f"目标{percent(target)}"
        figures.append(
            Figure(
                key="supply_chain.match_rate_target",
                text=percent(target),
                value=plain(target, 4),
                source=target_source,
            )
        )
    return Section(
        title=title,
        paragraphs=[
            f"科创供应链平台发布人才、技术、金融等需求{posted}项,经平台匹配实现对接成功{matched}项,"
            f"对接率{rate}({goal})。"
        ],
        figures=figures,
    )


async def _funds_section(funding: FundingClient, as_of: date) -> Section:
    title = "四、政策资金兑现"
    try:
        body = await funding.outstanding(as_of=as_of)
    except AppError as exc:
        return Section(
            title=title, paragraphs=[f"未兑现政策资金数据暂不可用({exc.detail})。"], available=False
        )
    wan = plain(body.total / 10_000, 4)
    source = f"funding-api /api/v1/outstanding as of {as_of}"
    return Section(
        title=title,
        paragraphs=[
            f"截至{as_of.month}月底,尚有未兑现政策资金{wan}万元,含无申请兑现事项和科技创新管理专项。"
        ],
        figures=[
            Figure(key="policy_funds_outstanding", text=f"{wan}万元", value=str(body.total), source=source)
        ],
    )


def _township(township: TownshipProgress) -> str:
    gaps = [
        f"{MEASURE_NAMES[measure]}按进度还需{progress.needed_for_pace}家"
        for measure, progress in township.measures.items()
        if progress.status is Status.behind
    ]
    return f"{township.name}({'、'.join(gaps)})"


async def build(
    session: AsyncSession,
    *,
    city_code: str,
    year: int,
    quarter: int,
    matching: MatchingClient,
    funding: FundingClient,
) -> QuarterlyReport:
    as_of = quarter_end(year, quarter)
    city = await get_region(session, city_code)
    catalogue = {i.code: i for i in await indicators.list_indicators(session)}
    current = await indicators.progress_of(
        session,
        indicators=[catalogue[c] for c in TARGETED],
        region_code=city_code,
        year=year,
        as_of=as_of,
        pace=Pace.quarter,
    )
    research = await indicators.progress_of(
        session,
        indicators=[catalogue[c] for c in RESEARCH],
        region_code=city_code,
        year=year - 1,
        as_of=date(year - 1, 12, 31),
        pace=Pace.quarter,
    )
    board = await indicators.dashboard(
        session, region_code=city_code, year=year, as_of=as_of, pace=Pace.quarter
    )
    ranking = await cultivation.progress(
        session, city_code=city_code, year=year, as_of=as_of, pace=Pace.quarter
    )
    targets = await indicators.targets_of(session, region_code=city_code, year=year)
    behind = [i for i in board.items if i.status is Status.behind]
    lagging_towns = [t for t in ranking.townships if t.behind]
    months = quarter * 3
    sections = [
        _targets_section({i.indicator.code: i for i in current}, months),
        _research_section({i.indicator.code: i for i in research}, year),
        await _supply_chain_section(
            matching,
            year,
            as_of,
            target=targets.get(MATCH_RATE),
            target_source=f"indicator {MATCH_RATE} target, unit {city_code}, {year}",
        ),
        await _funds_section(funding, as_of),
        Section(
            title="五、存在的问题",
            paragraphs=[
                "滞后于时间进度的指标:"
                + ("、".join(f"{i.indicator.name}(完成{percent(i.completion_rate)})" for i in behind) or "无")
                + "。",
                "培育进度滞后的乡镇:" + ("、".join(_township(t) for t in lagging_towns) or "无") + "。",
            ],
        ),
    ]
    return QuarterlyReport(
        year=year,
        quarter=quarter,
        as_of=as_of,
        sections=sections,
        title=f"{city.name}科技局{year}年{'一二三四'[quarter - 1]}季度工作报告(数据部分)",
    )


def differences(published: QuarterlyReport, live: QuarterlyReport) -> list[Difference]:
    """Each figure whose value is not the same in both versions (or is in one only), section by
    section in the report's order; a figure is named by its section's place and its key."""
    found: list[Difference] = []
    for index in range(max(len(published.sections), len(live.sections))):
        old = published.sections[index] if index < len(published.sections) else None
        new = live.sections[index] if index < len(live.sections) else None
        before = {f.key: f.value for f in old.figures} if old else {}
        after = {f.key: f.value for f in new.figures} if new else {}
        either = new or old
        title = either.title if either is not None else ""
        for key in [*before, *(k for k in after if k not in before)]:
            if before.get(key) != after.get(key):
                found.append(
                    Difference(
                        path=f"sections.{index}.figures.{key}",
                        label=f"{title} · {key}",
                        published=before.get(key),
                        live=after.get(key),
                    )
                )
    return found
