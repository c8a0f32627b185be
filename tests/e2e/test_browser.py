"""The front end's browser tests (frontend/e2e, Playwright driving Debian's Chromium) against the
real stack: the three services started here as processes on free ports with the demo data."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from daye_dev.processes import ServiceProcess, demo_stack, free_port, running, sign_in

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
SCREENSHOTS = FRONTEND / "test-artifacts" / "screenshots"  # where frontend/e2e/run.mjs saves them
PASSWORD = "daye-demo-2025"
# What the notification centre and the dashboard's stamps show comes from these duties; they run on
# their own when the stack runs its duties, and are run here in case it does not (each is idempotent:
# a reminder is sent once per award, a publication applied once).
DUTIES = (("funding-api", "remind-award-payments"), ("matching-api", "publish-match-stats"))
# The screenshots each test file saves (at least these). E2E_ONLY (comma-separated words of file
# names, read by frontend/e2e/run.mjs) runs some files only, e.g. `E2E_ONLY=7-governance pytest …`.
SHOTS = {
    "5-jobs": {"jobs.png", "jobs-ran.png", "jobs-outbox.png"},
    "6-notices": {
        "notices.png",
        "notices-award.png",
        "notices-service-down.png",
        "notices-all-read.png",
        "dashboard-published.png",
    },
    "7-governance": {
        "audit.png",
        "audit-expanded.png",
        "accounts-disabled.png",
        "accounts-disabled-login.png",
        "accounts-temporary-password.png",
        "signed-out-revoked.png",
        "security-must-change.png",
        "security-totp.png",
        "security-totp-enabled.png",
        "periods-closed.png",
        "periods-reopened.png",
        "reporting-returned.png",
        "township-returned.png",
    },
    "8-suppliers-policies": {
        "supplier-hall.png",
        "supplier-respond.png",
        "supplier-supplies.png",
        "township-prospects.png",
        "township-visits.png",
        "enterprise-policies.png",
        "finance-outreach-coverage.png",
    },
}


def ran(test_file: str) -> bool:
    only = [word.strip() for word in os.environ.get("E2E_ONLY", "").split(",") if word.strip()]
    return not only or any(word in test_file for word in only)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServiceProcess]]:
    with running(demo_stack(tmp_path_factory.mktemp("browser"))) as started:
        yield started


def run_duties(stack: dict[str, ServiceProcess]) -> None:
    admin = sign_in(stack["indicator-api"], "admin", PASSWORD)
    for service, duty in DUTIES:
        response = httpx.post(
            f"{stack[service].url}/api/v1/jobs/{duty}/runs",
            headers={**admin, "Idempotency-Key": f"test-browser-{duty}"},
            timeout=60,
        )
        assert response.status_code in (200, 201), response.text
        assert response.json()["outcome"] == "ok", response.json()
    # The bureau has its payment reminders.
    reminders = httpx.get(f"{stack['funding-api'].url}/api/v1/notifications", headers=admin, timeout=10)
    assert reminders.json()["total"] >= 1, reminders.text


def test_the_front_end_in_a_real_browser(stack: dict[str, ServiceProcess]) -> None:
    assert (FRONTEND / "node_modules").is_dir(), "make install runs npm ci in frontend/"
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    assert Path(chromium).exists(), "Debian's chromium package (make install-browser) drives the tests"
    npm = shutil.which("npm")
    assert npm
    run_duties(stack)
    env = {
        **os.environ,
        "INDICATOR_API_URL": stack["indicator-api"].url,
        "MATCHING_API_URL": stack["matching-api"].url,
        "FUNDING_API_URL": stack["funding-api"].url,
        "E2E_PORT": str(free_port()),
        "CHROMIUM": chromium,
    }
    result = subprocess.run(
        [npm, "run", "test:e2e"], cwd=FRONTEND, env=env, capture_output=True, text=True, timeout=600
    )
    print(result.stdout[-4000:])
    print(f"browser screenshots: {SCREENSHOTS}")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    shots = sorted(p.name for p in SCREENSHOTS.glob("*.png"))
    expected = {name for test_file, names in SHOTS.items() if ran(test_file) for name in names}
    assert expected <= set(shots), sorted(expected - set(shots))
