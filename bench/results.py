"""One report of every benchmark: each script records its ratios here, `make bench` renders them.

A benchmark calls `record(...)` once per ratio it measures; the rows go, one JSON object a line, to
var/bench/results.jsonl. Run as a script (`python bench/results.py [script …]`, default every other
bench/*.py), this module clears that file, runs the benchmarks one after the other, each printing
its own lines, and then writes docs/benchmarks.md: one table of all the ratios, the machine and the
date. A benchmark that fails is named in the report, and the run exits non-zero.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from daye_dev.databases import postgres_admin_url

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "var" / "bench" / "results.jsonl"
FIGURES = ROOT / "var" / "bench" / "figures.jsonl"
REPORT = ROOT / "docs" / "benchmarks.md"


@dataclass
class Row:
    benchmark: str
    measured: str
    baseline: str
    ratio: float
    goal: str
    met: bool | None  # None: a reference row with no goal, to read the others by
    script: str


def record(
    benchmark: str,
    *,
    measured: str,
    baseline: str,
    ratio: float,
    at_least: float | None = None,
    at_most: float | None = None,
) -> None:
    """One ratio against its goal (`at_least` or `at_most`, or neither for a reference row), appended
    to the results file."""
    if at_least is not None and at_most is not None:
        raise ValueError("a goal is either at_least or at_most")
    met: bool | None
    if at_least is not None:
        goal, met = f"≥ {at_least:g}×", ratio >= at_least
    elif at_most is not None:
        goal, met = f"≤ {at_most:g}×", ratio <= at_most
    else:
        goal, met = "— (reference)", None
    row = Row(benchmark, measured, baseline, ratio, goal, met, Path(sys.argv[0]).name)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a", encoding="utf-8") as file:
        file.write(json.dumps(asdict(row), ensure_ascii=False) + "\n")


def figure(what: str, value: str) -> None:
    """A measurement with no baseline to divide by (memory, sizes), listed under the table."""
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    entry = {"what": what, "value": value, "script": Path(sys.argv[0]).name}
    with FIGURES.open("a", encoding="utf-8") as file:
        file.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _figures() -> list[dict[str, str]]:
    if not FIGURES.is_file():
        return []
    return [json.loads(line) for line in FIGURES.read_text(encoding="utf-8").splitlines() if line]


def _rows() -> list[Row]:
    if not RESULTS.is_file():
        return []
    return [Row(**json.loads(line)) for line in RESULTS.read_text(encoding="utf-8").splitlines() if line]


async def _postgres_version() -> str:
    dsn = make_url(postgres_admin_url()).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        return f"unreachable ({type(exc).__name__})"
    try:
        return str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def _machine() -> str:
    cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").is_file() else ""
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name")]
    meminfo = Path("/proc/meminfo").read_text(encoding="utf-8") if Path("/proc/meminfo").is_file() else ""
    kib = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal:")), 0)
    return (
        f"{models[0] if models else platform.processor() or 'unknown CPU'}, {os.cpu_count()} cores, "
        f"{kib / 2**20:.1f} GiB RAM, Python {platform.python_version()}, "
        f"PostgreSQL {asyncio.run(_postgres_version())}, {platform.system()} {platform.release()}"
    )


def render(
    rows: list[Row], failures: dict[str, int], started: datetime, figures: Sequence[Mapping[str, str]] = ()
) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {started:%Y-%m-%d} (started {started:%H:%M} UTC) on: {_machine()}.",
        "",
        "Each ratio compares the platform with a baseline measured in the same run on the same machine;",
        "the scripts in `bench/` say what each one does. The machine is shared, so expect some noise.",
        "",
        "| benchmark | measured | baseline | ratio | goal | met? |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.0f}×" if row.ratio >= 10 else f"{row.ratio:.2f}×"
        met = "—" if row.met is None else "yes" if row.met else "**no**"
        lines.append(
            f"| {row.benchmark} (`{row.script}`) | {row.measured} | {row.baseline} | {ratio} | {row.goal} | {met} |"
        )
    for script, code in failures.items():
        lines.append(
            f"| `{script}` failed (exit {code}); rows it had not recorded are missing | | | | | **no** |"
        )
    goals = [row for row in rows if row.met is not None]
    met_count = sum(bool(row.met) for row in goals)
    lines += ["", f"{met_count} of {len(goals)} goals met; {len(failures)} benchmark script(s) failed.", ""]
    if figures:
        lines += ["## Other figures", "", "| what | measured |", "|---|---|"]
        lines += [f"| {f['what']} (`{f['script']}`) | {f['value']} |" for f in figures]
        lines.append("")
    return "\n".join(lines)


def main() -> int:
    here = Path(__file__).resolve()
    others = sorted(p.relative_to(ROOT) for p in here.parent.glob("*.py") if p != here)
    scripts = [Path(arg) for arg in sys.argv[1:]] or others
    started = datetime.now(UTC)
    RESULTS.unlink(missing_ok=True)
    FIGURES.unlink(missing_ok=True)
    failures: dict[str, int] = {}
    for script in scripts:
        print(f"== {script}", flush=True)
        code = subprocess.call([sys.executable, str(script)], cwd=ROOT)  # noqa: S603 - our own scripts
        if code != 0:
            failures[script.name] = code
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(render(_rows(), failures, started, _figures()), encoding="utf-8")
    print(f"== report: {REPORT.relative_to(ROOT)}")
    if failures:
        print(f"failed: {', '.join(failures)}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
