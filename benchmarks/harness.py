"""Shared benchmark plumbing: run a command in a fresh process, measure wall time and its own peak RSS.

Each figure is taken in a new process (os.wait4 gives that child's own peak memory), so imports, caches and
Prefect start-up are counted as a user would pay them. `prefect_server()` starts a real `prefect server start`
for the "without the start" figures.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Measurement:
    label: str
    seconds: float
    peak_mib: float
    code: int
    output: str

    def row(self) -> str:
        return f"| {self.label} | {self.seconds:.1f} s | {self.peak_mib:.0f} MiB |"


def measure(label: str, argv: Sequence[str], *, cwd: Path, env: dict[str, str | None] | None = None) -> Measurement:
    """Run argv to completion; wall seconds and the child's own peak RSS (MiB). An env value None unsets it."""
    full_env = {**os.environ, "PYTHONPATH": str(REPO)}
    for key, value in (env or {}).items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(list(argv), cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read().decode(errors="replace")
    result = Measurement(label, seconds, usage.ru_maxrss / 1024, process.returncode, output)
    if result.code != 0:
        raise SystemExit(f"{label} failed (exit {result.code}):\n{output}")
    return result


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "flows.cli", *args]


@contextlib.contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """A running `prefect server start` (what a team runs); yields its API URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    log = (home / "server.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
                                str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.5)
        else:
            raise SystemExit("prefect server did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def machine() -> str:
    """CPU count and model, memory, Python and platform: enough to compare two runs of a benchmark."""
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = f" ({line.split(':', 1)[1].strip()})"
                break
    memory = ""
    with contextlib.suppress(OSError, ValueError):
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB RAM"
    return f"{os.cpu_count()} CPU{model}{memory}, Python {sys.version.split()[0]}, {sys.platform}"


def load_average() -> str:
    """The 1/5/15-minute load averages: a figure taken while other jobs run is slower than the code."""
    try:
        return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:  # pragma: no cover - not on this platform
        return "load average unknown"
