"""The three services under concurrent load from a second process: `uv run python bench/load_services.py`.

wrk (the Debian package; `make install-bench`) drives each service over loopback and, in the same
run, a bare Starlette app served by uvicorn with the services' flags (`daye_kit.serve`): one worker,
uvloop and httptools (uvicorn's "auto"), no access log. Service and baseline runs alternate for a few
rounds; the medians are reported.

- A trivial JSON endpoint, `/healthz`, through all the kit's middleware (CORS, request id, access log,
  errors, metrics, audit, conditional reads, body cap, NUL check, unknown query names), over FastAPI
  alone: its own app with the same `/healthz` and none of the kit. Goal ≥ 0.85×: the kit costs
  little of what the framework leaves.
- For reference, FastAPI alone over a bare Starlette app returning the same JSON: the framework's
  own share, which no middleware of ours can win back.
- For reference, the kit's own app (no service's routes) with none of its middleware, and with only
  the request-id and access-log layer, over FastAPI alone: where the `/healthz` goal's cost goes.
- For reference, each read's row through FastAPI and SQLAlchemy Core alone (the kit's `Reads`, a
  typed path parameter, no authentication, no middleware), over the bare Starlette app's: the share
  the framework and the database layer the services are built on take before any of their own code.
- A typical read that hits the database, as the demo admin with a bearer token issued by
  indicator-api: an enterprise by credit code, a demand by id, an award by id. The baseline reads
  the same row from the same database with one SELECT through an asyncpg pool. Goal ≥ 0.35×; and
  the read's p99 at most 3× its p50 (the tail a user sees, not only the rate).

The services run as `python -m <service>` on fresh PostgreSQL databases with the demo data, as in
production except for the demo switch: JSON logs at INFO (an access log line per request) written to
a file. The databases are dropped at the end. Options: --seconds, --rounds, --connections.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI
from results import record
from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from daye_dev.databases import PostgresDatabases
from daye_dev.processes import SERVICES, ServiceProcess, free_port, platform, print_log_tails
from daye_kit.app import ServiceSpec, build_app
from daye_kit.db import Reads, create_engine, read_only
from daye_kit.observability import RequestContextMiddleware
from daye_kit.settings import ServiceSettings
from indicator_api.config import DEFAULT_DEMO_PASSWORD

# The services' uvicorn options, as `daye_kit.serve.serve` passes them.
UVICORN_OPTIONS: dict[str, Any] = {
    "log_config": None,
    "access_log": False,
    "proxy_headers": True,
    "timeout_graceful_shutdown": 10,
}
POOL_SIZE = 10  # `daye_kit.db.create_engine` keeps 10 (no overflow); the bare app may grow to 20
HEALTH_GOAL, READ_GOAL, READ_TAIL_GOAL = 0.85, 0.35, 3.0


@dataclass(frozen=True)
class Read:
    """A service's typical read, and the baseline's one SELECT of the same row."""

    what: str
    path: str  # the service's, with {key}
    select: str
    first_key: str  # a query finding the demo data's first such row
    integer_key: bool = True


READS = {
    "indicator-api": Read(
        "an enterprise by credit code",
        "/api/v1/enterprises/{key}",
        "SELECT * FROM enterprises WHERE credit_code = $1",
        "SELECT min(credit_code) FROM qualifications",  # one with qualifications, which it reads too
        integer_key=False,
    ),
    "matching-api": Read(
        "a demand by id",
        "/api/v1/demands/{key}",
        "SELECT id, kind, credit_code, enterprise_name, region_code, qualifications, title, description, "
        "industry, budget, amount_sought, financing, deadline, status, posted_by, posted_at, "
        "first_response_at, matched_at, closed_at, updated_at FROM demands WHERE id = $1",
        "SELECT min(id) FROM demands",
    ),
    "funding-api": Read(
        "an award by id",
        "/api/v1/awards/{key}",
        "SELECT * FROM awards WHERE id = $1",
        "SELECT min(id) FROM awards",
    ),
}

# Prints one JSON line after wrk's own summary: the counts and the latency percentiles it measured.
WRK_REPORT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"""


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _sqlalchemy_url(dsn: str) -> str:
    return make_url(dsn).set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


# --- the baseline: a bare Starlette app, in its own process -----------------------------------------


def _jsonable(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def bare_app(dsns: Mapping[str, str]) -> Starlette:
    """`/healthz`, and `/<service>/<key>`: one SELECT of that service's row through an asyncpg pool."""
    pools: dict[str, asyncpg.Pool] = {}

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        for service, dsn in dsns.items():
            pools[service] = await asyncpg.create_pool(dsn, min_size=POOL_SIZE, max_size=2 * POOL_SIZE)
        try:
            yield
        finally:
            for pool in pools.values():
                await pool.close()

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def read(request: Request) -> JSONResponse:
        service, key = request.path_params["service"], request.path_params["key"]
        read = READS[service]
        row = await pools[service].fetchrow(read.select, int(key) if read.integer_key else key)
        if row is None:
            return JSONResponse({"detail": "not found"}, status_code=404)
        return JSONResponse({name: _jsonable(value) for name, value in row.items()})

    routes = [Route("/healthz", healthz), Route("/{service}/{key}", read)]
    return Starlette(routes=routes, lifespan=lifespan)


def bare_fastapi_app(dsns: Mapping[str, str]) -> FastAPI:
    """FastAPI itself with none of the kit: the framework's own share of the services' cost. Its
    `/<service>/<key>` reads the bare app's row through SQLAlchemy Core (`daye_kit.db.Reads`), with
    nothing else of the kit: the framework and database layer's share of a read."""
    reads: dict[str, Reads] = {}
    statements = {service: text(read.select.replace("$1", ":key")) for service, read in READS.items()}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        engines = {
            service: create_engine(_sqlalchemy_url(dsn), pool_size=POOL_SIZE) for service, dsn in dsns.items()
        }
        reads.update({service: Reads(read_only(engine)) for service, engine in engines.items()})
        try:
            yield
        finally:
            for engine in engines.values():
                await engine.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    @app.get("/{service}/{key}")
    async def read(service: str, key: str) -> JSONResponse:
        read = READS[service]
        row = await reads[service].one_or_none(
            statements[service], {"key": int(key) if read.integer_key else key}
        )
        if row is None:
            return JSONResponse({"detail": "not found"}, status_code=404)
        return JSONResponse({name: _jsonable(value) for name, value in row._mapping.items()})

    return app


def kit_app(layers: str) -> FastAPI:
    """The kit's own app (`build_app`: its exception handlers, `/healthz`, `/metrics`, the audit and
    docs routes), with no service's routers, keeping `layers` of its middleware: "none", or
    "context" (the request id, the access log and the metrics: what every answer needs). With all
    of them it is what the services' `/healthz` runs through."""
    workdir = Path(tempfile.mkdtemp(prefix="daye-kit-bench-"))
    spec = ServiceSpec(
        name="bench-kit", title="bench", description="", routers=[], migrations=workdir, version="0"
    )
    # No schema and nothing in the background: only what a request runs through.
    settings = ServiceSettings(
        database_url=f"sqlite+aiosqlite:///{workdir / 'kit.db'}",
        log_format="json",
        migrate_on_start=False,
        outbox_dispatch=False,
        webhook_dispatch=False,
        run_duties=False,
    )
    app = build_app(spec, settings)
    kept = {"none": (), "context": (RequestContextMiddleware,)}[layers]
    app.user_middleware = [layer for layer in app.user_middleware if layer.cls in kept]
    return app


def serve_baseline(port: int, dsns: list[str], framework: str) -> None:
    by_service = dict(item.split("=", 1) for item in dsns)
    if framework == "fastapi":
        app: Any = bare_fastapi_app(by_service)
    elif framework.startswith("kit-"):
        app = kit_app(framework.removeprefix("kit-"))
        gc.collect()
        gc.freeze()  # as `daye_kit.serve` does
    else:
        app = bare_app(by_service)
    uvicorn.run(app, host="127.0.0.1", port=port, **UVICORN_OPTIONS)


def _baseline_process(name: str, framework: str, workdir: Path, dsns: Sequence[str] = ()) -> ServiceProcess:
    """`serve_baseline` of `framework` in a process of its own, on a free port."""
    port = free_port()
    command = [sys.executable, str(Path(__file__).resolve()), "baseline", "--port", str(port)]
    command += ["--framework", framework, *dsns]
    return ServiceProcess(name, "", port, {}, workdir, workdir / f"{name}.log", command=command)


# --- load -------------------------------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float

    def __str__(self) -> str:
        return f"{self.rps:,.0f} req/s, p50 {self.p50_ms:.1f} ms, p99 {self.p99_ms:.1f} ms"

    @staticmethod
    def median(runs: list[Load]) -> Load:
        return Load(
            statistics.median(r.rps for r in runs),
            statistics.median(r.p50_ms for r in runs),
            statistics.median(r.p99_ms for r in runs),
        )


@dataclass
class Case:
    name: str
    service_url: str
    baseline_url: str
    goal: float | None  # None: a reference, the framework's own share, with no goal of its own
    baseline_name: str = "bare Starlette"
    headers: dict[str, str] = field(default_factory=dict)
    service_runs: list[Load] = field(default_factory=list)
    baseline_runs: list[Load] = field(default_factory=list)


@dataclass
class Wrk:
    report_script: Path
    seconds: int
    connections: int

    def run(self, url: str, headers: Mapping[str, str] | None = None, seconds: int | None = None) -> Load:
        command = ["wrk", "-t1", f"-c{self.connections}", f"-d{seconds or self.seconds}s", "--timeout", "10s"]
        command += ["-s", str(self.report_script)]
        for name, value in (headers or {}).items():
            command += ["-H", f"{name}: {value}"]
        output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout  # noqa: S603
        summary = json.loads(output.strip().splitlines()[-1])
        if summary["non_2xx"] or summary["socket_errors"]:
            raise RuntimeError(
                f"{url}: {summary['non_2xx']} non-2xx answers, {summary['socket_errors']} errors"
            )
        return Load(
            rps=summary["requests"] / (summary["duration_us"] / 1e6),
            p50_ms=summary["p50_us"] / 1000,
            p99_ms=summary["p99_us"] / 1000,
        )


async def _create_databases(databases: PostgresDatabases) -> dict[str, str]:
    return {name: await databases.create(f"bench_load_{name}") for name, *_ in SERVICES}


async def _first_keys(urls: Mapping[str, str]) -> dict[str, str]:
    keys = {}
    for service, url in urls.items():
        conn = await asyncpg.connect(_dsn(url))
        try:
            keys[service] = str(await conn.fetchval(READS[service].first_key))
        finally:
            await conn.close()
    return keys


def cases(
    services: Mapping[str, ServiceProcess],
    baseline: ServiceProcess,
    bare_fastapi: ServiceProcess,
    keys: Mapping[str, str],
) -> list[Case]:
    token = httpx.post(
        f"{services['indicator-api'].url}/api/v1/auth/token",
        data={"username": "admin", "password": DEFAULT_DEMO_PASSWORD},
        timeout=10,
    ).json()["access_token"]
    bearer = {"Authorization": f"Bearer {token}"}
    result = []
    for name, service in services.items():
        result.append(
            Case(
                f"{name} GET /healthz",
                f"{service.url}/healthz",
                f"{bare_fastapi.url}/healthz",
                HEALTH_GOAL,
                baseline_name="FastAPI alone",
            )
        )
    for name, service in services.items():
        read = READS[name]
        service_url = service.url + read.path.format(key=keys[name])
        baseline_url = f"{baseline.url}/{name}/{keys[name]}"
        served = httpx.get(service_url, headers=bearer, timeout=10)
        bare = httpx.get(baseline_url, timeout=10)
        assert served.status_code == 200, served.text
        assert bare.status_code == 200, bare.text
        shared = {"id", "credit_code", "name", "title", "enterprise_name"} & served.json().keys()
        assert {k: served.json()[k] for k in shared} == {k: bare.json()[k] for k in shared}, name
        result.append(Case(f"{name} GET {read.what}", service_url, baseline_url, READ_GOAL, headers=bearer))
    for name in services:
        floor_url = f"{bare_fastapi.url}/{name}/{keys[name]}"
        floor = httpx.get(floor_url, timeout=10)
        assert floor.status_code == 200, floor.text
        floor_row = floor.json()
        bare_row = httpx.get(f"{baseline.url}/{name}/{keys[name]}", timeout=10).json()
        # The same row; only its JSON columns differ, which SQLAlchemy decodes and bare asyncpg does not.
        assert floor_row.keys() == bare_row.keys(), name
        plain = [k for k, v in floor_row.items() if not isinstance(v, list | dict)]
        assert {k: floor_row[k] for k in plain} == {k: bare_row[k] for k in plain}, name
        result.append(
            Case(
                f"FastAPI + SQLAlchemy Core alone (no auth, no kit) GET {READS[name].what}",
                floor_url,
                f"{baseline.url}/{name}/{keys[name]}",
                goal=None,
                baseline_name="bare Starlette + asyncpg",
            )
        )
    return result


def measure(load: Wrk, all_cases: list[Case], rounds: int) -> None:
    for case in all_cases:  # warm both: pools, caches, the JWKS a peer fetches on its first token
        load.run(case.service_url, case.headers, seconds=1)
        load.run(case.baseline_url, seconds=1)
    for round_ in range(rounds):
        for case in all_cases:
            service_first = round_ % 2 == 0  # neither side always runs first
            if service_first:
                case.service_runs.append(load.run(case.service_url, case.headers))
            case.baseline_runs.append(load.run(case.baseline_url))
            if not service_first:
                case.service_runs.append(load.run(case.service_url, case.headers))
            ratio = case.service_runs[-1].rps / case.baseline_runs[-1].rps
            print(f"  round {round_ + 1}: {case.name}: {ratio:.2f}×", flush=True)


def report(all_cases: list[Case], connections: int) -> None:
    for case in all_cases:
        service, baseline = Load.median(case.service_runs), Load.median(case.baseline_runs)
        ratio = service.rps / baseline.rps
        goal = f"goal ≥ {case.goal}×" if case.goal is not None else "reference"
        print(
            f"| {case.name} | service {service} | {case.baseline_name} {baseline} | "
            f"ratio {ratio:.2f}× ({goal}) |"
        )
        record(
            f"load, {connections} connections: {case.name} over {case.baseline_name}"
            + (" + asyncpg" if case.headers else ""),
            measured=str(service),
            baseline=str(baseline),
            ratio=ratio,
            at_least=case.goal,
        )
        if case.headers:  # a read: its tail too
            tail = service.p99_ms / service.p50_ms
            print(f"| {case.name}: p99 over p50 | {tail:.2f}× (goal ≤ {READ_TAIL_GOAL:g}×) |")
            record(
                f"load, {connections} connections: {case.name}, p99 over its p50",
                measured=f"p99 {service.p99_ms:.1f} ms",
                baseline=f"p50 {service.p50_ms:.1f} ms",
                ratio=tail,
                at_most=READ_TAIL_GOAL,
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=3, help="length of one wrk run")
    parser.add_argument("--rounds", type=int, default=5, help="a median of five resists the noise")
    parser.add_argument("--connections", type=int, default=16)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("baseline", help="serve the bare app (the benchmark starts it itself)")
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--dsn", action="append", default=[], help="service=postgresql://…")
    serve.add_argument(
        "--framework", choices=["starlette", "fastapi", "kit-none", "kit-context"], default="starlette"
    )
    args = parser.parse_args()
    if args.command == "baseline":
        serve_baseline(args.port, args.dsn, args.framework)
        return 0
    if shutil.which("wrk") is None:
        print("wrk is not installed: `make install-bench` (Debian package wrk)", file=sys.stderr)
        return 2

    databases = PostgresDatabases()
    started: list[ServiceProcess] = []
    with tempfile.TemporaryDirectory(prefix="daye-load-") as tmp:
        workdir = Path(tmp)
        try:
            urls = asyncio.run(_create_databases(databases))
            ports = {name: free_port() for name, *_ in SERVICES}
            env = {
                name: {
                    f"{prefix}DATABASE_URL": urls[name],
                    f"{prefix}DEMO": "true",
                    f"{prefix}LOG_LEVEL": "INFO",
                    f"{prefix}LOG_FORMAT": "json",
                }
                for name, _, prefix, _ in SERVICES
            }
            services = {p.name: p for p in platform(ports, cwd=workdir, env=env, log_dir=workdir)}
            dsns = [f"--dsn={name}={_dsn(url)}" for name, url in urls.items()]
            baseline = _baseline_process("baseline", "starlette", workdir, dsns)
            bare_fastapi = _baseline_process("bare-fastapi", "fastapi", workdir, dsns)
            kits = [
                _baseline_process(f"kit-{layers}", f"kit-{layers}", workdir) for layers in ("none", "context")
            ]
            # indicator-api first: the others' demo data asks it
            for process in [*services.values(), baseline, bare_fastapi, *kits]:
                started.append(process)
                process.start()
                process.wait_healthy(timeout=180)
            all_cases = cases(services, baseline, bare_fastapi, asyncio.run(_first_keys(urls)))
            all_cases[0:0] = [
                Case(
                    "FastAPI alone (no kit middleware) GET /healthz",
                    f"{bare_fastapi.url}/healthz",
                    f"{baseline.url}/healthz",
                    goal=None,
                ),
                *(
                    Case(
                        f"the kit's app with {what} GET /healthz",
                        f"{kit.url}/healthz",
                        f"{bare_fastapi.url}/healthz",
                        goal=None,
                        baseline_name="FastAPI alone",
                    )
                    for kit, what in zip(
                        kits,
                        ["none of its middleware", "only the request-id and access-log layer"],
                        strict=True,
                    )
                ),
            ]
            script = workdir / "report.lua"
            script.write_text(WRK_REPORT, encoding="utf-8")
            print(
                f"wrk, 1 thread, {args.connections} connections, {args.rounds} rounds of {args.seconds} s "
                "each, service and baseline alternating; medians:",
                flush=True,
            )
            measure(Wrk(script, args.seconds, args.connections), all_cases, args.rounds)
            report(all_cases, args.connections)
        except Exception:
            print_log_tails(started)
            raise
        finally:
            for process in reversed(started):
                process.stop()
            asyncio.run(databases.drop_all())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
