"""The platform's services as real processes: start, wait until healthy, stop. Used by `make run`
and by the end-to-end tests."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from daye_demo import REPORT_DAY

# name, module, env prefix, default port
SERVICES: tuple[tuple[str, str, str, int], ...] = (
    ("indicator-api", "indicator_api", "INDICATOR_", 8001),
    ("matching-api", "matching_api", "MATCHING_", 8002),
    ("funding-api", "funding_api", "FUNDING_", 8003),
)


def demo_env(**extra: str) -> dict[str, dict[str, str]]:
    """Each service's environment for the demo world: demo mode on, the screens opening at the
    report's day; `extra` settings (without prefix, e.g. LOG_FORMAT) for every service."""
    env = {
        name: {f"{prefix}DEMO": "true", **{f"{prefix}{k}": v for k, v in extra.items()}}
        for name, _, prefix, _ in SERVICES
    }
    env["indicator-api"]["INDICATOR_REPORTING_AS_OF"] = REPORT_DAY.isoformat()
    return env


EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()


def _ephemeral_ports() -> range:
    try:
        low, high = (int(n) for n in EPHEMERAL_RANGE.read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999  # Linux's default
    return range(low, high + 1)


def free_port() -> int:
    """A port nothing listens on, for a service about to start. Not one the kernel would pick (port 0)
    from its ephemeral range: outgoing connections take their local ports there, and one could take
    the port between this check and the service's bind (a replica then exited with `address already
    in use`). Each port is handed out once per test run."""
    ephemeral = _ephemeral_ports()
    outside = range(20000, ephemeral.start) if ephemeral.start > 21000 else range(ephemeral.stop, 65536)
    candidates = list(outside)
    for port in random.sample(candidates, k=min(len(candidates), 500)):
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port outside the ephemeral range")


@dataclass
class ServiceProcess:
    name: str
    module: str
    port: int
    env: dict[str, str]
    cwd: Path
    log_path: Path | None = None
    command: list[str] | None = None  # default: this interpreter running the module
    health_path: str = "/healthz"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        output: IO[bytes] | None = None
        if self.log_path is not None:
            self._log = output = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, or npm
            self.command or [sys.executable, "-m", self.module],
            env={**os.environ, **self.env},
            cwd=self.cwd,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
        )

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.url}{self.health_path}", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{self.name} did not become healthy at {self.url} within {timeout}s")

    def stop(self, timeout: float = 15.0) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        return self.process.returncode

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path else ""


def print_log_tails(processes: Sequence[ServiceProcess], lines: int = 10) -> None:
    """The end of each process's log on stderr: what a failed run leaves to read (the logs go with
    their temporary directory)."""
    for process in processes:
        tail = "\n".join(process.log_text().splitlines()[-lines:])
        print(f"--- {process.name}, end of its log:\n{tail}", file=sys.stderr)


def sign_in(indicator: ServiceProcess, username: str, password: str) -> dict[str, str]:
    """The Authorization header of `username`, signed in at a running indicator-api."""
    response = httpx.post(
        f"{indicator.url}/api/v1/auth/token", data={"username": username, "password": password}, timeout=10
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def platform(
    ports: Mapping[str, int],
    *,
    cwd: Path,
    env: Mapping[str, Mapping[str, str]] | None = None,
    log_dir: Path | None = None,
) -> list[ServiceProcess]:
    """The three services wired to each other on the given ports."""
    urls = {name: f"http://127.0.0.1:{ports[name]}" for name, *_ in SERVICES}
    processes = []
    for name, module, prefix, _ in SERVICES:
        service_env = {
            f"{prefix}PORT": str(ports[name]),
            f"{prefix}HOST": "127.0.0.1",
            f"{prefix}INDICATOR_URL": urls["indicator-api"],
            f"{prefix}MATCHING_URL": urls["matching-api"],
            f"{prefix}FUNDING_URL": urls["funding-api"],
            **(env or {}).get(name, {}),
        }
        log_path = log_dir / f"{name}.log" if log_dir else None
        processes.append(ServiceProcess(name, module, ports[name], service_env, cwd, log_path))
    return processes


def frontend(
    port: int, api_ports: Mapping[str, int], *, root: Path, log_path: Path | None = None
) -> ServiceProcess:
    """The front end's Vite dev server, its /api/* proxied to the services on `api_ports`."""
    env = {
        "INDICATOR_API_URL": f"http://127.0.0.1:{api_ports['indicator-api']}",
        "MATCHING_API_URL": f"http://127.0.0.1:{api_ports['matching-api']}",
        "FUNDING_API_URL": f"http://127.0.0.1:{api_ports['funding-api']}",
    }
    command = ["node_modules/.bin/vite", "--host", "127.0.0.1", "--port", str(port), "--strictPort"]
    return ServiceProcess(
        "frontend", "", port, env, root / "frontend", log_path, command=command, health_path="/"
    )


def demo_stack(
    workdir: Path, *, only: Sequence[str] | None = None, demo_password: str | None = None, **extra: str
) -> list[ServiceProcess]:
    """The services (all three, or `only` those named) on free ports with the demo world, logging to
    `workdir`; `extra` settings (without prefix) for every service."""
    ports = {name: free_port() for name, *_ in SERVICES}
    env = demo_env(**extra)
    if demo_password is not None:
        env["indicator-api"]["INDICATOR_DEMO_PASSWORD"] = demo_password
    processes = platform(ports, cwd=workdir, env=env, log_dir=workdir)
    return [p for p in processes if only is None or p.name in only]


@contextmanager
def running(
    processes: Sequence[ServiceProcess], *, timeout: float = 120.0
) -> Iterator[dict[str, ServiceProcess]]:
    """Starts the processes together (as `make run` does: a peer is reached only when a request
    needs it), waits until each is healthy, and stops them in reverse order, by name."""
    started: list[ServiceProcess] = []
    try:
        for process in processes:
            process.start()
            started.append(process)
        for process in started:
            process.wait_healthy(timeout=timeout)
        yield {p.name: p for p in started}
    finally:
        for process in reversed(started):
            process.stop()
