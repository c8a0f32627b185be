"""Schemathesis against every operation of the three services, anonymously and as each role.

Each case is generated from the service's own `/openapi.json` (valid inputs, and inputs that break
the schema), sent in-process to the platform with its demo data, and its answer checked: no 5xx, a
status, content type and body the OpenAPI documents for that operation, and every error a
problem+json with `type`, `title` and `status`. A second test follows the links Schemathesis infers
between operations (create → read → update) as state machines, so reads also see ids that exist.

Budget: FUZZ_MAX_EXAMPLES cases per operation, generation mode and principal (default 1, so that
`make test` stays quick; it fuzzes on SQLite only), FUZZ_BACKENDS (`sqlite`, or
`sqlite,postgresql`), FUZZ_RANDOM=1 for fresh inputs on each run instead of the same derandomized
ones. `make fuzz` sets all three.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from daye_demo.enterprises import DEMO_ENTERPRISES
from daye_dev.pytest_plugin import bearer
from daye_kit.errors import PROBLEM_MEDIA_TYPE
from daye_kit.settings import DEV_SERVICE_API_KEYS
from tests.conftest import DEMO_PASSWORD, Platform

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "1"))
BACKENDS = os.environ.get("FUZZ_BACKENDS", "sqlite").split(",")
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
SERVICES = ("indicator-api", "matching-api", "funding-api")
PRINCIPALS = ("anonymous", "admin", "township", "enterprise", "viewer", "service")
TOWNSHIP = "420281101"  # 金牛镇
STATEFUL_SCENARIOS = 10
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    derandomize=not RANDOM,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schemathesis.check
def problem_details(ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Any) -> None:
    """Every error is RFC 9457 problem+json with at least `type`, `title` and `status`."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type == PROBLEM_MEDIA_TYPE, f"an error answered as {content_type!r}"
    body = response.json()
    missing = {"type", "title", "status"} - set(body)
    assert not missing, f"a problem without {sorted(missing)}"
    assert body["status"] == response.status_code, "the problem's status is not the response's"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    problem_details,
]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Overrides the plugin's: `make test` fuzzes on SQLite only, `make fuzz` on both."""
    return str(request.param)


@pytest.fixture(autouse=True)
def _settings_for_fuzzing(monkeypatch: pytest.MonkeyPatch) -> None:
    # Admin writes thousands of times a minute here; a 429 would end the fuzzing of every write.
    for prefix in ("INDICATOR", "MATCHING", "FUNDING"):
        monkeypatch.setenv(f"{prefix}_WRITE_RATE_LIMIT", "")
    # The platform fixture does not wire indicator-api to its peers (the quarterly report asks them):
    # it reports them unreachable at once instead of after retries, seconds per report.
    monkeypatch.setenv("INDICATOR_PEER_RETRIES", "0")


@dataclass
class Target:
    """One service, reached in-process, with the credentials of each principal."""

    schema: schemathesis.BaseSchema
    client: httpx.AsyncClient
    base_url: str
    credentials: dict[str, dict[str, str]]
    loop: asyncio.AbstractEventLoop

    def send(self, case: schemathesis.Case, headers: dict[str, str]) -> httpx.Response:
        # Schemathesis serializes a case as `requests` arguments; `requests` encodes them (JSON,
        # form, multipart, query) and httpx sends the bytes, on the loop the apps' engines live on.
        kwargs = case.as_transport_kwargs(base_url=self.base_url, headers=headers)
        kwargs.pop("auth", None)
        prepared = requests.Request(**kwargs).prepare()
        request = self.client.request(
            str(prepared.method), str(prepared.url), headers=dict(prepared.headers), content=prepared.body
        )
        return self.loop.run_until_complete(request)

    def check(self, case: schemathesis.Case, principal: str) -> httpx.Response:
        headers = self.credentials[principal]
        response = self.send(case, headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        return response


async def _credentials(indicator: httpx.AsyncClient, principal: str) -> dict[str, str]:
    if principal == "anonymous":
        return {}
    if principal == "service":
        return {"X-API-Key": DEV_SERVICE_API_KEYS["matching-api"]}
    username = {
        "admin": "admin",
        "viewer": "viewer",
        "township": TOWNSHIP,
        "enterprise": DEMO_ENTERPRISES[0].credit_code,
    }[principal]
    return await bearer(indicator, username, DEMO_PASSWORD)


@pytest_asyncio.fixture(params=SERVICES)
async def target(request: pytest.FixtureRequest, platform: Platform) -> AsyncIterator[Target]:
    service = request.param
    async with platform.client("indicator-api") as indicator, platform.client(service) as client:
        openapi = await client.get("/openapi.json")
        assert openapi.status_code == 200
        # Each principal's own credentials, not generated ones, go with every case.
        config = schemathesis.Config.from_dict({"generation": {"with-security-parameters": False}})
        schema = schemathesis.openapi.from_dict(openapi.json(), config=config)
        credentials = {p: await _credentials(indicator, p) for p in PRINCIPALS}
        yield Target(schema, client, f"http://{service}", credentials, asyncio.get_running_loop())


def _fuzz(
    target: Target, operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode, principal: str
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @SETTINGS
    def run(case: schemathesis.Case) -> None:
        target.check(case, principal)

    run()


def test_every_operation_answers_as_documented(target: Target) -> None:
    # Sync on purpose: the apps' engines live on the fixtures' event loop, which `send` drives.
    # One platform per service, every principal in turn: a platform takes seconds to start.
    failures: list[str] = []
    operations = [result.ok() for result in target.schema.get_all_operations()]
    for principal in PRINCIPALS:
        for operation in operations:
            for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                try:
                    _fuzz(target, operation, mode, principal)
                except Unsatisfiable:
                    # Nothing to break (no parameters, or none a request can violate); valid inputs
                    # that cannot be generated are a failure like any other.
                    if mode is schemathesis.GenerationMode.POSITIVE:
                        failures.append(f"{operation.label}: no valid input can be generated")
                except (Exception, BaseExceptionGroup) as failure:
                    failures.append(f"{operation.label} ({mode.value}, as {principal}):\n{failure}")
    assert len(operations) > 10
    assert not failures, "\n\n".join(failures)


def test_linked_operations_answer_as_documented(target: Target) -> None:
    """Create → read → update chains along the links Schemathesis infers from the OpenAPI (an `id` in
    one answer is a path or query parameter of another), as the bureau, who may do all of them."""
    headers = target.credentials["admin"]

    class Scenarios(target.schema.as_state_machine()):  # type: ignore[misc]
        def call(self, case: schemathesis.Case, **kwargs: Any) -> schemathesis.Response:
            return schemathesis.Response.from_any(target.send(case, headers))

        def validate_response(
            self, response: schemathesis.Response, case: schemathesis.Case, *args: Any, **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=CHECKS, headers=headers)

    # The services keep what each scenario wrote, so which links a scenario can follow depends on the
    # scenarios before it; past a few dozen scenarios Hypothesis then stops the run as flaky
    # (FlakyStrategyDefinition: generation depending on outside state). The scenarios are therefore a
    # fixed sequence of ten per service under `make fuzz` too; the budget goes to the single calls.
    Scenarios.run(
        settings=settings(SETTINGS, max_examples=STATEFUL_SCENARIOS, derandomize=True, stateful_step_count=6)
    )
