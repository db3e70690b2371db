"""`lumen-migrate server start|status|stop`: one local Prefect server that later commands use instead of starting
the temporary one. Every command runs with its own PREFECT_HOME and HOME, so no real user's server is touched; one
server start (about 10 s) serves the whole lifecycle test."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flows.local_server import LOG_FILE_NAME, STATE_FILE_NAME, LocalServer, read_state, stop_server, write_state
from tests.e2e.conftest import Result, assert_clean, run_cli

pytestmark = pytest.mark.e2e


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    """A PREFECT_HOME (and HOME) of the test's own; a server still recorded there at the end is stopped."""
    folder = tmp_path / "home"
    folder.mkdir()
    yield folder
    server = read_state(folder / STATE_FILE_NAME)
    if server is not None:
        stop_server(server, path=folder / STATE_FILE_NAME)


def cli(home: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return run_cli(*args, cwd=home.parent, env={"PREFECT_HOME": str(home), "HOME": str(home), **(env or {})})


def test_a_started_server_serves_later_commands_until_stopped(home: Path) -> None:
    port = free_port()
    started = cli(home, "server", "start", "--port", str(port))
    assert started.code == 0, started.output
    assert_clean(started)
    address = f"http://127.0.0.1:{port}"
    assert started.stdout.splitlines()[:2] == [
        f"Prefect server started at {address} (pid {read_pid(home)}); its log: {home / LOG_FILE_NAME}",
        f"Open the UI at {address}"]
    assert "Prefect" in (home / LOG_FILE_NAME).read_text(), "the server's output goes to its log file"
    assert httpx.get(f"{address}/ui-settings", timeout=10).json()["api_url"] == f"{address}/api"

    status = cli(home, "server", "status", "--json")
    assert status.code == 0, status.output
    payload = json.loads(status.stdout)
    assert (payload["running"], payload["answering"], payload["url"], payload["ui_url"]) == (
        True, True, address, address)
    assert payload["log_file"] == str(home / LOG_FILE_NAME) and payload["state_file"] == str(home / STATE_FILE_NAME)

    again = cli(home, "server", "start", "--port", str(free_port()))
    assert again.code == 0, again.output
    assert again.stdout.startswith(f"A local Prefect server is already running at {address}"), again.output

    # A work command without PREFECT_API_URL runs its flow there; a temporary server given 1 s would fail it.
    assert cli(home, "sample-inventory", "--systems", "30", "--out", "estate.csv").code == 0
    imported = cli(home, "import", "estate.csv", env={"PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "1"})
    assert imported.code == 0, imported.output
    assert_clean(imported)
    flows = httpx.post(f"{address}/api/flows/filter", json={}, timeout=10).json()
    runs = httpx.post(f"{address}/api/flow_runs/filter", json={}, timeout=10).json()
    assert [flow["name"] for flow in flows] == ["import-inventory"], flows
    assert [run["state_type"] for run in runs] == ["COMPLETED"], runs
    # Named after what it did and tagged, so a terminal's runs are found in the UI.
    assert (runs[0]["name"], set(runs[0]["tags"])) == ("import estate.csv", {"lumen-migrate", "cli",
                                                                             "import-inventory"})
    # Approvals need a running server: the local one counts (the answer is then about the missing wave run).
    approve = cli(home, "approve", "0")
    assert approve.code == 2 and "none runs" not in approve.output, approve.output

    stopped = cli(home, "server", "stop")
    assert stopped.code == 0, stopped.output
    assert stopped.stdout.startswith(f"Stopped the local Prefect server at {address}"), stopped.output
    assert not (home / STATE_FILE_NAME).exists()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{address}/api/health", timeout=5)

    after = cli(home, "server", "status")
    assert after.code == 1, after.output
    assert after.stdout.startswith("No local Prefect server is running"), after.output
    assert cli(home, "server", "stop").stdout.startswith("No local Prefect server is running; nothing to stop")
    assert "and none runs" in cli(home, "approve", "0").output


def read_pid(home: Path) -> int:
    server = read_state(home / STATE_FILE_NAME)
    assert server is not None
    return server.pid


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def servers_on(port: int) -> list[int]:
    """Pids of Prefect servers started for `port` (read from /proc; empty where there is none)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue
        if b"prefect" in argv and b"--port" in argv and str(port).encode() in argv:
            found.append(int(cmdline.parent.name))
    return found


def test_a_stale_state_file_is_ignored_and_removed(home: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    stale = LocalServer.from_json({"pid": int(ended.stdout), "host": "127.0.0.1", "port": 4200,
                                   "log_file": str(home / LOG_FILE_NAME), "started_at": "2026-12-01T09:00:00+00:00"})
    write_state(stale, home / STATE_FILE_NAME)
    status = cli(home, "server", "status")
    assert status.code == 1 and status.stdout.startswith("No local Prefect server is running"), status.output
    assert not (home / STATE_FILE_NAME).exists()
    write_state(stale, home / STATE_FILE_NAME)
    assert cli(home, "approve", "0").output.count("and none runs") == 1
    assert not (home / STATE_FILE_NAME).exists()


def test_a_server_that_does_not_answer_in_time_is_one_line_naming_its_log_and_leaves_nothing(home: Path) -> None:
    port = free_port()
    result = cli(home, "server", "start", "--port", str(port), "--timeout", "1")
    assert result.code == 1, result.output
    assert_clean(result)
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: the Prefect server did not answer at http://127.0.0.1:"), result.output
    assert first.endswith(f"within 1 s; its log: {home / LOG_FILE_NAME}"), result.output
    assert not (home / STATE_FILE_NAME).exists()
    assert servers_on(port) == [], "the server that did not come up in time was stopped"


def test_a_port_in_use_is_bad_input(home: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli(home, "server", "start", "--port", str(port))
    assert result.code == 2, result.output
    assert result.stderr.startswith(f"error: --port: 127.0.0.1:{port} is not free"), result.output
    assert not (home / STATE_FILE_NAME).exists()
