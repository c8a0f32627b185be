"""The three services as real processes on free ports, talking over real sockets."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from daye_dev.processes import SERVICES, ServiceProcess, demo_stack, free_port, platform, running

pytestmark = pytest.mark.e2e
DEMO_PASSWORD = "e2e-demo-password"


@pytest.fixture(scope="module")
def services(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServiceProcess]]:
    workdir = tmp_path_factory.mktemp("e2e")
    with running(demo_stack(workdir, demo_password=DEMO_PASSWORD, LOG_FORMAT="json")) as started:
        yield started


def _log_lines(process: ServiceProcess) -> list[dict[str, object]]:
    lines = []
    for line in process.log_text().splitlines():
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return lines


def test_one_request_id_follows_a_call_across_services(services: dict[str, ServiceProcess]) -> None:
    request_id = f"e2e-{uuid.uuid4().hex}"
    indicator, matching = services["indicator-api"], services["matching-api"]
    response = httpx.get(f"{matching.url}/readyz", headers={"X-Request-ID": request_id}, timeout=10)
    assert response.status_code == 200
    assert response.headers["x-request-id"] == request_id

    def requests_logged(process: ServiceProcess, path: str) -> list[dict[str, object]]:
        """The access log line is written once the answer has gone out: wait for it a little."""
        deadline = time.monotonic() + 10
        while True:
            lines = [line for line in _log_lines(process) if line.get("request_id") == request_id]
            if any(line.get("event") == "request" and line.get("path") == path for line in lines):
                return lines
            if time.monotonic() > deadline:
                raise AssertionError(f"no access log line for {path} with {request_id}: {lines}")
            time.sleep(0.1)

    requests_logged(matching, "/readyz")
    in_indicator = requests_logged(indicator, "/healthz")
    assert all(line["service"] == "indicator-api" for line in in_indicator)


def test_a_token_from_indicator_is_verified_by_the_peers_over_http(
    services: dict[str, ServiceProcess],
) -> None:
    token = httpx.post(
        f"{services['indicator-api'].url}/api/v1/auth/token",
        data={"username": "420281401", "password": DEMO_PASSWORD},
        timeout=10,
    ).json()["access_token"]
    for name in ("matching-api", "funding-api"):
        me = httpx.get(
            f"{services[name].url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert me.status_code == 200, name
        assert me.json()["region_code"] == "420281401"


def test_a_peer_that_is_down_gives_a_503(tmp_path: Path) -> None:
    """matching-api alone, its indicator-api never started: readiness and API-key calls are 503s."""
    ports = {name: free_port() for name, *_ in SERVICES}
    matching = platform(ports, cwd=tmp_path, log_dir=tmp_path)[1]
    matching.start()
    try:
        matching.wait_healthy()
        ready = httpx.get(f"{matching.url}/readyz", timeout=15)
        assert ready.status_code == 503
        assert ready.json()["checks"][1]["ok"] is False
        call = httpx.get(f"{matching.url}/api/v1/auth/me", headers={"X-API-Key": "dk_x_y"}, timeout=15)
        assert call.status_code == 503
        assert call.headers["content-type"] == "application/problem+json"
        assert call.json()["code"] == "peer_unavailable"
    finally:
        # uvicorn shuts down gracefully, then re-raises SIGTERM so the parent sees why it ended.
        assert matching.stop() in (0, -15)
    assert "Application shutdown complete." in matching.log_text()
