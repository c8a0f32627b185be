"""The change feed's paging (issue 16): `uv run python bench/feed_paging.py`.

A real matching-api process on a fresh PostgreSQL database with the demo data, whose feed then holds
1,000,000 more `demand.posted` events (written with COPY, numbered after the demo's, each carrying a
demand as the API shows it). The ratio is the latency of `GET /api/v1/events` for the
page at the end of the feed (`after` = the cursor of the 1,000,000 − 100th event) over the first page
(no `after`), each `limit=100`, the two alternating within every round; the median of the rounds'
medians. Keyset paging reads the end as cheaply as the start: goal ≤ 2×. For contrast, a reference row
gives what an OFFSET query of the same page costs in PostgreSQL against the first page's.
Options: --events, --rounds, --reads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from results import record
from sqlalchemy.engine import make_url

from daye_dev.databases import PostgresDatabases
from daye_dev.processes import ServiceProcess, free_port, platform, print_log_tails, sign_in
from daye_kit.feed import encode_cursor
from daye_kit.timestamps import utcnow
from indicator_api.config import DEFAULT_DEMO_PASSWORD

GOAL = 2.0
PAGE = 100


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def fill(url: str, demand: Mapping[str, Any], count: int) -> int:
    """`count` feed events after the demo's; the position `PAGE` events before the end."""
    conn = await asyncpg.connect(_dsn(url))
    try:
        base = int(await conn.fetchval("SELECT coalesce(max(position), 0) FROM outbox_events"))
        start = utcnow() - timedelta(days=30)
        columns = (
            "event_id",
            "type",
            "subject",
            "data",
            "occurred_at",
            "state",
            "attempts",
            "next_attempt_at",
            "position",
        )

        def rows(first: int, last: int) -> list[tuple[Any, ...]]:
            out = []
            for i in range(first, last):
                data = json.dumps(
                    {**demand, "id": 100_000 + i, "title": f"{demand['title']} #{i}"}, ensure_ascii=False
                )
                when = start + timedelta(milliseconds=2 * i)
                out.append(
                    (
                        str(uuid.uuid4()),
                        "demand.posted",
                        f"demand:{100_000 + i}",
                        data,
                        when,
                        "delivered",
                        0,
                        when,
                        base + 1 + i,
                    )
                )
            return out

        chunk = 50_000
        for first in range(0, count, chunk):
            await conn.copy_records_to_table(
                "outbox_events", records=rows(first, min(count, first + chunk)), columns=columns
            )
        await conn.execute("VACUUM ANALYZE outbox_events")
        return base + count - PAGE
    finally:
        await conn.close()


async def offset_reference(url: str, offset: int) -> tuple[float, float]:
    """PostgreSQL's own time for the first page and for the same end page by OFFSET (median of 5)."""
    conn = await asyncpg.connect(_dsn(url))
    query = (
        "SELECT event_id, type, occurred_at, subject, data FROM outbox_events WHERE position IS NOT NULL "
        "ORDER BY position LIMIT $1 OFFSET $2"
    )
    try:
        times: dict[int, list[float]] = {0: [], offset: []}
        for _ in range(5):
            for at in (0, offset):
                clock = time.perf_counter()
                await conn.fetch(query, PAGE, at)
                times[at].append(time.perf_counter() - clock)
        return statistics.median(times[0]), statistics.median(times[offset])
    finally:
        await conn.close()


def measure(
    url: str, headers: Mapping[str, str], cursor: str, *, rounds: int, reads: int
) -> list[tuple[float, float]]:
    results = []
    with httpx.Client(base_url=url, headers=dict(headers), timeout=60) as client:

        def read(after: str | None) -> float:
            params: dict[str, Any] = {"limit": PAGE, "types": "demand.posted"}
            if after:
                params["after"] = after
            clock = time.perf_counter()
            answer = client.get("/api/v1/events", params=params)
            elapsed = time.perf_counter() - clock
            answer.raise_for_status()
            assert len(answer.json()["items"]) == PAGE, answer.text[:300]
            return elapsed

        for _ in range(3):  # warm
            read(None)
            read(cursor)
        for round_ in range(rounds):
            first: list[float] = []
            end: list[float] = []
            for i in range(reads):
                for after in (None, cursor) if (i + round_) % 2 == 0 else (cursor, None):
                    (first if after is None else end).append(read(after))
            results.append((statistics.median(end), statistics.median(first)))
            print(
                f"  round {round_ + 1}: end page {results[-1][0] * 1000:.1f} ms, first page "
                f"{results[-1][1] * 1000:.1f} ms: {results[-1][0] / results[-1][1]:.2f}×",
                flush=True,
            )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reads", type=int, default=20, help="reads of each page per round")
    args = parser.parse_args()

    databases = PostgresDatabases()
    started: list[ServiceProcess] = []
    with tempfile.TemporaryDirectory(prefix="daye-feed-") as tmp:
        workdir = Path(tmp)
        try:
            urls = {
                name: asyncio.run(databases.create(f"bench_feed_{name}"))
                for name in ("indicator", "matching")
            }
            ports = {"indicator-api": free_port(), "matching-api": free_port(), "funding-api": free_port()}
            quiet = {"DEMO": "true", "RUN_DUTIES": "false", "LOG_LEVEL": "WARNING"}
            env = {
                "indicator-api": {f"INDICATOR_{k}": v for k, v in quiet.items()}
                | {"INDICATOR_DATABASE_URL": urls["indicator"]},
                "matching-api": {f"MATCHING_{k}": v for k, v in quiet.items()}
                | {"MATCHING_DATABASE_URL": urls["matching"], "MATCHING_OUTBOX_DISPATCH": "false"},
            }
            processes = {p.name: p for p in platform(ports, cwd=workdir, env=env, log_dir=workdir)}
            for name in ("indicator-api", "matching-api"):
                started.append(processes[name])
                processes[name].start()
            for process in started:
                process.wait_healthy(timeout=240)
            admin = sign_in(processes["indicator-api"], "admin", DEFAULT_DEMO_PASSWORD)
            matching = processes["matching-api"].url
            demand = httpx.get(f"{matching}/api/v1/demands", params={"limit": 1}, headers=admin, timeout=30)
            demand.raise_for_status()
            clock = time.monotonic()
            position = asyncio.run(fill(urls["matching"], demand.json()["items"][0], args.events))
            print(f"{args.events:,} events written in {time.monotonic() - clock:.0f} s", flush=True)
            results = measure(matching, admin, encode_cursor(position), rounds=args.rounds, reads=args.reads)
            first_sql, end_sql = asyncio.run(offset_reference(urls["matching"], args.events - PAGE))
        except Exception:
            print_log_tails(started)
            raise
        finally:
            for process in reversed(started):
                process.stop()
            asyncio.run(databases.drop_all())

    end = statistics.median(r[0] for r in results)
    first = statistics.median(r[1] for r in results)
    ratio = statistics.median(e / f for e, f in results)
    print(
        f"| feed page at the end of {args.events:,} events | {end * 1000:.1f} ms | first page {first * 1000:.1f} ms "
        f"| {ratio:.2f}× (goal ≤ {GOAL}×) |"
    )
    record(
        f"change feed: a page of {PAGE} at the end of {args.events:,} events over the first page "
        "(matching-api, GET /api/v1/events)",
        measured=f"{end * 1000:.1f} ms (median of {len(results)} rounds)",
        baseline=f"{first * 1000:.1f} ms",
        ratio=ratio,
        at_most=GOAL,
    )
    record(
        "for contrast: the same end page by OFFSET in PostgreSQL over the first page (SQL only)",
        measured=f"{end_sql * 1000:.1f} ms",
        baseline=f"{first_sql * 1000:.1f} ms",
        ratio=end_sql / first_sql,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
