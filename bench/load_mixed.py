"""A mixed load on two replicas of each service against one (issue 19): `uv run python bench/load_mixed.py`.

Two replicas of each service run as real processes (`python -m <service>`) on one PostgreSQL
database per service holding the demo data (Daye's 17 reporting units, its enterprises, their
demands, supplies, dockings, programmes and awards), as production would run them behind a load
balancer: replica b shares replica a's databases and indicator-api's signing key. wrk (the Debian
package; `make install-bench`) is the load generator and the round-robin: three wrk processes run at
once, one per service, each with two threads, and a Lua script gives each thread one replica's port
(thread 1 → replica a, thread 2 → replica b; with one replica both threads go to replica a). 64
connections in all: 22 to indicator-api, 22 to matching-api, 20 to funding-api, in both phases.

Every connection draws each request at random: 80% reads (a row by its key, or a page of a list),
15% writes (each with its own body and Idempotency-Key: an indicator value, a demand posted by the
bureau for a demo enterprise, an award by application), 5% the dashboard's heavy reads (indicator-api's
dashboard or quarterly report, matching-api's statistics, funding-api's outstanding total), as the
bureau's admin with a token from indicator-api. Writes through matching-api and funding-api read the
enterprise from indicator-api; the quarterly report reads matching-api and funding-api live.

Phases alternate for a few rounds (one replica, two replicas, then two, one, …). Reported: the
throughput of two over one (the median of the rounds' ratios; goal ≥ 1.3×, on a machine of two
cores that wrk and PostgreSQL share), the median p50 and p99 of all of a phase's requests, and every
5xx (goal none; 4xx and socket errors are counted too: a write's 4xx would mean the load itself is
wrong). Then what the services logged about their 5xx, and each one's memory (RSS) at rest and
after the load.

For the run only: the write rate limit is off (`*_WRITE_RATE_LIMIT=`, its documented switch; it
admits 600 writes a minute per account, and every write here is the admin's). Options: --seconds,
--rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from results import figure, record
from sqlalchemy.engine import make_url

from daye_demo import REPORT_DAY
from daye_dev.databases import PostgresDatabases
from daye_dev.processes import SERVICES, ServiceProcess, free_port, platform, print_log_tails, sign_in
from indicator_api.config import DEFAULT_DEMO_PASSWORD

THROUGHPUT_GOAL = 1.3
CONNECTIONS = {"indicator-api": 22, "matching-api": 22, "funding-api": 20}  # 64, even for two threads each
READS, WRITES = 0.80, 0.15  # the rest (5%): the dashboard's heavy reads

# The Lua each wrk runs; the Python fills in the ports, the keys and the requests of its service.
LUA = r"""
local ports = {PORTS}
local threads = {}
local run = "{RUN}"
local auth = "{AUTH}"

function setup(thread)
  local i = #threads + 1
  thread.addr = wrk.lookup("127.0.0.1", tostring(ports[(i - 1) % #ports + 1]))[1]
  thread:set("tid", i)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 100 + tid)
  n = 0
  s2, s4, s5 = 0, 0, 0
end

local function pick(list)
  return list[math.random(#list)]
end

local function get(path)
  return wrk.format("GET", path, {["Authorization"] = auth})
end

local function post(path, body)
  n = n + 1
  local headers = {
    ["Authorization"] = auth,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("%s-%d-%d", run, tid, n),
  }
  return wrk.format("POST", path, headers, body)
end

{REQUESTS}

function request()
  local r = math.random()
  if r < {READS} then
    return read()
  elseif r < {READS_AND_WRITES} then
    return write()
  end
  return heavy()
end

function response(status, headers, body)
  if status >= 500 then
    s5 = s5 + 1
  elseif status >= 400 then
    s4 = s4 + 1
  else
    s2 = s2 + 1
  end
end

function done(summary, latency, requests)
  local s4_, s5_ = 0, 0
  for _, thread in ipairs(threads) do
    s4_ = s4_ + thread:get("s4")
    s5_ = s5_ + thread:get("s5")
  end
  local e = summary.errors
  local grid = {}
  for i = 1, 999 do
    grid[i] = latency:percentile(i / 10)
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "s4xx": %d, "s5xx": %d, "socket_errors": %d, "p50_us": %d, '
      .. '"p99_us": %d, "grid_us": [%s]}\n',
    summary.requests, summary.duration, s4_, s5_, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), table.concat(grid, ",")))
end
"""

INDICATOR_REQUESTS = r"""
local enterprises = {ENTERPRISES}
local figures = {FIGURES}

function read()
  if math.random() < 0.6 then
    return get("/api/v1/enterprises/" .. pick(enterprises))
  end
  return get(string.format("/api/v1/enterprises?limit=20&offset=%d", math.random(0, 100)))
end

function write()
  -- Each write its own figure (indicator, unit, month): two writes of one figure at once would be
  -- told 409 concurrent_revision, rightly.
  local k = n * 2 + tid - 1
  local figure = figures[k % #figures + 1]
  local code, unit = figure[1], figure[2]
  local month = math.floor(k / #figures) % 12 + 1
  local body = string.format(
    '{"region_code": "%s", "year": {YEAR}, "month": %d, "value": "%d.%02d", "provenance": "administrative", '
      .. '"note": "负载测试 %s-%d-%d"}',
    unit, month, math.random(100, 9999), math.random(0, 99), run, tid, n + 1)
  return post("/api/v1/indicators/" .. code .. "/values", body)
end

function heavy()
  if math.random() < 0.6 then
    return get("/api/v1/dashboard?year={YEAR}&as_of={AS_OF}")
  end
  return get("/api/v1/reports/quarterly?year={YEAR}&quarter={QUARTER}")
end
"""

MATCHING_REQUESTS = r"""
local demands = {DEMANDS}
local enterprises = {ENTERPRISES}

function read()
  if math.random() < 0.6 then
    return get("/api/v1/demands/" .. pick(demands))
  end
  return get(string.format("/api/v1/demands?limit=20&offset=%d", math.random(0, 200)))
end

function write()
  local body = string.format(
    '{"kind": "technology", "title": "负载测试需求 %s-%d-%d", "description": "铸件气孔缩松缺陷多,'
      .. '希望与高校合作优化浇注系统和熔炼工艺,降低废品率。", "industry": "铸造", "budget": "%d00.00", '
      .. '"deadline": "2030-06-30", "credit_code": "%s"}',
    run, tid, n + 1, math.random(1000, 9999), pick(enterprises))
  return post("/api/v1/demands", body)
end

function heavy()
  return get("/api/v1/stats?from={YEAR}-01-01&to={AS_OF}")
end
"""

FUNDING_REQUESTS = r"""
local awards = {AWARDS}
local enterprises = {ENTERPRISES}

function read()
  if math.random() < 0.6 then
    return get("/api/v1/awards/" .. pick(awards))
  end
  return get(string.format("/api/v1/awards?limit=20&offset=%d", math.random(0, 100)))
end

function write()
  local body = string.format(
    '{"program_id": {PROGRAM}, "credit_code": "%s", "mode": "application", "amount": "%d000.00", '
      .. '"application_no": "LOAD-%s-%d-%d", "note": "负载测试"}',
    pick(enterprises), math.random(10, 500), run, tid, n + 1)
  return post("/api/v1/awards", body)
end

function heavy()
  return get("/api/v1/outstanding")
end
"""


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _lua_list(values: Sequence[object]) -> str:
    return "{" + ",".join(json.dumps(v, ensure_ascii=False) for v in values) + "}"


@dataclass(frozen=True)
class Keys:
    """The demo data's rows the load reads and writes against."""

    enterprises: list[str]
    # (indicator, unit) of the monthly figures recorded by hand (not computed, not ratios, not the
    # contracts' turnover)
    figures: list[tuple[str, str]]
    demands: list[int]
    awards: list[int]
    program: int


async def _keys(urls: Mapping[str, str]) -> Keys:
    async def fetch(service: str, query: str) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(_dsn(urls[service]))
        try:
            return list(await conn.fetch(query))
        finally:
            await conn.close()

    enterprises = await fetch("indicator-api", "SELECT credit_code FROM enterprises ORDER BY credit_code")
    figures = await fetch(
        "indicator-api",
        "SELECT DISTINCT v.indicator_code, v.region_code FROM indicator_values v "
        "JOIN indicators i ON i.code = v.indicator_code WHERE i.source = 'recorded' "
        "AND i.accumulation <> 'ratio' AND i.code <> 'tech_contract_turnover' "
        "AND v.period_type = 'month' ORDER BY 1, 2",
    )
    demands = await fetch("matching-api", "SELECT id FROM demands ORDER BY id")
    awards = await fetch("funding-api", "SELECT id FROM awards ORDER BY id")
    program = await fetch(
        "funding-api", "SELECT min(program_id) AS id FROM awards WHERE mode = 'application'"
    )
    return Keys(
        enterprises=[r["credit_code"] for r in enterprises],
        figures=[(r[0], r[1]) for r in figures],
        demands=[r["id"] for r in demands],
        awards=[r["id"] for r in awards],
        program=int(program[0]["id"]),
    )


def scripts(keys: Keys, token: str) -> dict[str, str]:
    """Each service's requests, ports and run id still to fill in."""
    quarter = (REPORT_DAY.month - 1) // 3 + 1
    common = {
        "{YEAR}": str(REPORT_DAY.year),
        "{AS_OF}": REPORT_DAY.isoformat(),
        "{QUARTER}": str(quarter),
        "{ENTERPRISES}": _lua_list(keys.enterprises),
    }
    requests = {
        "indicator-api": INDICATOR_REQUESTS.replace(
            "{FIGURES}", "{" + ",".join(_lua_list(list(f)) for f in keys.figures) + "}"
        ),
        "matching-api": MATCHING_REQUESTS.replace("{DEMANDS}", _lua_list(keys.demands)),
        "funding-api": FUNDING_REQUESTS.replace("{AWARDS}", _lua_list(keys.awards)).replace(
            "{PROGRAM}", str(keys.program)
        ),
    }
    result = {}
    for service, body in requests.items():
        for name, value in common.items():
            body = body.replace(name, value)
        result[service] = (
            LUA.replace("{REQUESTS}", body)
            .replace("{AUTH}", f"Bearer {token}")
            .replace("{READS}", str(READS))
            .replace("{READS_AND_WRITES}", str(READS + WRITES))
        )
    return result


# --- load -------------------------------------------------------------------------------------------


@dataclass
class Phase:
    """One run of the three wrk at once, against one replica of each service or two."""

    replicas: int
    requests: int = 0
    seconds: float = 0.0
    s4xx: int = 0
    s5xx: int = 0
    socket_errors: int = 0
    grid: list[tuple[float, float]] = field(default_factory=list)  # (latency µs, weight)
    per_service: dict[str, float] = field(default_factory=dict)  # requests per second
    cpu_busy: float = 0.0  # the share of all the machine's cores not idle during the phase

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        """Milliseconds below which `p`% of all requests fell, from the three wrk's percentiles."""
        ordered = sorted(self.grid)
        total = sum(weight for _, weight in ordered)
        seen = 0.0
        for value, weight in ordered:
            seen += weight
            if seen >= total * p / 100:
                return value / 1000
        return ordered[-1][0] / 1000


def _cpu_times() -> tuple[int, int]:
    """The machine's (idle, total) jiffies since boot, all cores, from /proc/stat."""
    fields = [int(v) for v in Path("/proc/stat").read_text(encoding="utf-8").split("\n", 1)[0].split()[1:]]
    return fields[3] + fields[4], sum(fields[:8])  # idle + iowait; without guest time, counted in user


def run_phase(
    workdir: Path,
    lua: Mapping[str, str],
    ports: Mapping[str, Sequence[int]],
    replicas: int,
    seconds: int,
    label: str,
) -> Phase:
    commands = {}
    for service, script in lua.items():
        chosen = list(ports[service][:replicas])
        path = workdir / f"{service}-{label}.lua"
        path.write_text(
            script.replace("{PORTS}", "{" + ",".join(map(str, chosen)) + "}").replace(
                "{RUN}", f"{label}-{uuid.uuid4().hex[:8]}"
            ),
            encoding="utf-8",
        )
        url = f"http://127.0.0.1:{chosen[0]}/"
        commands[service] = ["wrk", "-t2", f"-c{CONNECTIONS[service]}", f"-d{seconds}s", "--timeout", "10s"]
        commands[service] += ["-s", str(path), url]
    idle_before, total_before = _cpu_times()
    running = {
        service: subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
        for service, command in commands.items()
    }
    phase = Phase(replicas)
    for service, process in running.items():
        out, err = process.communicate(timeout=seconds + 60)
        if process.returncode != 0:
            raise RuntimeError(f"wrk against {service} failed ({process.returncode}): {err.strip()}")
        summary = json.loads(out.strip().splitlines()[-1])
        elapsed = summary["duration_us"] / 1e6
        phase.requests += summary["requests"]
        phase.seconds = max(phase.seconds, elapsed)
        phase.s4xx += summary["s4xx"]
        phase.s5xx += summary["s5xx"]
        phase.socket_errors += summary["socket_errors"]
        phase.per_service[service] = summary["requests"] / elapsed
        weight = summary["requests"] / len(summary["grid_us"])
        phase.grid += [(float(value), weight) for value in summary["grid_us"]]
    idle_after, total_after = _cpu_times()
    phase.cpu_busy = 1 - (idle_after - idle_before) / max(1, total_after - total_before)
    return phase


def _rss_mib(process: ServiceProcess) -> float:
    assert process.process is not None
    status = Path(f"/proc/{process.process.pid}/status").read_text(encoding="utf-8")
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kib / 1024


def _memory(replicas: Mapping[str, Sequence[ServiceProcess]]) -> str:
    return ", ".join(
        f"{name} {' / '.join(f'{_rss_mib(p):.0f}' for p in processes)} MiB"
        for name, processes in replicas.items()
    )


def preflight(replicas: Mapping[str, Sequence[ServiceProcess]], admin: Mapping[str, str], keys: Keys) -> None:
    """One request of each kind through every replica: the load's requests are right (a 4xx here is
    the script's mistake, not the services')."""
    code, unit = keys.figures[-1]
    enterprise = keys.enterprises[0]
    checks: dict[str, list[tuple[str, str, dict[str, object] | None]]] = {
        "indicator-api": [
            ("GET", f"/api/v1/enterprises/{enterprise}", None),
            ("GET", "/api/v1/enterprises?limit=20&offset=3", None),
            (
                "POST",
                f"/api/v1/indicators/{code}/values",
                {
                    "region_code": unit,
                    "year": REPORT_DAY.year,
                    "month": 12,
                    "value": "123.45",
                    "provenance": "administrative",
                    "note": "负载测试 preflight",
                },
            ),
            ("GET", f"/api/v1/dashboard?year={REPORT_DAY.year}&as_of={REPORT_DAY.isoformat()}", None),
            ("GET", f"/api/v1/reports/quarterly?year={REPORT_DAY.year}&quarter=3", None),
        ],
        "matching-api": [
            ("GET", f"/api/v1/demands/{keys.demands[0]}", None),
            ("GET", "/api/v1/demands?limit=20&offset=5", None),
            (
                "POST",
                "/api/v1/demands",
                {
                    "kind": "technology",
                    "title": "负载测试需求 preflight",
                    "description": "铸件气孔缩松缺陷多,希望与高校合作优化浇注系统和熔炼工艺,降低废品率。",
                    "industry": "铸造",
                    "budget": "100000.00",
                    "deadline": "2030-06-30",
                    "credit_code": enterprise,
                },
            ),
            ("GET", f"/api/v1/stats?from={REPORT_DAY.year}-01-01&to={REPORT_DAY.isoformat()}", None),
        ],
        "funding-api": [
            ("GET", f"/api/v1/awards/{keys.awards[0]}", None),
            ("GET", "/api/v1/awards?limit=20&offset=5", None),
            (
                "POST",
                "/api/v1/awards",
                {
                    "program_id": keys.program,
                    "credit_code": enterprise,
                    "mode": "application",
                    "amount": "10000.00",
                    "application_no": "LOAD-preflight",
                    "note": "负载测试",
                },
            ),
            ("GET", "/api/v1/outstanding", None),
        ],
    }
    for service, requests in checks.items():
        for i, process in enumerate(replicas[service]):
            for method, path, body in requests:
                headers = dict(admin)
                if body is not None:
                    headers["Idempotency-Key"] = f"preflight-{uuid.uuid4()}"
                if body is not None and "title" in body:
                    body = {**body, "title": f"{body['title']} {i}"}
                answer = httpx.request(method, process.url + path, json=body, headers=headers, timeout=60)
                if answer.status_code >= 300:
                    raise RuntimeError(
                        f"{process.name} {method} {path}: {answer.status_code} {answer.text[:300]}"
                    )


def failures(processes: Sequence[ServiceProcess]) -> list[str]:
    """What the services' own logs say about their 4xx and 5xx: each answer by route and status, and
    the warnings and errors they logged (a peer too slow, a pool exhausted, …), most frequent first."""
    answers: Counter[str] = Counter()
    events: Counter[str] = Counter()
    for process in processes:
        service = process.name.split(" ")[0]
        for line in process.log_text().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if not isinstance(entry, dict):
                continue
            if entry.get("event") == "request" and int(entry.get("status", 0)) >= 400:
                path = re.sub(r"/(\d+|[0-9A-Z]{18})(?=/|$)", "/{key}", str(entry.get("path", "")))
                answers[f"{service} {entry.get('method')} {path} → {entry.get('status')}"] += 1
            elif str(entry.get("level", "")).lower() in ("warning", "error", "critical"):
                trace = [
                    line
                    for line in str(entry.get("exception") or "").splitlines()
                    if line.strip() and not line.startswith("(Background")
                ]
                detail = str(entry.get("error") or (trace[-1] if trace else ""))[:160]
                events[f"{service} {entry.get('level')} {entry.get('event')} {detail}".strip()] += 1
    return [f"{count} × {what}" for what, count in (answers + events).most_common(15)]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10, help="length of one phase")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the two phases")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: `make install-bench` (Debian package wrk)", file=sys.stderr)
        return 2

    databases = PostgresDatabases()
    replicas: dict[str, list[ServiceProcess]] = {name: [] for name, *_ in SERVICES}
    started: list[ServiceProcess] = []
    signing_key = (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    with tempfile.TemporaryDirectory(prefix="daye-mixed-") as tmp:
        workdir = Path(tmp)
        try:
            urls = {name: asyncio.run(databases.create(f"bench_mixed_{name}")) for name, *_ in SERVICES}
            for replica in ("a", "b"):
                ports = {name: free_port() for name, *_ in SERVICES}
                env = {
                    name: {
                        f"{prefix}DATABASE_URL": urls[name],
                        f"{prefix}DEMO": "true",
                        f"{prefix}LOG_LEVEL": "INFO",
                        f"{prefix}LOG_FORMAT": "json",
                        f"{prefix}WRITE_RATE_LIMIT": "",
                    }
                    for name, _, prefix, _ in SERVICES
                }
                env["indicator-api"] |= {
                    "INDICATOR_SIGNING_KEY": signing_key,
                    "INDICATOR_REPORTING_AS_OF": REPORT_DAY.isoformat(),
                }
                log_dir = workdir / replica
                log_dir.mkdir()
                for process in platform(ports, cwd=log_dir, env=env, log_dir=log_dir):
                    process.name = f"{process.name} ({replica})"
                    replicas[process.name.split(" ")[0]].append(process)
            clock = time.monotonic()
            # All six at once, as `make run` starts its services and a deployment its replicas: they
            # race to migrate and to seed, which each does once (tests/e2e/test_replicas.py).
            for processes in replicas.values():
                for process in processes:
                    started.append(process)
                    process.start()
            for process in started:
                process.wait_healthy(timeout=280)
            print(f"six services started with the demo data in {time.monotonic() - clock:.0f} s", flush=True)
            keys = asyncio.run(_keys(urls))
            print(
                f"data: {len(keys.enterprises)} enterprises, {len(keys.demands)} demands, "
                f"{len(keys.awards)} awards; values written to {len(keys.figures)} (indicator, unit) × 12 months",
                flush=True,
            )
            admin = sign_in(replicas["indicator-api"][0], "admin", DEFAULT_DEMO_PASSWORD)
            preflight(replicas, admin, keys)
            rest = _memory(replicas)
            lua = scripts(keys, admin["Authorization"].removeprefix("Bearer "))
            ports = {name: [p.port for p in processes] for name, processes in replicas.items()}
            print(
                f"wrk: 3 processes × 2 threads, {sum(CONNECTIONS.values())} connections, {args.rounds} "
                f"rounds of {args.seconds} s a phase",
                flush=True,
            )
            for replicas_ in (1, 2):  # warm both: pools, caches, the peers' JWKS
                run_phase(workdir, lua, ports, replicas_, 2, f"warm{replicas_}")
            phases: dict[int, list[Phase]] = {1: [], 2: []}
            for round_ in range(args.rounds):
                order = (1, 2) if round_ % 2 == 0 else (2, 1)
                for count in order:
                    phase = run_phase(workdir, lua, ports, count, args.seconds, f"r{round_}x{count}")
                    phases[count].append(phase)
                    print(
                        f"  round {round_ + 1}, {count} replica(s): {phase.rps:,.0f} req/s "
                        f"({', '.join(f'{s} {r:,.0f}' for s, r in phase.per_service.items())}), "
                        f"p50 {phase.percentile(50):.0f} ms, p99 {phase.percentile(99):.0f} ms, "
                        f"5xx {phase.s5xx}, 4xx {phase.s4xx}, socket errors {phase.socket_errors}, "
                        f"CPU busy {phase.cpu_busy:.0%}",
                        flush=True,
                    )
            loaded = _memory(replicas)
            print(f"memory (RSS, replica a / b): at rest {rest}; after the load {loaded}")
            figure("each service's memory (RSS, replica a / b) at rest, demo data loaded", rest)
            figure("each service's memory (RSS, replica a / b) after the mixed load", loaded)
            report(phases)
            trouble = failures(started)
            if trouble:
                print("what the services logged (4xx and 5xx answers, warnings and errors):")
                print("\n".join(f"  {line}" for line in trouble))
        except Exception:
            print_log_tails(started)
            raise
        finally:
            for process in reversed(started):
                process.stop()
            asyncio.run(databases.drop_all())
    return 0


def _summary(runs: list[Phase]) -> tuple[float, float, float]:
    return (
        statistics.median(p.rps for p in runs),
        statistics.median(p.percentile(50) for p in runs),
        statistics.median(p.percentile(99) for p in runs),
    )


def report(phases: Mapping[int, list[Phase]]) -> None:
    (one, one_p50, one_p99), (two, two_p50, two_p99) = _summary(phases[1]), _summary(phases[2])
    # The median of the rounds' ratios: the two phases of a round ran one after the other.
    ratio = statistics.median(b.rps / a.rps for a, b in zip(phases[1], phases[2], strict=True))
    every = [p for runs in phases.values() for p in runs]
    requests = sum(p.requests for p in every)
    s5xx, s4xx = sum(p.s5xx for p in every), sum(p.s4xx for p in every)
    errors = sum(p.socket_errors for p in every)
    print(
        f"| two replicas | {two:,.0f} req/s, p50 {two_p50:.0f} ms, p99 {two_p99:.0f} ms | one replica "
        f"{one:,.0f} req/s, p50 {one_p50:.0f} ms, p99 {one_p99:.0f} ms | {ratio:.2f}× (goal ≥ "
        f"{THROUGHPUT_GOAL}×) | 5xx {s5xx} of {requests:,} (goal none), 4xx {s4xx}, socket errors {errors} |"
    )
    record(
        "mixed load (80% reads, 15% writes, 5% dashboard and report), 64 connections, PostgreSQL: "
        "two replicas of each service over one",
        measured=f"{two:,.0f} req/s, p50 {two_p50:.0f} ms, p99 {two_p99:.0f} ms",
        baseline=f"{one:,.0f} req/s, p50 {one_p50:.0f} ms, p99 {one_p99:.0f} ms",
        ratio=ratio,
        at_least=THROUGHPUT_GOAL,
    )
    busy = {count: statistics.median(p.cpu_busy for p in runs) for count, runs in phases.items()}
    print(
        f"CPU busy (all {os.cpu_count()} cores, median of the rounds): {busy[1]:.0%} with one replica, "
        f"{busy[2]:.0%} with two"
    )
    figure(
        f"the machine's CPU busy during the mixed load (all {os.cpu_count()} cores: services, PostgreSQL, wrk)",
        f"one replica {busy[1]:.0%}, two replicas {busy[2]:.0%} (median of the rounds)",
    )
    record(
        "mixed load: answers 5xx (share of all requests, both phases)",
        measured=f"{s5xx} 5xx of {requests:,} requests ({s4xx} 4xx, {errors} socket errors)",
        baseline="none",
        ratio=s5xx / requests if requests else 0.0,
        at_most=0,
    )


if __name__ == "__main__":
    raise SystemExit(main())
