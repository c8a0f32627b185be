"""The front end's browser tests (frontend/e2e, Playwright driving Debian's Chromium) against the
real stack: the three services started here as processes on free ports with the demo data."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from daye_dev.processes import ServiceProcess, demo_stack, free_port, running

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
FRONTEND = ROOT / "frontend"
SCREENSHOTS = FRONTEND / "test-artifacts" / "screenshots"  # where frontend/e2e/run.mjs saves them


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServiceProcess]]:
    with running(demo_stack(tmp_path_factory.mktemp("browser"))) as started:
        yield started


def test_the_front_end_in_a_real_browser(stack: dict[str, ServiceProcess]) -> None:
    assert (FRONTEND / "node_modules").is_dir(), "make install runs npm ci in frontend/"
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    assert Path(chromium).exists(), "Debian's chromium package (make install-browser) drives the tests"
    npm = shutil.which("npm")
    assert npm
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
    assert len(shots) >= 6, shots
    assert {"jobs.png", "jobs-ran.png", "jobs-outbox.png"} <= set(shots), shots
