"""The audit trail in indicator-api: sign-ins (good and failed) and sign-outs, writes made set-based,
consumer pulls, and who may read the trail."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from daye_dev.audit import audit_rows
from daye_dev.pytest_plugin import bearer

from .conftest import DEMO_PASSWORD

JINNIU = "420281101"


def figure(value: str, month: int = 10) -> dict[str, object]:
    return {
        "indicator_code": "graduates_new",
        "region_code": JINNIU,
        "year": 2025,
        "month": month,
        "value": value,
        "provenance": "administrative",
    }


async def test_sign_in_a_wrong_password_and_sign_out_are_recorded(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    wrong = await client.post("/api/v1/auth/token", data={"username": JINNIU, "password": "not-it"})
    assert wrong.status_code == 401
    [failed] = await audit_rows(app, wrong.headers["x-request-id"])
    assert (failed["action"], failed["actor"], failed["role"], failed["outcome"]) == (
        "sign_in_failed",
        JINNIU,
        None,
        "failure",
    )
    assert (failed["status"], failed["error_code"]) == (401, "invalid_credentials")
    assert failed["after"] is None
    assert failed["changed"] == []

    good = await client.post("/api/v1/auth/token", data={"username": JINNIU, "password": DEMO_PASSWORD})
    assert good.status_code == 200
    [signed_in] = await audit_rows(app, good.headers["x-request-id"])
    assert (signed_in["action"], signed_in["actor"], signed_in["role"], signed_in["region_code"]) == (
        "sign_in",
        JINNIU,
        "township",
        JINNIU,
    )
    assert (signed_in["outcome"], signed_in["status"]) == ("success", 200)

    token = good.json()["access_token"]
    out = await client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {token}"})
    assert out.status_code == 204
    [signed_out] = await audit_rows(app, out.headers["x-request-id"])
    assert (signed_out["action"], signed_out["actor"], signed_out["role"], signed_out["outcome"]) == (
        "sign_out",
        JINNIU,
        "township",
        "success",
    )
    assert signed_out["status"] == 204
    # The password is never in the trail, whatever the request changed.
    for row in await audit_rows(app):
        assert DEMO_PASSWORD not in str(row)
        assert "not-it" not in str(row)


async def test_values_written_set_based_name_what_they_wrote(app: FastAPI, client: httpx.AsyncClient) -> None:
    township = await bearer(client, JINNIU, DEMO_PASSWORD)
    one = await client.post("/api/v1/indicator-values/bulk", json={"items": [figure("10")]}, headers=township)
    assert one.json() == {"written": 1, "unchanged": 0}
    [row] = await audit_rows(app, one.headers["x-request-id"])
    assert (row["action"], row["actor"], row["role"], row["object_type"]) == (
        "record_values_in_bulk",
        JINNIU,
        "township",
        "indicator_values",
    )
    assert row["object_id"] is not None
    assert row["after"]["value"] in ("10", "10.0000")
    assert "value" in row["changed"]

    many = await client.post(
        "/api/v1/indicator-values/bulk",
        json={"items": [figure("10"), figure("12", month=11), figure("13", month=12)]},
        headers=township,
    )
    assert many.json() == {"written": 2, "unchanged": 1}
    [row] = await audit_rows(app, many.headers["x-request-id"])
    assert (row["object_type"], row["object_id"]) == ("indicator_values", None)
    assert (row["after"]["written"], row["after"]["unchanged"]) == (2, 1)
    assert len(row["after"]["revision_ids"]) == 2

    refused = await client.post(
        "/api/v1/indicator-values/bulk",
        json={"items": [{**figure("1"), "region_code": "420281102"}]},
        headers=township,
    )
    assert refused.status_code == 422
    [row] = await audit_rows(app, refused.headers["x-request-id"])
    assert (row["outcome"], row["status"], row["error_code"], row["after"]) == (
        "failure",
        422,
        refused.json()["code"],
        None,
    )


async def test_a_consumer_key_pull_is_recorded(app: FastAPI, client: httpx.AsyncClient) -> None:
    viewer = await bearer(client, "viewer", DEMO_PASSWORD)
    created = await client.post(
        "/api/v1/auth/api-keys",
        json={"name": "城市数据交换平台", "scopes": ["read:enterprises"]},
        headers=viewer,
    )
    assert created.status_code == 201
    key = {"X-API-Key": created.json()["key"]}
    [made] = await audit_rows(app, created.headers["x-request-id"])
    assert (made["action"], made["object_type"]) == ("create_api_key", "api_keys")
    assert all(value == "[redacted]" for name, value in made["after"].items() if "hash" in name)

    page = await client.get("/api/v1/enterprises", params={"limit": 7}, headers=key)
    assert page.status_code == 200
    [pull] = await audit_rows(app, page.headers["x-request-id"])
    assert (pull["action"], pull["actor"], pull["api_key_id"], pull["outcome"]) == (
        "data_pull",
        "viewer",
        created.json()["id"],
        "success",
    )
    assert (pull["dataset"], pull["rows_returned"], pull["method"]) == ("enterprises", 7, "GET")

    code = page.json()["items"][0]["credit_code"]
    single = await client.get(f"/api/v1/enterprises/{code}", headers=key)
    [pull] = await audit_rows(app, single.headers["x-request-id"])
    assert (pull["dataset"], pull["rows_returned"]) == ("enterprises", 1)

    refused = await client.get("/api/v1/indicators", headers=key)
    assert refused.status_code == 403
    [pull] = await audit_rows(app, refused.headers["x-request-id"])
    assert (pull["action"], pull["outcome"], pull["error_code"]) == ("data_pull", "failure", "scope_missing")

    # The same account's reads with its own token are no pulls: nothing is written for them.
    read = await client.get("/api/v1/enterprises", headers=viewer)
    assert await audit_rows(app, read.headers["x-request-id"]) == []


async def test_the_trail_is_read_by_the_auditor_only(app: FastAPI, client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/auth/token", data={"username": "viewer", "password": "wrong"})
    for account in ("admin", "security", "viewer", JINNIU):
        headers = await bearer(client, account, DEMO_PASSWORD)
        assert (await client.get("/api/v1/audit", headers=headers)).status_code == 403, account
        assert (await client.get("/api/v1/exports/audit.xlsx", headers=headers)).status_code == 403
    assert (await client.get("/api/v1/audit")).status_code == 401
    reader = await bearer(client, "auditor", DEMO_PASSWORD)
    everything = (await client.get("/api/v1/audit", params={"limit": 2}, headers=reader)).json()
    assert everything["total"] >= 3
    assert len(everything["items"]) == 2
    newest, older = everything["items"]
    assert (newest["occurred_at"], newest["id"]) > (older["occurred_at"], older["id"])
    rest = (
        await client.get(
            "/api/v1/audit", params={"limit": 2, "after": everything["next_cursor"]}, headers=reader
        )
    ).json()
    assert rest["total"] == everything["total"]
    assert {i["id"] for i in rest["items"]}.isdisjoint({newest["id"], older["id"]})
    failed = (await client.get("/api/v1/audit", params={"outcome": "failure"}, headers=reader)).json()
    # The refused reads of the trail above are no writes: the one failure is the wrong password.
    assert [(i["action"], i["actor"]) for i in failed["items"]] == [("sign_in_failed", "viewer")]
    signed = (
        await client.get("/api/v1/audit", params={"action": "sign_in", "actor": "viewer"}, headers=reader)
    ).json()
    assert signed["total"] == 1
    assert signed["items"][0]["role"] == "viewer"
    sheet = await client.get("/api/v1/exports/audit.xlsx", params={"action": "sign_in"}, headers=reader)
    assert sheet.status_code == 200
    assert sheet.headers["content-type"].startswith("application/vnd.openxmlformats")
    bad = await client.get("/api/v1/audit", params={"outcome": "maybe"}, headers=reader)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.outcome"
