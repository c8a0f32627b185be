"""funding-api and indicator-api as real processes with the demo data, over real sockets."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import httpx
import pytest

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.processes import ServiceProcess, demo_stack, running, sign_in

pytestmark = pytest.mark.e2e
DEMO_PASSWORD = "e2e-demo-password"


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServiceProcess]]:
    workdir = tmp_path_factory.mktemp("e2e-funding")
    # Started together, as `make run` does: funding-api waits for the registry to seed its demo.
    stack = demo_stack(
        workdir, only=("indicator-api", "funding-api"), demo_password=DEMO_PASSWORD, LOG_FORMAT="json"
    )
    with running(stack) as started:
        yield started


def _sign_in(indicator: ServiceProcess, username: str) -> dict[str, str]:
    return sign_in(indicator, username, DEMO_PASSWORD)


def test_the_demo_owes_what_the_report_says(services: dict[str, ServiceProcess]) -> None:
    funding = services["funding-api"]
    viewer = _sign_in(services["indicator-api"], "viewer")
    report = httpx.get(
        f"{funding.url}/api/v1/outstanding", params={"as_of": "2025-09-30"}, headers=viewer, timeout=30
    )
    assert report.status_code == 200, report.text
    assert report.json()["total"] == "55068000.00"
    # The notice lists award by award: the auditor reads it, a viewer only the total.
    auditor = _sign_in(services["indicator-api"], "auditor")
    notice = httpx.get(
        f"{funding.url}/api/v1/outstanding/export", params={"format": "csv"}, headers=auditor, timeout=30
    )
    assert notice.status_code == 200
    assert notice.content.decode("utf-8-sig").splitlines()[-1].split(",")[8] == "55068000.00"


def test_a_payment_retried_over_the_network_is_paid_once(services: dict[str, ServiceProcess]) -> None:
    indicator, funding = services["indicator-api"], services["funding-api"]
    admin = _sign_in(indicator, "admin")
    checker = {"username": "e2e-checker", "role": "admin", "password": "Fuhe-Staff-2025x"}
    security = _sign_in(indicator, "security")
    assert (
        httpx.post(f"{indicator.url}/api/v1/users", json=checker, headers=security, timeout=10).status_code
        == 201
    )
    second = sign_in(indicator, "e2e-checker", checker["password"])
    program = httpx.post(
        f"{funding.url}/api/v1/programs",
        json={
            "name": f"科技创新管理专项-e2e-{uuid.uuid4().hex[:6]}",
            "source_level": "daye",
            "year": 2026,
            "budget": "500000",
        },
        headers=admin,
        timeout=10,
    ).json()
    request_id = f"e2e-{uuid.uuid4().hex}"
    award = httpx.post(
        f"{funding.url}/api/v1/awards",
        json={
            "program_id": program["id"],
            "credit_code": "91420281MA0000001H",
            "amount": "200000.00",
            "application_no": "E2E-1",
        },
        headers={**admin, "X-Request-ID": request_id},
        timeout=10,
    )
    assert award.status_code == 201, award.text
    award_id = award.json()["id"]
    assert (
        httpx.post(f"{funding.url}/api/v1/awards/{award_id}/approval", headers=second, timeout=10).status_code
        == 200
    )
    key = {"Idempotency-Key": str(uuid.uuid4())}
    url = f"{funding.url}/api/v1/awards/{award_id}/disbursements"
    first = httpx.post(url, json={"amount": "50000.00"}, headers={**admin, **key}, timeout=10)
    again = httpx.post(url, json={"amount": "50000.00"}, headers={**admin, **key}, timeout=10)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.content == first.content
    read = httpx.get(f"{funding.url}/api/v1/awards/{award_id}", headers=admin, timeout=10).json()
    assert (read["paid"], read["outstanding"]) == ("50000.00", "150000.00")

    # The registry check travelled to indicator-api with the caller's request id.
    logged = [json.loads(line) for line in indicator.log_text().splitlines() if line.startswith("{")]
    assert any(
        line.get("request_id") == request_id and str(line.get("path", "")).startswith("/api/v1/enterprises/")
        for line in logged
    )


def test_every_demo_award_names_an_enterprise_of_the_real_registry(
    services: dict[str, ServiceProcess],
) -> None:
    indicator, funding = services["indicator-api"], services["funding-api"]
    admin = _sign_in(indicator, "admin")
    codes: set[str] = set()
    offset = 0
    while True:
        page = httpx.get(
            f"{funding.url}/api/v1/awards", params={"limit": 200, "offset": offset}, headers=admin, timeout=30
        ).json()
        codes |= {a["credit_code"] for a in page["items"]}
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            break
    assert codes
    for code in sorted(codes):
        registered = httpx.get(f"{indicator.url}/api/v1/enterprises/{code}", headers=admin, timeout=10)
        assert registered.status_code == 200, code


def test_no_application_awards_are_generated_from_the_real_registry(
    services: dict[str, ServiceProcess],
) -> None:
    indicator, funding = services["indicator-api"], services["funding-api"]
    admin = _sign_in(indicator, "admin")
    expected = {
        e.credit_code
        for e in DEMO_ENTERPRISES
        if any(k == "hte" and d.year == 2024 for k, d in e.qualifications)
    }
    program = httpx.post(
        f"{funding.url}/api/v1/programs",
        json={
            "name": f"高企认定奖励-e2e-{uuid.uuid4().hex[:6]}",
            "source_level": "daye",
            "year": 2026,
            "budget": "90000000",
            "rule": {"qualification": "hte", "granted_year": 2024, "amount": "100000"},
        },
        headers=admin,
        timeout=10,
    )
    assert program.status_code == 201, program.text
    path = f"{funding.url}/api/v1/programs/{program.json()['id']}/automatic-awards"
    generated = httpx.post(path, headers=admin, timeout=60)
    assert generated.status_code == 200, generated.text
    assert {a["credit_code"] for a in generated.json()["awards"]} == expected
    again = httpx.post(path, headers=admin, timeout=60).json()
    assert (again["created"], again["existing"]) == (0, len(expected))
