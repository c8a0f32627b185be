"""The Q3 2025 report written from the demo data finds every figure of the source report's sections
一(一) and 一(三); a peer that is down leaves its paragraph saying so, and the report still comes."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import docx
import httpx
import pytest_asyncio
from fastapi import FastAPI

import funding_api.config
import funding_api.main
import indicator_api.config
import indicator_api.main
import matching_api.config
import matching_api.main
from daye_dev.pytest_plugin import FreshDatabase, asgi_client, bearer, running

from .conftest import DEMO_PASSWORD

MODULES = {"indicator-api": indicator_api, "matching-api": matching_api, "funding-api": funding_api}


@pytest_asyncio.fixture
async def demo_platform(
    fresh_database: FreshDatabase, signing_key_file: Path
) -> AsyncIterator[dict[str, FastAPI]]:
    """All three services in-process, each on a copy of a database that holds its demo data."""
    apps: dict[str, FastAPI] = {}

    def settings(name: str, url: str) -> object:
        module = MODULES[name]
        common = {
            "database_url": url,
            "migrate_on_start": False,
            "environment": "test",
            "demo": True,
            "indicator_url": "http://indicator-api",
            "log_level": "WARNING",
        }
        if name == "indicator-api":
            common |= {
                "demo_password": DEMO_PASSWORD,
                "signing_key_file": signing_key_file,
                "matching_url": "http://matching-api",
                "funding_url": "http://funding-api",
            }
        return module.config.Settings(**common)

    def make(name: str, url: str) -> FastAPI:
        app: FastAPI = MODULES[name].main.create_app(
            settings(name, url), http_client_factory=lambda: asgi_client(apps)
        )
        return app

    urls = {}
    for name, module in MODULES.items():

        async def load_demo(url: str, name: str = name) -> None:
            async for _ in running(make(name, url)):
                pass

        urls[name] = await fresh_database(f"{name}-demo", module.main.MIGRATIONS, load_demo)
    apps.update({name: make(name, url) for name, url in urls.items()})
    async for _ in running(apps["indicator-api"]):
        async for _ in running(apps["matching-api"]):
            async for _ in running(apps["funding-api"]):
                yield apps


def _indicator_api(apps: dict[str, FastAPI]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=apps["indicator-api"]), base_url="http://i")


async def _report(apps: dict[str, FastAPI], **params: object) -> httpx.Response:
    async with _indicator_api(apps) as c:
        admin = await bearer(c, "admin", DEMO_PASSWORD)
        return await c.get(
            "/api/v1/reports/quarterly", params={"year": 2025, "quarter": 3, **params}, headers=admin
        )


async def test_the_q3_report_states_every_figure_of_the_source(demo_platform: dict[str, FastAPI]) -> None:
    markdown = await _report(demo_platform, format="markdown")
    assert markdown.status_code == 200
    assert markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    for figure in (
        "完成技术合同成交额34.25亿元,完成全年目标任务73.5%",
        "高新技术企业申报106家",
        "68.8%",
        "科技型中小企业入库888家",
        "88.8%",
        "全社会研发投入27.84亿元,同比增长8.7%",
        "686项",
        "392项",
        "5506.8万元",
    ):
        assert figure in text, figure
    assert "技术合同成交额(完成73.5%)" in text  # among the indicators behind the pace
    assert "对接率57.1%(目标80%)" in text  # the match rate's target for 2025, as the demo sets it

    body = (await _report(demo_platform)).json()
    figures = {f["key"]: f for section in body["sections"] for f in section["figures"]}
    assert figures["tech_contract_turnover.actual"]["text"] == "34.25亿元"
    assert "indicator tech_contract_turnover" in figures["tech_contract_turnover.actual"]["source"]
    assert figures["supply_chain.posted"]["value"] == "686"
    assert figures["policy_funds_outstanding"]["value"] == "55068000.00"
    assert figures["policy_funds_outstanding"]["source"].startswith("funding-api")
    for section in body["sections"]:
        for figure in section["figures"]:
            assert figure["text"] in " ".join(section["paragraphs"]), figure


async def test_the_report_as_a_word_document(demo_platform: dict[str, FastAPI]) -> None:
    response = await _report(demo_platform, format="docx")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="daye-report-2025-q3.docx"'
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert document.paragraphs[0].text == "大冶市科技局2025年三季度工作报告(数据部分)"
    assert "完成技术合同成交额34.25亿元,完成全年目标任务73.5%" in text
    assert "5506.8万元" in text


async def test_a_peer_down_leaves_its_paragraph_unavailable(demo_platform: dict[str, FastAPI]) -> None:
    demo_platform["indicator-api"].state.funding.base_url = "http://127.0.0.1:9"
    body = (await _report(demo_platform)).json()
    funds = next(s for s in body["sections"] if s["title"].endswith("政策资金兑现"))
    assert funds["available"] is False
    assert "暂不可用" in funds["paragraphs"][0]
    assert funds["figures"] == []
    supply = next(s for s in body["sections"] if s["title"].endswith("科创供应链对接"))
    assert supply["available"] is True


async def test_the_match_rate_target_is_the_indicator_s(demo_platform: dict[str, FastAPI]) -> None:
    async with _indicator_api(demo_platform) as c:
        admin = await bearer(c, "admin", DEMO_PASSWORD)
        raised = await c.put(
            "/api/v1/indicators/supply_chain_match_rate/targets/2025", json={"value": "0.85"}, headers=admin
        )
        assert raised.status_code == 200, raised.text
    body = (await _report(demo_platform)).json()
    supply = next(s for s in body["sections"] if s["title"].endswith("科创供应链对接"))
    assert "(目标85%)" in supply["paragraphs"][0]
    target = next(f for f in supply["figures"] if f["key"] == "supply_chain.match_rate_target")
    assert (target["text"], target["value"]) == ("85%", "0.85")
    assert target["source"].startswith("indicator supply_chain_match_rate")

    unset = (await _report(demo_platform, year=2026, quarter=1)).json()
    supply = next(s for s in unset["sections"] if s["title"].endswith("科创供应链对接"))
    assert "(未设定年度目标)" in supply["paragraphs"][0]
    assert "目标8" not in supply["paragraphs"][0]
