"""`make run`: the whole platform on its embedded default (SQLite under var/, demo data), in the
foreground, stopped cleanly by Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from daye_dev.processes import SERVICES, ServiceProcess, demo_env, frontend, platform

DEMO_PASSWORD_NOTE = "daye-demo-2025 (INDICATOR_DEMO_PASSWORD)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--root", type=Path, default=Path.cwd(), help="repository root; var/ is made under it"
    )
    parser.add_argument("--log-format", choices=["console", "json"], default="console")
    args = parser.parse_args()
    root: Path = args.root.resolve()
    (root / "var").mkdir(exist_ok=True)
    ports = {name: port for name, _, _, port in SERVICES}
    env = demo_env(LOG_FORMAT=args.log_format)
    # The bureau reviews new demands before they are public (院所答题: the hall shows approved ones).
    env["matching-api"]["MATCHING_REQUIRE_DEMAND_REVIEW"] = "true"
    processes = platform(ports, cwd=root, env=env)
    if (root / "frontend/node_modules").is_dir():
        processes.append(frontend(5173, ports, root=root))
    stopping = threading.Event()

    def stop(signum: int, _: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        # Started together: the others reach indicator-api only when a request needs it.
        for process in processes:
            process.start()
        for process in processes:
            process.wait_healthy()
        _announce(processes)
        while not stopping.wait(0.5):
            for process in processes:
                code = process.process.poll() if process.process else None
                if code is not None:
                    print(f"\n{process.name} exited ({code}); stopping the rest.", flush=True)
                    return 1
        return 0
    except (RuntimeError, TimeoutError) as exc:
        print(f"\nstart failed: {exc}", file=sys.stderr)
        return 1
    finally:
        print("\nstopping…", flush=True)
        for process in reversed(processes):
            process.stop()
        print("all services stopped.", flush=True)


def _announce(processes: list[ServiceProcess]) -> None:
    lines = ["", "大冶市科技创新平台 is running (demo data, SQLite under var/):", ""]
    web = next((p for p in processes if p.name == "frontend"), None)
    if web is not None:
        lines += [f"  open {web.url} in a browser and sign in (admin / the demo password below)", ""]
    for process in processes:
        docs = "" if process.name == "frontend" else f"   API docs: {process.url}/docs"
        lines.append(f"  {process.name:<14} {process.url}{docs}")
    lines += [
        "",
        "  demo accounts: admin, viewer, township unit codes (420281001 …), enterprise credit codes,",
        "  suppliers hbpu (湖北理工学院) and drcb (大冶农商银行); new demands wait for the bureau's review",
        f"  demo password: {DEMO_PASSWORD_NOTE}",
        "  Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
