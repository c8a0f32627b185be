"""A consumer key limited to datasets holds its limits on every service, through the real exchange
of the key at indicator-api; each service's path → dataset map names real read operations."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

import funding_api.main
import indicator_api.main
import matching_api.main
from daye_dev.audit import audit_rows
from daye_dev.pytest_plugin import bearer
from daye_kit.scopes import Dataset

from .conftest import DEMO_PASSWORD, Platform


async def test_a_key_for_enterprises_reads_them_and_no_awards(platform: Platform) -> None:
    async with (
        platform.client("indicator-api") as indicator,
        platform.client("funding-api") as funding,
        platform.client("matching-api") as matching,
    ):
        viewer = await bearer(indicator, "viewer", DEMO_PASSWORD)
        created = await indicator.post(
            "/api/v1/auth/api-keys",
            json={"name": "城市数据交换平台", "scopes": ["read:enterprises"], "rate_limit": "100/minute"},
            headers=viewer,
        )
        assert created.status_code == 201, created.text
        key = {"X-API-Key": created.json()["key"]}

        enterprises = await indicator.get("/api/v1/enterprises", headers=key)
        assert enterprises.status_code == 200
        assert enterprises.json()["total"] > 0

        me = await funding.get("/api/v1/auth/me", headers=key)
        assert me.status_code == 200
        assert me.json()["scopes"] == ["read:enterprises"]
        assert me.json()["rate_limit"] == "100/minute"
        awards = await funding.get("/api/v1/awards", headers=key)
        assert awards.status_code == 403
        assert awards.headers["content-type"] == "application/problem+json"
        assert awards.json()["code"] == "scope_missing"
        assert awards.json()["errors"][0]["rule"] == "read:awards"
        demands = await matching.get(
            "/api/v1/demands", headers={"Authorization": f"Bearer {key['X-API-Key']}"}
        )
        assert demands.status_code == 403
        assert demands.json()["errors"][0]["rule"] == "read:demands"
        # Each service's trail holds the key's pulls, refused ones too, with the key's id.
        [pulled] = await audit_rows(platform.apps["funding-api"], awards.headers["x-request-id"])
        assert (pulled["action"], pulled["actor"], pulled["api_key_id"], pulled["dataset"]) == (
            "data_pull",
            "viewer",
            created.json()["id"],
            "awards",
        )
        assert (pulled["outcome"], pulled["error_code"]) == ("failure", "scope_missing")
        [pulled] = await audit_rows(platform.apps["indicator-api"], enterprises.headers["x-request-id"])
        assert (pulled["dataset"], pulled["rows_returned"]) == (
            "enterprises",
            len(enterprises.json()["items"]),
        )
        # The viewer account itself sees aggregates, not individual awards; programmes are public.
        assert (await funding.get("/api/v1/awards", headers=viewer)).status_code == 403
        assert (await funding.get("/api/v1/programs", headers=viewer)).status_code == 200


async def test_a_key_rate_counts_on_a_peer_too(platform: Platform) -> None:
    async with platform.client("indicator-api") as indicator, platform.client("funding-api") as funding:
        viewer = await bearer(indicator, "viewer", DEMO_PASSWORD)
        created = await indicator.post(
            "/api/v1/auth/api-keys",
            json={"name": "限速", "scopes": ["read:programs"], "rate_limit": "2/minute"},
            headers=viewer,
        )
        key = {"X-API-Key": created.json()["key"]}
        assert [(await funding.get("/api/v1/programs", headers=key)).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]


@pytest.mark.parametrize(
    "create_app",
    [indicator_api.main.create_app, matching_api.main.create_app, funding_api.main.create_app],
)
def test_each_dataset_prefix_names_real_reads(create_app: Callable[..., FastAPI]) -> None:
    app = create_app()
    datasets = app.state.datasets
    reads = [path for path, operations in app.openapi()["paths"].items() if "get" in operations]
    for prefix, dataset in datasets._prefixes:
        assert dataset in set(Dataset)
        covered = [path for path in reads if path.startswith(prefix) and datasets.dataset(path) == dataset]
        assert covered, prefix
    # A path named nowhere (a caller's own keys) stays closed to scoped keys.
    assert "/api/v1/auth/api-keys" not in {p for p in reads if datasets.dataset(p)}
